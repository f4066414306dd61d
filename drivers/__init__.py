"""Card layers: transport (connection), protocol (APDU), application sessions.

Nothing in this package imports Flask: the kiosk imports the session layer only.
"""

"""The project's own virtual My Number card: the test double for every card test.

It answers the APDUs of ``shared/docs/card.md`` in-process (``inprocess``) or through
vsmartcard's vpcd into a real pcscd (``vpcd``), with keys and certificates issued by a
local test CA (``pki``) for the demo residents of ``config/residents.toml`` (``residents``).
"""

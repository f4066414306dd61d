"""One visit at the kiosk: the flow state machine, the card steps, the card worker thread and
the terminal that ties them to the screens."""

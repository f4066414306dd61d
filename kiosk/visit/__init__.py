"""One visit at the kiosk: the flow state machine, the card steps, the card worker and
registration threads, and the terminal that ties them to the screens."""

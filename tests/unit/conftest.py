"""Fixtures for the unit tests that run a whole terminal without Flask."""

from __future__ import annotations

import pytest

from drivers.virtualcard.inprocess import VirtualReader
from kiosk.gateway.simulator import SimulatedGateway
from kiosk.statistics.outbox import Outbox
from kiosk.statistics.store import StatsStore
from kiosk.visit.terminal import Terminal


@pytest.fixture
def kiosk(tmp_path, pki):
    """A terminal on the in-process reader; stopped at the end."""
    made = []

    def make(gateway=None, **kwargs) -> tuple[Terminal, VirtualReader]:
        reader = VirtualReader()
        gateway = gateway or SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert])
        stats = StatsStore(tmp_path / "stats.sqlite3")
        kwargs.setdefault("outbox", Outbox(tmp_path))
        terminal = Terminal(reader, gateway, stats, installation_key=b"k" * 32, **kwargs)
        terminal.start()
        made.append(terminal)
        return terminal, reader

    yield make
    for terminal in made:
        terminal.stop()

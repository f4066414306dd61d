"""Help rows on both statistics stores: appended, chained, sealed, and never updated in place."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from kiosk.statistics.help import Help, HelpKind, HelpLedger
from kiosk.statistics.seal import Seal
from kiosk.statistics.store import StatsStore


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return StatsStore(tmp_path / "stats.sqlite3", seal=Seal.in_folder(tmp_path))
    return StatsStore(request.getfixturevalue("postgres").new_database(), seal=Seal.in_folder(tmp_path))


def test_help_rows_chain_and_refuse_an_update(store):
    ledger = HelpLedger(store)
    ledger.record(Help("visit-1", HelpKind.ASSISTED, "", ("h-a", "h-b"), "h-a"), "kiosk-01")
    ledger.record(Help("visit-1", HelpKind.CATEGORY, "pin_help", ("h-a",), "h-b"), "kiosk-01")
    rows = ledger.rows(["visit-1"])
    assert [(r["kind"], r["staff_on_duty"], r["acted_by"]) for r in rows] == [
        ("assisted", "h-a h-b", "h-a"), ("category", "h-a", "h-b")]  # fmt: skip
    assert ledger.verify() == ""
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as db:
        db.exec_driver_sql("UPDATE help_records SET kind = 'self_service'")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as db:
        db.exec_driver_sql("DELETE FROM help_records")

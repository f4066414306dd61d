"""Issue 12.6 (the rest) and 14.8 on a shared server: the prune anchor sealed, exports carrying
their signed head for `merge`, and each kiosk's dashboard checkpoint over a shared chain.

The attacker has the database (the SQLite file, or SQL on the shared server) but no key."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kiosk.statistics.checkpoint import verify_recent
from kiosk.statistics.seal import Seal
from kiosk.statistics.store import StatsStore
from tests.support.events import event


def forge_anchor_and_drop(store: StatsStore, through: int) -> None:
    """What prune does, by hand: the permit, the rows gone, a new anchor at the last dropped row."""
    with store.engine.begin() as db:
        last = db.execute(sa.text("SELECT row_hash FROM events WHERE seq = :s"), {"s": through}).scalar()
        db.exec_driver_sql("INSERT INTO chain_prune (id) VALUES (1)")
        db.execute(sa.text("DELETE FROM events WHERE seq <= :s"), {"s": through})
        db.exec_driver_sql("DELETE FROM chain_prune")
        db.execute(
            sa.text("INSERT INTO chain_anchor (id, seq, row_hash) VALUES (1, :s, :h)"
                    " ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, row_hash = excluded.row_hash"),
            {"s": through, "h": last},
        )  # fmt: skip


def test_a_prune_anchor_written_without_the_key_is_refused(tmp_path):
    store = StatsStore(tmp_path / "stats.sqlite3", seal=Seal.in_folder(tmp_path))
    store.append([event(f"2026-11-05 10:{i:02d}") for i in range(6)])
    assert verify_recent(store).ok  # the dashboard's checkpoint at row 6

    forge_anchor_and_drop(store, through=3)

    for report in (store.verify(), verify_recent(store)):
        assert not report.ok
        assert "prune anchor (row 3) is not proven by the seal" in report.problem


def test_a_real_prune_seals_its_anchor_and_an_older_unsealed_anchor_is_sealed_once(tmp_path):
    plain = StatsStore(tmp_path / "stats.sqlite3")  # a kiosk from before the seal pruned once
    plain.append([event("2026-10-05 10:00"), event("2026-11-05 10:00")])
    assert plain.prune(dt.date(2026, 11, 1)) == 1

    store = StatsStore(tmp_path / "stats.sqlite3", seal=Seal.in_folder(tmp_path))
    assert store.verify().ok
    store.append([event("2026-12-05 10:00")])
    assert store.prune(dt.date(2026, 12, 1)) == 1
    assert store.verify().ok and verify_recent(store).ok
    with store.engine.begin() as db:  # clearing the seal is no way round it
        db.exec_driver_sql("UPDATE chain_anchor SET anchor_mac = NULL")
    assert "prune anchor (row 2) is not proven" in store.verify().problem


def _shared_kiosks(tmp_path, url: str) -> list[StatsStore]:
    return [StatsStore(url, seal=Seal.in_folder(_folder(tmp_path, n)), sealed_terminal=f"kiosk-0{n}") for n in (1, 2)]


def _folder(tmp_path, n: int):
    folder = tmp_path / f"k{n}"
    folder.mkdir(exist_ok=True)
    return folder


def _take_turns(kiosks: list[StatsStore], count: int, day: str) -> None:
    for i in range(count):
        kiosks[i % 2].append([event(f"{day} 10:{i:02d}", terminal=f"kiosk-0{i % 2 + 1}")])


def test_each_kiosk_checks_only_the_rows_after_its_checkpoint_on_a_shared_server(tmp_path, postgres):
    url = postgres.new_database()
    kiosks = _shared_kiosks(tmp_path, url)
    _take_turns(kiosks, 10, "2026-11-05")
    for store in kiosks:
        first = verify_recent(store)  # the first load walks the whole shared chain
        assert first.ok and first.rows == 10
    _take_turns(kiosks, 3, "2026-11-06")  # rows of both kiosks after the checkpoints

    read = []
    listen = sa.event.listens_for(kiosks[0].engine, "after_cursor_execute")
    listen(lambda _c, cursor, statement, *_: read.append((statement, cursor.rowcount)))
    check = verify_recent(kiosks[0])
    event_rows = sum(n for statement, n in read if "FROM events" in statement and "count(*)" not in statement)

    assert check.ok and check.rows == 13 and check.head == kiosks[0].head()
    assert event_rows == 1 + 3 + 1  # the checkpoint row, the three new rows, the newest row's id (of 13)

    _take_turns(kiosks, 2, "2026-11-07")
    with kiosks[0].engine.begin() as db:  # SQL on the server: kiosk-01's new row's seal cleared
        db.exec_driver_sql("DROP TRIGGER events_no_update ON events")
        db.exec_driver_sql("UPDATE events SET row_mac = NULL WHERE seq = 14")
    mine, theirs = (verify_recent(store) for store in kiosks)
    assert not mine.ok and "row 14 not proven by the seal" in mine.problem
    assert theirs.ok  # kiosk-02's key never proved kiosk-01's rows; kiosk-01's dashboard names it

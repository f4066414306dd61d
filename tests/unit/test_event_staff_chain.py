"""The helpers' pseudonyms on an event are in its hash only when set: a chain written before
(plain and training rows, outbox lines of an older kiosk) keeps its hashes and verifies, and a
store's CSV export with names round-trips through a merge."""

from __future__ import annotations

import io

from kiosk.statistics.outbox import OutboxRecord
from kiosk.statistics.recorder import deliver
from kiosk.statistics.store import COLUMNS, EXPORT_COLUMNS, GENESIS, StatsStore, merge_exports, row_hash, write_csv
from tests.support.events import event


def test_rows_from_before_keep_their_hashes_and_named_rows_verify_after_them(tmp_path):
    store = StatsStore(tmp_path / "stats.sqlite3")
    plain, trained = event("2026-11-05 10:00"), event("2026-11-05 10:05")
    store.append([plain, trained + (1,)])  # as a kiosk wrote them before staff_on_duty
    # An outbox line an older kiosk left behind (COLUMNS only) is delivered as it was.
    old_line = event("2026-11-05 10:10")
    deliver(store, [OutboxRecord(old_line[0], 0.0, old_line)])
    named = event("2026-11-05 10:15") + (0, "h-aaaaaaaaaaaa h-bbbbbbbbbbbb", "h-aaaaaaaaaaaa")
    store.append([named])

    rows = list(store.events(with_chain=True))
    first = row_hash(GENESIS, 1, plain)
    assert rows[0]["row_hash"] == first  # the hash a kiosk computed before this change
    assert rows[1]["row_hash"] == row_hash(first, 2, trained + (1,))
    assert [(r["staff_on_duty"], r["acted_by"]) for r in rows] == [
        (None, None), (None, None), (None, None), ("h-aaaaaaaaaaaa h-bbbbbbbbbbbb", "h-aaaaaaaaaaaa")]  # fmt: skip
    assert rows[3]["row_hash"] != row_hash(rows[2]["row_hash"], 4, named[: len(COLUMNS)])  # the names are hashed
    report = store.verify()
    assert report.ok and report.rows == 4

    out = io.StringIO()
    write_csv(rows, out, EXPORT_COLUMNS)
    path = tmp_path / "export.csv"
    path.write_text(out.getvalue(), encoding="utf-8-sig")
    merged, checks = merge_exports([path])
    assert [c.ok for _, c in checks] == [True] and merged[3]["acted_by"] == "h-aaaaaaaaaaaa"
    path.write_text(out.getvalue().replace("h-aaaaaaaaaaaa h-bbbbbbbbbbbb", "h-aaaaaaaaaaaa"), encoding="utf-8-sig")
    ((_, check),) = merge_exports([path])[1]
    assert not check.ok and "row 4" in check.problem

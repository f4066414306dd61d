"""Help rows leave a kiosk beside its events export (``F.help.csv``), so a merge of several
kiosks' exports counts the help recorded after a visit (assisted, categories, age band) as one
shared store does.

Each file's rows are checked from their chain's genesis before a merge uses them; a row is
counted once by its help_id (kiosks sharing one store export the same rows).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kiosk.statistics.help import HELP_COLUMNS
from kiosk.statistics.store import GENESIS, ChainReport, StatsStore, read_csv_export, row_hash

HELP_CHAIN_COLUMNS = ("seq", "prev_hash", "row_hash")
HELP_EXPORT_COLUMNS = HELP_COLUMNS + HELP_CHAIN_COLUMNS


def help_export_rows(store: StatsStore) -> list[dict]:
    """Every help row of the store with its chain columns, in chain order."""
    with store.engine.connect() as db:
        return [dict(r) for r in db.exec_driver_sql(
            f"SELECT {', '.join(HELP_EXPORT_COLUMNS)} FROM help_records ORDER BY seq").mappings()]  # fmt: skip


def verify_help_rows(rows: list[dict]) -> ChainReport:
    """The plain chain of exported help rows, in order (the seal stays on the terminal)."""
    seq, prev = 0, GENESIS
    for count, row in enumerate(rows):
        if int(row["seq"]) != seq + 1:
            return ChainReport(False, count, prev, f"help row {seq + 1} is missing or out of order")
        values = tuple("" if row[c] is None else row[c] for c in HELP_COLUMNS)
        if row["prev_hash"] != prev or row_hash(prev, seq + 1, values) != row["row_hash"]:
            return ChainReport(False, count, prev, f"help row {seq + 1} was altered")
        seq, prev = seq + 1, row["row_hash"]
    return ChainReport(True, len(rows), prev)


def merge_help(paths: Iterable[str | Path]) -> tuple[list[dict], list[tuple[str, ChainReport]]]:
    """Help rows of several kiosks' exports, each counted once, with each file's chain check."""
    seen: dict[str, dict] = {}
    checks = []
    for path in paths:
        rows = read_csv_export(path)
        checks.append((str(path), verify_help_rows(rows)))
        for row in rows:
            seen.setdefault(row["help_id"], row)
    merged = sorted(seen.values(), key=lambda r: (r["recorded_at"], r["terminal_id"], int(r["seq"])))
    return merged, checks

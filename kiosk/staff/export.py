"""Shifts and staff actions leave a kiosk beside its events export, so a merge of several
kiosks' exports gives the same claim as one shared store: helper hours and who pressed what.

An export names staff by their pseudonym only. Each file's staff actions are checked from their
chain's genesis before a merge uses them; shifts are counted once per (terminal, shift).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from kiosk.sqlite_db import transaction
from kiosk.staff.actions import ACTION_CHAIN_COLUMNS, ACTION_COLUMNS, verify_actions
from kiosk.staff.shifts import Shift
from kiosk.statistics.store import ChainReport, read_csv_export

SHIFT_COLUMNS = ("terminal_id", "shift_id", "staff", "venue", "started_at", "ended_at", "auto_closed")
ACTION_EXPORT_COLUMNS = ACTION_COLUMNS + ACTION_CHAIN_COLUMNS


def sibling(events_csv: str | Path, what: str) -> Path:
    """Where an events export's shifts or staff actions go: ``k1.csv`` → ``k1.shifts.csv``."""
    path = Path(events_csv)
    return path.with_name(f"{path.stem}.{what}.csv")


def shift_rows(accounts_path: str) -> list[dict]:
    """This kiosk's shifts for an export, the staff code replaced by the account's pseudonym."""
    with transaction(accounts_path, rows_as_dicts=True) as db:
        rows = db.execute(
            "SELECT s.terminal_id, s.id AS shift_id, coalesce(st.pseudonym, '') AS staff, s.venue, s.started_at,"
            " s.ended_at, s.auto_closed FROM shifts s LEFT JOIN staff st ON st.code = s.staff_code ORDER BY s.id"
        ).fetchall()
    return [dict(r) for r in rows]


def shifts_of(rows: Iterable[dict]) -> list[Shift]:
    """Exported shift rows back as Shifts (helper hours count them like the kiosk's own)."""
    return [
        Shift(r["staff"], r["venue"], dt.datetime.fromisoformat(r["started_at"]),
              dt.datetime.fromisoformat(r["ended_at"]) if r["ended_at"] else None, str(r["auto_closed"]) == "1")
        for r in rows
    ]  # fmt: skip


def merge_shifts(paths: Iterable[str | Path]) -> list[dict]:
    seen: dict[tuple[str, str], dict] = {}
    for path in paths:
        for row in read_csv_export(path):
            seen.setdefault((row["terminal_id"], str(row["shift_id"])), row)
    return sorted(seen.values(), key=lambda r: (r["started_at"], r["terminal_id"], int(r["shift_id"])))


def merge_actions(paths: Iterable[str | Path]) -> tuple[list[dict], list[tuple[str, ChainReport]]]:
    """Staff actions of several kiosks, each counted once, with each file's chain check."""
    seen: dict[tuple[str, str], dict] = {}
    checks = []
    for path in paths:
        rows = read_csv_export(path)
        for row in rows:
            row["seq"] = int(row["seq"])
        checks.append((str(path), verify_actions(rows)))
        for row in rows:
            seen.setdefault((row["terminal_id"], str(row["seq"])), row)
    merged = sorted(seen.values(), key=lambda r: (r["acted_at"], r["terminal_id"], r["seq"]))
    return merged, checks

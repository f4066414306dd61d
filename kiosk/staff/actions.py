"""The record of what helpers did to a visit: allowed the last PIN try, cancelled, marked it
assisted or self-service, chose a category or an age band, restarted the kiosk.

Several of these change the subsidy figures, and a helper can guess nobody's PIN but can press
these buttons, so each is recorded with who (the account's random pseudonym, never the staff
code), which visit and when. Rows are chained and sealed like the statistics events: each row's
hash covers the one before, its HMAC is under the terminal's seal key (never in the file), and
the newest sealed head is kept beside the key in ``actions.head``; the file refuses UPDATE and
DELETE (triggers, staff migration 0003). ``kiosk stats verify`` checks the chain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from kiosk.sqlite_db import transaction
from kiosk.statistics.seal import MISSING_HEAD, Seal, SealError
from kiosk.statistics.store import GENESIS, ChainReport, row_hash

# What a helper can do on the panel (kiosk/web/staff.py); anything else is refused.
ACTION_KINDS = ("allow_last_try", "cancel", "assisted", "self_service", "category", "age_band", "restart")
ACTIONS_HEAD_FILE = "actions.head"
# The hashed values, in order: what an export and a merge carry (no staff code, no resident data).
ACTION_COLUMNS = ("acted_at", "terminal_id", "actor", "visit_id", "kind", "value")
ACTION_CHAIN_COLUMNS = ("seq", "prev_hash", "row_hash")


class ActionError(ValueError):
    """An action that cannot be recorded: an unknown kind or an account that does not exist."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ActionLog:
    """The staff actions of one terminal, in its accounts file."""

    def __init__(self, path: str | Path, seal: Seal | None = None, clock: Callable[[], dt.datetime] = _now) -> None:
        self.path = str(path)
        self.clock = clock
        self.seal = seal.with_head(seal.head_path.with_name(ACTIONS_HEAD_FILE)) if seal else None
        if self.seal is not None and self.seal.known_head() is None:
            with transaction(self.path) as db:
                seq, head = self._head(db)
                first = db.execute("SELECT MIN(seq) FROM staff_actions WHERE row_mac IS NOT NULL").fetchone()[0]
            self.seal.pin_missing_head(seq, head, first)

    @staticmethod
    def _head(db) -> tuple[int, str]:
        row = db.execute("SELECT seq, row_hash FROM staff_actions ORDER BY seq DESC LIMIT 1").fetchone()
        return (int(row[0]), row[1]) if row else (0, GENESIS)

    def _mac(self, seq: int, link: str) -> str | None:
        # "action" keeps these HMACs apart from the events' and the shifts' under the same key.
        return self.seal.mac(seq, "action " + link) if self.seal else None

    def record(self, staff_code: str, terminal_id: str, kind: str, visit_id: str | None = None,
               value: str | None = None) -> int:  # fmt: skip
        """Append one action by the signed-in ``staff_code``; returns its sequence number."""
        if kind not in ACTION_KINDS:
            raise ActionError(f"unknown staff action {kind!r}")
        with transaction(self.path) as db:
            db.execute("BEGIN IMMEDIATE")  # one writer links at a time
            actor = db.execute("SELECT pseudonym FROM staff WHERE code = ?", (staff_code,)).fetchone()
            if actor is None or actor[0] is None:
                raise ActionError("no such staff account")
            seq, prev = self._head(db)
            seq += 1
            values = (self.clock().isoformat(timespec="seconds"), terminal_id, actor[0], visit_id or None, kind,
                      value or None)  # fmt: skip
            link = row_hash(prev, seq, values)
            db.execute(
                f"INSERT INTO staff_actions ({', '.join(ACTION_COLUMNS + ACTION_CHAIN_COLUMNS)}, row_mac)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, seq, prev, link, self._mac(seq, link)),
            )
        if self.seal is not None:
            known = self.seal.known_head()
            self.seal.remember(known.first_sealed if known else seq, seq, link)  # after the commit
        return seq

    def actions(self) -> list[dict]:
        """Every action in order, with its chain columns (what an export carries)."""
        columns = ", ".join(ACTION_COLUMNS + ACTION_CHAIN_COLUMNS)
        with transaction(self.path, rows_as_dicts=True) as db:
            return [dict(r) for r in db.execute(f"SELECT {columns} FROM staff_actions ORDER BY seq")]

    def verify(self) -> ChainReport:
        """The chain from the genesis, then (with the key) the seal on every row and the head."""
        with transaction(self.path, rows_as_dicts=True) as db:
            rows = [dict(r) for r in db.execute("SELECT * FROM staff_actions ORDER BY id")]
        report = verify_actions(rows)
        if not report.ok or self.seal is None:
            return report
        try:
            known = self.seal.known_head()
        except SealError as exc:
            return ChainReport(False, report.rows, report.head, str(exc))
        if known is None:
            return ChainReport(False, report.rows, report.head, MISSING_HEAD.format(name=ACTIONS_HEAD_FILE))
        sealed = [r for r in rows if r["seq"] >= known.first_sealed]
        forged = [r["seq"] for r in sealed if r["row_mac"] != self._mac(r["seq"], r["row_hash"])]
        if forged:
            problem = f"staff actions {_numbers(forged)} not proven by the seal (rewritten without the key)"
            return ChainReport(False, report.rows, report.head, problem)
        hashes = {r["seq"]: r["row_hash"] for r in rows} | {0: GENESIS}
        if hashes.get(known.seq) != known.row_hash:
            what = "missing" if known.seq not in hashes else "rewritten"
            return ChainReport(False, report.rows, report.head,
                               f"staff action {known.seq} (the sealed head) is {what}")  # fmt: skip
        return report


def verify_actions(rows: list[dict]) -> ChainReport:
    """The plain chain of action rows (dicts with ACTION_COLUMNS and the chain), in order."""
    seq, prev = 0, GENESIS
    for count, row in enumerate(rows):
        if int(row["seq"]) != seq + 1:
            return ChainReport(False, count, prev, f"staff action {seq + 1} is missing or out of order")
        values = tuple(row[c] or None if c in ("visit_id", "value") else row[c] for c in ACTION_COLUMNS)
        if row["prev_hash"] != prev or row_hash(prev, seq + 1, values) != row["row_hash"]:
            return ChainReport(False, count, prev, f"staff action {seq + 1} was altered")
        seq, prev = seq + 1, row["row_hash"]
    return ChainReport(True, len(rows), prev)


def _numbers(seqs: list[int]) -> str:
    return ", ".join(str(s) for s in seqs)

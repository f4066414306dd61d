"""The sealed count of shifts: a deleted shift row is caught, not only an edited one.

Each shift carries its own HMAC (accounts.py), which catches an edit but not a row that is gone.
So the number of shifts and the newest shift id are kept in ``shifts.head`` beside the seal key,
HMAC'ed with it, and written after each new shift's commit. Fewer shifts in the file than the
head counts, or the newest one gone, is a deletion. A missing head file is handled as the
statistics' is (Seal.pin_missing_head): reported by verify, rewritten only by the kiosk's start.
"""

from __future__ import annotations

import logging

from kiosk.sqlite_db import transaction
from kiosk.statistics.seal import MISSING_HEAD, Seal, SealError

SHIFTS_HEAD_FILE = "shifts.head"
_TOKEN = "shifts"  # the head's hash field: the count and newest id say it all

log = logging.getLogger(__name__)


class ShiftHead:
    def __init__(self, path: str, seal: Seal) -> None:
        self.path = path
        self.seal = seal.with_head(seal.head_path.with_name(SHIFTS_HEAD_FILE))
        if self.seal.known_head() is None:
            count, newest, sealed = self._counts()
            # as Seal.pin_missing_head: quietly for a file with no sealed shift (new, or from
            # before this head), otherwise only at the kiosk's start, with a warning
            if not sealed or self.seal.repair_head:
                if sealed:
                    log.warning("sealed head file %s was missing: writing a new one (%d shifts); shifts"
                                " deleted before now cannot be told", self.seal.head_path, count)
                self.seal.remember(count, newest, _TOKEN)

    def _counts(self) -> tuple[int, int, int]:
        with transaction(self.path) as db:
            row = db.execute("SELECT COUNT(*), COALESCE(MAX(id), 0), COUNT(shift_mac) FROM shifts").fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    def remember(self) -> None:
        """After a new shift's commit: the file's count now. A count lower than a racing writer's
        only weakens the check until the next shift; it never makes an honest file fail."""
        count, newest, _ = self._counts()
        known = self.seal.known_head()
        if known is None or (count, newest) >= (known.first_sealed, known.seq):
            self.seal.remember(count, newest, _TOKEN)

    def problem(self) -> str:
        """Why the shifts are not all there ('' if they are)."""
        try:
            known = self.seal.known_head()
        except SealError as exc:
            return str(exc)
        if known is None:
            return MISSING_HEAD.format(name=SHIFTS_HEAD_FILE)
        count, newest, _ = self._counts()
        if count < known.first_sealed or newest < known.seq:
            gone = max(known.first_sealed - count, 1)
            return (f"{gone} shift{'s' if gone > 1 else ''} deleted from the accounts file (the sealed head"
                    f" counts {known.first_sealed} up to shift {known.seq}, the file holds {count})")
        return ""

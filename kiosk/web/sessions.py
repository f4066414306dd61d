"""Server-side records of staff and manager sign-ins.

The session cookie is signed, not secret: whoever copies it (a shared tablet, a proxy log)
could use it until it expires. So the cookie only names a record here; signing out or expiry
deletes the record, and the copied cookie then opens nothing. The records are kept in the
accounts file (kiosk/staff/sign_ins.py): a restart signs nobody out, and a revocation holds
after it. No lock here: each step is one SQLite transaction. The records this process made or
read are also kept in memory, so that a signed-in helper keeps the panel while the instance
folder refuses the file (read-only, disk full): the panel is where that fault is shown.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
import time
from collections.abc import Callable

from kiosk.staff.sign_ins import SignInRecord, SignInRecords

# A helper's panel long-polls /staff/state about every 20 s, which renews the record: the
# session lives while the panel is open and dies this long after the tablet is put away.
HELPER_IDLE_SECONDS = 30 * 60
# A renewal is written at most this often per record: thirty polling tablets, not thirty writes
# a poll. The record then lives between HELPER_IDLE_SECONDS - this and HELPER_IDLE_SECONDS.
RENEW_EVERY_SECONDS = 60

log = logging.getLogger(__name__)


class SessionRegistry:
    def __init__(self, records: SignInRecords, manager_minutes: int,
                 clock: Callable[[], float] = time.time) -> None:  # fmt: skip
        self.records = records
        self.manager_seconds = manager_minutes * 60
        self.clock = clock  # Unix time: records outlive the process
        self._known: dict[str, SignInRecord] = {}  # token -> record, for a file that cannot be read

    def open(self, role: str, who: str) -> str:
        """A new record for a sign-in; returns its token for the cookie."""
        if role == "staff":
            idle: float | None = HELPER_IDLE_SECONDS
            lifetime = HELPER_IDLE_SECONDS
        else:
            idle, lifetime = None, self.manager_seconds  # a manager's area closes on time
        token = secrets.token_urlsafe(32)
        now = self.clock()
        record = SignInRecord(role, who, now + lifetime, idle)
        self.records.add(token, record, now)
        self._known[token] = record
        return token

    def check(self, token: str | None, role: str) -> str | None:
        """Who the record names if it is live and for ``role`` (renewing a helper's)."""
        if not token:
            return None
        try:
            record = self.records.get(token)
        except sqlite3.Error as exc:  # the folder refuses the file: what this process knows holds
            log.warning("sign-in records cannot be read (%s); using the ones in memory", exc)
            record = self._known.get(token)
        if record is None or record.role != role:
            self._known.pop(token, None)
            return None
        now = self.clock()
        if now >= record.expires_at:
            self.revoke(token)
            return None
        if record.idle_seconds is not None and now + record.idle_seconds - record.expires_at >= RENEW_EVERY_SECONDS:
            record = SignInRecord(record.role, record.who, now + record.idle_seconds, record.idle_seconds)
            try:
                self.records.extend(token, record.expires_at)
            except sqlite3.Error as exc:
                log.warning("sign-in record not renewed in the file (%s); renewed in memory", exc)
        self._known[token] = record
        return record.who

    def revoke(self, token: str | None) -> None:
        if token:
            self._known.pop(token, None)
            self.records.delete(token)

    def __len__(self) -> int:
        return self.records.live(self.clock())

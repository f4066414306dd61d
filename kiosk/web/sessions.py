"""Server-side records of staff and manager sign-ins.

The session cookie is signed, not secret: whoever copies it (a shared tablet, a proxy log)
could use it until it expires. So the cookie only names a record here; signing out or expiry
deletes the record, and the copied cookie then opens nothing. The records are kept in the
accounts file (kiosk/staff/sign_ins.py): a restart signs nobody out, and a revocation holds
after it. No lock here: each step is one SQLite transaction.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from kiosk.staff.sign_ins import SignInRecord, SignInRecords

# A helper's panel long-polls /staff/state about every 20 s, which renews the record: the
# session lives while the panel is open and dies this long after the tablet is put away.
HELPER_IDLE_SECONDS = 30 * 60
# A renewal is written at most this often per record: thirty polling tablets, not thirty writes
# a poll. The record then lives between HELPER_IDLE_SECONDS - this and HELPER_IDLE_SECONDS.
RENEW_EVERY_SECONDS = 60


class SessionRegistry:
    def __init__(self, records: SignInRecords, manager_minutes: int,
                 clock: Callable[[], float] = time.time) -> None:  # fmt: skip
        self.records = records
        self.manager_seconds = manager_minutes * 60
        self.clock = clock  # Unix time: records outlive the process

    def open(self, role: str, who: str) -> str:
        """A new record for a sign-in; returns its token for the cookie."""
        if role == "staff":
            idle: float | None = HELPER_IDLE_SECONDS
            lifetime = HELPER_IDLE_SECONDS
        else:
            idle, lifetime = None, self.manager_seconds  # a manager's area closes on time
        token = secrets.token_urlsafe(32)
        now = self.clock()
        self.records.add(token, SignInRecord(role, who, now + lifetime, idle), now)
        return token

    def check(self, token: str | None, role: str) -> str | None:
        """Who the record names if it is live and for ``role`` (renewing a helper's)."""
        if not token:
            return None
        record = self.records.get(token)
        if record is None or record.role != role:
            return None
        now = self.clock()
        if now >= record.expires_at:
            self.records.delete(token)
            return None
        if record.idle_seconds is not None and now + record.idle_seconds - record.expires_at >= RENEW_EVERY_SECONDS:
            self.records.extend(token, now + record.idle_seconds)
        return record.who

    def revoke(self, token: str | None) -> None:
        if token:
            self.records.delete(token)

    def __len__(self) -> int:
        return self.records.live(self.clock())

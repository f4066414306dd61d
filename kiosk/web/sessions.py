"""Server-side records of staff and manager sign-ins.

The session cookie is signed, not secret: whoever copies it (a shared tablet, a proxy log)
could use it until it expires. So the cookie only names a record here; signing out or expiry
deletes the record, and the copied cookie then opens nothing. Records live in memory: a
restart signs everyone out, which fails safe. No I/O happens under the lock.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# A helper's panel long-polls /staff/state about every 20 s, which renews the record: the
# session lives while the panel is open and dies this long after the tablet is put away.
HELPER_IDLE_SECONDS = 30 * 60


@dataclass
class SignIn:
    role: str  # 'staff' or 'manager'
    who: str
    expires_at: float  # on the registry's monotonic clock
    idle_seconds: float | None  # renewed on use by this much; None = fixed from sign-in


class SessionRegistry:
    def __init__(self, manager_minutes: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.manager_seconds = manager_minutes * 60
        self.clock = clock
        self._records: dict[str, SignIn] = {}
        self._lock = threading.Lock()

    def open(self, role: str, who: str) -> str:
        """A new record for a sign-in; returns its id for the cookie."""
        if role == "staff":
            idle: float | None = HELPER_IDLE_SECONDS
            lifetime = HELPER_IDLE_SECONDS
        else:
            idle, lifetime = None, self.manager_seconds  # a manager's area closes on time
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._expire()
            self._records[sid] = SignIn(role, who, self.clock() + lifetime, idle)
        return sid

    def check(self, sid: str | None, role: str) -> str | None:
        """Who the record names if it is live and for ``role`` (renewing a helper's)."""
        if not sid:
            return None
        now = self.clock()
        with self._lock:
            record = self._records.get(sid)
            if record is None or record.role != role:
                return None
            if now >= record.expires_at:
                del self._records[sid]
                return None
            if record.idle_seconds is not None:
                record.expires_at = now + record.idle_seconds
            return record.who

    def revoke(self, sid: str | None) -> None:
        with self._lock:
            self._records.pop(sid or "", None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def _expire(self) -> None:
        now = self.clock()
        for sid in [sid for sid, record in self._records.items() if now >= record.expires_at]:
            del self._records[sid]

"""The staff and manager sign-in records, in the accounts file (table ``sign_ins``).

A restart signs nobody out, and a cookie revoked at sign-out stays revoked across restarts.
Each record is keyed by the SHA-256 of the cookie's random token, so the file alone opens
no session. Times are Unix seconds: a record must outlive the process that made it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from kiosk.sqlite_db import transaction


@dataclass(frozen=True)
class SignInRecord:
    role: str  # 'staff' or 'manager'
    who: str
    expires_at: float
    idle_seconds: float | None  # renewed on use by this much; None = fixed from sign-in


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SignInRecords:
    def __init__(self, path: str) -> None:
        self.path = path  # already migrated by the AccountStore that owns the file

    def add(self, token: str, record: SignInRecord, now: float) -> None:
        with transaction(self.path) as db:
            db.execute("DELETE FROM sign_ins WHERE expires_at <= ?", (now,))  # the day's housekeeping
            db.execute(
                "INSERT INTO sign_ins (token_hash, role, who, expires_at, idle_seconds) VALUES (?, ?, ?, ?, ?)",
                (token_hash(token), record.role, record.who, record.expires_at, record.idle_seconds),
            )

    def get(self, token: str) -> SignInRecord | None:
        with transaction(self.path) as db:
            row = db.execute("SELECT role, who, expires_at, idle_seconds FROM sign_ins WHERE token_hash = ?",
                             (token_hash(token),)).fetchone()  # fmt: skip
        return SignInRecord(*row) if row else None

    def extend(self, token: str, expires_at: float) -> None:
        with transaction(self.path) as db:
            db.execute("UPDATE sign_ins SET expires_at = ? WHERE token_hash = ?", (expires_at, token_hash(token)))

    def delete(self, token: str) -> None:
        with transaction(self.path) as db:
            db.execute("DELETE FROM sign_ins WHERE token_hash = ?", (token_hash(token),))

    def live(self, now: float) -> int:
        with transaction(self.path) as db:
            return db.execute("SELECT count(*) FROM sign_ins WHERE expires_at > ?", (now,)).fetchone()[0]

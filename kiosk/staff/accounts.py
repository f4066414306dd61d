"""Staff (helpers) with their shifts, and managers: who may see and do what on the staff side.

Secrets are hashed with werkzeug's scrypt, never stored plain. A staff member signs in with a
staff code and a PIN of their own (at least six digits); shifts give the helper hours of the
subsidy report. Staff and managers lock out after repeated failed sign-ins, counted in the file.
What helpers do to a visit is recorded in ``actions`` (kiosk/staff/actions.py).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import secrets
import sqlite3
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool
from werkzeug.security import check_password_hash, generate_password_hash

from kiosk import schema_upgrade
from kiosk.sqlite_db import transaction
from kiosk.staff import schema
from kiosk.staff.actions import ActionLog
from kiosk.staff.shift_head import SHIFTS_HEAD_FILE, ShiftHead
from kiosk.staff.shifts import Shift
from kiosk.staff.sign_ins import SignInRecords
from kiosk.statistics.seal import Seal

HASH_METHOD = "scrypt"
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
# Four digits fell to a LAN guesser in 12 minutes (issue 12): new and reset PINs have 6 to 12.
MIN_STAFF_PIN, MAX_STAFF_PIN = 6, 12
STAFF_PIN_RULE = f"a staff PIN is {MIN_STAFF_PIN}-{MAX_STAFF_PIN} digits"
MIGRATIONS = Path(__file__).with_name("migrations")
# A helper's note is one of these reasons, never free text: free text let PINs through spelled
# in kanji or kana ("四三二一", "いち に さん よん") and took names and addresses (issue 12).
# The words shown for each are in the staff catalog (kiosk/web/staff.py).
NOTE_REASONS = ("forgot_pin", "no_card", "reader_trouble", "insurance_question", "needed_help_reading", "other")
# Notes serve the next few weeks' follow-up, not an archive: older ones are deleted.
NOTE_RETENTION = dt.timedelta(days=90)
DIGIT_RUN = re.compile(r"\d[\d\s-]{2,}\d")  # 4 or more digits, however spaced: a PIN or 個人番号


class AccountError(ValueError):
    """A clear, one-line reason an account action was refused."""


class LockedOut(AccountError):
    pass


class StaffCheck(enum.Enum):
    """What a staff sign-in gets. A locked account and an unknown code are REFUSED like a wrong
    PIN; only someone who typed the right PIN learns it is too short and must be reset."""

    OK = "ok"
    REFUSED = "refused"
    PIN_TOO_SHORT = "pin_too_short"

    def __bool__(self) -> bool:  # `if check_staff(...)` means signed in, as when it was a bool
        return self is StaffCheck.OK


def _pin_ok(pin: str) -> bool:
    return re.fullmatch(rf"\d{{{MIN_STAFF_PIN},{MAX_STAFF_PIN}}}", pin) is not None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def note_is_safe(text: str) -> bool:
    """Notes must never carry a PIN or a 個人番号: refuse any run of four or more digits."""
    return DIGIT_RUN.search(text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))) is None


def _complete_legacy(db) -> None:
    """A store from before migrations gets the tables revision 0001 had; later ones come by migration."""
    schema.metadata.create_all(db, tables=[schema.staff, schema.shifts, schema.managers, schema.notes])


class AccountStore:
    def __init__(self, path: str | Path, clock=_now, seal: Seal | None = None) -> None:
        self.path = str(path)
        self.clock = clock
        self.seal = seal
        # Opening migrates, as the statistics store does: an installed kiosk upgrades in place.
        engine = sa.create_engine(f"sqlite:///{self.path}", poolclass=NullPool)
        try:
            self.migration = schema_upgrade.upgrade(engine, MIGRATIONS, legacy_table="staff", adopted_revision="0001",
                                                    complete_legacy=_complete_legacy)  # fmt: skip
        finally:
            engine.dispose()
        if seal is not None and not seal.head_path.with_name(SHIFTS_HEAD_FILE).exists():
            self._adopt_unsealed_shifts()  # once shifts.head exists, cleared seals stay unproven
        self.shift_head = ShiftHead(self.path, seal) if seal is not None else None  # deletions
        self.actions = ActionLog(self.path, seal, clock)
        self.sign_ins = SignInRecords(self.path)

    def _db(self):
        return transaction(self.path, rows_as_dicts=True)

    # -- staff ------------------------------------------------------------------------
    def create_staff(self, code: str, pin: str) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_-]{2,32}", code):
            raise AccountError("a staff code is 2-32 letters, digits, '-' or '_'")
        if not _pin_ok(pin):
            raise AccountError(STAFF_PIN_RULE)
        with self._db() as db:
            try:
                db.execute(
                    "INSERT INTO staff (code, pin_hash, created_at, pseudonym) VALUES (?, ?, ?, ?)",
                    (code, generate_password_hash(pin, HASH_METHOD), self.clock().isoformat(), secrets.token_hex(8)),
                )
            except sqlite3.IntegrityError:
                raise AccountError(f"staff code {code!r} exists already") from None

    def reset_pin(self, code: str, pin: str) -> None:
        """A manager or IT sets a new PIN (6 digits or more); it also lifts a lock-out."""
        if not _pin_ok(pin):
            raise AccountError(STAFF_PIN_RULE)
        with self._db() as db:
            done = db.execute(
                "UPDATE staff SET pin_hash = ?, failed = 0, locked_until = NULL WHERE code = ?",
                (generate_password_hash(pin, HASH_METHOD), code),
            ).rowcount
        if not done:
            raise AccountError(f"no staff code {code!r}")

    def unlock_staff(self, code: str) -> None:
        """Lift a lock-out before it ends by itself (a manager, after checking with the helper)."""
        with self._db() as db:
            if not db.execute("UPDATE staff SET failed = 0, locked_until = NULL WHERE code = ?", (code,)).rowcount:
                raise AccountError(f"no staff code {code!r}")

    def check_staff(self, code: str, pin: str) -> StaffCheck:
        """The hash runs for unknown and locked codes too (same timing); every wrong PIN counts
        towards the lock-out in one atomic UPDATE, so parallel guesses are all counted."""
        with self._db() as db:
            row = db.execute("SELECT pin_hash FROM staff WHERE code = ?", (code,)).fetchone()
        ok = check_password_hash(row["pin_hash"] if row else _DUMMY_HASH, pin) and row is not None
        if row is None or not self._settle_attempt("staff", "code", code, ok):
            return StaffCheck.REFUSED
        if not ok:
            return StaffCheck.REFUSED
        # A PIN from before the six-digit rule: right, but no longer enough to sign in.
        return StaffCheck.OK if len(pin) >= MIN_STAFF_PIN else StaffCheck.PIN_TOO_SHORT

    def _settle_attempt(self, table: str, key: str, who: str, ok: bool) -> bool:
        """Count one sign-in attempt; False while ``who`` is locked out (nothing counted then).
        One UPDATE both checks the lock and counts, so no parallel guess is lost."""
        now = self.clock().isoformat()
        open_ = "(locked_until IS NULL OR locked_until <= :now)"
        with self._db() as db:
            if ok:
                done = db.execute(
                    f"UPDATE {table} SET failed = 0, locked_until = NULL WHERE {key} = :who AND {open_} RETURNING 1",
                    {"who": who, "now": now},
                ).fetchone()
            else:
                # A lock that has expired starts a fresh count.
                failed = "CASE WHEN locked_until IS NULL THEN failed + 1 ELSE 1 END"
                done = db.execute(
                    f"UPDATE {table} SET failed = {failed}, "
                    f"locked_until = CASE WHEN {failed} >= :max THEN :until ELSE NULL END "
                    f"WHERE {key} = :who AND {open_} RETURNING 1",
                    {"who": who, "now": now, "max": MAX_FAILED_LOGINS,
                     "until": (self.clock() + LOCKOUT).isoformat()},
                ).fetchone()  # fmt: skip
        return done is not None

    def start_shift(self, code: str, venue: str, terminal_id: str) -> int:
        with self._db() as db:
            open_shift = db.execute(
                "SELECT id FROM shifts WHERE staff_code = ? AND ended_at IS NULL", (code,)
            ).fetchone()
            if open_shift:
                return open_shift["id"]  # signing in twice continues the same shift
            cur = db.execute(
                "INSERT INTO shifts (staff_code, venue, terminal_id, started_at) VALUES (?, ?, ?, ?)",
                (code, venue, terminal_id, self.clock().isoformat()),
            )
            self._seal_shift(db, int(cur.lastrowid))
        if self.shift_head is not None:
            self.shift_head.remember()  # after the commit: the head counts stored shifts only
        return int(cur.lastrowid)

    def end_shift(self, code: str) -> None:
        with self._db() as db:
            open_ids = [r["id"] for r in db.execute(
                "SELECT id FROM shifts WHERE staff_code = ? AND ended_at IS NULL", (code,)).fetchall()]  # fmt: skip
            db.execute(
                "UPDATE shifts SET ended_at = ? WHERE staff_code = ? AND ended_at IS NULL",
                (self.clock().isoformat(), code),
            )
            for shift_id in open_ids:
                self._seal_shift(db, shift_id)

    def close_forgotten_shifts(self, close_at: dt.time, tz) -> int:
        """A shift left open past its day's closing time ends at that time, flagged."""
        now = self.clock()
        closed = 0
        with self._db() as db:
            for row in db.execute("SELECT id, started_at FROM shifts WHERE ended_at IS NULL").fetchall():
                start = dt.datetime.fromisoformat(row["started_at"]).astimezone(tz)
                deadline = dt.datetime.combine(start.date(), close_at, tz)
                if deadline <= start:
                    deadline += dt.timedelta(days=1)
                if now >= deadline:
                    db.execute(
                        "UPDATE shifts SET ended_at = ?, auto_closed = 1 WHERE id = ?",
                        (deadline.astimezone(dt.UTC).isoformat(), row["id"]),
                    )
                    self._seal_shift(db, row["id"])
                    closed += 1
        return closed

    # -- the seal over shifts: their hours are subsidy figures -------------------------------
    _SEALED = ("id", "staff_code", "venue", "terminal_id", "started_at", "ended_at", "auto_closed")

    def _shift_mac(self, row) -> str:
        assert self.seal is not None
        return self.seal.mac(int(row["id"]), "shift " + "|".join(str(row[c]) for c in self._SEALED))

    def _seal_shift(self, db, shift_id: int) -> None:
        """Seal the one shift this transaction just wrote, never a row found in the file."""
        if self.seal is None:
            return
        row = db.execute("SELECT * FROM shifts WHERE id = ?", (shift_id,)).fetchone()
        db.execute("UPDATE shifts SET shift_mac = ? WHERE id = ?", (self._shift_mac(row), shift_id))

    def _adopt_unsealed_shifts(self) -> None:
        """A file from before the seal: its shifts are sealed once, as found, when first opened."""
        with self._db() as db:
            if db.execute("SELECT 1 FROM shifts WHERE shift_mac IS NOT NULL LIMIT 1").fetchone() is None:
                for row in db.execute("SELECT id FROM shifts").fetchall():
                    self._seal_shift(db, row["id"])

    def unproven_shifts(self) -> list[int]:
        """Ids of shifts the seal key does not prove: edited, or written without the kiosk."""
        if self.seal is None:
            return []
        with self._db() as db:
            rows = db.execute("SELECT * FROM shifts ORDER BY id").fetchall()
        return [int(r["id"]) for r in rows if r["shift_mac"] != self._shift_mac(r)]

    def on_duty(self, terminal_id: str) -> list[tuple[str, dt.datetime]]:
        """(staff code, shift start) of the helpers whose shift at ``terminal_id`` is open now."""
        with self._db() as db:
            rows = db.execute(
                "SELECT staff_code, started_at FROM shifts WHERE terminal_id = ? AND ended_at IS NULL ORDER BY id",
                (terminal_id,),
            ).fetchall()
        return [(r["staff_code"], dt.datetime.fromisoformat(r["started_at"])) for r in rows]

    def shifts(self) -> list[Shift]:
        with self._db() as db:
            rows = db.execute("SELECT * FROM shifts ORDER BY id").fetchall()
        return [
            Shift(
                r["staff_code"],
                r["venue"],
                dt.datetime.fromisoformat(r["started_at"]),
                dt.datetime.fromisoformat(r["ended_at"]) if r["ended_at"] else None,
                bool(r["auto_closed"]),
            )
            for r in rows
        ]

    def add_note(self, code: str, reason: str) -> None:
        """Record one of NOTE_REASONS (its code, in the notes' text column)."""
        if reason not in NOTE_REASONS:
            raise AccountError("a note is one of the listed reasons")
        with self._db() as db:
            db.execute(
                "INSERT INTO notes (staff_code, written_at, text) VALUES (?, ?, ?)",
                (code, self.clock().isoformat(), reason),
            )

    def prune_notes(self) -> int:
        """Delete notes past NOTE_RETENTION, and any left from the free-text days (they may
        hold personal data). Returns how many were deleted."""
        cutoff = (self.clock() - NOTE_RETENTION).isoformat()
        listed = ", ".join("?" * len(NOTE_REASONS))
        with self._db() as db:
            cur = db.execute(
                f"DELETE FROM notes WHERE written_at < ? OR text NOT IN ({listed})", (cutoff, *NOTE_REASONS)
            )
            return cur.rowcount

    def notes(self) -> list[dict]:
        with self._db() as db:
            return [dict(r) for r in db.execute("SELECT staff_code, written_at, text FROM notes ORDER BY id")]

    # -- managers ---------------------------------------------------------------------
    def create_manager(self, name: str, password: str) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_.-]{2,64}", name):
            raise AccountError("a manager name is 2-64 letters, digits, '.', '-' or '_'")
        if len(password) < 10:
            raise AccountError("a manager password has at least 10 characters")
        with self._db() as db:
            try:
                db.execute(
                    "INSERT INTO managers (name, password_hash) VALUES (?, ?)",
                    (name, generate_password_hash(password, HASH_METHOD)),
                )
            except sqlite3.IntegrityError:
                raise AccountError(f"manager {name!r} exists already") from None

    def check_manager(self, name: str, password: str) -> bool:
        """True on success; raises LockedOut while locked (even with the right password).

        The slow hash runs first and outside any transaction, for known, unknown and locked
        names alike (same timing); then one UPDATE both checks the lock and counts the failure,
        so parallel guesses cannot overwrite each other's count (the review's 36 threads).
        """
        with self._db() as db:
            row = db.execute("SELECT password_hash FROM managers WHERE name = ?", (name,)).fetchone()
        ok = check_password_hash(row["password_hash"] if row else _DUMMY_HASH, password) and row is not None
        if row is None:
            return False
        if not self._settle_attempt("managers", "name", name, ok):
            raise LockedOut("too many failed logins: try again later")
        return ok


_DUMMY_HASH = generate_password_hash("not a real secret", HASH_METHOD)

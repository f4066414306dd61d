"""The statistics store: one row per finished session, no personal data (番号法).

Columns are the subsidy report's needs and nothing more: no name, address, birth date,
個人番号, PIN or certificate; the holder is a keyed pseudonym for counting repeat visits.

Rows are append-only and hash-chained: each holds the hash of the one before, so an edited,
deleted or reordered row breaks the chain at that row (`kiosk stats verify`), and an export
carries the chain head an auditor can compare with the terminal.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from kiosk.statistics import migrate
from kiosk.statistics.outbox import event_values
from kiosk.statistics.seal import Seal
from kiosk.statistics.sealcheck import SealedRow, check_anchor, check_seal, first_sealed, read_anchor, seal_anchor
from kiosk.visit.flow import SessionSummary

COLUMNS = (
    "event_id",
    "terminal_id",
    "venue",
    "started_at",
    "ended_at",
    "duration_seconds",
    "outcome",
    "reason",
    "pin_attempts",
    "tries_left_at_start",
    "new_card",
    "age_band",
    "language",
    "assisted",
    "options",
    "holder_key",
)
CHAIN_COLUMNS = ("seq", "prev_hash", "row_hash")
# Stored after the chain, hashed only when set, so rows from before each still verify: a
# training row's hash covers its flag (values end in 1); a row naming helpers (pseudonyms,
# space-separated) covers the pair (staff_on_duty, acted_by).
EXTRA_COLUMNS = ("training", "staff_on_duty", "acted_by")
EXPORT_COLUMNS = COLUMNS + CHAIN_COLUMNS + EXTRA_COLUMNS
# The manager's download leaves the office: no holder_key (only the how-many-th visit of the
# same card it was) and times to the minute, so no row can be linked to one resident's card.
MANAGER_EXPORT_COLUMNS = (tuple(c for c in COLUMNS if c != "holder_key") + ("holder_visit",) + EXTRA_COLUMNS
                          + CHAIN_COLUMNS)  # fmt: skip
GENESIS = "0" * 64
# Export encodings: UTF-8 with a BOM and CP932 (Shift_JIS); Excel on municipal PCs opens both.
CSV_ENCODINGS = {"utf-8": "utf-8-sig", "cp932": "cp932"}

def row_hash(prev_hash: str, seq: int, values: Iterable) -> str:
    """The chain link: SHA-256 over the previous hash, the sequence number and the row."""
    payload = json.dumps([prev_hash, seq, *values], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows: int
    head: str
    problem: str = ""
    unproven: str = ""  # rows only the plain chain vouches for (stored before the seal existed)
    note: str = ""  # on a shared server: a prune anchor another kiosk sealed (its verify proves it)


class StoreDamagedError(Exception):
    """The statistics file is not a readable database: one line naming it and what to do."""


CONNECT_TIMEOUT_SECONDS = 3
STATEMENT_TIMEOUT_MS = 5000


class StatsStore:
    """The events, in a SQLite file in the instance folder (WAL, full sync: a crash loses no
    committed row) or in one PostgreSQL database shared by several terminals."""

    def __init__(self, path_or_url: str | Path, seal: Seal | None = None, sealed_terminal: str | None = None) -> None:
        target = str(path_or_url)
        if target.startswith("sqlite:///"):
            target = target.removeprefix("sqlite:///")  # a SQLite URL is just the file
        self.is_sqlite = "://" not in target
        self.path = target  # the SQLite file, or the database URL
        if self.is_sqlite:
            self.engine = sa.create_engine(f"sqlite:///{target}", poolclass=NullPool)
            sa.event.listen(self.engine, "connect", _sqlite_connect)
            sa.event.listen(self.engine, "begin", _sqlite_begin)
        else:
            # A paused or unreachable server must fail fast, not hold the kiosk: libpq gives
            # up connecting after a few seconds, and the server ends any statement that waits.
            self.engine = sa.create_engine(
                target,
                pool_pre_ping=True,
                connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS,
                              "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"},  # fmt: skip
            )
        # Opening migrates: an installed kiosk brings its store to the newest schema by itself.
        try:
            self.migration = migrate.upgrade(self.engine)
        except sa.exc.DatabaseError as exc:
            # Garbage or a truncated file: stop, and never start a new chain over the old one.
            damaged = isinstance(exc.orig, sqlite3.DatabaseError) and not isinstance(exc.orig, sqlite3.OperationalError)
            if not (self.is_sqlite and damaged):
                raise
            raise StoreDamagedError(
                f"statistics file {target} is damaged ({exc.orig}): stop the kiosk, move the file aside"
                " and restore it from the backup"
            ) from exc
        self.seal = seal
        # On a shared server this terminal's key proves only the rows it wrote (sealcheck.py).
        self.sealed_terminal = sealed_terminal
        if seal is not None and seal.known_head() is None:
            # First opened with a key (a new store, or one from before the seal): pin its head.
            with self.engine.begin() as db:
                seq, head = self._head(db)
                seal_anchor(db, seal, sealed_terminal, only_unsealed=True)  # an anchor pruned before the seal
                first = first_sealed(db, sealed_terminal)
            seal.pin_missing_head(seq, head, first)

    def record(self, summary: SessionSummary, terminal_id: str, venue: str, training: bool = False,
               staff_on_duty: Iterable[str] = ()) -> str:  # fmt: skip
        event_id = summary.event_id or str(uuid.uuid4())
        values = event_values(summary, terminal_id, venue, event_id, training, staff_on_duty)
        self.append([values])
        return event_id

    def _lock(self, db) -> None:
        """One writer links at a time (SQLite: every transaction here is BEGIN IMMEDIATE)."""
        if not self.is_sqlite:
            db.exec_driver_sql("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE")

    def append(self, rows: Iterable[tuple]) -> int:
        """Append rows (values in COLUMNS order, then optionally EXTRA_COLUMNS) in one transaction."""
        stored = COLUMNS + CHAIN_COLUMNS + ("row_mac",) + EXTRA_COLUMNS
        insert = sa.text(f"INSERT INTO events ({', '.join(stored)}) VALUES ({', '.join(':' + c for c in stored)})")
        count = 0
        with self.engine.begin() as db:
            self._lock(db)
            seq, prev = self._head(db)
            batch = []
            for values in rows:
                seq += 1
                values, extras = hashed_values(values)
                link = row_hash(prev, seq, values)
                mac = self.seal.mac(seq, link) if self.seal else None
                row = (*values[: len(COLUMNS)], seq, prev, link, mac, *extras)
                batch.append(dict(zip(stored, row, strict=True)))
                prev = link
                if len(batch) >= 5000:
                    db.execute(insert, batch)
                    count += len(batch)
                    batch = []
            if batch:
                db.execute(insert, batch)
                count += len(batch)
        if self.seal is not None and count:
            known = self.seal.known_head()
            first = known.first_sealed if known else seq - count + 1
            self.seal.remember(first, seq, prev)  # after the commit: the head names stored rows only
        return count

    @staticmethod
    def _head(db) -> tuple[int, str]:
        row = db.exec_driver_sql("SELECT seq, row_hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        if row:
            return int(row[0]), row[1]
        anchor = db.exec_driver_sql("SELECT seq, row_hash FROM chain_anchor WHERE id = 1").fetchone()
        return (int(anchor[0]), anchor[1]) if anchor else (0, GENESIS)

    def events(self, with_chain: bool = False, ended: tuple[str, str] | None = None) -> Iterator[dict]:
        """Events in stored order; ``ended`` = (from, to) ISO UTC bounds on ended_at, to excluded."""
        columns = EXPORT_COLUMNS if with_chain else COLUMNS + EXTRA_COLUMNS
        where = "WHERE ended_at >= :start AND ended_at < :stop" if ended else ""
        params = {"start": ended[0], "stop": ended[1]} if ended else {}
        with self.engine.connect() as db:
            result = db.execution_options(yield_per=2000).execute(
                sa.text(f"SELECT {', '.join(columns)} FROM events {where} ORDER BY id"), params
            )
            for row in result.mappings():
                yield dict(row)

    def writable(self) -> bool:
        """Could a write go through? Checked without writing (a probe must not touch the data):
        the SQLite file and folder writable with free space, or the server not read-only.
        A full disk that still passes shows up as the recorder's failed write instead."""
        if self.is_sqlite:
            path = Path(self.path)
            try:
                free = os.statvfs(path.parent).f_bavail
            except OSError:
                return False
            return free > 0 and os.access(path.parent, os.W_OK) and os.access(path, os.W_OK)
        try:
            with self.engine.connect() as db:
                return db.exec_driver_sql("SHOW transaction_read_only").scalar() == "off"
        except sa.exc.SQLAlchemyError:
            return False

    def head(self) -> str:
        with self.engine.connect() as db:
            return self._head(db)[1]

    def head_at(self, before: dt.datetime) -> tuple[int, str]:
        """(seq, row_hash) of the last row that ended before ``before`` (UTC), else the anchor."""
        with self.engine.connect() as db:
            row = db.execute(
                sa.text("SELECT seq, row_hash FROM events WHERE ended_at < :t ORDER BY seq DESC LIMIT 1"),
                {"t": before.isoformat(timespec="seconds")},
            ).fetchone()
            if row is None:
                row = db.exec_driver_sql("SELECT seq, row_hash FROM chain_anchor WHERE id = 1").fetchone()
        return (int(row[0]), row[1]) if row else (0, GENESIS)

    def hash_at(self, seq: int) -> str | None:
        """The row_hash of row ``seq`` (or of the anchor, if it is the anchor's); None if gone."""
        with self.engine.connect() as db:
            row = db.execute(sa.text("SELECT row_hash FROM events WHERE seq = :s"), {"s": seq}).fetchone()
            if row is None:
                row = db.execute(sa.text("SELECT row_hash FROM chain_anchor WHERE seq = :s"), {"s": seq}).fetchone()
        if row is None and seq == 0:
            return GENESIS
        return row[0] if row else None

    def verify(self) -> ChainReport:
        """Walk the chain from the anchor; report the first edited, missing or moved row, then
        (with the seal key) every row the key does not prove and rows missing after the last."""
        with self.engine.connect() as db:
            anchor = read_anchor(db)
            seq, prev = (anchor.seq, anchor.row_hash) if anchor else (0, GENESIS)
            rows = db.exec_driver_sql(
                f"SELECT {', '.join(EXPORT_COLUMNS)}, row_mac FROM events ORDER BY id"
            ).fetchall()
        report = verify_rows((tuple(r[:-1]) for r in rows), seq, prev)
        if not report.ok or self.seal is None:
            return report
        n = len(COLUMNS)
        sealed = [SealedRow(int(r[n]), r[1], r[n + 2], r[-1]) for r in rows]
        problem, note = check_anchor(self.seal, anchor, self.sealed_terminal)
        if problem:
            return ChainReport(False, report.rows, report.head, problem)
        problem, unproven = check_seal(self.seal, sealed, (seq, prev), self.sealed_terminal)
        return ChainReport(not problem, report.rows, report.head, problem, unproven, note)

    def export_csv(self, out: TextIO) -> int:
        """Every event as CSV with its chain columns (header first); returns the row count.
        The last row's row_hash is the chain head."""
        return write_csv(self.events(with_chain=True), out, EXPORT_COLUMNS)

    def prune(self, before: dt.date) -> int:
        """Retention: fold raw events that ended before ``before`` into monthly_summary,
        delete them, and keep the last one's hash as the chain's new anchor."""
        cutoff = dt.datetime.combine(before, dt.time(), dt.UTC).isoformat(timespec="seconds")
        with self.engine.begin() as db:
            self._lock(db)
            # The chain can only lose a prefix (by seq), and a visit stored late may end before
            # one stored earlier: take the longest prefix that ended wholly before the cutoff,
            # and fold and delete exactly that prefix, so no younger visit goes with it.
            old = db.execute(
                sa.text(
                    "SELECT seq, row_hash FROM events WHERE ended_at < :cutoff AND seq < coalesce("
                    "(SELECT min(seq) FROM events WHERE ended_at >= :cutoff), seq + 1) ORDER BY seq DESC LIMIT 1"
                ),
                {"cutoff": cutoff},
            ).fetchone()
            if old is None:
                return 0
            last_seq, last_hash = int(old[0]), old[1]
            db.execute(
                sa.text(
                    "INSERT INTO monthly_summary SELECT substr(ended_at, 1, 7), terminal_id, venue, outcome,"
                    " coalesce(age_band, 'unknown'), coalesce(CAST(new_card AS TEXT), 'unknown'), assisted, count(*)"
                    " FROM events WHERE seq <= :seq GROUP BY 1, 2, 3, 4, 5, 6, 7"
                    " ON CONFLICT (month, terminal_id, venue, outcome, age_band, new_card, assisted)"
                    " DO UPDATE SET sessions = monthly_summary.sessions + excluded.sessions"
                ),
                {"seq": last_seq},
            )
            # The no-delete trigger lets rows go only while this transaction holds the permit.
            db.exec_driver_sql("INSERT INTO chain_prune (id) VALUES (1)")
            deleted = db.execute(sa.text("DELETE FROM events WHERE seq <= :seq"), {"seq": last_seq}).rowcount
            db.exec_driver_sql("DELETE FROM chain_prune")
            db.execute(
                sa.text(
                    "INSERT INTO chain_anchor (id, seq, row_hash) VALUES (1, :seq, :hash)"
                    " ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, row_hash = excluded.row_hash"
                ),
                {"seq": last_seq, "hash": last_hash},
            )
            seal_anchor(db, self.seal, self.sealed_terminal)  # the same transaction: never an anchor without its seal
        return deleted

    def summaries(self) -> list[dict]:
        with self.engine.connect() as db:
            return [dict(r) for r in db.exec_driver_sql("SELECT * FROM monthly_summary ORDER BY 1, 2, 3").mappings()]


def _sqlite_connect(dbapi_connection, _record) -> None:
    # SQLAlchemy emits BEGIN itself (below), so pysqlite must not; WAL + full sync for safety.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def hashed_values(values: tuple) -> tuple[tuple, tuple[int, str | None, str | None]]:
    """(the values the hash covers, the EXTRA_COLUMNS to store) of COLUMNS values followed by
    none, some or all of EXTRA_COLUMNS (an outbox line from an older kiosk has fewer)."""
    n = len(COLUMNS)
    extra = tuple(values[n:]) + (0, "", "")[len(values) - n :]
    training = int(bool(extra[0]))
    staff_on_duty, acted_by = extra[1] or "", extra[2] or ""
    covered = tuple(values[:n]) + ((1,) if training else ())
    if staff_on_duty or acted_by:
        covered += (staff_on_duty, acted_by)
    return covered, (training, staff_on_duty or None, acted_by or None)


def verify_rows(rows: Iterable[tuple], seq: int = 0, prev: str = GENESIS) -> ChainReport:
    """Rows are EXPORT_COLUMNS values (COLUMNS, seq, prev_hash, row_hash, EXTRA_COLUMNS) in stored order."""
    count = 0
    n = len(COLUMNS)
    for row in rows:
        values = hashed_values(tuple(row[:n]) + tuple(row[n + 3 : n + 3 + len(EXTRA_COLUMNS)]))[0]
        row_seq, row_prev, stored = row[n : n + 3]
        expected_seq = seq + 1
        if row_seq != expected_seq:
            what = "missing" if row_seq > expected_seq else "out of order"
            return ChainReport(False, count, prev, f"row {expected_seq} is {what} (found row {row_seq} there)")
        if row_prev != prev or row_hash(prev, row_seq, values) != stored:
            return ChainReport(False, count, prev, f"row {row_seq} ({values[0]}) was altered")
        seq, prev = row_seq, stored
        count += 1
    return ChainReport(True, count, prev)


INT_COLUMNS = {"pin_attempts", "tries_left_at_start", "new_card", "assisted", "seq", "training"}
NULLABLE = {"reason", "tries_left_at_start", "new_card", "age_band"}


def typed_row(row: dict) -> tuple:
    """A CSV row back into the stored values (COLUMNS, then the chain), as the hash saw them."""
    out = []
    for column in EXPORT_COLUMNS:
        value = row.get(column, "")
        if value == "" and column in NULLABLE:
            out.append(None)
        elif value == "" and column == "training":
            out.append(0)  # an export from before the flag: a real visit
        elif column in ("staff_on_duty", "acted_by"):
            out.append(value or "")  # an export from before these columns: nobody named
        elif column in INT_COLUMNS:
            out.append(int(value))
        elif column == "duration_seconds":
            out.append(float(value))
        else:
            out.append(value)
    return tuple(out)


def merge_exports(paths: Iterable[str | Path]) -> tuple[list[dict], list[tuple[str, ChainReport]]]:
    """Events of several terminals' exports, each counted once (by event_id), with each
    file's own chain check from the genesis (the caller refuses a merge with a broken one)."""
    seen: dict[str, dict] = {}
    checks = []
    for path in paths:
        rows = read_csv_export(path)
        # An export is proven from the chain's start: a file that begins later (its first rows
        # cut off) is checked from the genesis, so the missing rows are named, not trusted.
        checks.append((str(path), verify_rows(typed_row(r) for r in rows)))
        for row in rows:
            seen.setdefault(row["event_id"], row)
    merged = sorted(seen.values(), key=lambda r: (r["started_at"], r["terminal_id"], r["event_id"]))
    return merged, checks


# A text cell starting with one of these is a formula to Excel and LibreOffice (OWASP, "CSV
# Injection"): the manager opens exports on a municipal PC, so such cells get a leading quote.
# A cell already starting with a quote gets one too, so reading back can strip exactly one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def neutralise_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restore_cell(value: str) -> str:
    """The inverse of neutralise_cell, so a merged export's chain still verifies."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def read_csv_export(path: str | Path, encoding: str = "utf-8-sig") -> list[dict]:
    with open(path, encoding=encoding, newline="") as fh:
        return [{k: restore_cell(v) if isinstance(v, str) else v for k, v in r.items()} for r in csv.DictReader(fh)]


def write_csv(rows: Iterable[dict], out: TextIO, columns: tuple[str, ...]) -> int:
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({k: neutralise_cell(v) for k, v in row.items()})
        count += 1
    return count

"""The outbox: every finished visit on the kiosk's own disk before its screen says done.

The statistics store may be away for hours (the PostgreSQL server down or paused, the SQLite
folder read-only or its disk full) and the kiosk may be restarted meanwhile: a visit kept only
in memory would be lost without a trace. So each visit is first appended to a JSON-lines file in
the instance folder and fsync'd (file and folder), carrying a unique event id; the sender
(``sender.py``) delivers it later, skipping ids the store already holds, and then drops it here.

A full disk must not refuse the append: a reserve file of ``RESERVE_BYTES`` is kept beside the
outbox and given up when an append finds no space, and made again once space is back.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from kiosk.visit.flow import SessionSummary

log = logging.getLogger(__name__)

OUTBOX_FILE = "stats-outbox.jsonl"
RESERVE_FILE = "stats-outbox.reserve"
RESERVE_BYTES = 1 << 20  # about 2,500 visits' records: days of a counter with a full disk


class OutboxError(Exception):
    """The visit could not be made durable (the instance folder is not writable at all)."""


@dataclass(frozen=True)
class OutboxRecord:
    event_id: str
    appended_at: float  # wall clock, for the oldest record's age
    values: tuple  # the store's COLUMNS, then training, staff_on_duty, acted_by (fewer from older kiosks)


@dataclass(frozen=True)
class OutboxStatus:
    depth: int
    oldest_seconds: float | None  # None when empty


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds")


def event_values(summary: SessionSummary, terminal_id: str, venue: str, event_id: str, training: bool = False,
                 staff_on_duty: Iterable[str] = ()) -> tuple:  # fmt: skip
    """One finished visit as the store's row values (COLUMNS, then training, staff_on_duty and
    acted_by): nothing personal; helpers only as their pseudonyms."""
    return (
        event_id,
        terminal_id,
        venue,
        _iso(summary.started_at),
        _iso(summary.ended_at),
        round(summary.ended_at - summary.started_at, 3),
        summary.outcome.value,
        summary.reason.value if summary.reason else None,
        summary.pin_attempts,
        summary.tries_left_at_start,
        None if summary.new_card is None else int(summary.new_card),
        summary.age_band,
        summary.language,
        int(summary.assisted),
        " ".join(sorted(summary.options)),
        summary.holder_key,
        int(training),
        " ".join(sorted(set(staff_on_duty))),
        " ".join(sorted(summary.acted_by)),
    )


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_records(path: Path) -> list[OutboxRecord]:
    """What a previous run left (replayed at start; counted by `kiosk doctor`). A torn last line
    is an append that never returned, so its visit's screen never said done: it is dropped."""
    records: dict[str, OutboxRecord] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    for number, line in enumerate(text.splitlines(), 1):
        try:
            item = json.loads(line)
            record = OutboxRecord(item["id"], float(item["at"]), tuple(item["values"]))
        except (ValueError, KeyError, TypeError):
            log.warning("statistics outbox %s: line %d is incomplete (a write cut off), skipped", path, number)
            continue
        records.setdefault(record.event_id, record)
    return list(records.values())


class Outbox:
    """Appended to by the recorder's writer thread, emptied by the sender's thread; readers
    (/healthz, the panel) take a copy under a lock that guards the list only, never I/O."""

    def __init__(self, folder: Path, reserve_bytes: int = RESERVE_BYTES, clock: Callable[[], float] = time.time):
        self.folder = Path(folder)
        self.path = self.folder / OUTBOX_FILE
        self.reserve_path = self.folder / RESERVE_FILE
        self.reserve_bytes = reserve_bytes
        self.clock = clock
        self._lock = threading.Lock()
        self._file_lock = threading.Lock()  # the file's writers: append and compact (no page takes it)
        self._records: list[OutboxRecord] = self._load()
        self._keep_reserve()

    def _load(self) -> list[OutboxRecord]:
        records = read_records(self.path)
        if records:
            log.info("statistics outbox: %d visit(s) from before the restart to deliver", len(records))
        return records

    # -- the writer -------------------------------------------------------------------
    def append(self, values: tuple) -> OutboxRecord:
        """Append one visit (values in COLUMNS order, the event id first); durable on return."""
        record = OutboxRecord(values[0], self.clock(), tuple(values))
        line = json.dumps({"id": record.event_id, "at": record.appended_at, "values": list(values)},
                          ensure_ascii=False, separators=(",", ":")) + "\n"  # fmt: skip
        with self._file_lock:
            try:
                self._write(line.encode("utf-8"))
            except OSError as exc:
                if exc.errno not in (errno.ENOSPC, errno.EDQUOT) or not self.reserve_path.exists():
                    raise OutboxError(f"statistics outbox {self.path} cannot be written ({exc.strerror})") from exc
                log.error("disk full: the statistics outbox gives up its reserve to keep this visit")
                self.reserve_path.unlink()
                _fsync_folder(self.folder)
                try:
                    self._write(line.encode("utf-8"))
                except OSError as again:
                    raise OutboxError(f"statistics outbox {self.path} cannot be written ({again.strerror})") from again
            with self._lock:  # still under the file lock: a compaction now keeps this line
                self._records.append(record)
        return record

    def keep_in_memory(self, values: tuple) -> None:
        """A visit the folder refused: delivered while this process lives (and written with the
        next compaction, if the folder takes writes again by then)."""
        with self._lock:
            self._records.append(OutboxRecord(values[0], self.clock(), tuple(values)))

    def _write(self, data: bytes) -> None:
        created = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            try:
                os.write(fd, data)
                os.fsync(fd)
            except OSError:
                os.ftruncate(fd, size)  # no half line left for the retry to follow
                raise
        finally:
            os.close(fd)
        if created:
            _fsync_folder(self.folder)

    def _keep_reserve(self) -> None:
        """Make the reserve file if it is missing and there is room for it again."""
        if self.reserve_path.exists() or not self.reserve_bytes:
            return
        tmp = self.reserve_path.with_name(RESERVE_FILE + ".tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.posix_fallocate(fd, 0, self.reserve_bytes)
                os.fsync(fd)
            finally:
                os.close(fd)
            tmp.replace(self.reserve_path)
            _fsync_folder(self.folder)
        except OSError:
            tmp.unlink(missing_ok=True)  # still no room: tried again after the next delivery

    # -- the sender -------------------------------------------------------------------
    def pending(self) -> list[OutboxRecord]:
        """The visits not yet delivered, oldest first."""
        with self._lock:
            return list(self._records)

    def delivered(self, event_ids: Iterable[str]) -> None:
        """Forget delivered visits and rewrite the file without them. A rewrite that fails
        (a full disk) leaves them in the file: delivered again after a restart, the store
        skips ids it holds, so it never holds two copies."""
        done = set(event_ids)
        with self._lock:
            self._records = [r for r in self._records if r.event_id not in done]
        with self._file_lock:
            with self._lock:
                keep = list(self._records)
            try:
                self._rewrite(keep)
            except OSError as exc:
                log.warning("statistics outbox %s not compacted (%s); delivered visits stay in it", self.path, exc)
                return
            self._keep_reserve()

    def _rewrite(self, keep: list[OutboxRecord]) -> None:
        if not keep:
            if self.path.exists():
                self.path.unlink()
                _fsync_folder(self.folder)
            return
        tmp = self.path.with_name(OUTBOX_FILE + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            for r in keep:
                line = json.dumps({"id": r.event_id, "at": r.appended_at, "values": list(r.values)},
                                  ensure_ascii=False, separators=(",", ":")) + "\n"  # fmt: skip
                os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        tmp.replace(self.path)
        _fsync_folder(self.folder)

    # -- for staff --------------------------------------------------------------------
    def status(self) -> OutboxStatus:
        """Depth and the oldest visit's age: the panel's and /healthz's read-only view."""
        with self._lock:
            depth = len(self._records)
            oldest = self._records[0].appended_at if self._records else None
        return OutboxStatus(depth, None if oldest is None else max(0.0, self.clock() - oldest))

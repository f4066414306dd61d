"""The outbox: every finished visit on the kiosk's own disk before its screen says done.

The statistics store may be away for hours (the PostgreSQL server down or paused, the SQLite
folder read-only or its disk full) and the kiosk may be restarted meanwhile: a visit kept only
in memory would be lost without a trace. So each visit is first appended to a JSON-lines file in
the instance folder and fsync'd (file and folder), carrying a unique event id; the sender
(``sender.py``) delivers it later, skipping ids the store already holds, and then drops it here.

A full disk must not refuse the append: a reserve file of ``RESERVE_BYTES`` is kept beside the
outbox and given up when an append finds no space, and made again once space is back.

A folder that refuses writes altogether (read-only) leaves visits in memory only: they are
counted apart (/healthz ``outbox.in_memory``, the helper panel), written as soon as the folder
takes writes again, and any still in memory when the kiosk stops are counted in ``LOST_FILE``
(when it can be written at all) so that the next start says so too: never lost silently.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from kiosk.visit.flow import SessionSummary

log = logging.getLogger(__name__)

OUTBOX_FILE = "stats-outbox.jsonl"
RESERVE_FILE = "stats-outbox.reserve"
LOST_FILE = "stats-outbox.lost"  # visits lost at a stop: one "<time> <count>" line per stop
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
    in_memory: int = 0  # of ``depth``: kept in memory only (the folder refused them)


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


def _line(record: OutboxRecord) -> bytes:
    return (json.dumps({"id": record.event_id, "at": record.appended_at, "values": list(record.values)},
                       ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")  # fmt: skip


def lost_files(folder: Path) -> list[Path]:
    """Where a stop counts lost visits: the instance folder, else (it refuses writes) the
    system's temporary folder, under a name tied to this instance folder."""
    tag = hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:12]
    return [Path(folder) / LOST_FILE, Path(tempfile.gettempdir()) / f"madoguchi-{tag}-{LOST_FILE}"]


def lost_before(folder: Path) -> tuple[int, list[Path]]:
    """Visits earlier runs lost at a stop, and the files that count them (none: nothing lost)."""
    total, found = 0, []
    for path in lost_files(folder):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        found.append(path)
        total += sum(int(parts[-1]) for line in lines if (parts := line.split()) and parts[-1].isdigit())
    return total, found


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
        self._unwritten: set[str] = set()  # ids kept in memory only: the folder refused them
        self._records: list[OutboxRecord] = self._load()
        self._keep_reserve()

    def _load(self) -> list[OutboxRecord]:
        records = read_records(self.path)
        if records:
            log.info("statistics outbox: %d visit(s) from before the restart to deliver", len(records))
        lost, files = lost_before(self.folder)
        if files:
            log.error("statistics outbox: %d finished visit(s) were LOST when the kiosk stopped with its "
                      "instance folder refusing writes; report them as missing from the statistics, then "
                      "delete %s", lost, " and ".join(map(str, files)))  # fmt: skip
        return records

    # -- the writer -------------------------------------------------------------------
    def append(self, values: tuple) -> OutboxRecord:
        """Append one visit (values in COLUMNS order, the event id first); durable on return."""
        record = OutboxRecord(values[0], self.clock(), tuple(values))
        line = _line(record)
        with self._file_lock:
            try:
                self._write(line)
            except OSError as exc:
                if exc.errno not in (errno.ENOSPC, errno.EDQUOT) or not self.reserve_path.exists():
                    raise OutboxError(f"statistics outbox {self.path} cannot be written ({exc.strerror})") from exc
                log.error("disk full: the statistics outbox gives up its reserve to keep this visit")
                self.reserve_path.unlink()
                _fsync_folder(self.folder)
                try:
                    self._write(line)
                except OSError as again:
                    raise OutboxError(f"statistics outbox {self.path} cannot be written ({again.strerror})") from again
            with self._lock:  # still under the file lock: a compaction now keeps this line
                self._records.append(record)
        return record

    def keep_in_memory(self, values: tuple) -> None:
        """A visit the folder refused: delivered while this process lives, and written by
        ``write_kept`` (or the next compaction) once the folder takes writes again."""
        with self._lock:
            self._records.append(OutboxRecord(values[0], self.clock(), tuple(values)))
            self._unwritten.add(values[0])

    def write_kept(self) -> int:
        """Append the visits kept in memory only, if the folder takes writes again; returns
        how many are still in memory only."""
        with self._file_lock:
            with self._lock:
                kept = [r for r in self._records if r.event_id in self._unwritten]
            if not kept:
                return 0
            try:
                self._write(b"".join(_line(r) for r in kept))
            except OSError:
                return len(kept)
            with self._lock:
                self._unwritten.difference_update(r.event_id for r in kept)
                left = len(self._unwritten)
        log.warning("statistics outbox %s writable again: %d visit(s) kept in memory are on disk now",
                    self.path, len(kept))  # fmt: skip
        return left

    def note_lost(self, count: int) -> None:
        """The kiosk stops with ``count`` visits still in memory only: one line in a lost file
        (``lost_files``) for the next start, if any takes it (else the journal line is all)."""
        for path in lost_files(self.folder):
            try:
                with open(path, "a", encoding="utf-8") as fh:
                    fh.write(f"{_iso(self.clock())} {count}\n")
                    fh.flush()
                    os.fsync(fh.fileno())
                return
            except OSError as exc:
                problem = f"{path} ({exc.strerror})"
        log.error("statistics outbox: the count of lost visits cannot be kept in a file either: %s", problem)

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
            self._unwritten -= done  # in the store now: safe whatever the folder says
        with self._file_lock:
            with self._lock:
                keep = list(self._records)
            try:
                self._rewrite(keep)
            except OSError as exc:
                log.warning("statistics outbox %s not compacted (%s); delivered visits stay in it", self.path, exc)
                return
            with self._lock:
                self._unwritten.difference_update(r.event_id for r in keep)  # the file holds them now
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
                os.write(fd, _line(r))
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
            in_memory = len(self._unwritten)
        return OutboxStatus(depth, None if oldest is None else max(0.0, self.clock() - oldest), in_memory)

"""The statistics store, opened when it can be, and only if it still holds our chain.

The kiosk must start and serve residents while the store is away (the PostgreSQL server down
or paused, the SQLite folder read-only): the visits wait in the outbox, and the sender opens the
store in the background. But a store that comes back empty, or another store in its place (a
new database, a file restored from an old backup), would silently start a new chain: the
sender keeps the last head it delivered to (``stats.last-head``, 0600, in the instance folder),
and a store that does not hold that row is refused, at start with one line naming the store and
what to do.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from kiosk.statistics.store import StatsStore

log = logging.getLogger(__name__)

LAST_HEAD_FILE = "stats.last-head"
# Errors of a store that is away (no server, a read-only or full folder): tried again later.
UNREACHABLE = (sa.exc.OperationalError, sa.exc.InterfaceError, OSError)


class StoreReplacedError(Exception):
    """The store does not hold the chain this kiosk last delivered to: one line, what to do."""


class StoreUnavailableError(Exception):
    """The statistics store has not been reached since the kiosk started."""


@dataclass(frozen=True)
class Head:
    seq: int
    row_hash: str


def store_name(target: str) -> str:
    """The store as an operator knows it: the SQLite file, or the URL without its password."""
    if "://" not in target:
        return target
    return sa.engine.make_url(target).render_as_string(hide_password=True)


class LastHead:
    """The newest chain row the sender saw in the store, kept beside the outbox."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / LAST_HEAD_FILE

    def read(self) -> Head | None:
        try:
            item = json.loads(self.path.read_text())
            return Head(int(item["seq"]), str(item["row_hash"]))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError):
            raise StoreReplacedError(f"{self.path} is unreadable: move it aside if the store is known good") from None

    def write(self, store_label: str, head: Head) -> None:
        tmp = self.path.with_name(LAST_HEAD_FILE + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({"store": store_label, "seq": head.seq, "row_hash": head.row_hash}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(self.path)

    def check(self, store: StatsStore, label: str) -> None:
        """Refuse a store that lost the row last delivered to it (empty, or another chain)."""
        known = self.read()
        if known is None:
            return
        found = store.hash_at(known.seq)
        if found == known.row_hash:
            return
        anchor_seq, _ = store.head_at(dt.datetime.min.replace(tzinfo=dt.UTC))
        if found is None and anchor_seq > known.seq:
            return  # pruned past it (kiosk stats prune): the anchor carries the chain on
        last = store.head_at(_FAR_FUTURE)[0]
        if last == 0:
            what = "is empty"
        elif last < known.seq:
            what = f"ends at row {last} (an older copy?)"
        else:
            what = "holds another chain"
        raise StoreReplacedError(
            f"statistics store {label} {what}: this kiosk last stored row {known.seq} there; restore the store"
            f" from the backup (or, to start a new chain on purpose, move {self.path} aside) and start again"
        )

    def note(self, store: StatsStore, label: str) -> None:
        self.write(label, Head(*store.head_at(_FAR_FUTURE)))


_FAR_FUTURE = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


class LazyStatsStore:
    """A ``StatsStore`` once reached. ``try_open`` runs on the sender's thread (or once at
    start); pages only read what is open, so none waits on a server that does not answer."""

    def __init__(self, open_store: Callable[[], StatsStore], target: str, last_head: LastHead | None) -> None:
        self._open = open_store
        self.is_sqlite = "://" not in target or target.startswith("sqlite:")
        self.label = store_name(target.removeprefix("sqlite:///"))
        self.last_head = last_head
        self._store: StatsStore | None = None
        self._opening = threading.Lock()  # one opener at a time; only the start and the sender take it
        self.problem = ""  # why the store is not open (for the log and /healthz)
        self.refused = ""  # the store was reached but is not ours any more

    @classmethod
    def of(cls, store: StatsStore) -> LazyStatsStore:
        lazy = cls(lambda: store, store.path, None)
        lazy._store = store
        return lazy

    @property
    def opened(self) -> StatsStore | None:
        return self._store

    def try_open(self) -> StatsStore | None:
        """The store, opened (migrated, its head checked) if it can be reached now; None if not.
        StoreReplacedError and StoreDamagedError go to the caller: never retried silently."""
        with self._opening:
            if self._store is not None:
                return self._store
            if self.refused:
                raise StoreReplacedError(self.refused)
            try:
                store = self._open()
            except UNREACHABLE as exc:
                problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                if problem != self.problem:
                    log.error("statistics store %s not reachable (%s); visits wait in the outbox", self.label, problem)
                self.problem = problem
                return None
            if self.last_head is not None:
                try:
                    self.last_head.check(store, self.label)
                except StoreReplacedError as exc:
                    self.refused = self.problem = str(exc)  # until someone restores it and restarts
                    raise
            self._store, self.problem = store, ""
            log.info("statistics store %s open: %s", self.label, store.migration)
            return store

    def writable(self) -> bool:
        store = self._store
        return store.writable() if store is not None else False

    def __getattr__(self, name: str):
        # The manager's pages and the CLI read the open store; before it opens they say so.
        store = self.__dict__.get("_store")
        if store is None:
            raise StoreUnavailableError(f"statistics store {self.__dict__.get('label')} not reachable yet")
        return getattr(store, name)

"""One small SQLite helper for the stores that are always a local file (accounts, the
simulated gateway): a WAL connection per transaction, closed afterwards."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def transaction(path: str, rows_as_dicts: bool = False) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(path, timeout=10)
    if rows_as_dicts:
        db.row_factory = sqlite3.Row
    try:
        db.execute("PRAGMA journal_mode=WAL")
        with db:
            yield db
    finally:
        db.close()

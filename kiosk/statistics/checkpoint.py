"""Verify the chain from the last proven checkpoint, so the dashboard stays fast at ten years.

A full walk (`kiosk stats verify`) reads every row: about 7 s at 1,000,000 events. The
dashboard instead proves only the rows after a checkpoint (row id, seq, hash; HMAC'ed under the
seal key in the instance folder), and checks that the checkpoint row still holds its hash and
that no row before it went missing. An edit of an older row's content by someone without the
key breaks its seal and its hash, which the full walk (nightly or before a claim) names.

On a PostgreSQL store shared by several kiosks each kiosk keeps its own checkpoint over the
shared chain (in its own instance folder) and proves the new rows it wrote; the other kiosks'
new rows are linked by the chain, and their own dashboards prove their seals.
"""

from __future__ import annotations

import sqlalchemy as sa

from kiosk.statistics.seal import Checkpoint, SealError
from kiosk.statistics.sealcheck import check_anchor, read_anchor
from kiosk.statistics.sealcheck import seqs as _seqs
from kiosk.statistics.store import COLUMNS, EXPORT_COLUMNS, GENESIS, ChainReport, StatsStore, verify_rows


def verify_recent(store: StatsStore) -> ChainReport:
    """The chain's state for the dashboard; falls back to the full walk without a checkpoint."""
    if store.seal is None:
        return store.verify()
    checkpoint = store.seal.known_checkpoint()
    report = _since(store, checkpoint) if checkpoint else None
    if report is None:  # no checkpoint, or one that no longer fits (pruned, rows gone): walk all
        report = store.verify()
    if report.ok:
        remember_proven(store, report.head)
    return report


def _since(store: StatsStore, checkpoint: Checkpoint) -> ChainReport | None:
    with store.engine.connect() as db:
        sealed_anchor = read_anchor(db)
        if check_anchor(store.seal, sealed_anchor, store.sealed_terminal)[0]:
            return None  # a moved anchor: the full walk names it
        anchor = sealed_anchor.seq if sealed_anchor else 0
        where = {"id": checkpoint.row_id}
        at = db.execute(sa.text(f"SELECT {', '.join(EXPORT_COLUMNS)} FROM events WHERE id = :id"), where).fetchone()
        # Counting every row uses the small ended_at index (milliseconds at 1,000,000 rows).
        total = db.exec_driver_sql("SELECT count(*) FROM events").scalar()
        n = len(COLUMNS)
        if at is None or (int(at[n]), at[n + 2]) != (checkpoint.seq, checkpoint.row_hash):
            return None
        if not verify_rows([tuple(at)], checkpoint.seq - 1, at[n + 1]).ok:  # the checkpoint row, hashed again
            return None
        rows = db.execute(
            sa.text(f"SELECT {', '.join(EXPORT_COLUMNS)}, row_mac FROM events WHERE id > :id ORDER BY id"),
            {"id": checkpoint.row_id},
        ).fetchall()
        before = total - len(rows)  # one read transaction: the count and the rows agree
        if before != checkpoint.seq - int(anchor):
            return None
    chain = verify_rows((tuple(r[:-1]) for r in rows), checkpoint.seq, checkpoint.row_hash)
    total = before + chain.rows
    if not chain.ok:
        return ChainReport(False, total, chain.head, chain.problem)
    try:
        known = store.seal.known_head()
    except SealError as exc:
        return ChainReport(False, total, chain.head, str(exc))
    if known is None:
        return ChainReport(False, total, chain.head, "the sealed head is missing")
    mine = store.sealed_terminal  # on a shared server: this kiosk's rows only (sealcheck.py)
    forged = [int(r[n]) for r in rows if (mine is None or r[1] == mine) and int(r[n]) >= known.first_sealed
              and not store.seal.proves(int(r[n]), r[n + 2], r[-1])]  # fmt: skip
    if forged:
        problem = f"{_seqs(forged)} not proven by the seal (rewritten without the key)"
        return ChainReport(False, total, chain.head, problem)
    last = int(rows[-1][n]) if rows else checkpoint.seq
    if known.seq > last:
        return ChainReport(False, total, chain.head, f"{_seqs(range(last + 1, known.seq + 1))} missing")
    hashes = {checkpoint.seq: checkpoint.row_hash} | {int(r[n]): r[n + 2] for r in rows}
    if hashes.get(known.seq, known.row_hash) != known.row_hash:
        return ChainReport(False, total, chain.head, f"row {known.seq} differs from the sealed head")
    return ChainReport(True, total, chain.head)


def remember_proven(store: StatsStore, proven_head: str) -> None:
    """Checkpoint the newest row if it is the one just proven (a visit stored meanwhile waits);
    `kiosk stats verify` calls it too, so a large store's first dashboard need not walk it all."""
    if store.seal is None:
        return
    with store.engine.connect() as db:
        row = db.exec_driver_sql("SELECT id, seq, row_hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
    if row is not None and row[2] == proven_head != GENESIS:
        checkpoint = Checkpoint(int(row[0]), int(row[1]), row[2])
        if checkpoint != store.seal.known_checkpoint():
            store.seal.remember_checkpoint(checkpoint)

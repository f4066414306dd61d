"""Judging a chain by its seal: which rows the terminal's key proves, and whether the newest
sealed head is still there.

On a terminal's own SQLite file every row is its own. On a PostgreSQL store shared by several
kiosks each kiosk seals the rows it wrote with its own key (kept in its own instance folder) and
proves exactly those: ``mine`` names its terminal id. A rewrite rehashes every later row, so
the kiosks whose rows follow it see it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import sqlalchemy as sa

from kiosk.statistics.seal import HEAD_FILE, MISSING_HEAD, Seal, SealError


class SealedRow(NamedTuple):
    seq: int
    terminal_id: str
    row_hash: str
    row_mac: str | None


def seqs(numbers: Iterable[int]) -> str:
    """Sequence numbers as a reader names them: 'row 6', 'rows 1-6', 'rows 2, 5-7'."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    parts = [f"{a}" if a == b else f"{a}-{b}" for a, b in runs]
    single = len(runs) == 1 and runs[0][0] == runs[0][1]
    return ("row " if single else "rows ") + ", ".join(parts)


class Anchor(NamedTuple):
    """The chain_anchor row prune leaves: the last pruned row, sealed by the pruning kiosk."""

    seq: int
    row_hash: str
    anchor_mac: str | None
    sealed_by: str | None


def read_anchor(db) -> Anchor | None:
    row = db.exec_driver_sql("SELECT seq, row_hash, anchor_mac, sealed_by FROM chain_anchor WHERE id = 1").fetchone()
    return Anchor(int(row[0]), row[1], row[2], row[3]) if row else None


def seal_anchor(db, seal: Seal | None, terminal: str | None, only_unsealed: bool = False) -> None:
    """Seal the anchor inside the caller's transaction (prune's, or the first keyed open's)."""
    anchor = read_anchor(db)
    if seal is None or anchor is None or (only_unsealed and anchor.anchor_mac):
        return
    db.execute(
        sa.text("UPDATE chain_anchor SET anchor_mac = :mac, sealed_by = :by WHERE id = 1"),
        {"mac": seal.anchor_mac(anchor.seq, anchor.row_hash), "by": terminal or ""},
    )


def first_sealed(db, mine: str | None) -> int | None:
    """The first row this terminal's key sealed, or None (no sealed row: a new or older store)."""
    sql = "SELECT MIN(seq) FROM events WHERE row_mac IS NOT NULL" + (" AND terminal_id = :mine" if mine else "")
    found = db.execute(sa.text(sql), {"mine": mine} if mine else {}).scalar()
    return int(found) if found is not None else None


def check_anchor(seal: Seal, anchor: Anchor | None, mine: str | None) -> tuple[str, str]:
    """(problem, note) for the prune anchor: refused unless this key proves it; on a shared
    server an anchor another kiosk pruned to is only noted (that kiosk's verify proves it)."""
    if anchor is None or seal.proves_anchor(anchor.seq, anchor.row_hash, anchor.anchor_mac):
        return "", ""
    if mine is not None and anchor.anchor_mac and anchor.sealed_by and anchor.sealed_by != mine:
        return "", f"the prune anchor (row {anchor.seq}) was sealed by {anchor.sealed_by}"
    return f"the prune anchor (row {anchor.seq}) is not proven by the seal: rows up to it may have been dropped", ""


def check_seal(seal: Seal, rows: list[SealedRow], anchor: tuple[int, str], mine: str | None) -> tuple[str, str]:
    """(problem, unproven): the first thing the seal does not prove ('' if none), and the rows
    only the plain chain vouches for (written before this terminal sealed anything)."""
    try:
        known = seal.known_head()
    except SealError as exc:
        return str(exc), ""
    if known is None:
        return MISSING_HEAD.format(name=HEAD_FILE), ""
    own = [r for r in rows if mine is None or r.terminal_id == mine]
    forged = [r.seq for r in own if r.seq >= known.first_sealed and not seal.proves(r.seq, r.row_hash, r.row_mac)]
    if forged:
        return f"{seqs(forged)} not proven by the seal (rewritten without the key)", ""
    hashes = {r.seq: r.row_hash for r in rows}
    hashes[anchor[0]] = anchor[1]
    last = rows[-1].seq if rows else anchor[0]
    if known.seq > last:
        return f"{seqs(range(last + 1, known.seq + 1))} missing: the sealed head names row {known.seq}", ""
    if known.seq in hashes and hashes[known.seq] != known.row_hash:
        return f"row {known.seq} differs from the sealed head", ""
    older = [r.seq for r in own if r.seq < known.first_sealed]
    return "", seqs(older) if older else ""

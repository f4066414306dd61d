"""The signed head an export carries, and `kiosk stats merge`'s check of each export against it.

An export's own chain proves its rows hang together, not that they are the terminal's: anyone
can recompute a plain chain. So `kiosk stats export` writes beside ``F.csv`` the terminal's
signed head of the last row exported (``F.csv.head``, one line, as `kiosk stats head` prints),
and the manager's events CSV ends in one row holding that line. `merge` refuses an export whose
head is not signed, names another row, or is followed by rows; it names the rows no signature
proves. A sidecar's key is only as good as the key the manager knows: `--head` lines from the
paper file (or `--key`) name the trusted keys, and a sidecar signed by any other key, or a missing
sidecar, is refused. The sidecar's second line signs the files beside the export (export_files).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kiosk.statistics.export_files import check_files
from kiosk.statistics.seal import SealError
from kiosk.statistics.sealcheck import seqs

HEAD_PREFIX = "madoguchi-head "


@dataclass(frozen=True)
class SignedHead:
    day: str
    seq: int
    row_hash: str
    key: str  # the signer's Ed25519 public key, hex

    @property
    def fingerprint(self) -> str:
        return self.key[:16]


def parse_signed_head(line: str) -> SignedHead:
    """A head line whose signature its own key proves; SealError for anything else. Whether
    that key is the terminal's is the caller's question (trusted keys)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        statement, sig, public = line.strip().rsplit(" ", 2)
        _, day, seq, row_hash = statement.split(" ")
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public.removeprefix("key=")))
        key.verify(bytes.fromhex(sig.removeprefix("sig=")), statement.encode())
        return SignedHead(day, int(seq), row_hash, public.removeprefix("key="))
    except (ValueError, InvalidSignature):
        raise SealError(f"not a signed head: {line.strip()[:60]}") from None


def head_file(export: str | Path) -> Path:
    """Where an export's signed head goes: ``k1.csv`` → ``k1.csv.head``."""
    return Path(f"{export}.head")


def write_head(export: str | Path, line: str) -> Path:
    path = head_file(export)
    path.write_text(line.strip() + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True)
class HeadCheck:
    problem: str = ""  # refuse the merge
    note: str = ""  # rows only the plain chain vouches for, or which key signed


def check_export(head: SignedHead | None, chain: Sequence[tuple[int, str]], trusted: set[str]) -> HeadCheck:
    """``chain`` is the export's (seq, row_hash) in order, its plain chain already verified."""
    if head is None:
        if trusted:  # the manager named the terminals' keys: an export must prove itself by one
            return HeadCheck(f"no signed head beside it ({seqs(s for s, _ in chain) or 'no rows'} unproven)")
        unproven = f"{seqs(s for s, _ in chain)} proven by no signed head" if chain else ""
        return HeadCheck(note=f"no signed head beside it: {unproven}" if unproven else "no signed head beside it")
    if trusted and head.key not in trusted:
        return HeadCheck(f"its head is signed by key {head.fingerprint}, not a terminal's key you gave")
    hashes = dict(chain)
    last = chain[-1][0] if chain else 0
    if head.seq > last:
        return HeadCheck(f"{seqs(range(last + 1, head.seq + 1))} missing: the signed head names row {head.seq}")
    if head.seq and hashes.get(head.seq) != head.row_hash:
        return HeadCheck(f"row {head.seq} differs from the signed head")
    if head.seq < last:
        return HeadCheck(f"{seqs(range(head.seq + 1, last + 1))} after the signed head (added to the export)")
    return HeadCheck(note="" if trusted else f"head signed by key {head.fingerprint}")


def unheld(paper: Iterable[SignedHead], chains: Iterable[Sequence[tuple[int, str]]]) -> list[SignedHead]:
    """The paper heads no export holds (their rows missing or rewritten in every export)."""
    held = {pair for chain in chains for pair in chain}
    return [h for h in paper if (h.seq, h.row_hash) not in held]


class Tail:
    """Events passed through, remembering the last one's (seq, row_hash): the head to sign is
    the last row written, not the store's head a moment later."""

    def __init__(self, events: Iterable[dict], start: tuple[int, str]) -> None:
        self._events = events
        self.seq, self.row_hash = start

    def __iter__(self):
        for event in self._events:
            self.seq, self.row_hash = int(event["seq"]), event["row_hash"]
            yield event


def _chain_of(path: str | Path) -> list[tuple[int, str]]:
    from kiosk.statistics.store import read_csv_export

    return [(int(r["seq"]), r["row_hash"]) for r in read_csv_export(path)]


def check_merge(files: Sequence[str], checks: Sequence[tuple[str, object]], heads: Sequence[str],
                keys: Sequence[str]) -> tuple[list[str], str]:  # fmt: skip
    """(one line per export, why the merge is refused or ''). ``checks`` are merge_exports'
    plain-chain reports; ``heads`` the paper file's lines (SealError if one is not signed)."""
    paper = [parse_signed_head(line) for line in heads]
    trusted = {h.key for h in paper} | {k.strip().lower() for k in keys}
    lines, refused, chains = [], "", []
    for path, (_, report) in zip(files, checks, strict=True):
        if not report.ok:
            lines.append(f"{path}: {report.rows} events, CHAIN BROKEN: {report.problem}")
            refused = refused or "an export's chain cannot be proven"
            continue
        chain = _chain_of(path)
        chains.append(chain)
        sidecar = head_file(path)
        try:
            lines_in = sidecar.read_text(encoding="utf-8").splitlines() if sidecar.exists() else []
            head = parse_signed_head(lines_in[0]) if lines_in else None
            verdict = check_export(head, chain, trusted)
            files = check_files(path, lines_in[1:], head.key, head.seq, head.row_hash, bool(trusted)) if head else ""
            verdict = verdict if verdict.problem or not files else HeadCheck(files)
        except SealError as exc:
            verdict = HeadCheck(f"{sidecar.name}: {exc}")
        state = f"chain ok, head {report.head[:16]}"
        if verdict.problem:
            state = f"SIGNED HEAD REFUSED: {verdict.problem}"
            refused = refused or "an export is not what its terminal signed"
        lines.append(f"{path}: {report.rows} events, {state}" + (f"; {verdict.note}" if verdict.note else ""))
    for missing in unheld(paper, chains) if not refused else ():
        lines.append(f"--head {missing.day} row {missing.seq} (key {missing.fingerprint}): held by no export")
        refused = "a signed head from the paper file is missing or rewritten in every export"
    return lines, refused

"""The shifts and staff-actions files beside an export, bound to its signed head.

`F.shifts.csv` has no chain of its own, so a stretched ``ended_at`` would inflate helper hours
in a merged claim. `kiosk stats export` therefore adds a second signed line to ``F.csv.head``:
the SHA-256 of each file beside the export, tied to the head's row so a line from another export
cannot be swapped in. `merge` refuses a file whose digest differs, and (when the manager gave
`--key` or `--head`) a sidecar that carries no such line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from kiosk.statistics.seal import SealError, signed_line

FILES_PREFIX = "madoguchi-files "
BESIDE = ("shifts", "staff_actions", "help")


def _sibling(export: str | Path, what: str) -> Path:
    path = Path(export)  # kiosk.staff.export.sibling's naming: k1.csv → k1.shifts.csv
    return path.with_name(f"{path.stem}.{what}.csv")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def signed_files(folder: Path, export: str | Path, day: str, seq: int, row_hash: str) -> str:
    """The signed line naming the digests of the files now beside ``export``."""
    names = " ".join(f"{what}={digest(_sibling(export, what))}" for what in BESIDE)
    return signed_line(folder, f"{FILES_PREFIX.strip()} {day} {seq} {row_hash} {names}")


def check_files(export: str | Path, lines: Sequence[str], head_key: str, head_seq: int, head_hash: str,
                strict: bool) -> str:  # fmt: skip
    """Why the files beside ``export`` are not what its terminal signed, or ''. ``lines`` are the
    sidecar's lines after the head; ``strict`` when the manager named the trusted keys."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    line = next((x.strip() for x in lines if x.startswith(FILES_PREFIX)), "")
    if not line:
        return "its signed head covers no shifts or staff actions (export it again)" if strict else ""
    try:
        statement, sig, public = line.rsplit(" ", 2)
        _, _day, seq, row_hash, *names = statement.split(" ")
        key = public.removeprefix("key=")
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(key)).verify(
            bytes.fromhex(sig.removeprefix("sig=")), statement.encode())
        digests = dict(name.split("=", 1) for name in names)
    except (ValueError, InvalidSignature):
        raise SealError(f"not a signed files line: {line[:60]}") from None
    if key != head_key or (int(seq), row_hash) != (head_seq, head_hash):
        return "its files line belongs to another signed head"
    for what in BESIDE:
        path = _sibling(export, what)
        if what not in digests:
            return f"{path.name} is not covered by the signed head"
        if not path.exists() or digest(path) != digests[what]:
            return f"{path.name} differs from the file the terminal signed"
    return ""

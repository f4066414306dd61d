"""The chain's seal: what makes the statistics chain impossible to rewrite without a key.

A plain SHA-256 chain can be recomputed by anyone who can write the database. So each row also
carries an HMAC of its hash under a key that lives only in the terminal's instance folder (0600,
never in the database), and the newest sealed head (its sequence number and hash, HMAC'ed too)
is kept beside the key: deleting the newest rows, rewriting and rehashing rows, or clearing
their seals all fail verification without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

KEY_FILE = "chain.key"
HEAD_FILE = "chain.head"

log = logging.getLogger(__name__)

MISSING_HEAD = ("the sealed head file {name} is missing from the instance folder though sealed rows exist:"
                " rows deleted since cannot be told; restore {name} from the backup, or check the chain"
                " against the last paper head (`--head LINE`) and report it; the kiosk's next start"
                " writes a new head (logged as a warning)")  # fmt: skip


class SealError(Exception):
    """The sealed head file is unreadable or was not written with this key."""


@dataclass(frozen=True)
class SealedHead:
    first_sealed: int  # the first row this store sealed (rows before it came from an older kiosk)
    seq: int
    row_hash: str


def _create_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; 0600 from creation, never chmod'ed afterwards."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


class Seal:
    def __init__(self, key: bytes, head_path: Path, repair_head: bool = False) -> None:
        self._key = key
        self.head_path = head_path
        # Only the kiosk's own start may write a new head over a lost one (with a warning);
        # `kiosk stats verify` and the other commands report it instead.
        self.repair_head = repair_head

    @classmethod
    def in_folder(cls, folder: Path, key_path: Path | None = None, repair_head: bool = False) -> Seal:
        """The seal whose key (made once, 0600) and head file live in ``folder``."""
        key_path = key_path or folder / KEY_FILE
        if not key_path.exists():
            _create_private(key_path, secrets.token_bytes(32))
        return cls(key_path.read_bytes(), folder / HEAD_FILE, repair_head)

    def with_head(self, head_path: Path) -> Seal:
        """The same key, keeping the head of another chain (the staff actions) in ``head_path``."""
        return Seal(self._key, head_path, self.repair_head)

    def pin_missing_head(self, seq: int, row_hash: str, first_sealed: int | None) -> None:
        """Called when the head file is missing. A chain holding no sealed row (new, or from
        before the seal) is pinned quietly; one that does lost its head file, which would hide
        deleted newest rows: left missing for verify to report, unless this is the kiosk's start."""
        if first_sealed is None:
            self.remember(seq + 1, seq, row_hash)
        elif self.repair_head:
            log.warning("sealed head file %s was missing: writing a new one at row %d; rows deleted before"
                        " now cannot be told (check the chain against the last paper head)", self.head_path, seq)
            self.remember(first_sealed, seq, row_hash)

    def mac(self, seq: int, row_hash: str) -> str:
        return hmac.new(self._key, f"row {seq} {row_hash}".encode(), hashlib.sha256).hexdigest()

    def proves(self, seq: int, row_hash: str, row_mac: str | None) -> bool:
        return row_mac is not None and hmac.compare_digest(self.mac(seq, row_hash), row_mac)

    def anchor_mac(self, seq: int, row_hash: str) -> str:
        """The prune anchor's seal: without the key nobody can move the anchor to drop rows."""
        return hmac.new(self._key, f"anchor {seq} {row_hash}".encode(), hashlib.sha256).hexdigest()

    def proves_anchor(self, seq: int, row_hash: str, mac: str | None) -> bool:
        return mac is not None and hmac.compare_digest(self.anchor_mac(seq, row_hash), mac)

    def _head_mac(self, first: int, seq: int, row_hash: str) -> str:
        return hmac.new(self._key, f"head {first} {seq} {row_hash}".encode(), hashlib.sha256).hexdigest()

    def known_head(self) -> SealedHead | None:
        """The newest head this terminal sealed, or None before its first sealed row."""
        try:
            first, seq, row_hash, mac = self.head_path.read_text().split()
        except FileNotFoundError:
            return None
        except ValueError:
            raise SealError(f"{self.head_path} is not a sealed head") from None
        if not hmac.compare_digest(self._head_mac(int(first), int(seq), row_hash), mac):
            raise SealError(f"{self.head_path} was not sealed with this terminal's key")
        return SealedHead(int(first), int(seq), row_hash)

    def remember(self, first: int, seq: int, row_hash: str) -> None:
        line = f"{first} {seq} {row_hash} {self._head_mac(first, seq, row_hash)}\n"
        _create_private(self.head_path, line.encode())

    def _checkpoint_mac(self, row_id: int, seq: int, row_hash: str) -> str:
        text = f"checkpoint {row_id} {seq} {row_hash}"
        return hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()

    def known_checkpoint(self) -> Checkpoint | None:
        """The last row a full or incremental check proved, or None (never, or not ours)."""
        try:
            row_id, seq, row_hash, mac = (self.head_path.parent / CHECKPOINT_FILE).read_text().split()
        except (FileNotFoundError, ValueError):
            return None
        if not hmac.compare_digest(self._checkpoint_mac(int(row_id), int(seq), row_hash), mac):
            return None  # a forged checkpoint only costs a full walk
        return Checkpoint(int(row_id), int(seq), row_hash)

    def remember_checkpoint(self, checkpoint: Checkpoint) -> None:
        c = checkpoint
        line = f"{c.row_id} {c.seq} {c.row_hash} {self._checkpoint_mac(c.row_id, c.seq, c.row_hash)}\n"
        _create_private(self.head_path.parent / CHECKPOINT_FILE, line.encode())


CHECKPOINT_FILE = "chain.checkpoint"


@dataclass(frozen=True)
class Checkpoint:
    """A row up to which the chain was proven (its database id, seq and hash), HMAC'ed on disk."""

    row_id: int
    seq: int
    row_hash: str

SIGNING_KEY_FILE = "chain-signing.key"


def signing_key(folder: Path):
    """The terminal's Ed25519 key for daily heads (made once, 0600, in the instance folder)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = folder / SIGNING_KEY_FILE
    if not path.exists():
        _create_private(path, Ed25519PrivateKey.generate().private_bytes_raw())
    return Ed25519PrivateKey.from_private_bytes(path.read_bytes()), serialization


def signed_head(folder: Path, day: str, seq: int, row_hash: str) -> str:
    """One printable line a manager keeps (on paper or in the export): the day's head, signed.
    Anyone with the public key can later prove the chain still ends in (or passes) this row."""
    return signed_line(folder, f"madoguchi-head {day} {seq} {row_hash}")


def signed_line(folder: Path, statement: str) -> str:
    """``statement`` signed with the terminal's Ed25519 key: ``STATEMENT sig=HEX key=HEX``."""
    key, serialization = signing_key(folder)
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return f"{statement} sig={key.sign(statement.encode()).hex()} key={public.hex()}"


def read_signed_head(folder: Path, line: str) -> tuple[int, str]:
    """(seq, row_hash) of a head line this terminal signed; SealError for any other line."""
    from cryptography.exceptions import InvalidSignature

    key, serialization = signing_key(folder)
    ours = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    try:
        statement, sig, public = line.strip().rsplit(" ", 2)
        _, _day, seq, row_hash = statement.split(" ")
        if public.removeprefix("key=") != ours:
            raise SealError("the head was signed by another key than this terminal's")
        key.public_key().verify(bytes.fromhex(sig.removeprefix("sig=")), statement.encode())
        return int(seq), row_hash
    except (ValueError, InvalidSignature):
        raise SealError(f"not a head signed by this terminal: {line.strip()[:60]}") from None

"""A small BER-TLV reader for the card's data objects (tags like FF 20, DF 24).

Parsed by tag, never by fixed offset: the layout of the basic 4 info EF is unconfirmed.
"""

from __future__ import annotations


class TlvError(ValueError):
    """The bytes are not well-formed BER-TLV."""


def read_header(data: bytes, pos: int = 0) -> tuple[int, int, int]:
    """Parse the tag and length at ``pos``; return (tag, length, position of the value)."""
    try:
        tag = data[pos]
        pos += 1
        if tag & 0x1F == 0x1F:  # multi-byte tag: continue while bit 8 is set
            while True:
                b = data[pos]
                pos += 1
                tag = (tag << 8) | b
                if not b & 0x80:
                    break
                if tag > 0xFFFFFF:
                    raise TlvError("tag too long")
        first = data[pos]
        pos += 1
        if first < 0x80:
            length = first
        elif first in (0x81, 0x82, 0x83):
            n = first & 0x7F
            if pos + n > len(data):
                raise TlvError("truncated length")
            length = int.from_bytes(data[pos : pos + n], "big")
            pos += n
        else:
            raise TlvError(f"unsupported length byte {first:02X}")
    except IndexError as exc:
        raise TlvError("truncated header") from exc
    return tag, length, pos


def parse(data: bytes) -> list[tuple[int, bytes]]:
    """Split a run of TLVs into (tag, value) pairs."""
    items = []
    pos = 0
    while pos < len(data):
        if data[pos] in (0x00, 0xFF) and all(b == data[pos] for b in data[pos:]):
            break  # padding after the last object
        tag, length, start = read_header(data, pos)
        end = start + length
        if end > len(data):
            raise TlvError(f"value of tag {tag:X} runs past the data")
        items.append((tag, bytes(data[start:end])))
        pos = end
    return items


def encode(tag: int, value: bytes) -> bytes:
    """Encode one TLV (used by the virtual card)."""
    tag_bytes = tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    elif n <= 0xFF:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82]) + n.to_bytes(2, "big")
    return tag_bytes + length + value

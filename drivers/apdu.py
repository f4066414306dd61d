"""The protocol layer: building short APDUs and turning status words into exceptions.

The driver speaks short APDUs only (Lc/Le up to 255/256): whether the My Number card
accepts extended-length READ BINARY is unconfirmed, and every public reader of the card
uses short APDUs.
"""

from __future__ import annotations

import enum

from drivers.errors import ApduError, ApplicationNotAvailableError, FileNotFoundOnCardError
from drivers.transport import SmartCardConnection

__all__ = [
    "SW",
    "Ins",
    "ApduError",
    "ApplicationNotAvailableError",
    "FileNotFoundOnCardError",
    "ApduProtocol",
    "command",
    "secret_command",
    "split_response",
    "tries_from_sw",
]

SHORT_LE_MAX = 256  # Le 00: the most data one short response carries (ISO 7816-4)


class SW(enum.IntEnum):
    OK = 0x9000
    END_OF_FILE = 0x6282  # fewer bytes than Le: the file ended, the data is good
    WRONG_LENGTH = 0x6700
    SECURITY_STATUS_NOT_SATISFIED = 0x6982
    AUTH_METHOD_BLOCKED = 0x6983
    REFERENCE_DATA_NOT_USABLE = 0x6984
    CONDITIONS_NOT_SATISFIED = 0x6985
    WRONG_PARAMETERS = 0x6B00
    FILE_NOT_FOUND = 0x6A82
    INCORRECT_P1P2 = 0x6A86
    INS_NOT_SUPPORTED = 0x6D00
    CLA_NOT_SUPPORTED = 0x6E00


SW1_MORE_DATA = 0x61  # 61 xx: xx more bytes, fetch them with GET RESPONSE
SW1_WRONG_LE = 0x6C  # 6C xx: resend the same command with Le = xx
SW1_VERIFY_FAILED = 0x63  # 63 Cx: x tries left


class Ins(enum.IntEnum):
    SELECT = 0xA4
    READ_BINARY = 0xB0
    VERIFY = 0x20
    GET_RESPONSE = 0xC0
    COMPUTE_DIGITAL_SIGNATURE = 0x2A


def command(cla: int, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = None) -> bytes:
    """Build a short (ISO 7816-4 case 1-4) command APDU. ``le=256`` is encoded as 00."""
    if len(data) > 255:
        raise ValueError("short APDUs carry at most 255 data bytes")
    if le is not None and not 0 < le <= SHORT_LE_MAX:
        raise ValueError("Le must be 1..256")
    apdu = bytes([cla, ins, p1, p2])
    if data:
        apdu += bytes([len(data)]) + data
    if le is not None:
        apdu += bytes([le & 0xFF])
    return apdu


def secret_command(cla: int, ins: int, p1: int, p2: int, secret: bytes | bytearray) -> bytearray:
    """A case 3 command carrying a secret (a PIN), built straight into one mutable buffer that
    ``ApduProtocol.transceive_secret`` wipes once sent: no immutable bytes copy of it is made."""
    if not 0 < len(secret) <= 255:
        raise ValueError("a short APDU carries 1..255 data bytes")
    apdu = bytearray(5 + len(secret))
    apdu[0:5] = (cla, ins, p1, p2, len(secret))
    apdu[5:] = secret  # copied through the buffer protocol, not via a bytes object
    return apdu


def split_response(response: bytes) -> tuple[bytes, int]:
    """Split a raw response APDU into (data, SW). A response shorter than 2 bytes is broken."""
    if len(response) < 2:
        raise ApduError(0x0000, bytes(response))
    return bytes(response[:-2]), (response[-2] << 8) | response[-1]


def tries_from_sw(sw: int) -> int | None:
    """The tries left encoded in ``63 Cx``, or None for any other status word."""
    if sw >> 8 == SW1_VERIFY_FAILED and (sw & 0xF0) == 0xC0:
        return sw & 0x0F
    return None


class ApduProtocol:
    """Sends commands over a connection and hides T=0 style response chaining.

    ``61 xx`` answers are followed by GET RESPONSE until the data is complete, and a
    ``6C xx`` answer makes us resend the command with the Le the card asked for: real
    cards and readers differ in which of these they use, so the driver handles both.

    It also remembers what it last selected, so that sessions of two applications sharing
    one connection each know when to select theirs again (a SELECT is a round trip).
    """

    MAX_CHAINED_RESPONSES = 64  # a card that keeps saying 61 xx is broken, not chatty

    def __init__(self, connection: SmartCardConnection) -> None:
        self.connection = connection
        self.selected_aid: bytes | None = None  # None: unknown or none (power-on state)
        self.selected_ef: int | None = None
        self.apdu_count = 0
        self.bytes_sent = 0
        self.bytes_received = 0

    def _exchange(self, apdu: bytes | bytearray) -> tuple[bytes, int]:
        self.apdu_count += 1
        self.bytes_sent += len(apdu)
        data, sw = self.connection.send_and_receive(apdu)
        self.bytes_received += len(data) + 2
        return data, sw

    def transceive(self, apdu: bytes) -> tuple[bytes, int]:
        """Send one command; return (all data, final SW) without raising on the SW."""
        data, sw = self._exchange(apdu)
        if sw >> 8 == SW1_WRONG_LE and len(apdu) >= 4:
            data, sw = self._exchange(_with_le(apdu, sw & 0xFF))
        chunks = [data]
        for _ in range(self.MAX_CHAINED_RESPONSES):
            if sw >> 8 != SW1_MORE_DATA:
                break
            le = (sw & 0xFF) or SHORT_LE_MAX
            more, sw = self._exchange(command(apdu[0] & 0x03, Ins.GET_RESPONSE, 0, 0, le=le))
            chunks.append(more)
        else:
            raise ApduError(sw, b"".join(chunks))
        return b"".join(chunks), sw

    def transceive_secret(self, apdu: bytearray) -> tuple[bytes, int]:
        """Send a command built by ``secret_command`` once and wipe it, whatever happens.

        No 6C resend and no response chaining: both would copy the command (a VERIFY answers
        with a status word only, so neither is needed)."""
        try:
            return self._exchange(apdu)
        finally:
            apdu[:] = bytes(len(apdu))  # same length: overwritten in place

    def send(self, apdu: bytes) -> bytes:
        """Send one command and return its data; any SW but 90 00 raises ApduError."""
        data, sw = self.transceive(apdu)
        if sw != SW.OK:
            raise ApduError(sw, data)
        return data

    def reset(self) -> None:
        """Reset the card: it comes back with no application selected and no PIN verified."""
        self.selected_aid = self.selected_ef = None
        self.connection.reset()

    def select_application(self, aid: bytes) -> None:
        # Forget first: after a failed or interrupted SELECT the card's state is unknown.
        self.selected_aid = self.selected_ef = None
        _, sw = self.transceive(command(0x00, Ins.SELECT, 0x04, 0x0C, bytes(aid)))
        if sw == SW.FILE_NOT_FOUND:
            raise ApplicationNotAvailableError(sw)
        if sw != SW.OK:
            raise ApduError(sw)
        self.selected_aid = bytes(aid)

    def select_file(self, fid: int) -> None:
        self.selected_ef = None
        _, sw = self.transceive(command(0x00, Ins.SELECT, 0x02, 0x0C, fid.to_bytes(2, "big")))
        if sw == SW.FILE_NOT_FOUND:
            raise FileNotFoundOnCardError(sw)
        if sw != SW.OK:
            raise ApduError(sw)
        self.selected_ef = fid

    def read_binary(self, offset: int, length: int) -> bytes:
        """Read up to ``length`` (<= 256) bytes of the selected EF at ``offset``.

        Fewer bytes come back when the file ends first: with 90 00, or with the 62 82 warning
        that ISO 7816-4 allows for exactly this (card.md does not say which the card uses)."""
        data, sw = self.transceive(command(0x00, Ins.READ_BINARY, offset >> 8, offset & 0xFF, le=length))
        if sw not in (SW.OK, SW.END_OF_FILE):
            raise ApduError(sw, data)
        return data

    def read_range(self, start: int, end: int, chunk: int = SHORT_LE_MAX) -> bytes:
        """Read bytes ``start``..``end`` of the selected EF in short-APDU chunks."""
        out = bytearray()
        while start + len(out) < end:
            part = self.read_binary(start + len(out), min(chunk, end - start - len(out)))
            if not part:
                raise ApduError(SW.WRONG_PARAMETERS, bytes(out))
            out += part
        return bytes(out[: end - start])


def _with_le(apdu: bytes, le: int) -> bytes:
    """The same command with its Le replaced (a case 2 or case 4 APDU)."""
    header = apdu[:4]
    if len(apdu) <= 5:  # case 1 or 2: header [+ Le]
        return header + bytes([le])
    lc = apdu[4]
    return header + apdu[4 : 5 + lc] + bytes([le])

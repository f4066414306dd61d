"""The application layer: the My Number card's JPKI-AP and 券面事項入力補助AP in domain terms.

Only the user-authentication side of JPKI is used. The signature PIN and key, the 個人番号
EF and the face photo are never touched (番号法). The sessions' errors live in
``drivers.errors`` and stay importable from here. Kiosk code opens a ``MyNumberCard``.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from drivers import tlv
from drivers.apdu import SHORT_LE_MAX, SW, ApduProtocol, Ins, command, secret_command, tries_from_sw
from drivers.errors import (
    ApduError,
    ApplicationNotAvailableError,
    CardDataError,
    CardRemovedError,
    NoPinSetError,
    NotMyNumberCardError,
    PinLockedError,
    PinNotVerifiedError,
    WrongPinError,
)
from drivers.transport import SmartCardConnection

PIN_MAX_TRIES = 3
# card.md: the certificate header is 30 82 LL LL; FF 20 81 LL heads the basic info. Only read
# alone when a card refuses a READ BINARY that runs past the end of the file.
HEADER_READ = 8


class Aid(bytes, enum.Enum):
    JPKI = bytes.fromhex("D392F000260100000001")
    KENHOJO = bytes.fromhex("D3921000310001010408")  # 券面事項入力補助AP


class JpkiFile(enum.IntEnum):
    TOKEN_INFO = 0x0006
    AUTH_CERT = 0x000A
    AUTH_CA_CERT = 0x000B
    AUTH_KEY = 0x0017
    AUTH_PIN = 0x0018


class KenhojoFile(enum.IntEnum):
    PIN = 0x0011
    BASIC_INFO = 0x0002  # EF 0001 (the 個人番号) is deliberately absent


SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")
BASIC_INFO_TAG = 0xFF20
BIRTH_DATE_TAG = 0xDF24


def check_pin_format(pin: bytes | bytearray) -> None:
    if len(pin) != 4 or not all(0x30 <= b <= 0x39 for b in pin):
        raise ValueError("the PIN is exactly 4 ASCII digits")


def digest_info_sha256(message: bytes) -> bytes:
    """The DER DigestInfo the card signs (it adds the PKCS#1 v1.5 padding itself)."""
    return SHA256_DIGEST_INFO_PREFIX + hashlib.sha256(message).digest()


class _PinApplication:
    """Selection bookkeeping and the PIN rules shared by both applications."""

    aid: Aid
    pin_file: int

    def __init__(self, connection: SmartCardConnection | ApduProtocol) -> None:
        self.protocol = connection if isinstance(connection, ApduProtocol) else ApduProtocol(connection)
        self._verified = False
        self._select_application()

    def _select_application(self) -> None:
        self._verified = False  # entering an application starts from a clear security status
        self.protocol.select_application(self.aid)

    def _select(self, fid: int) -> None:
        # Each SELECT is a round trip (tens of ms on a real reader): skip repeats. The protocol
        # knows what was selected last, so a session sharing it with the other application's
        # selects ours again by itself, lazily (no APDU if no command follows).
        if self.protocol.selected_aid != self.aid:
            self._select_application()
        if self.protocol.selected_ef != fid:
            self.protocol.select_file(fid)

    def tries_left(self) -> int:
        """Ask the PIN's retry counter without spending a try (VERIFY with no data)."""
        self._select(self.pin_file)
        _, sw = self.protocol.transceive(command(0x00, Ins.VERIFY, 0x00, 0x80))
        tries = tries_from_sw(sw)
        if tries is not None:
            return tries
        if sw in (SW.AUTH_METHOD_BLOCKED, SW.REFERENCE_DATA_NOT_USABLE):
            return 0
        if sw == SW.OK and self._verified:
            return PIN_MAX_TRIES
        # Anything else (the face-auth-only card's answer is unconfirmed) means: no PIN here.
        raise NoPinSetError(f"tries-left query answered SW {sw:04X}")

    def verify_pin(self, pin: bytes | bytearray) -> None:
        """Present the PIN once. Callers must have shown the resident the tries left.

        The PIN goes from the caller's buffer into one bytearray APDU, wiped once sent; the
        caller wipes its own buffer (the age band may still need it)."""
        check_pin_format(pin)
        self._select(self.pin_file)
        _, sw = self.protocol.transceive_secret(secret_command(0x00, Ins.VERIFY, 0x00, 0x80, pin))
        if sw == SW.OK:
            self._verified = True
            return
        tries = tries_from_sw(sw)
        if tries == 0 or sw in (SW.AUTH_METHOD_BLOCKED, SW.REFERENCE_DATA_NOT_USABLE):
            raise PinLockedError()
        if tries is not None:
            raise WrongPinError(tries)
        raise ApduError(sw)

    def _read_der_object(self, fid: int) -> bytes:
        """Read a file holding one BER object, learning its length from the object's header.

        The first READ BINARY asks for all a short APDU can carry (Le 00): it holds the header,
        and the whole file when the file is short, so no separate header read is spent."""
        self._select(fid)
        try:
            head = self.protocol.read_binary(0, SHORT_LE_MAX)
        except ApduError as exc:
            # A card may refuse an Le past the file's end instead of answering short.
            if exc.sw not in (SW.WRONG_PARAMETERS, SW.WRONG_LENGTH):
                raise
            head = self.protocol.read_binary(0, HEADER_READ)
        try:
            _, length, start = tlv.read_header(head)
        except tlv.TlvError as exc:
            raise CardDataError(f"EF {fid:04X} does not start with a TLV") from exc
        total = start + length
        if total <= len(head):
            return head[:total]
        return head + self.protocol.read_range(len(head), total)


class JpkiSession(_PinApplication):
    """公的個人認証 AP: user-authentication certificate, PIN, signature."""

    aid = Aid.JPKI
    pin_file = JpkiFile.AUTH_PIN

    def __init__(self, connection: SmartCardConnection | ApduProtocol) -> None:
        try:
            super().__init__(connection)
        except ApplicationNotAvailableError as exc:
            raise NotMyNumberCardError() from exc
        except ApduError as exc:
            raise NotMyNumberCardError(f"JPKI SELECT answered {exc.sw:04X}") from exc

    def token_info(self) -> str:
        self._select(JpkiFile.TOKEN_INFO)
        return self.protocol.read_binary(0, 20).decode("ascii", "replace").rstrip()

    def read_auth_certificate(self) -> bytes:
        """The 利用者証明用電子証明書 (DER). Free to read: no PIN needed."""
        return self._read_der_object(JpkiFile.AUTH_CERT)

    def read_auth_ca_certificate(self) -> bytes:
        return self._read_der_object(JpkiFile.AUTH_CA_CERT)

    def sign(self, digest_info: bytes) -> bytes:
        """Sign a DER DigestInfo with the user-authentication key (PIN verified first)."""
        self._select(JpkiFile.AUTH_KEY)
        data, sw = self.protocol.transceive(
            command(0x80, Ins.COMPUTE_DIGITAL_SIGNATURE, 0x00, 0x80, digest_info, le=256)
        )
        if sw == SW.SECURITY_STATUS_NOT_SATISFIED:
            raise PinNotVerifiedError()
        if sw != SW.OK:
            raise ApduError(sw, data)
        return data


class KenhojoSession(_PinApplication):
    """券面事項入力補助AP: only the birth date is taken from it, for the age band."""

    aid = Aid.KENHOJO
    pin_file = KenhojoFile.PIN

    def birth_date(self) -> dt.date:
        """The birth date from the basic 4 info (after verify_pin). Name and address are dropped."""
        raw = self._read_der_object(KenhojoFile.BASIC_INFO)
        try:
            (outer_tag, inner), *_ = tlv.parse(raw)
            if outer_tag != BASIC_INFO_TAG:
                raise CardDataError("basic info has an unexpected tag")
            dates = [value for tag, value in tlv.parse(inner) if tag == BIRTH_DATE_TAG]
            # Exactly one YYYYMMDD of ASCII digits: int() alone would read ' 944', '+944' or
            # '1_944', and slicing would take 7 or 9 digits; either way an age band from a wrong date.
            if len(dates) != 1 or len(dates[0]) != 8 or not dates[0].isdigit():
                raise CardDataError("basic info has no readable birth date")
            digits = dates[0].decode("ascii")
            return dt.date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
        except (tlv.TlvError, ValueError) as exc:
            raise CardDataError("basic info has no readable birth date") from exc


class MyNumberCard:
    """The My Number card in the reader: its JPKI-AP and 券面事項入力補助AP over one connection.

    Opening it selects JPKI-AP, which is how a My Number card is told from any other card
    (NotMyNumberCardError). The card has one current application at a time; this facade owns
    the protocol that tracks it, so callers move between ``jpki`` and ``kenhojo`` freely and
    never re-select by hand. The JPKI methods a registration needs are offered directly.
    """

    def __init__(self, connection: SmartCardConnection | ApduProtocol) -> None:
        self.protocol = connection if isinstance(connection, ApduProtocol) else ApduProtocol(connection)
        self.jpki = JpkiSession(self.protocol)
        self._kenhojo: KenhojoSession | None = None

    @property
    def kenhojo(self) -> KenhojoSession:
        """The 券面事項入力補助AP, selected on first use (only the age band needs it)."""
        if self._kenhojo is None:
            self._kenhojo = KenhojoSession(self.protocol)
        return self._kenhojo

    @contextmanager
    def held_then_reset(self) -> Iterator[MyNumberCard]:
        """The card for this connection alone, reset before any other client may reach it.

        For the steps that verify a PIN: no other program on the kiosk can send a command
        between the first VERIFY and the reset (a PC/SC transaction), and none finds a PIN
        still verified afterwards, whichever way the steps end. The reset also drops the
        selected application; the sessions select theirs again when next used."""
        connection = self.protocol.connection
        connection.begin_transaction()
        try:
            yield self
        finally:
            try:
                self.reset()
            finally:
                connection.end_transaction()

    def reset(self) -> None:
        """Reset the card. A card already pulled out is reset by that: no error then, so
        steps that finished before the pull (a signature made) still count."""
        try:
            self.protocol.reset()
        except CardRemovedError:
            pass

    def read_auth_certificate(self) -> bytes:
        return self.jpki.read_auth_certificate()

    def tries_left(self) -> int:
        return self.jpki.tries_left()

    def verify_pin(self, pin: bytes | bytearray) -> None:
        self.jpki.verify_pin(pin)

    def sign(self, digest_info: bytes) -> bytes:
        return self.jpki.sign(digest_info)

"""The virtual My Number card: answers APDUs as ``shared/docs/card.md`` describes.

Faithful where the kiosk's safety depends on it: the PIN retry counters (3 for the
user-authentication PIN and the 券面事項入力補助AP, 5 for the signature PIN), the lock at 0,
files that need a verified PIN, and a signature made on the card with PKCS#1 v1.5 padding
applied to the DigestInfo the host sends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from drivers import tlv
from drivers.apdu import SW, Ins
from drivers.mynumber import BASIC_INFO_TAG, BIRTH_DATE_TAG, Aid

ATR = bytes.fromhex("3BE000FF8131FE4514")
TOKEN_INFO = b"JPKIAPICCTOKEN2".ljust(20, b" ")

SW_NO_CURRENT_EF = 0x6986
SW_REFERENCE_DATA_NOT_FOUND = 0x6A88


@dataclass
class PinObject:
    value: bytes | None  # None: no PIN set (a face-auth-only card)
    tries_left: int
    max_tries: int


@dataclass
class CardProfile:
    """What differs between two residents' cards."""

    pin: str
    birth_date: dt.date
    tries_left: int = 3
    kenhojo_tries_left: int = 3
    sign_pin: str = "ABC123"
    name: str = "テスト 太郎"
    address: str = "東京都千代田区霞が関一丁目1番1号"
    sex: str = "1"
    face_auth_only: bool = False


@dataclass
class _File:
    data: bytes
    read_needs_pin: int | None = None  # FID of the PIN that must be verified first
    key: rsa.RSAPrivateKey | None = None
    pin: PinObject | None = None


@dataclass
class _Application:
    files: dict[int, _File] = field(default_factory=dict)


class VirtualMyNumberCard:
    """A card that processes one command APDU at a time (``transmit``)."""

    def __init__(self, profile: CardProfile, credentials, quirks: frozenset[str] = frozenset()) -> None:
        self.profile = profile
        # 'get_response': answer long data with 61 xx; 'wrong_le': answer 6C xx when Le is
        # larger than the data left; 'eof_warning': answer such a short read with 62 82
        # instead of 90 00; 'strict_le': refuse it with 6B 00 (card.md's 'offset beyond file').
        # Real cards differ, the driver must take each.
        self.quirks = quirks
        self.audit: list[tuple[str, int]] = []  # (AP or EF, id) selections, never data
        # Which PIN ('auth', 'sign', 'kenhojo') each VERIFY carrying a PIN was for; never the PIN.
        self.pin_log: list[str] = []
        der = serialization.Encoding.DER
        pin = None if profile.face_auth_only else profile.pin.encode("ascii")
        self._pins = {
            "auth": PinObject(pin, profile.tries_left, 3),
            "sign": PinObject(profile.sign_pin.encode("ascii"), 5, 5),
            "kenhojo": PinObject(pin, profile.kenhojo_tries_left, 3),
        }
        self._apps = {
            bytes(Aid.JPKI): _Application(
                {
                    0x0006: _File(TOKEN_INFO),
                    0x000A: _File(credentials.auth_cert.public_bytes(der)),
                    0x000B: _File(credentials.ca_cert.public_bytes(der)),
                    0x0017: _File(b"", key=credentials.auth_key),
                    0x0018: _File(b"", pin=self._pins["auth"]),
                    0x0001: _File(credentials.sign_cert.public_bytes(der), read_needs_pin=0x001B),
                    0x0002: _File(credentials.ca_cert.public_bytes(der)),
                    0x001A: _File(b"", key=credentials.sign_key),
                    0x001B: _File(b"", pin=self._pins["sign"]),
                }
            ),
            bytes(Aid.KENHOJO): _Application(
                {
                    0x0011: _File(b"", pin=self._pins["kenhojo"]),
                    # A placeholder, never a real number: the kiosk must never read this EF.
                    0x0001: _File(b"000000000000", read_needs_pin=0x0011),
                    0x0002: _File(self._basic_info(), read_needs_pin=0x0011),
                }
            ),
        }
        self.reset()

    def _basic_info(self) -> bytes:
        p = self.profile
        inner = b"".join(
            [
                tlv.encode(0xDF21, bytes.fromhex("000000")),
                tlv.encode(0xDF22, p.name.encode("utf-8")),
                tlv.encode(0xDF23, p.address.encode("utf-8")),
                tlv.encode(BIRTH_DATE_TAG, p.birth_date.strftime("%Y%m%d").encode("ascii")),
                tlv.encode(0xDF25, p.sex.encode("ascii")),
            ]
        )
        return tlv.encode(BASIC_INFO_TAG, inner)

    # -- power -------------------------------------------------------------------
    def reset(self) -> None:
        """Power on or reset: no application selected, every PIN unverified."""
        self._app: _Application | None = None
        self._ef: int | None = None
        self._verified: set[int] = set()
        self._pending = b""

    @property
    def atr(self) -> bytes:
        return ATR

    def pin_presentations(self, which: str = "auth") -> int:
        """How many VERIFY commands carried a PIN for ``which`` (not tries-left queries)."""
        return self.pin_log.count(which)

    @property
    def basic_info(self) -> bytes:
        """EF 0002 of the 券面事項入力補助AP (for the benchmark's minimum count)."""
        return self._apps[bytes(Aid.KENHOJO)].files[0x0002].data

    @property
    def auth_certificate(self) -> bytes:
        """The user-authentication certificate (DER), as EF 000A holds it."""
        return self._apps[bytes(Aid.JPKI)].files[0x000A].data

    def tries_left(self, which: str = "auth") -> int:
        return self._pins[which].tries_left

    # -- APDU processing ---------------------------------------------------------
    def transmit(self, apdu: bytes) -> bytes:
        """Process one command APDU; return the response (data + SW)."""
        if "mute" in self.quirks:
            return b"\x6f"  # a chip that powers up but answers garbage (dirty contacts, damage)
        if len(apdu) < 4:
            return _sw(0x6700)
        cla, ins, p1, p2 = apdu[:4]
        lc, data, le = _parse_body(apdu[4:])
        if lc is None:
            return _sw(0x6700)
        if ins == Ins.GET_RESPONSE:
            return self._get_response(le)
        self._pending = b""
        if ins == Ins.SELECT:
            return self._select(p1, data)
        if ins == Ins.READ_BINARY:
            return self._read_binary((p1 << 8) | p2, le)
        if ins == Ins.VERIFY:
            return self._verify(p2, data)
        if ins == Ins.COMPUTE_DIGITAL_SIGNATURE and cla == 0x80:
            return self._sign(data, le)
        return _sw(SW.INS_NOT_SUPPORTED)

    def _select(self, p1: int, data: bytes) -> bytes:
        if p1 == 0x04:
            app = self._apps.get(data)
            if app is None:
                return _sw(SW.FILE_NOT_FOUND)
            # Selecting an application clears the security state, as a new DF does on cards.
            self._app, self._ef, self._verified = app, None, set()
            self.audit.append(("AP", int.from_bytes(data, "big")))
            return _sw(SW.OK)
        if p1 == 0x02 and len(data) == 2 and self._app is not None:
            fid = int.from_bytes(data, "big")
            if fid not in self._app.files:
                return _sw(SW.FILE_NOT_FOUND)
            self._ef = fid
            self.audit.append(("EF", fid))
            return _sw(SW.OK)
        return _sw(SW.FILE_NOT_FOUND if p1 in (0x02, 0x04) else SW.INCORRECT_P1P2)

    def _current(self) -> _File | None:
        if self._app is None or self._ef is None:
            return None
        return self._app.files[self._ef]

    def _read_binary(self, offset: int, le: int | None) -> bytes:
        f = self._current()
        if f is None:
            return _sw(SW_NO_CURRENT_EF)
        if f.key is not None or f.pin is not None:
            return _sw(SW.SECURITY_STATUS_NOT_SATISFIED)
        if f.read_needs_pin is not None and f.read_needs_pin not in self._verified:
            return _sw(SW.SECURITY_STATUS_NOT_SATISFIED)
        if offset >= len(f.data) and not (offset == 0 and not f.data):
            return _sw(SW.WRONG_PARAMETERS)
        want = 256 if le in (None, 0) else le
        chunk = f.data[offset : offset + want]
        if len(chunk) < want:
            if "wrong_le" in self.quirks:
                return _sw(0x6C00 | len(chunk))
            if "strict_le" in self.quirks:
                return _sw(SW.WRONG_PARAMETERS)
            if "eof_warning" in self.quirks:
                return chunk + _sw(SW.END_OF_FILE)
        return self._respond(chunk)

    def _respond(self, data: bytes) -> bytes:
        if "get_response" in self.quirks and len(data) > 64:
            self._pending = data[64:]
            return data[:64] + _sw(0x6100 | min(len(self._pending), 256) & 0xFF)
        return data + _sw(SW.OK)

    def _get_response(self, le: int | None) -> bytes:
        if not self._pending:
            return _sw(SW.CONDITIONS_NOT_SATISFIED)
        want = 256 if le in (None, 0) else le
        data, self._pending = self._pending[:want], self._pending[want:]
        if self._pending:
            return data + _sw(0x6100 | min(len(self._pending), 256) & 0xFF)
        return data + _sw(SW.OK)

    def _verify(self, p2: int, data: bytes) -> bytes:
        f = self._current()
        if p2 != 0x80 or f is None or f.pin is None:
            return _sw(SW_NO_CURRENT_EF)
        pin = f.pin
        if data:
            self.pin_log.append(next(k for k, v in self._pins.items() if v is pin))
        if pin.value is None:
            return _sw(SW_REFERENCE_DATA_NOT_FOUND)
        if pin.tries_left == 0:
            return _sw(SW.REFERENCE_DATA_NOT_USABLE)
        assert self._ef is not None
        if not data:  # the tries-left query spends nothing
            return _sw(SW.OK if self._ef in self._verified else 0x63C0 | pin.tries_left)
        if data == pin.value:
            pin.tries_left = pin.max_tries
            self._verified.add(self._ef)
            return _sw(SW.OK)
        pin.tries_left -= 1
        self._verified.discard(self._ef)
        return _sw(0x63C0 | pin.tries_left)

    def _sign(self, digest_info: bytes, le: int | None) -> bytes:
        f = self._current()
        if f is None or f.key is None:
            return _sw(SW.CONDITIONS_NOT_SATISFIED)
        needed = 0x0018 if self._ef == 0x0017 else 0x001B
        if needed not in self._verified:
            return _sw(SW.SECURITY_STATUS_NOT_SATISFIED)
        signature = _pkcs1_v15_sign_raw(f.key, digest_info)
        if signature is None:
            return _sw(SW.WRONG_LENGTH)
        return self._respond(signature)


def _pkcs1_v15_sign_raw(key: rsa.RSAPrivateKey, payload: bytes) -> bytes | None:
    """EMSA-PKCS1-v1_5 block type 1 around ``payload``, then the raw RSA private operation."""
    numbers = key.private_numbers()
    k = (key.key_size + 7) // 8
    if len(payload) > k - 11:
        return None
    em = b"\x00\x01" + b"\xff" * (k - 3 - len(payload)) + b"\x00" + payload
    n = numbers.public_numbers.n
    return pow(int.from_bytes(em, "big"), numbers.d, n).to_bytes(k, "big")


def _sw(sw: int) -> bytes:
    return bytes([sw >> 8, sw & 0xFF])


def _parse_body(body: bytes) -> tuple[int | None, bytes, int | None]:
    """Short APDU body → (Lc, data, Le). Lc is None when the body is malformed."""
    if not body:
        return 0, b"", None
    if len(body) == 1:
        return 0, b"", body[0]
    lc = body[0]
    if len(body) == 1 + lc:
        return lc, body[1:], None
    if len(body) == 2 + lc:
        return lc, body[1 : 1 + lc], body[-1]
    return None, b"", None

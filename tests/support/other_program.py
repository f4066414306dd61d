"""Another program on the kiosk: a second client of the card reader, after the card's secrets.

It tries what the security review did: read the 券面事項入力補助AP's basic four and sign with
the authentication key, first in whatever application the card has selected now (a PIN verified
there would still count), then selecting each application itself. ``OtherProgram`` does it as a
second PC/SC client on pyscard directly; ``steal`` takes any way of sending an APDU.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from smartcard import scard

from drivers.apdu import SW, Ins, command
from drivers.mynumber import Aid, JpkiFile, KenhojoFile, digest_info_sha256

PROTOCOLS = scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1


@dataclass
class Loot:
    """What the other program got: the status word of each attempt that reached the card."""

    connect: int = scard.SCARD_S_SUCCESS  # the PC/SC result of SCardConnect
    answers: dict[str, int] = field(default_factory=dict)

    @property
    def secrets(self) -> list[str]:
        """The attempts the card answered with 90 00: personal data read, or a signature made."""
        return [name for name, sw in self.answers.items() if sw == SW.OK]


def steal(send: Callable[[bytes], int], loot: Loot | None = None) -> Loot:
    """``send`` transmits one APDU and returns its status word (-1: no answer)."""
    loot = loot or Loot()

    def select_ef(fid: int) -> int:
        return send(command(0x00, Ins.SELECT, 0x02, 0x0C, fid.to_bytes(2, "big")))

    def read() -> int:
        return send(command(0x00, Ins.READ_BINARY, 0, 0, le=256))

    def sign() -> int:
        digest = digest_info_sha256(b"not the kiosk's nonce")
        return send(command(0x80, Ins.COMPUTE_DIGITAL_SIGNATURE, 0x00, 0x80, digest, le=256))

    # In place: the kenhojo AP's PIN file exists only there, the auth key only in JPKI.
    if select_ef(KenhojoFile.PIN) == SW.OK and select_ef(KenhojoFile.BASIC_INFO) == SW.OK:
        loot.answers["basic info, in place"] = read()
    if select_ef(JpkiFile.AUTH_KEY) == SW.OK:
        loot.answers["signature, in place"] = sign()
    send(command(0x00, Ins.SELECT, 0x04, 0x0C, bytes(Aid.KENHOJO)))
    select_ef(KenhojoFile.BASIC_INFO)
    loot.answers["basic info"] = read()
    send(command(0x00, Ins.SELECT, 0x04, 0x0C, bytes(Aid.JPKI)))
    select_ef(JpkiFile.AUTH_KEY)
    loot.answers["signature"] = sign()
    return loot


def assert_nothing_stolen(loot: Loot) -> None:
    assert loot.secrets == [], f"another program got {loot.secrets}"
    if loot.connect == scard.SCARD_S_SUCCESS:
        assert loot.answers["basic info"] == SW.SECURITY_STATUS_NOT_SATISFIED, loot
        assert loot.answers["signature"] == SW.SECURITY_STATUS_NOT_SATISFIED, loot


class OtherProgram:
    def __init__(self, reader: str) -> None:
        self.reader = reader

    def try_to_steal(self) -> Loot:
        loot = Loot()
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        assert hresult == scard.SCARD_S_SUCCESS, scard.SCardGetErrorMessage(hresult)
        try:
            hresult, hcard, protocol = scard.SCardConnect(context, self.reader, scard.SCARD_SHARE_SHARED, PROTOCOLS)
            loot.connect = hresult
            if hresult != scard.SCARD_S_SUCCESS:
                return loot

            def send(apdu: bytes) -> int:
                hresult, response = scard.SCardTransmit(hcard, protocol, list(apdu))
                if hresult != scard.SCARD_S_SUCCESS or len(response) < 2:
                    return -1
                return (response[-2] << 8) | response[-1]

            try:
                return steal(send, loot)
            finally:
                scard.SCardDisconnect(hcard, scard.SCARD_LEAVE_CARD)
        finally:
            scard.SCardReleaseContext(context)

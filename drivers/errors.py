"""Every error the card layers raise, by layer, each carrying what its handler needs as data.

Transport errors keep the PC/SC result code (``hresult``) and protocol errors the status word
(``sw``), so callers decide on numbers, never on message text (as pyscard does). Session errors
speak the domain: ``WrongPinError(tries_left=1)`` is what the resident's screen needs.
"""

from __future__ import annotations


class CardError(Exception):
    """Base of every error the card layers raise."""


# -- transport: the reader and the link to the card ------------------------------------
class TransportError(CardError):
    """The reader, pcscd or the card's contacts failed; ``hresult`` is the PC/SC code, if any."""

    def __init__(self, message: str = "", hresult: int | None = None) -> None:
        super().__init__(message)
        self.hresult = hresult


class CardRemovedError(TransportError):
    """The card left the reader (or lost power) while we talked to it."""


class ReaderUnavailableError(TransportError):
    """No reader, the reader was unplugged, or pcscd is not running."""


class CardUnresponsiveError(TransportError):
    """A card is present but does not answer (upside down, dirty, not a chip card)."""


# -- protocol: status words ----------------------------------------------------------------
class ApduError(CardError):
    """The card answered with a status word other than 90 00."""

    def __init__(self, sw: int, data: bytes = b"") -> None:
        super().__init__(f"card answered SW {sw:04X}")
        self.sw = sw
        self.data = data


class ApplicationNotAvailableError(ApduError):
    """SELECT of an application answered 6A 82."""


class FileNotFoundOnCardError(ApduError):
    """SELECT of an elementary file answered 6A 82."""


# -- the My Number card's applications -----------------------------------------------------
class NotMyNumberCardError(CardError):
    """The card does not hold the JPKI application."""


class WrongPinError(CardError):
    def __init__(self, tries_left: int) -> None:
        super().__init__(f"wrong PIN, {tries_left} tries left")
        self.tries_left = tries_left


class PinLockedError(CardError):
    """0 tries left: only the municipal counter can reset the PIN."""


class NoPinSetError(CardError):
    """The PIN object answers like no PIN is set (顔認証マイナンバーカード)."""


class PinNotVerifiedError(CardError):
    """The card refused an operation that needs the PIN first."""


class CardDataError(CardError):
    """A file on the card is malformed."""

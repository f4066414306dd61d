"""The transport layer: send an APDU, get data and a status word back.

Implementations: ``drivers.pcsc.PcscConnection`` (a real or vpcd reader through
pcsc-lite) and ``drivers.virtualcard.inprocess.InProcessConnection`` (the virtual card in
the same process, for fast tests and the demo).
"""

from __future__ import annotations

import abc


class CardError(Exception):
    """Base of every error the card layers raise."""


class CardRemovedError(CardError):
    """The card left the reader (or lost power) while we talked to it."""


class ReaderUnavailableError(CardError):
    """No reader, the reader was unplugged, or pcscd is not running."""


class CardUnresponsiveError(CardError):
    """A card is present but does not answer (upside down, dirty, not a chip card)."""


class SmartCardConnection(abc.ABC):
    """One open channel to one card."""

    @abc.abstractmethod
    def send_and_receive(self, apdu: bytes) -> tuple[bytes, int]:
        """Send a command APDU; return (response data, status word)."""

    def close(self) -> None:  # noqa: B027 - optional for implementations
        """Release the card (the reader keeps it powered for the next owner)."""

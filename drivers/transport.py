"""The transport layer: send an APDU, get data and a status word back.

Implementations: ``drivers.pcsc.PcscConnection`` (a real or vpcd reader through
pcsc-lite) and ``drivers.virtualcard.inprocess.InProcessConnection`` (the virtual card in
the same process, for fast tests and the demo). Failures raise the transport errors of
``drivers.errors`` (``CardRemovedError``, ``ReaderUnavailableError``, ``CardUnresponsiveError``).
"""

from __future__ import annotations

import abc


class SmartCardConnection(abc.ABC):
    """One open channel to one card."""

    @abc.abstractmethod
    def send_and_receive(self, apdu: bytes) -> tuple[bytes, int]:
        """Send a command APDU; return (response data, status word)."""

    def reset(self) -> None:
        """Warm-reset the card and keep the channel: every verified PIN and the selected
        application are gone, for us and for any other client of the reader."""
        raise NotImplementedError(f"{type(self).__name__} cannot reset its card")

    def begin_transaction(self) -> None:  # noqa: B027 - a channel with no other clients needs none
        """Keep every other client of the reader off the card until ``end_transaction``."""

    def end_transaction(self) -> None:  # noqa: B027 - see begin_transaction
        """Let other clients of the reader reach the card again."""

    def close(self) -> None:  # noqa: B027 - optional for implementations
        """Release the card (the reader keeps it powered for the next owner)."""

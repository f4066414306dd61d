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

    def close(self) -> None:  # noqa: B027 - optional for implementations
        """Release the card (the reader keeps it powered for the next owner)."""

"""A card reader as the card worker sees it: its status, and a connection to its card."""

from __future__ import annotations

import abc
import enum

from drivers.transport import SmartCardConnection


class ReaderStatus(enum.Enum):
    NO_READER = "no_reader"  # unplugged, not configured, or pcscd not running
    EMPTY = "empty"
    CARD_PRESENT = "card_present"


class CardReader(abc.ABC):
    """One reader, owned by one thread (the card worker)."""

    name: str

    @abc.abstractmethod
    def wait_for_change(self, timeout: float) -> ReaderStatus:
        """Wait up to ``timeout`` seconds for a change; return the status now."""

    @abc.abstractmethod
    def connect(self) -> SmartCardConnection:
        """Open a connection to the card in the reader."""

    def close(self) -> None:  # noqa: B027 - optional
        """Release resources (the PC/SC context)."""

"""The virtual card in the same process: a reader you insert cards into by calling insert()."""

from __future__ import annotations

import threading
from collections.abc import Callable

from drivers.errors import CardRemovedError, CardUnresponsiveError, ReaderUnavailableError
from drivers.reader import CardReader, ReaderStatus
from drivers.transport import SmartCardConnection


class InProcessConnection(SmartCardConnection):
    def __init__(self, reader: VirtualReader, generation: int) -> None:
        self._reader = reader
        self._generation = generation

    def send_and_receive(self, apdu: bytes) -> tuple[bytes, int]:
        response = self._reader._transmit(self._generation, bytes(apdu))
        if len(response) < 2:
            raise CardUnresponsiveError("the card did not answer")
        return response[:-2], (response[-2] << 8) | response[-1]

    def reset(self) -> None:
        self._reader._reset(self._generation)


class VirtualReader(CardReader):
    """An in-process reader. ``after_apdu`` lets a test pull the card between two APDUs."""

    def __init__(self, name: str = "Madoguchi Virtual Reader") -> None:
        self.name = name
        self._cond = threading.Condition()
        self._card = None
        self._generation = 0
        self._plugged = True
        self.apdu_log: list[bytes] = []  # command headers only (CLA INS P1 P2): never PIN data
        self.after_apdu: Callable[[int], None] | None = None

    @property
    def card(self):
        return self._card

    def status(self) -> ReaderStatus:
        if not self._plugged:
            return ReaderStatus.NO_READER
        return ReaderStatus.CARD_PRESENT if self._card is not None else ReaderStatus.EMPTY

    def insert(self, card) -> None:
        with self._cond:
            card.reset()
            self._card = card
            self._generation += 1
            self._cond.notify_all()

    def remove(self) -> None:
        with self._cond:
            self._card = None
            self._generation += 1
            self._cond.notify_all()

    def set_plugged(self, plugged: bool) -> None:
        with self._cond:
            self._plugged = plugged
            if not plugged:
                self._card = None
                self._generation += 1
            self._cond.notify_all()

    def wait_for_change(self, timeout: float) -> ReaderStatus:
        with self._cond:
            before = (self.status(), self._generation)
            self._cond.wait_for(lambda: (self.status(), self._generation) != before, timeout)
            return self.status()

    def connect(self) -> SmartCardConnection:
        with self._cond:
            if not self._plugged:
                raise ReaderUnavailableError(self.name)
            if self._card is None:
                raise CardRemovedError("no card in the reader")
            return InProcessConnection(self, self._generation)

    def _reset(self, generation: int) -> None:
        with self._cond:
            if generation != self._generation or self._card is None:
                raise CardRemovedError("the card was removed")
            self._card.reset()

    def _transmit(self, generation: int, apdu: bytes) -> bytes:
        with self._cond:
            if generation != self._generation or self._card is None:
                raise CardRemovedError("the card was removed")
            response = self._card.transmit(apdu)
            self.apdu_log.append(apdu[:4])
            count = len(self.apdu_log)
        if self.after_apdu is not None:
            self.after_apdu(count)
        return response

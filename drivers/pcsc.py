"""PC/SC transport on pyscard's low-level ``scard`` API (pcsc-lite on Debian).

The low-level API is used rather than pyscard's CardMonitor so that one thread (the card
worker) owns the context, sees every status change with a timeout, and can rebuild the
context by itself when pcscd is restarted or the reader is unplugged.
"""

from __future__ import annotations

import time

from smartcard import scard

from drivers.errors import CardRemovedError, CardUnresponsiveError, ReaderUnavailableError, TransportError
from drivers.reader import CardReader, ReaderStatus
from drivers.transport import SmartCardConnection

PNP_NOTIFICATION = "\\\\?PnP?\\Notification"
SCARD_ABSENT = 0x0002  # pcsclite.h card state (SCardStatus); pyscard does not export it

_REMOVED = {scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_RESET_CARD}
_UNRESPONSIVE = {scard.SCARD_W_UNRESPONSIVE_CARD, scard.SCARD_W_UNPOWERED_CARD, scard.SCARD_E_PROTO_MISMATCH}
_LOST_CONTEXT = {
    scard.SCARD_E_NO_SERVICE,
    scard.SCARD_E_SERVICE_STOPPED,
    scard.SCARD_E_INVALID_HANDLE,
    scard.SCARD_F_COMM_ERROR,
}


def _error(hresult: int, what: str) -> TransportError:
    # The PC/SC code travels as data (``hresult``); the text is for the log only.
    message = f"{what}: {scard.SCardGetErrorMessage(hresult)}"
    if hresult in _REMOVED:
        return CardRemovedError(message, hresult)
    if hresult in _UNRESPONSIVE:
        return CardUnresponsiveError(message, hresult)
    return ReaderUnavailableError(message, hresult)


PROTOCOLS = scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1


class PcscConnection(SmartCardConnection):
    def __init__(self, hcard: int, protocol: int) -> None:
        self._hcard = hcard
        self._protocol = protocol

    def send_and_receive(self, apdu: bytes | bytearray) -> tuple[bytes, int]:
        # pyscard takes a list of ints: that list is one more copy of a PIN, overwritten in
        # place once sent. pyscard copies it again into a C buffer that it frees unwiped
        # (docs/security.md: what Python cannot guarantee).
        command = list(apdu)
        try:
            hresult, response = scard.SCardTransmit(self._hcard, self._protocol, command)
        finally:
            command[:] = [0] * len(command)
        if hresult != scard.SCARD_S_SUCCESS:
            raise self._diagnose(hresult)
        if len(response) < 2:
            # A garbled answer: a card that does not work, or one pulled mid-answer (vpcd then
            # returns nothing). The card's status tells which.
            raise self._diagnose(None)
        return bytes(response[:-2]), (response[-2] << 8) | response[-1]

    def _diagnose(self, hresult: int | None, settle: float = 3.0, what: str = "transmit") -> TransportError:
        """A failed transmit is often a pulled card reported as a generic fault (vpcd says
        'Transaction failed' or answers nothing, and pcscd notices the removal a few hundred ms
        later, seconds on a loaded machine): watch the card's status before calling it a reader
        fault (status fails) or an unresponsive card (still present). ``None``: a short answer."""
        if hresult is not None and (hresult in _REMOVED or hresult in _UNRESPONSIVE):
            return _error(hresult, what)
        deadline = time.monotonic() + settle
        message = f"{what}: " + ("short response" if hresult is None else scard.SCardGetErrorMessage(hresult))
        while True:
            status, _, state, _, _ = scard.SCardStatus(self._hcard)
            if status in _REMOVED or (status == scard.SCARD_S_SUCCESS and state & SCARD_ABSENT):
                return CardRemovedError(message, status if status in _REMOVED else hresult)
            if status != scard.SCARD_S_SUCCESS:
                return _error(status, what)  # the reader or pcscd went away
            if time.monotonic() > deadline:
                return CardUnresponsiveError(message, hresult)  # still there, but does not answer
            time.sleep(0.1)

    def reset(self) -> None:
        # SCardReconnect keeps our handle (and our transaction, if we hold one); pcscd tells
        # every other handle on the reader that the card was reset.
        hresult, protocol = scard.SCardReconnect(
            self._hcard, scard.SCARD_SHARE_SHARED, PROTOCOLS, scard.SCARD_RESET_CARD
        )
        if hresult != scard.SCARD_S_SUCCESS:
            raise self._diagnose(hresult, what="reset")  # a pulled card often fails as a generic fault first
        self._protocol = protocol

    def begin_transaction(self) -> None:
        # pcsc-lite waits while another client holds one; other clients' connects and
        # commands wait while we hold ours.
        hresult = scard.SCardBeginTransaction(self._hcard)
        if hresult != scard.SCARD_S_SUCCESS:
            raise _error(hresult, "begin transaction")

    def end_transaction(self) -> None:
        hresult = scard.SCardEndTransaction(self._hcard, scard.SCARD_LEAVE_CARD)
        if hresult != scard.SCARD_S_SUCCESS and hresult not in _REMOVED:  # a pulled card holds nothing
            raise _error(hresult, "end transaction")

    def close(self) -> None:
        # Reset, so a verified PIN never outlives the resident's session on the card.
        scard.SCardDisconnect(self._hcard, scard.SCARD_RESET_CARD)


class PcscReader(CardReader):
    """The configured reader: an exact PC/SC name, or a prefix of one (names end in '00 00')."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._context: int | None = None
        self._known_state = scard.SCARD_STATE_UNAWARE
        self._resolved: str | None = None

    def _ensure_context(self) -> int | None:
        if self._context is None:
            hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hresult != scard.SCARD_S_SUCCESS:
                return None
            self._context = context
        return self._context

    def _drop_context(self) -> None:
        if self._context is not None:
            scard.SCardReleaseContext(self._context)
        self._context = None
        self._resolved = None
        self._known_state = scard.SCARD_STATE_UNAWARE

    def _resolve(self, context: int) -> str | None:
        hresult, readers = scard.SCardListReaders(context, [])
        if hresult in _LOST_CONTEXT:
            self._drop_context()
            return None
        if hresult != scard.SCARD_S_SUCCESS:
            return None
        for reader in readers:
            if reader == self.name:
                return reader
        return next((r for r in readers if r.startswith(self.name)), None)

    def wait_for_change(self, timeout: float) -> ReaderStatus:
        context = self._ensure_context()
        if context is None:  # pcscd is not running: try again after the timeout
            time.sleep(timeout)
            return ReaderStatus.NO_READER
        reader = self._resolve(context)
        if reader != self._resolved:
            self._resolved = reader
            self._known_state = scard.SCARD_STATE_UNAWARE
        if reader is None:
            self._wait_for_readers(timeout)
            return ReaderStatus.NO_READER
        hresult, states = scard.SCardGetStatusChange(context, int(timeout * 1000), [(reader, self._known_state)])
        if hresult in _LOST_CONTEXT:
            self._drop_context()
            return ReaderStatus.NO_READER
        if hresult == scard.SCARD_E_TIMEOUT:
            return self._status_from(self._known_state)
        if hresult != scard.SCARD_S_SUCCESS:
            self._resolved = None
            return ReaderStatus.NO_READER
        _, event_state, _ = states[0]
        self._known_state = event_state & ~scard.SCARD_STATE_CHANGED
        return self._status_from(self._known_state)

    def _wait_for_readers(self, timeout: float) -> None:
        """Sleep until a reader appears (pcsc-lite's PnP notification) or the timeout."""
        context = self._context
        if context is None:
            time.sleep(timeout)
            return
        hresult, _ = scard.SCardGetStatusChange(
            context, int(timeout * 1000), [(PNP_NOTIFICATION, scard.SCARD_STATE_UNAWARE)]
        )
        if hresult in _LOST_CONTEXT:
            self._drop_context()
        elif hresult not in (scard.SCARD_S_SUCCESS, scard.SCARD_E_TIMEOUT):
            time.sleep(timeout)

    @staticmethod
    def _status_from(state: int) -> ReaderStatus:
        if state & (scard.SCARD_STATE_UNAVAILABLE | scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_IGNORE):
            return ReaderStatus.NO_READER
        if state & scard.SCARD_STATE_PRESENT:
            return ReaderStatus.CARD_PRESENT
        if state & scard.SCARD_STATE_EMPTY:
            return ReaderStatus.EMPTY
        return ReaderStatus.NO_READER

    def connect(self) -> SmartCardConnection:
        context = self._ensure_context()
        if context is None:
            raise ReaderUnavailableError("pcscd is not running")
        reader = self._resolved or self._resolve(context)
        if reader is None:
            raise ReaderUnavailableError(f"no reader named {self.name!r}")
        hresult, hcard, protocol = scard.SCardConnect(
            context, reader, scard.SCARD_SHARE_SHARED, PROTOCOLS
        )
        if hresult != scard.SCARD_S_SUCCESS:
            if hresult in _LOST_CONTEXT:
                self._drop_context()
            raise _error(hresult, "connect")
        return PcscConnection(hcard, protocol)

    def close(self) -> None:
        self._drop_context()


def list_readers() -> list[str]:
    """Reader names pcscd knows now (for the health page and install-day checks)."""
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        raise ReaderUnavailableError("pcscd is not running", hresult)
    try:
        hresult, readers = scard.SCardListReaders(context, [])
        return list(readers) if hresult == scard.SCARD_S_SUCCESS else []
    finally:
        scard.SCardReleaseContext(context)

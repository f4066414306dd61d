"""Attach a virtual card to pcscd through vsmartcard's vpcd driver (the vicc protocol).

vpcd listens on TCP (35963 for 'Virtual PCD 00 00'); the card connects to it. Each message
is a 2-byte big-endian length and a payload. A 1-byte payload is a control: 0 power off,
1 power on, 2 reset, 4 'send the ATR'. Any longer payload is a command APDU, answered with
the response APDU. Closing the socket is pulling the card out.
"""

from __future__ import annotations

import socket
import struct
import threading

POWER_OFF, POWER_ON, RESET, GET_ATR = 0, 1, 2, 4


class VpcdBridge:
    def __init__(self, card, host: str = "127.0.0.1", port: int = 35963, pull_after: int | None = None) -> None:
        self.card = card
        self.host = host
        self.port = port
        # Tests: pull the card out right after answering this many command APDUs.
        self.pull_after = pull_after
        self.apdus_answered = 0
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    def connect(self, timeout: float = 10.0) -> None:
        self._sock = socket.create_connection((self.host, self.port), timeout=timeout)
        self._sock.settimeout(None)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def serve_forever(self) -> None:
        """Answer vpcd until it hangs up or stop() is called."""
        assert self._sock is not None, "connect() first"
        try:
            while not self._stopped.is_set():
                header = self._recv_exact(2)
                if header is None:
                    return
                (length,) = struct.unpack(">H", header)
                payload = self._recv_exact(length)
                if payload is None:
                    return
                self._handle(payload)
        except OSError:
            if not self._stopped.is_set():
                raise

    def _handle(self, payload: bytes) -> None:
        if len(payload) == 1:
            control = payload[0]
            if control in (POWER_ON, RESET, POWER_OFF):
                self.card.reset()
            elif control == GET_ATR:
                self._send(self.card.atr)
            return
        self._send(self.card.transmit(payload))
        self.apdus_answered += 1
        if self.pull_after is not None and self.apdus_answered >= self.pull_after:
            self._stopped.set()
            self._sock.shutdown(socket.SHUT_RDWR)

    def _send(self, data: bytes) -> None:
        assert self._sock is not None
        self._sock.sendall(struct.pack(">H", len(data)) + data)

    def _recv_exact(self, n: int) -> bytes | None:
        assert self._sock is not None
        buf = bytearray()
        while len(buf) < n:
            chunk = self._sock.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return bytes(buf)

    def start(self) -> VpcdBridge:
        """Connect and serve on a background thread (the card is 'inserted')."""
        self.connect()
        self._thread = threading.Thread(target=self.serve_forever, name="vpcd-card", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the socket: pcscd sees the card removed."""
        self._stopped.set()
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._sock.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

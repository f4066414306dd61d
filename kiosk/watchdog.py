"""systemd's watchdog: READY=1 once the kiosk serves, then WATCHDOG=1 pings while its threads live.

deploy/madoguchi-kiosk.service sets Type=notify and WatchdogSec=: if the pings stop, systemd
restarts the kiosk. They stop when the card worker's loop has not turned for ``stuck_after``
seconds (a hung reader driver or card job: the resident's screen would freeze) or when the card
worker, the registration thread or the statistics recorder has died. A hung process whose web
threads still answer would otherwise look healthy to everyone but the resident.

The notify protocol is one datagram on the unix socket named in $NOTIFY_SOCKET (sd_notify(3));
ten lines of our own rather than a dependency. Without $NOTIFY_SOCKET (demo on a laptop, tests)
nothing is sent.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)

STUCK_AFTER_SECONDS = 60.0  # longer than any card job (the PIN check and signature take seconds)


class Notifier:
    """sd_notify(3): a datagram to $NOTIFY_SOCKET ('@' starts an abstract socket name)."""

    def __init__(self, environ: Mapping[str, str] = os.environ) -> None:
        address = environ.get("NOTIFY_SOCKET", "")
        self.address = "\0" + address[1:] if address.startswith("@") else address
        usec = environ.get("WATCHDOG_USEC", "")
        self.watchdog_seconds = int(usec) / 1_000_000 if usec.isdigit() and int(usec) > 0 else None

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def send(self, message: str) -> None:
        if not self.address:
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(message.encode(), self.address)
        except OSError as exc:  # systemd gone or the socket not ours: serving goes on
            log.warning("cannot notify systemd (%s): %s", self.address.lstrip("\0"), exc)


def stuck_threads(terminal: Any, stuck_after: float = STUCK_AFTER_SECONDS) -> list[str]:
    """The terminal's threads that are dead or hung, by name (empty: all well)."""
    problems = []
    if not terminal.worker.alive:
        problems.append("card worker stopped")
    elif terminal.worker.seconds_since_beat() > stuck_after:
        problems.append(f"card worker stuck for {terminal.worker.seconds_since_beat():.0f} s")
    if not terminal.registrar.alive:
        problems.append("registration thread stopped")
    if not terminal.recorder.alive:
        problems.append("statistics recorder stopped")
    return problems


class Watchdog:
    """Tells systemd the kiosk is ready, then pings at half of WatchdogSec while all is well."""

    def __init__(self, terminal: Any, notifier: Notifier | None = None,
                 stuck_after: float = STUCK_AFTER_SECONDS) -> None:  # fmt: skip
        self.terminal = terminal
        self.notifier = notifier or Notifier()
        self.stuck_after = stuck_after
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="systemd-watchdog", daemon=True)

    def ready(self) -> None:
        """The server is listening: READY=1, and the pings begin if systemd asked for them."""
        self.notifier.send("READY=1")
        if self.notifier.watchdog_seconds:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.notifier.send("STOPPING=1")

    def _run(self) -> None:
        interval = (self.notifier.watchdog_seconds or 0) / 2
        told: list[str] = []
        while not self._stop.wait(interval):
            problems = stuck_threads(self.terminal, self.stuck_after)
            if not problems:
                self.notifier.send("WATCHDOG=1")
            elif problems != told:  # one line per change, not one per ping missed
                log.error("watchdog pings stopped, systemd will restart the kiosk: %s", "; ".join(problems))
            told = problems

"""Printing a slip through CUPS, off the request thread and off the terminal's lock.

`lp` (Debian's cups-client) does the talking, so the kiosk needs no CUPS headers or daemon of its
own: a printer shared by the counter's CUPS server works as well as a local one."""

from __future__ import annotations

import enum
import logging
import subprocess
import threading
from collections.abc import Callable
from datetime import date

from kiosk.slip.content import Slip
from kiosk.slip.pdf import render_pdf

log = logging.getLogger(__name__)

LP_TIMEOUT_SECONDS = 30


class SlipPrintError(RuntimeError):
    """The slip could not be handed to CUPS (no such printer, CUPS down, font missing)."""


class PrintStatus(enum.Enum):
    IDLE = "idle"
    PRINTING = "printing"
    PRINTED = "printed"
    FAILED = "failed"


class SlipPrinter:
    """One job at a time; its status belongs to the screen it was asked from (``screen``), so
    the next resident never sees the last one's 'printed'."""

    def __init__(self, printer: str, server: str = "", on_change: Callable[[], None] | None = None):
        self.printer = printer
        self.server = server
        self.on_change = on_change or (lambda: None)
        self._lock = threading.Lock()
        self._status = PrintStatus.IDLE
        self._screen: object = None

    @property
    def enabled(self) -> bool:
        return bool(self.printer)

    def status(self, screen: object) -> PrintStatus:
        with self._lock:
            return self._status if screen == self._screen else PrintStatus.IDLE

    def forget(self) -> None:
        """The result screen has gone: a finished job's status goes with it."""
        with self._lock:
            if self._status != PrintStatus.PRINTING:
                self._screen, self._status = None, PrintStatus.IDLE

    def submit(self, slip: Slip, screen: object) -> bool:
        """Start printing ``slip`` for ``screen``; False if a slip for it is already printing."""
        if not self.enabled:
            raise SlipPrintError("no printer is configured")
        with self._lock:
            if self._screen == screen and self._status == PrintStatus.PRINTING:
                return False
            self._screen, self._status = screen, PrintStatus.PRINTING
        threading.Thread(target=self._run, args=(slip, screen), name="slip-printer", daemon=True).start()
        return True

    def _run(self, slip: Slip, screen: object) -> None:
        try:
            self.print_now(slip)
            result = PrintStatus.PRINTED
        except SlipPrintError as exc:
            log.warning("slip not printed: %s", exc)  # the reason only: the slip's words stay out
            result = PrintStatus.FAILED
        except Exception as exc:  # noqa: BLE001 - a bug here must still free the screen from 'printing'
            log.exception("slip not printed: %s", type(exc).__name__)
            result = PrintStatus.FAILED
        with self._lock:
            if self._screen == screen:
                self._status = result
        self.on_change()

    def print_now(self, slip: Slip) -> str:
        """Render and hand the slip to CUPS; returns lp's answer ('request id is ...')."""
        try:
            data = render_pdf(slip)
        except (OSError, RuntimeError) as exc:
            raise SlipPrintError(f"could not make the slip: {exc}") from None
        command = ["lp", "-d", self.printer, "-t", f"slip {date.today().isoformat()}"]
        if self.server:
            command[1:1] = ["-h", self.server]
        try:
            done = subprocess.run(command, input=data, capture_output=True, timeout=LP_TIMEOUT_SECONDS, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SlipPrintError(f"lp did not run: {exc}") from None
        if done.returncode != 0:
            raise SlipPrintError(f"lp refused the job: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout.decode(errors="replace").strip()

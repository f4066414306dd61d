"""The slip printer's status belongs to the screen that asked, and a failure is told, not lost."""

from __future__ import annotations

import threading
from datetime import date

from kiosk.slip import PrintStatus, Slip, SlipPrinter


def test_a_failed_print_shows_only_on_its_own_screen_and_goes_with_it():
    finished = threading.Event()
    # Nothing listens on port 9 of 127.0.0.1: lp fails at once, as with a printer switched off.
    printer = SlipPrinter("counter", "127.0.0.1:9", on_change=finished.set)
    slip = Slip(printed_on=date(2026, 11, 24), columns=(("ja", "本日の控え", ()),))
    assert printer.submit(slip, screen=("error", "pin_locked", "ja"))
    assert finished.wait(30)
    assert printer.status(("error", "pin_locked", "ja")) == PrintStatus.FAILED
    assert printer.status(("done", "registered", "ja")) == PrintStatus.IDLE  # the next resident's screen
    printer.forget()
    assert printer.status(("error", "pin_locked", "ja")) == PrintStatus.IDLE


def test_no_printer_configured_means_no_slip():
    assert not SlipPrinter("").enabled

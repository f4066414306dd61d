"""A slip to take home: what happened, what to do next, where to ask and where else to register,
in the resident's language with Japanese beside it. Built here, printed through CUPS.

Nothing personal is ever on it: no name, address, birth date, number or PIN. It is made from the
screen's reason and the counter's settings only, so it cannot carry what it was never given."""

from kiosk.slip.content import Slip, SlipSection, build_slip
from kiosk.slip.printer import PrintStatus, SlipPrinter, SlipPrintError

__all__ = ["Slip", "SlipSection", "build_slip", "PrintStatus", "SlipPrinter", "SlipPrintError"]

"""The PIN post, read by the kiosk itself into one buffer that the card layer wipes.

werkzeug's form parser would make immutable ``str`` copies of the PIN (the field, the decoded
value) that nothing can overwrite. So the PIN view is exempt from Flask-WTF's automatic check
(which reads ``request.form``), reads the small urlencoded body into a ``bytearray``, copies the
four digits into a second one for the card, wipes the body, and checks the CSRF token itself.
What even this cannot reach is in docs/security.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import unquote_plus

# The app's MAX_CONTENT_LENGTH (64 KiB) refuses bigger bodies first; up to it, a body that is not
# four digits gets the screen's 'please enter 4 digits', like any other wrong entry.
MAX_BODY = 64 * 1024
PIN_FIELD = b"pin"
TOKEN_FIELD = b"csrf_token"
PIN_LENGTH = 4


class PinFormError(Exception):
    """A body that is not the PIN form (no length, too long, cut short)."""


@dataclass
class PinForm:
    pin: bytearray | None  # exactly four ASCII digits, or None: the field was anything else
    csrf_token: str

    def wipe(self) -> None:
        if self.pin is not None:
            self.pin[:] = bytes(len(self.pin))


def read_pin_form(stream: BinaryIO, length: int | None) -> PinForm:
    """Read ``pin`` and ``csrf_token`` from an application/x-www-form-urlencoded body.

    The PIN must be the only ``pin`` field and four plain digits: the kiosk's page never
    percent-encodes digits, so anything else is refused rather than decoded (a decoder makes
    copies)."""
    if length is None or not 0 < length <= MAX_BODY:
        raise PinFormError("no body of the PIN form's size")
    body = bytearray(length)
    view = memoryview(body)
    try:
        got = 0
        while got < length:
            n = stream.readinto(view[got:])
            if not n:
                raise PinFormError("the body ended early")
            got += n
        pin: bytearray | None = None
        pins = 0
        token = ""
        for start, equals, end in _fields(body):
            if equals - start == len(PIN_FIELD) and body.startswith(PIN_FIELD, start):
                pins += 1
                if pin is not None:  # a second PIN field: neither is used
                    pin[:] = bytes(len(pin))
                    pin = None
                digits = range(equals + 1, end)
                if pins == 1 and len(digits) == PIN_LENGTH and all(0x30 <= body[i] <= 0x39 for i in digits):
                    pin = bytearray(view[equals + 1 : end])  # straight from the buffer, no bytes object
            elif equals - start == len(TOKEN_FIELD) and body.startswith(TOKEN_FIELD, start):
                token = unquote_plus(body[equals + 1 : end].decode("ascii", "replace"))
        return PinForm(pin, token)
    finally:
        view.release()
        body[:] = bytes(len(body))


def _fields(body: bytearray):
    """(start, position of '=', end) of each ``name=value`` field, without copying any."""
    start = 0
    while start < len(body):
        end = body.find(b"&", start)
        if end < 0:
            end = len(body)
        equals = body.find(b"=", start, end)
        if equals >= 0:
            yield start, equals, end
        start = end + 1

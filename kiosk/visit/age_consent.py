"""The resident's own yes before the card is read for the age band (issue 12, item 7).

The age band comes from the 券面事項入力補助AP, whose PIN is a separate one (often the same
digits): reading it sends the resident's JPKI PIN there, and a different PIN costs one of that
application's tries. So with ``age_source = "card"`` the flow asks, on a screen of its own
after the registration consent and before the PIN: yes leads to one VERIFY there at most
(``kiosk.visit.registration.read_age_band``), no leaves the age band to the helper.
"""

from __future__ import annotations

from kiosk.visit.flow import Flow, Step


def read_it(flow: Flow, now: float) -> None:
    """'Yes, read it': the card is read for the birth date after the registration's VERIFY."""
    flow._require(Step.AGE_CONSENT)
    flow.read_age = True
    flow._go(Step.PIN, now)


def skip_it(flow: Flow, now: float) -> None:
    """'No, skip': the card is not read for it; the helper may note the age band instead."""
    flow._require(Step.AGE_CONSENT)
    flow.read_age = False
    flow._go(Step.PIN, now)

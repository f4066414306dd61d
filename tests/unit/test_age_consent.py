"""Reading the age band from the card needs the resident's own yes, on its own screen (issue 12,
item 7): the same four digits go to a second part of the card, whose PIN may differ."""

from __future__ import annotations

import pytest

from kiosk.settings import Settings, load
from kiosk.visit import age_consent
from kiosk.visit.flow import CardFacts, Flow, InvalidTransition, Reason, Step
from tests.support.terminal import step, stored, to_pin
from tests.support.waiting import wait_until


def at_consent(ask_age: bool) -> Flow:
    f = Flow(ask_age=ask_age)
    f.card_inserted(0)
    f.card_read(CardFacts(tries_left=3, cert_expired=False, new_card=False, holder_key="k"), 1)
    return f


def test_by_default_the_age_band_is_the_helpers_and_no_age_screen_shows():
    assert Settings().age_source == "staff"
    f = at_consent(ask_age=False)
    f.agree(2)
    assert f.step == Step.PIN and not f.read_age


@pytest.mark.parametrize(("answer", "read"), [(age_consent.read_it, True), (age_consent.skip_it, False)])
def test_with_card_the_age_screen_comes_between_consent_and_pin(answer, read):
    f = at_consent(ask_age=True)
    f.agree(2)
    assert f.step == Step.AGE_CONSENT
    answer(f, 3)
    assert f.step == Step.PIN and f.read_age is read
    with pytest.raises(InvalidTransition):  # a double tap on the age screen does nothing more
        answer(f, 4)


@pytest.mark.parametrize(("leave", "reason"), [("cancel", Reason.CANCELLED), ("idle_timeout", Reason.TIMED_OUT)])
def test_the_age_screen_can_be_left_like_the_consent(leave, reason):
    f = at_consent(ask_age=True)
    f.agree(2)
    getattr(f, leave)(3)
    assert (f.step, f.reason) == (Step.ERROR, reason)


def test_a_yes_is_for_this_resident_only():
    f = at_consent(ask_age=True)
    f.agree(2)
    age_consent.read_it(f, 3)
    f.card_removed(4)
    f.tick(100, error_return_seconds=5)
    f.card_inserted(101)
    assert not f.read_age


def card_settings() -> Settings:
    return load(None, {"demo": True, "terminal_id": "t1", "venue": "v", "consent_version": "c1", "age_source": "card"})


@pytest.mark.parametrize(("answer", "kenhojo_verifies", "band"), [("read_age", 1, "75+"), ("skip_age", 0, None)])
def test_only_a_yes_sends_the_pin_to_the_second_part_of_the_card(kiosk, make_card, answer, kenhojo_verifies, band):
    terminal, reader = kiosk(settings=card_settings())
    card = make_card("hanako")
    to_pin(terminal, reader, card)
    assert step(terminal) == ("age_consent", None)
    terminal.act(answer)
    assert step(terminal) == ("pin", None)
    terminal.submit_pin(bytearray(b"1234"))
    wait_until(lambda: step(terminal) == ("done", "registered"), what="the done screen")
    assert card.pin_log == ["auth"] + ["kenhojo"] * kenhojo_verifies  # one VERIFY there at most
    reader.remove()
    (event,) = stored(terminal)
    assert event["age_band"] == band

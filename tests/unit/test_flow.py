"""The resident flow as a state machine: no browser, no card, no clock."""

import pytest

from kiosk.visit.flow import CardFacts, Flow, InvalidTransition, Outcome, Reason, Step


def facts(tries=3, expired=False, new=True):
    return CardFacts(tries_left=tries, cert_expired=expired, new_card=new, holder_key="k")


def at_pin(tries=3) -> Flow:
    f = Flow()
    f.card_inserted(0)
    f.card_read(facts(tries), 1)
    f.agree(2)
    return f


def test_happy_path_records_one_session():
    f = at_pin()
    assert f.step == Step.PIN and f.tries_left == 3
    f.pin_submitted(3)
    assert f.step == Step.REGISTERING
    f.registered(already=False, now=10)
    assert f.step == Step.DONE
    (summary,) = f.take_finished()
    assert summary.outcome == Outcome.REGISTERED
    assert summary.pin_attempts == 1 and summary.tries_left_at_start == 3
    assert summary.ended_at - summary.started_at == 10
    f.card_removed(11)
    f.tick(31, error_return_seconds=20)
    assert f.step == Step.IDLE and f.take_finished() == []


def test_wrong_pin_returns_to_pin_with_tries_shown():
    f = at_pin()
    f.pin_submitted(3)
    f.pin_rejected(2, 4)
    assert (f.step, f.reason, f.tries_left) == (Step.PIN, Reason.WRONG_PIN, 2)
    assert f.take_finished() == []  # the session goes on


def test_wrong_pin_leaving_one_try_stops_pin_entry():
    f = at_pin(tries=2)
    f.pin_submitted(3)
    f.pin_rejected(1, 4)
    assert (f.step, f.reason) == (Step.ERROR, Reason.ONE_TRY_LEFT)
    with pytest.raises(InvalidTransition):
        f.pin_submitted(5)


@pytest.mark.parametrize(
    "card, reason",
    [
        (facts(tries=1), Reason.ONE_TRY_LEFT),
        (facts(tries=0), Reason.PIN_LOCKED),
        (facts(tries=None), Reason.NO_PIN_SET),
        (facts(tries=0, expired=True), Reason.CERT_EXPIRED),
    ],
)
def test_cards_that_must_not_reach_the_keypad(card, reason):
    f = Flow()
    f.card_inserted(0)
    f.card_read(card, 1)
    assert (f.step, f.reason) == (Step.ERROR, reason)
    with pytest.raises(InvalidTransition):
        f.agree(2)
    f.card_removed(3)  # a held session (one try left) ends when the card is taken
    (summary,) = f.take_finished()
    assert summary.reason == reason and summary.pin_attempts == 0
    f.tick(23, error_return_seconds=20)
    assert f.step == Step.IDLE and f.take_finished() == []


def one_try_left_with_card() -> Flow:
    f = Flow()
    f.card_inserted(0)
    f.card_read(facts(tries=1), 1)
    return f


def test_one_try_left_waits_for_the_helper_with_the_session_open():
    f = one_try_left_with_card()
    assert (f.step, f.reason) == (Step.ERROR, Reason.ONE_TRY_LEFT)
    assert f.helper_called  # the staff side is told at once
    assert f.take_finished() == []
    f.tick(500, error_return_seconds=20, reminder_seconds=15)
    assert f.step == Step.ERROR and not f.reminding  # no 'take your card' nagging: staff are coming


def test_helper_allows_the_last_try_and_the_resident_registers():
    f = one_try_left_with_card()
    f.allow_last_try(5)
    assert (f.step, f.tries_left, f.last_try_allowed) == (Step.PIN, 1, True)
    f.pin_submitted(6)
    f.registered(already=False, now=9, age_band="75+")
    (summary,) = f.take_finished()
    assert summary.outcome == Outcome.REGISTERED and summary.assisted and summary.age_band == "75+"
    assert summary.tries_left_at_start == 1 and summary.pin_attempts == 1


def test_a_wrong_last_try_locks_and_says_so():
    f = one_try_left_with_card()
    f.allow_last_try(5)
    f.pin_submitted(6)
    f.pin_rejected(0, 7)
    assert (f.step, f.reason) == (Step.ERROR, Reason.PIN_LOCKED)
    (summary,) = f.take_finished()
    assert summary.reason == Reason.PIN_LOCKED and summary.assisted


def test_last_try_is_not_allowed_without_a_card_or_on_another_screen():
    with pytest.raises(InvalidTransition):
        at_pin().allow_last_try(3)
    f = one_try_left_with_card()
    f.card_removed(2)
    with pytest.raises(InvalidTransition):
        f.allow_last_try(3)


def test_tries_changed_sends_nothing_and_shows_the_real_count():
    f = at_pin(tries=3)
    f.pin_submitted(3)
    f.tries_changed(2, 4)
    assert (f.step, f.reason, f.tries_left) == (Step.PIN, Reason.TRIES_CHANGED, 2)
    assert f.session.pin_attempts == 0  # the PIN never reached the card
    f.pin_submitted(5)
    f.tries_changed(1, 6)
    assert (f.step, f.reason) == (Step.ERROR, Reason.ONE_TRY_LEFT)


def test_reader_lost_mid_flow_shows_the_reader_screen_until_it_returns():
    f = at_pin()
    f.reader_lost(3)
    assert (f.step, f.reason) == (Step.ERROR, Reason.READER_UNAVAILABLE)
    (summary,) = f.take_finished()
    assert summary.reason == Reason.READER_UNAVAILABLE
    f.card_removed(4)  # the worker reports the card gone with the reader
    f.tick(100, error_return_seconds=20)
    assert f.reason == Reason.READER_UNAVAILABLE
    f.reader_back(101)
    assert f.step == Step.IDLE


def test_reader_lost_while_idle_changes_nothing_in_the_flow():
    f = Flow()
    f.reader_lost(1)
    assert f.step == Step.IDLE and f.take_finished() == []


def test_card_left_after_done_triggers_the_reminder_once():
    f = at_pin()
    f.pin_submitted(3)
    f.registered(already=False, now=10)
    f.tick(20, error_return_seconds=20, reminder_seconds=15)
    assert not f.reminding
    version = f.version
    f.tick(25, error_return_seconds=20, reminder_seconds=15)
    assert f.reminding and f.version == version + 1
    f.tick(30, error_return_seconds=20, reminder_seconds=15)
    assert f.version == version + 1
    f.card_removed(31)
    assert f.step == Step.DONE and not f.reminding
    f.tick(51, error_return_seconds=20, reminder_seconds=15)
    assert f.step == Step.IDLE


def test_double_submit_sends_the_pin_once():
    f = at_pin()
    f.pin_submitted(3)
    with pytest.raises(InvalidTransition):
        f.pin_submitted(3)
    assert f.session.pin_attempts == 1


def test_card_removed_mid_flow_then_back_to_idle_after_a_while():
    f = at_pin()
    f.card_removed(5)
    assert (f.step, f.reason) == (Step.ERROR, Reason.CARD_REMOVED)
    (summary,) = f.take_finished()
    assert summary.outcome == Outcome.NOT_COMPLETED
    f.tick(10, error_return_seconds=20)
    assert f.step == Step.ERROR
    f.tick(26, error_return_seconds=20)
    assert f.step == Step.IDLE


def test_card_put_back_on_removed_screen_starts_again():
    f = at_pin()
    f.card_removed(5)
    f.card_inserted(6)
    assert f.step == Step.IDLE and f.busy


def test_decline_is_recorded_as_declined():
    f = Flow()
    f.card_inserted(0)
    f.card_read(facts(), 1)
    f.decline(2)
    assert (f.step, f.reason) == (Step.ERROR, Reason.DECLINED)
    assert f.take_finished()[0].outcome == Outcome.DECLINED


def test_error_screen_waits_for_the_card_then_resets():
    f = Flow()
    f.card_inserted(0)
    f.card_read(facts(tries=0), 1)
    with pytest.raises(InvalidTransition):
        f.acknowledge(2)  # card still in: the screen asks to take it
    f.card_removed(3)
    f.tick(23, error_return_seconds=20)
    assert f.step == Step.IDLE


def test_every_change_bumps_the_version():
    f = Flow()
    seen = [f.version]
    f.card_inserted(0)
    seen.append(f.version)
    f.card_read(facts(), 1)
    seen.append(f.version)
    f.agree(2)
    seen.append(f.version)
    assert seen == sorted(set(seen))


def test_language_and_display_options_last_for_one_resident_and_are_recorded():
    f = Flow(default_language="ja")
    f.choose_language("vi", 0)
    f.toggle_option("large", 0)
    f.card_inserted(1)
    f.card_read(facts(), 2)
    f.toggle_option("contrast", 3)
    f.toggle_option("contrast", 4)  # tried and turned off again: still counted as used
    f.agree(5)
    f.pin_submitted(6)
    f.registered(already=False, now=7)
    (summary,) = f.take_finished()
    assert summary.language == "vi" and summary.options == {"large", "contrast"}
    f.card_removed(8)
    f.acknowledge(9)
    assert (f.language, f.options) == ("ja", set())  # the next person starts fresh


def test_card_put_back_keeps_the_residents_language():
    f = at_pin()
    f.choose_language("pt", 3)
    f.card_removed(4)
    f.card_inserted(5)
    assert f.language == "pt" and f.busy


def test_idle_timeout_stops_a_decision_and_wipes_the_screen():
    f = at_pin()
    f.idle_timeout(100)
    assert (f.step, f.reason) == (Step.ERROR, Reason.TIMED_OUT)
    (summary,) = f.take_finished()
    assert summary.reason == Reason.TIMED_OUT
    f.card_removed(101)
    f.tick(121, error_return_seconds=20)
    assert f.step == Step.IDLE


def test_idle_timeout_never_interrupts_the_card_or_a_waiting_helper():
    f = at_pin()
    f.pin_submitted(3)
    f.idle_timeout(100)
    assert f.step == Step.REGISTERING
    g = one_try_left_with_card()
    g.idle_timeout(100)
    assert g.reason == Reason.ONE_TRY_LEFT


def test_idle_timeout_on_the_first_screen_resets_the_chosen_language():
    f = Flow()
    f.choose_language("ko", 0)
    f.idle_timeout(200)
    assert f.language == "ja" and f.step == Step.IDLE


def test_calling_the_helper_marks_the_session_assisted():
    f = at_pin()
    f.call_helper(3)
    assert f.helper_called
    f.cancel(4)
    (summary,) = f.take_finished()
    assert summary.assisted


def test_card_pulled_while_the_service_is_asked_shows_at_once_and_the_row_waits_for_the_answer():
    f = at_pin()
    f.pin_submitted(3)
    session = f.session
    f.card_removed(4)
    assert (f.step, f.reason) == (Step.ERROR, Reason.CARD_REMOVED)
    assert f.take_finished() == [] and f.awaits_answer(session)
    f.settle(session, Outcome.REGISTERED, age_band="75+")  # the service did register the card
    assert (f.step, f.reason) == (Step.ERROR, Reason.CARD_REMOVED)  # the screen stays
    (summary,) = f.take_finished()
    assert (summary.outcome, summary.reason, summary.age_band) == (Outcome.REGISTERED, Reason.CARD_REMOVED, "75+")
    assert summary.ended_at == 4 and not f.awaits_answer(session)


def test_reader_lost_while_the_service_is_asked_and_nothing_registered():
    f = at_pin()
    f.pin_submitted(3)
    session = f.session
    f.reader_lost(4)
    assert (f.step, f.reason) == (Step.ERROR, Reason.READER_UNAVAILABLE)
    f.settle(session, None)
    (summary,) = f.take_finished()
    assert (summary.outcome, summary.reason) == (Outcome.NOT_COMPLETED, Reason.READER_UNAVAILABLE)


def test_summary_on_the_wall_clock_keeps_the_monotonic_duration():
    f = at_pin()
    f.cancel(12)
    (summary,) = f.take_finished()
    wall = summary.on_wall_clock(wall_now=1_000_000.0, flow_now=14)
    assert (wall.started_at, wall.ended_at) == (999_986.0, 999_998.0)  # ended 2 s ago, lasted 12 s


@pytest.mark.parametrize("end", ["done", "error"])
def test_result_stays_readable_after_the_card_is_taken_then_clears(end):
    f = at_pin()
    f.pin_submitted(3)
    if end == "done":
        f.registered(already=False, now=10)
    else:
        f.pin_rejected(0, 10)  # locked
    shown = (f.step, f.reason)
    f.card_removed(30)
    f.tick(30 + 19, error_return_seconds=20)
    assert (f.step, f.reason) == shown  # still there to read, and to print a slip from
    f.tick(30 + 20, error_return_seconds=20)
    assert f.step == Step.IDLE


def test_a_card_placed_on_a_lingering_result_starts_the_next_visit():
    f = at_pin()
    f.pin_submitted(3)
    f.registered(already=False, now=10)
    f.take_finished()
    f.card_removed(11)
    f.card_inserted(12)
    assert f.step == Step.IDLE and f.busy
    f.card_read(facts(), 13)
    assert f.step == Step.CONSENT

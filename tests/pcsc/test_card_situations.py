"""Every card and reader situation a counter meets, over real pcscd + vpcd + the virtual card.

Each test drives the kiosk as `kiosk serve` runs it (PcscReader, card worker, flow) and checks
what the resident would see, and what the card was sent: a VERIFY carrying a PIN is only sent
after the screen showed its consequence.
"""

import pytest

from tests.support.waiting import wait_recorded, wait_until

pytestmark = pytest.mark.pcsc


@pytest.fixture
def kiosk(make_pcsc_app):
    app = make_pcsc_app(error_return_seconds=1, card_reminder_seconds=1)
    return app.extensions["kiosk.terminal"], app.test_client()


def step(terminal, wanted, reason=None, timeout=10.0):
    def reached():
        s = terminal.snapshot()
        return s["step"] == wanted and (reason is None or s["reason"] == reason)

    wait_until(reached, timeout, what=f"step {wanted} {reason or ''} (now {terminal.snapshot()})")


def page(client) -> str:
    return client.get("/").get_data(as_text=True)


def test_three_tries_left_normal_pin_entry(kiosk, vpcd_card):
    terminal, client = kiosk
    vpcd_card("hanako")
    step(terminal, "consent")
    client.post("/action", data={"action": "agree"})
    html = page(client)
    assert 'data-tries-left="3"' in html and 'data-key="5"' in html
    assert "data-warning" not in html


def test_two_tries_left_warns_before_the_first_digit(kiosk, vpcd_card):
    terminal, client = kiosk
    card = vpcd_card("ichiro").card
    step(terminal, "consent")
    client.post("/action", data={"action": "agree"})
    html = page(client)
    assert 'data-tries-left="2"' in html and 'data-warning="two-tries"' in html
    assert card.pin_presentations() == 0


def test_one_try_left_no_keypad_until_the_helper_allows_it(kiosk, vpcd_card):
    terminal, client = kiosk
    card = vpcd_card("sachiko").card
    step(terminal, "error", "one_try_left")
    html = page(client)
    assert "data-key=" not in html and 'data-waiting-for="helper"' in html
    client.post("/action", data={"action": "agree"})  # a stale or forged tap changes nothing
    client.post("/pin", data={"pin": "2580"})
    assert card.pin_presentations() == 0 and card.tries_left() == 1

    terminal.allow_last_try()  # the staff side; the helper never sees the PIN
    step(terminal, "pin")
    assert 'data-warning="last-try"' in page(client)
    client.post("/pin", data={"pin": "2580"})
    step(terminal, "done", "registered")
    assert card.pin_presentations() == 1 and card.tries_left() == 3
    wait_recorded(terminal)
    event = list(terminal.stats.events())[-1]
    assert event["assisted"] == 1 and event["tries_left_at_start"] == 1


def test_locked_card_explains_the_counter_and_sends_no_verify(kiosk, vpcd_card):
    terminal, client = kiosk
    card = vpcd_card("jiro").card
    step(terminal, "error", "pin_locked")
    assert "data-key=" not in page(client)
    assert card.pin_presentations() == 0


def test_wrong_pin_shows_tries_left_and_the_card_counted_it(kiosk, vpcd_card):
    terminal, client = kiosk
    card = vpcd_card("hanako").card
    step(terminal, "consent")
    client.post("/action", data={"action": "agree"})
    client.post("/pin", data={"pin": "0000"})
    step(terminal, "pin", "wrong_pin")
    assert card.tries_left() == 2
    html = page(client)
    assert 'data-tries-left="2"' in html
    client.post("/pin", data={"pin": "0000"})
    step(terminal, "error", "one_try_left")  # stops before the try that would lock
    assert card.tries_left() == 1 and card.pin_presentations() == 2


def test_counter_changed_behind_the_screen_sends_no_pin(kiosk, vpcd_card):
    terminal, client = kiosk
    card = vpcd_card("hanako").card
    step(terminal, "consent")
    client.post("/action", data={"action": "agree"})
    card._pins["auth"].tries_left = 2  # another application spent a try meanwhile
    client.post("/pin", data={"pin": "1234"})
    step(terminal, "pin", "tries_changed")
    assert card.pin_presentations() == 0
    assert 'data-tries-left="2"' in page(client)


def test_expired_certificate_asks_no_pin(kiosk, vpcd_card):
    terminal, client = kiosk
    card = vpcd_card("kazuko").card
    step(terminal, "error", "cert_expired")
    assert "data-key=" not in page(client) and card.pin_presentations() == 0


@pytest.mark.parametrize(
    "resident, quirks, reason",
    [
        ("bankcard", frozenset(), "not_my_number_card"),
        ("hanako", frozenset({"mute"}), "card_unreadable"),
        ("tomoko", frozenset(), "no_pin_set"),
    ],
)
def test_cards_that_cannot_be_used(kiosk, vpcd_card, resident, quirks, reason):
    terminal, client = kiosk
    vpcd_card(resident, quirks)
    step(terminal, "error", reason)
    assert "data-key=" not in page(client)


def test_card_left_on_the_reader_after_done_is_reminded_louder(kiosk, vpcd_card):
    terminal, client = kiosk
    bridge = vpcd_card("hanako")
    step(terminal, "consent")
    client.post("/action", data={"action": "agree"})
    client.post("/pin", data={"pin": "1234"})
    step(terminal, "done")
    assert 'data-remind="false"' in page(client)
    wait_until(lambda: terminal.snapshot()["reminding"], what="reminder")
    assert 'data-remind="true"' in page(client)
    bridge.stop()
    step(terminal, "idle")
    assert 'data-remind="false"' in page(client)


@pytest.mark.parametrize("how", ["stopped", "killed"])
def test_pcscd_stopped_and_restarted_the_kiosk_recovers_by_itself(kiosk, vpcd_card, pcscd, how):
    terminal, client = kiosk
    vpcd_card("hanako")
    step(terminal, "consent")
    pcscd.stop() if how == "stopped" else pcscd.kill()
    step(terminal, "error", "reader_unavailable")
    wait_until(lambda: terminal.snapshot()["reader"] == "no_reader", what="no reader")
    assert 'data-reason="reader_unavailable"' in page(client)
    # Back on fresh ports: vpcd's old port sits in TIME_WAIT for a minute after pcscd closed it.
    pcscd.start()
    step(terminal, "idle", timeout=20)
    wait_until(lambda: terminal.snapshot()["reader"] == "empty", timeout=20, what="reader back")
    vpcd_card("hanako")
    step(terminal, "consent")
    wait_recorded(terminal)
    (event,) = list(terminal.stats.events())
    assert event["reason"] == "reader_unavailable"


def test_no_such_reader_says_so_on_the_first_screen(make_pcsc_app):
    app = make_pcsc_app(reader="Reader that is not plugged in")
    terminal = app.extensions["kiosk.terminal"]
    wait_until(lambda: terminal.snapshot()["reader"] == "no_reader", what="no reader")
    html = app.test_client().get("/").get_data(as_text=True)
    assert 'data-step="idle"' in html and 'data-reader="no_reader"' in html


def _drive_until_the_card_is_gone(terminal, client, bridge, pin: str) -> str:
    """Do what a resident does until the card is gone and the screen is back at the start;
    return 'done' or the reason the session ended with, from its statistics event."""
    before = len(list(terminal.stats.events()))

    def card_seen() -> bool:
        return terminal.snapshot()["card_present"] or len(list(terminal.stats.events())) > before

    def card_read() -> bool:
        snapshot = terminal.snapshot()
        return snapshot["step"] in ("consent", "error", "idle") and not snapshot["busy"]

    wait_until(card_seen, what="the kiosk to see the card")
    wait_until(card_read, what="the card read")
    if terminal.snapshot()["step"] == "consent":
        client.post("/action", data={"action": "agree"})  # refused if the card is gone already
        client.post("/action", data={"action": "read_age"})  # with age_source = "card" only
        client.post("/pin", data={"pin": pin})
    if bridge.pull_after is None:
        step(terminal, "done")
        assert 'data-step="done"' in page(client)
        bridge.stop()
    wait_until(lambda: len(list(terminal.stats.events())) == before + 1, what="the session event")
    step(terminal, "idle")  # back to 'place your card' once the card is gone
    event = list(terminal.stats.events())[-1]
    return "done" if event["outcome"] in ("registered", "already_registered") else event["reason"]


def test_card_pulled_after_every_single_apdu_leaves_nothing_half_done(make_pcsc_app, vpcd_card):
    app = make_pcsc_app(error_return_seconds=1, card_reminder_seconds=1, age_source="card")
    terminal, client = app.extensions["kiosk.terminal"], app.test_client()
    gateway = terminal.gateway
    full = vpcd_card("hanako")
    assert _drive_until_the_card_is_gone(terminal, client, full, "1234") == "done"
    total = full.apdus_answered
    assert gateway.registration_count() == 1
    gateway_db_before = gateway.registration_count()
    endings = []
    for k in range(1, total + 1):
        bridge = vpcd_card("ichiro", pull_after=k)
        ending = _drive_until_the_card_is_gone(terminal, client, bridge, "4321")
        endings.append(ending)
        registered = gateway.registration_count() - gateway_db_before
        if ending == "done":
            assert registered == 1, f"pulled after APDU {k}: 'done' without a registration"
        else:
            assert ending == "card_removed", f"pulled after APDU {k}: {ending}"
            assert registered == 0, f"pulled after APDU {k}: registered, but the resident was told it failed"
    # Up to the signature the card is needed; after it, the registration completes
    # (the age band, read last, is simply left out).
    first_done = endings.index("done")
    assert all(e == "card_removed" for e in endings[:first_done])
    assert all(e == "done" for e in endings[first_done:])
    events = list(terminal.stats.events())
    assert len(events) == total + 1  # one statistics event per resident session, none lost
    assert [e["age_band"] for e in events][-1] == "75+"  # ichiro's last run read it fully

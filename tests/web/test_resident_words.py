"""What the resident reads and hears says one thing once (the words review, issue 15)."""

import re

from kiosk.i18n import voice
from tests.support.waiting import wait_until


def screen(client) -> str:
    return client.get("/").text


def at(terminal, step, reason=None):
    wait_until(lambda: (terminal.snapshot()["step"], terminal.snapshot()["reason"]) == (step, reason)
               and not terminal.snapshot()["busy"], what=f"{step} {reason}")  # fmt: skip


def test_not_now_asks_for_the_card_once(client, demo, terminal):
    demo.insert("hanako")
    at(terminal, "consent")
    client.post("/action", data={"action": "decline"})
    at(terminal, "error", "declined")
    html = screen(client)
    assert html.count("カードをお取りください") == 1 and "別の日にも登録できます" in html


def test_the_wrong_pin_screen_shows_what_its_voice_says(app, client, demo, terminal):
    demo.insert("hanako")
    at(terminal, "consent")
    client.post("/action", data={"action": "agree"})
    client.post("/pin", data={"pin": "9999"})
    at(terminal, "pin", "wrong_pin")
    html = screen(client)
    with app.app_context():
        spoken = voice.spoken_text(voice.screen_key(terminal.snapshot()), "ja")
    sentences = [s for s in spoken.split("。") if s]
    assert sentences and all(s in html for s in sentences), sentences


def test_the_last_try_says_the_pin_locks_and_who_unlocks_it(client, demo, terminal):
    client.post("/language", data={"language": "en"})
    demo.insert("sachiko")  # one try left: a helper must allow it
    at(terminal, "error", "one_try_left")
    terminal.allow_last_try()
    at(terminal, "pin")
    warning = re.search(r'data-warning="last-try">(.*?)</p>', screen(client), re.S).group(1)
    assert warning == (
        "This is the last try. If the PIN is wrong, it will be locked. Only the city office counter can unlock it."
    )

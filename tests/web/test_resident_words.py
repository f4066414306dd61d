"""What the resident reads and hears says one thing once (the words review, issue 15)."""

import re
from datetime import date

from kiosk.i18n import voice
from kiosk.slip import build_slip
from kiosk.visit.flow import Reason
from tests.support.waiting import wait_until


def screen(client) -> str:
    return client.get("/").text


def at(terminal, step, reason=None):
    wait_until(lambda: (terminal.snapshot()["step"], terminal.snapshot()["reason"]) == (step, reason)
               and not terminal.snapshot()["busy"], what=f"{step} {reason}")  # fmt: skip


def test_not_now_asks_for_the_card_once_and_says_so_aloud(app, client, demo, terminal):
    demo.insert("hanako")
    at(terminal, "consent")
    client.post("/action", data={"action": "decline"})
    at(terminal, "error", "declined")
    html = screen(client)
    assert html.count("カードをお取りください") == 1 and "別の日にも登録できます" in html
    with app.app_context():
        spoken = voice.spoken_text(voice.screen_key(terminal.snapshot()), "ja")
    assert "カードをお取りください" in spoken  # a resident who cannot see the screen hears it too
    keypad = "係の者を呼ぶには、エンターを押してください"  # heard only: the key's instruction
    assert spoken.endswith(keypad + "。")
    assert all(s in html for s in spoken.split("。") if s and s != keypad)


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


def test_the_one_try_left_screen_after_a_wrong_pin_says_it_first_aloud(app, client, demo, terminal):
    demo.insert("ichiro")  # 2 tries left: one wrong PIN leaves one
    at(terminal, "consent")
    client.post("/action", data={"action": "agree"})
    client.post("/pin", data={"pin": "9999"})
    at(terminal, "error", "one_try_left")
    html = screen(client)
    key = re.search(r'<audio id="voice" [^>]*data-voice="([^"]+)"', html).group(1)
    with app.app_context():
        spoken = voice.spoken_text(key, "ja")
    sentences = [s for s in spoken.split("。") if s]
    assert sentences[:2] == ["暗証番号がちがいます", "あと1回入力できます"]
    assert all(s in html for s in sentences), sentences


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


def test_the_counter_and_helpline_are_named_in_the_residents_language(make_app):
    app = make_app(helpline_name_by_language={"en": "My Number toll-free helpline"},
                   counter_name_by_language={"en": "Citizens Division counter"},
                   counter_hours_by_language={"en": "Weekdays 8:30-17:15"})  # fmt: skip
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()

    def help_dialog() -> str:
        return re.search(r'<dialog id="help-dialog".*?</dialog>', screen(client), re.S).group(0)

    client.post("/language", data={"language": "en"})
    english = help_dialog()
    for words in ("My Number toll-free helpline", "Citizens Division counter", "Weekdays 8:30-17:15"):
        assert words in english
    assert "市民課" not in english and "フリーダイヤル" not in english
    client.post("/language", data={"language": "ko"})  # none given for Korean: the Japanese
    assert "市民課 住民窓口" in help_dialog()

    with app.test_request_context():
        slip = build_slip(Reason.PIN_LOCKED, "en", app.config["KIOSK"], date(2026, 11, 24))
    (_, _, english_column), (_, _, japanese_column) = slip.columns
    assert "Citizens Division counter" in english_column[2].lines
    assert "市民課 住民窓口" in japanese_column[2].lines


def test_after_calling_the_helper_no_line_asks_to_call_one(client, demo, terminal):
    """'The helper has been called' and 'please call the helper' never show together."""
    demo.insert("hanako")
    at(terminal, "consent")
    with terminal._lock:  # the card stopped answering mid-visit, as the card worker reports it
        terminal.flow.card_failed(Reason.CARD_UNREADABLE, terminal.monotonic())
    at(terminal, "error", "card_unreadable")
    assert "係の者をお呼びください" in screen(client)
    client.post("/action", data={"action": "call_helper"})
    html = screen(client)
    assert "係の者を呼びました" in html and "係の者をお呼びください" not in html


def test_one_try_left_offers_a_slip_whose_next_step_holds_at_home(make_app):
    """The resident who leaves at one try left takes a slip too; no slip asks to take or leave a
    card that has long gone home with its owner."""
    app = make_app(slip_printer="counter", slip_cups_server="127.0.0.1:9")
    app.config["WTF_CSRF_ENABLED"] = False
    client, demo, terminal = app.test_client(), app.extensions["kiosk.demo"], app.extensions["kiosk.terminal"]
    demo.insert("sachiko")  # one try left
    at(terminal, "error", "one_try_left")
    demo.remove()
    wait_until(lambda: not terminal.snapshot()["card_present"], what="card taken")
    assert 'data-action="print-slip"' in screen(client)
    with app.test_request_context():
        for reason in Reason:
            for code in ("ja", "en"):
                slip = build_slip(reason, code, app.config["KIOSK"], date(2026, 11, 24))
                (_, _, sections), *_ = slip.columns
                (next_step,) = sections[1].lines
                card_words = r"take your card|leave the card|お取りください|置いたまま"
                assert not re.search(card_words, next_step), (reason, next_step)


def test_a_service_that_is_down_says_when_and_where_else_without_a_printer(app, client, demo, terminal):
    """No printer (the default): the screen itself, and its voice, say when the counter is open
    and where else the card can be registered."""
    demo.insert("hanako")
    at(terminal, "consent")
    with terminal._lock:  # the service check's answer, as the terminal's worker reports it
        terminal.flow.card_failed(Reason.GATEWAY_UNAVAILABLE, terminal.monotonic())
    at(terminal, "error", "gateway_unavailable")
    main = re.search(r"<main.*?</main>", screen(client), re.S).group(0)
    assert 'data-action="print-slip"' not in main
    assert "平日 8:30〜17:15" in main and "市民課 住民窓口" in main
    assert "セブン銀行ATM" in main and "マイナポータル" in main
    with app.app_context():
        spoken = voice.spoken_text(voice.screen_key(terminal.snapshot()), "ja")
    assert "セブン銀行ATM" in spoken and "画面" in spoken


def test_the_help_voice_says_where_the_number_and_hours_are(app):
    """They are settings, read at run time; the voice is made at install time."""
    with app.app_context():
        assert "on the screen" in voice.spoken_text("help", "en")

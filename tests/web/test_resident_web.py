"""The resident screens through Flask's test client, with the in-process virtual card."""

import re

from tests.support.waiting import wait_until


def step_of(html: str) -> str:
    return re.search(r'<main data-step="(\w+)"', html).group(1)


def insert(demo, terminal, key, step):
    demo.insert(key)
    wait_until(lambda: terminal.snapshot()["step"] == step and not terminal.snapshot()["busy"], what=step)


def test_idle_screen_asks_for_the_card(client, terminal):
    wait_until(lambda: terminal.snapshot()["reader"] == "empty")
    html = client.get("/").text
    assert step_of(html) == "idle"
    assert "マイナンバーカードを置いてください" in html


def test_happy_path_through_the_pages(client, demo, terminal):
    insert(demo, terminal, "hanako", "consent")
    assert step_of(client.get("/").text) == "consent"
    client.post("/action", data={"action": "agree"})
    html = client.get("/").text
    assert step_of(html) == "pin" and html.count("data-key=") == 10
    assert "あと3回入力できます" in html
    client.post("/pin", data={"pin": "1234"})
    wait_until(lambda: terminal.snapshot()["step"] == "done")
    html = client.get("/").text
    assert "登録が終わりました" in html and "カードをお取りください" in html
    demo.remove()
    wait_until(lambda: terminal.snapshot()["step"] == "idle")


def test_wrong_pin_shows_tries_left(client, demo, terminal):
    insert(demo, terminal, "hanako", "consent")
    client.post("/action", data={"action": "agree"})
    client.post("/pin", data={"pin": "9999"})
    wait_until(lambda: terminal.snapshot()["reason"] == "wrong_pin")
    html = client.get("/").text
    assert step_of(html) == "pin"
    assert "暗証番号がちがいます" in html and "あと2回入力できます" in html
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1).strip()
    assert heading == "暗証番号がちがいます"  # what happened comes first, then the tries left
    assert demo.reader.card.tries_left() == 2


def test_malformed_pin_is_refused_without_card_traffic(client, demo, terminal):
    insert(demo, terminal, "hanako", "consent")
    client.post("/action", data={"action": "agree"})
    before = len(demo.reader.apdu_log)
    for bad in ("123", "12345", "12a4", "١٢٣٤", ""):
        client.post("/pin", data={"pin": bad})
    html = client.get("/").text
    assert step_of(html) == "pin" and "数字を4けた入力してください" in html
    assert len(demo.reader.apdu_log) == before
    assert demo.reader.card.tries_left() == 3


def test_double_submitted_pin_reaches_the_card_once(client, demo, terminal):
    insert(demo, terminal, "hanako", "consent")
    client.post("/action", data={"action": "agree"})
    client.post("/pin", data={"pin": "9999"})
    client.post("/pin", data={"pin": "9999"})
    wait_until(lambda: terminal.snapshot()["reason"] == "wrong_pin")
    assert demo.reader.card.tries_left() == 2


def test_locked_card_never_sees_a_keypad(client, demo, terminal):
    insert(demo, terminal, "jiro", "error")
    html = client.get("/").text
    assert "ロックされています" in html and "data-key" not in html
    assert not any(h[1] == 0x20 and len(h) > 4 for h in demo.reader.apdu_log)


def test_state_endpoint_long_polls_and_never_carries_the_pin(client, demo, terminal):
    first = client.get("/state").get_json()
    insert(demo, terminal, "hanako", "consent")
    state = client.get(f"/state?since={first['version']}").get_json()
    assert state["version"] > first["version"]
    assert set(state) == {
        "version", "step", "reason", "tries_left", "busy", "card_present", "reader", "reminding", "last_try_allowed",
        "language", "options", "helper_called", "pin_wrong",
    }  # fmt: skip


def test_forms_need_csrf(app, demo, terminal):
    insert(demo, terminal, "hanako", "consent")
    strict = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = True
    assert strict.post("/action", data={"action": "agree"}).status_code == 400
    assert terminal.snapshot()["step"] == "consent"


def test_unknown_action_is_a_400(client):
    assert client.post("/action", data={"action": "format-card"}).status_code == 400


def test_english_catalog(client, terminal):
    terminal.flow.language = "en"
    assert "Please place your My Number card on the reader" in client.get("/").text


def _main_text(html: str) -> str:
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).strip()


def test_a_wrong_pin_that_leaves_one_try_says_so_first_and_once(client, demo, terminal):
    insert(demo, terminal, "ichiro", "consent")  # 2 tries left
    client.post("/action", data={"action": "agree"})
    client.post("/pin", data={"pin": "9999"})
    wait_until(lambda: terminal.snapshot()["reason"] == "one_try_left")
    html = client.get("/").text
    text = _main_text(html)
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1).strip()
    assert heading == "暗証番号がちがいます"  # what happened comes first
    assert text.index("暗証番号がちがいます") < text.index("あと1回")
    assert "係の者をお呼びください" not in text  # the helper was called already: no contradiction
    assert text.count("係の者") == 1, text  # one message about the helper


def test_one_try_left_at_the_start_is_not_called_wrong(client, demo, terminal):
    insert(demo, terminal, "sachiko", "error")  # 1 try left before any PIN
    text = _main_text(client.get("/").text)
    assert "ちがいます" not in text and "あと1回" in text
    assert "係の者をお呼びください" not in text and text.count("係の者") == 1, text


def test_english_wrong_pin_with_one_try_left(client, demo, terminal):
    client.post("/language", data={"language": "en"})
    insert(demo, terminal, "ichiro", "consent")
    client.post("/action", data={"action": "agree"})
    client.post("/pin", data={"pin": "9999"})
    wait_until(lambda: terminal.snapshot()["reason"] == "one_try_left")
    text = _main_text(client.get("/").text)
    assert text.index("The PIN was not correct") < text.index("1 more time")
    assert text.lower().count("helper") == 1, text


def test_each_language_hears_its_own_voice_on_the_screen_and_in_every_dialog(client, terminal):
    wait_until(lambda: terminal.snapshot()["reader"] == "empty")
    for code, folder in [("ja", "ja"), ("ja-easy", "ja-easy"), ("en", "en"), ("zh", "zh"), ("ko", "ko"),
                         ("vi", "vi"), ("pt", "pt")]:  # fmt: skip
        terminal.flow.language = code
        html = client.get("/").text
        for key in ("idle", "help", "still-there", "display"):
            audio = re.search(rf'<audio [^>]*src="([^"]+)"[^>]*data-voice="{key}"', html)
            assert audio and audio.group(1).endswith(f"/voice/{folder}/{key}.ogg"), (code, key)
            assert client.get(audio.group(1)).status_code == 200
        # Inside each dialog, its own 'listen again' (the header's is behind the open dialog).
        for dialog in ("still-there", "help-dialog", "display-dialog"):
            body = re.search(rf'<dialog id="{dialog}".*?</dialog>', html, re.S).group(0)
            assert 'data-action="replay"' in body, (code, dialog)

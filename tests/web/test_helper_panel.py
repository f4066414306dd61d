"""The helper panel at a busy venue: help recorded where it happened, states in words, alerts,
restart, calling the counter, and the venue's peers asked with the venue token."""

from __future__ import annotations

import html
import re

import pytest
from babel.messages.mofile import read_mo

from kiosk.statistics.help import fold_help
from kiosk.web.signin import STAFF_TRANSLATIONS
from kiosk.web.staff_words import OTHER_WORDS, READER_WORDS, REASON_WORDS, STEP_WORDS
from tests.support.auth import AuthActions
from tests.support.waiting import wait_recorded, wait_until

TOKEN = "venue-token-0123456789"


@pytest.fixture
def app(make_app):
    return make_app(counter_call_name="市民課 国保係", counter_call_extension="2345")


@pytest.fixture
def helper(app, client):
    accounts = app.extensions["kiosk.accounts"]
    accounts.create_staff("helper1", "246813")
    accounts.create_staff("helper2", "135799")
    AuthActions(client).staff_login()
    return accounts


def text_of(client, path: str = "/staff/") -> str:
    page = client.get(path).get_data(as_text=True)
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)  # the script's word table holds codes
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def finish_registered(client, demo, terminal, resident="hanako", pin="1234"):
    demo.insert(resident)
    wait_until(lambda: terminal.snapshot()["step"] == "consent")
    client.post("/action", data={"action": "agree"})
    client.post("/pin", data={"pin": pin})
    wait_until(lambda: terminal.snapshot()["step"] == "done")
    demo.remove()
    wait_until(lambda: not terminal.snapshot()["card_present"])


def help_rows(app):
    return app.extensions["kiosk.help"].ledger.rows()


def test_help_after_done_is_recorded_and_counted_with_who_was_on_duty(app, client, helper, demo, terminal):
    finish_registered(client, demo, terminal)
    wait_recorded(terminal)
    (event,) = terminal.stats.events()
    assert event["assisted"] == 0  # stored as self-service: the helper came too late for the row
    page = text_of(client)
    assert "直前の利用: 登録しました" in " ".join(page.split())  # the visit that just ended, in words
    answer = client.post("/staff/help", data={"event": event["event_id"], "kind": "assisted"}, follow_redirects=True)
    assert "記録しました" in answer.get_data(as_text=True)
    client.post("/staff/help", data={"event": event["event_id"], "kind": "category", "value": "pin_help"})
    rows = help_rows(app)
    assert [(r["kind"], r["value"]) for r in rows] == [("assisted", ""), ("category", "pin_help")]
    desk = app.extensions["kiosk.help"]
    assert all(r["acted_by"] == desk.pseudonym("helper1") for r in rows)
    assert rows[0]["staff_on_duty"] == desk.pseudonym("helper1") and "helper1" not in str(rows)
    (folded,) = fold_help(terminal.stats.events(), rows)
    assert folded["assisted"] == 1 and folded["help_categories"] == "pin_help"
    assert desk.ledger.verify() == ""
    report = client.get("/staff/").get_data(as_text=True)
    assert "暗証番号の操作支援" in report  # the recent visit lists its category


def test_the_monthly_summary_counts_help_noted_after_the_visit(app, client, helper, demo, terminal):
    finish_registered(client, demo, terminal)
    wait_recorded(terminal)
    (event,) = terminal.stats.events()
    client.post("/staff/help", data={"event": event["event_id"], "kind": "category", "value": "pin_help"})
    helper.create_manager("boss", "correct horse battery")
    AuthActions(client).manager_login()
    month = event["ended_at"][:7]
    # a demo kiosk's visits are training: asked for here, as a manager would to check the panel
    csv_text = client.get(f"/manager/export/summary.csv?month={month}&encoding=utf-8&lang=en&training=1")
    csv_text = csv_text.get_data(as_text=True)
    assert f"{month},total,assisted,1" in csv_text and f"{month},cases,pin_help,1" in csv_text


@pytest.mark.parametrize(
    "resident, reason, words",
    [("jiro", "pin_locked", "暗証番号がロック"), ("tomoko", "no_pin_set", "暗証番号が未設定")],
    ids=["locked", "face_auth_only"],
)
def test_help_on_an_error_screen_counts_while_the_error_is_shown(app, client, helper, demo, terminal, resident,
                                                                   reason, words):  # fmt: skip
    demo.insert(resident)  # the visit has already finished when the error shows
    wait_until(lambda: terminal.snapshot()["reason"] == reason)
    assert words in text_of(client)
    ended = terminal.staff_snapshot()["ended_event"]
    assert ended
    answer = client.post("/staff/help", data={"event": ended, "kind": "assisted"}, follow_redirects=True)
    assert "今の段階ではその操作はできません" not in answer.get_data(as_text=True)
    wait_recorded(terminal)
    (folded,) = fold_help(terminal.stats.events(), help_rows(app))
    assert folded["assisted"] == 1 and folded["reason"] == reason


def test_recent_visits_of_the_shift_take_help_and_other_visits_are_refused(app, client, helper, demo, terminal):
    finish_registered(client, demo, terminal)
    wait_recorded(terminal)
    (first,) = terminal.stats.events()
    demo.insert("ichiro")  # the next visit starts: the first is no longer 'just ended'
    wait_until(lambda: terminal.snapshot()["step"] == "consent")
    assert terminal.staff_snapshot()["ended_event"] is None
    assert f'data-recent="{first["event_id"]}"' in client.get("/staff/").get_data(as_text=True)
    client.post("/staff/help", data={"event": first["event_id"], "kind": "age_band", "value": "75+"})
    refused = client.post("/staff/help", data={"event": "not-a-visit", "kind": "assisted"}, follow_redirects=True)
    assert "記録できません" in refused.get_data(as_text=True)
    bad = client.post("/staff/help", data={"event": first["event_id"], "kind": "category", "value": "bogus"},
                      follow_redirects=True)  # fmt: skip
    assert "記録できません" in bad.get_data(as_text=True)
    assert [(r["kind"], r["value"]) for r in help_rows(app)] == [("age_band", "75+")]


def test_help_during_the_visit_lands_in_its_own_row_too(app, client, helper, demo, terminal):
    demo.insert("hanako")
    wait_until(lambda: terminal.snapshot()["step"] == "consent")
    event = terminal.staff_snapshot()["event"]
    assert "言語 日本語" in " ".join(text_of(client).split())  # the resident's language by name, not `ja`
    client.post("/staff/help", data={"event": event, "kind": "category", "value": "reading_help"})
    client.post("/action", data={"action": "decline"})
    demo.remove()
    wait_recorded(terminal)
    (row,) = terminal.stats.events()
    assert row["event_id"] == event and row["assisted"] == 1
    me = app.extensions["kiosk.help"].pseudonym("helper1")
    assert row["acted_by"] == me and row["staff_on_duty"] == me  # the row itself names the helper


@pytest.mark.parametrize("table", [STEP_WORDS, REASON_WORDS, READER_WORDS, OTHER_WORDS])
def test_every_state_word_has_japanese_and_english(table):
    catalogs = {}
    for lang in ("ja", "en"):
        with open(STAFF_TRANSLATIONS / lang / "LC_MESSAGES" / "staff.mo", "rb") as fh:
            catalogs[lang] = read_mo(fh)
    for words in table.values():
        source = getattr(words, "_args", [words])[0] if not isinstance(words, str) else words
        if source == "—":
            continue
        for lang, catalog in catalogs.items():
            message = catalog.get(source)
            assert message is not None and message.string, (lang, source)


def test_the_panel_speaks_in_words_not_codes(app, client, helper, demo, terminal):
    demo.insert("sachiko")  # one try left: the helper is called
    wait_until(lambda: terminal.snapshot()["reason"] == "one_try_left")
    page = text_of(client)
    for code in ("one_try_left", "card_present", " error "):
        assert code not in page
    assert "暗証番号の残り回数が1回" in page and "カードが置かれています" in page
    raw = client.get("/staff/").get_data(as_text=True)
    assert re.search(r"data-staff-alert(?![^>]*hidden)", raw)  # the banner shows without a reload
    assert "sound/alert.wav" in raw and client.get("/static/sound/alert.wav").status_code == 200
    state = client.get("/staff/state").get_json()
    assert state["reader"] == "card_present" and state["helper_called"]
    english = text_of(client, "/staff/?lang=en")
    assert "One PIN try left: waiting for a helper" in english


def test_restart_returns_the_kiosk_to_the_first_screen_and_reads_the_card_again(app, client, helper, demo, terminal):
    demo.insert("hanako")
    wait_until(lambda: terminal.snapshot()["step"] == "consent")
    client.post("/action", data={"action": "agree"})
    first = terminal.staff_snapshot()["event"]
    client.post("/staff/action", data={"action": "restart"})
    wait_until(lambda: terminal.snapshot()["step"] == "consent" and terminal.staff_snapshot()["event"] != first)
    wait_recorded(terminal)
    (row,) = terminal.stats.events()
    assert (row["reason"], row["assisted"]) == ("cancelled", 1)
    demo.remove()
    wait_until(lambda: terminal.snapshot()["step"] == "error")
    client.post("/staff/action", data={"action": "restart"})
    assert terminal.snapshot()["step"] == "idle"


def test_call_the_counter_shows_its_name_and_extension(app, client, helper):
    page = text_of(client)
    assert "窓口に電話" in page and "市民課 国保係" in page and "2345" in page


def test_peer_state_answers_the_venue_token_only(make_app):
    app = make_app(venue_peers=["http://127.0.0.1:9/staff/"], venue_token=TOKEN, terminal_id="kiosk-02")
    client = app.test_client()
    assert client.get("/staff/peer/state").status_code == 404
    assert client.get("/staff/peer/state", headers={"Authorization": "Bearer wrong"}).status_code == 404
    state = client.get("/staff/peer/state", headers={"Authorization": f"Bearer {TOKEN}"}).get_json()
    assert state["terminal_id"] == "kiosk-02" and state["step"] == "idle"
    assert client.post("/staff/peer/help", json={"event": "x", "kind": "assisted", "value": "", "staff": "a"}
                       ).status_code == 404  # fmt: skip


def test_venue_state_shows_an_unreachable_peer_without_waiting_on_it(make_app):
    app = make_app(venue_peers=["http://127.0.0.1:9/staff/"], venue_token=TOKEN)
    app.config["WTF_CSRF_ENABLED"] = False
    app.extensions["kiosk.accounts"].create_staff("helper1", "246813")
    client = app.test_client()
    AuthActions(client).staff_login()
    kiosks = client.get("/staff/venue/state").get_json()["kiosks"]
    assert [(k["peer"], k["reachable"]) for k in kiosks] == [("self", True), (0, False)]
    assert "この会場のすべてのキオスク" in text_of(client, "/staff/venue/")


def test_stats_verify_names_a_help_row_rewritten_without_the_key(app, client, helper, demo, terminal, cli, instance):
    finish_registered(client, demo, terminal)
    wait_recorded(terminal)
    (event,) = terminal.stats.events()
    client.post("/staff/help", data={"event": event["event_id"], "kind": "assisted"})
    config = instance.parent / "kiosk.toml"
    config.write_text(f'demo = true\ninstance_path = "{instance}"\n')
    assert cli("stats", "verify", "--config", config).exit_code == 0
    with terminal.stats.engine.begin() as db:  # someone with the file, not the key: drop the trigger
        db.exec_driver_sql("DROP TRIGGER help_no_update")
        db.exec_driver_sql("UPDATE help_records SET kind = 'self_service'")
    done = cli("stats", "verify", "--config", config)
    assert done.exit_code == 1 and "help row 1" in done.stderr

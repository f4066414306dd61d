"""Helpers' shifts, managers' sign-in, the monthly figures, exports and the hash chain."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy.exc

from kiosk.staff.accounts import NOTE_RETENTION, AccountError, AccountStore, LockedOut, note_is_safe
from kiosk.staff.shifts import Shift, helper_hours, split_by_day
from kiosk.statistics.report import monthly_report
from kiosk.statistics.store import StatsStore, merge_exports
from tests.support.events import event

JST = ZoneInfo("Asia/Tokyo")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=JST)


# -- shifts ----------------------------------------------------------------------------
def test_a_night_shift_counts_on_both_days():
    hours = split_by_day(at("2026-11-20 21:30"), at("2026-11-21 02:00"), JST)
    assert hours == {dt.date(2026, 11, 20): 2.5, dt.date(2026, 11, 21): 2.0}


def test_open_shifts_count_up_to_now_and_are_summed_per_venue_and_day():
    shifts = [
        Shift("h1", "本庁舎", at("2026-11-20 09:00"), at("2026-11-20 12:00")),
        Shift("h2", "本庁舎", at("2026-11-20 10:00"), None),
        Shift("h3", "支所", at("2026-11-20 13:00"), at("2026-11-20 13:45")),
    ]
    totals = helper_hours(shifts, JST, now=at("2026-11-20 15:00"))
    assert totals == {("本庁舎", dt.date(2026, 11, 20)): 8.0, ("支所", dt.date(2026, 11, 20)): 0.75}


def test_a_forgotten_shift_closes_at_the_configured_time_and_is_flagged(tmp_path):
    now = [at("2026-11-20 09:00").astimezone(dt.UTC)]
    store = AccountStore(tmp_path / "a.sqlite3", clock=lambda: now[0])
    store.create_staff("h1", "246813")
    store.start_shift("h1", "本庁舎", "kiosk-01")
    now[0] = at("2026-11-21 08:00").astimezone(dt.UTC)
    assert store.close_forgotten_shifts(dt.time(19, 0), JST) == 1
    (shift,) = store.shifts()
    assert shift.auto_closed and shift.ended_at.astimezone(JST) == at("2026-11-20 19:00")
    assert helper_hours(store.shifts(), JST, now[0]) == {("本庁舎", dt.date(2026, 11, 20)): 10.0}


def test_staff_pins_and_manager_passwords_are_hashed(tmp_path):
    store = AccountStore(tmp_path / "a.sqlite3")
    store.create_staff("h1", "246813")
    store.create_manager("boss", "long enough password")
    db = sqlite3.connect(tmp_path / "a.sqlite3")
    (pin_hash,) = db.execute("SELECT pin_hash FROM staff").fetchone()
    (password_hash,) = db.execute("SELECT password_hash FROM managers").fetchone()
    db.close()
    assert pin_hash.startswith("scrypt:") and password_hash.startswith("scrypt:")
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("a.sqlite3*"))
    assert b"long enough password" not in raw
    assert store.check_staff("h1", "246813") and not store.check_staff("h1", "135799")
    with pytest.raises(AccountError):
        store.create_staff("h1", "1111")


def test_manager_is_locked_out_after_repeated_failures(tmp_path):
    now = [dt.datetime(2026, 11, 20, tzinfo=dt.UTC)]
    store = AccountStore(tmp_path / "a.sqlite3", clock=lambda: now[0])
    store.create_manager("boss", "correct horse battery")
    for _ in range(5):
        assert not store.check_manager("boss", "wrong password")
    with pytest.raises(LockedOut):
        store.check_manager("boss", "correct horse battery")  # even the right one, while locked
    now[0] += dt.timedelta(minutes=16)
    assert store.check_manager("boss", "correct horse battery")


def test_parallel_wrong_passwords_all_count_towards_the_lock_out(tmp_path):
    # The review's reproduction: 36 wrong passwords at once left the counter at 3 (read, compare,
    # overwrite), so guessing in parallel never locked the account.
    from concurrent.futures import ThreadPoolExecutor

    store = AccountStore(tmp_path / "a.sqlite3")
    store.create_manager("boss", "correct horse battery")

    def guess(i: int) -> str:
        try:
            return "accepted" if store.check_manager("boss", f"wrong guess {i}") else "refused"
        except LockedOut:
            return "locked"

    with ThreadPoolExecutor(36) as pool:
        answers = list(pool.map(guess, range(36)))
    assert "accepted" not in answers and answers.count("refused") <= 5
    with pytest.raises(LockedOut):
        store.check_manager("boss", "correct horse battery")


def test_notes_are_deleted_after_the_retention_period_and_old_free_text_with_them(tmp_path):
    now = [dt.datetime(2026, 11, 20, tzinfo=dt.UTC)]
    store = AccountStore(tmp_path / "a.sqlite3", clock=lambda: now[0])
    store.add_note("h1", "forgot_pin")
    db = sqlite3.connect(tmp_path / "a.sqlite3")  # a note written before the fixed list existed
    db.execute("INSERT INTO notes (staff_code, written_at, text) VALUES ('h1', ?, '山田さん')", (now[0].isoformat(),))
    db.commit()
    db.close()
    now[0] += NOTE_RETENTION - dt.timedelta(days=1)
    store.add_note("h1", "no_card")
    assert store.prune_notes() == 1  # free text is never kept, whatever its age
    assert [n["text"] for n in store.notes()] == ["forgot_pin", "no_card"]
    now[0] += dt.timedelta(days=2)
    assert store.prune_notes() == 1
    assert [n["text"] for n in store.notes()] == ["no_card"]


@pytest.mark.parametrize("text, ok", [("called the counter", True), ("PIN 1234", False), ("1 2 3 4", False),
                                      ("１２３４", False), ("room 12", True), ("0120-95-0178", False)])
def test_notes_refuse_digit_runs(text, ok):
    assert note_is_safe(text) is ok


# -- events, chain, exports ------------------------------------------------------------
@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """The same tests on both stores: a terminal's SQLite file, and a shared PostgreSQL."""
    if request.param == "sqlite":
        s = StatsStore(tmp_path / "stats.sqlite3")
    else:
        s = StatsStore(request.getfixturevalue("postgres").new_database())
    s.append([
        event("2026-10-31 23:30"),  # October in JST, even though it is the 31st 14:30 UTC
        event("2026-11-01 00:10"),  # November in JST (October 31st in UTC)
        event("2026-11-05 10:00", venue="支所", band="65-74", assisted=0, new_card=0),
        event("2026-11-05 11:00", outcome="not_completed", reason="card_removed", band=None),
        event("2026-11-06 09:00", outcome="declined", reason="declined"),
        event("2026-11-06 09:30", outcome="already_registered", reason="already_registered", holder="same"),
        event("2026-11-07 09:30", holder="same"),
    ])  # fmt: skip
    return s


def test_monthly_report_totals_equal_the_raw_events(store):
    report = monthly_report(store.events(), [], "2026-11", JST, at("2026-12-01 00:00"))
    raw = [e for e in store.events() if dt.datetime.fromisoformat(e["ended_at"]).astimezone(JST).month == 11]
    f = report.figures
    assert f.sessions == len(raw) == 6
    # 'newly registered' leaves out the card that already was registered
    assert f.newly_registered == sum(e["outcome"] == "registered" for e in raw) == 3
    assert f.already_registered == 1
    assert sum(f.by_venue.values()) == sum(f.by_age_band.values()) == f.sessions
    assert f.by_venue == {"本庁舎": 5, "支所": 1}
    assert f.not_completed["card_removed"] == 1 and f.declined == 1
    assert f.by_age_band["unknown"] == 1 and f.by_card["existing"] == 1
    assert f.residents == 5  # 'same' visited twice and counts once
    october = monthly_report(store.events(), [], "2026-10", JST, at("2026-12-01 00:00"))
    assert october.figures.sessions == 1


def test_csv_export_reads_back_identically_in_utf8_and_cp932(store, tmp_path, cli):
    config = tmp_path / "kiosk.toml"
    url = "" if store.is_sqlite else store.path
    config.write_text(f'demo = true\ninstance_path = "{tmp_path}"\nstats_database_url = "{url}"\n')
    rows = {}
    for encoding, codec in (("utf-8", "utf-8-sig"), ("cp932", "cp932")):
        out = tmp_path / f"events-{encoding}.csv"
        done = cli("stats", "export", "--out", out, "--encoding", encoding, "--config", config)
        assert done.exit_code == 0 and store.head() in done.stdout
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8")
        rows[encoding] = list(csv.DictReader(io.StringIO(raw.decode(codec), newline="")))
    assert rows["utf-8"] == rows["cp932"]
    assert [r["venue"] for r in rows["cp932"]].count("支所") == 1
    assert rows["utf-8"][-1]["row_hash"] == store.head()


def test_merge_of_two_terminals_counts_each_event_once(tmp_path):
    a, b = StatsStore(tmp_path / "a.sqlite3"), StatsStore(tmp_path / "b.sqlite3")
    a.append([event("2026-11-05 10:00", terminal="kiosk-01") for _ in range(3)])
    b.append([event("2026-11-05 11:00", terminal="kiosk-02") for _ in range(2)])
    paths = []
    for name, s in (("a", a), ("b", b)):
        path = tmp_path / f"{name}.csv"
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            s.export_csv(fh)
        paths.append(path)
    merged, checks = merge_exports([paths[0], paths[1], paths[0]])  # a exported twice
    assert len(merged) == 5 and all(check.ok for _, check in checks)
    assert {r["terminal_id"] for r in merged} == {"kiosk-01", "kiosk-02"}
    report = monthly_report(merged, [], "2026-11", JST, at("2026-12-01 00:00"))
    assert report.figures.sessions == 5


def _tamper(store, sql: str):
    """What an attacker with write access to the database would do."""
    with store.engine.begin() as db:
        for trigger in ("events_no_update", "events_no_delete"):
            db.exec_driver_sql(f"DROP TRIGGER {trigger}" + ("" if store.is_sqlite else " ON events"))
        db.exec_driver_sql(sql)


def test_verify_passes_an_untouched_store(store):
    report = store.verify()
    assert report.ok and report.rows == 7 and report.head == store.head()


def test_rows_cannot_be_updated(store):
    with pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"):
        with store.engine.begin() as db:
            db.exec_driver_sql("UPDATE events SET venue = 'x' WHERE seq = 2")


def test_verify_finds_an_edited_row(store):
    _tamper(store, "UPDATE events SET outcome = 'registered' WHERE seq = 4")
    report = store.verify()
    assert not report.ok and "row 4" in report.problem and "altered" in report.problem


def test_verify_finds_a_deleted_row(store):
    _tamper(store, "DELETE FROM events WHERE seq = 3")
    report = store.verify()
    assert not report.ok and "row 3 is missing" in report.problem


def test_verify_finds_reordered_rows(store):
    _tamper(store, "UPDATE events SET id = 100 WHERE seq = 2")  # row 2 moved to the end
    report = store.verify()
    assert not report.ok and "row 2" in report.problem


def test_cli_verify_exits_nonzero_on_a_broken_chain(tmp_path, cli):
    store = StatsStore(tmp_path / "stats.sqlite3")
    store.append([event("2026-11-05 10:00") for _ in range(6)])
    config = tmp_path / "kiosk.toml"
    config.write_text(f'demo = true\ninstance_path = "{tmp_path}"\n')
    assert cli("stats", "verify", "--config", config).exit_code == 0
    _tamper(store, "UPDATE events SET venue = 'x' WHERE seq = 5")
    done = cli("stats", "verify", "--config", config)
    assert done.exit_code == 1 and "row 5" in done.stderr


def test_retention_keeps_summaries_and_the_chain_verifiable(store):
    removed = store.prune(dt.date(2026, 11, 5))
    assert removed == 2
    assert sum(s["sessions"] for s in store.summaries()) == 2
    report = store.verify()
    assert report.ok and report.rows == 5
    store.append([event("2026-11-20 10:00")])
    assert store.verify().ok


def test_retention_never_removes_a_visit_younger_than_the_cutoff(store):
    # A visit stored late (kept while the store was away, or the clock set back) ends earlier
    # than the one stored before it: prune must not fold the younger one away with it.
    store.append([event("2026-11-20 10:00"), event("2026-11-03 10:00")])
    before = {e["ended_at"] for e in store.events()}
    store.prune(dt.date(2026, 11, 5))
    cutoff = at("2026-11-05 00:00").astimezone(dt.UTC).replace(tzinfo=None)
    kept = {e["ended_at"] for e in store.events()}
    removed = before - kept
    assert all(dt.datetime.fromisoformat(str(e)[:19]) < cutoff for e in removed)
    young = {e for e in before if dt.datetime.fromisoformat(str(e)[:19]) >= cutoff}
    assert young <= kept
    assert sum(s["sessions"] for s in store.summaries()) + len(list(store.events())) == 9
    assert store.verify().ok


def test_month_query_takes_exactly_the_local_month(store):
    from kiosk.statistics.report import month_bounds

    november = list(store.events(ended=month_bounds("2026-11", JST)))
    assert len(november) == 6  # the event at 00:10 JST on 1 November is in, 23:30 on 31 October out

"""Issue 14: the month's 実績報告 a manager files, from 22 scripted visits over three kiosks, and
the training flag and checkpoints behind it."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
import sqlalchemy as sa

from kiosk.staff.accounts import AccountStore
from kiosk.statistics.checkpoint import verify_recent
from kiosk.statistics.report import monthly_report
from kiosk.statistics.seal import CHECKPOINT_FILE, Seal
from kiosk.statistics.store import StatsStore
from tests.support.events import JST, at, event

CLAIM_TOML = """
demo = true
instance_path = "{instance}"
organisation_name = "窓口市 市民課"
[claim]
terminal_lease_yen_per_month = 15000
[[claim.categories]]
id = "newly_registered"
label_ja = "健康保険証利用登録（新規）"
unit_price_yen = 1000
scheme = "利用促進事業"
[[claim.categories]]
id = "assisted"
label_ja = "職員による操作支援"
unit_price_yen = 500
"""


def scripted_month() -> list[tuple]:
    """The issue's 22 visits over three kiosks: 8 'registered' of which 4 already were."""
    rows = []
    for i in range(22):
        kiosk, venue = [("kiosk-01", "本庁舎"), ("kiosk-02", "支所"), ("kiosk-03", "公民館")][i % 3]
        outcome, reason = (("registered", "registered") if i < 4 else ("already_registered", "already_registered")
                           if i < 8 else ("declined", "declined") if i < 12 else ("not_completed", "wrong_pin"))
        rows.append(event(f"2026-11-{5 + i % 10:02d} 10:{i:02d}", venue=venue, outcome=outcome, reason=reason,
                          terminal=kiosk, assisted=int(i % 2 == 0)))  # fmt: skip
    return rows


@pytest.fixture
def claim_kiosk(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text(CLAIM_TOML.format(instance=tmp_path))
    store = StatsStore(tmp_path / "stats.sqlite3", seal=Seal.in_folder(tmp_path))
    rows = scripted_month()
    rows.append(event("2026-11-06 12:00") + (1,))  # a rehearsal visit: never a claimed case
    store.append(rows)
    clock = iter([at("2026-11-05 09:00"), at("2026-11-05 17:30"), at("2026-11-06 09:00")])
    accounts = AccountStore(tmp_path / "accounts.sqlite3", clock=lambda: next(clock), seal=Seal.in_folder(tmp_path))
    accounts.start_shift("h01", "本庁舎", "kiosk-01")
    accounts.end_shift("h01")
    accounts.start_shift("h02", "支所", "kiosk-02")  # nobody signs out: closed at 19:00, flagged
    return config, store


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_the_monthly_report_pdf_is_the_filed_form_with_cases_yen_hours_and_proof(claim_kiosk, tmp_path, cli):
    config, store = claim_kiosk
    pdf = tmp_path / "jisseki.pdf"
    done = cli("stats", "report", "--month", "2026-11", "--pdf", pdf, "--config", config)
    assert done.exit_code == 0, done.stderr
    lines = [" ".join(line.split()) for line in pdf_text(pdf).splitlines()]
    for expected in (
        "マイナ保険証利用登録支援 実績報告書", "団体名 窓口市 市民課", "対象期間 2026年11月1日 〜 2026年11月30日",
        "設置場所 公民館、支所、本庁舎",
        "利用件数 22", "新規登録 4", "登録済み確認 4", "同意せず終了 4", "未完了 10",  # 4 registered, not 8
        "健康保険証利用登録（新規） 利用促進事業 4 1,000 4,000", "職員による操作支援 11 500 5,500", "合計 15 9,500",
        "h01 8.50 0", "h02 10.00 1", "リース（月額） 15,000",
        "研修・デモの利用 1 件は集計に含めていません。", "自動終了の勤務 1 件は終了時刻の確認が必要です。",
        "対象記録の連番: 1 – 23", f"チェーンヘッド: {store.head()}", "所属・職名 氏名 日付 印", "作成者", "確認者",
    ):  # fmt: skip
        assert expected in lines, expected

    english = tmp_path / "report-en.pdf"
    assert cli("stats", "report", "--month", "2026-11", "--pdf", english, "--lang", "en", "--include-training",
               "--config", config).exit_code == 0  # fmt: skip
    text = " ".join(pdf_text(english).split())
    assert "Visits 23" in text and "Newly registered 5" in text and "Prepared by" in text and "INCLUDED" in text


def test_the_summary_csv_from_the_cli_has_japanese_columns_and_leaves_training_out(claim_kiosk, tmp_path, cli):
    config, _ = claim_kiosk
    out = tmp_path / "summary.csv"
    assert cli("stats", "report", "--month", "2026-11", "--out", out, "--encoding", "cp932",
               "--config", config).exit_code == 0  # fmt: skip
    text = out.read_bytes().decode("cp932")
    assert text.startswith("対象月,区分,項目,値\r\n")
    assert "2026-11,合計,利用件数,22" in text and "2026-11,合計,新規登録,4" in text
    assert "2026-11,金額（円）,合計,9500" in text and "2026-11,合計,研修・デモ（集計外）,1" in text


def test_a_training_visit_is_flagged_in_its_hash_and_cannot_be_turned_into_a_real_one(tmp_path):
    store = StatsStore(tmp_path / "stats.sqlite3", seal=Seal.in_folder(tmp_path))
    store.append([event("2026-11-05 10:00"), event("2026-11-05 11:00") + (1,)])
    assert [e["training"] for e in store.events()] == [0, 1]
    report = monthly_report(store.events(), [], "2026-11", JST, at("2026-12-01 00:00"))
    assert report.figures.sessions == 1 and report.figures.training_left_out == 1
    with store.engine.begin() as db:
        db.exec_driver_sql("DROP TRIGGER events_no_update")
        db.exec_driver_sql("UPDATE events SET training = 0 WHERE seq = 2")
    check = store.verify()
    assert not check.ok and "row 2" in check.problem


def _sealed_store(tmp_path, n: int) -> StatsStore:
    store = StatsStore(tmp_path / "stats.sqlite3", seal=Seal.in_folder(tmp_path))
    store.append([event(f"2026-11-05 10:{i:02d}") for i in range(n)])
    return store


def test_the_dashboard_check_proves_new_rows_from_the_checkpoint(tmp_path):
    store = _sealed_store(tmp_path, 5)
    assert verify_recent(store).ok and (tmp_path / CHECKPOINT_FILE).exists()  # the first load walks all
    store.append([event("2026-11-06 10:00"), event("2026-11-06 11:00")])
    check = verify_recent(store)
    assert check.ok and check.rows == 7 and check.head == store.head()
    store.append([event("2026-11-07 10:00"), event("2026-11-07 11:00")])
    with store.engine.begin() as db:  # a row after the checkpoint edited, without the key
        db.exec_driver_sql("DROP TRIGGER events_no_update")
        db.exec_driver_sql("UPDATE events SET outcome = 'declined' WHERE seq = 8")
    check = verify_recent(store)
    assert not check.ok and "row 8" in check.problem
    with store.engine.begin() as db:  # and the checkpoint row itself is hashed again on each load
        db.exec_driver_sql("UPDATE events SET outcome = 'declined' WHERE seq = 7")
    check = verify_recent(store)
    assert not check.ok and "row 7" in check.problem


def test_rows_deleted_before_the_checkpoint_and_a_forged_checkpoint_are_still_caught(tmp_path):
    store = _sealed_store(tmp_path, 6)
    assert verify_recent(store).ok
    (tmp_path / CHECKPOINT_FILE).write_text("6 6 " + "0" * 64 + " " + "f" * 64 + "\n")  # forged: a full walk
    assert verify_recent(store).ok
    with store.engine.begin() as db:
        db.exec_driver_sql("DROP TRIGGER events_no_delete")
        db.execute(sa.text("DELETE FROM events WHERE seq = 2"))
    check = verify_recent(store)
    assert not check.ok and "row 2 is missing" in check.problem


def test_after_a_prune_the_checkpoint_still_fits_the_anchor(tmp_path):
    store = _sealed_store(tmp_path, 4)
    store.append([event("2026-12-05 10:00")])
    assert verify_recent(store).ok
    assert store.prune(dt.date(2026, 12, 1)) == 4
    check = verify_recent(store)
    assert check.ok and check.rows == 1


def test_the_dashboards_month_figures_count_new_rows_only_and_stay_equal_to_a_fresh_count(tmp_path):
    from kiosk.statistics.figures import count
    from kiosk.statistics.month_cache import MonthFigures

    store = StatsStore(tmp_path / "stats.sqlite3", seal=Seal.in_folder(tmp_path))
    months = MonthFigures()

    def fresh():
        return count(store.events(), "2026-11", JST)

    store.append(scripted_month()[:10])
    assert months.figures(store, "2026-11", JST) == fresh()
    store.append(scripted_month()[10:] + [event("2026-12-01 09:00", holder="x"), event("2026-11-30 23:00", holder="x")])
    cached = months.figures(store, "2026-11", JST)
    assert cached == fresh() and cached.sessions == 23 and cached.newly_registered == 5
    assert store.prune(dt.date(2026, 12, 1)) == 22  # the anchor moves: counted again from what is left
    assert months.figures(store, "2026-11", JST) == fresh() and fresh().sessions == 1


def test_kiosk_stats_verify_leaves_a_checkpoint_the_dashboard_goes_on_from(tmp_path, cli):
    config = tmp_path / "kiosk.toml"
    config.write_text(f'demo = true\ninstance_path = "{tmp_path}"\n')
    store = StatsStore(tmp_path / "stats.sqlite3", seal=Seal.in_folder(tmp_path))
    store.append([event("2026-11-05 10:00"), event("2026-11-05 11:00")])
    assert cli("stats", "verify", "--config", config).exit_code == 0
    assert Seal.in_folder(tmp_path).known_checkpoint().seq == 2

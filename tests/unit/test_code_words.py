"""Issue 14 review, item 3: what a manager files or reads says the stored codes in words (the
summary CSV and `stats report` table, the 実績報告's remarks, the events CSV), Japanese by
default and English as an option; the raw export keeps the codes."""

from __future__ import annotations

import datetime as dt

from kiosk.statistics import claim_document
from kiosk.statistics.exports import manager_events
from kiosk.statistics.help import fold_help
from kiosk.statistics.report import monthly_report
from kiosk.statistics.store import COLUMNS
from tests.support.events import JST, event

CODES = ("card_removed", "cert_expired", "registered", "unknown", "existing", "75+", "pin_help", "not_completed")


def month_events() -> list[dict]:
    rows = [dict(zip(COLUMNS, event("2026-11-05T10:00:00"), strict=True)),
            dict(zip(COLUMNS, event("2026-11-05T11:00:00", outcome="not_completed", reason="card_removed", band=None,
                                    new_card=None), strict=True)),
            dict(zip(COLUMNS, event("2026-11-05T12:00:00", outcome="not_completed", reason="cert_expired",
                                    new_card=0), strict=True))]  # fmt: skip
    helped = {"event_id": rows[0]["event_id"], "kind": "category", "value": "pin_help", "acted_by": "h-1"}
    return list(fold_help(rows, [helped]))


def test_the_summary_and_the_reports_remarks_say_reasons_languages_bands_cards_and_categories_in_words():
    report = monthly_report(month_events(), [], "2026-11", JST, dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    items = {(section, item) for section, item, _ in report.rows("ja")}

    for expected in (("未完了（理由別）", "カードを抜いた"), ("言語別", "日本語"), ("年齢区分別", "不明"),
                     ("年齢区分別", "75歳以上"), ("カード交付時期別", "新しく交付されたカード"),
                     ("カード交付時期別", "以前から持っているカード"),
                     ("支援区分別", "暗証番号の操作支援")):  # fmt: skip
        assert expected in items, (expected, sorted(items))
    assert not {item for _, item in items} & set(CODES)
    english = {item for _, item, _ in report.rows("en")}
    assert {"Card taken out", "Unknown", "New card"} <= english

    doc = claim_document.build(report, "テスト市", ["本庁舎"], "0" * 64, dt.date(2026, 12, 1))
    (reasons,) = [r for r in doc.remarks if "カードを抜いた" in r]
    assert "カードを抜いた 1" in reasons and "電子証明書の期限切れ 1" in reasons and "card_removed" not in reasons


def test_the_managers_events_csv_says_outcome_and_reason_in_words():
    rows = list(manager_events(month_events(), JST, "ja"))

    assert [(r["結果"], r["理由"]) for r in rows] == [
        ("新規登録", "登録しました"), ("未完了", "カードを抜いた"), ("未完了", "電子証明書の期限切れ")]
    assert [r["outcome"] for r in manager_events(month_events(), JST, "en")][0] == "Newly registered"

"""Every total of the monthly report, its summary CSV, its printout and the manager's events CSV
equals a naive recount of random visits, the help helpers recorded on them afterwards and shifts
(property-based: hypothesis)."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.settings import Claim, ClaimCategory
from kiosk.staff.shifts import Shift
from kiosk.statistics.claim_document import build
from kiosk.statistics.exports import manager_events
from kiosk.statistics.help import fold_help
from kiosk.statistics.report import monthly_report, summary_columns, summary_rows
from kiosk.statistics.store import write_csv

JST = ZoneInfo("Asia/Tokyo")
MONTH = "2026-11"
NOW = dt.datetime(2026, 12, 3, tzinfo=dt.UTC)
# From a day before the month to a day after it, so the local month's edges are exercised.
FROM = dt.datetime(2026, 10, 31, tzinfo=JST)
OUTCOMES = [("registered", "registered"), ("already_registered", "already_registered"), ("declined", "declined"),
            ("not_completed", "wrong_pin"), ("not_completed", "card_removed"), ("not_completed", None)]  # fmt: skip
CLAIM = Claim(
    categories=(
        ClaimCategory("newly_registered", "新規登録", 1000),
        ClaimCategory("assisted", "支援", 300),
        ClaimCategory("home_visit", "出張", 2000),
    ),
    terminal_lease_yen_per_month=12000,
)

visits = st.fixed_dictionaries({
    "minutes": st.integers(0, 32 * 24 * 60),
    "outcome": st.sampled_from(OUTCOMES),
    "venue": st.sampled_from(["本庁舎", "支所"]),
    "age_band": st.sampled_from(["75+", "65-74", None]),
    "language": st.sampled_from(["ja", "ja-easy", "en", "vi"]),
    "assisted": st.integers(0, 1),
    "options": st.sets(st.sampled_from(["large_text", "high_contrast", "voice"])),
    "new_card": st.sampled_from([0, 1, None]),
    "training": st.integers(0, 1),
    "holder": st.sampled_from(["", "a", "b", "c", "d"]),
    "categories": st.sets(st.sampled_from(["home_visit", "other"])),
    # help recorded after the visit (help rows, folded in by kiosk.statistics.help.fold_help)
    "help": st.lists(st.sampled_from([("assisted", ""), ("self_service", ""), ("category", "home_visit"),
                                      ("age_band", "75+"), ("age_band", "under_65")]), max_size=3),
})  # fmt: skip
shifts = st.builds(
    lambda who, venue, start, length, auto: Shift(
        who, venue, FROM + dt.timedelta(minutes=start), FROM + dt.timedelta(minutes=start + length) if length else None,
        auto,
    ),
    st.sampled_from(["h01", "h02"]), st.sampled_from(["本庁舎", "支所"]),
    st.integers(0, 32 * 24 * 60), st.integers(0, 20 * 60), st.booleans(),
)  # fmt: skip


def as_event(v: dict, n: int) -> dict:
    end = FROM + dt.timedelta(minutes=v["minutes"])
    outcome, reason = v["outcome"]
    return {
        "event_id": f"e{n}", "seq": n + 1, "row_hash": f"{n:064x}", "started_at": end.astimezone(dt.UTC).isoformat(),
        "ended_at": end.astimezone(dt.UTC).isoformat(timespec="seconds"), "outcome": outcome, "reason": reason,
        "venue": v["venue"], "age_band": v["age_band"], "language": v["language"], "assisted": v["assisted"],
        "options": " ".join(sorted(v["options"])), "new_card": v["new_card"], "training": v["training"],
        "holder_key": v["holder"], "help_categories": " ".join(sorted(v["categories"])),
    }  # fmt: skip


def help_rows(raw: list[dict]) -> list[dict]:
    return [{"event_id": f"e{n}", "kind": kind, "value": value, "acted_by": "h-1"}
            for n, v in enumerate(raw) for kind, value in v["help"]]  # fmt: skip


def recounted(v: dict, e: dict) -> dict:
    """The visit as a person would count it from the help sheet: the last assisted/self-service
    mark wins (a category is assistance), a helper's age band fills only a missing one."""
    e = dict(e)
    for kind, value in v["help"]:
        if kind in ("assisted", "category"):
            e["assisted"] = 1
        elif kind == "self_service":
            e["assisted"] = 0
        elif kind == "age_band" and v["age_band"] is None:
            e["age_band"] = value
    if v["help"]:
        e["help_categories"] = " ".join(sorted({value for kind, value in v["help"] if kind == "category"}))
    return e


def in_month(e: dict) -> bool:
    return dt.datetime.fromisoformat(e["ended_at"]).astimezone(JST).strftime("%Y-%m") == MONTH


def csv_table(report) -> dict[tuple[str, str], float]:
    out = io.StringIO()
    write_csv(summary_rows(report), out, summary_columns())
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    return {(r["区分"], r["項目"]): float(r["値"]) for r in rows}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(visits, max_size=40), st.lists(shifts, max_size=6), st.booleans())
def test_every_total_equals_a_naive_recount(raw, shift_list, include_training):
    stored = [as_event(v, n) for n, v in enumerate(raw)]
    report = monthly_report(fold_help(stored, help_rows(raw)), shift_list, MONTH, JST, NOW, CLAIM, include_training)
    events = [recounted(v, e) for v, e in zip(raw, stored, strict=True)]
    counted = [e for e in events if in_month(e) and (include_training or not e["training"])]
    f = report.figures
    new = sum(e["outcome"] == "registered" for e in counted)
    already = sum(e["outcome"] == "already_registered" for e in counted)
    assisted = sum(e["assisted"] for e in counted)
    home = sum("home_visit" in e["help_categories"].split() for e in counted)
    assert f.sessions == len(counted)
    assert f.newly_registered == new and f.already_registered == already
    assert f.declined == sum(e["outcome"] == "declined" for e in counted)
    assert f.not_completed_total == sum(e["outcome"] == "not_completed" for e in counted)
    assert f.not_completed["wrong_pin"] == sum(e["reason"] == "wrong_pin" for e in counted)
    assert f.assisted == assisted
    assert f.training_left_out == (0 if include_training else sum(in_month(e) and e["training"] for e in events))
    for name, key in (("by_venue", "venue"), ("by_language", "language")):
        assert dict(getattr(f, name)) == {k: sum(e[key] == k for e in counted) for k in {e[key] for e in counted}}
    assert f.by_age_band["unknown"] == sum(e["age_band"] is None for e in counted)
    assert f.by_option["voice"] == sum("voice" in e["options"].split() for e in counted)
    assert f.residents == len({e["holder_key"] for e in counted if e["holder_key"]})
    assert [line.cases for line in report.cases] == [new, assisted, home]
    assert report.amount_yen == new * 1000 + assisted * 300 + home * 2000
    # helper hours: each shift's minutes inside the local month, summed per person
    all_minutes = 0.0
    for who in ("h01", "h02"):
        minutes = 0.0
        for s in shift_list:
            if s.staff_code != who:
                continue
            t, end = s.started_at, s.ended_at or NOW
            while t < end:  # minute by minute: slow and obviously right
                minutes += t.astimezone(JST).strftime("%Y-%m") == MONTH
                t += dt.timedelta(minutes=1)
        all_minutes += minutes
        got = report.hours_by_person.get(who)
        assert abs((got.hours if got else 0) - minutes / 60) < 0.01
    # the summary CSV says the same
    table = csv_table(report)
    assert table[("合計", "利用件数")] == f.sessions
    assert table[("合計", "新規登録")] == new and table[("合計", "登録済み確認")] == already
    assert table[("合計", "職員支援あり")] == assisted
    assert table[("金額（円）", "合計")] == report.amount_yen
    assert table[("端末費用", "リース（月額）")] == 12000
    assert sum(v for (section, _), v in table.items() if section == "日別") == f.sessions
    assert sum(v for (section, _), v in table.items() if section == "未完了（理由別）") == f.not_completed_total
    # and so does the printed 実績報告 (the page and the PDF share its tables)
    doc = build(report, "窓口市", ["本庁舎"], "0" * 64, dt.date(2026, 12, 1))
    results, cases, hours, terminal = (dict((row[0], row[1:]) for row in t.rows) for t in doc.tables)
    assert results["利用件数"] == (str(f.sessions),) and results["新規登録"] == (str(new),)
    assert results["登録済み確認"] == (str(already),) and results["職員支援あり"] == (str(assisted),)
    assert cases["合計"][-1] == f"{report.amount_yen:,}" and terminal["リース（月額）"] == ("12,000",)
    assert abs(float(hours["合計"][0]) - all_minutes / 60) < 0.02
    # the manager's events CSV holds the same visits as counted (help folded in)
    rows = list(manager_events(fold_help(stored, help_rows(raw)), JST, "en", include_training))
    kept = [e for e in events if include_training or not e["training"]]
    assert [r["assisted"] for r in rows] == [e["assisted"] for e in kept]
    assert [r["age_band"] for r in rows] == [e["age_band"] for e in kept]

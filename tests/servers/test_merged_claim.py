"""Issue 14, item 5: several kiosks, one claim. Merging the kiosks' exports carries their shifts,
staff actions and the help recorded after visits, and gives the same figures as one PostgreSQL
store the kiosks share."""

from __future__ import annotations

import csv
import datetime as dt
from zoneinfo import ZoneInfo

from kiosk import composition, settings
from kiosk.statistics.help import Help, HelpKind, HelpLedger, events_with_help
from kiosk.statistics.report import monthly_report, summary_columns, summary_rows
from kiosk.statistics.store import StatsStore
from tests.support.cups_harness import pdf_text
from tests.support.legacy_stats import legacy_event

TERMINALS = ("kiosk-01", "kiosk-02")


def visits(terminal: str) -> list[tuple]:
    """Three visits at ``terminal`` on 5 November, all stored as self-service; kiosk-02's second
    one without the card's age band (a helper records both afterwards: ``help_after``)."""
    rows = []
    for n in range(3):
        row = list(legacy_event(n + (10 if terminal == "kiosk-02" else 0)))
        row[1] = terminal
        row[11] = None if (terminal == "kiosk-02" and n == 1) else row[11]
        rows.append(tuple(row))
    return rows


def help_after(store, terminal: str, rows: list[tuple]) -> None:
    """Help a helper recorded after the visits ended: only in the help rows, never the events."""
    ledger = HelpLedger(store)
    if terminal == "kiosk-01":
        ledger.record(Help(rows[0][0], HelpKind.CATEGORY, "reading_help", acted_by="h-1"), terminal)
    else:
        for kind, value in ((HelpKind.ASSISTED, ""), (HelpKind.CATEGORY, "pin_help"), (HelpKind.AGE_BAND, "75+")):
            ledger.record(Help(rows[1][0], kind, value, acted_by="h-2"), terminal)


def kiosk(tmp_path, name: str, terminal: str, url: str = ""):
    """A kiosk's stores (as its commands open them) with its visits, one helper shift and action."""
    config = tmp_path / f"{name}.toml"
    config.write_text(f'demo = true\ninstance_path = "{tmp_path / name}"\nterminal_id = "{terminal}"\n'
                      + (f'stats_database_url = "{url}"\n' if url else ""))  # fmt: skip
    loaded = settings.load(str(config))
    accounts = composition.account_store(loaded)
    hours = 2 if terminal == "kiosk-01" else 3
    for at, step in (("2026-11-05T00:00:00+00:00", "start"), (f"2026-11-05T0{hours}:30:00+00:00", "end")):
        accounts.clock = lambda at=at: dt.datetime.fromisoformat(at)
        if step == "start":
            accounts.create_staff("helper1", "246813")
            accounts.start_shift("helper1", "本庁舎", terminal)
            accounts.actions.record("helper1", terminal, "assisted", "visit-1")
        else:
            accounts.end_shift("helper1")
    store, rows = composition.stats_store(loaded), visits(terminal)
    store.append(rows)
    help_after(store, terminal, rows)
    return config, accounts


def test_merged_exports_give_the_claim_of_one_shared_postgresql_store_with_shifts_and_actions(tmp_path, cli, postgres):
    url = postgres.new_database()
    exports = []
    shared_shifts = []
    for terminal in TERMINALS:
        own, _ = kiosk(tmp_path, f"own-{terminal}", terminal)
        _, shared = kiosk(tmp_path, f"shared-{terminal}", terminal, url)
        shared_shifts += shared.shifts()
        out = tmp_path / f"{terminal}.csv"
        assert cli("stats", "export", "--out", out, "--config", own).exit_code == 0
        exports.append(out)

    merged = cli("stats", "merge", *exports, "--out", tmp_path / "merged.csv")
    assert merged.exit_code == 0, merged.output
    claim = cli("stats", "report", "--month", "2026-11", "--from-export", tmp_path / "merged.csv")

    tz = ZoneInfo("Asia/Tokyo")
    one_store = monthly_report(events_with_help(StatsStore(url)), shared_shifts, "2026-11", tz, dt.datetime.now(dt.UTC))
    section, item, value = summary_columns("ja")[1:]
    expected = [f"{r[section]:22} {r[item]:32} {r[value]}" for r in summary_rows(one_store, "ja")]
    # Exports name helpers by pseudonym (one per kiosk's accounts file), the shared store's shifts
    # by staff code: per-person lines differ in name only, so compare their total.
    person = "支援職員 従事時間（人別）"

    def hours(lines):
        return round(sum(float(line.rsplit(maxsplit=1)[1]) for line in lines if line.startswith(person)), 2)

    got = claim.output.splitlines()
    assert [x for x in got if not x.startswith(person)] == [x for x in expected if not x.startswith(person)]
    assert hours(got) == hours(expected) > 0
    # The help recorded after the visits is in the merged claim: 2 assisted cases, one per category.
    assert any(line.split()[-1] == "2" and "支援" in line for line in got), claim.output
    with open(tmp_path / "merged.help.csv", encoding="utf-8-sig", newline="") as fh:
        assert sorted(r["kind"] for r in csv.DictReader(fh)) == ["age_band", "assisted", "category", "category"]

    with open(tmp_path / "merged.staff_actions.csv", encoding="utf-8-sig", newline="") as fh:
        actions = list(csv.DictReader(fh))
    assert sorted(a["terminal_id"] for a in actions) == list(TERMINALS)
    assert all(a["kind"] == "assisted" and a["actor"] and "helper1" not in a["actor"] for a in actions)


def test_merge_refuses_an_edited_staff_actions_file(tmp_path, cli):
    own, _ = kiosk(tmp_path, "own", "kiosk-01")
    assert cli("stats", "export", "--out", tmp_path / "k1.csv", "--config", own).exit_code == 0
    path = tmp_path / "k1.staff_actions.csv"
    path.write_text(path.read_text(encoding="utf-8-sig").replace(",assisted,", ",self_service,"), encoding="utf-8-sig")

    done = cli("stats", "merge", tmp_path / "k1.csv", "--out", tmp_path / "merged.csv")
    assert done.exit_code == 1 and "k1.staff_actions.csv differs from the file the terminal signed" in done.output
    assert not (tmp_path / "merged.csv").exists()

    (tmp_path / "k1.csv.head").unlink()  # without the signed digest, its own chain still names the row
    done = cli("stats", "merge", tmp_path / "k1.csv", "--out", tmp_path / "merged.csv")
    assert done.exit_code == 1 and "staff action 1 was altered" in done.output
    assert not (tmp_path / "merged.csv").exists()


def test_merge_refuses_shifts_stretched_after_the_export(tmp_path, cli):
    own, _ = kiosk(tmp_path, "own", "kiosk-01")
    assert cli("stats", "export", "--out", tmp_path / "k1.csv", "--config", own).exit_code == 0
    path = tmp_path / "k1.shifts.csv"
    text = path.read_text(encoding="utf-8-sig")
    assert "2026-11-05T02:30:00" in text
    path.write_text(text.replace("2026-11-05T02:30:00", "2026-11-05T12:30:00"), encoding="utf-8-sig")

    done = cli("stats", "merge", tmp_path / "k1.csv", "--out", tmp_path / "merged.csv")

    assert done.exit_code == 1 and "k1.shifts.csv differs from the file the terminal signed" in done.output
    assert not (tmp_path / "merged.csv").exists() and not (tmp_path / "merged.shifts.csv").exists()


def test_merge_refuses_an_edited_help_file(tmp_path, cli):
    own, _ = kiosk(tmp_path, "own", "kiosk-01")
    assert cli("stats", "export", "--out", tmp_path / "k1.csv", "--config", own).exit_code == 0
    path = tmp_path / "k1.help.csv"
    path.write_text(path.read_text(encoding="utf-8-sig").replace(",reading_help,", ",pin_help,"), encoding="utf-8-sig")

    done = cli("stats", "merge", tmp_path / "k1.csv", "--out", tmp_path / "merged.csv")

    assert done.exit_code == 1 and "k1.help.csv differs from the file the terminal signed" in done.output
    assert not (tmp_path / "merged.csv").exists()
    # Without the signed head beside it, the help rows' own chain still names the edit.
    (tmp_path / "k1.csv.head").unlink()
    done = cli("stats", "merge", tmp_path / "k1.csv", "--out", tmp_path / "merged.csv")
    assert done.exit_code == 1 and "help row 1 was altered" in done.output
    assert not (tmp_path / "merged.csv").exists()


def test_the_merged_reports_proof_names_each_terminals_rows_and_head(tmp_path, cli):
    exports = []
    for terminal in TERMINALS:
        own, _ = kiosk(tmp_path, f"own-{terminal}", terminal)
        exports.append(tmp_path / f"{terminal}.csv")
        assert cli("stats", "export", "--out", exports[-1], "--config", own).exit_code == 0
    assert cli("stats", "merge", *exports, "--out", tmp_path / "merged.csv").exit_code == 0

    done = cli("stats", "report", "--month", "2026-11", "--from-export", tmp_path / "merged.csv",
               "--pdf", tmp_path / "claim.pdf")  # fmt: skip

    assert done.exit_code == 0, done.output
    text = " ".join(pdf_text(tmp_path / "claim.pdf").split())
    for terminal, export in zip(TERMINALS, exports, strict=True):
        with open(export, encoding="utf-8-sig", newline="") as fh:
            head = list(csv.DictReader(fh))[-1]["row_hash"]
        assert f"対象記録の連番 ({terminal}): 1 – 3" in text and f"チェーンヘッド ({terminal}): {head}" in text

"""Benchmark: ten years' scale, 1,000,000 events (about 5 years of 20 terminals).

Reports the time to write the sealed, hash-chained store, to export CSV (UTF-8 and CP932), to
load the dashboard (a month's figures and the chain proven from its checkpoint, after a day of
new visits), to make the month's 実績報告 (figures, document, PDF) and to verify the whole chain.
Targets: dashboard under 200 ms, monthly report under 1 s.

    .venv/bin/python bench/stats_year.py [--sessions 1000000] [--terminals 20] [--years 5]
        [--postgres postgresql+psycopg://user@host/emptydb]

With --postgres the store is that (empty) shared database instead of a SQLite file; the seal
and the checkpoint are kiosk-00's, which proves its own rows of the shared chain.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.settings import Claim, ClaimCategory  # noqa: E402
from kiosk.statistics import claim_document, claim_pdf  # noqa: E402
from kiosk.statistics.checkpoint import verify_recent  # noqa: E402
from kiosk.statistics.month_cache import MONTHS  # noqa: E402
from kiosk.statistics.report import month_bounds, monthly_report  # noqa: E402
from kiosk.statistics.seal import Seal  # noqa: E402
from kiosk.statistics.store import COLUMNS, StatsStore  # noqa: E402

JST = ZoneInfo("Asia/Tokyo")


CLAIM = Claim((ClaimCategory("newly_registered", "新規登録", 1000), ClaimCategory("assisted", "支援", 500)),
              terminal_lease_yen_per_month=15000)  # fmt: skip


def synthetic_events(n: int, terminals: int, rng: random.Random, years: int = 1,
                     start: dt.datetime = dt.datetime(2026, 1, 1, 9, tzinfo=JST)):  # fmt: skip
    outcomes = [("registered", "registered")] * 7 + [("not_completed", "wrong_pin"), ("declined", "declined"),
                                                      ("already_registered", "already_registered")]
    for i in range(n):
        began = start + dt.timedelta(seconds=i * (years * 365 * 86400 // n))
        outcome, reason = rng.choice(outcomes)
        row = {
            "event_id": str(uuid.UUID(int=rng.getrandbits(128))), "terminal_id": f"kiosk-{i % terminals:02d}",
            "venue": f"会場{i % terminals % 5}", "started_at": began.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "ended_at": (began + dt.timedelta(seconds=150)).astimezone(dt.UTC).isoformat(timespec="seconds"),
            "duration_seconds": 150.0, "outcome": outcome, "reason": reason, "pin_attempts": 1,
            "tries_left_at_start": 3, "new_card": rng.randint(0, 1), "age_band": rng.choice(["75+", "65-74", None]),
            "language": "ja", "assisted": rng.randint(0, 1), "options": "", "holder_key": uuid.uuid4().hex,
        }  # fmt: skip
        yield tuple(row[c] for c in COLUMNS) + ((1,) if i % 97 == 0 else ())  # now and then a training visit


def timed(label: str, fn):
    t = time.perf_counter()
    result = fn()
    print(f"  {label:42} {time.perf_counter() - t:8.2f} s")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--terminals", type=int, default=20)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--postgres", metavar="URL", help="an empty PostgreSQL database to fill instead of SQLite")
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        seal = Seal.in_folder(Path(tmp))
        if args.postgres:
            store = StatsStore(args.postgres, seal=seal, sealed_terminal="kiosk-00")
        else:
            store = StatsStore(Path(tmp) / "stats.sqlite3", seal=seal)
        print(f"{args.sessions} sessions, {args.terminals} terminals, {args.years} years from 2026")
        timed("write (sealed, hash-chained, one transaction)",
              lambda: store.append(synthetic_events(args.sessions, args.terminals, rng, args.years)))
        if not args.postgres:
            size = sum(p.stat().st_size for p in Path(tmp).glob("stats.sqlite3*"))
            print(f"  {'store size':42} {size / 1e6:8.1f} MB")
        for encoding in ("utf-8-sig", "cp932"):
            def export(enc=encoding):
                buffer = io.StringIO()
                store.export_csv(buffer)
                return len(buffer.getvalue().encode(enc))
            size = timed(f"export events CSV ({encoding})", export)
            print(f"  {'  CSV size':42} {size / 1e6:8.1f} MB")
        check = timed("verify the whole chain (kiosk stats verify)", store.verify)
        print(f"  {'  chain':42} {'ok' if check.ok else 'BROKEN'} ({check.rows} rows)")
        timed("first dashboard load (walks all, checkpoints)", lambda: verify_recent(store))
        day = dt.datetime(2026 + args.years, 1, 1, 9, tzinfo=JST)
        store.append(synthetic_events(400, args.terminals, rng, start=day))  # a day of 20 kiosks
        month = (day - dt.timedelta(days=40)).strftime("%Y-%m")
        now = day.astimezone(dt.UTC)
        bounds = month_bounds(month, JST)

        def dashboard():
            counted = MONTHS.figures(store, month, JST)
            return monthly_report((), [], month, JST, now, CLAIM, counted=counted), verify_recent(store)

        timed(f"first dashboard of {month} (counts the month)", dashboard)
        store.append(synthetic_events(400, args.terminals, rng, start=day + dt.timedelta(days=1)))  # the next day
        report, recent = timed(f"dashboard ({month} + new rows, chain since checkpoint)", dashboard)
        print(f"  {'  chain':42} {'ok' if recent.ok else 'BROKEN'} ({recent.rows} rows)")

        def monthly():
            r = monthly_report(store.events(with_chain=True, ended=bounds), [], month, JST, now, CLAIM)
            return r, claim_document.build(r, "bench", ["会場0"], store.head(), day.date())

        report, doc = timed(f"monthly 実績報告 ({month}: figures, document)", monthly)
        pdf = timed("  its PDF (fpdf2; mostly the CJK font)", lambda: claim_pdf.render_pdf(doc))
        f = report.figures
        print(f"  {'  visits / newly / already registered':42} {f.sessions} / {f.newly_registered} / "
              f"{f.already_registered}")
        print(f"  {'  training left out, amount (yen)':42} {f.training_left_out}, {report.amount_yen:,}")
        print(f"  {'  PDF size':42} {len(pdf) / 1e3:8.1f} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

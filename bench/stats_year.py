"""Benchmark: one year of events for 20 terminals (about 200,000 sessions).

Reports the time to write the hash-chained store, to export CSV (UTF-8 and CP932), to build a
month's report (what the dashboard and the printable report do) and to verify the chain.

    .venv/bin/python bench/stats_year.py [--sessions 200000] [--terminals 20]
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

from kiosk.statistics.report import month_bounds, monthly_report  # noqa: E402
from kiosk.statistics.store import COLUMNS, StatsStore  # noqa: E402

JST = ZoneInfo("Asia/Tokyo")


def synthetic_events(n: int, terminals: int, rng: random.Random):
    start = dt.datetime(2026, 1, 1, 9, tzinfo=JST)
    outcomes = [("registered", "registered")] * 7 + [("not_completed", "wrong_pin"), ("declined", "declined"),
                                                      ("already_registered", "already_registered")]
    for i in range(n):
        began = start + dt.timedelta(seconds=i * (365 * 86400 // n))
        outcome, reason = rng.choice(outcomes)
        row = {
            "event_id": str(uuid.UUID(int=rng.getrandbits(128))), "terminal_id": f"kiosk-{i % terminals:02d}",
            "venue": f"会場{i % terminals % 5}", "started_at": began.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "ended_at": (began + dt.timedelta(seconds=150)).astimezone(dt.UTC).isoformat(timespec="seconds"),
            "duration_seconds": 150.0, "outcome": outcome, "reason": reason, "pin_attempts": 1,
            "tries_left_at_start": 3, "new_card": rng.randint(0, 1), "age_band": rng.choice(["75+", "65-74", None]),
            "language": "ja", "assisted": rng.randint(0, 1), "options": "", "holder_key": uuid.uuid4().hex,
        }  # fmt: skip
        yield tuple(row[c] for c in COLUMNS)


def timed(label: str, fn):
    t = time.perf_counter()
    result = fn()
    print(f"  {label:42} {time.perf_counter() - t:8.2f} s")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200_000)
    parser.add_argument("--terminals", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        store = StatsStore(Path(tmp) / "stats.sqlite3")
        print(f"{args.sessions} sessions, {args.terminals} terminals, one year (2026)")
        timed("write (hash-chained, one transaction)",
              lambda: store.append(synthetic_events(args.sessions, args.terminals, rng)))
        size = sum(p.stat().st_size for p in Path(tmp).glob("stats.sqlite3*"))
        print(f"  {'store size':42} {size / 1e6:8.1f} MB")
        for encoding in ("utf-8-sig", "cp932"):
            def export(enc=encoding):
                buffer = io.StringIO()
                store.export_csv(buffer)
                return len(buffer.getvalue().encode(enc))
            size = timed(f"export events CSV ({encoding})", export)
            print(f"  {'  CSV size':42} {size / 1e6:8.1f} MB")
        now = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
        bounds = month_bounds("2026-11", JST)
        report = timed("month report / dashboard (2026-11)",
                       lambda: monthly_report(store.events(ended=bounds), [], "2026-11", JST, now))
        print(f"  {'  sessions that month':42} {report.sessions:8d}")
        check = timed("verify the whole chain", store.verify)
        print(f"  {'  chain':42} {'ok' if check.ok else 'BROKEN'} ({check.rows} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

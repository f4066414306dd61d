"""Statistics rows as a terminal would have written them, for store and report tests."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from kiosk.statistics.store import COLUMNS

JST = ZoneInfo("Asia/Tokyo")


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=JST)


def event(ended: str, venue="本庁舎", outcome="registered", reason="registered", band="75+", assisted=1,
          new_card=1, terminal="kiosk-01", holder=None) -> tuple:  # fmt: skip
    row = {
        "event_id": str(uuid.uuid4()), "terminal_id": terminal, "venue": venue,
        "started_at": at(ended).astimezone(dt.UTC).isoformat(timespec="seconds"),
        "ended_at": at(ended).astimezone(dt.UTC).isoformat(timespec="seconds"),
        "duration_seconds": 95.5, "outcome": outcome, "reason": reason, "pin_attempts": 1,
        "tries_left_at_start": 3, "new_card": new_card, "age_band": band, "language": "ja",
        "assisted": assisted, "options": "", "holder_key": holder or uuid.uuid4().hex,
    }  # fmt: skip
    return tuple(row[c] for c in COLUMNS)

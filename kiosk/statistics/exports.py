"""The manager's CSV downloads as a municipal PC opens them: Japanese column names (English on
request), local times, training visits left out unless asked for, and the right HTTP charset.

Flags are 0/1 (1 = yes): 新規交付カード (new_card), 職員支援 (assisted), 研修 (training).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO
from zoneinfo import ZoneInfo

from kiosk.i18n.code_words import OUTCOMES, REASONS, code_word
from kiosk.statistics.export_heads import Tail
from kiosk.statistics.figures import is_training
from kiosk.statistics.labels import label
from kiosk.statistics.store import MANAGER_EXPORT_COLUMNS, write_csv

# Excel on municipal PCs opens both: UTF-8 with a BOM, or CP932 (Windows' Shift_JIS).
ENCODINGS = {"utf-8": ("utf-8-sig", "utf-8"), "cp932": ("cp932", "shift_jis")}


def content_type(encoding: str) -> str:
    """One charset parameter, named as browsers and Excel know it."""
    return f"text/csv; charset={ENCODINGS.get(encoding, ENCODINGS['utf-8'])[1]}"


def codec(encoding: str) -> str:
    return ENCODINGS.get(encoding, ENCODINGS["utf-8"])[0]


def _column_label(column: str, lang: str) -> str:
    return label("assisted_flag" if column == "assisted" else column, lang)


def event_columns(lang: str = "ja") -> tuple[str, ...]:
    return tuple(_column_label(c, lang) for c in MANAGER_EXPORT_COLUMNS)


def _local(iso: str | None, tz: ZoneInfo) -> str | None:
    if not iso:
        return iso
    return dt.datetime.fromisoformat(iso).astimezone(tz).isoformat(timespec="minutes")


def _to_minute(iso: str | None) -> str | None:
    if not iso:
        return iso
    return dt.datetime.fromisoformat(iso).replace(second=0, microsecond=0).isoformat(timespec="minutes")


def anonymised_events(events: Iterable[dict]) -> Iterator[dict]:
    """Events for the manager's CSV: holder_key replaced by the visit's number for that card
    (1 = first visit), start and end rounded down to the minute."""
    visits: dict[str, int] = {}
    for event in events:
        row = {k: v for k, v in event.items() if k != "holder_key"}
        key = event.get("holder_key")
        if key:
            visits[key] = visits.get(key, 0) + 1
        row["holder_visit"] = visits[key] if key else ""
        row["started_at"], row["ended_at"] = _to_minute(event["started_at"]), _to_minute(event["ended_at"])
        yield row


def manager_events(
    events: Iterable[dict], tz: ZoneInfo, lang: str = "ja", include_training: bool = False
) -> Iterator[dict]:
    """Anonymised events with local times and labelled columns."""
    kept = (e for e in events if include_training or not is_training(e))
    for row in anonymised_events(kept):
        row["started_at"], row["ended_at"] = _local(row["started_at"], tz), _local(row["ended_at"], tz)
        # words for people; the raw `kiosk stats export` keeps the codes
        row["outcome"] = code_word(OUTCOMES, row["outcome"], lang)
        row["reason"] = code_word(REASONS, row["reason"], lang)
        yield {_column_label(k, lang): v for k, v in row.items() if k in MANAGER_EXPORT_COLUMNS}


def write_events_with_head(events: Iterable[dict], start: tuple[int, str], sign: Callable[[int, str], str],
                           out: TextIO, tz: ZoneInfo, lang: str, include_training: bool) -> int:  # fmt: skip
    """The manager's events CSV, ending in one row that holds the terminal's signed head of the
    last row exported (export_heads.py): the paper file's `kiosk stats verify --head` line."""
    tail = Tail(events, start)
    count = write_csv(manager_events(tail, tz, lang, include_training), out, event_columns(lang))
    csv.writer(out, lineterminator="\r\n").writerow([sign(tail.seq, tail.row_hash)])
    return count

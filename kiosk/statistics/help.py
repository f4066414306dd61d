"""Help recorded on a visit: during it, after it, or later from the shift's recent visits.

A visit's own row is append-only and sealed, so help noted after the visit ended never changes
it: each piece of help is a new row here that names the visit's event_id, chained and sealed
like the events (same key, its own chain). The report folds them in (``fold_help``).

Who helped is a pseudonym (a keyed hash of the staff code, ``staff_pseudonym``): the claim can
count helpers and their cases, and nobody reading the statistics learns a staff code.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from kiosk.statistics.seal import Seal
from kiosk.statistics.store import GENESIS, StatsStore, row_hash

AGE_BANDS = ("under_65", "65-74", "75+")
HELP_COLUMNS = ("help_id", "event_id", "terminal_id", "recorded_at", "kind", "value", "staff_on_duty", "acted_by")


class HelpKind(enum.StrEnum):
    ASSISTED = "assisted"
    SELF_SERVICE = "self_service"
    CATEGORY = "category"
    AGE_BAND = "age_band"


class HelpError(ValueError):
    """Help that cannot be recorded as asked (an unknown category or age band)."""


def staff_pseudonym(key: bytes, staff_code: str) -> str:
    """The helper as the statistics name them: stable per installation, not reversible
    without the installation's key."""
    return "h-" + hmac.new(key, f"staff {staff_code}".encode(), hashlib.sha256).hexdigest()[:12]


@dataclass(frozen=True)
class Help:
    """One piece of help on one visit, as a helper recorded it."""

    event_id: str
    kind: HelpKind
    value: str = ""
    staff_on_duty: tuple[str, ...] = ()  # pseudonyms
    acted_by: str = ""  # pseudonym

    def check(self, category_ids: Iterable[str]) -> None:
        if self.kind == HelpKind.CATEGORY and self.value not in set(category_ids):
            raise HelpError(f"unknown help category {self.value!r}")
        if self.kind == HelpKind.AGE_BAND and self.value not in AGE_BANDS:
            raise HelpError(f"unknown age band {self.value!r}")


class HelpLedger:
    """The help rows of one statistics store (same database, same seal key)."""

    def __init__(self, store: StatsStore) -> None:
        self._store = store  # may be a LazyStatsStore: opened on first use, never at start

    @property
    def engine(self):
        return self._store.engine

    @property
    def is_sqlite(self) -> bool:
        return self._store.is_sqlite

    @property
    def seal(self) -> Seal | None:
        return self._store.seal

    def record(self, help: Help, terminal_id: str, now: dt.datetime | None = None) -> str:
        """Append one sealed row; returns its help_id."""
        help_id = str(uuid.uuid4())
        when = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="seconds")
        values = (help_id, help.event_id, terminal_id, when, help.kind.value, help.value,
                  " ".join(help.staff_on_duty), help.acted_by)  # fmt: skip
        with self.engine.begin() as db:
            if not self.is_sqlite:
                db.exec_driver_sql("LOCK TABLE help_records IN SHARE ROW EXCLUSIVE MODE")
            last = db.exec_driver_sql("SELECT seq, row_hash FROM help_records ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (int(last[0]), last[1]) if last else (0, GENESIS)
            seq += 1
            link = row_hash(prev, seq, values)
            mac = self.seal.mac(seq, "help " + link) if self.seal else None
            row = dict(zip(HELP_COLUMNS, values, strict=True)) | {
                "seq": seq, "prev_hash": prev, "row_hash": link, "row_mac": mac}  # fmt: skip
            names = ", ".join(row)
            db.execute(sa.text(f"INSERT INTO help_records ({names}) VALUES ({', '.join(':' + c for c in row)})"), row)
        return help_id

    def rows(self, event_ids: Iterable[str] | None = None) -> list[dict]:
        """Help rows in recorded order (all, or those of ``event_ids``)."""
        with self.engine.connect() as db:
            found = [dict(r) for r in db.exec_driver_sql(
                f"SELECT {', '.join(HELP_COLUMNS)} FROM help_records ORDER BY seq").mappings()]  # fmt: skip
        if event_ids is None:
            return found
        wanted = set(event_ids)
        return [r for r in found if r["event_id"] in wanted]

    def verify(self) -> str:
        """'' when every help row is in its chain and (with the key) sealed; else the first problem."""
        with self.engine.connect() as db:
            rows = db.exec_driver_sql(
                f"SELECT {', '.join(HELP_COLUMNS)}, seq, prev_hash, row_hash, row_mac FROM help_records ORDER BY seq"
            ).fetchall()
        seq, prev = 0, GENESIS
        n = len(HELP_COLUMNS)
        for row in rows:
            values, (row_seq, row_prev, stored, mac) = tuple(row[:n]), row[n:]
            if row_seq != seq + 1 or row_prev != prev or row_hash(prev, row_seq, values) != stored:
                return f"help row {seq + 1} was altered or is missing"
            if self.seal is not None and not self.seal.proves(row_seq, "help " + stored, mac):
                return f"help row {row_seq} is not proven by the seal"
            seq, prev = row_seq, stored
        return ""


def fold_help(events: Iterable[dict], help_rows: Iterable[dict]) -> Iterator[dict]:
    """Events as the report counts them: the newest 'assisted'/'self-service' a helper recorded
    wins over the visit's own flag, a helper's age band fills one the card did not give, and
    each event with help rows gets ``help_categories`` (sorted ids) and ``helpers`` (the pseudonyms
    who acted: on the visit itself, its own ``acted_by``, or later, the help rows')."""
    by_event: dict[str, list[dict]] = {}
    for row in help_rows:
        by_event.setdefault(row["event_id"], []).append(row)
    for event in events:
        rows = by_event.get(event["event_id"], [])
        if not rows:
            yield event
            continue
        folded = dict(event)
        categories: set[str] = set()
        for row in rows:
            kind = row["kind"]
            if kind in (HelpKind.ASSISTED, HelpKind.CATEGORY):
                folded["assisted"] = 1  # help of a category is assistance
            elif kind == HelpKind.SELF_SERVICE:
                folded["assisted"] = 0
            elif kind == HelpKind.AGE_BAND and not event.get("age_band"):
                folded["age_band"] = row["value"]
            if kind == HelpKind.CATEGORY:
                categories.add(row["value"])
        folded["help_categories"] = " ".join(sorted(categories))
        acted = set((event.get("acted_by") or "").split()) | {r["acted_by"] for r in rows if r["acted_by"]}
        folded["helpers"] = " ".join(sorted(acted))
        yield folded


def folded_events(store: StatsStore, ended: tuple[str, str] | None = None, with_chain: bool = False) -> Iterator[dict]:
    """The store's events (``ended``: ISO UTC bounds) with the help recorded on them folded in,
    streamed: what every figure and every manager export counts (report, close-out, CSV)."""
    help_rows = HelpLedger(store).rows()  # few beside the events; read before the events stream
    return fold_help(store.events(with_chain=with_chain, ended=ended), help_rows)


def events_with_help(store: StatsStore, ended: tuple[str, str] | None = None, with_chain: bool = False) -> list[dict]:
    """``folded_events`` as a list (the monthly figures go over them more than once)."""
    return list(folded_events(store, ended, with_chain))

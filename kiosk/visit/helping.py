"""Help a helper records on a visit: during it, just after it, or later in the same shift.

The panel names a visit by its event_id. The open visit also carries the help in its own row
(the terminal sets it); every piece of help, whenever given, becomes a sealed help row
(``kiosk.statistics.help``) with the helpers on duty and the one who acted, so a visit
stored as self-service before the helper got to the panel still counts as assisted.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import sqlalchemy as sa

from kiosk.settings import Settings
from kiosk.statistics.claim import recorded_by_helpers
from kiosk.statistics.help import Help, HelpError, HelpKind, HelpLedger, fold_help, staff_pseudonym
from kiosk.statistics.opener import StoreUnavailableError
from kiosk.statistics.store import StatsStore
from kiosk.visit.terminal import Terminal

log = logging.getLogger(__name__)

RECENT_LIMIT = 20


class UnknownVisitError(HelpError):
    """The visit is neither open, just ended, nor among this shift's visits at this kiosk."""


@dataclass(frozen=True)
class RecentVisit:
    event_id: str
    ended_at: str  # local time of day, HH:MM (settings.timezone)
    outcome: str
    reason: str | None
    assisted: bool
    age_band: str | None
    categories: tuple[str, ...]


class HelpDesk:
    def __init__(self, terminal: Terminal, store: StatsStore, settings: Settings, key: bytes) -> None:
        self.terminal = terminal
        self.store = store
        self.ledger = HelpLedger(store)
        self.settings = settings
        self._key = key  # the installation key: helpers' pseudonyms

    def pseudonym(self, staff_code: str) -> str:
        return staff_pseudonym(self._key, staff_code)

    def record(self, event_id: str, kind: HelpKind, value: str, acted_by: str, on_duty: list[str],
               shift_start: dt.datetime | None) -> str:  # fmt: skip
        """Record one piece of help; returns where it landed ('current', 'ended', 'earlier').
        Raises HelpError for a category or age band not configured, UnknownVisitError for a
        visit this helper cannot reach."""
        help = Help(event_id, kind, value, tuple(self.pseudonym(c) for c in on_duty), self.pseudonym(acted_by))
        help.check(c.id for c in recorded_by_helpers(self.settings.claim))
        if not self._reachable(event_id, shift_start):
            raise UnknownVisitError(event_id)
        assisted = {HelpKind.ASSISTED: True, HelpKind.SELF_SERVICE: False, HelpKind.CATEGORY: True}.get(kind)
        where = self.terminal.help_target(event_id, assisted, value if kind == HelpKind.AGE_BAND else None,
                                          help.acted_by)  # fmt: skip
        self.ledger.record(help, self.settings.terminal_id)  # I/O: on the request's thread, no lock held
        return where

    def _reachable(self, event_id: str, shift_start: dt.datetime | None) -> bool:
        snap = self.terminal.staff_snapshot()
        if event_id and event_id in (snap["event"], snap["ended_event"]):
            return True
        return any(v.event_id == event_id for v in self.recent(shift_start))

    def _local_time(self, iso: str) -> str:
        from zoneinfo import ZoneInfo

        return dt.datetime.fromisoformat(iso).astimezone(ZoneInfo(self.settings.timezone)).strftime("%H:%M")

    def recent(self, shift_start: dt.datetime | None) -> list[RecentVisit]:
        """This kiosk's visits stored since ``shift_start``, newest first, with the help recorded."""
        if shift_start is None:
            return []
        since = shift_start.astimezone(dt.UTC).isoformat(timespec="seconds")
        far = "9999-12-31T00:00:00+00:00"
        try:
            mine = [e for e in self.store.events(ended=(since, far)) if e["terminal_id"] == self.settings.terminal_id]
            mine = mine[-RECENT_LIMIT:]
            folded = list(fold_help(mine, self.ledger.rows(e["event_id"] for e in mine)))
        except (StoreUnavailableError, sa.exc.SQLAlchemyError) as exc:
            # The store is away (the visits wait in the outbox): the panel still serves, without the list.
            log.warning("recent visits not shown: %s", exc)
            return []
        visits = [
            RecentVisit(
                e["event_id"], self._local_time(e["ended_at"]), e["outcome"], e["reason"], str(e["assisted"]) == "1",
                e["age_band"], tuple(e.get("help_categories", "").split()),
            )  # fmt: skip
            for e in folded
        ]
        return visits[::-1]

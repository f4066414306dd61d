"""The manager's answer while the statistics store is away: the figures live there, so the
dashboard, report, exports and close-out cannot be made; the kiosk itself keeps serving residents
and keeps their visits in the outbox on its disk. A page says so (503), never an internal error."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, Response, render_template, request

from kiosk.statistics.opener import StoreUnavailableError
from kiosk.web import current_terminal

log = logging.getLogger(__name__)
# Not opened since the start, or its server gone since (the connection refused or dropped).
STORE_AWAY = (StoreUnavailableError, sa.exc.OperationalError, sa.exc.InterfaceError)


def store_away(exc: Exception) -> tuple[str, int] | Response:
    terminal = current_terminal()
    outbox = terminal.outbox_status()
    problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    log.warning("manager page %s: statistics store %s not reachable (%s); %d visit(s) wait in the outbox",
                request.path, terminal.stats.label, problem, outbox.depth)  # fmt: skip
    minutes = int(outbox.oldest_seconds or 0) // 60
    return render_template("staff/store_away.html", outbox=outbox, minutes=minutes), 503


def register(bp: Blueprint) -> None:
    for error in STORE_AWAY:
        bp.register_error_handler(error, store_away)

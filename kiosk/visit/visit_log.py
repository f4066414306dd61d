"""The one log line per finished visit, for the operators' journal.

Only what the statistics may hold anyway, and less: outcome, reason, duration, language.
Never a PIN, name, address, birth date, certificate or holder key (the law on the 個人番号
card's data, and journald keeps lines for months).
"""

from __future__ import annotations

import logging

from kiosk.visit.flow import SessionSummary

log = logging.getLogger("kiosk.visit")


def log_finished(summary: SessionSummary) -> None:
    log.info(
        "visit finished outcome=%s reason=%s duration=%.0fs language=%s",
        summary.outcome.value,
        summary.reason.value if summary.reason else "-",
        max(0.0, summary.ended_at - summary.started_at),
        summary.language,
    )

"""GET /metrics: Prometheus figures for the municipality's monitoring.

Counts and timings only: visits by outcome, how long each step was shown, the visits waiting to
be stored, the reader's state. Nothing about a resident (no reason text, card, language or
time of a single visit). Like /healthz's details, only for the kiosk itself (a Prometheus agent
on the box scraping 127.0.0.1) and signed-in staff: the TLS front does not forward /metrics.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from kiosk.visit.flow import Outcome, SessionSummary, Step
from kiosk.web.security import from_the_kiosk
from kiosk.web.signin import signed_in

bp = Blueprint("metrics", __name__)

# 'starting' until the card worker's first look, then drivers.reader.ReaderStatus's values.
READER_STATES = ("starting", "no_reader", "empty", "card_present")
# Seconds a step is shown: a consent read aloud takes minutes, a card read a second.
STEP_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 180, 300, 600)


class KioskMetrics:
    """One registry per app (tests build many apps in one process), fed by the terminal."""

    def __init__(self, terminal) -> None:
        self.terminal = terminal
        self.registry = CollectorRegistry()
        self.visits = Counter("kiosk_visits", "Finished visits by outcome.", ["outcome"], registry=self.registry)
        for outcome in Outcome:
            self.visits.labels(outcome.value)  # every outcome from 0, so rates work from the start
        self.step_seconds = Histogram("kiosk_step_seconds", "How long a step was shown before the next.",
                                      ["step"], buckets=STEP_BUCKETS, registry=self.registry)  # fmt: skip
        for step in Step:
            self.step_seconds.labels(step.value)
        outbox = Gauge("kiosk_outbox_depth", "Finished visits not yet in the statistics store.",
                       registry=self.registry)  # fmt: skip
        outbox.set_function(lambda: terminal.pending_events)
        self.registry.register(_ReaderState(terminal))
        terminal.listeners.append(self)

    # TerminalListener: called under the terminal's lock, so counters only.
    def step_left(self, step: str, seconds: float) -> None:
        self.step_seconds.labels(step).observe(seconds)

    def visit_finished(self, summary: SessionSummary) -> None:
        self.visits.labels(summary.outcome.value).inc()


class _ReaderState:
    """kiosk_reader_state{state=...}: 1 for the reader's state now, 0 for the others."""

    def __init__(self, terminal) -> None:
        self.terminal = terminal

    def collect(self):
        now = self.terminal.snapshot()["reader"]
        family = GaugeMetricFamily("kiosk_reader_state", "The card reader's state (1: now).", labels=["state"])
        for state in READER_STATES:
            family.add_metric([state], 1.0 if state == now else 0.0)
        yield family


@bp.get("/metrics")
def metrics():
    if not (from_the_kiosk() or signed_in("staff") or signed_in("manager")):
        abort(404)  # the LAN learns nothing, not even that the page exists
    registry = current_app.extensions["kiosk.metrics"].registry
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)

"""GET /healthz: what install-day IT staff and monitoring need to know, as JSON."""

from __future__ import annotations

from flask import Blueprint, jsonify

import kiosk
from kiosk.web import current_terminal

bp = Blueprint("health", __name__)


def health_report() -> dict:
    terminal = current_terminal()
    snapshot = terminal.snapshot()
    writable = terminal.stats_probe.check(timeout=0.5)
    gateway_ok = terminal.gateway.reachable() if hasattr(terminal.gateway, "reachable") else True
    reader_ok = snapshot["reader"] in ("empty", "card_present")
    step, seconds = terminal.time_in_step()
    stuck = step != "idle" and seconds > terminal.STUCK_AFTER_SECONDS
    return {
        "ok": reader_ok and writable and gateway_ok and terminal.pending_events == 0 and not stuck,
        "version": kiosk.__version__,
        "reader": {"name": terminal.worker.reader.name, "status": snapshot["reader"], "ok": reader_ok},
        "card": {"present": snapshot["card_present"], "step": snapshot["step"]},
        "visit": {"step": step, "seconds_in_step": round(seconds, 1), "stuck": stuck},
        "database": {"writable": writable, "pending_events": terminal.pending_events,
                     "kind": "sqlite" if terminal.stats.is_sqlite else "postgresql"},  # fmt: skip
        "gateway": {"reachable": gateway_ok, "kind": type(terminal.gateway).__name__},
    }


@bp.get("/healthz")
def healthz():
    report = health_report()
    return jsonify(report), 200 if report["ok"] else 503

"""GET /healthz: what install-day IT staff and monitoring need to know, as JSON."""

from __future__ import annotations

from flask import Blueprint, jsonify

import kiosk
from kiosk.web import current_terminal

bp = Blueprint("health", __name__)


def gateway_kind(gateway: object) -> str:
    """'simulator' (nothing is really registered) or 'https' (the registration service)."""
    from kiosk.gateway.simulator import SimulatedGateway

    return "simulator" if isinstance(gateway, SimulatedGateway) else "https"


def health_report() -> dict:
    terminal = current_terminal()
    snapshot = terminal.snapshot()
    writable = terminal.stats.writable()
    gateway_ok = terminal.gateway.reachable() if hasattr(terminal.gateway, "reachable") else True
    reader_ok = snapshot["reader"] in ("empty", "card_present")
    return {
        "ok": reader_ok and writable and gateway_ok and terminal.pending_events == 0,
        "version": kiosk.__version__,
        "reader": {"name": terminal.worker.reader.name, "status": snapshot["reader"], "ok": reader_ok},
        "card": {"present": snapshot["card_present"], "step": snapshot["step"]},
        "database": {"writable": writable, "pending_events": terminal.pending_events,
                     "kind": "sqlite" if terminal.stats.is_sqlite else "postgresql"},  # fmt: skip
        "gateway": {"reachable": gateway_ok, "kind": gateway_kind(terminal.gateway)},
    }


@bp.get("/healthz")
def healthz():
    report = health_report()
    return jsonify(report), 200 if report["ok"] else 503

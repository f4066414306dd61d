"""GET /healthz: ok / not ok for anyone (a LAN monitor), the details for the kiosk's own
watchdog and for signed-in staff: the live step and card presence tell a passer-by on the LAN
when a resident is at the kiosk."""

from __future__ import annotations

from flask import Blueprint, jsonify

import kiosk
from kiosk.web import current_terminal
from kiosk.web.security import from_the_kiosk
from kiosk.web.signin import signed_in

bp = Blueprint("health", __name__)


def gateway_kind(gateway: object) -> str:
    """'simulator' (nothing is really registered), else the service's scheme: 'https' (the
    registration service) or 'http' (a loopback test service, never in production)."""
    from kiosk.gateway.simulator import SimulatedGateway

    return "simulator" if isinstance(gateway, SimulatedGateway) else getattr(gateway, "kind", "unknown")


def health_report() -> dict:
    terminal = current_terminal()
    snapshot = terminal.snapshot()
    # No write per probe, and never a wait on a hung database: the store's cheap check on the
    # probe's own thread, and whether the recorder's last write worked.
    writable = terminal.stats_probe.check(timeout=0.5) and not terminal.recorder.failing
    gateway_ok = terminal.gateway.reachable() if hasattr(terminal.gateway, "reachable") else True
    reader_ok = snapshot["reader"] in ("empty", "card_present")
    outbox = terminal.outbox_status()
    step, seconds = terminal.time_in_step()
    stuck = step != "idle" and seconds > terminal.STUCK_AFTER_SECONDS
    return {
        "ok": reader_ok and writable and gateway_ok and terminal.pending_events == 0 and not stuck
        and outbox.in_memory == 0,
        "version": kiosk.__version__,
        "reader": {"name": terminal.worker.reader.name, "status": snapshot["reader"], "ok": reader_ok},
        "card": {"present": snapshot["card_present"], "step": snapshot["step"]},
        "visit": {"step": step, "seconds_in_step": round(seconds, 1), "stuck": stuck},
        "database": {"writable": writable, "pending_events": terminal.pending_events,
                     "kind": "sqlite" if terminal.stats.is_sqlite else "postgresql"},  # fmt: skip
        # Visits waiting for the store (kiosk/statistics/outbox.py); ``in_memory`` of them are NOT
        # on the kiosk's disk (its instance folder refuses writes): lost if the kiosk stops now.
        "outbox": {"depth": outbox.depth, "oldest_seconds": None if outbox.oldest_seconds is None
                   else round(outbox.oldest_seconds), "in_memory": outbox.in_memory},  # fmt: skip
        "gateway": {"reachable": gateway_ok, "kind": gateway_kind(terminal.gateway)},
    }


@bp.get("/healthz")
def healthz():
    report = health_report()
    status = 200 if report["ok"] else 503
    if from_the_kiosk() or signed_in("staff") or signed_in("manager"):
        return jsonify(report), status
    return jsonify({"ok": report["ok"]}), status

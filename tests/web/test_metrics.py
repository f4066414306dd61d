"""GET /metrics for the municipality's monitoring: figures after a real visit, for the kiosk
itself and signed-in staff only, and nothing about the resident in them."""

from __future__ import annotations

import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from tests.support.waiting import wait_recorded, wait_until

LAN = {"REMOTE_ADDR": "192.168.1.20"}
PROXIED = {"HTTP_X_FORWARDED_FOR": "192.168.1.20"}  # the TLS front on the box forwards a LAN tablet


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}  # fmt: skip


def test_a_scrape_after_a_visit_counts_it_by_outcome_and_times_its_steps(client, demo, terminal, live_server,
                                                                        residents):  # fmt: skip
    demo.insert("hanako")
    wait_until(lambda: terminal.snapshot()["step"] == "consent" and not terminal.snapshot()["busy"], what="consent")
    client.post("/action", data={"action": "agree"})
    client.post("/pin", data={"pin": "1234"})
    wait_until(lambda: terminal.snapshot()["step"] == "done", what="done")
    demo.remove()
    wait_until(lambda: terminal.snapshot()["step"] == "idle", what="idle")
    wait_recorded(terminal)

    with urllib.request.urlopen(f"{live_server}/metrics", timeout=10) as response:  # as a local agent scrapes
        assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    got = samples(text)
    assert got[("kiosk_visits_total", (("outcome", "registered"),))] == 1
    assert got[("kiosk_visits_total", (("outcome", "declined"),))] == 0
    for step in ("consent", "pin", "registering", "done"):
        assert got[("kiosk_step_seconds_count", (("step", step),))] >= 1, step
    assert got[("kiosk_outbox_depth", ())] == 0
    assert got[("kiosk_reader_state", (("state", "empty"),))] == 1
    assert got[("kiosk_reader_state", (("state", "card_present"),))] == 0
    # Nothing else: no label that could hold a reason, a language, a card or a time of one visit.
    assert {name for name, _ in got} <= {"kiosk_visits_total", "kiosk_visits_created", "kiosk_outbox_depth",
        "kiosk_reader_state", *(f"kiosk_step_seconds{x}" for x in ("_bucket", "_count", "_sum", "_created"))}
    assert {label for _, labels in got for label, _ in labels} <= {"outcome", "step", "state", "le"}
    assert residents["hanako"].birth_date.isoformat() not in text


def test_metrics_answer_only_the_kiosk_itself_and_signed_in_staff(client, auth, app):
    app.extensions["kiosk.accounts"].create_staff("helper1", "246813")
    for environ in (LAN, PROXIED):
        response = client.get("/metrics", environ_base=environ)
        assert response.status_code == 404 and b"kiosk_" not in response.data
    # A tablet on the LAN signs in (its cookie is then Secure and __Host- named) and may read it.
    client.environ_base.update(LAN, **{"wsgi.url_scheme": "https"})
    auth.staff_login()
    assert b"kiosk_visits_total" in client.get("/metrics").data

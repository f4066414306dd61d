"""Item 15 of the security review: /healthz tells the LAN only ok / not ok, and a probe never
writes to the statistics database."""

from __future__ import annotations

from pathlib import Path

import pytest

LAN = {"REMOTE_ADDR": "192.168.1.20"}
PROXIED = {"HTTP_X_FORWARDED_FOR": "192.168.1.20"}  # the TLS front on the same box forwards a LAN tablet


@pytest.fixture
def accounts(app):
    store = app.extensions["kiosk.accounts"]
    store.create_staff("helper1", "246813")
    return store


def test_a_lan_probe_learns_only_ok_or_not_ok(client):
    for environ in (LAN, PROXIED):
        response = client.get("/healthz", environ_base=environ)
        assert response.status_code in (200, 503)
        assert set(response.get_json()) == {"ok"}  # no step, card presence, reader or version


def test_the_local_watchdog_and_a_signed_in_helper_see_the_details(client, auth, accounts):
    assert "card" in client.get("/healthz").get_json()  # loopback, no proxy: the kiosk itself
    client.environ_base.update(LAN)  # the helper's tablet, from sign-in on
    auth.staff_login()
    details = client.get("/healthz", environ_base=LAN).get_json()
    assert details["card"]["step"] == "idle" and "database" in details


def test_probing_health_writes_nothing_to_the_statistics_database(client, terminal):
    store = Path(terminal.stats.path)
    files = [store, *store.parent.glob(store.name + "-*")]
    before = {f: (f.stat().st_mtime_ns, f.read_bytes()) for f in files}
    for _ in range(3):
        assert client.get("/healthz").get_json()["database"]["writable"] is True
    after = {f: (f.stat().st_mtime_ns, f.read_bytes()) for f in files if f.exists()}
    assert after == before


@pytest.mark.parametrize("path", ["/", "/state", "/demo/"])
def test_resident_pages_refuse_a_lan_tablet_forwarded_by_a_proxy_on_the_box(client, path):
    # The proxy connects from 127.0.0.1; its forwarding header is what tells the LAN apart.
    assert client.get(path, environ_base=PROXIED).status_code == 403
    assert client.get(path).status_code == 200

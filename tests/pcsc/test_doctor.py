"""`kiosk doctor` on install day, over a real pcscd with the vpcd reader and the virtual card,
against the registration service's simulator over real mutual TLS on loopback."""

from __future__ import annotations

import ssl
import threading

import pytest
from werkzeug.serving import make_server

from kiosk.gateway.service import create_gateway_app
from kiosk.gateway.simulator import SimulatedGateway
from tests.support.nginx_harness import make_certificate
from tests.support.pcsc_harness import READER

pytestmark = pytest.mark.pcsc


@pytest.fixture
def tls_service(tmp_path, pki):
    """The simulated service over HTTPS, asking each kiosk for its client certificate."""
    (tmp_path / "server").mkdir()
    (tmp_path / "client").mkdir()
    server_cert, server_key = make_certificate(tmp_path / "server")
    client_cert, client_key = make_certificate(tmp_path / "client")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(server_cert, server_key)
    context.load_verify_locations(client_cert)
    context.verify_mode = ssl.CERT_REQUIRED
    app = create_gateway_app(SimulatedGateway(tmp_path / "gw.sqlite3", [pki.ca_cert]))
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"https://127.0.0.1:{server.port}", "ca": server_cert, "cert": client_cert, "key": client_key}
    server.shutdown()
    thread.join(timeout=5)


def write_config(path, service, instance, client_cert: bool = True) -> None:
    text = (f'reader = "{READER[:-6]}"\ninstance_path = "{instance}"\ngateway_url = "{service["url"]}"\n'
            f'gateway_ca_bundle = "{service["ca"]}"\n')  # fmt: skip
    if client_cert:
        text += f'gateway_client_cert = "{service["cert"]}"\ngateway_client_key = "{service["key"]}"\n'
    path.write_text(text)


def lines(done) -> dict[str, str]:
    return {line.split(":", 1)[0]: line for line in done.stdout.splitlines() if ":" in line}


def test_doctor_passes_on_a_good_install_and_names_each_fault_with_its_fix(tmp_path, cli, pcscd, vpcd_card,
                                                                          tls_service, instance):  # fmt: skip
    config = tmp_path / "kiosk.toml"
    write_config(config, tls_service, instance)
    card = vpcd_card("hanako")
    done = cli("doctor", "--config", config)
    got = lines(done)
    assert done.exit_code == 0, done.stdout
    assert got["OK   reader"].endswith(f"{READER!r} (key 'reader' = {READER[:-6]!r})")  # the exact name
    assert "answers SELECT" in got["OK   card"]
    assert "over TLS, certificate 'madoguchi-test'" in got["OK   registration service"]
    assert "writable" in got["OK   statistics store"] and "OK   pcscd" in got and "OK   outbox" in got
    assert card.card.pin_presentations() == 0  # never a PIN

    card.stop()  # the card taken out, and the kiosk's client certificate not configured
    pcscd.wait_reader_empty()
    write_config(config, tls_service, instance, client_cert=False)
    done = cli("doctor", "--config", config)
    got = lines(done)
    assert done.exit_code == 1
    assert "no card in" in got["FAIL card"] and "fix: insert a My Number card" in got["FAIL card"]
    service = got["FAIL registration service"]
    assert "TLS refused" in service and "gateway_client_cert" in service

"""The registration service over HTTP: the simulated service as its own process, the kiosk's
client against it and against a misbehaving server, and mutual TLS on loopback."""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from drivers.mynumber import JpkiSession, MyNumberCard, digest_info_sha256
from drivers.virtualcard.inprocess import VirtualReader
from kiosk.gateway import GatewayUnavailableError, RegistrationStatus, signed_payload
from kiosk.gateway.client import HttpGateway, HttpGatewaySettings
from kiosk.visit.registration import inspect_card, prove_and_register
from tests.support.man_in_the_middle import ManInTheMiddle
from tests.support.waiting import wait_until


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "gateway exited")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the gateway did not start")


def write_empty_crl(pki, path) -> None:
    now = dt.datetime.now(dt.UTC)
    crl = (x509.CertificateRevocationListBuilder().issuer_name(pki.ca_cert.subject).last_update(now)
           .next_update(now + dt.timedelta(days=1)).sign(pki.ca_key, hashes.SHA256()))  # fmt: skip
    path.write_bytes(crl.public_bytes(serialization.Encoding.PEM))


@pytest.fixture
def gateway_config(tmp_path, pki_dir, pki):
    instance = tmp_path / "gw"
    instance.mkdir()
    (instance / "virtualcard").symlink_to(pki_dir, target_is_directory=True)
    write_empty_crl(pki, tmp_path / "crl.pem")  # configured CRLs must exist: they fail closed
    config = tmp_path / "gateway.toml"
    config.write_text(
        f'demo = true\ninstance_path = "{instance}"\ngateway_crl_file = "{tmp_path / "crl.pem"}"\n'
        "gateway_nonce_seconds = 2\n"
    )
    return config


def start_gateway(config, *extra: str):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "gateway", "serve", "--port", str(port),
                             "--config", str(config), *extra], stderr=subprocess.PIPE)  # fmt: skip
    wait_port(port, proc)
    return port, proc


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


@pytest.fixture
def gateway_url(gateway_config):
    port, proc = start_gateway(gateway_config)
    yield f"http://127.0.0.1:{port}"
    stop(proc)


def client(url: str, **kw) -> HttpGateway:
    return HttpGateway(HttpGatewaySettings(url=url, **{"backoff": 0.05, **kw}))


def prove(
    make_card, residents, key: str, nonce: bytes, consent_version: str = "v", terminal_id: str = "t"
) -> tuple[bytes, bytes]:
    reader = VirtualReader()
    reader.insert(make_card(key))
    session = JpkiSession(reader.connect())
    certificate = session.read_auth_certificate()
    session.verify_pin(residents[key].pin.encode())
    return certificate, session.sign(digest_info_sha256(signed_payload(nonce, consent_version, terminal_id)))


def register(gw, make_card, residents, key: str, **kw):
    nonce = gw.challenge().nonce
    cert, sig = prove(make_card, residents, key, nonce, "2026-11", "kiosk-01")
    return gw.register(cert, sig, nonce, "2026-11", "kiosk-01", **kw)


def write_crl(pki, path, revoked_cert_der: bytes) -> None:
    cert = x509.load_der_x509_certificate(revoked_cert_der)
    now = dt.datetime.now(dt.UTC)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.ca_cert.subject)
        .last_update(now)
        .next_update(now + dt.timedelta(days=1))
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(cert.serial_number).revocation_date(now).build()
        )
        .sign(pki.ca_key, hashes.SHA256())
    )
    path.write_bytes(crl.public_bytes(serialization.Encoding.PEM))


# -- every status, produced by virtual cards against the service process -------------------
def test_each_status_from_the_simulated_service(gateway_url, gateway_config, make_card, residents, pki):
    gw = client(gateway_url)
    first = register(gw, make_card, residents, "hanako")
    assert first.status == RegistrationStatus.REGISTERED and first.registration_id
    again = register(gw, make_card, residents, "hanako")
    assert (again.status, again.registration_id) == (RegistrationStatus.ALREADY_REGISTERED, first.registration_id)
    assert register(gw, make_card, residents, "kazuko").status == RegistrationStatus.CERTIFICATE_EXPIRED

    ichiro_cert, _ = prove(make_card, residents, "ichiro", b"x")
    write_crl(pki, gateway_config.parent / "crl.pem", ichiro_cert)  # the service reloads it by itself
    assert register(gw, make_card, residents, "ichiro").status == RegistrationStatus.CERTIFICATE_REVOKED

    nonce = gw.challenge().nonce
    cert, sig = prove(make_card, residents, "sachiko", nonce)
    tampered = bytes([sig[0] ^ 0x01]) + sig[1:]
    assert gw.register(cert, tampered, nonce, "v", "t").status == RegistrationStatus.SIGNATURE_INVALID
    replay = gw.register(cert, sig, nonce, "v", "t")  # the nonce was used: single use
    assert replay.status == RegistrationStatus.NONCE_EXPIRED

    stale = gw.challenge().nonce
    cert, sig = prove(make_card, residents, "sachiko", stale)
    time.sleep(2.5)  # gateway_nonce_seconds = 2
    assert gw.register(cert, sig, stale, "v", "t").status == RegistrationStatus.NONCE_EXPIRED


def test_a_retried_request_gets_the_same_answer_and_registers_once(gateway_url, make_card, residents):
    gw = client(gateway_url)
    nonce = gw.challenge().nonce
    cert, sig = prove(make_card, residents, "hanako", nonce)
    a = gw.register(cert, sig, nonce, "v", "t", idempotency_key="retry-key-0001")
    b = gw.register(cert, sig, nonce, "v", "t", idempotency_key="retry-key-0001")
    assert a == b and a.status == RegistrationStatus.REGISTERED
    assert register(gw, make_card, residents, "hanako").status == RegistrationStatus.ALREADY_REGISTERED


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def test_errors_are_json_with_a_code_and_never_a_stack_trace(gateway_url):
    status, body = post(gateway_url + "/v1/registrations", b"{}", {})
    assert status == 400 and body["error"]["code"] == "missing_idempotency_key"
    status, body = post(gateway_url + "/v1/registrations", b"not json", {"Idempotency-Key": "k" * 10})
    assert status == 400 and body["error"]["code"] == "bad_json"
    status, body = post(gateway_url + "/v1/registrations", json.dumps({"name": "山田"}).encode(),
                        {"Idempotency-Key": "k" * 10})  # fmt: skip
    assert status == 400 and body["error"]["code"] == "unexpected_field"  # nothing personal accepted
    status, body = post(gateway_url + "/v1/nowhere", b"{}", {})
    assert status == 404 and "Traceback" not in json.dumps(body)


# -- the client against a misbehaving server ------------------------------------------------
class Misbehaving:
    """A loopback server whose answers the test chooses; counts requests."""

    def __init__(self, handler) -> None:
        self.requests = 0
        self.handler = handler

        @Request.application
        def app(request):
            self.requests += 1
            return self.handler(self, request)

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.mark.parametrize(
    "behaviour, retried",
    [
        (lambda s, r: Response("boom", status=500), True),
        (lambda s, r: (time.sleep(1.5), Response("{}"))[1], True),  # past the read timeout
        (lambda s, r: Response("<html>maintenance</html>", status=200), False),  # not JSON
    ],
    ids=["http-500", "hangs", "not-json"],
)
def test_client_gives_up_cleanly(behaviour, retried):
    server = Misbehaving(behaviour)
    try:
        gw = client(server.url, attempts=3, read_timeout=1)
        with pytest.raises(GatewayUnavailableError):
            gw.challenge()
        assert server.requests == (3 if retried else 1)
    finally:
        server.close()


def test_client_survives_a_closed_connection_and_a_refused_port():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]

    def slam() -> None:
        for _ in range(3):
            conn, _ = listener.accept()
            conn.close()  # closes without an answer

    threading.Thread(target=slam, daemon=True).start()
    with pytest.raises(GatewayUnavailableError):
        client(f"http://127.0.0.1:{port}", attempts=3).challenge()
    listener.close()
    with pytest.raises(GatewayUnavailableError):
        client(f"http://127.0.0.1:{free_port()}", attempts=2).challenge()


def test_a_lost_answer_is_retried_with_the_same_key_and_registers_once(gateway_url, make_card, residents):
    """The service registers, then the answer is lost (500): the retry must not register twice."""
    lost = {"done": False}

    def forward(server, request):
        upstream = urllib.request.Request(gateway_url + request.path, data=request.get_data(), method="POST",
                                          headers={k: v for k, v in request.headers.items()
                                                   if k in ("Content-Type", "Idempotency-Key")})  # fmt: skip
        with urllib.request.urlopen(upstream, timeout=5) as answer:
            body = answer.read()
        if request.path == "/v1/registrations" and not lost["done"]:
            lost["done"] = True
            return Response("upstream answer lost", status=502)
        return Response(body, content_type="application/json")

    proxy = Misbehaving(forward)
    try:
        gw = client(proxy.url)
        result = register(gw, make_card, residents, "hanako")
        assert result.status == RegistrationStatus.REGISTERED  # the first answer, replayed
        assert register(client(gateway_url), make_card, residents, "hanako").status == (
            RegistrationStatus.ALREADY_REGISTERED
        )
    finally:
        proxy.close()


def test_kiosk_shows_the_service_is_not_answering_and_records_it(instance, pki_dir):
    from kiosk import create_app

    server = Misbehaving(lambda s, r: Response("down", status=503))
    app = create_app({"demo": True, "instance_path": str(instance), "secret_key": "t",
                      "gateway_url": server.url, "gateway_attempts": 2})  # fmt: skip
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    app.extensions["kiosk.terminal"].start()
    try:
        terminal, demo, web = app.extensions["kiosk.terminal"], app.extensions["kiosk.demo"], app.test_client()
        demo.insert("hanako")
        wait_until(lambda: terminal.snapshot()["step"] == "consent")
        web.post("/action", data={"action": "agree"})
        web.post("/pin", data={"pin": "1234"})
        wait_until(lambda: terminal.snapshot()["reason"] == "gateway_unavailable", timeout=15)
        html = web.get("/").get_data(as_text=True)
        assert 'data-reason="gateway_unavailable"' in html
        demo.remove()
        wait_until(lambda: len(list(terminal.stats.events())) == 1)
        (event,) = list(terminal.stats.events())
        assert event["reason"] == "gateway_unavailable" and event["outcome"] == "not_completed"
    finally:
        app.extensions["kiosk.terminal"].stop()
        server.close()


def test_a_service_that_cannot_be_reached_is_said_before_the_pin(instance, pki_dir):
    import socket

    from kiosk import create_app

    with socket.socket() as s:  # a port nobody listens on: the service is down
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app({"demo": True, "instance_path": str(instance), "secret_key": "t",
                      "gateway_url": f"http://127.0.0.1:{port}", "gateway_attempts": 1})  # fmt: skip
    app.extensions["kiosk.terminal"].start()  # the app factory only configures
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=False)
    try:
        terminal, demo, web = app.extensions["kiosk.terminal"], app.extensions["kiosk.demo"], app.test_client()
        demo.insert("hanako")
        wait_until(lambda: terminal.snapshot()["step"] == "error", timeout=15)
        html = web.get("/").get_data(as_text=True)
        assert 'data-reason="gateway_unavailable"' in html and "data-key=" not in html
        assert "data-action=\"agree\"" not in html
    finally:
        app.extensions["kiosk.terminal"].stop()


# -- mutual TLS -------------------------------------------------------------------------------
def _cert(subject: str, key, issuer_cert=None, issuer_key=None, ca=False, ip=None):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder().subject_name(name)
        .issuer_name(issuer_cert.subject if issuer_cert else name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )  # fmt: skip
    if ip:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]),
                                        critical=False)  # fmt: skip
    return builder.sign(issuer_key or key, hashes.SHA256())


def _write(path, cert, key) -> None:
    path.with_suffix(".crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    path.with_suffix(".key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))  # fmt: skip


@pytest.fixture
def tls(tmp_path):
    """A test CA, the service's certificate for 127.0.0.1 and a kiosk's client certificate."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("test tls ca", ca_key, ca=True)
    server_key, client_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    _write(tmp_path / "ca", ca, ca_key)
    _write(tmp_path / "server", _cert("gateway", server_key, ca, ca_key, ip="127.0.0.1"), server_key)
    _write(tmp_path / "client", _cert("kiosk-01", client_key, ca, ca_key), client_key)
    return tmp_path


def start_tls_gateway(config, tls):
    return start_gateway(config, "--tls-cert", str(tls / "server.crt"), "--tls-key", str(tls / "server.key"),
                         "--client-ca", str(tls / "ca.crt"))  # fmt: skip


def test_mutual_tls_on_loopback(tls, gateway_config):
    port, proc = start_tls_gateway(gateway_config, tls)
    try:
        url = f"https://127.0.0.1:{port}"
        good = client(url, ca_bundle=str(tls / "ca.crt"), client_cert=str(tls / "client.crt"),
                      client_key=str(tls / "client.key"))  # fmt: skip
        assert len(good.challenge().nonce) == 32
        with pytest.raises(GatewayUnavailableError):
            client(url, ca_bundle=str(tls / "ca.crt"), attempts=1).challenge()  # no client certificate
        with pytest.raises(GatewayUnavailableError, match="not trusted"):
            client(url, attempts=1).challenge()  # the service's certificate is not in the system store
    finally:
        stop(proc)


def test_https_runs_on_a_production_server_that_stops_cleanly_on_sigterm(tls, gateway_config):
    port, proc = start_tls_gateway(gateway_config, tls)
    context = ssl.create_default_context(cafile=str(tls / "ca.crt"))
    context.load_cert_chain(str(tls / "client.crt"), str(tls / "client.key"))

    def challenge() -> tuple[int, str]:
        request = urllib.request.Request(f"https://127.0.0.1:{port}/v1/challenges", data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            assert len(base64.b64decode(json.load(response)["nonce"])) == 32
            return response.status, response.headers.get("Server", "")

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:  # several kiosks at once, each with its certificate
            answers = list(pool.map(lambda _: challenge(), range(16)))
        assert {status for status, _ in answers} == {201}
        assert not any("werkzeug" in server.lower() for _, server in answers), answers[0]
        idle = socket.create_connection(("127.0.0.1", port))  # a kiosk's connection left open
        started = time.monotonic()
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert time.monotonic() - started < 5  # a 2 s grace for in-flight requests, then gone
        assert "Traceback" not in proc.stderr.read().decode()
        idle.close()
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()  # nothing left listening
    finally:
        stop(proc)


def kiosk_registers(gw, make_card, residents, key: str):
    """The kiosk's own card steps and registration (the terminal's path) against ``gw``."""
    reader = VirtualReader()
    reader.insert(make_card(key))
    in_hand = inspect_card(MyNumberCard(reader.connect()), b"k" * 32, 90)
    pin = bytearray(residents[key].pin.encode())
    return prove_and_register(in_hand, pin, 3, gw, "2026-11", "kiosk-01").result


@pytest.mark.parametrize("changed", [{"consent_version": "2020-01"}, {"terminal_id": "kiosk-99"}])
def test_a_consent_version_or_terminal_id_changed_in_transit_is_refused(gateway_url, make_card, residents, changed):
    """The card signs the nonce, consent version and terminal id together: a man in the middle
    who changes one of them gets signature_invalid and nothing is registered."""
    gw = client(gateway_url)
    assert kiosk_registers(ManInTheMiddle(gw, **changed), make_card, residents, "hanako").status == (
        RegistrationStatus.SIGNATURE_INVALID
    )
    assert kiosk_registers(gw, make_card, residents, "hanako").status == RegistrationStatus.REGISTERED


def test_the_same_idempotency_key_with_another_body_is_refused(gateway_url, make_card, residents):
    gw = client(gateway_url)
    nonce = gw.challenge().nonce
    cert, sig = prove(make_card, residents, "hanako", nonce, "2026-11", "kiosk-01")
    fields = {"certificate": base64.b64encode(cert).decode(), "signature": base64.b64encode(sig).decode(),
              "nonce": base64.b64encode(nonce).decode(), "consent_version": "2026-11", "terminal_id": "kiosk-01"}
    headers = {"Idempotency-Key": "bound-key-0001"}
    status, first = post(gateway_url + "/v1/registrations", json.dumps(fields).encode(), headers)
    assert status == 200 and first["status"] == "registered"
    other = {**fields, "terminal_id": "kiosk-99"}
    status, body = post(gateway_url + "/v1/registrations", json.dumps(other).encode(), headers)
    assert status == 422 and body["error"]["code"] == "idempotency_key_reused"
    status, again = post(gateway_url + "/v1/registrations", json.dumps(fields).encode(), headers)
    assert status == 200 and again == first  # the true retry still gets its first answer


def test_the_service_refuses_to_start_on_a_crl_it_cannot_trust(gateway_config):
    (gateway_config.parent / "crl.pem").write_text("not a CRL")
    done = subprocess.run([sys.executable, "-m", "kiosk", "gateway", "serve", "--port", str(free_port()),
                           "--config", str(gateway_config)], capture_output=True, text=True, timeout=30)  # fmt: skip
    assert done.returncode != 0
    (line,) = done.stderr.strip().splitlines()
    assert "gateway_crl_file" in line and "not a PEM CRL" in line

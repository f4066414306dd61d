"""Fixtures that build the world: a test CA, demo residents, a kiosk app, a real pcscd."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.virtualcard.pki import VirtualPki
from drivers.virtualcard.residents import load_residents
from tests.support.auth import AuthActions
from tests.support.pcsc_harness import PcscDaemon
from tests.support.serving import serving
from tests.support.waiting import wait_until


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pki")


@pytest.fixture(scope="session")
def pki(pki_dir) -> VirtualPki:
    return VirtualPki(pki_dir)


@pytest.fixture(scope="session")
def residents():
    return load_residents()


@pytest.fixture
def make_card(pki, residents):
    def make(key: str, quirks: frozenset[str] = frozenset()):
        return residents[key].make_card(pki, quirks)

    return make


@pytest.fixture
def cli():
    """The `kiosk` command run in this process: ``cli("stats", "verify", "--config", path)``.

    Returns click's Result (exit_code, stdout, stderr). Unexpected exceptions propagate, so a
    crash shows its traceback instead of passing as a non-zero exit."""
    from click.testing import CliRunner

    from kiosk.cli import main

    runner = CliRunner()

    def invoke(*args: object, input: str | None = None):
        return runner.invoke(main, [str(arg) for arg in args], input=input, catch_exceptions=False)

    return invoke


@pytest.fixture(scope="session")
def postgres():
    from tests.support.pg_harness import PostgresServer

    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def instance(tmp_path, pki_dir) -> Path:
    """An instance folder whose virtual-card CA is the session's test CA (keys made once)."""
    path = tmp_path / "instance"
    (path).mkdir()
    (path / "virtualcard").symlink_to(pki_dir, target_is_directory=True)
    return path


@pytest.fixture
def make_app(instance):
    """Demo-mode kiosks with test timings; a test module may override ``app`` with its own."""
    from kiosk import create_app

    apps = []

    def make(**overrides):
        settings = {"demo": True, "instance_path": str(instance), "secret_key": "test", "error_return_seconds": 2,
                    "card_reminder_seconds": 3, **overrides}  # fmt: skip
        app = create_app(settings)
        app.config["TESTING"] = True
        app.extensions["kiosk.terminal"].start()  # as `kiosk serve` does: the factory only configures
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["kiosk.terminal"].stop()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app.test_client()


@pytest.fixture
def auth(client) -> AuthActions:
    """``auth.staff_login()``, ``auth.manager_login()``, ``auth.logout()`` on the ``client``."""
    return AuthActions(client)


@pytest.fixture
def terminal(app):
    return app.extensions["kiosk.terminal"]


@pytest.fixture
def demo(app):
    return app.extensions["kiosk.demo"]


@pytest.fixture(scope="session")
def pcscd() -> Iterator[PcscDaemon]:
    daemon = PcscDaemon().start()
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture
def vpcd_card(pcscd, make_card):
    """Insert a resident's virtual card into pcscd's vpcd reader; removed at the end."""
    from drivers.virtualcard.vpcd import VpcdBridge

    bridges: list[VpcdBridge] = []

    def insert(key: str, quirks: frozenset[str] = frozenset(), pull_after: int | None = None) -> VpcdBridge:
        pcscd.wait_reader_empty()  # pcscd notices a removal a few hundred ms late
        bridge = VpcdBridge(make_card(key, quirks), "127.0.0.1", pcscd.port, pull_after).start()
        bridges.append(bridge)
        pcscd.wait_reader("card_present")  # so the caller's first command finds the card
        return bridge

    yield insert
    for bridge in bridges:
        bridge.stop()


@pytest.fixture
def make_pcsc_app(pcscd, make_app, pki):
    """The kiosk as `kiosk serve` runs it: on the PC/SC reader named in the config (with the
    simulated service trusting the test CA, named as production would name its CAs)."""
    from tests.support.pcsc_harness import READER

    def make(**overrides):
        app = make_app(**{"demo": False, "reader": READER, "ca_certs": [str(pki.ca_path)], **overrides})
        app.config["WTF_CSRF_ENABLED"] = False
        terminal = app.extensions["kiosk.terminal"]
        if overrides.get("reader", READER) == READER:
            wait_until(lambda: terminal.snapshot()["reader"] == "empty", what="the kiosk to see the empty reader")
        return app

    return make


@pytest.fixture
def listeners(app):
    """The app served as `kiosk demo` serves it: the resident and the staff listener."""
    with serving(app) as started:
        yield started


@pytest.fixture
def live_server(listeners) -> str:
    """The resident listener's base URL (resident and demo pages, /healthz)."""
    return f"http://{listeners.resident_address}"


@pytest.fixture
def live_staff(listeners) -> str:
    """The staff listener's base URL (staff and manager pages, /healthz), plain HTTP on loopback."""
    return f"http://{listeners.staff_address}"

"""Production never runs the simulator: `kiosk serve` needs an https:// registration service,
the test CA is only ever made in demo, and /healthz names the kind of service."""

from __future__ import annotations

import pytest

from kiosk import composition
from kiosk import settings as config


@pytest.fixture(autouse=True)
def no_listening(monkeypatch):
    """Were `kiosk serve` to start, the test fails instead of serving forever."""
    import kiosk.cli

    def serve(app, host, port):
        raise AssertionError("kiosk serve started")

    monkeypatch.setattr(kiosk.cli, "_serve", serve)


def write_config(tmp_path, extra: str = "") -> tuple:
    instance = tmp_path / "instance"
    path = tmp_path / "kiosk.toml"
    path.write_text(f'reader = "SONY RC-S380"\ninstance_path = "{instance}"\n{extra}')
    return path, instance


def test_serve_without_a_gateway_url_refuses_to_start_and_makes_no_test_keys(tmp_path, cli):
    path, instance = write_config(tmp_path)
    done = cli("serve", "--config", path)
    assert done.exit_code != 0
    (line,) = done.stderr.strip().splitlines()
    assert "gateway_url" in line and "https://" in line
    assert not (instance / "virtualcard").exists()  # no test CA private key in production


def test_serve_with_the_simulator_and_named_cas_still_refuses(tmp_path, cli, pki):
    path, instance = write_config(tmp_path, f'ca_certs = ["{pki.ca_path}"]\n')
    done = cli("serve", "--config", path)
    assert done.exit_code != 0
    (line,) = done.stderr.strip().splitlines()
    assert "gateway_url" in line and "https://" in line


@pytest.mark.parametrize("url", ["http://relay.example.jp/api", "ftp://relay.example.jp", "relay.example.jp"])
def test_a_registration_service_not_over_https_is_refused(tmp_path, url):
    path, _ = write_config(tmp_path, f'gateway_url = "{url}"\n')
    with pytest.raises(config.ConfigError, match="key 'gateway_url' must be an https:// URL"):
        config.load(path)


def test_outside_demo_no_test_ca_is_ever_created(tmp_path):
    settings = config.validate({"reader": "X", "instance_path": str(tmp_path / "instance")})
    with pytest.raises(config.ConfigError, match="gateway_url"):
        composition.registration_service(settings)
    assert not (tmp_path / "instance" / "virtualcard").exists()


def test_healthz_names_the_kind_of_registration_service(client):
    assert client.get("/healthz").get_json()["gateway"]["kind"] == "simulator"


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/", "https://relay.example.jp/"])
def test_healthz_kind_is_the_services_own_scheme_not_assumed(url):
    from kiosk.gateway.client import HttpGateway, HttpGatewaySettings
    from kiosk.web.health import gateway_kind

    assert gateway_kind(HttpGateway(HttpGatewaySettings(url))) == url.split(":")[0]

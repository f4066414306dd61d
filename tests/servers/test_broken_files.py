"""A damaged statistics file or residents file stops the kiosk and its commands with one line
that names the file and says what to do: never a traceback, never a new empty chain in its place."""

from __future__ import annotations

import pytest


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text(f'demo = true\ninstance_path = "{tmp_path}"\nsecret_key = "test"\n')
    return path


@pytest.mark.parametrize(
    "damage", [b"not a database" * 200, b"SQLite format 3\x00" + b"\x01" * 50], ids=["garbage", "truncated"]
)
@pytest.mark.parametrize("command", [("stats", "verify"), ("demo", "--port", "0")])
def test_a_damaged_statistics_file_stops_with_one_line(tmp_path, config, cli, damage, command):
    store_file = tmp_path / "stats.sqlite3"
    store_file.write_bytes(damage)
    done = cli(*command, "--config", config)
    assert done.exit_code != 0
    (line,) = done.stderr.strip().splitlines()
    assert str(store_file) in line and "damaged" in line and "backup" in line
    assert store_file.read_bytes() == damage  # left as found, for the backup and the inquiry


@pytest.mark.parametrize("content", [b"[resident.x\nbirth_date = ", None, b"# nobody yet\n"],
                         ids=["garbage", "missing", "empty"])  # fmt: skip
def test_a_broken_residents_file_stops_the_demo_with_one_line(tmp_path, cli, content):
    residents = tmp_path / "residents.toml"
    if content is not None:
        residents.write_bytes(content)
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'demo = true\ninstance_path = "{tmp_path}"\nsecret_key = "test"\nresidents_file = "{residents}"\n'
    )
    done = cli("demo", "--port", "0", "--config", config)
    assert done.exit_code != 0
    (line,) = done.stderr.strip().splitlines()
    assert str(residents) in line and "residents file" in line
    assert "restore it" in line if content is None or b"[" in content else "add at least one" in line



# -- certificates, keys and CRLs --------------------------------------------------------------
@pytest.fixture(scope="module")
def good_pem(tmp_path_factory) -> dict[str, bytes]:
    """A CA certificate, its key and an empty CRL it signed: good files, damaged one at a time."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # RSA: the demo's test CA is RSA
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "broken-files test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=9))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))  # fmt: skip
    crl = (x509.CertificateRevocationListBuilder().issuer_name(name).last_update(now)
           .next_update(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))  # fmt: skip
    return {
        "cert": cert.public_bytes(serialization.Encoding.PEM),
        "key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()),  # fmt: skip
        "crl": crl.public_bytes(serialization.Encoding.PEM),
    }


DAMAGE = {
    "garbage": lambda data: b"\x00\xff garbage " * 40,
    "truncated": lambda data: data[: len(data) // 2],
    "empty": lambda data: b"",
}


def write_files(folder, good_pem, files: dict[str, str], damaged: str, how: str):
    """``files``: file name -> kind of good content; the file ``damaged`` is spoilt ``how``."""
    for file_name, kind in files.items():
        data = good_pem[kind]
        (folder / file_name).write_bytes(DAMAGE[how](data) if file_name == damaged else data)
    return folder / damaged


def assert_one_line_naming(stderr: str, exit_code: int, path, setting: str) -> None:
    assert exit_code != 0
    assert "Traceback" not in stderr
    (line,) = stderr.strip().splitlines()
    assert line.startswith("kiosk: ") and str(path) in line and setting in line and "restore" in line


SERVE_FILES = {"ca.pem": "cert", "client.pem": "cert", "client.key": "key"}


@pytest.mark.parametrize("how", DAMAGE)
@pytest.mark.parametrize(("damaged", "key"), [("ca.pem", "gateway_ca_bundle"), ("client.pem", "gateway_client_cert"),
                                              ("client.key", "gateway_client_key")])  # fmt: skip
def test_a_damaged_tls_file_stops_kiosk_serve_with_one_line(tmp_path, cli, good_pem, damaged, key, how):
    path = write_files(tmp_path, good_pem, SERVE_FILES, damaged, how)
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'reader = "Some Reader 00 00"\ninstance_path = "{tmp_path / "instance"}"\nsecret_key = "test"\n'
        'gateway_url = "https://127.0.0.1:9/"\ngateway_ca_bundle = "ca.pem"\n'
        'gateway_client_cert = "client.pem"\ngateway_client_key = "client.key"\n'
    )
    done = cli("serve", "--config", config)
    assert_one_line_naming(done.stderr, done.exit_code, path, key)


GATEWAY_FILES = {"ca.pem": "cert", "crl.pem": "crl", "tls.pem": "cert", "tls.key": "key", "client-ca.pem": "cert"}


# A process each (a regression would serve, so in-process it would hang): one file per kind of
# setting, the kinds of damage spread over them (every kind is met in-process above, through the
# same checks in kiosk/gateway/trust_files.py; the certificate beside --tls-key is read the same way).
@pytest.mark.parametrize(("damaged", "setting", "how"), [
    ("ca.pem", "ca_certs", "truncated"), ("tls.key", "--tls-key", "garbage"), ("client-ca.pem", "--client-ca", "empty"),
    ("crl.pem", "gateway_crl_file", "truncated"),
])  # fmt: skip
def test_a_damaged_file_stops_kiosk_gateway_serve_with_one_line(tmp_path, good_pem, damaged, setting, how):
    import subprocess
    import sys

    path = write_files(tmp_path, good_pem, GATEWAY_FILES, damaged, how)
    config = tmp_path / "gateway.toml"
    config.write_text(f'reader = "x"\ninstance_path = "{tmp_path / "gw"}"\nca_certs = ["ca.pem"]\n'
                      'gateway_crl_file = "crl.pem"\n')  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "kiosk", "gateway", "serve", "--port", "0", "--config", str(config),
                           "--tls-cert", str(tmp_path / "tls.pem"), "--tls-key", str(tmp_path / "tls.key"),
                           "--client-ca", str(tmp_path / "client-ca.pem")],
                          capture_output=True, text=True, timeout=30)  # fmt: skip
    assert_one_line_naming(done.stderr, done.returncode, path, setting)


@pytest.mark.parametrize("how", DAMAGE)
@pytest.mark.parametrize("damaged", ["test-ca.pem", "test-ca.key"])
def test_a_damaged_demo_test_ca_stops_the_demo_with_one_line(tmp_path, config, cli, good_pem, damaged, how):
    folder = tmp_path / "virtualcard"
    folder.mkdir()
    path = write_files(folder, good_pem, {"test-ca.pem": "cert", "test-ca.key": "key"}, damaged, how)
    done = cli("demo", "--port", "0", "--config", config)
    assert done.exit_code != 0 and "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert str(path) in line and "test CA" in line and "move the virtualcard folder aside" in line

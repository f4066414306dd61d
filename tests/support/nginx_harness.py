"""Debian's nginx as the kiosk's TLS front, on 127.0.0.1 with its own prefix, config (rendered
from deploy/) and a certificate made for the test; stopped by its PID."""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import shutil
import socket
import ssl
import subprocess
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.waiting import wait_until

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "madoguchi-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NginxFront:
    def __init__(self, prefix: Path, upstream: str) -> None:
        self.prefix, self.upstream = prefix, upstream
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> NginxFront:
        (self.prefix / "logs").mkdir(parents=True, exist_ok=True)
        self.cert, key = make_certificate(self.prefix)
        proxy = self.prefix / "proxy.conf"
        proxy.write_text((DEPLOY / "nginx-madoguchi-proxy.conf").read_text().replace("@UPSTREAM@", self.upstream))
        site = (DEPLOY / "nginx-madoguchi.conf").read_text()
        for marker, value in {"@LISTEN@": f"127.0.0.1:{self.port}", "@CERT@": str(self.cert), "@KEY@": str(key),
                              "@PROXY@": str(proxy)}.items():  # fmt: skip
            site = site.replace(marker, value)
        (self.prefix / "site.conf").write_text(site)
        (self.prefix / "nginx.conf").write_text(
            f"daemon off;\nmaster_process off;\npid {self.prefix}/nginx.pid;\nerror_log {self.prefix}/logs/error.log;\n"
            "events { worker_connections 64; }\n"
            f"http {{ access_log off; client_body_temp_path {self.prefix}/body; proxy_temp_path {self.prefix}/proxy;\n"
            f"  include {self.prefix}/site.conf; }}\n"
        )
        self.process = subprocess.Popen([NGINX, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf")],
                                        stderr=subprocess.PIPE)  # fmt: skip
        wait_until(self._listening, what="nginx listening")
        return self

    def _listening(self) -> bool:
        assert self.process is not None and self.process.poll() is None, self.process.stderr.read().decode()
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def request(self, method: str, path: str, body: str | None = None, cookie: str | None = None):
        """One HTTPS request trusting only the test's certificate: (status, headers, text)."""
        context = ssl.create_default_context(cafile=str(self.cert))
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=context, timeout=30)
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
        if cookie:
            headers["Cookie"] = cookie
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        result = response.status, response.headers, response.read().decode()
        connection.close()
        return result

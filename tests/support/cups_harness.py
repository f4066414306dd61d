"""A private cupsd for tests: its own ServerRoot, spool and logs under a temporary folder,
listening on 127.0.0.1 only, with a queue that writes each job as a PDF file. Nothing of the
machine's CUPS (/etc/cups, /var/spool/cups, port 631) is read or touched."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

CUPSD = "/usr/sbin/cupsd"
PDF_PPD = "/usr/share/ppd/cupsfilters/Generic-PDF_Printer-PDF.ppd"  # cups-filters: PDF in, PDF out

CUPSD_CONF = """Listen 127.0.0.1:{port}
Browsing No
LogLevel warn
DefaultAuthType None
<Location />
  Order allow,deny
  Allow all
</Location>
<Location /admin>
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""

# FileDevice Yes allows the file:///… device URI that turns the queue into a PDF writer.
CUPS_FILES_CONF = """FileDevice Yes
ServerRoot {root}/conf
RequestRoot {root}/spool
CacheDir {root}/cache
StateDir {root}/state
TempDir {root}/tmp
ErrorLog {root}/log/error_log
AccessLog {root}/log/access_log
PageLog {root}/log/page_log
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateCups:
    def __init__(self, root: Path):
        self.root = root
        self.port = _free_port()
        self.server = f"127.0.0.1:{self.port}"
        self.out = root / "out"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        for name in ("conf", "spool", "cache", "state", "tmp", "log", "out"):
            (self.root / name).mkdir(parents=True, exist_ok=True)
        # The filters run as an unprivileged user: they must reach the temp and output folders
        # (whatever the test process's umask; the kiosk sets 0077 for its own files).
        os.chmod(self.root, 0o755)
        os.chmod(self.root / "tmp", 0o1777)
        os.chmod(self.out, 0o777)
        (self.root / "conf" / "cupsd.conf").write_text(CUPSD_CONF.format(port=self.port))
        (self.root / "conf" / "cups-files.conf").write_text(CUPS_FILES_CONF.format(root=self.root))
        conf = self.root / "conf"
        self.process = subprocess.Popen(
            [CUPSD, "-f", "-c", str(conf / "cupsd.conf"), "-s", str(conf / "cups-files.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while subprocess.run(["lpstat", "-h", self.server, "-r"], capture_output=True).returncode != 0:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"cupsd did not start: {self.log()}")
            time.sleep(0.1)

    def add_pdf_queue(self, name: str) -> Path:
        """A queue whose jobs land, as PDF, in out/<name>.pdf (each job replaces the last)."""
        target = self.out / f"{name}.pdf"
        command = ["lpadmin", "-h", self.server, "-p", name, "-v", f"file://{target}", "-P", PDF_PPD, "-E"]
        for attempt in range(5):  # a freshly started cupsd may still refuse admin requests for a moment
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode == 0:
                return target
            time.sleep(0.5 * (attempt + 1))
        raise RuntimeError(f"lpadmin failed: {done.stderr.strip()} {self.log()}")

    def wait_for_pdf(self, target: Path, timeout: float = 20.0) -> Path:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = subprocess.run(["lpstat", "-h", self.server, "-o"], capture_output=True, text=True).stdout
            if target.exists() and target.stat().st_size > 0 and not done.strip():
                return target
            time.sleep(0.2)
        raise AssertionError(f"no PDF at {target}: {self.log()}")

    def log(self) -> str:
        path = self.root / "log" / "error_log"
        return path.read_text()[-2000:] if path.exists() else "(no log)"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout

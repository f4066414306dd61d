"""`kiosk demo` as a real process on a loopback port: visits driven through the demo panel as a
trainer would, killed with SIGKILL (a power cut) or stopped, always by its own PID."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests.support.waiting import wait_until


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class KioskProcess:
    def __init__(self, config: Path, log: Path) -> None:
        self.config = config
        self.log = log
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def start(self, timeout: float = 20.0) -> KioskProcess:
        cmd = [sys.executable, "-c", "from kiosk.cli import main; main()", "demo", "--config", str(self.config),
               "--port", str(self.port), "--staff-port", "0"]  # fmt: skip
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).parents[2])
        wait_until(self._answers, timeout, what=f"the kiosk on port {self.port} (log: {self.log})")
        return self

    def _answers(self) -> bool:
        assert self.proc is not None and self.proc.poll() is None, self.log.read_text()[-3000:]
        try:
            return self.get("/state")[0] == 200
        except OSError:
            return False

    def get(self, path: str) -> tuple[int, dict | str]:
        try:
            with self.opener.open(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
                body = r.read().decode()
                status = r.status
        except urllib.error.HTTPError as e:
            body, status = e.read().decode(), e.code
        return status, json.loads(body) if body.startswith("{") else body

    def post(self, path: str, **form: str) -> int:
        _, page = self.get("/demo/")
        form["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode(form).encode()
        with self.opener.open(f"http://127.0.0.1:{self.port}{path}", data=data, timeout=5) as r:
            return r.status

    def step(self) -> str:
        return self.get("/state")[1]["step"]

    def health(self) -> dict:
        return self.get("/healthz")[1]

    def finish_visits(self, count: int) -> None:
        """``count`` residents put a card in and take it out at the consent screen: each visit
        ends (not completed), and its screen changes only once the visit is on disk."""
        for _ in range(count):
            self.post("/demo/insert", resident="hanako")
            wait_until(lambda: self.step() == "consent", what="the consent screen")
            self.post("/demo/remove")
            wait_until(lambda: self.step() != "consent", what="the screen after the visit")

    def kill(self) -> None:
        """SIGKILL: nothing runs after it, as with a power cut."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None

    def wait_delivered(self, timeout: float = 20.0) -> None:
        wait_until(lambda: self.health()["database"]["pending_events"] == 0, timeout, what="the outbox delivered")

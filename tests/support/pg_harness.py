"""A throwaway PostgreSQL server on a loopback port for the statistics tests, stopped by PID.

Debian's postgresql binaries, a fresh cluster in a temporary folder owned by the 'postgres'
user (the server refuses to run as root), trust authentication on 127.0.0.1 only.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run the README's test command (it installs postgresql)")
    return found[-1]


def _as_postgres(args: list[str], **kw) -> subprocess.Popen | subprocess.CompletedProcess:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(prefix + args, check=True, capture_output=True, **kw)


class PostgresServer:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> PostgresServer:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        data = self.dir / "data"
        _as_postgres([_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                      "--locale=C.UTF-8"])  # fmt: skip
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        return self._launch()

    def _launch(self) -> PostgresServer:
        data = self.dir / "data"
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        log = open(self.dir / "server.log", "ab")
        self.proc = subprocess.Popen(
            prefix + [_bin("postgres"), "-D", str(data), "-p", str(self.port), "-k", str(self.dir),
                      "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError((self.dir / "server.log").read_text()[-2000:])
            ready = subprocess.run([_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)], capture_output=True)
            if ready.returncode == 0:
                return self
            time.sleep(0.2)
        raise RuntimeError("PostgreSQL did not start within 30 s")

    def new_database(self) -> str:
        """A fresh, empty database; its SQLAlchemy URL."""
        name = "kiosk_" + uuid.uuid4().hex[:12]
        subprocess.run([_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
                       check=True, capture_output=True)  # fmt: skip
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def pids(self) -> list[int]:
        """The postmaster and its backends (to pause the server outright with SIGSTOP)."""
        master = int((self.dir / "data" / "postmaster.pid").read_text().split()[0])
        children = []
        for proc in Path("/proc").iterdir():
            try:
                if proc.name.isdigit() and int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1]) == master:
                    children.append(int(proc.name))
            except (OSError, IndexError, ValueError):
                continue
        return [master, *children]

    def pause(self) -> None:
        for pid in self.pids():
            os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        for pid in [*self.pids(), self.proc.pid]:
            os.kill(pid, signal.SIGCONT)

    def halt(self) -> None:
        """Shut the server down, keeping its data for ``start_again`` (a server that went away)."""
        self._shutdown()

    def start_again(self) -> PostgresServer:
        return self._launch()

    def _shutdown(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            # postgres runs as its own user: signal the runuser wrapper's child by PID file.
            pid_file = self.dir / "data" / "postmaster.pid"
            pid = int(pid_file.read_text().split()[0]) if pid_file.exists() else self.proc.pid
            os.kill(pid, signal.SIGINT)  # fast shutdown
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None

    def stop(self) -> None:
        self._shutdown()
        shutil.rmtree(self.dir, ignore_errors=True)

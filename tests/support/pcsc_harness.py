"""Start a real pcscd with vsmartcard's vpcd on a free loopback port, and stop it by PID."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
READER = "Virtual PCD 00 00"


def _free_port_pair() -> int:
    """A port P with P+1 also free: vpcd opens one slot per port (00 00 and 00 01)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port >= 65535:
            continue
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("0.0.0.0", port))
                b.bind(("0.0.0.0", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port pair for vpcd")


PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")


def pcscd_answering(socket_path: Path = PCSCD_SOCKET) -> bool:
    """Whether a pcscd (or systemd's pcscd.socket) already listens where our clients would look.

    Asked of the socket, not of the process list: socket activation listens with no pcscd
    running, and a container that shares /proc sees other machines' daemons."""
    if not socket_path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        try:
            s.connect(str(socket_path))
        except OSError:
            return False  # a stale socket file: pcscd replaces it
    return True


class PcscDaemon:
    """One pcscd in the foreground whose only reader driver is vpcd on ``self.port``."""

    def __init__(self) -> None:
        self.port = 0
        self.proc: subprocess.Popen | None = None
        workdir = Path(tempfile.mkdtemp(prefix="kiosk-pcscd-"))
        # pcscd reads every file in its config folder: the log must live elsewhere.
        self.confdir = workdir / "reader.conf.d"
        self.confdir.mkdir()
        self.log = workdir / "pcscd.log"

    def start(self, port: int | None = None) -> PcscDaemon:
        if not Path(VPCD_DRIVER).exists() or shutil.which("pcscd") is None:
            raise RuntimeError("pcscd and vsmartcard-vpcd are not installed (see README: the test command)")
        if pcscd_answering():
            raise RuntimeError(
                f"a pcscd already answers on {PCSCD_SOCKET} (systemd's pcscd.socket?): run the tests with "
                "scripts/run-tests.sh, which gives them a private /run/pcscd, or stop pcscd first"
            )
        self.port = port or _free_port_pair()
        (self.confdir / "vpcd").write_text(
            f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:0x{self.port:X}\n'
            f"LIBPATH {VPCD_DRIVER}\nCHANNELID 0x{self.port:X}\n"
        )
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                ["pcscd", "--foreground", "--config", str(self.confdir)], stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 15.0) -> None:
        from drivers.pcsc import list_readers

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"pcscd exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                if READER in list_readers():
                    return
            except Exception:
                pass
            time.sleep(0.1)
        log_tail = self.log.read_text(errors="replace")[-1500:]
        raise RuntimeError(f"pcscd did not list {READER!r} within {timeout}s: {log_tail}")

    def wait_reader(self, wanted: str, timeout: float = 10.0) -> None:
        """Wait until pcscd reports the reader as ``wanted`` ('empty' or 'card_present')."""
        from drivers.pcsc import PcscReader
        from drivers.reader import ReaderStatus

        reader = PcscReader(READER)
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if reader.wait_for_change(0.2) == ReaderStatus(wanted):
                    return
            raise RuntimeError(f"{READER} did not become {wanted}")
        finally:
            reader.close()

    def wait_reader_empty(self, timeout: float = 10.0) -> None:
        self.wait_reader("empty", timeout)

    def stop(self) -> None:
        if self.proc is None:
            return
        pid = self.proc.pid
        if self.proc.poll() is None:
            os.kill(pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.proc = None

    def kill(self) -> None:
        """SIGKILL, as a crash would: no clean-up of its socket or PID file."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()  # new ports: the old ones are in TIME_WAIT

"""systemd's watchdog over a real unix datagram socket as $NOTIFY_SOCKET: READY=1 once the kiosk
listens, WATCHDOG=1 pings while the card worker turns, and no more pings once it hangs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from kiosk.watchdog import Notifier, Watchdog
from tests.support.terminal import settings


@pytest.fixture
def notify_socket(tmp_path):
    """What systemd listens on: a unix datagram socket; ``receive(timeout)`` gives each message."""
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))

    def receive(timeout: float) -> str | None:
        sock.settimeout(timeout)
        try:
            return sock.recv(4096).decode()
        except TimeoutError:
            return None

    yield path, receive
    sock.close()


def messages_within(receive, seconds: float) -> list[str]:
    got, deadline = [], time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if (message := receive(left)) is not None:
            got.append(message)
    return got


def test_the_pings_stop_when_the_card_worker_hangs(kiosk, notify_socket):
    path, receive = notify_socket
    terminal, _reader = kiosk(settings=settings())
    notifier = Notifier({"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "200000"})  # as systemd sets them
    watchdog = Watchdog(terminal, notifier, stuck_after=0.5)
    watchdog.ready()
    try:
        assert receive(5) == "READY=1"
        assert messages_within(receive, 0.6).count("WATCHDOG=1") >= 3  # every 0.1 s: half of WatchdogSec

        release = threading.Event()
        terminal.worker.submit(lambda: release.wait(30))  # a reader driver call that never returns
        time.sleep(0.8)  # past stuck_after
        messages_within(receive, 0.2)  # pings sent before the watchdog saw the hang
        assert messages_within(receive, 0.8) == []  # no ping: systemd restarts the kiosk
        release.set()
        assert "WATCHDOG=1" in messages_within(receive, 0.6)  # it turns again: the pings resume
    finally:
        release.set()
        watchdog.stop()
    assert messages_within(receive, 0.5)[-1:] == ["STOPPING=1"]


def test_kiosk_demo_tells_systemd_it_is_ready_and_pings(tmp_path, notify_socket):
    path, receive = notify_socket
    config = tmp_path / "kiosk.toml"
    config.write_text(f'demo = true\ninstance_path = "{tmp_path / "instance"}"\nsecret_key = "test"\n')
    env = {**os.environ, "NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "400000"}
    command = [sys.executable, "-m", "kiosk", "demo", "--port", "0", "--staff-port", "0", "--config", str(config)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        assert receive(60) == "READY=1", proc.stderr.read().decode() if proc.poll() is not None else ""
        assert "WATCHDOG=1" in messages_within(receive, 1.0)
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        assert "STOPPING=1" in messages_within(receive, 0.5)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()

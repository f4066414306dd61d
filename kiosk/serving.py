"""The two listeners `kiosk serve` (and `kiosk demo`) runs in one process.

The resident and demo pages are served on 127.0.0.1 only, with a thread pool of their own; the
staff, manager and /healthz pages on the address the TLS front (deploy/nginx-madoguchi.conf)
forwards to, with another. A page exists on one listener only, so no proxy on the box can
expose the resident screens, and twenty staff tablets long-polling can never take the threads
the resident's screen needs. Each listener also has its own event loop and connection count:
a LAN client holding many connections fills only the staff listener.
"""

from __future__ import annotations

import threading

import waitress
from flask import Flask
from waitress import wasyncore

from kiosk import listener_apps
from kiosk.settings import STAFF_THREADS

LOOPBACK = "127.0.0.1"

# The kiosk's own browser: one resident page and its long poll, the voice files, the watchdog.
RESIDENT_WAITRESS = dict(threads=8, connection_limit=32, channel_timeout=60, ident="madoguchi")

# Staff tablets through the TLS front, which connects from loopback: its X-Forwarded-For becomes
# the peer address, so a LAN tablet is never taken for the kiosk's own browser. Long polls may
# hold at most `staff_long_polls` (half or less) of these threads; the rest answer sign-in,
# the manager's pages and /healthz.
STAFF_WAITRESS = dict(
    threads=STAFF_THREADS, connection_limit=64, channel_timeout=60, ident="madoguchi",
    trusted_proxy="127.0.0.1", trusted_proxy_count=1, trusted_proxy_headers="x-forwarded-for",
    clear_untrusted_proxy_headers=True,
)  # fmt: skip


class Listeners:
    """The resident listener and the staff listener over one kiosk app's terminal and stores.

    ``resident_port``/``staff_port`` override the settings' (0: any free port, for tests)."""

    def __init__(self, app: Flask, resident_port: int | None = None, staff_port: int | None = None) -> None:
        settings = app.config["KIOSK"]
        resident_app, staff_app = listener_apps(app)
        port = settings.resident_port if resident_port is None else resident_port
        self.resident = waitress.create_server(resident_app, host=LOOPBACK, port=port, **RESIDENT_WAITRESS)
        port = settings.staff_port if staff_port is None else staff_port
        try:
            self.staff = waitress.create_server(staff_app, host=settings.staff_host, port=port, **STAFF_WAITRESS)
        except BaseException:
            self._close(self.resident)
            raise
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def resident_address(self) -> str:
        return f"{self.resident.effective_host}:{self.resident.effective_port}"

    @property
    def staff_address(self) -> str:
        return f"{self.staff.effective_host}:{self.staff.effective_port}"

    def start(self) -> Listeners:
        for name, server in (("resident", self.resident), ("staff", self.staff)):
            thread = threading.Thread(target=self._loop, args=(server,), name=f"listener-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def wait(self) -> None:
        """Until stop() (or Ctrl-C in the main thread)."""
        while not self._stopped.wait(1):
            pass

    def stop(self) -> None:
        self._stopped.set()
        for thread in self._threads:
            thread.join(timeout=5)
        for server in (self.resident, self.staff):
            self._close(server)

    def _loop(self, server) -> None:
        # waitress has no stop(): its loop is turned here, so `kiosk serve` and the tests end it.
        while not self._stopped.is_set():
            wasyncore.loop(timeout=0.2, map=server._map, use_poll=server.adj.asyncore_use_poll, count=1)

    @staticmethod
    def _close(server) -> None:
        server.close()
        for channel in list(server._map.values()):
            channel.close()
        server.task_dispatcher.shutdown(timeout=1)

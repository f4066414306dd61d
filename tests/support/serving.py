"""The app served by waitress on a loopback port with `kiosk serve`'s own settings, stopped cleanly."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def serving(app) -> Iterator[str]:
    """Yields host:port. The settings are the ones that ship (kiosk.cli.WAITRESS), not a test's own."""
    import waitress
    from waitress import wasyncore

    from kiosk.cli import WAITRESS

    server = waitress.create_server(app, host="127.0.0.1", port=0, **WAITRESS)
    stopped = threading.Event()

    def run() -> None:
        # waitress has no stop(): turn its loop by hand so the test can end it cleanly.
        while not stopped.is_set():
            wasyncore.loop(timeout=0.1, map=server._map, count=1)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.effective_port}"
    finally:
        stopped.set()
        thread.join(timeout=5)
        server.close()
        server.task_dispatcher.shutdown(timeout=1)

"""The one thread that waits on the registration service, so the card worker never does.

The registration service may take a minute (timeouts and bounded retries); a resident may pull
the card meanwhile. Registrations run here one at a time, and only their card steps go to the
card worker, which stays free to notice the pulled card at once.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

_STOP = object()


class RegistrationThread:
    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="registration", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        """End after the running registration; a call still hanging on the network is left
        to its own timeout (the thread is a daemon, so it never holds the process)."""
        if self._thread.is_alive():
            self._jobs.put(_STOP)
            self._thread.join(timeout)

    def submit(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not _STOP:
            try:
                job()
            except Exception:  # one failed registration must not stop the next resident's
                log.exception("registration job")

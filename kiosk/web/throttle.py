"""Back-off for sign-in: after a few wrong tries, a staff code and a client address must wait,
longer after each further wrong try (guessing four-digit PINs took 12 minutes otherwise).

Kept in memory: a restart forgets it, which costs a guesser a restart of the kiosk's service
they cannot trigger from the LAN. Keys name unknown accounts just like known ones, so the
pause tells nothing about which codes exist.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

FREE_TRIES = 5
FIRST_PAUSE = 30.0  # seconds, doubled after each further wrong try
LONGEST_PAUSE = 15 * 60.0
MAX_KEYS = 10_000  # memory bound: the oldest entries go first


class Throttle:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, tuple[int, float]] = {}  # key -> (wrong tries, paused until)

    def paused(self, *keys: str) -> bool:
        now = self._clock()
        with self._lock:
            return any(self._failures.get(k, (0, 0.0))[1] > now for k in keys)

    def failed(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                count = self._failures.pop(key, (0, 0.0))[0] + 1
                over = count - FREE_TRIES  # the fifth wrong try starts the first pause
                until = now + min(LONGEST_PAUSE, FIRST_PAUSE * 2 ** min(over, 16)) if over >= 0 else 0.0
                self._failures[key] = (count, until)
            while len(self._failures) > MAX_KEYS:
                del self._failures[next(iter(self._failures))]

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

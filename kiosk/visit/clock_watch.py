"""Notice the wall clock being set (by NTP's first sync, an administrator, a dead CMOS battery).

Durations and screen timers run on the monotonic clock, so a jump changes nothing a resident
sees; finished visits are stamped with the wall time at their end. What a jump does change is
which day or month those stamps fall in, so the journal says when it happened and by how much:
whoever reads a report with odd figures around that time finds the reason in one line.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class ClockWatcher:
    # Below this, a difference is NTP slewing or the gap between two reads, not a jump.
    TOLERANCE_SECONDS = 2.0

    def __init__(self, clock: Callable[[], float] = time.time, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.clock, self.monotonic = clock, monotonic
        self._last = (clock(), monotonic())
        self._lock = threading.Lock()  # two callers at once must not log one jump twice
        self.jumps = 0

    def check(self) -> float:
        """The jump since the last check in seconds (negative: set back), 0.0 for none; a jump is
        logged once, as one WARNING line."""
        with self._lock:
            wall, mono = self.clock(), self.monotonic()
            last_wall, last_mono = self._last
            self._last = (wall, mono)
            jump = (wall - last_wall) - (mono - last_mono)
            if abs(jump) < self.TOLERANCE_SECONDS:
                return 0.0
            self.jumps += 1
        log.warning(
            "wall clock set %s by %.0f s (%s -> %s UTC): durations and timers are unaffected; visits "
            "are stamped with the new time, so check reports around it",
            "back" if jump < 0 else "forward", abs(jump), _utc(last_wall + (mono - last_mono)), _utc(wall),
        )  # fmt: skip
        return jump


def _utc(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")

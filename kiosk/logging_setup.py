"""Logging for the long-running commands (serve, demo, gateway serve): one line per record on
stderr, which systemd hands to journald."""

from __future__ import annotations

import logging
import os
import sys

# journald stamps the time itself; level and logger name are what an operator filters on.
LINE_FORMAT = "%(levelname)s %(name)s: %(message)s"
# With JOURNAL_STREAM set, stderr goes to journald, which reads a "<N>" syslog prefix as the
# priority, so `journalctl -p warning` works.
_SYSLOG_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}


class _JournalFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        priority = _SYSLOG_PRIORITY.get(record.levelno, 6)
        # One record, one journal entry: tracebacks stay in it instead of splitting into lines.
        return f"<{priority}>" + super().format(record).replace("\n", " | ")


def configure_logging(level: str = "INFO", stream=None) -> None:
    """Send every logger's records at ``level`` and above to stderr, one line each."""
    handler = logging.StreamHandler(stream or sys.stderr)
    formatter = _JournalFormatter(LINE_FORMAT) if os.environ.get("JOURNAL_STREAM") else logging.Formatter(LINE_FORMAT)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())

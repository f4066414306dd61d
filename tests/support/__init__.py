"""Helpers the tests share: harnesses for the real servers they start, waiting, browser steps."""

from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"

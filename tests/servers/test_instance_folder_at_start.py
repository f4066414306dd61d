"""Issue 13 review: `kiosk demo` and `kiosk serve` started on an instance folder that is full or
read-only refuse with one line naming the folder and what to do, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """One small tmpfs for the module: the kiosk has run on it once (the restart's case)."""
    path = tmp_path_factory.mktemp("disk") / "instance"
    path.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(path)], check=True)
    from kiosk import create_app

    try:
        create_app({"demo": True, "instance_path": str(path), "secret_key": "t"})  # its files, as a first run left them
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def kiosk(command: str, folder: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    config = tmp_path / "kiosk.toml"
    config.write_text(f'instance_path = "{folder}"\nsecret_key = "t"\n' + (
        'reader = "Nothing 00 00"\ngateway_url = "https://127.0.0.1:9/"\n' if command == "serve" else ""))
    cmd = [sys.executable, "-c", "from kiosk.cli import main; main()", command, "--config", str(config), "--port", "0"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=ROOT)


@pytest.mark.parametrize("command", ["demo", "serve"])
@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_a_start_on_a_folder_that_refuses_writes_is_one_line(folder, fault, command, tmp_path):
    filler = folder / "filler"
    if fault == "full":
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=4k"], capture_output=True)
    else:
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    try:
        done = kiosk(command, folder, tmp_path)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(folder)], check=True)
        filler.unlink(missing_ok=True)
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert str(folder) in line and "Traceback" not in line
    todo = "free space on its disk" if fault == "full" else "make it writable"
    assert todo in line and "stats.sqlite3, accounts.sqlite3" in line, line

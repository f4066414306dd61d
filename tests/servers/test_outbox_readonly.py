"""Issue 13 review: the instance folder itself (stats.sqlite3 and the outbox, the default layout)
turns read-only under a running `kiosk demo`. Visits finished meanwhile are kept in memory only:
/healthz says so apart, they reach the disk once the folder is writable again, and a stop before
that says how many are lost, in the journal and again at the next start: never silently."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from kiosk.statistics.outbox import lost_files
from kiosk.statistics.store import StatsStore
from tests.support.kiosk_process import KioskProcess
from tests.support.waiting import wait_until


@pytest.fixture
def kiosk_on_tmpfs(tmp_path, pki_dir):
    folder = tmp_path / "instance"
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)], check=True)
    (folder / "virtualcard").symlink_to(pki_dir, target_is_directory=True)
    config = tmp_path / "kiosk.toml"
    config.write_text(f'demo = true\ninstance_path = "{folder}"\nsecret_key = "t"\n'
                      "stats_retry_seconds = 1\nerror_return_seconds = 1\n")  # fmt: skip
    kiosk = KioskProcess(config, tmp_path / "kiosk.log")
    yield kiosk, folder
    kiosk.stop()
    subprocess.run(["mount", "-o", "remount,rw", str(folder)], capture_output=True)
    for path in lost_files(folder)[1:]:
        path.unlink(missing_ok=True)
    subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def remount(folder: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(folder)], check=True)


def read_only_with_three_visits(kiosk: KioskProcess, folder: Path) -> None:
    kiosk.start()
    kiosk.finish_visits(2)
    kiosk.wait_delivered()
    remount(folder, "ro")
    kiosk.finish_visits(3)
    status, health = kiosk.get("/healthz")
    assert status == 503 and health["outbox"]["in_memory"] == 3 and health["outbox"]["depth"] == 3


@pytest.mark.parametrize("then", ["writable again", "stopped while read-only"])
def test_visits_the_folder_refuses_are_never_lost_silently(kiosk_on_tmpfs, then):
    kiosk, folder = kiosk_on_tmpfs
    read_only_with_three_visits(kiosk, folder)
    if then == "writable again":
        remount(folder, "rw")
        wait_until(lambda: kiosk.health()["outbox"]["in_memory"] == 0, what="the kept visits on disk")
        kiosk.stop()  # on disk: delivered or not, they survive a restart
        kiosk.start()
        kiosk.wait_delivered()
        kiosk.stop()
        assert len(list(StatsStore(str(folder / "stats.sqlite3")).events())) == 5
        return
    kiosk.stop()  # systemctl stop: the folder still refuses
    log = kiosk.log.read_text()
    assert "3 finished visit(s) are LOST" in log
    remount(folder, "rw")
    kiosk.start()
    kiosk.stop()
    assert kiosk.log.read_text().count("3 finished visit(s) were LOST") == 1

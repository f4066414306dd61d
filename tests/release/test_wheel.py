"""The installable release: the wheel alone, installed outside the checkout, serves the demo.

Slow (marked ``wheel``): builds the wheel with `python -m build`, makes a fresh venv in a temp
folder, installs the runtime lock file with --require-hashes and then the wheel with --no-deps,
and runs the installed `kiosk demo` from a temp folder. pip's own wheel cache keeps pyscard's
wheel, built from its sdist the first time, so later runs do not compile it again.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import venv
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytestmark = pytest.mark.wheel

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "runtime.txt"


class _PageAssets(HTMLParser):
    """The stylesheet, the scripts and the audio files a page references."""

    def __init__(self) -> None:
        super().__init__()
        self.css: list[str] = []
        self.js: list[str] = []
        self.audio: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "stylesheet" and a.get("href"):
            self.css.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.js.append(a["src"])
        elif tag in ("audio", "source") and a.get("src"):
            self.audio.append(a["src"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _run(*cmd: str | Path, **kwargs) -> None:
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, cmd))}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if "__pycache__" not in p.parts}


def test_installed_wheel_serves_the_demo(tmp_path: Path) -> None:
    assert not tmp_path.is_relative_to(ROOT)
    # The release: a wheel, built exactly as the README says.
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "build", "--wheel", "--outdir", dist, ROOT, cwd=ROOT)
    (wheel,) = dist.glob("madoguchi_kiosk-*.whl")

    # A fresh venv outside the checkout: the locked dependencies with their hashes, then the wheel.
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    pip = (python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check")
    _run(*pip, "--require-hashes", "-r", LOCK)
    _run(*pip, "--no-deps", wheel)

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    found = subprocess.run(
        [python, "-c", "import kiosk.resources as r; print(r.__file__, r.INSTALLED, r.default_instance_path())"],
        cwd=cwd, env=env, capture_output=True, text=True, check=True,
    ).stdout.split()
    site_packages = Path(found[0]).parent.parent
    assert site_packages.is_relative_to(env_dir), found  # the installed copy, not the checkout
    assert found[1:] == ["True", str(tmp_path / "state" / "madoguchi-kiosk")]
    installed_before = _files(site_packages)

    port, staff_port = _free_port(), _free_port()
    log = (tmp_path / "kiosk.log").open("w")
    server = subprocess.Popen([env_dir / "bin" / "kiosk", "demo", "--port", str(port), "--staff-port", str(staff_port)],
                              cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "kiosk.log").read_text()
            try:
                status, body = _get(base + "/")
                break
            except OSError:
                assert time.monotonic() < deadline, "the kiosk did not answer within 60 s"
                time.sleep(0.3)
        assert status == 200
        page = _PageAssets()
        page.feed(body.decode())
        voices = [src for src in page.audio if src.endswith(".ogg")]
        assert page.css and page.js and voices, body[:2000]
        for url in (page.css[0], page.js[0], voices[0]):
            status, content = _get(base + url)
            assert status == 200 and len(content) > 0, url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()

    # The instance folder is the documented one, and nothing was written into site-packages.
    assert (tmp_path / "state" / "madoguchi-kiosk" / "secret.key").is_file()
    assert _files(site_packages) == installed_before
    assert list(cwd.iterdir()) == []

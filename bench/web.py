"""Benchmark: the resident screens' server response times, under staff polling, memory over
1,000 sessions, and the weight of each resident page.

    .venv/bin/python bench/web.py [--sessions 200] [--memory-sessions 1000] [--staff 20]

Runs the demo app (virtual card in-process, SQLite in a temporary folder) on waitress on a
loopback port and talks HTTP to it, as the kiosk's browser does.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import waitress  # noqa: E402
from waitress import wasyncore  # noqa: E402

from kiosk import create_app  # noqa: E402

STEPS = ("idle", "consent", "pin", "done")


class Client:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, bytes, float]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        body = urllib.parse.urlencode(form).encode() if form else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if form else {}
        if self.cookie:
            headers["Cookie"] = self.cookie
        start = time.perf_counter()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - start
        if response.getheader("Set-Cookie"):
            self.cookie = response.getheader("Set-Cookie").split(";")[0]
        conn.close()
        return response.status, data, elapsed


def csrf(html: bytes) -> str:
    return re.search(rb'name="csrf-token" content="([^"]+)"', html).group(1).decode()


def wait_step(terminal, step: str) -> None:
    deadline = time.monotonic() + 10
    while terminal.snapshot()["step"] != step or terminal.snapshot()["busy"]:
        if time.monotonic() > deadline:
            raise RuntimeError(f"stuck before {step}: {terminal.snapshot()}")
        time.sleep(0.002)


def session(client: Client, terminal, demo, timings: dict[str, list[float]], think: float = 0.0) -> None:
    """One resident visit; ``think``: the seconds a person takes before each step."""
    pause = (lambda: time.sleep(think)) if think else (lambda: None)
    _, html, t = client.request("GET", "/")
    timings["idle"].append(t)
    pause()
    demo.insert("hanako")
    wait_step(terminal, "consent")
    _, html, t = client.request("GET", "/")
    timings["consent"].append(t)
    token = csrf(html)
    pause()
    _, _, t1 = client.request("POST", "/action", {"action": "agree", "csrf_token": token})
    _, html, t2 = client.request("GET", "/")
    timings["pin"].append(t1 + t2)
    pause()
    _, _, t1 = client.request("POST", "/pin", {"pin": "1234", "csrf_token": csrf(html)})
    wait_step(terminal, "done")
    _, html, t2 = client.request("GET", "/")
    timings["done"].append(t1 + t2)
    pause()
    demo.remove()
    wait_step(terminal, "idle")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def report(label: str, timings: dict[str, list[float]]) -> dict[str, float]:
    print(f"\n{label}")
    medians = {}
    for step in STEPS:
        values = sorted(timings[step])
        p95 = values[int(len(values) * 0.95) - 1]
        medians[step] = statistics.median(values)
        print(f"  {step:8} median {medians[step] * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   (n={len(values)})")
    return medians


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--memory-sessions", type=int, default=1000)
    parser.add_argument("--staff", type=int, default=20)
    parser.add_argument("--no-dashboard", action="store_true")
    parser.add_argument("--loaded-sessions", type=int, default=50)
    parser.add_argument("--think", type=float, default=1.0, help="seconds a resident takes per screen")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"demo": True, "instance_path": tmp, "secret_key": "bench", "error_return_seconds": 1})
        terminal, demo = app.extensions["kiosk.terminal"], app.extensions["kiosk.demo"]
        demo.reader.after_apdu = None
        terminal.start()
        server = waitress.create_server(app, host="127.0.0.1", port=0, threads=32, connection_limit=200)
        stop = threading.Event()
        threading.Thread(target=lambda: [wasyncore.loop(timeout=0.1, map=server._map, count=1)
                                         for _ in iter(stop.is_set, True)], daemon=True).start()  # fmt: skip
        port = server.effective_port
        resident = Client(port)

        idle = {s: [] for s in STEPS}
        for _ in range(args.sessions):
            session(resident, terminal, demo, idle)
        idle_medians = report(f"resident steps, idle server ({args.sessions} sessions)", idle)

        accounts = app.extensions["kiosk.accounts"]
        pollers = []
        for n in range(args.staff):
            accounts.create_staff(f"helper{n}", "2468")
            c = Client(port)
            _, html, _ = c.request("GET", "/staff/login")
            c.request("POST", "/staff/login", {"code": f"helper{n}", "pin": "2468", "csrf_token": csrf(html)})
            pollers.append(c)
        accounts.create_manager("boss", "correct horse battery")
        manager = Client(port)
        _, html, _ = manager.request("GET", "/manager/login")
        manager.request("POST", "/manager/login",
                        {"name": "boss", "password": "correct horse battery", "csrf_token": csrf(html)})  # fmt: skip

        def poll(c: Client) -> None:
            """What the helper panel's script does: load, long-poll, reload when the step moves."""
            _, html, _ = c.request("GET", "/staff/")
            version = re.search(rb'data-version="(\d+)"', html).group(1).decode()
            while not stop.is_set():
                _, body, _ = c.request("GET", f"/staff/state?since={version}")
                version = str(json.loads(body)["version"])

        def dashboard() -> None:
            while not stop.is_set():
                manager.request("GET", "/manager/")
                time.sleep(1)

        threads = [threading.Thread(target=poll, args=(c,), daemon=True) for c in pollers]
        if not args.no_dashboard:
            threads.append(threading.Thread(target=dashboard, daemon=True))
        for t in threads:
            t.start()
        loaded = {s: [] for s in STEPS}
        for _ in range(args.loaded_sessions):
            session(resident, terminal, demo, loaded, think=args.think)
        loaded_medians = report(f"resident steps with {args.staff} staff clients polling and a dashboard "
                                f"({args.loaded_sessions} sessions, {args.think} s to read each screen)", loaded)
        worst = max(loaded_medians[s] / idle_medians[s] for s in STEPS)
        print(f"  slowest step vs idle: {worst:.2f}x (goal: under 2x)")
        stop.set()
        time.sleep(0.5)
        stop.clear()
        threading.Thread(target=lambda: [wasyncore.loop(timeout=0.1, map=server._map, count=1)
                                         for _ in iter(stop.is_set, True)], daemon=True).start()  # fmt: skip

        before = rss_mb()
        throwaway = {s: [] for s in STEPS}
        for _ in range(args.memory_sessions):
            session(resident, terminal, demo, throwaway)
        after = rss_mb()
        print(f"\nmemory: {before:.1f} MB before, {after:.1f} MB after {args.memory_sessions} more sessions "
              f"(+{after - before:.1f} MB)")

        print("\nresident page weight (HTML + CSS + JS; fonts are the machine's own, audio excluded)")
        static = sum((Path(app.static_folder) / p).stat().st_size for p in ("css/kiosk.css", "js/kiosk.js"))
        for step in STEPS:
            demo_step_html = _page_for(step, resident, terminal, demo)
            print(f"  {step:8} {len(demo_step_html) / 1024:6.1f} KB HTML + {static / 1024:.1f} KB CSS/JS "
                  f"= {(len(demo_step_html) + static) / 1024:.1f} KB (goal: under 300 KB)")
        demo.remove()
        stop.set()
        terminal.stop()
    return 0


def _page_for(step: str, client: Client, terminal, demo) -> bytes:
    if step == "idle":
        demo.remove()
        wait_step(terminal, "idle")
        return client.request("GET", "/")[1]
    if terminal.snapshot()["step"] == "idle":
        demo.insert("hanako")
        wait_step(terminal, "consent")
    if step == "consent":
        return client.request("GET", "/")[1]
    html = client.request("GET", "/")[1]
    if terminal.snapshot()["step"] == "consent":
        client.request("POST", "/action", {"action": "agree", "csrf_token": csrf(html)})
        html = client.request("GET", "/")[1]
    if step == "pin":
        return html
    client.request("POST", "/pin", {"pin": "1234", "csrf_token": csrf(html)})
    wait_step(terminal, "done")
    return client.request("GET", "/")[1]


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the resident screens' response times with 0 and with 30 helper tablets long-polling
(p95 per step), memory over 1,000 visits, and the weight of each resident page.

    .venv/bin/python bench/web.py [--sessions 100] [--tablets 30] [--memory-sessions 1000]

Runs what ships, as a separate process: `kiosk demo --config <file>` is `kiosk serve`'s own
code (kiosk/serving.py: the resident listener on 127.0.0.1 and the staff listener, each with
the shipped waitress settings and thread pools, the cap on staff long polls) with the virtual
card in-process and the simulated registration service, as in the tests. Everything below is
HTTP: the resident's browser, the demo panel that inserts the card, the tablets, a manager.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk import composition  # noqa: E402
from kiosk import settings as kiosk_config  # noqa: E402

STEPS = ("idle", "consent", "pin", "done")
STAFF_PIN, MANAGER_PASSWORD = "246813", "correct horse battery"
TARGET = 1.5  # p95 with tablets polling / p95 idle, at most


class Client:
    """One browser tab: keeps its cookie; returns (status, body, seconds, headers)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""

    def request(self, method: str, path: str, form: dict | None = None):
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
        return response.status, data, elapsed, response.headers

    def get(self, path: str):
        return self.request("GET", path)


def csrf(html: bytes) -> str:
    return re.search(rb'name="csrf-token" content="([^"]+)"', html).group(1).decode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Kiosk:
    """`kiosk demo` in its own process, on free ports, with a config file in a temporary folder."""

    def __init__(self, folder: Path, tablets: int) -> None:
        self.resident_port, self.staff_port = free_port(), free_port()
        self.config = folder / "kiosk.toml"
        self.config.write_text(
            f'demo = true\ninstance_path = "{folder / "instance"}"\nsecret_key = "bench"\nerror_return_seconds = 1\n'
            f'resident_port = {self.resident_port}\nstaff_port = {self.staff_port}\nlog_level = "WARNING"\n'
        )
        self.helpers = [f"helper{n}" for n in range(tablets)]
        # What `kiosk staff create` and `kiosk manager create` do, in this process (30 commands take minutes).
        accounts = composition.account_store(kiosk_config.load(self.config))
        for code in self.helpers:
            accounts.create_staff(code, STAFF_PIN)
        accounts.create_manager("boss", MANAGER_PASSWORD)
        self.log = (folder / "kiosk.log").open("w")
        self.process = subprocess.Popen([sys.executable, "-m", "kiosk", "demo", "--config", str(self.config)],
                                        cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise SystemExit((folder / "kiosk.log").read_text())
            try:
                Client(self.resident_port).get("/healthz")
                Client(self.staff_port).get("/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the kiosk did not answer within 60 s") from None
                time.sleep(0.2)

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


class Resident:
    """The kiosk's own browser and the demo panel (which stands in for the resident's hand)."""

    def __init__(self, port: int) -> None:
        self.browser, self.hand = Client(port), Client(port)

    def state(self) -> dict:
        return json.loads(self.browser.get("/state")[1])

    def wait_step(self, step: str) -> None:
        deadline = time.monotonic() + 10
        while (state := self.state())["step"] != step or state["busy"]:
            if time.monotonic() > deadline:
                raise RuntimeError(f"stuck before {step}: {state}")
            time.sleep(0.005)

    def card(self, action: str, **form: str) -> None:
        token = csrf(self.hand.get("/demo/")[1])
        self.hand.request("POST", f"/demo/{action}", {"csrf_token": token, **form})

    def visit(self, timings: dict[str, list[float]], think: float = 0.0) -> None:
        """One visit; ``think``: the seconds a person takes before each step."""
        pause = (lambda: time.sleep(think)) if think else (lambda: None)
        _, html, t, _ = self.browser.get("/")
        timings["idle"].append(t)
        pause()
        self.card("insert", resident="hanako")
        self.wait_step("consent")
        _, html, t, _ = self.browser.get("/")
        timings["consent"].append(t)
        pause()
        _, _, t1, _ = self.browser.request("POST", "/action", {"action": "agree", "csrf_token": csrf(html)})
        _, html, t2, _ = self.browser.get("/")
        timings["pin"].append(t1 + t2)
        pause()
        _, _, t1, _ = self.browser.request("POST", "/pin", {"pin": "1234", "csrf_token": csrf(html)})
        self.wait_step("done")
        _, html, t2, _ = self.browser.get("/")
        timings["done"].append(t1 + t2)
        pause()
        self.card("remove")
        self.wait_step("idle")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def report(label: str, timings: dict[str, list[float]]) -> dict[str, float]:
    print(f"\n{label}")
    out = {}
    for step in STEPS:
        values = sorted(timings[step])
        out[step] = p95(values)
        print(f"  {step:8} median {values[len(values) // 2] * 1000:7.1f} ms   p95 {out[step] * 1000:7.1f} ms"
              f"   (n={len(values)})")  # fmt: skip
    return out


def tablets_polling(kiosk: Kiosk, stop: threading.Event, turned_away: list[int],
                    dashboard_too: bool = True) -> list[threading.Thread]:  # fmt: skip
    """Each helper signs in on a tablet whose panel does what static/js/kiosk.js does: long-poll,
    and wait as long as Retry-After says when the server answers at once."""

    def tablet(code: str) -> None:
        c = Client(kiosk.staff_port)
        form = {"code": code, "pin": STAFF_PIN, "csrf_token": csrf(c.get("/staff/login")[1])}
        c.request("POST", "/staff/login", form)
        version = re.search(rb'data-version="(\d+)"', c.get("/staff/")[1]).group(1).decode()
        while not stop.is_set():
            _, body, _, headers = c.get(f"/staff/state?since={version}")
            version = str(json.loads(body)["version"])
            if headers.get("Retry-After"):
                turned_away[0] += 1
                stop.wait(float(headers["Retry-After"]))

    def dashboard() -> None:
        c = Client(kiosk.staff_port)
        form = {"name": "boss", "password": MANAGER_PASSWORD, "csrf_token": csrf(c.get("/manager/login")[1])}
        c.request("POST", "/manager/login", form)
        while not stop.is_set():
            c.get("/manager/")
            stop.wait(1)

    threads = [threading.Thread(target=tablet, args=(code,), daemon=True) for code in kiosk.helpers]
    if dashboard_too:
        threads.append(threading.Thread(target=dashboard, daemon=True))
    for t in threads:
        t.start()
    return threads


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100, help="visits timed, idle and again under load")
    parser.add_argument("--tablets", type=int, default=30)
    parser.add_argument("--think", type=float, default=0.5, help="seconds a resident takes per screen")
    parser.add_argument("--memory-sessions", type=int, default=1000)
    parser.add_argument("--no-dashboard", action="store_true", help="tablets only, no manager's dashboard")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stopped: the kiosk process goes too
    with tempfile.TemporaryDirectory() as tmp:
        kiosk = Kiosk(Path(tmp), args.tablets)
        try:
            resident = Resident(kiosk.resident_port)
            # Half the quiet visits before the tablets, half after: a machine busier in one phase
            # (CI neighbours) weighs on both figures alike.
            idle: dict[str, list[float]] = {s: [] for s in STEPS}
            for _ in range(args.sessions // 2):
                resident.visit(idle, think=args.think)

            stop, turned_away = threading.Event(), [0]
            threads = tablets_polling(kiosk, stop, turned_away, not args.no_dashboard)
            time.sleep(2)  # every tablet signed in and polling
            loaded: dict[str, list[float]] = {s: [] for s in STEPS}
            for _ in range(args.sessions):
                resident.visit(loaded, think=args.think)
            staff = Client(kiosk.staff_port)
            probes = [staff.get("/healthz")[2] for _ in range(20)]
            stop.set()
            resident.card("insert", resident="hanako")  # a change: the waiting polls answer and stop
            resident.wait_step("consent")
            resident.card("remove")
            resident.wait_step("idle")
            for t in threads:
                t.join(timeout=30)

            for _ in range(args.sessions - args.sessions // 2):
                resident.visit(idle, think=args.think)
            idle_p95 = report(f"resident steps, no tablet polling ({args.sessions} visits, {args.think} s "
                              "to read each screen)", idle)  # fmt: skip
            loaded_p95 = report(f"resident steps with {args.tablets} tablets long-polling"
                                f"{'' if args.no_dashboard else ' and a manager dashboard'} "
                                f"({args.sessions} visits)", loaded)  # fmt: skip
            print(f"  staff listener /healthz meanwhile: p95 {p95(probes) * 1000:.1f} ms; "
                  f"{turned_away[0]} polls answered at once beyond the cap")  # fmt: skip
            worst = max(loaded_p95[s] / idle_p95[s] for s in STEPS)
            print(f"  slowest step's p95 vs no tablets: {worst:.2f}x (target: at most {TARGET}x)")

            before = kiosk.rss_mb()
            throwaway: dict[str, list[float]] = {s: [] for s in STEPS}
            for _ in range(args.memory_sessions):
                resident.visit(throwaway)
            after = kiosk.rss_mb()
            print(f"\nmemory of the kiosk process: {before:.1f} MB before, {after:.1f} MB after "
                  f"{args.memory_sessions} more visits (+{after - before:.1f} MB)")  # fmt: skip

            print("\nresident page weight (HTML + CSS + JS; fonts are the machine's own, audio excluded)")
            static = sum((ROOT / "static" / p).stat().st_size for p in ("css/kiosk.css", "js/kiosk.js"))
            for step, html in pages(resident).items():
                print(f"  {step:8} {len(html) / 1024:6.1f} KB HTML + {static / 1024:.1f} KB CSS/JS "
                      f"= {(len(html) + static) / 1024:.1f} KB (goal: under 300 KB)")  # fmt: skip
        finally:
            kiosk.stop()
    return 0 if worst <= TARGET else 1


def pages(resident: Resident) -> dict[str, bytes]:
    """Each step's page, walked through one visit."""
    out = {"idle": resident.browser.get("/")[1]}
    resident.card("insert", resident="hanako")
    resident.wait_step("consent")
    out["consent"] = html = resident.browser.get("/")[1]
    resident.browser.request("POST", "/action", {"action": "agree", "csrf_token": csrf(html)})
    out["pin"] = html = resident.browser.get("/")[1]
    resident.browser.request("POST", "/pin", {"pin": "1234", "csrf_token": csrf(html)})
    resident.wait_step("done")
    out["done"] = resident.browser.get("/")[1]
    resident.card("remove")
    return out


if __name__ == "__main__":
    sys.exit(main())

"""`kiosk doctor`: the install-day check, one line per part with OK or FAIL and, on FAIL, the fix.

Run by IT staff after installing (and whenever the kiosk misbehaves): it reads the same config
as `kiosk serve`, looks at each part the way the kiosk will use it, and exits 1 if anything
failed. It registers nothing, asks for no nonce, writes no statistics row and never asks for a
PIN; it only creates the empty instance files `kiosk serve` would create.
"""

from __future__ import annotations

import http.client
import os
import shutil
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import click

from kiosk import settings as kiosk_config
from kiosk.settings import Settings
from kiosk.statistics.outbox import OUTBOX_FILE, read_records


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    checked: bool = True  # False: a part that could not be looked at (what it needs is down)

    def line(self) -> str:
        if not self.checked:
            return f"--   {self.name}: {self.detail}"
        if self.ok:
            return f"OK   {self.name}: {self.detail}"
        return f"FAIL {self.name}: {self.detail} -> fix: {self.fix}"


def ok(name: str, detail: str) -> Check:
    return Check(name, True, detail)


def fail(name: str, detail: str, fix: str) -> Check:
    return Check(name, False, detail, fix)


def not_checked(name: str, because: str) -> Check:
    return Check(name, True, f"not checked ({because})", checked=False)


# -- the reader ------------------------------------------------------------------------------
def check_reader(settings: Settings) -> Iterator[Check]:
    """pcscd reachable, the configured reader present under its exact name, a card answering."""
    if settings.demo:
        yield ok("reader", "demo mode: virtual cards, no reader used")
        return
    from drivers.errors import CardError, NotMyNumberCardError, ReaderUnavailableError
    from drivers.mynumber import MyNumberCard
    from drivers.pcsc import PcscReader, list_readers
    from drivers.reader import ReaderStatus

    try:
        readers = list_readers()
    except ReaderUnavailableError:
        yield fail("pcscd", "not reachable", "sudo systemctl enable --now pcscd.socket (Debian package pcscd)")
        yield not_checked("reader", "pcscd not reachable")
        yield not_checked("card", "pcscd not reachable")
        return
    yield ok("pcscd", f"reachable, {len(readers)} reader(s)")
    name = next((r for r in readers if r == settings.reader), None)
    name = name or next((r for r in readers if r.startswith(settings.reader)), None)
    if name is None:
        seen = ", ".join(repr(r) for r in readers) or "none"
        yield fail("reader", f"no reader named {settings.reader!r} (pcscd sees: {seen})",
                   "plug the reader in, or set key 'reader' to one of the names pcscd sees")  # fmt: skip
        return
    yield ok("reader", f"{name!r} (key 'reader' = {settings.reader!r})")
    reader = PcscReader(name)
    try:
        if reader.wait_for_change(0.5) != ReaderStatus.CARD_PRESENT:
            yield fail("card", f"no card in {name!r}", "insert a My Number card (a test card will do) and run again")
            return
        connection = reader.connect()
        try:
            MyNumberCard(connection)  # selects JPKI-AP: how a My Number card is told from others
        finally:
            connection.close()
        yield ok("card", "a My Number card answers SELECT (JPKI-AP)")
    except NotMyNumberCardError:
        yield fail("card", "the card answers, but it is not a My Number card", "insert a My Number card")
    except CardError as exc:
        yield fail("card", f"the card does not answer ({type(exc).__name__}: {exc})",
                   "take the card out and insert it again, chip first; try another card")  # fmt: skip
    finally:
        reader.close()


# -- the registration service --------------------------------------------------------------------
def check_gateway(settings: Settings) -> Iterator[Check]:
    if not settings.demo and not settings.gateway_url.startswith("https://"):
        # `kiosk serve` refuses this config: a counter never registers with the simulator.
        got = f"is {settings.gateway_url!r}" if settings.gateway_url else "is empty"
        yield fail("registration service", f"key 'gateway_url' {got}: `kiosk serve` refuses to start",
                   "set key 'gateway_url' to the https:// URL of the registration service (from the vendor)")
        return
    if not settings.gateway_url:
        yield ok("registration service", "the simulator in this process (demo: nothing is really registered)")
        return
    from kiosk.composition import registration_service

    try:
        registration_service(settings)  # the files it trusts, read as the kiosk reads them
    except kiosk_config.ConfigError as exc:
        yield fail("registration service", str(exc), "restore the named file")
        return
    url = urlsplit(settings.gateway_url)
    host, https = url.hostname or "", url.scheme == "https"
    port = url.port or (443 if https else 80)
    context = None
    if https:
        context = ssl.create_default_context(cafile=settings.gateway_ca_bundle or None)
        if settings.gateway_client_cert:
            context.load_cert_chain(settings.gateway_client_cert, settings.gateway_client_key or None)
    conn = (http.client.HTTPSConnection(host, port, timeout=settings.gateway_connect_timeout, context=context)
            if https else http.client.HTTPConnection(host, port, timeout=settings.gateway_connect_timeout))  # fmt: skip
    try:
        conn.connect()
        peer = conn.sock.getpeercert() if https else None  # type: ignore[union-attr]
        # A GET of the API's root creates nothing; any HTTP answer proves the TLS session (with
        # TLS 1.3 a refused client certificate shows only here, at the first read).
        conn.request("GET", url.path.rstrip("/") + "/v1/")
        status = conn.getresponse().status
    except ssl.SSLCertVerificationError as exc:
        yield fail("registration service", f"{host}:{port}: its certificate is not trusted ({exc.verify_message})",
                   "set key 'gateway_ca_bundle' to the CA bundle the vendor gave")  # fmt: skip
        return
    except ssl.SSLError as exc:
        yield fail("registration service", f"{host}:{port}: TLS refused ({exc.reason})",
                   "check keys 'gateway_client_cert' and 'gateway_client_key' with the vendor")  # fmt: skip
        return
    except (OSError, http.client.HTTPException) as exc:
        yield fail("registration service", f"{host}:{port} not reachable ({exc})",
                   "check the network, the proxy and the firewall to the service; check key 'gateway_url'")  # fmt: skip
        return
    finally:
        conn.close()
    if peer:
        subject = dict(part for rdn in peer.get("subject", ()) for part in rdn).get("commonName", "?")
        detail = f"{host}:{port} over TLS, certificate {subject!r} valid until {peer.get('notAfter')}"
    else:
        detail = f"{host}:{port} (plain HTTP: demo test server)"
    yield ok("registration service", f"{detail}, HTTP {status}")


# -- statistics and outbox ------------------------------------------------------------------------
def check_statistics(settings: Settings) -> Iterator[Check]:
    import sqlalchemy.exc

    from kiosk.composition import stats_store
    from kiosk.statistics.store import StoreDamagedError

    try:
        store = stats_store(settings)
        writable = store.writable()
    except (StoreDamagedError, sqlalchemy.exc.SQLAlchemyError, OSError) as exc:
        yield fail("statistics store", str(exc).splitlines()[0], "see docs/operations.md for this fault")
        return
    where = store.path if store.is_sqlite else store.engine.url.render_as_string(hide_password=True)
    if writable:
        yield ok("statistics store", f"writable ({where}, {store.migration})")
    else:
        yield fail("statistics store", f"not writable ({where})",
                   "free disk space; give the service user write access to it; check the server is not read-only")
    depth = len(read_records(settings.instance / OUTBOX_FILE))
    if depth == 0:
        yield ok("outbox", "empty")
    else:
        yield fail("outbox", f"{depth} visit(s) not yet in the statistics store",
                   "start the kiosk with the store reachable; they are written by themselves")  # fmt: skip


# -- printer, audio, fonts ---------------------------------------------------------------------------
def check_printer(settings: Settings) -> Iterator[Check]:
    if not settings.slip_printer:
        return
    lpstat = shutil.which("lpstat")
    if lpstat is None:
        yield fail("printer", "lpstat is missing", "sudo apt install cups-client")
        return
    command = [lpstat, *(["-h", settings.slip_cups_server] if settings.slip_cups_server else []),
               "-p", settings.slip_printer]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except subprocess.TimeoutExpired:
        yield fail("printer", "CUPS does not answer", "check key 'slip_cups_server' and that cupsd runs")
        return
    answer = (done.stdout or done.stderr).strip().splitlines()
    if done.returncode != 0 or "disabled" in done.stdout:
        yield fail("printer", f"{settings.slip_printer!r}: {answer[0] if answer else 'no answer'}",
                   "add the queue in CUPS (lpadmin) and enable it (cupsenable), or fix key 'slip_printer'")
        return
    yield ok("printer", answer[0])


def check_audio(settings: Settings) -> Iterator[Check]:
    from kiosk.i18n.voice import VOICE_DIR

    voices = len(list(Path(VOICE_DIR).rglob("*.*"))) if Path(VOICE_DIR).is_dir() else 0
    if not voices:
        yield fail("voice files", f"none in {VOICE_DIR}", "kiosk voice build")
    else:
        yield ok("voice files", f"{voices} in {VOICE_DIR}")
    if not settings.audio_output:
        return
    cards = Path("/proc/asound/cards")
    text = cards.read_text() if cards.exists() else ""
    if f"[{settings.audio_output}" in text.replace(" ", "") or f" {settings.audio_output} " in text:
        yield ok("audio output", f"sound card {settings.audio_output!r} present")
    else:
        yield fail("audio output", f"no sound card {settings.audio_output!r} (see aplay -l)",
                   "plug the speaker in, or set key 'audio_output' to a card aplay -l lists")  # fmt: skip


def check_fonts(settings: Settings) -> Iterator[Check]:
    from kiosk.slip.pdf import FONT_FILE

    if FONT_FILE.exists():
        yield ok("slip font", str(FONT_FILE))
    else:
        yield fail("slip font", f"{FONT_FILE} is missing", "sudo apt install fonts-noto-cjk")


CHECKS: tuple[Callable[[Settings], Iterator[Check]], ...] = (
    check_reader, check_gateway, check_statistics, check_printer, check_audio, check_fonts,
)  # fmt: skip


def run(settings: Settings) -> list[Check]:
    results = []
    for check in CHECKS:
        for result in check(settings):
            click.echo(result.line())
            results.append(result)
    return results


@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="The kiosk's TOML config.")
def doctor(config_path: str | None) -> None:
    """Install-day check: reader, card, registration service, statistics, printer, audio, fonts."""
    try:
        settings = kiosk_config.load(config_path, None if config_path else {"demo": True})
    except kiosk_config.ConfigError as exc:
        click.echo(fail("config", str(exc), "correct the named key (config/kiosk.example.toml explains each)").line())
        sys.exit(1)
    click.echo(ok("config", f"{config_path or 'defaults (demo)'}, instance folder {settings.instance}").line())
    if not os.access(settings.instance if settings.instance.exists() else settings.instance.parent, os.W_OK):
        click.echo(fail("instance folder", f"{settings.instance} is not writable",
                        "sudo systemctl start madoguchi-kiosk once (systemd makes it) or fix key 'instance_path'"
                        ).line())  # fmt: skip
        sys.exit(1)
    results = run(settings)
    failed = [r for r in results if not r.ok]
    checked = [r for r in results if r.checked]
    click.echo(f"{len(checked) + 1 - len(failed)} OK, {len(failed)} FAIL")
    sys.exit(1 if failed else 0)

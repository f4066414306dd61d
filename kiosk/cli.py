"""The ``kiosk`` command: demo, serve, card emulate, stats export."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import click

from kiosk import config as kiosk_config

DEFAULT_VPCD = "127.0.0.1:35963"


def _fail(message: str) -> None:
    click.echo(f"kiosk: {message}", err=True)
    sys.exit(2)


def _serve(app, host: str, port: int) -> None:
    import waitress

    terminal = app.extensions["kiosk.terminal"]
    click.echo(f"Madoguchi Kiosk: http://{host}:{port}/")
    if app.extensions.get("kiosk.demo") is not None:
        click.echo(f"Demo panel (insert and remove virtual cards): http://{host}:{port}/demo/")
    try:
        # Long polls hold a thread each: enough threads for the resident page and a few staff tabs.
        waitress.serve(app, host=host, port=port, threads=12, ident="madoguchi")
    finally:
        terminal.stop()


@click.group()
def main() -> None:
    """Madoguchi Kiosk: register My Number cards as health-insurance cards at the counter."""


@main.command()
@click.option("--port", default=8080, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Optional TOML config.")
def demo(port: int, host: str, config_path: str | None) -> None:
    """Run the kiosk with virtual cards and SQLite: no reader needed."""
    from kiosk import create_app

    try:
        app = create_app({"demo": True}, config_path)
    except kiosk_config.ConfigError as exc:
        _fail(str(exc))
    _serve(app, host, port)


@main.command()
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True)
def serve(config_path: str, host: str, port: int) -> None:
    """Run the kiosk on the PC/SC reader named in the config."""
    from kiosk import create_app

    try:
        app = create_app(None, config_path)
    except kiosk_config.ConfigError as exc:
        _fail(str(exc))
    _serve(app, host, port)


@main.group()
def card() -> None:
    """Virtual My Number cards (training, demos, tests)."""


@card.command("emulate")
@click.option("--resident", required=True, help="A resident key from the residents file.")
@click.option("--vpcd", default=DEFAULT_VPCD, show_default=True, help="vpcd's HOST:PORT.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config naming instance_path.")
def emulate(resident: str, vpcd: str, config_path: str | None) -> None:
    """Put a resident's virtual card into pcscd's vpcd reader until interrupted."""
    from drivers.virtualcard.pki import VirtualPki
    from drivers.virtualcard.residents import load_residents
    from drivers.virtualcard.vpcd import VpcdBridge

    try:
        settings = kiosk_config.load(config_path, {"demo": True})
    except kiosk_config.ConfigError as exc:
        _fail(str(exc))
    residents = load_residents(settings["residents_file"])
    if resident not in residents:
        _fail(f"no resident '{resident}' (known: {', '.join(residents)})")
    host, _, port = vpcd.rpartition(":")
    if not host or not port.isdigit():
        _fail("--vpcd takes HOST:PORT")
    pki = VirtualPki(Path(settings["instance_path"]) / "virtualcard")
    bridge = VpcdBridge(residents[resident].make_card(pki), host, int(port))
    deadline = time.monotonic() + 10
    while True:
        try:
            bridge.connect()
            break
        except OSError as exc:
            if time.monotonic() > deadline:
                _fail(f"cannot reach vpcd at {vpcd} ({exc}); is pcscd running with vsmartcard-vpcd?")
            time.sleep(0.2)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    click.echo(f"card of '{resident}' inserted into vpcd at {vpcd}; Ctrl-C removes it", err=True)
    try:
        bridge.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        bridge.stop()


@main.group()
def stats() -> None:
    """Statistics for the subsidy report."""


@stats.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
def export(fmt: str, out: str, config_path: str | None) -> None:
    """Write every statistics event to a file (UTF-8 with BOM, opens in Excel)."""
    from kiosk.stats import StatsStore

    try:
        settings = kiosk_config.load(config_path, None if config_path else {"demo": True})
    except kiosk_config.ConfigError as exc:
        _fail(str(exc))
    store = StatsStore(Path(settings["instance_path"]) / "stats.sqlite3")
    with open(out, "w", encoding="utf-8-sig", newline="") as fh:
        count = store.export_csv(fh)
    click.echo(f"{count} events written to {out}")


@main.group()
def voice() -> None:
    """Spoken guidance for the resident screens."""


@voice.command("build")
@click.option("--cache", type=click.Path(file_okay=False), default=str(Path.home() / ".cache" / "madoguchi"),
              show_default=True, help="Where the downloaded HTS voice is kept.")
def voice_build(cache: str) -> None:
    """Make the audio of every screen whose words changed (Open JTalk, offline)."""
    from flask import Flask
    from flask_babel import Babel

    from kiosk import ROOT
    from kiosk import voice as voice_module

    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "kiosk" / "translations")
    Babel(app)
    made = total = 0
    try:
        with app.app_context():
            for _voice, _key, was_made in voice_module.build(Path(cache)):
                total += 1
                made += was_made
    except (RuntimeError, OSError) as exc:
        _fail(str(exc))
    click.echo(f"voice guidance: {made} of {total} audio files made, the rest unchanged ({voice_module.VOICE_DIR})")


def register_app_commands(app) -> None:
    @app.cli.command("init-db")
    def init_db() -> None:
        """Create the statistics database in the instance folder."""
        click.echo(f"statistics database ready: {app.extensions['kiosk.terminal'].stats.path}")

"""The ``kiosk`` command: demo, serve, card emulate, stats export."""

from __future__ import annotations

import logging
import signal
import sys
import time
from pathlib import Path

import click

from drivers.virtualcard.residents import ResidentConfigError
from kiosk import composition
from kiosk import settings as kiosk_config
from kiosk.logging_setup import configure_logging
from kiosk.statistics.opener import LazyStatsStore, StoreReplacedError
from kiosk.statistics.store import StoreDamagedError

log = logging.getLogger(__name__)

DEFAULT_VPCD = "127.0.0.1:35963"


def _fail(message: str) -> None:
    click.echo(f"kiosk: {message}", err=True)
    sys.exit(2)


def _serve(app, resident_port: int | None, staff_port: int | None) -> None:
    """The resident listener (127.0.0.1 only) and the staff listener, each with its own
    threads (kiosk/serving.py), over the one terminal this command starts."""
    from kiosk.serving import Listeners
    from kiosk.watchdog import Watchdog

    terminal = app.extensions["kiosk.terminal"]
    try:
        listeners = Listeners(app, resident_port, staff_port)
    except OSError as exc:
        _fail(f"cannot listen: {exc.strerror or exc}")
    terminal.start()  # the app factory only configures; running the card worker is ours
    watchdog = Watchdog(terminal)
    listeners.start()
    click.echo(f"Madoguchi Kiosk (the kiosk's own browser): http://{listeners.resident_address}/")
    if app.extensions.get("kiosk.demo") is not None:
        click.echo(f"Demo panel (insert and remove virtual cards): http://{listeners.resident_address}/demo/")
    click.echo(f"Staff and manager pages (behind the TLS front): http://{listeners.staff_address}/staff/")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # systemctl stop: the finally below runs
    try:
        watchdog.ready()  # listening: systemd (Type=notify) may start the screen now
        listeners.wait()
    except KeyboardInterrupt:
        pass
    finally:
        watchdog.stop()
        listeners.stop()
        terminal.stop()


port_option = click.option("--port", type=int, help="The resident listener's port (127.0.0.1 only); "
                           "default: resident_port in the config, 8080.")  # fmt: skip
staff_port_option = click.option("--staff-port", type=int, help="The staff listener's port; default: "
                                 "staff_port in the config, 8088.")  # fmt: skip


@click.group()
def main() -> None:
    """Madoguchi Kiosk: register My Number cards as health-insurance cards at the counter."""
    composition.keep_files_private()  # every command writes into the private instance folder


@main.command()
@port_option
@staff_port_option
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Optional TOML config.")
def demo(port: int | None, staff_port: int | None, config_path: str | None) -> None:
    """Run the kiosk with virtual cards and SQLite: no reader needed."""
    _serve(_started_app(config_path, {"demo": True}), port, staff_port)


def _started_app(config_path: str | None, overrides: dict | None, https_only: bool = False):
    """Settings read once, logging configured before anything opens (a store migrating on
    open says so in the journal), then the app; any bad file is one line, never a traceback."""
    from kiosk import create_app

    try:
        settings = kiosk_config.load(config_path, overrides)
    except kiosk_config.ConfigError as exc:
        _fail(str(exc))
    configure_logging(settings.log_level)
    if https_only and not settings.gateway_url.startswith("https://"):
        # Production registers for real: never the simulator, never silently.
        _fail(f"{config_path}: key 'gateway_url' must be the https:// URL of the registration service")
    try:
        app = create_app(settings)
    except (kiosk_config.ConfigError, StoreDamagedError, StoreReplacedError, ResidentConfigError) as exc:
        _fail(str(exc))
    log.info("%s", _stats_line(app.extensions["kiosk.terminal"].stats))
    accounts = app.extensions["kiosk.accounts"]
    log.info("staff accounts: %s (%s)", accounts.migration, accounts.path)
    return app


@main.command()
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False))
@port_option
@staff_port_option
def serve(config_path: str, port: int | None, staff_port: int | None) -> None:
    """Run the kiosk on the PC/SC reader named in the config."""
    _serve(_started_app(config_path, None, https_only=True), port, staff_port)


@main.group()
def card() -> None:
    """Virtual My Number cards (training, demos, tests)."""


@card.command("emulate")
@click.option("--resident", required=True, help="A resident key from the residents file.")
@click.option("--vpcd", default=DEFAULT_VPCD, show_default=True, help="vpcd's HOST:PORT.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config naming instance_path.")
def emulate(resident: str, vpcd: str, config_path: str | None) -> None:
    """Put a resident's virtual card into pcscd's vpcd reader until interrupted."""
    from drivers.virtualcard.vpcd import VpcdBridge

    try:
        settings = kiosk_config.load(config_path, {"demo": True})
    except kiosk_config.ConfigError as exc:
        _fail(str(exc))
    residents = composition.residents(settings)
    if resident not in residents:
        _fail(f"no resident '{resident}' (known: {', '.join(residents)})")
    host, _, port = vpcd.rpartition(":")
    if not host or not port.isdigit():
        _fail("--vpcd takes HOST:PORT")
    bridge = VpcdBridge(residents[resident].make_card(composition.virtual_pki(settings)), host, int(port))
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


def _settings(config_path: str | None) -> kiosk_config.Settings:
    try:
        return kiosk_config.load(config_path, None if config_path else {"demo": True})
    except kiosk_config.ConfigError as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits


def _stats_store(config_path: str | None, settings: kiosk_config.Settings | None = None):
    try:
        return composition.stats_store(settings or _settings(config_path))
    except StoreDamagedError as exc:
        _fail(str(exc))


def _accounts(config_path: str | None):
    return composition.account_store(_settings(config_path))


def _stats_line(store) -> str:
    if isinstance(store, LazyStatsStore):
        if store.opened is None:  # the kiosk serves anyway; the sender opens it later
            return f"statistics store: not reachable yet ({store.label}); visits wait in the outbox"
        store = store.opened
    where = store.path if store.is_sqlite else store.engine.url.render_as_string(hide_password=True)
    return f"statistics store: {store.migration} ({where})"


config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False))
encoding_option = click.option(
    "--encoding", type=click.Choice(["utf-8", "cp932"]), default="utf-8", show_default=True,
    help="utf-8 (with BOM) or cp932 (Shift_JIS) for Excel on municipal PCs.",
)  # fmt: skip


@main.command("init-db")
@config_option
def init_db(config_path: str | None) -> None:
    """Create or upgrade the statistics store and the staff accounts (to their newest schemas)."""
    import sqlalchemy.exc

    settings = _settings(config_path)  # read once, for both stores
    try:
        composition.instance_folder(settings, config_path or "config")
        store = composition.stats_store(settings)
    except kiosk_config.ConfigError as exc:
        _fail(str(exc))
    except StoreDamagedError as exc:
        _fail(str(exc))
    except sqlalchemy.exc.SQLAlchemyError as exc:
        _fail(f"statistics store: {exc.__class__.__name__}: {getattr(exc, 'orig', None) or exc}")
    click.echo(_stats_line(store))
    accounts = composition.account_store(settings)
    click.echo(f"staff accounts: {accounts.migration} ({accounts.path})")


@stats.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@encoding_option
@config_option
def export(fmt: str, out: str, encoding: str, config_path: str | None) -> None:
    """Write every statistics event with its chain columns; prints the chain head."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from kiosk.statistics.export_heads import Tail, write_head
    from kiosk.statistics.seal import signed_head
    from kiosk.statistics.store import CSV_ENCODINGS, EXPORT_COLUMNS, write_csv

    settings = _settings(config_path)
    store = _stats_store(config_path, settings)
    tail = Tail(store.events(with_chain=True), store.head_at(dt.datetime.min.replace(tzinfo=dt.UTC)))
    with open(out, "w", encoding=CSV_ENCODINGS[encoding], newline="", errors="replace") as fh:
        count = write_csv(tail, fh, EXPORT_COLUMNS)
    click.echo(f"{count} events written to {out}; chain head {tail.row_hash}")
    # Shifts and staff actions go beside it, so a merge of several kiosks keeps helper hours.
    from kiosk.staff.export import ACTION_EXPORT_COLUMNS, SHIFT_COLUMNS, shift_rows, sibling
    from kiosk.statistics.export_files import signed_files

    accounts = _accounts(config_path)
    for what, rows, columns in (("shifts", shift_rows(accounts.path), SHIFT_COLUMNS),
                                ("staff_actions", accounts.actions.actions(), ACTION_EXPORT_COLUMNS)):  # fmt: skip
        with open(sibling(out, what), "w", encoding=CSV_ENCODINGS[encoding], newline="", errors="replace") as fh:
            write_csv(rows, fh, columns)
        click.echo(f"{len(rows)} {what.replace('_', ' ')} written to {sibling(out, what)}")
    # Help recorded after a visit (assisted, categories, age band) lives in its own rows.
    from kiosk.statistics.help_export import HELP_EXPORT_COLUMNS, help_export_rows

    help_rows = help_export_rows(store)
    with open(sibling(out, "help"), "w", encoding=CSV_ENCODINGS[encoding], newline="", errors="replace") as fh:
        write_csv(help_rows, fh, HELP_EXPORT_COLUMNS)
    click.echo(f"{len(help_rows)} help rows written to {sibling(out, 'help')}")
    # The last row exported and the files beside it, signed: `kiosk stats merge` proves them.
    today = dt.datetime.now(ZoneInfo(settings.timezone)).date().isoformat()
    line = signed_head(settings.instance, today, tail.seq, tail.row_hash)
    files = signed_files(settings.instance, out, today, tail.seq, tail.row_hash)
    click.echo(f"signed head written to {write_head(out, line + chr(10) + files)}")


@stats.command("verify")
@click.option("--head", "heads", multiple=True, help="A line printed by `kiosk stats head` the chain must still hold.")
@config_option
def verify(heads: tuple[str, ...], config_path: str | None) -> None:
    """Check the hash chain; report the first altered, missing or moved row (exit 1)."""
    from kiosk.statistics.seal import SealError, read_signed_head

    settings = _settings(config_path)
    store = _stats_store(config_path, settings)
    report = store.verify()
    for line in heads if report.ok else ():
        try:
            seq, row_hash = read_signed_head(settings.instance, line)
        except SealError as exc:
            _fail(str(exc))
        found = store.hash_at(seq)
        if found != row_hash:
            what = "missing" if found is None else "rewritten"
            report = _broken_report(report, f"row {seq} of the signed head is {what}")
    from kiosk.statistics.help import HelpLedger

    help_problem = HelpLedger(store).verify() if report.ok else ""
    if help_problem:
        report = _broken_report(report, help_problem)
    accounts = composition.account_store(settings)
    shifts = accounts.unproven_shifts() if report.ok else []
    if shifts:
        report = _broken_report(report, f"shift {', '.join(map(str, shifts))} not proven by the seal (edited)")
    gone = accounts.shift_head.problem() if report.ok and accounts.shift_head else ""
    if gone:
        report = _broken_report(report, gone)
    actions = accounts.actions.verify() if report.ok else None
    if actions is not None and not actions.ok:
        report = _broken_report(report, actions.problem)
    if report.ok:
        from kiosk.statistics.checkpoint import remember_proven

        remember_proven(store, report.head)  # the dashboard goes on from here
        click.echo(f"ok: {report.rows} events, chain head {report.head}; {actions.rows} staff actions")
        if report.unproven:
            click.echo(f"note: {report.unproven} predate the seal; the sealed head pins their hashes")
        if report.note:
            click.echo(f"note: {report.note}")
    else:
        click.echo(f"BROKEN after {report.rows} good events: {report.problem}", err=True)
        sys.exit(1)


def _broken_report(report, problem: str):
    from dataclasses import replace

    return replace(report, ok=False, problem=problem)


@stats.command("head")
@click.option("--day", required=True, help="YYYY-MM-DD (local): the chain's head at the end of that day.")
@config_option
def head(day: str, config_path: str | None) -> None:
    """Print the day's chain head, signed with the terminal's key, for the manager to keep."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from kiosk.statistics.seal import signed_head

    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        _fail(f"--day {day!r}: use YYYY-MM-DD")
    settings = _settings(config_path)
    end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), ZoneInfo(settings.timezone))
    seq, row_hash = _stats_store(config_path, settings).head_at(end.astimezone(dt.UTC))
    click.echo(signed_head(settings.instance, day, seq, row_hash))


@stats.command("close-day")
@click.option("--date", "day", help="YYYY-MM-DD (local); today if left out.")
@config_option
def close_day(day: str | None, config_path: str | None) -> None:
    """Print the day's totals and its chain head, signed, for the paper file."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from kiosk.statistics.closeout import close_day as day_close

    settings = _settings(config_path)
    tz = ZoneInfo(settings.timezone)
    try:
        date = dt.date.fromisoformat(day) if day else dt.datetime.now(tz).date()
    except ValueError:
        _fail(f"--date {day!r}: use YYYY-MM-DD")
    accounts = composition.account_store(settings)
    accounts.close_forgotten_shifts(dt.time.fromisoformat(settings.shift_close_time), tz)
    store = _stats_store(config_path, settings)
    done = day_close(store, accounts.shifts(), accounts.actions.actions(), settings.instance, date, tz,
                     dt.datetime.now(dt.UTC))  # fmt: skip
    click.echo(f"close-out {date.isoformat()}  {settings.venue}  {settings.terminal_id}")
    click.echo(f"sessions      {done.sessions}")
    click.echo(f"registered    {done.registered}")
    click.echo(f"assisted      {done.assisted}")
    click.echo(f"helper hours  {done.helper_hours:.2f}")
    for outcome, count in done.by_outcome.items():
        click.echo(f"outcome {outcome:22} {count}")
    for kind, count in done.staff_actions.items():
        click.echo(f"staff action {kind:17} {count}")
    click.echo(done.signed_head)


@stats.command("report")
@click.option("--month", required=True, help="YYYY-MM")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="CSV file; else a table on stdout.")
@click.option("--from-export", "from_export", type=click.Path(exists=True, dir_okay=False),
              help="An events export (or `stats merge` output) instead of this kiosk's store; its shifts beside it.")
@click.option("--pdf", type=click.Path(dir_okay=False, writable=True), help="Also write the A4 実績報告 as a PDF.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True, help="Labels.")
@click.option("--include-training", is_flag=True, help="Count demo and rehearsal visits too (not for the claim).")
@encoding_option
@config_option
def report(month: str, out: str | None, from_export: str | None, pdf: str | None, lang: str,
           include_training: bool, encoding: str, config_path: str | None) -> None:  # fmt: skip
    """The month's figures for the subsidy claim (the same as the manager's report)."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from kiosk.statistics import claim_document, claim_pdf
    from kiosk.statistics.help import events_with_help
    from kiosk.statistics.report import month_bounds, monthly_report, summary_columns, summary_rows
    from kiosk.statistics.store import CSV_ENCODINGS, write_csv

    try:
        dt.datetime.strptime(month, "%Y-%m")
    except ValueError:
        _fail(f"--month {month!r}: use YYYY-MM")
    settings = _settings(config_path)
    tz = ZoneInfo(settings.timezone)
    if from_export:
        events, shifts = _exported(from_export)
        head = events[-1].get("row_hash", "") if events else ""
    else:
        accounts = composition.account_store(settings)
        accounts.close_forgotten_shifts(dt.time.fromisoformat(settings.shift_close_time), tz)
        store = _stats_store(config_path, settings)
        events = events_with_help(store, month_bounds(month, tz), with_chain=True)
        shifts, head = accounts.shifts(), store.head()
    figures = monthly_report(events, shifts, month, tz, dt.datetime.now(dt.UTC), settings.claim,
                             include_training)  # fmt: skip
    rows = summary_rows(figures, lang)
    if pdf:
        venues = sorted(set(figures.figures.by_venue) | set(figures.hours_by_venue)) or [settings.venue]
        chains = claim_document.chain_proofs(events, month_bounds(month, tz)) if from_export else None
        doc = claim_document.build(figures, settings.organisation_name, venues, head,
                                   dt.datetime.now(tz).date(), lang, chains)  # fmt: skip
        with open(pdf, "wb") as fh:
            fh.write(claim_pdf.render_pdf(doc))
        click.echo(f"実績報告 for {month} written to {pdf}")
    if out:
        with open(out, "w", encoding=CSV_ENCODINGS[encoding], newline="", errors="replace") as fh:
            write_csv(rows, fh, summary_columns(lang))
        click.echo(f"{len(rows)} figures for {month} written to {out}")
    elif not pdf:
        section, item, value = summary_columns(lang)[1:]
        for row in rows:
            click.echo(f"{row[section]:22} {row[item]:32} {row[value]}")


def _exported(events_csv: str):
    """Events (the help rows beside them folded in) and shifts of an export (several kiosks'
    once merged), for the same report."""
    from kiosk.staff.export import shifts_of, sibling
    from kiosk.statistics.help import fold_help
    from kiosk.statistics.store import read_csv_export

    shifts_csv, help_csv = sibling(events_csv, "shifts"), sibling(events_csv, "help")
    help_rows = read_csv_export(help_csv) if help_csv.exists() else []
    events = list(fold_help(read_csv_export(events_csv), help_rows))
    return events, shifts_of(read_csv_export(shifts_csv)) if shifts_csv.exists() else []


@stats.command("merge")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--head", "heads", multiple=True, help="A signed head line from the paper file an export must hold.")
@click.option("--key", "keys", multiple=True, help="A terminal's public key (hex); heads signed otherwise are refused.")
def merge(files: tuple[str, ...], out: str, heads: tuple[str, ...], keys: tuple[str, ...]) -> None:
    """Combine several terminals' event exports, counting each event once; each export is
    checked against its signed head (F.csv.head) and the --head lines."""
    from kiosk.statistics.export_heads import check_merge
    from kiosk.statistics.seal import SealError
    from kiosk.statistics.store import EXPORT_COLUMNS, merge_exports, write_csv

    rows, checks = merge_exports(files)
    try:
        lines, refused = check_merge(files, checks, heads, keys)
    except SealError as exc:
        _fail(f"--head: {exc}")
    for line in lines:
        click.echo(line)
    if refused:
        click.echo(f"merge refused: {refused} (nothing written)", err=True)
        sys.exit(1)
    from kiosk.staff.export import ACTION_EXPORT_COLUMNS, SHIFT_COLUMNS, merge_actions, merge_shifts, sibling

    beside = {what: [sibling(f, what) for f in files if sibling(f, what).exists()]
              for what in ("shifts", "staff_actions", "help")}  # fmt: skip
    actions, action_checks = merge_actions(beside["staff_actions"])
    from kiosk.statistics.help_export import HELP_EXPORT_COLUMNS, merge_help

    help_rows, help_checks = merge_help(beside["help"])
    for what, checks_of in (("staff actions", action_checks), ("help rows", help_checks)):
        for path, check in checks_of:
            state = "chain ok" if check.ok else f"CHAIN BROKEN: {check.problem}"
            click.echo(f"{path}: {check.rows} {what}, {state}")
        if not all(check.ok for _, check in checks_of):
            click.echo(f"merge refused: a {what} file's chain cannot be proven (nothing written)", err=True)
            sys.exit(1)
    with open(out, "w", encoding="utf-8-sig", newline="") as fh:
        write_csv(rows, fh, EXPORT_COLUMNS)
    click.echo(f"{len(rows)} distinct events written to {out}")
    for what, merged, columns in (("shifts", merge_shifts(beside["shifts"]), SHIFT_COLUMNS),
                                  ("staff_actions", actions, ACTION_EXPORT_COLUMNS),
                                  ("help", help_rows, HELP_EXPORT_COLUMNS)):  # fmt: skip
        with open(sibling(out, what), "w", encoding="utf-8-sig", newline="") as fh:
            write_csv(merged, fh, columns)
        click.echo(f"{len(merged)} distinct {what.replace('_', ' ')} written to {sibling(out, what)}")


@stats.command("prune")
@click.option("--before", required=True, help="YYYY-MM-DD: raw events that ended before this day go.")
@config_option
def prune(before: str, config_path: str | None) -> None:
    """Retention: fold old raw events into monthly summaries and delete them."""
    import datetime as dt

    try:
        day = dt.date.fromisoformat(before)
    except ValueError:
        _fail(f"--before {before!r}: use YYYY-MM-DD")
    removed = _stats_store(config_path).prune(day)
    click.echo(f"{removed} raw events before {day} folded into monthly summaries")


@main.group()
def staff() -> None:
    """Helpers' accounts."""


def _secret(prompt: str, from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return click.prompt(prompt, hide_input=True, confirmation_prompt=True)


@staff.command("create")
@click.argument("code")
@click.option("--pin-stdin", is_flag=True, help="Read the staff PIN from standard input.")
@config_option
def staff_create(code: str, pin_stdin: bool, config_path: str | None) -> None:
    """Create a helper account (staff code + a PIN of their own, 6-12 digits)."""
    from kiosk.staff.accounts import AccountError

    try:
        _accounts(config_path).create_staff(code, _secret("Staff PIN", pin_stdin))
    except AccountError as exc:
        _fail(str(exc))
    click.echo(f"staff {code} created")


@staff.command("reset-pin")
@click.argument("code")
@click.option("--pin-stdin", is_flag=True, help="Read the new staff PIN from standard input.")
@config_option
def staff_reset_pin(code: str, pin_stdin: bool, config_path: str | None) -> None:
    """Give a helper a new PIN (6-12 digits); also lifts a lock-out. A PIN from before the
    six-digit rule can no longer sign in until this is done."""
    from kiosk.staff.accounts import AccountError

    try:
        _accounts(config_path).reset_pin(code, _secret("New staff PIN", pin_stdin))
    except AccountError as exc:
        _fail(str(exc))
    click.echo(f"staff {code}: new PIN set")


@staff.command("unlock")
@click.argument("code")
@config_option
def staff_unlock(code: str, config_path: str | None) -> None:
    """Lift a helper's lock-out after wrong PINs (it also ends by itself after 15 minutes)."""
    from kiosk.staff.accounts import AccountError

    try:
        _accounts(config_path).unlock_staff(code)
    except AccountError as exc:
        _fail(str(exc))
    click.echo(f"staff {code}: unlocked")


@main.group()
def manager() -> None:
    """Managers' accounts."""


@manager.command("create")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@config_option
def manager_create(name: str, password_stdin: bool, config_path: str | None) -> None:
    """Create a manager account (password of at least 10 characters)."""
    from kiosk.staff.accounts import AccountError

    try:
        _accounts(config_path).create_manager(name, _secret("Password", password_stdin))
    except AccountError as exc:
        _fail(str(exc))
    click.echo(f"manager {name} created")


@main.group()
def gateway() -> None:
    """The simulated registration service."""


@gateway.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8081, show_default=True)
@click.option("--tls-cert", type=click.Path(exists=True, dir_okay=False), help="Serve HTTPS with this certificate.")
@click.option("--tls-key", type=click.Path(exists=True, dir_okay=False))
@click.option("--client-ca", type=click.Path(exists=True, dir_okay=False),
              help="Require client certificates issued by this CA (mutual TLS).")
@config_option
def gateway_serve(host: str, port: int, tls_cert: str | None, tls_key: str | None, client_ca: str | None,
                  config_path: str | None) -> None:
    """Run the simulated registration service (docs/gateway-api.md) until interrupted."""
    from kiosk.gateway.service import create_gateway_app

    settings = _settings(config_path)
    configure_logging(settings.log_level)
    from kiosk.gateway import GatewayUnavailableError, trust_files

    try:
        simulated = composition.simulated_gateway(settings, "gateway-service.sqlite3")
        if tls_cert:  # checked here: gunicorn would fail in its worker, with a traceback
            trust_files.tls_identity(tls_cert, tls_key, "--tls-cert", "--tls-key")
        if client_ca:
            trust_files.certificates(client_ca, "client CA", "--client-ca")
    except kiosk_config.ConfigError as exc:
        _fail(str(exc))
    if simulated.crl_path is not None:
        try:
            simulated.check_crl()  # a CRL that cannot be trusted stops the start, not a resident
        except GatewayUnavailableError as exc:
            _fail(f"key 'gateway_crl_file': {exc}")
    app = create_gateway_app(simulated)
    if tls_cert:
        from kiosk.gateway.service import TlsFiles, serve_https

        click.echo(f"simulated registration service: https://{host}:{port}/v1/", err=True)
        serve_https(app, host, port, TlsFiles(tls_cert, tls_key, client_ca))
    else:
        import waitress

        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        click.echo(f"simulated registration service: http://{host}:{port}/v1/", err=True)
        waitress.serve(app, host=host, port=port, threads=4, ident="madoguchi-gateway")


@main.group()
def voice() -> None:
    """Spoken guidance for the resident screens."""


@voice.command("build")
@click.option("--cache", type=click.Path(file_okay=False), default=str(Path.home() / ".cache" / "madoguchi"),
              show_default=True, help="Where the downloaded HTS voice is kept.")
@click.option("--sdist", type=click.Path(exists=True, dir_okay=False),
              help="A pyopenjtalk-0.4.1.tar.gz fetched elsewhere (offline machines); checked like a download.")
def voice_build(cache: str, sdist: str | None) -> None:
    """Make the audio of every screen whose words changed (Open JTalk, offline)."""
    from flask import Flask
    from flask_babel import Babel

    from kiosk import resources
    from kiosk.i18n import voice as voice_module

    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(resources.TRANSLATIONS_DIR)
    Babel(app)
    made = total = 0
    try:
        with app.app_context():
            for _voice, _key, was_made in voice_module.build(Path(cache), Path(sdist) if sdist else None):
                total += 1
                made += was_made
    except (RuntimeError, OSError) as exc:
        _fail(str(exc))
    click.echo(f"voice guidance: {made} of {total} audio files made, the rest unchanged ({voice_module.VOICE_DIR})")


def register_app_commands(app) -> None:
    @app.cli.command("init-db")
    def init_db() -> None:
        """Create or upgrade the statistics store and the staff accounts (to their newest schemas)."""
        # The app opened (and so migrated) both stores as it was made: report what that did.
        stats = app.extensions["kiosk.terminal"].stats
        click.echo(_stats_line(stats))
        accounts = app.extensions["kiosk.accounts"]
        click.echo(f"staff accounts: {accounts.migration} ({accounts.path})")


def _add_doctor() -> None:
    from kiosk.cli.doctor import doctor  # its own module: the checks are many and independent

    main.add_command(doctor)


_add_doctor()

"""The composition root: every part of the kiosk (reader, registration service, statistics and
account stores, terminal, demo cards) is built here from the validated Settings, for the app
factory and for every CLI command alike."""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from drivers.reader import CardReader
from drivers.virtualcard.inprocess import VirtualReader
from drivers.virtualcard.pki import PkiFileError, VirtualPki
from drivers.virtualcard.residents import Resident, load_residents
from kiosk.gateway import RegistrationGateway, trust_files
from kiosk.gateway.simulator import SimulatedGateway
from kiosk.settings import ConfigError, Settings
from kiosk.slip import SlipPrinter
from kiosk.staff.accounts import AccountStore
from kiosk.statistics.help import staff_pseudonym
from kiosk.statistics.opener import LastHead, LazyStatsStore
from kiosk.statistics.outbox import Outbox
from kiosk.statistics.seal import Seal
from kiosk.statistics.store import StatsStore
from kiosk.visit.helping import HelpDesk
from kiosk.visit.terminal import Terminal
from kiosk.web.venue import VenueWatch


@dataclass
class DemoCards:
    """Demo mode: the in-process reader and the residents whose cards it can hold."""

    reader: VirtualReader
    residents: dict[str, Resident]
    pki: VirtualPki
    current: str | None = None

    def insert(self, key: str) -> None:
        self.reader.insert(self.residents[key].make_card(self.pki))
        self.current = key

    def remove(self) -> None:
        self.reader.remove()
        self.current = None


@dataclass
class Parts:
    """What the app factory hands to the views."""

    terminal: Terminal
    demo: DemoCards | None
    accounts: AccountStore
    slip: SlipPrinter
    help: HelpDesk
    venue: VenueWatch


# The instance folder holds PIN hashes, statistics and keys: nobody else on the box reads them.
PRIVATE_UMASK = 0o077
WRITE_PROBE_BYTES = 64 * 1024  # a start writes SQLite pages and the outbox's first lines


def keep_files_private() -> None:
    """From here on every file and folder this process creates is its user's alone
    (SQLite's -wal/-shm files, the demo CA, anything a library writes)."""
    os.umask(PRIVATE_UMASK)


def private_folder(path: Path) -> Path:
    """``path`` made (0700) if missing, and tightened to 0700 if an older install left it open."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def private_file(path: Path) -> Path:
    """``path`` exists and is 0600 before anything (SQLite, say) writes to it."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)  # a file from an older install: no data was written by us before this
    return path


def instance_folder(settings: Settings, source: str = "config") -> Path:
    """The instance folder, created private and proven writable, with room to write (else a
    one-line ConfigError saying what to do): a full or read-only folder at start would
    otherwise fail deep inside SQLite with a traceback."""
    keep_files_private()
    instance = settings.instance
    probe = instance / ".write-test"
    try:
        private_folder(instance)
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, bytes(WRITE_PROBE_BYTES))  # an empty file fits even on a full disk
            os.fsync(fd)
        finally:
            os.close(fd)
            probe.unlink(missing_ok=True)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            todo = "free space on its disk"
        else:
            todo = "make it writable for the kiosk's user (a read-write mount, owned by that user)"
        raise ConfigError(
            f"{source}: key 'instance_path': {instance} cannot be written ({exc.strerror}): {todo}, then start "
            "again (it holds stats.sqlite3, accounts.sqlite3 and stats-outbox.jsonl)"
        ) from None
    return instance


def instance_secret(instance: Path, name: str, size: int = 32) -> bytes:
    """A per-installation random secret kept in the instance folder (created once, 0600)."""
    path = instance / name
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        # 0600 from its first byte: created with that mode, never chmod'ed afterwards.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(size))
        tmp.replace(path)
    return path.read_bytes()


def secret_key(settings: Settings) -> str:
    return settings.secret_key or instance_secret(settings.instance, "secret.key").hex()


def virtual_pki(settings: Settings) -> VirtualPki:
    """The virtual cards' test CA, kept in the instance folder."""
    try:
        return VirtualPki(settings.instance / "virtualcard")
    except PkiFileError as exc:
        raise ConfigError(f"{exc.path}: the demo's test CA file cannot be used ({exc.reason}); move the "
                          "virtualcard folder aside and start again (a new test CA is made)") from None  # fmt: skip


def residents(settings: Settings) -> dict[str, Resident]:
    return load_residents(settings.residents_file)


def stats_store(settings: Settings, repair_head: bool = False) -> StatsStore:
    """``repair_head``: the kiosk's own start, which may write a new sealed head over a lost one
    (logged as a warning); every command leaves it missing for `kiosk stats verify` to report."""
    instance = private_folder(settings.instance)
    if settings.stats_database_url:
        # A shared server holds several terminals' rows: each kiosk seals and proves its own,
        # with the key in its own instance folder (never on the server).
        return StatsStore(settings.stats_database_url, seal=Seal.in_folder(instance, repair_head=repair_head),
                          sealed_terminal=settings.terminal_id)  # fmt: skip
    # The seal's key and head stay in the instance folder, apart from the database they prove.
    seal = Seal.in_folder(instance, repair_head=repair_head)
    return StatsStore(private_file(instance / "stats.sqlite3"), seal=seal)


def kiosk_statistics(settings: Settings) -> LazyStatsStore:
    """The store the running kiosk writes to, tried once now: a store that is away is opened
    later by the sender (visits wait in the outbox); a damaged, emptied or replaced one stops
    the start (StoreDamagedError, StoreReplacedError), one line each."""
    instance = private_folder(settings.instance)
    target = settings.stats_database_url or str(instance / "stats.sqlite3")
    lazy = LazyStatsStore(lambda: stats_store(settings, repair_head=True), target, LastHead(instance))
    lazy.try_open()
    return lazy


def account_store(settings: Settings, repair_head: bool = False) -> AccountStore:
    instance = private_folder(settings.instance)
    # Shifts are sealed with the statistics' key: their helper hours are subsidy figures too.
    seal = Seal.in_folder(instance, repair_head=repair_head)
    return AccountStore(private_file(instance / "accounts.sqlite3"), seal=seal)


def simulated_gateway(settings: Settings, db_name: str = "gateway.sqlite3") -> SimulatedGateway:
    """The local registration service (demo, training, `kiosk gateway serve`). Outside demo it
    trusts only the CAs named in ``ca_certs``: the virtual cards' test CA (and its private key)
    is made only in demo, never in a production instance folder."""
    if not settings.demo and not settings.ca_certs:
        raise ConfigError("config: key 'gateway_url' is required outside demo (the https:// URL of the "
                          "registration service)")  # fmt: skip
    private_folder(settings.instance)
    ca_paths = list(settings.ca_certs) or [str(virtual_pki(settings).ca_path)]
    cas = [cert for path in ca_paths for cert in trust_files.certificates(path, "CA certificate", "ca_certs")]
    if settings.gateway_crl_file:
        trust_files.crl(settings.gateway_crl_file)  # damaged: said at start, not at a resident's visit
    return SimulatedGateway(
        private_file(settings.instance / db_name), cas,
        crl_path=settings.gateway_crl_file or None, nonce_lifetime=settings.gateway_nonce_seconds,
    )  # fmt: skip


def registration_service(settings: Settings) -> RegistrationGateway:
    """The registration service over HTTP when ``gateway_url`` is set, else the simulated one
    in this process (demo and training)."""
    if not settings.gateway_url:
        return simulated_gateway(settings)
    from kiosk.gateway.client import HttpGateway, HttpGatewaySettings

    if settings.gateway_ca_bundle:
        trust_files.certificates(settings.gateway_ca_bundle, "CA bundle", "gateway_ca_bundle")
    if settings.gateway_client_cert:
        trust_files.tls_identity(settings.gateway_client_cert, settings.gateway_client_key or None,
                                 "gateway_client_cert", "gateway_client_key")  # fmt: skip
    return HttpGateway(
        HttpGatewaySettings(
            url=settings.gateway_url,
            connect_timeout=settings.gateway_connect_timeout,
            read_timeout=settings.gateway_read_timeout,
            attempts=settings.gateway_attempts,
            ca_bundle=settings.gateway_ca_bundle,
            client_cert=settings.gateway_client_cert,
            client_key=settings.gateway_client_key,
        )
    )


def card_reader(settings: Settings) -> tuple[CardReader, DemoCards | None]:
    """The in-process virtual reader with the demo residents, or the PC/SC reader named."""
    if settings.demo:
        reader = VirtualReader()
        return reader, DemoCards(reader, residents(settings), virtual_pki(settings))
    from drivers.pcsc import PcscReader  # pyscard only where a real reader is used

    return PcscReader(settings.reader), None


def build_terminal(settings: Settings, reader: CardReader | None = None) -> tuple[Terminal, DemoCards | None]:
    """The terminal, not started: the command that runs the app starts its card worker."""
    instance = private_folder(settings.instance)
    demo = None
    if reader is None:
        reader, demo = card_reader(settings)
    terminal = Terminal(
        reader=reader,
        gateway=registration_service(settings),
        stats=kiosk_statistics(settings),
        settings=settings,
        installation_key=instance_secret(instance, "installation.key"),
        outbox=Outbox(instance),
    )
    return terminal, demo


def build(settings: Settings, reader: CardReader | None = None) -> Parts:
    """Every part the kiosk app needs."""
    terminal, demo = build_terminal(settings, reader)
    # A finished print job bumps the terminal's version, so the page shows its outcome.
    slip = SlipPrinter(settings.slip_printer, settings.slip_cups_server, terminal.nudge)
    help = HelpDesk(terminal, terminal.stats, settings, terminal.installation_key)
    venue = VenueWatch(settings.venue_peers, settings.venue_token)
    accounts = account_store(settings, repair_head=True)  # the kiosk's start: a lost head is rewritten, warned
    terminal.recorder.on_duty = helpers_on_duty(accounts, settings.terminal_id, terminal.installation_key)
    return Parts(terminal=terminal, demo=demo, accounts=accounts, slip=slip, help=help, venue=venue)


def helpers_on_duty(accounts: AccountStore, terminal_id: str, key: bytes) -> Callable[[], list[str]]:
    """The pseudonyms of the helpers whose shift at ``terminal_id`` is open, the same ones their
    help rows carry: asked by the recorder's writer thread (it reads the accounts file)."""
    return lambda: [staff_pseudonym(key, code) for code, _ in accounts.on_duty(terminal_id)]

"""The kiosk's settings: one typed, frozen object read from one TOML file and validated once at
start, with errors in one line that name the key. Every default is written here and only here."""

from __future__ import annotations

import dataclasses
import logging
import re
import tomllib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk import resources

# The staff listener's thread pool (kiosk/serving.py): long polls may take at most half of it.
STAFF_THREADS = 16


class ConfigError(ValueError):
    """A config problem, in one line that names the key."""


@dataclass(frozen=True)
class ClaimCategory:
    """One case category of the subsidy claim and what a case pays ([[claim.categories]])."""

    id: str
    label_ja: str
    unit_price_yen: int
    scheme: str = ""
    label_en: str = ""


# Kinds of help a helper records on a visit, until the config lists its own ([[claim.categories]]).
DEFAULT_CLAIM_CATEGORIES = (
    ClaimCategory("pin_help", "暗証番号の操作支援", 0, "mynumber_hoken"),
    ClaimCategory("reading_help", "画面の読み上げ・説明", 0, "mynumber_hoken"),
)


@dataclass(frozen=True)
class Claim:
    """The [claim] table: unit prices per category and the terminal's cost lines."""

    categories: tuple[ClaimCategory, ...] = DEFAULT_CLAIM_CATEGORIES
    terminal_purchase_yen: int = 0
    terminal_lease_yen_per_month: int = 0


@dataclass(frozen=True)
class Settings:
    """Every key of config/kiosk.example.toml (which documents each one for the installer)."""

    reader: str = ""
    """The PC/SC reader's name; required unless demo."""
    instance_path: str = str(resources.default_instance_path())
    """Folder for the databases and per-installation keys."""
    ca_certs: tuple[str, ...] = ()
    """CA certificates the simulated registration service trusts (empty: the virtual-card CA)."""
    terminal_id: str = "kiosk-01"
    """This terminal's id, in statistics and shifts."""
    venue: str = "demo"
    """Where the terminal stands, in statistics and shifts."""
    consent_version: str = "2026-11"
    """The consent text's version the resident agrees to."""
    new_card_window_days: int = 90
    """A card issued within this many days counts as new."""
    error_return_seconds: int = 20
    """A problem screen returns to the start after this long."""
    card_reminder_seconds: int = 15
    """Remind the resident to take the card after this long."""
    idle_timeout_seconds: int = 180
    """An unattended screen goes back to the start after this long."""
    idle_warning_seconds: int = 30
    """How long the 'are you still there?' warning shows first."""
    timezone: str = "Asia/Tokyo"
    """Local time zone for days, months and shifts."""
    stats_database_url: str = ""
    """SQLAlchemy URL of the statistics (empty: SQLite in the instance folder)."""
    stats_retry_seconds: int = 5
    """Seconds between tries to deliver the outbox to a store that is away."""
    gateway_url: str = ""
    """The registration service's URL (empty: the simulator in this process)."""
    gateway_ca_bundle: str = ""
    """CA bundle that verifies the registration service."""
    gateway_client_cert: str = ""
    """Client certificate for mutual TLS."""
    gateway_client_key: str = ""
    """The client certificate's key."""
    gateway_connect_timeout: int = 5
    """Seconds to connect to the registration service."""
    gateway_read_timeout: int = 15
    """Seconds to wait for its answer."""
    gateway_attempts: int = 3
    """Tries per request on connection errors, timeouts and 5xx."""
    gateway_crl_file: str = ""
    """CRL the simulated service checks (reloaded when it changes)."""
    gateway_nonce_seconds: int = 120
    """Lifetime of a simulated service's nonce."""
    shift_close_time: str = "19:00"
    """Shifts nobody signed out of end at this local time."""
    manager_session_minutes: int = 30
    """A manager's sign-in lasts this long."""
    age_source: str = "staff"
    """Where the age band comes from: card, staff or none."""
    demo: bool = False
    """Virtual cards instead of a reader."""
    residents_file: str = str(resources.RESIDENTS_FILE)
    """The demo residents (virtual cards)."""
    secret_key: str = ""
    """Flask's secret key (empty: a random one kept in the instance folder)."""
    default_language: str = "ja"
    """The language a visit starts in."""
    helpline_name: str = "マイナンバー総合フリーダイヤル"
    """Helpline shown on problem screens."""
    helpline_phone: str = "0120-95-0178"
    """Its phone number."""
    counter_name: str = "市民課 住民窓口"
    """The counter residents are sent to."""
    counter_hours: str = "平日 8:30〜17:15"
    """Its opening hours."""
    counter_place: str = ""
    """Where the counter is, printed on the slip (optional)."""
    helpline_name_by_language: tuple[tuple[str, str], ...] = ()
    """The helpline's name per resident language code (one left out: the Japanese one)."""
    counter_name_by_language: tuple[tuple[str, str], ...] = ()
    """The counter's name per resident language code."""
    counter_hours_by_language: tuple[tuple[str, str], ...] = ()
    """Its opening hours per resident language code."""
    counter_place_by_language: tuple[tuple[str, str], ...] = ()
    """Where it is, per resident language code."""
    slip_printer: str = ""
    """The CUPS queue for the slip to take home; empty: no printer and no 'print a slip' button."""
    slip_cups_server: str = ""
    """host:port of the CUPS server; empty: the CUPS client's default."""
    audio_output: str = ""
    """The sound card (as `aplay -l` names it) `kiosk doctor` checks; empty: not checked."""
    log_level: str = "INFO"
    """Logging level on stderr: DEBUG, INFO, WARNING or ERROR."""
    training: bool = False
    """Rehearsals: every visit is flagged as training and left out of reports and exports."""
    organisation_name: str = ""
    """団体名 on the monthly 実績報告 (the municipality filing the claim)."""
    claim: Claim = Claim()
    """Unit prices per case category and the terminal's cost ([claim] table)."""
    counter_call_name: str = "市民課 マイナンバー担当"
    """Who a helper calls from the panel ('call the counter')."""
    counter_call_extension: str = ""
    """Their internal phone extension, shown on the helper panel."""
    venue_peers: tuple[str, ...] = ()
    """Staff URLs of the other kiosks at this venue (https://host/staff/), for the venue view."""
    venue_token: str = ""
    """Shared secret of the venue's kiosks: the venue view reads the peers' state with it."""
    resident_port: int = 8080
    """The resident and demo pages' port, always on 127.0.0.1 (the kiosk's own browser)."""
    staff_host: str = "127.0.0.1"
    """Where the staff, manager and /healthz listener binds (the TLS front forwards to it)."""
    staff_port: int = 8088
    """That listener's port."""
    staff_long_polls: int = 8
    """Staff panels waiting on a change at once; more are answered at once and poll later."""

    @property
    def instance(self) -> Path:
        return Path(self.instance_path)

    def local(self, key: str, language: str) -> str:
        """A helpline or counter setting (``LOCAL_KEYS``) as a resident reading ``language``
        sees it: its own value for that language if the config gives one, else the Japanese."""
        if key not in LOCAL_KEYS:
            raise KeyError(key)
        return dict(getattr(self, f"{key}_by_language")).get(language) or getattr(self, key)


_TYPES = typing.get_type_hints(Settings)
KEYS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Settings))
# Keys holding file names: relative to the config file's folder when read from one.
_PATH_KEYS = ("instance_path", "residents_file", "gateway_ca_bundle", "gateway_client_cert", "gateway_client_key",
              "gateway_crl_file")  # fmt: skip


# Words that come from the config, shown to residents in their own language when given one.
LOCAL_KEYS = ("helpline_name", "counter_name", "counter_hours", "counter_place")
_BY_LANGUAGE = tuple(f"{key}_by_language" for key in LOCAL_KEYS)


def _toml_type(key: str) -> type:
    if key in _BY_LANGUAGE:
        return dict
    hint = _TYPES[key]
    return list if typing.get_origin(hint) is tuple else hint


def _claim(table: object, source: str) -> Claim:
    if isinstance(table, Claim):
        return table
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: key 'claim' must be a table")
    known = {"categories", "terminal_purchase_yen", "terminal_lease_yen_per_month"}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"{source}: unknown key 'claim.{key}'")
        if key != "categories" and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise ConfigError(f"{source}: key 'claim.{key}' must be a whole number of yen")
    categories = []
    for i, row in enumerate(table.get("categories", [])):
        where = f"claim.categories[{i}]"
        if not isinstance(row, dict) or not {"id", "label_ja", "unit_price_yen"} <= row.keys():
            raise ConfigError(f"{source}: key '{where}' needs id, label_ja and unit_price_yen")
        fields = {f.name for f in dataclasses.fields(ClaimCategory)}
        if unknown := sorted(row.keys() - fields):
            raise ConfigError(f"{source}: unknown key '{where}.{unknown[0]}'")
        price = row["unit_price_yen"]
        if not isinstance(price, int) or isinstance(price, bool) or price < 0:
            raise ConfigError(f"{source}: key '{where}.unit_price_yen' must be a whole number of yen")
        if not all(isinstance(row[k], str) for k in row if k != "unit_price_yen"):
            raise ConfigError(f"{source}: key '{where}' id, labels and scheme must be text")
        categories.append(ClaimCategory(**row))
    ids = [c.id for c in categories]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{source}: key 'claim.categories' has an id twice")
    others = {k: v for k, v in table.items() if k != "categories"}
    return Claim(categories=tuple(categories), **others)


def validate(values: dict[str, Any], source: str = "config") -> Settings:
    """Settings from ``values`` over the defaults; raise ConfigError naming any bad key."""
    values = dict(values)
    if "claim" in values:
        values["claim"] = _claim(values["claim"], source)
    for key, value in values.items():
        if key not in _TYPES:
            raise ConfigError(f"{source}: unknown key '{key}'")
        expected = _toml_type(key)
        if isinstance(value, tuple) and expected is list:
            value = list(value)
        if isinstance(value, tuple) and expected is dict:
            value = dict(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            kind = "table" if expected is dict else expected.__name__
            raise ConfigError(f"{source}: key '{key}' must be a {kind}")
    values = dict(values)
    for key in ("ca_certs", "venue_peers"):
        if key in values and not all(isinstance(p, str) for p in values[key]):
            raise ConfigError(f"{source}: key '{key}' must be a list of strings")
    if "venue_peers" in values:
        values["venue_peers"] = tuple(values["venue_peers"])
    if "ca_certs" in values:
        if not all(isinstance(p, str) for p in values["ca_certs"]):
            raise ConfigError(f"{source}: key 'ca_certs' must be a list of file paths")
        values["ca_certs"] = tuple(values["ca_certs"])
    for key in _BY_LANGUAGE:
        if key in values:
            values[key] = _by_language(key, values[key], source)
    settings = Settings(**values)
    _check(settings, source)
    return settings


def _by_language(key: str, table: dict | tuple, source: str) -> tuple[tuple[str, str], ...]:
    """A TOML table of language code → text, as a sorted tuple (Settings stays hashable)."""
    from kiosk.i18n.languages import LANGUAGES

    pairs = tuple(sorted(dict(table).items()))
    for code, text in pairs:
        if code not in LANGUAGES or code == "ja":
            others = ", ".join(c for c in LANGUAGES if c != "ja")
            raise ConfigError(f"{source}: key '{key}' has '{code}': use one of {others}")
        if not isinstance(text, str):
            raise ConfigError(f"{source}: key '{key}' must map language codes to text")
    return pairs


def _check(settings: Settings, source: str) -> None:
    from zoneinfo import ZoneInfo

    from kiosk.i18n.languages import LANGUAGES

    if settings.default_language not in LANGUAGES:
        raise ConfigError(f"{source}: key 'default_language' must be one of {', '.join(LANGUAGES)}")
    if not settings.demo and settings.staff_host not in ("127.0.0.1", "localhost", "::1"):
        # Staff PINs and cookies never cross the LAN in clear: the TLS front (deploy/) on this box
        # is the only way in from the LAN.
        raise ConfigError(f"{source}: key 'staff_host' must be 127.0.0.1 outside demo: the LAN reaches "
                          "the staff pages only through the TLS front (deploy/nginx)")  # fmt: skip
    try:
        ZoneInfo(settings.timezone)
    except (ValueError, KeyError, OSError):
        raise ConfigError(f"{source}: key 'timezone' is not a known time zone") from None
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", settings.shift_close_time):
        raise ConfigError(f"{source}: key 'shift_close_time' must look like \"19:00\"")
    if settings.age_source not in ("card", "staff", "none"):
        raise ConfigError(f"{source}: key 'age_source' must be \"card\", \"staff\" or \"none\"")
    if not isinstance(logging.getLevelName(settings.log_level.upper()), int):
        raise ConfigError(f"{source}: key 'log_level' must be DEBUG, INFO, WARNING or ERROR")
    if settings.gateway_url and not _gateway_url_allowed(settings):
        raise ConfigError(f"{source}: key 'gateway_url' must be an https:// URL")
    for peer in settings.venue_peers:
        if not _peer_url_allowed(peer):
            raise ConfigError(f"{source}: key 'venue_peers' must list https:// URLs (http:// only on loopback)")
    if settings.venue_peers and len(settings.venue_token) < 16:
        raise ConfigError(f"{source}: key 'venue_token' must be at least 16 characters when venue_peers is set")
    for key in ("resident_port", "staff_port"):
        if not 0 <= getattr(settings, key) <= 65535:
            raise ConfigError(f"{source}: key '{key}' must be a port number (0-65535)")
    if settings.resident_port and settings.resident_port == settings.staff_port:
        raise ConfigError(f"{source}: key 'staff_port' must differ from 'resident_port'")
    if not 1 <= settings.staff_long_polls <= STAFF_THREADS // 2:
        raise ConfigError(f"{source}: key 'staff_long_polls' must be 1 to {STAFF_THREADS // 2} "
                          "(the rest of the staff listener's threads answer sign-in and /healthz)")  # fmt: skip
    if not settings.demo and not settings.reader:
        raise ConfigError(f"{source}: key 'reader' is required (the PC/SC reader name)")


def _gateway_url_allowed(settings: Settings) -> bool:
    """https:// only: the card's proof and the consent travel in it. Plain http:// is kept for
    demo against a loopback test server, never for a service across a network."""
    from urllib.parse import urlsplit

    url = urlsplit(settings.gateway_url)
    if url.scheme == "https" and url.hostname:
        return True
    return settings.demo and url.scheme == "http" and url.hostname in ("127.0.0.1", "localhost", "::1")


def _peer_url_allowed(peer: str) -> bool:
    """The venue token travels to each peer: only over TLS, or on this box's loopback."""
    from urllib.parse import urlsplit

    url = urlsplit(peer)
    if url.scheme == "https" and url.hostname:
        return True
    return url.scheme == "http" and url.hostname in ("127.0.0.1", "localhost", "::1")


def load(path: str | Path | None, overrides: dict[str, Any] | None = None) -> Settings:
    """Read and validate a TOML config file (``None``: defaults only), then ``overrides``."""
    values: dict[str, Any] = {}
    source = "config"
    if path is not None:
        source = str(path)
        try:
            with open(path, "rb") as fh:
                values = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"{source}: file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{source}: not valid TOML ({exc})") from None
        base = Path(path).resolve().parent
        for key in _PATH_KEYS:
            if key in values and isinstance(values[key], str) and values[key]:
                values[key] = str((base / values[key]).resolve())
        if isinstance(values.get("ca_certs"), list):
            values["ca_certs"] = [str((base / p).resolve()) if isinstance(p, str) else p for p in values["ca_certs"]]
    values.update(overrides or {})
    return validate(values, source)

"""The kiosk's one TOML config file, validated at start with errors that name the key."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from kiosk import resources


class ConfigError(ValueError):
    """A config problem, in one line that names the key."""


# key: (type, default, what it is). The example config documents the same keys.
SCHEMA: dict[str, tuple[type, Any]] = {
    "reader": (str, ""),
    "instance_path": (str, str(resources.default_instance_path())),
    "ca_certs": (list, []),
    "terminal_id": (str, "kiosk-01"),
    "venue": (str, "demo"),
    "consent_version": (str, "2026-11"),
    "new_card_window_days": (int, 90),
    "error_return_seconds": (int, 20),
    "card_reminder_seconds": (int, 15),
    "idle_timeout_seconds": (int, 180),
    "timezone": (str, "Asia/Tokyo"),
    "stats_database_url": (str, ""),
    "gateway_url": (str, ""),
    "gateway_ca_bundle": (str, ""),
    "gateway_client_cert": (str, ""),
    "gateway_client_key": (str, ""),
    "gateway_connect_timeout": (int, 5),
    "gateway_read_timeout": (int, 15),
    "gateway_attempts": (int, 3),
    "gateway_crl_file": (str, ""),
    "gateway_nonce_seconds": (int, 120),
    "shift_close_time": (str, "19:00"),
    "manager_session_minutes": (int, 30),
    "idle_warning_seconds": (int, 30),
    "age_source": (str, "card"),
    "demo": (bool, False),
    "residents_file": (str, str(resources.RESIDENTS_FILE)),
    "secret_key": (str, ""),
    "default_language": (str, "ja"),
    "helpline_name": (str, "マイナンバー総合フリーダイヤル"),
    "helpline_phone": (str, "0120-95-0178"),
    "counter_name": (str, "市民課 住民窓口"),
    "counter_hours": (str, "平日 8:30〜17:15"),
    "counter_place": (str, ""),  # where the counter is, for the slip (e.g. "本庁舎 1階 3番窓口")
    "slip_printer": (str, ""),  # the CUPS queue for slips; empty: no printer, no 'print a slip' button
    "slip_cups_server": (str, ""),  # host[:port] of the CUPS server; empty: the client's default
}


def validate(values: dict[str, Any], source: str = "config") -> dict[str, Any]:
    """Merge ``values`` over the defaults; raise ConfigError naming any bad key."""
    settings = {key: default for key, (_, default) in SCHEMA.items()}
    for key, value in values.items():
        if key not in SCHEMA:
            raise ConfigError(f"{source}: unknown key '{key}'")
        expected, _ = SCHEMA[key]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{source}: key '{key}' must be a {expected.__name__}")
        settings[key] = value
    if not all(isinstance(p, str) for p in settings["ca_certs"]):
        raise ConfigError(f"{source}: key 'ca_certs' must be a list of file paths")
    from kiosk.i18n.languages import LANGUAGES

    if settings["default_language"] not in LANGUAGES:
        raise ConfigError(f"{source}: key 'default_language' must be one of {', '.join(LANGUAGES)}")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(settings["timezone"])
    except (ValueError, KeyError, OSError):
        raise ConfigError(f"{source}: key 'timezone' is not a known time zone") from None
    import re

    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", settings["shift_close_time"]):
        raise ConfigError(f"{source}: key 'shift_close_time' must look like \"19:00\"")
    if settings["age_source"] not in ("card", "staff", "none"):
        raise ConfigError(f"{source}: key 'age_source' must be \"card\", \"staff\" or \"none\"")
    if not settings["demo"] and not settings["reader"]:
        raise ConfigError(f"{source}: key 'reader' is required (the PC/SC reader name)")
    return settings


def load(path: str | Path | None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Read and validate a TOML config file (``None``: defaults only)."""
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
        for key in ("instance_path", "residents_file", "gateway_ca_bundle", "gateway_client_cert",
                    "gateway_client_key", "gateway_crl_file"):
            if key in values and isinstance(values[key], str) and values[key]:
                values[key] = str((base / values[key]).resolve())
        if isinstance(values.get("ca_certs"), list):
            values["ca_certs"] = [str((base / p).resolve()) if isinstance(p, str) else p for p in values["ca_certs"]]
    values.update(overrides or {})
    return validate(values, source)

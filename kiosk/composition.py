"""Builds the terminal's parts from validated settings (reader, gateway, stores, keys)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drivers.reader import CardReader
from drivers.virtualcard.inprocess import VirtualReader
from drivers.virtualcard.pki import VirtualPki
from drivers.virtualcard.residents import Resident, load_residents
from kiosk.gateway.simulator import SimulatedGateway, load_ca_certificates
from kiosk.statistics.store import StatsStore
from kiosk.visit.terminal import Terminal, TerminalSettings


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


def instance_secret(instance: Path, name: str, size: int = 32) -> bytes:
    """A per-installation random secret kept in the instance folder (created once, 0600)."""
    path = instance / name
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(secrets.token_bytes(size))
        tmp.chmod(0o600)
        tmp.replace(path)
    return path.read_bytes()


def build_gateway(settings: dict[str, Any], instance: Path, pki: VirtualPki):
    """The registration service over HTTP when ``gateway_url`` is set, else the simulated one
    in this process (demo and training)."""
    if settings["gateway_url"]:
        from kiosk.gateway.client import HttpGateway, HttpGatewaySettings

        return HttpGateway(
            HttpGatewaySettings(
                url=settings["gateway_url"],
                connect_timeout=settings["gateway_connect_timeout"],
                read_timeout=settings["gateway_read_timeout"],
                attempts=settings["gateway_attempts"],
                ca_bundle=settings["gateway_ca_bundle"],
                client_cert=settings["gateway_client_cert"],
                client_key=settings["gateway_client_key"],
            )
        )
    ca_paths = settings["ca_certs"] or [str(pki.ca_path)]
    return SimulatedGateway(
        instance / "gateway.sqlite3", load_ca_certificates(ca_paths), crl_path=settings["gateway_crl_file"] or None
    )


def build_terminal(settings: dict[str, Any], reader: CardReader | None = None) -> tuple[Terminal, DemoCards | None]:
    instance = Path(settings["instance_path"])
    instance.mkdir(parents=True, exist_ok=True)
    pki = VirtualPki(instance / "virtualcard")
    gateway = build_gateway(settings, instance, pki)
    demo = None
    if reader is None:
        if settings["demo"]:
            reader = VirtualReader()
            demo = DemoCards(reader, load_residents(settings["residents_file"]), pki)
        else:
            from drivers.pcsc import PcscReader  # pyscard only where a real reader is used

            reader = PcscReader(settings["reader"])
    terminal = Terminal(
        reader=reader,
        gateway=gateway,
        stats=StatsStore(settings["stats_database_url"] or instance / "stats.sqlite3"),
        settings=TerminalSettings(
            terminal_id=settings["terminal_id"],
            venue=settings["venue"],
            consent_version=settings["consent_version"],
            new_card_window_days=settings["new_card_window_days"],
            error_return_seconds=settings["error_return_seconds"],
            card_reminder_seconds=settings["card_reminder_seconds"],
            age_source=settings["age_source"],
            default_language=settings["default_language"],
            installation_key=instance_secret(instance, "installation.key"),
        ),
    )
    return terminal, demo

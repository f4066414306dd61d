"""Demo residents (``config/residents.toml``) and the virtual cards made for them."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

from drivers.virtualcard.card import CardProfile, VirtualMyNumberCard
from drivers.virtualcard.pki import VirtualPki

DEFAULT_RESIDENTS = Path(__file__).resolve().parents[2] / "config" / "residents.toml"


class ResidentConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Resident:
    """A fictional resident. The PIN lives only here and on the virtual card."""

    key: str
    label: str
    birth_date: dt.date
    pin: str = "1234"
    tries_left: int = 3
    kenhojo_tries_left: int = 3
    cert_issued_days_ago: int = 400
    cert_valid_days: int = 1826
    face_auth_only: bool = False
    my_number_card: bool = True  # False: a card of another kind (a bank or clinic card)

    def make_card(self, pki: VirtualPki, quirks: frozenset[str] = frozenset()) -> VirtualMyNumberCard:
        if not self.my_number_card:
            return OtherCard()  # type: ignore[return-value]
        credentials = pki.credentials(self.key, self.cert_issued_days_ago, self.cert_valid_days)
        profile = CardProfile(
            pin=self.pin,
            birth_date=self.birth_date,
            tries_left=self.tries_left,
            kenhojo_tries_left=self.kenhojo_tries_left,
            face_auth_only=self.face_auth_only,
        )
        return VirtualMyNumberCard(profile, credentials, quirks)


class OtherCard:
    """A chip card that is not a My Number card: every SELECT of our AIDs fails."""

    atr = bytes.fromhex("3B8F800180318065B0850300EF120FFF82900073")

    def reset(self) -> None:
        pass

    def transmit(self, apdu: bytes) -> bytes:
        return bytes.fromhex("6A82")


_FIELDS = {
    "label": str,
    "birth_date": dt.date,
    "pin": str,
    "tries_left": int,
    "kenhojo_tries_left": int,
    "cert_issued_days_ago": int,
    "cert_valid_days": int,
    "face_auth_only": bool,
    "my_number_card": bool,
}


def load_residents(path: str | Path = DEFAULT_RESIDENTS) -> dict[str, Resident]:
    """Read the residents file; an unknown key or a wrong type names the resident and key."""
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:  # one line for the operator, not a traceback
        raise ResidentConfigError(
            f"{path}: cannot read the residents file ({exc}); restore it or set residents_file"
        ) from exc
    residents: dict[str, Resident] = {}
    for key, entry in raw.get("resident", {}).items():
        for name, value in entry.items():
            expected = _FIELDS.get(name)
            if expected is None:
                raise ResidentConfigError(f"{path}: resident.{key}: unknown key '{name}'")
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise ResidentConfigError(f"{path}: resident.{key}.{name}: expected {expected.__name__}")
        if "birth_date" not in entry:
            raise ResidentConfigError(f"{path}: resident.{key}: missing 'birth_date'")
        residents[key] = Resident(
            key=key, label=entry.get("label", key), **{k: v for k, v in entry.items() if k != "label"}
        )
    if not residents:
        raise ResidentConfigError(
            f"{path}: the residents file has no [resident.NAME] tables; add at least one (the fields are in "
            f"{DEFAULT_RESIDENTS}) or remove key 'residents_file' to use that shipped file"
        )
    return residents

"""What the kiosk does with a card, step by step, in domain terms (no Flask, no threads of its own)."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509

from drivers.errors import CardError, CardRemovedError, ReaderUnavailableError
from drivers.mynumber import (
    PIN_MAX_TRIES,
    CardDataError,
    MyNumberCard,
    NoPinSetError,
    NotMyNumberCardError,
    PinLockedError,
    digest_info_sha256,
)
from kiosk.gateway import (
    Challenge,
    GatewayUnavailableError,
    RegistrationGateway,
    RegistrationResult,
    RegistrationStatus,
    signed_payload,
)
from kiosk.visit.flow import CardFacts, Reason

log = logging.getLogger(__name__)


@dataclass
class CardInHand:
    """The open session with the card now in the reader, and its certificate (never stored)."""

    session: MyNumberCard
    certificate: bytes
    facts: CardFacts


class TriesChangedError(CardError):
    """The counter is not what the resident was shown: never VERIFY on stale information."""

    def __init__(self, tries_left: int) -> None:
        super().__init__(f"tries left changed to {tries_left}")
        self.tries_left = tries_left


def holder_key(certificate: x509.Certificate, installation_key: bytes) -> str:
    """A pseudonym for repeat-visit counting: keyed hash of issuer and serial, per installation."""
    material = certificate.issuer.public_bytes() + certificate.serial_number.to_bytes(20, "big")
    return hmac.new(installation_key, material, "sha256").hexdigest()[:32]


def inspect_card(
    session: MyNumberCard, installation_key: bytes, new_card_days: int, today: dt.datetime | None = None
) -> CardInHand:
    """Read what is free to read: the certificate and the tries left. No PIN is sent."""
    der = session.read_auth_certificate()
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise CardDataError("the authentication certificate is not X.509") from exc
    try:
        tries: int | None = session.tries_left()
    except NoPinSetError:
        tries = None
    now = today or dt.datetime.now(dt.UTC)
    facts = CardFacts(
        tries_left=tries,
        cert_expired=not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc,
        new_card=now - cert.not_valid_before_utc <= dt.timedelta(days=new_card_days),
        holder_key=holder_key(cert, installation_key),
    )
    return CardInHand(session, der, facts)


@dataclass(frozen=True)
class Registered:
    result: RegistrationResult
    age_band: str | None = None


def age_band(birth_date: dt.date, today: dt.date) -> str:
    """The statistics' age band; the birth date itself is never kept."""
    age = today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
    if age >= 75:
        return "75+"
    if age >= 65:
        return "65-74"
    return "under_65"


def read_age_band(card: CardInHand, pin: bytes | bytearray, today: dt.date) -> str | None:
    """The age band from the 券面事項入力補助AP, risking nothing on its PIN counter.

    Called only after the JPKI PIN was verified with the same digits. One VERIFY at most,
    and only if that AP's own counter is full: a resident whose two PINs differ loses one
    try on a counter that three more correct entries restore, never a lock. Any failure
    gives no band; the registration stands."""
    try:
        kenhojo = card.session.kenhojo
        if kenhojo.tries_left() != PIN_MAX_TRIES:
            return None
        kenhojo.verify_pin(pin)
        return age_band(kenhojo.birth_date(), today)
    except CardError as exc:
        log.info("age band not read: %s", type(exc).__name__)
        return None


@dataclass(frozen=True)
class Proof:
    """What the card gave for one nonce: its signature and, if read, the age band."""

    signature: bytes
    age_band: str | None = None


CardSteps = Callable[[Callable[[], Proof]], Proof]


def _right_here(steps: Callable[[], Proof]) -> Proof:
    return steps()


def prove(
    card: CardInHand, pin: bytearray, tries_shown: int, payload: bytes, read_age: bool = False,
    today: dt.date | None = None,
) -> Proof:  # fmt: skip
    """The card steps alone (the card worker's part): verify the PIN only if the counter still
    says what the screen said, sign ``payload`` (``kiosk.gateway.signed_payload``) and, only if
    the resident said yes to it on its own screen (``read_age``), read the age band. The PIN is
    wiped before this returns or raises, and the card is reset: a verified PIN never outlives
    these steps, whatever the visit does next (done, error, cancel, timeout, a helper's cancel),
    and no other program on the kiosk reaches the card while they run."""
    try:
        with card.session.held_then_reset() as session:
            tries = session.tries_left()
            if tries != tries_shown:
                raise TriesChangedError(tries)
            session.verify_pin(pin)
            signature = session.sign(digest_info_sha256(payload))
            band = read_age_band(card, pin, today or dt.date.today()) if read_age else None
    finally:
        pin[:] = bytes(len(pin))  # wipe our copy of the PIN as soon as the card is done with it
    return Proof(signature, band)


def prove_and_register(
    card: CardInHand,
    pin: bytearray,
    tries_shown: int,
    gateway: RegistrationGateway,
    consent_version: str,
    terminal_id: str,
    read_age: bool = False,
    today: dt.date | None = None,
    on_card: CardSteps = _right_here,
    challenge: Challenge | None = None,
) -> Registered:
    """Run the card steps (``prove``, signing the nonce together with ``consent_version`` and
    ``terminal_id`` so neither can be changed on the way) through ``on_card``, which may run them
    on another thread (the card worker) and wait; then register.

    The kiosk passes the ``challenge`` it fetched when the PIN screen was shown, so no PIN waits
    for a nonce (or its retries); without one (tools, the bench) it is fetched here first. The
    PIN is gone before any network wait or retry, and an unreachable gateway costs nothing on
    the card. Raises WrongPinError, PinLockedError, TriesChangedError, GatewayUnavailableError
    or a card error."""
    try:
        challenge = challenge or gateway.challenge()
        payload = signed_payload(challenge.nonce, consent_version, terminal_id)
        proof = on_card(lambda: prove(card, pin, tries_shown, payload, read_age, today))
    finally:
        pin[:] = bytes(len(pin))  # also when no nonce came or the card steps never ran
    result = gateway.register(card.certificate, proof.signature, challenge.nonce, consent_version, terminal_id)
    registered = result.status in (RegistrationStatus.REGISTERED, RegistrationStatus.ALREADY_REGISTERED)
    return Registered(result, proof.age_band if registered else None)


_REASONS: tuple[tuple[type[BaseException], Reason], ...] = (
    (CardRemovedError, Reason.CARD_REMOVED),
    (ReaderUnavailableError, Reason.READER_UNAVAILABLE),
    (NotMyNumberCardError, Reason.NOT_MY_NUMBER_CARD),
    (PinLockedError, Reason.PIN_LOCKED),
    (NoPinSetError, Reason.NO_PIN_SET),
    (GatewayUnavailableError, Reason.GATEWAY_UNAVAILABLE),
)


def reason_for(exc: BaseException) -> Reason:
    """The one place where card and gateway errors become what the resident is told."""
    return next((reason for kind, reason in _REASONS if isinstance(exc, kind)), Reason.CARD_UNREADABLE)

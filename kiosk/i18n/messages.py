"""Every message a resident can be shown for a reason, in one place (the catalogs translate)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from kiosk.visit.flow import Reason


@dataclass(frozen=True)
class ReasonMessage:
    title: object
    body: object
    next_step: object
    gentle: bool = False  # not a failure (the resident chose to stop): no warning colours
    asks_helper: bool = False  # next_step says 'call the helper': not shown once the call has gone out


MESSAGES: dict[Reason, ReasonMessage] = {
    Reason.REGISTERED: ReasonMessage(
        _l("Registration is complete"),
        _l("You can now use your My Number card as your health insurance card."),
        _l("Please take your card."),
        gentle=True,
    ),
    Reason.ALREADY_REGISTERED: ReasonMessage(
        _l("This card is already registered"),
        _l("Your card can already be used as your health insurance card. Nothing more is needed."),
        _l("Please take your card."),
        gentle=True,
    ),
    Reason.WRONG_PIN: ReasonMessage(
        _l("The PIN was not correct"),
        _l("Please check the 4-digit PIN and enter it again."),
        _l("If you are not sure of your PIN, please ask the helper before trying again."),
    ),
    Reason.TRIES_CHANGED: ReasonMessage(
        _l("Please check the tries left"),
        _l("The card shows a different number of tries than before. Your PIN was not sent."),
        _l("If you are not sure of your PIN, please ask the helper before trying again."),
    ),
    Reason.ONE_TRY_LEFT: ReasonMessage(
        _l("Only 1 try is left"),
        _l("If the PIN is wrong once more, it locks."),
        # The helper is called as this screen opens (Flow._hold), so it never asks for one.
        _l("Please leave the card on the reader. The helper is coming."),
    ),
    Reason.PIN_LOCKED: ReasonMessage(
        _l("The PIN of this card is locked"),
        _l("The PIN was entered wrongly too many times. Your card is not broken."),
        _l("The city office counter can unlock it. Please bring this card there."),
    ),
    Reason.NO_PIN_SET: ReasonMessage(
        _l("This card has no PIN"),
        _l("This card is used with face recognition, so it cannot be registered here."),
        _l("Please ask the helper. A clinic's face recognition card reader can register it."),
    ),
    Reason.CERT_EXPIRED: ReasonMessage(
        _l("The card's certificate has expired"),
        _l("The electronic certificate on the card has reached its expiry date."),
        _l("The city office counter renews it free of charge. Please bring this card there."),
    ),
    Reason.NOT_MY_NUMBER_CARD: ReasonMessage(
        _l("This card cannot be used here"),
        _l("This is not a My Number card, or it was placed the wrong way round."),
        _l("Please check the card and place it again, face up."),
    ),
    Reason.CARD_UNREADABLE: ReasonMessage(
        _l("The card could not be read"),
        _l("The card could not be read properly."),
        _l("Place the card again, alone and face up. If this happens again, please call the helper."),
        asks_helper=True,
    ),
    Reason.CARD_REMOVED: ReasonMessage(
        _l("The card was taken out"),
        _l("The card left the reader before the end. Nothing was registered."),
        _l("To start again, place the card on the reader."),
    ),
    Reason.READER_UNAVAILABLE: ReasonMessage(
        _l("The card reader is not working"),
        _l("The card reader is not connected. Nothing was registered."),
        _l("Please call the helper."),
        asks_helper=True,
    ),
    Reason.GATEWAY_UNAVAILABLE: ReasonMessage(
        _l("The registration system cannot be reached"),
        _l("Nothing was registered."),
        _l("Please try again later or ask the helper."),
    ),
    Reason.REGISTRATION_REFUSED: ReasonMessage(
        _l("The registration was not accepted"),
        _l("The registration system could not confirm this card. Nothing was registered."),
        _l("Please call the helper."),
        asks_helper=True,
    ),
    Reason.DECLINED: ReasonMessage(
        _l("You chose not to register today"),
        _l("Nothing was changed."),
        _l("You can register another day."),
        gentle=True,
    ),
    Reason.TIMED_OUT: ReasonMessage(
        _l("We stopped because nobody touched the screen"),
        _l("Nothing was registered."),
        _l("You can start again at any time."),
        gentle=True,
    ),
    Reason.CANCELLED: ReasonMessage(
        _l("Stopped"),
        _l("Nothing was registered."),
        _l("You can start again at any time."),
        gentle=True,
    ),
}

"""The words on a slip, in the resident's language and in Japanese (pure data, no PDF)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kiosk.i18n.languages import language
from kiosk.i18n.messages import MESSAGES
from kiosk.settings import Settings
from kiosk.visit.flow import Reason


@dataclass(frozen=True)
class SlipSection:
    heading: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Slip:
    """One slip: a title and sections per language, the resident's first, Japanese beside it."""

    printed_on: date
    columns: tuple[tuple[str, str, tuple[SlipSection, ...]], ...]  # (language code, title, sections)

    def text(self) -> str:
        """Every word on the slip, for logs-free checks and tests."""
        parts = [self.printed_on.isoformat()]
        for _code, title, sections in self.columns:
            parts.append(title)
            for s in sections:
                parts.append(s.heading)
                parts.extend(s.lines)
        return "\n".join(parts)


# The screen's next step asks about the card on the reader; the slip is read at home.
_SLIP_NEXT_STEP = {
    Reason.REGISTERED: _l("At clinics and pharmacies, you show this card instead of your insurance card."),
    Reason.ALREADY_REGISTERED: _l("At clinics and pharmacies, you show this card instead of your insurance card."),
    Reason.ONE_TRY_LEFT: _l("If you are not sure of your PIN, please ask the helper before trying again."),
}


def _column(reason: Reason, settings: Settings, code: str) -> tuple[str, tuple[SlipSection, ...]]:
    message = MESSAGES[reason]
    # The counter and helpline as the config names them for this column's reader.
    local = [settings.local(key, code) for key in ("counter_name", "counter_place", "counter_hours")]
    counter = tuple(line for line in local if line)
    helpline = f"{settings.local('helpline_name', code)}  {settings.helpline_phone}"
    sections = (
        SlipSection(_("What happened"), (str(message.title), str(message.body))),
        SlipSection(_("What to do next"), (str(_SLIP_NEXT_STEP.get(reason, message.next_step)),)),
        SlipSection(_("Where to ask"), (*counter, helpline)),
        SlipSection(
            _("Other places to register the card"),
            (
                _("A clinic's face recognition card reader. It works even when the PIN is locked."),
                _("A Seven Bank ATM"),
                _("The Mynaportal app"),
            ),
        ),
    )
    return _("Your slip from today"), sections


def build_slip(reason: Reason, language_code: str, settings: Settings, today: date) -> Slip:
    """The slip for a done or error screen. Needs a Flask app context (the catalogs)."""
    codes = [language_code] if language_code == "ja" else [language_code, "ja"]
    columns = []
    for code in codes:
        with force_locale(language(code).locale):
            title, sections = _column(reason, settings, code)
        columns.append((code, title, sections))
    return Slip(printed_on=today, columns=tuple(columns))

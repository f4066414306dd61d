"""The staff catalog (domain ``staff``, Japanese and English) outside a request.

The claim documents (実績報告, summary and events CSV) are written from the CLI as well as from
the manager's pages, so they cannot use Flask-Babel's request locale: their words are marked
with ``s_word(context, msgid)`` (extracted with ``-k s_word:1c,2``) and translated here for the
language asked for. Japanese is the filed language and the default; English is an option.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

STAFF_TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations_staff"
STAFF_LANGUAGES = ("ja", "en")


@dataclass(frozen=True)
class StaffWord:
    """A msgid of the staff catalog with its context (one English word may be two Japanese)."""

    context: str
    msgid: str


def s_word(context: str, msgid: str) -> StaffWord:
    """Mark a word for the staff catalog; ``translate`` says it in a language later."""
    return StaffWord(context, msgid)


@lru_cache(maxsize=len(STAFF_LANGUAGES))
def staff_catalog(lang: str) -> NullTranslations:
    """The compiled staff catalog for ``lang`` (any other language: Japanese)."""
    return Translations.load(str(STAFF_TRANSLATIONS), [lang if lang in STAFF_LANGUAGES else "ja"], domain="staff")


def translate(word: StaffWord, lang: str = "ja", **values: object) -> str:
    """``word`` in ``lang``; ``values`` fill its %(name)s placeholders."""
    text = staff_catalog(lang).pgettext(word.context, word.msgid)
    return text % values if values else text

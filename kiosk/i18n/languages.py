"""The languages of the resident screens, and where each one's words and voice come from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str  # what forms, the flow and the statistics use
    locale: str  # the Babel catalog folder under kiosk/translations
    label: str  # its own name, shown untranslated on the language switch
    html_lang: str
    voice: str  # the folder of its spoken guidance under static/voice (one voice a language)
    espeak: str | None = None  # the espeak-ng voice that speaks it; None: Open JTalk (Japanese)


# やさしい日本語 has no locale of its own: its catalog is "ja@easy" (a locale modifier), which
# gettext only chooses when asked for exactly that: plain "ja" expands to ja_JP, never to it.
LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("ja", "ja", "日本語", "ja", "ja"),
        Language("ja-easy", "ja@easy", "やさしい にほんご", "ja", "ja-easy"),
        Language("en", "en", "English", "en", "en", "en-us"),
        Language("zh", "zh_Hans", "中文(简体)", "zh-Hans", "zh", "cmn"),
        Language("ko", "ko", "한국어", "ko", "ko", "ko"),
        Language("vi", "vi", "Tiếng Việt", "vi", "vi", "vi"),
        Language("pt", "pt_BR", "Português", "pt-BR", "pt", "pt-br"),
    )
}
VOICES = tuple(lang.voice for lang in LANGUAGES.values())  # every language speaks its own


def language(code: str) -> Language:
    return LANGUAGES.get(code, LANGUAGES["ja"])

"""The resident catalogs keep to the words agreed in the review (docs: the shared words.md):
one word a language for the PIN, the card and the helper, placeholders kept, no English left
behind, and none of the phrasings the review found wrong."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from kiosk.i18n.languages import LANGUAGES

TRANSLATIONS = Path(__file__).resolve().parents[2] / "kiosk" / "translations"
LOCALES = [lang.locale for lang in LANGUAGES.values()]

# (English concept in the msgid, the one word the catalog uses for it).
TERMS: dict[str, dict[str, str]] = {
    "en": {"PIN": "PIN", "card": "card", "helper": "helper"},
    "ja": {"PIN": "暗証番号", "card": "カード", "helper": "係の者"},
    "ja@easy": {"PIN": "暗証番号(あんしょうばんごう)", "card": "カード", "helper": "かかりの ひと"},
    "zh_Hans": {"PIN": "密码", "card": "卡", "helper": "工作人员"},
    "ko": {"PIN": "비밀번호", "card": "카드", "helper": "직원"},
    "vi": {"PIN": "mã PIN", "card": "thẻ", "helper": "nhân viên"},
    "pt_BR": {"PIN": "senha", "card": "cartão", "helper": "atendente"},
}
CONCEPT = {"PIN": r"\bPINs?\b", "card": r"\b[Cc]ards?\b(?! reader)", "helper": r"\b[Hh]elpers?\b"}

# What the review found wrong, per language: none of it may come back.
NEVER: dict[str, tuple[str, ...]] = {
    "en": ("residents' counter", "registration service", "did not answer", "the card locks", "never need"),
    "ja": ("住民窓口", "仕組み", "正しい答え", "こわれでは", "カードがロック"),
    "ja@easy": ("たすけて", "じゅうみん の まどぐち", "ただで", "4つの すうじ", "つかえなく なります", "「りようしゃ"),
    "zh_Hans": ("居民窗口", "画面", "卡片"),
    "ko": ("주민 창구", "직원이 갑니다", "마지막까지는", "보여 주시면 됩니다"),
    "vi": ("bạn", "quầy cư dân", "còn đó chứ"),
    "pt_BR": ("sozinho", "chegou à data de validade", "atendimento ao morador", "nunca precisa", "Limpar"),
}
# Names and keys that stay in Latin letters in every language.
LATIN_ALLOWED = {"ATM", "Enter", "Seven", "Bank", "My", "Number", "Mynaportal", "PIN", "OK", "config", "residents",
                 "toml"}  # fmt: skip
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _resident_messages(locale: str) -> list[tuple[str, list[str]]]:
    """(msgid, its translations) of what residents see: the demo panel is for staff."""
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f, locale=locale)
    found = []
    for m in catalog:
        if not m.id or all(path.endswith("demo.html") for path, _line in m.locations):
            continue
        msgid = m.id if isinstance(m.id, str) else m.id[0]
        found.append((msgid, [m.string] if isinstance(m.string, str) else list(m.string)))
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_one_word_for_the_pin_the_card_and_the_helper(locale: str) -> None:
    wrong = [
        (concept, msgid, text)
        for msgid, texts in _resident_messages(locale)
        for concept, word in TERMS[locale].items()
        if re.search(CONCEPT[concept], msgid)
        for text in texts
        if word.lower() not in text.lower()
    ]
    assert not wrong, wrong


def test_easy_japanese_has_one_name_for_the_pin() -> None:
    for msgid, texts in _resident_messages("ja@easy"):
        for text in texts:
            rest = text.replace(TERMS["ja@easy"]["PIN"], "")
            assert "ばんごう" not in rest and "暗証番号" not in rest, (msgid, text)


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_are_kept(locale: str) -> None:
    for msgid, texts in _resident_messages(locale):
        for text in texts:
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(msgid)), (msgid, text)


@pytest.mark.parametrize("locale", [code for code in LOCALES if code != "en"])
def test_no_english_is_left(locale: str) -> None:
    for msgid, texts in _resident_messages(locale):
        for text in texts:
            # 'Furigana' is offered on the Japanese screens only; 'OK' is the word itself.
            assert text != msgid or msgid in ("OK", "Furigana"), (locale, msgid)
            if locale in ("ja", "ja@easy", "zh_Hans", "ko"):
                latin = set(re.findall(r"[A-Za-z]+", PLACEHOLDER.sub("", text))) - LATIN_ALLOWED
                assert not latin, (msgid, text, latin)


@pytest.mark.parametrize("locale", LOCALES)
def test_what_the_review_found_wrong_does_not_come_back(locale: str) -> None:
    for msgid, texts in _resident_messages(locale):
        for text in texts:
            for phrase in NEVER[locale]:
                assert phrase.lower() not in text.lower(), (msgid, text, phrase)


def test_chinese_uses_full_width_punctuation() -> None:
    for msgid, texts in _resident_messages("zh_Hans"):
        for text in texts:
            assert not re.search(r"[,?:]", text), (msgid, text)


def test_the_last_try_says_what_locks_and_who_unlocks_it() -> None:
    """The PIN locks, not the card, and only the city office counter unlocks it: in every language
    the warning names the catalog's word for the PIN and the counter the lock screen sends to."""
    last = "This is the last try. If the PIN is wrong, it will be locked. Only the city office counter can unlock it."
    locked = "The city office counter can unlock it. Please bring this card there."
    counters = {"en": "city office counter", "ja": "市区町村の窓口", "ja@easy": "市役所(しやくしょ)の 窓口(まどぐち)",
                "zh_Hans": "市役所（区役所）窗口", "ko": "시청·구청 창구", "vi": "quầy tòa thị chính",
                "pt_BR": "balcão da prefeitura"}  # fmt: skip
    for locale in LOCALES:
        messages = dict(_resident_messages(locale))
        (warning,), (where,) = messages[last], messages[locked]
        assert TERMS[locale]["PIN"].lower() in warning.lower(), (locale, warning)
        assert counters[locale].lower() in warning.lower() and counters[locale].lower() in where.lower(), locale

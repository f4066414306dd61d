"""Every resident-facing string is in the catalogs, translated into Japanese, and compiled."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from kiosk.i18n.languages import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "kiosk" / "translations"
LOCALES = [lang.locale for lang in LANGUAGES.values()]
KEYWORDS = {"_": None, "_l": None, "lazy_gettext": None, "gettext": None, "ngettext": (1, 2)}


def _source_msgids() -> set[str]:
    found: set[str] = set()
    for folder in ("kiosk", "templates"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder,
            method_map=[("**.py", "python"), ("**.html", "jinja2")],
            keywords=KEYWORDS,
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def _key(value):
    # Plural messages carry tuples or lists of forms.
    return value if isinstance(value, str) else tuple(value)


def _catalog(lang: str):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def test_every_string_in_the_code_is_in_the_catalogs() -> None:
    source = _source_msgids()
    assert len(source) > 50, "extraction found too few strings: the keyword list is wrong"
    for lang in LOCALES:
        catalog_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(lang) if m.id}
        missing = sorted(source - catalog_ids)
        assert not missing, f"{lang}: run pybabel extract/update (README): {missing[:5]}"


@pytest.mark.parametrize("lang", LOCALES)
def test_every_message_is_translated_and_not_fuzzy(lang: str) -> None:
    untranslated = [m.id for m in _catalog(lang) if m.id and (not m.string or m.fuzzy or not all(m.string))]
    assert not untranslated, untranslated[:5]


def test_every_language_on_the_switch_has_a_catalog() -> None:
    assert sorted(LOCALES) == sorted(p.name for p in TRANSLATIONS.iterdir() if p.is_dir())


@pytest.mark.parametrize("lang", LOCALES)
def test_compiled_catalog_matches_its_po_file(lang: str) -> None:
    po = _catalog(lang)
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo", "rb") as f:
        mo = read_mo(f)
    expected = {_key(m.id): _key(m.string) for m in po if m.id and m.string and not m.fuzzy}
    compiled = {_key(m.id): _key(m.string) for m in mo if m.id}
    assert compiled == expected, f"{lang}: run pybabel compile -d kiosk/translations"


def _text(value: str | bytes | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


# The staff pages' keywords, and s_word(context, msgid) for the claim documents the CLI writes too.
STAFF_KEYWORDS = {"s_": None, "s_l": None, "s_word": ((1, "c"), 2)}


def test_staff_pages_strings_are_in_the_staff_catalogs() -> None:
    """The staff side (helpers, managers) and the claim documents (実績報告, CSV column names)
    have their own domain, in Japanese and English."""
    found: set[tuple[str | None, str]] = set()
    for folder in ("kiosk", "templates"):
        for _f, _l, message, _c, context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python"), ("**.html", "jinja2")], keywords=STAFF_KEYWORDS,
        ):  # fmt: skip
            found.add((context, message))
    assert len(found) > 40
    assert ("claim report", "Organisation") in found, "s_word is not extracted: the keyword list is wrong"
    for lang in ("ja", "en"):
        path = ROOT / "kiosk" / "translations_staff" / lang / "LC_MESSAGES"
        with open(path / "staff.po", "rb") as f:
            po = read_po(f, locale=lang)
        translated = {(m.context, m.id) for m in po if m.id and m.string and not m.fuzzy}
        assert not sorted(found - translated, key=str), f"{lang}: {sorted(found - translated, key=str)[:5]}"
        with open(path / "staff.mo", "rb") as f:
            # read_mo gives a context as bytes
            compiled = {(_text(m.context), m.id): m.string for m in read_mo(f) if m.id}
        assert compiled == {(m.context, m.id): m.string for m in po if m.id}



def test_easy_japanese_writes_each_key_word_one_way() -> None:
    """やさしい日本語 writes 登録, 暗証番号, 窓口 and 電子証明書 in kanji with their reading, on every
    screen, so that a reader can match them to the counter's signs and letters (words.md)."""
    glossed = ["登録(とうろく)", "暗証番号(あんしょうばんごう)", "窓口(まどぐち)", "電子証明書(でんししょうめいしょ)"]
    bare = []
    for m in _catalog("ja@easy"):
        for text in (m.string if isinstance(m.string, tuple) else (m.string,)):
            rest = text
            for word in glossed:
                rest = rest.replace(word, "")
            bare += [(word, text) for word in glossed if word[word.index("(") + 1 : -1] in rest]
    assert not bare

"""Furigana (ruby) on the kanji of a rendered Japanese page, for residents who read kana best.

Readings come from pykakasi's own dictionary (no network, no MeCab). Only text between tags
is touched: attributes, scripts, styles and existing <rt> stay as they are.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html import escape

KANJI = re.compile(r"[\u3400-\u9fff\uf900-\ufaff々〆]")
TAG = re.compile(r"(<[^>]+>)")
SKIP = {"script", "style", "title", "ruby", "rt", "textarea"}
# A word already followed by its reading in parentheses, as やさしい日本語 writes 保険証(ほけんしょう):
# ruby over it would say the reading twice.
GLOSSED = re.compile(r"([\u3400-\u9fff\uf900-\ufaff々〆]+[(（][\u3041-\u309fー・]+[)）])")


@lru_cache(maxsize=1)
def _kakasi():
    import pykakasi

    return pykakasi.kakasi()


def _ruby(orig: str, reading: str) -> str:
    """'置いて' + 'おいて' → '<ruby>置<rt>お</rt></ruby>いて' (okurigana stays outside)."""
    head = 0
    while head < min(len(orig), len(reading)) and orig[head] == reading[head] and not KANJI.match(orig[head]):
        head += 1
    tail = 0
    while (
        tail < min(len(orig), len(reading)) - head
        and orig[-1 - tail] == reading[-1 - tail]
        and not KANJI.match(orig[-1 - tail])
    ):
        tail += 1
    core, core_reading = orig[head : len(orig) - tail], reading[head : len(reading) - tail]
    if not core or not core_reading or core == core_reading:
        return escape(orig, quote=False)
    ruby = f"<ruby>{escape(core, quote=False)}<rt>{escape(core_reading, quote=False)}</rt></ruby>"
    return escape(orig[:head], quote=False) + ruby + escape(orig[len(orig) - tail :], quote=False)


@lru_cache(maxsize=4096)
def annotate_text(text: str) -> str:
    """Plain text (already HTML-escaped) with ruby on its kanji."""
    if not KANJI.search(text):
        return text
    # Entities such as &amp; and whitespace are kept as they are: only the runs between them
    # are converted (pykakasi garbles trailing whitespace).
    parts = re.split(r"(&[#\w]+;|\s+)", text)
    out = []
    for part in (piece for run in parts for piece in GLOSSED.split(run)):
        if part.startswith("&") or not KANJI.search(part) or GLOSSED.fullmatch(part):
            out.append(part)
            continue
        out.extend(
            _ruby(item["orig"], item["hira"]) if KANJI.search(item["orig"]) else escape(item["orig"], quote=False)
            for item in _kakasi().convert(part)
        )
    return "".join(out)


def annotate_html(html: str) -> str:
    """Ruby on every kanji in the page's body text."""
    start = html.find("<body")
    if start < 0:
        return html
    pieces = TAG.split(html[start:])
    skipping: list[str] = []
    for i, piece in enumerate(pieces):
        if piece.startswith("<"):
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", piece)
            if name and name.group(1).lower() in SKIP:
                if piece.startswith("</"):
                    if skipping:
                        skipping.pop()
                elif not piece.endswith("/>"):
                    skipping.append(name.group(1).lower())
        elif piece and not skipping:
            pieces[i] = annotate_text(piece)
    return html[:start] + "".join(pieces)

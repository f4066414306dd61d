"""Furigana on rendered pages: ruby on kanji only, markup and whitespace left alone."""

from kiosk.i18n.furigana import annotate_html, annotate_text


def test_okurigana_stays_outside_the_ruby():
    assert annotate_text("置いてください") == "<ruby>置<rt>お</rt></ruby>いてください"


def test_whitespace_and_entities_are_kept_and_nothing_is_doubled():
    text = "\n   あと3回入力できます。\n  "
    out = annotate_text(text)
    assert out.startswith("\n   あと3") and out.endswith("できます。\n  ") and out.count("。") == 1
    assert annotate_text("表示 &amp; 決定").count("&amp;") == 1


def test_attributes_scripts_and_existing_ruby_are_untouched():
    html = (
        '<head><title>登録</title></head><body><button aria-label="暗証番号">決定</button>'
        "<script>const s = '漢字';</script><ruby>係<rt>かかり</rt></ruby></body>"
    )
    out = annotate_html(html)
    assert '<title>登録</title>' in out and 'aria-label="暗証番号"' in out
    assert "const s = '漢字';" in out
    assert "<ruby>決定<rt>けってい</rt></ruby>" in out
    assert out.count("<rt>かかり</rt>") == 1


def test_a_reading_already_given_in_parentheses_is_not_doubled():
    for text in ("保険証(ほけんしょう)として", "保険証（ほけんしょう）として"):
        out = annotate_text(text)
        assert "<ruby>" not in out and out == text
    # Kanji without a reading of their own next to one with it still get ruby.
    out = annotate_text("係の保険証(ほけんしょう)")
    assert "<ruby>係<rt>かかり</rt></ruby>" in out and out.count("ほけんしょう") == 1

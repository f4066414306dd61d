"""A slip as a PDF, with Debian's Noto Sans CJK embedded (SIL Open Font License 1.1, which allows
embedding): one font covers Japanese, Chinese, Korean, Vietnamese and Portuguese."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from kiosk.slip.content import Slip

# fonts-noto-cjk; the collection's first face is the Japanese one.
FONT_FILE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FONT_BOLD_FILE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")


class SlipFontMissing(RuntimeError):
    """The Japanese font is not installed (Debian package fonts-noto-cjk)."""


def render_pdf(slip: Slip, font: Path = FONT_FILE, bold: Path = FONT_BOLD_FILE) -> bytes:
    """One A4 page (any CUPS printer scales it; receipt printers take the width): the resident's
    language first, then the same in Japanese, in large type for older eyes."""
    if not font.exists():
        raise SlipFontMissing(f"{font} is missing: install fonts-noto-cjk")
    pdf = FPDF(format="A4")
    pdf.set_title("Madoguchi Kiosk slip")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=14)
    pdf.add_font("noto", "", str(font), collection_font_number=0)
    pdf.add_font("noto", "B", str(bold if bold.exists() else font), collection_font_number=0)
    pdf.add_page()
    for index, (_code, title, sections) in enumerate(slip.columns):
        if index:
            pdf.ln(4)
            pdf.set_draw_color(120)
            pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
            pdf.ln(4)
        pdf.set_font("noto", "B", 17)
        pdf.multi_cell(0, 9, f"{title}  {slip.printed_on.isoformat()}", new_x="LMARGIN", new_y="NEXT")
        for section in sections:
            pdf.ln(1.5)
            pdf.set_font("noto", "B", 12.5)
            pdf.multi_cell(0, 7, section.heading, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("noto", "", 12)
            for line in section.lines:
                pdf.multi_cell(0, 6.5, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())

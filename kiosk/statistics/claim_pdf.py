"""The 実績報告 as an A4 PDF (fpdf2, Noto Sans CJK embedded as for the slip), ready to sign.

One face only: parsing and subsetting the CJK collection is most of the time a PDF takes."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from kiosk.slip.pdf import FONT_FILE, SlipFontMissing
from kiosk.statistics.claim_document import ClaimDocument, word

HEADINGS = FontFace(emphasis="", fill_color=(230, 230, 230))


def render_pdf(doc: ClaimDocument, font: Path = FONT_FILE) -> bytes:
    if not font.exists():
        raise SlipFontMissing(f"{font} is missing: install fonts-noto-cjk")
    pdf = FPDF(format="A4")
    pdf.set_title(doc.title)
    pdf.set_margins(18, 15, 18)
    pdf.set_auto_page_break(True, margin=14)
    pdf.add_font("noto", "", str(font), collection_font_number=0)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("noto", "", 15)
    pdf.multi_cell(0, 9, doc.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("noto", "", 10)
    for name, value in doc.fields:
        pdf.cell(30, 6, name)
        pdf.multi_cell(0, 6, value or "", new_x="LMARGIN", new_y="NEXT")
    for table in doc.tables:
        pdf.ln(2.5)
        pdf.set_font("noto", "", 11)
        pdf.cell(0, 7, table.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("noto", "", 9.5)
        with pdf.table(col_widths=_widths(len(table.header)), line_height=5.5, width=width, text_align="LEFT",
                       headings_style=HEADINGS) as grid:  # fmt: skip
            grid.row(table.header)
            for row in table.rows:
                grid.row(row)
    pdf.ln(2.5)
    pdf.set_font("noto", "", 11)
    pdf.cell(0, 7, word("remarks", doc.lang), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("noto", "", 9.5)
    for line in doc.remarks:
        pdf.multi_cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("noto", "", 8.5)
    for name, value in doc.proof:
        pdf.multi_cell(0, 5, f"{name}: {value}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("noto", "", 9.5)
    with pdf.table(col_widths=(22, 40, 40, 30, 18), line_height=9, width=width, headings_style=HEADINGS) as grid:
        grid.row(("", *doc.sign_fields))
        for signer in doc.signers:
            grid.row((signer, "", "", "", ""))
    return bytes(pdf.output())


def _widths(columns: int) -> tuple[int, ...]:
    return {2: (70, 30), 3: (60, 25, 25), 5: (45, 35, 15, 20, 25)}.get(columns, (1,) * columns)


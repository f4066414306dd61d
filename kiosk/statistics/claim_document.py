"""The 実績報告 as a municipality files it: the words and tables of one A4 document, built once
from the monthly report and shared by the printable page and the PDF (claim_pdf.py).

Japanese is the filed language; English labels are an option for IT staff and auditors. The words
are in the staff catalog (kiosk/translations_staff), read without a request (kiosk.i18n.staff_words)
since `kiosk stats report --pdf` writes the document too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from kiosk.i18n.code_words import REASONS, code_word
from kiosk.i18n.staff_words import StaffWord, s_word, translate
from kiosk.statistics.report import MonthlyReport

# The staff catalog's words (context "claim report"): translators find them there.
WORDS: dict[str, StaffWord] = {
    "title": s_word("claim report", "My Number health insurance registration support: monthly report"),
    "organisation": s_word("claim report", "Organisation"),
    "period": s_word("claim report", "Period"),
    "venues": s_word("claim report", "Venues"),
    "created": s_word("claim report", "Prepared on"),
    "results": s_word("claim report", "1. Visits"),
    "item": s_word("claim report", "Item"),
    "count": s_word("claim report", "Count"),
    "sessions": s_word("claim report", "Visits"),
    "newly_registered": s_word("claim report", "Newly registered"),
    "already_registered": s_word("claim report", "Already registered"),
    "declined": s_word("claim report", "Declined"),
    "not_completed": s_word("claim report", "Not completed"),
    "assisted": s_word("claim report", "Assisted"),
    "residents": s_word("claim report", "Distinct residents"),
    "cases": s_word("claim report", "2. Cases and amounts by category"),
    "category": s_word("claim report", "Category"),
    "scheme": s_word("claim report", "Scheme"),
    "unit_price": s_word("claim report", "Unit price (yen)"),
    "amount": s_word("claim report", "Amount (yen)"),
    "total": s_word("claim report", "Total"),
    "hours": s_word("claim report", "3. Helper hours"),
    "person": s_word("claim report", "Helper"),
    "venue": s_word("claim report", "Venue"),
    "hours_col": s_word("claim report", "Hours"),
    "auto_closed": s_word("claim report", "Auto-closed"),
    "terminal": s_word("claim report", "4. Terminal cost"),
    "lease": s_word("claim report", "Lease (per month)"),
    "purchase": s_word("claim report", "Purchase"),
    "remarks": s_word("claim report", "5. Remarks"),
    "training_out": s_word("claim report", "%(n)s training or demo visits are not counted."),
    "training_in": s_word("claim report", "Training and demo visits are INCLUDED (not for filing)."),
    "auto_note": s_word("claim report", "%(n)s auto-closed shifts need their end time checked."),
    "reasons": s_word("claim report", "Not completed by reason: %(text)s"),
    "proof": s_word("claim report", "6. Proof of the records"),
    "row_range": s_word("claim report", "Rows (chain seq)"),
    "chain_head": s_word("claim report", "Chain head"),
    "none": s_word("claim report", "none"),
}
# The signature block: who prepared the report and who checked it, each signing and sealing.
SIGNERS = (
    s_word("claim report signature", "Prepared by"),
    s_word("claim report signature", "Checked by"),
)
SIGN_FIELDS = (
    s_word("claim report signature", "Section, title"),
    s_word("claim report signature", "Name"),
    s_word("claim report signature", "Date"),
    s_word("claim report signature", "Seal"),
)


def word(key: str, lang: str, **values: object) -> str:
    return translate(WORDS[key], lang, **values)


@dataclass
class Table:
    title: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)


@dataclass
class ClaimDocument:
    lang: str
    title: str
    fields: list[tuple[str, str]]
    tables: list[Table]
    remarks: list[str]
    signers: tuple[str, str]
    sign_fields: tuple[str, ...]
    proof: list[tuple[str, str]]


def _yen(n: int) -> str:
    return f"{n:,}"


def _period(month: str, lang: str) -> str:
    first = dt.date.fromisoformat(month + "-01")
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    if lang == "ja":
        return f"{first.year}年{first.month}月{first.day}日 〜 {last.year}年{last.month}月{last.day}日"
    return f"{first.isoformat()} – {last.isoformat()}"


@dataclass(frozen=True)
class ChainProof:
    """One terminal's part of a merged claim: its month's rows (chain seq) and its export's head."""

    terminal_id: str
    rows: tuple[int, int] | None
    head: str


def chain_proofs(events: Iterable[dict], ended: tuple[str, str]) -> list[ChainProof]:
    """Per terminal of a (merged) export: the seq range of its rows that ended within ``ended``
    (ISO UTC bounds) and the hash of its last exported row. Each terminal has its own chain, so
    one head and one range cannot prove rows from several."""
    ranges: dict[str, tuple[int, int] | None] = {}
    heads: dict[str, str] = {}
    start, stop = (dt.datetime.fromisoformat(t) for t in ended)
    for event in events:
        terminal, seq = event["terminal_id"], int(event["seq"])
        heads[terminal] = event["row_hash"]
        ranges.setdefault(terminal, None)
        if start <= dt.datetime.fromisoformat(event["ended_at"]) < stop:
            old = ranges[terminal]
            ranges[terminal] = (min(seq, old[0]), max(seq, old[1])) if old else (seq, seq)
    return [ChainProof(t, ranges[t], heads[t]) for t in sorted(heads)]


def build(report: MonthlyReport, organisation: str, venues: list[str], head: str, today: dt.date,
          lang: str = "ja", chains: list[ChainProof] | None = None) -> ClaimDocument:  # fmt: skip
    """``chains``: a merged claim's terminals, each proven by its own range and head (else ``head``)."""
    w = lambda key, **v: word(key, lang, **v)  # noqa: E731
    f = report.figures
    results = Table(w("results"), (w("item"), w("count")), [
        (w(k), str(v)) for k, v in (
            ("sessions", f.sessions), ("newly_registered", f.newly_registered),
            ("already_registered", f.already_registered), ("declined", f.declined),
            ("not_completed", f.not_completed_total), ("assisted", f.assisted), ("residents", f.residents),
        )
    ])  # fmt: skip
    cases = Table(w("cases"), (w("category"), w("scheme"), w("count"), w("unit_price"), w("amount")))
    for line in report.cases:
        c = line.category
        name = c.label_ja if lang == "ja" else (c.label_en or c.id)
        cases.rows.append((name, c.scheme, str(line.cases), _yen(c.unit_price_yen), _yen(line.amount_yen)))
    cases.rows.append((w("total"), "", str(sum(line.cases for line in report.cases)), "", _yen(report.amount_yen)))
    hours = Table(w("hours"), (w("person"), w("hours_col"), w("auto_closed")))
    for who, h in report.hours_by_person.items():
        hours.rows.append((who, f"{h.hours:.2f}", str(h.auto_closed)))
    for venue, h in report.hours_by_venue.items():
        hours.rows.append((f"{w('venue')}: {venue}", f"{h.hours:.2f}", str(h.auto_closed)))
    hours.rows.append((w("total"), f"{report.total_hours:.2f}", ""))
    cost = (w(report.terminal.kind), _yen(report.terminal.yen))
    terminal = Table(w("terminal"), (w("category"), w("amount")), [cost])
    remarks = [w("training_in") if f.included_training else w("training_out", n=f.training_left_out)]
    auto = sum(h.auto_closed for h in report.hours_by_person.values())
    if auto:
        remarks.append(w("auto_note", n=auto))
    if f.not_completed:
        remarks.append(w("reasons", text=", ".join(f"{code_word(REASONS, k, lang)} {v}"
                                                          for k, v in sorted(f.not_completed.items()))))
    rows = f"{f.rows[0]} – {f.rows[1]}" if f.rows else w("none")
    proof = [(w("row_range"), rows), (w("chain_head"), head)]
    if chains:
        proof = [line for c in chains for line in (
            (f"{w('row_range')} ({c.terminal_id})", f"{c.rows[0]} – {c.rows[1]}" if c.rows else w("none")),
            (f"{w('chain_head')} ({c.terminal_id})", c.head))]  # fmt: skip
    return ClaimDocument(
        lang=lang,
        title=w("title"),
        fields=[(w("organisation"), organisation), (w("period"), _period(report.month, lang)),
                (w("venues"), "、".join(venues) if lang == "ja" else ", ".join(venues)),
                (w("created"), today.isoformat())],  # fmt: skip
        tables=[results, cases, hours, terminal],
        remarks=remarks,
        signers=(translate(SIGNERS[0], lang), translate(SIGNERS[1], lang)),
        sign_fields=tuple(translate(f, lang) for f in SIGN_FIELDS),
        proof=proof,
    )

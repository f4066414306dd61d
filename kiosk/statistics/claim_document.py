"""The 実績報告 as a municipality files it: the words and tables of one A4 document, built once
from the monthly report and shared by the printable page and the PDF (claim_pdf.py).

Japanese is the filed language; English labels are an option for IT staff and auditors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kiosk.statistics.report import MonthlyReport

WORDS: dict[str, tuple[str, str]] = {
    "title": ("マイナ保険証利用登録支援 実績報告書", "My Number health insurance registration support: monthly report"),
    "organisation": ("団体名", "Organisation"),
    "period": ("対象期間", "Period"),
    "venues": ("設置場所", "Venues"),
    "created": ("作成日", "Prepared on"),
    "results": ("1. 利用実績", "1. Visits"),
    "item": ("項目", "Item"),
    "count": ("件数", "Count"),
    "sessions": ("利用件数", "Visits"),
    "newly_registered": ("新規登録", "Newly registered"),
    "already_registered": ("登録済み確認", "Already registered"),
    "declined": ("同意せず終了", "Declined"),
    "not_completed": ("未完了", "Not completed"),
    "assisted": ("職員支援あり", "Assisted"),
    "residents": ("利用者数（重複除く）", "Distinct residents"),
    "cases": ("2. 区分別件数・金額", "2. Cases and amounts by category"),
    "category": ("区分", "Category"),
    "scheme": ("制度", "Scheme"),
    "unit_price": ("単価（円）", "Unit price (yen)"),
    "amount": ("金額（円）", "Amount (yen)"),
    "total": ("合計", "Total"),
    "hours": ("3. 支援職員 従事時間", "3. Helper hours"),
    "person": ("職員", "Helper"),
    "venue": ("設置場所", "Venue"),
    "hours_col": ("時間", "Hours"),
    "auto_closed": ("自動終了", "Auto-closed"),
    "terminal": ("4. 端末費用", "4. Terminal cost"),
    "lease": ("リース（月額）", "Lease (per month)"),
    "purchase": ("購入", "Purchase"),
    "remarks": ("5. 備考", "5. Remarks"),
    "training_out": ("研修・デモの利用 {n} 件は集計に含めていません。", "{n} training or demo visits are not counted."),
    "training_in": ("研修・デモの利用を含みます（提出用ではありません）。",
                    "Training and demo visits are INCLUDED (not for filing)."),
    "auto_note": ("自動終了の勤務 {n} 件は終了時刻の確認が必要です。",
                  "{n} auto-closed shifts need their end time checked."),
    "reasons": ("未完了の内訳: {text}", "Not completed by reason: {text}"),
    "proof": ("6. 記録の証跡", "6. Proof of the records"),
    "row_range": ("対象記録の連番", "Rows (chain seq)"),
    "chain_head": ("チェーンヘッド", "Chain head"),
    "none": ("なし", "none"),
}
# The signature block: who prepared the report and who checked it, each signing and sealing.
SIGNERS = {"ja": ("作成者", "確認者"), "en": ("Prepared by", "Checked by")}
SIGN_FIELDS = {"ja": ("所属・職名", "氏名", "日付", "印"), "en": ("Section, title", "Name", "Date", "Seal")}


def word(key: str, lang: str, **values: object) -> str:
    ja, en = WORDS[key]
    return (ja if lang == "ja" else en).format(**values)


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


def build(report: MonthlyReport, organisation: str, venues: list[str], head: str, today: dt.date,
          lang: str = "ja") -> ClaimDocument:  # fmt: skip
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
        remarks.append(w("reasons", text=", ".join(f"{k} {v}" for k, v in sorted(f.not_completed.items()))))
    rows = f"{f.rows[0]} – {f.rows[1]}" if f.rows else w("none")
    return ClaimDocument(
        lang=lang,
        title=w("title"),
        fields=[(w("organisation"), organisation), (w("period"), _period(report.month, lang)),
                (w("venues"), "、".join(venues) if lang == "ja" else ", ".join(venues)),
                (w("created"), today.isoformat())],  # fmt: skip
        tables=[results, cases, hours, terminal],
        remarks=remarks,
        signers=SIGNERS["ja" if lang == "ja" else "en"],
        sign_fields=SIGN_FIELDS["ja" if lang == "ja" else "en"],
        proof=[(w("row_range"), rows), (w("chain_head"), head)],
    )

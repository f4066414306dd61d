"""The words of the claim documents (summary CSV, events CSV, 実績報告 PDF), Japanese and English.

These are the municipality's filing forms, written from the CLI as well as from the manager's
pages (no request, no Babel locale): Japanese is the filed language, English an option.
"""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    # summary CSV columns and sections
    "month": ("対象月", "month"),
    "section": ("区分", "section"),
    "item": ("項目", "item"),
    "value": ("値", "value"),
    "total": ("合計", "total"),
    "sessions": ("利用件数", "sessions"),
    "newly_registered": ("新規登録", "newly registered"),
    "already_registered": ("登録済み確認", "already registered"),
    "declined": ("同意せず終了", "declined"),
    "not_completed": ("未完了（理由別）", "not completed (by reason)"),
    "assisted": ("職員支援あり", "assisted"),
    "distinct_residents": ("利用者数（重複除く）", "distinct residents"),
    "training_left_out": ("研修・デモ（集計外）", "training (not counted)"),
    "by_venue": ("設置場所別", "by venue"),
    "by_age_band": ("年齢区分別", "by age band"),
    "by_language": ("言語別", "by language"),
    "by_option": ("表示オプション別", "by display option"),
    "by_card": ("カード交付時期別", "new or existing card"),
    "by_day": ("日別", "by day"),
    "by_category": ("支援区分別", "by support category"),
    "cases": ("件数", "cases"),
    "amount_yen": ("金額（円）", "amount (yen)"),
    "hours_by_person": ("支援職員 従事時間（人別）", "helper hours (per person)"),
    "hours_by_venue": ("支援職員 従事時間（場所別）", "helper hours (per venue)"),
    "auto_closed": ("自動終了", "auto-closed"),
    "terminal_cost": ("端末費用", "terminal cost"),
    "lease": ("リース（月額）", "lease (per month)"),
    "purchase": ("購入", "purchase"),
    # events CSV columns
    "event_id": ("イベントID", "event_id"),
    "terminal_id": ("端末ID", "terminal_id"),
    "venue": ("設置場所", "venue"),
    "started_at": ("開始日時", "started_at"),
    "ended_at": ("終了日時", "ended_at"),
    "duration_seconds": ("所要秒数", "duration_seconds"),
    "outcome": ("結果", "outcome"),
    "reason": ("理由", "reason"),
    "pin_attempts": ("暗証番号入力回数", "pin_attempts"),
    "tries_left_at_start": ("開始時残り回数", "tries_left_at_start"),
    "new_card": ("新規交付カード(1=はい)", "new_card"),
    "age_band": ("年齢区分", "age_band"),
    "language": ("言語", "language"),
    "options": ("表示オプション", "options"),
    "holder_visit": ("同一カード来訪回数", "holder_visit"),
    "training": ("研修(1=はい)", "training"),
    "seq": ("連番", "seq"),
    "prev_hash": ("前行ハッシュ", "prev_hash"),
    "row_hash": ("行ハッシュ", "row_hash"),
}
LABELS["assisted_flag"] = ("職員支援(1=はい)", "assisted")


def label(key: str, lang: str = "ja") -> str:
    ja, en = LABELS.get(key, (key, key))
    return ja if lang == "ja" else en

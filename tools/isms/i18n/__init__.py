"""Words the generated documents print, in Japanese (JIS Q 27001:2023 wording) and English."""

from __future__ import annotations

import datetime as dt
import re

STRINGS: dict[str, tuple[str, str]] = {
    # SoA and control pages
    "control": ("管理策", "Control"),
    "theme": ("テーマ", "Theme"),
    "applicable": ("適用", "Applicable"),
    "applicability": ("適用可否", "Applicability"),
    "yes": ("適用", "Applicable"),
    "no": ("除外", "Excluded"),
    "reasons": ("採用理由", "Reason for inclusion"),
    "status": ("実施状況", "Implementation status"),
    "exclusion": ("除外の理由", "Justification for exclusion"),
    "owner": ("責任者", "Owner"),
    "procedure": ("実施手順", "Procedure"),
    "procedure_doc": ("実施手順書", "Procedure document"),
    "decision": ("適用の判断", "Statement of applicability"),
    "attributes": ("属性 (JIS Q 27002:2024)", "Attributes (ISO/IEC 27002:2022)"),
    "items": ("個別管理基準", "Tailored control items"),
    "item_text": ("管理項目", "Item"),
    "level": ("区分", "Level"),
    "origin": ("種別", "Origin"),
    "reason": ("修正理由/追加理由", "Reason for change or addition"),
    "technical": ("技術的検証", "Technical verification"),
    "related": ("関連文書", "Related documents"),
    "records": ("記録", "Records"),
    "summary": ("概要", "Summary"),
    "target_date": ("完了予定日", "Target date"),
    "document_number": ("文書番号", "Document number"),
    "classification": ("機密分類", "Classification"),
    "title": ("文書名", "Title"),
    "version": ("版数", "Version"),
    "date": ("制定/改定日", "Date"),
    "issued": ("制定日", "Issued"),
    "revised": ("改定日", "Revised"),
    "approver": ("承認", "Approved by"),
    "reviewer": ("査問", "Reviewed by"),
    "author": ("作成", "Prepared by"),
    "revision_summary": ("制定または改定主旨", "Summary of changes"),
    "history": ("制定 / 改定履歴", "Revision history"),
    "distribution": ("配付", "Distribution"),
    "distribution_definition": ("配付先の定義", "Who may read this document"),
    "distribution_list": ("配付先リスト", "Distribution list"),
    "draft": ("改定案", "DRAFT"),
    "months": ("か月ごと", "-monthly"),
    "none": ("なし", "none"),
    "kind": ("種類", "Kind"),
    # enum values
    "risk_treatment": ("リスク対応", "Risk treatment"),
    "legal": ("法令・規制要求事項", "Legal or regulatory"),
    "contractual": ("契約上の要求事項", "Contractual"),
    "business": ("事業上の要求事項", "Business requirement"),
    "implemented": ("実施済み", "Implemented"),
    "partial": ("一部実施", "Partially implemented"),
    "planned": ("実施予定", "Planned"),
    "mandatory": ("必須", "Mandatory"),
    "recommended": ("推奨", "Recommended"),
    "standard": ("標準", "Standard"),
    "modified": ("修正", "Modified"),
    "added": ("追加", "Added"),
    # document kinds
    "kind_manual": ("マニュアル", "Manual"),
    "kind_policy": ("方針", "Policy"),
    "kind_procedure": ("手順書", "Procedure"),
    "kind_soa": ("記録・台帳", "Register"),
    "kind_register": ("記録・台帳", "Register"),
    "kind_checklist": ("記録・台帳", "Register"),
    # document titles (the manual's and the policies' come from the profile and the policy index)
    "title_soa": ("適用宣言書", "Statement of Applicability"),
    "title_register": ("文書管理台帳", "Document register"),
    "title_checklist": ("ISMS要求事項チェックリスト", "ISMS requirements checklist"),
    "title_assets": ("資産目録", "Asset inventory"),
    "title_risk-report": ("リスクアセスメント結果報告書", "Risk assessment report"),
    "title_risk-plan": ("リスク対応計画", "Risk treatment plan"),
    "title_audit-checklist": ("内部監査チェックリスト", "Internal audit checklist"),
    "procedure_title": ("{id} {title} 実施手順書", "{id} {title} procedure"),
    # versions, drafts and the page banner
    "draft_label": ("{version} (改定案)", "{version} (draft)"),
    "draft_changes": ("{release} + 改定案", "{release} + draft changes"),
    "draft_banner": ("改定案: 未承認の変更を含む", "DRAFT: contains changes not yet approved"),
    "not_released": ("未リリース(改定案)", "not yet released (draft)"),
    "history_none": ("未リリース(改定案)。承認されたリリースはまだない。", "Not released yet (draft)."),
    "history_draft": ("この文書には最新リリース後の未承認の変更(改定案)がある。", "This document has changes not yet approved (draft)."),
    # release pages
    "releases": ("リリース(承認履歴)", "Releases"),
    "releases_intro": (
        "文書セットの承認済みリリースの一覧。各文書の版数・制定日・改定日・改定履歴はこの台帳(manual_src/releases.yaml)から算出される。",
        "Approved releases of the document set; every document's version and history is computed from this ledger.",
    ),
    "releases_none": ("リリースはまだ記録されていない。", "No release recorded yet."),
    "release": ("リリース {version}", "Release {version}"),
    "documents_changed": ("変更文書数", "Documents changed"),
    "changed_documents": ("変更された文書", "Documents changed"),
    "change": ("区分", "Change"),
    "change_new": ("制定", "new"),
    "change_modified": ("改定", "revised"),
    "change_removed": ("廃止", "withdrawn"),
    # home page
    "home_title": ("{org} ISMS文書", "{org} ISMS documents"),
    "home_organisation": ("組織", "Organisation"),
    "home_business": ("事業", "Business"),
    "home_scope": ("ISMS適用範囲", "ISMS scope"),
    "home_scope_organisation": ("対象組織", "Organisational scope"),
    "home_locations": ("所在地", "Locations"),
    "home_set_version": ("文書セットの版", "Document set version"),
    "home_start": ("はじめに", "Where to start"),
    "start_manual": ("ISMSの全体像(箇条4〜10)", "the ISMS as a whole (clauses 4 to 10)"),
    "start_policy": ("経営者の方針", "top management's policy"),
    "start_soa": ("93の管理策の適用と実施状況。テーマ・属性で絞り込める", "all 93 controls, filterable by theme and attribute"),
    "start_checklist": ("規格の要求事項ごとの文書の所在", "where each requirement's documented information is"),
    "start_register": ("全文書の番号・版数・機密分類", "every document with its number, version and classification"),
    "start_releases": ("承認済みリリースと各リリースで改定された文書", "approved releases and what each changed"),
    "start_attributes": ("属性による管理策の分析", "controls by attribute"),
    "start_risk": ("資産ごとのリスク値とヒートマップ、残留リスクの承認", "risks per asset, heat map and residual risk approval"),
    # index pages, SoA filter
    "policies": ("情報セキュリティ方針群", "Information security policies"),
    "controls_and_procedures": ("管理策と実施手順", "Controls and procedures"),
    "filter_all": ("すべて", "All"),
    "filter_clear": ("条件をクリア", "Clear"),
    "soa_intro": (
        "JIS Q 27001:2023 附属書Aの管理策{total}項目について、適用の可否、採用理由、実施状況及び除外の理由を示す"
        "(適用 {applicable} 項目、除外 {excluded} 項目)。",
        "The applicability of all {total} controls of ISO/IEC 27001:2022 Annex A, the reason for including each, "
        "its implementation status and the justification for any exclusion ({applicable} applicable, {excluded} excluded).",
    ),
    "every_months": ("{months}か月ごと", "every {months} months"),
    "register_intro": (
        "ISMS文書の一覧(文書番号順)。版数と日付はリリース台帳から算出される。",
        "All ISMS documents by number. Versions and dates come from the release ledger.",
    ),
    # attribute views
    "attributes_title": ("属性による管理策の分析", "Controls by attribute"),
    "attributes_intro": (
        "JIS Q 27002:2024の属性を用いて、適用する管理策の偏りと抜けを確認する(経済産業省ガイドライン案 表2の考え方)。除外した管理策は括弧書きで示す。",
        "Attributes of ISO/IEC 27002:2022 show the balance and gaps of the applicable controls. Excluded controls are shown in parentheses.",
    ),
    "balance": ("管理策タイプのバランス", "Preventive, detective and corrective balance"),
    "control_type": ("管理策タイプ", "Control type"),
    "count": ("件数", "Count"),
    "share": ("割合", "Share"),
    "balance_note": (
        "適用する管理策 {applicable} 項目のうちの件数。1つの管理策が複数のタイプを持つことがある。",
        "Counts among the {applicable} applicable controls; a control may have several types.",
    ),
    "matrix": ("サイバーセキュリティ概念 × 運用機能", "Cybersecurity concept x operational capability"),
    # requirements checklist
    "clause": ("箇条", "Clause"),
    "requirement": ("要求事項", "Requirement"),
    "documented_information": ("文書化した情報", "Documented information"),
    "where": ("所在", "Where"),
    "state": ("状況", "State"),
    "present": ("あり", "present"),
    "record": ("記録", "record"),
    "missing": ("未整備", "missing"),
    "kept_as_record": ("記録として管理: ", "kept as a record: "),
    "checklist_intro": (
        "JIS Q 27001:2023 箇条4〜10が求める文書化した情報と、この文書セットでの所在。未整備 {missing} 件。",
        "The documented information clauses 4 to 10 require, and where it is in this set. Missing: {missing}.",
    ),
    # spreadsheets
    "sheet_soa": ("適用宣言書", "SoA"),
    "sheet_legend": ("属性の凡例", "Attribute legend"),
    "accepted": ("受容", "accepted"),
    "not_approved": ("未承認", "not approved"),
    "clause_no": ("箇条{id}", "Clause {id}"),
    "audit_procedure": ("{title}: {number} のとおり実施されているか", "{title}: is {number} followed?"),
    # Word frame (cover, header, distribution, approval box, signature)
    "cover_classification": ("【{label}】{value}", "{label}: {value}"),
    "draft_mark": ("【改定案】", "DRAFT"),
    "draft_mark_inline": ("【改定案】", " (draft)"),
    "list_bullet": ("・", "• "),
    "classification_level": ("本文書の機密分類は「{name}」({description})。{handling}。", "This document is classified {name} ({description}). {handling}."),
    "date_blank": ("年　　月　　日", "Date:"),
    "release_of": ("リリース {release}", "release {release}"),
    "pages_counted": ("{pages} ページ (表紙含む)", "{pages} pages (including this cover)"),
}

# How dates are printed when the profile does not choose (profile: date_format). Tokens: YYYY, MM, M, DD, D.
DATE_PATTERNS: dict[str, str] = {"ja": "YYYY年M月D日", "en": "YYYY-MM-DD"}


def t(key: str, lang: str, **values: object) -> str:
    """The word or sentence in the document language; {name} placeholders are filled from values."""
    ja, en = STRINGS[key]
    text = ja if lang == "ja" else en
    return text.format(**values) if values else text


def format_date(day: dt.date, pattern: str) -> str:
    """A date in a pattern of YYYY, MM (zero-padded month), M, DD, D and literal text: "YYYY年M月D日"."""
    values = {"YYYY": f"{day.year:04d}", "MM": f"{day.month:02d}", "M": str(day.month), "DD": f"{day.day:02d}", "D": str(day.day)}
    return re.sub(r"YYYY|MM|M|DD|D", lambda m: values[m.group(0)], pattern)


def date_pattern(lang: str, chosen: str | None = None) -> str:
    """The profile's date_format, or the language's usual one."""
    return chosen or DATE_PATTERNS.get(lang, DATE_PATTERNS["en"])


def sep(lang: str) -> str:
    """The list separator: 、 in Japanese, a comma in English."""
    return "、" if lang == "ja" else ", "

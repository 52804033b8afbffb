"""Spreadsheets of the asset inventory, the risk register and the internal audit checklist.

``write_risk_workbooks(isms, out_dir)`` writes three .xlsx files (frozen header row, autofilter) and
returns their paths; the xlsx writer (isms.render.xlsx) calls it with its output folder.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from isms.i18n import t
from isms.model import Isms
from isms.render.names import risk_workbook_name
from isms.render.xlsx.sheets import text_only
from isms.sources.catalogue import load_clauses

HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
ALERT_FILL = PatternFill("solid", fgColor="F4B6B0")


def _sheet(wb: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[object]], widths: Sequence[int], alert_column: int | None = None):
    ws = wb.active  # one sheet per workbook
    ws.title = title
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append(list(row))
        for cell in ws[ws.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if alert_column is not None and row[alert_column] is True:
            for cell in ws[ws.max_row]:
                cell.fill = ALERT_FILL
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    return ws


def _role(isms: Isms, role_id: str | None) -> str:
    role = isms.role(role_id)
    return (role.name if isms.lang == "ja" else role.name_en) if role else ""


def asset_rows(isms: Isms) -> list[tuple[object, ...]]:
    return [
        (a.group, a.id, a.name, a.form_name(isms.lang), _role(isms, a.owner), a.location, a.confidentiality, a.integrity, a.availability, a.value)
        for a in isms.risks.assets
    ]


def risk_register_rows(isms: Isms) -> list[tuple[object, ...]]:
    rows = []
    for r in isms.risks.risks:
        rows.append(
            (
                r.id, r.asset_id, r.asset.name if r.asset else "", r.threat, r.vulnerability, r.asset_value, r.impact, r.likelihood, r.value,
                r.treatment_name(isms.lang), ", ".join(r.controls), r.plan or "", r.residual_impact, r.residual_likelihood, r.residual,
                _role(isms, r.approval.by) if r.approval else "", r.approval.date.isoformat() if r.approval else "",
                t("accepted" if r.accepted else "not_approved", isms.lang), r.residual_above_threshold and r.approval is None,
            )
        )
    return rows


def audit_rows(isms: Isms) -> list[tuple[object, ...]]:
    lang = isms.lang
    rows: list[tuple[object, ...]] = []
    for clause in load_clauses():
        for needed in clause["documents"]:
            rows.append((t("clause_no", lang, id=clause["id"]), f"{clause['title'][lang]}: {needed[lang]}", needed[lang], "", ""))
    for decision in isms.decisions:
        if decision.source.applicable:
            doc = isms.documents.get(decision.document_id)
            item = t("audit_procedure", lang, title=decision.control.title(lang), number=doc.number if doc else "")
            rows.append((decision.id, item, "\n".join(decision.source.records), "", ""))
    return rows


def write_risk_workbooks(isms: Isms, out_dir: Path) -> list[Path]:
    ja = isms.lang == "ja"
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []

    def save(wb: Workbook, doc_id: str, name: str) -> None:
        doc = isms.documents.get(doc_id)
        path = out_dir / (risk_workbook_name(doc) if doc else name)
        text_only(wb)
        wb.save(path)
        written.append(path)

    wb = Workbook()
    header = ("資産グループ", "ID", "情報資産", "形態", "管理責任者", "保管場所", "機密性", "完全性", "可用性", "資産価値") if ja else (
        "Group", "ID", "Asset", "Form", "Owner", "Location", "C", "I", "A", "Value")
    _sheet(wb, "資産目録" if ja else "Assets", header, asset_rows(isms), (18, 8, 34, 8, 20, 30, 7, 7, 7, 8))
    save(wb, "assets", "assets.xlsx")

    wb = Workbook()
    header = (
        ("ID", "資産ID", "情報資産", "脅威", "脆弱性", "資産価値", "影響度", "発生頻度", "リスク値", "対応", "管理策", "対応計画",
         "残留影響度", "残留発生頻度", "残留リスク", "承認者", "承認日", "判定", "要承認")
        if ja
        else ("ID", "Asset ID", "Asset", "Threat", "Vulnerability", "Asset value", "Impact", "Likelihood", "Risk", "Treatment", "Controls", "Plan",
              "Residual impact", "Residual likelihood", "Residual risk", "Approved by", "Date", "State", "Needs approval")
    )
    _sheet(wb, "リスク登録簿" if ja else "Risks", header, risk_register_rows(isms),
           (8, 8, 24, 34, 30, 8, 7, 7, 8, 7, 16, 30, 8, 8, 8, 16, 11, 8, 8), alert_column=len(header) - 1)
    save(wb, "risk-report", "risks.xlsx")

    wb = Workbook()
    header = ("箇条・管理策", "監査項目", "確認する記録", "結果", "所見") if ja else ("Clause or control", "Audit item", "Records", "Result", "Findings")
    _sheet(wb, "内部監査チェックリスト" if ja else "Audit checklist", header, audit_rows(isms), (12, 50, 36, 12, 40))
    save(wb, "audit-checklist", "audit-checklist.xlsx")
    return written

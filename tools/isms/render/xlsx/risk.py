"""Spreadsheets of the asset inventory, the risk register and the internal audit checklist.

``risk_workbooks(isms)`` gives them as sheet books (frozen header row, autofilter) with their file
names; the xlsx writer (isms.render.xlsx) saves them, or takes an unchanged one from its cache.
"""

from __future__ import annotations

from isms.i18n import t
from isms.model import Isms
from isms.model.people import party_text
from isms.render.names import xlsx_name
from isms.render.xlsx.sheets import SheetBook
from isms.sources.catalogue import load_clauses


def _words(lang: str, *keys: str) -> tuple[str, ...]:
    return tuple(t(key, lang) for key in keys)


def _role(isms: Isms, role_id: str | None) -> str:
    role = isms.role(role_id)
    return (role.name if isms.lang == "ja" else role.name_en) if role else ""


def asset_rows(isms: Isms) -> list[tuple[object, ...]]:
    return [
        (a.group, a.id, a.name, a.form_name(isms.lang), party_text(isms.profile, a.owner) if a.owner else "", a.location, a.confidentiality, a.integrity, a.availability, a.value, a.note or "")
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
                t("accepted" if r.accepted else "not_approved", isms.lang),
                party_text(isms.profile, r.owner) if r.owner else "", r.assessed_on.isoformat() if r.assessed_on else "",
                party_text(isms.profile, r.assessor) if r.assessor else "", r.owner_approval.date.isoformat() if r.owner_approval else "",
                r.interim_residual if r.interim else "", r.interim.until.isoformat() if r.interim else "",
                r.residual_above_threshold and r.approval is None,
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


def risk_workbooks(isms: Isms) -> list[tuple[str, SheetBook]]:
    """(file name, workbook) of the asset inventory, the risk register and the audit checklist that
    this build's audience may see."""
    lang = isms.lang
    books: list[tuple[str, SheetBook]] = []

    def keep(book: SheetBook, doc_id: str, name: str) -> None:
        if doc_id in isms.withheld:  # not for this build's audience
            return
        doc = isms.documents.get(doc_id)
        books.append((xlsx_name(doc) if doc else name, book))

    book = SheetBook()
    header = _words(lang, "xlsx_asset_group", "col_id", "asset", "asset_form", "asset_owner", "xlsx_asset_location", "xlsx_confidentiality",
                    "xlsx_integrity", "xlsx_availability", "inventory_value", "asset_note")
    book.sheet(t("sheet_assets", lang), header, asset_rows(isms), (18, 8, 34, 8, 20, 30, 7, 7, 7, 8, 30))
    keep(book, "assets", "assets.xlsx")

    book = SheetBook()
    header = _words(
        lang, "col_id", "xlsx_asset_id", "asset", "xlsx_threat", "xlsx_vulnerability", "asset_value", "impact", "likelihood", "risk_value",
        "treatment", "risk_controls", "xlsx_plan", "xlsx_residual_impact", "xlsx_residual_likelihood", "xlsx_residual_risk", "approved_by",
        "approval_date", "risk_state", "risk_owner", "xlsx_assessed_on", "xlsx_assessor", "xlsx_owner_approval", "interim_residual",
        "interim_until", "xlsx_needs_approval",
    )
    book.sheet(t("sheet_risks", lang), header, risk_register_rows(isms),
               (8, 8, 24, 34, 30, 8, 7, 7, 8, 7, 16, 30, 8, 8, 8, 16, 11, 8, 18, 11, 18, 11, 8, 11, 8), alert_column=len(header) - 1)
    keep(book, "risk-report", "risks.xlsx")

    book = SheetBook()
    header = _words(lang, "xlsx_audit_target", "audit_item", "xlsx_audit_records", "audit_result", "audit_findings")
    book.sheet(t("sheet_audit", lang), header, audit_rows(isms), (12, 50, 36, 12, 40))
    keep(book, "audit-checklist", "audit-checklist.xlsx")
    return books

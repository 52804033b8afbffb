"""The document register (文書管理台帳) as a spreadsheet: every document with its number, version and
date (from the release ledger), classification, owner and approver."""

from __future__ import annotations

from isms.i18n import t
from isms.ledger import Versions
from isms.model import Isms
from isms.render.xlsx.sheets import SheetBook


def register_rows(isms: Isms, versions: Versions) -> list[tuple[object, ...]]:
    lang = isms.lang
    rows = []
    for doc in isms.ordered_documents:
        version = versions.of(doc.id)
        rows.append(
            (
                doc.number, doc.title, t(f"kind_{doc.kind}", lang),
                doc.classification.name if lang == "ja" else doc.classification.name_en,
                (doc.owner.name if lang == "ja" else doc.owner.name_en) if doc.owner else "",
                (doc.approver.name if lang == "ja" else doc.approver.name_en) if doc.approver else "",
                version.label(lang) if version else "", version.date_text() if version else "",
            )
        )
    return rows


def register_workbook(isms: Isms, versions: Versions) -> SheetBook:
    lang = isms.lang
    book = SheetBook()
    header = tuple(t(key, lang) for key in ("document_number", "title", "kind", "classification", "owner", "approver", "version", "date"))
    book.sheet(t("title_register", lang), header, register_rows(isms, versions), (16, 44, 12, 12, 22, 22, 10, 12))
    return book

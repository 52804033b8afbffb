"""The ISMS requirements checklist (ISMS要求事項チェックリスト): per clause of ISO/IEC 27001, the
documented information it asks for and where it is in this document set.

Two views of the same items (package data clauses.yaml):

- ``checklist_body``: where each item is kept (documents, sections, record sets). It does not depend
  on a date, so it is what the release ledger fingerprints;
- ``readiness_body``: whether each item exists as of a date (isms.model.readiness): present, missing
  or overdue, with the evidence found. The site shows it as of the build date.
"""

from __future__ import annotations

import datetime as dt

from isms.bodies.text import esc, list_table, ref
from isms.i18n import sep, t
from isms.model import Isms
from isms.model.readiness import MISSING, OVERDUE, PRESENT, RECORD_DOCUMENTS, ReadinessItem
from isms.sources.catalogue import load_clauses

MARKS = {PRESENT: "✔", MISSING: "✘", OVERDUE: "⚠"}


def checklist_body(isms: Isms) -> str:
    lang = isms.lang
    labels = isms.labels | {"attributes"}
    rows = []
    for clause in load_clauses():
        for needed in clause["documents"]:
            where = [ref(label) for label in needed.get("where", []) if label in labels]
            record = RECORD_DOCUMENTS.get(needed.get("record", ""))
            if record in isms.documents:
                where.append(ref(isms.documents[record].label))
            kept = t("kept_record", lang) if needed.get("record") else t("kept_document", lang)
            rows.append((esc(clause["id"]), esc(clause["title"][lang]), esc(needed[lang]), sep(lang).join(where) or "—", kept))
    header = (t("clause", lang), t("requirement", lang), t("documented_information", lang), t("where", lang), t("kind", lang))
    intro = t("checklist_where_intro", lang) + "\n"
    return "\n".join([intro, list_table(header, rows, widths=(7, 23, 25, 33, 12), css="isms-checklist")])


def readiness_body(isms: Isms, items: list[ReadinessItem], as_of: dt.date) -> str:
    lang = isms.lang
    counts = {state: sum(1 for item in items if item.status == state) for state in (PRESENT, OVERDUE, MISSING)}
    rows = []
    for item in items:
        links = [ref(label) for label in item.labels]
        found = sep(lang).join(links)
        details = "\n".join(f"- {esc(text)}" for text in item.details)
        cell = "\n\n".join(part for part in (found, details) if part) or "—"
        state = f"{MARKS[item.status]} {t(f'readiness_{item.status}', lang)}"
        if item.status == OVERDUE and item.due is not None:
            state += f" ({t('due', lang)} {item.due.isoformat()})"
        rows.append((esc(item.clause), esc(item.clause_title), esc(item.item), cell, state))
    header = (t("clause", lang), t("requirement", lang), t("documented_information", lang), t("where", lang), t("state", lang))
    intro = t("checklist_intro", lang, date=as_of.isoformat(), present=counts[PRESENT], overdue=counts[OVERDUE], missing=counts[MISSING]) + "\n"
    return "\n".join([intro, list_table(header, rows, widths=(7, 20, 22, 37, 14), css="isms-checklist")])

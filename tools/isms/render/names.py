"""The names of the approved files: one place for the writers that make them and the site that
links them (html/downloads/<name>, see isms.publish).

A name is the document's number and title, as the writers have always named their files, so that a
file keeps its name from build to build while its document does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from isms.bodies import Bodies
from isms.model import Document, Isms

DOWNLOADS = "downloads"  # html/downloads/: where the publish stage puts the files the site links
_ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
# The registers whose body is a wide table: a Word file each when they have printed text.
WORD_REGISTERS = ("soa", "assets", "risk-report", "risk-plan", "audit-checklist")
# The workbooks of the registers (isms.render.xlsx): the SoA, and the risk workbooks.
RISK_WORKBOOKS = ("assets", "risk-report", "audit-checklist")


def docx_name(number: str, title: str) -> str:
    """'<number> <title>.docx' without characters Windows or macOS refuse in file names."""
    name = _ILLEGAL.sub("_", f"{number} {title}").strip().rstrip(".")
    return f"{name or 'document'}.docx"


def docx_names(documents: Iterable[Document]) -> dict[str, str]:
    """Document id -> Word file name; a document whose number another already took (two documents
    sharing a number) adds its id to the name, so that no file overwrites another."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for doc in documents:
        name = docx_name(doc.number, doc.title)
        if name.casefold() in taken:
            name = docx_name(f"{doc.number} {doc.id}", doc.title)
        names[doc.id] = name
        taken.add(name.casefold())
    return names


def word_documents(isms: Isms, bodies: Bodies) -> list[Document]:
    """The documents that have a Word file, in the Word writer's order (isms.render.docx.plan): the
    manual, each policy, each applicable control's procedure, and the registers with printed text
    (the document register and the requirements checklist have none)."""
    docs = isms.documents
    found = [docs["manual"]]
    found += [docs[p.entry.id] for p in isms.policies if p.entry.id in docs]
    found += [docs[d.document_id] for d in isms.decisions if d.document_id in docs and d.source.applicable]
    for doc_id in WORD_REGISTERS:
        body = bodies.documents.get(doc_id)
        if doc_id in docs and body is not None and body.printed is not None:
            found.append(docs[doc_id])
    return found


def soa_workbook_name(doc: Document) -> str:
    return "".join("_" if ch in '\\/:*?"<>|' else ch for ch in f"{doc.number} {doc.title}") + ".xlsx"


def risk_workbook_name(doc: Document) -> str:
    return f"{doc.number}_{doc.title}.xlsx"


def xlsx_names(isms: Isms) -> dict[str, str]:
    """Document id -> workbook file name, for the documents that have a workbook."""
    docs = isms.documents
    names = {"soa": soa_workbook_name(docs["soa"])} if "soa" in docs else {}
    names.update({doc_id: risk_workbook_name(docs[doc_id]) for doc_id in RISK_WORKBOOKS if doc_id in docs})
    return names

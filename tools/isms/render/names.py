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
# The documents that have a workbook (isms.render.xlsx): the SoA, the register, the risk workbooks
# and the record sets kept as tables.
WORKBOOKS = ("soa", "register", "assets", "risk-report", "audit-checklist", "rec-objectives", "rec-training-records", "rec-corrective-actions")


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
        count = 1
        while name.casefold() in taken:  # the id too may make a name another document has ("P_01 assets")
            name = docx_name(f"{doc.number} {doc.id}" + (f" {count}" if count > 1 else ""), doc.title)
            count += 1
        names[doc.id] = name
        taken.add(name.casefold())
    return names


def word_documents(isms: Isms, bodies: Bodies) -> list[Document]:
    """The documents that have a Word file, in the Word writer's order (isms.render.docx.plan, which a
    test holds to it): the manual, the scope and criteria, each policy, each applicable control's
    procedure, the registers with printed text, the document register, the record sets and forms."""
    docs, texts = isms.documents, bodies.documents
    found = [docs["manual"]] if "manual" in docs else []
    found += [docs["scope"]] if "scope" in texts else []
    found += [docs[p.entry.id] for p in isms.policies if p.entry.id in docs]
    found += [docs[d.document_id] for d in isms.decisions if d.document_id in docs and d.source.applicable]
    found += [docs[doc_id] for doc_id in WORD_REGISTERS if doc_id in texts and texts[doc_id].printed is not None]
    found += [docs["register"]] if "register" in docs else []
    found += [doc for doc in isms.ordered_documents if doc.kind in ("record", "form") and doc.id in texts and texts[doc.id].printed is not None]
    return found


def xlsx_name(doc: Document) -> str:
    """'<number> <title>.xlsx' without the characters Windows or macOS refuse in file names: every
    workbook is named like the Word files."""
    return "".join("_" if ch in '\\/:*?"<>|' else ch for ch in f"{doc.number} {doc.title}") + ".xlsx"


def xlsx_names(isms: Isms) -> dict[str, str]:
    """Document id -> workbook file name, for the documents that have a workbook (isms.render.xlsx)."""
    docs = isms.documents
    return {doc_id: xlsx_name(docs[doc_id]) for doc_id in WORKBOOKS if doc_id in docs}

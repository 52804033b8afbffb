"""Bodies stage: the reST text of every document, computed once from the model.

Every writer renders these texts and the release ledger fingerprints them, so what is approved is
what is published. A body has the variants its outputs need:

- ``site``: what the document's page on the site shows under its header (links between pages);
- ``printed``: the Word document's body (no links: documents are named by title and number), or
  None when the document has no Word file;
- ``content``: the text the ledger fingerprints. It never contains a version.

The document register is not here: it lists every document's version, so it is written with the
versions (render stage), and the ledger fingerprints it separately (isms.ledger.content).
"""

from __future__ import annotations

from dataclasses import dataclass

from isms.bodies.checklist import checklist_body
from isms.bodies.documents import control_body, soa_body
from isms.bodies.records import record_bodies
from isms.bodies.risk import assets_body, audit_checklist_body, risk_plan_body, risk_report_body
from isms.bodies.text import esc, title
from isms.i18n import t
from isms.model import Document, Isms
from isms.model.versions import DocumentVersion


@dataclass(frozen=True)
class Body:
    doc_id: str
    site: str
    printed: str | None
    content: str
    parts: tuple[str, ...] = ()  # the manual: its chapters, one page each on the site


@dataclass(frozen=True)
class Bodies:
    documents: dict[str, Body]
    controls: dict[str, str]  # control id -> its page body (excluded controls have a page, not a document)

    def get(self, doc_id: str) -> Body | None:
        return self.documents.get(doc_id)


def page_header(isms: Isms, doc: Document, version: DocumentVersion | None) -> str:
    """The first lines of a document's page: its label, title and number (and version, on the site)."""
    return "\n".join([f".. _{doc.label}:\n", title(esc(doc.title)), doc_line(isms, doc, version) + "\n"])


def doc_line(isms: Isms, doc: Document, version: DocumentVersion | None) -> str:
    lang = isms.lang
    bits = [f"{t('document_number', lang)}: {esc(doc.number)}"]
    if version is not None:
        bits.append(f"{t('version', lang)}: {esc(version.label(lang))}")
    return " / ".join(bits)


def build_bodies(isms: Isms) -> Bodies:
    docs = isms.documents
    out: dict[str, Body] = {}
    chapters = tuple(chapter.text for chapter in isms.manual)
    manual_content = "\n".join(f".. chapter: {chapter.source.path.name}\n\n{chapter.text}" for chapter in isms.manual)
    out["manual"] = Body("manual", "", "", manual_content, chapters)
    for policy in isms.policies:
        text = policy.body.text if policy.body is not None else ""
        out[policy.entry.id] = Body(policy.entry.id, text, text, text)
    controls = {decision.id: control_body(isms, decision) for decision in isms.decisions}
    for decision in isms.decisions:
        if decision.document_id in docs:
            text = controls[decision.id]
            out[decision.document_id] = Body(decision.document_id, text, text, text)
    if "soa" in docs:
        printed = soa_body(isms, link=False)
        out["soa"] = Body("soa", soa_body(isms, link=True), printed, printed)
    # Documents whose content is their whole page (header included), as the site shows it.
    paged = {
        "checklist": (checklist_body(isms), None),
        "assets": (assets_body(isms), assets_body(isms, link=False)),
        "risk-report": (risk_report_body(isms, html=True), risk_report_body(isms, html=False, link=False)),
        "risk-plan": (risk_plan_body(isms), risk_plan_body(isms, link=False)),
        "audit-checklist": (audit_checklist_body(isms), audit_checklist_body(isms, link=False)),
    }
    paged.update(record_bodies(isms))  # the record sets and their blank forms (isms.bodies.records)
    for doc_id, (site, printed) in paged.items():
        if doc_id in docs:
            content = "\n".join([page_header(isms, docs[doc_id], None), site])
            out[doc_id] = Body(doc_id, site, printed, content)
    return Bodies(out, controls)

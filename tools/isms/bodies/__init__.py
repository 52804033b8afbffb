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

from collections.abc import Callable
from dataclasses import dataclass

from isms.bodies.checklist import checklist_body
from isms.bodies.documents import control_body, soa_body
from isms.bodies.records import record_bodies
from isms.bodies.risk import assets_body, audit_checklist_body, risk_plan_body, risk_report_body
from isms.bodies.scope import scope_body
from isms.bodies.text import esc, named, ref, title
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


def page_header(doc: Document, line: str) -> str:
    """The first lines of a document's page: its label, title, and the line below the title (its
    number; on the site, a placeholder for its number and version: isms.render.html.frames)."""
    return "\n".join([f".. _{doc.label}:\n", title(esc(doc.title)), line + "\n"])


def doc_line(isms: Isms, doc: Document, version: DocumentVersion | None) -> str:
    lang = isms.lang
    bits = [f"{t('document_number', lang)}: {esc(doc.number)}"]
    if version is not None:
        bits.append(f"{t('version', lang)}: {esc(version.label(lang))}")
    return " / ".join(bits)


def manual_related(isms: Isms, link: bool) -> str:
    """The generated documents the manual rests on (the scope and criteria, the SoA, the register)."""
    docs = [isms.documents[doc_id] for doc_id in ("scope", "soa", "register") if doc_id in isms.documents]
    if not docs:
        return ""
    items = "\n".join(f"- {ref(doc.label) if link else named(doc, isms.lang)}" for doc in docs)
    return f".. rubric:: {t('related_documents', isms.lang)}\n\n{items}\n"


def build_bodies(isms: Isms) -> Bodies:
    docs = isms.documents
    out: dict[str, Body] = {}
    if "manual" in docs:
        # The manual's chapters (one page each on the site), after a generated list of the documents
        # it rests on: on the manual's index page and first in the Word file.
        chapters = tuple(chapter.text for chapter in isms.manual)
        related = manual_related(isms, link=True)
        content = "\n".join(f".. chapter: {chapter.source.path.name}\n\n{chapter.text}" for chapter in isms.manual)
        out["manual"] = Body("manual", related, manual_related(isms, link=False), related + "\n" + content, chapters)
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
    for doc_id in _paged(isms):
        body = paged_body(isms, doc_id)
        if body is not None:
            out[doc_id] = body
    return Bodies(out, controls)


def _paged(isms: Isms) -> dict[str, Callable[[], tuple[str, str | None]]]:
    """Documents whose content is their whole page (header included), as the site shows it."""
    return {
        "scope": lambda: (scope_body(isms), scope_body(isms)),
        "checklist": lambda: (checklist_body(isms), None),
        "assets": lambda: (assets_body(isms), assets_body(isms, link=False)),
        "risk-report": lambda: (risk_report_body(isms, html=True), risk_report_body(isms, html=False, link=False)),
        "risk-plan": lambda: (risk_plan_body(isms), risk_plan_body(isms, link=False)),
        "audit-checklist": lambda: (audit_checklist_body(isms), audit_checklist_body(isms, link=False)),
        **record_bodies(isms),  # the record sets and their blank forms (isms.bodies.records)
    }


def paged_body(isms: Isms, doc_id: str) -> Body | None:
    """One generated document's body (the scope, the registers and the risk documents), computed
    alone: the check fingerprints the risk report without building every body."""
    make = _paged(isms).get(doc_id)
    doc = isms.documents.get(doc_id)
    if make is None or doc is None:  # not when left out for this build's audience
        return None
    site, printed = make()
    return Body(doc_id, site, printed, "\n".join([page_header(doc, doc_line(isms, doc, None)), site]))

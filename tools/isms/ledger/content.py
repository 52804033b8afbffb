"""The content that makes each document, as plain text: its fingerprint is the sha256 of this text,
and the release snapshots (manual_src/releases/<version>/<doc id>.rst) store it for the 新旧対照表.

The text is the rendered reST body plus the metadata printed on the document (number, title,
classification, owner). It never contains a version: the register, which lists every document's
版数, lists the versions the other documents will have at the release (its own version is left out),
so there is no cycle.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import replace

from isms.model import Document, Isms

ContentFunction = Callable[[Isms, Document], str]


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def header(doc: Document) -> str:
    """Metadata lines; parsed back by read_header() for documents that were removed since."""
    owner = doc.owner.id if doc.owner else "-"
    approver = doc.approver.id if doc.approver else "-"
    return (
        f"number: {doc.number}\ntitle: {doc.title}\nclassification: {doc.classification.id}\n"
        f"owner: {owner}\napprover: {approver}\n\n"
    )


def read_header(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        if not line.strip():
            break
        key, _, value = line.partition(": ")
        out[key] = value
    return out


def _manual(isms: Isms, doc: Document) -> str:
    return "\n".join(f".. chapter: {chapter.source.path.name}\n\n{chapter.text}" for chapter in isms.manual)


def _policy(isms: Isms, doc: Document) -> str:
    policy = next((p for p in isms.policies if p.entry.id == doc.id), None)
    return policy.body.text if policy is not None and policy.body is not None else ""


def _procedure(isms: Isms, doc: Document) -> str:
    from isms.render.pages import control_body

    decision = isms.decision(doc.control_id or "")
    return control_body(isms, decision) if decision is not None else ""


def _soa(isms: Isms, doc: Document) -> str:
    from isms.render.pages import soa_body

    return soa_body(isms, link=False)


def _site_pages(isms: Isms, doc: Document) -> str:
    """Any other document: the text of its pages on the HTML site, built without versions (so no
    version, banner or history table is part of it)."""
    site = _site(isms)
    return "\n".join(text for name, text in site.pages.items() if site.page_documents.get(name) == doc.id)


def _site(isms: Isms):
    from isms.render.html.site import build_site

    cached = getattr(isms, "_ledger_site", None)  # one site build per model
    if cached is None:
        cached = build_site(replace(isms, versions={}))
        isms._ledger_site = cached  # type: ignore[attr-defined]
    return cached


CONTENT: dict[str, ContentFunction] = {
    "manual": _manual,
    "policy": _policy,
    "procedure": _procedure,
    "soa": _soa,
}
"""Document id or kind -> its body text. Documents not listed (the checklist, the risk documents, ...)
are fingerprinted from their pages on the HTML site (_site_pages); a new document may add its own
function here (keyed by its id) when its content is not all on the site."""


def register_text(isms: Isms, doc: Document, versions: Mapping[str, int]) -> str:
    """The register lists every document with the version it has at the release (not its own)."""
    from isms.render.pages import ordered_documents

    lines = []
    for other in ordered_documents(isms):
        version = "-" if other.id == doc.id else str(versions.get(other.id, 0))
        owner = other.owner.id if other.owner else "-"
        lines.append(f"{other.number} | {other.title} | {other.kind} | {other.classification.id} | {owner} | {version}")
    return "\n".join(lines) + "\n"


def document_texts(isms: Isms, prospective: Callable[[dict[str, str]], Mapping[str, int]]) -> dict[str, str]:
    """doc id -> content text. prospective(fingerprints of the other documents) gives the versions
    they have at a release made now (from the ledger); the register is computed from them."""
    texts: dict[str, str] = {}
    for doc in isms.documents.values():
        if doc.id == "register":
            continue
        body = CONTENT.get(doc.id, CONTENT.get(doc.kind, _site_pages))(isms, doc)
        texts[doc.id] = header(doc) + body.rstrip("\n") + "\n"
    versions = prospective({k: fingerprint(v) for k, v in texts.items()})
    if "register" in isms.documents:
        doc = isms.documents["register"]
        texts[doc.id] = header(doc) + register_text(isms, doc, versions)
    return texts

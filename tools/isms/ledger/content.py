"""The content that makes each document, as plain text: its fingerprint is the sha256 of this text,
and the release snapshots (manual_src/releases/<version>/<doc id>.rst) store it for the 新旧対照表.

The text is the document's body content (isms.bodies) plus the metadata printed on the document
(number, title, classification, owner). It never contains a version: the register, which lists every document's
版数, lists the versions the other documents will have at the release (its own version is left out),
so there is no cycle.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping

from isms.bodies import Bodies, Body
from isms.model import Document, Isms


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


def register_text(isms: Isms, doc: Document, versions: Mapping[str, int]) -> str:
    """The register lists every document with the version it has at the release (not its own)."""
    lines = []
    for other in isms.ordered_documents:
        version = "-" if other.id == doc.id else str(versions.get(other.id, 0))
        owner = other.owner.id if other.owner else "-"
        lines.append(f"{other.number} | {other.title} | {other.kind} | {other.classification.id} | {owner} | {version}")
    return "\n".join(lines) + "\n"


def content_text(doc: Document, body: Body | None) -> str:
    """The text a document's fingerprint is taken of (every document but the register)."""
    return header(doc) + (body.content if body else "").rstrip("\n") + "\n"


def document_texts(isms: Isms, bodies: Bodies, prospective: Callable[[dict[str, str]], Mapping[str, int]]) -> dict[str, str]:
    """doc id -> content text: the metadata header and the body's content (isms.bodies).
    prospective(fingerprints of the other documents) gives the versions they have at a release made
    now (from the ledger); the register is computed from them."""
    texts: dict[str, str] = {}
    for doc in isms.documents.values():
        if doc.id == "register":
            continue
        texts[doc.id] = content_text(doc, bodies.get(doc.id))
    versions = prospective({k: fingerprint(v) for k, v in texts.items()})
    if "register" in isms.documents:
        doc = isms.documents["register"]
        texts[doc.id] = header(doc) + register_text(isms, doc, versions)
    return texts

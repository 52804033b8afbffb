"""Cross-reference targets for the Word documents: label -> printed title and document number.

Sphinx resolves :ref: from its own inventory; pandoc knows nothing of it, so the Lua filter gets this
map. Labels come from the documents (ctl-5.15, pol-access_control, soa, manual) and from the
``.. _label:`` targets authors put before a section (clause-6.1.2 -> "6.1.2 情報セキュリティ...").
"""

from __future__ import annotations

import re
from typing import TypedDict

from isms.i18n import t
from isms.model import Isms

_TARGET = re.compile(r"^\.\.\s+_([^:`]+):\s*$")
_ADORNMENT = re.compile(r"^([!-/:-@\[-`{-~])\1{2,}\s*$")
_ROLE = re.compile(r":(?:ref|numref|doc):`([^`]*)`")
_CLAUSE = re.compile(r"^clause-(\d+(?:\.\d+)*)$")


class Label(TypedDict, total=False):
    text: str
    number: str
    doc: str
    excluded: str  # appended for a control that has no procedure document


def section_targets(text: str) -> dict[str, str]:
    """``.. _label:`` followed by a section title -> {label: title}; other targets map to ""."""
    lines = text.splitlines()
    found: dict[str, str] = {}
    pending: list[str] = []
    for index, line in enumerate(lines):
        match = _TARGET.match(line)
        if match:
            pending.append(match.group(1).strip().lower())
            continue
        if not pending or not line.strip():
            continue
        title = ""
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if _ADORNMENT.match(line) and following.strip():
            title = following.strip()  # over- and underlined title
        elif _ADORNMENT.match(following):
            title = line.strip()
        for label in pending:
            found[label] = title
        pending = []
    for label in pending:
        found[label] = ""
    return found


def _clause_text(label: str, title: str) -> str:
    match = _CLAUSE.match(label)
    if match and title and not title.startswith(match.group(1)):
        return f"{match.group(1)} {title}"
    return title


def label_map(isms: Isms) -> dict[str, Label]:
    lang = isms.lang
    labels: dict[str, Label] = {}
    for doc in isms.documents.values():
        labels[doc.label.lower()] = Label(text=doc.title, number=doc.number, doc=doc.id)
    excluded = t("label_excluded", lang)
    for control in isms.catalogue:
        # Excluded in the SoA, or its procedure left out for this build's audience (then no mark).
        mark = "" if f"ctl-{control.id}" in isms.withheld else excluded
        labels.setdefault(f"ctl-{control.id}", Label(text=f"{control.id} {control.title(lang)}", number="", doc="", excluded=mark))
    texts: list[tuple[str, str]] = [("manual", chapter.text) for chapter in isms.manual]
    texts += [(p.entry.id, p.body.text) for p in isms.policies if p.body is not None]
    texts += [(d.document_id, d.procedure.text) for d in isms.decisions if d.procedure is not None]
    for doc_id, text in texts:
        doc = isms.documents.get(doc_id)
        if doc is None:
            continue
        for label, title in section_targets(text).items():
            labels[label] = Label(text=_clause_text(label, title) or doc.title, number=doc.number, doc=doc.id)
    return labels


def referenced(texts: tuple[str, ...], labels: dict[str, Label]) -> dict[str, Label]:
    """The map entries a body prints: part of its fingerprint, so a renamed target rebuilds it."""
    used: dict[str, Label] = {}
    for text in texts:
        for target in _ROLE.findall(text):
            match = re.search(r"<([^<>]+)>\s*$", target)
            label = (match.group(1) if match else target).strip().lower()
            label = label.rsplit("/", 1)[-1]
            used[label] = labels.get(label, Label())
    return dict(sorted(used.items()))

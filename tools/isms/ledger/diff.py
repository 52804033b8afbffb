"""`isms status` (documents changed since the last release) and `isms diff` (新旧対照表: old text
beside new text, changed passages marked, one section per changed document)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from isms.i18n import Refusal, t
from isms.ledger import Change, Versions, changes, find_release, last_fingerprints, snapshot_text
from isms.ledger.content import read_header
from isms.model import Isms
from isms.sources.ledger_schema import VERSION_PATTERN, version_key

DIFF_DIR = Path("build/diff")
WORKING = "working"


class DiffError(Refusal):
    """Two versions that cannot be compared."""


def _describe(isms: Isms, doc_id: str, old_text: str | None) -> str:
    doc = isms.documents.get(doc_id)
    if doc is not None:
        return f"{doc.number} {doc.title}"
    meta = read_header(old_text or "")
    return f"{meta.get('number', doc_id)} {meta.get('title', '')}".strip()


def change_lines(isms: Isms, found: list[Change]) -> list[str]:
    """"kind: number title" in the organisation's language (改定: ISMS-C-5-15 …), modified documents
    first, in the documents' order; a removed document is named from its snapshot in the last release."""
    order = {doc.id: n for n, doc in enumerate(isms.ordered_documents)}
    last = isms.releases.releases[-1].version if isms.releases.releases else None
    lines = []
    for change in sorted(found, key=lambda c: (c.kind != "modified", c.kind, order.get(c.doc_id, len(order)))):
        old = snapshot_text(isms.root, isms.releases, last, change.doc_id) if last and change.kind == "removed" else None
        lines.append(f"{t(f'diff_kind_{change.kind}', isms.lang)}: {_describe(isms, change.doc_id, old)}")
    return lines


def status_lines(isms: Isms, versions: Versions) -> list[str]:
    """`isms status`: the documents changed since the last release."""
    return change_lines(isms, changes(last_fingerprints(isms.releases), versions.fingerprints))


@dataclass(frozen=True)
class DocumentDiff:
    change: Change
    name: str
    old: str
    new: str


def _texts(isms: Isms, versions: Versions, version: str) -> dict[str, str | None]:
    if version == WORKING:
        return dict(versions.contents)
    release = find_release(isms.releases, version)
    assert release is not None
    return {doc_id: snapshot_text(isms.root, isms.releases, release.version, doc_id) for doc_id in release.documents}


def _fingerprints(isms: Isms, versions: Versions, version: str) -> dict[str, str]:
    if version == WORKING:
        return versions.fingerprints
    release = find_release(isms.releases, version)
    assert release is not None
    return dict(release.documents)


def compare(isms: Isms, versions: Versions, old: str | None, new: str | None) -> tuple[str, str, list[DocumentDiff]]:
    releases = isms.releases.releases
    if not releases:
        raise DiffError("diff_no_release")
    old = old or releases[-1].version
    new = new or WORKING
    for version in (old, new):
        if version != WORKING and not re.match(VERSION_PATTERN, version):
            raise DiffError("diff_bad_version", version=version, known=", ".join(r.version for r in releases))
    for version in (old, new):
        if version != WORKING and find_release(isms.releases, version) is None:
            raise DiffError("diff_unknown_release", version=version, known=", ".join(r.version for r in releases))
    if new != WORKING and version_key(new) < version_key(old):
        old, new = new, old
    old_fp, new_fp = _fingerprints(isms, versions, old), _fingerprints(isms, versions, new)
    old_texts, new_texts = _texts(isms, versions, old), _texts(isms, versions, new)
    missing = t("diff_missing", isms.lang)
    out = []
    for change in changes(old_fp, new_fp):
        before = "" if change.kind == "new" else (old_texts.get(change.doc_id) or missing)
        after = "" if change.kind == "removed" else (new_texts.get(change.doc_id) or missing)
        out.append(DocumentDiff(change, _describe(isms, change.doc_id, before), before, after))
    return old, new, out

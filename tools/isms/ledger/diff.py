"""`isms status` (documents changed since the last release) and `isms diff` (新旧対照表: old text
beside new text, changed passages marked, one section per changed document)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from isms.i18n import t
from isms.ledger import Change, Versions, changes, find_release, last_fingerprints, snapshot_text
from isms.ledger.content import read_header
from isms.model import Isms
from isms.sources.ledger_schema import version_key

DIFF_DIR = Path("build/diff")
WORKING = "working"


class DiffError(Exception):
    pass


def _describe(isms: Isms, doc_id: str, old_text: str | None) -> str:
    doc = isms.documents.get(doc_id)
    if doc is not None:
        return f"{doc.number} {doc.title}"
    meta = read_header(old_text or "")
    return f"{meta.get('number', doc_id)} {meta.get('title', '')}".strip()


def status_lines(isms: Isms, versions: Versions) -> list[str]:
    found = changes(last_fingerprints(isms.releases), versions.fingerprints)
    order = {doc.id: n for n, doc in enumerate(isms.ordered_documents)}
    found.sort(key=lambda c: (c.kind != "modified", c.kind, order.get(c.doc_id, len(order))))
    last = isms.releases.releases[-1].version if isms.releases.releases else None
    lines = []
    for change in found:
        old = snapshot_text(isms.root, isms.releases, last, change.doc_id) if last and change.kind == "removed" else None
        lines.append(f"{change.kind}: {_describe(isms, change.doc_id, old)}")
    return lines


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
        raise DiffError("no release recorded yet: nothing to compare with (record one with `isms release`)")
    old = old or releases[-1].version
    new = new or WORKING
    for version in (old, new):
        if version != WORKING and find_release(isms.releases, version) is None:
            known = ", ".join(r.version for r in releases)
            raise DiffError(f"no release {version} in the ledger (releases: {known})")
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

"""Ledger stage: approvals and revision histories, from the release ledger (manual_src/releases.yaml,
loaded with the sources; its integrity is checked by isms.check.ledger).

- ``document_versions``: every document's 版数 and history, computed once from the bodies: its
  version goes up only in releases in which its fingerprint changed; it is a draft when its current
  content differs from the last release.
- snapshots: manual_src/releases/<version>/<doc id>.rst hold the content of each document a release
  changed, so that ``isms diff`` can print old text beside new text without a server or git.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from isms.bodies import Bodies
from isms.i18n import sep, t
from isms.ledger.content import document_texts, fingerprint
from isms.model import Isms
from isms.model.versions import DocumentVersion, Revision
from isms.sources.ledger_schema import Ledger, Release, version_key
from isms.sources.loader import LEDGER_PATH, SNAPSHOT_DIR
from isms.sources.schema import Profile
from isms.sources.yamlio import read_source

__all__ = ["LEDGER_PATH", "SNAPSHOT_DIR", "Versions", "document_versions"]


def today() -> dt.date:
    """The date releases may not come after (tests replace this function)."""
    return dt.date.today()


@dataclass(frozen=True)
class Versions:
    """What the release ledger says of the current sources, computed once per build."""

    ledger: Ledger
    contents: dict[str, str]  # doc id -> the content its fingerprint is taken of
    documents: dict[str, DocumentVersion]

    def of(self, doc_id: str) -> DocumentVersion | None:
        return self.documents.get(doc_id)

    @property
    def fingerprints(self) -> dict[str, str]:
        return {doc_id: fingerprint(text) for doc_id, text in self.contents.items()}

    def release_label(self, lang: str) -> str | None:
        """The latest release, marked when documents have changed since (shown on the home page)."""
        if not self.ledger.releases:
            return None
        latest = self.ledger.releases[-1]
        text = f"{latest.version} ({latest.date.isoformat()})"
        if any(v.draft for v in self.documents.values()):
            text = t("draft_changes", lang, release=text)
        return text


def document_versions(isms: Isms, bodies: Bodies) -> Versions:
    ledger = isms.releases
    contents = document_texts(isms, bodies, lambda fps: prospective_versions(ledger, fps))
    fingerprints = {doc_id: fingerprint(text) for doc_id, text in contents.items()}
    return Versions(ledger, contents, compute_versions(isms.profile, ledger, fingerprints))


@dataclass(frozen=True)
class Signer:
    label: str  # "ISMS事務局 小林 直樹"
    people: frozenset[str]  # person ids, for segregation of duties


def resolve(profile: Profile, ident: str) -> Signer | None:
    """A role id (its holders) or a person id, as printed in a revision row."""
    people = {p.id: p for p in profile.people}
    separator = sep(profile.language)
    role = next((r for r in profile.roles if r.id == ident), None)
    if role is not None:
        name = role.name if profile.language == "ja" else role.name_en
        names = separator.join(people[h].name for h in role.holders if h in people)
        return Signer(f"{name} {names}".strip(), frozenset(role.holders))
    person = people.get(ident)
    if person is not None:
        held = [r for r in profile.roles if person.id in r.holders]
        title = (held[0].name if profile.language == "ja" else held[0].name_en) if held else person.title
        return Signer(f"{title} {person.name}", frozenset({person.id}))
    return None


def history(ledger: Ledger, doc_id: str) -> list[Release]:
    """The releases in which the document's fingerprint changed (including its first)."""
    out, before = [], None
    for release in ledger.releases:
        now = release.documents.get(doc_id)
        if now is not None and now != before:
            out.append(release)
        before = now
    return out


def last_fingerprints(ledger: Ledger) -> dict[str, str]:
    return dict(ledger.releases[-1].documents) if ledger.releases else {}


def prospective_versions(ledger: Ledger, fingerprints: Mapping[str, str]) -> dict[str, int]:
    """The version each document would have in a release made now."""
    last = last_fingerprints(ledger)
    return {doc_id: len(history(ledger, doc_id)) + (fp != last.get(doc_id)) for doc_id, fp in fingerprints.items()}


def signer_label(profile: Profile | None, release: Release, key: str) -> str:
    """The author, reviewer or approver of a release as printed in its history rows: the name
    recorded at release time; for entries without one, looked up in the current profile."""
    recorded = release.signer_name(key)
    if recorded is not None:
        return recorded
    ident = getattr(release, key)
    signer = resolve(profile, ident) if profile is not None else None
    return signer.label if signer else ident


def recorded_label(profile: Profile | None, release: Release, ident: str) -> str:
    """A signer id of a release as printed: the name recorded at release time (the entry's signers,
    or its author/reviewer/approver names); for entries without one, looked up in the current profile."""
    record = release.signers.get(ident)
    if record is not None:
        return record.name
    for key in ("author", "reviewer", "approver"):
        if getattr(release, key) == ident and release.signer_name(key) is not None:
            return release.signer_name(key) or ident
    signer = resolve(profile, ident) if profile is not None else None
    return signer.label if signer else ident


def recorded_people(profile: Profile | None, release: Release, ident: str) -> frozenset[str]:
    """The people a signer id stood for at release time (recorded), else as the profile says now;
    an id neither knows stands for itself."""
    record = release.signers.get(ident)
    if record is not None and record.people:
        return frozenset(record.people)
    signer = resolve(profile, ident) if profile is not None else None
    return signer.people if signer else frozenset({ident})


def document_signers(profile: Profile | None, release: Release, doc_id: str) -> tuple[str, str, str]:
    """The printed author, reviewer and approver of one document in a release (its own, else the release's)."""
    signed = release.signers_of(doc_id)
    return tuple(recorded_label(profile, release, ident) for ident in (signed.author, signed.reviewer, signed.approver))  # type: ignore[return-value]


def compute_versions(profile: Profile, ledger: Ledger, fingerprints: Mapping[str, str]) -> dict[str, DocumentVersion]:
    last = last_fingerprints(ledger)
    out = {}
    for doc_id, fp in fingerprints.items():
        revisions = tuple(
            Revision(number, r.version, r.date, r.changes.get(doc_id, r.summary), *document_signers(profile, r, doc_id))
            for number, r in enumerate(history(ledger, doc_id), start=1)
        )
        out[doc_id] = DocumentVersion(revisions, draft=last.get(doc_id) != fp)
    return out


@dataclass(frozen=True)
class Change:
    doc_id: str
    kind: str  # "new", "modified", "removed"


def changes(before: Mapping[str, str], after: Mapping[str, str]) -> list[Change]:
    out = [Change(d, "new") for d in after if d not in before]
    out += [Change(d, "modified") for d in after if d in before and before[d] != after[d]]
    out += [Change(d, "removed") for d in before if d not in after]
    return out


def release_changes(ledger: Ledger, version: str) -> list[Change]:
    index = next(i for i, r in enumerate(ledger.releases) if r.version == version)
    before = ledger.releases[index - 1].documents if index else {}
    return changes(before, ledger.releases[index].documents)


def find_release(ledger: Ledger, version: str) -> Release | None:
    return next((r for r in ledger.releases if version_key(r.version) == version_key(version)), None)


def snapshot_text(root: Path, ledger: Ledger, version: str, doc_id: str) -> str | None:
    """The document's content at a release: the snapshot of the latest release up to it that changed it."""
    release = find_release(ledger, version)
    if release is None or doc_id not in release.documents:
        return None
    wanted = release.documents[doc_id]
    for candidate in reversed(ledger.releases[: ledger.releases.index(release) + 1]):
        path = root / SNAPSHOT_DIR / candidate.version / f"{doc_id}.rst"
        if path.is_file():
            text, _ = read_source(path, root)  # never a file outside the repository through a symlink
            if text is not None and fingerprint(text) == wanted:
                return text
    return None

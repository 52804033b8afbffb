"""Release ledger: approvals and revision histories, filled in from manual_src/releases.yaml.

- ``load_ledger``: read and validate the ledger (problems point at its lines); its integrity
  (snapshots, signers, dates, seals, git tags) is checked by isms.ledger.verify.
- ``compute_versions``: each document's 版数 and history: its version goes up only in releases in
  which its fingerprint changed; it is a draft when its current content differs from the last release.
- snapshots: manual_src/releases/<version>/<doc id>.rst hold the content of each document a release
  changed, so that ``isms diff`` can print old text beside new text without a server or git.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from isms.ledger.content import document_texts, fingerprint
from isms.ledger.schema import Ledger, Release, version_key
from isms.problems import Problem
from isms.sources.schema import Profile
from isms.sources.yamlio import position, read_source, read_yaml, validate
from isms.versions import DocumentVersion, Revision

LEDGER_PATH = Path("manual_src/releases.yaml")
SNAPSHOT_DIR = Path("manual_src/releases")


@dataclass(frozen=True)
class Signer:
    label: str  # "ISMS事務局 小林 直樹"
    people: frozenset[str]  # person ids, for segregation of duties


def resolve(profile: Profile, ident: str) -> Signer | None:
    """A role id (its holders) or a person id, as printed in a revision row."""
    people = {p.id: p for p in profile.people}
    sep = "、" if profile.language == "ja" else ", "
    role = next((r for r in profile.roles if r.id == ident), None)
    if role is not None:
        name = role.name if profile.language == "ja" else role.name_en
        names = sep.join(people[h].name for h in role.holders if h in people)
        return Signer(f"{name} {names}".strip(), frozenset(role.holders))
    person = people.get(ident)
    if person is not None:
        held = [r for r in profile.roles if person.id in r.holders]
        title = (held[0].name if profile.language == "ja" else held[0].name_en) if held else person.title
        return Signer(f"{title} {person.name}", frozenset({person.id}))
    return None


def load_ledger(root: Path, profile: Profile | None) -> tuple[Ledger, list[Problem]]:
    path = root / LEDGER_PATH
    if not path.exists() and not path.is_symlink():
        return Ledger(), []
    data, problems = read_yaml(path, root)
    if data is None:
        return Ledger(), problems
    ledger, problems = validate(Ledger, data, path)
    if ledger is None:
        return Ledger(), problems
    previous: Release | None = None
    for index, release in enumerate(ledger.releases):
        if previous is not None and version_key(release.version) <= version_key(previous.version):
            line = position(data, ("releases", index, "version"))[0]
            problems.append(Problem(path, line, 1, f"release {release.version} does not come after {previous.version}: releases are listed oldest first"))
        if profile is not None:
            for key in ("author", "reviewer", "approver"):
                ident = getattr(release, key)
                # A recorded name stands on its own: the person may have left the profile since.
                if release.signer_name(key) is None and resolve(profile, ident) is None:
                    line = position(data, ("releases", index, key))[0]
                    problems.append(Problem(path, line, 1, f"release {release.version}: {key} '{ident}' is neither a role nor a person in the profile"))
        previous = release
    from isms.ledger.verify import verify_ledger  # here: it imports this module

    problems += verify_ledger(root, data, ledger, profile)
    return ledger, problems


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


def current_texts(isms, ledger: Ledger) -> dict[str, str]:
    return document_texts(isms, lambda fps: prospective_versions(ledger, fps))


def signer_label(profile: Profile | None, release: Release, key: str) -> str:
    """The author, reviewer or approver of a release as printed in its history rows: the name
    recorded at release time; for entries without one, looked up in the current profile."""
    recorded = release.signer_name(key)
    if recorded is not None:
        return recorded
    ident = getattr(release, key)
    signer = resolve(profile, ident) if profile is not None else None
    return signer.label if signer else ident


def compute_versions(profile: Profile, ledger: Ledger, fingerprints: Mapping[str, str]) -> dict[str, DocumentVersion]:
    last = last_fingerprints(ledger)
    signed = {
        r.version: tuple(signer_label(profile, r, key) for key in ("author", "reviewer", "approver")) for r in ledger.releases
    }
    out = {}
    for doc_id, fp in fingerprints.items():
        revisions = tuple(
            Revision(number, r.version, r.date, r.changes.get(doc_id, r.summary), *signed[r.version])
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

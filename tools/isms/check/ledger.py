"""Integrity rules of the release ledger: a forged or damaged history must fail `isms check`.

Sources arrive by pull request, so the ledger (manual_src/releases.yaml) and its snapshots
(manual_src/releases/<version>/<doc id>.rst) are checked as evidence, not trusted:

- snapshots: every snapshot the ledger implies exists and matches its fingerprint; no stray files;
- segregation of duties: for each document a release changed, its author, reviewer and approver are
  three different people (a role stands for its holders; an entry without a per-document block
  means the release's signers), unless the profile allows self-approval;
- dates: no release in the future, and none dated before the release listed above it;
- seals: every entry carries the seal ``isms release`` wrote (isms.ledger.seal);
- git: an entry and its snapshots equal those in the commit tagged isms-<version>, when tagged.

``verify_ledger`` is the single entry point (called by isms.ledger.load_ledger).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

import isms.ledger as ledger_stage
from isms.ledger import LEDGER_PATH, SNAPSHOT_DIR, recorded_label, recorded_people, resolve
from isms.ledger.content import fingerprint
from isms.ledger.duties import conflict_text, conflicts
from isms.ledger.git import tag_name
from isms.ledger.seal import seal_of
from isms.problems import Problem
from isms.sources.ledger_schema import VERSION_PATTERN, Ledger, Release, version_key
from isms.sources.loader import Sources
from isms.sources.schema import Profile
from isms.sources.yamlio import position, read_source

RESTORE = "entries are written by `isms release`; do not edit them by hand; restore the file from git"


def ledger_rules(sources: Sources) -> list[Problem]:
    """The release ledger's rules: releases in order, signers known, and its integrity."""
    loaded = sources.ledger
    if loaded is None:
        return []
    ledger, data, path, profile = loaded.model, loaded.data, loaded.path, sources.profile
    problems: list[Problem] = []
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
    return problems + verify_ledger(sources.root, data, ledger, profile)


def verify_ledger(root: Path, data: Any, ledger: Ledger, profile: Profile | None, as_of: dt.date | None = None) -> list[Problem]:
    """Problems of a validated ledger; data is its YAML (for line numbers), as_of defaults to today."""
    context = _Context(root, data, ledger)
    problems = _snapshot_problems(context)
    if profile is not None:
        problems += _self_approval_problems(context, profile)
    problems += _date_problems(context, as_of or ledger_stage.today())
    problems += _seal_problems(context)
    problems += _git_problems(context)
    return problems


class _Context:
    def __init__(self, root: Path, data: Any, ledger: Ledger) -> None:
        self.root, self.data, self.ledger = root, data, ledger
        self.path = root / LEDGER_PATH
        self.snapshot_dir = SNAPSHOT_DIR

    def problem(self, index: int, *keys: str, message: str) -> Problem:
        """A problem at release index's entry, or at one of its keys."""
        line, col = position(self.data, ("releases", index, *keys))
        return Problem(self.path, line, col, message)

    def snapshot_path(self, version: str, doc_id: str) -> str:
        return (self.snapshot_dir / version / f"{doc_id}.rst").as_posix()


def changed_documents(ledger: Ledger) -> Iterator[tuple[int, Release, dict[str, str]]]:
    """(index, release, {doc id: fingerprint}) of the documents each release stored a snapshot of:
    those whose fingerprint differs from the previous release (isms.ledger.release)."""
    before: Mapping[str, str] = {}
    for index, release in enumerate(ledger.releases):
        yield index, release, {doc_id: fp for doc_id, fp in release.documents.items() if before.get(doc_id) != fp}
        before = release.documents


def _read(path: Path, root: Path) -> str | None:
    # As snapshot_text reads it: inside the repository only (a snapshot may be a symlink), universal
    # newlines, so a CRLF checkout keeps its fingerprint.
    text, _ = read_source(path, root)
    return text


def _snapshot_problems(context: _Context) -> list[Problem]:
    problems = []
    directory = context.root / context.snapshot_dir
    versions = set()
    for index, release, changed in changed_documents(context.ledger):
        versions.add(release.version)
        folder = directory / release.version
        if changed and not folder.is_dir():  # one problem, not one per document
            problems.append(context.problem(index, message=(
                f"release {release.version}: its snapshot folder {(context.snapshot_dir / release.version).as_posix()}/ is missing "
                f"({len(changed)} document(s) changed): restore the folder from git"
            )))
            continue
        for doc_id, wanted in changed.items():
            shown = context.snapshot_path(release.version, doc_id)
            path = folder / f"{doc_id}.rst"
            if path.parent != folder or not path.is_file():  # an id like "../x" points outside the folder
                problems.append(context.problem(index, "documents", doc_id, message=(
                    f"release {release.version}: snapshot {shown} is missing (the release changed '{doc_id}'): "
                    "restore the file from git"
                )))
            elif (text := _read(path, context.root)) is None or fingerprint(text) != wanted:
                problems.append(context.problem(index, "documents", doc_id, message=(
                    f"release {release.version}: snapshot {shown} does not match the fingerprint recorded for '{doc_id}': "
                    "snapshots are written by `isms release`; do not edit them by hand; restore the file from git"
                )))
        for path in sorted(folder.iterdir()) if folder.is_dir() else ():
            if path.suffix != ".rst" or path.stem not in changed:
                problems.append(context.problem(index, message=(
                    f"release {release.version}: {(context.snapshot_dir / release.version / path.name).as_posix()} "
                    "is not a snapshot of this release (it did not change that document): "
                    "delete the file, or restore the ledger from git if its entry was edited"
                )))
    if directory.is_dir():
        line, col = position(context.data, ("releases",))
        for path in sorted(directory.iterdir()):
            if path.name not in versions:
                problems.append(Problem(context.path, line, col, (
                    f"{(context.snapshot_dir / path.name).as_posix()} belongs to no release in the ledger: "
                    "delete it, or restore the ledger from git if its entry was removed"
                )))
    return problems


def _self_approval_problems(context: _Context, profile: Profile) -> list[Problem]:
    """The rule `isms release` applies (isms.ledger.release), for every recorded release: for each
    document it changed, author, reviewer and approver are different people."""
    if profile.approval.allow_self_approval:
        return []
    problems = []
    keys = ("author", "reviewer", "approver")
    for index, release, changed in changed_documents(context.ledger):
        release_level = [doc_id for doc_id in changed if doc_id not in release.signed]
        if release_level or not release.signed:  # the release's own signers sign these documents
            people = {key: recorded_people(profile, release, getattr(release, key)) for key in keys}
            labels = {key: recorded_label(profile, release, getattr(release, key)) for key in keys}
            for first, second, verb in conflicts(people):
                problems.append(context.problem(index, first, message=(
                    f"release {release.version}: {conflict_text(first, second, verb, labels, 'the release')}; "
                    f"{RESTORE} (or set approval.allow_self_approval: true in the profile)"
                )))
        for doc_id, signed in release.signed.items():
            idents = dict(zip(keys, (signed.author, signed.reviewer, signed.approver), strict=True))
            people = {key: recorded_people(profile, release, ident) for key, ident in idents.items()}
            labels = {key: recorded_label(profile, release, ident) for key, ident in idents.items()}
            for first, second, verb in conflicts(people):
                problems.append(context.problem(index, "signed", doc_id, message=(
                    f"release {release.version}: {conflict_text(first, second, verb, labels, doc_id)}; "
                    f"{RESTORE} (or set approval.allow_self_approval: true in the profile)"
                )))
    return problems


def _date_problems(context: _Context, as_of: dt.date) -> list[Problem]:
    problems = []
    previous: Release | None = None
    for index, release in enumerate(context.ledger.releases):
        if release.date > as_of:
            problems.append(context.problem(index, "date", message=(
                f"release {release.version}: date {release.date.isoformat()} is in the future (today is {as_of.isoformat()}): "
                f"a release is recorded when it is approved; {RESTORE}"
            )))
        if previous is not None and release.date < previous.date:
            problems.append(context.problem(index, "date", message=(
                f"release {release.version}: date {release.date.isoformat()} is before release {previous.version} "
                f"({previous.date.isoformat()}): releases are listed oldest first; {RESTORE}"
            )))
        previous = release
    return problems


def _seal_problems(context: _Context) -> list[Problem]:
    problems = []
    previous_seal: str | None = None
    for index, release in enumerate(context.ledger.releases):
        if release.seal is None:
            problems.append(context.problem(index, message=f"release {release.version} is not sealed (no 'seal' key): {RESTORE}"))
        elif release.seal != seal_of(release, previous_seal):
            problems.append(context.problem(index, message=(
                f"release {release.version}: the seal does not match the entry (a recorded field was changed, "
                f"or an entry before it was edited, added or removed): {RESTORE}"
            )))
        previous_seal = release.seal  # the recorded one: an edit is reported at the entry it touched
    return problems


# --------------------------------------------------------------------------- git tags


@dataclass(frozen=True)
class _Object:
    oid: str  # hex
    kind: str  # "blob", "tree", ...
    content: bytes


def _cat_file(root: Path, names: list[str]) -> dict[str, _Object] | None:
    """One `git cat-file --batch` for all names (rev:path); names git does not have are left out.
    None when git is missing or root is not in a repository."""
    names = [name for name in names if "\n" not in name]
    try:
        done = subprocess.run(
            ["git", "cat-file", "--batch"], cwd=root, input="".join(f"{name}\n" for name in names).encode("utf-8"),
            capture_output=True, check=False,
        )
    except OSError:
        return None
    if done.returncode != 0:
        return None
    found, out, at = {}, done.stdout, 0
    for name in names:
        end = out.find(b"\n", at)
        if end < 0:
            break
        header = out[at:end].decode("utf-8", "replace").rsplit(" ", 2)
        at = end + 1
        if len(header) == 3 and header[2].isdigit():  # "<oid> <type> <size>", else "<name> missing"
            size = int(header[2])
            found[name] = _Object(header[0], header[1], out[at : at + size])
            at += size + 1
    return found


def _tree_names(tree: _Object) -> list[str]:
    """Entry names of a raw git tree object: "<mode> <name>\\0<binary object id>" repeated; the id
    is as long as the tree's own (sha1 or sha256 repositories)."""
    names, at, content, oid_size = [], 0, tree.content, len(tree.oid) // 2
    while at < len(content):
        space, nul = content.index(b" ", at), content.index(b"\0", at)
        names.append(content[space + 1 : nul].decode("utf-8", "replace"))
        at = nul + 1 + oid_size
    return names


def _normalised(text: bytes) -> bytes:
    return text.replace(b"\r\n", b"\n")


def _release_tags(root: Path) -> list[str]:
    """The versions of the isms-<version> tags of the repository that are release numbers."""
    try:
        done = subprocess.run(["git", "tag", "--list", tag_name("*")], cwd=root, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    prefix = tag_name("")
    versions = [line.strip()[len(prefix) :] for line in done.stdout.splitlines() if line.strip().startswith(prefix)] if done.returncode == 0 else []
    return [version for version in versions if re.match(VERSION_PATTERN, version)]


def _tagged_entries(text: bytes) -> list[dict[str, Any]] | None:
    """The entries of a tagged ledger, in its order (None: unreadable or foreign)."""
    try:
        data = YAML(typ="safe").load(text.decode("utf-8"))
        return [e for e in data["releases"] if isinstance(e, dict)]
    except Exception:
        return None


def _tagged_release(entries: list[dict[str, Any]] | None, version: str) -> Release | None:
    try:
        return Release.model_validate(next(e for e in entries or [] if str(e.get("version")) == version))
    except Exception:  # an entry the tag lacks or that does not validate is simply "not equal"
        return None


def _git_problems(context: _Context) -> list[Problem]:
    """Entries and snapshots of tagged releases against the tagged commit. Two git calls in all:
    the tagged ledgers and snapshot folders, then the tagged snapshots."""
    releases = context.ledger.releases
    ledger_name = f"./{LEDGER_PATH.as_posix()}"

    def tagged(version: str, path: str) -> str:
        return f"refs/tags/{tag_name(version)}:{path}"

    def folder(version: str) -> str:
        return f"./{(context.snapshot_dir / version).as_posix()}"

    problems: list[Problem] = []
    recorded_versions = {version_key(r.version) for r in releases}
    for version in _release_tags(context.root):
        if version_key(version) not in recorded_versions:
            problems.append(Problem(context.path, 1, 1, (
                f"git tag {tag_name(version)} names release {version}, which {LEDGER_PATH.as_posix()} does not have: a tagged release "
                f"was renamed or removed; {RESTORE} (`git show {tag_name(version)}:{ledger_name}`), or, if the tag is stale "
                f"(no release {version} was approved), delete it (`git tag -d {tag_name(version)}`)"
            )))
    first = _cat_file(context.root, [name for r in releases for name in (tagged(r.version, ledger_name), tagged(r.version, folder(r.version)))])
    if not first:
        return problems
    tagged_snapshots: dict[str, list[str]] = {}
    for index, release in enumerate(releases):
        tag = tag_name(release.version)
        ledger_blob = first.get(tagged(release.version, ledger_name))
        if ledger_blob is None:
            continue  # not tagged (or the tag holds no ledger): nothing to compare with
        entries = _tagged_entries(ledger_blob.content)  # read once for both comparisons
        before = [str(e.get("version")) for e in entries] if entries is not None else None
        if before is not None and before[: before.index(release.version) + 1 if release.version in before else None] != [r.version for r in releases[: index + 1]]:
            problems.append(context.problem(index, message=(
                f"the releases up to {release.version} are not those at git tag {tag} ({', '.join(before)}): an entry was inserted, "
                f"removed or reordered before a tagged release; {RESTORE} (`git show {tag}:{ledger_name}`)"
            )))
        recorded = _tagged_release(entries, release.version)
        # The seal is left out: seals added to old entries (migration) keep matching their tags.
        if recorded is None or recorded.model_dump(exclude={"seal"}) != release.model_dump(exclude={"seal"}):
            problems.append(context.problem(index, message=(
                f"release {release.version} differs from its entry in {LEDGER_PATH.as_posix()} at git tag {tag}: "
                f"the tagged entry is the approved one; {RESTORE} (`git show {tag}:{ledger_name}`)"
            )))
        tree = first.get(tagged(release.version, folder(release.version)))
        tagged_snapshots[release.version] = _tree_names(tree) if tree is not None and tree.kind == "tree" else []
    if not tagged_snapshots:
        return problems
    names = [tagged(v, f"{folder(v)}/{name}") for v, listed in tagged_snapshots.items() for name in listed]
    blobs = _cat_file(context.root, names) or {}
    for index, release in enumerate(releases):
        if release.version not in tagged_snapshots:
            continue
        tag = tag_name(release.version)
        work = context.root / context.snapshot_dir / release.version
        in_work = {p.name for p in work.iterdir() if p.is_file()} if work.is_dir() else set()
        for name in sorted(in_work | set(tagged_snapshots[release.version])):
            shown = (context.snapshot_dir / release.version / name).as_posix()
            blob = blobs.get(tagged(release.version, f"{folder(release.version)}/{name}"))
            if blob is None:
                why = "is not in"
            elif name not in in_work:
                why = "is missing, but is in"
            elif _normalised((work / name).read_bytes()) != _normalised(blob.content):
                why = "differs from the file at"
            else:
                continue
            problems.append(context.problem(index, message=(
                f"release {release.version}: snapshot {shown} {why} git tag {tag}: the tagged snapshots are the approved ones; "
                f"restore them (`git checkout {tag} -- {folder(release.version)}/`)"
            )))
    return problems

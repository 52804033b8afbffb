"""`isms release`: record one approved release in manual_src/releases.yaml (round-trip edit: the
comments and key order an editor wrote survive), with a content snapshot of each changed document;
with --tag, the ledger files are committed and the commit tagged (isms.ledger.git)."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

import isms.ledger as ledger_stage
from isms.i18n import Refusal, listed, t
from isms.ledger import LEDGER_PATH, SNAPSHOT_DIR, Change, Versions, changes, fingerprint, last_fingerprints, resolve
from isms.ledger.diff import change_lines
from isms.ledger.duties import conflicts
from isms.ledger.git import GitRefused, TagFailed, commit_and_tag, prepare, unstage
from isms.ledger.seal import seal_of
from isms.model import Isms
from isms.sources.ledger_schema import VERSION_PATTERN, Release, version_key
from isms.sources.yamlio import forbidden_characters


def _header(lang: str) -> str:
    """The comment header a new ledger starts with, in the organisation's language."""
    return "# yaml-language-server: $schema=../tools/schema/releases.schema.json\n" + t("ledger_header", lang)


class ReleaseRefused(Refusal):
    """A release that must not be recorded; the message tells the editor what to do."""


@dataclass(frozen=True)
class Recorded:
    version: str
    changed: list[str]  # "kind: number title", as `isms status` prints them
    ledger: Path
    tag: str | None


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def record_release(
    isms: Isms,
    versions: Versions,
    version: str,
    summary: str,
    author: str | None = None,
    reviewer: str | None = None,
    approver: str | None = None,
    date: dt.date | None = None,
    per_document: dict[str, str] | None = None,
    tag: bool = False,
    document_signers: dict[str, tuple[str | None, str | None, str | None]] | None = None,
) -> Recorded:
    """isms must come from a clean `isms check` (the caller checks). document_signers: a document's
    own (author, reviewer, approver), None for the default: the release's author and reviewer, and
    the approver the profile declares for the document's type."""
    profile, ledger = isms.profile, isms.releases
    defaults = profile.approval.release  # the profile's default signers, if it names them
    author = author or (defaults.author if defaults else None)
    reviewer = reviewer or (defaults.reviewer if defaults else None)
    approver = approver or (defaults.approver if defaults else profile.top_management)
    for key, value in (("author", author), ("reviewer", reviewer)):
        if value is None:
            raise ReleaseRefused("release_no_signers", signer=key)
    assert author is not None and reviewer is not None
    for option, text in (("--summary", summary), *((f"--change {doc_id}", text) for doc_id, text in (per_document or {}).items())):
        found = forbidden_characters(text, limit=1)
        if found:  # the check would refuse the ledger it was written into, and the entry is sealed
            raise ReleaseRefused("release_bad_text", option=option, character=found[0][2])
    if not re.match(VERSION_PATTERN, version):
        raise ReleaseRefused("release_bad_version", version=version)
    if ledger.releases and version_key(version) <= version_key(ledger.releases[-1].version):
        raise ReleaseRefused("release_not_after", version=version, last=ledger.releases[-1].version)
    signers = {}
    for key, ident in (("author", author), ("reviewer", reviewer), ("approver", approver)):
        signer = resolve(profile, ident)
        if signer is None:
            raise ReleaseRefused("release_unknown_signer", signer=key, ident=ident)
        signers[key] = signer
    if signers["approver"].people & signers["author"].people and not profile.approval.allow_self_approval:
        raise ReleaseRefused("release_self_approval", approver=signers["approver"].label, author=signers["author"].label)
    now = ledger_stage.today()  # looked up on the module: tests pin the date
    date = date or now
    if date > now:
        raise ReleaseRefused("release_date_future", date=date.isoformat())
    if ledger.releases and date < ledger.releases[-1].date:
        raise ReleaseRefused("release_date_before", date=date.isoformat(), last=ledger.releases[-1].version, last_date=ledger.releases[-1].date.isoformat())
    for _, risk, key, given in isms.risks.approvals():
        if given > date:
            raise ReleaseRefused("release_approval_after", risk=risk.id, field=key, given=given.isoformat(), date=date.isoformat())
    fingerprints = {doc_id: fingerprint(text) for doc_id, text in versions.contents.items()}
    changed = changes(last_fingerprints(ledger), fingerprints)
    if not changed:
        raise ReleaseRefused("release_nothing_changed", last=ledger.releases[-1].version)
    for doc_id in per_document or {}:
        if doc_id not in isms.documents:
            raise ReleaseRefused("release_unknown_change", doc_id=doc_id)
    signed = _document_signers(isms, changed, (author, reviewer, approver), document_signers or {})

    git = None
    if tag:
        try:
            git = prepare(isms.root, version)  # before anything is written
        except GitRefused as exc:
            raise ReleaseRefused(exc.phrase.key, **exc.phrase.values) from None
    lines = change_lines(isms, changed)

    # Snapshots first: a ledger entry never points at content that is not stored.
    directory = isms.root / SNAPSHOT_DIR / version
    path = isms.root / LEDGER_PATH
    undo = _Undo(path, directory)
    directory.mkdir(parents=True, exist_ok=True)
    for change in changed:
        if change.kind != "removed":
            (directory / f"{change.doc_id}.rst").write_text(versions.contents[change.doc_id], encoding="utf-8")

    entry = CommentedMap()
    entry["version"] = DoubleQuotedScalarString(version)
    entry["date"] = date
    entry["summary"] = summary
    for key, ident in (("author", author), ("reviewer", reviewer), ("approver", approver)):
        entry[key] = ident
        entry[f"{key}_name"] = signers[key].label  # frozen: later changes in the profile leave this row alone
    if per_document:
        entry["changes"] = CommentedMap(per_document)
    entry["signers"] = _signer_records(profile, signed, (author, reviewer, approver))
    entry["signed"] = CommentedMap()
    for doc_id, (doc_author, doc_reviewer, doc_approver) in sorted(signed.items(), key=lambda kv: _doc_order(isms).get(kv[0], len(isms.documents))):
        entry["signed"][doc_id] = _flow(author=doc_author, reviewer=doc_reviewer, approver=doc_approver)
    order = _doc_order(isms)
    entry["documents"] = CommentedMap(sorted(fingerprints.items(), key=lambda kv: order.get(kv[0], len(order))))
    previous_seal = ledger.releases[-1].seal if ledger.releases else None
    entry["seal"] = seal_of(Release.model_validate(entry), previous_seal)  # chains this entry to the last one
    _append(path, entry, profile.language)
    tag_name = None
    if git is not None:
        try:
            tag_name = commit_and_tag(git, summary)
        except TagFailed as exc:
            raise ReleaseRefused(exc.phrase.key, **exc.phrase.values) from None
        except GitRefused as exc:
            unstage(git)
            undo()
            raise ReleaseRefused("release_git_nothing_recorded", reason=exc.phrase) from None
    return Recorded(version, lines, path, tag_name)


def _flow(**values: object) -> CommentedMap:
    """A mapping written on one line: {author: secretariat, reviewer: ciso, approver: top_management}."""
    out = CommentedMap(values)
    out.fa.set_flow_style()
    return out


def _document_signers(
    isms: Isms, changed: list[Change], release: tuple[str, str, str], overrides: dict[str, tuple[str | None, str | None, str | None]]
) -> dict[str, tuple[str, str, str]]:
    """Each changed document's author, reviewer and approver, refused when the approver is not the
    one the profile declares for the document's type, or when one person would sign twice."""
    profile = isms.profile
    changed_ids = {c.doc_id for c in changed}
    for doc_id in overrides:
        if doc_id not in changed_ids:
            raise ReleaseRefused("release_signers_unchanged", doc_id=doc_id)
    signed: dict[str, tuple[str, str, str]] = {}
    for change in changed:
        doc = isms.documents.get(change.doc_id)
        declared = doc.approver.id if doc is not None and doc.approver is not None else None
        author, reviewer, approver = overrides.get(change.doc_id, (None, None, None))
        if approver is not None and declared is not None and approver != declared:
            raise ReleaseRefused("release_signers_approver", doc_id=change.doc_id, declared=declared, approver=approver)
        signed[change.doc_id] = (author or release[0], reviewer or release[1], approver or declared or release[2])
    for doc_id, idents in signed.items():
        for key, ident in zip(("author", "reviewer", "approver"), idents, strict=True):
            if resolve(profile, ident) is None:
                raise ReleaseRefused("release_unknown_document_signer", doc_id=doc_id, signer=key, ident=ident)
    if profile.approval.allow_self_approval:
        return signed
    refused: dict[tuple[str, str, str, str, str], list[str]] = {}
    for doc_id, idents in signed.items():
        signers = dict(zip(("author", "reviewer", "approver"), (resolve(profile, ident) for ident in idents), strict=True))
        people = {key: signer.people for key, signer in signers.items() if signer is not None}
        labels = {key: signer.label for key, signer in signers.items() if signer is not None}
        for first, second, verb in conflicts(people):
            refused.setdefault((first, second, verb, labels[first], labels[second]), []).append(doc_id)
    if refused:
        (first, second, _, first_label, second_label), docs = next(iter(refused.items()))
        raise ReleaseRefused(f"release_conflict_{first}_{second}", first=first_label, second=second_label, documents=listed(docs))
    return signed


def _signer_records(profile, signed: dict[str, tuple[str, str, str]], release: tuple[str, str, str]) -> CommentedMap:
    """Every signer id of the entry with its name and people as they are now (frozen in the ledger)."""
    idents = list(dict.fromkeys([*release, *(ident for idents in signed.values() for ident in idents)]))
    out = CommentedMap()
    for ident in idents:
        signer = resolve(profile, ident)
        assert signer is not None
        people = CommentedSeq(sorted(signer.people))
        people.fa.set_flow_style()
        out[ident] = _flow(name=signer.label, people=people)
    return out


class _Undo:
    """Puts the ledger and the snapshot folder back as they were before the release."""

    def __init__(self, ledger: Path, snapshots: Path) -> None:
        self.ledger, self.snapshots = ledger, snapshots
        self.text = ledger.read_text(encoding="utf-8") if ledger.is_file() else None
        self.had_snapshots = snapshots.exists()

    def __call__(self) -> None:
        if self.text is None:
            self.ledger.unlink(missing_ok=True)
        else:
            self.ledger.write_text(self.text, encoding="utf-8")
        if not self.had_snapshots:
            shutil.rmtree(self.snapshots, ignore_errors=True)


def _doc_order(isms: Isms) -> dict[str, int]:
    return {d.id: n for n, d in enumerate(isms.ordered_documents)}


def _append(path: Path, entry: CommentedMap, lang: str) -> None:
    yaml = _yaml()
    text = path.read_text(encoding="utf-8") if path.is_file() else _header(lang) + "releases:\n"
    data = yaml.load(text)
    if data is None:
        data = CommentedMap()
    if data.get("releases") is None:
        data["releases"] = CommentedSeq()
    data["releases"].append(entry)
    out = io.StringIO()
    yaml.dump(data, out)
    result = out.getvalue()
    if not path.is_file() and not result.startswith("#"):
        result = _header(lang) + result
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(result, encoding="utf-8")
    tmp.replace(path)

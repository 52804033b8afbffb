"""`isms release --tag`: commit the new ledger entry and its snapshots, then tag that commit.

The tag must name a commit whose tree holds both the released sources and the ledger entry that
approves them. The tool never commits an editor's own changes: before anything is written,
``prepare`` refuses when the work tree has any uncommitted change (untracked files included)
besides the ledger files, when the tag exists already, or when git cannot commit. ``commit_and_tag``
then commits exactly the ledger files; if the commit fails (a hook, say), the caller rolls the
release back, so that a release with --tag is either recorded, committed and tagged, or not at all.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from isms.i18n import Refusal, listed
from isms.ledger import LEDGER_PATH, SNAPSHOT_DIR


class GitRefused(Refusal):
    """--tag cannot be honoured; the message tells the editor what to do."""


@dataclass(frozen=True)
class GitRelease:
    root: Path
    version: str
    tag: str
    paths: tuple[str, ...]  # the ledger files, relative to root (git pathspecs)


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)


def tag_name(version: str) -> str:
    return f"isms-{version}"


def ledger_paths(version: str) -> tuple[str, str]:
    return LEDGER_PATH.as_posix(), f"{(SNAPSHOT_DIR / version).as_posix()}/"


def _status_paths(output: str) -> list[str]:
    """Paths from `git status --porcelain=v1 -z` (a rename or copy names its origin too)."""
    fields = output.split("\0")
    paths, i = [], 0
    while i < len(fields):
        entry = fields[i]
        i += 1
        if len(entry) < 4:
            continue
        paths.append(entry[3:])
        if entry[0] in "RC":
            paths.append(fields[i])
            i += 1
    return paths


def prepare(root: Path, version: str) -> GitRelease:
    """Everything checked before the release is recorded; raises GitRefused."""
    prefix = _git(root, "rev-parse", "--show-prefix")
    if prefix.returncode != 0:
        raise GitRefused("git_no_work_tree", root=root)
    prefix_text = prefix.stdout.strip()
    name = tag_name(version)
    if _git(root, "rev-parse", "-q", "--verify", f"refs/tags/{name}").returncode == 0:
        raise GitRefused("git_tag_exists", tag=name)
    ident = _git(root, "var", "GIT_COMMITTER_IDENT")
    if ident.returncode != 0:
        raise GitRefused("git_no_identity")
    status = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all")
    if status.returncode != 0:
        raise GitRefused("git_status_failed", detail=status.stderr.strip())
    ledger, snapshots = (prefix_text + p for p in ledger_paths(version))
    others = sorted({p for p in _status_paths(status.stdout) if p != ledger and not p.startswith(snapshots)})
    if others:
        raise GitRefused("git_uncommitted", files=listed(others))
    return GitRelease(root, version, name, ledger_paths(version))


def commit_and_tag(git: GitRelease, summary: str) -> str:
    """Commit the ledger files, then tag the commit. Raises GitRefused with git's message; when the
    commit failed, the caller undoes the release (see ``unstage``)."""
    paths = [p for p in git.paths if (git.root / p).is_file() or any((git.root / p).glob("*"))]
    added = _git(git.root, "add", "--", *paths)
    if added.returncode != 0:
        raise GitRefused("git_add_failed", detail=added.stderr.strip())
    message = f"ISMS release {git.version}: {summary}"
    committed = _git(git.root, "commit", "-q", "-m", message, "--", *paths)
    if committed.returncode != 0:
        detail = (committed.stderr.strip() or committed.stdout.strip()).splitlines()
        raise GitRefused("git_commit_failed", detail=" / ".join(detail[-3:]))
    tagged = _git(git.root, "tag", git.tag)
    if tagged.returncode != 0:
        raise TagFailed("git_tag_failed", message=message, tag=git.tag, detail=tagged.stderr.strip())
    return git.tag


class TagFailed(GitRefused):
    """The commit was made; only the tag is missing (nothing to roll back)."""


def unstage(git: GitRelease) -> None:
    """Undo `git add` of the ledger files after a failed commit (before the files are restored)."""
    _git(git.root, "reset", "-q", "--", *(p for p in git.paths if (git.root / p).exists()))

"""Incremental builds equal clean builds: after an edit to a procedure, to the profile, to a title
and to the ledger, every output (the site, the Word files, the workbooks: the manifest's hashes) is
byte for byte what a clean build of the same sources makes. The clean build runs the writers one
after another (ISMS_SEQUENTIAL=1), the incremental ones beside Sphinx: that compares both too.
A build with nothing changed is skipped (the no-op fast path) and leaves the outputs as they are."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import copy_sample
from isms.cli import main
from isms.publish.stamp import STAMP_NAME

# Counts conversions / compares with clean builds that must convert again: no shared cache.
pytestmark = pytest.mark.usefixtures("private_word_cache")

RELEASE = ["release", "1.1", "--summary", "改定", "--date", "2026-05-01"]


def edit_procedure(root: Path) -> None:
    path = root / "controls/8.13.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("procedure: |\n", "procedure: |\n  改定した手順の前書き。\n\n", 1), encoding="utf-8")


def edit_profile(root: Path) -> None:
    path = root / "manual_src/profile.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("employees: 60", "employees: 61", 1), encoding="utf-8")


def edit_title(root: Path) -> None:
    """The title in policies.yaml and the text's heading, which must be the same (isms check)."""
    path = root / "policy_templates/policies.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: アクセス制御方針\n", "title: アクセス管理方針\n", 1), encoding="utf-8")
    text = root / "policy_templates/policies/access_control.rst"
    text.write_text(text.read_text(encoding="utf-8").replace("アクセス制御方針\n", "アクセス管理方針\n", 1), encoding="utf-8")


EDITS = (edit_procedure, edit_profile, edit_title)


def build(root: Path, monkeypatch: pytest.MonkeyPatch, sequential: bool = False) -> dict[str, str]:
    with monkeypatch.context() as patch:
        if sequential:
            patch.setenv("ISMS_SEQUENTIAL", "1")
        assert main(["--root", str(root), "build"]) == 0
    return json.loads((root / "build/manifest.json").read_text(encoding="utf-8"))["files"]


def release(root: Path) -> None:
    assert main(["--root", str(root), *RELEASE]) == 0


@pytest.fixture(scope="module")
def edited_clean(tmp_path_factory: pytest.TempPathFactory, private_word_cache: None) -> dict[str, str]:
    """A clean build, writers one after another, of the sample with every edit and the release."""
    root = copy_sample(tmp_path_factory.mktemp("clean") / "isms")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    for edit in EDITS:
        edit(root)
    with pytest.MonkeyPatch.context() as patch:
        release(root)
        return build(root, patch, sequential=True)


def test_edits_then_a_release_rebuild_as_a_clean_build(built_sample: Path, monkeypatch: pytest.MonkeyPatch, edited_clean: dict[str, str]) -> None:
    root = built_sample  # its first build below starts from the shared build's caches: byte-identity must hold all the same
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    first = build(root, monkeypatch)
    stamp = (root / "build" / STAMP_NAME).read_text(encoding="utf-8")
    current = (root / "build/current").readlink()
    assert build(root, monkeypatch) == first  # nothing changed: skipped, the same set stays
    assert (root / "build/current").readlink() == current and (root / "build" / STAMP_NAME).read_text(encoding="utf-8") == stamp
    seen = [first]
    for edit in EDITS:
        edit(root)
        files = build(root, monkeypatch)
        assert files != seen[-1], f"{edit.__name__}: the outputs did not change"
        seen.append(files)
    doctrees = root / "build/.cache/html/doctrees"
    read = {path: path.stat().st_mtime_ns for path in doctrees.rglob("*.doctree")}  # Sphinx saves each page it reads
    release(root)
    files = build(root, monkeypatch)
    assert files != seen[-1], "the release did not change the outputs"
    # A release changes every banner, version line and history, no document's text: they are filled
    # in as the pages are written (isms.render.html.frames), so Sphinx reads only the home page (the
    # set's version), the register (every version), the release list and the new release's page.
    again = sorted(path.relative_to(doctrees).as_posix() for path in doctrees.rglob("*.doctree") if read.get(path) != path.stat().st_mtime_ns)
    assert again == ["index.doctree", "register.doctree", "releases/1.1.doctree", "releases/index.doctree"]
    changed = sorted(name for name in set(files) | set(edited_clean) if files.get(name) != edited_clean.get(name))
    assert changed == []


def test_the_fast_path_follows_the_tool_and_the_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What is not a source counts too: the command line and the build folder's state."""
    from isms.publish import stamp

    root = copy_sample(tmp_path / "isms")
    options = {"outputs": ["xlsx"], "audience": None}
    assert main(["--root", str(root), "build", "--only", "xlsx"]) == 0
    assert stamp.up_to_date(root, root / "build", options) is not None
    assert stamp.up_to_date(root, root / "build", {**options, "outputs": ["html"]}) is None
    with monkeypatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1")
        assert stamp.up_to_date(root, root / "build", options) is None
    (root / "controls/notes.txt").write_text("a new file in a source folder", encoding="utf-8")
    assert stamp.up_to_date(root, root / "build", options) is None
    (root / "controls/notes.txt").unlink()
    assert stamp.up_to_date(root, root / "build", options) is not None
    shutil.rmtree(root / "build/.sets")
    (root / "build/current").unlink()
    assert stamp.up_to_date(root, root / "build", options) is None  # the set it describes is gone

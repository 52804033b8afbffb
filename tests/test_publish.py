"""Publishing: a failed build leaves the previous outputs whole, and a build never touches the sources."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from conftest import REPO, SOURCE_DIRS, edit
from isms.cli import main
from isms.publish.stamp import STAMP_NAME


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def partial_sets(build: Path) -> list[str]:
    """Output sets under build/.sets that are not the current one: a failed build leaves none."""
    current = (build / "current").resolve()
    return [s.name for s in (build / ".sets").iterdir() if s.resolve() != current] if (build / ".sets").is_dir() else []


def sources_snapshot(root: Path) -> dict[str, str]:
    result: dict[str, str] = {}
    for name in SOURCE_DIRS:
        result.update({f"{name}/{k}": v for k, v in snapshot(root / name).items()})
    return result


def test_build_does_not_modify_sources(run, sample: Path) -> None:
    before = sources_snapshot(sample)
    result = run("--root", str(sample), "build", "--only", "xlsx")
    assert result.code == 0
    assert sources_snapshot(sample) == before
    # The summary's counts are the Word writer's: a build without it says what it built instead.
    assert "xlsx を作成、Word 文書はそのまま" in result.err and "作成 133 件" not in result.err


def test_invalid_sources_build_nothing_and_keep_previous_outputs(run, sample: Path) -> None:
    assert run("--root", str(sample), "build", "--only", "xlsx").code == 0
    previous = snapshot(sample / "build/xlsx")
    assert previous
    edit(sample / "controls/5.15.yaml", "owner: it_manager", "owner: nobody")
    result = run("--root", str(sample), "build", "--only", "xlsx")
    assert result.code == 1
    assert "owner 'nobody' is not a role in the profile" in result.out
    assert "何も作成していません" in result.err
    assert snapshot(sample / "build/xlsx") == previous
    assert not partial_sets(sample / "build")


def test_a_failing_writer_leaves_every_previous_output_in_place(run, sample: Path, sample_build: Path) -> None:
    assert run("--root", str(sample), "build", "--only", "xlsx").code == 0
    previous = snapshot(sample / "build/xlsx")
    # A broken Word template makes the docx writer fail after the HTML writer has filled its staging folder.
    (sample / "policy_templates/word/frame.docx").write_bytes(b"not a zip file")
    edit(sample / "controls/5.15.yaml", "5年間保管する。", "7年間保管する。")
    result = run("--root", str(sample), "build")
    assert result.code == 1
    assert "Traceback" not in result.out + result.err
    assert "frame.docx" in result.out
    assert snapshot(sample / "build/xlsx") == previous
    assert not (sample / "build/docx").exists()
    assert not (sample / "build/html").exists(), "a complete HTML site was built, but the set failed: nothing is swapped in"
    assert not partial_sets(sample / "build")
    # The rules beside Sphinx found the broken template within a second or two: Sphinx (cold, about
    # ten seconds) stopped while reading instead of finishing a site nobody would get.
    assert not list((sample / "build/.cache/html/out").rglob("*.html")), "Sphinx wrote pages"
    # What it left is reused: once fixed, the build is whole and as the untouched sample's but for the edit.
    shutil.copyfile(REPO / "policy_templates/word/frame.docx", sample / "policy_templates/word/frame.docx")
    assert run("--root", str(sample), "build").code == 0
    page = sample / "build/html/controls/5.15.html"
    assert "7年間保管する" in page.read_text(encoding="utf-8")
    assert (sample / "build/html/controls/6.3.html").read_bytes() == (sample_build / "build/html/controls/6.3.html").read_bytes()


@pytest.mark.parametrize("slow", ["docx", "html"])
def test_the_workbooks_go_to_whichever_process_is_free_first(built_sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slow: str) -> None:
    """Sphinx runs in a process of its own, the Word writer in the build's; the workbooks are made
    by the one done first, once: after a cold start that is Sphinx's, after an edit the other. The
    workbooks are the same bytes either way, and the same as those made in the build's process
    (tests/test_incremental.py compares whole sets with the writers one after another)."""
    import isms.render

    root, ran = built_sample, tmp_path / "ran"
    ran.mkdir()
    edit_once = root / "controls/8.13.yaml"
    edit_once.write_text(edit_once.read_text(encoding="utf-8").replace("procedure: |\n", "procedure: |\n  前書き。\n\n", 1), encoding="utf-8")
    original = isms.render.writer

    def recorded(name: str):  # which process ran which writer; the slow one sleeps first
        def run(context):
            (ran / f"{name}-{os.getpid()}").touch()
            if name == slow:
                time.sleep(2.5)
            return original(name)(context)

        return run

    with monkeypatch.context() as patch:
        patch.setattr("isms.publish.running.writer", recorded)
        assert main(["--root", str(root), "build"]) == 0
    overlapped = json.loads((root / "build/manifest.json").read_text(encoding="utf-8"))["files"]
    runs = [path.name.split("-") for path in ran.iterdir()]
    assert sorted(name for name, _ in runs) == ["docx", "html", "xlsx"], "each writer ran once"
    pids = dict(runs)
    assert pids["html"] != pids["docx"], "Sphinx beside the Word writer"
    assert pids["xlsx"] == (pids["html"] if slow == "docx" else pids["docx"])
    with monkeypatch.context() as patch:  # the workbooks made again, in this process: the same bytes
        patch.setenv("ISMS_SEQUENTIAL", "1")
        patch.setenv("ISMS_CACHE_DIR", str(tmp_path / "empty-cache"))
        assert main(["--root", str(root), "build", "--only", "xlsx"]) == 0
    assert json.loads((root / "build/manifest.json").read_text(encoding="utf-8"))["files"] == overlapped


def test_a_renamed_title_reaches_every_page_whatever_its_underline(run, built_sample: Path) -> None:
    """An edit writes only the pages that changed, unless a title changed: then the pages that list
    it (manual/index) and every sidebar show the new one, whichever character underlines it, as
    reStructuredText allows any punctuation. (A title test that knew only = - ~ * # ^ " once left
    the old chapter title on every other page.)"""
    root = built_sample
    chapter = root / "manual_src/manual/04_context.rst"
    edit(chapter, "4. 組織の状況\n==========================\n", "4. 組織の状況\n++++++++++++++++++++++++++\n")
    assert run("--root", str(root), "build", "--only", "html").code == 0  # the pages are what this is about
    edit(chapter, "4. 組織の状況\n", "4. 組織の状況と課題\n")
    assert run("--root", str(root), "build", "--only", "html").code == 0
    for page in ("manual/index.html", "controls/5.1.html", "index.html"):
        assert "4. 組織の状況と課題" in (root / "build/html" / page).read_text(encoding="utf-8"), page


def test_a_site_process_that_dies_at_once_is_named_as_such(run, built_sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The site's process fails while it imports Sphinx (a broken installation): the build says
    that this process ended, and keeps the previous outputs; it once said that build/ could not be
    written (Broken pipe), as the job it sent found the process gone."""
    import isms.render.html

    root = built_sample
    before = (root / "build/manifest.json").read_bytes()
    edit(root / "controls/8.13.yaml", "procedure: |\n", "procedure: |\n  前書き。\n\n")
    monkeypatch.setattr(isms.render.html, "preload", lambda: os._exit(3))  # in the forked process only
    result = run("--root", str(root), "build")
    assert result.code == 1
    assert "the process that builds the site ended unexpectedly (exit code 3)" in result.out
    assert "cannot write" not in result.out + result.err and "Traceback" not in result.out + result.err
    assert (root / "build/manifest.json").read_bytes() == before


def test_rules_beside_sphinx_still_gate_the_build(run, built_sample: Path) -> None:
    """The rules over the model run beside Sphinx: an error they find stops the build all the same,
    and the previous outputs stay (a text's error: found by the rules, not by loading)."""
    root = built_sample
    assert run("--root", str(root), "build").code == 0
    before = (root / "build/manifest.json").read_bytes()
    path = root / "controls/8.13.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("procedure: |\n", "procedure: |\n  `壊れたリンク <javascript:alert(1)>`_\n\n", 1), encoding="utf-8")
    result = run("--root", str(root), "build")
    assert result.code == 1
    assert "link target 'javascript:alert(1)' is not allowed" in result.out
    assert "何も作成していません" in result.err
    assert (root / "build/manifest.json").read_bytes() == before
    assert not (root / "build" / STAMP_NAME).exists()


def test_sphinx_stopped_while_reading_leaves_its_cache_as_the_last_build_did(built_sample: Path, tmp_path: Path) -> None:
    """Sphinx deletes its environment on any error: stopped early, it gets the last build's back, so
    that the next build reads only what changed instead of every page."""
    from isms.cli.common import prepare
    from isms.render import BuildContext
    from isms.render.html import build_html

    cache = built_sample / "build/.cache/html"
    untouched = cache / "out/controls/6.3.html"
    before = untouched.stat().st_mtime_ns
    edit(built_sample / "controls/8.13.yaml", "procedure: |\n", "procedure: |\n  止められた版。\n\n")
    prepared, _ = prepare(built_sample)
    context = BuildContext(prepared.isms, prepared.bodies, prepared.versions, tmp_path / "out", cache, cancelled=lambda: True)
    result = build_html(context)
    assert result.stats.get("cancelled") and not result.problems
    assert (cache / "doctrees/environment.pickle").is_file() and not (cache / "sphinx-running").exists()
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    edit(built_sample / "controls/8.13.yaml", "止められた版。", "直した版。")
    assert main(["--root", str(built_sample), "build", "--only", "html"]) == 0
    assert untouched.stat().st_mtime_ns == before, "every page was read and written again"
    assert "直した版" in (built_sample / "build/html/controls/8.13.html").read_text(encoding="utf-8")


def test_an_edit_links_the_unchanged_files_of_the_current_set(run, built_sample: Path) -> None:
    """The new set shares (hard links) every file that has the bytes of the current set's, and writes
    only what changed: the edited procedure's page and Word file, the pages that list versions."""
    build = built_sample / "build"
    before = {rel: path.stat().st_ino for rel, path in _set_files(build).items()}
    edit(built_sample / "controls/8.13.yaml", "procedure: |\n", "procedure: |\n  改定した手順の前書き。\n\n")
    assert run("--root", str(built_sample), "build").code == 0
    after = {rel: path.stat().st_ino for rel, path in _set_files(build).items()}
    linked = {rel for rel in after if before.get(rel) == after[rel]}
    written = set(after) - linked
    word = next(rel for rel in after if rel.startswith("docx/") and "8.13" in rel)
    assert "html/controls/8.13.html" in written and word in written
    assert all(not rel.startswith("docx/") or rel == word for rel in written), sorted(written)
    assert len(linked) > 0.8 * len(after), f"{len(written)} of {len(after)} files written again"
    assert main(["--root", str(built_sample), "verify"]) == 0


def _set_files(build: Path) -> dict[str, Path]:
    current = build / "current"
    return {str(p.relative_to(current)): p for p in sorted(current.rglob("*")) if p.is_file() and not p.is_symlink() and "downloads" not in p.parts}


def test_a_file_placed_twice_never_writes_into_the_current_set(tmp_path: Path) -> None:
    """A writer that places a second file under a name it already linked from the current set replaces
    the link: the current set's file keeps its bytes."""
    from isms.render.reuse import place_bytes, place_tree

    current, new = tmp_path / "current", tmp_path / "new"
    current.mkdir()
    new.mkdir()
    (current / "a.docx").write_bytes(b"the current set's file")
    place_bytes(b"the current set's file", new / "a.docx", current / "a.docx")
    assert (new / "a.docx").stat().st_ino == (current / "a.docx").stat().st_ino  # linked
    place_bytes(b"another document", new / "a.docx", current / "a.docx")
    assert (current / "a.docx").read_bytes() == b"the current set's file"
    assert (new / "a.docx").read_bytes() == b"another document"
    site = tmp_path / "site"
    site.mkdir()
    (site / "a.docx").write_bytes(b"changed page")
    (new / "a.docx").unlink()
    place_bytes(b"the current set's file", new / "a.docx", current / "a.docx")
    place_tree(site, new, current)
    assert (current / "a.docx").read_bytes() == b"the current set's file" and (new / "a.docx").read_bytes() == b"changed page"


def test_the_fingerprint_follows_linked_source_folders_and_reads_no_fifo(tmp_path: Path) -> None:
    """An edit under a linked folder is a change (the loader follows the link); a FIFO among the
    sources is not read (it would block before the check refuses it); a link loop ends."""
    from isms.publish.stamp import fingerprint

    root = tmp_path / "isms"
    (root / "policy_templates").mkdir(parents=True)
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "backup.rst").write_text("方針\n", encoding="utf-8")
    (root / "policy_templates/policies").symlink_to(shared)
    (root / "policy_templates/loop").symlink_to(root / "policy_templates")
    os.mkfifo(root / "policy_templates/pipe.rst")
    before = fingerprint(root, {}, state={})
    (shared / "backup.rst").write_text("方針(改定)\n", encoding="utf-8")
    assert fingerprint(root, {}, state={}) != before

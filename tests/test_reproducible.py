"""Reproducible, verifiable, crash-safe outputs.

Two cold builds of the same sources in checkouts at different paths give the same bytes; the manifest
lists every output with its SHA-256 and `isms verify` finds a changed byte; a build killed at any
moment leaves the previous set whole, and the next build recovers by itself; a build/ that cannot be
written gives one clear message. Real builds throughout: one pair of cold builds serves every test,
the run's shared build of the sample (outside git, read-only here) and a checkout committed to git.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest

from conftest import SAMPLE_EPOCH, copy_sample, edit
from isms import __version__
from isms.publish.manifest import output_files, sha256_file, source_state, verify

EPOCH = SAMPLE_EPOCH  # the build date: the site's status pages are as of it, so every build here sets it
GIT_ENV = {
    "GIT_AUTHOR_NAME": "isms tests", "GIT_AUTHOR_EMAIL": "tests@isms.invalid", "GIT_AUTHOR_DATE": "2026-04-01T09:00:00+09:00",
    "GIT_COMMITTER_NAME": "isms tests", "GIT_COMMITTER_EMAIL": "tests@isms.invalid", "GIT_COMMITTER_DATE": "2026-04-01T09:00:00+09:00",
}  # fmt: skip


def git(root: Path, *args: str) -> str:
    command = ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", *args]
    return subprocess.run(command, cwd=root, env={**os.environ, **GIT_ENV}, capture_output=True, text=True, check=True).stdout.strip()


def isms(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "isms.cli", "--root", str(root), *args]


def build_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "ISMS_TEST_KILL_AT", "ISMS_CACHE_DIR")}  # cold: converted here
    return {**env, "SOURCE_DATE_EPOCH": EPOCH, **extra}


def digests(build: Path) -> dict[str, str]:
    return {name: sha256_file(path) for name, path in output_files(build).items()}


def copy_checkout(source: Path, dest: Path) -> Path:
    """A copy of a checkout with its build/ as it is (links kept), as `cp -a` would make it."""
    shutil.copytree(source, dest, symlinks=True)
    return dest


@dataclass
class ColdBuilds:
    first: Path  # the run's shared build of the sample (conftest.sample_build): outside git, never written here
    second: Path  # the sample committed to git, at another path: this module's own
    second_files: dict[str, str]  # taken right after the build: later tests may not change it
    second_manifest: bytes


@pytest.fixture(scope="module")
def cold(sample_build: Path, tmp_path_factory: pytest.TempPathFactory) -> ColdBuilds:
    """Two cold builds of the sample: the run's shared one (built in a pytest worker, its cache in its
    own build/) and one of the sample committed to git in a checkout at another path, built by the
    command in a fresh process."""
    root = copy_sample(tmp_path_factory.mktemp("reproducible") / "second checkout" / "二番目" / "isms")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "sample")
    process = subprocess.run(isms(root, "build"), env=build_env(SOURCE_DATE_EPOCH=EPOCH), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    assert process.returncode == 0, process.stdout.decode()
    second = root / "build"
    return ColdBuilds(sample_build, root, digests(second), (second / "manifest.json").read_bytes())


def without_git_state(manifest: bytes) -> dict:
    return {key: value for key, value in json.loads(manifest).items() if key not in ("commit", "uncommitted_changes")}


# --------------------------------------------------------------------------- reproducible


def test_two_cold_builds_at_different_paths_are_byte_identical(cold: ColdBuilds) -> None:
    first = digests(cold.first / "build")
    assert {name.split("/")[0] for name in first} == {"html", "docx", "xlsx"}
    differing = sorted(name for name in first.keys() | cold.second_files.keys() if first.get(name) != cold.second_files.get(name))
    assert not differing, f"{len(differing)} files differ between the two builds: {differing[:20]}"
    # The same manifest but for the git state: the first is outside git, the second committed.
    assert without_git_state((cold.first / "build/manifest.json").read_bytes()) == without_git_state(cold.second_manifest)


def test_a_cold_build_packs_the_cache_entries_its_check_used(cold: ColdBuilds) -> None:
    """The parsed files, compiled templates and text rules a build's check used are packed, one file
    per kind under the machine's tag (isms.trust): the next build reads one file, not a thousand."""
    from isms import trust

    for kind in ("yaml", "jinja", "rst", "text-rules"):
        folder = cold.first / "build/.cache" / kind
        entries = {path.name for path in folder.iterdir() if not path.name.startswith(".")}
        packed = trust._read_pack(cold.first, kind, folder / ".pack")
        assert entries and set(packed) == entries, kind
        assert all(packed[name] == trust.read_entry(cold.first, folder / name) for name in entries), kind


def test_word_files_converted_without_the_others_equal_the_cold_build(cold: ColdBuilds, run, tmp_path: Path) -> None:
    """pandoc converts the documents missing from the cache in one run: a document converted with
    few others (after an edit, or on another number of cores) has the bytes of the cold build."""
    root = copy_checkout(cold.second, tmp_path / "isms")
    cached = sorted((root / "build/.cache/docx").glob("*.docx"))
    for path in cached[:: len(cached) // 4]:
        path.unlink()
    index = (root / ".git/index").read_bytes()  # stale in a copy: a plain `git status` would rewrite it
    assert run("--root", str(root), "build", "--only", "docx").code == 0
    assert_whole(root / "build", cold.second_manifest, "Word files converted again")
    assert (root / ".git/index").read_bytes() == index, "a build writes nothing outside build/, not even git's index"


# --------------------------------------------------------------------------- manifest and verify


def test_manifest_lists_every_output_with_its_sha256_and_the_commit(cold: ColdBuilds) -> None:
    text = cold.second_manifest.decode()
    manifest = json.loads(text)
    assert manifest["files"] == cold.second_files
    assert "html/index.html" in manifest["files"] and "html/_static/isms-search/index.js" in manifest["files"]
    assert any(name.startswith("docx/") for name in manifest["files"]) and any(name.startswith("xlsx/") for name in manifest["files"])
    assert manifest["commit"] == git(cold.second, "rev-parse", "HEAD")
    assert manifest["uncommitted_changes"] is False
    assert manifest["tool_version"] == __version__
    assert manifest["toolchain"]["sphinx"] == metadata.version("sphinx") and "pypandoc-binary" in manifest["toolchain"]
    assert text == json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n", "keys in a fixed order"


def test_a_folder_outside_git_has_no_commit(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "isms")
    assert source_state(root) == {"commit": None, "uncommitted_changes": None}
    git(root, "init", "-q")  # a repository before its first commit: everything is uncommitted
    assert source_state(root) == {"commit": None, "uncommitted_changes": True}
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "sample")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
    assert source_state(root) == {"commit": head, "uncommitted_changes": False}


def test_verify_passes_on_a_good_build_and_names_what_changed_in_a_copy(cold: ColdBuilds, run, tmp_path: Path) -> None:
    result = run("--root", str(cold.first), "verify")
    assert result.code == 0 and "OK" in result.err, result.err
    received = tmp_path / "received"  # what an auditor gets: the outputs, links followed
    for name in ("html", "docx", "xlsx"):
        shutil.copytree(cold.first / "build" / name, received / name)
    assert run("verify", "--manifest", str(cold.first / "build/manifest.json"), str(received)).code == 0

    page = received / "html/soa.html"
    data = bytearray(page.read_bytes())
    data[len(data) // 2] ^= 0x01
    page.write_bytes(bytes(data))
    word = next((received / "docx").iterdir())
    word.unlink()
    (received / "html/extra.html").write_text("<p>not approved</p>", encoding="utf-8")
    result = run("--root", str(cold.first), "verify", "--manifest", str(cold.first / "build/manifest.json"), str(received))
    assert result.code == 1
    assert result.lines() == [f"docx/{word.name}: 不足", "html/extra.html: 余分", "html/soa.html: 変更"]  # the profile's language
    assert "は" in result.err and "と一致しません (不足 1、余分 1、変更 1。" in result.err, result.err

    # What is not a regular file is never read or followed: a link to a file (even the approved
    # bytes), a linked folder, a FIFO; a manifest naming files outside the outputs is refused.
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.html").write_text("<p>forged</p>", encoding="utf-8")
    shutil.copy2(cold.first / "build/html/index.html", outside / "index.html")
    (received / "html/index.html").unlink()
    (received / "html/index.html").symlink_to(outside / "index.html")
    (received / "html/linked").symlink_to(outside)
    os.mkfifo(received / "html/pipe.html")
    result = run("--root", str(cold.first), "verify", "--manifest", str(cold.first / "build/manifest.json"), str(received))
    assert result.code == 1
    assert {"html/index.html: 変更", "html/linked: 余分", "html/pipe.html: 余分"} <= set(result.lines()), result.lines()
    crafted = json.loads((cold.first / "build/manifest.json").read_text(encoding="utf-8"))
    crafted["files"]["../outside/evil.html"] = "0" * 64
    (tmp_path / "crafted.json").write_text(json.dumps(crafted), encoding="utf-8")
    result = run("--root", str(cold.first), "verify", "--manifest", str(tmp_path / "crafted.json"), str(received))
    assert result.code == 1 and "出力フォルダー (html/、docx/、xlsx/) の外のファイルを挙げています (../outside/evil.html)" in result.err, result.err


# --------------------------------------------------------------------------- crash safety


def assert_whole(build: Path, manifest: bytes, moment: str = "") -> None:
    """build/ shows exactly the set the manifest describes."""
    assert (build / "manifest.json").read_bytes() == manifest, f"{moment}: another manifest"
    expected, found = json.loads(manifest)["files"], digests(build)
    differing = sorted(name for name in expected.keys() | found.keys() if expected.get(name) != found.get(name))
    assert not differing, f"{moment}: {len(differing)} files differ from the manifest: {differing[:20]}"


def wait_until(condition: Callable[[], bool], process: subprocess.Popen, what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, f"the build ended before {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def kill_when(root: Path, moment: Callable[[subprocess.Popen], None]) -> None:
    process = subprocess.Popen(isms(root, "build"), env=build_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        moment(process)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()


def staging_sets(build: Path) -> list[Path]:
    current = (build / "current").resolve()
    return [s for s in (build / ".sets").iterdir() if s.resolve() != current] if (build / ".sets").is_dir() else []


def test_a_build_killed_at_any_moment_leaves_the_previous_outputs_and_the_next_build_recovers(cold: ColdBuilds) -> None:
    root, build = cold.second, cold.second / "build"
    previous = cold.second_manifest
    edit(root / "controls/5.15.yaml", "5年間保管する。", "7年間保管する。")

    kill_when(root, lambda process: time.sleep(1))
    assert_whole(build, previous, "killed after 1 s")
    left = set(staging_sets(build))  # the killed build's set: the next build removes it and makes its own

    def word_writer_running() -> bool:
        return any((s / "docx").is_dir() for s in staging_sets(build) if s not in left)

    kill_when(root, lambda process: wait_until(word_writer_running, process, "the Word writer"))
    assert_whole(build, previous, "killed while the Word writer runs")
    # During the switch: the build kills itself there (SIGKILL) when asked to.
    assert kill_at(root, "switching").returncode == -signal.SIGKILL
    assert_whole(build, previous, "killed between making the new link and renaming it over build/current")
    assert kill_at(root, "switched").returncode == -signal.SIGKILL
    switched = (build / "manifest.json").read_bytes()
    assert switched != previous and json.loads(switched)["uncommitted_changes"] is True
    assert verify(build, build / "manifest.json").ok, "killed right after the switch: the new set is whole"

    # Back to the committed text: Sphinx rewrites the page, and is killed while it does.
    edit(root / "controls/5.15.yaml", "7年間保管する。", "5年間保管する。")
    started = time.time()

    def pages_written() -> bool:
        return any(p.stat().st_mtime > started for p in (build / ".cache/html/out/controls").iterdir())

    kill_when(root, lambda process: wait_until(pages_written, process, "Sphinx writing pages"))
    assert_whole(build, switched, "killed while Sphinx writes pages")

    # The next build cleans up by itself, and its result is the cold build's, byte for byte.
    process = subprocess.run(isms(root, "build"), env=build_env(), capture_output=True, timeout=600)
    assert process.returncode == 0, process.stderr.decode()
    assert_whole(build, previous, "the build after the kills")
    assert [s.name for s in (build / ".sets").iterdir()] == [(build / "current").resolve().name]
    assert not list(build.glob(".*.tmp")) and not list((build / ".cache").rglob(".*.tmp"))
    assert all((build / name).is_symlink() for name in ("html", "docx", "xlsx", "manifest.json"))


def kill_at(root: Path, point: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(isms(root, "build"), env=build_env(ISMS_TEST_KILL_AT=point), capture_output=True, timeout=600)


def test_old_layout_with_real_folders_is_migrated(cold: ColdBuilds, run, tmp_path: Path) -> None:
    root = copy_checkout(cold.first, tmp_path / "isms")
    build = root / "build"
    for name in ("html", "docx", "xlsx", "manifest.json"):  # as the previous version of isms left build/
        target = (build / name).resolve()
        (build / name).unlink()
        os.replace(target, build / name)
    (build / "current").unlink()
    shutil.rmtree(build / ".sets")
    (build / ".staging").mkdir()  # and what a killed build of that version left
    assert run("--root", str(root), "build", "--only", "xlsx").code == 0
    assert all((build / name).is_symlink() for name in ("html", "docx", "xlsx", "manifest.json"))
    assert not (build / ".staging").exists()
    assert_whole(build, (cold.first / "build/manifest.json").read_bytes())


# --------------------------------------------------------------------------- clear failures


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Really read-only, also for root: the immutable attribute (root ignores permission bits)."""
    paths = [str(p) for p in [folder, *folder.rglob("*")] if not p.is_symlink()]  # links carry no attributes
    if os.geteuid() == 0:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", *paths], capture_output=True).returncode != 0:
            subprocess.run(["chattr", "-i", *paths], capture_output=True)
            pytest.skip("running as root, and chattr +i is not available here")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", *paths], check=True)
    else:
        modes = {Path(p): Path(p).stat().st_mode for p in paths}
        for path in modes:
            path.chmod(modes[path] & ~0o222)
        try:
            yield
        finally:
            for path, mode in modes.items():
                path.chmod(mode)


def test_a_read_only_build_folder_gives_one_clear_message_and_keeps_the_outputs(cold: ColdBuilds, run, tmp_path: Path) -> None:
    root = copy_checkout(cold.first, tmp_path / "isms")
    build = root / "build"
    previous = (build / "manifest.json").read_bytes()
    with read_only(build):
        result = run("--root", str(root), "build")
    assert result.code == 1
    assert "Traceback" not in result.out + result.err
    [line] = result.lines()
    assert line.startswith("build/.sets/") and "cannot write" in line and "writable" in line, line
    assert_whole(build, previous)


def test_a_write_failing_midway_gives_one_clear_message_and_keeps_the_outputs(cold: ColdBuilds, tmp_path: Path) -> None:
    root = copy_checkout(cold.first, tmp_path / "isms")
    build = root / "build"
    previous = (build / "manifest.json").read_bytes()

    def small_file_limit() -> None:  # as a full disk: writes fail once a file reaches 256 KB
        resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, resource.RLIM_INFINITY))

    result = subprocess.run(isms(root, "build"), env=build_env(), capture_output=True, text=True, timeout=600, preexec_fn=small_file_limit)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    [line] = [line for line in result.stdout.splitlines() if line.strip()]
    assert line.startswith("build") and "cannot write (File too large)" in line, line
    assert_whole(build, previous)
    assert not staging_sets(build), "the failed build removed its partial set"


def test_a_second_build_of_the_same_folder_is_refused_while_one_runs(cold: ColdBuilds, run) -> None:
    build = cold.second / "build"
    with (build / ".lock").open("rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = run("--root", str(cold.second), "build", "--only", "xlsx")
    assert result.code == 1
    assert "another `isms build` is writing this build folder" in result.out

"""Shared fixtures: a throw-away copy of the sample organisation, and a runner for the `isms` CLI."""

from __future__ import annotations

import fcntl
import functools
import http.server
import os
import re
import shutil
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from isms.cli import main

REPO = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("manual_src", "controls", "policy_templates")
NORTHWIND = REPO / "examples/northwind"

# The build date every test sees (isms.model.clock.build_date): the last day the sample's records reach
# (FY2025 complete, FY2026 up to the November internal audit), on which nothing is overdue. Outputs and
# overdue warnings depend on the build date, so tests pin it instead of following the clock.
SAMPLE_EPOCH = "1796040000"  # 2026-11-30 12:00 UTC
os.environ["SOURCE_DATE_EPOCH"] = SAMPLE_EPOCH


@dataclass
class Result:
    code: int
    out: str
    err: str

    def lines(self) -> list[str]:
        return [line for line in self.out.splitlines() if line.strip()]


def copy_sample(dest: Path) -> Path:
    for name in SOURCE_DIRS:
        shutil.copytree(REPO / name, dest / name)
    return dest


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A private copy of the sample sources that a test may break."""
    return copy_sample(tmp_path / "isms")


def _built_once(tmp_path_factory: pytest.TempPathFactory, name: str, copy: Callable[[Path], object]) -> Path:
    """One full build shared read-only by the whole run: under pytest-xdist the first worker to ask
    builds it under a lock in the workers' common temporary folder, the others wait and reuse it.
    The build is cold (its cache in its own build/, made there: test_reproducible compares it with
    another cold build); its Word, workbook and parsed-file entries then join the run's shared cache."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the folder of all workers of this run
    root = shared / f"{name}-build" / name
    with (shared / f"{name}-build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root.parent / "done").exists():
            shutil.rmtree(root.parent, ignore_errors=True)
            copy(root)
            shared_cache = os.environ.get("ISMS_CACHE_DIR")
            with pytest.MonkeyPatch.context() as patch:
                patch.delenv("ISMS_CACHE_DIR", raising=False)
                assert main(["--root", str(root), "build"]) == 0
            if shared_cache:
                copy_cache_entries(root / "build/.cache", Path(shared_cache), skip=("html",))
            (root.parent / "done").touch()
    return root


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One full build (html, docx, xlsx) of an untouched copy of the sample, shared read-only by every
    module that only reads its outputs."""
    return _built_once(tmp_path_factory, "isms", copy_sample)


@pytest.fixture(scope="session")
def northwind_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/northwind (the English organisation), every output built once for the run, read-only."""
    return _built_once(tmp_path_factory, "northwind", lambda root: shutil.copytree(NORTHWIND, root, ignore=shutil.ignore_patterns("build")))


@pytest.fixture
def built_sample(sample_build: Path, tmp_path: Path, shared_word_cache: Path) -> Path:
    """A private copy of the built sample, its build/ included (times kept): for a test that needs a
    built sample to start from. Its next build reads and writes only what changed, as the checkout
    of a CI runner that restores build/ at another path does (Sphinx's cache follows a moved
    checkout). In a module that keeps its cache private, the copy gets the run's shared entries."""
    return copy_built_sample(sample_build, tmp_path / "isms", None if os.environ.get("ISMS_CACHE_DIR") else shared_word_cache)


def copy_built_sample(sample_build: Path, root: Path, entries_from: Path | None) -> Path:
    """The built sample copied to root (times kept, links as links), with the entries of a shared
    cache in its own build/.cache when given (for builds without ISMS_CACHE_DIR)."""
    shutil.copytree(sample_build, root, symlinks=True)
    if entries_from is not None:
        copy_cache_entries(entries_from, root / "build/.cache")
    return root


def copy_cache_entries(source: Path, target: Path, skip: tuple[str, ...] = ()) -> None:
    """The entries of one cache folder (a folder per kind: the run's shared cache, a build's own
    build/.cache) added to another: they are this machine's, as a build there would make them. The
    other worker's builds write into the shared cache meanwhile: files written aside (.name.tmp) and
    packs are left out, an entry a prune removed between listing and copying is skipped, and each
    copy is written aside and renamed (two workers may add the same entry)."""

    def copy_aside(source: str, target: str) -> None:
        aside = Path(target).with_name(f".{Path(target).name}.{os.getpid()}.tmp")
        try:
            shutil.copy2(source, aside)
        except FileNotFoundError:
            return
        os.replace(aside, target)

    for kind in source.iterdir():
        if kind.name not in skip:
            shutil.copytree(kind, target / kind.name, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".*"), copy_function=copy_aside)


@pytest.fixture(scope="session", autouse=True)
def shared_word_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The Word files and workbooks of every build of the run in one cache (ISMS_CACHE_DIR), as the
    builds of several checkouts on one machine may share it: a test's copy of the sample converts
    only the documents its change touches. Tests of conversion itself build without it."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    folder = shared / "shared-cache"
    folder.mkdir(exist_ok=True)
    previous = os.environ.get("ISMS_CACHE_DIR")
    os.environ["ISMS_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("ISMS_CACHE_DIR", None)
    else:
        os.environ["ISMS_CACHE_DIR"] = previous


@pytest.fixture(scope="module")
def private_word_cache() -> Iterator[None]:
    """The builds of a module keep their cache in their own build/ (the default): for modules that
    count conversions or compare an incremental build with a clean one (which must convert again).
    Use: pytestmark = pytest.mark.usefixtures("private_word_cache")."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("ISMS_CACHE_DIR", raising=False)
        yield


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    def _run(*argv: str) -> Result:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return _run


# Chinese, Japanese and Korean characters (and their punctuation and full-width forms): what an
# English build must not hold anywhere.
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\uac00-\ud7af]")


def assert_no_cjk_in_package(path: Path) -> None:
    """Every XML part of a .docx or .xlsx: text, styles, fonts, theme, properties."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                text = archive.read(name).decode()
                match = CJK.search(text)
                assert match is None, f"{path.name} {name}: {text[max(match.start() - 60, 0) : match.end() + 20]}"


def line_of(path: Path, needle: str) -> int:
    """1-based line of the first line containing needle."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def reseal(ledger: Path) -> None:
    """Recompute every seal of a hand-edited ledger, as someone who knows the algorithm could: for
    tests of entries the tool no longer writes, and of the rules that must hold beyond the seals."""
    from isms.ledger.release import _yaml
    from isms.ledger.seal import seal_of
    from isms.sources.ledger_schema import Release

    yaml = _yaml()
    data = yaml.load(ledger.read_text(encoding="utf-8"))
    previous = None
    for entry in data["releases"]:
        entry.pop("seal", None)
        entry["seal"] = previous = seal_of(Release.model_validate(entry), previous)
    with ledger.open("w", encoding="utf-8") as out:
        yaml.dump(data, out)


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def serve(directory: Path) -> Iterator[str]:
    """Serve a built site on localhost for the length of a fixture; yields its base URL."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # a request after the test ended would print
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (its own browser download does not work here)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"]
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium, args=args)
        yield instance
        instance.close()


# pytest-xdist hands whole files to the workers in the order they were collected (with
# --no-loadscope-reorder, as `make test` runs it; by default it orders files by their number of
# tests): the longest go first, so that the run ends with short files on both workers rather than
# one long file on one.
LONGEST_FIRST = (
    "test_docx.py", "test_security.py", "test_reproducible.py", "test_html.py", "test_incremental.py", "test_english.py",
    "test_release.py", "test_publish.py", "test_check.py", "test_audiences.py", "test_ledger_integrity.py", "test_risk.py",
)  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: position for position, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: a file's own order stays

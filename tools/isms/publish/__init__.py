"""Publish stage: writers fill a new output set aside; one atomic rename makes it the current one.

Layout of build/ (all links relative, so a copied build/ keeps working)::

    build/.sets/<id>/{html,docx,xlsx,manifest.json}   complete output sets (only the current one is kept)
    build/.sets/<id>/html/downloads/                   hard links of the set's docx/ and xlsx/ files
    build/current -> .sets/<id>                        switched with ONE os.replace of a new link
    build/html -> current/html                         stable links: users open build/html/index.html
    build/docx, build/xlsx, build/manifest.json        likewise
    build/.cache/                                      the writers' caches (written atomically)
    build/.lock                                        one build at a time per folder

A build killed at any moment leaves `current` on the previous set, whole and consistent with its
manifest; the next build removes what the killed one left (a partial set, a half-made link, cache
temporaries). `--only NAME` builds a set whose other outputs are hard links to the current set's.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from isms import trust
from isms.bodies import Bodies
from isms.ledger import Versions
from isms.model import Isms
from isms.problems import Problem
from isms.publish.manifest import MANIFEST_NAME, OUTPUTS, manifest_bytes, source_state
from isms.publish.running import run_writer
from isms.publish.site_process import SHARED, SiteProcess
from isms.render import BuildContext
from isms.render.names import DOWNLOADS

SETS, CURRENT, CACHE, LOCK = ".sets", "current", ".cache", ".lock"
SHAREABLE = ("docx", "xlsx")  # entries by content: ISMS_CACHE_DIR (isms.trust) may hold them for every build
_LINKED = (*OUTPUTS, MANIFEST_NAME)  # what build/ shows through `current`
_LEGACY_LEFTOVERS = (".staging", ".old-html", ".old-docx", ".old-xlsx")  # of the copy-and-rename layout


@dataclass
class BuildReport:
    outputs: dict[str, Path] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    manifest: Path | None = None
    warnings: list[Problem] = field(default_factory=list)  # of the gate: printed, they stop nothing
    gate_failed: bool = False  # the problems are the gate's: the sources are wrong, not a writer
    stats: dict[str, dict[str, object]] = field(default_factory=dict)  # per writer


@dataclass(frozen=True)
class _Prepared:
    isms: Isms
    bodies: Bodies
    versions: Versions


def publish(
    isms: Isms,
    bodies: Bodies,
    versions: Versions,
    names: list[str],
    on_start: Callable[[str], None] | None = None,
    build_dir: Path | None = None,
    on_done: Callable[[str, float], None] | None = None,
    gate: Callable[[], list[Problem]] | None = None,
    site: SiteProcess | None = None,
    source: dict[str, object] | None = None,
) -> BuildReport:
    """build_dir: build/ (a build for an audience goes to build/audiences/<id>/). gate: rules that
    must pass before the outputs are switched in (they run beside Sphinx); their errors stop the
    build as a writer's problems do. site: a process started early to build the site (it is ended
    here, used or not). source: manifest.source_state() as the build began (else taken here), for
    the manifest."""
    build_dir = build_dir or isms.root / "build"
    report = BuildReport()
    try:
        with _locked(build_dir):
            _recover(build_dir)
            _build_set(_Prepared(isms, bodies, versions), build_dir, names, report, on_start, on_done, gate, site, source)
    except BuildBusy as exc:
        report.problems = [Problem(exc.path, 1, 1, str(exc))]
    except OSError as exc:
        report.problems = [write_problem(exc, build_dir)]
    finally:
        if site is not None:
            site.stop()
    return report


def _build_set(
    prepared: _Prepared,
    build_dir: Path,
    names: list[str],
    report: BuildReport,
    on_start: Callable[[str], None] | None,
    on_done: Callable[[str, float], None] | None,
    gate: Callable[[], list[Problem]] | None = None,
    site: SiteProcess | None = None,
    source: dict[str, object] | None = None,
) -> None:
    isms = prepared.isms
    cache = build_dir / CACHE
    staging = build_dir / SETS / f"{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"
    staging.mkdir(parents=True)
    switched = False
    previous = current_set(build_dir)
    reusable = previous is not None and trusted_set(previous, isms.root)
    try:
        contexts = {}
        shared = os.environ.get(trust.CACHE_ENV)
        for name in names:
            (staging / name).mkdir()
            # The Word files and workbooks are entries by content: builds of several checkouts or
            # audiences may share them (the Sphinx cache belongs to one source tree).
            folder = Path(shared) / name if shared and name in SHAREABLE else cache / name
            folder.mkdir(parents=True, exist_ok=True)
            # The current set's files of this output: what has the same bytes is linked, not written again.
            same = previous / name if reusable and previous is not None and (previous / name).is_dir() and not (previous / name).is_symlink() else None
            contexts[name] = BuildContext(isms, prepared.bodies, prepared.versions, staging / name, folder, shared_cache=folder != cache / name, previous=same)
        report.problems += _run_writers(contexts, report, on_start, on_done, gate, site)
        if report.problems:
            return
        if on_start:
            on_start("publish")
        started = time.perf_counter()
        for name in OUTPUTS:
            if name not in names and reusable and (previous / name).is_dir():
                _link_tree(previous / name, staging / name)
        _link_downloads(staging)
        # The files linked from the current set keep the hashes its seal records.
        linked = trust.sealed_files(isms.root, previous) if reusable and previous is not None else {}
        (staging / MANIFEST_NAME).write_bytes(manifest_bytes(staging, source_state(isms.root) if source is None else source, linked))
        trust.seal(isms.root, staging, linked)  # what a later `--only` build or a skipped build may rely on
        # The links go through `current`, so they can be made first: one the old set lacks dangles
        # (reads as absent) until the switch.
        _link_outputs(build_dir, {name for name in _LINKED if (staging / name).exists()})
        _crash_point("staged")
        _switch(build_dir, staging)
        switched = True
        _crash_point("switched")
        report.outputs = {name: build_dir / name for name in names}
        report.manifest = build_dir / MANIFEST_NAME
        if on_done:
            on_done("publish", time.perf_counter() - started)
    finally:
        if not switched:
            shutil.rmtree(staging, ignore_errors=True)
    with contextlib.suppress(OSError):  # the new set is in place; leftovers are removed by the next build
        _prune(build_dir)


def _run_writers(
    contexts: dict[str, BuildContext],
    report: BuildReport,
    on_start: Callable[[str], None] | None,
    on_done: Callable[[str, float], None] | None,
    gate: Callable[[], list[Problem]] | None = None,
    site: SiteProcess | None = None,
) -> list[Problem]:
    """The gate, then every writer; on two or more cores Sphinx (the html writer, single-threaded)
    runs in a process of its own (site, or one forked now) while the gate and the Word writer run
    here; the workbooks go to whichever process is free first (isms.publish.site_process). Nothing
    is pinned to a core: after a cold start Sphinx is done first, and the Word writer's pandoc runs
    then use both cores (kept to one, they left the other idle for three seconds). Each writer
    writes only its own folders, so the outputs are the same bytes as one after another."""
    names = list(contexts)
    beside = _beside_sphinx(names)
    if not beside:
        if site is not None:
            site.stop()
        found = _gate(gate, report)
        if found:
            return found
        problems: list[Problem] = []
        for name in names:
            problems += _timed_writer(name, contexts[name], report, on_start, on_done)
            if problems:
                break
        return problems
    site = site or SiteProcess(contexts)
    root = contexts["html"].isms.root
    try:
        site.start(contexts)
        if on_start:
            on_start("html")
        errors = _gate(lambda: _rules_reported(gate, root), report)
        site.gate(bool(errors))
        beside_problems: list[Problem] = []
        for name in beside:
            if name in SHARED and not site.claim(name):
                continue  # the site's process, done first, has taken it
            if errors or beside_problems or site.failed():
                continue  # claimed all the same: after an error nobody runs it
            beside_problems += _timed_writer(name, contexts[name], report, on_start, on_done)
        outcomes = site.outcomes(root)
    finally:
        site.stop()
    if errors:  # the rules gate the outputs: their problems are the cause, not what Sphinx says of them
        report.gate_failed = True
        return errors
    problems: list[Problem] = []
    for name, found, stats, seconds, error in outcomes:
        if error is not None:
            raise error
        report.stats[name] = stats
        report.seconds[name] = seconds
        if on_done and not stats.get("cancelled") and not stats.get("failed"):
            if name != "html" and on_start:
                on_start(name)
            on_done(name, seconds)
        problems += found
    for name in names:
        if name not in beside and name != "html" and not problems:
            problems += _timed_writer(name, contexts[name], report, on_start, on_done)
    return problems + beside_problems


def _gate(gate: Callable[[], list[Problem]] | None, report: BuildReport) -> list[Problem]:
    """The gate's errors (its warnings go to the report)."""
    found = gate() if gate is not None else []
    report.warnings += [p for p in found if p.severity != "error"]
    errors = [p for p in found if p.severity == "error"]
    report.gate_failed = bool(errors)
    return errors


def _rules_reported(gate: Callable[[], list[Problem]] | None, root: Path) -> list[Problem]:
    """The gate's problems; a bug in a rule is one clear line, as a writer's."""
    try:
        return gate() if gate is not None else []
    except Exception as exc:
        return [Problem(root, 1, 1, f"the check failed unexpectedly ({type(exc).__name__}: {exc}); the previous outputs are unchanged. Please report this.")]


def _beside_sphinx(names: list[str]) -> list[str]:
    """The writers that run beside Sphinx in a process of its own; none where everything runs one
    after another (one core, no html, ISMS_SEQUENTIAL=1). Sphinx is the longest: the rest goes beside it."""
    beside = [name for name in names if name in ("docx", "xlsx")]
    return beside if "html" in names and overlapping() else []


def early_site(names: list[str]) -> SiteProcess | None:
    """A process that imports Sphinx now, while the caller reads the sources, and builds the site
    when publish() gives it the context; None where the site would not be built beside the rest."""
    return SiteProcess() if _beside_sphinx(names) else None


def overlapping() -> bool:
    """Whether the writers beside Sphinx run in a process of their own (ISMS_SEQUENTIAL=1: never,
    as the tests do to compare both ways)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cpus >= 2 and sys.platform == "linux" and os.environ.get("ISMS_SEQUENTIAL") != "1"


def _timed_writer(
    name: str, context: BuildContext, report: BuildReport, on_start: Callable[[str], None] | None, on_done: Callable[[str, float], None] | None
) -> list[Problem]:
    if on_start:
        on_start(name)
    started = time.perf_counter()
    problems = _run_writer(name, context, report)
    report.seconds[name] = time.perf_counter() - started
    if on_done and not report.stats.get(name, {}).get("cancelled"):  # stopped, not done: the errors say why
        on_done(name, report.seconds[name])
    return problems


def _run_writer(name: str, context: BuildContext, report: BuildReport) -> list[Problem]:
    problems, stats = run_writer(name, context)
    report.stats[name] = stats
    return problems


# --------------------------------------------------------------------------- the set switch


def trusted_set(set_dir: Path, root: Path) -> bool:
    """Whether the set is one this machine made and nobody changed since (isms.trust)."""
    return trust.sealed(root, set_dir)


def reusable_outputs(build_dir: Path, root: Path) -> bool | None:
    """Whether a build of some outputs may take the others from build/: None when there are none,
    False when they cannot be shown to be this machine's (a set it did not seal, or folders of the
    earlier layout, which no build sealed)."""
    current = current_set(build_dir)
    if current is not None:
        return trusted_set(current, root)
    legacy = any((build_dir / name).exists() and not (build_dir / name).is_symlink() for name in OUTPUTS)
    return False if legacy else None


def current_set(build_dir: Path) -> Path | None:
    """The set `current` points to: only a set of this folder's .sets/ (a link committed elsewhere
    could point at a set made for another audience)."""
    link = build_dir / CURRENT
    if not link.is_symlink() or (build_dir / SETS).is_symlink():
        return None
    target = os.readlink(link)
    parts = Path(target).parts
    if len(parts) != 2 or parts[0] != SETS or parts[1] in ("..", "."):
        return None
    resolved = link.resolve()
    return resolved if resolved.is_dir() and resolved.parent == (build_dir / SETS).resolve() else None


def _switch(build_dir: Path, new_set: Path) -> None:
    """Point build/current at new_set: rename(2) of a fresh link over the old one is atomic."""
    tmp = build_dir / f".{CURRENT}.tmp"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(new_set.relative_to(build_dir).as_posix(), tmp)
    _crash_point("switching")
    os.replace(tmp, build_dir / CURRENT)


def _link_outputs(build_dir: Path, present: set[str]) -> None:
    """build/html -> current/html and so on for the outputs in `present`; no link for the others."""
    for name in _LINKED:
        path, target = build_dir / name, f"{CURRENT}/{name}"
        if name not in present:
            if path.is_symlink():
                path.unlink()
        elif not path.is_symlink() or os.readlink(path) != target:
            _replace_with_link(path, target)  # never over a real folder: _migrate has moved those


def _replace_with_link(path: Path, target: str) -> None:
    tmp = path.with_name(f".{path.name}.link.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, path)


def _link_downloads(staging: Path) -> None:
    """The site links every document's approved files (html/downloads/, names from
    isms.render.names): hard links of this set's Word files and workbooks, made after all writers
    ran, so that the site always offers the files of its own set."""
    site = staging / "html"
    if not site.is_dir():
        return
    target = site / DOWNLOADS
    # An html/ linked from the previous set carries that set's files: removing the links here
    # leaves the previous set whole.
    shutil.rmtree(target, ignore_errors=True)
    files = [path for name in ("docx", "xlsx") if (staging / name).is_dir() for path in sorted((staging / name).iterdir()) if path.is_file()]
    if not files:
        return
    target.mkdir()
    for path in files:
        try:
            os.link(path, target / path.name)
        except OSError:
            shutil.copy2(path, target / path.name)


def _link_tree(source: Path, target: Path) -> None:
    """Hard links of an unchanged output into the new set (a copy where links are not supported)."""

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link)


# --------------------------------------------------------------------------- recovery


def _recover(build_dir: Path) -> None:
    """Undo what a killed build left behind, and move an old-layout build/ into a set."""
    _migrate(build_dir)
    for name in (f".{CURRENT}.tmp", *(f".{n}.link.tmp" for n in _LINKED)):
        with contextlib.suppress(FileNotFoundError):
            (build_dir / name).unlink()
    for name in _LEGACY_LEFTOVERS:
        shutil.rmtree(build_dir / name, ignore_errors=True)
    _prune(build_dir)
    current = current_set(build_dir)
    _link_outputs(build_dir, {name for name in _LINKED if current is not None and (current / name).exists()})
    cache = build_dir / CACHE
    if cache.is_dir():
        for tmp in cache.rglob(".*.tmp"):  # the writers' write-aside files: a kill left them half written
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def _migrate(build_dir: Path) -> None:
    """Outputs of the earlier layout (real folders build/html, ...) become a set; then links replace them."""
    link = build_dir / CURRENT
    if link.exists() and not link.is_symlink():  # a copy of build/ that followed the links: not a set
        trust.remove(link)
    legacy = [name for name in _LINKED if (build_dir / name).exists() and not (build_dir / name).is_symlink()]
    if not legacy:
        return
    current = current_set(build_dir)
    if current is None:
        current = build_dir / SETS / "migrated"
        shutil.rmtree(current, ignore_errors=True)
        current.mkdir(parents=True)
        _switch(build_dir, current)
    for name in legacy:
        if (current / name).exists():  # a stray copy beside a complete set: the set wins
            trust.remove(build_dir / name)
        else:
            os.replace(build_dir / name, current / name)
        _replace_with_link(build_dir / name, f"{CURRENT}/{name}")


def _prune(build_dir: Path) -> None:
    """Remove every set but the current one: old sets, and partial sets of killed or failed builds."""
    sets = build_dir / SETS
    if not sets.is_dir():
        return
    current = current_set(build_dir)
    for entry in sets.iterdir():
        if current is None or entry.resolve() != current:
            trust.remove(entry)


# --------------------------------------------------------------------------- locking, errors, tests


class BuildBusy(Exception):
    def __init__(self, path: Path):
        super().__init__("another `isms build` is writing this build folder: wait until it has finished, then build again")
        self.path = path


@contextlib.contextmanager
def _locked(build_dir: Path) -> Iterator[None]:
    """One build per folder: recovery deletes partial sets, which must not be another build's.
    flock is released by the kernel when the process dies, so a killed build leaves no stale lock."""
    build_dir.mkdir(parents=True, exist_ok=True)
    path = build_dir / LOCK
    fd = os.open(path, os.O_RDONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildBusy(path) from None
        yield
    finally:
        os.close(fd)


_ADVICE = {
    errno.ENOSPC: "the disk is full: free some space",
    errno.EDQUOT: "your disk quota is used up: free some space",
    errno.EFBIG: "the file is larger than allowed here (file size limit): raise the limit or free space",
    errno.EROFS: "the file system is read-only: build in a writable copy of the sources",
    errno.EACCES: "make build/ writable for you (its permissions or owner), or remove build/",
    errno.EPERM: "make build/ writable (permissions, owner or the immutable attribute: `lsattr -d build`), or remove build/",
    errno.ENOTDIR: "a file is where a folder belongs: remove it (or all of build/)",
    errno.EEXIST: "something is in the way: remove it (or all of build/)",
}


def write_problem(exc: OSError, build_dir: Path) -> Problem:
    """One clear line for a failed write: which path, why, what to do."""
    written = exc.filename2 or exc.filename  # a copy or rename names its source first, then the file written
    path = Path(written) if written else build_dir
    reason = exc.strerror or str(exc)
    if not path.is_absolute() or path.resolve().is_relative_to(build_dir.resolve()):
        advice = _ADVICE.get(exc.errno or 0, "check that build/ is a writable folder on a disk with free space")
        return Problem(path, 1, 1, f"cannot write ({reason}): {advice}, then build again. The previous outputs are unchanged.")
    return Problem(path, 1, 1, f"cannot use this file ({reason}); the previous outputs are unchanged.")


def _crash_point(name: str) -> None:
    # The tests kill the build here (SIGKILL, as `kill -9` or the OOM killer would) to show that
    # every moment of the switch leaves a whole, consistent build/.
    if os.environ.get("ISMS_TEST_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)

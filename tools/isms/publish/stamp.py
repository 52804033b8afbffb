"""The no-op fast path: a fingerprint of everything a build depends on, recorded by the last successful
build. When it equals the fingerprint of the sources now, the current set is what a build would
produce again, and `isms build` stops before it validates or renders anything.

What the fingerprint covers (anything else that changed would make a different output only through
one of these):

- every file under the source folders the loader reads (manual_src/, controls/, policy_templates/,
  with their names: an added or removed file counts), and the images the last build published from
  elsewhere in the repository;
- the tool: every file of the `isms` package (code, Lua filters, templates, static files, words),
  the versions of the libraries that shape the outputs, the Python version, the LibreOffice binary;
- the day (the check compares dates with today) and SOURCE_DATE_EPOCH;
- the command line (outputs, audience) and the repository root;
- what the manifest records of git (the commit and whether the work tree differs from it).

The stamp lives in the build folder and names the set it describes: a set that is gone (build/
removed, a link changed by hand) means a rebuild. The stamp and the set carry this machine's seal
(isms.trust): a stamp or set committed into build/, or a set changed since it was made, means
a rebuild too. It is removed before a build starts, so a build
that was killed or failed leaves none.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

import isms as package
from isms import trust

STAMP_NAME = ".build-stamp.json"
SOURCE_DIRS = ("manual_src", "controls", "policy_templates")  # sources.loader's folders
_SKIPPED_DIRS = {"__pycache__", ".git", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


@dataclass
class Stamp:
    fingerprint: str
    set_name: str = ""
    lang: str = "en"
    warnings: list[str] = field(default_factory=list)  # what the build said of warnings: a skipped build says it again
    media: list[str] = field(default_factory=list)  # images from outside the source folders (root-relative)
    documents: int = 0  # what the build made, for the summary line of a skipped build
    seal: str = ""  # this machine's HMAC of the fields above (isms.trust)

    def payload(self) -> bytes:
        fields = {name: value for name, value in self.__dict__.items() if name != "seal"}
        return json.dumps(fields, ensure_ascii=False, sort_keys=True).encode()


def _hash_tree(digest: hashlib._Hash, top: Path, base: Path) -> None:
    # Linked folders are followed, as the loader follows them (an edit under a linked folder must
    # not look like "nothing changed"); a folder met twice (a link loop) is read once.
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(top, followlinks=True):
        try:
            folder = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        if (folder.st_dev, folder.st_ino) in seen:
            dirnames[:] = []
            continue
        seen.add((folder.st_dev, folder.st_ino))
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIPPED_DIRS)
        for name in sorted(filenames):
            path = Path(dirpath, name)
            _hash_file(digest, path, base)


def _hash_file(digest: hashlib._Hash, path: Path, base: Path) -> None:
    rel = path.relative_to(base).as_posix() if path.is_relative_to(base) else str(path)
    try:
        # Only regular files are read: a FIFO would block the build before the check could refuse it.
        data = path.read_bytes() if stat.S_ISREG(path.stat().st_mode) else b"\0not a regular file"
    except OSError:
        data = b"\0unreadable"
    digest.update(f"{rel}\0{len(data)}\0".encode())
    digest.update(data)


def _toolchain() -> dict[str, str]:
    from isms.publish.manifest import toolchain

    return toolchain()


def code_fingerprint() -> str:
    """The tool itself: every file of the package and the libraries that shape the outputs."""
    digest = hashlib.sha256(sys.version.encode())
    root = Path(package.__file__).parent
    _hash_tree(digest, root, root)
    digest.update(json.dumps(_toolchain(), sort_keys=True).encode())
    for program in ("soffice", "libreoffice"):  # lays out the Word tables of contents
        found = shutil.which(program)
        if found:
            with contextlib.suppress(OSError):
                program_file = Path(found).resolve().stat()
                digest.update(f"{program}:{Path(found).resolve()}:{program_file.st_size}:{program_file.st_mtime_ns}".encode())
    return digest.hexdigest()


def fingerprint(root: Path, options: dict[str, object], state: dict[str, object] | None = None) -> str:
    """Of the sources, the tool, the day, the command line; taken before a build reads anything.
    state: manifest.source_state(root), if the caller has it."""
    from isms.publish.manifest import source_state

    digest = hashlib.sha256()
    payload = {
        "root": str(root),
        "options": options,
        "today": dt.date.today().isoformat(),
        "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH"),
        "git": source_state(root) if state is None else state,
        "code": code_fingerprint(),
    }
    digest.update(json.dumps(payload, sort_keys=True, default=str).encode())
    for name in SOURCE_DIRS:
        if (root / name).is_dir():
            _hash_tree(digest, root / name, root)
    return digest.hexdigest()


def with_media(sources: str, root: Path, media: list[str]) -> str:
    """The fingerprint of the sources plus the images the build published from outside them."""
    digest = hashlib.sha256(sources.encode())
    for rel in media:
        _hash_file(digest, root / rel, root)
    return digest.hexdigest()


def read_stamp(build_dir: Path, root: Path) -> Stamp | None:
    """The stamp this machine wrote, else None."""
    try:
        data = json.loads((build_dir / STAMP_NAME).read_text(encoding="utf-8"))
        stamp = Stamp(**data)
    except (OSError, ValueError, TypeError):
        return None
    return stamp if trust.verify(root, stamp.seal, stamp.payload()) else None


def up_to_date(root: Path, build_dir: Path, options: dict[str, object], sources: str | None = None) -> Stamp | None:
    """The stamp of the last build when the current set is still what a build would make, else None.
    sources: fingerprint(root, options), if the caller has it."""
    stamp = read_stamp(build_dir, root)
    if stamp is None:
        return None
    current = build_dir / "current"
    try:
        if not current.is_symlink() or Path(os.readlink(current)).name != stamp.set_name or not (build_dir / "manifest.json").is_file():
            return None
    except OSError:
        return None
    if with_media(sources or fingerprint(root, options), root, stamp.media) != stamp.fingerprint:
        return None
    return stamp if trust.sealed(root, current.resolve()) else None  # the outputs are still those it made


def write_stamp(build_dir: Path, stamp: Stamp, root: Path) -> None:
    stamp.seal = trust.tag(root, stamp.payload()) or ""
    if not stamp.seal:  # no key: no stamp, every build is a full one
        return
    trust.write_atomic(build_dir / STAMP_NAME, json.dumps(stamp.__dict__, ensure_ascii=False, indent=1).encode("utf-8"))


def remove_stamp(build_dir: Path) -> None:
    """Forget the last build's fingerprint before building. Where it cannot be removed (a read-only
    build/), it still describes the outputs there: the set is only ever replaced whole, and the
    build that could replace it writes a new stamp."""
    with contextlib.suppress(OSError):
        (build_dir / STAMP_NAME).unlink()


def outside_media(root: Path, media_paths: list[Path]) -> list[str]:
    """The published images that do not lie under a source folder (root-relative paths)."""
    found = []
    for path in media_paths:
        rel = path.resolve().relative_to(root.resolve()) if path.resolve().is_relative_to(root.resolve()) else None
        if rel is not None and rel.parts and rel.parts[0] not in SOURCE_DIRS:
            found.append(rel.as_posix())
    return sorted(set(found))

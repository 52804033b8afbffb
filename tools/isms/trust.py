"""What a build reuses from build/ must have been made on this machine.

build/ is not a source, but it lies in the working tree, and a pull request can commit files into it
(`git add -f`). Sphinx loads its environment and doctrees from the cache with pickle, so a planted
build/.cache/html/doctrees/environment.pickle would run code on the build machine; a planted Word
file under a fingerprint's name would be delivered as a document; a planted stamp would skip the
build and leave planted outputs in place. So every cache entry, the Sphinx cache, each output set and
the stamp carry an HMAC whose key never lies in the repository: ISMS_KEY_FILE, else
$XDG_STATE_HOME/isms/build-key, else ~/.local/state/isms/build-key (32 random bytes, mode 0600,
created on first use). What does not verify is removed and built again; without a usable key
nothing is reused and every build is cold.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

KEY_ENV = "ISMS_KEY_FILE"
KEY_BYTES = 32
SEAL_NAME = ".seal"  # in a sealed folder: the HMAC of everything else in it
_TAG_BYTES = 32  # sha256


def key_path() -> Path:
    return _key_path(os.environ.get(KEY_ENV), os.environ.get("XDG_STATE_HOME"), os.environ.get("HOME"))


@functools.cache  # a build asks for every cache entry it reads or writes: a thousand times after an edit
def _key_path(explicit: str | None, state_home: str | None, _home: str | None) -> Path:
    if explicit:
        return Path(explicit)
    state = state_home or str(Path.home() / ".local" / "state")
    return Path(state) / "isms" / "build-key"


@functools.cache
def _key_at(path: Path) -> bytes | None:
    with contextlib.suppress(OSError):
        data = path.read_bytes()
        if len(data) == KEY_BYTES:
            return data
        return None  # damaged or not ours: reuse nothing rather than trust it
    try:  # first use: write aside, then link into place, so that a concurrent build reads a whole key
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(secrets.token_bytes(KEY_BYTES))
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
        tmp.unlink()
        data = path.read_bytes()
    except OSError:
        return None
    return data if len(data) == KEY_BYTES else None


def machine_key(root: Path) -> bytes | None:
    """The key, or None when there is none to be had, or when it would lie inside the repository
    (where a pull request could put one of its own)."""
    return _key_for(key_path(), root)


@functools.cache
def _key_for(path: Path, root: Path) -> bytes | None:
    with contextlib.suppress(OSError):
        if path.resolve().is_relative_to(root.resolve()):
            return None
    return _key_at(path)


def tag(root: Path, *parts: bytes) -> str | None:
    key = machine_key(root)
    if key is None:
        return None
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        mac.update(len(part).to_bytes(8, "big"))
        mac.update(part)
    return mac.hexdigest()


def verify(root: Path, expected: str | None, *parts: bytes) -> bool:
    actual = tag(root, *parts)
    return actual is not None and expected is not None and hmac.compare_digest(actual, expected)


# --------------------------------------------------------------------------- cache entries


def wrap(root: Path, name: str, data: bytes) -> bytes | None:
    """A cache entry: its tag (binding the entry's name, the fingerprint, to its bytes), then the
    bytes. None without a key: nothing is cached."""
    mark = tag(root, name.encode(), data)
    return None if mark is None else bytes.fromhex(mark) + data


def unwrap(root: Path, name: str, blob: bytes) -> bytes | None:
    """The bytes of an entry this machine wrote under this name, else None."""
    data = blob[_TAG_BYTES:]
    return data if len(blob) >= _TAG_BYTES and verify(root, blob[:_TAG_BYTES].hex(), name.encode(), data) else None


def read_entry(root: Path, path: Path) -> bytes | None:
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    return unwrap(root, path.name, blob)


# --------------------------------------------------------------------------- sealed folders


_HINTS = ".seal.hints"  # a seal being renewed: what the files were (their hashes by size, time, inode)
_SEAL_FILES = {SEAL_NAME, _HINTS}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tree(top: Path, known: dict[str, list[object]]) -> dict[str, list[object]]:
    """rel -> [size, mtime_ns, inode, sha256] of every file under top (["L", target] for a link).
    A file whose size, time and inode are those in `known` keeps its hash there without being read
    (as git's index does): a file written since, by a build or a checkout, is read and hashed.
    (os.scandir: the site's thousand files in a third of the time that Path objects took.)"""
    files: dict[str, list[object]] = {}

    def scan(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_symlink():
                    if rel not in _SEAL_FILES:
                        files[rel] = ["L", os.readlink(entry.path)]
                elif entry.is_dir():
                    scan(entry.path, rel + "/")
                elif rel not in _SEAL_FILES:
                    stat = entry.stat()
                    seen: list[object] = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
                    files[rel] = [*seen, _hash_if_same(known.get(rel), seen) or file_sha256(Path(entry.path))]

    scan(str(top), "")
    return files


def _canonical(files: dict[str, list[object]]) -> bytes:
    return json.dumps(files, sort_keys=True, separators=(",", ":")).encode()


def _read_seal(path: Path) -> tuple[dict[str, list[object]], str] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return dict(data["files"]), str(data["tag"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def seal(root: Path, top: Path, known: dict[str, list[object]] | None = None) -> dict[str, list[object]]:
    """Record that top holds what this machine put there: every file's hash, with the HMAC of the
    list (nothing is recorded without a key). known: sealed_files() of a folder whose files top
    links (a new output set and the current one): a link's hash is taken from there, not read again.
    Returns the entries (as sealed_files() would)."""
    hints = _read_seal(top / _HINTS) or _read_seal(top / SEAL_NAME)
    files = _tree(top, {**(known or {}), **(hints[0] if hints else {})})
    mark = tag(root, b"tree", _canonical(files))
    path = top / SEAL_NAME
    if mark is not None:
        write_atomic(path, json.dumps({"files": files, "tag": mark}).encode("utf-8"))
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    with contextlib.suppress(FileNotFoundError):
        (top / _HINTS).unlink()
    return files


def sealed(root: Path, top: Path) -> bool:
    """Whether top holds exactly what this machine sealed (files unchanged since are not read again)."""
    if top.is_symlink() or not top.is_dir():  # a link to a folder sealed elsewhere is not this one
        return False
    recorded = _read_seal(top / SEAL_NAME)
    if recorded is None:
        return False
    files, mark = recorded
    if not verify(root, mark, b"tree", _canonical(files)):
        return False
    try:
        current = _tree(top, files)
    except OSError:
        return False
    # The contents decide: a copy of the folder (new inodes and times) is read again and verifies.
    return {rel: entry[-1] for rel, entry in current.items()} == {rel: entry[-1] for rel, entry in files.items()}


def sealed_files(root: Path, top: Path) -> dict[str, list[object]]:
    """The entries of top's seal (rel -> [size, mtime_ns, inode, sha256]) if this machine made it,
    else none. An entry describes a file only while its size, time and inode are the same
    (known_hash)."""
    recorded = _read_seal(top / SEAL_NAME)
    if recorded is None or not verify(root, recorded[1], b"tree", _canonical(recorded[0])):
        return {}
    return recorded[0]


def known_hash(path: Path, entry: object) -> str | None:
    """The sha256 a sealed entry gives for the file at path, if it is still that file."""
    stat = path.stat()
    return _hash_if_same(entry, [stat.st_size, stat.st_mtime_ns, stat.st_ino])


def _hash_if_same(entry: object, seen: list[object]) -> str | None:
    return str(entry[3]) if isinstance(entry, list) and len(entry) == 4 and entry[:3] == seen else None


def unseal(top: Path) -> None:
    """Before changing a sealed folder: a build killed while changing it leaves it unsealed (the
    file hashes stay as hints for the next seal, which then reads only what was written)."""
    with contextlib.suppress(FileNotFoundError):
        os.replace(top / SEAL_NAME, top / _HINTS)


def open_sealed(root: Path, top: Path) -> bool:
    """Before a writer changes its cache folder: True if the folder is absent or this machine sealed
    it (the seal is removed: a build killed while changing the folder leaves it unsealed); else
    everything in it is removed, as it may have been planted, and False is returned."""
    if top.is_symlink():  # planted: the link goes, its target is not touched
        top.unlink()
    elif not top.exists():
        return True
    elif sealed(root, top):
        unseal(top)
        return True
    else:
        shutil.rmtree(top)
    top.mkdir(parents=True)
    return False


# --------------------------------------------------------------------------- build/ itself


def write_atomic(path: Path, data: bytes) -> None:
    """Write aside under a fresh random name (never following a link that may be planted there),
    then rename over path (a rename replaces a link at path, it does not follow it)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
    descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


_KEPT = (".cache", ".sets", "audiences", ".lock", ".build-stamp.json", "current", "diff")


def remove(path: Path) -> None:
    """A file, a link (never its target) or a folder with everything in it."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def remove_planted_links(build_dir: Path) -> None:
    """build/ and the folders the tool keeps in it must be real: a symlink committed there would lead
    the tool's deletes and writes elsewhere, or its seal checks to a folder it sealed for another
    purpose. Links are removed (the link only, never its target); `current` may be a link, but only
    to a set in .sets/ (isms.publish.current_set checks that)."""
    folders = [build_dir, *(p for p in build_dir.glob("audiences/*") if not p.is_symlink())] if not build_dir.is_symlink() else [build_dir]
    for folder in folders:
        if folder.is_symlink():
            with contextlib.suppress(OSError):
                folder.unlink()
            continue
        for name in _KEPT:
            path = folder / name
            if path.is_symlink() and name != "current":
                with contextlib.suppress(OSError):
                    path.unlink()
        for parent in (folder / ".cache", folder / ".sets"):
            if parent.is_dir() and not parent.is_symlink():
                for child in parent.iterdir():
                    if child.is_symlink():
                        with contextlib.suppress(OSError):
                            child.unlink()


@functools.cache
def _guarded(build_dir: Path) -> bool:
    remove_planted_links(build_dir)
    return True


# --------------------------------------------------------------------------- keyed entries


CACHE_ENV = "ISMS_CACHE_DIR"  # a folder shared by the builds of this machine (several checkouts, tests)


def cache_folder(root: Path, name: str) -> Path:
    """Where entries of one kind live: ISMS_CACHE_DIR/<name>, else build/.cache/<name> of the repository."""
    return _cache_folder(os.environ.get(CACHE_ENV), root, name)


@functools.cache  # asked for every entry read or written
def _cache_folder(shared: str | None, root: Path, name: str) -> Path:
    if shared:
        return Path(shared) / name
    _guarded(root / "build")  # once per process: no planted link leads the entries elsewhere
    return root / "build" / ".cache" / name


def load(root: Path, kind: str, key: str) -> bytes | None:
    """The bytes stored under key (a content fingerprint) if this machine stored them."""
    folder = cache_folder(root, kind)
    if os.environ.get(CACHE_ENV):  # shared by several repositories: entries only, no pack
        return read_entry(root, folder / key)
    data = _pack(root, kind, folder).get(key)
    if data is None:
        data = read_entry(root, folder / key)
    if data is not None:
        _note(folder, key, data)
    return data


def store(root: Path, kind: str, key: str, data: bytes) -> None:
    """Keep data under key; quietly nothing where the folder cannot be written (a read-only checkout)."""
    folder = cache_folder(root, kind)
    entry = wrap(root, key, data)
    if entry is None:
        return
    if not os.environ.get(CACHE_ENV):
        _note(folder, key, data)
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / key, entry)


def prune(root: Path, kind: str, keep: set[str]) -> None:
    """Remove the entries of a build's own cache that the build did not use (a shared cache keeps
    all), and pack the used ones when the pack has drifted from them (_PACK_NAME)."""
    if os.environ.get(CACHE_ENV):
        return
    folder = cache_folder(root, kind)
    with contextlib.suppress(OSError):
        for path in folder.iterdir():
            if path.name not in keep and not path.name.startswith("."):
                with contextlib.suppress(OSError):
                    path.unlink()
    packed = set(_pack(root, kind, folder))
    seen = _seen.pop(folder, {})
    _packs.pop(folder, None)  # the next check reads the pack again (it may be rewritten meanwhile)
    used = keep & seen.keys()  # keep may hold the keys of earlier checks too (a longer process: the tests)
    if used and len(packed ^ used) > max(PACK_DRIFT, len(used) // 10):
        body = b"".join(_packed_entry(key, seen[key]) for key in sorted(used))
        mark = tag(root, b"pack", kind.encode(), body)
        if mark is not None:
            with contextlib.suppress(OSError):
                write_atomic(folder / _PACK_NAME, bytes.fromhex(mark) + body)


# A cache folder holds one file per entry, and a pack: the entries the last check used, in one file
# under one tag. After an edit a build reads about a thousand entries; one by one (open, read, HMAC)
# they took 40 ms. The pack is read once; what it lacks (the few texts that changed since it was
# written) is read from the entry's own file. It is written again once it has drifted from what the
# builds use by more than a tenth of its entries (at least PACK_DRIFT), not after every edit.
_PACK_NAME = ".pack"
PACK_DRIFT = 8
_seen: dict[Path, dict[str, bytes]] = {}  # folder -> entries read or stored since the last prune
_packs: dict[Path, dict[str, bytes]] = {}  # folder -> its pack, read once between prunes


def _packed_entry(key: str, data: bytes) -> bytes:
    name = key.encode()
    return len(name).to_bytes(2, "big") + name + len(data).to_bytes(8, "big") + data


# A check that stops early (its sources fail) prunes nothing: in a longer process (the tests, a
# hundred repositories) what it read is dropped once more folders than these were read since.
_FOLDERS_HELD = 8


def _note(folder: Path, key: str, data: bytes) -> None:
    if folder not in _seen and len(_seen) >= _FOLDERS_HELD:
        del _seen[next(iter(_seen))]
    _seen.setdefault(folder, {})[key] = data


def _pack(root: Path, kind: str, folder: Path) -> dict[str, bytes]:
    if folder not in _packs:
        if len(_packs) >= _FOLDERS_HELD:
            del _packs[next(iter(_packs))]
        _packs[folder] = _read_pack(root, kind, folder / _PACK_NAME)
    return _packs[folder]


def _read_pack(root: Path, kind: str, path: Path) -> dict[str, bytes]:
    try:
        blob = path.read_bytes()
    except OSError:
        return {}
    body = blob[_TAG_BYTES:]
    if len(blob) < _TAG_BYTES or not verify(root, blob[:_TAG_BYTES].hex(), b"pack", kind.encode(), body):
        return {}  # not this machine's: ignored (the entries' own files still serve)
    entries, at, view = {}, 0, memoryview(body)
    while at < len(body):
        size = int.from_bytes(view[at:at + 2], "big")
        key = bytes(view[at + 2:at + 2 + size]).decode()
        at += 2 + size
        length = int.from_bytes(view[at:at + 8], "big")
        entries[key] = bytes(view[at + 8:at + 8 + length])
        at += 8 + length
    return entries


# --------------------------------------------------------------------------- filling the cache ahead

_Item = TypeVar("_Item")


def fill_ahead(root: Path, items: Sequence[_Item], fill: Callable[[_Item], object]) -> int | None:
    """On two or more cores, a forked helper runs fill(item) for these items, in this order, storing
    what it makes in the cache, while the caller works through the same items from the other end
    and takes what the helper has stored. Returns the helper's pid (for stop_filling), or None where
    there is nothing to gain: one core, no fork, nothing to do, or no key (nothing stored would be
    trusted)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    if cores < 2 or not hasattr(os, "fork") or not items or machine_key(root) is None:
        return None
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    try:  # the helper: fill, print nothing, leave without running the parent's exit code
        if not die_with_parent(parent):
            return None
        for item in items:
            with contextlib.suppress(Exception):  # the caller meets the same item and reports it
                fill(item)
    finally:
        os._exit(0)


def die_with_parent(parent: int) -> bool:
    """In a forked child: be killed when the parent dies (PR_SET_PDEATHSIG, Linux), so that no
    helper outlives a build killed outright. False when the parent died before the request took
    effect: the child should end at once."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    return os.getppid() == parent


def stop_filling(pid: int | None) -> None:
    """The caller is done: the helper stops wherever it is."""
    if pid is None:
        return
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, 0)

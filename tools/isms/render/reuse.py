"""Placing a writer's files in the new output set: a file with the same bytes as the current set's is
a hard link to it, not a copy (sets are never changed once made, so they can share files). An edit
then writes a few files, not the whole site and every Word file again."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from isms.trust import known_hash


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.is_symlink() or path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _link(existing: Path, target: Path) -> bool:
    try:
        os.link(existing, target)
    except OSError:  # a file system without hard links, or another device: written instead
        return False
    return True


def _linked(previous: Path | None, target: Path, data: bytes) -> bool:
    return previous is not None and _same_bytes(previous, data) and _link(previous, target)


def place_bytes(data: bytes, target: Path, previous: Path | None) -> None:
    """data as target: a link to previous when it holds these bytes, else a new file. A target that
    is already there is replaced, never written through: it may be a link into the current set."""
    target.unlink(missing_ok=True)
    if not _linked(previous, target, data):
        target.write_bytes(data)


def place_tree(
    source: Path,
    target: Path,
    previous: Path | None,
    ignore: Callable[[str, list[str]], set[str]] | None = None,
    sealed: tuple[dict[str, list[object]], dict[str, list[object]]] = ({}, {}),
) -> None:
    """The files of source (a writer's own folder, which it changes in later builds) as target:
    each one that previous (the current set's folder of the same output) holds with the same bytes
    is linked from there, the others are copied. sealed: the seal entries (isms.trust) of source's
    and of previous's files, by path within each: where both still describe their files, their
    hashes say whether the bytes are the same, and neither file is read (a site: 330 files)."""
    source_entries, previous_entries = sealed

    def same_bytes(src: Path, same: Path, rel: str) -> bool:
        try:
            if same.is_symlink():  # a link would be linked as a link
                return False
            ours, theirs = known_hash(src, source_entries.get(rel)), known_hash(same, previous_entries.get(rel))
            if ours is not None and theirs is not None:
                return ours == theirs
            return same.stat().st_size == src.stat().st_size and same.read_bytes() == src.read_bytes()
        except OSError:  # not in the current set
            return False

    def place(src: str, dst: str) -> None:
        Path(dst).unlink(missing_ok=True)  # replaced, not written through (see place_bytes)
        if previous is not None:
            rel = os.path.relpath(src, source)
            if same_bytes(Path(src), previous / rel, rel) and _link(previous / rel, Path(dst)):
                return
        shutil.copy2(src, dst)

    shutil.copytree(source, target, dirs_exist_ok=True, ignore=ignore, copy_function=place)

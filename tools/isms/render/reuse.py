"""Placing a writer's files in the new output set: a file with the same bytes as the current set's is
a hard link to it, not a copy (sets are never changed once made, so they can share files). An edit
then writes a few files, not the whole site and every Word file again."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.is_symlink() or path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _linked(previous: Path | None, target: Path, data: bytes) -> bool:
    if previous is None or not _same_bytes(previous, data):
        return False
    try:
        os.link(previous, target)
    except OSError:  # a file system without hard links, or another device: written instead
        return False
    return True


def place_bytes(data: bytes, target: Path, previous: Path | None) -> None:
    """data as target: a link to previous when it holds these bytes, else a new file. A target that
    is already there is replaced, never written through: it may be a link into the current set."""
    target.unlink(missing_ok=True)
    if not _linked(previous, target, data):
        target.write_bytes(data)


def place_tree(source: Path, target: Path, previous: Path | None, ignore: Callable[[str, list[str]], set[str]] | None = None) -> None:
    """The files of source (a writer's own folder, which it changes in later builds) as target:
    each one that previous (the current set's folder of the same output) holds with the same bytes
    is linked from there, the others are copied."""

    def place(src: str, dst: str) -> None:
        Path(dst).unlink(missing_ok=True)  # replaced, not written through (see place_bytes)
        if previous is not None:
            same = previous / os.path.relpath(src, source)
            try:
                candidate = not same.is_symlink() and same.stat().st_size == os.stat(src).st_size
            except OSError:  # not in the current set
                candidate = False
            if candidate and _linked(same, Path(dst), Path(src).read_bytes()):
                return
        shutil.copy2(src, dst)

    shutil.copytree(source, target, dirs_exist_ok=True, ignore=ignore, copy_function=place)

"""Images named by sources: files inside the repository, of a type that cannot carry code.

A valid image is published under a name made from its content (``/_media/<sha256>.png``), so that
every fingerprint of a text that shows it (the Word cache, the release ledger) changes with the image.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

MEDIA_PREFIX = "/_media/"
MAX_IMAGE_BYTES = 10_000_000
# Pixels, read from the file's header: a few kilobytes of PNG can declare 30,000 x 30,000 pixels, which
# LibreOffice decodes into gigabytes when it lays out the manual. 50 million is a 48-megapixel photo.
MAX_IMAGE_PIXELS = 50_000_000
IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": ".png", b"\xff\xd8\xff": ".jpg", b"GIF87a": ".gif", b"GIF89a": ".gif"}
# ".. image:: uri", ".. figure:: uri" and ".. |name| image:: uri"
IMAGE_DIRECTIVE = re.compile(r"^(?P<head>[ \t]*\.\.[ \t]+(?:\|[^|\n]+\|[ \t]+)?(?:image|figure)[ ]?::[ \t]*)(?P<uri>\S.*?)[ \t]*$", re.MULTILINE)


def has_scheme(uri: str) -> bool:
    # Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
    return re.match(r"^[a-z][a-z0-9+.-]*:", re.sub(r"[\x00-\x20]", "", uri).lower()) is not None


def image_problem(source_path: Path, uri: str, root: Path) -> str | None:
    """Why the image cannot be published, or None. Paths are relative to the file that names them."""
    if has_scheme(uri) or uri.startswith(("/", "\\")):
        return f"image '{uri}' must be a relative path to a file in the repository (no URL, no absolute path)"
    target = source_path.parent / uri
    try:
        resolved = target.resolve()
    except (OSError, RuntimeError):
        return f"image '{uri}' cannot be resolved (a symlink loop?)"
    if not resolved.is_relative_to(root.resolve()):
        return f"image '{uri}' leads outside the repository: put the image beside the source"
    if not resolved.is_file():
        return f"image '{uri}' does not exist (looked for {target})"
    if resolved.stat().st_size > MAX_IMAGE_BYTES:
        return f"image '{uri}' is larger than {MAX_IMAGE_BYTES:,} bytes: make it smaller"
    suffix = _suffix(resolved)
    if suffix is None:
        return f"image '{uri}' is not a PNG, JPEG or GIF file (SVG is not accepted: it can carry scripts)"
    size = _dimensions(resolved, suffix)
    if size is None:
        return f"image '{uri}' has no readable size in its header (a damaged file?): export it again"
    if size[0] * size[1] > MAX_IMAGE_PIXELS:
        return f"image '{uri}' is {size[0]:,} x {size[1]:,} pixels; at most {MAX_IMAGE_PIXELS:,} in all: scale it down"
    return None


def _dimensions(path: Path, suffix: str) -> tuple[int, int] | None:
    """(width, height) from the header: PNG's IHDR, GIF's screen, JPEG's first frame header."""
    with path.open("rb") as handle:
        if suffix == ".png":
            head = handle.read(24)
            return (int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")) if head[12:16] == b"IHDR" else None
        if suffix == ".gif":
            head = handle.read(10)
            return (int.from_bytes(head[6:8], "little"), int.from_bytes(head[8:10], "little")) if len(head) == 10 else None
        handle.seek(2)  # JPEG: walk the segments to the first start-of-frame marker
        while True:
            marker = handle.read(4)
            if len(marker) < 4 or marker[0] != 0xFF:
                return None
            kind, length = marker[1], int.from_bytes(marker[2:4], "big")
            if 0xC0 <= kind <= 0xCF and kind not in (0xC4, 0xC8, 0xCC):
                frame = handle.read(5)
                return (int.from_bytes(frame[3:5], "big"), int.from_bytes(frame[1:3], "big")) if len(frame) == 5 else None
            if length < 2:
                return None
            handle.seek(length - 2, 1)


def _suffix(path: Path) -> str | None:
    with path.open("rb") as handle:
        head = handle.read(8)
    return next((suffix for magic, suffix in IMAGE_TYPES.items() if head.startswith(magic)), None)


def media_name(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:32] + (_suffix(path) or "")


def publish_images(text: str, source_path: Path, root: Path, media: dict[str, Path]) -> str:
    """Point every valid image at its content-named copy (recorded in media); leave invalid ones as
    they are for the check to report."""

    def replace(match: re.Match[str]) -> str:
        uri = match.group("uri")
        if image_problem(source_path, uri, root) is not None:
            return match.group(0)
        path = (source_path.parent / uri).resolve()
        name = media_name(path)
        media[name] = path
        return match.group("head") + MEDIA_PREFIX + name

    return IMAGE_DIRECTIVE.sub(replace, text)

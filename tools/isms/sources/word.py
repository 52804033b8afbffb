"""The Word templates (policy_templates/word/): sources like the others, so read under the same rules:
inside the repository, bounded in size (a .docx is a zip archive: its parts are bounded as unpacked,
which stops a zip bomb before python-docx or pandoc unpacks it), and holding what the writer needs."""

from __future__ import annotations

import zipfile
from pathlib import Path

from isms.problems import Problem
from isms.sources.yamlio import MAX_FILE_BYTES, outside_root

TEMPLATE_DIR = Path("policy_templates/word")
REFERENCE = "reference.docx"  # styles: pandoc --reference-doc
FRAME = "frame.docx"  # docxtpl frame: cover, history, distribution, header, footer
MAX_UNPACKED_BYTES = 50_000_000  # all parts of a template, unpacked (the sample's are ~60 kB)
REGENERATE = "run `python -m isms.render.docx.templates` to generate it (then restyle it in Word if you like)"
BODY_TAG = b"{{p body }}"


def template_paths(root: Path) -> tuple[Path, Path]:
    """(reference, frame) of the repository at root."""
    return root / TEMPLATE_DIR / REFERENCE, root / TEMPLATE_DIR / FRAME


def read_word_template(path: Path, root: Path, needs: bytes) -> tuple[dict[str, bytes] | None, list[Problem]]:
    """name -> bytes of the template's parts, or the problems that make it unusable. needs: what
    word/document.xml + word/styles.xml must contain (the frame's body tag, the reference's styles)."""
    if not path.is_file():
        return None, [Problem(path, 1, 1, f"Word template missing: {REGENERATE}")]
    problem = outside_root(path, root)
    if problem is not None:
        return None, [problem]
    if path.stat().st_size > MAX_FILE_BYTES:
        return None, [Problem(path, 1, 1, f"the template is {path.stat().st_size:,} bytes; at most {MAX_FILE_BYTES:,}: remove large images from it")]
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > MAX_UNPACKED_BYTES:
                return None, [Problem(path, 1, 1, f"the template unpacks to {unpacked:,} bytes; at most {MAX_UNPACKED_BYTES:,}: {REGENERATE}")]
            parts = {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        return None, [Problem(path, 1, 1, f"not a Word document ({exc}): {REGENERATE}")]
    if "word/document.xml" not in parts or "word/styles.xml" not in parts:
        return None, [Problem(path, 1, 1, f"not a Word document (no word/document.xml or word/styles.xml): {REGENERATE}")]
    if needs not in parts["word/document.xml"] + parts["word/styles.xml"]:
        what = "the body tag {{p body }}" if needs == BODY_TAG else "its styles"
        return None, [Problem(path, 1, 1, f"the template lost {what}: put it back (a paragraph of its own), or {REGENERATE}")]
    return parts, []

"""Where the Word templates live in the repository being built, and the preview font map."""

from __future__ import annotations

from pathlib import Path

TEMPLATE_DIR = Path("policy_templates/word")
REFERENCE = "reference.docx"  # styles: pandoc --reference-doc
FRAME = "frame.docx"  # docxtpl frame: cover, history, distribution, header, footer
FONTS_CONF = Path(__file__).with_name("fonts.conf")


def template_paths(root: Path) -> tuple[Path, Path]:
    return root / TEMPLATE_DIR / REFERENCE, root / TEMPLATE_DIR / FRAME

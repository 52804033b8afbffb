"""Where the Word templates live (isms.sources.word: `isms check` reads them too), and the preview font map."""

from __future__ import annotations

from pathlib import Path

from isms.sources.word import FRAME, REFERENCE, TEMPLATE_DIR, template_paths

FONTS_CONF = Path(__file__).with_name("fonts.conf")

__all__ = ["FONTS_CONF", "FRAME", "REFERENCE", "TEMPLATE_DIR", "template_paths"]

"""Data as reStructuredText text: a value from the sources appears exactly as written, never as markup."""

from __future__ import annotations

import re

# Markup characters, and the two that make standalone links of plain text (a@b.c becomes a mailto
# link, scheme:rest a URI) or a literal block (a paragraph ending in ::).
_SPECIAL = re.compile(r"([\\`*_|\[\]<>@:])")
_ENUMERATOR = re.compile(r"\d+[.)]\s")  # "1. " or "2) " at the start: a list item


def esc(text: object) -> str:
    """Escape a data value for inline reST: it must appear exactly as written."""
    value = " ".join(str(text).split())
    if _SPECIAL.search(value):  # most values hold no markup character (a build escapes thousands)
        value = _SPECIAL.sub(r"\\\1", value)
    if value[:1] in "-+#.:=" or _ENUMERATOR.match(value):
        value = "\\" + value
    return value

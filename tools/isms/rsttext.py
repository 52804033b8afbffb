"""Data as reStructuredText text: a value from the sources appears exactly as written, never as markup."""

from __future__ import annotations

import re

# Markup characters, and the two that make standalone links of plain text (a@b.c becomes a mailto
# link, scheme:rest a URI) or a literal block (a paragraph ending in ::).
_SPECIAL = re.compile(r"([\\`*_|\[\]<>@:])")


def esc(text: object) -> str:
    """Escape a data value for inline reST: it must appear exactly as written."""
    value = " ".join(str(text).split())
    value = _SPECIAL.sub(r"\\\1", value)
    if value[:1] in "-+#.:=" or re.match(r"^\d+[.)]\s", value):
        value = "\\" + value
    return value

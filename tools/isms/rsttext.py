"""Data as reStructuredText text: a value from the sources appears exactly as written, never as markup."""

from __future__ import annotations

import re

# Markup characters, and the two that make standalone links of plain text (a@b.c becomes a mailto
# link, scheme:rest a URI) or a literal block (a paragraph ending in ::).
_SPECIAL = re.compile(r"([\\`*_|\[\]<>@:])")
_ENUMERATOR = re.compile(r"\d+[.)]\s")  # "1. " or "2) " at the start: a list item


_SPACES_BUT_IDEOGRAPHIC = re.compile(r"[^\S\u3000]+")


def esc(text: object) -> str:
    """Escape a data value for inline reST: it must appear exactly as written."""
    text = str(text)
    # Runs of whitespace become one space, except the ideographic space (U+3000), which Japanese
    # text uses on purpose (an address's building, a name's parts) and prints as it is.
    value = " ".join(text.split()) if "\u3000" not in text else _SPACES_BUT_IDEOGRAPHIC.sub(" ", text).strip(" ")
    if _SPECIAL.search(value):  # most values hold no markup character (a build escapes thousands)
        value = _SPECIAL.sub(r"\\\1", value)
    if value[:1] in "-+#.:=" or _ENUMERATOR.match(value):
        value = "\\" + value
    return value

"""reST building blocks of the document bodies: data escaped, tables, references, common phrases."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from isms.i18n import sep, t
from isms.model import ControlDecision, Document, Isms
from isms.model.people import party_text
from isms.rsttext import esc

__all__ = ["esc", "field_table", "list_table", "named", "party", "reasons_text", "ref", "role_text", "section", "status_text", "title"]


# The site's pages put the HTML this package writes (the heat map, the SoA filter) through a
# directive of its own: Sphinx runs with docutils' 'raw' disabled, so that no raw HTML a source might
# smuggle past the check reaches a page. Sources cannot use it: the check knows only docutils' directives.
HTML_DIRECTIVE = "isms-html"


def html_block(lines: Iterable[str]) -> str:
    """HTML written by this package (every value in it escaped by the caller), for the site's pages only."""
    return f".. {HTML_DIRECTIVE}::\n\n" + "\n".join("   " + line for line in lines) + "\n"


def title(text: str, char: str = "#", over: bool = True) -> str:
    # docutils counts East Asian wide characters as two columns.
    width = sum(2 if ord(ch) > 0x2E7F else 1 for ch in text) + 2
    line = char * width
    return f"{line}\n{text}\n{line}\n" if over else f"{text}\n{line}\n"


def section(text: str) -> str:
    return title(text, "*", over=True)


def list_table(header: Sequence[str] | None, rows: Iterable[Sequence[str]], widths: Sequence[int] | None = None, css: str | None = None) -> str:
    """Cells are already reST (escape data with esc()). header=None makes a table without a header row."""
    out = [".. list-table::", f"   :header-rows: {0 if header is None else 1}"]
    if widths:
        out.append("   :widths: " + " ".join(str(w) for w in widths))
    if css:
        out.append(f"   :class: {css}")
    out.append("")
    for row in [header, *rows] if header is not None else list(rows):
        for index, cell in enumerate(row):
            lines = str(cell).splitlines() or [""]
            bullet = "   * - " if index == 0 else "     - "
            out.append(bullet + (lines[0] if lines[0] else "\\ "))
            out.extend("       " + line for line in lines[1:])
    return "\n".join(out) + "\n"


def field_table(rows: Iterable[tuple[str, str]]) -> str:
    return list_table(None, rows, widths=(25, 75), css="isms-fields")


def ref(label: str, text: str | None = None) -> str:
    return f":ref:`{esc(text)} <{label}>`" if text else f":ref:`{label}`"


def named(doc: Document, lang: str) -> str:
    """A document by title and number, where nothing links (Word): 適用宣言書(ISMS-R-01)."""
    return esc(f"{doc.title}({doc.number})" if lang == "ja" else f"{doc.title} ({doc.number})")


def role_text(isms: Isms, role_id: str | None) -> str:
    role = isms.role(role_id)
    if role is None:
        return "—"
    people = {p.id: p.name for p in isms.profile.people}
    holders = sep(isms.lang).join(people.get(h, h) for h in role.holders)
    name = role.name if isms.lang == "ja" else role.name_en
    return f"{esc(name)} ({esc(holders)})" if holders else esc(name)


def party(isms: Isms, ident: str | None) -> str:
    """An owner, assessor or approver (a role, a person or a department's head), escaped."""
    return esc(party_text(isms.profile, ident)) if ident else "—"


def status_text(decision: ControlDecision, lang: str) -> str:
    src = decision.source
    if not src.applicable or src.status is None:
        return "—"
    text = t(f"status_{src.status.value}", lang)
    if src.target_date and src.status.value != "implemented":
        text += f" ({t('target_date', lang)} {src.target_date.isoformat()})"
    return text


def reasons_text(decision: ControlDecision, lang: str) -> str:
    src = decision.source
    if not src.applicable:
        return "—"
    return esc(sep(lang).join(t(f"reason_{r.value}", lang) for r in src.reasons))

"""The reST body of every document, shared by the HTML (Sphinx) and Word (pandoc) writers.

Generated sections use an over- and underlined '*' style that editors never use, so that a
procedure's own '=' and '-' sections nest below the generated "実施手順" section.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from isms.catalogue import ATTRIBUTE_NAMES, THEMES, value_name
from isms.i18n import sep, t
from isms.model import ControlDecision, Document, Isms
from isms.rsttext import esc


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


def role_text(isms: Isms, role_id: str | None) -> str:
    role = isms.role(role_id)
    if role is None:
        return "—"
    people = {p.id: p.name for p in isms.profile.people}
    holders = sep(isms.lang).join(people.get(h, h) for h in role.holders)
    name = role.name if isms.lang == "ja" else role.name_en
    return f"{esc(name)} ({esc(holders)})" if holders else esc(name)


def status_text(decision: ControlDecision, lang: str) -> str:
    src = decision.source
    if not src.applicable or src.status is None:
        return "—"
    text = t(src.status.value, lang)
    if src.target_date and src.status.value != "implemented":
        text += f" ({t('target_date', lang)} {src.target_date.isoformat()})"
    return text


def reasons_text(decision: ControlDecision, lang: str) -> str:
    src = decision.source
    if not src.applicable:
        return "—"
    return esc(sep(lang).join(t(r.value, lang) for r in src.reasons))


def document_ref(isms: Isms, key: str) -> str:
    """A related-document entry: a policy id, a control id, or a document id."""
    if key in isms.documents:
        doc = isms.documents[key]
        return f"{ref(doc.label)} ({esc(doc.number)})"
    control = next((c for c in isms.catalogue if c.id == key), None)
    if control is not None:
        return ref(f"ctl-{control.id}")
    return esc(key)


# --------------------------------------------------------------------------- control pages


def control_body(isms: Isms, decision: ControlDecision, with_attributes: bool = True) -> str:
    lang = isms.lang
    control, src = decision.control, decision.source
    doc = isms.documents.get(decision.document_id)
    parts: list[str] = []
    summary = control.summary_ja if lang == "ja" else control.summary_en
    parts.append(esc(summary) + "\n")
    parts.append(section(t("decision", lang)))
    rows = [
        (t("control", lang), esc(f"{control.id} {control.title_ja} ({control.title_en})" if lang == "ja" else f"{control.id} {control.title_en}")),
        (t("theme", lang), esc(THEMES[control.theme][lang])),
        (t("applicability", lang), t("yes" if src.applicable else "no", lang)),
    ]
    if src.applicable:
        reason = reasons_text(decision, lang)
        if src.reason_note:
            reason += "\n\n" + esc(src.reason_note)
        rows += [
            (t("reasons", lang), reason),
            (t("status", lang), status_text(decision, lang)),
        ]
    else:
        rows.append((t("exclusion", lang), esc(src.exclusion or "")))
    rows.append((t("owner", lang), role_text(isms, src.owner)))
    if doc is not None:
        rows += [
            (t("document_number", lang), esc(doc.number)),
            (t("classification", lang), esc(doc.classification.name if lang == "ja" else doc.classification.name_en)),
        ]
    parts.append(field_table(rows))
    if with_attributes:
        parts.append(section(t("attributes", lang)))
        attr_rows = [
            (esc(ATTRIBUTE_NAMES[name][lang]), esc(sep(lang).join(f"#{value_name(v, lang)}" for v in values)))
            for name, values in control.attributes.items()
        ]
        parts.append(field_table(attr_rows))
    if src.items:
        parts.append(section(t("items", lang)))
        rows_items = []
        for number, item in enumerate(src.items, start=1):
            technical = "—"
            if item.technical:
                months = item.review_months or isms.profile.review.technical_verification
                technical = t("every_months", lang, months=months)
            rows_items.append(
                (str(number), esc(item.text), t(item.level.value, lang), t(item.origin.value, lang), esc(item.reason) if item.reason else "—", technical)
            )
        header = ("No.", t("item_text", lang), t("level", lang), t("origin", lang), t("reason", lang), t("technical", lang))
        parts.append(list_table(header, rows_items, widths=(5, 40, 8, 8, 27, 12), css="isms-items"))
    if src.documents:
        parts.append(section(t("related", lang)))
        parts.append("\n".join(f"- {document_ref(isms, key)}" for key in src.documents) + "\n")
    if src.records:
        parts.append(section(t("records", lang)))
        parts.append("\n".join(f"- {esc(record)}" for record in src.records) + "\n")
    from isms.risk.pages import control_risks_section

    risks = control_risks_section(isms, decision)
    if risks:
        parts.append(risks)
    if decision.procedure is not None:
        parts.append(section(t("procedure", lang)))
        parts.append(decision.procedure.text)
    return "\n".join(parts)


# --------------------------------------------------------------------------- SoA


def soa_rows(isms: Isms, link: bool = True) -> list[tuple[str, ...]]:
    from isms.risk.pages import risk_refs

    lang = isms.lang
    rows = []
    for decision in isms.decisions:
        control, src = decision.control, decision.source
        name = control.title_ja if lang == "ja" else control.title_en
        reason = reasons_text(decision, lang)
        if src.applicable and src.reason_note:
            reason += ": " + esc(src.reason_note) if lang != "ja" else "：" + esc(src.reason_note)
        doc = isms.documents.get(decision.document_id)
        procedure = (f":ref:`{esc(doc.number)} <{doc.label}>`" if link else esc(doc.number)) if doc else "—"
        rows.append(
            (
                control.id,
                (f":ref:`{esc(name)} <ctl-{control.id}>`" if link else esc(name)),
                t("yes" if src.applicable else "no", lang),
                reason,
                status_text(decision, lang),
                esc(src.exclusion) if not src.applicable and src.exclusion else "—",
                procedure,
                risk_refs(isms, control.id, link),
            )
        )
    return rows


def soa_header(lang: str) -> tuple[str, ...]:
    from isms.risk.pages import risks_column_title

    return ("No.", t("control", lang), t("applicability", lang), t("reasons", lang), t("status", lang), t("exclusion", lang), t("procedure_doc", lang), risks_column_title(lang))


def soa_body(isms: Isms, link: bool = True) -> str:
    lang = isms.lang
    applicable = sum(1 for d in isms.decisions if d.source.applicable)
    intro = t("soa_intro", lang, total=len(isms.decisions), applicable=applicable, excluded=len(isms.decisions) - applicable)
    table = list_table(soa_header(lang), soa_rows(isms, link), widths=(5, 16, 6, 24, 11, 15, 11, 12), css="isms-soa")
    return intro + "\n\n" + table


# --------------------------------------------------------------------------- document register


def register_rows(isms: Isms, documents: Sequence[Document] | None = None) -> list[tuple[str, ...]]:
    lang = isms.lang
    rows = []
    for doc in documents or ordered_documents(isms):
        version = isms.versions.get(doc.id)
        rows.append(
            (
                esc(doc.number),
                ref(doc.label, doc.title if lang == "ja" else doc.title_en),
                t(f"kind_{doc.kind}", lang),
                esc(doc.classification.name if lang == "ja" else doc.classification.name_en),
                role_text(isms, doc.owner.id if doc.owner else None),
                esc(version.label(lang)) if version else "—",
                esc(version.date_text()) if version else "—",
            )
        )
    return rows


def register_body(isms: Isms) -> str:
    lang = isms.lang
    header = (t("document_number", lang), t("title", lang), t("kind", lang), t("classification", lang), t("owner", lang), t("version", lang), t("date", lang))
    intro = t("register_intro", lang)
    return intro + "\n\n" + list_table(header, register_rows(isms), widths=(14, 34, 10, 10, 18, 7, 12), css="isms-register")


def ordered_documents(isms: Isms) -> list[Document]:
    order = {"manual": 0, "policy": 1, "procedure": 2, "soa": 3, "register": 4, "checklist": 5}
    from isms.sources.schema import natural_key

    return sorted(isms.documents.values(), key=lambda d: (order[d.kind], natural_key(d.control_id) if d.control_id else (0,)))

"""The reST body of every document, shared by the HTML (Sphinx) and Word (pandoc) writers.

Generated sections use an over- and underlined '*' style that editors never use, so that a
procedure's own '=' and '-' sections nest below the generated "実施手順" section.
"""

from __future__ import annotations

from isms.bodies.risk import control_risks_section, risk_refs
from isms.bodies.text import esc, field_table, list_table, named, reasons_text, ref, role_text, section, status_text
from isms.i18n import sep, t
from isms.model import ControlDecision, Isms
from isms.model.versions import DocumentVersion


def document_ref(isms: Isms, key: str) -> str:
    """A related-document entry: a policy id, a control id, or a document id."""
    if key in isms.documents:
        doc = isms.documents[key]
        return f"{ref(doc.label)} ({esc(doc.number)})"
    if key in isms.withheld:  # left out for this build's audience: no title
        return f"{esc(t('withheld_reference', isms.lang))} ({esc(isms.withheld[key].number)})"
    control = next((c for c in isms.catalogue if c.id == key), None)
    if control is not None:
        return ref(f"ctl-{control.id}")
    return esc(key)


# --------------------------------------------------------------------------- control pages


def control_body(isms: Isms, decision: ControlDecision) -> str:
    lang = isms.lang
    control, src = decision.control, decision.source
    doc = isms.documents.get(decision.document_id)
    parts: list[str] = []
    summary = control.summary_ja if lang == "ja" else control.summary_en
    parts.append(esc(summary) + "\n")
    parts.append(section(t("decision", lang)))
    rows = [
        (t("control", lang), esc(f"{control.id} {control.title_ja} ({control.title_en})" if lang == "ja" else f"{control.id} {control.title_en}")),
        (t("theme", lang), esc(t(f"theme_{control.theme}", lang))),
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
    if src.assets:
        names = {a.id: a.name for a in isms.risks.assets}
        rows.append((t("control_assets", lang), "\n".join(f"- {esc(a)} {esc(names.get(a, ''))}".rstrip() for a in src.assets)))
    if doc is not None:
        rows += [
            (t("document_number", lang), esc(doc.number)),
            (t("classification", lang), esc(doc.classification.name if lang == "ja" else doc.classification.name_en)),
        ]
    parts.append(field_table(rows))
    parts.append(section(t("attributes", lang)))
    attr_rows = [
        (esc(t(f"attr_{name}", lang)), esc(sep(lang).join("#" + t(f"attr_value_{v}", lang) for v in values)))
        for name, values in control.attributes.items()
    ]
    parts.append(field_table(attr_rows))
    if decision.document_id in isms.withheld:  # the procedure document is not for this build's audience
        parts.append(t("withheld_procedure", lang) + "\n")
        return "\n".join(parts)
    if src.items:
        parts.append(section(t("items", lang)))
        rows_items = []
        for number, item in enumerate(src.items, start=1):
            technical = "—"
            if item.technical:
                months = item.review_months or isms.profile.review.technical_verification
                technical = t("every_months", lang, months=months)
            rows_items.append(
                (str(number), esc(item.text), t(f"level_{item.level.value}", lang), t(f"origin_{item.origin.value}", lang), esc(item.reason) if item.reason else "—", technical)
            )
        header = (t("col_no", lang), t("item_text", lang), t("level", lang), t("origin", lang), t("reason", lang), t("technical", lang))
        parts.append(list_table(header, rows_items, widths=(5, 40, 8, 8, 27, 12), css="isms-items"))
    if src.documents:
        parts.append(section(t("related", lang)))
        parts.append("\n".join(f"- {document_ref(isms, key)}" for key in src.documents) + "\n")
    if src.records:
        parts.append(section(t("records", lang)))
        parts.append("\n".join(f"- {esc(record)}" for record in src.records) + "\n")
    risks = control_risks_section(isms, decision)
    if risks:
        parts.append(risks)
    if decision.procedure is not None:
        parts.append(section(t("procedure", lang)))
        parts.append(decision.procedure.text)
    return "\n".join(parts)


# --------------------------------------------------------------------------- SoA


# The SoA's columns, as an auditor reads them: the control, whether it applies and why (or why not),
# how far it is implemented, who owns it, its procedure and the risks it treats.
SOA_COLUMNS = ("id", "control", "applicable", "reasons", "exclusion", "status", "owner", "procedure", "risks")
SOA_WIDTHS = (4, 11, 5, 37, 7, 7, 12, 8, 9)  # 除外の理由 fits its header on one line, トップマネジメント its cell


def soa_rows(isms: Isms, link: bool = True) -> list[tuple[str, ...]]:
    lang = isms.lang
    rows = []
    for decision in isms.decisions:
        control, src = decision.control, decision.source
        name = control.title_ja if lang == "ja" else control.title_en
        reason = reasons_text(decision, lang)
        if src.applicable and src.reason_note:
            reason += t("reason_note", lang, note=esc(src.reason_note))
        doc = isms.documents.get(decision.document_id)
        procedure = (f":ref:`{esc(doc.number)} <{doc.label}>`" if link else esc(doc.number)) if doc else "—"
        owner = isms.role(src.owner)
        if decision.document_id in isms.withheld:
            procedure = esc(isms.withheld[decision.document_id].number)
        rows.append(
            (
                control.id,
                (f":ref:`{esc(name)} <ctl-{control.id}>`" if link else esc(name)),
                t("yes" if src.applicable else "no", lang),
                reason,
                esc(src.exclusion) if not src.applicable and src.exclusion else "—",
                status_text(decision, lang),
                esc(owner.name if lang == "ja" else owner.name_en) if owner else "—",
                procedure,
                risk_refs(isms, control.id, link),
            )
        )
    return rows


def soa_header(lang: str) -> tuple[str, ...]:
    words = {"id": t("col_no", lang), "risks": t("soa_risks", lang), "procedure": t("procedure_doc", lang), "applicable": t("applicability", lang)}
    return tuple(words.get(column) or t(column, lang) for column in SOA_COLUMNS)


def soa_body(isms: Isms, link: bool = True) -> str:
    lang = isms.lang
    applicable = sum(1 for d in isms.decisions if d.source.applicable)
    intro = t("soa_intro", lang, total=len(isms.decisions), applicable=applicable, excluded=len(isms.decisions) - applicable)
    scope = isms.documents.get("scope")
    if scope is not None:  # the criteria the decisions rest on
        intro += "\n\n" + t("see_scope", lang, ref=ref("scope") if link else named(scope, lang))
    table = list_table(soa_header(lang), soa_rows(isms, link), widths=SOA_WIDTHS, css="isms-soa")
    return intro + "\n\n" + table


# --------------------------------------------------------------------------- document register


def register_rows(isms: Isms, versions: dict[str, DocumentVersion], link: bool = True) -> list[tuple[str, ...]]:
    lang = isms.lang
    rows = []
    for doc in isms.ordered_documents:
        version = versions.get(doc.id)
        rows.append(
            (
                esc(doc.number),
                ref(doc.label, doc.title) if link else esc(doc.title),
                t(f"kind_{doc.kind}", lang),
                esc(doc.classification.name if lang == "ja" else doc.classification.name_en),
                role_text(isms, doc.owner.id if doc.owner else None),
                esc(version.label(lang)) if version else "—",
                esc(version.date_text()) if version else "—",
            )
        )
    return rows


def register_body(isms: Isms, versions: dict[str, DocumentVersion], link: bool = True) -> str:
    """The register lists every document's version: it is built with the versions (render stage)."""
    lang = isms.lang
    header = (t("document_number", lang), t("title", lang), t("kind", lang), t("classification", lang), t("owner", lang), t("version", lang), t("date", lang))
    intro = t("register_intro", lang)
    return intro + "\n\n" + list_table(header, register_rows(isms, versions, link), widths=(14, 31, 10, 10, 18, 10, 12), css="isms-register")

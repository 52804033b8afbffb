"""reST bodies of the risk documents: 資産目録, リスクアセスメント結果報告書, リスク対応計画 and
内部監査チェックリスト, plus the traceability cells the SoA and control pages show.

Bodies are plain list-tables so pandoc can read them too; the only raw HTML is the heat map
(``heatmap_html``), and ``risk_report_body(isms, html=False)`` swaps it for a list-table whose cells
the Word writer shades (``heatmap_table``). With ``link=False`` (Word) nothing links: documents are
named by title and number instead.
"""

from __future__ import annotations

from isms.bodies.text import esc, html_block, list_table, named, party, ref, role_text, section, status_text
from isms.i18n import sep, t
from isms.model import ControlDecision, Isms
from isms.model.readiness import RECORD_DOCUMENTS
from isms.model.risk import Risk
from isms.sources.catalogue import THEMES, load_clauses
from isms.sources.risk_schema import Treatment

RESULTS = ("audit_conform", "audit_nonconform", "audit_observation")  # the boxes of the result cell

def _assets_ref(isms: Isms, link: bool) -> str:
    doc = isms.documents.get("assets")
    if doc is None:  # left out for this build's audience
        return esc(isms.withheld["assets"].number) if "assets" in isms.withheld else "—"
    return ref("assets") if link else esc(doc.number)


def _published(isms: Isms) -> bool:
    """The risks are shown where the risk assessment report is part of the build (its audience)."""
    return "risk-report" in isms.documents


def risk_ref(risk: Risk, link: bool = True) -> str:
    return f":ref:`{esc(risk.id)} <{risk.anchor}>`" if link else esc(risk.id)


def risk_refs(isms: Isms, control_id: str, link: bool = True) -> str:
    """The risks a control treats, for the SoA column: linked ids, or '—'."""
    risks = isms.risks.for_control(control_id) if _published(isms) else []
    return ", ".join(risk_ref(r, link) for r in risks) if risks else "—"


def _controls_text(risk: Risk, link: bool = True) -> str:
    if not risk.controls:
        return "—"
    return ", ".join(ref(f"ctl-{cid}", cid) if link else esc(cid) for cid in risk.controls)


def control_risks_section(isms: Isms, decision: ControlDecision) -> str:
    """Section of a control page: the risks whose treatment uses the control ('' when none)."""
    risks = isms.risks.for_control(decision.id) if _published(isms) else []
    if not risks:
        return ""
    lines = []
    for r in risks:
        asset = r.asset.name if r.asset else r.asset_id
        values = t("control_risk_values", isms.lang, value=r.value, residual=r.residual)
        lines.append(f"- {risk_ref(r)} {esc(asset)}: {esc(r.threat)} ({values})")
    return section(t("control_risks", isms.lang)) + "\n" + "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- asset inventory


def assets_body(isms: Isms, link: bool = True) -> str:
    lang = isms.lang
    register = isms.risks
    manual = isms.documents.get("manual")
    criteria = t("assets_criteria", lang, manual=ref("manual") if link and manual else named(manual, lang) if manual else "—")
    intro = t("assets_intro", lang, count=len(register.assets), criteria=criteria) + "\n"
    keys = ("col_id", "asset", "asset_form", "asset_owner", "asset_location", "asset_c", "asset_i", "asset_a", "inventory_value", "inventory_risks")
    header = tuple(t(key, lang) for key in keys)
    parts = [intro]
    groups: dict[str, list] = {}
    for asset in register.assets:
        groups.setdefault(asset.group, []).append(asset)
    for group, assets in groups.items():
        rows = []
        for a in assets:
            risks = register.for_asset(a.id)
            rows.append(
                (
                    esc(a.id), esc(a.name) + (f"\n\n{esc(a.note)}" if a.note else ""), esc(a.form_name(isms.lang)), party(isms, a.owner), esc(a.location),
                    str(a.confidentiality), str(a.integrity), str(a.availability), f"**{a.value}**",
                    ", ".join(risk_ref(r, link) for r in risks) or "—",
                )
            )
        parts.append(section(esc(group)))
        parts.append(list_table(header, rows, widths=(6, 20, 6, 16, 18, 4, 4, 4, 6, 16), css="isms-assets"))
    return "\n".join(parts)


# --------------------------------------------------------------------------- risk assessment report


def _scale_values(isms: Isms, name: str) -> list[int]:
    return sorted(level.value for level in getattr(isms.profile.risk, name))


def _heat_class(impact: int, likelihood: int, isms: Isms) -> str:
    top = max(_scale_values(isms, "impact")) * max(_scale_values(isms, "likelihood"))
    share = impact * likelihood / top
    if share >= 2 / 3:  # 3x3: 6 and 9
        return "isms-heat-high"
    if share >= 1 / 3:  # 3x3: 3 and 4
        return "isms-heat-mid"
    return "isms-heat-low"


def _cells(isms: Isms, residual: bool) -> dict[tuple[int, int], list[Risk]]:
    cells: dict[tuple[int, int], list[Risk]] = {}
    for r in isms.risks.risks:
        key = (r.residual_impact, r.residual_likelihood) if residual else (r.impact, r.likelihood)
        cells.setdefault(key, []).append(r)
    return cells


def _h(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def heatmap_html(isms: Isms, residual: bool = False) -> str:
    """The impact x likelihood heat map as a raw HTML table (count and risk ids per cell)."""
    lang = isms.lang
    impacts, likelihoods = _scale_values(isms, "impact"), _scale_values(isms, "likelihood")
    cells = _cells(isms, residual)
    caption = t("heatmap_after" if residual else "heatmap_before", lang)
    kind = "residual" if residual else "inherent"
    html = [f'<table class="isms-heatmap" data-heatmap="{kind}">', f"<caption>{_h(caption)}</caption>"]
    html.append("<tr><th>" + _h(t("heatmap_corner", lang)) + "</th>" + "".join(f"<th>{i}</th>" for i in impacts) + "</tr>")
    for likelihood in reversed(likelihoods):
        row = [f"<th>{likelihood}</th>"]
        for impact in impacts:
            risks = cells.get((impact, likelihood), [])
            links = " ".join(f'<a href="#{r.anchor}">{_h(r.id)}</a>' for r in risks)
            count = t("heatmap_count", lang, count=len(risks))
            row.append(f'<td class="{_heat_class(impact, likelihood, isms)}"><strong>{count}</strong><br>{links}</td>')
        html.append("<tr>" + "".join(row) + "</tr>")
    html.append("</table>")
    return html_block(html)


def heatmap_table(isms: Isms, residual: bool = False, link: bool = True) -> str:
    """The heat map as a list-table (Word/pandoc). Each cell is a container with the class of the HTML
    cell (isms-heat-high/-mid/-low; isms-heat-axis for the scales), which the Word writer turns into
    the cell's shading."""
    lang = isms.lang
    impacts, likelihoods = _scale_values(isms, "impact"), _scale_values(isms, "likelihood")
    cells = _cells(isms, residual)
    header = (esc(t("heatmap_corner", lang)), *(_container("isms-heat-axis", _scale_text(isms, "impact", i)) for i in impacts))
    rows = []
    for likelihood in reversed(likelihoods):
        row = [_container("isms-heat-axis", f"**{_scale_text(isms, 'likelihood', likelihood)}**")]
        for impact in impacts:
            risks = cells.get((impact, likelihood), [])
            count = t("heatmap_count", lang, count=len(risks))
            content = f"**{count}**" + ("\n\n" + " ".join(risk_ref(r, link) for r in risks) if risks else "")
            row.append(_container(_heat_class(impact, likelihood, isms), content))
        rows.append(tuple(row))
    return list_table(header, rows, widths=(22, *(78 // len(impacts),) * len(impacts)), css="isms-heatmap-table")


def _container(css: str, content: str) -> str:
    return f".. container:: {css}\n\n" + "\n".join("   " + line if line else line for line in content.splitlines())


def _scale_text(isms: Isms, name: str, value: int) -> str:
    """'3(大)': a level of the impact or likelihood scale with its label."""
    label = next((level.label for level in getattr(isms.profile.risk, name) if level.value == value), "")
    if not label:
        return str(value)
    return esc(t("scale_level", isms.lang, value=value, label=label))


def _risk_state(isms: Isms, r: Risk) -> str:
    if not r.residual_above_threshold:
        return t("risk_within", isms.lang)
    if r.approval is not None:
        return t("risk_approved", isms.lang, date=r.approval.date.isoformat())
    return t("not_approved", isms.lang)


def risk_rows(isms: Isms, link: bool = True) -> list[tuple[str, ...]]:
    rows = []
    for r in isms.risks.risks:
        first = f".. _{r.anchor}:\n\n{esc(r.id)}" if link else esc(r.id)
        asset = f"{esc(r.asset_id)} {esc(r.asset.name)}" if r.asset else esc(r.asset_id)
        threat = f"{esc(r.threat)}\n\n" + t("risk_vulnerability", isms.lang, vulnerability=esc(r.vulnerability))
        value = f"**{r.value}**" if r.above_threshold else str(r.value)
        rows.append(
            (
                first, asset, threat, party(isms, r.owner), str(r.asset_value), str(r.impact), str(r.likelihood), value,
                esc(r.treatment_name(isms.lang)), _controls_text(r, link),
                f"{r.asset_value}×{r.residual_impact}×{r.residual_likelihood} = {r.residual}", _risk_state(isms, r),
            )
        )
    return rows


def risk_header(lang: str) -> tuple[str, ...]:
    keys = (
        "col_id", "asset", "threat_vulnerability", "risk_owner", "asset_value", "impact", "likelihood", "risk_value", "treatment", "risk_controls",
        "residual", "risk_state",
    )
    return tuple(t(key, lang) for key in keys)


def risk_report_body(isms: Isms, html: bool = True, link: bool = True) -> str:
    lang = isms.lang
    register = isms.risks
    threshold = isms.profile.risk.acceptance_threshold
    risks = register.risks
    above = [r for r in risks if r.above_threshold]
    residual_above = [r for r in risks if r.residual_above_threshold]
    counts = {treatment: sum(1 for r in risks if r.treatment is treatment) for treatment in Treatment}
    # "資産目録(ISMS-R-04)": the title once (a link on the site), then the number.
    doc = isms.documents.get("assets")
    document = (f"{ref('assets')}\\ ({esc(doc.number)})" if link else named(doc, lang)) if doc is not None else _assets_ref(isms, link)
    inventory = t("report_inventory", lang, document=document)
    parts = [t("report_intro", lang, inventory=inventory, count=len(register.assets), threshold=threshold) + "\n"]
    parts.append(section(t("report_summary", lang)))
    approved_above = sum(1 for r in residual_above if r.approval)
    summary = [
        (t("report_identified", lang), f"{len(risks)}"),
        (t("report_above", lang, threshold=threshold), f"{len(above)}"),
        (t("report_treatments", lang), sep(lang).join(f"{t(f'treatment_{treatment.value}', lang)} {counts[treatment]}" for treatment in Treatment)),
        (t("report_residual_above", lang), f"{len(residual_above)}" + t("report_residual_approved", lang, count=approved_above)),
        (t("report_assessment", lang), _assessments(isms, link)),
    ]
    parts.append(list_table(None, summary, widths=(35, 65), css="isms-fields"))
    parts.append(section(t("report_heatmap", lang)))
    parts.append(t("report_heatmap_note", lang) + "\n")
    for residual in (False, True):
        if html:
            parts.append(heatmap_html(isms, residual))
        else:
            label = t("heatmap_label_after" if residual else "heatmap_label_before", lang)
            parts.append(f"**{label}**\n")
            parts.append(heatmap_table(isms, residual, link))
    parts.append(section(t("report_register", lang)))
    parts.append(list_table(risk_header(lang), risk_rows(isms, link), widths=(6, 11, 20, 10, 4, 4, 4, 5, 6, 9, 10, 11), css="isms-risks"))
    parts.append(section(t("report_approvals", lang)))
    approved = [r for r in risks if r.approval is not None]
    if approved:
        header = tuple(t(key, lang) for key in ("col_id", "residual", "approved_by", "approval_date", "approval_reason"))
        rows = [
            (risk_ref(r, link), str(r.residual), role_text(isms, r.approval.by), r.approval.date.isoformat(), esc(r.approval.note or "—"))
            for r in approved
            if r.approval is not None
        ]
        parts.append(list_table(header, rows, widths=(8, 10, 22, 12, 48), css="isms-approvals"))
    else:
        parts.append(t("report_no_approval", lang) + "\n")
    parts.append(section(t("report_owner_approvals", lang)))
    parts.append(_owner_approvals(isms, link))
    interim = [r for r in risks if r.interim is not None]
    if interim:
        parts.append(section(t("report_interim", lang)))
        approver = isms.role(isms.profile.risk.residual_approver)
        name = (approver.name if lang == "ja" else approver.name_en) if approver else isms.profile.risk.residual_approver
        parts.append(t("report_interim_note", lang, threshold=threshold, approver=esc(name)) + "\n")
        header = tuple(t(key, lang) for key in ("col_id", "interim_controls", "residual", "interim_residual", "interim_until", "approved_by", "approval_date", "approval_reason"))
        parts.append(list_table(header, interim_rows(isms, link), widths=(7, 16, 7, 8, 10, 14, 10, 28), css="isms-interim"))
    return "\n".join(parts)


def _assessments(isms: Isms, link: bool) -> str:
    """The assessment dates and assessors: the register's, and the risks assessed on their own."""
    groups: dict[tuple[str, str], list[Risk]] = {}
    for r in isms.risks.risks:
        key = (r.assessed_on.isoformat() if r.assessed_on else "—", r.assessor or "")
        groups.setdefault(key, []).append(r)
    if not groups:
        return "—"
    main = max(groups, key=lambda key: len(groups[key]))
    lines = []
    for key, risks in groups.items():
        date, assessor = key
        who = party(isms, assessor) if assessor else "—"
        if key == main:
            lines.append(t("report_assessment_value", isms.lang, date=date, assessor=who))
        else:
            lines.append(t("report_assessment_risks", isms.lang, date=date, assessor=who, risks=", ".join(risk_ref(r, link) for r in risks)))
    return "\n\n".join(lines)


def _owner_approvals(isms: Isms, link: bool) -> str:
    """One row per owner and date: who approved the treatment plan and residual risk of which risks."""
    lang = isms.lang
    groups: dict[tuple[str, str], list[Risk]] = {}
    for r in isms.risks.risks:
        if r.owner_approval is not None:
            groups.setdefault((r.owner_approval.by, r.owner_approval.date.isoformat()), []).append(r)
    if not groups:
        return t("report_no_owner_approval", lang) + "\n"
    header = tuple(t(key, lang) for key in ("risk_owner", "approval_date", "approval_risks"))
    rows = [(party(isms, by), date, ", ".join(risk_ref(r, link) for r in risks)) for (by, date), risks in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0]))]
    return t("report_owner_approvals_note", lang) + "\n\n" + list_table(header, rows, widths=(25, 12, 63), css="isms-owner-approvals")


def _pending(isms: Isms, r: Risk, link: bool) -> str:
    out = []
    for cid in r.controls:
        decision = isms.decision(cid)
        if decision is None or not decision.source.applicable or decision.source.status is None or decision.source.status.value == "implemented":
            continue
        out.append(f"{ref(f'ctl-{cid}', cid) if link else esc(cid)} {status_text(decision, isms.lang)}")
    return "\n\n".join(out) or "—"


def interim_rows(isms: Isms, link: bool = True) -> list[tuple[str, ...]]:
    rows = []
    for r in isms.risks.risks:
        interim = r.interim
        if interim is None:
            continue
        rows.append(
            (
                risk_ref(r, link), _pending(isms, r, link), str(r.residual),
                f"{r.asset_value}×{interim.impact}×{interim.likelihood} = {r.interim_residual}",
                interim.until.isoformat(), party(isms, interim.by), interim.date.isoformat(), esc(interim.note or "—"),
            )
        )
    return rows


# --------------------------------------------------------------------------- risk treatment plan


def risk_plan_rows(isms: Isms, link: bool = True) -> list[tuple[str, ...]]:
    rows = []
    for r in isms.risks.risks:
        if not r.above_threshold and r.treatment in (None, Treatment.accept):
            continue
        controls = []
        for cid in r.controls:
            decision = isms.decision(cid)
            state = status_text(decision, isms.lang) if decision else "—"
            controls.append(f"- {ref(f'ctl-{cid}', cid) if link else esc(cid)} {esc(decision.control.title(isms.lang)) if decision else ''} ({state})")
        plan = "\n".join(controls) or "—"
        if r.plan:
            plan += "\n\n" + esc(r.plan)
        if r.transferred_to:
            plan += "\n\n" + t("transferred_to", isms.lang, party=esc(r.transferred_to))
        if r.removes:
            plan += "\n\n" + t("removes", isms.lang, what=esc(r.removes))
        if r.interim is not None:
            interim = r.interim
            plan += "\n\n" + t(
                "plan_interim", isms.lang, residual=r.interim_residual, until=interim.until.isoformat(), by=party(isms, interim.by), date=interim.date.isoformat()
            )
        state = _risk_state(isms, r)
        if r.owner_approval is not None:
            state += "\n\n" + t("plan_owner_approved", isms.lang, date=r.owner_approval.date.isoformat())
        rows.append(
            (risk_ref(r, link), esc(r.asset.name) if r.asset else esc(r.asset_id), str(r.value), esc(r.treatment_name(isms.lang)), plan, party(isms, r.owner), str(r.residual), state)
        )
    return rows


def risk_plan_body(isms: Isms, link: bool = True) -> str:
    lang = isms.lang
    intro = t("plan_intro", lang, threshold=isms.profile.risk.acceptance_threshold) + "\n"
    header = tuple(t(key, lang) for key in ("col_id", "asset", "risk_value", "treatment", "plan_controls", "risk_owner", "residual", "risk_state"))
    return intro + "\n" + list_table(header, risk_plan_rows(isms, link), widths=(6, 14, 6, 6, 36, 14, 6, 12), css="isms-risk-plan")


# --------------------------------------------------------------------------- internal audit checklist


def audit_clause_rows(isms: Isms, link: bool = True) -> list[tuple[str, ...]]:
    lang = isms.lang
    known = isms.labels
    rows = []
    for clause in load_clauses():
        for needed in clause["documents"]:
            question = t("audit_clause_question", lang, id=clause["id"], title=clause["title"][lang], document=needed[lang])
            where = [label for label in needed.get("where", []) if label in known]
            record = RECORD_DOCUMENTS.get(needed.get("record", ""))  # the record set that keeps it
            if record in isms.documents:
                where.append(isms.documents[record].label)
            if where and link:
                evidence = ", ".join(ref(label) for label in where)
            elif where:
                evidence = sep(lang).join(_where_text(isms, label, needed[lang]) for label in where)
            else:
                evidence = esc(needed[lang])
            rows.append((esc(question), evidence, _result_boxes(lang, link), ""))
    return rows


def _result_boxes(lang: str, link: bool) -> str:
    """The result cell. In Word (link=False) one box a paragraph: a narrow cell would break 観察事項."""
    boxes = [f"☐ {t(key, lang)}" for key in RESULTS]
    return " ".join(boxes) if link else "\n\n".join(boxes)


def _where_text(isms: Isms, label: str, fallback: str) -> str:
    """A document (or a clause of the manual) by title and number, for Word where nothing links."""
    doc = next((d for d in isms.documents.values() if d.label == label), None)
    clause = label.removeprefix("clause-") if label.startswith("clause-") else None
    if doc is None and clause is not None:
        doc = isms.documents.get("manual")
    if doc is None:
        return esc(fallback)
    name = doc.title if clause is None else t("where_clause", isms.lang, document=doc.title, clause=clause)
    return esc(t("document_with_number", isms.lang, name=name, number=doc.number))


def audit_control_rows(isms: Isms, link: bool = True) -> list[tuple[str, ...]]:
    lang = isms.lang
    rows = []
    for decision in isms.decisions:
        if not decision.source.applicable:
            continue
        doc = isms.documents.get(decision.document_id)
        number = doc.number if doc else decision.id
        name = f"{decision.id} {decision.control.title(lang)}"
        target = ref(f"ctl-{decision.id}", name) if link else esc(name)
        question = t("audit_control_question", lang, control=target, number=esc(number))
        mandatory = sum(1 for item in decision.source.items if item.level.value == "mandatory")
        if mandatory:
            question += t("audit_mandatory", lang, count=mandatory)
        records = "\n".join(f"- {esc(record)}" for record in decision.source.records) or "—"
        rows.append((question, records, _result_boxes(lang, link), ""))
    return rows


def audit_header(lang: str) -> tuple[str, ...]:
    return tuple(t(key, lang) for key in ("audit_item", "audit_records", "audit_result", "audit_findings"))


def audit_checklist_body(isms: Isms, link: bool = True) -> str:
    lang = isms.lang
    header = audit_header(lang)
    parts = [t("audit_intro", lang) + "\n", section(t("audit_clauses", lang))]
    widths = (40, 30, 15, 15) if link else (38, 26, 12, 24)  # Word: the boxes one a line, room to write findings
    parts.append(list_table(header, audit_clause_rows(isms, link), widths=widths, css="isms-audit"))
    applicable = [d for d in isms.decisions if d.source.applicable]
    control_rows = list(zip(applicable, audit_control_rows(isms, link), strict=True))
    for theme, number in THEMES.items():
        rows = [row for decision, row in control_rows if decision.control.theme == theme]
        if not rows:
            continue
        parts.append(section(t("audit_theme", lang, number=number, theme=t(f"theme_{theme}", lang))))
        parts.append(list_table(header, rows, widths=widths, css="isms-audit"))
    return "\n".join(parts)

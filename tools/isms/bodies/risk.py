"""reST bodies of the risk documents: 資産目録, リスクアセスメント結果報告書, リスク対応計画 and
内部監査チェックリスト, plus the traceability cells the SoA and control pages show.

Bodies are plain list-tables so pandoc can read them too; the only raw HTML is the heat map
(``heatmap_html``), and ``risk_report_body(isms, html=False)`` swaps it for a list-table whose cells
the Word writer shades (``heatmap_table``). With ``link=False`` (Word) nothing links: documents are
named by title and number instead.
"""

from __future__ import annotations

from isms.bodies.text import esc, list_table, ref, role_text, section, status_text
from isms.model import ControlDecision, Isms
from isms.model.risk import Risk
from isms.sources.catalogue import THEMES, load_clauses
from isms.sources.risk_schema import TREATMENT_NAMES, Treatment

RESULT_BOXES = "☐ 適合 ☐ 不適合 ☐ 観察事項"
RESULT_BOXES_EN = "☐ conform ☐ nonconform ☐ observation"


def _ja(isms: Isms) -> bool:
    return isms.lang == "ja"


def risk_ref(risk: Risk, link: bool = True) -> str:
    return f":ref:`{esc(risk.id)} <{risk.anchor}>`" if link else esc(risk.id)


def risk_refs(isms: Isms, control_id: str, link: bool = True) -> str:
    """The risks a control treats, for the SoA column: linked ids, or '—'."""
    risks = isms.risks.for_control(control_id)
    return ", ".join(risk_ref(r, link) for r in risks) if risks else "—"


def risks_column_title(lang: str) -> str:
    return "対応するリスク" if lang == "ja" else "Risks treated"


def _controls_text(risk: Risk, link: bool = True) -> str:
    if not risk.controls:
        return "—"
    return ", ".join(ref(f"ctl-{cid}", cid) if link else esc(cid) for cid in risk.controls)


def control_risks_section(isms: Isms, decision: ControlDecision) -> str:
    """Section of a control page: the risks whose treatment uses the control ('' when none)."""
    risks = isms.risks.for_control(decision.id)
    if not risks:
        return ""
    ja = _ja(isms)
    lines = []
    for r in risks:
        asset = r.asset.name if r.asset else r.asset_id
        values = f"リスク値 {r.value} → 残留リスク {r.residual}" if ja else f"risk {r.value} → residual {r.residual}"
        lines.append(f"- {risk_ref(r)} {esc(asset)}: {esc(r.threat)} ({values})")
    heading = "このリスク対応で低減するリスク" if ja else "Risks this control treats"
    return section(heading) + "\n" + "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- asset inventory


def assets_body(isms: Isms, link: bool = True) -> str:
    ja = _ja(isms)
    register = isms.risks
    intro = (
        f"ISMS適用範囲の情報資産 {len(register.assets)} 件の一覧。資産価値は機密性(C)+完全性(I)+可用性(A)で算出する"
        f"(評価基準は\\ {ref('manual') if link else 'ISMS管理マニュアル'}\\ のリスク基準による)。\n"
        if ja
        else f"The {len(register.assets)} information assets in the ISMS scope. Asset value = confidentiality + integrity + availability.\n"
    )
    header = (
        ("ID", "情報資産", "形態", "管理責任者", "保管場所・所在", "C", "I", "A", "資産価値", "リスク")
        if ja
        else ("ID", "Asset", "Form", "Owner", "Location", "C", "I", "A", "Value", "Risks")
    )
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
                    esc(a.id), esc(a.name), esc(a.form_name(isms.lang)), role_text(isms, a.owner), esc(a.location),
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
    ja = _ja(isms)
    impacts, likelihoods = _scale_values(isms, "impact"), _scale_values(isms, "likelihood")
    cells = _cells(isms, residual)
    caption = ("リスク対応後(残留リスク)" if residual else "リスク対応前") if ja else ("after treatment (residual)" if residual else "before treatment")
    kind = "residual" if residual else "inherent"
    html = [f'<table class="isms-heatmap" data-heatmap="{kind}">', f"<caption>{_h(caption)}</caption>"]
    corner = "発生頻度 \\ 影響度" if ja else "Likelihood \\ impact"
    html.append("<tr><th>" + _h(corner) + "</th>" + "".join(f"<th>{i}</th>" for i in impacts) + "</tr>")
    for likelihood in reversed(likelihoods):
        row = [f"<th>{likelihood}</th>"]
        for impact in impacts:
            risks = cells.get((impact, likelihood), [])
            links = " ".join(f'<a href="#{r.anchor}">{_h(r.id)}</a>' for r in risks)
            count = f"{len(risks)}件" if ja else str(len(risks))
            row.append(f'<td class="{_heat_class(impact, likelihood, isms)}"><strong>{count}</strong><br>{links}</td>')
        html.append("<tr>" + "".join(row) + "</tr>")
    html.append("</table>")
    return ".. raw:: html\n\n" + "\n".join("   " + line for line in html) + "\n"


def heatmap_table(isms: Isms, residual: bool = False, link: bool = True) -> str:
    """The heat map as a list-table (Word/pandoc). Each cell is a container with the class of the HTML
    cell (isms-heat-high/-mid/-low; isms-heat-axis for the scales), which the Word writer turns into
    the cell's shading."""
    ja = _ja(isms)
    impacts, likelihoods = _scale_values(isms, "impact"), _scale_values(isms, "likelihood")
    cells = _cells(isms, residual)
    corner = "発生頻度 \\\\ 影響度" if ja else "Likelihood \\\\ impact"
    header = (corner, *(_container("isms-heat-axis", _scale_text(isms, "impact", i)) for i in impacts))
    rows = []
    for likelihood in reversed(likelihoods):
        row = [_container("isms-heat-axis", f"**{_scale_text(isms, 'likelihood', likelihood)}**")]
        for impact in impacts:
            risks = cells.get((impact, likelihood), [])
            count = f"{len(risks)}件" if ja else str(len(risks))
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
    return esc(f"{value}({label})" if _ja(isms) else f"{value} ({label})")


def _risk_state(isms: Isms, r: Risk) -> str:
    ja = _ja(isms)
    if not r.residual_above_threshold:
        return "受容基準内" if ja else "within criteria"
    if r.approval is not None:
        return ("残留リスク承認済" if ja else "approved") + f" ({r.approval.date.isoformat()})"
    return "未承認" if ja else "not approved"


def risk_rows(isms: Isms, link: bool = True) -> list[tuple[str, ...]]:
    rows = []
    for r in isms.risks.risks:
        first = f".. _{r.anchor}:\n\n{esc(r.id)}" if link else esc(r.id)
        asset = f"{esc(r.asset_id)} {esc(r.asset.name)}" if r.asset else esc(r.asset_id)
        threat = f"{esc(r.threat)}\n\n({'脆弱性' if _ja(isms) else 'vulnerability'}: {esc(r.vulnerability)})"
        value = f"**{r.value}**" if r.above_threshold else str(r.value)
        rows.append(
            (
                first, asset, threat, str(r.asset_value), str(r.impact), str(r.likelihood), value,
                esc(r.treatment_name(isms.lang)), _controls_text(r, link),
                f"{r.asset_value}×{r.residual_impact}×{r.residual_likelihood} = {r.residual}", _risk_state(isms, r),
            )
        )
    return rows


def risk_header(lang: str) -> tuple[str, ...]:
    if lang == "ja":
        return ("ID", "情報資産", "脅威(脆弱性)", "資産価値", "影響度", "発生頻度", "リスク値", "対応", "管理策", "残留リスク", "判定")
    return ("ID", "Asset", "Threat (vulnerability)", "Asset value", "Impact", "Likelihood", "Risk", "Treatment", "Controls", "Residual", "State")


def risk_report_body(isms: Isms, html: bool = True, link: bool = True) -> str:
    ja = _ja(isms)
    register = isms.risks
    threshold = isms.profile.risk.acceptance_threshold
    risks = register.risks
    above = [r for r in risks if r.above_threshold]
    residual_above = [r for r in risks if r.residual_above_threshold]
    counts = {t: sum(1 for r in risks if r.treatment is t) for t in Treatment}
    parts = []
    inventory = isms.documents["assets"]
    # "資産目録(ISMS-R-04)": the title once (a link on the site), then the number.
    named = ref("assets") + "\\ " if link else esc(inventory.title)
    if ja:
        parts.append(
            f"{named}({esc(inventory.number)})の情報資産 {len(register.assets)} 件について、脅威と脆弱性を識別し、"
            "リスク値 = 資産価値(C+I+A)× 業務への影響度 × 発生頻度で評価した結果を示す。"
            f"リスク値が受容基準 {threshold} 以下のリスクは受容し、{threshold} を超えるリスクは対応を選択する。\n"
        )
    else:
        parts.append(
            f"Risks to the {len(register.assets)} assets of the inventory, evaluated as risk = asset value (C+I+A) x impact x likelihood. "
            f"Risks at or below the acceptance threshold {threshold} are accepted; risks above it are treated.\n"
        )
    parts.append(section("評価結果の概要" if ja else "Summary"))
    names = {t: TREATMENT_NAMES[t][0 if ja else 1] for t in Treatment}
    summary = [
        ("識別したリスク" if ja else "Risks identified", f"{len(risks)}"),
        (f"受容基準 {threshold} を超えるリスク" if ja else f"Above the threshold {threshold}", f"{len(above)}"),
        ("対応の内訳" if ja else "Treatments", ("、" if ja else ", ").join(f"{names[t]} {counts[t]}" for t in Treatment)),
        ("対応後も基準を超える残留リスク" if ja else "Residual risks above the threshold", f"{len(residual_above)}"
         + (f"(うち経営者承認済 {sum(1 for r in residual_above if r.approval)})" if ja else f" ({sum(1 for r in residual_above if r.approval)} approved)")),
    ]
    parts.append(list_table(None, summary, widths=(35, 65), css="isms-fields"))
    parts.append(section("ヒートマップ(影響度 × 発生頻度)" if ja else "Heat map (impact x likelihood)"))
    parts.append(
        "セルの件数は、その影響度と発生頻度の組合せに当たるリスクの数。色は影響度×発生頻度の大きさを示す(高: 6以上、中: 3〜4、低: 2以下)。\n"
        if ja
        else "Each cell counts the risks with that impact and likelihood; the colour shows impact x likelihood.\n"
    )
    for residual in (False, True):
        if html:
            parts.append(heatmap_html(isms, residual))
        else:
            label = ("リスク対応後(残留リスク)" if residual else "リスク対応前") if ja else ("After treatment" if residual else "Before treatment")
            parts.append(f"**{label}**\n")
            parts.append(heatmap_table(isms, residual, link))
    parts.append(section("リスク一覧" if ja else "Risk register"))
    parts.append(list_table(risk_header(isms.lang), risk_rows(isms, link), widths=(6, 12, 22, 5, 5, 5, 6, 6, 10, 11, 12), css="isms-risks"))
    parts.append(section("残留リスクの承認" if ja else "Approval of residual risks"))
    approved = [r for r in risks if r.approval is not None]
    if approved:
        header = ("ID", "残留リスク", "承認者", "承認日", "理由") if ja else ("ID", "Residual", "Approved by", "Date", "Reason")
        rows = [
            (risk_ref(r, link), str(r.residual), role_text(isms, r.approval.by), r.approval.date.isoformat(), esc(r.approval.note or "—"))
            for r in approved
            if r.approval is not None
        ]
        parts.append(list_table(header, rows, widths=(8, 10, 22, 12, 48), css="isms-approvals"))
    else:
        parts.append(("承認を要する残留リスクはない。" if ja else "No residual risk needs approval.") + "\n")
    return "\n".join(parts)


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
        owner = role_text(isms, r.asset.owner) if r.asset else "—"
        rows.append(
            (risk_ref(r, link), esc(r.asset.name) if r.asset else esc(r.asset_id), str(r.value), esc(r.treatment_name(isms.lang)), plan, owner, str(r.residual), _risk_state(isms, r))
        )
    return rows


def risk_plan_body(isms: Isms, link: bool = True) -> str:
    ja = _ja(isms)
    threshold = isms.profile.risk.acceptance_threshold
    intro = (
        f"受容基準 {threshold} を超えるリスク、及び受容以外の対応を選んだリスクについて、対応の選択肢、採用する管理策(附属書A)と"
        "その実施状況、対応後の残留リスクを示す。管理策の実施手順は各実施手順書に定める。"
        "受容基準を超える残留リスクは、トップマネジメントが承認する。\n"
        if ja
        else f"Risks above the threshold {threshold} or with a treatment other than acceptance: the treatment, the Annex A controls and their status, and the residual risk.\n"
    )
    header = (
        ("ID", "情報資産", "リスク値", "対応", "管理策(実施状況)・対応計画", "責任者", "残留リスク", "判定")
        if ja
        else ("ID", "Asset", "Risk", "Treatment", "Controls (status) and plan", "Owner", "Residual", "State")
    )
    return intro + "\n" + list_table(header, risk_plan_rows(isms, link), widths=(6, 14, 6, 6, 36, 14, 6, 12), css="isms-risk-plan")


# --------------------------------------------------------------------------- internal audit checklist


def audit_clause_rows(isms: Isms, link: bool = True) -> list[tuple[str, ...]]:
    lang = isms.lang
    ja = lang == "ja"
    known = isms.labels
    rows = []
    for clause in load_clauses():
        for needed in clause["documents"]:
            question = (
                f"{clause['id']} {clause['title'][lang]}：「{needed[lang]}」が文書化され、最新の状態で運用されているか"
                if ja
                else f"{clause['id']} {clause['title'][lang]}: is '{needed[lang]}' documented, current and followed?"
            )
            where = [label for label in needed.get("where", []) if label in known]
            record_of = needed.get("record_of")
            if where and link:
                evidence = ", ".join(ref(label) for label in where)
            elif where:
                evidence = ("、" if ja else ", ").join(_where_text(isms, label, needed[lang]) for label in where)
            elif record_of:
                decision = isms.decision(record_of)
                evidence = (esc(needed[lang]) + " (" + (ref(f"ctl-{record_of}") if link else esc(record_of)) + ")") if decision else esc(needed[lang])
            else:
                evidence = esc(needed[lang])
            rows.append((esc(question), evidence, _result_boxes(ja, link), ""))
    return rows


def _result_boxes(ja: bool, link: bool) -> str:
    """The result cell. In Word (link=False) one box a paragraph: a narrow cell would break 観察事項."""
    boxes = RESULT_BOXES if ja else RESULT_BOXES_EN
    if link:
        return boxes
    return "\n\n".join("☐ " + item.strip() for item in boxes.split("☐") if item.strip())


def _where_text(isms: Isms, label: str, fallback: str) -> str:
    """A document (or a clause of the manual) by title and number, for Word where nothing links."""
    ja = _ja(isms)
    doc = next((d for d in isms.documents.values() if d.label == label), None)
    clause = label.removeprefix("clause-") if label.startswith("clause-") else None
    if doc is None and clause is not None:
        doc = isms.documents.get("manual")
    if doc is None:
        return esc(fallback)
    name = doc.title
    if clause is not None:
        name += f" {clause}" if ja else f", clause {clause}"
    return esc(f"{name}({doc.number})" if ja else f"{name} ({doc.number})")


def audit_control_rows(isms: Isms, link: bool = True) -> list[tuple[str, ...]]:
    lang = isms.lang
    ja = lang == "ja"
    rows = []
    for decision in isms.decisions:
        if not decision.source.applicable:
            continue
        doc = isms.documents.get(decision.document_id)
        number = doc.number if doc else decision.id
        name = f"{decision.id} {decision.control.title(lang)}"
        target = ref(f"ctl-{decision.id}", name) if link else esc(name)
        question = (
            f"{target}: 実施手順書 {esc(number)} のとおり実施されているか"
            if ja
            else f"{target}: is procedure {esc(number)} followed?"
        )
        mandatory = sum(1 for item in decision.source.items if item.level.value == "mandatory")
        if mandatory:
            question += f"(必須項目 {mandatory} 件)" if ja else f" ({mandatory} mandatory items)"
        records = "\n".join(f"- {esc(record)}" for record in decision.source.records) or "—"
        rows.append((question, records, _result_boxes(ja, link), ""))
    return rows


def audit_header(lang: str) -> tuple[str, ...]:
    return ("監査項目", "確認する記録", "結果", "所見") if lang == "ja" else ("Audit item", "Records to check", "Result", "Findings")


def audit_checklist_body(isms: Isms, link: bool = True) -> str:
    ja = _ja(isms)
    intro = (
        "内部監査(箇条9.2)で確認する項目。箇条4〜10の要求事項と、適用宣言書で適用とした管理策ごとに、確認する記録を示す。"
        "監査員は結果欄に判定を記入し、所見欄に確認した証拠と指摘事項を記録する。\n"
        if ja
        else "What the internal audit (clause 9.2) checks: clauses 4 to 10 and each applicable control with the records to check.\n"
    )
    header = audit_header(isms.lang)
    parts = [intro, section("箇条4〜10 (ISMS要求事項)" if ja else "Clauses 4 to 10")]
    widths = (40, 30, 15, 15) if link else (38, 26, 12, 24)  # Word: the boxes one a line, room to write findings
    parts.append(list_table(header, audit_clause_rows(isms, link), widths=widths, css="isms-audit"))
    applicable = [d for d in isms.decisions if d.source.applicable]
    control_rows = list(zip(applicable, audit_control_rows(isms, link), strict=True))
    for theme, names in THEMES.items():
        rows = [row for decision, row in control_rows if decision.control.theme == theme]
        if not rows:
            continue
        parts.append(section(f"附属書A {names['number']}. {names[isms.lang]}" if ja else f"Annex A {names['number']}. {names[isms.lang]}"))
        parts.append(list_table(header, rows, widths=widths, css="isms-audit"))
    return "\n".join(parts)

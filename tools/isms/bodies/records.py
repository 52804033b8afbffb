"""reST bodies of the record sets (isms.model.records.RECORD_TYPES): each filled record from its data,
and each blank form (様式) for filling by hand.

A body never depends on the date it is built: states that need one (due, overdue) are the site's
(isms.render.html.records). With ``link=False`` (Word) nothing links: documents are named by title
and number instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from isms.bodies.text import esc, field_table, list_table, named, ref, section
from isms.i18n import sep, t
from isms.model import Isms
from isms.model.records import (
    RECORD_TYPES,
    Records,
    audit_date,
    corrective_status,
    expand_clauses,
    form_doc_id,
    month_name,
    months_of_year,
    record_doc_id,
)
from isms.sources.records_schema import AuditResult, AuditSource, CourseSource, ReviewSource

BLANK_ROWS = 8
MARK = "●"


def _date(day: dt.date | None) -> str:
    return day.isoformat() if day else "—"


def person(isms: Isms, person_id: str | None) -> str:
    """A person of the profile by name; anything else (an outside trainer) as written."""
    if not person_id:
        return "—"
    found = next((p for p in [*isms.profile.people, *isms.profile.former_people] if p.id == person_id), None)
    return esc(found.name if found else person_id)


def people(isms: Isms, ids: Sequence[str]) -> str:
    return sep(isms.lang).join(person(isms, pid) for pid in ids) or "—"


def role_name(isms: Isms, role_id: str | None) -> str:
    role = isms.role(role_id)
    if role is None:
        return esc(role_id or "—")
    return esc(role.name if isms.lang == "ja" else role.name_en)


def department_name(isms: Isms, dept_id: str) -> str:
    dept = next((d for d in isms.profile.departments if d.id == dept_id), None)
    if dept is None:
        return esc(dept_id)
    return esc(dept.name if isms.lang == "ja" or not dept.name_en else dept.name_en)


def control_ref(control_id: str, link: bool) -> str:
    return ref(f"ctl-{control_id}", control_id) if link else esc(control_id)


def doc_ref(isms: Isms, doc_id: str, link: bool) -> str:
    doc = isms.documents.get(doc_id)
    if doc is None:
        return "—"
    return ref(doc.label) if link else named(doc, isms.lang)


def _number(value: float) -> str:
    return f"{value:g}"


def space(lines: int = 1) -> str:
    """An empty cell that keeps `lines` lines of room for handwriting (a line block of no-break spaces)."""
    return "\n".join(["| \u00a0"] * lines)


def _blank(columns: int, rows: int = BLANK_ROWS, lines: int = 2) -> list[tuple[str, ...]]:
    return [(space(lines),) + ("",) * (columns - 1) for _ in range(rows)]


def _fields(lang: str, keys: Sequence[str], tall: Sequence[str] = ()) -> str:
    """A form's field table: each label with room to write (four lines for the fields in `tall`)."""
    return field_table([(t(key, lang), space(4 if key in tall else 1)) for key in keys])


# --------------------------------------------------------------------------- 5.3 ISMS体制図


def org_chart_body(isms: Isms, link: bool = True) -> str:
    lang = isms.lang
    profile = isms.profile
    departments = {d.id: d for d in profile.departments}
    parts = [t("org_chart_intro", lang, manual=ref("clause-5.3") if link else esc(isms.documents["manual"].title)) + "\n"]
    parts.append(section(t("org_chart_roles", lang)))
    rows = []
    for role in profile.roles:
        holders = []
        for pid in role.holders:
            found = next((p for p in profile.people if p.id == pid), None)
            if found is not None:
                dept = departments.get(found.department)
                where = (dept.name if lang == "ja" or not dept.name_en else dept.name_en) if dept else found.department
                holders.append(esc(f"{found.name} ({where} {found.title})"))
        name = role.name if lang == "ja" else role.name_en
        rows.append((esc(name), "\n".join(f"- {h}" for h in holders) or "—", "\n".join(f"- {esc(r)}" for r in role.responsibilities)))
    parts.append(list_table((t("role", lang), t("holders", lang), t("responsibilities", lang)), rows, widths=(22, 30, 48), css="isms-records"))
    parts.append(section(t("org_chart_departments", lang)))
    rows = []
    for dept in profile.departments:
        members = [p.name for p in profile.people if p.department == dept.id]
        name = dept.name if lang == "ja" or not dept.name_en else dept.name_en
        rows.append((esc(name), person(isms, dept.head), esc(sep(lang).join(members)) or "—", esc(dept.duties or "—")))
    parts.append(list_table((t("department", lang), t("department_head", lang), t("members", lang), t("duties", lang)), rows, widths=(18, 16, 34, 32), css="isms-records"))
    return "\n".join(parts)


def org_chart_form(isms: Isms) -> str:
    lang = isms.lang
    parts = [t("form_intro", lang) + "\n", _fields(lang, ("appointed_on", "approved_by"))]
    parts.append(list_table((t("role", lang), t("holders", lang), t("deputy", lang), t("responsibilities", lang)), _blank(4, 12), widths=(22, 22, 18, 38)))
    return "\n".join(parts)


# --------------------------------------------------------------------------- 6.2, 9.1 ISMS有効性評価表


def objectives_body(isms: Isms, link: bool = True) -> str:
    lang, records = isms.lang, isms.records
    parts = [t("objectives_intro", lang) + "\n"]
    parts.append(section(t("objectives_plan", lang)))
    rows = []
    for obj in records.objectives:
        related = [control_ref(c, link) for c in obj.controls] + [esc(r) for r in obj.risks]
        target = t(f"target_{obj.direction.value}", lang, target=_number(obj.target), unit=esc(obj.unit))
        rows.append(
            (
                esc(obj.id), esc(obj.title), f"{esc(obj.indicator)}\n\n{target}", f"{esc(obj.plan)}\n\n{t('resources', lang)}: {esc(obj.resources)}",
                role_name(isms, obj.owner), f"{_date(obj.start)} – {_date(obj.due)}", ", ".join(related) or "—",
            )
        )  # fmt: skip
    header = (t("col_id", lang), t("objective", lang), t("indicator_target", lang), t("plan_resources", lang), t("owner", lang), t("period", lang), t("related_items", lang))
    parts.append(list_table(header, rows, widths=(11, 17, 20, 22, 10, 10, 10), css="isms-records"))
    parts.append(section(t("objectives_evaluation", lang)))
    rows = []
    for obj in records.objectives:
        status, latest = records.objective_status(obj)
        value = f"{_number(latest.value)}{esc(obj.unit)} ({_date(latest.date)})" if latest else "—"
        method = f"{esc(obj.method)}\n\n{t('every_months', lang, months=obj.frequency_months)}"
        rows.append((esc(obj.id), method, value, t(f"objective_{status}", lang)))
    header = (t("col_id", lang), t("measurement_method", lang), t("latest_value", lang), t("evaluation", lang))
    parts.append(list_table(header, rows, widths=(10, 50, 22, 18), css="isms-records"))
    parts.append(section(t("measurements", lang)))
    rows = [
        (esc(m.objective), _date(m.date), f"{_number(m.value)}{esc(_unit(records, m.objective))}", person(isms, m.by), esc(m.evidence) + (f"\n\n{esc(m.note)}" if m.note else ""))
        for m in records.measurements
    ]
    if rows:
        header = (t("objective", lang), t("measured_on", lang), t("value", lang), t("measured_by", lang), t("evidence", lang))
        parts.append(list_table(header, rows, widths=(12, 12, 12, 14, 50), css="isms-records"))
    else:
        parts.append(t("none_recorded", lang) + "\n")
    return "\n".join(parts)


def _unit(records: Records, objective_id: str) -> str:
    return next((o.unit for o in records.objectives if o.id == objective_id), "")


def objectives_form(isms: Isms) -> str:
    lang = isms.lang
    keys = ("objective", "indicator", "target", "measurement_method", "frequency", "plan", "resources", "owner", "period", "related_items")
    parts = [t("form_intro", lang) + "\n", section(t("objectives_plan", lang)), _fields(lang, keys, tall=("objective", "measurement_method", "plan")), section(t("measurements", lang))]
    parts.append(list_table((t("measured_on", lang), t("value", lang), t("measured_by", lang), t("evidence", lang), t("evaluation", lang)), _blank(5), widths=(14, 12, 14, 42, 18)))
    return "\n".join(parts)


# --------------------------------------------------------------------------- 8.1 ISMS年間計画表


def _belongs(isms: Isms, source, link: bool) -> str:
    if source.control:
        return control_ref(source.control, link)
    label = f"clause-{source.clause}"
    return ref(label, source.clause) if link and label in isms.labels else esc(source.clause)


def annual_plan_body(isms: Isms, link: bool = True) -> str:
    lang, records = isms.lang, isms.records
    months = months_of_year(records.year_start)
    parts = [t("annual_plan_intro", lang) + "\n", section(t("annual_plan_schedule", lang))]
    rows = []
    for activity in records.activities:
        marks = [MARK if m in activity.source.months else "" for m in months]
        rows.append((esc(activity.name(lang)), *marks, role_name(isms, activity.source.owner), esc(activity.source.record), _belongs(isms, activity.source, link)))
    header = (t("activity", lang), *(t(f"month_abbr_{m}", lang) for m in months), t("owner", lang), t("record", lang), t("belongs_to", lang))
    parts.append(list_table(header, rows, widths=(18, *(3,) * 12, 13, 25, 8), css="isms-plan"))
    for year in records.years():
        parts.append(section(t("annual_plan_results", lang, year=year)))
        rows = []
        for activity in records.activities:
            cells = []
            for occurrence in records.occurrences(activity, year):
                done = occurrence.done
                when = month_name(occurrence.planned.month, lang)
                cells.append(f"{when}: {_date(done.date)} ({esc(done.record)})" if done else f"{when}: —")
            rows.append((esc(activity.name(lang)), "\n".join(f"- {c}" for c in cells), role_name(isms, activity.source.owner)))
        parts.append(list_table((t("activity", lang), t("done_on", lang), t("owner", lang)), rows, widths=(26, 56, 18), css="isms-records"))
    return "\n".join(parts)


def annual_plan_form(isms: Isms) -> str:
    lang = isms.lang
    months = months_of_year(isms.profile.year_start)
    parts = [t("form_intro", lang) + "\n", _fields(lang, ("isms_year", "prepared_by", "approved_by"))]
    header = (t("activity", lang), *(t(f"month_abbr_{m}", lang) for m in months), t("owner", lang), t("record", lang))
    parts.append(list_table(header, _blank(len(header), 14, lines=1), widths=(22, *(3,) * 12, 15, 27), css="isms-plan"))
    return "\n".join(parts)


# --------------------------------------------------------------------------- 7.2 力量確認表


def _competences(isms: Isms) -> dict[str, str]:
    data = isms.records.model("competence")
    if data is None:
        return {}
    return {c.id: (c.name if isms.lang == "ja" else c.name_en) for c in data.competences}


def competence_body(isms: Isms, link: bool = True) -> str:
    lang, records = isms.lang, isms.records
    data = records.model("competence")
    names = _competences(isms)
    parts = [t("competence_intro", lang, manual=ref("clause-7.2") if link else esc(isms.documents["manual"].title)) + "\n"]
    parts.append(section(t("competence_required", lang)))
    rows = []
    for requirement in data.requirements:
        who = t("everyone", lang) if requirement.everyone else role_name(isms, requirement.role)
        rows.append((who, "\n".join(f"- {esc(names.get(c, c))}" for c in requirement.competences)))
    parts.append(list_table((t("role", lang), t("competences", lang)), rows, widths=(30, 70), css="isms-records"))
    rows = [(esc(c.name if lang == "ja" else c.name_en), esc(c.verified_by)) for c in data.competences]
    parts.append(list_table((t("competence", lang), t("verified_by", lang)), rows, widths=(45, 55), css="isms-records"))
    parts.append(section(t("competence_evaluations", lang)))
    required = records.required_competences(isms.profile)
    rows = []
    for evaluation in sorted(data.evaluations, key=lambda e: (e.date, e.person)):
        results = "\n".join(f"- {esc(names.get(c, c))}: {t(f'result_{r.value}', lang)}" for c, r in evaluation.results.items())
        unevaluated = [c for c in required.get(evaluation.person, []) if c not in evaluation.results]
        if unevaluated:
            results += "\n" + "\n".join(f"- {esc(names.get(c, c))}: {t('not_evaluated', lang)}" for c in unevaluated)
        rows.append((person(isms, evaluation.person), _date(evaluation.date), person(isms, evaluation.by), results or "—", esc(evaluation.action or "—")))
    header = (t("person", lang), t("evaluated_on", lang), t("evaluated_by", lang), t("results", lang), t("action", lang))
    parts.append(list_table(header, rows, widths=(14, 12, 12, 40, 22), css="isms-records"))
    parts.append(section(t("competence_gaps", lang)))
    gaps = records.competence_gaps(isms.profile)
    if gaps:
        rows = [(person(isms, pid), "\n".join(f"- {esc(names.get(c, c))}" for c in missing)) for pid, missing in gaps.items()]
        parts.append(list_table((t("person", lang), t("competences", lang)), rows, widths=(30, 70), css="isms-records"))
    else:
        parts.append(t("no_gaps", lang) + "\n")
    return "\n".join(parts)


def competence_form(isms: Isms) -> str:
    lang = isms.lang
    parts = [t("form_intro", lang) + "\n"]
    parts.append(_fields(lang, ("person", "department", "role", "evaluated_on", "evaluated_by")))
    header = (t("competence", lang), t("verified_by", lang), t("result_boxes_header", lang), t("action", lang))
    rows = [(space(2), "", t("result_boxes", lang), "") for _ in range(BLANK_ROWS)]
    parts.append(list_table(header, rows, widths=(30, 26, 20, 24)))
    return "\n".join(parts)


# --------------------------------------------------------------------------- 7.2 教育計画書, 理解度確認テスト, 教育実施記録


def _audience(isms: Isms, course: CourseSource) -> str:
    who = course.audience
    lang = isms.lang
    bits = [t("everyone", lang)] if who.everyone else []
    bits += [role_name(isms, r) for r in who.roles]
    bits += [department_name(isms, d) for d in who.departments]
    bits += [person(isms, p) for p in who.people]
    return sep(lang).join(bits)


def training_plan_body(isms: Isms, link: bool = True) -> str:
    lang, records = isms.lang, isms.records
    names = _competences(isms)
    parts = [t("training_plan_intro", lang) + "\n"]
    for plan in records.plans:
        parts.append(section(t("training_plan_year", lang, year=plan.year)))
        parts.append(field_table([
            (t("prepared_by", lang), person(isms, plan.prepared_by)),
            (t("approved_by", lang), person(isms, plan.approved_by)),
            (t("approved_on", lang), _date(plan.approved_on)),
        ]))  # fmt: skip
        rows = []
        for course in plan.courses:
            evaluation = t("test_pass_mark", lang, mark=course.test.pass_mark) if course.test else "—"
            builds = sep(lang).join(esc(names.get(c, c)) for c in course.competences) or "—"
            when = t("month_separator", lang).join(month_name(m, lang) for m in course.months)
            rows.append((f"{esc(course.title)}\n\n({esc(course.id)})", _audience(isms, course), when, esc(course.method), esc(course.content), evaluation, builds))
        header = (t("course", lang), t("training_audience", lang), t("when", lang), t("method", lang), t("content", lang), t("effectiveness", lang), t("competences", lang))
        parts.append(list_table(header, rows, widths=(16, 14, 8, 12, 26, 12, 12), css="isms-records"))
        needs = records.training_needs(isms.profile, plan)
        heading = t("training_needs_year", lang, year=plan.year)
        parts.append(f"**{esc(heading)}**\n")
        if needs:
            courses = {c.id: c for c in plan.courses}
            rows = [(esc(courses[cid].title), people(isms, missing)) for cid, missing in needs.items()]
            parts.append(list_table((t("course", lang), t("not_yet_trained", lang)), rows, widths=(35, 65), css="isms-records"))
        else:
            parts.append(t("no_training_needs", lang) + "\n")
    return "\n".join(part for part in parts if part)


def training_plan_form(isms: Isms) -> str:
    lang = isms.lang
    parts = [t("form_intro", lang) + "\n", _fields(lang, ("isms_year", "prepared_by", "approved_by", "approved_on"))]
    header = (t("course", lang), t("training_audience", lang), t("when", lang), t("method", lang), t("content", lang), t("effectiveness", lang))
    parts.append(list_table(header, _blank(6), widths=(18, 16, 10, 14, 28, 14)))
    return "\n".join(parts)


def comprehension_tests_body(isms: Isms, link: bool = True) -> str:
    lang, records = isms.lang, isms.records
    parts = [t("tests_intro", lang) + "\n"]
    courses = [c for c in records.courses if c.test is not None]
    for course in courses:
        test = course.test
        if test is None:
            continue
        parts.append(section(f"{esc(course.title)} ({esc(course.id)})"))
        parts.append(t("test_pass_mark", lang, mark=test.pass_mark) + "\n")
        if test.questions:
            parts.append("\n".join(f"{n}. {esc(q)}" for n, q in enumerate(test.questions, start=1)) + "\n")
        for session in (s for s in records.sessions if s.course == course.id):
            rows = []
            for pid in session.attendees:
                score = session.scores.get(pid)
                verdict = t("passed" if records.passed(session, pid, course) else ("failed" if score is not None else "not_taken"), lang)
                rows.append((person(isms, pid), str(score) if score is not None else "—", verdict))
            parts.append(f"**{esc(t('test_results', lang, session=session.id, date=_date(session.date)))}**\n")
            if rows:
                parts.append(list_table((t("person", lang), t("score", lang), t("verdict", lang)), rows, widths=(40, 30, 30), css="isms-records"))
            else:  # only attendees not named in the profile: a table without rows is not valid reST
                parts.append((t("others_count", lang, count=session.others) if session.others else t("none_recorded", lang)) + "\n")
    if not courses:
        parts.append(t("none_recorded", lang) + "\n")
    return "\n".join(parts)


def comprehension_tests_form(isms: Isms) -> str:
    lang = isms.lang
    parts = [t("form_intro", lang) + "\n", _fields(lang, ("course", "person", "department", "on_date", "score", "verdict"))]
    rows = [(str(n), space(2), "") for n in range(1, 11)]
    parts.append(list_table(("No.", t("question", lang), t("answer", lang)), rows, widths=(6, 54, 40)))
    return "\n".join(parts)


def training_records_body(isms: Isms, link: bool = True) -> str:
    lang, records = isms.lang, isms.records
    courses = {c.id: c for c in records.courses}
    parts = [t("training_records_intro", lang) + "\n"]
    rows = []
    for session in records.sessions:
        course = courses.get(session.course)
        attended = len(session.attendees) + session.others
        others = t("others_count", lang, count=session.others) if session.others else ""
        passed = sum(1 for p in session.attendees if records.passed(session, p, course)) if course and course.test else None
        result = t("passed_count", lang, passed=passed, named=len(session.attendees)) if passed is not None else "—"
        names = people(isms, session.attendees) + (f"\n\n{others}" if others else "")
        rows.append((esc(session.id), esc(course.title if course else session.course), _date(session.date), person(isms, session.trainer), names, str(attended), result))
    if rows:
        header = (t("col_id", lang), t("course", lang), t("held_on", lang), t("trainer", lang), t("attendees", lang), t("attendance", lang), t("test_result", lang))
        parts.append(list_table(header, rows, widths=(10, 16, 10, 10, 34, 8, 12), css="isms-records"))
    else:
        parts.append(t("none_recorded", lang) + "\n")
    return "\n".join(parts)


def training_records_form(isms: Isms) -> str:
    lang = isms.lang
    parts = [t("form_intro", lang) + "\n", _fields(lang, ("course", "held_on", "trainer", "method", "content"), tall=("content",))]
    parts.append(list_table((t("person", lang), t("department", lang), t("signature", lang), t("score", lang)), _blank(4, 15), widths=(30, 24, 26, 20)))
    return "\n".join(parts)


# --------------------------------------------------------------------------- 9.2 内部監査計画書, 内部監査結果報告書


def _scope_items(isms: Isms, clauses: Sequence[str], controls: Sequence[str], link: bool) -> tuple[str, str]:
    clause_text = sep(isms.lang).join(esc(c) for c in clauses) or "—"
    control_text = ", ".join(control_ref(c, link) for c in controls) or "—"
    return clause_text, control_text


def audit_plan_body(isms: Isms, link: bool = True) -> str:
    lang, records = isms.lang, isms.records
    data = records.model("audits")
    parts = [t("audit_plan_intro", lang, months=records.audit_cycle) + "\n"]
    competence = _competences(isms).get(data.programme.auditor_competence or "", data.programme.auditor_competence)
    parts.append(field_table([
        (t("cycle_start", lang), _date(data.programme.cycle_start)),
        (t("audit_cycle", lang), t("every_months", lang, months=records.audit_cycle)),
        (t("auditor_competence", lang), esc(competence) if competence else "—"),
    ]))  # fmt: skip
    applicable = [d.id for d in isms.decisions if d.source.applicable]
    for audit in records.audits:
        parts.append(section(f"{esc(audit.id)} ({_date(audit_date(audit))})"))
        parts.append(field_table([
            (t("audit_objective", lang), esc(audit.objective)),
            (t("audit_criteria", lang), esc(audit.criteria)),
            (t("prepared_by", lang), person(isms, audit.planned_by)),
            (t("approved_by", lang), f"{person(isms, audit.approved_by)} ({_date(audit.approved_on)})"),
        ]))  # fmt: skip
        rows = []
        for entry in audit.scope:
            clauses, controls = _scope_items(isms, entry.clauses, entry.controls, link)
            rows.append((_date(entry.date), department_name(isms, entry.department), people(isms, entry.auditors), clauses, controls))
        header = (t("on_date", lang), t("audited_department", lang), t("auditors", lang), t("clauses", lang), t("controls", lang))
        parts.append(list_table(header, rows, widths=(11, 15, 14, 20, 40), css="isms-records"))
        clauses = expand_clauses(c for e in audit.scope for c in e.clauses)
        controls = {c for e in audit.scope for c in e.controls}
        covered = t("coverage", lang, clauses=len(clauses), clauses_total=len(expand_clauses(["4", "5", "6", "7", "8", "9", "10"])),
                    controls=len(controls & set(applicable)), controls_total=len(applicable))  # fmt: skip
        parts.append(covered + "\n")
    return "\n".join(parts)


def audit_plan_form(isms: Isms) -> str:
    lang = isms.lang
    parts = [t("form_intro", lang) + "\n"]
    parts.append(_fields(lang, ("audit_objective", "audit_criteria", "prepared_by", "approved_by"), tall=("audit_objective",)))
    header = (t("on_date", lang), t("audited_department", lang), t("auditors", lang), t("clauses", lang), t("controls", lang))
    parts.append(list_table(header, _blank(5), widths=(12, 16, 16, 22, 34)))
    return "\n".join(parts)


def audit_results(isms: Isms, audit: AuditSource) -> dict[str, int]:
    """Counts per result; audited items without a finding count as conforming once the report exists."""
    counts = {result.value: 0 for result in AuditResult}
    for finding in audit.results:
        counts[finding.result.value] += 1
    if audit.report is not None:
        found = {(f.department, f.clause or "", f.control or "") for f in audit.results}
        for entry in audit.scope:
            for clause in sorted(expand_clauses(entry.clauses)):
                counts["conforming"] += (entry.department, clause, "") not in found
            for control in entry.controls:
                counts["conforming"] += (entry.department, "", control) not in found
    return counts


def audit_report_body(isms: Isms, link: bool = True) -> str:
    lang, records = isms.lang, isms.records
    parts = [t("audit_report_intro", lang) + "\n"]
    reported = [a for a in records.audits if a.report is not None]
    for audit in reported:
        assert audit.report is not None
        parts.append(section(f"{esc(audit.id)} ({_date(audit.report.date)})"))
        counts = audit_results(isms, audit)
        tally = sep(lang).join(f"{t(f'audit_{key}', lang)} {value}" for key, value in counts.items())
        parts.append(field_table([
            (t("reported_on", lang), _date(audit.report.date)),
            (t("reported_by", lang), person(isms, audit.report.by)),
            (t("audit_plan", lang), doc_ref(isms, record_doc_id("audit-plan"), link)),
            (t("summary", lang), esc(audit.report.summary)),
            (t("results", lang), tally),
            (t("conclusion", lang), esc(audit.report.conclusion)),
        ]))  # fmt: skip
        rows = []
        for finding in audit.results:
            item = control_ref(finding.control, link) if finding.control else esc(finding.clause)
            result = t(f"audit_{finding.result.value}", lang) + (f" ({t(f'grade_{finding.grade.value}', lang)})" if finding.grade else "")
            rows.append((esc(finding.id), department_name(isms, finding.department), item, result, esc(finding.finding), esc(finding.evidence), person(isms, finding.auditor), esc(finding.corrective_action or "—")))
        if rows:
            header = (t("col_id", lang), t("audited_department", lang), t("item", lang), t("result", lang), t("finding", lang), t("evidence", lang), t("auditor", lang), t("corrective_action", lang))
            parts.append(list_table(header, rows, widths=(9, 10, 7, 10, 28, 18, 8, 10), css="isms-records"))
        parts.append(t("audit_conforming_note", lang) + "\n")
    if not reported:
        parts.append(t("none_recorded", lang) + "\n")
    return "\n".join(parts)


def audit_report_form(isms: Isms) -> str:
    lang = isms.lang
    parts = [t("form_intro", lang) + "\n"]
    parts.append(_fields(lang, ("reported_on", "reported_by", "audit_plan", "summary", "conclusion"), tall=("summary", "conclusion")))
    header = (t("audited_department", lang), t("item", lang), t("result", lang), t("finding", lang), t("evidence", lang), t("corrective_action", lang))
    rows = [(space(3), "", t("audit_result_boxes", lang), "", "", "") for _ in range(BLANK_ROWS)]
    parts.append(list_table(header, rows, widths=(12, 10, 16, 28, 20, 14)))
    return "\n".join(parts)


# --------------------------------------------------------------------------- 9.3 マネジメントレビュー報告書


def review_inputs(isms: Isms, review: ReviewSource, link: bool = True) -> list[tuple[str, str]]:
    """(a)-(g) of 9.3.2, each collected from the other records where they are, plus the texts of the review."""
    lang, records = isms.lang, isms.records
    day = review.date
    inputs = review.inputs
    out: list[tuple[str, str]] = []
    # (a) actions of earlier reviews
    earlier = [r for r in records.reviews if r.date < day]
    lines = []
    for previous in earlier:
        for action in previous.actions:
            state = t("action_done", lang, date=_date(action.done)) if action.done and action.done <= day else (
                t("action_overdue", lang) if action.due < day else t("action_open", lang))
            lines.append(f"- {esc(previous.id)} {esc(action.id)}: {esc(action.text)} ({person(isms, action.owner)}, {t('due', lang)} {_date(action.due)}): {state}")
    text = "\n".join(lines)
    if inputs.previous_actions:
        text = (text + "\n\n" if text else "") + esc(inputs.previous_actions)
    out.append(("a", text or t("none_recorded", lang)))
    out.append(("b", esc(inputs.issues)))
    out.append(("c", esc(inputs.interested_parties)))
    # (d) performance: nonconformities and corrective actions, measurements vs objectives, audits, objectives
    performance = []
    actions = [a for a in records.corrective_actions if a.raised_on <= day]
    if records.has("corrective_actions"):
        states = [corrective_status(a, day) for a in actions]
        performance.append(t("review_nc", lang, total=len(actions), closed=states.count("closed"), effectiveness=states.count("effectiveness"),
                             open=states.count("in_progress"), overdue=states.count("overdue")))  # fmt: skip
        performance += ["  - " + t("ca_with_status", lang, id=esc(a.id), description=esc(a.description), status=t(f"ca_{corrective_status(a, day)}", lang)) for a in actions]
    if records.has("objectives"):
        for obj in records.objectives:
            if obj.start > day:
                continue
            status, latest = records.objective_status(obj, day)
            value = f"{_number(latest.value)}{esc(obj.unit)} ({_date(latest.date)})" if latest else "—"
            target = t(f"target_{obj.direction.value}", lang, target=_number(obj.target), unit=esc(obj.unit))
            performance.append(f"- {esc(obj.id)} {esc(obj.title)}: {value} / {target}: {t(f'objective_{status}', lang)}")
    audits = [a for a in records.audits if a.report is not None and a.report.date <= day]
    for audit in audits:
        counts = audit_results(isms, audit)
        performance.append(f"- {esc(audit.id)} ({_date(audit.report.date)}): " + sep(lang).join(f"{t(f'audit_{k}', lang)} {v}" for k, v in counts.items()))
    text = "\n".join(line if line.startswith(("-", "  -")) else f"- {line}" for line in performance)
    if inputs.performance:
        text = (text + "\n\n" if text else "") + esc(inputs.performance)
    out.append(("d", text or t("none_recorded", lang)))
    out.append(("e", esc(inputs.feedback)))
    # (f) risk assessment results and the status of the risk treatment plan: only what is dated, so
    # that the minutes of a past review do not change with today's register
    risk_lines = []
    since = earlier[-1].date if earlier else dt.date.min
    assessment = next((a for a in records.activities if a.source.review == "risk_assessment"), None)
    for completion in records.completions.get(assessment.id, ()) if assessment else ():
        if since < completion.date <= day:
            risk_lines.append(t("review_assessment", lang, date=_date(completion.date), record=esc(completion.record)))
    approved = [r.id for r in isms.risks.risks if r.approval is not None and since < r.approval.date <= day]
    if approved:
        risk_lines.append(t("review_approved", lang, risks=", ".join(esc(r) for r in approved), plan=doc_ref(isms, "risk-plan", link)))
    text = "\n".join(f"- {line}" for line in risk_lines)
    if inputs.risk:
        text = (text + "\n\n" if text else "") + esc(inputs.risk)
    out.append(("f", text or t("none_recorded", lang)))
    out.append(("g", esc(inputs.opportunities)))
    return out


def management_review_body(isms: Isms, link: bool = True) -> str:
    lang, records = isms.lang, isms.records
    parts = [t("review_intro", lang) + "\n"]
    for review in records.reviews:
        parts.append(section(f"{esc(review.id)} ({_date(review.date)})"))
        parts.append(field_table([
            (t("held_on", lang), _date(review.date)),
            (t("chair", lang), person(isms, review.chair)),
            (t("attendees", lang), people(isms, review.attendees)),
            (t("approved_by", lang), f"{person(isms, review.approved_by)} ({_date(review.approved_on)})"),
        ]))  # fmt: skip
        parts.append(f"**{esc(t('review_inputs', lang))}**\n")
        rows = [(f"{key})", t(f"review_input_{key}", lang), text) for key, text in review_inputs(isms, review, link)]
        parts.append(list_table((t("col_no", lang), t("review_input", lang), t("content", lang)), rows, widths=(6, 25, 69), css="isms-records"))
        parts.append(f"**{esc(t('review_outputs', lang))}**\n")
        rows = [(t(f"topic_{d.topic.value}", lang), esc(d.text)) for d in review.decisions]
        parts.append(list_table((t("topic", lang), t("mr_decision", lang)), rows, widths=(22, 78), css="isms-records"))
        if review.actions:
            rows = [(esc(a.id), esc(a.text), person(isms, a.owner), _date(a.due), _date(a.done)) for a in review.actions]
            header = (t("col_id", lang), t("action", lang), t("owner", lang), t("due", lang), t("done_on", lang))
            parts.append(list_table(header, rows, widths=(12, 50, 14, 12, 12), css="isms-records"))
    if not records.reviews:
        parts.append(t("none_recorded", lang) + "\n")
    return "\n".join(parts)


def management_review_form(isms: Isms) -> str:
    lang = isms.lang
    parts = [t("form_intro", lang) + "\n"]
    parts.append(_fields(lang, ("held_on", "chair", "attendees", "approved_by"), tall=("attendees",)))
    rows = [(f"{key})", t(f"review_input_{key}", lang), space(5)) for key in "abcdefg"]
    parts.append(list_table((t("col_no", lang), t("review_input", lang), t("content", lang)), rows, widths=(6, 30, 64)))
    parts.append(list_table((t("topic", lang), t("mr_decision", lang), t("owner", lang), t("due", lang)), _blank(4, 6), widths=(18, 50, 16, 16)))
    return "\n".join(parts)


# --------------------------------------------------------------------------- 10.2 是正要求書兼回答書


def _ca_fields(isms: Isms, action, link: bool) -> list[tuple[str, str]]:
    lang = isms.lang
    item = control_ref(action.control, link) if action.control else (esc(action.clause) if action.clause else "—")
    effectiveness = "—"
    if action.effectiveness is not None:
        e = action.effectiveness
        verdict = t("effective" if e.effective else "not_effective", lang)
        effectiveness = f"{_date(e.date)} {person(isms, e.by)}: {verdict}\n\n{esc(e.method)}" + (f"\n\n{esc(e.note)}" if e.note else "")
    approved = f"{person(isms, action.approved_by)} ({_date(action.approved_on)})" if action.approved_by else "—"
    return [
        (t("ca_source", lang), t(f"source_{action.source.value}", lang) + (f" ({esc(action.reference)})" if action.reference else "")),
        (t("raised", lang), f"{_date(action.raised_on)} {person(isms, action.raised_by)}"),
        (t("requested_department", lang), department_name(isms, action.department)),
        (t("requirement", lang), item),
        (t("grade", lang), t(f"grade_{action.grade.value}", lang)),
        (t("nc_description", lang), esc(action.description)),
        (t("correction", lang), esc(action.correction or "—")),
        (t("root_cause", lang), esc(action.root_cause or "—")),
        (t("corrective_action", lang), esc(action.action or "—")),
        (t("owner", lang), person(isms, action.owner)),
        (t("due", lang), _date(action.due)),
        (t("approval", lang), approved),
        (t("done_on", lang), _date(action.done_on)),
        (t("effectiveness_review", lang), effectiveness),
        (t("closed_on", lang), _date(action.closed_on)),
    ]


def corrective_actions_body(isms: Isms, link: bool = True) -> str:
    lang, records = isms.lang, isms.records
    parts = [t("ca_intro", lang) + "\n", section(t("ca_register", lang))]
    rows = []
    for action in records.corrective_actions:
        rows.append((
            esc(action.id), t(f"source_{action.source.value}", lang), _date(action.raised_on), department_name(isms, action.department),
            t(f"grade_{action.grade.value}", lang), esc(action.description), person(isms, action.owner), _date(action.due),
            _date(action.closed_on), t(f"ca_{corrective_status(action)}", lang),
        ))  # fmt: skip
    if rows:
        header = (t("col_id", lang), t("ca_source", lang), t("raised", lang), t("requested_department", lang), t("grade", lang), t("nc_description", lang),
                  t("owner", lang), t("due", lang), t("closed_on", lang), t("state", lang))  # fmt: skip
        parts.append(list_table(header, rows, widths=(9, 9, 9, 9, 6, 28, 8, 9, 9, 8), css="isms-records"))
    else:
        parts.append(t("none_recorded", lang) + "\n")
    for action in records.corrective_actions:
        parts.append(section(f"{esc(action.id)}"))
        parts.append(field_table(_ca_fields(isms, action, link)))
    return "\n".join(parts)


def corrective_actions_form(isms: Isms) -> str:
    lang = isms.lang
    keys = ("ca_source", "raised", "requested_department", "requirement", "grade", "nc_description", "correction", "root_cause",
            "corrective_action", "owner", "due", "approval", "done_on", "effectiveness_review", "closed_on")  # fmt: skip
    tall = ("nc_description", "correction", "root_cause", "corrective_action", "effectiveness_review")
    return "\n".join([t("form_intro", lang) + "\n", _fields(lang, keys, tall=tall)])


# --------------------------------------------------------------------------- all of them

Maker = Callable[[Isms, bool], str]
RECORD_BODIES: dict[str, Maker] = {
    "org-chart": org_chart_body,
    "objectives": objectives_body,
    "annual-plan": annual_plan_body,
    "competence": competence_body,
    "training-plan": training_plan_body,
    "comprehension-tests": comprehension_tests_body,
    "training-records": training_records_body,
    "audit-plan": audit_plan_body,
    "audit-report": audit_report_body,
    "management-review": management_review_body,
    "corrective-actions": corrective_actions_body,
}
FORM_BODIES: dict[str, Callable[[Isms], str]] = {
    "org-chart": org_chart_form,
    "objectives": objectives_form,
    "annual-plan": annual_plan_form,
    "competence": competence_form,
    "training-plan": training_plan_form,
    "comprehension-tests": comprehension_tests_form,
    "training-records": training_records_form,
    "audit-plan": audit_plan_form,
    "audit-report": audit_report_form,
    "management-review": management_review_form,
    "corrective-actions": corrective_actions_form,
}
# Documents whose tables need a landscape page in Word.
LANDSCAPE = frozenset({
    "rec-objectives", "rec-annual-plan", "form-annual-plan", "rec-training-plan", "form-training-plan", "rec-training-records",
    "rec-audit-plan", "form-audit-plan", "rec-audit-report", "form-audit-report", "rec-corrective-actions",
})  # fmt: skip


def record_bodies(isms: Isms) -> dict[str, Callable[[], tuple[str, str]]]:
    """doc id -> a maker of (site body, printed body) for every record and form document of the model;
    called only for the documents a step needs."""
    out: dict[str, Callable[[], tuple[str, str]]] = {}
    for record_type, _ in RECORD_TYPES:
        doc_id = record_doc_id(record_type)
        if doc_id in isms.documents:
            make = RECORD_BODIES[record_type]
            out[doc_id] = lambda make=make: (make(isms, True), make(isms, False))
        form = form_doc_id(record_type)
        if form in isms.documents:
            form_body = FORM_BODIES[record_type]
            out[form] = lambda form_body=form_body: (form_body(isms),) * 2
    return out

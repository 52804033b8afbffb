"""Site pages of the ISMS in operation: a page per record set and blank form, their index, the
requirements checklist as of the build date (present, overdue, missing) and the status page (what
is due, done and overdue in the current ISMS year).

The build date is isms.model.clock.build_date(): SOURCE_DATE_EPOCH when set (reproducible builds),
else today. Only these site pages depend on it: the documents' bodies, the Word files and the
workbooks do not.
"""

from __future__ import annotations

import datetime as dt

from isms.bodies.checklist import readiness_body
from isms.bodies.documents import document_ref
from isms.bodies.records import person, role_name
from isms.bodies.text import esc, list_table, ref, section, title
from isms.i18n import sep, t
from isms.model import Isms
from isms.model.clock import build_date
from isms.model.readiness import OVERDUE, readiness
from isms.model.records import corrective_status, isms_year, month_name, year_bounds
from isms.render.context import BuildContext
from isms.render.html.frames import page_heading

RECORDS_LABEL = "isms-records"
STATUS_LABEL = "isms-status"
STATE_MARKS = {"done": "✔", "planned": "·", "due": "▶", "overdue": "⚠"}


def add_record_pages(context: BuildContext, site, as_of: dt.date | None = None) -> None:
    """Adds the pages to the site (isms.render.html.site.Site) and replaces the checklist's body."""
    isms = context.isms
    day = as_of or build_date()
    entries = []
    for doc in isms.ordered_documents:
        if doc.kind not in ("record", "form"):
            continue
        body = context.bodies.get(doc.id)
        if body is None:
            continue
        name = f"records/{doc.id}"
        entries.append(doc.id)
        site.add(name, "\n".join([page_heading(doc), body.site]), doc.id)
    parts = [f".. _{RECORDS_LABEL}:\n", title(t("records_title", isms.lang)), t("records_intro", isms.lang) + "\n"]
    lines = [".. toctree::", "   :maxdepth: 1", ""] + [f"   {entry}" for entry in entries]
    parts.append("\n".join(lines) + "\n")
    site.add("records/index", "\n".join(parts))
    if "checklist" in isms.documents:
        doc = isms.documents["checklist"]
        items = readiness(isms, day)
        site.pages["checklist"] = "\n".join([page_heading(doc), readiness_body(isms, items, day)])
    site.add("status", status_page(isms, day))


def status_page(isms: Isms, day: dt.date) -> str:
    lang, records = isms.lang, isms.records
    year = isms_year(day, records.year_start)
    first, last = year_bounds(year, records.year_start)
    parts = [f".. _{STATUS_LABEL}:\n", title(t("status_title", lang)), t("status_intro", lang, date=day.isoformat()) + "\n"]
    items = readiness(isms, day)
    overdue = [item for item in items if item.status == OVERDUE]
    missing = [item for item in items if item.status == "missing"]
    # The checklist may be left out for the build's audience: then named without a link, like any withheld document.
    checklist = ref("checklist") if "checklist" in isms.documents else document_ref(isms, "checklist")
    parts.append(t("status_readiness", lang, overdue=len(overdue), missing=len(missing), checklist=checklist) + "\n")
    # activities of the current ISMS year
    parts.append(section(t("status_activities", lang, year=year, first=first.isoformat(), last=last.isoformat())))
    rows = []
    for activity in records.activities:
        cells = []
        for occurrence in records.occurrences(activity, year, day):
            state = occurrence.status(day)
            when = month_name(occurrence.planned.month, lang)
            text = t(f"state_{state}", lang)
            if occurrence.done is not None:
                text += f" {occurrence.done.date.isoformat()}"
            cells.append(f"{STATE_MARKS[state]} {when}: {text}")
        rows.append((esc(activity.name(lang)), role_name(isms, activity.source.owner), "\n".join(f"- {c}" for c in cells)))
    if rows:
        parts.append(list_table((t("activity", lang), t("owner", lang), t("status_schedule", lang)), rows, widths=(30, 20, 50), css="isms-status"))
    else:
        parts.append(t("none_recorded", lang) + "\n")
    # corrective actions not closed
    parts.append(section(t("status_actions", lang)))
    rows = [
        (esc(a.id), esc(a.description), person(isms, a.owner), a.due.isoformat(), t(f"ca_{corrective_status(a, day)}", lang))
        for a in records.open_actions(day)
    ]
    if rows:
        parts.append(list_table((t("col_id", lang), t("nc_description", lang), t("owner", lang), t("due", lang), t("state", lang)), rows, widths=(12, 48, 14, 12, 14), css="isms-status"))
    else:
        parts.append(t("status_no_actions", lang) + "\n")
    # objectives
    parts.append(section(t("status_objectives", lang)))
    rows = []
    for objective in records.objectives:
        if objective.start > day:
            continue
        status, latest = records.objective_status(objective, day)
        value = f"{latest.value:g}{esc(objective.unit)} ({latest.date.isoformat()})" if latest else "—"
        rows.append((esc(objective.id), esc(objective.title), value, t(f"objective_{status}", lang), objective.due.isoformat()))
    if rows:
        parts.append(list_table((t("col_id", lang), t("objective", lang), t("latest_value", lang), t("evaluation", lang), t("due", lang)), rows, widths=(12, 44, 16, 14, 14), css="isms-status"))
    else:
        parts.append(t("none_recorded", lang) + "\n")
    # who still needs training, and competence gaps
    parts.append(section(t("status_people", lang)))
    lines = []
    plans = [p for p in records.plans if p.approved_on <= day]
    if plans:
        plan = plans[-1]
        courses = {c.id: c for c in plan.courses}
        for course_id, missing_people in records.training_needs(isms.profile, plan).items():
            lines.append(f"- {esc(courses[course_id].title)}: {sep(lang).join(person(isms, p) for p in missing_people)}")
    competence = records.model("competence")
    names = {c.id: (c.name if lang == "ja" else c.name_en) for c in competence.competences} if competence else {}
    for pid, gaps in records.competence_gaps(isms.profile, day).items():
        lines.append(f"- {person(isms, pid)}: {esc(sep(lang).join(names.get(c, c) for c in gaps))}")
    parts.append("\n".join(lines) + "\n" if lines else t("status_no_people", lang) + "\n")
    return "\n".join(parts)

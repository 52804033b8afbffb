"""Workbooks of the records people would rather filter: objectives and measurements (ISMS有効性評価表),
training (sessions, attendance, test scores, who still needs training) and the corrective actions register.

``record_workbooks(isms)`` gives them as sheet books (header row frozen, filters on) with their file
names; values are plain text, numbers and dates, never formulas (isms.render.xlsx.sheets).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from isms.i18n import t
from isms.model import Isms
from isms.model.records import corrective_status, record_doc_id
from isms.render.names import xlsx_name
from isms.render.xlsx.sheets import SheetBook


def _sheet(book: SheetBook, name: str, header: Sequence[str], rows: Iterable[Sequence[object]], widths: Sequence[int]) -> None:
    book.sheet(name, header, rows, widths, dates=True)


def _name(isms: Isms, person_id: str | None) -> str:
    found = next((p for p in [*isms.profile.people, *isms.profile.former_people] if p.id == person_id), None)
    return found.name if found else (person_id or "")


def _role(isms: Isms, role_id: str) -> str:
    role = isms.role(role_id)
    return (role.name if isms.lang == "ja" else role.name_en) if role else role_id


def objectives_workbook(isms: Isms) -> SheetBook:
    lang, records = isms.lang, isms.records
    book = SheetBook()
    rows = []
    for o in records.objectives:
        status, latest = records.objective_status(o)
        rows.append((o.id, o.title, o.indicator, o.target, o.unit, t(f"target_{o.direction.value}", lang, target=f"{o.target:g}", unit=o.unit),
                     o.method, o.frequency_months, o.plan, o.resources, _role(isms, o.owner), o.start, o.due,
                     ", ".join([*o.controls, *o.risks]), latest.value if latest else None, latest.date if latest else None, t(f"objective_{status}", lang)))  # fmt: skip
    header = (t("col_id", lang), t("objective", lang), t("indicator", lang), t("target", lang), t("unit", lang), t("target_rule", lang), t("measurement_method", lang),
              t("frequency", lang), t("plan", lang), t("resources", lang), t("owner", lang), t("period", lang), t("due", lang), t("related_items", lang),
              t("latest_value", lang), t("measured_on", lang), t("evaluation", lang))  # fmt: skip
    _sheet(book, t("objective", lang), header, rows, (12, 30, 30, 8, 6, 16, 30, 8, 30, 24, 16, 11, 11, 16, 10, 11, 10))
    rows = [(m.objective, m.date, m.value, _name(isms, m.by), m.evidence, m.note or "") for m in records.measurements]
    header = (t("objective", lang), t("measured_on", lang), t("value", lang), t("measured_by", lang), t("evidence", lang), t("note", lang))
    _sheet(book, t("measurements", lang), header, rows, (14, 12, 10, 14, 50, 30))
    return book


def training_workbook(isms: Isms) -> SheetBook:
    lang, records = isms.lang, isms.records
    courses = {c.id: c for c in records.courses}
    book = SheetBook()
    rows = []
    for session in records.sessions:
        course = courses.get(session.course)
        for pid in session.attendees:
            score = session.scores.get(pid)
            passed = records.passed(session, pid, course)
            verdict = t("passed" if passed else ("failed" if score is not None else "not_taken"), lang) if course and course.test else ""
            rows.append((session.id, session.course, course.title if course else "", session.date, _name(isms, session.trainer), _name(isms, pid), score, verdict))
    header = (t("col_id", lang), t("course_id", lang), t("course", lang), t("held_on", lang), t("trainer", lang), t("person", lang), t("score", lang), t("verdict", lang))
    _sheet(book, t("title_rec-training-records", lang), header, rows, (12, 12, 34, 12, 14, 14, 8, 10))
    rows = [(s.id, s.course, s.date, len(s.attendees), s.others, len(s.attendees) + s.others) for s in records.sessions]
    header = (t("col_id", lang), t("course_id", lang), t("held_on", lang), t("attendees", lang), t("others_column", lang), t("attendance", lang))
    _sheet(book, t("attendance", lang), header, rows, (12, 12, 12, 10, 10, 10))
    rows = []
    for plan in records.plans:
        plan_courses = {c.id: c for c in plan.courses}
        for course_id, people in records.training_needs(isms.profile, plan).items():
            rows += [(plan.year, course_id, plan_courses[course_id].title, _name(isms, pid)) for pid in people]
    header = (t("isms_year", lang), t("course_id", lang), t("course", lang), t("not_yet_trained", lang))
    _sheet(book, t("not_yet_trained", lang), header, rows, (8, 12, 40, 20))
    return book


def corrective_actions_workbook(isms: Isms) -> SheetBook:
    lang, records = isms.lang, isms.records
    book = SheetBook()
    rows = []
    for a in records.corrective_actions:
        e = a.effectiveness
        rows.append((a.id, t(f"source_{a.source.value}", lang), a.reference or "", a.raised_on, _name(isms, a.raised_by), a.department, a.clause or a.control or "",
                     t(f"grade_{a.grade.value}", lang), a.description, a.correction or "", a.root_cause or "", a.action or "", _name(isms, a.owner), a.due,
                     a.approved_on, a.done_on, e.date if e else None, (t("effective" if e.effective else "not_effective", lang) if e else ""), a.closed_on,
                     t(f"ca_{corrective_status(a)}", lang)))  # fmt: skip
    header = (t("col_id", lang), t("ca_source", lang), t("ca_reference", lang), t("raised", lang), t("raised_by", lang), t("requested_department", lang), t("requirement", lang),
              t("grade", lang), t("nc_description", lang), t("correction", lang), t("root_cause", lang), t("corrective_action", lang), t("owner", lang), t("due", lang),
              t("approval", lang), t("done_on", lang), t("effectiveness_review", lang), t("effectiveness_result", lang), t("closed_on", lang), t("state", lang))  # fmt: skip
    _sheet(book, t("ca_register", lang), header, rows, (12, 12, 12, 11, 12, 14, 8, 7, 40, 30, 30, 30, 12, 11, 11, 11, 11, 12, 11, 14))
    return book


WORKBOOKS = (
    ("objectives", "objectives", objectives_workbook),
    ("training", "training-records", training_workbook),
    ("corrective_actions", "corrective-actions", corrective_actions_workbook),
)


def record_workbooks(isms: Isms) -> list[tuple[str, SheetBook]]:
    """(file name, workbook) of each kind of record the ISMS keeps and has a document for."""
    books = []
    for key, record_type, make in WORKBOOKS:
        doc = isms.documents.get(record_doc_id(record_type))
        if isms.records.has(key) and doc is not None:
            books.append((xlsx_name(doc), make(isms)))
    return books

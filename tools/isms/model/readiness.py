"""Readiness: per item of the requirements checklist (package data clauses.yaml), whether the documented
information exists in the sources as of a date.

- ``present``: the document or labelled section exists; for a record, one exists, and for a periodic
  record the latest is within its interval;
- ``overdue``: the latest periodic record is older than its interval (or, for the annual plan and the
  corrective actions, an activity or an action is past its date);
- ``missing``: nothing in the sources. A procedure that merely names a record is not the record.

Computed as of a date (``as_of``): what an auditor would find on that day. Records dated after it
are not counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from isms.i18n import t
from isms.model import Isms
from isms.model.records import add_months, audit_date, corrective_status, isms_year, record_doc_id, shift_months
from isms.sources.catalogue import load_clauses

PRESENT, MISSING, OVERDUE = "present", "missing", "overdue"

# record kind -> the record document that shows it
RECORD_DOCUMENTS: dict[str, str] = {
    "org_chart": record_doc_id("org-chart"),
    "objectives": record_doc_id("objectives"),
    "measurements": record_doc_id("objectives"),
    "annual_plan": record_doc_id("annual-plan"),
    "competence": record_doc_id("competence"),
    "training_plan": record_doc_id("training-plan"),
    "comprehension_tests": record_doc_id("comprehension-tests"),
    "training_records": record_doc_id("training-records"),
    "risk_assessment": record_doc_id("annual-plan"),
    "audit_plans": record_doc_id("audit-plan"),
    "audit_reports": record_doc_id("audit-report"),
    "management_review": record_doc_id("management-review"),
    "corrective_actions": record_doc_id("corrective-actions"),
}
ANNUAL = 12  # competence, training: at least once a year (7.2, 7.3)


@dataclass(frozen=True)
class Finding:
    status: str
    evidence: tuple[str, ...] = ()
    due: dt.date | None = None  # when the next one was (or is) due
    at: tuple[str, tuple[str | int, ...]] | None = None  # (record file key, location) a warning points at


@dataclass(frozen=True)
class ReadinessItem:
    clause: str
    clause_title: str
    item: str
    status: str
    evidence: tuple[str, ...]
    labels: tuple[str, ...] = ()  # documents and sections to link to
    details: tuple[str, ...] = ()  # the evidence found in the records (the site shows it beside the links)
    due: dt.date | None = None
    path: Path | None = None
    line: int = 1

    def as_json(self) -> dict[str, object]:
        return {"clause": self.clause, "item": self.item, "status": self.status, "evidence": list(self.evidence)}


@dataclass
class _Context:
    isms: Isms
    as_of: dt.date
    documents: dict[str, str] = field(default_factory=dict)  # label -> "number title"

    def doc(self, doc_id: str) -> str:
        doc = self.isms.documents.get(doc_id)
        return f"{doc.number} {doc.title}" if doc else doc_id


def readiness(isms: Isms, as_of: dt.date) -> list[ReadinessItem]:
    context = _Context(isms, as_of)
    lang = isms.lang
    out = []
    for clause in load_clauses():
        for needed in clause["documents"]:
            labels = [label for label in needed.get("where", []) if label in isms.labels]
            status = PRESENT if labels or not needed.get("where") else MISSING
            evidence = [_label_text(isms, label) for label in labels]
            finding = Finding(PRESENT)
            kind = needed.get("record")
            if kind is not None:
                finding = KINDS[kind](context)
                evidence += list(finding.evidence)
                if status == PRESENT:
                    status = finding.status
            elif not needed.get("where"):
                status = MISSING
            record_doc = RECORD_DOCUMENTS.get(kind or "")
            links = tuple(labels) + ((isms.documents[record_doc].label,) if record_doc in isms.documents and kind and finding.status != MISSING else ())
            path, line = None, 1
            if finding.at is not None:
                key, loc = finding.at
                path, line = isms.records.path(key, isms.root), isms.records.line(key, *loc)
            out.append(
                ReadinessItem(
                    clause["id"], clause["title"][lang], needed[lang], status, tuple(evidence), links, finding.evidence, finding.due, path, line,
                )
            )  # fmt: skip
    return out


def _label_text(isms: Isms, label: str) -> str:
    doc = next((d for d in isms.documents.values() if d.label == label), None)
    if doc is not None:
        return f"{doc.number} {doc.title}"
    manual = isms.documents.get("manual")
    section = label.removeprefix("clause-")
    if manual is not None and label.startswith("clause-"):
        return f"{manual.number} {manual.title} {section}"
    return f"{manual.number} {manual.title} ({label})" if manual else label


def _periodic(context: _Context, doc_id: str, dates: list[tuple[dt.date, str, tuple[str, tuple[str | int, ...]]]], months: int) -> Finding:
    """The latest of (date, what, where) on or before as_of, against an interval in months."""
    seen = sorted((d for d in dates if d[0] <= context.as_of), key=lambda d: d[0])
    if not seen:
        return Finding(MISSING)
    day, what, at = seen[-1]
    due = shift_months(day, months)
    evidence = (f"{context.doc(doc_id)}: {what} ({day.isoformat()})",)
    return Finding(PRESENT if context.as_of <= due else OVERDUE, evidence, due, at)


# --------------------------------------------------------------------------- the kinds of records


def _org_chart(context: _Context) -> Finding:
    roles = context.isms.profile.roles
    holders = sum(len(r.holders) for r in roles)
    return Finding(PRESENT, (f"{context.doc(record_doc_id('org-chart'))}: {t('readiness_roles', context.isms.lang, roles=len(roles), holders=holders)}",))


def _current_objectives(context: _Context):
    return [o for o in context.isms.records.objectives if o.start <= context.as_of]


def _objectives(context: _Context) -> Finding:
    records = context.isms.records
    started = _current_objectives(context)
    if not started:
        return Finding(MISSING)
    current = [o for o in started if o.due >= context.as_of]
    doc = context.doc(record_doc_id("objectives"))
    latest = max(started, key=lambda o: o.due)
    index = next(n for n, o in enumerate(records.objectives) if o is latest)
    if not current:
        return Finding(OVERDUE, (f"{doc}: {latest.id} ({t('readiness_until', context.isms.lang, date=latest.due.isoformat())})",), latest.due, ("objectives", ("objectives", index, "due")))
    return Finding(PRESENT, (f"{doc}: {', '.join(o.id for o in current)}",), min(o.due for o in current))


def _measurements(context: _Context) -> Finding:
    records = context.isms.records
    started = _current_objectives(context)
    current = [o for o in started if o.due >= context.as_of] or ([max(started, key=lambda o: o.due)] if started else [])
    if not current:
        return Finding(MISSING)
    evidence, worst = [], Finding(PRESENT)
    for objective in current:
        found = records.measurements_of(objective.id, context.as_of)
        if not found:
            # not yet measured: due one interval after the objective was set
            due = shift_months(objective.start, objective.frequency_months)
            if context.as_of > due:
                index = records.objectives.index(objective)
                worst = Finding(OVERDUE, due=due, at=("objectives", ("objectives", index)))
            continue
        latest = found[-1]
        index = records.measurements.index(latest)
        finding = _periodic(context, record_doc_id("objectives"), [(latest.date, objective.id, ("objectives", ("measurements", index)))], objective.frequency_months)
        evidence.append(f"{objective.id} ({latest.date.isoformat()})")
        if finding.status == OVERDUE and worst.status != OVERDUE:
            worst = finding
    if not evidence and worst.status != OVERDUE:
        return Finding(MISSING)
    text = (f"{context.doc(record_doc_id('objectives'))}: {', '.join(evidence)}",) if evidence else ()
    return Finding(worst.status, text, worst.due, worst.at)


def _annual_plan(context: _Context) -> Finding:
    records = context.isms.records
    if not records.activities:
        return Finding(MISSING)
    lang = context.isms.lang
    year = isms_year(context.as_of, records.year_start)
    since = max(add_months(context.as_of, -12), records.owed_from())
    overdue = []
    for activity in records.activities:
        for occurrence in records.occurrences(activity, year - 1, context.as_of) + records.occurrences(activity, year, context.as_of):
            if occurrence.planned >= since and occurrence.status(context.as_of) == "overdue":
                overdue.append((activity, occurrence))
    doc = context.doc(record_doc_id("annual-plan"))
    evidence = [f"{doc}: {t('readiness_activities', lang, count=len(records.activities))}"]
    if overdue:
        activity, occurrence = overdue[0]
        evidence += [f"{a.name(lang)} ({o.planned.strftime('%Y-%m')})" for a, o in overdue]
        index = records.activities.index(activity)
        return Finding(OVERDUE, tuple(evidence), occurrence.planned, ("activities", ("activities", index)))
    return Finding(PRESENT, tuple(evidence))


def _competence(context: _Context) -> Finding:
    """Everyone evaluated within a year: the oldest of the latest evaluations decides."""
    data = context.isms.records.model("competence")
    if data is None:
        return Finding(MISSING)
    latest: dict[str, tuple[dt.date, str, tuple[str, tuple[str | int, ...]]]] = {}
    for n, evaluation in enumerate(data.evaluations):
        if evaluation.date <= context.as_of and (evaluation.person not in latest or latest[evaluation.person][0] < evaluation.date):
            latest[evaluation.person] = (evaluation.date, evaluation.person, ("competence", ("evaluations", n)))
    if not latest:
        return Finding(MISSING)
    oldest = min(latest.values(), key=lambda item: item[0])
    finding = _periodic(context, record_doc_id("competence"), [oldest], ANNUAL)
    newest = max(day for day, _, _ in latest.values())
    text = t("readiness_evaluated", context.isms.lang, count=len(latest), oldest=oldest[0].isoformat(), newest=newest.isoformat())
    return Finding(finding.status, (f"{context.doc(record_doc_id('competence'))}: {text}",), finding.due, finding.at)


def _training_plan(context: _Context) -> Finding:
    records = context.isms.records
    plans = [(n, p) for n, p in enumerate(records.model("training").plans if records.has("training") else []) if p.approved_on <= context.as_of]
    if not plans:
        return Finding(MISSING)
    year = isms_year(context.as_of, records.year_start)
    index, latest = max(plans, key=lambda item: item[1].year)
    evidence = (f"{context.doc(record_doc_id('training-plan'))}: {t('readiness_year', context.isms.lang, year=latest.year)}",)
    if latest.year < year:
        return Finding(OVERDUE, evidence, dt.date(year, records.year_start, 1), ("training", ("plans", index)))
    return Finding(PRESENT, evidence)


def _sessions(context: _Context, doc_type: str, tested: bool) -> Finding:
    records = context.isms.records
    data = records.model("training")
    if data is None:
        return Finding(MISSING)
    dates = [(s.date, s.id, ("training", ("sessions", n))) for n, s in enumerate(data.sessions) if s.scores or not tested]
    return _periodic(context, record_doc_id(doc_type), dates, ANNUAL)


def _risk_assessment(context: _Context) -> Finding:
    records = context.isms.records
    activity = next((a for a in records.activities if a.source.review == "risk_assessment"), None)
    if activity is None:
        return Finding(MISSING)
    dates = [(c.date, c.record, ("activities", ("activities", records.activities.index(activity)))) for c in records.completions.get(activity.id, ())]
    return _periodic(context, record_doc_id("annual-plan"), dates, context.isms.profile.review.risk_assessment)


def _audit_plans(context: _Context) -> Finding:
    records = context.isms.records
    data = records.model("audits")
    if data is None or not data.audits:
        return Finding(MISSING)
    approved = [(n, a) for n, a in enumerate(data.audits) if a.approved_on <= context.as_of]
    if not approved:
        return Finding(MISSING)
    doc = record_doc_id("audit-plan")
    upcoming = [a for _, a in approved if audit_date(a) > context.as_of]
    if upcoming:
        return Finding(PRESENT, tuple(f"{context.doc(doc)}: {a.id} ({audit_date(a).isoformat()})" for a in upcoming))
    dates = [(audit_date(a), a.id, ("audits", ("audits", n))) for n, a in approved]
    return _periodic(context, doc, dates, context.isms.profile.review.internal_audit)


def _audit_reports(context: _Context) -> Finding:
    data = context.isms.records.model("audits")
    if data is None:
        return Finding(MISSING)
    dates = [(a.report.date, a.id, ("audits", ("audits", n, "report"))) for n, a in enumerate(data.audits) if a.report is not None]
    return _periodic(context, record_doc_id("audit-report"), dates, context.isms.profile.review.internal_audit)


def _management_review(context: _Context) -> Finding:
    data = context.isms.records.model("reviews")
    if data is None:
        return Finding(MISSING)
    dates = [(r.date, r.id, ("reviews", ("reviews", n))) for n, r in enumerate(data.reviews)]
    return _periodic(context, record_doc_id("management-review"), dates, context.isms.profile.review.management_review)


def _corrective_actions(context: _Context) -> Finding:
    records = context.isms.records
    if not records.has("corrective_actions"):
        return Finding(MISSING)
    lang = context.isms.lang
    raised = [a for a in records.corrective_actions if a.raised_on <= context.as_of]
    still_open = list(records.open_actions(context.as_of))
    doc = context.doc(record_doc_id("corrective-actions"))
    evidence = [f"{doc}: {t('readiness_actions', lang, count=len(raised), open=len(still_open))}"]
    late = [a for a in still_open if corrective_status(a, context.as_of) == "overdue"]
    if late:
        index = records.model("corrective_actions").nonconformities.index(late[0])
        evidence += [f"{a.id} ({t('due', lang)} {a.due.isoformat()})" for a in late]
        return Finding(OVERDUE, tuple(evidence), late[0].due, ("corrective_actions", ("nonconformities", index, "due")))
    return Finding(PRESENT, tuple(evidence))


KINDS = {
    "org_chart": _org_chart,
    "objectives": _objectives,
    "measurements": _measurements,
    "annual_plan": _annual_plan,
    "competence": _competence,
    "training_plan": _training_plan,
    "comprehension_tests": lambda context: _sessions(context, "comprehension-tests", tested=True),
    "training_records": lambda context: _sessions(context, "training-records", tested=False),
    "risk_assessment": _risk_assessment,
    "audit_plans": _audit_plans,
    "audit_reports": _audit_reports,
    "management_review": _management_review,
    "corrective_actions": _corrective_actions,
}

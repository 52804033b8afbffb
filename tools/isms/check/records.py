"""Check rules of the ISMS in operation: declared activities and the records (manual_src/activities.yaml,
manual_src/records/*.yaml) against the profile, the SoA, the risk register and each other.

Errors: unknown people (current, or former_people of the profile), roles, departments, controls,
risks, activities, objectives, competences and courses; records dated after today; an audit cycle
that ended with a clause or an applicable control unaudited (a warning while the cycle is under way);
an auditor auditing their own department or their own work, or without
the required competence; a nonconformity without its corrective action request; a corrective action
closed without a positive effectiveness review; an activity whose schedule disagrees with the
profile's review interval.

Warnings (severity "warning": printed, but a build goes on): what is overdue as of the evaluation
date (isms.model.readiness), and texts that restate a declared activity's schedule (isms.check.schedules).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from isms.model import Isms
from isms.model.readiness import OVERDUE, readiness
from isms.model.records import audit_date, corrective_status, expand_clauses, isms_year
from isms.problems import Problem
from isms.sources.loader import LoadedYaml
from isms.sources.records_schema import AuditResult
from isms.sources.schema import IDENT_PATTERN, ReviewIntervals

_IDENT = re.compile(IDENT_PATTERN)


class _Rules:
    """Problems of one record file, each at the line of the value at fault."""

    def __init__(self, isms: Isms, key: str, today: dt.date) -> None:
        self.isms = isms
        self.loaded: LoadedYaml = isms.records.files[key]
        self.today = today
        self.problems: list[Problem] = []
        profile = isms.profile
        self.people = {p.id: p for p in [*profile.former_people, *profile.people]}  # records name people who left, too
        self.roles = {r.id: r for r in profile.roles}
        self.departments = {d.id for d in profile.departments}
        self.applicable = {d.id for d in isms.decisions if d.source.applicable}
        self.controls = {c.id for c in isms.catalogue}

    def add(self, message: str, *loc: str | int, severity: str = "error") -> None:
        line, col = self.loaded.where(*loc)
        self.problems.append(Problem(self.loaded.path, line, col, message, severity))

    def person(self, value: str | None, *loc: str | int) -> None:
        if value is not None and value not in self.people:
            self.add(f"'{value}' is not a person in the profile (people: {', '.join(sorted(self.people))})", *loc)

    def role(self, value: str | None, *loc: str | int) -> None:
        if value is not None and value not in self.roles:
            self.add(f"'{value}' is not a role in the profile (roles: {', '.join(sorted(self.roles))})", *loc)

    def department(self, value: str, *loc: str | int) -> None:
        if value not in self.departments:
            self.add(f"'{value}' is not a department in the profile (departments: {', '.join(sorted(self.departments))})", *loc)

    def control(self, value: str | None, *loc: str | int, applicable: bool = True) -> None:
        if value is None:
            return
        if value not in self.controls:
            self.add(f"unknown control id '{value}': ISO/IEC 27001:2022 Annex A has 5.1-5.37, 6.1-6.8, 7.1-7.14, 8.1-8.34", *loc)
        elif applicable and value not in self.applicable:
            self.add(f"control {value} is excluded in the SoA (controls/{value}.yaml): name an applicable control", *loc)

    def past(self, day: dt.date | None, what: str, *loc: str | int) -> None:
        if day is not None and day > self.today:
            self.add(f"{what} {day.isoformat()} is in the future (today is {self.today.isoformat()}): a record is written after the fact", *loc)

    def unique(self, ids: list[str], key: str, what: str) -> None:
        for dup, count in Counter(ids).items():
            if count > 1:
                indexes = [n for n, i in enumerate(ids) if i == dup]
                first = self.loaded.where(key, indexes[0], "id")[0]
                for index in indexes[1:]:
                    self.add(f"duplicate {what} id '{dup}' (first used on line {first}): give each its own id", key, index, "id")


def check_records(isms: Isms, today: dt.date, as_of: dt.date) -> list[Problem]:
    """Errors about the record files as of today; warnings about what is overdue as of as_of."""
    problems: list[Problem] = []
    files = isms.records.files
    rules = {
        "activities": _activities, "activity_log": _activity_log, "objectives": _objectives, "competence": _competence,
        "training": _training, "audits": _audits, "reviews": _reviews, "corrective_actions": _corrective_actions,
    }  # fmt: skip
    problems += _former_people(isms)
    for key, rule in rules.items():
        if key in files:
            checker = _Rules(isms, key, today)
            rule(checker)
            problems += checker.problems
    if not any(p.severity == "error" for p in problems):
        problems += overdue_warnings(isms, as_of)
    return problems


def _former_people(isms: Isms) -> list[Problem]:
    """People who left keep their id for the records: not also a current person, in a known department."""
    profile = isms.profile
    if not profile.former_people:
        return []
    path = isms.root / "manual_src/profile.yaml"
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    start = next((n for n, line in enumerate(lines) if line.startswith("former_people:")), 0)

    def line_of(person_id: str) -> int:
        return next((n + 1 for n in range(start, len(lines)) if re.search(rf"\bid:\s*{re.escape(person_id)}\b", lines[n])), start + 1)

    current = {p.id for p in profile.people}
    departments = {d.id for d in profile.departments}
    found = []
    for person in profile.former_people:
        if person.id in current:
            found.append(Problem(path, line_of(person.id), 1, f"former_people: '{person.id}' is also in people: a person is either current or has left"))
        if person.department not in departments:
            found.append(Problem(path, line_of(person.id), 1, f"former_people: department '{person.department}' of '{person.id}' is not defined in the profile"))
    return found


def _activity_ref(rules: _Rules, value: str | None, *loc: str | int) -> None:
    known = {a.id for a in rules.isms.records.activities}
    if value is not None and value not in known:
        hint = f"declared activities: {', '.join(sorted(known))}" if known else "no activities are declared in manual_src/activities.yaml"
        rules.add(f"unknown activity '{value}' ({hint})", *loc)


# --------------------------------------------------------------------------- activities and their log


def _activities(rules: _Rules) -> None:
    records = rules.isms.records
    activities = records.activities
    rules.unique([a.id for a in activities], "activities", "activity")
    intervals = ReviewIntervals.model_fields
    for index, activity in enumerate(activities):
        src = activity.source
        rules.role(src.owner, "activities", index, "owner")
        rules.control(src.control, "activities", index, "control")
        if src.clause is not None and not expand_clauses([src.clause]):
            rules.add(f"clause {src.clause} is not a clause of ISO/IEC 27001 4-10", "activities", index, "clause")
        if src.review is not None:
            if src.review not in intervals:
                rules.add(f"'{src.review}' is not a review interval of the profile ({', '.join(intervals)})", "activities", index, "review")
            else:
                months = getattr(rules.isms.profile.review, src.review)
                if activity.interval != months:
                    rules.add(
                        f"activity {src.id} is done every {activity.interval} months ({activity.schedule('en')}), but the profile's "
                        f"review.{src.review} says every {months} months: make them agree",
                        "activities", index, "months",
                    )  # fmt: skip


def _activity_log(rules: _Rules) -> None:
    log = rules.loaded.model.log
    for index, entry in enumerate(log):
        _activity_ref(rules, entry.activity, "log", index, "activity")
        rules.person(entry.by, "log", index, "by")
        rules.past(entry.date, "date", "log", index, "date")


# --------------------------------------------------------------------------- objectives


def _objectives(rules: _Rules) -> None:
    data = rules.loaded.model
    rules.unique([o.id for o in data.objectives], "objectives", "objective")
    risks = {r.id for r in rules.isms.risks.risks}
    for index, objective in enumerate(data.objectives):
        rules.role(objective.owner, "objectives", index, "owner")
        for pos, control in enumerate(objective.controls):
            rules.control(control, "objectives", index, "controls", pos)
        for pos, risk in enumerate(objective.risks):
            if risk not in risks:
                rules.add(f"unknown risk '{risk}': not in the risk register (manual_src/risks.yaml)", "objectives", index, "risks", pos)
        if objective.due < objective.start:
            rules.add(f"objective {objective.id} is due ({objective.due.isoformat()}) before it starts ({objective.start.isoformat()})", "objectives", index, "due")
    known = {o.id for o in data.objectives}
    for index, measurement in enumerate(data.measurements):
        if measurement.objective not in known:
            rules.add(f"measurement of an unknown objective '{measurement.objective}' (objectives: {', '.join(sorted(known)) or 'none'})", "measurements", index, "objective")
        rules.person(measurement.by, "measurements", index, "by")
        rules.past(measurement.date, "measurement date", "measurements", index, "date")


# --------------------------------------------------------------------------- competence and training


def _competence_ids(rules: _Rules) -> set[str] | None:
    """The competences of competence.yaml, or None without the file (references cannot be verified:
    the requirements checklist reports 7.2 missing instead)."""
    data = rules.isms.records.model("competence")
    return {c.id for c in data.competences} if data else None


def _competence(rules: _Rules) -> None:
    data = rules.loaded.model
    rules.unique([c.id for c in data.competences], "competences", "competence")
    known = _competence_ids(rules) or set()
    for index, requirement in enumerate(data.requirements):
        rules.role(requirement.role, "requirements", index, "role")
        for pos, competence in enumerate(requirement.competences):
            if competence not in known:
                rules.add(f"unknown competence '{competence}' (competences: {', '.join(sorted(known))})", "requirements", index, "competences", pos)
    for index, evaluation in enumerate(data.evaluations):
        rules.person(evaluation.person, "evaluations", index, "person")
        rules.person(evaluation.by, "evaluations", index, "by")
        if evaluation.by == evaluation.person:
            rules.add(f"{evaluation.person} evaluates their own competence: have someone else evaluate it", "evaluations", index, "by")
        rules.past(evaluation.date, "evaluation date", "evaluations", index, "date")
        _activity_ref(rules, evaluation.activity, "evaluations", index, "activity")
        for competence in evaluation.results:
            if competence not in known:
                rules.add(f"unknown competence '{competence}' (competences: {', '.join(sorted(known))})", "evaluations", index, "results", competence)


def _training(rules: _Rules) -> None:
    data = rules.loaded.model
    competences = _competence_ids(rules)
    course_ids = [c.id for plan in data.plans for c in plan.courses]
    for dup, count in Counter(course_ids).items():
        if count > 1:
            rules.add(f"course id '{dup}' is used {count} times: give each course its own id", "plans")
    years = Counter(plan.year for plan in data.plans)
    for index, plan in enumerate(data.plans):
        if years[plan.year] > 1:
            rules.add(f"two training plans for ISMS year {plan.year}: keep one plan a year", "plans", index, "year")
        rules.person(plan.prepared_by, "plans", index, "prepared_by")
        rules.person(plan.approved_by, "plans", index, "approved_by")
        rules.past(plan.approved_on, "approval date", "plans", index, "approved_on")
        for pos, course in enumerate(plan.courses):
            at = ("plans", index, "courses", pos)
            for n, role in enumerate(course.audience.roles):
                rules.role(role, *at, "audience", "roles", n)
            for n, dept in enumerate(course.audience.departments):
                rules.department(dept, *at, "audience", "departments", n)
            for n, pid in enumerate(course.audience.people):
                rules.person(pid, *at, "audience", "people", n)
            for n, competence in enumerate(course.competences):
                if competences is not None and competence not in competences:
                    rules.add(f"unknown competence '{competence}' (see manual_src/records/competence.yaml)", *at, "competences", n)
            _activity_ref(rules, course.activity, *at, "activity")
    courses = {c.id: c for plan in data.plans for c in plan.courses}
    rules.unique([s.id for s in data.sessions], "sessions", "session")
    for index, session in enumerate(data.sessions):
        course = courses.get(session.course)
        if course is None:
            rules.add(f"unknown course '{session.course}' (courses: {', '.join(sorted(courses)) or 'none'})", "sessions", index, "course")
        for pos, pid in enumerate(session.attendees):
            rules.person(pid, "sessions", index, "attendees", pos)
        if _IDENT.fullmatch(session.trainer):
            rules.person(session.trainer, "sessions", index, "trainer")
        for pid, score in session.scores.items():
            if pid not in session.attendees:
                rules.add(f"a test score for {pid}, who is not among the attendees: add them to 'attendees'", "sessions", index, "scores", pid)
            if not 0 <= score <= 100:
                rules.add(f"score {score} of {pid} is not between 0 and 100", "sessions", index, "scores", pid)
        if course is not None and course.test is None and session.scores:
            rules.add(f"course {course.id} has no comprehension test, but the session records scores: add 'test' to the course", "sessions", index, "scores")
        rules.past(session.date, "session date", "sessions", index, "date")


# --------------------------------------------------------------------------- internal audit


def _audits(rules: _Rules) -> None:
    isms = rules.isms
    records = isms.records
    data = rules.loaded.model
    rules.unique([a.id for a in data.audits], "audits", "audit")
    competence = data.programme.auditor_competence
    known = _competence_ids(rules)
    if competence is not None and known is not None and competence not in known:
        rules.add(f"unknown competence '{competence}' (see manual_src/records/competence.yaml)", "programme", "auditor_competence")
    if known is None or competence not in known:
        competence = None  # nothing to verify the auditors against
    finding_ids = [f.id for a in data.audits for f in a.results]
    for dup, count in Counter(finding_ids).items():
        if count > 1:
            rules.add(f"finding id '{dup}' is used {count} times: give each finding its own id", "audits")
    actions = {a.id for a in records.corrective_actions} if records.has("corrective_actions") else None
    for index, audit in enumerate(data.audits):
        at = ("audits", index)
        rules.person(audit.planned_by, *at, "planned_by")
        rules.person(audit.approved_by, *at, "approved_by")
        rules.past(audit.approved_on, "approval date", *at, "approved_on")
        _activity_ref(rules, audit.activity, *at, "activity")
        if audit.approved_by == audit.planned_by:
            rules.add(f"audit {audit.id} is approved by the person who planned it: the plan needs another approver", *at, "approved_by")
        for pos, entry in enumerate(audit.scope):
            _scope_rules(rules, audit, pos, entry, competence)
        held = audit_date(audit)
        if audit.results or audit.report is not None:
            for pos, entry in enumerate(audit.scope):
                rules.past(entry.date, "audit date", *at, "scope", pos, "date")
        for pos, finding in enumerate(audit.results):
            _finding_rules(rules, audit, pos, finding, actions)
        if audit.report is not None:
            rules.person(audit.report.by, *at, "report", "by")
            rules.past(audit.report.date, "report date", *at, "report", "date")
            if audit.report.date < held:
                rules.add(f"the report of {audit.id} ({audit.report.date.isoformat()}) is dated before the audit ({held.isoformat()})", *at, "report", "date")
    _coverage(rules)


def _scope_rules(rules: _Rules, audit, pos: int, entry, competence: str | None) -> None:
    at = ("audits", rules.loaded.model.audits.index(audit), "scope", pos)
    rules.department(entry.department, *at, "department")
    for n, clause in enumerate(entry.clauses):
        if not expand_clauses([clause]):
            rules.add(f"clause {clause} is not a clause of ISO/IEC 27001 4-10", *at, "clauses", n)
    for n, control in enumerate(entry.controls):
        rules.control(control, *at, "controls", n)
    owners = {d.id: d.source.owner for d in rules.isms.decisions}
    latest = rules.isms.records.latest_evaluations(entry.date)
    for n, auditor in enumerate(entry.auditors):
        person = rules.people.get(auditor)
        if person is None:
            rules.person(auditor, *at, "auditors", n)
            continue
        if person.department == entry.department:
            rules.add(
                f"auditor {auditor} ({person.name}) belongs to the audited department '{entry.department}': "
                "auditors do not audit their own department (9.2, 5.35): assign an auditor from another department",
                *at, "auditors", n,
            )  # fmt: skip
        own = [c for c in entry.controls if (role := rules.roles.get(owners.get(c) or "")) is not None and role.holders == [auditor]]
        if own:
            rules.add(
                f"auditor {auditor} ({person.name}) would audit their own work: they alone hold the owner role of "
                f"{', '.join(own)}: assign another auditor to these controls",
                *at, "auditors", n,
            )  # fmt: skip
        if competence is not None:
            evaluation = latest.get(auditor)
            result = evaluation.results.get(competence) if evaluation else None
            if result is None or result.value != "met":
                rules.add(
                    f"auditor {auditor} ({person.name}) has no evaluation of '{competence}' as met by {entry.date.isoformat()} "
                    "(manual_src/records/competence.yaml): auditors must be competent (7.2)",
                    *at, "auditors", n,
                )  # fmt: skip


def _finding_rules(rules: _Rules, audit, pos: int, finding, actions: set[str] | None) -> None:
    index = rules.loaded.model.audits.index(audit)
    at = ("audits", index, "results", pos)
    rules.department(finding.department, *at, "department")
    rules.person(finding.auditor, *at, "auditor")
    entries = [e for e in audit.scope if e.department == finding.department]
    if finding.control is not None:
        rules.control(finding.control, *at, "control")
        if not any(finding.control in e.controls for e in entries):
            rules.add(f"finding {finding.id}: control {finding.control} is not in the audit plan's scope for '{finding.department}'", *at, "control")
    if finding.clause is not None and not any(expand_clauses([finding.clause]) <= expand_clauses(e.clauses) for e in entries):
        rules.add(f"finding {finding.id}: clause {finding.clause} is not in the audit plan's scope for '{finding.department}'", *at, "clause")
    if entries and finding.auditor in rules.people and not any(finding.auditor in e.auditors for e in entries):
        rules.add(f"finding {finding.id}: {finding.auditor} is not an auditor of '{finding.department}' in this audit plan", *at, "auditor")
    if finding.result is AuditResult.nonconformity:
        if finding.corrective_action is None:
            rules.add(f"nonconformity {finding.id} needs its corrective action request: add 'corrective_action: <id>' (manual_src/records/corrective_actions.yaml)", *at, "result")
        elif actions is not None and finding.corrective_action not in actions:
            rules.add(f"unknown corrective action '{finding.corrective_action}' (manual_src/records/corrective_actions.yaml)", *at, "corrective_action")


def _coverage(rules: _Rules) -> None:
    """Within each audit cycle, the audits cover every clause 4-10 and every applicable control."""
    records = rules.isms.records
    audits = rules.loaded.model.audits
    cycles: dict[int, list[int]] = {}
    for index, audit in enumerate(audits):
        cycle = records.cycle(audit_date(audit))
        if cycle is None:
            rules.add(f"audit {audit.id} is before the programme's cycle_start", "audits", index, "scope")
            continue
        cycles.setdefault(cycle, []).append(index)
    every_clause = expand_clauses(["4", "5", "6", "7", "8", "9", "10"])
    for cycle, indexes in sorted(cycles.items()):
        scope = [entry for index in indexes for entry in audits[index].scope]
        clauses = every_clause - expand_clauses(c for e in scope for c in e.clauses)
        controls = sorted(rules.applicable - {c for e in scope for c in e.controls}, key=lambda c: tuple(int(x) for x in c.split(".")))
        first, last = records.cycle_bounds(cycle)
        last_audit = indexes[-1]
        where = f"the audit cycle {first.isoformat()} to {last.isoformat()}"
        # A cycle that has ended is the programme as it was carried out: a gap is an error. In the
        # cycle under way, a gap (a control made applicable since, say) is a warning until planned.
        ended = last < rules.today
        severity = "error" if ended else "warning"
        fix = "the programme did not audit them" if ended else f"plan them in an audit of the cycle before {last.isoformat()}"
        if clauses:
            ordered = sorted(clauses, key=lambda c: tuple(int(x) for x in c.split(".")))
            rules.add(f"{where} leaves clauses {', '.join(ordered)} unaudited: {fix}", "audits", last_audit, "scope", severity=severity)
        if controls:
            listed = f"{', '.join(controls[:12])}{' ...' if len(controls) > 12 else ''}"
            rules.add(f"{where} leaves {len(controls)} applicable controls unaudited ({listed}): {fix}", "audits", last_audit, "scope", severity=severity)


# --------------------------------------------------------------------------- management review


def _reviews(rules: _Rules) -> None:
    data = rules.loaded.model
    rules.unique([r.id for r in data.reviews], "reviews", "review")
    action_ids = [a.id for r in data.reviews for a in r.actions]
    for dup, count in Counter(action_ids).items():
        if count > 1:
            rules.add(f"action id '{dup}' is used {count} times: give each action its own id", "reviews")
    ordered = sorted(data.reviews, key=lambda r: r.date)
    for index, review in enumerate(data.reviews):
        at = ("reviews", index)
        rules.person(review.chair, *at, "chair")
        rules.person(review.approved_by, *at, "approved_by")
        for pos, pid in enumerate(review.attendees):
            rules.person(pid, *at, "attendees", pos)
        _activity_ref(rules, review.activity, *at, "activity")
        rules.past(review.date, "review date", *at, "date")
        rules.past(review.approved_on, "approval date", *at, "approved_on")
        if review.approved_on < review.date:
            rules.add(f"review {review.id} is approved ({review.approved_on.isoformat()}) before it was held ({review.date.isoformat()})", *at, "approved_on")
        earlier = [r for r in ordered if r.date < review.date]
        if not earlier and not review.inputs.previous_actions:
            rules.add(
                f"review {review.id} lacks input a) of 9.3.2: no earlier review is recorded here, so write the status of the "
                "previous review's actions in inputs.previous_actions",
                *at, "inputs",
            )  # fmt: skip
        for pos, action in enumerate(review.actions):
            rules.person(action.owner, *at, "actions", pos, "owner")
            rules.past(action.done, "done date", *at, "actions", pos, "done")


# --------------------------------------------------------------------------- corrective actions


def _corrective_actions(rules: _Rules) -> None:
    data = rules.loaded.model
    rules.unique([a.id for a in data.nonconformities], "nonconformities", "nonconformity")
    findings = {f.id for a in rules.isms.records.audits for f in a.results}
    audited = rules.isms.records.has("audits")  # without audits.yaml, a finding cannot be looked up
    reviews = {r.id for r in rules.isms.records.reviews}
    for index, action in enumerate(data.nonconformities):
        at = ("nonconformities", index)
        for field in ("raised_by", "owner", "approved_by"):
            rules.person(getattr(action, field), *at, field)
        rules.department(action.department, *at, "department")
        rules.control(action.control, *at, "control")
        if action.clause is not None and not expand_clauses([action.clause]):
            rules.add(f"clause {action.clause} is not a clause of ISO/IEC 27001 4-10", *at, "clause")
        if action.source.value == "internal_audit" and (action.reference is None or (audited and action.reference not in findings)):
            rules.add(f"{action.id} comes from an internal audit: 'reference' must name its finding (findings: {', '.join(sorted(findings)) or 'none'})", *at, "reference" if action.reference else "source")
        if action.source.value == "management_review" and action.reference is not None and action.reference not in reviews:
            rules.add(f"unknown management review '{action.reference}'", *at, "reference")
        for field in ("raised_on", "approved_on", "done_on", "closed_on"):
            rules.past(getattr(action, field), field.replace("_", " "), *at, field)
        effectiveness = action.effectiveness
        if effectiveness is not None:
            rules.person(effectiveness.by, *at, "effectiveness", "by")
            rules.past(effectiveness.date, "effectiveness review date", *at, "effectiveness", "date")
            if action.done_on is None or effectiveness.date < action.done_on:
                rules.add(f"{action.id}: the effectiveness is reviewed before the corrective action is done ('done_on')", *at, "effectiveness", "date")
        if action.closed_on is not None:
            if effectiveness is None:
                rules.add(f"{action.id} is closed without an effectiveness review: add 'effectiveness' (date, by, method, effective) or remove 'closed_on'", *at, "closed_on")
            elif not effectiveness.effective:
                rules.add(f"{action.id} is closed although its corrective action was not effective: act again and review the new action", *at, "closed_on")
            if action.done_on is None:
                rules.add(f"{action.id} is closed but the corrective action is not done: add 'done_on'", *at, "closed_on")
        if action.done_on is not None and action.action is None:
            rules.add(f"{action.id} is done but says no corrective action: write it in 'action'", *at, "done_on")


# --------------------------------------------------------------------------- overdue (warnings)


def overdue_warnings(isms: Isms, as_of: dt.date) -> list[Problem]:
    """What an auditor would find overdue on as_of: activities, corrective actions, periodic records."""
    problems: list[Problem] = []
    records = isms.records
    if records.has("activities"):
        loaded = records.files["activities"]
        year = isms_year(as_of, records.year_start)
        since = records.owed_from()
        for index, activity in enumerate(records.activities):
            late = [
                o.planned.strftime("%Y-%m")
                for o in records.occurrences(activity, year - 1, as_of) + records.occurrences(activity, year, as_of)
                if o.planned >= since and o.status(as_of) == OVERDUE
            ]
            if late:
                line, col = loaded.where("activities", index, "months")
                problems.append(Problem(loaded.path, line, col, (
                    f"activity {activity.id} ({activity.source.name}) is overdue on {as_of.isoformat()}: nothing recorded for "
                    f"{', '.join(late)} (manual_src/records/activity_log.yaml, or the record it produces)"
                ), "warning"))  # fmt: skip
    if records.has("corrective_actions"):
        loaded = records.files["corrective_actions"]
        for index, action in enumerate(loaded.model.nonconformities):
            if action.raised_on <= as_of and corrective_status(action, as_of) == "overdue":
                line, col = loaded.where("nonconformities", index, "due")
                problems.append(Problem(loaded.path, line, col, f"corrective action {action.id} was due on {action.due.isoformat()} and is not done", "warning"))
    for item in readiness(isms, as_of):
        if item.status != OVERDUE or item.path is None or item.path.name in ("activities.yaml", "corrective_actions.yaml"):
            continue  # the activities and corrective actions have their own warnings above
        due = f", due by {item.due.isoformat()}" if item.due else ""
        problems.append(Problem(item.path, item.line, 1, f"clause {item.clause}: '{item.item}' is overdue on {as_of.isoformat()}{due}: record the next one", "warning"))
    return problems

"""The ISMS in operation, typed and computed: declared activities with their schedules, completions
and occurrences in an ISMS year; objectives with their evaluation; competence gaps; training needs;
audit coverage. Built from the record files (isms.sources.records_schema); every function that
depends on a date takes it (``as_of``): nothing here reads the clock.

The record documents are listed in RECORD_TYPES: each has a blank form (様式, numbered by the
profile's ``numbering.form``) and, when its data file exists, the filled record (``numbering.record``,
same {seq}).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from isms.i18n import sep, t
from isms.sources.catalogue import load_clauses
from isms.sources.loader import RECORD_FILES, LoadedYaml
from isms.sources.records_schema import (
    ActivitySource,
    AuditSource,
    CompetenceFile,
    CorrectiveActionSource,
    CourseSource,
    Direction,
    MeasurementSource,
    ObjectiveSource,
    ReviewSource,
    SessionSource,
    TrainingPlanSource,
)
from isms.sources.schema import Profile

# (record type, the record file its filled record needs or None: always made from the profile)
RECORD_TYPES: tuple[tuple[str, str | None], ...] = (
    ("org-chart", None),  # ISMS体制図 (5.3), from the profile
    ("objectives", "objectives"),  # ISMS有効性評価表 (6.2, 9.1)
    ("annual-plan", "activities"),  # ISMS年間計画表 (8.1)
    ("competence", "competence"),  # 力量確認表 (7.2)
    ("training-plan", "training"),  # 教育計画書 (7.2)
    ("comprehension-tests", "training"),  # 理解度確認テスト (7.2)
    ("training-records", "training"),  # 教育実施記録 (7.2, 7.3)
    ("audit-plan", "audits"),  # 内部監査計画書 (9.2)
    ("audit-report", "audits"),  # 内部監査結果報告書 (9.2)
    ("management-review", "reviews"),  # マネジメントレビュー報告書 (9.3)
    ("corrective-actions", "corrective_actions"),  # 是正要求書兼回答書 (10.2)
)


def record_doc_id(record_type: str) -> str:
    return f"rec-{record_type}"


def form_doc_id(record_type: str) -> str:
    return f"form-{record_type}"


def clause_ids() -> tuple[str, ...]:
    """The clauses of the requirements checklist (4.1 ... 10.2): what an audit programme must cover."""
    return tuple(clause["id"] for clause in load_clauses())


def expand_clauses(entries: Iterable[str]) -> set[str]:
    """'4' means every clause of chapter 4; '9.2' itself."""
    known = clause_ids()
    out: set[str] = set()
    for entry in entries:
        out |= {c for c in known if c == entry or c.split(".")[0] == entry}
    return out


# --------------------------------------------------------------------------- the ISMS year


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after day's month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def isms_year(day: dt.date, start: int) -> int:
    """FY2025 is the ISMS year that starts in 2025 (with start=4: 2025-04-01 .. 2026-03-31)."""
    return day.year if day.month >= start else day.year - 1


def year_bounds(year: int, start: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, start, 1)
    return first, add_months(first, 12) - dt.timedelta(days=1)


def months_of_year(start: int) -> tuple[int, ...]:
    return tuple((start - 1 + k) % 12 + 1 for k in range(12))


# --------------------------------------------------------------------------- activities


def month_name(month: int, lang: str) -> str:
    return t(f"month_{month}", lang)


def join_and(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return t("list_and", lang, rest=sep(lang).join(items[:-1]), last=items[-1])


@dataclass(frozen=True)
class Activity:
    source: ActivitySource
    year_start: int = 4

    @property
    def id(self) -> str:
        return self.source.id

    def name(self, lang: str) -> str:
        return self.source.name if lang == "ja" else self.source.name_en

    @property
    def months(self) -> tuple[int, ...]:
        """In the order of the ISMS year."""
        return tuple(m for m in months_of_year(self.year_start) if m in self.source.months)

    @property
    def interval(self) -> int:
        """Months between two occurrences (the longest gap, when the months are not evenly spread)."""
        months = sorted(self.source.months)
        gaps = [b - a for a, b in itertools.pairwise(months)] + [months[0] + 12 - months[-1]]
        return max(gaps)

    def schedule(self, lang: str) -> str:
        """毎年6月及び12月 / every June and December; 毎月 / every month."""
        if len(self.source.months) == 12:
            return t("schedule_monthly", lang)
        return t("schedule_months", lang, months=join_and([month_name(m, lang) for m in self.months], lang))

    def month_list(self, lang: str) -> str:
        """6月・12月 / June, December."""
        return t("month_separator", lang).join(month_name(m, lang) for m in self.months)

    def frequency(self, lang: str) -> str:
        """年2回 / twice a year."""
        count = len(self.source.months)
        if count in (1, 2, 12):
            return t(f"frequency_{count}", lang)
        return t("frequency_n", lang, count=count)

    def cadence(self, lang: str) -> str:
        """毎年 / 半期ごと / 四半期ごと / 毎月 when the months are evenly spread, else the frequency."""
        count = len(self.source.months)
        if count * self.interval == 12 and count in (1, 2, 4, 12):
            return t(f"cadence_{count}", lang)
        return self.frequency(lang)

    def occurrences(self, year: int) -> list[tuple[dt.date, dt.date, dt.date]]:
        """(first day of the planned month, window start, window end) for an ISMS year. A completion
        in the window counts for this occurrence: the windows of an activity split the year at the
        middle between two planned months, so a drill done a little early or late still counts."""
        months = self.months
        out = []
        for index, month in enumerate(months):
            first = dt.date(year if month >= self.year_start else year + 1, month, 1)
            before = (month - months[index - 1]) % 12 or 12
            after = (months[(index + 1) % len(months)] - month) % 12 or 12
            out.append((first, add_months(first, -(before // 2)), add_months(first, after - after // 2)))
        return out


@dataclass(frozen=True)
class Completion:
    activity: str
    date: dt.date
    by: str  # person id ("" when not a person of the profile)
    record: str  # the record's name (log) or id (a record of these files)
    origin: str  # log, training, audit, review, competence


@dataclass(frozen=True)
class Occurrence:
    activity: Activity
    planned: dt.date  # first day of the planned month
    start: dt.date
    end: dt.date  # exclusive
    done: Completion | None  # the first completion in the window (on or before as_of)

    def status(self, as_of: dt.date) -> str:
        """done, planned (later), due (this month) or overdue (the month has passed)."""
        if self.done is not None:
            return "done"
        if as_of < self.planned:
            return "planned"
        if as_of < add_months(self.planned, 1):
            return "due"
        return "overdue"


# --------------------------------------------------------------------------- the records


@dataclass(eq=False)
class Records:
    """The record files present (RECORD_FILES keys), with positions, and what is computed from them."""

    files: dict[str, LoadedYaml] = field(default_factory=dict)
    year_start: int = 4
    audit_cycle: int = 36
    operating_since: dt.date | None = None  # the profile's: nothing is owed before it

    def has(self, key: str) -> bool:
        return key in self.files

    def model(self, key: str) -> Any:
        loaded = self.files.get(key)
        return loaded.model if loaded is not None else None

    def path(self, key: str, root: Path | None = None) -> Path:
        loaded = self.files.get(key)
        if loaded is not None:
            return loaded.path
        relative = RECORD_FILES[key][0]
        return root / relative if root is not None else relative

    def source_of(self, record_type: str, root: Path) -> Path:
        """The file a record set is made from (the profile for the organisation chart)."""
        needs = dict(RECORD_TYPES).get(record_type)
        return self.path(needs, root) if needs else root / "manual_src/profile.yaml"

    def line(self, key: str, *loc: str | int) -> int:
        loaded = self.files.get(key)
        return loaded.where(*loc)[0] if loaded is not None else 1

    # ------------------------------------------------------------------ activities

    @cached_property
    def activities(self) -> tuple[Activity, ...]:
        index = self.model("activities")
        return tuple(Activity(a, self.year_start) for a in index.activities) if index else ()

    def activity(self, activity_id: str) -> Activity | None:
        return next((a for a in self.activities if a.id == activity_id), None)

    @cached_property
    def completions(self) -> dict[str, tuple[Completion, ...]]:
        found: dict[str, list[Completion]] = {}

        def add(activity: str | None, day: dt.date, by: str, record: str, origin: str) -> None:
            if activity:
                found.setdefault(activity, []).append(Completion(activity, day, by, record, origin))

        log = self.model("activity_log")
        for entry in log.log if log else ():
            add(entry.activity, entry.date, entry.by, entry.record, "log")
        courses = {c.id: c for c in self.courses}
        for session in self.sessions:
            course = courses.get(session.course)
            add(course.activity if course else None, session.date, session.trainer, session.id, "training")
        for audit in self.audits:
            if audit.report is not None:
                add(audit.activity, audit.report.date, audit.report.by, audit.id, "audit")
        for review in self.reviews:
            add(review.activity, review.date, review.chair, review.id, "review")
        competence = self.model("competence")
        for evaluation in competence.evaluations if competence else ():
            add(evaluation.activity, evaluation.date, evaluation.by, evaluation.person, "competence")
        return {key: tuple(sorted(items, key=lambda c: c.date)) for key, items in found.items()}

    def occurrences(self, activity: Activity, year: int, as_of: dt.date | None = None) -> list[Occurrence]:
        done = [c for c in self.completions.get(activity.id, ()) if as_of is None or c.date <= as_of]
        out = []
        for planned, start, end in activity.occurrences(year):
            inside = [c for c in done if start <= c.date < end]
            out.append(Occurrence(activity, planned, start, end, inside[0] if inside else None))
        return out

    def owed_from(self) -> dt.date:
        """The first day records are owed for: the day the ISMS began operating (profile
        operating_since), else the first ISMS year the activity records speak of, else any day."""
        if self.operating_since is not None:
            return self.operating_since
        years = self.years()
        return dt.date(years[0], self.year_start, 1) if years else dt.date.min

    def years(self) -> list[int]:
        """The ISMS years the activity records speak of, oldest first."""
        days = [c.date for items in self.completions.values() for c in items]
        return sorted({isms_year(day, self.year_start) for day in days})

    def template_context(self, profile: Profile, lang: str) -> tuple[dict[str, Any], tuple[dict[str, Any], ...]]:
        """`activities` (id -> its name, schedule, months, frequency, interval, owner, record) and
        `annual_plan` (the months of the ISMS year with their activities) for the texts."""
        roles = {r.id: (r.name if lang == "ja" else r.name_en) for r in profile.roles}
        activities = {
            a.id: {
                "id": a.id, "name": a.name(lang), "schedule": a.schedule(lang), "months": a.month_list(lang),
                "frequency": a.frequency(lang), "cadence": a.cadence(lang), "interval": a.interval, "owner": roles.get(a.source.owner, a.source.owner),
                "record": a.source.record,
            }
            for a in self.activities
        }  # fmt: skip
        plan = []
        for month in months_of_year(self.year_start):
            members = [a for a in self.activities if month in a.source.months]
            owners = list(dict.fromkeys(roles.get(a.source.owner, a.source.owner) for a in members))
            plan.append(
                {
                    "month": month, "name": month_name(month, lang), "activities": tuple(activities[a.id] for a in members),
                    "names": sep(lang).join(a.name(lang) for a in members), "owners": sep(lang).join(owners),
                }
            )  # fmt: skip
        return activities, tuple(plan)

    # ------------------------------------------------------------------ objectives

    @property
    def objectives(self) -> list[ObjectiveSource]:
        data = self.model("objectives")
        return list(data.objectives) if data else []

    @property
    def measurements(self) -> list[MeasurementSource]:
        data = self.model("objectives")
        return sorted(data.measurements, key=lambda m: m.date) if data else []

    def measurements_of(self, objective_id: str, as_of: dt.date | None = None) -> list[MeasurementSource]:
        return [m for m in self.measurements if m.objective == objective_id and (as_of is None or m.date <= as_of)]

    def objective_status(self, objective: ObjectiveSource, as_of: dt.date | None = None) -> tuple[str, MeasurementSource | None]:
        """achieved / not_achieved (by the latest measurement) / not_measured."""
        found = self.measurements_of(objective.id, as_of)
        if not found:
            return "not_measured", None
        latest = found[-1]
        met = latest.value >= objective.target if objective.direction is Direction.at_least else latest.value <= objective.target
        return ("achieved" if met else "not_achieved"), latest

    # ------------------------------------------------------------------ competence and training

    def required_competences(self, profile: Profile) -> dict[str, list[str]]:
        """person id -> competence ids their roles (and everyone) require, in the order declared."""
        data: CompetenceFile | None = self.model("competence")
        out: dict[str, list[str]] = {p.id: [] for p in profile.people}
        if data is None:
            return out
        holders = {r.id: r.holders for r in profile.roles}
        for requirement in data.requirements:
            people = [p.id for p in profile.people] if requirement.everyone else holders.get(requirement.role or "", [])
            for person in people:
                if person in out:
                    out[person] += [c for c in requirement.competences if c not in out[person]]
        return out

    def latest_evaluations(self, as_of: dt.date | None = None) -> dict[str, Any]:
        data: CompetenceFile | None = self.model("competence")
        latest: dict[str, Any] = {}
        for evaluation in sorted(data.evaluations if data else (), key=lambda e: e.date):
            if as_of is None or evaluation.date <= as_of:
                latest[evaluation.person] = evaluation
        return latest

    def competence_gaps(self, profile: Profile, as_of: dt.date | None = None) -> dict[str, list[str]]:
        """person id -> required competences not evaluated as met (a missing evaluation is a gap)."""
        latest = self.latest_evaluations(as_of)
        gaps = {}
        for person, required in self.required_competences(profile).items():
            evaluation = latest.get(person)
            missing = [c for c in required if evaluation is None or evaluation.results.get(c) is None or evaluation.results[c].value != "met"]
            if missing:
                gaps[person] = missing
        return gaps

    @property
    def plans(self) -> list[TrainingPlanSource]:
        data = self.model("training")
        return sorted(data.plans, key=lambda p: p.year) if data else []

    @property
    def courses(self) -> list[CourseSource]:
        return [course for plan in self.plans for course in plan.courses]

    @property
    def sessions(self) -> list[SessionSource]:
        data = self.model("training")
        return sorted(data.sessions, key=lambda s: (s.date, s.id)) if data else []

    def audience(self, course: CourseSource, profile: Profile) -> list[str]:
        """Person ids a course is for, in the profile's order."""
        who = course.audience
        roles = {h for r in profile.roles if r.id in who.roles for h in r.holders}
        return [
            p.id for p in profile.people
            if who.everyone or p.id in roles or p.department in who.departments or p.id in who.people
        ]  # fmt: skip

    def passed(self, session: SessionSource, person: str, course: CourseSource | None) -> bool:
        """Attended, and passed the test when the course has one."""
        if person not in session.attendees:
            return False
        if course is None or course.test is None:
            return True
        score = session.scores.get(person)
        return score is not None and score >= course.test.pass_mark

    def training_needs(self, profile: Profile, plan: TrainingPlanSource) -> dict[str, list[str]]:
        """course id -> person ids of its audience who have not attended (and passed) a session of it."""
        needs = {}
        for course in plan.courses:
            sessions = [s for s in self.sessions if s.course == course.id]
            missing = [p for p in self.audience(course, profile) if not any(self.passed(s, p, course) for s in sessions)]
            if missing:
                needs[course.id] = missing
        return needs

    # ------------------------------------------------------------------ audits, reviews, corrective actions

    @property
    def audits(self) -> list[AuditSource]:
        data = self.model("audits")
        return sorted(data.audits, key=audit_date) if data else []

    def cycle(self, day: dt.date) -> int | None:
        """The index of the audit cycle a day falls in (0 = the first), or None before the programme."""
        data = self.model("audits")
        if data is None or day < data.programme.cycle_start:
            return None
        start = data.programme.cycle_start
        months = (day.year - start.year) * 12 + day.month - start.month - (1 if day.day < start.day else 0)
        return months // self.audit_cycle

    def cycle_bounds(self, index: int) -> tuple[dt.date, dt.date]:
        start = self.model("audits").programme.cycle_start
        first = shift_months(start, index * self.audit_cycle)
        return first, shift_months(start, (index + 1) * self.audit_cycle) - dt.timedelta(days=1)

    @property
    def reviews(self) -> list[ReviewSource]:
        data = self.model("reviews")
        return sorted(data.reviews, key=lambda r: r.date) if data else []

    @property
    def corrective_actions(self) -> list[CorrectiveActionSource]:
        data = self.model("corrective_actions")
        return sorted(data.nonconformities, key=lambda c: (c.raised_on, c.id)) if data else []

    def open_actions(self, as_of: dt.date) -> Iterator[CorrectiveActionSource]:
        for action in self.corrective_actions:
            if action.raised_on <= as_of and (action.closed_on is None or action.closed_on > as_of):
                yield action


def audit_date(audit: AuditSource) -> dt.date:
    """The first day the audit is (or was) held."""
    return min(entry.date for entry in audit.scope)


def shift_months(day: dt.date, months: int) -> dt.date:
    first = add_months(day, months)
    for candidate in range(day.day, 0, -1):  # the 31st of a shorter month: its last day
        try:
            return first.replace(day=candidate)
        except ValueError:
            continue
    return first


def corrective_status(action: CorrectiveActionSource, as_of: dt.date | None = None) -> str:
    """closed, effectiveness (done, awaiting the effectiveness review), in_progress or overdue (past due, not done)."""
    if action.closed_on is not None and (as_of is None or action.closed_on <= as_of):
        return "closed"
    if action.done_on is not None and (as_of is None or action.done_on <= as_of):
        return "effectiveness"
    if as_of is not None and as_of > action.due:
        return "overdue"
    return "in_progress"


def build_records(files: dict[str, LoadedYaml], profile: Profile) -> Records:
    return Records(dict(files), profile.year_start, profile.review.audit_cycle, profile.operating_since)

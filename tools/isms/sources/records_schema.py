"""Source-file schema of the ISMS in operation: the declared activities (manual_src/activities.yaml)
and the records an ISMS that runs keeps (manual_src/records/*.yaml).

- activities.yaml: every recurring ISMS activity, declared once with its months, owner role and
  the record it produces (ISMS年間計画表; texts print the schedule through ``{{ activities.<id>.* }}``);
- records/activity_log.yaml: when each activity was done, by whom, with which record;
- records/objectives.yaml: information security objectives and their measurements (6.2, 9.1);
- records/competence.yaml: required competence per role and the evaluations (7.2, 力量確認表);
- records/training.yaml: training plans (教育計画書), sessions held with attendees and test scores;
- records/audits.yaml: the internal audit programme, plans, results and reports (9.2);
- records/reviews.yaml: management reviews (9.3) with their inputs, decisions and actions;
- records/corrective_actions.yaml: nonconformities and corrective actions (10.2, 是正要求書兼回答書).

Whether a person, role, control or activity named here exists, whether an audit programme covers
every clause and control, whether auditors are independent, is checked across files in
isms.check.records. Computed values (schedules, evaluations, readiness) are in isms.model.records.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from isms.sources.schema import ControlId, Ident, Strict, Text

CLAUSE_PATTERN = r"^(4|5|6|7|8|9|10)(\.[1-9])?$"
ClauseId = Annotated[str, Field(pattern=CLAUSE_PATTERN, description='a clause of ISO/IEC 27001 as a string: "9.2", or a whole chapter: "4"')]
RecordId = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", max_length=40, description="record id, e.g. CA-2025-01")]
Month = Annotated[int, Field(ge=1, le=12)]


# --------------------------------------------------------------------------- activities


class ActivitySource(Strict):
    """One recurring ISMS activity, declared once: its schedule is printed from here everywhere."""

    id: Ident = Field(description="used in texts as {{ activities.<id>.schedule }} (write ids with _ to use them in templates)")
    name: Text = Field(description="the activity's name in the profile's language, as texts call it")
    name_en: Text
    aliases: list[Text] = Field(default_factory=list, description="other names texts use for it (for the check of restated schedules)")
    months: list[Month] = Field(min_length=1, description="the months it is done in, e.g. [6, 12]; all twelve = every month")
    owner: Ident = Field(description="role id responsible for it")
    record: Text = Field(description="the record it produces, e.g. 標的型メール訓練結果報告書")
    control: ControlId | None = Field(None, description="the Annex A control whose procedure it belongs to")
    clause: ClauseId | None = Field(None, description="or the clause of the manual it belongs to")
    review: str | None = Field(None, description="the profile's review interval it carries out (risk_assessment, internal_audit, management_review, policies): the intervals must agree")

    @model_validator(mode="after")
    def _one_place(self) -> ActivitySource:
        if (self.control is None) == (self.clause is None):
            raise ValueError("say where the activity belongs: either 'control' (an Annex A control) or 'clause' (a clause of the manual)")
        if len(set(self.months)) != len(self.months):
            raise ValueError("a month is listed twice in 'months'")
        return self


class ActivityIndex(Strict):
    """manual_src/activities.yaml: the recurring activities of the ISMS (ISMS年間計画表)."""

    activities: list[ActivitySource] = Field(min_length=1)


class LogEntry(Strict):
    activity: Ident = Field(description="the id of a declared activity")
    date: dt.date = Field(description="the day it was done (the last day, for several days)")
    by: Ident = Field(description="person id of who did it or led it")
    record: Text = Field(description="the record that shows it, e.g. 標的型メール訓練結果報告書(2025年6月)")
    note: str | None = None


class ActivityLog(Strict):
    """manual_src/records/activity_log.yaml: when each declared activity was done."""

    log: list[LogEntry] = Field(default_factory=list)


# --------------------------------------------------------------------------- objectives (6.2, 9.1)


class Direction(StrEnum):
    at_least = "at_least"
    at_most = "at_most"


class ObjectiveSource(Strict):
    id: RecordId
    title: Text = Field(description="the objective, e.g. 顧客図面の漏えい事故をゼロにする")
    owner: Ident = Field(description="role id responsible")
    indicator: Text = Field(description="what is measured (指標)")
    target: float = Field(description="the target value of the indicator")
    direction: Direction = Field(description="at_least: achieved when the value is at least the target; at_most: at most")
    unit: str = Field("", description="unit printed after values, e.g. % or 件")
    method: Text = Field(description="how it is measured (測定方法): the same way every time")
    frequency_months: int = Field(ge=1, le=12, description="months between measurements")
    plan: Text = Field(description="what will be done to achieve it (実施事項)")
    resources: Text = Field(description="resources needed (必要な資源)")
    start: dt.date = Field(description="when the objective was set (its period starts)")
    due: dt.date = Field(description="when it is to be achieved (達成期限)")
    controls: list[ControlId] = Field(default_factory=list, description="related Annex A controls")
    risks: list[str] = Field(default_factory=list, description="related risk ids, e.g. R-003")


class MeasurementSource(Strict):
    objective: RecordId = Field(description="the id of an objective")
    date: dt.date
    value: float
    by: Ident = Field(description="person id of who measured")
    evidence: Text = Field(description="the record the value comes from")
    note: str | None = None


class ObjectivesSource(Strict):
    """manual_src/records/objectives.yaml: ISMS有効性評価表 (objectives, 6.2; measurements, 9.1)."""

    objectives: list[ObjectiveSource] = Field(default_factory=list)
    measurements: list[MeasurementSource] = Field(default_factory=list)


# --------------------------------------------------------------------------- competence and training (7.2, 7.3)


class CompetenceResult(StrEnum):
    met = "met"
    partly = "partly"
    not_met = "not_met"


class CompetenceSource(Strict):
    id: Ident
    name: Text
    name_en: Text
    verified_by: Text = Field(description="how it is verified (確認の方法)")


class RequirementSource(Strict):
    """Who needs which competences: the holders of a role, or everyone."""

    role: Ident | None = Field(None, description="role id whose holders need the competences")
    everyone: bool = Field(False, description="every person of the profile")
    competences: list[Ident] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_target(self) -> RequirementSource:
        if (self.role is None) == (not self.everyone):
            raise ValueError("name either a 'role' or 'everyone: true'")
        return self


class EvaluationSource(Strict):
    person: Ident
    date: dt.date
    by: Ident = Field(description="person id of the evaluator")
    results: dict[Ident, CompetenceResult] = Field(description="competence id -> met, partly or not_met")
    action: str | None = Field(None, description="how a gap will be closed (教育, OJT, 配置)")
    activity: Ident | None = Field(None, description="the declared activity this evaluation belongs to")


class CompetenceFile(Strict):
    """manual_src/records/competence.yaml: 力量確認表."""

    competences: list[CompetenceSource] = Field(min_length=1)
    requirements: list[RequirementSource] = Field(default_factory=list)
    evaluations: list[EvaluationSource] = Field(default_factory=list)


class Audience(Strict):
    everyone: bool = False
    roles: list[Ident] = Field(default_factory=list)
    departments: list[Ident] = Field(default_factory=list)
    people: list[Ident] = Field(default_factory=list)

    @model_validator(mode="after")
    def _someone(self) -> Audience:
        if not (self.everyone or self.roles or self.departments or self.people):
            raise ValueError("name the audience: everyone: true, roles, departments or people")
        return self


class ComprehensionTest(Strict):
    pass_mark: int = Field(ge=0, le=100, description="score (0-100) needed to pass")
    questions: list[Text] = Field(default_factory=list, description="the questions of the 理解度確認テスト")


class CourseSource(Strict):
    id: RecordId
    title: Text
    audience: Audience
    months: list[Month] = Field(min_length=1)
    method: Text = Field(description="集合教育, eラーニング, 朝礼, 外部研修 ...")
    content: Text
    competences: list[Ident] = Field(default_factory=list, description="competences the course builds")
    activity: Ident | None = Field(None, description="the declared activity the course carries out")
    test: ComprehensionTest | None = Field(None, description="the comprehension test (理解度確認テスト), if any")


class TrainingPlanSource(Strict):
    year: int = Field(ge=2000, le=2100, description="the ISMS year (FY) the plan is for")
    prepared_by: Ident
    approved_by: Ident
    approved_on: dt.date
    courses: list[CourseSource] = Field(min_length=1)


class SessionSource(Strict):
    id: RecordId
    course: RecordId
    date: dt.date = Field(description="the day held (for e-learning: the last day of the period)")
    trainer: Text = Field(description="person id, or the name of an outside trainer")
    attendees: list[Ident] = Field(default_factory=list, description="person ids")
    others: int = Field(0, ge=0, description="attendees not named in the profile (counted from the attendance list)")
    scores: dict[Ident, int] = Field(default_factory=dict, description="person id -> test score (0-100)")
    note: str | None = None


class TrainingFile(Strict):
    """manual_src/records/training.yaml: 教育計画書, 教育実施記録, 理解度確認テスト."""

    plans: list[TrainingPlanSource] = Field(default_factory=list)
    sessions: list[SessionSource] = Field(default_factory=list)


# --------------------------------------------------------------------------- internal audit (9.2)


class AuditResult(StrEnum):
    conforming = "conforming"
    nonconformity = "nonconformity"
    observation = "observation"
    opportunity = "opportunity"


class Grade(StrEnum):
    major = "major"
    minor = "minor"


class ScopeEntry(Strict):
    department: Ident
    date: dt.date
    auditors: list[Ident] = Field(min_length=1, description="person ids")
    clauses: list[ClauseId] = Field(default_factory=list, description='clauses audited here: "4" (all of 4.x) or "9.2"')
    controls: list[ControlId] = Field(default_factory=list, description="Annex A controls audited here")


class FindingSource(Strict):
    id: RecordId
    department: Ident
    clause: ClauseId | None = None
    control: ControlId | None = None
    result: AuditResult
    grade: Grade | None = Field(None, description="major or minor, for a nonconformity")
    finding: Text
    evidence: Text = Field(description="what was seen: records, interviews, observations")
    auditor: Ident
    corrective_action: RecordId | None = Field(None, description="the 是正要求書 of a nonconformity (an id of corrective_actions.yaml)")

    @model_validator(mode="after")
    def _item(self) -> FindingSource:
        if (self.clause is None) == (self.control is None):
            raise ValueError("a finding is about either a 'clause' or a 'control'")
        if (self.grade is not None) != (self.result is AuditResult.nonconformity):
            raise ValueError("a nonconformity has a 'grade' (major or minor); other results have none")
        return self


class AuditReportSource(Strict):
    date: dt.date
    by: Ident
    summary: Text
    conclusion: Text


class AuditSource(Strict):
    id: RecordId
    activity: Ident | None = Field(None, description="the declared activity it carries out")
    planned_by: Ident
    approved_by: Ident
    approved_on: dt.date
    objective: Text
    criteria: Text
    scope: list[ScopeEntry] = Field(min_length=1)
    results: list[FindingSource] = Field(default_factory=list, description="findings; audited items without one are conforming once reported")
    report: AuditReportSource | None = None


class Programme(Strict):
    cycle_start: dt.date = Field(description="first day of the first audit cycle (each cycle lasts the profile's review.audit_cycle months)")
    auditor_competence: Ident | None = Field(None, description="competence id every auditor must have met (7.2)")


class AuditsFile(Strict):
    """manual_src/records/audits.yaml: 内部監査計画書, 内部監査結果報告書."""

    programme: Programme
    audits: list[AuditSource] = Field(default_factory=list)


# --------------------------------------------------------------------------- management review (9.3)


class ReviewInputs(Strict):
    """The inputs of 9.3.2 that are not collected from the other records."""

    previous_actions: str | None = Field(None, description="(a) when no earlier review is recorded here: the status of its actions")
    issues: Text = Field(description="(b) changes in external and internal issues")
    interested_parties: Text = Field(description="(c) changes in needs and expectations of interested parties")
    performance: str | None = Field(None, description="(d) comments added to the collected measurements, audits and corrective actions")
    feedback: Text = Field(description="(e) feedback from interested parties")
    risk: str | None = Field(None, description="(f) comments added to the risk assessment results and treatment plan status")
    opportunities: Text = Field(description="(g) opportunities for continual improvement")


class Topic(StrEnum):
    policy = "policy"
    objectives = "objectives"
    resources = "resources"
    risk_acceptance = "risk_acceptance"
    scope = "scope"
    improvement = "improvement"
    other = "other"


class DecisionSource(Strict):
    topic: Topic
    text: Text


class ActionSource(Strict):
    id: RecordId
    text: Text
    owner: Ident = Field(description="person id")
    due: dt.date
    done: dt.date | None = None


class ReviewSource(Strict):
    id: RecordId
    date: dt.date
    activity: Ident | None = None
    chair: Ident
    attendees: list[Ident] = Field(min_length=1)
    inputs: ReviewInputs
    decisions: list[DecisionSource] = Field(min_length=1)
    actions: list[ActionSource] = Field(default_factory=list)
    approved_by: Ident
    approved_on: dt.date


class ReviewsFile(Strict):
    """manual_src/records/reviews.yaml: マネジメントレビュー報告書."""

    reviews: list[ReviewSource] = Field(default_factory=list)


# --------------------------------------------------------------------------- nonconformity and corrective action (10.2)


class NcSource(StrEnum):
    internal_audit = "internal_audit"
    external_audit = "external_audit"
    incident = "incident"
    management_review = "management_review"
    monitoring = "monitoring"
    complaint = "complaint"
    other = "other"


class Effectiveness(Strict):
    date: dt.date
    by: Ident
    method: Text
    effective: bool
    note: str | None = None


class CorrectiveActionSource(Strict):
    id: RecordId
    source: NcSource
    reference: str | None = Field(None, description="the audit finding, incident or review it comes from, e.g. IA-2025-03")
    raised_on: dt.date
    raised_by: Ident
    department: Ident
    clause: ClauseId | None = None
    control: ControlId | None = None
    grade: Grade
    description: Text = Field(description="what happened, and the requirement not met")
    correction: str | None = Field(None, description="what was done at once (修正)")
    root_cause: str | None = None
    action: str | None = Field(None, description="the corrective action (是正処置)")
    owner: Ident = Field(description="person id")
    due: dt.date
    approved_by: Ident | None = None
    approved_on: dt.date | None = None
    done_on: dt.date | None = None
    effectiveness: Effectiveness | None = None
    closed_on: dt.date | None = None


class CorrectiveActionsFile(Strict):
    """manual_src/records/corrective_actions.yaml: 是正要求書兼回答書 (the register)."""

    nonconformities: list[CorrectiveActionSource] = Field(default_factory=list)

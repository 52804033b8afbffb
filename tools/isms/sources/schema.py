"""The source-file schema: what an editor may write in the profile, control and policy files.

These models are the single definition of the formats. The JSON Schemas under tools/schema/ are
generated from them (``isms schema --write``) so a YAML editor validates as the editor types.
Cross-file rules (does this role exist? is every control decided?) live in ``isms.check``.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from isms.i18n import t

CONTROL_ID_PATTERN = r"^[5-8]\.[1-9][0-9]?$"
IDENT_PATTERN = r"^[a-z][a-z0-9_-]*$"
ASSET_ID_PATTERN = r"^A-[0-9]{3,}$"

Ident = Annotated[str, Field(pattern=IDENT_PATTERN, description="lower-case identifier: a-z, 0-9, _ and -")]
Text = Annotated[str, Field(min_length=1)]
AssetId = Annotated[str, Field(pattern=ASSET_ID_PATTERN, description="asset id from the asset inventory, e.g. A-001")]


class Strict(BaseModel):
    """Unknown keys are errors: a typo must never pass silently. A model's validator is built when
    it first validates (defer_build), not when its module is imported: the imports before a build's
    site process starts took 50 ms less, the first validations 23 ms more."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def as_written(value: object) -> str:
    """A YAML number as the editor typed it: 8.10, not the float 8.1 (ruamel keeps the width)."""
    width, dot = getattr(value, "_width", None), getattr(value, "_prec", None)
    if isinstance(value, float) and isinstance(width, int) and isinstance(dot, int) and width > dot + 1:
        return f"{value:.{width - dot - 1}f}"
    return str(value)


def _control_id(value: object) -> object:
    # YAML reads an unquoted 5.10 as the float 5.1: refuse numbers instead of guessing.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        written = as_written(value)
        raise ValueError(f"control id {written} must be a quoted string: write it as \"{written}\" in quotes (unquoted, YAML reads it as a number)")
    return value


ControlId = Annotated[
    str, Field(pattern=CONTROL_ID_PATTERN, description='Annex A control id as a string, e.g. "5.15"'), BeforeValidator(_control_id)
]
# A related document: a policy id or a control id (which, again, must not be a YAML number).
DocumentRef = Annotated[str, BeforeValidator(_control_id)]


# --------------------------------------------------------------------------- profile


class Organization(Strict):
    name: Text = Field(description="registered name, e.g. 株式会社みなと精機")
    name_en: str | None = None
    short_name: str | None = Field(None, description="name used in running text, e.g. 当社")
    address: Text
    website: str | None = None
    security_contact: str | None = Field(
        None, max_length=200, description="where information security events and weaknesses are reported (an e-mail address): {{ org.security_contact }}",
    )
    employees: int = Field(gt=0)
    business: Text = Field(description="one-line description of the business")


class Location(Strict):
    name: Text
    address: Text
    description: Text


class Scope(Strict):
    """ISMS scope (ISO/IEC 27001 4.3): business, organisation, locations, assets, technology."""

    business: Text
    organization: Text
    locations: list[Location] = Field(min_length=1)
    assets: Text
    technology: Text
    exclusions: str | None = Field(None, description="parts of the organisation outside the scope, and why")
    interfaces: str | None = Field(None, description="interfaces and dependencies with parties outside the scope")


class Department(Strict):
    id: Ident
    name: Text
    name_en: str | None = None
    head: Ident | None = Field(None, description="person id of the department head")
    duties: str | None = None


class Person(Strict):
    id: Ident
    name: Text
    title: Text = Field(description="job title, e.g. 総務部長")
    department: Ident


class FormerPerson(Person):
    """Someone who has left: records of the ISMS in operation still name them (isms.check.records)."""

    left: dt.date = Field(description="the day they left the organisation")


class Role(Strict):
    id: Ident
    name: Text = Field(description="role name in Japanese, e.g. 情報セキュリティ管理責任者")
    name_en: Text
    holders: list[Ident] = Field(min_length=1, description="person ids")
    responsibilities: list[Text] = Field(min_length=1)
    deputy: Ident | dict[Ident, Ident] | None = Field(
        None,
        description="代行者 while the holder is absent: a person or role id, or one per duty ({intake: it_staff, decisions: ciso}); "
        "texts print it as {{ roles.<id>.deputy.name }} (or .title)",
    )


class ClassificationLevel(Strict):
    id: Ident
    name: Text = Field(description="label printed on documents, e.g. 社外秘")
    name_en: Text
    confidentiality: int = Field(ge=1, le=3, description="the confidentiality value (C) of information at this level")
    description: Text
    handling: Text = Field(description="how documents of this level are handled")


class ScaleLevel(Strict):
    value: int = Field(ge=1, le=5)
    label: Text
    description: Text


class RiskCriteria(Strict):
    confidentiality: list[ScaleLevel] = Field(min_length=2)
    integrity: list[ScaleLevel] = Field(min_length=2)
    availability: list[ScaleLevel] = Field(min_length=2)
    impact: list[ScaleLevel] = Field(min_length=2, description="業務への影響度")
    likelihood: list[ScaleLevel] = Field(min_length=2, description="発生頻度")
    acceptance_threshold: int = Field(gt=0, description="risk values at or below this are accepted")
    residual_approver: Ident = Field(description="role that approves residual risk above the threshold")


class ReviewIntervals(Strict):
    """Months between reviews."""

    policies: int = Field(12, gt=0)
    procedures: int = Field(12, gt=0)
    risk_assessment: int = Field(12, gt=0)
    internal_audit: int = Field(12, gt=0)
    management_review: int = Field(12, gt=0)
    technical_verification: int = Field(6, gt=0, description="default for 技術的検証項目")
    audit_cycle: int = Field(36, gt=0, description="months within which internal audits cover every clause and applicable control")


MAX_NUMBER_LENGTH = 40
_NUMBER_SPEC = re.compile(r"^(0?[1-6])?d$")


def number_format(value: str, allowed: dict[str, int], required: tuple[tuple[str, ...], ...] = ()) -> str:
    """A document number scheme: literal text with the allowed {placeholders}; integer ones may take
    a zero-padded width of at most 6 ({seq:02d}). Refuses what would crash or bloat a number."""
    try:
        fields = [(name, spec) for _, name, spec, _ in string.Formatter().parse(value) if name is not None]
    except ValueError as exc:
        raise ValueError(f"not a valid number scheme ({exc}): write placeholders as {{name}} and a literal brace as {{{{") from None
    for name, spec in fields:
        if name not in allowed:
            known = ", ".join("{" + key + "}" for key in allowed) or "none"
            raise ValueError(f"unknown placeholder {{{name}}} (allowed here: {known})")
        if spec and allowed[name] == 0:
            raise ValueError(f"'{{{name}:{spec}}}': {{{name}}} is text and takes no format: write {{{name}}}")
        if spec and not _NUMBER_SPEC.match(spec):
            raise ValueError(f"format '{{{name}:{spec}}}' is not allowed: use {{{name}}} or a zero-padded width such as {{{name}:02d}} (at most 6)")
    names = {name for name, _ in fields}
    if required and not any(set(option) <= names for option in required):
        options = " or ".join(" and ".join("{" + n + "}" for n in option) for option in required)
        raise ValueError(f"the scheme needs {options}")
    example = value.format(**{name: (88 if kind else "8.88") for name, kind in allowed.items()})
    if len(example) > MAX_NUMBER_LENGTH:
        raise ValueError(f"a document number longer than {MAX_NUMBER_LENGTH} characters ({example!r}): shorten the scheme")
    return value


FIXED_NUMBERS = ("manual", "scope", "soa", "doc_register", "checklist", "assets", "risk_report", "risk_plan", "audit_checklist")


class Numbering(Strict):
    """Document numbers. Placeholders: {prefix} (every scheme), {seq} (policies, forms, records),
    {theme} and {num} or {id} (procedures)."""

    prefix: Text = Field(
        "ISMS", max_length=20, pattern=r"^[^{}]*$", description="what every number below starts with, as {prefix}: one place to rename them all",
    )
    manual: Text = "{prefix}-M-01"
    scope: Text = Field("{prefix}-M-02", description="ISMS適用範囲及び基準 (the profile's facts)")
    soa: Text = "{prefix}-R-01"
    doc_register: Text = "{prefix}-R-02"
    checklist: Text = "{prefix}-R-03"
    assets: Text = Field("{prefix}-R-04", description="資産目録")
    risk_report: Text = Field("{prefix}-R-05", description="リスクアセスメント結果報告書")
    risk_plan: Text = Field("{prefix}-R-06", description="リスク対応計画")
    audit_checklist: Text = Field("{prefix}-R-07", description="内部監査チェックリスト")
    policy: Text = "{prefix}-P-{seq:02d}"
    policy_start: int = Field(1, ge=0, le=9999, description="the {seq} of the first policy (e.g. 2 when the manual is 001)")
    procedure: Text = "{prefix}-C-{theme}-{num:02d}"
    form: Text = Field("{prefix}-F-{seq:02d}", description="blank forms (様式), one per record type")
    record: Text = Field("{prefix}-K-{seq:02d}", description="records kept on those forms (記録): the same {seq} as their form")

    @field_validator(*FIXED_NUMBERS)
    @classmethod
    def _fixed(cls, value: str) -> str:
        return number_format(value, {"prefix": 0})

    @field_validator("policy", "form", "record")
    @classmethod
    def _policy_has_seq(cls, value: str) -> str:
        return number_format(value, {"prefix": 0, "seq": 1}, required=(("seq",),))

    @field_validator("procedure")
    @classmethod
    def _procedure_has_ids(cls, value: str) -> str:
        return number_format(value, {"prefix": 0, "theme": 1, "num": 1, "id": 0}, required=(("theme", "num"), ("id",)))

    @model_validator(mode="after")
    def _prefixed(self) -> Numbering:
        """Every scheme with the prefix written in (the prefix has no braces), so code formats a
        scheme without knowing the prefix."""
        for name in (*FIXED_NUMBERS, "policy", "form", "record", "procedure"):
            object.__setattr__(self, name, getattr(self, name).replace("{prefix}", self.prefix))
        return self


class ManualInfo(Strict):
    title: Text = t("title_manual", "ja")
    title_en: Text = t("title_manual", "en")
    owner: Ident = Field(description="role responsible for the manual")
    approver: Ident = Field(description="role that approves the manual")
    classification: Ident


class DocumentSettings(Strict):
    """Who owns and approves a generated document, and how it is classified. A missing value falls
    back to the manual's (profile ``manual``)."""

    owner: Ident | None = Field(None, description="role responsible for the document")
    approver: Ident | None = Field(None, description="role that approves the document")
    classification: Ident | None = Field(None, description="classification level of the document")


class ProcedureSettings(Strict):
    """Defaults of the procedures (実施手順書): a control's own owner and classification override them."""

    approver: Ident | None = Field(None, description="role that approves the procedures")
    classification: Ident | None = Field(None, description="classification level of a procedure without its own")


class GeneratedDocuments(Strict):
    """The documents the tool generates: owner, approver, classification of each."""

    procedures: ProcedureSettings = ProcedureSettings()
    soa: DocumentSettings = Field(DocumentSettings(), description="適用宣言書")
    doc_register: DocumentSettings = Field(DocumentSettings(), description="文書管理台帳")
    checklist: DocumentSettings = Field(DocumentSettings(), description="ISMS要求事項チェックリスト")
    scope: DocumentSettings = Field(DocumentSettings(), description="ISMS適用範囲及び基準 (the profile's facts)")
    assets: DocumentSettings = Field(DocumentSettings(), description="資産目録")
    risk_report: DocumentSettings = Field(DocumentSettings(), description="リスクアセスメント結果報告書")
    risk_plan: DocumentSettings = Field(DocumentSettings(), description="リスク対応計画")
    audit_checklist: DocumentSettings = Field(DocumentSettings(), description="内部監査チェックリスト")


class Audience(Strict):
    """Readers a build can be made for (`isms build --audience ID`): documents classified above their
    level are left out."""

    id: Ident
    name: Text
    name_en: Text
    classification: Ident = Field(description="the highest classification level this audience may read")


class Distribution(Strict):
    definition: Text = Field(description="配付先の定義: who may read the documents")
    recipients: list[Text] = Field(default_factory=list, description="配付先リスト")


class ReleaseSigners(Strict):
    """Who signs a release by default (`isms release` options override them)."""

    author: Ident = Field(description="作成: role or person id")
    reviewer: Ident = Field(description="査問: role or person id")
    approver: Ident = Field(description="承認: role or person id")


class Approval(Strict):
    allow_self_approval: bool = Field(False, description="let the author approve a release (control 5.3 says no)")
    release: ReleaseSigners | None = Field(None, description="default signers of `isms release`")


class RetentionRule(Strict):
    """How long records are kept (保管期間), stated once: texts print {{ retention.<id> }}."""

    records: list[Text] = Field(min_length=1, description="the records as texts name them, e.g. 力量確認表 (isms check looks for them)")
    keeper: Ident | None = Field(None, description="role that keeps them")
    period: Text = Field(description="the period as a sentence uses it, e.g. 任期終了後3年")


class ContinuitySystem(Strict):
    """A system's recovery time objectives: texts print {{ continuity.<id>.failure_rto }} and .bcp_rto."""

    name: Text
    failure_rto: Text | None = Field(None, description="機器の故障時の目標復旧時間 (許容停止時間, control 8.14), e.g. 1営業日")
    bcp_rto: Text | None = Field(None, description="BCP発動時の目標復旧時間 (control 5.30), e.g. 5営業日")


class RecoveryPoints(Strict):
    failure: Text = Field(description="目標復旧時点 after an equipment failure, e.g. 前日夜間のバックアップの時点")
    bcp: Text = Field(description="目標復旧時点 when the BCP is invoked (the server room lost)")


class Continuity(Strict):
    """Recovery objectives, stated once: {{ continuity.rpo.failure }}, {{ continuity.file_server.bcp_rto }}."""

    rpo: RecoveryPoints | None = None
    systems: dict[Ident, ContinuitySystem] = Field(default_factory=dict)


class NamedInformation(Strict):
    """A kind of information and its classification: {{ information.<id>.classification }} prints the level's name."""

    name: Text
    classification: Ident = Field(description="a classification level id")


class Approver(Strict):
    """Who approves a record or decision that is not a document of the set: {{ approvers.<id>.name }}."""

    what: Text = Field(description="the record or decision, e.g. 内部監査計画書")
    by: Ident = Field(description="role id")


def _date_format(value: str) -> str:
    if not all(token in value for token in ("YYYY", "M", "D")):
        raise ValueError("a date format names the year, month and day: YYYY, M or MM, D or DD (e.g. YYYY-MM-DD, YYYY/M/D)")
    return value


class Profile(Strict):
    language: Literal["ja", "en"] = "ja"
    organization: Organization
    top_management: Ident = Field(description="role id of top management")
    scope: Scope
    departments: list[Department] = Field(min_length=1)
    people: list[Person] = Field(min_length=1)
    former_people: list[FormerPerson] = Field(default_factory=list, description="people who left, still named by records; they hold no role")
    roles: list[Role] = Field(min_length=1)
    classification: list[ClassificationLevel] = Field(min_length=2)
    default_classification: Ident
    risk: RiskCriteria
    review: ReviewIntervals = ReviewIntervals()
    numbering: Numbering = Numbering()
    manual: ManualInfo
    documents: GeneratedDocuments = GeneratedDocuments()
    distribution: Distribution
    approval: Approval = Approval()
    audiences: list[Audience] = Field(default_factory=list, description="readers a build can be made for (isms build --audience)")
    approvers: dict[Ident, Approver] = Field(default_factory=dict, description="who approves records and decisions: {{ approvers.<id>.name }}")
    retention: dict[Ident, RetentionRule] = Field(default_factory=dict, description="保管期間 of records: {{ retention.<id> }}")
    continuity: Continuity = Field(Continuity(), description="目標復旧時間・目標復旧時点: {{ continuity.<system>.bcp_rto }}")
    information: dict[Ident, NamedInformation] = Field(default_factory=dict, description="機密分類 of named information: {{ information.<id>.classification }}")
    year_start: int = Field(4, ge=1, le=12, description="first month of the ISMS year (4: FY2025 is 2025-04 .. 2026-03)")
    operating_since: dt.date | None = Field(
        None, description="the day the ISMS began operating: no record is owed for any time before it "
        "(default: the first ISMS year the activity records speak of)",
    )
    date_format: Annotated[str, AfterValidator(_date_format)] | None = Field(
        None, max_length=40, description="how documents print dates: YYYY, MM or M, DD or D and other text (default: YYYY年M月D日 for ja, YYYY-MM-DD for en)"
    )


# --------------------------------------------------------------------------- controls


class Reason(StrEnum):
    risk_treatment = "risk_treatment"
    legal = "legal"
    contractual = "contractual"
    business = "business"


class Status(StrEnum):
    implemented = "implemented"
    partial = "partial"
    planned = "planned"


class Level(StrEnum):
    mandatory = "mandatory"
    recommended = "recommended"


class Origin(StrEnum):
    standard = "standard"
    modified = "modified"
    added = "added"


class TailoredItem(Strict):
    """One item of the organisation's own control set (個別管理基準, as the METI guideline calls it)."""

    text: Text
    level: Level = Field(description="mandatory = 必須項目, recommended = 推奨項目")
    origin: Origin = Field(Origin.standard, description="standard, modified (needs 修正理由) or added (needs 追加理由)")
    reason: str | None = Field(None, description="修正理由 / 追加理由")
    technical: bool = Field(False, description="技術的検証項目: verified on its own review interval")
    review_months: int | None = Field(None, gt=0, description="review interval of a technical item")
    status: Status | None = Field(None, description="partial or planned while the item is not in place yet (with target_date); omitted: in place")
    target_date: dt.date | None = Field(None, description="when a partial or planned item will be in place")


class ControlSource(Strict):
    """controls/<id>.yaml: the SoA decision and the procedure of one Annex A control."""

    id: ControlId
    applicable: bool
    reasons: list[Reason] = Field(default_factory=list, description="reasons for inclusion")
    reason_note: str | None = Field(None, description="the reason for inclusion in words")
    exclusion: str | None = Field(None, description="justification when not applicable")
    status: Status | None = None
    target_date: dt.date | None = Field(None, description="when a partial or planned control will be implemented")
    owner: Ident | None = Field(None, description="role id responsible for the control")
    classification: Ident | None = Field(None, description="classification of the procedure document")
    documents: list[DocumentRef] = Field(default_factory=list, description="related policy ids or control ids")
    records: list[Text] = Field(default_factory=list, description="records kept by the procedure")
    assets: list[AssetId] = Field(default_factory=list, description="assets and systems of the inventory the procedure operates on, e.g. [A-045]")
    items: list[TailoredItem] = Field(default_factory=list)
    procedure: str | None = Field(None, description="実施手順 in reStructuredText")



# --------------------------------------------------------------------------- policies


class PolicyEntry(Strict):
    id: Ident
    seq: int | None = Field(
        None, ge=0, le=9999,
        description="the {seq} of this policy's number; the policies after it count on from it. Keeps the numbers of released "
        "policies when one before them is withdrawn (default: the previous policy's + 1, the first numbering.policy_start)",
    )
    file: Text = Field(description="path of the reST (Jinja) source, relative to policy_templates/")
    title: Text
    title_en: Text
    owner: Ident
    approver: Ident
    classification: Ident
    controls: list[ControlId] = Field(default_factory=list, description="Annex A controls this policy sets out")
    clauses: list[str] = Field(default_factory=list, description="ISO/IEC 27001 clauses it serves, e.g. 5.2")


class PolicyIndex(Strict):
    policies: list[PolicyEntry] = Field(min_length=1)


def natural_key(control_id: str) -> tuple[int, ...]:
    """Sort key so that 5.2 comes before 5.10."""
    return tuple(int(part) for part in re.findall(r"\d+", control_id))

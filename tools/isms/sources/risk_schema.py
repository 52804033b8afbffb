"""Source-file schema of the asset inventory (manual_src/assets.yaml) and the risk register
(manual_src/risks.yaml): 資産目録 and リスク分析・リスク対応.

Values that are computed (asset value, risk value, residual risk) are never typed here: see
isms.model.risk. Whether a value lies on the profile's scale, whether a role or a control exists,
is checked across files in isms.check.risks.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from isms.sources.schema import AssetId, ControlId, Ident, Strict, Text

RISK_ID_PATTERN = r"^R-[0-9]{3,}$"

RiskId = Annotated[str, Field(pattern=RISK_ID_PATTERN, description="risk id, e.g. R-001")]
Score = Annotated[int, Field(strict=True, description="a value on the profile's scale (risk criteria)")]


class Form(StrEnum):
    """資産形態."""

    paper = "paper"
    data = "data"
    equipment = "equipment"
    service = "service"
    person = "person"


class Treatment(StrEnum):
    """リスク対応の選択肢."""

    accept = "accept"
    reduce = "reduce"
    avoid = "avoid"
    transfer = "transfer"


# The printed names of forms and treatments are words: isms.i18n, keys form_<form> and treatment_<treatment>.


class AssetSource(Strict):
    id: AssetId
    group: Text = Field(description="資産グループ, e.g. 顧客図面・設計データ")
    name: Text = Field(description="情報資産の名称")
    form: Form = Field(description="資産形態: paper (紙), data (データ), equipment (機器), service (サービス), person (人)")
    owner: Ident | None = Field(
        None, description="管理責任者: one accountable person: a person id, a role held by one person, or a department id (its head)"
    )
    location: Text = Field(description="保管場所・所在")
    confidentiality: Score = Field(description="機密性 (C) on the profile's scale")
    integrity: Score = Field(description="完全性 (I) on the profile's scale")
    availability: Score = Field(description="可用性 (A) on the profile's scale")
    note: str | None = None


class AssetInventory(Strict):
    """manual_src/assets.yaml: 資産目録 (情報資産管理台帳)."""

    assets: list[AssetSource] = Field(min_length=1)


class Residual(Strict):
    """The impact and likelihood expected once the treatment is in place."""

    impact: Score
    likelihood: Score


class ResidualApproval(Strict):
    """Approval of a residual risk above the acceptance threshold (by management, with the reason)."""

    by: Ident = Field(description="role id that approved, the profile's risk.residual_approver")
    date: dt.date
    note: str | None = Field(None, description="why the residual risk is accepted (残余リスクの理由)")


class Assessment(Strict):
    """When and by whom risks were assessed (リスクアセスメントの実施日と評価者)."""

    date: dt.date = Field(description="評価日")
    assessor: Ident = Field(description="評価者: a person or role id from the profile")


class OwnerApproval(Strict):
    """The risk owner's approval of the treatment plan and acceptance of the residual risk (6.1.3 f)."""

    by: Ident = Field(description="the risk owner: a person id, a role held by one person, or a department id (its head)")
    date: dt.date
    note: str | None = None


class InterimAcceptance(Strict):
    """The residual risk as it stands until the planned or partial controls of the treatment are in
    place, accepted until then (暫定の受容): by the risk owner, or by the profile's
    risk.residual_approver when it is above the acceptance threshold."""

    residual: Residual = Field(description="impact and likelihood now, with the controls that are in place")
    until: dt.date = Field(description="accepted until this date: not before the target dates of the controls the treatment waits for")
    by: Ident = Field(description="who accepted it: the risk owner, or risk.residual_approver above the threshold")
    date: dt.date
    note: str | None = None


class RiskSource(Strict):
    id: RiskId
    asset: AssetId
    owner: Ident | None = Field(
        None, description="リスク所有者: one accountable person (a person id, a role held by one person, or a department id); default: the asset's owner"
    )
    assessment: Assessment | None = Field(None, description="this risk's own assessment date and assessor (default: the register's)")
    threat: Text = Field(description="脅威")
    vulnerability: Text = Field(description="脆弱性")
    impact: Score = Field(description="業務への影響度 on the profile's scale")
    likelihood: Score = Field(description="発生頻度 on the profile's scale")
    treatment: Treatment | None = Field(None, description="accept (受容), reduce (軽減), avoid (回避), transfer (移転)")
    controls: list[ControlId] = Field(default_factory=list, description='Annex A controls of the treatment, quoted: "5.15"')
    plan: str | None = Field(None, description="対応計画: what will be done beyond the current controls")
    residual: Residual | None = Field(None, description="impact and likelihood after treatment (default: unchanged)")
    approval: ResidualApproval | None = Field(None, description="approval of a residual risk above the threshold")
    owner_approval: OwnerApproval | None = Field(None, description="the risk owner's approval of the treatment plan and the residual risk (6.1.3 f)")
    interim: InterimAcceptance | None = Field(None, description="the current residual, accepted until the planned or partial controls are in place")
    removes: str | None = Field(None, description="回避 (avoid): the activity or asset given up")
    transferred_to: str | None = Field(None, description="移転 (transfer): who carries the risk (an insurer, a service provider)")


class RiskRegisterSource(Strict):
    """manual_src/risks.yaml: リスクアセスメント及びリスク対応の記録."""

    assessment: Assessment | None = Field(None, description="the assessment of the register: date and assessor (a risk may give its own)")
    risks: list[RiskSource] = Field(min_length=1)

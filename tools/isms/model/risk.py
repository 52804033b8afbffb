"""Computed risk values, never typed by an editor (the method of the Tokyo SME programme):

- asset value = C + I + A
- risk value = asset value x impact x likelihood
- residual risk = asset value x residual impact x residual likelihood
- above the threshold: value > profile.risk.acceptance_threshold ("at or below are accepted")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from isms.i18n import t
from isms.model.people import party
from isms.sources.risk_schema import Assessment, AssetSource, Form, RiskSource, Treatment
from isms.sources.schema import Profile


@dataclass(frozen=True)
class Asset:
    id: str
    group: str
    name: str
    form: Form
    owner: str | None
    location: str
    confidentiality: int
    integrity: int
    availability: int
    note: str | None = None

    @property
    def value(self) -> int:
        return self.confidentiality + self.integrity + self.availability

    def form_name(self, lang: str = "ja") -> str:
        return t(f"form_{self.form.value}", lang)

    @classmethod
    def from_source(cls, src: AssetSource) -> Asset:
        return cls(src.id, src.group, src.name, src.form, src.owner, src.location, src.confidentiality, src.integrity, src.availability, src.note)


@dataclass(frozen=True)
class Approval:
    by: str
    date: dt.date
    note: str | None = None

    def as_json(self) -> dict:
        return {"by": self.by, "date": self.date.isoformat()}


@dataclass(frozen=True)
class Interim:
    """The current residual risk, accepted until the controls the treatment waits for are in place."""

    impact: int
    likelihood: int
    until: dt.date
    by: str
    date: dt.date
    note: str | None = None


@dataclass(frozen=True)
class Risk:
    id: str
    asset_id: str
    asset: Asset | None
    threat: str
    vulnerability: str
    impact: int
    likelihood: int
    treatment: Treatment | None
    controls: tuple[str, ...]
    residual_impact: int
    residual_likelihood: int
    threshold: int
    plan: str | None = None
    approval: Approval | None = None
    owner: str | None = None  # the risk owner as written: the risk's own, else the asset's owner
    owner_person: str | None = None  # the one person it stands for (None: unknown, or several people)
    assessed_on: dt.date | None = None
    assessor: str | None = None
    owner_approval: Approval | None = None
    interim: Interim | None = None
    removes: str | None = None  # avoid: the activity or asset given up
    transferred_to: str | None = None  # transfer: who carries the risk

    @property
    def asset_value(self) -> int:
        return self.asset.value if self.asset else 0

    @property
    def value(self) -> int:
        return self.asset_value * self.impact * self.likelihood

    @property
    def residual(self) -> int:
        return self.asset_value * self.residual_impact * self.residual_likelihood

    @property
    def interim_residual(self) -> int | None:
        """The residual risk until the planned or partial controls are in place."""
        return self.asset_value * self.interim.impact * self.interim.likelihood if self.interim else None

    @property
    def above_threshold(self) -> bool:
        return self.value > self.threshold

    @property
    def residual_above_threshold(self) -> bool:
        return self.residual > self.threshold

    @property
    def accepted(self) -> bool:
        """The residual risk is accepted: within the criteria, or approved by management."""
        return not self.residual_above_threshold or self.approval is not None

    @property
    def anchor(self) -> str:
        """Cross-reference label of the risk's row in the risk assessment report."""
        return f"risk-{self.id.lower()}"

    def treatment_name(self, lang: str = "ja") -> str:
        if self.treatment is None:
            return t("treatment_undecided", lang)
        return t(f"treatment_{self.treatment.value}", lang)

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "asset": self.asset_id,
            "asset_name": self.asset.name if self.asset else None,
            "asset_value": self.asset_value,
            "threat": self.threat,
            "vulnerability": self.vulnerability,
            "impact": self.impact,
            "likelihood": self.likelihood,
            "risk": self.value,
            "above_threshold": self.above_threshold,
            "treatment": self.treatment.value if self.treatment else None,
            "controls": list(self.controls),
            "residual_impact": self.residual_impact,
            "residual_likelihood": self.residual_likelihood,
            "residual_risk": self.residual,
            "approval": self.approval.as_json() if self.approval else None,
            "accepted": self.accepted,
            "owner": self.owner_person,
            "assessed_on": self.assessed_on.isoformat() if self.assessed_on else None,
            "assessor": self.assessor,
            "owner_approval": self.owner_approval.as_json() if self.owner_approval else None,
        }


@dataclass
class RiskRegister:
    threshold: int = 0
    assets: list[Asset] = field(default_factory=list)
    risks: list[Risk] = field(default_factory=list)
    assets_path: Path | None = None
    risks_path: Path | None = None

    def asset(self, asset_id: str) -> Asset | None:
        return next((a for a in self.assets if a.id == asset_id), None)

    def for_control(self, control_id: str) -> list[Risk]:
        return [r for r in self.risks if control_id in r.controls]

    def for_asset(self, asset_id: str) -> list[Risk]:
        return [r for r in self.risks if r.asset_id == asset_id]

    def approvals(self) -> Iterator[tuple[int, Risk, str, dt.date]]:
        """Every dated approval of the register: (index of the risk, risk, key, date); key is
        approval (management), owner_approval or interim."""
        for index, risk in enumerate(self.risks):
            for key, given in (("approval", risk.approval), ("owner_approval", risk.owner_approval), ("interim", risk.interim)):
                if given is not None:
                    yield index, risk, key, given.date


def build_register(
    profile: Profile,
    assets: list[AssetSource],
    risks: list[RiskSource],
    assessment: Assessment | None = None,
    assets_path: Path | None = None,
    risks_path: Path | None = None,
) -> RiskRegister:
    """assessment: the register's own (a risk may give its own instead)."""
    threshold = profile.risk.acceptance_threshold
    register = RiskRegister(threshold, assets_path=assets_path, risks_path=risks_path)
    for src in assets:
        if register.asset(src.id) is None:  # duplicates are reported by the checks
            register.assets.append(Asset.from_source(src))
    for src in risks:
        residual = src.residual
        asset = register.asset(src.asset)
        owner = src.owner or (asset.owner if asset else None)
        found = party(profile, owner)
        assessed = src.assessment or assessment
        interim = src.interim
        register.risks.append(
            Risk(
                src.id, src.asset, asset, src.threat, src.vulnerability, src.impact, src.likelihood,
                src.treatment, tuple(src.controls),
                residual.impact if residual else src.impact, residual.likelihood if residual else src.likelihood,
                threshold, src.plan,
                approval=Approval(src.approval.by, src.approval.date, src.approval.note) if src.approval else None,
                owner=owner,
                owner_person=found.person if found else None,
                assessed_on=assessed.date if assessed else None,
                assessor=assessed.assessor if assessed else None,
                owner_approval=Approval(src.owner_approval.by, src.owner_approval.date, src.owner_approval.note) if src.owner_approval else None,
                interim=Interim(interim.residual.impact, interim.residual.likelihood, interim.until, interim.by, interim.date, interim.note) if interim else None,
                removes=src.removes,
                transferred_to=src.transferred_to,
            )
        )
    return register

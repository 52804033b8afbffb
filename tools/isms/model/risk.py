"""Computed risk values, never typed by an editor (the method of the Tokyo SME programme):

- asset value = C + I + A
- risk value = asset value x impact x likelihood
- residual risk = asset value x residual impact x residual likelihood
- above the threshold: value > profile.risk.acceptance_threshold ("at or below are accepted")
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from isms.i18n import t
from isms.sources.risk_schema import AssetSource, Form, RiskSource, Treatment


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
            "approval": {"by": self.approval.by, "date": self.approval.date.isoformat()} if self.approval else None,
            "accepted": self.accepted,
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


def build_register(threshold: int, assets: list[AssetSource], risks: list[RiskSource], assets_path: Path | None = None, risks_path: Path | None = None) -> RiskRegister:
    register = RiskRegister(threshold, assets_path=assets_path, risks_path=risks_path)
    for src in assets:
        if register.asset(src.id) is None:  # duplicates are reported by the checks
            register.assets.append(Asset.from_source(src))
    for src in risks:
        residual = src.residual
        approval = Approval(src.approval.by, src.approval.date, src.approval.note) if src.approval else None
        register.risks.append(
            Risk(
                src.id, src.asset, register.asset(src.asset), src.threat, src.vulnerability, src.impact, src.likelihood,
                src.treatment, tuple(src.controls),
                residual.impact if residual else src.impact, residual.likelihood if residual else src.likelihood,
                threshold, src.plan, approval,
            )
        )
    return register

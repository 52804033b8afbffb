"""Check rules of the asset inventory and the risk register against the profile and the SoA.

Each problem points at the line to fix (path:line:col) and says how to fix it.
"""

from __future__ import annotations

from collections import Counter

from isms.model import Isms
from isms.problems import Problem
from isms.sources.loader import LoadedYaml, Sources
from isms.sources.risk_schema import Treatment


def check_risks(isms: Isms, sources: Sources) -> list[Problem]:
    assets, risks = sources.assets, sources.risks
    problems: list[Problem] = []
    if assets is not None:
        problems += _asset_rules(isms, assets)
    if risks is not None:
        problems += _risk_rules(isms, risks, assets)
    return problems


def _scale(isms: Isms, name: str) -> set[int]:
    return {level.value for level in getattr(isms.profile.risk, name)}


def _scale_text(values: set[int]) -> str:
    return ", ".join(str(v) for v in sorted(values))


def _duplicate_ids(loaded: LoadedYaml, key: str, ids: list[str], fix: str) -> list[Problem]:
    problems = []
    what = key.removesuffix("s")
    for dup in _duplicates(ids):
        indexes = [n for n, i in enumerate(ids) if i == dup]
        first = loaded.where(key, indexes[0], "id")[0]
        for index in indexes[1:]:
            problems.append(Problem(loaded.path, *loaded.where(key, index, "id"), f"duplicate {what} id '{dup}' (first used on line {first}): {fix}"))
    return problems


def _asset_rules(isms: Isms, loaded: LoadedYaml) -> list[Problem]:
    problems: list[Problem] = []

    def add(message: str, *loc: str | int) -> None:
        problems.append(Problem(loaded.path, *loaded.where(*loc), message))

    items = loaded.model.assets
    problems += _duplicate_ids(loaded, "assets", [a.id for a in items], "give each asset its own id")
    for index, asset in enumerate(items):  # owners: isms.check.register
        for name in ("confidentiality", "integrity", "availability"):
            allowed = _scale(isms, name)
            value = getattr(asset, name)
            if value not in allowed:
                add(f"asset {asset.id}: {name} {value} is not on the profile's scale ({_scale_text(allowed)}): see risk.{name} in profile.yaml", "assets", index, name)
    return problems


def _risk_rules(isms: Isms, loaded: LoadedYaml, assets: LoadedYaml | None) -> list[Problem]:
    problems: list[Problem] = []
    profile = isms.profile
    threshold = profile.risk.acceptance_threshold
    approver = profile.risk.residual_approver
    roles = {r.id for r in profile.roles}
    catalogue = {c.id for c in isms.catalogue}
    known_assets = {a.id for a in assets.model.assets} if assets is not None else None
    computed = {r.id: r for r in reversed(isms.risks.risks)}  # first of duplicates wins

    def add(message: str, *loc: str | int) -> None:
        problems.append(Problem(loaded.path, *loaded.where(*loc), message))

    items = loaded.model.risks
    problems += _duplicate_ids(loaded, "risks", [r.id for r in items], "number each risk once")
    needs_excluded: dict[str, list[str]] = {}
    for index, src in enumerate(items):
        rid = src.id
        at = ("risks", index)
        if known_assets is not None and src.asset not in known_assets:
            add(f"risk {rid}: unknown asset '{src.asset}': use an asset id from assets.yaml or add the asset there", *at, "asset")
        scales_ok = True
        for name, value, loc in (
            ("impact", src.impact, ("impact",)),
            ("likelihood", src.likelihood, ("likelihood",)),
            *((("impact", src.residual.impact, ("residual", "impact")), ("likelihood", src.residual.likelihood, ("residual", "likelihood"))) if src.residual else ()),
        ):
            allowed = _scale(isms, name)
            if value not in allowed:
                scales_ok = False
                add(f"risk {rid}: {'.'.join(loc)} {value} is not on the profile's scale ({_scale_text(allowed)}): see risk.{name} in profile.yaml", *at, *loc)
        for pos, cid in enumerate(src.controls):
            decision = isms.decision(cid)
            if cid not in catalogue:
                add(f"risk {rid}: unknown control '{cid}' in the treatment: use an Annex A id (5.1-5.37, 6.1-6.8, 7.1-7.14, 8.1-8.34)", *at, "controls", pos)
            elif decision is None or not decision.source.applicable:
                add(
                    f"risk {rid}: control {cid} is excluded in the SoA (controls/{cid}.yaml) but the treatment needs it: "
                    "choose an applicable control, or make the control applicable",
                    *at, "controls", pos,
                )
                if decision is not None:
                    needs_excluded.setdefault(cid, []).append(rid)
        risk = computed.get(rid)
        if risk is None or risk.asset is None or not scales_ok:
            continue
        if src.treatment is None:
            if risk.above_threshold:
                add(
                    f"risk {rid}: risk value {risk.value} is above the acceptance threshold {threshold} but has no 'treatment': "
                    "choose reduce (軽減), avoid (回避), transfer (移転), or accept (受容) with approval",
                    *at, "id",
                )
            continue
        if src.treatment is Treatment.reduce and not src.controls:
            add(f"risk {rid}: treatment 'reduce' (軽減) names no 'controls': list the Annex A controls that reduce it", *at, "treatment")
        if src.approval is not None:
            if src.approval.by not in roles:
                add(f"risk {rid}: approval by '{src.approval.by}', which is not a role in the profile (residual risks are approved by '{approver}')", *at, "approval", "by")
            elif src.approval.by != approver:
                add(f"risk {rid}: residual risk approved by '{src.approval.by}', but the profile's risk.residual_approver is '{approver}': have '{approver}' approve it", *at, "approval", "by")
        if src.treatment is Treatment.accept:
            if risk.above_threshold and src.approval is None:
                add(
                    f"risk {rid}: risk value {risk.value} is above the acceptance threshold {threshold} and is accepted (受容) without approval: "
                    f"add 'approval: {{by: {approver}, date: YYYY-MM-DD}}' or choose another treatment",
                    *at, "treatment",
                )
        elif risk.residual_above_threshold and src.approval is None:
            loc = ("residual",) if src.residual else ("treatment",)
            add(
                f"risk {rid}: residual risk {risk.residual} is above the acceptance threshold {threshold} without management approval: "
                f"add 'approval: {{by: {approver}, date: YYYY-MM-DD}}' or lower the residual impact or likelihood with more controls",
                *at, *loc,
            )
    for cid, risk_ids in needs_excluded.items():
        decision = isms.decision(cid)
        assert decision is not None
        problems.append(
            Problem(
                decision.path, decision.loaded.line_of("applicable"), 1,
                f"control {cid} is excluded, but the treatment of {', '.join(risk_ids)} ({loaded.path.name}) needs it: "
                "set applicable: true with a procedure, or change those treatments",
            )
        )
    return problems


def _duplicates(ids) -> list[str]:
    return [key for key, count in Counter(ids).items() if count > 1]

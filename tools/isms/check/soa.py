"""Integrity rules between the Statement of Applicability and the risk register, and within a
control's own data:

- a control that gives risk treatment among its reasons treats at least one risk of the register;
  a control named by a risk treatment gives risk treatment among its reasons;
- "implemented" is refused while one of the control's own items is still partial or planned; an
  open item has a target date, not after the control's;
- an excluded control implements nothing: no risk treatment (isms.check.risks), no items of its own,
  no assets, and no policy or other control names it among its controls or related documents;
- the assets a procedure operates on (``assets: [A-045]``) exist in the asset inventory.
"""

from __future__ import annotations

from isms.model import ControlDecision, Isms
from isms.problems import Problem
from isms.sources.loader import POLICY_INDEX_PATH, Sources
from isms.sources.schema import Reason, Status
from isms.sources.yamlio import position


def soa_rules(isms: Isms, sources: Sources) -> list[Problem]:
    problems: list[Problem] = []
    problems += _reasons_match_the_register(isms, sources)
    for decision in isms.decisions:
        problems += _items_open(decision)
        problems += _assets_known(isms, sources, decision)
    problems += _excluded_controls_named(isms, sources)
    return problems


def _at(decision: ControlDecision, *loc: str | int) -> tuple[int, int]:
    return position(decision.loaded.data, loc)


def _reasons_match_the_register(isms: Isms, sources: Sources) -> list[Problem]:
    if sources.risks is None or sources.assets is None:
        return []
    register = sources.risks.path.name
    problems = []
    for decision in isms.decisions:
        src = decision.source
        if not src.applicable:
            continue  # a treatment needing an excluded control: isms.check.risks
        risks = [r.id for r in isms.risks.for_control(decision.id)]
        treats = Reason.risk_treatment in src.reasons
        if treats and not risks:
            index = src.reasons.index(Reason.risk_treatment)
            problems.append(Problem(decision.path, *_at(decision, "reasons", index), (
                f"control {decision.id} gives risk_treatment among its reasons, but no risk of {register} names it: "
                "add it to the treatment of the risks it treats, or give the reasons it is really included for"
            )))
        elif risks and not treats and src.reasons:
            problems.append(Problem(decision.path, *_at(decision, "reasons"), (
                f"control {decision.id} treats {', '.join(risks)} ({register}), but its reasons do not include risk_treatment: add it"
            )))
    return problems


def _items_open(decision: ControlDecision) -> list[Problem]:
    src = decision.source
    problems = []
    still_open = []
    for index, item in enumerate(src.items):
        open_ = item.status not in (None, Status.implemented)
        if open_ and item.target_date is None:
            problems.append(Problem(decision.path, *_at(decision, "items", index, "status"), (
                f"item {index + 1} is '{item.status.value if item.status else ''}': give its 'target_date' (YYYY-MM-DD)"
            )))
        if item.target_date is not None and not open_:
            problems.append(Problem(decision.path, *_at(decision, "items", index, "target_date"), (
                f"item {index + 1} has a target_date but is in place: remove 'target_date', or set status: partial or planned"
            )))
        if not open_ or not src.applicable:
            continue
        assert item.status is not None
        if src.status is Status.implemented:
            still_open.append(f"item {index + 1} ({item.status.value}, line {_at(decision, 'items', index, 'status')[0]})")
        elif src.target_date is not None and item.target_date is not None and item.target_date > src.target_date:
            problems.append(Problem(decision.path, *_at(decision, "items", index, "target_date"), (
                f"item {index + 1} is due {item.target_date.isoformat()}, after the control's target date {src.target_date.isoformat()}: "
                "the control is complete when its last item is"
            )))
    if still_open:
        problems.append(Problem(decision.path, *_at(decision, "status"), (
            f"control {decision.id} is 'implemented', but not all its items are in place: {', '.join(still_open)}: "
            "set status: partial (or planned) with the target date, or mark the item in place"
        )))
    return problems


def _assets_known(isms: Isms, sources: Sources, decision: ControlDecision) -> list[Problem]:
    src = decision.source
    if not src.applicable and src.assets:
        return [Problem(decision.path, *_at(decision, "assets"), "an excluded control has no procedure and operates on no assets: remove 'assets'")]
    if sources.assets is None:
        return []
    known = {a.id for a in isms.risks.assets}
    return [
        Problem(decision.path, *_at(decision, "assets", index), (
            f"asset {asset_id} is not in the asset inventory ({sources.assets.path.name}): add the system there, or correct the id"
        ))
        for index, asset_id in enumerate(src.assets)
        if asset_id not in known
    ]


def _excluded_controls_named(isms: Isms, sources: Sources) -> list[Problem]:
    excluded = {d.id for d in isms.decisions if not d.source.applicable}
    if not excluded:
        return []
    problems = []
    for decision in isms.decisions:
        src = decision.source
        if not src.applicable and src.items:
            problems.append(Problem(decision.path, *_at(decision, "items"), (
                f"control {decision.id} is excluded, but has items of its own control set: an excluded control implements nothing; "
                "remove 'items', or set applicable: true"
            )))
        for index, ref in enumerate(src.documents):
            if ref in excluded and ref != decision.id:
                problems.append(Problem(decision.path, *_at(decision, "documents", index), (
                    f"related document {ref} is a control excluded in the SoA (controls/{ref}.yaml): remove it, or make {ref} applicable"
                )))
    path = sources.root / POLICY_INDEX_PATH
    for number, policy in enumerate(sources.policies):
        for index, cid in enumerate(policy.entry.controls):
            if cid in excluded:
                line, col = position(sources.policy_index_data, ("policies", number, "controls", index))
                problems.append(Problem(path, line, col, (
                    f"policy '{policy.entry.id}' sets out control {cid}, which is excluded in the SoA (controls/{cid}.yaml): "
                    f"remove it from 'controls', or make {cid} applicable"
                )))
    return problems

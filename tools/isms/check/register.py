"""Accountability rules of the asset inventory and the risk register (ISO/IEC 27001 6.1.2, 6.1.3):

- one accountable person owns each asset and each risk (a person id, a role held by one person, or a
  department id, which stands for its head);
- every risk has an assessment date and an assessor (the register's, or its own);
- the risk owner approves the treatment plan and the residual risk (6.1.3 f), after the assessment;
- treatment options are used as defined: a treatment never raises impact or likelihood, 受容 keeps the
  risk as it is, 回避 says what is given up, 移転 says who carries the risk;
- residual credit taken from a control that is not in place yet (partial or planned) needs an
  interim acceptance of the residual as it stands now, by the right person, until the control's
  target date.

Each problem points at the line to fix.
"""

from __future__ import annotations

import datetime as dt

import isms.ledger as ledger_stage
from isms.model import Isms
from isms.model.people import party
from isms.model.risk import Risk
from isms.problems import Problem
from isms.sources.loader import LoadedYaml, Sources
from isms.sources.risk_schema import RiskSource, Treatment
from isms.sources.schema import Profile, Status

ONE_PERSON = "name one accountable person: a person id, a role held by one person, or a department id (its head)"


def register_rules(isms: Isms, sources: Sources) -> list[Problem]:
    problems: list[Problem] = []
    if sources.assets is not None:
        problems += _asset_owners(isms.profile, sources.assets)
    if sources.risks is not None and sources.assets is not None:
        problems += _risk_accountability(isms, sources.risks)
    return problems


def owner_problem(profile: Profile, ident: str) -> str | None:
    """Why an owner id does not name one accountable person (None when it does)."""
    found = party(profile, ident)
    if found is None:
        return f"'{ident}' is neither a person, a role nor a department in the profile"
    if found.kind == "department" and not found.people:
        return f"department '{ident}' has no 'head' in the profile"
    if len(found.people) > 1:
        return f"'{ident}' is a role held by {len(found.people)} people ({', '.join(sorted(found.people))})"
    return None


def _asset_owners(profile: Profile, loaded: LoadedYaml) -> list[Problem]:
    problems = []
    for index, asset in enumerate(loaded.model.assets):
        if asset.owner is None:
            problems.append(Problem(loaded.path, *loaded.where("assets", index, "id"), f"asset {asset.id} has no 'owner': {ONE_PERSON}"))
        elif (why := owner_problem(profile, asset.owner)) is not None:
            problems.append(Problem(loaded.path, *loaded.where("assets", index, "owner"), f"asset {asset.id}: owner {why}: {ONE_PERSON}"))
    return problems


def _people(profile: Profile, ident: str | None) -> frozenset[str]:
    found = party(profile, ident)
    return found.people if found else frozenset()


def _risk_accountability(isms: Isms, loaded: LoadedYaml) -> list[Problem]:
    profile = isms.profile
    today = ledger_stage.today()  # looked up on the module: tests pin the date
    problems: list[Problem] = []
    computed = {r.id: r for r in reversed(isms.risks.risks)}  # first of duplicates wins
    register = loaded.model

    def add(message: str, *loc: str | int) -> None:
        problems.append(Problem(loaded.path, *loaded.where(*loc), message))

    if register.assessment is not None:
        problems += _assessment_problems(profile, loaded, ("assessment",), register.assessment.assessor, register.assessment.date, today)
    elif any(src.assessment is None for src in register.risks):
        missing = sum(1 for src in register.risks if src.assessment is None)
        add(
            f"the register has no 'assessment' and {missing} risk(s) give none of their own: "
            "add 'assessment: {date: YYYY-MM-DD, assessor: ID}' (the date and the person or role that assessed the risks) above 'risks:'",
            "risks",
        )
    for index, src in enumerate(register.risks):
        at = ("risks", index)
        risk = computed.get(src.id)
        if risk is None:
            continue
        if src.assessment is not None:
            problems += _assessment_problems(profile, loaded, (*at, "assessment"), src.assessment.assessor, src.assessment.date, today)
        if src.owner is not None and (why := owner_problem(profile, src.owner)) is not None:
            add(f"risk {src.id}: owner {why}: {ONE_PERSON}", *at, "owner")
        problems += _treatment_as_defined(isms, loaded, index, src, risk)
        problems += _owner_approval(isms, loaded, index, src, risk, today)
        problems += _interim(isms, loaded, index, src, risk, today)
        if src.approval is not None:
            problems += _dated(loaded, (*at, "approval", "date"), f"risk {src.id}: management approval", src.approval.date, risk, today)
    return problems


def _assessment_problems(profile: Profile, loaded: LoadedYaml, loc: tuple[str | int, ...], assessor: str, date: dt.date, today: dt.date) -> list[Problem]:
    problems = []
    if party(profile, assessor, ("role", "person")) is None:
        problems.append(Problem(loaded.path, *loaded.where(*loc, "assessor"), f"assessor '{assessor}' is neither a person nor a role in the profile"))
    if date > today:
        problems.append(Problem(loaded.path, *loaded.where(*loc, "date"), f"assessment date {date.isoformat()} is in the future (today is {today.isoformat()})"))
    return problems


def _dated(loaded: LoadedYaml, loc: tuple[str | int, ...], what: str, date: dt.date, risk: Risk, today: dt.date) -> list[Problem]:
    """An approval is given after the assessment it approves, and not in the future."""
    if risk.assessed_on is not None and date < risk.assessed_on:
        return [Problem(loaded.path, *loaded.where(*loc), (
            f"{what} dated {date.isoformat()} predates the assessment of {risk.assessed_on.isoformat()}: "
            "an approval is given on the assessed risk, after the assessment"
        ))]
    if date > today:
        return [Problem(loaded.path, *loaded.where(*loc), f"{what} dated {date.isoformat()} is in the future (today is {today.isoformat()})")]
    return []


def _treatment_as_defined(isms: Isms, loaded: LoadedYaml, index: int, src: RiskSource, risk: Risk) -> list[Problem]:
    problems: list[Problem] = []
    at = ("risks", index)

    def add(message: str, *loc: str | int) -> None:
        problems.append(Problem(loaded.path, *loaded.where(*at, *loc), message))

    if src.residual is not None:
        for name in ("impact", "likelihood"):
            before, after = getattr(src, name), getattr(src.residual, name)
            if after > before:
                add(f"risk {src.id}: residual {name} {after} is above the {name} {before} before treatment: a treatment cannot raise {name}", "residual", name)
    if src.treatment is Treatment.accept and src.residual is not None and (src.residual.impact, src.residual.likelihood) != (src.impact, src.likelihood):
        add(f"risk {src.id}: treatment 'accept' (受容) keeps the risk as it is, but 'residual' lowers it: remove 'residual', or choose reduce (軽減) with its controls", "residual")
    if src.treatment is Treatment.avoid and not (src.removes or "").strip():
        add(f"risk {src.id}: treatment 'avoid' (回避) gives up the activity or asset that carries the risk: say which in 'removes'", "treatment")
    if src.removes is not None and src.treatment is not Treatment.avoid:
        add(f"risk {src.id}: 'removes' belongs to treatment 'avoid' (回避): remove it, or choose avoid", "removes")
    if src.treatment is Treatment.transfer and not (src.transferred_to or "").strip():
        add(f"risk {src.id}: treatment 'transfer' (移転) shares the risk with another party: say who carries it in 'transferred_to'", "treatment")
    if src.transferred_to is not None and src.treatment is not Treatment.transfer:
        add(f"risk {src.id}: 'transferred_to' belongs to treatment 'transfer' (移転): remove it, or choose transfer", "transferred_to")
    return problems


def _owner_approval(isms: Isms, loaded: LoadedYaml, index: int, src: RiskSource, risk: Risk, today: dt.date) -> list[Problem]:
    profile = isms.profile
    at = ("risks", index)
    approval = src.owner_approval
    if risk.owner_person is None:  # no single owner: reported on the owner
        return []
    if approval is None:
        return [Problem(loaded.path, *loaded.where(*at, "id"), (
            f"risk {src.id}: its owner ({risk.owner}) has not approved the treatment plan and the residual risk (6.1.3 f): "
            f"add 'owner_approval: {{by: {risk.owner}, date: YYYY-MM-DD}}'"
        ))]
    if _people(profile, approval.by) != frozenset({risk.owner_person}):
        return [Problem(loaded.path, *loaded.where(*at, "owner_approval", "by"), (
            f"risk {src.id}: owner_approval by '{approval.by}', but the risk owner is '{risk.owner}' ({risk.owner_person}): "
            "the risk owner approves the treatment plan and the residual risk"
        ))]
    return _dated(loaded, (*at, "owner_approval", "date"), f"risk {src.id}: owner approval", approval.date, risk, today)


def pending_controls(isms: Isms, risk: Risk) -> list[tuple[str, Status, dt.date | None]]:
    """The controls of a risk's treatment that are not in place yet: (id, status, target date)."""
    out = []
    for cid in risk.controls:
        decision = isms.decision(cid)
        if decision is None or not decision.source.applicable or decision.source.status in (None, Status.implemented):
            continue
        status = decision.source.status
        assert status is not None
        out.append((cid, status, decision.source.target_date))
    return out


def _interim(isms: Isms, loaded: LoadedYaml, index: int, src: RiskSource, risk: Risk, today: dt.date) -> list[Problem]:
    profile = isms.profile
    problems: list[Problem] = []
    at = ("risks", index)

    def add(message: str, *loc: str | int) -> None:
        problems.append(Problem(loaded.path, *loaded.where(*at, *loc), message))

    pending = pending_controls(isms, risk)
    credit = risk.residual < risk.value
    interim = src.interim
    shown = ", ".join(f"{cid} ({status.value}, target {date.isoformat() if date else '?'})" for cid, status, date in pending)
    if interim is None:
        if pending and credit:
            until = max((date for _, _, date in pending if date), default=None)
            add(
                f"risk {src.id}: the residual risk {risk.residual} counts on {shown}, not in place yet: "
                f"accept the residual as it stands now until then: add 'interim: {{residual: {{impact: I, likelihood: L}}, "
                f"until: {until.isoformat() if until else 'YYYY-MM-DD'}, by: {risk.owner}, date: YYYY-MM-DD}}' "
                f"(by {profile.risk.residual_approver} when that residual is above the acceptance threshold {profile.risk.acceptance_threshold})",
                "residual" if src.residual else "treatment",
            )
        return problems
    if not pending:
        add(f"risk {src.id}: an interim acceptance, but every control of the treatment is in place: remove 'interim'", "interim")
        return problems
    for name in ("impact", "likelihood"):
        now, before, after = getattr(interim.residual, name), getattr(src, name), getattr(risk, f"residual_{name}")
        scale = {level.value for level in getattr(profile.risk, name)}
        if now not in scale:
            add(f"risk {src.id}: interim {name} {now} is not on the profile's scale ({', '.join(str(v) for v in sorted(scale))})", "interim", "residual", name)
        elif now > before:
            add(f"risk {src.id}: interim {name} {now} is above the {name} {before} before treatment: a treatment cannot raise {name}", "interim", "residual", name)
        elif now < after:
            add(
                f"risk {src.id}: interim {name} {now} is below the target residual {name} {after}: the interim residual is the risk "
                "before the pending controls are in place, between the risk before treatment and the target residual",
                "interim", "residual", name,
            )
    latest = max((date for _, _, date in pending if date), default=None)
    if latest is not None and interim.until < latest:
        add(
            f"risk {src.id}: interim acceptance until {interim.until.isoformat()} ends before the target date {latest.isoformat()} "
            f"of {shown}: accept it until {latest.isoformat()}",
            "interim", "until",
        )
    current = risk.interim_residual or 0
    threshold = profile.risk.acceptance_threshold
    if current > threshold:
        wanted, who = _people(profile, profile.risk.residual_approver), f"'{profile.risk.residual_approver}' (risk.residual_approver)"
        why = f"the interim residual {current} is above the acceptance threshold {threshold}"
    else:
        wanted, who = frozenset({risk.owner_person}) if risk.owner_person else frozenset(), f"the risk owner '{risk.owner}'"
        why = f"the interim residual {current} is within the acceptance threshold {threshold}"
    if wanted and _people(profile, interim.by) != wanted:
        add(f"risk {src.id}: interim acceptance by '{interim.by}', but {why}: it is accepted by {who}", "interim", "by")
    problems += _dated(loaded, (*at, "interim", "date"), f"risk {src.id}: interim acceptance", interim.date, risk, today)
    return problems

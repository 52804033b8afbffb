"""ISMS適用範囲及び基準 (ISMS scope and criteria): every fact of the organisation profile an auditor asks
for, generated from the profile, whether or not the manual's text repeats it.

Organisation, scope (clause 4.3) with locations, departments and roles, the classification scheme
with its handling rules, the risk criteria with their labelled scales and the acceptance threshold,
the review intervals, how documents are approved, and the audiences a build can be made for.
"""

from __future__ import annotations

from isms.bodies.text import esc, field_table, list_table, role_text, section
from isms.i18n import date_pattern, format_date, sep, t
from isms.model import Isms
from isms.sources.schema import Profile


def _role_name(profile: Profile, role_id: str) -> str:
    role = next((r for r in profile.roles if r.id == role_id), None)
    if role is None:
        return role_id
    return role.name if profile.language == "ja" else role.name_en


def _signer(isms: Isms, ident: str) -> str:
    """A role (with its holders) or a person (with their title)."""
    person = next((p for p in isms.profile.people if p.id == ident), None)
    if person is not None:
        return esc(f"{person.title} {person.name}")
    return role_text(isms, ident)


def scope_body(isms: Isms) -> str:
    profile, lang = isms.profile, isms.lang
    org, scope = profile.organization, profile.scope
    people = {p.id: p for p in profile.people}
    parts = [t("scope_intro", lang) + "\n"]

    parts.append(section(t("scope_organisation", lang)))
    rows = [(t("org_name", lang), esc(org.name))]
    rows += [(t(f"org_{key}", lang), esc(getattr(org, key))) for key in ("name_en", "short_name") if getattr(org, key)]
    rows += [(t("org_address", lang), esc(org.address))]
    if org.website:
        rows.append((t("org_website", lang), esc(org.website)))
    if org.security_contact:
        rows.append((t("org_security_contact", lang), esc(org.security_contact)))
    rows += [(t("org_employees", lang), str(org.employees)), (t("org_business", lang), esc(org.business))]
    parts.append(field_table(rows))

    parts.append(section(t("scope_section", lang)))
    rows = [(t(f"scope_{key}", lang), esc(getattr(scope, key))) for key in ("business", "organization", "assets", "technology")]
    rows += [(t(f"scope_{key}", lang), esc(getattr(scope, key))) for key in ("exclusions", "interfaces") if getattr(scope, key)]
    parts.append(field_table(rows))
    header = (t("location_name", lang), t("location_address", lang), t("location_description", lang))
    locations = [(esc(loc.name), esc(loc.address), esc(loc.description)) for loc in scope.locations]
    parts.append(f".. rubric:: {t('scope_locations', lang)}\n")
    parts.append(list_table(header, locations, widths=(20, 35, 45), css="isms-locations"))

    parts.append(section(t("scope_structure", lang)))
    header = (t("department", lang), t("department_head", lang), t("department_duties", lang))
    rows = []
    for dept in profile.departments:
        name = dept.name if lang == "ja" or not dept.name_en else dept.name_en
        head = people.get(dept.head) if dept.head else None
        rows.append((esc(name), esc(f"{head.title} {head.name}") if head else "—", esc(dept.duties) if dept.duties else "—"))
    parts.append(list_table(header, rows, widths=(20, 25, 55), css="isms-departments"))
    parts.append(t("top_management_is", lang, role=role_text(isms, profile.top_management)) + "\n")
    header = (t("person", lang), t("person_title", lang), t("department", lang), t("role", lang))
    departments = {d.id: (d.name if lang == "ja" or not d.name_en else d.name_en) for d in profile.departments}
    rows = []
    for person in profile.people:
        held = [r.name if lang == "ja" else r.name_en for r in profile.roles if person.id in r.holders]
        rows.append((esc(person.name), esc(person.title), esc(departments.get(person.department, person.department)), esc(sep(lang).join(held)) or "—"))
    parts.append(f".. rubric:: {t('people', lang)}\n")
    parts.append(list_table(header, rows, widths=(18, 27, 20, 35), css="isms-people"))
    header = (t("role", lang), t("role_holders", lang), t("role_responsibilities", lang))
    rows = []
    for role in profile.roles:
        holders = esc(sep(lang).join(f"{people[h].name} ({people[h].title})" for h in role.holders if h in people))
        if role.deputy is not None:
            deputies = role.deputy if isinstance(role.deputy, dict) else {"": role.deputy}
            shown = sep(lang).join(f"{esc(duty)}: {_signer(isms, ident)}" if duty else _signer(isms, ident) for duty, ident in deputies.items())
            holders += "\n\n" + t("role_deputy", lang, deputy=shown)
        duties = "\n".join(f"- {esc(item)}" for item in role.responsibilities)
        rows.append((esc(role.name if lang == "ja" else role.name_en), holders, duties))
    parts.append(list_table(header, rows, widths=(22, 23, 55), css="isms-roles"))

    parts.append(section(t("scope_classification", lang)))
    header = (t("classification_level", lang), t("classification_value", lang), t("classification_description", lang), t("classification_handling", lang))
    rows = [
        (esc(level.name if lang == "ja" else level.name_en), str(level.confidentiality), esc(level.description), esc(level.handling))
        for level in profile.classification
    ]
    parts.append(list_table(header, rows, widths=(14, 10, 36, 40), css="isms-classification"))
    default = next((c for c in profile.classification if c.id == profile.default_classification), profile.classification[0])
    parts.append(t("classification_default", lang, level=esc(default.name if lang == "ja" else default.name_en)) + "\n")

    criteria = profile.risk
    parts.append(section(t("scope_risk", lang)))
    approver = esc(_role_name(profile, criteria.residual_approver))
    parts.append(t("risk_method", lang, threshold=criteria.acceptance_threshold, approver=approver) + "\n")
    header = (t("scale_value", lang), t("scale_label", lang), t("scale_description", lang))
    for name in ("confidentiality", "integrity", "availability", "impact", "likelihood"):
        levels = sorted(getattr(criteria, name), key=lambda level: -level.value)
        parts.append(f".. rubric:: {t(f'scale_{name}', lang)}\n")
        parts.append(list_table(header, [(str(level.value), esc(level.label), esc(level.description)) for level in levels], widths=(10, 20, 70), css="isms-scale"))

    review = profile.review
    parts.append(section(t("scope_review", lang)))
    cycle = [t("scope_year_start", lang, month=t(f"month_{profile.year_start}", lang))]
    if profile.operating_since is not None:
        day = format_date(profile.operating_since, date_pattern(lang, profile.date_format))
        cycle.append(t("scope_operating_since", lang, date=day))
    parts.append("\n".join(f"- {esc(line)}" for line in cycle) + "\n")
    header = (t("review_item", lang), t("review_interval", lang))
    rows = [(t(f"review_{key}", lang), t("every_months", lang, months=getattr(review, key))) for key in type(review).model_fields]
    parts.append(list_table(header, rows, widths=(50, 50), css="isms-review"))

    parts += _facts(isms)

    parts.append(section(t("scope_documents", lang)))
    lines = [t("self_approval_allowed" if profile.approval.allow_self_approval else "self_approval_refused", lang)]
    signers = profile.approval.release
    if signers is not None:
        lines.append(t("signers_default", lang, author=_signer(isms, signers.author), reviewer=_signer(isms, signers.reviewer), approver=_signer(isms, signers.approver)))
    parts.append("\n".join(f"- {line}" for line in lines) + "\n")

    if profile.audiences:
        levels = {level.id: level for level in profile.classification}
        parts.append(section(t("scope_audiences", lang)))
        header = (t("audience", lang), t("audience_level", lang))
        rows = []
        for audience in profile.audiences:
            level = levels.get(audience.classification)
            label = (level.name if lang == "ja" else level.name_en) if level else audience.classification
            rows.append((esc(audience.name if lang == "ja" else audience.name_en), esc(label)))
        parts.append(list_table(header, rows, widths=(50, 50), css="isms-audiences"))
    return "\n".join(parts)


def _facts(isms: Isms) -> list[str]:
    """Facts the texts print from the profile: retention of records, recovery objectives, the
    classification of named information, and who approves records and decisions."""
    profile, lang = isms.profile, isms.lang
    parts: list[str] = []
    if profile.retention:
        parts.append(section(t("scope_retention", lang)))
        header = (t("retention_records", lang), t("retention_keeper", lang), t("retention_period", lang))
        rows = [(esc(sep(lang).join(rule.records)), role_text(isms, rule.keeper) if rule.keeper else "—", esc(rule.period)) for rule in profile.retention.values()]
        parts.append(list_table(header, rows, widths=(50, 25, 25), css="isms-retention"))
    continuity = profile.continuity
    if continuity.systems or continuity.rpo is not None:
        parts.append(section(t("scope_continuity", lang)))
        if continuity.systems:
            header = (t("continuity_system", lang), t("continuity_failure_rto", lang), t("continuity_bcp_rto", lang))
            rows = [(esc(system.name), esc(system.failure_rto or "—"), esc(system.bcp_rto or "—")) for system in continuity.systems.values()]
            parts.append(list_table(header, rows, widths=(40, 30, 30), css="isms-continuity"))
        if continuity.rpo is not None:
            points = (t("continuity_rpo_failure", lang, point=esc(continuity.rpo.failure)), t("continuity_rpo_bcp", lang, point=esc(continuity.rpo.bcp)))
            parts.append("\n".join(f"- {point}" for point in points) + "\n")
    if profile.information:
        levels = {level.id: (level.name if lang == "ja" else level.name_en) for level in profile.classification}
        parts.append(section(t("scope_information", lang)))
        header = (t("information_name", lang), t("classification_level", lang))
        rows = [(esc(item.name), esc(levels.get(item.classification, item.classification))) for item in profile.information.values()]
        parts.append(list_table(header, rows, widths=(70, 30), css="isms-information"))
    if profile.approvers:
        parts.append(section(t("scope_approvers", lang)))
        header = (t("approver_what", lang), t("approved_by", lang))
        rows = [(esc(item.what), role_text(isms, item.by)) for item in profile.approvers.values()]
        parts.append(list_table(header, rows, widths=(60, 40), css="isms-approvers"))
    return parts

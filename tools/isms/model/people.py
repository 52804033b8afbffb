"""Who an id in the sources stands for: a role (its holders), a person, or a department (its head).

Owners of assets and risks, assessors, approvers and the signers of a release are written as ids;
accountability and segregation of duties are about people, so every rule compares the people an id
stands for, never the ids themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from isms.i18n import sep
from isms.sources.schema import Profile

Kind = Literal["role", "person", "department"]


@dataclass(frozen=True)
class Party:
    ident: str
    kind: Kind
    people: frozenset[str]  # person ids

    @property
    def person(self) -> str | None:
        """The one accountable person, or None when the id stands for several people (or none)."""
        return next(iter(self.people)) if len(self.people) == 1 else None


def party(profile: Profile, ident: str | None, kinds: tuple[Kind, ...] = ("role", "person", "department")) -> Party | None:
    """The role, person or department an id names (in that order), or None when it names none of them."""
    if ident is None:
        return None
    for kind in kinds:
        if kind == "role":
            role = next((r for r in profile.roles if r.id == ident), None)
            if role is not None:
                return Party(ident, "role", frozenset(role.holders))
        elif kind == "person":
            if any(p.id == ident for p in profile.people):
                return Party(ident, "person", frozenset({ident}))
        else:
            dept = next((d for d in profile.departments if d.id == ident), None)
            if dept is not None:
                return Party(ident, "department", frozenset({dept.head}) if dept.head else frozenset())
    return None


def person_text(profile: Profile, person_id: str) -> str:
    """A person as printed: "技術部長 渡辺 大輔"."""
    person = next((p for p in profile.people if p.id == person_id), None)
    return f"{person.title} {person.name}" if person else person_id


def party_text(profile: Profile, ident: str | None) -> str:
    """An owner, assessor or approver as printed: a role with its holders, a person (or a
    department's head) with their title."""
    found = party(profile, ident)
    if found is None:
        return ident or "—"
    if found.kind == "role":
        role = next(r for r in profile.roles if r.id == ident)
        name = role.name if profile.language == "ja" else role.name_en
        people = {p.id: p.name for p in profile.people}
        names = sep(profile.language).join(people[h] for h in role.holders if h in people)
        return f"{name} ({names})" if names else name
    return sep(profile.language).join(person_text(profile, p) for p in sorted(found.people)) or (ident or "—")

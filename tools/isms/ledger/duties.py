"""Segregation of duties (control 5.3) between the author, the reviewer and the approver of a
document: as sets of people (a role stands for its holders), no one may sign twice. Used when a
release is recorded (isms.ledger.release) and for every recorded release (isms.check.ledger)."""

from __future__ import annotations

from collections.abc import Mapping

# (the signer who may not also be, the other signer, what the first did twice)
PAIRS = (("approver", "author", "wrote"), ("reviewer", "author", "wrote"), ("approver", "reviewer", "reviewed"))


def conflicts(people: Mapping[str, frozenset[str]]) -> list[tuple[str, str, str]]:
    """The pairs (signer, other signer, verb) that share a person: ("approver", "author", "wrote")."""
    return [(first, second, verb) for first, second, verb in PAIRS if people[first] & people[second]]


def conflict_text(first: str, second: str, verb: str, labels: Mapping[str, str], what: str) -> str:
    """'the approver (トップマネジメント 港 健一) also wrote the release (ISMS事務局 小林 直樹): segregation of duties
    (control 5.3) needs another approver'."""
    return f"the {first} ({labels[first]}) also {verb} {what} ({labels[second]}): segregation of duties (control 5.3) needs another {first}"

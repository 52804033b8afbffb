"""The Statement of Applicability as data (`isms soa --json`): one entry per Annex A control, with
the risks whose treatment names it, for integration with other tools."""

from __future__ import annotations

from isms.model import ControlDecision, Isms


def soa_entry(isms: Isms, decision: ControlDecision) -> dict:
    src = decision.source
    return {
        "id": decision.id,
        "applicable": src.applicable,
        "reasons": [reason.value for reason in src.reasons],
        "justification": (src.reason_note if src.applicable else src.exclusion) or None,
        "status": src.status.value if src.status else None,
        "target_date": src.target_date.isoformat() if src.target_date else None,
        "owner": src.owner,
        "risks": [risk.id for risk in isms.risks.for_control(decision.id)],
        "documents": list(src.documents),
    }


def soa_entries(isms: Isms) -> list[dict]:
    return [soa_entry(isms, decision) for decision in isms.decisions]

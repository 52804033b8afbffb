"""The ISMS requirements checklist (ISMS要求事項チェックリスト): per clause of ISO/IEC 27001, the
documented information it asks for and where it is in this document set."""

from __future__ import annotations

from isms.bodies.text import esc, list_table, ref
from isms.i18n import sep, t
from isms.model import Isms
from isms.sources.catalogue import load_clauses


def checklist_body(isms: Isms) -> str:
    lang = isms.lang
    labels = isms.labels | {"attributes"}
    rows = []
    missing = 0
    for clause in load_clauses():
        for needed in clause["documents"]:
            where = [label for label in needed.get("where", []) if label in labels]
            record_of = needed.get("record_of")
            decision = isms.decision(record_of) if record_of else None
            if where:
                found = sep(lang).join(ref(label) for label in where)
                state = "✔ " + t("present", lang)
            elif decision is not None and decision.source.applicable:
                found = t("kept_as_record", lang) + ref(f"ctl-{record_of}")
                state = "✔ " + t("record", lang)
            else:
                missing += 1
                found = "—"
                state = "✘ " + t("missing", lang)
            rows.append((esc(clause["id"]), esc(clause["title"][lang]), esc(needed[lang]), found, state))
    header = (t("clause", lang), t("requirement", lang), t("documented_information", lang), t("where", lang), t("state", lang))
    intro = t("checklist_intro", lang, missing=missing) + "\n"
    return "\n".join([intro, list_table(header, rows, widths=(7, 23, 25, 33, 12), css="isms-checklist")])

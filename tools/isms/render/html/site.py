"""Generate the Sphinx source tree of the auditors' site from the model (pages as reST files)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from ruamel.yaml import YAML

from isms.catalogue import ATTRIBUTE_NAMES, ATTRIBUTES, THEMES, value_name
from isms.i18n import sep, t
from isms.model import Document, Isms
from isms.render import pages
from isms.render.pages import esc, list_table, ref, section, title


@dataclass
class Site:
    """pagename -> reST text, and pagename -> the document it shows (for labels and banners)."""

    pages: dict[str, str] = field(default_factory=dict)
    page_documents: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, text: str, document_id: str | None = None) -> None:
        self.pages[name] = text
        if document_id:
            self.page_documents[name] = document_id


@cache
def clause_table() -> list[dict]:
    text = resources.files("isms.data").joinpath("clauses.yaml").read_text(encoding="utf-8")
    return YAML(typ="safe").load(text)["clauses"]


def _doc_line(isms: Isms, doc: Document) -> str:
    lang = isms.lang
    version = isms.versions.get(doc.id)
    bits = [f"{t('document_number', lang)}: {esc(doc.number)}"]
    if version is not None:
        bits.append(f"{t('version', lang)}: {esc(version.label(lang))}")
    return " / ".join(bits)


def build_site(isms: Isms) -> Site:
    site = Site()
    _home(isms, site)
    _manual(isms, site)
    _policies(isms, site)
    _controls(isms, site)
    _soa(isms, site)
    _attribute_views(isms, site)
    _register(isms, site)
    _checklist(isms, site)
    _risk_pages(isms, site)
    from isms.ledger.html import add_history_and_releases

    add_history_and_releases(isms, site)  # history tables on document pages, releases/<version> pages
    return site


def _toctree(entries: list[str], caption: str | None = None, hidden: bool = False, maxdepth: int = 1) -> str:
    lines = [".. toctree::", f"   :maxdepth: {maxdepth}"]
    if caption:
        lines.append(f"   :caption: {caption}")
    if hidden:
        lines.append("   :hidden:")
    lines.append("")
    lines += [f"   {entry}" for entry in entries]
    return "\n".join(lines) + "\n"


def _home(isms: Isms, site: Site) -> None:
    lang, org, scope = isms.lang, isms.profile.organization, isms.profile.scope
    name = org.name if lang == "ja" else (org.name_en or org.name)
    release = isms.release_label() if hasattr(isms, "release_label") else None
    parts = [title(esc(t("home_title", lang, org=name)))]
    rows = [
        (t("home_organisation", lang), esc(name)),
        (t("home_business", lang), esc(org.business)),
        (t("home_scope", lang), esc(scope.business)),
        (t("home_scope_organisation", lang), esc(scope.organization)),
        (t("home_locations", lang), esc(sep(lang).join(loc.name for loc in scope.locations))),
        (t("home_set_version", lang), esc(release or t("not_released", lang))),
    ]
    parts.append(pages.field_table(rows))
    parts.append(section(t("home_start", lang)))
    start = [
        ("manual", "start_manual"),
        ("pol-information_security_policy", "start_policy"),
        ("soa", "start_soa"),
        ("checklist", "start_checklist"),
        ("register", "start_register"),
        ("releases", "start_releases"),
        ("attributes", "start_attributes"),
        ("risk-report", "start_risk"),
    ]
    parts.append("\n".join(f"- {ref(label)}: {t(key, lang)}" for label, key in start) + "\n")
    parts.append(_toctree(["manual/index", "policies/index", "soa", "controls/index", "attributes", "register", "checklist", "assets", "risk-report", "risk-plan", "audit-checklist", "releases/index"], hidden=True, maxdepth=2))
    site.add("index", "\n".join(parts))


def _manual(isms: Isms, site: Site) -> None:
    doc = isms.documents["manual"]
    names = [f"manual/{chapter.source.path.stem}" for chapter in isms.manual]
    index = [".. _manual:\n", title(esc(doc.title)), _doc_line(isms, doc) + "\n", _toctree([n.split("/", 1)[1] for n in names], maxdepth=2)]
    site.add("manual/index", "\n".join(index), "manual")
    for name, chapter in zip(names, isms.manual, strict=True):
        site.add(name, chapter.text, "manual")


def _policies(isms: Isms, site: Site) -> None:
    lang = isms.lang
    heading = t("policies", lang)
    entries = []
    for policy in isms.policies:
        doc = isms.documents[policy.entry.id]
        name = f"policies/{policy.entry.id}"
        entries.append(policy.entry.id)
        body = policy.body.text if policy.body else ""
        site.add(name, f".. _{doc.label}:\n\n{body}\n\n{_doc_line(isms, doc)}\n", doc.id)
    site.add("policies/index", title(heading) + "\n" + _toctree(entries))


def _controls(isms: Isms, site: Site) -> None:
    lang = isms.lang
    entries = []
    for decision in isms.decisions:
        control = decision.control
        heading = f"{control.id} {control.title(lang)}"
        name = f"controls/{control.id}"
        entries.append(control.id)
        doc_id = decision.document_id if decision.document_id in isms.documents else None
        site.add(name, f".. _ctl-{control.id}:\n\n{title(esc(heading))}\n{pages.control_body(isms, decision)}", doc_id)
    parts = [title(t("controls_and_procedures", lang))]
    for names in THEMES.values():
        ids = [e for e in entries if e.split(".")[0] == names["number"]]
        parts.append(_toctree(ids, caption=f"{names['number']}. {names[lang]}"))
    site.add("controls/index", "\n".join(parts))


def soa_data(isms: Isms) -> list[dict]:
    """What the SoA filter needs per control, embedded in the page as JSON."""
    rows = []
    for decision in isms.decisions:
        src = decision.source
        rows.append(
            {
                "id": decision.id,
                "theme": decision.control.theme,
                "applicable": src.applicable,
                "status": src.status.value if src.status else "excluded",
                **{name: list(values) for name, values in decision.control.attributes.items()},
            }
        )
    return rows


def _filter_ui(isms: Isms) -> str:
    lang = isms.lang
    selects = [
        ("theme", t("theme", lang), [(k, f"{v['number']}. {v[lang]}") for k, v in THEMES.items()]),
        ("applicable", t("applicability", lang), [("true", t("yes", lang)), ("false", t("no", lang))]),
        ("status", t("status", lang), [(s, t(s, lang)) for s in ("implemented", "partial", "planned")] + [("excluded", t("no", lang))]),
    ]
    selects += [(name, ATTRIBUTE_NAMES[name][lang], [(v, "#" + value_name(v, lang)) for v in ATTRIBUTES[name]]) for name in ATTRIBUTES]
    all_label = _h(t("filter_all", lang))
    html = ['<form class="isms-filter" id="isms-soa-filter" aria-label="SoA filter">']
    for key, label, options in selects:
        opts = "".join(f'<option value="{v}">{_h(text)}</option>' for v, text in options)
        html.append(f'<label>{_h(label)} <select data-filter="{key}"><option value="">{all_label}</option>{opts}</select></label>')
    html.append(f'<button type="reset">{_h(t("filter_clear", lang))}</button> <output id="isms-soa-count"></output></form>')
    data = json.dumps(soa_data(isms), ensure_ascii=False).replace("</", "<\\/")
    html.append(f'<script type="application/json" id="isms-soa-data">{data}</script>')
    return ".. raw:: html\n\n" + "\n".join("   " + line for line in html) + "\n"


def _h(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _soa(isms: Isms, site: Site) -> None:
    doc = isms.documents["soa"]
    parts = [f".. _{doc.label}:\n", title(esc(doc.title)), _doc_line(isms, doc) + "\n", _filter_ui(isms), pages.soa_body(isms, link=True)]
    site.add("soa", "\n".join(parts), "soa")


def _attribute_views(isms: Isms, site: Site) -> None:
    lang = isms.lang
    applicable = [d for d in isms.decisions if d.source.applicable]
    parts = [".. _attributes:\n", title(t("attributes_title", lang))]
    parts.append(t("attributes_intro", lang) + "\n")
    parts.append(section(t("balance", lang)))
    rows = []
    for value in ATTRIBUTES["control_type"]:
        members = [d for d in applicable if value in d.control.attributes["control_type"]]
        share = f"{100 * len(members) / len(applicable):.0f}%" if applicable else "—"
        links = " ".join(ref(f"ctl-{d.id}", d.id) for d in members)
        rows.append((esc("#" + value_name(value, lang)), str(len(members)), share, links))
    header = (t("control_type", lang), t("count", lang), t("share", lang), t("control", lang))
    parts.append(list_table(header, rows, widths=(15, 8, 8, 69), css="isms-balance"))
    parts.append(t("balance_note", lang, applicable=len(applicable)) + "\n")
    parts.append(section(t("matrix", lang)))
    concepts = ATTRIBUTES["concepts"]
    header = (ATTRIBUTE_NAMES["capabilities"][lang], *(esc("#" + value_name(c, lang)) for c in concepts))
    matrix_rows = []
    for capability in ATTRIBUTES["capabilities"]:
        cells = []
        for concept in concepts:
            members = [d for d in isms.decisions if capability in d.control.attributes["capabilities"] and concept in d.control.attributes["concepts"]]
            cells.append(" ".join(ref(f"ctl-{d.id}", d.id if d.source.applicable else f"({d.id})") for d in members) or "—")
        matrix_rows.append((esc("#" + value_name(capability, lang)), *cells))
    parts.append(list_table(header, matrix_rows, widths=(20, 16, 16, 16, 16, 16), css="isms-matrix"))
    site.add("attributes", "\n".join(parts))


def _register(isms: Isms, site: Site) -> None:
    doc = isms.documents["register"]
    site.add("register", "\n".join([f".. _{doc.label}:\n", title(esc(doc.title)), _doc_line(isms, doc) + "\n", pages.register_body(isms)]), "register")


def _checklist(isms: Isms, site: Site) -> None:
    lang = isms.lang
    doc = isms.documents["checklist"]
    labels = _labels(isms)
    rows = []
    missing = 0
    for clause in clause_table():
        for needed in clause["documents"]:
            where = [label for label in needed.get("where", []) if label in labels]
            record_of = needed.get("record_of")
            if where:
                found = sep(lang).join(ref(label) for label in where)
                state = "✔ " + t("present", lang)
            elif record_of and isms.decision(record_of) and isms.decision(record_of).source.applicable:
                found = t("kept_as_record", lang) + ref(f"ctl-{record_of}")
                state = "✔ " + t("record", lang)
            else:
                missing += 1
                found = "—"
                state = "✘ " + t("missing", lang)
            rows.append((esc(clause["id"]), esc(clause["title"][lang]), esc(needed[lang]), found, state))
    header = (t("clause", lang), t("requirement", lang), t("documented_information", lang), t("where", lang), t("state", lang))
    intro = t("checklist_intro", lang, missing=missing) + "\n"
    parts = [f".. _{doc.label}:\n", title(esc(doc.title)), _doc_line(isms, doc) + "\n", intro, list_table(header, rows, widths=(7, 23, 25, 33, 12), css="isms-checklist")]
    site.add("checklist", "\n".join(parts), "checklist")


def _risk_pages(isms: Isms, site: Site) -> None:
    """資産目録, リスクアセスメント結果報告書, リスク対応計画, 内部監査チェックリスト (isms.risk.pages)."""
    from isms.risk import pages as risk_pages

    labels = _labels(isms)
    bodies = {
        "assets": risk_pages.assets_body(isms),
        "risk-report": risk_pages.risk_report_body(isms, html=True),
        "risk-plan": risk_pages.risk_plan_body(isms),
        "audit-checklist": risk_pages.audit_checklist_body(isms, labels),
    }
    for doc_id, body in bodies.items():
        doc = isms.documents[doc_id]
        site.add(doc_id, "\n".join([f".. _{doc.label}:\n", title(esc(doc.title)), _doc_line(isms, doc) + "\n", body]), doc_id)


def _labels(isms: Isms) -> set[str]:
    from isms.check.rules import all_labels

    return set(all_labels(isms)) | {"attributes"}

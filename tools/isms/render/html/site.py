"""Generate the Sphinx source tree of the auditors' site (pages as reST files) from the bodies."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from isms.bodies.documents import register_body
from isms.bodies.text import esc, field_table, html_block, list_table, ref, section, title
from isms.i18n import sep, t
from isms.model import Isms
from isms.render.context import BuildContext
from isms.render.html.frames import page_heading, placeholder, version_line
from isms.render.html.history import release_pages
from isms.render.html.records import RECORDS_LABEL, STATUS_LABEL, add_record_pages
from isms.render.names import docx_names, word_documents, xlsx_names
from isms.sources.catalogue import ATTRIBUTES, THEMES


@dataclass
class Site:
    """pagename -> reST text, and pagename -> the document it shows (for labels and banners)."""

    pages: dict[str, str] = field(default_factory=dict)
    page_documents: dict[str, str] = field(default_factory=dict)
    # document id -> its approved files (kind, file name), published in html/downloads/
    downloads: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def add(self, name: str, text: str, document_id: str | None = None) -> None:
        self.pages[name] = text
        if document_id:
            self.page_documents[name] = document_id


def build_site(context: BuildContext) -> Site:
    site = Site(downloads=downloads(context))
    _home(context, site)
    _manual(context, site)
    _policies(context, site)
    _controls(context, site)
    _soa(context, site)
    _attribute_views(context.isms, site)
    _register(context, site)
    _paged(context, site)
    add_record_pages(context, site)  # record sets, forms, the checklist and the status as of the build date
    _history(context, site)
    return site


def downloads(context: BuildContext) -> dict[str, list[tuple[str, str]]]:
    """Each document's Word file and, for the SoA and the registers, its workbook: the names the
    writers give them (isms.render.names); the publish stage puts the files in html/downloads/."""
    files: dict[str, list[tuple[str, str]]] = {}
    for doc_id, name in docx_names(word_documents(context.isms, context.bodies)).items():
        files.setdefault(doc_id, []).append(("docx", name))
    for doc_id, name in xlsx_names(context.isms).items():
        files.setdefault(doc_id, []).append(("xlsx", name))
    return files


def _history(context: BuildContext, site: Site) -> None:
    """A history table on each document's first page (manual/index for the manual: filled in as the
    page is written, isms.render.html.frames), and the release pages. Added to the pages, never to
    the bodies: what the ledger fingerprints has no version."""
    isms = context.isms
    seen: set[str] = set()
    for name, doc_id in list(site.page_documents.items()):
        if doc_id in seen or doc_id not in isms.documents:
            continue
        seen.add(doc_id)
        site.pages[name] = site.pages[name].rstrip("\n") + "\n\n" + placeholder(f"history {doc_id}")
    for name, text in release_pages(isms, set(site.page_documents.values())).items():
        site.add(name, text)


def _toctree(entries: list[str], caption: str | None = None, hidden: bool = False, maxdepth: int = 1) -> str:
    lines = [".. toctree::", f"   :maxdepth: {maxdepth}"]
    if caption:
        lines.append(f"   :caption: {caption}")
    if hidden:
        lines.append("   :hidden:")
    lines.append("")
    lines += [f"   {entry}" for entry in entries]
    return "\n".join(lines) + "\n"


def _home(context: BuildContext, site: Site) -> None:
    isms = context.isms
    lang, org, scope = isms.lang, isms.profile.organization, isms.profile.scope
    name = org.name if lang == "ja" else (org.name_en or org.name)
    release = context.versions.release_label(lang)
    parts = [title(esc(t("home_title", lang, org=name)))]
    rows = [
        (t("home_organisation", lang), esc(name)),
        (t("home_business", lang), esc(org.business)),
        (t("home_scope", lang), esc(scope.business)),
        (t("home_scope_organisation", lang), esc(scope.organization)),
        (t("home_locations", lang), esc(sep(lang).join(loc.name for loc in scope.locations))),
        (t("home_set_version", lang), esc(release or t("not_released", lang))),
    ]
    parts.append(field_table(rows))
    parts.append(section(t("home_start", lang)))
    start = [
        ("manual", "start_manual"),
        ("scope", "start_scope"),
        ("pol-information_security_policy", "start_policy"),
        ("soa", "start_soa"),
        ("checklist", "start_checklist"),
        ("register", "start_register"),
        ("releases", "start_releases"),
        ("attributes", "start_attributes"),
        ("risk-report", "start_risk"),
        (STATUS_LABEL, "start_status"),
        (RECORDS_LABEL, "start_records"),
    ]
    always = {"releases", "attributes", STATUS_LABEL, RECORDS_LABEL}  # pages of the site, not documents
    parts.append("\n".join(f"- {ref(label)}: {t(key, lang)}" for label, key in start if label in isms.labels | always) + "\n")
    if isms.audience is not None and isms.withheld:
        audience = isms.audience.name if lang == "ja" else isms.audience.name_en
        parts.append(section(t("withheld_title", lang)))
        parts.append(t("withheld_intro", lang, audience=esc(audience)) + "\n")
        parts.append("\n".join(f"- {esc(doc.number)} {esc(doc.title)}" for doc in isms.withheld.values()) + "\n")
    pages = ["manual/index", "scope", "policies/index", "soa", "controls/index", "attributes", "register", "checklist", "assets",
             "risk-report", "risk-plan", "audit-checklist", "status", "records/index", "releases/index"]
    present = {"manual/index": "manual", "soa": "soa", "register": "register", "checklist": "checklist", "scope": "scope", "assets": "assets",
               "risk-report": "risk-report", "risk-plan": "risk-plan", "audit-checklist": "audit-checklist"}
    pages = [page for page in pages if page not in present or present[page] in isms.documents]
    parts.append(_toctree(pages, hidden=True, maxdepth=2))
    site.add("index", "\n".join(parts))


def _manual(context: BuildContext, site: Site) -> None:
    isms = context.isms
    if "manual" not in isms.documents:  # left out for this build's audience
        return
    doc = isms.documents["manual"]
    names = [f"manual/{chapter.source.path.stem}" for chapter in isms.manual]
    index = [page_heading(doc), context.bodies.documents["manual"].site, _toctree([n.split("/", 1)[1] for n in names], maxdepth=2)]
    site.add("manual/index", "\n".join(index), "manual")
    for name, chapter in zip(names, context.bodies.documents["manual"].parts, strict=True):
        site.add(name, chapter, "manual")


def _policies(context: BuildContext, site: Site) -> None:
    isms = context.isms
    lang = isms.lang
    heading = t("policies", lang)
    entries = []
    for policy in isms.policies:
        doc = isms.documents[policy.entry.id]
        name = f"policies/{policy.entry.id}"
        entries.append(policy.entry.id)
        body = context.bodies.documents[doc.id].site
        # The policy's own title heads the page: its number and version follow the text.
        site.add(name, f".. _{doc.label}:\n\n{body}\n\n{version_line(doc.id)}\n", doc.id)
    site.add("policies/index", title(heading) + "\n" + _toctree(entries))


def _controls(context: BuildContext, site: Site) -> None:
    isms = context.isms
    lang = isms.lang
    entries = []
    for decision in isms.decisions:
        control = decision.control
        heading = f"{control.id} {control.title(lang)}"
        name = f"controls/{control.id}"
        entries.append(control.id)
        doc_id = decision.document_id if decision.document_id in isms.documents else None
        site.add(name, f".. _ctl-{control.id}:\n\n{title(esc(heading))}\n{context.bodies.controls[control.id]}", doc_id)
    parts = [title(t("controls_and_procedures", lang))]
    for theme, number in THEMES.items():
        ids = [e for e in entries if e.split(".")[0] == number]
        parts.append(_toctree(ids, caption=f"{number}. {t(f'theme_{theme}', lang)}"))
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
        ("theme", t("theme", lang), [(theme, f"{number}. {t(f'theme_{theme}', lang)}") for theme, number in THEMES.items()]),
        ("applicable", t("applicability", lang), [("true", t("yes", lang)), ("false", t("no", lang))]),
        ("status", t("status", lang), [(s, t(f"status_{s}", lang)) for s in ("implemented", "partial", "planned")] + [("excluded", t("no", lang))]),
    ]
    selects += [(name, t(f"attr_{name}", lang), [(v, "#" + t(f"attr_value_{v}", lang)) for v in ATTRIBUTES[name]]) for name in ATTRIBUTES]
    all_label = _h(t("filter_all", lang))
    html = [f'<form class="isms-filter" id="isms-soa-filter" aria-label="{_h(t("soa_filter", lang))}">']
    for key, label, options in selects:
        opts = "".join(f'<option value="{v}">{_h(text)}</option>' for v, text in options)
        html.append(f'<label>{_h(label)} <select data-filter="{key}"><option value="">{all_label}</option>{opts}</select></label>')
    html.append(f'<button type="reset">{_h(t("filter_clear", lang))}</button> <output id="isms-soa-count"></output></form>')
    # shown by isms-soa.js, below the table, when no control passes the filters
    html.append(f'<p class="isms-soa-empty" id="isms-soa-empty" role="status" hidden>{_h(t("filter_none", lang))}</p>')
    data = json.dumps(soa_data(isms), ensure_ascii=False).replace("</", "<\\/")
    html.append(f'<script type="application/json" id="isms-soa-data">{data}</script>')
    return html_block(html)


def _h(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _soa(context: BuildContext, site: Site) -> None:
    if "soa" not in context.isms.documents:
        return
    doc = context.isms.documents["soa"]
    parts = [page_heading(doc), _filter_ui(context.isms), context.bodies.documents["soa"].site]
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
        rows.append((esc("#" + t(f"attr_value_{value}", lang)), str(len(members)), share, links))
    header = (t("control_type", lang), t("count", lang), t("share", lang), t("control", lang))
    parts.append(list_table(header, rows, widths=(15, 8, 8, 69), css="isms-balance"))
    parts.append(t("balance_note", lang, applicable=len(applicable)) + "\n")
    parts.append(section(t("matrix", lang)))
    concepts = ATTRIBUTES["concepts"]
    header = (t("attr_capabilities", lang), *(esc("#" + t(f"attr_value_{c}", lang)) for c in concepts))
    matrix_rows = []
    for capability in ATTRIBUTES["capabilities"]:
        cells = []
        for concept in concepts:
            members = [d for d in isms.decisions if capability in d.control.attributes["capabilities"] and concept in d.control.attributes["concepts"]]
            cells.append(" ".join(ref(f"ctl-{d.id}", d.id if d.source.applicable else f"({d.id})") for d in members) or "—")
        matrix_rows.append((esc("#" + t(f"attr_value_{capability}", lang)), *cells))
    parts.append(list_table(header, matrix_rows, widths=(20, 16, 16, 16, 16, 16), css="isms-matrix"))
    site.add("attributes", "\n".join(parts))


def _register(context: BuildContext, site: Site) -> None:
    if "register" not in context.isms.documents:
        return
    doc = context.isms.documents["register"]
    site.add("register", "\n".join([page_heading(doc), register_body(context.isms, context.versions.documents)]), "register")


def _paged(context: BuildContext, site: Site) -> None:
    """要求事項チェックリスト, 資産目録, リスクアセスメント結果報告書, リスク対応計画, 内部監査チェックリスト."""
    for doc_id in ("scope", "checklist", "assets", "risk-report", "risk-plan", "audit-checklist"):
        doc = context.isms.documents.get(doc_id)
        if doc is None:
            continue
        site.add(doc_id, "\n".join([page_heading(doc), context.bodies.documents[doc_id].site]), doc_id)

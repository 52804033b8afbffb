"""Generate the Sphinx source tree of the auditors' site from the model (pages as reST files)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from ruamel.yaml import YAML

from isms.catalogue import ATTRIBUTE_NAMES, ATTRIBUTES, THEMES, value_name
from isms.i18n import t
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
    ja = lang == "ja"
    heading = f"{org.name} ISMS文書" if ja else f"{org.name_en or org.name} ISMS documents"
    release = isms.release_label() if hasattr(isms, "release_label") else None
    parts = [title(esc(heading))]
    rows = [
        ("組織" if ja else "Organisation", esc(org.name if ja else (org.name_en or org.name))),
        ("事業" if ja else "Business", esc(org.business)),
        ("ISMS適用範囲" if ja else "ISMS scope", esc(scope.business)),
        ("対象組織" if ja else "Organisational scope", esc(scope.organization)),
        ("所在地" if ja else "Locations", esc(("、" if ja else ", ").join(loc.name for loc in scope.locations))),
        ("文書セットの版" if ja else "Document set version", esc(release or ("未リリース(改定案)" if ja else "not yet released (draft)"))),
    ]
    parts.append(pages.field_table(rows))
    parts.append(section("はじめに" if ja else "Where to start"))
    start = [
        ("manual", "ISMSの全体像(箇条4〜10)" if ja else "the ISMS as a whole (clauses 4 to 10)"),
        ("pol-information_security_policy", "経営者の方針" if ja else "top management's policy"),
        ("soa", "93の管理策の適用と実施状況。テーマ・属性で絞り込める" if ja else "all 93 controls, filterable by theme and attribute"),
        ("checklist", "規格の要求事項ごとの文書の所在" if ja else "where each requirement's documented information is"),
        ("register", "全文書の番号・版数・機密分類" if ja else "every document with its number, version and classification"),
        ("releases", "承認済みリリースと各リリースで改定された文書" if ja else "approved releases and what each changed"),
        ("attributes", "属性による管理策の分析" if ja else "controls by attribute"),
        ("risk-report", "資産ごとのリスク値とヒートマップ、残留リスクの承認" if ja else "risks per asset, heat map and residual risk approval"),
    ]
    parts.append("\n".join(f"- {ref(label)}: {text}" for label, text in start) + "\n")
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
    heading = "情報セキュリティ方針群" if lang == "ja" else "Information security policies"
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
    heading = "管理策と実施手順" if lang == "ja" else "Controls and procedures"
    parts = [title(heading)]
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
    ja = lang == "ja"
    selects = [
        ("theme", t("theme", lang), [(k, f"{v['number']}. {v[lang]}") for k, v in THEMES.items()]),
        ("applicable", t("applicability", lang), [("true", t("yes", lang)), ("false", t("no", lang))]),
        ("status", t("status", lang), [(s, t(s, lang)) for s in ("implemented", "partial", "planned")] + [("excluded", t("no", lang))]),
    ]
    selects += [(name, ATTRIBUTE_NAMES[name][lang], [(v, "#" + value_name(v, lang)) for v in ATTRIBUTES[name]]) for name in ATTRIBUTES]
    all_label = "すべて" if ja else "All"
    html = ['<form class="isms-filter" id="isms-soa-filter" aria-label="SoA filter">']
    for key, label, options in selects:
        opts = "".join(f'<option value="{v}">{_h(text)}</option>' for v, text in options)
        html.append(f'<label>{_h(label)} <select data-filter="{key}"><option value="">{all_label}</option>{opts}</select></label>')
    reset = "条件をクリア" if ja else "Clear"
    html.append(f'<button type="reset">{reset}</button> <output id="isms-soa-count"></output></form>')
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
    ja = lang == "ja"
    applicable = [d for d in isms.decisions if d.source.applicable]
    parts = [".. _attributes:\n", title("属性による管理策の分析" if ja else "Controls by attribute")]
    parts.append(
        "JIS Q 27002:2024の属性を用いて、適用する管理策の偏りと抜けを確認する(経済産業省ガイドライン案 表2の考え方)。除外した管理策は括弧書きで示す。\n"
        if ja
        else "Attributes of ISO/IEC 27002:2022 show the balance and gaps of the applicable controls. Excluded controls are shown in parentheses.\n"
    )
    parts.append(section("管理策タイプのバランス" if ja else "Preventive, detective and corrective balance"))
    rows = []
    for value in ATTRIBUTES["control_type"]:
        members = [d for d in applicable if value in d.control.attributes["control_type"]]
        share = f"{100 * len(members) / len(applicable):.0f}%" if applicable else "—"
        links = " ".join(ref(f"ctl-{d.id}", d.id) for d in members)
        rows.append((esc("#" + value_name(value, lang)), str(len(members)), share, links))
    header = ("管理策タイプ" if ja else "Control type", "件数" if ja else "Count", "割合" if ja else "Share", t("control", lang))
    parts.append(list_table(header, rows, widths=(15, 8, 8, 69), css="isms-balance"))
    parts.append(
        f"適用する管理策 {len(applicable)} 項目のうちの件数。1つの管理策が複数のタイプを持つことがある。\n"
        if ja
        else f"Counts among the {len(applicable)} applicable controls; a control may have several types.\n"
    )
    parts.append(section("サイバーセキュリティ概念 × 運用機能" if ja else "Cybersecurity concept x operational capability"))
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
    ja = lang == "ja"
    doc = isms.documents["checklist"]
    labels = _labels(isms)
    rows = []
    missing = 0
    for clause in clause_table():
        for needed in clause["documents"]:
            where = [label for label in needed.get("where", []) if label in labels]
            record_of = needed.get("record_of")
            if where:
                found = "、".join(ref(label) for label in where) if ja else ", ".join(ref(label) for label in where)
                state = "✔ " + ("あり" if ja else "present")
            elif record_of and isms.decision(record_of) and isms.decision(record_of).source.applicable:
                found = ("記録として管理: " if ja else "kept as a record: ") + ref(f"ctl-{record_of}")
                state = "✔ " + ("記録" if ja else "record")
            else:
                missing += 1
                found = "—"
                state = "✘ " + ("未整備" if ja else "missing")
            rows.append((esc(clause["id"]), esc(clause["title"][lang]), esc(needed[lang]), found, state))
    header = ("箇条" if ja else "Clause", "要求事項" if ja else "Requirement", "文書化した情報" if ja else "Documented information", "所在" if ja else "Where", "状況" if ja else "State")
    intro = (
        f"JIS Q 27001:2023 箇条4〜10が求める文書化した情報と、この文書セットでの所在。未整備 {missing} 件。\n"
        if ja
        else f"The documented information clauses 4 to 10 require, and where it is in this set. Missing: {missing}.\n"
    )
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

"""Word output (`isms build --only docx`): the frame (cover, history, header) on every document, bodies without reST
markup, escaping, the cache, and what LibreOffice makes of the files."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import docx.enum.text
import pytest
from lxml import etree
from lxml import html as lxml_html
from pypdf import PdfReader

from conftest import CJK, assert_no_cjk_in_package, copy_built_sample, edit
from isms.check.rst import stray_spaces
from isms.cli.common import prepare
from isms.model import Isms
from isms.publish import publish
from isms.render import BuildContext, names
from isms.render import docx as writer
from isms.render.docx.compose import signer_lines
from isms.render.docx.paths import FONTS_CONF

# Counts conversions / compares with clean builds that must convert again: no shared cache.
pytestmark = pytest.mark.usefixtures("private_word_cache")

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "build/screenshots"
TRICKY = "R&D部 <要望>"  # must come out exactly like this, never as R&amp;D or with <要望> lost
HISTORY_HEADER = ["版数", "制定または改定主旨", "承認", "査問", "作成", "制定/改定日"]
MARKUP = re.compile(r":ref:|:doc:|\.\. |`|\ue000|isms-heat")  # \ue000: a marker of pandoc.py left behind
RISK_DOCUMENTS = ("assets", "risk-report", "risk-plan", "audit-checklist")


class Built:
    def __init__(self, root: Path, stats: dict):
        self.root = root
        self.out = root / "build/docx"
        prepared, problems = prepare(root)
        assert prepared is not None, problems
        self.prepared = prepared
        self.isms: Isms = prepared.isms
        self.stats = stats

    def path(self, doc_id: str) -> Path:
        doc = self.isms.documents[doc_id]
        return self.out / writer.file_name(doc.number, doc.title)

    def open(self, doc_id: str) -> docx.document.Document:
        return docx.Document(str(self.path(doc_id)))

    def doc_ids(self) -> list[str]:
        return [job.doc.id for job in writer.plan(BuildContext(self.isms, self.prepared.bodies, self.prepared.versions, self.out, self.out))]

    def version(self, doc_id: str):
        return self.prepared.versions.documents[doc_id]


def build(root: Path, outputs: tuple[str, ...] = ("docx",)) -> dict:
    """What `isms build --only docx` does; returns the Word writer's statistics."""
    prepared, problems = prepare(root)
    assert prepared is not None, problems
    report = publish(prepared.isms, prepared.bodies, prepared.versions, list(outputs))
    assert not report.problems, report.problems
    return report.stats["docx"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, private_word_cache: None, sample_build: Path, shared_word_cache: Path) -> Built:
    # From the built sample: only what the edits below touch is converted and read again.
    root = copy_built_sample(sample_build, tmp_path_factory.mktemp("docx") / "isms", shared_word_cache)
    profile = root / "manual_src/profile.yaml"
    edit(profile, "name: 経営企画室", f'name: "{TRICKY}"')
    edit(profile, "    - 全従業員", f'    - "{TRICKY}"\n    - 全従業員')
    edit(root / "controls/5.15.yaml", "reason_note: >-\n", f"reason_note: >-\n  {TRICKY}からの要望による。\n")
    edit(root / "controls/5.15.yaml", "  ECプラットフォームの管理画面、", "  {{ departments[0].name }}、ECプラットフォームの管理画面、")
    # A line block (lines kept as typed) in a justified body: its lines must not be stretched.
    policy = root / "policy_templates/policies/acceptable_use.rst"
    policy.write_text(policy.read_text(encoding="utf-8") + "\n| 問合せ先: {{ roles.ciso.name }}\n| 内線 200\n", encoding="utf-8")
    # The site too: the tests below scan every Word and HTML output (one build of both).
    return Built(root, build(root, ("html", "docx")))


def paragraph_texts(root: etree._Element) -> list[str]:
    """Every paragraph (w:p at any depth) as a reader sees it: a non-breaking hyphen reads as '-', the
    zero-width break opportunities after Japanese punctuation are not there."""
    return [
        "".join("-" if node.tag == W + "noBreakHyphen" else node.text or "" for node in p.iter(W + "t", W + "noBreakHyphen")).replace("\u200b", "")
        for p in root.iter(W + "p")
    ]


def all_paragraph_texts(document: docx.document.Document) -> list[str]:
    """Every paragraph of the body, tables included."""
    return paragraph_texts(document.element.body)


def header_text(section) -> str:
    header = section.header
    parts = [p.text for p in header.paragraphs]
    parts += [cell.text for table in header.tables for row in table.rows for cell in row.cells]
    return " ".join(parts)


def part(path: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read(name))


# --------------------------------------------------------------------------- the document set


def test_the_site_names_the_word_files_the_writer_writes(built: Built) -> None:
    """The site's downloads (isms.render.names) list exactly the Word writer's documents, in its order,
    so that two documents sharing a number get the same file names in both."""
    listed = names.word_documents(built.isms, built.prepared.bodies)
    assert [doc.id for doc in listed] == built.doc_ids()
    assert set(names.docx_names(listed).values()) == {p.name for p in built.out.iterdir()}


def test_one_document_per_policy_applicable_control_manual_soa_and_risk_document(built: Built) -> None:
    isms = built.isms
    applicable = [d for d in isms.decisions if d.source.applicable]
    names = sorted(p.name for p in built.out.iterdir())
    records = [d for d in isms.documents.values() if d.kind in ("record", "form")]  # the record sets and their blank forms
    # manual, scope and criteria, policies, procedures, SoA, register, risk documents, records and forms
    assert len(names) == 2 + len(isms.policies) + len(applicable) + 2 + len(RISK_DOCUMENTS) + len(records) and len(records) == 22
    for doc_id in (*RISK_DOCUMENTS, "scope", "register"):
        assert f"{isms.documents[doc_id].number} {isms.documents[doc_id].title}.docx" in names
    assert "ISMS-C-5-15 5.15 アクセス制御 実施手順書.docx" in names
    assert f"{isms.documents['manual'].number} {isms.documents['manual'].title}.docx" in names
    assert f"{isms.documents['soa'].number} 適用宣言書.docx" in names
    excluded = [d for d in isms.decisions if not d.source.applicable]
    assert excluded and not any(f" {d.id} " in name for d in excluded for name in names)


def test_file_names_are_sanitised() -> None:
    assert writer.file_name("ISMS-P-01", 'A/B: "C"?') == "ISMS-P-01 A_B_ _C__.docx"


def test_no_two_documents_share_a_file_name() -> None:
    """Numbers the profile makes can collide once sanitised, even after the id is added: "P_01 assets"
    (the manual), "P:01" (the assets register) and the first policy "P_01", all titled 資産目録."""
    from types import SimpleNamespace

    from isms.render.names import docx_names

    documents = [SimpleNamespace(id=i, number=n, title="資産目録") for i, n in (("manual", "P_01 assets"), ("pol-1", "P_01"), ("assets", "P:01"))]
    names = docx_names(documents)
    assert len({name.casefold() for name in names.values()}) == 3, names


def test_cover_shows_number_title_classification_and_total_pages(built: Built) -> None:
    for doc_id in built.doc_ids():
        doc = built.isms.documents[doc_id]
        document = built.open(doc_id)
        cover = document.tables[0]
        fields = {row.cells[0].text: row.cells[1].text for row in cover.rows}
        assert fields["文書番号"] == doc.number
        assert fields["文書名"] == doc.title
        assert "ページ (表紙含む)" in fields["総ページ数"]
        texts = [p.text for p in document.paragraphs[:12]]
        assert f"【機密分類】{doc.classification.name}" in texts
        assert built.isms.profile.organization.name in texts
        instructions = " ".join(i.text for i in cover._tbl.iter(W + "instrText"))
        assert "NUMPAGES" in instructions, doc_id


def test_every_section_has_the_header_and_a_page_x_of_y_footer(built: Built) -> None:
    for doc_id in built.doc_ids():
        doc = built.isms.documents[doc_id]
        draft = built.version(doc_id).draft
        document = built.open(doc_id)
        assert len(document.sections) == 2  # front matter, body
        for section in document.sections:
            text = header_text(section)
            assert doc.number in text and doc.title in text and doc.classification.name in text, doc_id
            assert ("改定案" in text) == draft, f"{doc_id}: the draft mark follows isms.versions"
            footer = section.footer._element
            instructions = " ".join(i.text for i in footer.iter(W + "instrText"))
            assert "PAGE" in instructions and "NUMPAGES" in instructions
            assert "ページ" in section.footer.paragraphs[0].text


def test_drafts_and_releases_both_occur_in_the_sample(built: Built) -> None:
    flags = {built.version(doc_id).draft for doc_id in built.doc_ids()}
    assert flags == {True, False}, "the edited documents are drafts, the others released"


def test_history_table_rows_come_from_the_version_ledger(built: Built) -> None:
    for doc_id in built.doc_ids():
        version = built.version(doc_id)
        document = built.open(doc_id)
        table = next(t for t in document.tables if [c.text for c in t.rows[0].cells] == HISTORY_HEADER)
        rows = [[c.text for c in row.cells] for row in table.rows[1:]]
        expected = len(version.revisions) + (1 if version.draft else 0)
        assert len(rows) == expected, doc_id
        profile = built.isms.profile
        for row, revision in zip(rows, version.revisions, strict=False):
            assert row[0] == str(revision.version)
            assert row[1] == revision.summary
            signers = [signer_lines(profile, label) for label in (revision.approver, revision.reviewer, revision.author)]
            assert row[2:5] == [f"{s['role']}\n{s['name']}" for s in signers], "the role small above the name"
            assert row[5] == f"{revision.date.year}年{revision.date.month}月{revision.date.day}日\nリリース {revision.release}", "and the release"
        if version.draft:
            assert rows[-1][0] == "改定案"


def test_distribution_section(built: Built) -> None:
    texts = [p.text for p in built.open("manual").paragraphs]
    assert "配付先の定義" in texts and "配付先リスト" in texts
    definition = " ".join(built.isms.profile.distribution.definition.split())
    assert definition in texts
    for recipient in built.isms.profile.distribution.recipients:
        assert f"・{recipient}" in texts


def test_no_rest_markup_is_printed(built: Built) -> None:
    for doc_id in built.doc_ids():
        for text in all_paragraph_texts(built.open(doc_id)):
            assert not MARKUP.search(text), f"{doc_id}: {text!r}"


def test_references_become_titles_and_numbers(built: Built) -> None:
    texts = "\n".join(all_paragraph_texts(built.open("ctl-5.15")))
    assert "アクセス制御方針(ISMS-P-02)" in texts
    assert "(ISMS-P-02) (ISMS-P-02)" not in texts and "(ISMS-P-02)(ISMS-P-02)" not in texts
    manual = "\n".join(all_paragraph_texts(built.open("manual")))
    assert "6.1.2 情報セキュリティリスクアセスメント" in manual


def test_policy_title_is_not_repeated_as_a_heading(built: Built) -> None:
    document = built.open("access_control")
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings and "アクセス制御方針" not in headings
    assert not any(p.style.name == "Title" for p in document.paragraphs)


def test_soa_has_93_data_rows_in_a_landscape_body(built: Built) -> None:
    document = built.open("soa")
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "No.")
    ids = [row.cells[0].text for row in table.rows[1:]]
    assert len(ids) == 93
    assert ids.index("5.2") < ids.index("5.10")
    body = document.sections[-1]
    assert body.page_width > body.page_height
    assert document.sections[0].page_width < document.sections[0].page_height


def toc_links(document: etree._Element) -> list[etree._Element]:
    """The hyperlinks of the table of contents' entries (TOC1-3 paragraphs)."""
    links = []
    for paragraph in document.iter(W + "p"):
        style = paragraph.find(f"{W}pPr/{W}pStyle")
        if style is not None and style.get(W + "val", "").startswith("TOC"):
            links += paragraph.findall(f"{W}hyperlink")
    return links


def toc_entry_number(link: etree._Element) -> str:
    return link.findall(f".//{W}t")[-1].text or ""


def test_manual_has_a_table_of_contents_that_needs_no_update(built: Built) -> None:
    path = built.path("manual")
    document = part(path, "word/document.xml")
    instructions = [i.text for i in document.iter(W + "instrText")]
    assert any(i.strip().startswith("TOC ") for i in instructions)
    bookmarks = {b.get(W + "name") for b in document.iter(W + "bookmarkStart")}
    anchors = [h.get(W + "anchor") for h in document.iter(W + "hyperlink") if h.get(W + "anchor")]
    assert len(anchors) > 20 and set(anchors) <= bookmarks, "every TOC entry points at a heading"
    settings = part(path, "word/settings.xml")
    assert settings.find(W + "updateFields") is None, "Word would ask on every open"
    texts = all_paragraph_texts(built.open("manual"))
    assert "目次" in texts
    assert not any("ブックマークが定義されていません" in t for t in texts)
    numbers = [toc_entry_number(link) for link in toc_links(document)]
    if shutil.which("soffice") and shutil.which("pdfinfo"):  # the layout comes from LibreOffice (see the pdfs tests)
        assert numbers and all(n.isdigit() and int(n) > 2 for n in numbers), "page numbers are in the file as delivered"


def test_styles_name_east_asian_fonts_and_japanese(built: Built) -> None:
    styles = part(built.path("ctl-5.15"), "word/styles.xml")
    defaults = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    assert defaults.find(W + "rFonts").get(W + "eastAsia") == "Yu Mincho"
    assert defaults.find(W + "lang").get(W + "eastAsia") == "ja-JP"
    assert defaults.find(W + "lang").get(W + "val") == "en-US", "Latin words break as words (Japanese Word's default too)"
    for fonts in styles.iter(W + "rFonts"):
        assert not any(name.endswith("Theme") or name.endswith("theme") for name in fonts.attrib), "theme fonts override explicit ones"
    heading = styles.find(f"{W}style[@{W}styleId='Heading1']")
    assert heading.find(f"{W}rPr/{W}rFonts").get(W + "eastAsia") == "Yu Gothic"
    table = styles.find(f"{W}style[@{W}styleId='Table']")
    assert table.find(f"{W}tblPr/{W}tblBorders/{W}insideH") is not None


def test_values_are_escaped_exactly(built: Built) -> None:
    for doc_id in ("ctl-5.15", "soa", "manual"):
        path = built.path(doc_id)
        texts = "\n".join(all_paragraph_texts(built.open(doc_id)))
        assert TRICKY in texts, doc_id
        raw = zipfile.ZipFile(path).read("word/document.xml").decode()
        assert "R&amp;D部 &lt;要望&gt;" in raw
        assert "\\<" not in texts and "&amp;amp;" not in raw
    frame_texts = [p.text for p in built.open("access_control").paragraphs]
    assert f"・{TRICKY}" in frame_texts, "distribution list (docxtpl, autoescape)"


def test_core_properties_are_explicit(built: Built) -> None:
    props = built.open("ctl-5.15").core_properties
    assert props.title == "ISMS-C-5-15 5.15 アクセス制御 実施手順書"
    assert props.author == built.isms.profile.organization.name


# --------------------------------------------------------------------------- as a Japanese office expects them (issue #15)

WORD_PARTS = re.compile(r"word/(document|header\d*|footer\d*)\.xml$")


def word_files(folder: Path) -> list[Path]:
    files = sorted(folder.glob("*.docx"))
    assert files
    return files


def test_every_file_opens_in_word_2013_mode_with_honest_properties(built: Built) -> None:
    compat = "{http://schemas.microsoft.com/office/word}"
    for path in word_files(built.out):
        settings = part(path, "word/settings.xml")
        setting = settings.find(f"{W}compat/{W}compatSetting[@{W}name='compatibilityMode']")
        assert setting is not None and setting.get(W + "val") == "15" and setting.get(W + "uri") == compat[1:-1], path.name
        assert settings.find(W + "updateFields") is None
        app = zipfile.ZipFile(path).read("docProps/app.xml").decode()
        assert "<Application>isms-docs " in app and "Microsoft" not in app and "AppVersion" not in app, path.name
        assert "<Words>" not in app and "<Template>" not in app, "no counts of pandoc's sample document"


def effective_justification(styles: etree._Element, paragraph: etree._Element) -> str | None:
    jc = paragraph.find(f"{W}pPr/{W}jc")
    if jc is not None:
        return jc.get(W + "val")
    style = paragraph.find(f"{W}pPr/{W}pStyle")
    style_id = style.get(W + "val") if style is not None else styles.find(f"{W}style[@{W}default='1'][@{W}type='paragraph']").get(W + "styleId")
    for _ in range(20):
        node = styles.find(f"{W}style[@{W}styleId='{style_id}']")
        if node is None:
            return None
        jc = node.find(f"{W}pPr/{W}jc")
        if jc is not None:
            return jc.get(W + "val")
        based = node.find(f"{W}basedOn")
        if based is None:
            return None
        style_id = based.get(W + "val")
    return None


def test_no_justified_paragraph_ends_in_a_line_break(built: Built) -> None:
    checked = 0
    for path in word_files(built.out):
        styles = part(path, "word/styles.xml")
        for paragraph in part(path, "word/document.xml").iter(W + "p"):
            breaks = [br for br in paragraph.iter(W + "br") if br.get(W + "type") in (None, "textWrapping")]
            if breaks:
                checked += 1
                assert effective_justification(styles, paragraph) not in ("both", "distribute"), f"{path.name}: {paragraph_texts(paragraph)}"
    assert checked, "the line block added by the fixture"
    settings = part(built.path("acceptable_use"), "word/settings.xml")
    assert settings.find(f"{W}compat/{W}doNotExpandShiftReturn") is not None, "Word: no stretched line before Shift+Enter either"


def test_the_information_security_policy_is_dated_and_signed_by_top_management(built: Built) -> None:
    isms = built.isms
    doc = isms.documents["information_security_policy"]
    version = built.version(doc.id)
    assert not version.draft, "released in 1.0"
    document = built.open(doc.id)
    paragraphs = [p for p in document.paragraphs if p.text.strip()]
    date, organisation, signer = paragraphs[-3:]
    day = version.revisions[-1].date
    assert date.text == f"{day.year}年{day.month}月{day.day}日", "the date of the release that approved it"
    assert organisation.text == isms.profile.organization.name
    person = next(p for p in isms.profile.people if p.id in isms.role(isms.profile.top_management).holders)
    assert signer.text == f"{person.title} {person.name}"
    for paragraph in (date, organisation, signer):
        assert paragraph.style.paragraph_format.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT
    texts = all_paragraph_texts(document)
    assert sum(isms.profile.organization.name == t for t in texts) == 2, "cover and signature: the typed closing lines give way"


def test_every_cover_has_an_approval_box_from_the_ledger(built: Built) -> None:
    profile = built.isms.profile
    for doc_id in built.doc_ids():
        version = built.version(doc_id)
        box = built.open(doc_id).tables[1]
        assert [c.text for c in box.rows[0].cells] == ["承認", "査問", "作成"], doc_id
        names = [c.text for c in box.rows[1].cells]
        dates = [c.text for c in box.rows[2].cells]
        if version.draft:
            assert names == ["\n"] * 3 and dates == ["年　　月　　日"] * 3, f"{doc_id}: signed by hand"
        else:
            latest = version.revisions[-1]
            expected = [signer_lines(profile, label) for label in (latest.approver, latest.reviewer, latest.author)]
            assert names == [f"{s['role']}\n{s['name']}" for s in expected], doc_id
            assert dates == [f"{latest.date.year}年{latest.date.month}月{latest.date.day}日"] * 3
        assert box._tbl.find(f"{W}tr/{W}trPr/{W}trHeight").get(W + "val") == "1100", "room for a seal"


def test_history_columns_hold_a_name_of_ten_characters_and_a_full_date(built: Built) -> None:
    table = next(t for t in built.open("manual").tables if [c.text for c in t.rows[0].cells] == HISTORY_HEADER)._tbl
    widths = [int(col.get(W + "w")) for col in table.findall(f"{W}tblGrid/{W}gridCol")]
    margin = int(table.find(f"{W}tblPr/{W}tblCellMar/{W}left").get(W + "w"))
    name_size = 18  # half-points: HistoryText
    for width in widths[2:5]:
        assert width - 2 * margin >= 10 * name_size * 10, "10 characters of 9 pt (in twips)"
    # 2026年12月31日: eight digits (half an em each), three kanji, and the spacing between digits and kanji
    assert widths[5] - 2 * margin >= (4 + 3 + 5 * 0.25) * name_size * 10
    assert sum(widths) == 9638, "the text width"


def test_one_date_format_per_document(built: Built) -> None:
    iso = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
    for path in word_files(built.out):
        text = "\n".join(paragraph_texts(part(path, "word/document.xml")))
        assert not iso.search(text), f"{path.name}: {iso.search(text).group(0)} beside 年月日 dates"
    soa = "\n".join(all_paragraph_texts(built.open("soa")))
    assert "完了予定日 2027年3月31日" in soa, "the bodies' ISO dates in the profile's format"


def test_the_profile_chooses_the_date_format(built: Built) -> None:
    from isms.render.docx.compose import frame_context

    isms = built.isms
    chosen = dataclasses.replace(isms, profile=isms.profile.model_copy(update={"date_format": "YYYY/MM/DD"}))
    context = frame_context(chosen, built.prepared.versions, isms.documents["information_security_policy"], toc=False)
    assert context["issued"] == "2026/04/01" and context["history"][0]["date"] == "2026/04/01"
    assert context["signature"]["date"] == "2026/04/01" and context["date_pattern"] == "YYYY/MM/DD"
    assert frame_context(isms, built.prepared.versions, isms.documents["information_security_policy"], toc=False)["issued"] == "2026年4月1日"


def test_distribution_names_only_classification_levels_of_the_profile(built: Built) -> None:
    levels = {level.name for level in built.isms.profile.classification}
    for doc_id in ("manual", "information_security_policy", "soa"):
        texts = all_paragraph_texts(built.open(doc_id))
        start = texts.index("配付先の定義")
        definition = "".join(texts[start + 1 : texts.index("配付先リスト")])
        doc = built.isms.documents[doc_id]
        assert definition.startswith(f"本文書の機密分類は「{doc.classification.name}」({doc.classification.description})。")
        quoted = set(re.findall(r"「([^」]+)」", definition))
        assert quoted and quoted <= levels, quoted


def test_headings_and_captions_keep_with_the_next_paragraph(built: Built) -> None:
    styles = part(built.path("manual"), "word/styles.xml")
    for style_id in ("Heading1", "Heading2", "Heading3", "TableCaption", "CaptionedFigure", "DefinitionTerm", "FrameHeading", "FrameSubheading"):
        assert styles.find(f"{W}style[@{W}styleId='{style_id}']/{W}pPr/{W}keepNext") is not None, style_id
    report = built.open("risk-report")
    heat_map = next(t for t in report.tables if t.rows[0].cells[0].text == "発生頻度 \\ 影響度")._tbl
    chain = []
    before = heat_map.getprevious()
    while before is not None and before.tag == W + "p":
        chain.append(before)
        style = before.find(f"{W}pPr/{W}pStyle")
        if style is not None and style.get(W + "val").startswith("Heading"):
            break
        before = before.getprevious()
    assert chain[-1].find(f"{W}pPr/{W}pStyle").get(W + "val").startswith("Heading"), "the map's heading"
    assert all(p.find(f"{W}pPr/{W}keepNext") is not None for p in chain), "heading, explanation and label stay with the map"


def test_text_after_a_table_has_space_above_it(built: Built) -> None:
    body = built.open("ctl-8.13").element.body
    checked = 0
    for table in body.iter(W + "tbl"):
        following = table.getnext()
        if following is None or following.tag != W + "p" or not paragraph_texts(following)[0]:
            continue
        if table.find(f".//{W}pStyle[@{W}val='Compact']") is None:
            continue  # the frame's own tables (cover, history) are followed by their own styles' space
        style = following.find(f"{W}pPr/{W}pStyle")
        if style is not None and style.get(W + "val").startswith("Heading"):
            continue
        checked += 1
        assert following.find(f"{W}pPr/{W}spacing").get(W + "before") == "160", paragraph_texts(following)[0]
    assert checked


def test_japanese_line_breaking_applies_everywhere(built: Built) -> None:
    for path in word_files(built.out):
        styles = part(path, "word/styles.xml")
        defaults = styles.find(f"{W}docDefaults/{W}pPrDefault/{W}pPr")
        for tag in ("kinsoku", "overflowPunct", "autoSpaceDE", "autoSpaceDN"):
            assert defaults.find(W + tag) is not None, (path.name, tag)
        for root in (styles, part(path, "word/document.xml")):
            assert not [k for k in root.iter(W + "kinsoku") if k.get(W + "val") in ("0", "false", "off")], path.name
    # LibreOffice takes 、 before a Latin word for part of that word: a zero-width break opportunity
    cell = "".join(t.text or "" for t in part(built.path("ctl-8.13"), "word/document.xml").iter(W + "t"))
    assert "メール、\u200bOneDrive、\u200bSharePoint、\u200bTeams" in cell


def printed_texts(built: Built):
    """(file, text) of every paragraph, cell and heading of every Word and HTML output."""
    for path in word_files(built.out):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if WORD_PARTS.match(name):
                    for text in paragraph_texts(etree.fromstring(archive.read(name))):
                        yield path.name, text
    blocks = {"p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "caption", "div", "section", "table", "tr", "ul", "ol",
              "dl", "blockquote", "article", "nav", "aside", "header", "footer", "main", "body", "form", "label", "button", "select",
              "option", "figure", "figcaption", "title"}  # fmt: skip

    def walk(element, out: list[str]) -> str:
        pieces = [element.text or ""]
        for child in element:
            if not isinstance(child.tag, str) or child.tag in ("script", "style", "pre", "code"):
                pieces.append("\x00" if isinstance(child.tag, str) else "")
            elif child.tag in blocks:
                pieces.append("\x00")
                out.extend(walk(child, out).split("\x00"))
            else:
                pieces.append(walk(child, out))
            pieces.append(child.tail or "")
        return "".join(pieces)

    for path in sorted((built.root / "build/html").rglob("*.html")):
        out: list[str] = []
        out.extend(walk(lxml_html.fromstring(path.read_bytes()), out).split("\x00"))
        for text in out:
            yield str(path.relative_to(built.root / "build/html")), " ".join(text.split())


def test_no_stray_space_in_any_word_or_html_text(built: Built) -> None:
    # Document titles keep their own spaces ("5.13 情報のラベル付け 実施手順書" is its name).
    titles = sorted((d.title for d in built.isms.documents.values() if " " in d.title), key=len, reverse=True)
    found = []
    for where, text in printed_texts(built):
        for title in titles:
            text = text.replace(title, "\ue001")
        found += [f"{where}: …{text[max(m.start() - 12, 0) : m.end() + 12]}…" for m in stray_spaces(text)]
    assert not found, "\n".join(found[:40])


def test_no_title_is_printed_twice_in_a_reference(built: Built) -> None:
    isms = built.isms
    titles = sorted({d.title for d in isms.documents.values()} | {c.title(isms.lang) for c in isms.catalogue}, key=len, reverse=True)
    names = "|".join(map(re.escape, titles))
    twice = re.compile(rf"({names})\s*[(（][^()（）]*?({names})")
    found = [f"{where}: {m.group(0)}" for where, text in printed_texts(built) for m in twice.finditer(text) if m.group(1) == m.group(2)]
    assert not found, "\n".join(found)


def test_soa_lists_every_column_an_auditor_expects(built: Built) -> None:
    document = built.open("soa")
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "No.")
    assert [c.text for c in table.rows[0].cells] == ["No.", "管理策", "適用可否", "採用理由", "除外の理由", "実施状況", "責任者", "実施手順書", "対応するリスク"]
    rows = {row.cells[0].text: row for row in table.rows[1:]}
    assert rows["5.15"].cells[6].text == "情報システム管理者", "the owner: the role"
    excluded = rows["8.25"]._tr.findall(f"{W}tc")
    assert len(excluded) == 8 and excluded[3].find(f"{W}tcPr/{W}gridSpan").get(W + "val") == "2", "the justification spans the reasons it has none of"
    decision = next(d for d in built.isms.decisions if d.id == "8.25")
    assert " ".join(decision.source.exclusion.split())[:20] in "".join(paragraph_texts(excluded[3]))
    assert {p.find(f"{W}pPr/{W}pStyle").get(W + "val") for p in table._tbl.iter(W + "p") if p.find(f"{W}pPr/{W}pStyle") is not None} == {"DenseTable"}


@pytest.fixture(scope="module")
def english(northwind_build: Path) -> Path:
    """The English example organisation's (Northwind Cloud) Word files: the run's one `isms build`
    of it (`isms check` first: the example passes it)."""
    assert Built(northwind_build, {}).isms.lang == "en"
    return northwind_build / "build/docx"


def test_an_english_build_has_no_japanese_character_and_latin_fonts(english: Path) -> None:
    for path in word_files(english):
        assert_no_cjk_in_package(path)
        styles = part(path, "word/styles.xml")
        assert not [n.get(W + "val") for n in styles.iter(W + "name") if CJK.search(n.get(W + "val", ""))]
        for fonts in styles.iter(W + "rFonts"):
            assert not (fonts.get(W + "ascii") or "").startswith("Yu "), f"{path.name}: Latin text in a Japanese font (§ prints full-width)"
    manual = next(p for p in word_files(english) if "Manual" in p.name)
    document = docx.Document(str(manual))
    texts = [p.text for p in document.paragraphs]
    assert any(t.startswith("Classification: ") for t in texts) and "DRAFT" in texts
    assert any(t.startswith("• ") for t in texts), "a Latin bullet"
    assert "(draft)" in header_text(document.sections[0])


# --------------------------------------------------------------------------- risk documents (issue 6)


def test_risk_documents_have_the_frame_and_landscape_bodies(built: Built) -> None:
    for doc_id in RISK_DOCUMENTS:
        doc = built.isms.documents[doc_id]
        document = built.open(doc_id)
        fields = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
        assert (fields["文書番号"], fields["文書名"]) == (doc.number, doc.title)
        history = next(t for t in document.tables if [c.text for c in t.rows[0].cells] == HISTORY_HEADER)
        version = built.version(doc_id)
        summaries = [r.summary for r in version.revisions] + (["未承認"] if version.draft else [])
        assert [row.cells[1].text for row in history.rows[1:]] == summaries and summaries[0] == "制定", "released in 1.0"
        body = document.sections[-1]
        assert body.page_width > body.page_height, f"{doc_id}: wide tables, landscape body"


def cell_fill(cell) -> str | None:
    shd = cell._tc.find(f"{W}tcPr/{W}shd")
    return shd.get(W + "fill") if shd is not None else None


def test_heat_map_cells_are_shaded_by_risk_level_with_the_counts(built: Built) -> None:
    from isms.bodies.risk import _cells, _heat_class
    from isms.render.docx.pandoc import SHADING

    isms = built.isms
    document = built.open("risk-report")
    maps = [t for t in document.tables if t.rows[0].cells[0].text == "発生頻度 \\ 影響度"]
    assert len(maps) == 2, "before and after treatment"
    for table, residual in zip(maps, (False, True), strict=True):
        assert [c.text for c in table.rows[0].cells] == ["発生頻度 \\ 影響度", "1(小)", "2(中)", "3(大)"]
        cells = _cells(isms, residual)
        total = 0
        for row, likelihood in zip(table.rows[1:], (3, 2, 1), strict=True):
            assert row.cells[0].text.startswith(str(likelihood)) and cell_fill(row.cells[0]) == SHADING["isms-heat-axis"]
            for cell, impact in zip(row.cells[1:], (1, 2, 3), strict=True):
                risks = cells.get((impact, likelihood), [])
                assert cell_fill(cell) == SHADING[_heat_class(impact, likelihood, isms)], (impact, likelihood)
                lines = cell.text.splitlines()
                assert lines[0] == f"{len(risks)}件"
                assert lines[1:] == ([" ".join(r.id for r in risks)] if risks else [])
                total += len(risks)
        assert total == len(isms.risks.risks)
    fills = {cell_fill(c) for table in maps for row in table.rows[1:] for c in row.cells[1:]}
    assert fills == {"F4B6B0", "FBE3A6", "CFE8C6"}, "red, yellow and green as on the HTML page"
    first = maps[0]._tbl
    assert all(tr.find(f"{W}trPr/{W}cantSplit") is not None for tr in first.iter(W + "tr")), "a heat map is not split across pages"
    assert first.getprevious().find(f"{W}pPr/{W}keepNext") is not None, "and stays with its label"


def test_risk_register_and_plan_tables(built: Built) -> None:
    isms = built.isms
    report = built.open("risk-report")
    register = next(t for t in report.tables if t.rows[0].cells[0].text == "ID" and "リスク所有者" in [c.text for c in t.rows[0].cells])
    assert [row.cells[0].text for row in register.rows[1:]] == [r.id for r in isms.risks.risks]
    assert "(ISMS-R-04)" in "\n".join(all_paragraph_texts(report)), "the inventory by its number, not its title twice"
    plan = built.open("risk-plan")
    table = next(t for t in plan.tables if t.rows[0].cells[0].text == "ID")
    planned = [r.id for r in isms.risks.risks if r.above_threshold or r.treatment not in (None, "accept")]
    assert [row.cells[0].text for row in table.rows[1:]] == planned
    assets = built.open("assets")
    ids = [row.cells[0].text for t in assets.tables if t.rows[0].cells[0].text == "ID" for row in t.rows[1:]]
    assert sorted(ids) == sorted(a.id for a in isms.risks.assets), "every asset once, by group"


def test_audit_checklist_names_documents_and_has_a_box_a_line(built: Built) -> None:
    document = built.open("audit-checklist")
    tables = [t for t in document.tables if [c.text for c in t.rows[0].cells] == ["監査項目", "確認する記録", "結果", "所見"]]
    assert len(tables) == 5, "clauses 4-10 and the four themes of Annex A"
    rows = [row for t in tables for row in t.rows[1:]]
    applicable = [d for d in built.isms.decisions if d.source.applicable]
    assert sum(1 for row in rows if "実施手順書 ISMS-C-" in row.cells[0].text) == len(applicable)
    for row in rows:
        assert [p.text for p in row.cells[2].paragraphs] == ["☐ 適合", "☐ 不適合", "☐ 観察事項"]
        assert row.cells[3].text == ""
        assert row._tr.find(f"{W}trPr/{W}cantSplit") is not None, "a row is not split across pages"
    evidence = [row.cells[1].text for row in rows]
    assert "ISMS管理マニュアル 4.1(ISMS-M-01)" in evidence
    policy = built.isms.documents["information_security_policy"]
    assert f"{policy.title}({policy.number})" in evidence


# --------------------------------------------------------------------------- cache and reproducibility


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_second_build_reuses_every_document_without_pandoc(built: Built) -> None:
    before = digests(built.out)
    stats = build(built.root)
    assert stats["pandoc_runs"] == 0 and stats["converted"] == 0
    assert stats["reused"] == stats["documents"] == len(before)
    assert digests(built.out) == before


def test_an_edit_rebuilds_only_what_depends_on_it(built: Built, tmp_path: Path) -> None:
    root = tmp_path / "isms"
    shutil.copytree(built.root, root)
    edit(root / "controls/5.4.yaml", "status: implemented", "status: planned\ntarget_date: 2027-03-31")
    stats = build(root)
    assert stats["pandoc_runs"] == 1
    assert set(stats["converted_ids"]) == {"ctl-5.4", "soa"}


def test_a_change_of_the_frames_only_converts_no_unchanged_body_again(built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every frame prints the organisation's name (cover, header): all Word files are made again,
    but pandoc converts only the bodies whose text changed; the others come from the cache of bodies.
    (That the result has a clean build's bytes: tests/test_incremental.py, whose release re-versions
    every document.) The workers that make them run at a lower priority than Sphinx beside them."""
    from isms.render.docx import batch

    root = tmp_path / "isms"
    shutil.copytree(built.root, root)
    priorities = tmp_path / "priorities"
    priorities.mkdir()
    share = batch.run_share

    def recorded(*arguments):
        (priorities / str(os.getpid())).write_text(str(os.getpriority(os.PRIO_PROCESS, 0)))
        return share(*arguments)

    recorded.__module__, recorded.__qualname__ = share.__module__, share.__qualname__  # sent to the workers by name
    monkeypatch.setattr(batch, "run_share", recorded)

    def texts() -> dict[str, object]:
        prepared, problems = prepare(root)
        assert prepared is not None, problems
        context = BuildContext(prepared.isms, prepared.bodies, prepared.versions, tmp_path, tmp_path)
        return {job.doc.id: job.body for job in writer.plan(context)}

    before = texts()
    edit(root / "manual_src/profile.yaml", "  name: 株式会社みなと精機\n", "  name: 株式会社みなと精機工業\n")
    after = texts()
    changed = {doc_id for doc_id, body in after.items() if before.get(doc_id) != body}
    assert 0 < len(changed) < len(after) / 2, changed
    stats = build(root)
    assert stats["converted"] == stats["documents"] == len(after)
    assert stats["converted"] - stats["bodies_reused"] == len(changed)
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    workers = {path.name: int(path.read_text()) for path in priorities.iterdir()}
    assert len(workers) == batch.worker_count(len(after)) >= 2 and str(os.getpid()) not in workers
    assert set(workers.values()) == {min(19, ours + batch.WORKER_NICENESS)}


# --------------------------------------------------------------------------- bad input


def test_missing_or_broken_template_is_a_problem_not_a_traceback(sample: Path, run) -> None:
    frame = sample / "policy_templates/word/frame.docx"
    frame.write_bytes(b"not a zip")
    result = run("--root", str(sample), "build", "--only", "docx")
    assert result.code == 1
    assert "policy_templates/word/frame.docx:1:1: error: not a Word document" in result.out
    frame.unlink()
    result = run("--root", str(sample), "build", "--only", "docx")
    assert result.code == 1 and "Word template missing" in result.out


def test_templates_are_generated_reproducibly(tmp_path: Path) -> None:
    from isms.render.docx.templates import write_templates

    first = write_templates(tmp_path / "a")
    second = write_templates(tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert [p.name for p in first] == ["reference.docx", "frame.docx"]
    tags = zipfile.ZipFile(first[1]).read("word/document.xml").decode()
    assert "{{p body }}" in tags and "{%tr for r in history %}" in tags


def test_the_committed_templates_are_the_generated_ones(tmp_path: Path) -> None:
    """policy_templates/word/ of the sample and of the English example: regenerate them after a change
    to frame.py or reference.py (python -m isms.render.docx.templates [--root examples/northwind])."""
    from isms.render.docx.templates import write_templates

    repo = Path(__file__).resolve().parents[1]
    for generated in write_templates(tmp_path):
        for root in (repo, repo / "examples/northwind"):
            committed = root / "policy_templates/word" / generated.name
            assert committed.read_bytes() == generated.read_bytes(), f"{committed} is out of date"


# --------------------------------------------------------------------------- LibreOffice


@pytest.fixture(scope="module")
def pdfs(built: Built, english: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """ONE LibreOffice call for every document the tests look at (~1 s per document), headings' bookmarks
    exported as named destinations (pdfinfo -dests names their pages)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: `make test` installs libreoffice-writer-nogui")
    outdir = tmp_path_factory.mktemp("pdf")
    kinds = {
        "manual": "manual", "policy": "access_control", "signed": "information_security_policy", "procedure": "ctl-5.15",
        "procedure-2": "ctl-8.13", "soa": "soa", "risk-report": "risk-report", "audit-checklist": "audit-checklist",
    }  # fmt: skip
    paths = {kind: built.path(doc_id) for kind, doc_id in kinds.items()}
    paths["english"] = next(p for p in word_files(english) if "Manual" in p.name)
    profile = tmp_path_factory.mktemp("lo-profile")
    env = {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)}
    export = 'pdf:writer_pdf_Export:{"ExportBookmarksToPDFDestination":{"type":"boolean","value":"true"}}'
    command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", export, "--outdir", str(outdir)]
    subprocess.run([*command, *(str(p) for p in paths.values())], env=env, check=True, capture_output=True, timeout=300)
    return {kind: outdir / path.with_suffix(".pdf").name for kind, path in paths.items()}


def fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in (page.get("/Resources") or {}).get("/Font", {}).values():
            names.add(str(font.get_object().get("/BaseFont")))
    return names


def test_libreoffice_renders_every_kind_with_japanese_fonts(pdfs: dict[str, Path], built: Built) -> None:
    for kind, pdf in pdfs.items():
        if kind == "english":
            continue
        reader = PdfReader(pdf)
        assert len(reader.pages) >= 3, kind  # cover, history and distribution, body
        used = fonts(reader)
        assert any("NotoSerifCJK" in f for f in used), (kind, used)  # Yu Mincho via fonts.conf
        assert any("NotoSansCJK" in f for f in used), (kind, used)  # Yu Gothic
    manual = PdfReader(pdfs["manual"])
    assert len(manual.pages) > 10
    text = "".join(page.extract_text() for page in manual.pages[:4])
    assert "目次" in text and "ブックマーク" not in text


def pdf_text(pdf: Path, *options: str, first: int | None = None, last: int | None = None) -> str:
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    return subprocess.run(["pdftotext", *options, *pages, str(pdf), "-"], capture_output=True, check=True, text=True).stdout


def test_toc_page_numbers_are_those_of_a_libreoffice_layout(pdfs: dict[str, Path], built: Built) -> None:
    if shutil.which("pdfinfo") is None:
        pytest.skip("poppler-utils (pdfinfo) is not installed")
    dests = subprocess.run(["pdfinfo", "-dests", str(pdfs["manual"])], capture_output=True, check=True, text=True).stdout
    pages = {m.group(2): int(m.group(1)) for m in re.finditer(r"^\s*(\d+)\s+\[.*\]\s+\"(TocIsms\d+)\"", dests, re.MULTILINE)}
    document = part(built.path("manual"), "word/document.xml")
    entries = {link.get(W + "anchor"): toc_entry_number(link) for link in toc_links(document)}
    assert len(entries) > 40 and set(entries) <= set(pages), "every heading of the TOC has a page in the PDF"
    assert {anchor: int(number) for anchor, number in entries.items()} == {anchor: pages[anchor] for anchor in entries}
    total = len(PdfReader(pdfs["manual"]).pages)
    assert f"{total} ページ (表紙含む)" in "".join(paragraph_texts(document)), "the page count stored in the file too"
    toc = pdf_text(pdfs["manual"], "-layout", first=3, last=4)
    assert re.search(r"4\.1 組織及びその状況の理解\.{5,}\s*\d+", toc), "a leader and the number after the title"


def test_soa_fits_ten_landscape_pages(pdfs: dict[str, Path]) -> None:
    reader = PdfReader(pdfs["soa"])
    landscape = [page for page in reader.pages if page.mediabox.width > page.mediabox.height]
    assert len(landscape) <= 10, f"{len(landscape)} landscape pages"
    assert len(reader.pages) - len(landscape) <= 2, "cover, history and distribution"
    text = pdf_text(pdfs["soa"])
    assert all(header in text for header in ("責任者", "除外の理由", "対応するリスク"))


def test_no_rendered_line_starts_with_closing_punctuation(pdfs: dict[str, Path]) -> None:
    forbidden = re.compile(r"^[、。，．）」』】〕！？]")  # (・ begins the distribution list's lines: a bullet)
    for kind, pdf in pdfs.items():
        lines = [line.strip() for line in pdf_text(pdf, "-raw").splitlines() if line.strip()]
        bad = [line for line in lines if forbidden.match(line)]
        assert not bad, f"{kind}: {bad[:5]}"


def test_history_names_and_dates_are_not_broken_in_the_layout(pdfs: dict[str, Path], built: Built) -> None:
    version = built.version("information_security_policy")
    latest = version.revisions[-1]
    profile = built.isms.profile
    lines = [line.replace(" ", "") for line in pdf_text(pdfs["signed"], "-raw", first=1, last=2).splitlines()]
    date = f"{latest.date.year}年{latest.date.month}月{latest.date.day}日"
    assert sum(line.count(date) for line in lines) >= 5, "cover, approval box, history: each date on one line"
    for label in (latest.approver, latest.reviewer, latest.author):
        signer = signer_lines(profile, label)
        assert any(signer["name"].replace(" ", "") == line for line in lines), signer
        assert any(signer["role"] == line for line in lines), f"{signer['role']} on one line"


def test_english_latin_text_is_set_in_latin_fonts(pdfs: dict[str, Path]) -> None:
    used = fonts(PdfReader(pdfs["english"]))
    assert any("DejaVu" in f for f in used), used  # Cambria and Calibri, as this machine substitutes them
    assert not any("NotoSerifCJK" in f for f in used), used
    assert "【" not in pdf_text(pdfs["english"])


def page_pixels(pdf: Path, page: int, out: Path) -> tuple[int, int, bytes]:
    """One page as RGB pixels (pdftoppm writes a binary PPM: header, then width x height x 3 bytes)."""
    subprocess.run(["pdftoppm", "-r", "30", "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(out)], check=True)
    data = out.with_suffix(".ppm").read_bytes()
    magic, width, height, depth, pixels = data.split(maxsplit=4)
    assert magic == b"P6" and depth == b"255"
    return int(width), int(height), pixels


def test_libreoffice_draws_the_heat_map_in_colour_on_a_landscape_page(pdfs: dict[str, Path], tmp_path: Path) -> None:
    from isms.render.docx.pandoc import SHADING

    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed")
    reader = PdfReader(pdfs["risk-report"])
    number = next(n for n, page in enumerate(reader.pages, start=1) if "リスク対応前" in page.extract_text())
    width, height, pixels = page_pixels(pdfs["risk-report"], number, tmp_path / "heatmap")
    assert width > height, "landscape"
    colours = {bytes.fromhex(SHADING[name]): name for name in ("isms-heat-high", "isms-heat-mid", "isms-heat-low")}
    counts = dict.fromkeys(colours.values(), 0)
    for index in range(0, len(pixels) - 2, 3):
        name = colours.get(pixels[index : index + 3])
        if name:
            counts[name] += 1
    assert all(count > 500 for count in counts.values()), counts  # whole cells, not a border's worth
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(number), "-l", str(number), "-singlefile", str(pdfs["risk-report"]), str(SCREENSHOTS / "docx-heatmap")], check=True)
    audit = PdfReader(pdfs["audit-checklist"])
    assert all(page.mediabox.width > page.mediabox.height for page in audit.pages[2:]), "the checklist body is landscape"


# --------------------------------------------------------------------------- the Lua filter on Sphinx constructs

FILTER_SAMPLE = """\
方針の題名
==========

目的
----

.. note::

   備考の本文。

.. caution:: 短い注意。

.. admonition:: 独自の題

   独自の本文。

.. container:: custom

   .. tip::

      容器の中のヒント。

.. topic:: 話題

   .. warning::

      話題の中の警告 :ref:`local`。

::

    literal	with	tabs

本文は :ref:`clause-6.1.2` 及び :ref:`方針 <pol-x>` に従い、:term:`ISMS` を用いる。
:ref:`未定義の参照` は文字だけ残る。

.. _local:

範囲
----

同じ文書の :ref:`local` へのリンク。
"""


def test_filter_boxes_admonitions_and_resolves_references(tmp_path: Path) -> None:
    from isms.render.docx.pandoc import DocumentText, convert

    labels = {
        "clause-6.1.2": {"text": "6.1.2 情報セキュリティリスクアセスメント", "number": "ISMS-M-01", "doc": "manual"},
        "pol-x": {"text": "方針X", "number": "ISMS-P-09", "doc": "x"},
        "local": {"text": "範囲", "number": "ISMS-P-01", "doc": "p"},
    }
    reference = Path(__file__).resolve().parents[1] / "policy_templates/word/reference.docx"
    bodies, problems = convert([DocumentText("p", (FILTER_SAMPLE,), (tmp_path / "p.rst",), drop_title=True)], labels, "ja", reference)
    assert not problems
    (tmp_path / "p.docx").write_bytes(bodies["p"])
    document = docx.Document(str(tmp_path / "p.docx"))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["目的", "範囲"], "the lone title is dropped, the sections promoted to level 1"
    boxes = [[p.text for p in t.rows[0].cells[0].paragraphs] for t in document.tables]
    # An admonition inside a container or a topic is boxed too (the filter unwraps those first).
    assert boxes == [["備考", "備考の本文。"], ["注意", "短い注意。"], ["独自の題", "独自の本文。"], ["ヒント", "容器の中のヒント。"], ["警告", "話題の中の警告範囲。"]]
    literal = next(p for p in document.paragraphs if "literal" in p.text)._p
    assert [e.tag.split("}")[1] for e in literal.iter(W + "t", W + "tab")] == ["t", "tab", "t", "tab", "t"], "a tab is a w:tab, not a character in a text"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "本文は6.1.2 情報セキュリティリスクアセスメント(ISMS-M-01)及び方針(ISMS-P-09)に従い、ISMSを用いる。" in text
    assert "未定義の参照は文字だけ残る。" in text
    assert "同じ文書の範囲へのリンク。" in text
    anchors = [h.get(W + "anchor") for h in document.element.body.iter(W + "hyperlink")]
    assert anchors and all(a.startswith("TocIsms") for a in anchors)
    assert not any(MARKUP.search(t) for t in all_paragraph_texts(document))


def test_the_word_writer_reads_no_file_and_takes_no_raw_markup_from_a_text(tmp_path: Path) -> None:
    """Behind the check (which refuses both): pandoc reads each text in an empty sandbox, so an
    'include' reads nothing of the build machine, and raw markup of a text (a Word field, HTML) is
    dropped; the text around them stays."""
    from isms.render.docx.pandoc import DocumentText, convert

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-ON-THE-BUILD-MACHINE\n", encoding="utf-8")
    text = (
        "前の段落。\n\n"
        f".. include:: {secret}\n\n"
        f"- .. include:: {secret}\n   :literal:\n\n"
        '- .. raw:: openxml\n\n     <w:p><w:r><w:instrText> INCLUDETEXT "file:///etc/passwd" </w:instrText></w:r></w:p>\n\n'
        "段落の中の :raw-html:`<b>x</b>` です。\n\n"
        "Word link ms-word:ofe|u|http://evil.example/x.docx and webcal://evil.example/c and https://example.com/ok here.\n\n"
        "後の段落。\n"
    )
    reference = Path(__file__).resolve().parents[1] / "policy_templates/word/reference.docx"
    bodies, _ = convert([DocumentText("p", (text,), (tmp_path / "p.rst",))], {}, "ja", reference)
    package = bodies["p"]
    (tmp_path / "p.docx").write_bytes(package)
    document = docx.Document(str(tmp_path / "p.docx"))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    assert "前の段落。" in paragraphs and "後の段落。" in paragraphs
    with zipfile.ZipFile(tmp_path / "p.docx") as archive:
        xml = "".join(archive.read(name).decode() for name in archive.namelist() if name.endswith((".xml", ".rels")))
    assert "TOP-SECRET" not in xml and "instrText" not in xml and "INCLUDETEXT" not in xml
    # Only web and mail links stay links (pandoc links more schemes than the check's docutils sees).
    with zipfile.ZipFile(tmp_path / "p.docx") as archive:
        relationships = archive.read("word/_rels/document.xml.rels").decode()
    assert "https://example.com/ok" in relationships and "ms-word" not in relationships and "webcal" not in relationships


def test_runtime_options_only_for_the_bundled_pandoc(tmp_path: Path) -> None:
    """Another pandoc (pypandoc takes the newest it finds) may refuse Haskell runtime options."""
    from isms.render.docx.pandoc import _runtime_options, pandoc_path

    assert _runtime_options(pandoc_path()) == ["+RTS", "-A64m", "-RTS"]
    assert _runtime_options(str(tmp_path / "pandoc")) == []
    done = subprocess.run([pandoc_path(), *_runtime_options(pandoc_path()), "--version"], capture_output=True, check=False)
    assert done.returncode == 0, done.stderr


# --------------------------------------------------------------------------- 新旧対照表 (isms diff) as Word

OLD_LINE = "情報の機密分類に基づいて制御し、認可されていないアクセスを防ぐ。"
NEW_LINE = "情報の機密分類及び多要素認証の要否に基づいて制御し、不正アクセスを防ぐ。"


def marked_runs(cell) -> tuple[str, str, str]:
    """(unmarked text, removed text, added text) of a table cell, by run formatting."""
    plain, removed, added = [], [], []
    for paragraph in cell.paragraphs:
        for run in paragraph.runs:
            colour = run.font.color.rgb if run.font.color and run.font.color.type else None
            if run.font.strike:
                assert str(colour) == "C00000" and not run.font.underline, run.text
                removed.append(run.text)
            elif run.font.underline:
                assert str(colour) == "0070C0", run.text
                added.append(run.text)
            else:
                assert colour is None, run.text
                plain.append(run.text)
    return "".join(plain), "".join(removed), "".join(added)


def isms_levels(root: Path):
    prepared, problems = prepare(root)
    assert prepared is not None, problems
    return prepared.isms.profile.classification


def test_isms_diff_writes_a_word_comparison_with_the_changes_marked(sample: Path, run) -> None:
    edit(sample / "controls/5.15.yaml", OLD_LINE, NEW_LINE)
    result = run("--root", str(sample), "diff")
    assert result.code == 0, result.err
    assert "改定: ISMS-C-5-15 5.15 アクセス制御 実施手順書" in result.lines()
    path = (sample / result.lines()[-1]).with_suffix(".docx")
    assert path.name == "1.0_working.docx" and path.is_file()
    document = docx.Document(str(path))

    header = " ".join(p.text for p in document.sections[0].header.paragraphs)
    levels = {level.name for level in isms_levels(sample)}
    assert "株式会社みなと精機 ISMS文書" in header and any(f"【機密分類】{name}" in header for name in levels), "the strictest level of the documents compared"
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert "ISMS-C-5-15 5.15 アクセス制御 実施手順書  [改定]" in headings
    assert document.sections[0].page_width > document.sections[0].page_height

    # The passage this test changed (other documents may have changed since the release too).
    table = next(t for t in document.tables if NEW_LINE in t._tbl.xpath("string(.)"))
    assert [c.text for c in table.rows[0].cells] == ["旧 (1.0)", "新 (作業中の原稿(改定案))"]
    old_cell, new_cell = next(row.cells for row in table.rows[1:] if NEW_LINE in row.cells[1].text)
    assert OLD_LINE in old_cell.text and NEW_LINE in new_cell.text
    old_plain, removed, old_added = marked_runs(old_cell)
    new_plain, new_removed, added = marked_runs(new_cell)
    assert "認可されていない" in removed and not old_added, "removed text: red, struck through, in the old column only"
    assert "多要素認証の要否" in added and "不正" in added and not new_removed, "added text: blue, underlined, in the new column only"
    assert "情報の機密分類" in old_plain and "情報の機密分類" in new_plain and "方針は" in new_plain, "unchanged text is not marked"

    settings = part(path, "word/settings.xml")
    assert settings.find(f"{W}compat/{W}compatSetting[@{W}name='compatibilityMode']").get(W + "val") == "15"
    assert "Microsoft" not in zipfile.ZipFile(path).read("docProps/app.xml").decode()

    first = path.read_bytes()
    assert run("--root", str(sample), "diff").code == 0
    assert path.read_bytes() == first, "the same comparison gives the same bytes"


def test_comparison_passages_and_english_labels(sample: Path) -> None:
    import dataclasses

    from isms.ledger.diff import compare
    from isms.render.docx.comparison import comparison_docx, passages

    rows = passages("a\nb\nc\n申請は紙で行う\nd\n\n\ne\nf\ng\nh", "a\nb\nc\n申請はワークフローで行う\nd\n\n\ne\nf\ng\nh\nadded")
    assert len(rows) == 2, "two changed passages, each with its context"
    assert [line[0].text for line in rows[0].old] == ["b", "c", "申請は", "d"], "two lines of context, blank ones trimmed"
    assert [(s.text, s.changed) for s in rows[0].old[2]] == [("申請は", False), ("紙", True), ("で行う", False)]
    assert [(s.text, s.changed) for s in rows[0].new[2]] == [("申請は", False), ("ワークフロー", True), ("で行う", False)]
    assert [(s.text, s.changed) for s in rows[1].new[-1]] == [("added", True)] and rows[1].old[-1][0].text == "h"

    edit(sample / "controls/5.15.yaml", OLD_LINE, NEW_LINE)
    prepared, problems = prepare(sample)
    assert prepared is not None, problems
    isms = prepared.isms
    english = dataclasses.replace(isms, profile=isms.profile.model_copy(update={"language": "en"}))
    old, new, diffs = compare(english, prepared.versions, None, None)
    (sample / "en.docx").write_bytes(comparison_docx(english, old, new, diffs))
    document = docx.Document(str(sample / "en.docx"))
    texts = [p.text for p in document.paragraphs]
    assert "Comparison of versions" in texts and "Documents changed" in texts
    assert any([c.text for c in t.rows[0].cells] == ["Old (1.0)", "New (working sources (draft))"] for t in document.tables)
    header = document.sections[0].header.paragraphs[0].text
    assert "Classification: " in header and "【" not in header, header


def test_identifiers_do_not_break_at_their_hyphens(built: Built) -> None:
    body = built.open("soa").element.body
    # the SoA's procedure-number and risk columns (the cover's own number cells come from the frame)
    cells = [c for c in body.iter(W + "tc") if any((t.text or "") in ("ISMS", "R") for t in c.iter(W + "t"))]
    assert len(cells) >= 90
    for cell in cells:
        assert "-" not in "".join(t.text or "" for t in cell.iter(W + "t")), "ISMS-C-5-15 uses w:noBreakHyphen"
        assert cell.findall(f".//{W}noBreakHyphen")


def test_a_picture_is_the_same_bytes_in_any_batch_and_names_no_build_folder(tmp_path: Path) -> None:
    """pandoc numbers pictures across its whole run and describes each by the file it read: the
    same document converted alone or after others must be the same bytes, and hold no path of the
    build machine."""
    from isms.render.docx.pandoc import DocumentText, convert
    from test_security import tiny_png

    image = tmp_path / "checkout/controls/img/diagram.png"
    image.parent.mkdir(parents=True)
    image.write_bytes(tiny_png())
    media = {"0123abcd.png": str(image)}
    reference = Path(__file__).resolve().parents[1] / "policy_templates/word/reference.docx"
    pictured = DocumentText("pic", ("図\n==\n\n.. image:: /_media/0123abcd.png\n\n本文。\n",), (tmp_path / "pic.rst",))
    others = [DocumentText(f"o{n}", (f"別{n}\n====\n\n.. image:: /_media/0123abcd.png\n",), (tmp_path / f"o{n}.rst",)) for n in range(3)]
    alone, problems = convert([pictured], {}, "ja", reference, media)
    assert not problems
    batch, problems = convert([*others, pictured], {}, "ja", reference, media)
    assert not problems
    assert alone["pic"] == batch["pic"]
    with zipfile.ZipFile(io.BytesIO(alone["pic"])) as archive:
        document = archive.read("word/document.xml").decode()
    assert 'descr="0123abcd.png"' in document and str(tmp_path) not in document


def test_word_workers_die_with_a_build_killed_outright(tmp_path: Path) -> None:
    """SIGKILL to the build leaves no Word worker behind (they would hold build/.lock for every later
    build): the workers start with batch._start_worker, as the writer's pool starts them."""
    import signal
    import subprocess
    import sys
    import time

    pids = tmp_path / "worker.pid"
    script = f"""
import os, time
from concurrent.futures import ProcessPoolExecutor
from isms.render.docx import batch
def work(path):
    open(path, "w").write(str(os.getpid()))
    time.sleep(60)
with ProcessPoolExecutor(1, initializer=batch._start_worker, initargs=(os.getpid(),)) as pool:
    pool.submit(work, {str(pids)!r})
    time.sleep(60)
"""
    build = subprocess.Popen([sys.executable, "-c", script])
    try:
        for _ in range(200):
            if pids.exists() and pids.read_text():
                break
            time.sleep(0.05)
        worker = int(pids.read_text())
        os.kill(build.pid, signal.SIGKILL)
        build.wait(timeout=10)
        for _ in range(100):
            try:
                os.kill(worker, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            os.kill(worker, signal.SIGKILL)
            raise AssertionError("the worker outlived the build")
    finally:
        if build.poll() is None:
            build.kill()

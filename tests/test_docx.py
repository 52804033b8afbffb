"""Word output (`isms build --only docx`): the frame (cover, history, header) on every document, bodies without reST
markup, escaping, the cache, and what LibreOffice makes of the files."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree
from pypdf import PdfReader

from conftest import copy_sample, edit
from isms.cli.common import prepare
from isms.model import Isms
from isms.publish import publish
from isms.render import BuildContext, names
from isms.render import docx as writer
from isms.render.docx.paths import FONTS_CONF

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


def build(root: Path) -> dict:
    """What `isms build --only docx` does; returns the Word writer's statistics."""
    prepared, problems = prepare(root)
    assert prepared is not None, problems
    report = publish(prepared.isms, prepared.bodies, prepared.versions, ["docx"])
    assert not report.problems, report.problems
    return report.stats["docx"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = copy_sample(tmp_path_factory.mktemp("docx") / "isms")
    profile = root / "manual_src/profile.yaml"
    edit(profile, "name: 経営企画室", f'name: "{TRICKY}"')
    edit(profile, "    - 全従業員", f'    - "{TRICKY}"\n    - 全従業員')
    edit(root / "controls/5.15.yaml", "reason_note: >-\n", f"reason_note: >-\n  {TRICKY}からの要望による。\n")
    edit(root / "controls/5.15.yaml", "  ECプラットフォームの管理画面、", "  {{ departments[0].name }}、ECプラットフォームの管理画面、")
    return Built(root, build(root))


def all_paragraph_texts(document: docx.document.Document) -> list[str]:
    """Every paragraph of the body, tables included (w:p at any depth); a non-breaking hyphen reads as '-'."""
    return [
        "".join("-" if node.tag == W + "noBreakHyphen" else node.text or "" for node in p.iter(W + "t", W + "noBreakHyphen"))
        for p in document.element.body.iter(W + "p")
    ]


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
        for row, revision in zip(rows, version.revisions, strict=False):
            assert row[0] == str(revision.version)
            assert row[1] == revision.summary
            assert row[2:5] == [revision.approver, revision.reviewer, revision.author]
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


def test_manual_has_a_table_of_contents_field_word_updates(built: Built) -> None:
    path = built.path("manual")
    document = part(path, "word/document.xml")
    instructions = [i.text for i in document.iter(W + "instrText")]
    assert any(i.strip().startswith("TOC ") for i in instructions)
    bookmarks = {b.get(W + "name") for b in document.iter(W + "bookmarkStart")}
    anchors = [h.get(W + "anchor") for h in document.iter(W + "hyperlink") if h.get(W + "anchor")]
    assert len(anchors) > 20 and set(anchors) <= bookmarks, "every TOC entry points at a heading"
    settings = part(path, "word/settings.xml")
    assert settings.find(W + "updateFields").get(W + "val") == "true"
    texts = all_paragraph_texts(built.open("manual"))
    assert "目次" in texts
    assert not any("ブックマークが定義されていません" in t for t in texts)


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
    register = next(t for t in report.tables if t.rows[0].cells[0].text == "ID" and len(t.columns) == 11)
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


def test_identical_inputs_give_identical_bytes(built: Built, tmp_path: Path) -> None:
    root = tmp_path / "isms"
    shutil.copytree(built.root, root, ignore=shutil.ignore_patterns("build"))
    stats = build(root)
    assert stats["converted"] == stats["documents"]
    assert digests(root / "build/docx") == digests(built.out)


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


# --------------------------------------------------------------------------- LibreOffice


@pytest.fixture(scope="module")
def pdfs(built: Built, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: `make test` installs libreoffice-writer-nogui")
    outdir = tmp_path_factory.mktemp("pdf")
    kinds = {"manual": "manual", "policy": "access_control", "procedure": "ctl-5.15", "soa": "soa", "risk-report": "risk-report", "audit-checklist": "audit-checklist"}
    profile = tmp_path_factory.mktemp("lo-profile")
    env = {**os.environ, "FONTCONFIG_FILE": str(FONTS_CONF)}
    command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf", "--outdir", str(outdir)]
    subprocess.run([*command, *(str(built.path(d)) for d in kinds.values())], env=env, check=True, capture_output=True, timeout=300)
    return {kind: outdir / built.path(doc_id).with_suffix(".pdf").name for kind, doc_id in kinds.items()}


def fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in (page.get("/Resources") or {}).get("/Font", {}).values():
            names.add(str(font.get_object().get("/BaseFont")))
    return names


def test_libreoffice_renders_every_kind_with_japanese_fonts(pdfs: dict[str, Path], built: Built) -> None:
    for kind, pdf in pdfs.items():
        reader = PdfReader(pdf)
        assert len(reader.pages) >= 3, kind  # cover, history and distribution, body
        used = fonts(reader)
        assert any("NotoSerifCJK" in f for f in used), (kind, used)  # Yu Mincho via fonts.conf
        assert any("NotoSansCJK" in f for f in used), (kind, used)  # Yu Gothic
    manual = PdfReader(pdfs["manual"])
    assert len(manual.pages) > 10
    text = "".join(page.extract_text() for page in manual.pages[:4])
    assert "目次" in text and "ブックマーク" not in text


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
    assert boxes == [["備考", "備考の本文。"], ["注意", "短い注意。"], ["独自の題", "独自の本文。"]]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "本文は6.1.2 情報セキュリティリスクアセスメント(ISMS-M-01)及び方針(ISMS-P-09)に従い、ISMSを用いる。" in text
    assert "未定義の参照は文字だけ残る。" in text
    assert "同じ文書の範囲へのリンク。" in text
    anchors = [h.get(W + "anchor") for h in document.element.body.iter(W + "hyperlink")]
    assert anchors and all(a.startswith("TocIsms") for a in anchors)
    assert not any(MARKUP.search(t) for t in all_paragraph_texts(document))


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
    assert "modified: ISMS-C-5-15 5.15 アクセス制御 実施手順書" in result.lines()
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
    assert "Classification" in document.sections[0].header.paragraphs[0].text


def test_identifiers_do_not_break_at_their_hyphens(built: Built) -> None:
    body = built.open("soa").element.body
    # the SoA's procedure-number and risk columns (the cover's own number cells come from the frame)
    cells = [c for c in body.iter(W + "tc") if any((t.text or "") in ("ISMS", "R") for t in c.iter(W + "t"))]
    assert len(cells) >= 90
    for cell in cells:
        assert "-" not in "".join(t.text or "" for t in cell.iter(W + "t")), "ISMS-C-5-15 uses w:noBreakHyphen"
        assert cell.findall(f".//{W}noBreakHyphen")

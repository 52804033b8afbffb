"""English mode (language: en in the profile): the generated parts of the site speak English.

The sample's own texts (procedures, reasons, names) stay Japanese; what the tool writes around them
(headers, labels, banners, release pages) must not. One html build of a copy for the module.

The English example organisation (examples/northwind) is written in English throughout: one full build
of it (html, docx, xlsx) for the module, the normal way (`isms build` runs `isms check` first and
writes nothing when it fails), and not one CJK character in any of its pages, Word files or workbooks.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import html as lxml_html

from conftest import CJK, assert_no_cjk_in_package, copy_sample, edit
from isms.cli import main

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@pytest.fixture(scope="module")
def english(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_sample(tmp_path_factory.mktemp("english") / "isms")
    edit(root / "manual_src/profile.yaml", "\nlanguage: ja\n", "\nlanguage: en\n")
    assert main(["--root", str(root), "build", "--only", "html"]) == 0  # runs `isms check` first
    return root


def parse(root: Path, page: str):
    return lxml_html.fromstring((root / "build/html" / page).read_bytes())


def texts(nodes) -> list[str]:
    return [" ".join(node.text_content().replace("¶", "").split()) for node in nodes]


def header_row(page, css: str) -> list[str]:
    return texts(page.xpath(f'//table[contains(@class, "{css}")]/thead/tr/th'))


def banner(page) -> str:
    return " ".join(texts(page.xpath('//div[contains(@class, "isms-banner")]/span')))


def test_soa_headers_and_banner_are_english(english: Path) -> None:
    page = parse(english, "soa.html")
    header = header_row(page, "isms-soa")
    assert header == [
        "No.", "Control", "Applicability", "Reason for inclusion", "Justification for exclusion",
        "Implementation status", "Owner", "Procedure document", "Risks treated",
    ]  # fmt: skip
    assert not JAPANESE.search(" ".join(header))
    assert texts(page.xpath("//h1")) == ["Statement of Applicability"]
    rows = page.xpath('//table[contains(@class, "isms-soa")]/tbody/tr')
    excluded = {row.xpath("string(td[1])").strip() for row in rows if row.xpath("string(td[3])").strip() == "Excluded"}
    assert excluded == {"8.25", "8.30"}
    assert texts(page.xpath('//form[@id="isms-soa-filter"]/label/select/option[1]'))[0] == "All"
    # The sample's ledger was recorded in Japanese: every document is a draft in English.
    text = banner(page)
    assert text.startswith("Internal use only ISMS-R-01 Version 1 (draft)") and "DRAFT: contains changes not yet approved" in text
    assert not JAPANESE.search(text)


def test_control_page_labels_are_english(english: Path) -> None:
    page = parse(english, "controls/5.15.html")
    assert texts(page.xpath("//h1")) == ["5.15 Access control"]
    labels = texts(page.xpath('//table[contains(@class, "isms-fields")]//tr/td[1]'))
    assert labels[:9] == [
        "Control", "Theme", "Applicability", "Reason for inclusion", "Implementation status", "Owner", "Assets operated on",
        "Document number", "Classification",
    ]  # fmt: skip
    assert "Control type" in labels
    assert not JAPANESE.search(" ".join(labels))
    headings = texts(page.xpath("//h2"))
    assert headings[:4] == ["Statement of applicability", "Attributes (ISO/IEC 27002:2022)", "Tailored control items", "Related documents"]
    assert header_row(page, "isms-items") == ["No.", "Item", "Level", "Origin", "Reason for change or addition", "Technical verification"]
    assert header_row(page, "isms-history") == ["Version", "Summary of changes", "Approved by", "Reviewed by", "Prepared by", "Date"]
    assert "every 6 months" in texts(page.xpath('//table[contains(@class, "isms-items")]/tbody/tr/td[6]'))
    assert not JAPANESE.search(banner(page))


def test_register_home_and_release_pages_are_english(english: Path) -> None:
    register = parse(english, "register.html")
    assert header_row(register, "isms-register") == ["Document number", "Title", "Kind", "Classification", "Owner", "Version", "Date"]
    rows = {row[0]: row for row in (texts(tr.xpath("td")) for tr in register.xpath('//table[contains(@class, "isms-register")]/tbody/tr'))}
    assert rows["ISMS-C-5-15"][1:4] == ["5.15 Access control procedure", "Procedure", "Internal use only"]
    assert rows["ISMS-M-01"][1] == "ISMS management manual"

    home = parse(english, "index.html")
    fields = dict(texts(tr.xpath("td")) for tr in home.xpath('//table[contains(@class, "isms-fields")]//tr'))
    assert fields["Organisation"] == "Minato Seiki Co., Ltd."
    assert fields["Document set version"] == "1.0 (2026-04-01) + draft changes"
    assert texts(parse(english, "manual/index.html").xpath("//h1")) == ["ISMS management manual"]

    release = parse(english, "releases/1.0.html")
    assert texts(release.xpath("//h1")) == ["Release 1.0"]
    assert header_row(release, "isms-release-changes") == ["Change", "Document number", "Title", "Version", "Summary of changes"]
    assert texts(release.xpath('//table[contains(@class, "isms-release-changes")]/tbody/tr[1]/td[1]')) == ["new"]

    report = parse(english, "risk-report.html")
    header = header_row(report, "isms-risks")
    assert header == [
        "ID", "Asset", "Threat (vulnerability)", "Risk owner", "Asset value", "Impact", "Likelihood", "Risk", "Treatment",
        "Controls", "Residual", "State",
    ]  # fmt: skip


def test_status_names_documents_in_english(english: Path, run) -> None:
    lines = run("--root", str(english), "status").lines()
    assert "modified: ISMS-C-5-15 5.15 Access control procedure" in lines
    assert not any(JAPANESE.search(line) for line in lines)


def test_the_ledger_and_listing_commands_speak_english(english: Path, run) -> None:
    """Refusals, errors and listings of the commands around the build follow the profile's language."""
    status = run("--root", str(english), "status")
    assert "last release: 1.0 (" in status.err and not CJK.search(status.err), status.err
    refused = run("--root", str(english), "release", "0.9", "--summary", "x")
    assert refused.code == 1 and "release refused: version 0.9 does not come after the last release 1.0" in refused.err
    unknown = run("--root", str(english), "diff", "9.9")
    assert unknown.code == 1 and "error: no release 9.9 in the ledger (releases: 1.0)" in unknown.err
    usage = run("--root", str(english), "release", "1.1", "--summary", "x", "--date", "tomorrow")
    assert usage.code == 2 and "error: --date tomorrow: write the date as YYYY-MM-DD" in usage.err
    soa = run("--root", str(english), "soa").lines()
    assert len(soa) == 93 and any(" (target 20" in line for line in soa) and any(" Excluded " in line for line in soa), soa[:5]
    risks = run("--root", str(english), "risks").lines()
    assert risks and all(" value " in line and " residual " in line for line in risks), risks[:3]
    for result in (refused, unknown, usage):
        assert not CJK.search(result.err), result.err
    assert not any(CJK.search(line) for line in soa + risks)


# --------------------------------------------------------------------------- the English example (Northwind)


@pytest.fixture(scope="module")
def northwind(northwind_build: Path) -> Path:
    """examples/northwind, every output, through `isms build` (check first): the run's one build."""
    return northwind_build


def test_northwind_passes_the_check_without_warnings(northwind: Path, run) -> None:
    result = run("--root", str(northwind), "check")
    assert result.code == 0, result.out
    assert not [line for line in (result.out + result.err).splitlines() if ": error:" in line or ": warning:" in line]
    assert "OK: 93 controls decided (" in result.err and not CJK.search(result.err), result.err


def test_the_command_line_speaks_the_profiles_language(english: Path, run) -> None:
    """The build's own lines (stages, what it wrote, the summary, its errors) are in English too."""
    result = run("--root", str(english), "build", "--only", "xlsx")
    assert result.code == 0, result.err
    assert "built build/xlsx/ (" in result.err and "wrote build/manifest.json" in result.err, result.err
    assert not CJK.search(result.err), result.err
    edit(english / "controls/5.15.yaml", "owner: ", "owner: nobody_", count=1)
    try:
        result = run("--root", str(english), "build", "--only", "xlsx")
        assert result.code == 1 and "1 error: nothing was built." in result.err and not CJK.search(result.err), result.err
    finally:
        edit(english / "controls/5.15.yaml", "owner: nobody_", "owner: ", count=1)


def test_northwind_outputs_have_no_cjk_character(northwind: Path) -> None:
    seen: Counter[str] = Counter()
    for kind in ("html", "docx", "xlsx"):
        for path in sorted((northwind / "build" / kind).resolve().rglob("*")):
            if path.suffix == ".html":
                text = path.read_text(encoding="utf-8")
                match = CJK.search(text)
                assert match is None, f"{path.name}: {text[max(match.start() - 60, 0) : match.end() + 20]}"
            elif path.suffix in (".docx", ".xlsx"):
                assert_no_cjk_in_package(path)
            else:
                continue
            seen[path.suffix] += 1
    assert seen[".html"] > 90 and seen[".docx"] > 90 and seen[".xlsx"] >= 5, seen

"""Publishing by audience (`isms build --audience ID`): documents classified above what the audience
may read are left out, and no text of theirs reaches the build: not through search, navigation,
cross-reference titles, the SoA, the control pages or the spreadsheets."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from conftest import copy_sample
from isms.cli import main
from isms.cli.common import prepare
from isms.model import for_audience


def procedure_sentence(root: Path, control: str) -> str:
    """A sentence of the control's procedure (its first prose line)."""
    text = (root / "controls" / f"{control}.yaml").read_text(encoding="utf-8")
    body = text.split("procedure: |", 1)[1]
    line = next(line.strip() for line in body.splitlines() if len(line.strip()) > 25 and not line.strip().startswith((".", ":", "=", "-", "*")))
    return re.split(r"[、。]", line)[0]


def output_texts(folder: Path) -> dict[str, str]:
    """Every output file as text: HTML and scripts as they are (JSON escapes decoded), Word and
    spreadsheet packages by their XML parts (character references decoded)."""
    texts = {}
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix in (".docx", ".xlsx"):
            with zipfile.ZipFile(path) as archive:
                text = "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist() if n.endswith(".xml"))
            text = re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), text)
        elif path.suffix in (".html", ".js", ".json", ".txt", ".css"):
            text = path.read_text(encoding="utf-8")
            text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
        else:
            continue
        texts[str(path.relative_to(folder))] = text
    return texts


@pytest.fixture(scope="module")
def staff(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_sample(tmp_path_factory.mktemp("audience") / "isms")
    assert main(["--root", str(root), "build", "--audience", "staff"]) == 0
    return root


def test_the_audience_decides_what_is_left_out(staff: Path) -> None:
    prepared, problems = prepare(staff)
    assert prepared is not None, problems
    profile = prepared.isms.profile
    left_out = {a.id: set(for_audience(prepared.isms, a).withheld) for a in profile.audiences}
    assert left_out["auditors"] == set(), "auditors read every level"
    assert left_out["staff"] == {"ctl-8.20", "assets", "risk-report", "risk-plan"}, "the 極秘 documents"
    assert "information_security_policy" not in left_out["public"] and "manual" in left_out["public"]


def test_no_text_of_a_left_out_document_reaches_the_build(staff: Path) -> None:
    out = (staff / "build/audiences/staff/current").resolve()  # the output set (html/, docx/, xlsx/ link into it)
    texts = output_texts(out)
    assert any(name.startswith("html/") for name in texts) and any(name.startswith("docx/") for name in texts)
    risks = (staff / "manual_src/risks.yaml").read_text(encoding="utf-8")
    threat = re.search(r"threat: (\S+)", risks).group(1)
    vulnerability = re.search(r"vulnerability: (\S+)", risks).group(1)
    for needle in (procedure_sentence(staff, "8.20"), threat, vulnerability):
        leaks = [name for name, text in texts.items() if needle in text]
        assert leaks == [], f"{needle!r} leaks through {leaks[:5]}"
    assert not (out / "html/risk-report.html").exists() and not (out / "html/assets.html").exists()
    assert not any("リスク対応計画" in name or "資産目録" in name for name in texts), "no workbook or Word file of them"


def test_references_to_left_out_documents_keep_no_title(staff: Path) -> None:
    out = staff / "build/audiences/staff/html"
    control = (out / "controls/8.20.html").read_text(encoding="utf-8")
    assert "この管理策の実施手順書はこの公開先に含まれない" in control
    assert procedure_sentence(staff, "8.20") not in control
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "この公開先に含まれない文書" in home and "ISMS-C-8-20" in home
    soa = (out / "soa.html").read_text(encoding="utf-8")
    assert "ISMS-C-8-20" in soa and 'href="controls/8.20.html' in soa


def test_the_full_build_is_untouched(staff: Path) -> None:
    assert not (staff / "build/html").exists(), "an audience build goes to build/audiences/<id>/ only"


def test_an_unknown_audience_is_a_usage_error(sample: Path, run) -> None:
    result = run("--root", str(sample), "build", "--audience", "nobody")
    assert result.code == 2 and "staff" in result.err


def test_the_status_page_names_a_withheld_checklist_without_linking_it() -> None:
    """For the public, the requirements checklist is left out: the status page names it as a
    withheld document instead of linking a page the build does not have (Sphinx: undefined label)."""
    import datetime as dt

    from conftest import REPO
    from isms.i18n import t
    from isms.render.html.records import status_page

    prepared, problems = prepare(REPO)
    assert prepared is not None, problems
    public = next(a for a in prepared.isms.profile.audiences if a.id == "public")
    isms = for_audience(prepared.isms, public)
    assert "checklist" in isms.withheld
    page = status_page(isms, dt.date(2026, 12, 1))
    assert ":ref:`checklist`" not in page and f"{t('withheld_reference', 'ja')} ({isms.withheld['checklist'].number})" in page
    assert ":ref:`checklist`" in status_page(prepared.isms, dt.date(2026, 12, 1))

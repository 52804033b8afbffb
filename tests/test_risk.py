"""Risk assessment, risk treatment and SoA traceability (issue 6).

Each check test breaks one thing in a private copy of the sample and asserts `path:line` and the
message; then the computed values, `isms risks --json`, and the links in the built HTML.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import copy_sample, edit, line_of
from isms.bodies.documents import soa_header, soa_rows
from isms.check import check

ASSETS = "manual_src/assets.yaml"
RISKS = "manual_src/risks.yaml"
R001_TREATMENT = 'treatment: reduce\n    controls: ["5.10", "5.13", "7.7"]'


def problems(run, sample: Path) -> list[str]:
    result = run("--root", str(sample), "check")
    assert result.code == 1, result.err
    return result.lines()


def line_after(path: Path, anchor: str, needle: str) -> int:
    """1-based line of the first line containing needle at or after the line containing anchor."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(n for n, line in enumerate(lines) if anchor in line)
    return next(n for n in range(start, len(lines)) if needle in lines[n]) + 1


# --------------------------------------------------------------------------- checks


def test_risk_above_threshold_needs_a_treatment(run, sample: Path) -> None:
    path = sample / RISKS
    edit(path, R001_TREATMENT, 'controls: ["5.10", "5.13", "7.7"]')
    out = problems(run, sample)
    line = line_of(path, "id: R-001")
    assert f"{RISKS}:{line}:5: error: risk R-001: risk value 36 is above the acceptance threshold 18 but has no 'treatment'" in out[0]
    assert "choose reduce (軽減)" in out[0]


def test_accepting_a_risk_above_threshold_needs_approval(run, sample: Path) -> None:
    path = sample / RISKS
    edit(path, R001_TREATMENT, 'treatment: accept\n    controls: ["5.10", "5.13", "7.7"]')
    out = "\n".join(problems(run, sample))
    line = line_after(path, "id: R-001", "treatment: accept")
    assert f"{RISKS}:{line}:5: error: risk R-001: risk value 36 is above the acceptance threshold 18 and is accepted (受容) without approval" in out
    assert "approval: {by: top_management, date: YYYY-MM-DD}" in out


def test_treatment_naming_an_unknown_control(run, sample: Path) -> None:
    path = sample / RISKS
    edit(path, '["5.10", "5.13", "7.7"]', '["5.10", "5.99", "7.7"]')
    out = "\n".join(problems(run, sample))
    line = line_of(path, '"5.99"')
    assert f"{RISKS}:{line}:" in out
    assert "risk R-001: unknown control '5.99' in the treatment" in out


def test_treatment_needing_an_excluded_control_is_reported_on_both_files(run, sample: Path) -> None:
    path = sample / RISKS
    edit(path, '["5.10", "5.13", "7.7"]', '["5.10", "8.25", "7.7"]')
    out = "\n".join(problems(run, sample))
    line = line_of(path, '"8.25"')
    assert f"{RISKS}:{line}:" in out
    assert "risk R-001: control 8.25 is excluded in the SoA (controls/8.25.yaml) but the treatment needs it" in out
    control_line = line_of(sample / "controls/8.25.yaml", "applicable:")
    assert f"controls/8.25.yaml:{control_line}:1: error: control 8.25 is excluded, but the treatment of R-001 (risks.yaml) needs it" in out


def test_residual_risk_above_threshold_needs_management_approval(run, sample: Path) -> None:
    path = sample / RISKS
    edit(path, '["5.10", "5.13", "7.7"]\n    residual: {impact: 3, likelihood: 1}', '["5.10", "5.13", "7.7"]\n    residual: {impact: 3, likelihood: 2}')
    out = "\n".join(problems(run, sample))
    line = line_after(path, "id: R-001", "residual:")
    assert f"{RISKS}:{line}:5: error: risk R-001: residual risk 36 is above the acceptance threshold 18 without management approval" in out


def test_residual_approval_must_come_from_the_profile_approver(run, sample: Path) -> None:
    path = sample / RISKS
    edit(path, "by: top_management", "by: ciso")
    out = "\n".join(problems(run, sample))
    line = line_of(path, "by: ciso")
    assert f"{RISKS}:{line}:7: error:" in out
    assert "residual risk approved by 'ciso', but the profile's risk.residual_approver is 'top_management'" in out


def test_asset_owner_must_be_in_the_profile(run, sample: Path) -> None:
    path = sample / ASSETS
    edit(path, "owner: engineering", "owner: drawing_team")
    out = "\n".join(problems(run, sample))
    line = line_of(path, "owner: drawing_team")
    assert f"{ASSETS}:{line}:5: error: asset A-001: owner 'drawing_team' is neither a person, a role nor a department in the profile" in out


def test_asset_without_owner(run, sample: Path) -> None:
    path = sample / ASSETS
    edit(path, "    owner: engineering\n", "")
    out = "\n".join(problems(run, sample))
    line = line_of(path, "id: A-001")
    assert f"{ASSETS}:{line}:5: error: asset A-001 has no 'owner': name one accountable person" in out


def test_cia_value_outside_the_profile_scale(run, sample: Path) -> None:
    path = sample / ASSETS
    edit(path, "confidentiality: 3", "confidentiality: 4")
    out = "\n".join(problems(run, sample))
    line = line_of(path, "confidentiality: 4")
    assert f"{ASSETS}:{line}:5: error: asset A-001: confidentiality 4 is not on the profile's scale (1, 2, 3)" in out


def test_impact_and_likelihood_outside_the_profile_scale(run, sample: Path) -> None:
    path = sample / RISKS
    edit(path, "impact: 3\n    likelihood: 2", "impact: 5\n    likelihood: 0")
    edit(path, "residual: {impact: 3, likelihood: 1}", "residual: {impact: 3, likelihood: 4}")
    out = "\n".join(problems(run, sample))
    assert f"{RISKS}:{line_of(path, 'impact: 5')}:5: error: risk R-001: impact 5 is not on the profile's scale (1, 2, 3)" in out
    assert f"{RISKS}:{line_of(path, 'likelihood: 0')}:5: error: risk R-001: likelihood 0 is not on the profile's scale (1, 2, 3)" in out
    assert "risk R-001: residual.likelihood 4 is not on the profile's scale" in out


def test_risk_for_an_unknown_asset(run, sample: Path) -> None:
    path = sample / RISKS
    edit(path, "asset: A-001", "asset: A-999")
    out = "\n".join(problems(run, sample))
    line = line_of(path, "asset: A-999")
    assert f"{RISKS}:{line}:5: error: risk R-001: unknown asset 'A-999': use an asset id from assets.yaml" in out


def test_duplicate_asset_and_risk_ids(run, sample: Path) -> None:
    edit(sample / ASSETS, "id: A-002", "id: A-001")
    edit(sample / RISKS, "id: R-002", "id: R-001")
    out = "\n".join(problems(run, sample))
    first_asset, first_risk = line_of(sample / ASSETS, "id: A-001"), line_of(sample / RISKS, "id: R-001")
    asset_line = line_after(sample / ASSETS, "name: 顧客支給図面", "id: A-001")
    risk_line = line_after(sample / RISKS, "asset: A-001", "id: R-001")
    assert f"{ASSETS}:{asset_line}:5: error: duplicate asset id 'A-001' (first used on line {first_asset})" in out
    assert f"{RISKS}:{risk_line}:5: error: duplicate risk id 'R-001' (first used on line {first_risk})" in out


def test_schema_errors_point_at_the_line(run, sample: Path) -> None:
    path = sample / RISKS
    edit(path, R001_TREATMENT, 'treatment: mitigate\n    controls: ["5.10", "5.13", "7.7"]')
    out = "\n".join(problems(run, sample))
    line = line_of(path, "treatment: mitigate")
    assert f"{RISKS}:{line}:" in out and "'risks.0.treatment'" in out


def test_missing_risk_register(run, sample: Path) -> None:
    (sample / RISKS).unlink()
    out = "\n".join(problems(run, sample))
    assert f"{RISKS}:1:1: error: manual_src/risks.yaml is missing" in out


# --------------------------------------------------------------------------- computed values and JSON


@pytest.fixture(scope="module")
def isms(tmp_path_factory: pytest.TempPathFactory):
    root = copy_sample(tmp_path_factory.mktemp("risk-model") / "isms")
    model, found = check(root)
    assert not found, [p.format(root) for p in found]
    return model


def test_values_are_computed(isms) -> None:
    register = isms.risks
    assert len(register.assets) >= 40 and len(register.risks) >= 60
    a001 = register.asset("A-001")
    assert (a001.confidentiality, a001.integrity, a001.availability, a001.value) == (3, 2, 1, 6)
    r001 = next(r for r in register.risks if r.id == "R-001")
    assert (r001.asset_value, r001.impact, r001.likelihood, r001.value) == (6, 3, 2, 36)
    assert r001.above_threshold and r001.residual == 6 * 3 * 1 and not r001.residual_above_threshold and r001.accepted
    approved = [r for r in register.risks if r.residual_above_threshold]
    assert approved and all(r.approval is not None and r.approval.by == "top_management" for r in approved)
    assert any(r.treatment.value == "accept" and not r.above_threshold for r in register.risks)


def test_new_documents_are_numbered(isms) -> None:
    numbers = {doc_id: isms.documents[doc_id].number for doc_id in ("assets", "risk-report", "risk-plan", "audit-checklist")}
    assert numbers == {"assets": "ISMS-R-04", "risk-report": "ISMS-R-05", "risk-plan": "ISMS-R-06", "audit-checklist": "ISMS-R-07"}


def test_risks_json(run, sample: Path) -> None:
    result = run("--root", str(sample), "risks", "--json")
    assert result.code == 0, result.out
    risks = json.loads(result.out)
    assert {"id", "asset", "asset_value", "impact", "likelihood", "risk", "treatment", "controls", "residual_risk", "accepted"} <= set(risks[0])
    r001 = risks[0]
    assert r001["id"] == "R-001" and r001["risk"] == 36 and r001["residual_risk"] == 18
    assert r001["treatment"] == "reduce" and r001["controls"] == ["5.10", "5.13", "7.7"] and r001["accepted"] is True
    assert all(isinstance(r["accepted"], bool) for r in risks)
    # Accountability (issue 12): the owner is one person, the assessment and the owner's approval are dated.
    assert (r001["owner"], r001["assessed_on"], r001["assessor"]) == ("watanabe", "2026-01-30", "ciso")
    assert r001["owner_approval"] == {"by": "watanabe", "date": "2026-02-09"}
    r088 = next(r for r in risks if r["id"] == "R-088")
    assert (r088["owner"], r088["assessed_on"]) == ("kato", "2026-03-06")
    assert all(r["owner"] and r["owner_approval"] and r["owner_approval"]["date"] >= r["assessed_on"] for r in risks)


def test_soa_json(run, sample: Path) -> None:
    result = run("--root", str(sample), "soa", "--json")
    assert result.code == 0, result.out
    controls = json.loads(result.out)
    assert len(controls) == 93
    keys = {"id", "applicable", "reasons", "justification", "status", "target_date", "owner", "risks", "documents"}
    assert all(set(c) == keys for c in controls)
    by_id = {c["id"]: c for c in controls}
    assert by_id["8.16"] == {
        **by_id["8.16"], "applicable": True, "status": "partial", "target_date": "2027-03-31", "owner": "incident_manager", "reasons": ["risk_treatment"],
    }
    assert {"R-030", "R-048", "R-088"} <= set(by_id["8.16"]["risks"]) and "incident_management" in by_id["8.16"]["documents"]
    excluded = by_id["8.25"]
    assert excluded["applicable"] is False and excluded["status"] is None and excluded["risks"] == [] and excluded["justification"]
    # Every control whose reasons include risk treatment treats a risk, and the other way round.
    assert all(bool(c["risks"]) == ("risk_treatment" in c["reasons"]) for c in controls if c["applicable"])


def test_soa_rows_list_the_risks_a_control_treats(isms) -> None:
    header = soa_header("ja")
    assert header[-1] == "対応するリスク"
    rows = {row[0]: row for row in soa_rows(isms, link=True)}
    assert ":ref:`R-001 <risk-r-001>`" in rows["5.13"][-1]
    assert rows["8.25"][-1] == "—"
    plain = {row[0]: row for row in soa_rows(isms, link=False)}
    assert "R-001" in plain["5.13"][-1] and ":ref:" not in plain["5.13"][-1]


def test_word_fallback_has_no_raw_html(isms) -> None:
    from isms.bodies.risk import risk_report_body

    assert ".. isms-html::" in risk_report_body(isms, html=True)
    body = risk_report_body(isms, html=False, link=False)
    assert "raw::" not in body and ":ref:" not in body and "list-table" in body


def test_risk_workbooks(isms, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from isms.render.xlsx.risk import risk_workbooks

    books = risk_workbooks(isms)
    assert len(books) == 3
    path = tmp_path / "risks.xlsx"
    path.write_bytes(next(book for name, book in books if "ISMS-R-05" in name).saved())
    ws = load_workbook(path).active
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    assert ws["A2"].value == "R-001" and ws["I2"].value == 36


# --------------------------------------------------------------------------- built HTML


@pytest.fixture(scope="module")
def html(sample_build: Path) -> Path:
    return sample_build / "build/html"


def test_html_traceability_links(html: Path) -> None:
    soa = (html / "soa.html").read_text(encoding="utf-8")
    assert 'href="risk-report.html#risk-r-001"' in soa
    control = (html / "controls/5.13.html").read_text(encoding="utf-8")
    assert 'href="../risk-report.html#risk-r-001"' in control
    report = (html / "risk-report.html").read_text(encoding="utf-8")
    assert 'id="risk-r-001"' in report
    assert 'href="controls/5.13.html#ctl-5-13"' in report or 'href="controls/5.13.html"' in report
    assert report.count('class="isms-heatmap"') == 2 and "isms-heat-high" in report and 'href="#risk-r-001"' in report


def test_html_risk_documents_are_registered_and_in_the_checklist(html: Path) -> None:
    register = (html / "register.html").read_text(encoding="utf-8")
    for number in ("ISMS-R-04", "ISMS-R-05", "ISMS-R-06", "ISMS-R-07"):
        assert number in register
    checklist = (html / "checklist.html").read_text(encoding="utf-8")
    assert "未整備 0 件" in checklist or "✘" not in checklist.split("risk-report.html#risk-report")[1].split("</tr>")[0]
    audit = (html / "audit-checklist.html").read_text(encoding="utf-8")
    assert "監査項目" in audit and "確認する記録" in audit and "リストアテスト記録" in audit
    assets = (html / "assets.html").read_text(encoding="utf-8")
    assert "A-044" in assets and 'href="risk-report.html#risk-r-001"' in assets


def test_listings_speak_the_profiles_language(run, sample: Path) -> None:
    """`isms soa` and `isms risks` print the sample's words in Japanese (the JSON keeps the values)."""
    soa = run("--root", str(sample), "soa").lines()
    line = next(line for line in soa if line.startswith("8.16 "))
    assert line == "8.16  一部実施 (完了予定 2027-03-31) 責任者 incident_manager リスク " + line.split(" リスク ")[1], line
    assert next(line for line in soa if line.startswith("8.25 ")).startswith("8.25  除外 責任者 "), soa
    risks = run("--root", str(sample), "risks").lines()
    assert risks[0].startswith("R-001 ") and " 資産価値 " in risks[0] and " 残留リスク " in risks[0], risks[0]

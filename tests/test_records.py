"""The ISMS in operation, without building: every `isms check` rule of the records on a broken copy of
the sample (with its file:line), honest readiness (each kind of record removed is reported missing),
overdue items as warnings, and schedules printed from the declared activities.

The build date of every test is the last day the sample's records reach, 2026-11-30 (conftest.SAMPLE_EPOCH).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from conftest import Result, copy_sample, edit, line_of
from isms.bodies.records import comprehension_tests_body
from isms.check import check
from isms.cli import main
from isms.model.readiness import readiness
from isms.model.records import Records

RECORDS = "manual_src/records"


def problems_at(result, path: str) -> list[str]:
    return [line for line in result.lines() if line.startswith(path + ":")]


def expect(result, path: Path, root: Path, needle: str, message: str, severity: str = "error") -> None:
    """One problem at the line of `needle` in `path` whose message contains `message`."""
    rel = path.relative_to(root).as_posix()
    line = line_of(path, needle)
    found = [p for p in problems_at(result, rel) if p.split(":")[1] == str(line) and f" {severity}: " in p and message in p]
    assert found, f"no {severity} at {rel}:{line} containing {message!r} in:\n{result.out}"


# --------------------------------------------------------------------------- the sample


def test_sample_readiness_is_complete_on_its_last_day(run, sample: Path) -> None:
    result = run("--root", str(sample), "readiness", "--json")
    assert result.code == 0, result.err
    items = json.loads(result.out)
    assert all(set(item) == {"clause", "item", "status", "evidence"} for item in items)
    assert {item["status"] for item in items} == {"present"}, [i for i in items if i["status"] != "present"]
    clauses = {item["clause"] for item in items}
    assert {"6.2", "7.2", "8.1", "9.1", "9.2", "9.3", "10.2"} <= clauses
    review = next(item for item in items if item["clause"] == "9.3")
    assert review["evidence"] == ["ISMS-K-10 マネジメントレビュー報告書: MR-2025 (2026-02-20)"]


def test_removing_the_management_review_reports_9_3_missing(run, sample: Path) -> None:
    (sample / RECORDS / "reviews.yaml").unlink()
    result = run("--root", str(sample), "readiness", "--json")
    assert result.code == 0, result.out + result.err
    review = next(item for item in json.loads(result.out) if item["clause"] == "9.3")
    assert review["status"] == "missing" and review["evidence"] == []
    # the manual still names the report: a name in a procedure is not the record
    assert "マネジメントレビュー報告書" in (sample / "manual_src/manual/09_performance.rst").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory):
    root = copy_sample(tmp_path_factory.mktemp("records-model") / "isms")
    isms, problems = check(root)
    assert isms is not None and not problems, problems
    return isms


def without(isms, *keys: str):
    """The model as if the record files `keys` were not there."""
    files = {key: value for key, value in isms.records.files.items() if key not in keys}
    return dataclasses.replace(isms, records=Records(files, isms.records.year_start, isms.records.audit_cycle))


@pytest.mark.parametrize(
    ("record", "missing"),
    [
        ("objectives", {("6.2", "情報セキュリティ目的と達成の計画(ISMS有効性評価表)"), ("9.1", "ISMS有効性評価表(モニタリング及び測定の結果)")}),
        ("competence", {("7.2", "力量確認表")}),
        ("training", {("7.2", "教育計画書"), ("7.2", "理解度確認テスト"), ("7.2", "教育実施記録")}),
        ("audits", {("9.2", "内部監査計画書"), ("9.2", "内部監査結果報告書")}),
        ("reviews", {("9.3", "マネジメントレビュー報告書")}),
        ("corrective_actions", {("10.2", "是正要求書兼回答書")}),
        ("activity_log", {("8.2", "リスクアセスメント結果報告書")}),
        ("activities", {("8.1", "ISMS年間計画表"), ("8.2", "リスクアセスメント結果報告書")}),
    ],
)
def test_each_kind_of_record_removed_is_reported_missing(model, record: str, missing: set[tuple[str, str]]) -> None:
    items = readiness(without(model, record), dt.date(2026, 11, 30))
    assert {(item.clause, item.item) for item in items if item.status == "missing"} == missing


def test_a_test_session_without_named_attendees_prints_their_count(model) -> None:
    """A retest attended only by people not in the profile ('others', TR-2026-04) has no score to list:
    the results say how many attended, instead of a list-table without rows (which stops the build)."""
    body = comprehension_tests_body(model)
    results = body.split("**TR-2026-04(2026-07-10)の結果**\n", 1)[1].split("\n\n**", 1)[0]
    assert results.strip() == "ほか2名(出席者一覧による)"
    for table in body.split(".. list-table::")[1:]:
        assert table.split("\n\n", 1)[0].count(":header-rows: 1") == 1
        assert table.count("   * - ") >= 2, table  # the header and at least one row


def test_a_sample_without_a_record_file_still_passes_the_check(run, sample: Path) -> None:
    """Records refer to each other (findings to corrective actions, auditors to competence): a file
    that is not there is reported missing by the checklist, not as broken references."""
    for name in ("competence.yaml", "corrective_actions.yaml", "audits.yaml", "training.yaml", "objectives.yaml"):
        (sample / RECORDS / name).unlink()
    result = run("--root", str(sample), "check")
    assert result.code == 0, result.out
    assert not [line for line in result.lines() if ": error: " in line]


def test_periodic_records_become_overdue_and_warn_without_failing(run, model, sample: Path) -> None:
    items = {(item.clause, item.item): item.status for item in readiness(model, dt.date(2027, 12, 1))}
    assert items[("9.3", "マネジメントレビュー報告書")] == "overdue"  # 2026-02-20 + 12 months
    assert items[("9.2", "内部監査結果報告書")] == "overdue"  # 2026-11-20 + 12 months
    assert items[("6.1", "適用宣言書")] == "present"
    actions = sample / RECORDS / "corrective_actions.yaml"  # CA-2026-01 is open in the sample, due 2027-01-29
    result = run("--root", str(sample), "check", "--as-of", "2027-12-01")
    assert result.code == 0, result.out
    assert not [line for line in result.lines() if ": error: " in line]
    assert "警告 " in result.err and "OK" in result.err
    reviews = sample / RECORDS / "reviews.yaml"
    expect(result, reviews, sample, "  - id: MR-2025", "clause 9.3: 'マネジメントレビュー報告書' is overdue on 2027-12-01, due by 2027-02-20", "warning")
    expect(result, sample / "manual_src/activities.yaml", sample, "months: [6, 12]", "activity phishing_drill (標的型メール訓練) is overdue", "warning")
    expect(result, actions, sample, "due: 2027-01-29", "corrective action CA-2026-01 was due on 2027-01-29 and is not done", "warning")


# --------------------------------------------------------------------------- rules (errors with file:line), on one broken copy


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory):
    """One copy of the sample with one break per rule (in different places), checked once."""
    root = copy_sample(tmp_path_factory.mktemp("records-broken") / "isms")
    records = root / RECORDS
    edit(records / "objectives.yaml", "{objective: OBJ-2025-04, date: 2025-09-30", "{objective: OBJ-2025-9, date: 2025-09-30")
    edit(records / "objectives.yaml", "    risks: [R-003]", "    risks: [R-999]")
    edit(records / "activity_log.yaml", "{activity: vulnerability_scan, date: 2025-07-16, by: kato,", "{activity: vulnerability_scan, date: 2025-07-16, by: katoh,")
    edit(records / "activity_log.yaml", "{activity: bcp_exercise, date: 2025-09-05,", "{activity: bcp_exercise, date: 2099-09-05,")
    edit(root / "manual_src/activities.yaml", '    control: "5.29"\n', '    control: "8.25"\n')  # excluded in the SoA
    edit(root / "manual_src/activities.yaml", "    months: [11]\n    owner: internal_audit_lead", "    months: [2, 8]\n    owner: internal_audit_lead")
    edit(records / "reviews.yaml", "    activity: management_review", "    activity: management_reveiw")
    text = (records / "reviews.yaml").read_text(encoding="utf-8")
    start, end = text.index("      previous_actions: >-"), text.index("      issues: >-")
    (records / "reviews.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    audits = records / "audits.yaml"
    edit(root / "manual_src/profile.yaml", "  management_review: 12\n", "  management_review: 12\n  audit_cycle: 12\n")  # a cycle that has ended
    edit(audits, '        clauses: ["9.2"]\n        controls: ["5.13", "5.35", "7.7", "8.34"]', '        controls: ["5.13", "5.35", "7.7"]')
    edit(audits, "        date: 2025-11-11\n        auditors: [ito]", "        date: 2025-11-11\n        auditors: [kato]")
    edit(audits, '        date: 2025-11-13\n        auditors: [yamamoto]\n        controls: ["5.13", "7.7", "8.4"]',
         '        date: 2025-11-13\n        auditors: [yamamoto]\n        controls: ["5.13", "5.35", "7.7", "8.4"]')  # fmt: skip
    edit(audits, "        corrective_action: CA-2025-02\n", "")
    edit(records / "competence.yaml", "- {person: ito, date: 2025-04-15, by: suzuki, activity: competence_evaluation, results: {internal_audit: met,",
         "- {person: ito, date: 2025-04-15, by: suzuki, activity: competence_evaluation, results: {internal_audit: partly,")  # fmt: skip
    actions = records / "corrective_actions.yaml"
    text = actions.read_text(encoding="utf-8")
    start, end = text.index("    effectiveness:\n      date: 2026-03-13"), text.index("    closed_on: 2026-03-13")
    actions.write_text(text[:start] + text[end:], encoding="utf-8")
    edit(actions, "      effective: true\n    closed_on: 2025-12-12", "      effective: false\n    closed_on: 2025-12-12")
    return root


@pytest.fixture(scope="module")
def broken_result(broken: Path):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--root", str(broken), "check"])
    return Result(code, out.getvalue(), err.getvalue())


def test_broken_copy_fails(broken_result) -> None:
    assert broken_result.code == 1


def test_measurement_of_an_unknown_objective(broken, broken_result) -> None:
    expect(broken_result, broken / RECORDS / "objectives.yaml", broken, "OBJ-2025-9", "measurement of an unknown objective 'OBJ-2025-9'")


def test_unknown_person(broken, broken_result) -> None:
    expect(broken_result, broken / RECORDS / "activity_log.yaml", broken, "by: katoh", "'katoh' is not a person in the profile")


def test_unknown_or_excluded_control_and_unknown_risk(broken, broken_result) -> None:
    expect(broken_result, broken / "manual_src/activities.yaml", broken, 'control: "8.25"', "control 8.25 is excluded in the SoA")
    expect(broken_result, broken / RECORDS / "objectives.yaml", broken, "risks: [R-999]", "unknown risk 'R-999'")


def test_unknown_activity(broken, broken_result) -> None:
    expect(broken_result, broken / RECORDS / "reviews.yaml", broken, "activity: management_reveiw", "unknown activity 'management_reveiw'")


def test_records_may_not_be_dated_in_the_future(broken, broken_result) -> None:
    expect(broken_result, broken / RECORDS / "activity_log.yaml", broken, "date: 2099-09-05", "date 2099-09-05 is in the future")


def test_audit_programme_must_cover_every_clause_and_applicable_control_in_its_cycle(broken, broken_result) -> None:
    audits, cycle = broken / RECORDS / "audits.yaml", "the audit cycle 2025-04-01 to 2026-03-31"
    expect(broken_result, audits, broken, "    scope:", f"{cycle} leaves clauses 9.2 unaudited: the programme did not audit them")
    expect(broken_result, audits, broken, "    scope:", f"{cycle} leaves 1 applicable controls unaudited (8.34)")


def test_a_gap_in_the_audit_cycle_under_way_is_a_warning(run, sample: Path) -> None:
    """A control made applicable mid-cycle is not yet in an audit plan: plan it before the cycle ends."""
    (sample / "controls/8.25.yaml").write_text(
        (sample / "controls/8.26.yaml").read_text(encoding="utf-8").replace('id: "8.26"', 'id: "8.25"').replace("risk_treatment, ", ""),  # no risk names 8.25
        encoding="utf-8",
    )
    result = run("--root", str(sample), "check")
    assert result.code == 0, result.out
    audits = sample / RECORDS / "audits.yaml"  # the warning is at the scope of the cycle's latest audit, IA-2026
    scope = audits.read_text(encoding="utf-8").splitlines().index("    scope:", line_of(audits, "  - id: IA-2026")) + 1
    message = "the audit cycle 2025-04-01 to 2028-03-31 leaves 1 applicable controls unaudited (8.25): plan them in an audit of the cycle before 2028-03-31"
    assert any(p.split(":")[1] == str(scope) and " warning: " in p and message in p for p in problems_at(result, f"{RECORDS}/audits.yaml")), result.out


def test_auditor_must_not_audit_their_own_department(broken, broken_result) -> None:
    expect(broken_result, broken / RECORDS / "audits.yaml", broken, "auditors: [kato]", "auditor kato (加藤 翔太) belongs to the audited department 'general_affairs'")


def test_auditor_must_not_audit_their_own_work(broken, broken_result) -> None:
    audits = broken / RECORDS / "audits.yaml"
    line = line_of(audits, '        controls: ["5.13", "5.35", "7.7", "8.4"]') - 1  # the manufacturing entry's auditors
    assert any(
        p.startswith(f"{RECORDS}/audits.yaml:{line}:") and "auditor yamamoto (山本 恵) would audit their own work" in p and "5.35" in p
        for p in broken_result.lines()
    ), broken_result.out


def test_auditor_must_be_competent(broken, broken_result) -> None:
    expect(broken_result, broken / RECORDS / "audits.yaml", broken, "auditors: [ito]", "auditor ito (伊藤 茂) has no evaluation of 'internal_audit' as met by 2025-11-12")


def test_nonconformity_needs_its_corrective_action_request(broken, broken_result) -> None:
    audits = broken / RECORDS / "audits.yaml"
    line = line_of(audits, "id: IA-2025-02") + 3  # its 'result: nonconformity'
    assert any(p.startswith(f"{RECORDS}/audits.yaml:{line}:") and "nonconformity IA-2025-02 needs its corrective action request" in p for p in broken_result.lines())


def test_closed_corrective_action_needs_an_effectiveness_review(broken, broken_result) -> None:
    expect(broken_result, broken / RECORDS / "corrective_actions.yaml", broken, "closed_on: 2026-03-13", "CA-2025-01 is closed without an effectiveness review")


def test_closed_corrective_action_needs_an_effective_one(broken, broken_result) -> None:
    expect(broken_result, broken / RECORDS / "corrective_actions.yaml", broken, "closed_on: 2025-12-12", "CA-2025-03 is closed although its corrective action was not effective")


def test_review_needs_input_a(broken, broken_result) -> None:
    expect(broken_result, broken / RECORDS / "reviews.yaml", broken, "    inputs:", "review MR-2025 lacks input a) of 9.3.2")


def test_activity_schedule_must_agree_with_the_profiles_review_interval(broken, broken_result) -> None:
    expect(
        broken_result, broken / "manual_src/activities.yaml", broken, "months: [2, 8]",
        "activity internal_audit is done every 6 months (every August and February), but the profile's review.internal_audit says every 12 months",
    )  # fmt: skip


def test_form_numbering_is_validated_like_the_other_schemes(run, sample: Path) -> None:
    path = sample / "manual_src/profile.yaml"
    edit(path, "  prefix: ISMS\n", "  prefix: ISMS\n  form: ISMS-F-{num}\n")
    result = run("--root", str(sample), "check")
    assert result.code == 1
    expect(result, path, sample, "form: ISMS-F-{num}", "unknown placeholder {num} (allowed here: {prefix}, {seq})")


# --------------------------------------------------------------------------- schedules: declared once, printed everywhere


def test_a_restated_schedule_is_a_warning_with_its_line(run, sample: Path) -> None:
    path = sample / "manual_src/manual/07_support.rst"
    edit(path, "- {{ activities.phishing_drill.frequency }}({{ activities.phishing_drill.months }})の標的型メール訓練", "- 年2回(6月・12月)の標的型メール訓練")
    result = run("--root", str(sample), "check")
    assert result.code == 0
    expect(result, path, sample, "- 年2回(6月・12月)の標的型メール訓練", "'6月・12月' restates the schedule of the declared activity 'phishing_drill'", "warning")
    assert len(result.lines()) == 1, "a frequency that belongs to another word is not reported"


def test_an_activity_is_found_in_any_case_also_where_lower_case_moves_the_text() -> None:
    from isms.check.schedules import _Name, _restated

    names = (_Name("policy_briefing", "Annual policy briefing"), _Name("phishing_drill", "Phishing drill"))
    text = "Intro.\n\nANNUAL POLICY BRIEFING: every June.\n\nThe İ-team: phishing Drill, twice a year.\n"
    assert _restated(text, names) == ((2, "policy_briefing", "every June"), (4, "phishing_drill", "twice a year"))


def test_the_text_rules_read_back_what_they_found_in_an_unchanged_text(sample: Path) -> None:
    """What the schedule and retention rules found in a text is kept across builds (check/kept.py):
    a new process, which remembers nothing, reads back the same warnings for the texts it did not
    change, and finds them again in a text that changed."""
    from isms.check import facts, kept, schedules
    from isms.trust import cache_folder

    edit(sample / "manual_src/manual/07_support.rst", "- {{ activities.phishing_drill.frequency }}({{ activities.phishing_drill.months }})の標的型メール訓練", "- 年2回(6月・12月)の標的型メール訓練")
    edit(sample / "controls/5.15.yaml", "5年間保管する。", "5年間保管する。遮断ログは1年間保管する。")

    def warnings() -> list[str]:
        schedules._restated.cache_clear()  # as a new process: nothing remembered but the cache
        facts._stated_once.cache_clear()
        _, problems = check(sample)
        return sorted(f"{p.path.name}:{p.line}: {p.message}" for p in problems if "restates" in p.message or "retention" in p.message)

    first = warnings()
    assert any("restates the schedule" in w for w in first) and any("the retention of" in w for w in first), first
    assert any(cache_folder(sample, kept.KIND).iterdir())
    assert warnings() == first
    edit(sample / "manual_src/manual/07_support.rst", "- 年2回(6月・12月)の標的型メール訓練", "- 年2回(5月・11月)の標的型メール訓練")
    assert [w.replace("5月・11月", "6月・12月") for w in warnings()] == first


def test_changing_a_declaration_changes_every_text(sample: Path) -> None:
    edit(sample / "manual_src/activities.yaml", "    months: [6, 12]\n    owner: it_manager", "    months: [5, 11]\n    owner: it_manager")
    isms, problems = check(sample)
    assert isms is not None and not [p for p in problems if p.severity == "error"], problems
    texts = {text.source.path.name: text.text for text in isms.texts()}
    assert "年2回(5月・11月)の標的型メール訓練" in texts["07_support.rst"]
    assert "標的型メール訓練を年2回(5月・11月)行う。" in texts["incident_management.rst"]
    assert "毎年5月及び11月" in texts["6.3.yaml"] and "毎年5月及び11月に、Microsoft 365" in texts["8.7.yaml"]
    assert "毎年6月及び12月" not in "".join(texts.values())


def test_a_new_isms_owes_nothing_from_before_it_began(run, sample: Path) -> None:
    """A new organisation starts without records: the profile's operating_since says from when
    records are owed. Without the activity log, the sample as of 2026-12-01 owes the drills and
    checks of the months before; operating since 2026-11-01, only what came due since then."""
    (sample / RECORDS / "activity_log.yaml").unlink()
    before = run("--root", str(sample), "check", "--as-of", "2026-12-01")
    assert before.code == 0, before.out
    late = [line for line in before.lines() if ": warning: activity " in line]
    assert any("2025-" in line for line in late), late  # owed since the first ISMS year of the other records
    edit(sample / "manual_src/profile.yaml", "operating_since: 2025-04-01", "operating_since: 2026-11-01")
    after = run("--root", str(sample), "check", "--as-of", "2026-12-01")
    assert after.code == 0, after.out
    late_after = [line for line in after.lines() if ": warning: activity " in line]
    assert len(late_after) < len(late), (late, late_after)
    assert not any(f"20{year}-{month:02d}" in line for line in late_after for year in (25, 26) for month in range(1, 13) if (year, month) < (26, 11))

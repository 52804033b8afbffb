"""A risk register and SoA an auditor can trust (issue 12): accountability, dated approvals, interim
acceptance, treatment options as defined, and the SoA consistent with the register.

One broken copy of the sample carries every breakage at once (each in its own place) and is checked
once; each test asserts the exact file:line of its rule. The sample itself passes every rule
(test_check.test_sample_is_clean).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import copy_sample, edit, line_of
from isms.cli import main

RISKS = "manual_src/risks.yaml"
ASSETS = "manual_src/assets.yaml"


def edit_after(path: Path, anchor: str, old: str, new: str) -> None:
    """Replace the first old at or after the line containing anchor."""
    text = path.read_text(encoding="utf-8")
    start = text.index(anchor)
    at = text.index(old, start)
    path.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")


def line_after(path: Path, anchor: str, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(n for n, line in enumerate(lines) if anchor in line)
    return next(n for n in range(start, len(lines)) if needle in lines[n]) + 1


class Checked:
    def __init__(self, root: Path, code: int, out: str) -> None:
        self.root, self.code, self.lines = root, code, out.splitlines()

    def at(self, relative: str, line: int, col: int | None = None) -> list[str]:
        prefix = f"{relative}:{line}:" + (f"{col}:" if col is not None else "")
        return [message for message in self.lines if message.startswith(prefix)]

    def has(self, relative: str, line: int, text: str, col: int | None = None) -> None:
        found = self.at(relative, line, col)
        assert any(text in message for message in found), f"{relative}:{line}: {text!r} not in {found or self.lines}"


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Checked:
    """The sample with one breakage per rule; checked once."""
    root = copy_sample(tmp_path_factory.mktemp("integrity") / "isms")
    risks, assets = root / RISKS, root / ASSETS
    # Owners
    edit_after(assets, "id: A-002", "owner: engineering", "owner: dept_manager")
    edit_after(risks, "id: R-005", "    treatment: reduce\n", "    owner: dept_manager\n    treatment: reduce\n")
    edit_after(risks, "id: R-088", "assessor: ciso", "assessor: nobody")
    # Owner approvals
    edit_after(risks, "id: R-001", "    owner_approval: {by: watanabe, date: 2026-02-09}\n", "")
    edit_after(risks, "id: R-002", "owner_approval: {by: watanabe,", "owner_approval: {by: tanaka,")
    edit_after(risks, "id: R-012", "owner_approval: {by: yamamoto, date: 2026-02-12}", "owner_approval: {by: yamamoto, date: 2026-01-20}")
    edit_after(risks, "id: R-006", "date: 2026-02-20", "date: 2026-01-15")
    edit_after(risks, "id: R-009", "date: 2026-02-20", "date: 2099-01-01")
    # Treatment options as defined
    edit_after(risks, "id: R-021", "residual: {impact: 1, likelihood: 1}", "residual: {impact: 1, likelihood: 2}")
    edit_after(risks, "id: R-008", "    treatment: accept\n", "    treatment: accept\n    residual: {impact: 1, likelihood: 1}\n")
    edit_after(risks, "id: R-022", "    transferred_to: 決済代行会社(障害時の責任と補償を契約で定める)\n", "")
    edit_after(risks, "id: R-014", "treatment: accept", "treatment: avoid")
    edit_after(risks, "id: R-015", "    treatment: accept\n", "    treatment: accept\n    removes: 工程票\n")
    # Interim acceptance
    text = risks.read_text(encoding="utf-8")
    start = text.index("    interim:", text.index("id: R-087"))
    risks.write_text(text[:start] + text[text.index("  - id: R-088") :], encoding="utf-8")
    edit_after(risks, "id: R-088", "by: top_management", "by: kato")
    edit_after(risks, "id: R-080", "until: 2027-03-31", "until: 2026-12-31")
    edit_after(risks, "id: R-048", "residual: {impact: 3, likelihood: 1}\n      until", "residual: {impact: 2, likelihood: 2}\n      until")
    edit_after(
        risks, "id: R-005", "    owner_approval: {by: watanabe, date: 2026-02-09}\n",
        "    owner_approval: {by: watanabe, date: 2026-02-09}\n    interim: {residual: {impact: 3, likelihood: 2}, until: 2027-03-31, by: watanabe, date: 2026-02-09}\n",
    )
    # SoA and the register
    edit(root / "controls/5.6.yaml", "reasons: [business]", "reasons: [business, risk_treatment]")
    edit(root / "controls/7.12.yaml", "reasons: [risk_treatment]", "reasons: [business]")
    edit(root / "controls/5.7.yaml", "status: partial\ntarget_date: 2027-03-31\n", "status: implemented\n")
    edit_after(root / "controls/8.23.yaml", "社外で使う会社貸与PCにも", "    target_date: 2027-03-31\n", "")
    edit_after(root / "controls/8.14.yaml", "情報処理設備ごとに可用性の要求事項", "target_date: 2027-03-31", "target_date: 2027-06-30")
    edit(root / "policy_templates/policies.yaml", 'controls: ["8.24"]', 'controls: ["8.24", "8.30"]')
    edit(root / "controls/8.26.yaml", '"8.27", "8.29"]', '"8.27", "8.29", "8.25"]')
    (root / "controls/8.25.yaml").write_text(
        (root / "controls/8.25.yaml").read_text(encoding="utf-8") + "items:\n  - text: 開発の各段階で要求事項を確認する。\n    level: mandatory\n",
        encoding="utf-8",
    )
    edit(root / "controls/8.18.yaml", "assets: [A-023, A-045]", "assets: [A-023, A-999]")
    # Facts stated once: a retention period written out where the profile declares it (warnings)
    edit(root / "controls/6.3.yaml", "同じサイトで管理し、{{ retention.training_history }}保管する。", "同じサイトで管理し、退職後3年間保管する。")
    edit(root / "controls/8.15.yaml", "ログは原則として{{ retention.log }}保存し", "通信ログは原則として1年間保存し")  # an item of the control set
    return root


@pytest.fixture(scope="module")
def checked(broken: Path) -> Checked:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(["--root", str(broken), "check"])
    assert code == 1
    return Checked(broken, code, out.getvalue())


# --------------------------------------------------------------------------- owners and assessment


def test_asset_owner_is_one_person(checked: Checked) -> None:
    line = line_after(checked.root / ASSETS, "id: A-002", "owner: dept_manager")
    checked.has(ASSETS, line, "error: asset A-002: owner 'dept_manager' is a role held by 5 people (ito, suzuki, takahashi, watanabe, yamamoto)", 5)
    assert "name one accountable person: a person id, a role held by one person, or a department id (its head)" in checked.at(ASSETS, line)[0]


def test_risk_owner_is_one_person(checked: Checked) -> None:
    checked.has(RISKS, line_after(checked.root / RISKS, "id: R-005", "owner: dept_manager"), "error: risk R-005: owner 'dept_manager' is a role held by 5 people", 5)


def test_assessor_is_known(checked: Checked) -> None:
    checked.has(RISKS, line_of(checked.root / RISKS, "assessor: nobody"), "error: assessor 'nobody' is neither a person nor a role in the profile")


# --------------------------------------------------------------------------- approvals


def test_every_risk_needs_its_owners_approval(checked: Checked) -> None:
    checked.has(
        RISKS, line_of(checked.root / RISKS, "id: R-001"),
        "error: risk R-001: its owner (engineering) has not approved the treatment plan and the residual risk (6.1.3 f): "
        "add 'owner_approval: {by: engineering, date: YYYY-MM-DD}'", 5,
    )


def test_owner_approval_comes_from_the_owner(checked: Checked) -> None:
    line = line_after(checked.root / RISKS, "id: R-002", "owner_approval:")
    checked.has(RISKS, line, "error: risk R-002: owner_approval by 'tanaka', but the risk owner is 'engineering' (watanabe)")


def test_approvals_cannot_predate_the_assessment(checked: Checked) -> None:
    root = checked.root / RISKS
    checked.has(RISKS, line_after(root, "id: R-012", "owner_approval:"), "error: risk R-012: owner approval dated 2026-01-20 predates the assessment of 2026-01-30")
    checked.has(RISKS, line_after(root, "id: R-006", "date: 2026-01-15"), "error: risk R-006: management approval dated 2026-01-15 predates the assessment of 2026-01-30", 7)


def test_approvals_cannot_be_in_the_future(checked: Checked) -> None:
    checked.has(RISKS, line_after(checked.root / RISKS, "id: R-009", "date: 2099-01-01"), "error: risk R-009: management approval dated 2099-01-01 is in the future")


# --------------------------------------------------------------------------- treatment options


def test_a_treatment_cannot_raise_likelihood_or_impact(checked: Checked) -> None:
    line = line_after(checked.root / RISKS, "id: R-021", "residual:")
    checked.has(RISKS, line, "error: risk R-021: residual likelihood 2 is above the likelihood 1 before treatment: a treatment cannot raise likelihood")


def test_accept_keeps_the_risk_as_it_is(checked: Checked) -> None:
    line = line_after(checked.root / RISKS, "id: R-008", "residual:")
    checked.has(RISKS, line, "error: risk R-008: treatment 'accept' (受容) keeps the risk as it is, but 'residual' lowers it", 5)


def test_transfer_names_who_carries_it(checked: Checked) -> None:
    line = line_after(checked.root / RISKS, "id: R-022", "treatment: transfer")
    checked.has(RISKS, line, "error: risk R-022: treatment 'transfer' (移転) shares the risk with another party: say who carries it in 'transferred_to'", 5)


def test_avoid_says_what_is_given_up(checked: Checked) -> None:
    root = checked.root / RISKS
    checked.has(RISKS, line_after(root, "id: R-014", "treatment: avoid"), "error: risk R-014: treatment 'avoid' (回避) gives up the activity or asset")
    checked.has(RISKS, line_after(root, "id: R-015", "removes:"), "error: risk R-015: 'removes' belongs to treatment 'avoid' (回避)")


# --------------------------------------------------------------------------- interim acceptance


def test_residual_credit_from_a_pending_control_needs_an_interim_acceptance(checked: Checked) -> None:
    line = line_after(checked.root / RISKS, "id: R-087", "residual: {impact: 1, likelihood: 2}")
    checked.has(
        RISKS, line,
        "error: risk R-087: the residual risk 12 counts on 5.30 (partial, target 2027-03-31), not in place yet: "
        "accept the residual as it stands now until then: add 'interim: {residual: {impact: I, likelihood: L}, until: 2027-03-31, by: it_manager, date: YYYY-MM-DD}'",
        5,
    )


def test_interim_acceptance_above_the_threshold_is_top_managements(checked: Checked) -> None:
    line = line_after(checked.root / RISKS, "id: R-088", "      by: kato")
    checked.has(RISKS, line, "error: risk R-088: interim acceptance by 'kato', but the interim residual 36 is above the acceptance threshold 18: it is accepted by 'top_management'")


def test_interim_acceptance_lasts_until_the_target_date(checked: Checked) -> None:
    line = line_after(checked.root / RISKS, "id: R-080", "until: 2026-12-31")
    checked.has(RISKS, line, "error: risk R-080: interim acceptance until 2026-12-31 ends before the target date 2027-03-31 of 8.21 (partial, target 2027-03-31), 8.14")


def test_interim_residual_lies_between_the_risk_and_the_target(checked: Checked) -> None:
    line = line_after(checked.root / RISKS, "id: R-048", "residual: {impact: 2, likelihood: 2}")
    checked.has(RISKS, line, "error: risk R-048: interim impact 2 is below the target residual impact 3")


def test_no_interim_acceptance_when_every_control_is_in_place(checked: Checked) -> None:
    line = line_after(checked.root / RISKS, "id: R-005", "interim:")
    checked.has(RISKS, line, "error: risk R-005: an interim acceptance, but every control of the treatment is in place: remove 'interim'", 5)


# --------------------------------------------------------------------------- the SoA and the register


def test_risk_treatment_reason_needs_a_risk(checked: Checked) -> None:
    line = line_of(checked.root / "controls/5.6.yaml", "reasons:")
    checked.has("controls/5.6.yaml", line, "error: control 5.6 gives risk_treatment among its reasons, but no risk of risks.yaml names it")


def test_a_control_that_treats_risks_says_so(checked: Checked) -> None:
    line = line_of(checked.root / "controls/7.12.yaml", "reasons:")
    checked.has("controls/7.12.yaml", line, "error: control 7.12 treats R-059, R-078 (risks.yaml), but its reasons do not include risk_treatment: add it", 1)


def test_implemented_is_refused_while_an_item_is_open(checked: Checked) -> None:
    path = checked.root / "controls/5.7.yaml"
    partial = line_after(path, "四半期ごとの脅威情報報告と", "status: partial")
    planned = line_after(path, "攻撃に使われた通信先", "status: planned")
    checked.has(
        "controls/5.7.yaml", line_of(path, "status: implemented"),
        f"error: control 5.7 is 'implemented', but not all its items are in place: item 3 (partial, line {partial}), item 4 (planned, line {planned})", 1,
    )


def test_open_items_have_a_target_date_within_the_controls(checked: Checked) -> None:
    line = line_after(checked.root / "controls/8.23.yaml", "社外で使う会社貸与PCにも", "status: partial")
    checked.has("controls/8.23.yaml", line, "error: item 3 is 'partial': give its 'target_date' (YYYY-MM-DD)")
    line = line_of(checked.root / "controls/8.14.yaml", "target_date: 2027-06-30")
    checked.has("controls/8.14.yaml", line, "error: item 1 is due 2027-06-30, after the control's target date 2027-03-31")


def test_an_excluded_control_implements_nothing(checked: Checked) -> None:
    policies = checked.root / "policy_templates/policies.yaml"
    line = line_of(policies, '"8.30"')
    col = policies.read_text(encoding="utf-8").splitlines()[line - 1].index('"8.30"') + 1
    checked.has("policy_templates/policies.yaml", line, "error: policy 'cryptography' sets out control 8.30, which is excluded in the SoA (controls/8.30.yaml)", col)
    line = line_of(checked.root / "controls/8.26.yaml", '"8.25"')
    checked.has("controls/8.26.yaml", line, "error: related document 8.25 is a control excluded in the SoA (controls/8.25.yaml)")
    checked.has("controls/8.25.yaml", line_of(checked.root / "controls/8.25.yaml", "items:"), "error: control 8.25 is excluded, but has items of its own control set")


def test_a_procedures_assets_are_in_the_inventory(checked: Checked) -> None:
    path = checked.root / "controls/8.18.yaml"
    line = line_of(path, "A-999")
    col = path.read_text(encoding="utf-8").splitlines()[line - 1].index("A-999") + 1
    checked.has("controls/8.18.yaml", line, "error: asset A-999 is not in the asset inventory (assets.yaml)", col)


def test_nothing_else_is_reported(checked: Checked) -> None:
    """Each breakage is reported once, where it is: no rule reports another's consequence."""
    assert len([line for line in checked.lines if ": error: " in line]) == 27, "\n".join(checked.lines)


def test_a_register_without_assessment(run, sample: Path) -> None:
    path = sample / RISKS
    edit(path, "assessment: {date: 2026-01-30, assessor: ciso}", "")
    result = run("--root", str(sample), "check")
    assert result.code == 1
    line = line_of(path, "risks:")
    assert f"{RISKS}:{line}:1: error: the register has no 'assessment' and 88 risk(s) give none of their own" in result.out


def test_an_approval_cannot_postdate_the_release_that_contains_it(run, sample: Path) -> None:
    from conftest import reseal

    risks, ledger = sample / RISKS, sample / "manual_src/releases.yaml"
    edit_after(risks, "id: R-003", "date: 2026-02-20", "date: 2026-11-15")
    # isms release refuses a date before an approval it would contain ...
    result = run("--root", str(sample), "release", "1.1", "--summary", "残留リスクの再承認", "--date", "2026-11-10")
    assert result.code == 1
    assert "リスク R-003: approval の日付 2026-11-15 (manual_src/risks.yaml) がリリース日 2026-11-10 より後です" in " ".join(result.err.split())
    # ... and the check finds an entry that claims it anyway (the seal recomputed by someone who knows how).
    assert run("--root", str(sample), "release", "1.1", "--summary", "残留リスクの再承認", "--date", "2026-11-20").code == 0
    edit(ledger, "date: 2026-11-20", "date: 2026-11-10")
    reseal(ledger)
    result = run("--root", str(sample), "check")
    assert result.code == 1
    line = line_after(risks, "id: R-003", "date: 2026-11-15")
    assert result.lines() == [
        f"{RISKS}:{line}:7: error: risk R-003: management approval dated 2026-11-15 is after release 1.1 (2026-11-10), which contains it "
        "(the risk assessment report is unchanged since): an approval cannot postdate the release that approved it; correct the date, or record a new release"
    ]
    # Once the register changes, the release no longer contains it: a new date is a draft until the next release.
    edit_after(risks, "id: R-003", "date: 2026-11-15", "date: 2026-11-16")
    assert run("--root", str(sample), "check").code == 0


# --------------------------------------------------------------------------- facts stated once


def test_a_declared_retention_written_out_is_a_warning(checked: Checked) -> None:
    path = checked.root / "controls/6.3.yaml"
    line = line_of(path, "退職後3年間保管する")
    col = path.read_text(encoding="utf-8").splitlines()[line - 1].index("3年間") + 1
    checked.has(
        "controls/6.3.yaml", line,
        "warning: the retention of 個人別の受講履歴 is declared in the profile (retention.training_history: 退職後3年): "
        "print it with {{ retention.training_history }} instead of writing '3年間'", col,
    )
    item = line_of(checked.root / "controls/8.15.yaml", "通信ログは原則として1年間保存し")
    checked.has("controls/8.15.yaml", item, "warning: the retention of 通信ログ is declared in the profile (retention.log: 1年)")
    assert len([line for line in checked.lines if ": warning: " in line]) == 2, "\n".join(checked.lines)


def test_the_facts_reach_every_text_from_the_profile(tmp_path: Path) -> None:
    """Change a fact once in the profile: every text that states it follows."""
    from isms.check import check

    root = copy_sample(tmp_path / "isms")
    profile = root / "manual_src/profile.yaml"
    edit(profile, "    deputy: suzuki ", "    deputy: takahashi ")
    edit(profile, "file_server: {name: ファイルサーバ(顧客図面), failure_rto: 1営業日, bcp_rto: 5営業日}", "file_server: {name: ファイルサーバ(顧客図面), failure_rto: 2営業日, bcp_rto: 7営業日}")
    edit(profile, "    period: 実施後5年", "    period: 実施後7年")
    edit(profile, "incident_record:\n", "incident_record:\n")
    edit(profile, "log: {records: [通信ログ, VPN接続ログ, 遮断ログ], keeper: it_manager, period: 1年}", "log: {records: [通信ログ, VPN接続ログ, 遮断ログ], keeper: it_manager, period: 2年}")
    edit(profile, "nc_program: {name: NCプログラム, classification: secret}", "nc_program: {name: NCプログラム, classification: internal}")
    edit(profile, "audit_plan: {what: 内部監査計画書, by: top_management}", "audit_plan: {what: 内部監査計画書, by: ciso}")
    isms, problems = check(root)
    assert isms is not None and not problems, problems
    texts = {text.source.path.name: text.text for text in isms.texts()}
    assert "不在時は営業部長が代行する" in texts["continuity.rst"] and "代行者(営業部長)" in texts["5.29.yaml"]
    assert "- 営業部長" in texts["5.2.yaml"]
    for name in ("continuity.rst", "5.30.yaml"):
        assert "7営業日" in texts[name], name
    assert "2営業日" in texts["8.14.yaml"] and "2営業日" in texts["continuity.rst"]
    assert "実施後7年" in texts["07_support.rst"] and "ISMS記録サイトに実施後7年保管する" in texts["6.3.yaml"]
    assert "ログサーバに転送し2年保存する" in texts["8.20.yaml"]
    item = next(i.text for i in isms.decision("8.15").source.items if i.text.startswith("ログは原則として"))
    assert item == "ログは原則として2年保存し、インシデントに関係するログはインシデントの終結後3年保全する。"
    assert "加工条件表とNCプログラムは「極秘」に" not in texts["5.32.yaml"] and "NCプログラムは「社外秘」に" in texts["5.32.yaml"]
    assert "情報セキュリティ管理責任者の意見を聞いたうえで情報セキュリティ管理責任者の承認を得る" in texts["09_performance.rst"]


def test_facts_in_the_profile_name_what_exists(run, sample: Path) -> None:
    profile = sample / "manual_src/profile.yaml"
    edit(profile, "    deputy: suzuki ", "    deputy: tanaka ")  # the CISO stands in for herself
    edit(profile, "    deputy: it_staff\n", "    deputy: nobody\n")
    edit(profile, "training_history: {records: [個人別の受講履歴], keeper: secretariat,", "training_history: {records: [個人別の受講履歴], keeper: clerk,")
    edit(profile, "jig_design: {name: 治具の設計図, classification: internal}", "jig_design: {name: 治具の設計図, classification: restricted}")
    edit(profile, "objectives: {what: 情報セキュリティ目的, by: top_management}", "objectives: {what: 情報セキュリティ目的, by: president}")
    result = run("--root", str(sample), "check")
    assert result.code == 1
    path = "manual_src/profile.yaml"
    expected = [
        (line_of(profile, "deputy: tanaka"), "error: role 'ciso': its deputy 'tanaka' is the person it stands in for: name someone else"),
        (line_of(profile, "deputy: nobody"), "error: role or person 'nobody' is not defined in the profile"),
        (line_of(profile, "keeper: clerk"), "error: role 'clerk' is not defined in the profile"),
        (line_of(profile, "classification: restricted"), "error: classification level 'restricted' is not defined in the profile"),
        (line_of(profile, "by: president"), "error: role 'president' is not defined in the profile"),
    ]
    for line, text in expected:
        assert any(out.startswith(f"{path}:{line}:") and text in out for out in result.lines()), (line, text, result.lines())
    assert len(result.lines()) == len(expected), result.lines()

"""`isms check`: the sample passes, and every validation rule has a broken copy that trips it.

Each test breaks one thing in a private copy of the sample and asserts the exact `path:line` and a
message that says how to fix it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, edit, line_of


def errors(result, path: str) -> list[str]:
    return [line for line in result.lines() if line.startswith(path + ":")]


def test_sample_is_clean(run, sample: Path) -> None:
    result = run("--root", str(sample), "check")
    assert result.code == 0, result.out
    assert result.out == ""
    assert "OK: 管理策 93 件を決定 (適用 91 件、除外 2 件)、マニュアル 8 章、方針 11 件。" in result.err  # the profile's language


def test_every_catalogue_control_must_be_decided(run, sample: Path) -> None:
    (sample / "controls/5.3.yaml").unlink()
    result = run("--root", str(sample), "check")
    assert result.code == 1
    assert "controls:1:1: error: control 5.3 (Segregation of duties) is not decided: create controls/5.3.yaml" in result.out


def test_unknown_control_id(run, sample: Path) -> None:
    path = sample / "controls/5.38.yaml"
    shutil.copy(sample / "controls/5.37.yaml", path)
    edit(path, 'id: "5.37"', 'id: "5.38"')
    result = run("--root", str(sample), "check")
    assert result.code == 1
    line = line_of(path, 'id: "5.38"')
    assert f"controls/5.38.yaml:{line}:1: error: unknown control id '5.38'" in result.out


def test_control_decided_twice(run, sample: Path) -> None:
    shutil.copy(sample / "controls/5.15.yaml", sample / "controls/5.15-copy.yaml")
    result = run("--root", str(sample), "check")
    assert result.code == 1
    assert "error: control 5.15 is decided twice: also in 5.15.yaml" in result.out


def test_file_name_must_match_id(run, sample: Path) -> None:
    (sample / "controls/5.15.yaml").rename(sample / "controls/access.yaml")
    result = run("--root", str(sample), "check")
    assert "controls/access.yaml:3:1: error: file name does not match the control id '5.15': rename the file to 5.15.yaml" in result.out


def test_unquoted_id_is_a_float(run, sample: Path) -> None:
    path = sample / "controls/5.10.yaml"
    edit(path, 'id: "5.10"', "id: 5.10")
    result = run("--root", str(sample), "check")
    assert result.code == 1
    line = line_of(path, "id: 5.10")
    (message,) = errors(result, "controls/5.10.yaml")
    assert message.startswith(f"controls/5.10.yaml:{line}:5: error: 'id': control id 5.10 must be a quoted string: write it as \"5.10\"")
    assert "unquoted, YAML reads it as a number" in message


def test_unknown_key_is_rejected_with_a_suggestion(run, sample: Path) -> None:
    path = sample / "controls/5.15.yaml"
    edit(path, "reason_note:", "reason_notes:")
    result = run("--root", str(sample), "check")
    line = line_of(path, "reason_notes:")
    assert f"controls/5.15.yaml:{line}:1: error: unknown key 'reason_notes' (did you mean 'reason_note'?)" in result.out


def test_unknown_key_in_profile(run, sample: Path) -> None:
    path = sample / "manual_src/profile.yaml"
    edit(path, "  employees: 60", "  employes: 60")
    result = run("--root", str(sample), "check")
    line = line_of(path, "employes:")
    assert f"manual_src/profile.yaml:{line}:3: error: unknown key 'employes' (did you mean 'employees'?)" in result.out


def test_excluded_control_needs_justification(run, sample: Path) -> None:
    path = sample / "controls/8.30.yaml"
    text = path.read_text(encoding="utf-8")
    # drop the folded 'exclusion: >-' block (the key and its indented lines)
    path.write_text(re.sub(r"^exclusion: >-\n(?:  .*\n)+", "", text, flags=re.MULTILINE), encoding="utf-8")
    assert "exclusion" not in path.read_text(encoding="utf-8")
    result = run("--root", str(sample), "check")
    line = line_of(path, "applicable: false")
    assert f"controls/8.30.yaml:{line}:1: error: an excluded control needs an 'exclusion' justification" in result.out


def test_applicable_control_needs_reasons_status_owner(run, sample: Path) -> None:
    path = sample / "controls/5.15.yaml"
    edit(path, "reasons: [risk_treatment, contractual]\n", "")
    edit(path, "status: implemented\n", "")
    edit(path, "owner: it_manager\n", "")
    result = run("--root", str(sample), "check")
    line = line_of(path, "applicable: true")
    out = result.out
    assert f"controls/5.15.yaml:{line}:1: error: an applicable control needs 'reasons'" in out
    assert f"controls/5.15.yaml:{line}:1: error: an applicable control needs 'status'" in out
    assert f"controls/5.15.yaml:{line}:1: error: an applicable control needs an 'owner'" in out


def test_planned_control_needs_target_date(run, sample: Path) -> None:
    path = sample / "controls/5.15.yaml"
    edit(path, "status: implemented", "status: planned")
    result = run("--root", str(sample), "check")
    line = line_of(path, "status: planned")
    assert f"controls/5.15.yaml:{line}:1: error: status 'planned' needs a 'target_date'" in result.out


def test_procedure_must_have_real_content(run, sample: Path) -> None:
    path = sample / "controls/5.15.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("procedure: |")] + "procedure: |\n  手順は別途定める。TODO\n", encoding="utf-8")
    result = run("--root", str(sample), "check")
    line = line_of(path, "procedure: |")
    assert f"controls/5.15.yaml:{line}:1: error: the procedure is too short to be real" in result.out
    assert f"controls/5.15.yaml:{line + 1}:" in result.out and "placeholder text 'TODO'" in result.out


def test_unknown_owner_role(run, sample: Path) -> None:
    path = sample / "controls/5.15.yaml"
    edit(path, "owner: it_manager", "owner: it_manger")
    result = run("--root", str(sample), "check")
    line = line_of(path, "owner: it_manger")
    assert f"controls/5.15.yaml:{line}:1: error: owner 'it_manger' is not a role in the profile" in result.out


def test_role_holder_must_be_a_person(run, sample: Path) -> None:
    path = sample / "manual_src/profile.yaml"
    edit(path, "holders: [kato]", "holders: [katou]")
    result = run("--root", str(sample), "check")
    line = line_of(path, "holders: [katou]")
    assert f"manual_src/profile.yaml:{line}:" in result.out
    assert "error: person 'katou' is not defined in the profile" in result.out


def test_person_department_must_exist(run, sample: Path) -> None:
    path = sample / "manual_src/profile.yaml"
    edit(path, "department: quality}", "department: qa}")
    result = run("--root", str(sample), "check")
    line = line_of(path, "department: qa}")
    col = path.read_text(encoding="utf-8").splitlines()[line - 1].index("department: qa}") + 1
    assert f"manual_src/profile.yaml:{line}:{col}: error: department 'qa' is not defined in the profile" in result.out


def test_tailored_items_need_reasons_and_review_interval(run, sample: Path) -> None:
    path = sample / "controls/5.15.yaml"
    edit(path, "    reason: 当社は規模が小さく専任のアクセス管理部署がないため、承認者を所属部門の責任者とした。\n", "")
    edit(path, "    review_months: 6\n", "")
    result = run("--root", str(sample), "check")
    assert "error: a modified item needs its 修正理由 in 'reason'" in result.out
    assert "error: a technical verification item (技術的検証項目) needs 'review_months'" in result.out


def test_manual_must_cover_every_clause(run, sample: Path) -> None:
    chapter = next((sample / "manual_src/manual").glob("06_*.rst"))
    edit(chapter, ".. _clause-6.1.3:", "")
    result = run("--root", str(sample), "check")
    assert result.code == 1
    assert "manual_src/manual:1:1: error: clause 6.1.3 is not covered by the manual (clauses 4-10 cannot be excluded)" in result.out


def test_undefined_template_variable_in_manual(run, sample: Path) -> None:
    chapter = next((sample / "manual_src/manual").glob("04_*.rst"))
    lines = chapter.read_text(encoding="utf-8").splitlines()
    target = next(i for i, ln in enumerate(lines) if ln.strip() and not ln.startswith((".", "=", "-", " ")) and i > 5)
    lines[target] += " {{ org.nmae }}"
    chapter.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("--root", str(sample), "check")
    rel = f"manual_src/manual/{chapter.name}"
    assert f"{rel}:{target + 1}:1: error: undefined template variable:" in result.out
    assert "nmae" in result.out


def test_undefined_role_in_procedure(run, sample: Path) -> None:
    path = sample / "controls/5.15.yaml"
    edit(path, "{{ roles.it_manager.name }}は、承認済み", "{{ roles.it_boss.name }}は、承認済み")
    result = run("--root", str(sample), "check")
    line = line_of(path, "roles.it_boss")
    # Named by its path, with what is there: not by the Python type that holds the roles.
    assert f"controls/5.15.yaml:{line}:1: error: undefined template variable: 'roles.it_boss' is not defined; roles has: ciso, " in result.out
    assert "it_manager" in result.out and "_Attrs" not in result.out


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("{{ information.nc_programme }}", "'information.nc_programme' is not defined; information has: "),
        ("{{ roles.ciso.nmae }}", "'roles.ciso.nmae' is not defined; roles.ciso has: deputy, holder_names, holders, id, name, name_en, responsibilities"),
        ("{{ docs.physical_policy.number }}", "'docs.physical_policy' is not defined; docs has: "),
        ("{{ nothing_like_this }}", "'nothing_like_this' is undefined"),
    ],
)
def test_an_undefined_name_is_reported_by_its_path(expression: str, message: str) -> None:
    from isms.model import build_documents, template_context
    from isms.model.templating import render
    from isms.sources.loader import TextSource, load_sources

    sources, _ = load_sources(REPO)
    assert sources.profile is not None
    documents = build_documents(sources.profile, [p.entry for p in sources.policies], {}, set())
    source = TextSource(REPO / "controls/5.15.yaml", f"本文 {expression}", 10)
    rendered, problems = render(source, template_context(sources.profile, documents))
    assert rendered is None and len(problems) == 1 and message in problems[0].message, problems
    assert problems[0].line == 10 and "_Attrs" not in problems[0].message


def test_rest_error_reported_with_its_line(run, sample: Path) -> None:
    path = sample / "controls/5.15.yaml"
    edit(path, "  適用範囲\n  ========\n", "  適用範囲\n  ====\n")
    result = run("--root", str(sample), "check")
    line = line_of(path, "  適用範囲")
    assert f"controls/5.15.yaml:{line + 1}:1: error: reST warning: Title underline too short." in result.out
    assert "a Japanese character counts as two columns" in result.out


def test_broken_cross_reference(run, sample: Path) -> None:
    path = sample / "controls/5.15.yaml"
    edit(path, ":ref:`pol-access_control`", ":ref:`pol-acess_control`")
    result = run("--root", str(sample), "check")
    line = line_of(path, "pol-acess_control")
    assert f"controls/5.15.yaml:{line}:1: error: reST error: reference target 'pol-acess_control' not found" in result.out


def test_yaml_syntax_error_names_the_line(run, sample: Path) -> None:
    path = sample / "controls/5.15.yaml"
    edit(path, "reason_note: >-", "reason_note: 理由: 顧客要求")
    result = run("--root", str(sample), "check")
    line = line_of(path, "reason_note: 理由")
    assert f"controls/5.15.yaml:{line}:" in result.out
    assert "YAML syntax" in result.out


def test_binary_file_gives_a_message_not_a_traceback(run, sample: Path) -> None:
    (sample / "controls/5.15.yaml").write_bytes(b"\xff\xfe\x00garbage")
    result = run("--root", str(sample), "check")
    assert result.code == 1
    assert "controls/5.15.yaml:1:1: error: not UTF-8 text" in result.out
    assert "Traceback" not in result.out + result.err


def test_usage_errors_exit_2(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without a profile, the command speaks the user's locale: English, or Japanese for ja_JP.
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    result = run("--root", str(tmp_path), "check")
    assert result.code == 2
    assert f"error: no ISMS sources found at or above {tmp_path}" in result.err
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    result = run("--root", str(tmp_path), "check")
    assert result.code == 2
    assert f"エラー: {tmp_path} とその上のフォルダーに ISMS の原稿が見つかりません" in result.err


def test_bad_command_line_exits_2(run) -> None:
    try:
        run("no-such-command")
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("argparse should exit 2")


def test_inline_markup_glued_to_japanese_text(run, sample: Path) -> None:
    # docutils accepts both lines; pandoc would print them raw into the Word files.
    path = sample / "controls/5.15.yaml"
    edit(path, "結果と是正内容をアクセス権見直し記録に残し", "結果と是正内容を**必ず**アクセス権見直し記録に残し")
    edit(path, "(詳細は\\ :ref:`ctl-5.18`\\ 及び", "(詳細は\\ :ref:`ctl-5.18`及び")
    result = run("--root", str(sample), "check")
    assert result.code == 1
    strong = line_of(path, "**必ず**")
    role = line_of(path, ":ref:`ctl-5.18`及び")
    assert f"controls/5.15.yaml:{strong}:1: error: inline markup '**必ず**' is glued to Japanese text" in result.out
    assert f"controls/5.15.yaml:{role}:1: error: inline markup ':ref:`ctl-5.18`' is glued to Japanese text" in result.out
    assert "separate it with '\\ '" in result.out


def test_templates_are_compiled_ahead_only_while_the_cache_lacks_them(tmp_path: Path, monkeypatch) -> None:
    """A cold check forks a helper that compiles the texts' templates from the end of the list; once
    the last one is in the cache (an edit, a second check), none is forked: it would only load what
    the check loads, on the core Sphinx's process needs."""
    import os

    from isms import trust
    from isms.model import templating

    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("the helper runs only on two or more cores")
    monkeypatch.delenv("ISMS_CACHE_DIR", raising=False)
    root = tmp_path / "isms"
    (root / "build").mkdir(parents=True)
    texts = [(f"{{{{ organisation }}}} の手順 {number}", number % 2 == 0) for number in range(4)]
    helper = templating.compile_ahead(root, texts)
    assert helper is not None
    trust.stop_filling(helper)
    templating._template(templating._PLAIN_ENV if texts[-1][1] else templating._ENV, texts[-1][0], root)
    assert templating.compile_ahead(root, texts) is None
    helper = templating.compile_ahead(root, [*texts, ("新しい文 {{ organisation }}", False)])
    assert helper is not None  # a text the cache lacks at the end of the list: compiled ahead again
    trust.stop_filling(helper)


def test_a_build_leaves_the_parsed_files_as_parsed(run, built_sample: Path) -> None:
    """The process keeps each parsed YAML file for the next reader of the same text (isms.sources.yamlio):
    nothing a check, a build or a release does may change it, or a later reader would see that."""
    import io

    from ruamel.yaml import YAML

    from isms.sources import yamlio

    sample = built_sample
    edit(sample / "controls/8.13.yaml", "procedure: |\n", "procedure: |\n  改定した手順の前書き。\n\n")
    assert run("--root", str(sample), "check").code == 0
    assert run("--root", str(sample), "build").code == 0
    assert run("--root", str(sample), "release", "1.1", "--summary", "改定", "--date", "2026-05-01").code == 0
    assert run("--root", str(sample), "check").code == 0

    def dumped(data: object) -> str:
        out = io.StringIO()
        YAML().dump(data, out)
        return out.getvalue()

    files = sorted(path for name in ("manual_src", "controls", "policy_templates") for path in (sample / name).rglob("*.yaml"))
    kept = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        key = yamlio._parsed_key(text)
        if key in yamlio._in_process:
            fresh, _ = yamlio._parse(path, text)
            assert dumped(yamlio._in_process[key]) == dumped(fresh), path
            kept += 1
    assert kept > 100


def test_a_reader_that_went_away_gets_no_traceback() -> None:
    """`isms catalogue | head -1`: the pipe's reader is gone before the command writes (closed here
    first, so the write fails every time), and the command stops quietly with the shell's code."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run([sys.executable, "-m", "isms.cli", "catalogue"], stdout=write_end, stderr=subprocess.PIPE, timeout=120, check=False)
    finally:
        os.close(write_end)
    assert result.returncode == 141 and result.stderr == b"", result.stderr.decode()


def test_a_policy_heading_is_its_title_in_policies_yaml(run, sample: Path) -> None:
    """The title is said once: a heading that differs from policies.yaml is refused at the heading."""
    path = sample / "policy_templates/policies/backup.rst"
    edit(path, "バックアップ方針\n", "バックアップ規程\n")
    result = run("--root", str(sample), "check")
    assert result.code == 1
    assert (
        f"policy_templates/policies/backup.rst:{line_of(path, 'バックアップ規程')}:1: error: the title 'バックアップ規程' is not the policy's title "
        "in policy_templates/policies.yaml ('バックアップ方針')"
    ) in result.out, result.out


def test_a_text_in_force_citing_an_excluded_control_is_warned_about(run, sample: Path) -> None:
    """8.14 relies on 7.11 for support utilities: with 7.11 excluded, the SoA and the procedure
    disagree for an auditor. A sentence about the exclusion itself (8.28 on 8.25) is in order."""
    control = sample / "controls/8.14.yaml"
    text = control.read_text(encoding="utf-8")
    control.write_text(text.rstrip("\n") + "\n\n  電源設備の点検は\\ :ref:`ctl-8.25`\\ の手順による。\n", encoding="utf-8")
    result = run("--root", str(sample), "check")
    assert result.code == 0, result.out
    warnings = [line for line in result.lines() if "which the SoA excludes" in line]
    assert warnings == [
        f"controls/8.14.yaml:{line_of(control, 'ctl-8.25')}:1: warning: cites control 8.25 (Secure development life cycle), which the SoA "
        "excludes (8.25.yaml): remove or reword the reference, or make 8.25 applicable"
    ], result.out


def test_one_problem_prints_one_line() -> None:
    """A newline in a file name or a quoted value cannot forge (or hide) a problem line."""
    from isms.problems import Problem

    line = Problem(Path("controls/a\nb.yaml"), 3, 1, "value 'x\ncontrols/5.1.yaml:1:1: error: fake'").format()
    assert "\n" not in line and line == "controls/a\\x0ab.yaml:3:1: error: value 'x\\x0acontrols/5.1.yaml:1:1: error: fake'"

"""Stray spaces (issue #15): `isms check` names the source line of every space that would print in the
middle of Japanese text, and the rule itself (isms.check.rst.STRAY_SPACE) on printed text.

The outputs of the sample are scanned with the same rule in test_docx.py (every Word and HTML file).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import edit, line_of
from isms.check.rst import stray_spaces

STRAY = "error: stray space in"


@pytest.mark.parametrize(
    "text",
    [
        "変更時と毎月末( 8.9 構成管理 実施手順書(ISMS-C-8-09) )",  # just inside brackets
        "全社教育で 内容を説明し",  # a source line break printed as a space
        "速報し、 30日以内に確報する",  # after Japanese punctuation
        "理解: 「外部及び内部の課題」",  # before a Japanese bracket
        "5.33 記録の保護 の期間残す",  # a reference followed by a particle
        "(see the policy )",  # any language: not inside brackets
    ],
)
def test_the_rule_finds_stray_spaces(text: str) -> None:
    assert stray_spaces(text), text


@pytest.mark.parametrize(
    "text",
    [
        "トップマネジメント 港 健一",  # a name, and a role before it
        "5.15 アクセス制御",  # a number and its title
        "Intune の構成プロファイル",  # a Latin word in Japanese text
        "リスク値 24 → 残留リスク 12",
        "☐ 適合 ☐ 不適合",
        "Microsoft 365(メール、OneDrive)",
        "The policy (ISMS-P-01) applies.",
    ],
)
def test_the_rule_leaves_word_separators_alone(text: str) -> None:
    assert not stray_spaces(text), text


def test_check_names_the_source_line_of_each_stray_space(run, sample: Path) -> None:
    procedure = sample / "controls/5.15.yaml"
    edit(procedure, "  ECプラットフォームの管理画面、及び書類を保管するキャビネット・書庫。", "  ECプラットフォームの管理画面( :ref:`ctl-8.9` )、及び書類を保管するキャビネット・書庫。")
    edit(procedure, "  方針は\\ :ref:`pol-access_control`\\ に定める。", "  方針は :ref:`pol-access_control` に定める。")
    edit(procedure, "     必要な権限(閲覧・更新)及び利用期間を記入して申請する。", "     必要な権限(閲覧・更新)及び 利用期間を記入して申請する。")
    edit(procedure, "  主要顧客との秘密保持契約で、図面へのアクセスを", "  主要顧客との秘密保持契約( NDA )で、図面へのアクセスを")
    chapter = sample / "manual_src/manual/05_leadership.rst"
    edit(chapter, "目的(:ref:`clause-6.2`)を経営計画", "目的( :ref:`clause-6.2`)を経営計画")
    result = run("--root", str(sample), "check")
    assert result.code == 1
    brackets = line_of(procedure, "管理画面( :ref:")
    markup = line_of(procedure, "方針は :ref:")
    particle = line_of(procedure, "及び 利用期間")
    reason = line_of(procedure, "reason_note:")
    manual = line_of(chapter, "目的( :ref:")
    found = [line for line in result.lines() if STRAY in line]
    assert f"controls/5.15.yaml:{brackets}:1: {STRAY} 'の管理画面( … )、及び': Japanese text has no space next to brackets, punctuation, kana or inline markup: remove it (write '\\ ' where reST needs a separator around markup)" in found
    assert sum(line.startswith(f"controls/5.15.yaml:{brackets}:") for line in found) == 2, "both spaces inside the brackets"
    assert sum(line.startswith(f"controls/5.15.yaml:{markup}:") for line in found) == 2, "before and after the reference"
    assert any(line.startswith(f"controls/5.15.yaml:{particle}:1: {STRAY} '") for line in found)
    assert sum(line.startswith(f"controls/5.15.yaml:{reason}:") and "( NDA )" in line for line in found) == 2, "a YAML text, at its key"
    assert any(line.startswith(f"manual_src/manual/05_leadership.rst:{manual}:1: {STRAY}") for line in found)
    assert len(found) == 8, "\n".join(found)


def test_escaped_spaces_and_literal_text_are_not_stray(run, sample: Path) -> None:
    procedure = sample / "controls/5.15.yaml"
    edit(
        procedure,
        "  適用範囲\n  ========\n",
        "  適用範囲\n  ========\n\n  設定例は次のとおり::\n\n     ( literal )  は そのまま\n\n  ``( code )``\\ は\\ **強調**\\ と同じく印字される。\n",
    )
    result = run("--root", str(sample), "check")
    assert result.code == 0, result.out


def test_a_full_width_space_keeps_an_address_apart(run, sample: Path) -> None:
    """A half-width space before a building's name is a stray space, at the profile value; the
    full-width space Japanese addresses use passes, and every document prints it as written."""
    from isms.rsttext import esc

    profile = sample / "manual_src/profile.yaml"
    edit(profile, "  address: 神奈川県川崎市高津区坂戸三丁目2番1号\n", "  address: 神奈川県川崎市高津区坂戸三丁目2番1号 みなとビル5階\n")
    result = run("--root", str(sample), "check")
    assert result.code == 1 and result.lines()[0].startswith(f"manual_src/profile.yaml:{line_of(profile, 'みなとビル')}:3: error: stray space"), result.out
    assert "full-width space" in result.lines()[0]
    edit(profile, "2番1号 みなとビル5階", "2番1号\u3000みなとビル5階")
    assert run("--root", str(sample), "check").code == 0
    assert esc("坂戸三丁目2番1号\u3000みなとビル5階  (本社)") == "坂戸三丁目2番1号\u3000みなとビル5階 (本社)"

"""Versioned releases (issue 5): the ledger fills every document's 版数, dates and history; nobody
types a revision-history row."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import edit, line_of, reseal
from isms.check import check
from isms.cli.common import prepare
from isms.i18n import t
from isms.ledger import LEDGER_PATH, SNAPSHOT_DIR, Versions

NEW_CONTROL = """\
id: "8.25"
applicable: true
reasons: [business]
reason_note: 生産管理システムの改修を社内で始めるため、開発のライフサイクルを管理する。
status: planned
target_date: 2026-12-31
owner: it_manager
procedure: |
  目的
  ====

  社内で行うソフトウェア開発の各段階で情報セキュリティを確保する。開発を始める前に要求事項を定め、
  設計・実装・試験・リリースの各段階で情報システム管理者が確認し、その記録を残す。開発環境と本番環境を
  分離し、ソースコードへのアクセスを開発担当者に限定する。リリースの前には受入れ試験を行い、結果を記録する。
"""

MIN_ASSETS = """\
assets:
  - {id: A-001, group: 顧客図面, name: 顧客図面データ, form: data, owner: ciso, location: ファイルサーバ, confidentiality: 3, integrity: 2, availability: 2}
"""
MIN_RISKS = """\
risks:
  - {id: R-001, asset: A-001, threat: 不正アクセス, vulnerability: 弱いパスワード, impact: 3, likelihood: 3, treatment: reduce,
     controls: ["5.17"], plan: 多要素認証を導入する, residual: {impact: 1, likelihood: 1}}
"""


@pytest.fixture
def isms_root(sample: Path) -> Path:
    """The sample copy without its release ledger; minimal risk files if the sample has none."""
    (sample / LEDGER_PATH).unlink(missing_ok=True)
    shutil.rmtree(sample / SNAPSHOT_DIR, ignore_errors=True)
    for name, text in (("assets.yaml", MIN_ASSETS), ("risks.yaml", MIN_RISKS)):
        if not (sample / "manual_src" / name).exists():
            (sample / "manual_src" / name).write_text(text, encoding="utf-8")
    return sample


def model(root: Path) -> Versions:
    """The documents' versions as a build computes them."""
    prepared, problems = prepare(root)
    assert prepared is not None, problems
    return prepared.versions


def release(run, root: Path, version: str, *extra: str):
    return run("--root", str(root), "release", version, *extra)


def said(result) -> str:
    """stderr with the console's line wrapping undone."""
    return " ".join(result.err.split())


def drafts(root: Path) -> set[str]:
    return {doc_id for doc_id, v in model(root).documents.items() if v.draft}


def test_three_releases_fill_versions_dates_and_histories(run, isms_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = isms_root
    monkeypatch.setattr("isms.ledger.today", lambda: dt.date(2027, 4, 1))  # the last release below is dated then
    status = run("--root", str(root), "status")
    assert status.code == 0
    assert "新規: ISMS-C-5-15 5.15 アクセス制御 実施手順書" in status.lines()  # the profile's language
    assert all(v.draft and v.version == 0 for v in model(root).documents.values())

    # 1.0: 制定
    result = release(run, root, "1.0", "--summary", "制定", "--date", "2026-04-01")
    assert result.code == 0, result.err
    ledger = root / LEDGER_PATH
    assert ledger.read_text(encoding="utf-8").startswith("# yaml-language-server")
    assert (root / SNAPSHOT_DIR / "1.0" / "ctl-5.15.rst").is_file()
    assert drafts(root) == set()
    assert run("--root", str(root), "status").lines() == []
    # An editor's comment in the ledger survives the next release (round trip).
    edit(ledger, "  - version: \"1.0\"", "  # 審査済み: PR #1\n  - version: \"1.0\"")

    # An edit turns exactly that document, and the register that lists its version, into a draft.
    control = root / "controls/5.15.yaml"
    edit(control, "情報の機密分類に基づいて制御し", "情報の機密分類及び多要素認証の要否に基づいて制御し")
    assert drafts(root) == {"ctl-5.15", "register"}
    lines = run("--root", str(root), "status").lines()
    assert "改定: ISMS-C-5-15 5.15 アクセス制御 実施手順書" in lines
    assert "改定: ISMS-R-02 文書管理台帳" in lines and len(lines) == 2

    # The 新旧対照表 against the working sources marks the changed passage.
    result = run("--root", str(root), "diff")
    assert result.code == 0, result.err
    html_path, docx_path = result.lines()[-2:]
    assert html_path.endswith(".html") and docx_path.endswith(".docx") and (root / docx_path).is_file()
    page = (root / html_path).read_text(encoding="utf-8")
    assert "5.15 アクセス制御 実施手順書" in page
    assert re.search(r'<span class="diff_(add|chg)">[^<]*多要素認証の要否', page)

    result = release(run, root, "1.1", "--summary", "アクセス制御の見直し", "--date", "2026-10-01",
                     "--change", "ctl-5.15=多要素認証の要否を追加")  # fmt: skip
    assert result.code == 0, result.err
    assert "# 審査済み: PR #1" in ledger.read_text(encoding="utf-8")

    # 1.10 (after 1.9, numerically): a control newly made applicable gets its first version.
    (root / "controls/8.25.yaml").write_text(NEW_CONTROL, encoding="utf-8")
    assert "新規: ISMS-C-8-25 8.25 セキュリティに配慮した開発のライフサイクル 実施手順書" in run("--root", str(root), "status").lines()
    result = release(run, root, "1.10", "--summary", "開発管理策の適用", "--date", "2027-04-01")
    assert result.code == 0, result.err
    assert release(run, root, "1.9", "--summary", "x").code == 1

    versions = model(root).documents
    access = versions["ctl-5.15"]
    assert (access.version, access.draft, access.issued, access.revised) == (2, False, dt.date(2026, 4, 1), dt.date(2026, 10, 1))
    rows = [(r.version, r.release, r.date.isoformat(), r.summary) for r in access.revisions]
    assert rows == [(1, "1.0", "2026-04-01", "制定"), (2, "1.1", "2026-10-01", "多要素認証の要否を追加")]
    first = access.revisions[0]
    assert (first.author, first.reviewer, first.approver) == ("ISMS事務局 小林 直樹", "情報セキュリティ管理責任者 田中 美咲", "トップマネジメント 港 健一")
    manual = versions["manual"]
    assert (manual.version, manual.issued, manual.revised) == (1, dt.date(2026, 4, 1), None)
    new = versions["ctl-8.25"]
    assert [(r.version, r.release) for r in new.revisions] == [(1, "1.10")] and new.issued == dt.date(2027, 4, 1)
    assert [r.release for r in versions["register"].revisions] == ["1.0", "1.1", "1.10"]
    assert [r.release for r in versions["soa"].revisions] == ["1.0", "1.10"]
    assert not any(v.draft for v in versions.values())

    # Between two releases: only what changed then; old text beside new text.
    result = run("--root", str(root), "diff", "1.0", "1.1")
    assert result.code == 0
    assert "改定: ISMS-C-5-15 5.15 アクセス制御 実施手順書" in result.lines()
    assert not any("8.25" in line for line in result.lines())
    page = (root / result.lines()[-2]).read_text(encoding="utf-8")
    assert "旧 (1.0)" in page and "新 (1.1)" in page

    # The site shows the real versions, the history table and a page per release.
    edit(root / "controls/5.16.yaml", "\nprocedure: |\n", "\nprocedure: |\n  改定案の一文。\n\n")
    result = run("--root", str(root), "build", "--only", "html")
    assert result.code == 0, result.out + result.err
    html = root / "build/html"
    access_page = _text(html / "controls/5.15.html")
    assert "版数 2" in access_page and "制定/改定日 2026-10-01" in access_page
    assert "制定 / 改定履歴" in access_page
    assert "2 多要素認証の要否を追加 トップマネジメント 港 健一 情報セキュリティ管理責任者 田中 美咲 ISMS事務局 小林 直樹 2026-10-01 (1.1)" in access_page
    assert "改定案: 未承認の変更を含む" in _text(html / "controls/5.16.html")
    assert "改定案" not in access_page
    # The history is a frame filled in as the page is written (isms.render.html.frames): still
    # wrapped by the theme like every table, and without a parser's message.
    raw = (html / "controls/5.15.html").read_text(encoding="utf-8")
    assert re.search(r'<div class="table-wrapper[^"]*isms-history[^"]*">\s*<table', raw)
    assert "system-message" not in raw
    register = _text(html / "register.html")
    assert "ISMS-C-5-15 5.15 アクセス制御 実施手順書 手順書 社外秘 情報システム管理者 (加藤 翔太) 2 2026-10-01" in register
    assert "版数 3 (改定案)" in register  # 5.16's edit is listed by the register
    release_page = _text(html / "releases/1.1.html")
    assert "改定 ISMS-C-5-15 5.15 アクセス制御 実施手順書 2 多要素認証の要否を追加" in release_page
    assert "8.25" not in release_page.split("変更された文書")[1].split("Next")[0]


def _text(path: Path) -> str:
    from html import unescape

    text = re.sub(r"<script.*?</script>|<style.*?</style>", "", path.read_text(encoding="utf-8"), flags=re.S)
    text = re.sub(r'<span class="isms-id">([^<]*)</span>', r"\1", text)  # identifiers kept whole: part of their text
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)))


def test_release_refusals(run, isms_root: Path) -> None:
    root = isms_root
    ledger = root / LEDGER_PATH
    # isms check fails: nothing recorded.
    edit(root / "controls/5.15.yaml", "applicable: true", "applicable: maybe")
    result = release(run, root, "1.0", "--summary", "制定")
    assert result.code == 1 and "リリースは記録していません" in result.err and not ledger.exists()
    edit(root / "controls/5.15.yaml", "applicable: maybe", "applicable: true")
    # Unknown person or role.
    result = release(run, root, "1.0", "--summary", "制定", "--reviewer", "nobody")
    assert result.code == 1 and "リリースを記録できません: --reviewer 'nobody' は manual_src/profile.yaml の役割にも個人にもありません" in said(result)
    # Segregation of duties (5.3): the approver wrote it, as a role or as the person holding it.
    for author in ("top_management", "minato"):
        result = release(run, root, "1.0", "--summary", "制定", "--author", author)
        assert result.code == 1 and t("release_self_approval", "ja", approver="トップマネジメント 港 健一", author="トップマネジメント 港 健一") in said(result), result.err
    assert not ledger.exists()
    assert release(run, root, "1.0", "--summary", "制定").code == 0
    # The version must increase, numerically; something must have changed.
    result = release(run, root, "0.9", "--summary", "x")
    assert result.code == 1 and t("release_not_after", "ja", version="0.9", last="1.0") in said(result)
    result = release(run, root, "1.1", "--summary", "x")
    assert result.code == 1 and t("release_nothing_changed", "ja", last="1.0") in said(result)
    # Self-approval only when the profile allows it.
    edit(root / "manual_src/profile.yaml", "allow_self_approval: false", "allow_self_approval: true")
    result = release(run, root, "1.1", "--summary", "承認方法の変更", "--author", "top_management")
    assert result.code == 0, result.err


def test_signer_names_are_frozen_at_release_time(run, isms_root: Path) -> None:
    """An approved history row keeps the names it was signed with: a later change of people or
    roles in the profile must not rewrite it (audit trail)."""
    root = isms_root
    ledger = root / LEDGER_PATH
    profile = root / "manual_src/profile.yaml"
    result = release(run, root, "1.0", "--summary", "制定", "--date", "2026-04-01", "--author", "kobayashi")
    assert result.code == 0, result.err
    text = ledger.read_text(encoding="utf-8")
    assert "    author: kobayashi\n    author_name: ISMS事務局 小林 直樹\n" in text
    assert "    reviewer: ciso\n    reviewer_name: 情報セキュリティ管理責任者 田中 美咲\n" in text
    assert "    approver: top_management\n    approver_name: トップマネジメント 港 健一\n" in text

    # Personnel change: 小林 leaves (moved to former_people: the records still name him), 吉田 takes
    # over the secretariat, and the CISO is renamed. The check still passes and the 1.0 row is unchanged.
    edit(profile, "  - {id: kobayashi, name: 小林 直樹, title: 経営企画室 主任, department: planning}\n", "")
    edit(profile, "\n# ISMSの役割", "\nformer_people:\n  - {id: kobayashi, name: 小林 直樹, title: 経営企画室 主任, department: planning, left: 2026-05-31}\n\n# ISMSの役割")
    edit(profile, "holders: [kobayashi]", "holders: [yoshida]")
    edit(root / "manual_src/risks.yaml", "owner_approval: {by: kobayashi,", "owner_approval: {by: yoshida,")  # the new risk owner re-approves
    edit(profile, "田中 美咲", "田中 美咲(旧姓 山本)")
    first = model(root).documents["ctl-5.15"].revisions[0]
    assert (first.author, first.reviewer, first.approver) == ("ISMS事務局 小林 直樹", "情報セキュリティ管理責任者 田中 美咲", "トップマネジメント 港 健一")

    # Entries written without names fall back to the current profile; an id it no longer knows is a problem.
    edit(ledger, "    reviewer_name: 情報セキュリティ管理責任者 田中 美咲\n", "")
    edit(ledger, "    author_name: ISMS事務局 小林 直樹\n", "")
    text = ledger.read_text(encoding="utf-8")  # nor the signers of each document, nor their names
    ledger.write_text(re.sub(r"    (signers|signed):\n(      .*\n)+", "", text), encoding="utf-8")
    reseal(ledger)  # such entries were written by the tool before names were recorded
    _, problems = check(root)
    assert [p.message for p in problems] == ["release 1.0: author 'kobayashi' is neither a role nor a person in the profile"]
    edit(ledger, "    author: kobayashi\n", "    author: secretariat\n")
    reseal(ledger)
    first = model(root).documents["ctl-5.15"].revisions[0]
    assert (first.author, first.reviewer) == ("ISMS事務局 吉田 彩", "情報セキュリティ管理責任者 田中 美咲(旧姓 山本)")


def test_tag_commits_the_ledger_and_refuses_other_changes(run, isms_root: Path) -> None:
    """--tag: the tag names a commit that holds the released sources and the new ledger entry; the
    tool commits only the ledger files, and refuses (writing nothing) when anything else is uncommitted."""
    root = isms_root
    ledger = root / LEDGER_PATH

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout

    git("init", "-q")
    git("config", "user.email", "t@example.com")
    git("config", "user.name", "t")
    git("add", ".")
    git("commit", "-q", "-m", "sample")

    # An uncommitted edit: refused before anything is written.
    edit(root / "controls/5.15.yaml", "情報の機密分類に基づいて制御し", "情報の機密分類及び多要素認証の要否に基づいて制御し")
    (root / "controls/notes.txt").write_text("untracked\n", encoding="utf-8")
    result = release(run, root, "1.0", "--summary", "制定", "--tag")
    assert result.code == 1
    assert "作業ツリーに台帳以外の未コミットの変更があり (controls/5.15.yaml, controls/notes.txt)" in said(result)
    assert not ledger.exists() and not (root / SNAPSHOT_DIR).exists() and git("tag") == ""

    (root / "controls/notes.txt").unlink()
    git("commit", "-q", "-am", "5.15: 多要素認証")
    before = git("rev-parse", "HEAD").strip()
    result = release(run, root, "1.0", "--summary", "制定", "--tag")
    assert result.code == 0, result.err
    assert "新規: ISMS-C-5-15 5.15 アクセス制御 実施手順書" in result.lines()  # number and title, not the id
    assert "コミットしてタグ isms-1.0 を付けました" in said(result)
    assert git("status", "--porcelain", "--untracked-files=all") == ""
    assert git("rev-parse", "isms-1.0^{commit}") == git("rev-parse", "HEAD")
    assert git("rev-parse", "HEAD~1").strip() == before
    assert git("log", "-1", "--format=%s") == "ISMS release 1.0: 制定\n"
    assert git("show", "isms-1.0:manual_src/releases.yaml") == ledger.read_text(encoding="utf-8")
    assert "多要素認証の要否" in git("show", "isms-1.0:manual_src/releases/1.0/ctl-5.15.rst")
    assert set(git("show", "--name-only", "--format=", "HEAD").split()) == {
        LEDGER_PATH.as_posix(), *(f"{SNAPSHOT_DIR.as_posix()}/1.0/{p.name}" for p in (root / SNAPSHOT_DIR / "1.0").iterdir())
    }

    # A commit that fails (here a hook) rolls the release back: recorded, committed and tagged, or nothing.
    edit(root / "controls/5.15.yaml", "多要素認証の要否", "多要素認証の要否及び例外の承認")
    git("commit", "-q", "-am", "5.15: 例外")
    hook = root / ".git/hooks/pre-commit"
    hook.write_text("#!/bin/sh\necho ledger needs a review >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    ledger_text = ledger.read_text(encoding="utf-8")
    result = release(run, root, "1.1", "--summary", "例外の承認", "--tag")
    assert result.code == 1 and "git が台帳をコミットできませんでした: ledger needs a review。何も記録していません。" in said(result), result.err
    assert ledger.read_text(encoding="utf-8") == ledger_text and not (root / SNAPSHOT_DIR / "1.1").exists()
    assert git("status", "--porcelain", "--untracked-files=all") == "" and git("tag") == "isms-1.0\n"

    # A tag that exists already: refused before anything is written.
    hook.unlink()
    git("tag", "isms-1.1")
    result = release(run, root, "1.1", "--summary", "例外の承認", "--tag")
    # The check meets it first: a tag that names a release the ledger does not have.
    assert result.code == 1 and "delete it (`git tag -d isms-1.1`)" in result.out and "リリースは記録していません" in said(result)
    assert ledger.read_text(encoding="utf-8") == ledger_text


def test_each_document_is_signed_by_its_own_signers(run, isms_root: Path) -> None:
    """The ledger records, for each changed document, its author, reviewer and approver: the approver
    the profile declares for the document's type; segregation of duties is checked per document, when
    the release is made and by `isms check` for every recorded release."""
    root = isms_root
    ledger = root / LEDGER_PATH
    profile = root / "manual_src/profile.yaml"
    # The risk report is approved by the CISO, who also reviews the release: refused for that document.
    edit(profile, "risk_report: {owner: ciso, classification: secret}", "risk_report: {owner: ciso, approver: ciso, classification: secret}")
    result = release(run, root, "1.0", "--summary", "制定", "--date", "2026-04-01")
    assert result.code == 1 and not ledger.exists()
    assert "承認者 (情報セキュリティ管理責任者 田中 美咲) が risk-report の査問者 (情報セキュリティ管理責任者 田中 美咲) でもあります" in said(result)
    # A document's approver is the one the profile declares: another is refused.
    result = release(run, root, "1.0", "--summary", "制定", "--signers", "risk-report=,it_manager,top_management")
    assert result.code == 1 and "risk-report の承認者は、プロファイルがその種類に定める 'ciso' です。'top_management' は承認できません" in said(result)
    result = release(run, root, "1.0", "--summary", "制定", "--date", "2026-04-01", "--signers", "risk-report=,it_manager,")
    assert result.code == 0, result.err
    text = ledger.read_text(encoding="utf-8")
    assert "      risk-report: {author: secretariat, reviewer: it_manager, approver: ciso}\n" in text
    assert "      manual: {author: secretariat, reviewer: ciso, approver: top_management}\n" in text
    assert "      it_manager: {name: 情報システム管理者 加藤 翔太, people: [kato]}\n" in text

    # Revision histories (HTML and Word print these rows) show each document's own signers.
    versions = model(root).documents
    report, manual = versions["risk-report"].revisions[0], versions["manual"].revisions[0]
    assert (report.author, report.reviewer, report.approver) == ("ISMS事務局 小林 直樹", "情報システム管理者 加藤 翔太", "情報セキュリティ管理責任者 田中 美咲")
    assert (manual.reviewer, manual.approver) == ("情報セキュリティ管理責任者 田中 美咲", "トップマネジメント 港 健一")

    # A recorded document whose author is also its approver fails the check, at its line, even resealed.
    edit(ledger, "      ctl-5.15: {author: secretariat,", "      ctl-5.15: {author: top_management,")
    reseal(ledger)
    _, problems = check(root)
    line = next(n for n, text_line in enumerate(ledger.read_text(encoding="utf-8").splitlines(), start=1) if "ctl-5.15: {author: top_management" in text_line)
    assert [(p.line, p.message) for p in problems] == [(line, (
        "release 1.0: the approver (トップマネジメント 港 健一) also wrote ctl-5.15 (トップマネジメント 港 健一): segregation of duties "
        "(control 5.3) needs another approver; entries are written by `isms release`; do not edit them by hand; restore the file from git "
        "(or set approval.allow_self_approval: true in the profile)"
    ))]


def test_an_entry_without_document_signers_is_signed_by_the_release(run, sample: Path) -> None:
    """Entries written before per-document signers keep their seal and mean the release's signers for
    every document: their reviewer may not approve either."""
    ledger = sample / LEDGER_PATH
    assert "signed:" not in ledger.read_text(encoding="utf-8")
    edit(ledger, "    reviewer: ciso\n", "    reviewer: minato\n")  # 港 is top management, the approver
    reseal(ledger)
    _, problems = check(sample)
    line = next(n for n, text in enumerate(ledger.read_text(encoding="utf-8").splitlines(), start=1) if text == "    approver: top_management")
    assert [(p.line, p.col, p.message.split(":")[0]) for p in problems] == [(line, 5, "release 1.0")]
    assert "the approver (トップマネジメント 港 健一) also reviewed the release (情報セキュリティ管理責任者 田中 美咲)" in problems[0].message


def test_a_released_number_stays_with_its_document(run, sample: Path) -> None:
    """Release 1.0 printed 物理的及び環境的セキュリティ方針 as ISMS-P-10 and 情報セキュリティ継続方針 as
    ISMS-P-11. Reordering the policies would give each the other's number: refused at the entries.
    Renumbering all of them (the first policy starting at 2) moves continuity to a number no document
    held: a warning. 'seq' keeps the released numbers whatever the order."""
    index = sample / "policy_templates/policies.yaml"
    text = index.read_text(encoding="utf-8")
    physical = text[text.index("  - id: physical_security\n") : text.index("  - id: continuity\n")]
    index.write_text(text.replace(physical, "") + physical, encoding="utf-8")  # continuity before physical_security
    result = run("--root", str(sample), "check")
    assert result.code == 1
    continuity, physical_line = line_of(index, "- id: continuity"), line_of(index, "- id: physical_security")
    assert (
        f"policy_templates/policies.yaml:{continuity}:1: error: document number ISMS-P-10 was physical_security's in release 1.0: "
        "a released number stays with its document, so continuity may not take it"
    ) in result.out, result.out
    assert f"policy_templates/policies.yaml:{physical_line}:1: error: document number ISMS-P-11 was continuity's in release 1.0" in result.out

    # 'seq' gives each its released number back, in the new order.
    edit(index, "  - id: continuity\n", "  - id: continuity\n    seq: 11\n")
    edit(index, "  - id: physical_security\n", "  - id: physical_security\n    seq: 10\n")
    result = run("--root", str(sample), "check")
    assert result.code == 0 and "ISMS-P-1" not in result.out, result.out

    # All numbers shifted by one: every policy but the last takes another's number; the last moves to a new one.
    index.write_text(text, encoding="utf-8")
    edit(sample / "manual_src/profile.yaml", "  prefix: ISMS\n", "  prefix: ISMS\n  policy_start: 2\n")
    result = run("--root", str(sample), "check")
    assert result.code == 1
    assert result.out.count("error: document number ISMS-P-") == 10, result.out
    assert (
        f"policy_templates/policies.yaml:{line_of(index, '- id: continuity')}:1: warning: continuity was released as ISMS-P-11 "
        "and is now numbered ISMS-P-12"
    ) in result.out, result.out


def test_release_texts_with_control_characters_are_refused_before_anything_is_written(run, sample: Path) -> None:
    """The check refuses a ledger holding them, and an entry is sealed: refused here, nothing recorded."""
    ledger = (sample / LEDGER_PATH).read_text(encoding="utf-8")
    edit(sample / "controls/5.15.yaml", "情報の機密分類に基づいて制御し", "情報の機密分類及び多要素認証の要否に基づいて制御し")
    result = run("--root", str(sample), "release", "1.1", "--summary", "\x1b[31mRED\x07", "--date", "2026-05-01")
    assert result.code == 1 and t("release_bad_text", "ja", option="--summary", character="U+001B") in said(result), result.err
    result = run("--root", str(sample), "release", "1.1", "--summary", "改定", "--change", "ctl-5.15=順序\u202eの入替え", "--date", "2026-05-01")
    assert result.code == 1 and "--change ctl-5.15: 制御文字 U+202E は使えません" in said(result), result.err
    assert (sample / LEDGER_PATH).read_text(encoding="utf-8") == ledger and not (sample / SNAPSHOT_DIR / "1.1").exists()


def test_version_arguments_that_are_not_release_numbers_are_refused(run, sample: Path) -> None:
    """A path or an option in place of a version: a clean refusal, no traceback, nothing written."""
    for argument in ("../../x", "1.x", "1.0/../../../tmp/x"):
        result = run("--root", str(sample), "diff", argument)
        assert result.code == 1 and f"エラー: '{argument}' はリリース番号ではありません" in said(result), result.err
    result = run("--root", str(sample), "release", "01.1", "--summary", "x")
    assert result.code == 1 and t("release_bad_version", "ja", version="01.1") in said(result)
    assert not (sample / "build/diff").exists() and not (sample / SNAPSHOT_DIR / "01.1").exists()


def test_isms_diff_follows_no_link_planted_under_build(run, sample: Path, tmp_path: Path) -> None:
    """A pull request can commit links under build/ (git add -f): isms diff removes them and writes
    its files in place, never through them."""
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("ORIGINAL", encoding="utf-8")
    edit(sample / "controls/5.15.yaml", "情報の機密分類に基づいて制御し", "情報の機密分類及び多要素認証の要否に基づいて制御し")
    (sample / "build").mkdir(exist_ok=True)
    (sample / "build/diff").symlink_to(outside)
    assert run("--root", str(sample), "diff").code == 0
    assert sorted(p.name for p in outside.iterdir()) == ["victim.txt"] and not (sample / "build/diff").is_symlink()
    # A link in the place of an output file is replaced, not written through.
    for name in ("1.0_working.html", "1.0_working.docx"):
        (sample / "build/diff" / name).unlink()
        (sample / "build/diff" / name).symlink_to(victim)
    assert run("--root", str(sample), "diff").code == 0
    assert victim.read_text(encoding="utf-8") == "ORIGINAL"
    assert not any((sample / "build/diff" / name).is_symlink() for name in ("1.0_working.html", "1.0_working.docx"))

"""The release ledger is evidence: a forged or damaged history fails `isms check` (isms.check.ledger).

Each test breaks one thing in a private copy of the sample's ledger (manual_src/releases.yaml) or
its snapshots and asserts the exact `path:line:col` of the message, which names the release and the file.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import edit, line_of, reseal
from isms.check import check
from isms.ledger import LEDGER_PATH, SNAPSHOT_DIR
from isms.ledger.seal import seal_of

LEDGER = LEDGER_PATH.as_posix()
ENTRY = '  - version: "1.0"'  # the sample's only release; its problems point at this line (column 5)
RESTORE = "entries are written by `isms release`; do not edit them by hand; restore the file from git"
CHANGE_515 = ("情報の機密分類に基づいて制御し", "情報の機密分類及び多要素認証の要否に基づいて制御し")


def ledger_errors(result) -> list[str]:
    return [line for line in result.lines() if line.startswith(f"{LEDGER}:")]


def checked(run, root: Path):
    result = run("--root", str(root), "check")
    assert result.code == 1, result.err
    return result


def test_missing_snapshot(run, sample: Path) -> None:
    (sample / SNAPSHOT_DIR / "1.0/ctl-5.15.rst").unlink()
    result = checked(run, sample)
    line = line_of(sample / LEDGER_PATH, "      ctl-5.15:")
    assert ledger_errors(result) == [
        f"{LEDGER}:{line}:7: error: release 1.0: snapshot manual_src/releases/1.0/ctl-5.15.rst is missing "
        "(the release changed 'ctl-5.15'): restore the file from git"
    ]


def test_altered_snapshot(run, sample: Path) -> None:
    edit(sample / SNAPSHOT_DIR / "1.0/ctl-5.15.rst", "情報の機密分類に基づいて", "情報の機密分類を問わず")
    result = checked(run, sample)
    line = line_of(sample / LEDGER_PATH, "      ctl-5.15:")
    assert ledger_errors(result) == [
        f"{LEDGER}:{line}:7: error: release 1.0: snapshot manual_src/releases/1.0/ctl-5.15.rst does not match the fingerprint "
        "recorded for 'ctl-5.15': snapshots are written by `isms release`; do not edit them by hand; restore the file from git"
    ]


def test_stray_snapshots(run, sample: Path) -> None:
    snapshots = sample / SNAPSHOT_DIR
    (snapshots / "1.0/ctl-8.25.rst").write_text("number: ISMS-C-8-25\n", encoding="utf-8")
    (snapshots / "0.9").mkdir()
    (snapshots / "0.9/manual.rst").write_text("old\n", encoding="utf-8")
    result = checked(run, sample)
    ledger = sample / LEDGER_PATH
    assert ledger_errors(result) == [
        f"{LEDGER}:{line_of(ledger, 'releases:')}:1: error: manual_src/releases/0.9 belongs to no release in the ledger: "
        "delete it, or restore the ledger from git if its entry was removed",
        f"{LEDGER}:{line_of(ledger, ENTRY)}:5: error: release 1.0: manual_src/releases/1.0/ctl-8.25.rst is not a snapshot of "
        "this release (it did not change that document): delete the file, or restore the ledger from git if its entry was edited",
    ]


def test_approver_is_the_author(run, sample: Path) -> None:
    ledger = sample / LEDGER_PATH
    edit(ledger, "    approver: top_management\n", "    approver: kobayashi\n")  # kobayashi is the secretariat (author)
    reseal(ledger)  # the seal is no defence against someone who recomputes it: this rule must hold on its own
    result = checked(run, sample)
    assert ledger_errors(result) == [
        f"{LEDGER}:{line_of(ledger, 'approver: kobayashi')}:5: error: release 1.0: the approver (トップマネジメント 港 健一) "
        "also wrote the release (ISMS事務局 小林 直樹): segregation of duties (control 5.3) needs another approver; "
        f"{RESTORE} (or set approval.allow_self_approval: true in the profile)"
    ]
    edit(sample / "manual_src/profile.yaml", "allow_self_approval: false", "allow_self_approval: true")
    assert run("--root", str(sample), "check").code == 0


def test_impossible_date_is_a_problem_not_a_traceback(run, sample: Path) -> None:
    ledger = sample / LEDGER_PATH
    edit(ledger, "date: 2026-04-01", "date: 2025-13-01")
    result = checked(run, sample)
    assert ledger_errors(result) == [
        f"{LEDGER}:{line_of(ledger, 'date: 2025-13-01')}:11: error: '2025-13-01' is not a valid date (month must be in 1..12): "
        "write it as YYYY-MM-DD"
    ]


def test_release_in_the_future(run, sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("isms.ledger.today", lambda: dt.date(2026, 3, 31))
    result = checked(run, sample)
    assert ledger_errors(result) == [
        f"{LEDGER}:{line_of(sample / LEDGER_PATH, 'date: 2026-04-01')}:5: error: release 1.0: date 2026-04-01 is in the future "
        f"(today is 2026-03-31): a release is recorded when it is approved; {RESTORE}"
    ]


def test_releases_out_of_date_order(run, sample: Path) -> None:
    ledger = sample / LEDGER_PATH
    edit(sample / "controls/5.15.yaml", *CHANGE_515)
    assert run("--root", str(sample), "release", "1.1", "--summary", "多要素認証", "--date", "2026-05-01").code == 0
    edit(ledger, "date: 2026-05-01", "date: 2026-03-01")
    reseal(ledger)
    result = checked(run, sample)
    assert ledger_errors(result) == [
        f"{LEDGER}:{line_of(ledger, 'date: 2026-03-01')}:5: error: release 1.1: date 2026-03-01 is before release 1.0 "
        f"(2026-04-01): releases are listed oldest first; {RESTORE}"
    ]


def test_unsealed_entry(run, sample: Path) -> None:
    ledger = sample / LEDGER_PATH
    text = ledger.read_text(encoding="utf-8")
    ledger.write_text("".join(line for line in text.splitlines(keepends=True) if "seal:" not in line), encoding="utf-8")
    result = checked(run, sample)
    assert ledger_errors(result) == [f"{LEDGER}:{line_of(ledger, ENTRY)}:5: error: release 1.0 is not sealed (no 'seal' key): {RESTORE}"]


@pytest.mark.parametrize(
    ("old", "new", "version"),
    [
        ("approver_name: トップマネジメント 港 健一", "approver_name: 代表取締役 港 健一", "1.0"),
        ("reviewer: ciso", "reviewer: it_manager", "1.0"),
        ("summary: 制定", "summary: 改定", "1.0"),
        ('version: "1.0"', 'version: "1.5"', "1.5"),
        ("      cryptography: 30b4", "      cryptography: 40b4", "1.0"),
    ],
    ids=["approver_name", "reviewer", "summary", "version", "fingerprint"],
)
def test_hand_edit_breaks_the_seal(run, sample: Path, old: str, new: str, version: str) -> None:
    ledger = sample / LEDGER_PATH
    edit(ledger, old, new)
    result = checked(run, sample)
    entry = line_of(ledger, "  - version:")
    broken = (
        f"{LEDGER}:{entry}:5: error: release {version}: the seal does not match the entry (a recorded field was changed, "
        f"or an entry before it was edited, added or removed): {RESTORE}"
    )
    assert broken in ledger_errors(result)


def test_release_writes_a_seal_that_chains(run, sample: Path) -> None:
    ledger = sample / LEDGER_PATH
    edit(sample / "controls/5.15.yaml", *CHANGE_515)
    result = run("--root", str(sample), "release", "1.1", "--summary", "多要素認証", "--date", "2026-05-01")
    assert result.code == 0, result.err
    isms, problems = check(sample)
    assert not problems, problems
    first, second = isms.releases.releases
    assert second.seal == seal_of(second, first.seal) and first.seal == seal_of(first, None)
    assert ledger.read_text(encoding="utf-8").endswith(f"    seal: {second.seal}\n")

    # Rewriting 1.0 with a seal recomputed for it alone leaves 1.1 chained to the old one.
    forged = first.model_copy(update={"approver_name": "代表取締役 港 健一"})
    edit(ledger, "approver_name: トップマネジメント 港 健一", "approver_name: 代表取締役 港 健一")
    edit(ledger, f"seal: {first.seal}", f"seal: {seal_of(forged, None)}")
    result = checked(run, sample)
    entry = line_of(ledger, '- version: "1.1"')
    assert ledger_errors(result) == [
        f"{LEDGER}:{entry}:5: error: release 1.1: the seal does not match the entry "
        f"(a recorded field was changed, or an entry before it was edited, added or removed): {RESTORE}"
    ]


def test_tagged_release_must_equal_the_tag(run, sample: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, ledger = sample, sample / LEDGER_PATH

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout

    git("init", "-q")
    git("config", "user.email", "t@example.com")
    git("config", "user.name", "t")
    edit(root / "controls/5.15.yaml", *CHANGE_515)
    git("add", ".")
    git("commit", "-q", "-m", "sample")
    result = run("--root", str(root), "release", "1.1", "--summary", "多要素認証", "--tag")
    assert result.code == 0, result.err
    assert run("--root", str(root), "check").code == 0

    # The entry, edited and resealed by hand: only the tag shows it.
    edit(ledger, "summary: 多要素認証", "summary: 多要素認証の導入")
    reseal(ledger)
    result = checked(run, root)
    entry = line_of(ledger, '- version: "1.1"')
    assert ledger_errors(result) == [
        f"{LEDGER}:{entry}:5: error: release 1.1 differs from its entry in {LEDGER} at git tag isms-1.1: "
        f"the tagged entry is the approved one; {RESTORE} (`git show isms-1.1:./{LEDGER}`)"
    ]
    git("checkout", "-q", "--", LEDGER)

    # A snapshot of the tagged release, changed in the work tree.
    snapshot = root / SNAPSHOT_DIR / "1.1/ctl-5.15.rst"
    edit(snapshot, "多要素認証の要否", "多要素認証の有無")
    result = checked(run, root)
    assert (
        f"{LEDGER}:{entry}:5: error: release 1.1: snapshot manual_src/releases/1.1/ctl-5.15.rst differs from the file at "
        "git tag isms-1.1: the tagged snapshots are the approved ones; restore them (`git checkout isms-1.1 -- ./manual_src/releases/1.1/`)"
    ) in ledger_errors(result)

    git("checkout", "-q", "--", str(SNAPSHOT_DIR / "1.1"))

    # The tagged release renamed (entry, snapshot folder and seals redone): the tag names a release
    # the ledger no longer has.
    edit(ledger, 'version: "1.1"', 'version: "1.2"')
    (root / SNAPSHOT_DIR / "1.1").rename(root / SNAPSHOT_DIR / "1.2")
    reseal(ledger)
    result = checked(run, root)
    assert (
        f"{LEDGER}:1:1: error: git tag isms-1.1 names release 1.1, which {LEDGER} does not have: a tagged release was renamed or removed; "
        f"{RESTORE} (`git show isms-1.1:./{LEDGER}`), or, if the tag is stale (no release 1.1 was approved), delete it (`git tag -d isms-1.1`)"
    ) in ledger_errors(result), ledger_errors(result)
    (root / SNAPSHOT_DIR / "1.2").rename(root / SNAPSHOT_DIR / "1.1")
    git("checkout", "-q", "--", LEDGER)

    # An entry slipped in before the tagged release (seals redone): the tag's ledger has no such entry.
    text = ledger.read_text(encoding="utf-8")
    first_entry = text[text.index('  - version: "1.0"') : text.index('  - version: "1.1"')]
    ledger.write_text(text.replace(first_entry, first_entry + first_entry.replace('version: "1.0"', 'version: "1.0.5"'), 1), encoding="utf-8")
    shutil.copytree(root / SNAPSHOT_DIR / "1.0", root / SNAPSHOT_DIR / "1.0.5")
    reseal(ledger)
    result = checked(run, root)
    entry = line_of(ledger, '- version: "1.1"')
    assert any(e.startswith(f"{LEDGER}:{entry}:5: error: the releases up to 1.1 are not those at git tag isms-1.1 (1.0, 1.1)") for e in ledger_errors(result))
    shutil.rmtree(root / SNAPSHOT_DIR / "1.0.5")
    git("checkout", "-q", "--", LEDGER)
    edit(snapshot, "多要素認証の要否", "多要素認証の有無")

    # Without git the rule is skipped, quietly: only the fingerprint rule speaks.
    monkeypatch.setenv("PATH", "")
    result = checked(run, root)
    assert [e for e in ledger_errors(result) if "git tag" in e] == [] and len(ledger_errors(result)) == 1

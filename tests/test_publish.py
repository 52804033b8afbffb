"""Publishing: a failed build leaves the previous outputs whole, and a build never touches the sources."""

from __future__ import annotations

import hashlib
from pathlib import Path

from conftest import SOURCE_DIRS, edit


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def partial_sets(build: Path) -> list[str]:
    """Output sets under build/.sets that are not the current one: a failed build leaves none."""
    current = (build / "current").resolve()
    return [s.name for s in (build / ".sets").iterdir() if s.resolve() != current] if (build / ".sets").is_dir() else []


def sources_snapshot(root: Path) -> dict[str, str]:
    result: dict[str, str] = {}
    for name in SOURCE_DIRS:
        result.update({f"{name}/{k}": v for k, v in snapshot(root / name).items()})
    return result


def test_build_does_not_modify_sources(run, sample: Path) -> None:
    before = sources_snapshot(sample)
    assert run("--root", str(sample), "build", "--only", "xlsx").code == 0
    assert sources_snapshot(sample) == before


def test_invalid_sources_build_nothing_and_keep_previous_outputs(run, sample: Path) -> None:
    assert run("--root", str(sample), "build", "--only", "xlsx").code == 0
    previous = snapshot(sample / "build/xlsx")
    assert previous
    edit(sample / "controls/5.15.yaml", "owner: it_manager", "owner: nobody")
    result = run("--root", str(sample), "build", "--only", "xlsx")
    assert result.code == 1
    assert "owner 'nobody' is not a role in the profile" in result.out
    assert "nothing was built" in result.err
    assert snapshot(sample / "build/xlsx") == previous
    assert not partial_sets(sample / "build")


def test_a_failing_writer_leaves_every_previous_output_in_place(run, sample: Path) -> None:
    assert run("--root", str(sample), "build", "--only", "xlsx").code == 0
    previous = snapshot(sample / "build/xlsx")
    # A broken Word template makes the docx writer fail after the HTML writer has filled its staging folder.
    (sample / "policy_templates/word/frame.docx").write_bytes(b"not a zip file")
    edit(sample / "controls/5.15.yaml", "5年間保管する。", "7年間保管する。")
    result = run("--root", str(sample), "build")
    assert result.code == 1
    assert "Traceback" not in result.out + result.err
    assert "frame.docx" in result.out
    assert snapshot(sample / "build/xlsx") == previous
    assert not (sample / "build/docx").exists()
    assert not (sample / "build/html").exists(), "a complete HTML site was built, but the set failed: nothing is swapped in"
    assert not partial_sets(sample / "build")

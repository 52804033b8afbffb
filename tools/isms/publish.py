"""Publish stage: writers fill a staging folder; only a complete, verified set replaces build/<name>.

A failed or interrupted build never leaves a half-written output set behind: the old set stays until
the new one is whole, then each output folder is swapped in with a rename.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from isms import __version__
from isms.model import Isms
from isms.problems import Problem

Writer = Callable[[Isms, Path, Path], list[Problem]]


@dataclass
class BuildReport:
    outputs: dict[str, Path] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def writer(name: str) -> Writer:
    # Imported lazily: `isms check` and single-output builds do not pay for the other writers.
    if name == "html":
        from isms.render.html import build_html

        return build_html
    if name == "docx":
        from isms.render.docx import build_docx

        return build_docx
    from isms.render.xlsx import build_xlsx

    return build_xlsx


def publish(isms: Isms, names: list[str], on_start: Callable[[str], None] | None = None) -> BuildReport:
    build_dir = isms.root / "build"
    staging = build_dir / ".staging"
    cache = build_dir / ".cache"
    report = BuildReport()
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        for name in names:
            if on_start:
                on_start(name)
            started = time.perf_counter()
            out = staging / name
            out.mkdir()
            (cache / name).mkdir(parents=True, exist_ok=True)
            report.problems += writer(name)(isms, out, cache / name)
            report.seconds[name] = time.perf_counter() - started
            if report.problems:
                return report
        for name in names:
            _swap(staging / name, build_dir / name)
            report.outputs[name] = build_dir / name
        _write_manifest(build_dir, names)
        return report
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap(new: Path, target: Path) -> None:
    old = target.with_name(f".old-{target.name}")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


def _write_manifest(build_dir: Path, names: list[str]) -> None:
    manifest_path = build_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    manifest["tool_version"] = __version__
    files = manifest.setdefault("files", {})
    for name in names:
        for key in [k for k in files if k.startswith(f"{name}/")]:
            del files[key]
        for path in sorted((build_dir / name).rglob("*")):
            if path.is_file() and name != "html":
                files[str(path.relative_to(build_dir))] = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

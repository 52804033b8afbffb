"""Build benchmark (`make bench`): whole-process timings of the pipeline on private copies of the
sample and of a generated organisation ten times its size, every figure measured in the same run on
the same machine, so the ratios between them mean something on a shared, noisy machine.

Prints a table and writes build/benchmark.json with (seconds; the sample's figures are medians of
--repeat runs, the full builds interleaved with the bare Sphinx builds so that both meet the same
load; the large organisation's are single runs):

- sphinx_only_s, sphinx_noop_s: a bare `sphinx-build` of the pages isms generates (cold, then again
  with nothing changed): the floor users know;
- sphinx_tuned_s, full_over_sphinx_tuned: that cold sphinx-build with the garbage collector set as
  `isms build` sets it while Sphinx runs (no target: it shows how much of the margin that setting is);
- naive_s: the straightforward pipeline: that Sphinx build, then each Word document through pandoc
  and the frame one after another, no cache;
- full_s, noop_s, one_edit_s: `isms build` from an empty build/, again with nothing changed, and after
  editing one control's procedure;
- large_full_s, large_noop_s, large_one_edit_s, large_pages, large_scale (= large_full_s / full_s);
- peak_rss_mb, large_peak_rss_mb: the peak memory of the full builds (the largest process: the
  build or a child it waited for);
- the ratios against the targets of the issue: full_over_sphinx, full_over_naive,
  noop_over_sphinx_noop, one_edit_over_full, large_rss_ratio.

The large organisation (written into a temporary folder, never into the sources): the sample with 30
more releases in its ledger, then every policy and manual chapter ten times (renamed copies, each a
document), each control's procedure split into nine more site procedures (a document each), the
assets and risks ten times (new ids).

Usage: python tools/bench.py [--repeat N] [--quick | --sample-only] (quick: no large organisation, one
run each; sample-only: no large organisation).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("manual_src", "controls", "policy_templates")
SCALE = 10


# --------------------------------------------------------------------------- measuring


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(seconds, peak RSS in MB of the largest process of the command: itself or a child it waited for)."""
    environment = {**os.environ, "PYTHONPATH": str(REPO / "tools"), **(env or {})}
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=environment)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            out.seek(0)
            raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{out.read().decode(errors='replace')[-3000:]}")
    return seconds, usage.ru_maxrss / 1024  # kB on Linux


def median(action: Callable[[], float], repeat: int) -> float:
    return statistics.median(action() for _ in range(repeat))


def isms(root: Path, *args: str) -> tuple[float, float]:
    return run([sys.executable, "-m", "isms.cli", "--root", str(root), *args], root, {"SOURCE_DATE_EPOCH": "1767225600"})


def fresh_copy(source: Path, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name in SOURCES:
        shutil.copytree(source / name, target / name)
    return target


# --------------------------------------------------------------------------- the baselines


# sphinx-build with the garbage collector set as `isms build` sets it while Sphinx runs
# (isms.collector.FULL_COLLECTION_EVERY): what part of the margin over bare Sphinx that setting is.
_TUNED_SPHINX = (
    "import gc, sys; from isms.collector import FULL_COLLECTION_EVERY; from sphinx.cmd.build import main; "
    "young, middle, _ = gc.get_threshold(); gc.set_threshold(young, middle, FULL_COLLECTION_EVERY); sys.exit(main(sys.argv[1:]))"
)


def sphinx_only(root: Path) -> tuple[float, float, int, float]:
    """A bare sphinx-build of the pages `isms build` generated into build/.cache/html/src, into a
    fresh output folder: cold, then again with nothing changed; then cold with the collector set as
    isms sets it."""
    src = root / "build/.cache/html/src"
    out = root.parent / f"{root.name}-sphinx"
    shutil.rmtree(out, ignore_errors=True)
    arguments = ["-q", "-b", "html", "-d", str(out / "doctrees"), str(src), str(out / "html")]
    cold, _ = run([sys.executable, "-m", "sphinx", *arguments], root)
    noop, _ = run([sys.executable, "-m", "sphinx", *arguments], root)
    shutil.rmtree(out, ignore_errors=True)
    tuned, _ = run([sys.executable, "-c", _TUNED_SPHINX, *arguments], root)
    pages = sum(1 for _ in src.rglob("*.rst"))
    return cold, noop, pages, tuned


def naive(root: Path, sphinx: float) -> float:
    """Sphinx (its measured time), then every Word document converted and framed one after another,
    without the cache."""
    script = """
import sys, time
from pathlib import Path
from isms.cli.common import prepare
from isms.render import BuildContext
from isms.render.docx import plan, check_templates
from isms.render.docx.compose import compose, frame_context
from isms.render.docx.labels import label_map
from isms.render.docx.pandoc import convert
from isms.render.docx.paths import template_paths
root = Path(sys.argv[1])
prepared, problems = prepare(root)
out = root / "naive-docx"; out.mkdir(exist_ok=True)
context = BuildContext(prepared.isms, prepared.bodies, prepared.versions, out, out)
reference, frame = template_paths(root)
labels = label_map(prepared.isms)
media = {name: str(path) for name, path in prepared.isms.media.items()}
for number, job in enumerate(plan(context)):
    bodies, found = convert([job.body], labels, prepared.isms.lang, reference, media)
    data = compose(frame, bodies[job.doc.id], frame_context(prepared.isms, prepared.versions, job.doc, job.toc), seed=job.doc.id, landscape=job.landscape)
    (out / f"{number}.docx").write_bytes(data)
"""
    word, _ = run([sys.executable, "-c", script, str(root)], root)
    return sphinx + word


# --------------------------------------------------------------------------- the large organisation


def large_organisation(root: Path) -> Path:
    """The sample (in root), SCALE times larger in every dimension it has: policies, manual chapters,
    procedures split per site, assets, risks (the releases: record_releases)."""
    # Policies: SCALE copies of each, each its own document.
    index = root / "policy_templates/policies.yaml"
    text = index.read_text(encoding="utf-8")
    head, entries = text.split("policies:\n", 1)
    blocks = re.split(r"(?m)^(?=  - id: )", entries)
    blocks = [b for b in blocks if b.strip()]
    copies = []
    for copy in range(1, SCALE):
        for block in blocks:
            policy_id = re.search(r"id: (\S+)", block).group(1)
            new = block.replace(f"id: {policy_id}", f"id: {policy_id}_{copy}").replace(f"policies/{policy_id}.rst", f"policies/{policy_id}_{copy}.rst")
            new = re.sub(r"(\n    title: )(.*)", rf"\1\2(拠点{copy})", new)
            new = re.sub(r"(\n    title_en: )(.*)", rf"\1\2 (site {copy})", new)
            source = root / "policy_templates/policies" / f"{policy_id}.rst"
            body = source.read_text(encoding="utf-8")
            title, _underline, rest = body.split("\n", 2)
            retitled = f"{title}(拠点{copy})"
            (source.parent / f"{policy_id}_{copy}.rst").write_text(f"{retitled}\n{'=' * (2 * len(retitled) + 2)}\n{rest}", encoding="utf-8")
            copies.append(new)
    index.write_text(head + "policies:\n" + "".join(blocks) + "".join(copies), encoding="utf-8")
    # Manual chapters: SCALE copies of each chapter's text as further chapters (labels renamed).
    manual = root / "manual_src/manual"
    for chapter in sorted(manual.glob("*.rst")):
        body = chapter.read_text(encoding="utf-8")
        for copy in range(1, SCALE):
            renamed = re.sub(r"(?m)^\.\. _([^:]+):", rf".. _\1-site{copy}:", body)
            renamed = re.sub(r"(?m)^(\S.*)\n([=\-~^\"*#])\2{3,}$", lambda m, c=copy: f"{m.group(1)}(拠点{c})\n{m.group(2) * (2 * len(m.group(1)) + 12)}", renamed, count=1)
            (manual / f"{chapter.stem}_site{copy:02d}.rst").write_text(renamed, encoding="utf-8")
    # Procedures: split per site. Every procedure gets SCALE - 1 site procedures of its own (a
    # document and a page each, with the control's text and its labels renamed).
    from ruamel.yaml import YAML

    loader = YAML(typ="safe")
    site_entries = []
    for control in sorted((root / "controls").glob("*.yaml"), key=lambda p: [int(n) for n in p.stem.split(".")]):
        data = loader.load(control.read_text(encoding="utf-8"))
        procedure = data.get("procedure")
        if not procedure or not data.get("applicable"):
            continue
        key = control.stem.replace(".", "_")
        for copy in range(1, SCALE):
            text = re.sub(r"(?m)^\.\. _([^:]+):", rf".. _\1-site{copy}:", procedure)
            title = f"{control.stem} 実施手順(拠点{copy})"
            body = f"{title}\n{'#' * (2 * len(title) + 2)}\n\n{text}"
            (root / "policy_templates/policies" / f"site{copy}_{key}.rst").write_text(body, encoding="utf-8")
            site_entries.append(
                f"  - id: site{copy}_{key}\n    file: policies/site{copy}_{key}.rst\n    title: {title}\n"
                f"    title_en: {control.stem} procedure (site {copy})\n    owner: {data.get('owner') or 'ciso'}\n"
                f"    approver: top_management\n    classification: internal\n    controls: [\"{control.stem}\"]\n"
            )
    with index.open("a", encoding="utf-8") as stream:
        stream.write("".join(site_entries))
    # Assets and risks: SCALE copies with new ids.
    for name, prefix in (("assets", "A"), ("risks", "R")):
        path = root / f"manual_src/{name}.yaml"
        text = path.read_text(encoding="utf-8")
        head, items = text.split(f"{name}:\n", 1)
        extra = []
        for copy in range(1, SCALE):
            block = re.sub(rf"\b{prefix}-(\d{{3}})\b", lambda m, c=copy, p=prefix: f"{p}-{int(m.group(1)) + 1000 * c}", items)
            if name == "risks":
                block = re.sub(r"\bA-(\d{3})\b", lambda m, c=copy: f"A-{int(m.group(1)) + 1000 * c}", block)
            extra.append(block)
        path.write_text(head + f"{name}:\n" + items + "".join(extra), encoding="utf-8")
    return root


def record_releases(root: Path, count: int) -> None:
    """count more releases in the ledger after the sample's 1.0, one a day from 2026-05-01, each
    after a small edit of a procedure."""
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    procedure = root / "controls/5.15.yaml"
    original = procedure.read_text(encoding="utf-8")
    for number in range(1, count + 1):
        procedure.write_text(original + f"\n  改定{number}。\n", encoding="utf-8")
        isms(root, "release", f"1.{number}", "--summary", f"改定{number}", "--date", f"2026-05-{number:02d}")


# --------------------------------------------------------------------------- the benchmark


def measure(root: Path, repeat: int, prefix: str = "", beside: Callable[[], None] | None = None) -> dict[str, float]:
    """Full builds from an empty build/ (`repeat` times; beside() runs after each, so that the
    baseline is measured under the same load), then no-op and one-edit builds."""
    figures: dict[str, float] = {}
    fulls, peaks = [], []
    for _ in range(repeat):
        shutil.rmtree(root / "build", ignore_errors=True)
        seconds, peak = isms(root, "build")
        fulls.append(seconds)
        peaks.append(peak)
        if beside is not None:
            beside()
    figures[f"{prefix}full_s"], figures[f"{prefix}peak_rss_mb"] = statistics.median(fulls), max(peaks)
    figures[f"{prefix}noop_s"] = median(lambda: isms(root, "build")[0], repeat)
    procedure = root / "controls/8.13.yaml"
    original = procedure.read_text(encoding="utf-8")

    def one_edit() -> float:
        procedure.write_text(original.replace("procedure: |\n", f"procedure: |\n  改定 {time.time_ns()}。\n\n", 1), encoding="utf-8")
        return isms(root, "build")[0]

    figures[f"{prefix}one_edit_s"] = median(one_edit, repeat)
    procedure.write_text(original, encoding="utf-8")
    return figures


ROWS = (  # key, what, the ratio shown beside it, its target
    ("sphinx_only_s", "bare sphinx-build of the generated pages, cold", None, None),
    ("sphinx_noop_s", "bare sphinx-build again, nothing changed", None, None),
    ("naive_s", "naive: Sphinx, then each Word file one by one", None, None),
    ("full_s", "isms build from an empty build/", "full_over_sphinx", 1.15),
    ("full_s", "  ... against naive", "full_over_naive", 0.5),
    ("sphinx_tuned_s", "  sphinx-build with isms's collector setting", "full_over_sphinx_tuned", None),
    ("noop_s", "isms build, nothing changed", "noop_over_sphinx_noop", 1.0),
    ("one_edit_s", "isms build after one procedure edited", "one_edit_over_full", 0.1),
    ("large_full_s", "large organisation: isms build, empty build/", "large_scale", 10.0),
    ("large_noop_s", "large: nothing changed", None, None),
    ("large_one_edit_s", "large: one procedure edited", None, None),
    ("peak_rss_mb", "peak RSS of the full build (MB)", None, None),
    ("large_peak_rss_mb", "large: peak RSS (MB)", "large_rss_ratio", 4.0),
)


def table(figures: dict[str, float], repeat: int) -> str:
    lines = [f"{'what':48s} {'value':>9s}  {'ratio':>6s}  target", "-" * 76]
    for key, what, ratio, target in ROWS:
        if key not in figures:
            continue
        cells = f"{what:48s} {figures[key]:9.2f}"
        if ratio is not None and ratio in figures and target is None:
            cells += f"  {figures[ratio]:6.2f}  (full over it)"
        elif ratio is not None and ratio in figures:
            verdict = "ok" if figures[ratio] <= target else "MISSED"
            cells += f"  {figures[ratio]:6.2f}  <= {target} {verdict}"
        lines.append(cells)
    if figures.get("noop_s") is not None:
        lines.append(f"{'noop_s <= 1 s on the sample':48s} {figures['noop_s']:9.2f}  {'':6s}  <= 1.0 {'ok' if figures['noop_s'] <= 1 else 'MISSED'}")
    extra = f", {int(figures['large_pages'])} pages large" if "large_pages" in figures else ""
    lines.append(f"({int(figures.get('pages', 0))} pages in the sample{extra}; whole-process seconds, medians of {repeat} where repeated)")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="the sample only, one run each")
    parser.add_argument("--sample-only", action="store_true", help="the sample only, --repeat runs each")
    args = parser.parse_args()
    repeat = 1 if args.quick else args.repeat
    # The package as installed (make compiles it): Python writes no bytecode where
    # PYTHONDONTWRITEBYTECODE is set (CI images), and would compile every module on every run.
    compileall.compile_dir(str(REPO / "tools" / "isms"), quiet=1)
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="isms-bench-") as tmp:
        sample = fresh_copy(REPO, Path(tmp) / "sample")
        baseline: list[tuple[float, float, int, float]] = []
        figures |= measure(sample, repeat, beside=lambda: baseline.append(sphinx_only(sample)))
        figures["sphinx_only_s"] = statistics.median(b[0] for b in baseline)
        figures["sphinx_noop_s"] = statistics.median(b[1] for b in baseline)
        figures["pages"] = baseline[0][2]
        figures["sphinx_tuned_s"] = statistics.median(b[3] for b in baseline)
        figures["naive_s"] = naive(sample, figures["sphinx_only_s"])
        if not (args.quick or args.sample_only):
            # 30 releases recorded on the way (each edits a procedure), then the organisation grows:
            # its current sources are the drafts of the next release.
            large = fresh_copy(REPO, Path(tmp) / "large")
            record_releases(large, 30)
            large_organisation(large)
            figures |= measure(large, 1, "large_")
            figures["large_pages"] = sum(1 for _ in (large / "build/.cache/html/src").rglob("*.rst"))
            figures["large_scale"] = figures["large_full_s"] / figures["full_s"]
    figures["full_over_sphinx"] = figures["full_s"] / figures["sphinx_only_s"]
    figures["full_over_sphinx_tuned"] = figures["full_s"] / figures["sphinx_tuned_s"]
    figures["full_over_naive"] = figures["full_s"] / figures["naive_s"]
    figures["noop_over_sphinx_noop"] = figures["noop_s"] / figures["sphinx_noop_s"]
    figures["one_edit_over_full"] = figures["one_edit_s"] / figures["full_s"]
    if "large_peak_rss_mb" in figures:
        figures["large_rss_ratio"] = figures["large_peak_rss_mb"] / figures["peak_rss_mb"]
    out = REPO / "build/benchmark.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(table(figures, repeat))
    print(f"wrote {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Build benchmark: prints timings of the pipeline on a private copy of the sample, with ratios
against the cold full build measured in the same process (the machine is shared and noisy, so
compare ratios, not absolute seconds). Usage: python tools/bench.py [--outputs html,docx,xlsx] [--repeat N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

from isms.check import check  # noqa: E402
from isms.publish import publish  # noqa: E402


def timed(action: Callable[[], object], repeat: int = 1) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def build(root: Path, outputs: list[str]) -> None:
    isms, problems = check(root)
    assert isms is not None and not problems, problems[:3]
    report = publish(isms, outputs)
    assert not report.problems, report.problems[:3]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--outputs", default="html,docx,xlsx")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    outputs = args.outputs.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "isms"
        for name in ("manual_src", "controls", "policy_templates"):
            shutil.copytree(REPO / name, root / name)
        rows: list[tuple[str, float]] = []
        rows.append(("check (load, model, rules, docutils)", timed(lambda: check(root), args.repeat)))
        rows.append(("full build, cold cache", timed(lambda: build(root, outputs))))
        rows.append(("rebuild, nothing changed", timed(lambda: build(root, outputs), args.repeat)))
        procedure = root / "controls/5.15.yaml"
        original = procedure.read_text(encoding="utf-8")

        def touch_one() -> None:
            procedure.write_text(original.replace("5年間保管する。", f"5年間保管する。{time.time_ns()}", 1), encoding="utf-8")
            build(root, outputs)

        rows.append(("rebuild, one procedure changed", timed(touch_one, args.repeat)))
    baseline = rows[1][1]
    print(f"outputs: {', '.join(outputs)}   (median of {args.repeat} runs where repeated)")
    for label, seconds in rows:
        print(f"  {label:40s} {seconds:7.2f} s   x{seconds / baseline:5.2f} of cold build")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Check stage entry point: load, model and all rules, returning every problem found."""

from __future__ import annotations

from pathlib import Path

from isms.check.rules import check_model, check_sources
from isms.model import Isms, build_model
from isms.problems import Problem
from isms.risk.checks import check_risks
from isms.sources.loader import load_sources


def check(root: Path) -> tuple[Isms | None, list[Problem]]:
    sources, problems = load_sources(root)
    problems += check_sources(sources)
    isms, found = build_model(sources)
    problems += found
    if isms is not None:
        problems += check_model(isms, sources)
        problems += check_risks(isms, sources)
    return isms, sorted(set(problems), key=lambda p: (str(p.path), p.line, p.col, p.message))

"""Check stage entry point: load, model and all rules, returning every problem found.

The stages gate each other, so that the first problem printed is the root cause: a file that cannot
be read or does not fit its schema stops the checks there (the rules after would only report its
consequences: "control 5.15 is excluded" for a control file that failed to load); a text whose
template fails stops the checks of references and coverage that would miss its labels.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from isms import trust
from isms.check import kept, rst
from isms.check.approvals import approvals_in_releases
from isms.check.facts import retention_in_words
from isms.check.ledger import ledger_rules
from isms.check.records import check_records
from isms.check.register import register_rules
from isms.check.risks import check_risks
from isms.check.rules import check_model, check_sources
from isms.check.schedules import restated_schedules
from isms.check.soa import soa_rules
from isms.check.templates import word_templates
from isms.model import Isms, build_model, clock, templating
from isms.problems import Problem
from isms.sources import catalogue, yamlio
from isms.sources.loader import Sources, load_sources


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(set(problems), key=lambda p: (str(p.path), p.line, p.col, p.message))


def _errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def check(root: Path, as_of: dt.date | None = None) -> tuple[Isms | None, list[Problem]]:
    """Every problem of the sources. Records may not be dated after today (isms.model.clock.today);
    what is overdue is a warning as of `as_of` (default: the build date, isms.model.clock.build_date)."""
    sources, isms, problems = load_and_model(root)
    if isms is None or _errors(problems):
        return isms, _sorted(problems)
    return isms, _sorted(problems + model_rules(isms, sources, as_of))


def load_and_model(root: Path) -> tuple[Sources, Isms | None, list[Problem]]:
    """The first gates: every file loads and fits its shape, the ledger holds, the model builds.
    (`isms build` renders from here while model_rules run beside it, and publishes only if they pass.)"""
    sources, problems = load_sources(root)
    problems += check_sources(sources)
    problems += ledger_rules(sources)
    if _errors(problems):
        return sources, None, problems
    isms, found = build_model(sources)
    return sources, isms, problems + found


def model_rules(isms: Isms, sources: Sources, as_of: dt.date | None = None) -> list[Problem]:
    """The rules over a model that built without errors (sorted)."""
    problems = check_model(isms, sources)
    problems += check_risks(isms, sources)
    problems += register_rules(isms, sources)
    problems += soa_rules(isms, sources)
    problems += retention_in_words(isms)
    problems += check_records(isms, clock.today(), as_of or clock.build_date())
    problems += restated_schedules(isms)
    problems += word_templates(isms.root)  # beside Sphinx in a build: the Word writer needs them
    if not _errors(problems):  # the risk report is computed from a register that passed its rules
        problems += approvals_in_releases(isms, sources)
    # Every source was read and every text checked: what the caches hold beyond that is of files
    # and texts as they no longer are (a cache shared by several repositories keeps everything).
    trust.prune(isms.root, yamlio.PARSED, yamlio.used_entries)
    trust.prune(isms.root, rst.CHECKED, rst.used_entries)
    trust.prune(isms.root, templating.COMPILED, templating.used_entries)
    trust.prune(isms.root, kept.KIND, kept.used_entries)
    trust.prune(isms.root, catalogue.PARSED, catalogue.used_entries)
    return _sorted(problems)

"""What every command shares: exit codes, the console, finding the sources, printing problems, and
the one way to get from sources to a checked model, its bodies and their versions."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from isms.bodies import Bodies, build_bodies
from isms.check import check
from isms.i18n import Refusal, t
from isms.ledger import Versions, document_versions
from isms.model import Isms, build_model
from isms.problems import Problem
from isms.sources.loader import PROFILE_PATH, find_root, load_sources

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
err = Console(stderr=True, highlight=False, soft_wrap=True)  # soft_wrap: no line breaks at 80 columns in CI logs


class UsageError(Refusal):
    """A command line that cannot be run (exit 2); the message says what to type instead."""


def as_of_date(text: str) -> dt.date:
    """--as-of YYYY-MM-DD (argparse type)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD") from None


def _start(args: argparse.Namespace) -> Path:
    return Path(args.root).resolve() if getattr(args, "root", None) else Path.cwd()


def root_of(args: argparse.Namespace) -> Path:
    root = find_root(_start(args))
    if root is None:
        raise UsageError("cli_no_sources", start=_start(args), profile=PROFILE_PATH)
    return root


def command_language(args: argparse.Namespace) -> str:
    """The language of a command's own lines: the profile's; where no sources are found, the user's
    locale's (Japanese for ja_JP and the like), else English."""
    root = find_root(_start(args))
    if root is not None:
        return language_of(root)
    locale = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    return "ja" if locale.startswith("ja") else "en"


def counted(number: int, noun: str, lang: str) -> str:
    """'1 policy', '11 policies', '方針 11 件' (noun: a count_<noun> word of isms.i18n)."""
    return t(f"count_{noun}_one" if number == 1 else f"count_{noun}", lang, n=number)


def language_of(root: Path) -> str:
    """The profile's language, read without loading the profile (for the lines of a command whose
    sources do not load, or of a skipped build)."""
    try:
        found = re.search(r"(?m)^language:\s*['\"]?(\w+)", (root / PROFILE_PATH).read_text(encoding="utf-8"))
    except OSError:
        return "en"
    return found[1] if found else "ja"


def print_problems(problems: list[Problem], root: Path) -> None:
    for problem in problems:
        print(problem.format(root))


def errors(problems: list[Problem]) -> list[Problem]:
    """Problems that stop a command; warnings (overdue records, restated schedules) do not."""
    return [p for p in problems if p.severity == "error"]


@dataclass(frozen=True)
class Prepared:
    root: Path
    isms: Isms
    bodies: Bodies
    versions: Versions
    warnings: tuple[Problem, ...] = ()


def prepare(root: Path) -> tuple[Prepared | None, list[Problem]]:
    """`isms check`, then the bodies and their versions (None while the check finds errors; its
    warnings come with the result)."""
    isms, problems = check(root)
    if errors(problems) or isms is None:
        return None, problems
    bodies = build_bodies(isms)
    return Prepared(root, isms, bodies, document_versions(isms, bodies), tuple(problems)), []


def checked(args: argparse.Namespace, purpose: str) -> Prepared | None:
    """prepare(), or None with the problems printed and what was not done (purpose: its word's key). Warnings are counted
    (on stderr), not listed: `isms check` lists them."""
    root = root_of(args)
    prepared, problems = prepare(root)
    if prepared is None:
        print_problems(errors(problems), root)
        lang = language_of(root)
        err.print(t("cli_not_done", lang, errors=counted(len(errors(problems)), "error", lang), purpose=t(purpose, lang)), style="bold red", markup=False)
    elif prepared.warnings:
        lang = prepared.isms.lang
        err.print(t("cli_warnings", lang, warnings=counted(len(prepared.warnings), "warning", lang)), style="yellow", markup=False)
    return prepared


def loaded(args: argparse.Namespace) -> Prepared | None:
    """The model without the check, for the read-only ledger commands (status, diff): they must work
    on sources that do not pass the check yet. None (problems printed) when the profile is unusable."""
    root = root_of(args)
    sources, problems = load_sources(root)
    isms, found = build_model(sources)
    if isms is None:
        print_problems(problems + found, root)
        return None
    bodies = build_bodies(isms)
    return Prepared(root, isms, bodies, document_versions(isms, bodies))

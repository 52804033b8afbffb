"""The readiness command: the requirements checklist as of a date (registered by isms.cli)."""

from __future__ import annotations

import argparse
import json

from isms.check import check
from isms.cli.common import EXIT_OK, EXIT_PROBLEMS, as_of_date, counted, err, errors, language_of, print_problems, root_of
from isms.i18n import t
from isms.model.clock import build_date
from isms.model.readiness import MISSING, OVERDUE, readiness


def cmd_readiness(args: argparse.Namespace) -> int:
    root = root_of(args)
    day = args.as_of or build_date()
    isms, problems = check(root, as_of=day)
    if isms is None or errors(problems):
        print_problems(errors(problems), root)
        lang = language_of(root)
        err.print(t("cli_fix_first", lang, problems=counted(len(errors(problems)), "problem", lang)), style="bold red", markup=False)
        return EXIT_PROBLEMS
    items = readiness(isms, day)
    if args.json:
        print(json.dumps([item.as_json() for item in items], ensure_ascii=False, indent=2))
    else:
        for item in items:
            evidence = "; ".join(item.evidence) or "-"
            print(f"{item.clause:5} {t(f'readiness_{item.status}', isms.lang)} {item.item}: {evidence}")
    counts = {state: sum(1 for item in items if item.status == state) for state in (OVERDUE, MISSING)}
    err.print(t("cli_readiness_summary", isms.lang, items=len(items), date=day.isoformat(), overdue=counts[OVERDUE], missing=counts[MISSING]), markup=False)
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("readiness", help="per clause item: is the documented information present, missing or overdue")
    p.add_argument("--json", action="store_true", help='as a JSON list of {"clause", "item", "status", "evidence"}')
    p.add_argument("--as-of", type=as_of_date, metavar="YYYY-MM-DD", help="the date to judge on (default: SOURCE_DATE_EPOCH's date, else today)")
    p.set_defaults(func=cmd_readiness)

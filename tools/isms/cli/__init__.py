"""The `isms` command: parses arguments and calls one function per command. Exit codes:
0 success, 1 problems found in the sources, 2 usage error."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from isms import __version__
from isms.collector import fewer_full_collections

with fewer_full_collections():  # these imports load every stage's modules: 30 ms less (isms.collector)
    from isms.cli import records, release
    from isms.cli.build import cmd_build
    from isms.cli.common import (
        EXIT_OK,
        EXIT_PROBLEMS,
        EXIT_USAGE,
        UsageError,
        as_of_date,
        command_language,
        counted,
        err,
        errors,
        language_of,
        print_problems,
        root_of,
    )
    from isms.i18n import t
    from isms.model import Isms


def cmd_check(args: argparse.Namespace) -> int:
    from isms.check import check

    root = root_of(args)
    isms, problems = check(root, as_of=args.as_of)
    print_problems(problems, root)
    found = errors(problems)
    if found or isms is None:
        lang = isms.lang if isms is not None else language_of(root)
        files = counted(len({p.path for p in found}), "file", lang)
        err.print(t("cli_check_failed", lang, problems=counted(len(found), "problem", lang), files=files), style="bold red", markup=False)
        return EXIT_PROBLEMS
    lang = isms.lang
    applicable = sum(1 for d in isms.decisions if d.source.applicable)
    warnings = t("cli_check_warnings", lang, warnings=counted(len(problems), "warning", lang)) if problems else ""
    line = t(
        "cli_check_ok", lang, controls=counted(len(isms.decisions), "control", lang), applicable=applicable,
        excluded=len(isms.decisions) - applicable, chapters=counted(len(isms.manual), "chapter", lang),
        policies=counted(len(isms.policies), "policy", lang), warnings=warnings,
    )
    err.print(line, style="green", markup=False)
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from isms.publish.manifest import ManifestError, verify

    directory = Path(args.dir) if args.dir else root_of(args) / "build"
    lang = command_language(args)
    if not directory.is_dir():
        raise UsageError("cli_verify_not_folder", directory=directory)
    manifest = Path(args.manifest) if args.manifest else directory / "manifest.json"
    try:
        result = verify(directory, manifest)
    except ManifestError as exc:
        err.print(t("cli_error", lang, message=exc.said(lang)), style="red", markup=False)
        return EXIT_PROBLEMS
    for line in result.lines(lang):
        print(line)
    found = {"directory": directory, "manifest": manifest, "source": result.source(lang)}
    if not result.ok:
        counts = {"missing": len(result.missing), "extra": len(result.extra), "altered": len(result.altered)}
        err.print(t("cli_verify_mismatch", lang, **found, **counts), style="bold red", markup=False)
        return EXIT_PROBLEMS
    err.print(t("cli_verify_ok", lang, **found, files=counted(result.checked, "output_file", lang)), style="green", markup=False)
    return EXIT_OK


def cmd_catalogue(args: argparse.Namespace) -> int:
    from isms.sources.catalogue import load_catalogue

    controls = load_catalogue()
    if args.json:
        print(json.dumps([c.as_json() for c in controls], ensure_ascii=False, indent=2))
    else:
        for control in controls:
            print(f"{control.id:5} {control.title_ja} / {control.title_en}")
    return EXIT_OK


def _checked_model(args: argparse.Namespace) -> Isms | None:
    """The checked model, or None with the errors printed (the read-only reports need sources that pass)."""
    from isms.check import check

    root = root_of(args)
    isms, problems = check(root)
    if isms is None or errors(problems):
        print_problems(errors(problems), root)
        lang = isms.lang if isms is not None else language_of(root)
        err.print(t("cli_fix_first", lang, problems=counted(len(errors(problems)), "problem", lang)), style="bold red", markup=False)
        return None
    return isms


def cmd_risks(args: argparse.Namespace) -> int:
    isms = _checked_model(args)
    if isms is None:
        return EXIT_PROBLEMS
    risks = isms.risks.risks
    if args.json:
        print(json.dumps([r.as_json() for r in risks], ensure_ascii=False, indent=2))
        return EXIT_OK
    lang = isms.lang
    for r in risks:
        print(t(
            "cli_risk_line", lang, id=r.id, asset=r.asset_id, asset_value=r.asset_value, impact=r.impact, likelihood=r.likelihood,
            value=r.value, treatment=r.treatment_name(lang), controls=",".join(r.controls) or "-", residual=r.residual,
            accepted="" if r.accepted else t("cli_risk_not_accepted", lang),
        ))
    return EXIT_OK


def cmd_soa(args: argparse.Namespace) -> int:
    from isms.model.soa import soa_entries

    isms = _checked_model(args)
    if isms is None:
        return EXIT_PROBLEMS
    entries = soa_entries(isms)
    if args.json:
        print(json.dumps(entries, ensure_ascii=False, indent=2))
        return EXIT_OK
    lang = isms.lang
    for e in entries:
        state = (t(f"status_{e['status']}", lang) if e["status"] else "-") if e["applicable"] else t("no", lang)
        due = t("cli_soa_target", lang, date=e["target_date"]) if e["target_date"] else ""
        print(t("cli_soa_line", lang, id=f"{e['id']:5}", state=state, target=due, owner=e["owner"] or "-", risks=",".join(e["risks"]) or "-"))
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from isms.sources import jsonschema as schemas

    root = root_of(args)
    lang = language_of(root)
    if args.write:
        for path in schemas.write(root):
            err.print(t("cli_wrote", lang, path=path.relative_to(root)), markup=False)
        return EXIT_OK
    stale = schemas.stale(root)
    for name in stale:
        print(f"{schemas.SCHEMA_DIR / name}:1:1: error: {t('cli_schema_stale', lang)}")
    return EXIT_PROBLEMS if stale else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="isms", description="Build an ISO/IEC 27001 document set from plain-text sources.")
    parser.add_argument("--version", action="version", version=f"isms {__version__}")
    parser.add_argument("--root", help="repository root (default: found from the current folder)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("check", help="validate all sources; one line per problem (warnings do not fail)")
    p.add_argument("--as-of", type=as_of_date, metavar="YYYY-MM-DD", help="the date overdue records are judged on (default: SOURCE_DATE_EPOCH's date, else today)")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("build", help="check, then build the document set into build/")
    p.add_argument("--only", choices=["html", "docx", "xlsx"], help="build one output only")
    p.add_argument("--audience", metavar="ID", help="build for an audience of the profile (into build/audiences/ID/): documents classified above its level are left out")
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("verify", help="check a build (or a copy of it) against its manifest: missing, extra and altered files")
    p.add_argument("dir", nargs="?", metavar="DIR", help="the folder holding html/, docx/, xlsx/ (default: build/)")
    p.add_argument("--manifest", metavar="PATH", help="the approved manifest (default: DIR/manifest.json)")
    p.set_defaults(func=cmd_verify)
    p = sub.add_parser("catalogue", help="print the Annex A catalogue")
    p.add_argument("--json", action="store_true", help="as a JSON list")
    p.set_defaults(func=cmd_catalogue)
    p = sub.add_parser("risks", help="print the risk register with computed values")
    p.add_argument("--json", action="store_true", help="as a JSON list, one object per risk")
    p.set_defaults(func=cmd_risks)
    p = sub.add_parser("soa", help="print the Statement of Applicability: one line per control, with the risks it treats")
    p.add_argument("--json", action="store_true", help="as a JSON list, one object per control")
    p.set_defaults(func=cmd_soa)
    p = sub.add_parser("schema", help="check (or --write) the JSON Schemas under tools/schema/")
    p.add_argument("--write", action="store_true")
    p.set_defaults(func=cmd_schema)
    release.add_parsers(sub)  # release, status, diff
    records.add_parsers(sub)  # readiness
    return parser


EXIT_PIPE_CLOSED = 141  # 128 + SIGPIPE, what a shell reports for a reader that went away


def run() -> NoReturn:
    """The `isms` command: main() with fewer full collections (isms.collector: the process is
    short, and its large graphs live until the end), then out without tearing the heap down object
    by object (a tenth of a second after a build: the model, Sphinx's environment); every file is
    closed and every child process joined by then, and the output is flushed here."""
    with fewer_full_collections():
        try:
            code = main()
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader went away (`isms risks | head`): stop quietly, as other command-line tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            code = EXIT_PIPE_CLOSED
    sys.stderr.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        lang = command_language(args)
        err.print(t("cli_error", lang, message=exc.said(lang)), style="red", markup=False)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


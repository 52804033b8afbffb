"""The release commands: release, status, diff (registered by isms.cli)."""

from __future__ import annotations

import argparse
import datetime as dt
import time

from isms import trust
from isms.cli.common import EXIT_OK, EXIT_PROBLEMS, UsageError, checked, counted, err, loaded
from isms.i18n import t
from isms.ledger.diff import DIFF_DIR, DiffError, compare, status_lines
from isms.ledger.release import ReleaseRefused, record_release


def cmd_release(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    prepared = checked(args, "cli_no_release")
    if prepared is None:
        return EXIT_PROBLEMS
    isms = prepared.isms
    per_document = {}
    for item in args.change or []:
        doc_id, sep, text = item.partition("=")
        if not sep or not text.strip():
            raise UsageError("cli_release_change_form", given=item)
        per_document[doc_id.strip()] = text.strip()
    document_signers: dict[str, tuple[str | None, str | None, str | None]] = {}
    for item in args.signers or []:
        doc_id, sep, idents = item.partition("=")
        parts = [part.strip() or None for part in idents.split(",")]
        if not sep or not doc_id.strip() or len(parts) != 3 or not any(parts):
            raise UsageError("cli_release_signers_form", given=item)
        document_signers[doc_id.strip()] = (parts[0], parts[1], parts[2])
    try:
        date = dt.date.fromisoformat(args.date) if args.date else None
    except ValueError:
        raise UsageError("cli_release_date_form", given=args.date) from None
    try:
        recorded = record_release(
            isms, prepared.versions, args.version, args.summary, args.author, args.reviewer, args.approver, date, per_document, args.tag,
            document_signers,
        )
    except ReleaseRefused as exc:
        err.print(t("cli_release_refused", isms.lang, reason=exc.said(isms.lang)), style="bold red", markup=False)
        return EXIT_PROBLEMS
    for line in recorded.changed:
        print(line)
    lang = isms.lang
    where = recorded.ledger.relative_to(isms.root)
    said = {
        "version": recorded.version, "ledger": where, "documents": counted(len(recorded.changed), "document", lang),
        "seconds": f"{time.perf_counter() - started:.1f}",
    }
    if recorded.tag:
        err.print(t("cli_release_tagged", lang, **said, tag=recorded.tag), style="green", markup=False)
    else:
        err.print(t("cli_release_recorded", lang, **said, snapshots=f"manual_src/releases/{recorded.version}/"), style="green", markup=False)
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    prepared = loaded(args)
    if prepared is None:
        return EXIT_PROBLEMS
    lang = prepared.isms.lang
    releases = prepared.isms.releases.releases
    if releases:
        err.print(t("cli_status_last", lang, version=releases[-1].version, date=releases[-1].date.isoformat()), markup=False)
    else:
        err.print(t("cli_status_none", lang), markup=False)
    lines = status_lines(prepared.isms, prepared.versions)
    for line in lines:
        print(line)
    if not lines:
        err.print(t("cli_status_unchanged", lang), markup=False)
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from isms.render.diffpage import diff_html
    from isms.render.docx.comparison import write_comparison  # the Word libraries only when a table is written

    prepared = loaded(args)
    if prepared is None:
        return EXIT_PROBLEMS
    root, isms = prepared.root, prepared.isms
    try:
        old, new, diffs = compare(isms, prepared.versions, args.old, args.new)
    except DiffError as exc:
        err.print(t("cli_error", isms.lang, message=exc.said(isms.lang)), style="red", markup=False)
        return EXIT_PROBLEMS
    # build/ and build/diff may be links a pull request committed (git add -f): removed, never
    # followed; the files are written aside and renamed into place (a link there is replaced).
    trust.remove_planted_links(root / "build")
    directory = root / DIFF_DIR
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{old}_{new}.html"
    trust.write_atomic(path, diff_html(isms, old, new, diffs).encode("utf-8"))
    write_comparison(isms, old, new, diffs, path.with_suffix(".docx"))
    for d in diffs:
        print(f"{t(f'diff_kind_{d.change.kind}', isms.lang)}: {d.name}")
    for output in (path, path.with_suffix(".docx")):
        if output.exists():
            print(output.relative_to(root) if output.is_relative_to(root) else output)
    return EXIT_OK


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("release", help="record an approved release in manual_src/releases.yaml (versions and histories follow)")
    p.add_argument("version", help='release number, e.g. 1.0 (must come after the last one: 1.10 > 1.9)')
    p.add_argument("--summary", required=True, help="the summary of changes printed in every revision history")
    p.add_argument("--author", help="who prepared the release: a role or person id (default: the profile's approval.release.author)")
    p.add_argument("--reviewer", help="who reviewed it: a role or person id (default: approval.release.reviewer)")
    p.add_argument(
        "--approver",
        help="who approved the release: a role or person id (default: approval.release.approver, else top_management); "
        "each document is approved by the approver the profile declares for its type",
    )
    p.add_argument("--date", help="the release date YYYY-MM-DD (default: today)")
    p.add_argument("--change", action="append", metavar="DOC_ID=TEXT", help="a document's own summary of changes (repeatable)")
    p.add_argument(
        "--signers", action="append", metavar="DOC_ID=AUTHOR,REVIEWER,APPROVER",
        help="a document's own signers, role or person ids; an empty one keeps its default: the release's author and reviewer, "
        "and the approver the profile declares for the document's type (repeatable)",
    )
    p.add_argument(
        "--tag", action="store_true",
        help="commit the ledger files and tag the commit isms-VERSION (refused while other changes are uncommitted)",
    )
    p.set_defaults(func=cmd_release)
    p = sub.add_parser("status", help="list documents changed since the last release")
    p.set_defaults(func=cmd_status)
    p = sub.add_parser("diff", help="comparison of versions (old beside new) of the documents changed between two releases (default: last release -> working sources)")
    p.add_argument("old", nargs="?", help="release (default: the last one)")
    p.add_argument("new", nargs="?", help="release (default: the working sources)")
    p.set_defaults(func=cmd_diff)

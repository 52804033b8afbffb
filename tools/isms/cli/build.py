"""`isms build`: the no-op fast path, then check → bodies → versions → the writers → the switch, with
its stages and a progress bar on a terminal (plain lines otherwise) and one summary line."""

from __future__ import annotations

import argparse
import functools
import time
from pathlib import Path
from typing import TYPE_CHECKING

from isms import trust
from isms.cli.common import EXIT_OK, EXIT_PROBLEMS, UsageError, counted, err, errors, language_of, print_problems, root_of
from isms.i18n import t
from isms.publish import stamp as stamps

if TYPE_CHECKING:
    from isms.publish.site_process import SiteProcess

STAGE_WORDS = {
    "check": "build_stage_check",
    "html": "build_stage_html",
    "docx": "build_stage_docx",
    "xlsx": "build_stage_xlsx",
    "publish": "build_stage_publish",
}


class BuildProgress:
    """Stages as they start and end: a rich progress bar on a terminal, one plain line per finished
    stage otherwise (CI logs)."""

    def __init__(self, stages: list[str], lang: str):
        self.lang, self.running, self.started = lang, [], {}
        self.live = err.is_terminal
        self.progress = None
        if self.live:
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn  # a terminal's only

            columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn())
            self.progress = Progress(*columns, console=err, transient=True)
            self.task = self.progress.add_task("", total=len(stages))
            self.progress.start()

    def word(self, stage: str) -> str:
        return t(STAGE_WORDS[stage], self.lang)

    def start(self, stage: str) -> None:
        self.started[stage] = time.perf_counter()
        self.running.append(stage)
        self._describe()

    def done(self, stage: str, seconds: float | None = None) -> None:
        if seconds is None:
            seconds = time.perf_counter() - self.started.get(stage, time.perf_counter())
        if stage in self.running:
            self.running.remove(stage)
        line = t("build_stage_done", self.lang, stage=self.word(stage), seconds=f"{seconds:.1f}")
        if self.progress is not None:
            self.progress.console.print(line, markup=False, highlight=False)
            self.progress.advance(self.task)
            self._describe()
        else:
            err.print(line, markup=False)

    def _describe(self) -> None:
        if self.progress is not None:
            self.progress.update(self.task, description=", ".join(self.word(s) for s in self.running))

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def cmd_build(args: argparse.Namespace) -> int:
    from isms.publish import early_site, reusable_outputs
    from isms.publish.manifest import source_state
    from isms.render import WRITERS

    began = time.perf_counter()
    root = root_of(args)
    names = [args.only] if args.only else list(WRITERS)
    build_dir = root / "build" / "audiences" / args.audience if args.audience else root / "build"
    options = {"outputs": names, "audience": args.audience}
    trust.remove_planted_links(root / "build")  # before anything in build/ is read or written
    trust.remove_planted_links(build_dir)
    # Taken before anything is read: an edit during the build rebuilds next time.
    state = source_state(root)  # the git state, in the fingerprint and in the manifest
    sources = stamps.fingerprint(root, options, state)
    skipped = stamps.up_to_date(root, build_dir, options, sources)
    if skipped is not None:
        for line in skipped.warnings:
            err.print(line, markup=False, style="yellow")
        seconds = f"{time.perf_counter() - began:.1f}"
        err.print(t("build_unchanged", skipped.lang, documents=skipped.documents, seconds=seconds), markup=False)
        return EXIT_OK
    if args.only and reusable_outputs(build_dir, root) is False:  # the other outputs cannot be linked
        err.print(t("build_untrusted_set", language_of(root), only=args.only), markup=False, style="yellow")
        names = list(WRITERS)
    stamps.remove_stamp(build_dir)

    site = early_site(names)  # Sphinx's imports on the other core while the sources are read
    try:
        return _build(args, root, names, build_dir, sources, began, site, state)
    finally:
        if site is not None:
            site.stop()


def _build(
    args: argparse.Namespace, root: Path, names: list[str], build_dir: Path, sources: str, began: float, site: SiteProcess | None, state: dict[str, object]
) -> int:
    from isms.bodies import build_bodies
    from isms.check import load_and_model, model_rules
    from isms.ledger import document_versions
    from isms.model import for_audience
    from isms.publish import current_set, publish

    progress = BuildProgress(["check", *names, "publish"], language_of(root))
    progress.start("check")
    sources_read, isms, problems = load_and_model(root)
    gate = None
    if isms is not None and not errors(problems):
        gate = functools.partial(model_rules, isms, sources_read)
        try:  # rendered from a model whose rules run beside Sphinx (the gate): this must not raise on it
            bodies = build_bodies(isms)
            versions = document_versions(isms, bodies)
        except Exception:
            problems, gate = problems + model_rules(isms, sources_read), None
            if not errors(problems):
                raise
    if isms is None or errors(problems):
        progress.stop()
        print_problems(sorted(set(errors(problems)), key=lambda p: (str(p.path), p.line, p.col, p.message)), root)
        lang = isms.lang if isms is not None else language_of(root)
        err.print(t("build_nothing_built", lang, errors=counted(len(errors(problems)), "error", lang)), style="bold red", markup=False)
        return EXIT_PROBLEMS
    progress.lang = isms.lang
    if args.audience:
        audience = next((a for a in isms.profile.audiences if a.id == args.audience), None)
        if audience is None:
            progress.stop()
            known = ", ".join(a.id for a in isms.profile.audiences) or t("cli_no_audiences", isms.lang)
            raise UsageError("cli_unknown_audience", audience=args.audience, known=known)
        # Versions stay those of the whole set: what is left out does not change what is released.
        isms = for_audience(isms, audience)
        bodies = build_bodies(isms)
    progress.done("check")
    try:
        report = publish(isms, bodies, versions, names, on_start=progress.start, build_dir=build_dir, on_done=progress.done, gate=gate, site=site, source=state)
    finally:
        progress.stop()
    found = set(problems + report.warnings)
    # Counted, not listed (`isms check` lists them); a skipped build says it again.
    lang = isms.lang
    warnings = [t("cli_warnings", lang, warnings=counted(len(found), "warning", lang))] if found else []
    for line in warnings:
        err.print(line, markup=False, style="yellow")
    if report.problems and report.gate_failed:
        print_problems(report.problems, root)
        err.print(t("build_nothing_built", lang, errors=counted(len(report.problems), "error", lang)), style="bold red", markup=False)
        return EXIT_PROBLEMS
    if report.problems:
        print_problems(report.problems, root)
        err.print(t("build_outputs_kept", lang, problems=counted(len(report.problems), "problem", lang)), style="bold red", markup=False)
        return EXIT_PROBLEMS
    for name, path in report.outputs.items():
        files = counted(sum(1 for p in path.rglob("*") if p.is_file()), "output_file", lang)
        err.print(t("build_output_written", lang, path=path.relative_to(root), files=files, seconds=f"{report.seconds[name]:.1f}"), style="green", markup=False)
    if report.manifest is not None:
        err.print(t("build_manifest_written", lang, path=report.manifest.relative_to(root)), style="green", markup=False)
    if isms.withheld:
        err.print(t("build_withheld", lang, audience=args.audience, documents=counted(len(isms.withheld), "document", lang)), markup=False)
        for doc in isms.withheld.values():
            err.print(f"  {doc.number} {doc.title} ({doc.classification.id})", markup=False)
    word = report.stats.get("docx", {})
    documents = int(word.get("documents", len(isms.documents)))  # type: ignore[call-overload]
    built = int(word.get("converted", documents))  # type: ignore[call-overload]
    current = current_set(build_dir)
    if current is not None:
        media = stamps.outside_media(root, list(isms.media.values()))
        stamps.write_stamp(
            build_dir,
            stamps.Stamp(stamps.with_media(sources, root, media), current.name, isms.lang, warnings, media, documents),
            root,
        )
    seconds = f"{time.perf_counter() - began:.1f}"
    if "docx" in names:
        err.print(t("build_summary", isms.lang, documents=documents, built=built, skipped=documents - built, seconds=seconds), markup=False)
    else:  # the counts are the Word writer's: without it, say what was built
        err.print(t("build_summary_outputs", isms.lang, documents=documents, outputs=", ".join(names), seconds=seconds), markup=False)
    return EXIT_OK

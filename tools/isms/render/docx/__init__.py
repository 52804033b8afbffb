"""Word writer: the manual, every policy, one procedure per applicable control, the SoA and the risk documents.

Each document = the frame template (cover, history, distribution, header, footer) around a body that
pandoc converts from the same reST the HTML site uses. An output whose fingerprint (everything it
depends on) is in the cache is copied from there; the others go through as few pandoc runs as the
cores allow (see batch.py), so a build with no change starts no pandoc at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import time
import zipfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from isms import __version__
from isms.model import Document, Isms
from isms.problems import Problem
from isms.render import pages
from isms.render.docx import batch
from isms.render.docx.compose import frame_context
from isms.render.docx.labels import doc_title, label_map, referenced
from isms.render.docx.pandoc import Body
from isms.render.docx.paths import template_paths

_PACKAGE = Path(__file__).parent
_ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_LIBRARIES = ("pypandoc-binary", "docxtpl", "docxcompose", "python-docx", "lxml")


@dataclass(frozen=True)
class Job:
    doc: Document
    body: Body
    toc: bool = False
    landscape: bool = False


@dataclass
class Stats:
    """Counters of the last build, for `make bench` and the tests."""

    documents: int = 0
    reused: int = 0
    converted: int = 0
    converted_ids: list[str] = field(default_factory=list)
    pandoc_runs: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


last_stats = Stats()


def file_name(number: str, title: str) -> str:
    """'<number> <title>.docx' without characters Windows or macOS refuse in file names."""
    name = _ILLEGAL.sub("_", f"{number} {title}").strip().rstrip(".")
    return f"{name or 'document'}.docx"


def plan(isms: Isms) -> list[Job]:
    docs = isms.documents
    manual = Body("manual", tuple(c.text for c in isms.manual), tuple(c.source.path for c in isms.manual), chapter_breaks=True)
    jobs = [Job(docs["manual"], manual, toc=True)]
    for policy in isms.policies:
        doc = docs.get(policy.entry.id)
        if doc is None:
            continue
        text, source = (policy.body.text, policy.body.source.path) if policy.body else ("", isms.root / "policy_templates" / policy.entry.file)
        jobs.append(Job(doc, Body(doc.id, (text,), (source,), drop_title=True)))
    for decision in isms.decisions:
        doc = docs.get(decision.document_id)
        if doc is not None and decision.source.applicable:
            body = pages.control_body(isms, decision, with_attributes=True)
            jobs.append(Job(doc, Body(doc.id, (body,), (decision.path,))))
    if "soa" in docs:
        soa = Body("soa", (pages.soa_body(isms, link=False),), (isms.root / "controls",))
        jobs.append(Job(docs["soa"], soa, landscape=True))
    jobs += risk_jobs(isms)
    return jobs


def risk_jobs(isms: Isms) -> list[Job]:
    """資産目録, リスクアセスメント結果報告書 (with the heat map), リスク対応計画, 内部監査チェックリスト.

    Chosen by id: the document register and the requirements checklist share these documents' kinds
    but stay HTML only. Their tables are wide, so the bodies are landscape like the SoA's.
    """
    from isms.risk import pages as risk

    register = isms.risks
    assets = register.assets_path or isms.root / "manual_src/assets.yaml"
    risks = register.risks_path or isms.root / "manual_src/risks.yaml"
    bodies = {
        "assets": (lambda: risk.assets_body(isms, link=False), assets),
        "risk-report": (lambda: risk.risk_report_body(isms, html=False, link=False), risks),
        "risk-plan": (lambda: risk.risk_plan_body(isms, link=False), risks),
        "audit-checklist": (lambda: risk.audit_checklist_body(isms, set(label_map(isms)), link=False), isms.root / "controls"),
    }
    jobs = []
    for doc_id, (body, source) in bodies.items():
        doc = isms.documents.get(doc_id)
        if doc is not None:
            jobs.append(Job(doc, Body(doc_id, (body(),), (source,)), landscape=True))
    return jobs


def check_templates(reference: Path, frame: Path) -> list[Problem]:
    """A missing or damaged template is one clear problem, not one failure per document."""
    regenerate = "run `python -m isms.render.docx.templates` to generate it (then restyle it in Word if you like)"
    problems = []
    for path, needs in ((reference, b"w:styles"), (frame, b"{{p body }}")):
        if not path.is_file():
            problems.append(Problem(path, 1, 1, f"Word template missing: {regenerate}"))
            continue
        try:
            with zipfile.ZipFile(path) as archive:
                content = archive.read("word/document.xml") + archive.read("word/styles.xml")
        except (zipfile.BadZipFile, KeyError, OSError) as exc:
            problems.append(Problem(path, 1, 1, f"not a Word document ({exc}): {regenerate}"))
            continue
        if needs not in content:
            what = "the body tag {{p body }}" if path == frame else "its styles"
            problems.append(Problem(path, 1, 1, f"the template lost {what}: put it back (a paragraph of its own), or {regenerate}"))
    return problems


def _code_version(templates: tuple[Path, Path]) -> str:
    """Changes whenever the writer, its libraries or the templates change."""
    digest = hashlib.sha256(__version__.encode())
    for name in _LIBRARIES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            digest.update(f"{name}={metadata.version(name)}".encode())
    for path in sorted(_PACKAGE.glob("*.py")) + sorted(_PACKAGE.glob("*.lua")) + list(templates):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def fingerprint(code: str, job: Job, context: dict[str, object], labels: dict[str, object], lang: str) -> str:
    """sha256 of everything the output depends on; `labels` = the cross-reference targets it prints."""
    payload = {
        "code": code, "lang": lang, "doc": [job.doc.id, job.doc.kind], "parts": job.body.parts, "context": context, "labels": labels,
        "flags": [job.body.drop_title, job.body.chapter_breaks, job.toc, job.landscape],
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def build_docx(isms: Isms, out: Path, cache: Path) -> list[Problem]:
    global last_stats
    started = time.perf_counter()
    last_stats = stats = Stats()
    reference, frame = template_paths(isms.root)
    problems = check_templates(reference, frame)
    if problems:
        return problems
    code = _code_version((reference, frame))
    labels = label_map(isms)
    jobs = plan(isms)
    items: dict[str, batch.Item] = {}
    names: dict[str, str] = {}
    for job in jobs:
        context = frame_context(isms, job.doc, job.toc)
        seed = fingerprint(code, job, context, dict(referenced(job.body.parts, labels)), isms.lang)
        items[job.doc.id] = batch.Item(job.body, context, seed, job.landscape)
        name = file_name(job.doc.number, doc_title(job.doc, isms.lang))
        if name.casefold() in {n.casefold() for n in names.values()}:  # two documents sharing a number
            name = file_name(f"{job.doc.number} {job.doc.id}", doc_title(job.doc, isms.lang))
        names[job.doc.id] = name
    cached = {doc_id: cache / f"{item.seed}.docx" for doc_id, item in items.items()}
    todo = [items[doc_id] for doc_id, path in cached.items() if not path.is_file()]
    stats.documents, stats.seconds["plan"] = len(jobs), time.perf_counter() - started

    if todo:
        mark = time.perf_counter()
        cache.mkdir(parents=True, exist_ok=True)
        media = {name: str(path) for name, path in isms.media.items()}
        results, stats.pandoc_runs = batch.run(todo, labels, isms.lang, reference, frame, media)
        for done, found, seconds in results:
            problems += found
            for doc_id, data in done.items():
                _write_atomic(cached[doc_id], data)
            stats.converted_ids += sorted(done)
            for key, value in seconds.items():
                stats.seconds[key] = max(stats.seconds.get(key, 0.0), value)
        stats.converted = len(stats.converted_ids)
        stats.seconds["convert"] = time.perf_counter() - mark
    if problems:
        return problems

    for doc_id, path in cached.items():
        shutil.copyfile(path, out / names[doc_id])
    keep = {path.name for path in cached.values()}
    for stale in cache.glob("*.docx"):
        if stale.name not in keep:  # outputs of earlier states: the cache does not grow without end
            stale.unlink()
    stats.reused = len(jobs) - stats.converted
    stats.seconds["total"] = time.perf_counter() - started
    return []

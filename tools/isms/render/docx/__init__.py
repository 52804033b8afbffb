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
import time
import zlib
from dataclasses import asdict, dataclass, field, replace
from importlib import metadata
from pathlib import Path

from isms import __version__, i18n, trust
from isms.bodies.documents import SOA_COLUMNS, register_body
from isms.bodies.records import LANDSCAPE
from isms.i18n import fingerprint as words_fingerprint
from isms.model import Document
from isms.problems import Problem
from isms.render import names
from isms.render.context import BuildContext, WriterResult
from isms.render.docx import batch, paginate
from isms.render.docx.compose import frame_context
from isms.render.docx.labels import label_map, referenced
from isms.render.docx.pandoc import DocumentText
from isms.render.docx.paths import template_paths
from isms.render.reuse import place_bytes
from isms.sources.word import BODY_TAG, read_word_template

_PACKAGE = Path(__file__).parent
_LIBRARIES = ("pypandoc-binary", "docxtpl", "docxcompose", "python-docx", "lxml")


@dataclass(frozen=True)
class Job:
    doc: Document
    body: DocumentText
    toc: bool = False
    landscape: bool = False


@dataclass
class Stats:
    """Counters of a build, for `make bench` and the tests (returned in the writer's result)."""

    documents: int = 0
    reused: int = 0
    converted: int = 0
    converted_ids: list[str] = field(default_factory=list)
    bodies_reused: int = 0  # of those, the ones whose pandoc body came from the cache
    pandoc_runs: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def file_name(number: str, title: str) -> str:
    """'<number> <title>.docx' without characters Windows or macOS refuse in file names."""
    return names.docx_name(number, title)


def plan(context: BuildContext) -> list[Job]:
    isms, bodies = context.isms, context.bodies.documents
    docs = isms.documents
    jobs = []
    if "manual" in docs:  # not when left out for this build's audience
        body = bodies["manual"]
        parts = ((body.printed,) if body.printed else ()) + body.parts
        sources = ((isms.root / "manual_src/profile.yaml",) if body.printed else ()) + tuple(c.source.path for c in isms.manual)
        manual = DocumentText("manual", parts, sources, chapter_breaks=True)
        jobs.append(Job(docs["manual"], manual, toc=True))
    if "scope" in bodies:
        jobs.append(Job(docs["scope"], DocumentText("scope", (bodies["scope"].printed or "",), (isms.root / "manual_src/profile.yaml",))))
    for policy in isms.policies:
        doc = docs.get(policy.entry.id)
        if doc is None:
            continue
        source = policy.body.source.path if policy.body else isms.root / "policy_templates" / policy.entry.file
        signed = "5.2" in policy.entry.clauses  # the information security policy: signed by top management
        jobs.append(Job(doc, DocumentText(doc.id, (bodies[doc.id].printed or "",), (source,), drop_title=True, signed=signed)))
    for decision in isms.decisions:
        doc = docs.get(decision.document_id)
        if doc is not None and decision.source.applicable:
            jobs.append(Job(doc, DocumentText(doc.id, (bodies[doc.id].printed or "",), (decision.path,))))
    # The registers' tables are wide: their bodies are landscape. The document register and the
    # requirements checklist have no Word file (their body has no printed text).
    controls = isms.root / "controls"
    assets = isms.risks.assets_path or isms.root / "manual_src/assets.yaml"
    risks = isms.risks.risks_path or isms.root / "manual_src/risks.yaml"
    merge = (SOA_COLUMNS.index("reasons"), SOA_COLUMNS.index("exclusion"))
    for doc_id, source in (("soa", controls), ("assets", assets), ("risk-report", risks), ("risk-plan", risks), ("audit-checklist", controls)):
        body = bodies.get(doc_id)
        if body is not None and body.printed is not None:
            soa = doc_id == "soa"
            text = DocumentText(doc_id, (body.printed,), (source,), merge=merge if soa else None, dense=soa)
            jobs.append(Job(docs[doc_id], text, landscape=True))
    if "register" in docs:  # lists every document's version: written with the versions, not a body
        register = register_body(isms, context.versions.documents, link=False)
        jobs.append(Job(docs["register"], DocumentText("register", (register,), (isms.root / "manual_src/releases.yaml",)), landscape=True))
    # The record sets and their blank forms (isms.bodies.records): the wide tables are landscape.
    for doc in isms.ordered_documents:
        body = bodies.get(doc.id)
        if doc.kind in ("record", "form") and body is not None and body.printed is not None:
            record_type = doc.id.split("-", 1)[1]
            source = isms.records.source_of(record_type, isms.root)
            jobs.append(Job(doc, DocumentText(doc.id, (body.printed,), (source,)), landscape=doc.id in LANDSCAPE))
    return jobs


def check_templates(reference: Path, frame: Path, root: Path) -> list[Problem]:
    """A missing, damaged or oversized template is one clear problem, not one failure per document
    (`isms check` reports the same, and checks the frame's template code: isms.check.templates)."""
    problems = read_word_template(reference, root, b"w:styles")[1]
    return problems + read_word_template(frame, root, BODY_TAG)[1]


def _code_version(templates: tuple[Path, Path]) -> str:
    """Changes whenever the writer, its words, its libraries (zlib too: it compresses the parts, and a
    cache shared by two environments keeps their files apart) or the templates change."""
    digest = hashlib.sha256(f"{__version__} zlib {zlib.ZLIB_RUNTIME_VERSION}".encode())
    digest.update(words_fingerprint().encode())
    for name in _LIBRARIES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            digest.update(f"{name}={metadata.version(name)}".encode())
    dates = [Path(i18n.__file__)]  # format_date(): code of the printed words, not part of this package
    for path in sorted(_PACKAGE.glob("*.py")) + sorted(_PACKAGE.glob("*.lua")) + dates + list(templates):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def body_fingerprint(code: str, body: DocumentText, labels: dict[str, object], lang: str) -> str:
    """sha256 of everything pandoc's body of a document depends on (`labels`: the cross-reference
    targets it prints; the reference template is in `code`); not the frame's variables."""
    payload = {
        "code": code, "lang": lang, "doc": body.doc_id, "parts": body.parts, "labels": labels,
        "flags": [body.drop_title, body.chapter_breaks, body.signed, body.merge, body.dense],
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def _store(root: Path, path: Path, data: bytes) -> None:
    entry = trust.wrap(root, path.name, data)
    if entry is not None:
        trust.write_atomic(path, entry)  # a fresh name: a shared cache has concurrent writers


def fingerprint(code: str, job: Job, context: dict[str, object], labels: dict[str, object], lang: str) -> str:
    """sha256 of everything the output depends on; `labels` = the cross-reference targets it prints."""
    payload = {
        "code": code, "lang": lang, "doc": [job.doc.id, job.doc.kind], "parts": job.body.parts, "context": context, "labels": labels,
        "flags": [job.body.drop_title, job.body.chapter_breaks, job.body.signed, job.body.merge, job.body.dense, job.toc, job.landscape],
        "pages": paginate.engine() if job.toc else None,
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def build_docx(context: BuildContext) -> WriterResult:
    stats = Stats()
    problems = _build(context, stats)
    return WriterResult(problems, asdict(stats))


def _build(build: BuildContext, stats: Stats) -> list[Problem]:
    isms, out, cache = build.isms, build.out, build.cache
    started = time.perf_counter()
    reference, frame = template_paths(isms.root)
    problems = check_templates(reference, frame, isms.root)
    if problems:
        return problems
    code = _code_version((reference, frame))
    labels = label_map(isms)
    jobs = plan(build)
    items: dict[str, batch.Item] = {}
    keys: dict[str, str] = {}
    printed_labels: dict[str, dict[str, object]] = {}
    for job in jobs:
        context = frame_context(isms, build.versions, job.doc, job.toc)
        printed = printed_labels[job.doc.id] = dict(referenced(job.body.parts, labels))
        # The cache key covers the code too; the seed of the random list ids only the content, so
        # that a change to the tool that leaves a document's content alone leaves its bytes alone.
        keys[job.doc.id] = fingerprint(code, job, context, printed, isms.lang)
        items[job.doc.id] = batch.Item(job.body, context, fingerprint("", job, context, printed, isms.lang), job.landscape, job.toc)
    file_names = names.docx_names(job.doc for job in jobs)  # the names the site links (html/downloads)
    cached = {doc_id: cache / f"{keys[doc_id]}.docx" for doc_id in items}
    # An entry counts only if this machine wrote it (isms.trust): build/ may hold planted files.
    found = {doc_id: trust.read_entry(isms.root, path) for doc_id, path in cached.items()}
    outputs = {doc_id: data for doc_id, data in found.items() if data is not None}
    todo = [items[doc_id] for doc_id in cached if doc_id not in outputs]
    stats.documents, stats.seconds["plan"] = len(jobs), time.perf_counter() - started

    body_files: dict[str, Path] = {}
    if todo:
        mark = time.perf_counter()
        cache.mkdir(parents=True, exist_ok=True)
        media = {name: str(path) for name, path in isms.media.items()}
        # pandoc's body of a document depends on its text, not on the frame's variables: after a
        # release (every document re-versioned) or a new organisation name, only the frames are made again.
        body_files = {item.body.doc_id: cache / f"{body_fingerprint(code, item.body, printed_labels[item.body.doc_id], isms.lang)}.body" for item in todo}
        todo = [replace(item, converted=trust.read_entry(isms.root, body_files[item.body.doc_id])) for item in todo]
        stats.bodies_reused = sum(1 for item in todo if item.converted is not None)
        results, stats.pandoc_runs = batch.run(todo, labels, isms.lang, reference, frame, media)
        for done, reported, seconds, made in results:
            problems += reported
            for doc_id, data in done.items():
                outputs[doc_id] = data
                _store(isms.root, cached[doc_id], data)
            for doc_id, data in made.items():
                _store(isms.root, body_files[doc_id], data)
            stats.converted_ids += sorted(done)
            for key, value in seconds.items():
                stats.seconds[key] = max(stats.seconds.get(key, 0.0), value)
        stats.converted = len(stats.converted_ids)
        stats.seconds["convert"] = time.perf_counter() - mark
    if problems:
        return problems

    for doc_id, data in outputs.items():
        place_bytes(data, out / file_names[doc_id], build.previous / file_names[doc_id] if build.previous else None)
    keep = {path.name for path in cached.values()}
    for stale in () if build.shared_cache else cache.glob("*.docx"):
        if stale.name not in keep:  # outputs of earlier states: the cache does not grow without end
            stale.unlink()
    if len(todo) > 1 and not build.shared_cache:  # the bodies of earlier states (after an edit of one document, at the next larger build)
        current = {path.name for path in body_files.values()} | {
            f"{body_fingerprint(code, job.body, printed_labels[job.doc.id], isms.lang)}.body" for job in jobs if job.doc.id not in body_files
        }
        for stale in cache.glob("*.body"):
            if stale.name not in current:
                stale.unlink()
    stats.reused = len(jobs) - stats.converted
    stats.seconds["total"] = time.perf_counter() - started
    return []

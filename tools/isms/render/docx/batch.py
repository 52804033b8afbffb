"""Convert the documents that are not in the cache: pandoc once per worker, then the frame per document.

On two or more cores the work is split into shares of similar text size, one process each; each share
costs one pandoc start (~65 ms), which pays off from about 20 documents a share.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from isms import trust
from isms.problems import Problem
from isms.render.docx.compose import compose
from isms.render.docx.labels import Label
from isms.render.docx.paginate import PaginationError, paginate
from isms.render.docx.pandoc import DocumentText, convert

DOCUMENTS_PER_WORKER = 20
MAX_WORKERS = 4
# The text one pandoc process converts at most: its memory grows with its input (the whole AST), so
# a larger organisation takes more runs of the same size, not a larger process (~65 ms a start).
CHUNK_CHARACTERS = 400_000
LAYOUT_CHARACTERS = 120_000  # see cost()
# Sphinx, in its own process beside the Word writer, is the longest part of a full build: when both
# want the same core, the workers (and their pandoc and LibreOffice) let Sphinx have it.
WORKER_NICENESS = 10


@dataclass(frozen=True)
class Item:
    body: DocumentText
    context: dict[str, Any]  # what the frame prints
    seed: str  # the fingerprint: seeds docxcompose's random list ids
    landscape: bool = False
    toc: bool = False  # page numbers from a LibreOffice layout (paginate.py)
    converted: bytes | None = None  # pandoc's body of an earlier build (the writer's cache): not converted again


@dataclass(frozen=True)
class Share:
    items: list[Item]
    labels: dict[str, Label]
    lang: str
    reference: Path
    frame: Path
    media: dict[str, str]  # published image name -> file to embed


# The Word files, the problems, the seconds of each step, and the bodies pandoc made (for the cache).
Result = tuple[dict[str, bytes], list[Problem], dict[str, float], dict[str, bytes]]


def chunks(items: list[Item], limit: int = CHUNK_CHARACTERS) -> list[list[Item]]:
    """Consecutive runs of items whose texts add up to about `limit` characters (at least one item each)."""
    runs: list[list[Item]] = [[]]
    size = 0
    for item in items:
        length = sum(len(p) for p in item.body.parts)
        if runs[-1] and size + length > limit:
            runs.append([])
            size = 0
        runs[-1].append(item)
        size += length
    return [run for run in runs if run]


def run_share(share: Share) -> Result:
    mark = time.perf_counter()
    made: dict[str, bytes] = {}
    problems: list[Problem] = []
    for run in chunks(_to_convert(share.items)):  # pandoc holds its whole input in memory: bounded runs, bounded memory
        found_bodies, found = convert([item.body for item in run], share.labels, share.lang, share.reference, share.media)
        made.update(found_bodies)
        problems += found
    bodies = {item.body.doc_id: item.converted for item in share.items if item.converted is not None} | made
    seconds = {"pandoc": time.perf_counter() - mark}
    mark = time.perf_counter()
    done: dict[str, bytes] = {}
    for item in share.items:
        doc_id = item.body.doc_id
        if doc_id not in bodies:
            continue
        try:
            done[doc_id] = compose(share.frame, bodies[doc_id], item.context, seed=item.seed, landscape=item.landscape)
        except Exception as exc:  # a damaged frame template or body must become a problem, not a traceback
            name = f"{item.context['number']} {item.context['title']}"
            problems.append(Problem(share.frame, 1, 1, f"{name}: could not assemble the Word document ({type(exc).__name__}: {exc})"))
    seconds["compose"] = time.perf_counter() - mark
    for item in share.items:
        if item.toc and item.body.doc_id in done:
            mark = time.perf_counter()
            try:
                done[item.body.doc_id] = paginate(done[item.body.doc_id], item.context["organisation"])
            except PaginationError as exc:
                name = f"{item.context['number']} {item.context['title']}"
                problems.append(Problem(item.body.sources[0], 1, 1, f"{name}: LibreOffice could not lay out the table of contents ({exc})"))
                del done[item.body.doc_id]
            seconds["paginate"] = seconds.get("paginate", 0.0) + time.perf_counter() - mark
    return done, problems, seconds, made


def _start_worker(parent: int) -> None:
    """A worker yields the cores to Sphinx, and dies with the build: a build killed outright must
    not leave workers holding build/.lock (inherited) for every later build to meet."""
    if not trust.die_with_parent(parent):
        os._exit(1)
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)


def _to_convert(items: list[Item]) -> list[Item]:
    return [item for item in items if item.converted is None]


def worker_count(documents: int) -> int:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cpus, MAX_WORKERS, documents // DOCUMENTS_PER_WORKER))


def cost(item: Item) -> int:
    """A document's work in characters of text (pandoc and the frame: about 60,000 a second; a body
    pandoc converted in an earlier build counts half, the frame's part); the manual's layout in
    LibreOffice for its table of contents (~2 s) counts as 120,000 more. Split by text alone, the
    share with the manual ended 1.4 to 2.2 s after the other."""
    text = sum(len(p) for p in item.body.parts)
    return (text // 2 if item.converted is not None else text) + (LAYOUT_CHARACTERS if item.toc else 0)


def split(items: list[Item], count: int) -> list[list[Item]]:
    """Costliest first, each to the lightest share, so that the workers finish together."""
    shares: list[list[Item]] = [[] for _ in range(count)]
    sizes = [0] * count
    for item in sorted(items, key=lambda i: -cost(i)):
        lightest = sizes.index(min(sizes))
        shares[lightest].append(item)
        sizes[lightest] += cost(item)
    return [share for share in shares if share]


def run(
    items: list[Item], labels: dict[str, Label], lang: str, reference: Path, frame: Path, media: dict[str, str]
) -> tuple[list[Result], int]:
    """Returns the results of every share and the number of pandoc processes started (a chunk each)."""
    shares = [Share(part, labels, lang, reference, frame, media) for part in split(items, worker_count(len(items)))]
    runs = sum(len(chunks(_to_convert(share.items))) for share in shares)
    if len(shares) == 1:
        return [run_share(shares[0])], runs
    # fork: the workers inherit the loaded modules instead of importing them again.
    context = multiprocessing.get_context("fork") if sys.platform == "linux" else None
    try:
        with ProcessPoolExecutor(len(shares), mp_context=context, initializer=_start_worker, initargs=(os.getpid(),)) as pool:
            return list(pool.map(run_share, shares)), runs
    except (OSError, BrokenProcessPool) as exc:
        return [({}, [Problem(frame, 1, 1, f"a Word conversion worker failed: {exc}")], {}, {})], runs

"""Sphinx in a process of its own, which can start before the sources are read.

Sphinx, its theme and this package's extension take a third of a second to import: for a build after
one edit, about as long as reading the sources and building the model. `isms build` therefore forks
this process first (`SiteProcess()`): it imports Sphinx on one core while the build reads the sources
on the other. Once the build has its model, it hands over the contexts (pickled into an unnamed
temporary file: the model is megabytes, more than a pipe holds while the other side is still
importing) and runs the rules and the other writers itself, beside Sphinx. A process forked when the
writers start (`SiteProcess(contexts)`, for callers that did not start one early) inherits the
contexts instead.

Writers after the site (the workbooks) go to whichever process is free first: the build after a cold
start is still converting Word files when Sphinx is done, the build after an edit the other way
round. Each claims such a writer before it runs it (`claim`), so exactly one of them does.

The conversation, over one pipe: the build sends ("job", size) or ("go", 0), later its word on the
rules ("gate", failed): Sphinx stops before its next page once they failed. The process answers
with one Outcome per writer it ran. The end of the pipe ends it without building.
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import io
import multiprocessing
import os
import pickle
import signal
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any

from isms import trust
from isms.problems import Problem
from isms.publish.running import run_writer
from isms.render import BuildContext
from isms.sources.loader import LoadedControl, LoadedYaml

SITE = "html"
SHARED = ("xlsx",)  # writers either process may run, once the site is built

# (writer, problems, statistics, seconds, the write error that stopped it or None)
Outcome = tuple[str, list[Problem], dict[str, object], float, OSError | None]


class SiteProcess:
    def __init__(self, contexts: dict[str, BuildContext] | None = None) -> None:
        """contexts: the writers', when they are known already (inherited by the fork, nothing pickled)."""
        fork = multiprocessing.get_context("fork")
        self._inherited = contexts is not None
        self._job: IO[bytes] | None = None if self._inherited else tempfile.TemporaryFile(prefix="isms-site-")  # noqa: SIM115 (closed by stop())
        self._claims = fork.Array("b", len(SHARED))  # with its own lock: 1 once a process took the writer
        self._connection, child_end = fork.Pipe(duplex=True)
        self._process = fork.Process(
            target=_serve, args=(child_end, self._job, contexts, self._claims, os.getpid()), name="isms-site", daemon=True
        )
        self._process.start()
        child_end.close()
        self._gate_sent = False
        self._answered = False

    def start(self, contexts: dict[str, BuildContext]) -> None:
        """Build the site of these contexts (the same as the inherited ones, if any), then the
        shared writers among them that the build has not claimed yet."""
        # A process that has ended already (its imports failed, it was killed) closed its end: the
        # send fails, and outcomes() says that the process ended, not that build/ cannot be written.
        if self._inherited:
            with contextlib.suppress(OSError):
                self._connection.send(("go", 0))
            return
        assert self._job is not None
        wanted = {name: dataclasses.replace(context, cancelled=None) for name, context in contexts.items() if name == SITE or name in SHARED}
        data = _job_bytes(wanted)
        self._job.write(data)
        self._job.flush()
        with contextlib.suppress(OSError):
            self._connection.send(("job", len(data)))

    def claim(self, name: str) -> bool:
        """Whether the caller may run this shared writer (no other process has taken it)."""
        return _claim(self._claims, name)

    def failed(self) -> bool:
        """Whether the process has ended without answering (killed, out of memory): the build's
        work beside it is in vain."""
        return self._process.exitcode not in (None, 0)

    def gate(self, failed: bool) -> None:
        """The rules' verdict: when they failed, Sphinx stops before its next page."""
        if not self._gate_sent:
            with contextlib.suppress(OSError):  # the process has ended: outcomes() says how
                self._connection.send(("gate", failed))
            self._gate_sent = True

    def outcomes(self, root: Path) -> list[Outcome]:
        """What the writers this process ran found (waits for them). A process that died gives a problem."""
        try:
            found: list[Outcome] = self._connection.recv()
            self._answered = True
            return found
        except (EOFError, OSError):
            self._process.join()
            message = f"the process that builds the site ended unexpectedly (exit code {self._process.exitcode}); the previous outputs are unchanged."
            return [(SITE, [Problem(root, 1, 1, message)], {"failed": True}, 0.0, None)]
        finally:
            self.stop()

    def stop(self) -> None:
        """End the process: it has answered and is leaving, or its work is not wanted any more (the
        build stopped early or failed elsewhere)."""
        with contextlib.suppress(OSError):
            self._connection.close()
        if not self._answered and self._process.is_alive():
            self._process.kill()
        self._process.join()
        if self._job is not None:
            self._job.close()
            self._job = None


def _job_bytes(contexts: dict[str, BuildContext]) -> bytes:
    """One pickle of the contexts (the model once), without the raw YAML the sources were read from:
    its positions serve the rules, which run in the build's process; the writers never read them,
    and the round-trip mappings were half of the pickle's time."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {
        **copyreg.dispatch_table,
        LoadedControl: lambda loaded: (LoadedControl, (loaded.path, loaded.source, None)),
        LoadedYaml: lambda loaded: (LoadedYaml, (loaded.path, loaded.model, None)),
    }
    pickler.dump(contexts)
    return buffer.getvalue()


def _claim(claims: Any, name: str) -> bool:
    index = SHARED.index(name)
    with claims.get_lock():
        if claims[index]:
            return False
        claims[index] = 1
        return True


def _serve(connection: Connection, job: IO[bytes] | None, contexts: dict[str, BuildContext] | None, claims: Any, parent: int) -> None:
    """In the child: import Sphinx, wait for the job, build the site and what is left, answer."""
    if not trust.die_with_parent(parent):
        return
    # Ctrl-C reaches the whole process group: the build says so; this process just ends (unless the
    # build ignores it, as a background job does: then so does this process).
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, lambda *_: os._exit(130))
    from isms.render.html import preload

    preload()
    try:
        kind, size = connection.recv()
    except (EOFError, OSError, ValueError, TypeError):
        return
    if kind == "job" and job is not None:
        contexts = pickle.loads(os.pread(job.fileno(), size, 0))
    elif kind != "go" or contexts is None:
        return
    verdict: list[bool] = []

    def failed_elsewhere() -> bool:
        """Asked by Sphinx before each page it reads."""
        with contextlib.suppress(EOFError, OSError, ValueError, TypeError):
            while not verdict and connection.poll():
                kind, failed = connection.recv()
                if kind == "gate":
                    verdict.append(bool(failed))
        return bool(verdict) and verdict[0]

    outcomes = [_run(SITE, dataclasses.replace(contexts[SITE], cancelled=failed_elsewhere))]
    for name in SHARED:  # as the build does: after a writer's problem, no more writers
        if name in contexts and _clean(outcomes[-1]) and not failed_elsewhere() and _claim(claims, name):
            outcomes.append(_run(name, contexts[name]))
    with contextlib.suppress(OSError):
        connection.send(outcomes)


def _clean(outcome: Outcome) -> bool:
    _, problems, stats, _, error = outcome
    return not problems and error is None and not stats.get("cancelled")


def _run(name: str, context: BuildContext) -> Outcome:
    started = time.perf_counter()
    try:
        problems, stats = run_writer(name, context)
    except OSError as exc:
        return name, [], {}, time.perf_counter() - started, exc
    return name, problems, stats, time.perf_counter() - started, None

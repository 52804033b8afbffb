"""One writer run with the build's policy for failures, in whichever process runs it."""

from __future__ import annotations

from isms.problems import Problem
from isms.render import BuildContext, writer


def run_writer(name: str, context: BuildContext) -> tuple[list[Problem], dict[str, object]]:
    """(problems, statistics). A failed write (OSError) is raised: it is reported with the path and
    what to do. Any other exception is a bug: one clear line instead of a traceback, and the current
    set stays."""
    try:
        result = writer(name)(context)
    except OSError:
        raise
    except Exception as exc:
        return [Problem(context.isms.root, 1, 1, f"the {name} writer failed unexpectedly ({type(exc).__name__}: {exc}); the previous outputs are unchanged. Please report this.")], {}
    return result.problems, result.stats

"""What every writer receives: one build context, and what it gives back: problems and statistics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from isms.bodies import Bodies
from isms.ledger import Versions
from isms.model import Isms
from isms.problems import Problem


@dataclass(frozen=True)
class BuildContext:
    """The model, the bodies of its documents and their versions, computed once per build; plus
    where the writer puts its output (a staging folder) and its cache (kept between builds)."""

    isms: Isms
    bodies: Bodies
    versions: Versions
    out: Path
    cache: Path
    # False for a cache shared by several builds (ISMS_CACHE_DIR): entries of other builds stay
    shared_cache: bool = False
    # Whether the build has already failed elsewhere (the rules beside Sphinx): a long writer asks
    # now and then and stops early, its output unused.
    cancelled: Callable[[], bool] | None = None
    # The same output of the current set, when this machine made it (isms.trust): files with the same
    # bytes are linked from there (isms.render.reuse).
    previous: Path | None = None

    @property
    def lang(self) -> str:
        return self.isms.lang


@dataclass
class WriterResult:
    problems: list[Problem] = field(default_factory=list)
    stats: dict[str, object] = field(default_factory=dict)  # figures for `make bench` and the tests

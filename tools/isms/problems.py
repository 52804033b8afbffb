"""Problems are values: every stage returns them, only the CLI prints them and picks the exit code."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    path: Path
    line: int
    col: int
    message: str
    severity: str = "error"

    def format(self, root: Path | None = None) -> str:
        path = self.path
        if root is not None:
            with contextlib.suppress(ValueError):
                path = self.path.resolve().relative_to(root.resolve())
        return f"{path}:{self.line}:{self.col}: {self.severity}: {self.message}"


class InputError(Exception):
    """Raised where a stage cannot go on at all; carries the problems that stopped it."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems

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
            # Without resolving first: a symlink that leads elsewhere is named where the editor sees it.
            for candidate, base in ((self.path.absolute(), root.absolute()), (self.path.resolve(), root.resolve())):
                with contextlib.suppress(ValueError):
                    path = candidate.relative_to(base)
                    break
        return f"{path}:{self.line}:{self.col}: {self.severity}: {self.message}"

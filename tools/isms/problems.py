"""Problems are values: every stage returns them, only the CLI prints them and picks the exit code."""

from __future__ import annotations

import contextlib
import re
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
        return f"{_one_line(str(path))}:{self.line}:{self.col}: {self.severity}: {_one_line(self.message)}"


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _one_line(text: str) -> str:
    """One problem, one line: a newline in a file name or a quoted value is shown escaped, so that
    it cannot print a line that looks like another problem (or hide one)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text) if _CONTROL.search(text) else text

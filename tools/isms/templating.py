"""Render the Jinja variables in reST sources, keeping a map back to the source lines."""

from __future__ import annotations

import bisect
import difflib
import traceback
from dataclasses import dataclass
from typing import Any

import jinja2

from isms.problems import Problem
from isms.sources.loader import TextSource

_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
_TEMPLATE_NAME = "<template>"  # the filename Jinja gives code compiled from a string


@dataclass(frozen=True)
class RenderedText:
    """A source after Jinja: reST text plus the source line of each rendered line."""

    source: TextSource
    text: str
    source_lines: tuple[int, ...]  # rendered line n (1-based) -> file line

    def file_line(self, rendered_line: int | None) -> int:
        if not rendered_line or not self.source_lines:
            return self.source.first_line
        index = min(max(rendered_line, 1), len(self.source_lines)) - 1
        return self.source_lines[index]


def render(source: TextSource, context: dict[str, Any]) -> tuple[RenderedText | None, list[Problem]]:
    try:
        template = _ENV.from_string(source.text)
        text = template.render(**context)
    except jinja2.TemplateSyntaxError as exc:
        line = source.first_line + (exc.lineno or 1) - 1
        return None, [Problem(source.path, line, 1, f"template syntax: {exc.message}")]
    except jinja2.UndefinedError as exc:
        line = source.first_line + _template_line(exc) - 1
        return None, [Problem(source.path, line, 1, f"undefined template variable: {exc.message} (see README, 'Template variables')")]
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        line = source.first_line + _template_line(exc) - 1
        return None, [Problem(source.path, line, 1, f"template error: {exc}")]
    return RenderedText(source, text, _line_map(source, text)), []


def _template_line(exc: BaseException) -> int:
    # Jinja rewrites tracebacks so template frames carry the template's own line numbers.
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == _TEMPLATE_NAME]
    return lines[-1] if lines and lines[-1] else 1


def _line_map(source: TextSource, rendered: str) -> tuple[int, ...]:
    """Align rendered lines with source lines; lines Jinja changed map to the nearest source line before."""
    src = source.text.splitlines()
    out = rendered.splitlines()
    if src == out:
        return tuple(range(source.first_line, source.first_line + len(out)))
    anchors: list[tuple[int, int]] = []  # (rendered index, source index)
    for block in difflib.SequenceMatcher(a=out, b=src, autojunk=False).get_matching_blocks():
        anchors.extend((block.a + k, block.b + k) for k in range(block.size))
    keys = [a for a, _ in anchors]
    mapping = []
    for index in range(len(out)):
        at = bisect.bisect_right(keys, index) - 1
        src_index = anchors[at][1] + (index - anchors[at][0]) if at >= 0 else index
        mapping.append(source.first_line + min(src_index, max(len(src) - 1, 0)))
    return tuple(mapping)

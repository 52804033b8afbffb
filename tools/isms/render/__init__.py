"""Render stage: one writer per output format, looked up by name.

A writer is a function ``build(context: BuildContext) -> WriterResult`` in its own package: it writes
into ``context.out`` and may keep anything in ``context.cache``. It never raises for bad input (the
check stage refused that); what goes wrong is returned as problems. A new output format is a new
package here and one line in ``WRITERS``. Writers are imported when used, so `isms check` and
single-output builds do not load Sphinx or the Word libraries.
"""

from __future__ import annotations

import importlib
from typing import Protocol

from isms.render.context import BuildContext, WriterResult

__all__ = ["WRITERS", "BuildContext", "Writer", "WriterResult", "writer"]

WRITERS: dict[str, str] = {
    "html": "isms.render.html:build_html",
    "docx": "isms.render.docx:build_docx",
    "xlsx": "isms.render.xlsx:build_xlsx",
}


class Writer(Protocol):
    def __call__(self, context: BuildContext) -> WriterResult: ...


def writer(name: str) -> Writer:
    module, _, function = WRITERS[name].partition(":")
    return getattr(importlib.import_module(module), function)

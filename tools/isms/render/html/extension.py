"""Sphinx extension for the ISMS site: Japanese paragraphs without stray spaces, and our static files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

CJK = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# A line break between two Japanese characters is an artefact of the source's line wrapping;
# browsers would render it as a space inside a Japanese sentence.
_CJK_BREAK = re.compile(rf"(?<=[{CJK}])\s*\n\s*(?=[{CJK}])")
_SKIP = (nodes.literal_block, nodes.literal, nodes.raw, nodes.comment)


def join_cjk_lines(app: Sphinx, doctree: nodes.document) -> None:
    for text in list(doctree.findall(nodes.Text)):
        if "\n" not in text or isinstance(text.parent, _SKIP):
            continue
        joined = _CJK_BREAK.sub("", str(text))
        if joined != str(text):
            text.parent.replace(text, nodes.Text(joined))


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("doctree-read", join_cjk_lines)
    static = Path(__file__).parent / "static"
    app.connect("builder-inited", lambda app: app.config.html_static_path.append(str(static)))
    # Loaded in <head>, before searchtools.js, so our splitQuery replaces the default one.
    app.add_js_file("isms-search.js", priority=100)
    app.add_js_file("isms-soa.js", priority=500)
    app.add_css_file("isms.css")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}

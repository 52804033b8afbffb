"""Sphinx extension for the ISMS site: Japanese paragraphs without stray spaces, and our static files."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx

from isms.render.html import navigation

CJK = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# A line break between two Japanese characters is an artefact of the source's line wrapping;
# browsers would render it as a space inside a Japanese sentence.
_CJK_BREAK = re.compile(rf"(?<=[{CJK}])\s*\n\s*(?=[{CJK}])")
_SKIP = (nodes.literal_block, nodes.literal, nodes.raw, nodes.comment)


_TRAILING_BREAK = re.compile(r"\s*\n\s*$")
_LEADING_BREAK = re.compile(r"^\s*\n\s*")
_CJK_CHAR = re.compile(rf"[{CJK}]")


def join_cjk_lines(app: Sphinx, doctree: nodes.document) -> None:
    for paragraph in list(doctree.findall(nodes.paragraph)):
        texts = [t for t in paragraph.findall(nodes.Text) if not isinstance(t.parent, _SKIP)]
        values = [_CJK_BREAK.sub("", str(t)) for t in texts]
        # A break can also sit at the edge of a text node, next to a reference or emphasis.
        for i in range(len(values) - 1):
            left, right = values[i], values[i + 1]
            if _TRAILING_BREAK.search(left) and _CJK_CHAR.match(right.lstrip()) and _CJK_CHAR.search(left.rstrip()[-1:] or " "):
                values[i] = _TRAILING_BREAK.sub("", left)
            if _LEADING_BREAK.match(right) and _CJK_CHAR.search(left.rstrip()[-1:] or " ") and _CJK_CHAR.match(right.lstrip()[:1] or " "):
                values[i + 1] = _LEADING_BREAK.sub("", right)
        for text, value in zip(texts, values, strict=True):
            if value != str(text):
                text.parent.replace(text, nodes.Text(value))


def _theme_script_hashes() -> list[str]:
    """The theme's own inline scripts (furo sets the colour scheme before the page paints), allowed
    by hash: any other inline script, such as one smuggled into a page, does not run."""
    import furo

    template = (Path(furo.__file__).parent / "theme" / "furo" / "base.html").read_text(encoding="utf-8")
    bodies = re.findall(r"<script>(.*?)</script>", template, re.DOTALL)
    return ["'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'" for body in bodies]


def content_security_policy() -> str:
    scripts = " ".join(["'self'", *_theme_script_hashes()])
    return (
        f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'"
    )


def add_security_policy(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    meta = f'<meta http-equiv="Content-Security-Policy" content="{content_security_policy()}">\n'
    context["metatags"] = meta + context.get("metatags", "")


def drop_empty_search_terms(app: Sphinx, exception: Exception | None) -> None:
    """An incremental build updates the previous search index: a word no page contains any more stays
    in it with an empty page list, which a cold build never writes. Drop those, so that the index is
    the cold build's, byte for byte (dumped again by Sphinx's own serializer)."""
    if exception is not None or app.builder.format != "html" or getattr(app.builder, "indexer", None) is None:
        return
    path = Path(app.outdir) / app.builder.searchindex_filename
    serializer = app.builder.indexer_format
    text = path.read_text(encoding="utf-8")
    index = serializer.loads(text)
    for key in ("terms", "titleterms"):
        index[key] = {term: pages for term, pages in index[key].items() if pages != []}
    cleaned = serializer.dumps(index)
    if cleaned != text:
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(cleaned, encoding="utf-8")
        tmp.replace(path)


def setup(app: Sphinx) -> dict[str, Any]:
    navigation.setup(app)
    app.connect("doctree-read", join_cjk_lines)
    app.connect("html-page-context", add_security_policy)
    app.connect("build-finished", drop_empty_search_terms)
    # Again once references are resolved: a :ref: only gets its (Japanese) title text then.
    app.connect("doctree-resolved", lambda app, doctree, docname: join_cjk_lines(app, doctree))
    static = Path(__file__).parent / "static"
    app.connect("builder-inited", lambda app: app.config.html_static_path.append(str(static)))
    # Loaded in <head>, before searchtools.js, so our splitQuery replaces the default one.
    app.add_js_file("isms-search.js", priority=100)
    app.add_js_file("isms-soa.js", priority=500)
    app.add_css_file("isms.css")
    # Any change to this module invalidates cached doctrees, since it changes what reading produces.
    env_version = int(hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:8], 16)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": env_version}

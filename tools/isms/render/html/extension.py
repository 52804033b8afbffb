"""Sphinx extension for the ISMS site: Japanese paragraphs without stray spaces, identifiers that do
not break, the theme's words in the site's language, our search and our static files."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config

from isms import rstparse
from isms.i18n import t
from isms.render.html import frames, navigation
from isms.render.html.search import write_index

CJK = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# A line break next to a Japanese character is an artefact of the source's line wrapping; browsers
# would render it as a space inside a Japanese sentence ("、\nIDの作成" is "、IDの作成", as in Word).
_CJK_BREAK = re.compile(rf"(?<=[{CJK}])[ \t]*\n\s*|[ \t]*\n\s*(?=[{CJK}])")
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
            if _TRAILING_BREAK.search(left) and (_CJK_CHAR.match(right.lstrip()) or _CJK_CHAR.search(left.rstrip()[-1:] or " ")):
                values[i] = _TRAILING_BREAK.sub("", left)
            if _LEADING_BREAK.match(right) and (_CJK_CHAR.search(left.rstrip()[-1:] or " ") or _CJK_CHAR.match(right.lstrip()[:1] or " ")):
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


# An identifier: letters and digits joined by - . / (5.15, 6.1.2, R-003, ISMS-C-5-15, 2026-04-01).
# Browsers may break a line after a hyphen or a slash: inside an identifier that is wrong.
_IDENTIFIER = re.compile(r"[A-Za-z0-9]+(?:[-./][A-Za-z0-9]+)+")
_NO_IDENTIFIERS = (nodes.FixedTextElement, nodes.literal, nodes.raw, nodes.comment)
WIDE_COLUMNS = 7  # a table of this many columns gets the page's full width (the SoA, the registers)
VERY_WIDE_COLUMNS = 10  # and a larger minimum width (the risk register, the asset inventory)


def keep_identifiers_whole(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Wrap every identifier in <span class="isms-id"> (white-space: nowrap in isms.css), and mark
    wide tables: the page then uses all the width the sidebars leave."""
    for text in list(doctree.findall(nodes.Text)):
        parent = text.parent
        if parent is None or isinstance(parent, _NO_IDENTIFIERS) or "isms-id" in parent.get("classes", ()):
            continue
        value = str(text)
        if not _IDENTIFIER.search(value):
            continue
        pieces: list[nodes.Node] = []
        position = 0
        for match in _IDENTIFIER.finditer(value):
            if match.start() > position:
                pieces.append(nodes.Text(value[position : match.start()]))
            pieces.append(nodes.inline(match.group(), match.group(), classes=["isms-id"]))
            position = match.end()
        if position < len(value):
            pieces.append(nodes.Text(value[position:]))
        index = parent.index(text)
        parent[index : index + 1] = pieces
    for table in doctree.findall(nodes.table):
        columns = max((len(list(group.findall(nodes.colspec))) for group in table.findall(nodes.tgroup)), default=0)
        if columns >= WIDE_COLUMNS:
            table["classes"].append("isms-wide")
        if columns >= VERY_WIDE_COLUMNS:
            table["classes"].append("isms-very-wide")


# ---------------------------------------------------------------------------- the theme's words

# Words the theme's templates translate through gettext: message -> our key.
_THEME_MESSAGES = {
    "On this page": "site_on_this_page",
    "Back to top": "site_back_to_top",
    "Next": "site_next",
    "Previous": "site_previous",
    "Home": "site_home",
    "Made with ": "site_made_with",
    "Copyright &#169; %(copyright)s": "site_copyright",
    "Search": "search",
}
# Words the theme and Sphinx's writer put in the page as they are: text in the rendered page ->
# (the same with {} for the word, our key).
_THEME_LITERALS = {
    'aria-label="Toggle site navigation sidebar"': ('aria-label="{}"', "site_toggle_navigation"),
    'aria-label="Toggle table of contents sidebar"': ('aria-label="{}"', "site_toggle_toc"),
    'aria-label="Toggle Light / Dark / Auto color theme"': ('aria-label="{}"', "site_toggle_theme"),
    'title="Link to this heading"': ('title="{}"', "site_link_heading"),
    'title="Link to this table"': ('title="{}"', "site_link_table"),
    'title="Link to this image"': ('title="{}"', "site_link_image"),
    'title="Link to this code"': ('title="{}"', "site_link_code"),
    "<title>Contents</title>": ("<title>{}</title>", "site_icon_contents"),
    "<title>Menu</title>": ("<title>{}</title>", "site_icon_menu"),
    "<title>Expand</title>": ("<title>{}</title>", "site_icon_expand"),
    "<title>Light mode</title>": ("<title>{}</title>", "site_icon_light"),
    "<title>Dark mode</title>": ("<title>{}</title>", "site_icon_dark"),
    "<title>Auto light/dark, in light mode</title>": ("<title>{}</title>", "site_icon_auto_light"),
    "<title>Auto light/dark, in dark mode</title>": ("<title>{}</title>", "site_icon_auto_dark"),
}
_SKIP_LINK = re.compile(r'(<a class="skip-to-content[^"]*"[^>]*>)\s*Skip to content\s*(</a>)')
_TOGGLE_SECTION = re.compile(r'aria-label="Toggle navigation of ([^"]*)"')


class _ThemeWords:
    """The templates' gettext: our words for the theme's messages, Sphinx's catalogue for the rest."""

    def __init__(self, fallback: Any, lang: str) -> None:
        self.fallback, self.lang = fallback, lang

    def gettext(self, message: str) -> str:
        key = _THEME_MESSAGES.get(message)
        return t(key, self.lang) if key else self.fallback.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.fallback.ngettext(singular, plural, n)


def translate_page(text: str, lang: str) -> str:
    """The theme's fixed English words of a rendered page, in the site's language."""
    for literal, (form, key) in _THEME_LITERALS.items():
        text = text.replace(literal, form.format(html.escape(t(key, lang))))
    text = _SKIP_LINK.sub(lambda m: m[1] + html.escape(t("site_skip_to_content", lang)) + m[2], text)
    # the section's title is already escaped in the page
    return _TOGGLE_SECTION.sub(lambda m: f'aria-label="{t("site_toggle_section", lang, title=m[1])}"', text)


def _language(app: Sphinx) -> str:
    return app.config.language or "en"


def translate_theme(app: Sphinx) -> None:
    templates = getattr(app.builder, "templates", None)
    environment = getattr(templates, "environment", None)
    if environment is None:
        return
    lang = _language(app)
    if hasattr(environment, "install_gettext_translations"):
        environment.install_gettext_translations(_ThemeWords(app.builder._translator, lang))
    render = templates.render
    templates.render = lambda template, context: translate_page(render(template, context), lang)


# ---------------------------------------------------------------------------- search


def add_templates(app: Sphinx, config: Config) -> None:
    # A new list: the default one is shared by every Sphinx run of the process, and a longer list
    # on the next run would be a changed configuration (every page written again).
    config.templates_path = [*config.templates_path, str(Path(__file__).parent / "templates")]


def replace_search(app: Sphinx) -> None:
    """No Sphinx search index: its TinySegmenter costs a seventh of the build and its words miss
    most pages (see isms.render.html.search). The search page is ours (templates/search.html)."""
    if app.builder.format == "html":
        app.builder.search = False
        translate_theme(app)


def search_page(app: Sphinx) -> Iterator[tuple[str, dict[str, Any], str]]:
    lang = _language(app)
    words = {
        "search": t("search", lang),
        "noscript": t("search_noscript", lang),
        "placeholder": t("search_placeholder", lang),
        "help": t("search_help", lang),
    }
    labels = {key: t(f"search_{key}", lang) for key in ("searching", "count", "none", "hits", "more")}
    data = json.dumps(labels, ensure_ascii=False).replace("</", "<\\/")
    yield "search", {"isms_words": words, "isms_labels": data, "title": words["search"]}, "search.html"


def write_search_index(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    (outdir / "searchindex.js").unlink(missing_ok=True)  # Sphinx's, from builds before this index
    started = time.perf_counter()
    # `isms build` keeps what it read of each page in its cache (sealed: isms.trust); a bare
    # sphinx-build of the same pages has none and reads them all.
    cache = getattr(app, "isms_cache", None)
    if cache:
        (cache / "search-pages.json").unlink(missing_ok=True)  # of the format before search-pages.jsonl
    stats = write_index(outdir, skip={"search", "genindex"}, known=cache / "search-pages.jsonl" if cache else None)
    app.isms_search = {f"search_{key}": value for key, value in stats.items()} | {"search_seconds": round(time.perf_counter() - started, 3)}


def _tables_of_contents(env: Any, docnames: Any) -> dict[str, str]:
    """What other pages show of these pages: their titles and section titles (Sphinx's tocs)."""
    return {name: env.tocs[name].astext() if name in env.tocs else "" for name in docnames}


def note_titles(app: Sphinx, env: Any, docnames: list[str]) -> None:
    """Before Sphinx reads pages again: their titles as the last build read them."""
    app.isms_titles_before = _tables_of_contents(env, docnames)  # type: ignore[attr-defined]


def changed_pages_only(app: Sphinx, builder: Any) -> None:
    """Sphinx writes again every page whose toctree lists a changed page: controls/index after an
    edit of any control, its 93 entries resolved again (a fifth of the site's time after one edit).
    What such a page shows of the pages it lists is their titles: when no page read again has a new
    title or section title, `isms build` writes only the pages that changed (it writes every page
    when any title changes: navigation_fingerprint in isms.render.html). A bare sphinx-build keeps
    Sphinx's rule. The environment was saved before writing began: this changes the one in memory."""
    before = getattr(app, "isms_titles_before", None)
    if getattr(app, "isms_cache", None) and before is not None and _tables_of_contents(builder.env, before) == before:
        builder.env.files_to_rebuild = {}


def setup(app: Sphinx) -> dict[str, Any]:
    rstparse.install()  # a fifth less reading time, the same doctrees
    navigation.setup(app)
    frames.setup(app)
    app.connect("config-inited", add_templates)
    app.connect("doctree-read", join_cjk_lines)
    app.connect("html-page-context", add_security_policy)
    # Again once references are resolved: a :ref: only gets its (Japanese) title text then.
    app.connect("doctree-resolved", lambda app, doctree, docname: join_cjk_lines(app, doctree))
    app.connect("doctree-resolved", keep_identifiers_whole, priority=600)
    static = Path(__file__).parent / "static"
    app.connect("builder-inited", lambda app: app.config.html_static_path.append(str(static)))
    app.connect("builder-inited", replace_search)
    app.connect("html-collect-pages", search_page)
    app.connect("build-finished", write_search_index)
    app.connect("env-before-read-docs", note_titles)
    app.connect("write-started", changed_pages_only)
    # After doctools.js (200), before translations.js (added by Sphinx at 500, after ours).
    app.add_js_file("isms-site.js", priority=300)
    app.add_js_file("isms-soa.js", priority=500)
    app.add_css_file("isms.css")
    # Any change to this module or to the placeholders' invalidates cached doctrees, since it changes
    # what reading produces.
    code = Path(__file__).read_bytes() + Path(frames.__file__).read_bytes()
    env_version = int(hashlib.sha256(code).hexdigest()[:8], 16)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": env_version}

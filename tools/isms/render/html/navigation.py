"""The sidebar navigation, resolved and rendered once per build instead of once per page.

furo asks Sphinx for the whole global toctree on every page (`furo_navigation_tree`): Sphinx copies
and resolves every document's table of contents for each page, and furo parses the result with
BeautifulSoup; the cost grows with pages × headings. Yet the tree is the same on every page of a
folder (the links are relative); only the marks of the current page differ: the class `current` on
the page's link and on every element above it, `current-page` on its entry, and the checked box of
every expanded ancestor.

So the tree is resolved once per folder with marker classes on every element, passed through furo's
own function once, and cut into a template whose slots are those marks. A page is the template with
its own slots filled: the same bytes furo would have written (tests/test_navigation.py compares).
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx

from isms import trust

# What furo asks for (furo._compute_navigation_tree).
FURO_ARGUMENTS = {"collapse": False, "titles_only": True, "maxdepth": -1, "includehidden": True}
_NEUTRAL = "isms-navigation-neutral"  # a page name no toctree names: no entry is current
_MARK = "isms-nav-"
_PAGE = "isms-page-"
_CHECK = "checked-isms"  # sorts where `checked` does among the attributes BeautifulSoup writes
# A marked class attribute (with the link of an <a>: the current page links to "#"), or a box's mark.
_SLOT = re.compile(rf' class="(?P<classes>[^"]*\b(?:{_MARK}|{_PAGE})\d+[^"]*)"(?P<href> href="[^"#]*")?| {_CHECK}="(?P<check>\d+)"')


@dataclass
class _Template:
    parts: list[str] = field(default_factory=list)  # text, slot, text, slot, ..., text
    # slot index in parts -> (marker id, text when not current, when current, when the current page)
    slots: dict[int, tuple[int, str, str, str]] = field(default_factory=dict)
    by_marker: dict[int, list[int]] = field(default_factory=dict)

    def fill(self, current: set[int], page: int | None) -> str:
        parts = self.parts.copy()
        for marker in current:
            for index in self.by_marker.get(marker, ()):
                _, _, text, page_text = self.slots[index]
                parts[index] = page_text if marker == page else text
        return "".join(parts)


@dataclass
class Navigation:
    """Per build: a template per folder, and per page the markers that are current."""

    templates: dict[str, _Template] = field(default_factory=dict)
    current: dict[str, set[int]] = field(default_factory=dict)  # docname -> markers above its link
    items: set[int] = field(default_factory=set)  # the markers of list items (<li>)
    ready: bool = False
    known: int = 0  # templates it had when loaded from the cache


def _resolve(app: Sphinx, docname: str) -> tuple[nodes.Element | None, dict[str, set[int]], set[int]]:
    """global_toctree_for_doc, with a marker class on every element of every resolved toctree.
    Returns the tree, the markers above each document's link, and the markers of list items."""
    from sphinx.environment.adapters.toctree import _resolve_toctree

    builder = app.builder
    env = builder.env
    uris = {builder.get_relative_uri(docname, name): name for name in env.found_docs}
    resolved = []
    current: dict[str, set[int]] = {}
    items: set[int] = set()
    counter = 0
    for toctree_node in env.master_doctree.findall(addnodes.toctree):
        tree = _resolve_toctree(env, docname, builder, toctree_node, prune=True, tags=builder.tags, **FURO_ARGUMENTS)
        if tree is None:
            continue
        for element in tree.findall(nodes.Element):
            counter += 1
            element["classes"].append(f"{_MARK}{counter}")
            if isinstance(element, nodes.list_item):
                items.add(counter)
        for reference in tree.findall(nodes.reference):
            target = uris.get(reference.get("refuri", ""))
            if target is None:
                continue
            marks = current.setdefault(target, set())
            branch: nodes.Element | None = reference
            while branch is not None:  # as sphinx's _toctree_add_classes: the whole branch, up to this toctree
                marks.update(int(c[len(_MARK) :]) for c in branch["classes"] if c.startswith(_MARK))
                branch = branch.parent
        resolved.append(tree)
    if not resolved:
        return None, current, items
    result = resolved[0]
    for tree in resolved[1:]:
        result.extend(tree.children)
    return result, current, items


def _template(app: Sphinx, folder: str, navigation: Navigation) -> _Template:
    from bs4 import BeautifulSoup
    from furo.navigation import get_navigation_tree

    tree, current, items = _resolve(app, posixpath.join(folder, _NEUTRAL))
    if not navigation.ready:
        navigation.current, navigation.items, navigation.ready = current, items, True
    html = app.builder.render_partial(tree)["fragment"] if tree is not None else ""
    html = get_navigation_tree(html)
    if html:
        # Where furo puts the marks of the current page: `current-page` last among an entry's
        # classes, `checked` after the other attributes of its box.
        soup = BeautifulSoup(html, "html.parser")
        for item in soup.find_all("li"):
            marker = next((c[len(_MARK) :] for c in item.get("class", []) if c.startswith(_MARK)), None)
            if marker is None:
                continue
            item["class"] = [*item["class"], f"{_PAGE}{marker}"]
            box = item.find("input", class_="toctree-checkbox", recursive=False)
            if box is not None:
                box[_CHECK] = marker
        html = str(soup)
    template = _Template()
    position = 0
    for match in _SLOT.finditer(html):
        template.parts.append(html[position : match.start()])
        index = len(template.parts)
        if match["check"] is not None:
            marker = int(match["check"])
            variants = ("", ' checked=""', ' checked=""')
        else:
            classes = match["classes"].split()
            marker = next(int(c.rsplit("-", 1)[1]) for c in classes if c.startswith((_MARK, _PAGE)))
            variants = tuple(_classes(classes, state) for state in ("neutral", "current", "page"))  # type: ignore[assignment]
            if match["href"]:
                variants = (variants[0] + match["href"], variants[1] + ' href="#"', variants[2] + ' href="#"')
        template.parts.append(variants[0])
        template.slots[index] = (marker, *variants)
        template.by_marker.setdefault(marker, []).append(index)
        position = match.end()
    template.parts.append(html[position:])
    return template


def _classes(classes: list[str], state: str) -> str:
    kept = []
    for name in classes:
        if name.startswith(_MARK):
            if state != "neutral":
                kept.append("current")
        elif name.startswith(_PAGE):
            if state == "page":
                kept.append("current-page")
        else:
            kept.append(name)
    return f' class="{" ".join(kept)}"' if kept else ""


def _navigation(app: Sphinx) -> Navigation:
    navigation = getattr(app, "_isms_navigation", None)
    if navigation is None:
        navigation = _remembered(app) or Navigation()
        app._isms_navigation = navigation  # type: ignore[attr-defined]
    return navigation


# `isms build` keeps the templates between builds in its Sphinx cache (sealed by isms.trust, so the
# pickle is this machine's), under a digest of everything the tree is made of: an edit that leaves
# the tree alone renders its pages without resolving the tree again.
def _tree_digest(app: Sphinx) -> str:
    import furo
    import sphinx

    env = app.builder.env
    digest = hashlib.sha256(Path(__file__).read_bytes() + f"{furo.__version__} {sphinx.__version__} {app.builder.name}".encode())
    for toctree_node in env.master_doctree.findall(addnodes.toctree):
        digest.update(repr(sorted(toctree_node.attributes.items(), key=lambda item: item[0])).encode())
    for docname in sorted(env.found_docs):
        title = env.titles.get(docname)
        digest.update(f"\0{docname}\0{title.astext() if title is not None else ''}\0{env.toctree_includes.get(docname, [])}".encode())
        toc = env.tocs.get(docname)
        digest.update(_outline(toc).encode() if toc is not None else b"")
    return digest.hexdigest()


def _outline(node: nodes.Node) -> str:
    """A document's table of contents as text: every node's name, set attributes and text, nested
    (what pformat() says, in a third of its time: 18 ms against 47 ms for the sample's tables)."""
    parts: list[str] = []

    def walk(node: nodes.Node) -> None:
        if not isinstance(node, nodes.Element):  # text
            parts.append(repr(str(node)))
            return
        parts.append(node.tagname)
        parts.append(repr(sorted((name, value) for name, value in node.attributes.items() if value)))
        parts.append("[")
        for child in node.children:
            walk(child)
        parts.append("]")

    walk(node)
    return "".join(parts)


def _memory(app: Sphinx) -> Path | None:
    cache = getattr(app, "isms_cache", None)
    return None if cache is None else cache / f"navigation-{_tree_digest(app)}.pickle"


def _remembered(app: Sphinx) -> Navigation | None:
    path = _memory(app)
    if path is None:
        return None
    app._isms_navigation_memory = path  # type: ignore[attr-defined]
    with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
        remembered = pickle.loads(path.read_bytes())
        if isinstance(remembered, Navigation):
            remembered.known = len(remembered.templates)
            return remembered
    return None


def remember(app: Sphinx, exception: Exception | None) -> None:
    """At the end of a build: keep the templates if new ones were made (and only the latest)."""
    navigation = getattr(app, "_isms_navigation", None)
    path = getattr(app, "_isms_navigation_memory", None)
    if exception is not None or navigation is None or path is None or len(navigation.templates) == navigation.known:
        return
    for old in path.parent.glob("navigation-*.pickle"):
        old.unlink()
    trust.write_atomic(path, pickle.dumps(navigation, protocol=pickle.HIGHEST_PROTOCOL))


def page_tree(app: Sphinx, pagename: str) -> str:
    """The sidebar of one page: what furo's `furo_navigation_tree` would be."""
    navigation = _navigation(app)
    folder = posixpath.dirname(pagename)
    if folder not in navigation.templates:
        navigation.templates[folder] = _template(app, folder, navigation)
    current = navigation.current.get(pagename, set())
    items = current & navigation.items
    return navigation.templates[folder].fill(current, max(items) if items else None)


def before_theme(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    """furo's own call for the whole tree gets an empty answer (its work is done in after_theme)."""
    toctree = context.get("toctree")
    if toctree is None or not app.config.isms_navigation_once or app.builder.name not in ("html", "dirhtml"):
        return

    def answer(**arguments: Any) -> str:
        return "" if arguments == FURO_ARGUMENTS else toctree(**arguments)

    context["toctree"] = answer
    context["_isms_navigation"] = True


def after_theme(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    if context.pop("_isms_navigation", False):
        context["furo_navigation_tree"] = page_tree(app, pagename)


def setup(app: Sphinx) -> None:
    # False: furo's own navigation on every page (the tests compare both)
    app.add_config_value("isms_navigation_once", True, "html", bool)
    app.connect("html-page-context", before_theme, priority=400)  # furo's handler runs at 500
    app.connect("html-page-context", after_theme, priority=600)
    app.connect("build-finished", remember)

"""What a release changes on a page, put in as Sphinx writes the page rather than as it reads it.

A release (or an edit, which makes a document a draft) changes every document's banner, version
line, download links and revision history, but none of its text. Were they part of the page
sources, Sphinx would read every page again after a release: as long as a cold build. So a page's
source holds a placeholder for each (``.. isms-frame:: KEY``), and the pages' frames (by page and
key: the banner and download links as HTML, the others as reST) are kept in one file beside the
sources (FRAMES_FILE). As a page is written, each placeholder is replaced by its frame. A page whose
frames changed is written again without being read again (its old HTML is removed:
isms.render.html.write_sources).

Placeholders are not a source's business: `isms check` refuses any directive that is not docutils'.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive, Parser
from docutils.utils import new_document
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import LoggingReporter

from isms.bodies import page_header
from isms.bodies.text import HTML_DIRECTIVE
from isms.model import Document

FRAMES_FILE = "isms-frames.json"
DIRECTIVE = "isms-frame"
TOP = "top"  # the frame above a page's title: its banner and download links, HTML (the others are reST)


def placeholder(key: str) -> str:
    """The line of a page's source where the frame KEY goes (a key names its document: 'line soa')."""
    return f".. {DIRECTIVE}:: {key}\n"


# A placeholder of a document's frame (as placeholder() writes it): its key, kind and document.
DOCUMENT_PLACEHOLDER = re.compile(rf"^\.\. {DIRECTIVE}:: (?P<key>(?P<kind>line|history) (?P<document>\S+))[ \t]*$", re.MULTILINE)


def version_line(doc_id: str) -> str:
    """Below a document's title: its number and version (isms.bodies.doc_line)."""
    return placeholder(f"line {doc_id}").rstrip("\n")


def page_heading(doc: Document) -> str:
    """A document page's label and title, and its version line."""
    return page_header(doc, version_line(doc.id))


class frame(nodes.General, nodes.Element):
    """A placeholder's place in a doctree, until the page is written."""


class FrameDirective(Directive):
    required_arguments = 1
    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        return [frame(key=" ".join(self.arguments))]


def load_frames(app: Sphinx, builder: Any) -> None:
    """The pages' frames, read once per build as writing starts (after the environment is saved:
    they are not part of it). A bare sphinx-build of the pages finds them too."""
    path = Path(app.srcdir) / FRAMES_FILE
    builder.env.isms_frames = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


class FillFrames(SphinxPostTransform):
    """Each placeholder replaced by its frame: HTML as it is, reST parsed as the page's own text
    would have been (with insertion of files disabled, as docutils.conf says for the pages), before
    the other post-transforms (the theme wraps tables in these). A placeholder without a frame is a
    warning, which fails the build."""

    default_priority = 5  # before references are resolved (10)

    def run(self, **kwargs: Any) -> None:
        placeholders = list(self.document.findall(frame))
        if not placeholders:
            return
        docname = self.env.docname
        page = getattr(self.env, "isms_frames", {}).get(docname, {})
        source = str(self.env.doc2path(docname))
        for node in placeholders:
            text = page.get(node["key"])
            if text is None:
                LoggingReporter(source).warning(f"no frame {node['key']!r} for this page", base_node=node)
                node.parent.remove(node)
                continue
            node.replace_self(nodes.raw("", text, format="html") if node["key"] == TOP else _parsed(text, self.document, source))


def _parsed(text: str, doctree: nodes.document, source: str) -> list[nodes.Node]:
    settings = doctree.settings.copy()
    settings.file_insertion_enabled = False
    fragment = new_document(source, settings)
    fragment.reporter = LoggingReporter(source)
    Parser().parse(text, fragment)
    # What docutils' transforms do for a page read: messages below the report level are dropped
    # (as "English fallback for directive 'raw'" when no page read before used the directive).
    for message in list(fragment.findall(nodes.system_message)):
        if message["level"] < settings.report_level:
            message.parent.remove(message)
    return list(fragment.children)


class PackageHtml(Directive):
    """HTML this package wrote into a page (bodies.text.html_block): raw is disabled for everything else."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        return [nodes.raw("", "\n".join(self.content), format="html")]


def setup(app: Sphinx) -> None:
    app.add_node(frame)
    app.add_directive(DIRECTIVE, FrameDirective)
    app.add_directive(HTML_DIRECTIVE, PackageHtml)
    app.add_post_transform(FillFrames)
    app.connect("write-started", load_frames)


def frames_text(frames: dict[str, dict[str, str]]) -> str:
    return json.dumps(frames, ensure_ascii=False, sort_keys=True, indent=1) + "\n"

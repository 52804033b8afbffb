"""One Word document: the frame template rendered around a pandoc body, then made reproducible."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docx import Document as open_docx
from docxtpl import DocxTemplate
from docxtpl.subdoc import Subdoc, SubdocComposer
from lxml import etree

from isms.i18n import t
from isms.ledger import Versions
from isms.model import Document, Isms
from isms.render.docx.pandoc import LANG_TAGS
from isms.render.ooxml import NS, W, core_properties, paragraph_text, read_package, text_run, w, write_package, xml_bytes

# The frame's words: {{ L.<name> }} in the template (the name) -> the word's key in isms.i18n. The names
# are the template's interface: frame.docx files that organisations restyled use them.
_LABELS: dict[str, str] = {
    "title": "title", "classification": "classification", "version": "version", "issued": "issued", "revised": "revised",
    "history": "history", "distribution": "distribution", "distribution_definition": "distribution_definition",
    "distribution_list": "distribution_list", "draft": "draft", "none": "none", "approver": "approver", "reviewer": "reviewer",
    "author": "author", "revision_summary": "revision_summary", "date": "date", "number": "document_no", "pages": "frame_pages",
    "pages_unit": "frame_pages_unit", "toc": "toc", "toc_placeholder": "toc_placeholder", "page": "page", "pending": "history_pending",
}


def labels(lang: str) -> dict[str, str]:
    return {name: t(key, lang) for name, key in _LABELS.items()}


def date_text(day: dt.date | None, lang: str) -> str:
    if day is None:
        return "—"
    return t("date_format", lang, year=day.year, month=day.month, day=day.day)


def frame_context(isms: Isms, versions: Versions, doc: Document, toc: bool) -> dict[str, Any]:
    """Everything the frame prints, from the model only (JSON-able: it is part of the fingerprint)."""
    lang = isms.lang
    words = labels(lang)
    version = versions.of(doc.id)
    revisions = version.revisions if version else ()
    history = [
        {
            "version": str(r.version), "summary": r.summary, "approver": r.approver, "reviewer": r.reviewer,
            "author": r.author, "date": date_text(r.date, lang),
        }
        for r in revisions
    ]
    draft = version.draft if version else True
    if draft:
        history.append({"version": words["draft"], "summary": words["pending"], "approver": "", "reviewer": "", "author": "", "date": ""})
    org = isms.profile.organization
    classification = doc.classification.name if lang == "ja" else doc.classification.name_en
    return {
        "L": words,
        "lang": lang,
        "number": doc.number,
        "title": doc.title,
        "classification": classification,
        "organisation": org.name if lang == "ja" or not org.name_en else org.name_en,
        "version": str(version.version) if version and revisions else "—",
        "issued": date_text(version.issued if version else None, lang),
        "revised": date_text(version.revised if version else None, lang),
        "draft": draft,
        "history": history,
        "distribution": isms.profile.distribution.definition,
        "recipients": list(isms.profile.distribution.recipients),
        "toc": toc,
        "core_date": (version.revised or version.issued).isoformat() if version and revisions else None,
    }


@contextlib.contextmanager
def _seeded(seed: str) -> Iterator[None]:
    # docxcompose gives each list a random nsid: seed the shared RNG so equal inputs give equal bytes.
    state = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)


class _SharedStylesComposer(SubdocComposer):
    """docxcompose lists every master style for every body element (O(styles x elements): ~70% of the
    time). DocumentText and frame come from the same reference docx, so a body style normally exists already."""

    def add_styles(self, doc: Any, element: Any) -> None:
        if not hasattr(self, "_known_styles"):
            self._known_styles = {s.get(W + "styleId") for s in self.doc.styles.element.iter(W + "style")}
        used = {e.get(W + "val") for e in element.iter(W + "pStyle", W + "rStyle", W + "tblStyle")}
        if not used <= self._known_styles:
            super().add_styles(doc, element)
            self._known_styles |= used


def _subdoc(template: DocxTemplate, body: bytes) -> Subdoc:
    """DocxTemplate.new_subdoc() with the composer above (docxtpl 0.20's Subdoc, built by hand)."""
    template.init_docx()
    subdoc = Subdoc.__new__(Subdoc)
    subdoc.tpl = template
    subdoc.docx = template.get_docx()
    subdoc.subdocx = open_docx(io.BytesIO(body))
    _SharedStylesComposer(subdoc.docx).attach_parts(subdoc.subdocx)
    return subdoc


def compose(frame: Path, body: bytes, context: dict[str, Any], *, seed: str, landscape: bool = False) -> bytes:
    template = DocxTemplate(str(frame))
    with _seeded(seed):
        subdoc = _subdoc(template, body)
        template.render({**context, "body": subdoc}, autoescape=True)
    buffer = io.BytesIO()
    template.save(buffer)
    return finish(buffer.getvalue(), context, landscape=landscape)


def finish(data: bytes, context: dict[str, Any], landscape: bool) -> bytes:
    parts = read_package(data)
    root = etree.fromstring(parts["word/document.xml"])
    if context["toc"]:
        fill_toc(root)
        parts["word/settings.xml"] = _update_fields_on_open(parts["word/settings.xml"])
    if landscape:
        _landscape_body(root)
    parts["word/document.xml"] = xml_bytes(root)
    latin = LANG_TAGS["en"] if context["lang"] == "ja" else LANG_TAGS.get(context["lang"], context["lang"])
    parts["word/styles.xml"] = _latin_language(parts["word/styles.xml"], latin)
    day = dt.date.fromisoformat(context["core_date"]) if context["core_date"] else None
    parts["docProps/core.xml"] = core_properties(
        f"{context['number']} {context['title']}", context["organisation"], subject=context["classification"], when=day
    )
    return write_package(parts)


# --------------------------------------------------------------------------- table of contents


def fill_toc(root: etree._Element) -> None:
    """Write the TOC field's result: one hyperlinked entry per heading (levels 1-3).

    Word rebuilds the field with page numbers when it opens the file (updateFields). LibreOffice shows
    a field's stored result as it is and would print page references inside it as their stored text
    ("0"), so the stored entries carry titles only: an outline that is never wrong.
    """
    field_paragraph = next((p for p in root.iter(W + "p") if any("TOC" in (i.text or "") for i in p.iter(W + "instrText"))), None)
    if field_paragraph is None:
        return
    entries = []
    for paragraph in root.iter(W + "p"):
        style = paragraph.find("w:pPr/w:pStyle", NS)
        style_id = style.get(W + "val", "") if style is not None else ""
        if style_id not in ("Heading1", "Heading2", "Heading3"):
            continue
        bookmark = _heading_bookmark(paragraph)
        if bookmark:
            entries.append((int(style_id[-1]), bookmark, paragraph_text(paragraph).strip()))
    runs = field_paragraph.findall("w:r", NS)
    begin, instruction, separate, end = runs[0], runs[1], runs[2], runs[-1]
    if not entries:
        for run in runs[3:-1]:
            field_paragraph.remove(run)
        return
    paragraphs = []
    for level, bookmark, heading in entries:
        link = w("hyperlink", {"anchor": bookmark, "history": "1"}, text_run(heading))
        paragraphs.append(w("p", None, w("pPr", None, w("pStyle", {"val": f"TOC{level}"})), link))
    paragraphs[0].insert(1, begin)
    paragraphs[0].insert(2, instruction)
    paragraphs[0].insert(3, separate)
    paragraphs[-1].append(end)
    for paragraph in paragraphs:
        field_paragraph.addprevious(paragraph)
    field_paragraph.getparent().remove(field_paragraph)


def _heading_bookmark(paragraph: etree._Element) -> str | None:
    """pandoc puts a heading's bookmark just before its paragraph (or inside it)."""
    inside = paragraph.find("w:bookmarkStart", NS)
    if inside is not None:
        return inside.get(W + "name")
    sibling = paragraph.getprevious()
    while sibling is not None and sibling.tag in (W + "bookmarkStart", W + "bookmarkEnd"):
        if sibling.tag == W + "bookmarkStart" and sibling.get(W + "name", "").startswith("TocIsms"):
            return sibling.get(W + "name")
        sibling = sibling.getprevious()
    return None


def _update_fields_on_open(settings: bytes) -> bytes:
    root = etree.fromstring(settings)
    if root.find("w:updateFields", NS) is None:
        update = w("updateFields", {"val": "true"})
        # Schema order: updateFields comes before these.
        later = ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr", "themeFontLang", "clrSchemeMapping")
        anchor = next((c for c in root if etree.QName(c).localname in later), None)
        if anchor is not None:
            anchor.addprevious(update)
        else:
            root.append(update)
    return xml_bytes(root)


def _latin_language(styles: bytes, tag: str) -> bytes:
    """The language of Latin text (Japanese stays the East Asian language). English in a Japanese
    document too, as in Japanese Word's own defaults (w:val="en-US" w:eastAsia="ja-JP"): with a
    Japanese Latin language LibreOffice breaks Latin words anywhere (CA|D, R-0|16)."""
    root = etree.fromstring(styles)
    lang = root.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
    if lang is not None:
        lang.set(W + "val", tag)
    return xml_bytes(root)


def _landscape_body(root: etree._Element) -> None:
    """The last section (the body) turns landscape; the cover and history stay portrait."""
    sectpr = root.find("w:body/w:sectPr", NS)
    size = sectpr.find("w:pgSz", NS) if sectpr is not None else None
    if size is None:
        return
    width, height = size.get(W + "w"), size.get(W + "h")
    if int(width) < int(height):
        size.set(W + "w", height)
        size.set(W + "h", width)
    size.set(W + "orient", "landscape")


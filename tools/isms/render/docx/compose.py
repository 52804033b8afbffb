"""One Word document: the frame template rendered around a pandoc body, then made reproducible."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from docx import Document as open_docx
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import CT_SectPr
from docx.styles import BabelFish
from docxcompose.properties import CustomProperties
from docxtpl import DocxTemplate
from docxtpl.subdoc import SubdocComposer
from lxml import etree

from isms.i18n import date_pattern, format_date, sep, t
from isms.ledger import Versions
from isms.model import Document, Isms
from isms.model.templating import FrameEnvironment, frame_time_budget, fresh_budget
from isms.model.versions import DocumentVersion
from isms.render.docx.frame import SIGNERS
from isms.render.docx.package import THEME, app_properties, language_font_table, language_styles, language_theme, word_settings
from isms.render.docx.paginate import PLACEHOLDER
from isms.render.ooxml import NS, W, core_properties, paragraph_text, text_run, w, write_package
from isms.sources.schema import ClassificationLevel, Profile

# The frame's words: {{ L.<name> }} in the template (the name) -> the word's key in isms.i18n. The names
# are the template's interface: frame.docx files that organisations restyled use them.
_LABELS: dict[str, str] = {
    "title": "title", "classification": "classification", "version": "version", "issued": "issued", "revised": "revised",
    "history": "history", "distribution": "distribution", "distribution_definition": "distribution_definition",
    "distribution_list": "distribution_list", "draft": "draft", "none": "none", "approver": "approver", "reviewer": "reviewer",
    "author": "author", "revision_summary": "revision_summary", "date": "date", "number": "document_no", "pages": "frame_pages",
    "pages_unit": "frame_pages_unit", "toc": "toc", "toc_placeholder": "toc_placeholder", "page": "page", "pending": "history_pending",
    "draft_mark": "draft_mark", "draft_mark_inline": "draft_mark_inline", "list_bullet": "list_bullet",
}


def labels(lang: str) -> dict[str, str]:
    return {name: t(key, lang) for name, key in _LABELS.items()}


def date_text(day: dt.date | None, pattern: str) -> str:
    return format_date(day, pattern) if day is not None else "—"


def signer_lines(profile: Profile, label: str) -> dict[str, str]:
    """A signer as the ledger recorded them ("ISMS事務局 小林 直樹") split into the role, printed small
    above, and the name, which then fits its column on one line. A label that does not begin with a
    role or job title of the profile stays whole."""
    lang = profile.language
    prefixes = {role.name if lang == "ja" else role.name_en for role in profile.roles} | {person.title for person in profile.people}
    for prefix in sorted(prefixes, key=len, reverse=True):
        if label.startswith(prefix + " ") and label[len(prefix) + 1 :].strip():
            return {"role": prefix, "name": label[len(prefix) + 1 :].strip()}
    return {"role": "", "name": label}


def _sentence(text: str) -> str:
    return text.strip().rstrip("。.")


def classification_text(level: ClassificationLevel, lang: str) -> str:
    """配付先の定義 begins with the document's own level, in the profile's words."""
    name = level.name if lang == "ja" else level.name_en
    return t("classification_statement", lang, name=name, description=_sentence(level.description), handling=_sentence(level.handling))


def signature(isms: Isms, doc: Document, version: DocumentVersion | None, pattern: str) -> dict[str, str] | None:
    """The information security policy (the policy of clause 5.2) is dated and signed by top management:
    the date of the release that approved it (blank while it is a draft), the organisation, the job
    titles and names of top management."""
    entry = next((p.entry for p in isms.policies if p.entry.id == doc.id), None)
    if entry is None or "5.2" not in entry.clauses:
        return None
    profile = isms.profile
    lang = isms.lang
    role = isms.role(profile.top_management)
    people = {person.id: person for person in profile.people}
    holders = [people[h] for h in (role.holders if role else ()) if h in people]
    signer = sep(lang).join(f"{person.title} {person.name}" for person in holders)
    released = version is not None and version.revisions and not version.draft
    org = profile.organization
    return {
        "date": format_date(version.revisions[-1].date, pattern) if released else t("date_blank", lang),
        "organisation": org.name if lang == "ja" or not org.name_en else org.name_en,
        "signer": signer,
    }


def frame_context(isms: Isms, versions: Versions, doc: Document, toc: bool) -> dict[str, Any]:
    """Everything the frame prints, from the model only (JSON-able: it is part of the fingerprint)."""
    lang = isms.lang
    profile = isms.profile
    words = labels(lang)
    pattern = date_pattern(lang, profile.date_format)
    version = versions.of(doc.id)
    revisions = version.revisions if version else ()
    # r.approver (the whole label) and the rest stay what frames restyled before kept printing.
    history = [
        {
            "version": str(r.version), "summary": r.summary, "date": date_text(r.date, pattern), "release": t("release_of", lang, release=r.release),
            **{key: getattr(r, key) for key in SIGNERS},
            **{f"{key}_{part}": value for key in SIGNERS for part, value in signer_lines(profile, getattr(r, key)).items()},
        }
        for r in revisions
    ]
    draft = version.draft if version else True
    blank = {"role": "", "name": ""}
    if draft:
        pending = {"version": words["draft"], "summary": words["pending"], "date": "", "release": ""}
        history.append(pending | dict.fromkeys(SIGNERS, "") | {f"{key}_{part}": "" for key in SIGNERS for part in blank})
    approved = revisions[-1] if revisions and not draft else None
    approval: dict[str, Any] = {key: signer_lines(profile, getattr(approved, key)) if approved else blank for key in SIGNERS}
    approval["date"] = date_text(approved.date, pattern) if approved else t("date_blank", lang)
    org = profile.organization
    classification = doc.classification.name if lang == "ja" else doc.classification.name_en
    return {
        "L": words,
        "lang": lang,
        "number": doc.number,
        "title": doc.title,
        "classification": classification,
        "classification_line": t("cover_classification", lang, label=words["classification"], value=classification),
        "classification_text": classification_text(doc.classification, lang),
        "organisation": org.name if lang == "ja" or not org.name_en else org.name_en,
        "version": str(version.version) if version and revisions else "—",
        "issued": date_text(version.issued if version else None, pattern),
        "revised": date_text(version.revised if version else None, pattern),
        "date_pattern": pattern,
        "draft": draft,
        "history": history,
        "approval": approval,
        "distribution": profile.distribution.definition,
        "recipients": list(profile.distribution.recipients),
        "signature": signature(isms, doc, version, pattern),
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


_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_IMAGES = {_A + "blip", "{http://schemas.microsoft.com/office/drawing/2016/SVG/main}svgBlip"}
_DIAGRAMS = {"{http://schemas.openxmlformats.org/drawingml/2006/diagram}relIds"}
_SHAPES = {"{urn:schemas-microsoft-com:vml}imagedata"}
_SECTION_REFERENCES = {W + "headerReference", W + "footerReference"}
_LOCAL_NUM_ID = etree.XPath(".//w:numPr/w:numId/@w:val", namespaces={"w": W[1:-1]})  # as docxcompose reads it
_LOOKED_FOR = (W + "numId", W + "pStyle", W + "footnoteReference", *_IMAGES, *_DIAGRAMS, *_SHAPES, *_SECTION_REFERENCES)
_REFERENCING = etree.XPath("boolean(descendant-or-self::*[@r:id])", namespaces={"r": _RELATIONSHIPS})


def _style_names(styles: etree._Element) -> Iterator[tuple[str | None, str | None]]:
    """(style id, UI name) of each style, as python-docx's Style.style_id and Style.name give them."""
    for style in styles.iterchildren(W + "style"):
        name = style.find(W + "name")
        value = name.get(W + "val") if name is not None else None
        yield style.get(W + "styleId"), BabelFish.internal2ui(value) if value is not None else None


class _SharedStylesComposer(SubdocComposer):
    """docxcompose lists every master style for every body element (O(styles x elements): ~70% of the
    time). DocumentText and frame come from the same reference docx, so a body style normally exists already.

    attach_parts: docxcompose's steps, each run only on the body elements that hold what it looks
    for (one pass over an element's tags instead of ten XPath queries: a paragraph of text holds
    no image, footnote or numbering)."""

    def attach_parts(self, doc: Any, remove_property_fields: bool = True) -> None:
        self.reset_reference_mapping()
        if remove_property_fields:
            properties = CustomProperties(doc)
            for name in list(properties.keys()):  # CustomProperties is not iterable
                properties.dissolve_fields(name)
        self._create_style_id_mapping(doc)
        for element in doc.element.body:
            if isinstance(element, CT_SectPr):
                continue
            tags = {node.tag for node in element.iter(*_LOOKED_FOR)}  # lxml filters in C
            if _REFERENCING(element):
                self.add_referenced_parts(doc.part, self.doc.part, element)
            self.add_styles(doc, element)
            if W + "numId" in tags:
                self.add_numberings(doc, element)
            if W + "pStyle" in tags and (W + "numId" in tags or self._numbered_style(element)):
                self.restart_first_numbering(doc, element)
            if tags & _IMAGES:
                self.add_images(doc, element)
            if tags & _DIAGRAMS:
                self.add_diagrams(doc, element)
            if tags & _SHAPES:
                self.add_shapes(doc, element)
            if W + "footnoteReference" in tags:
                self.add_footnotes(doc, element)
            if tags & _SECTION_REFERENCES:
                self.remove_header_and_footer_references(doc, element)
        self.add_styles_from_other_parts(doc)
        self.renumber_bookmarks()
        self.renumber_docpr_ids()
        self.renumber_nvpicpr_ids()
        self.fix_section_types(doc)

    def _create_style_id_mapping(self, doc: Any) -> None:
        # docxcompose's own reads every style's name through python-docx objects (a tenth of a
        # document's time); the same pairs straight from the XML.
        self._style_id2name = dict(_style_names(doc.styles.element))
        self._style_name2id = {name: style_id for style_id, name in _style_names(self.doc.styles.element)}

    def add_numberings(self, doc: Any, element: Any) -> None:
        # docxcompose looks up the next free list ids (a query over every list so far) before it
        # sees that the element's lists are attached already, as they are for all but a list's first
        # item: then only the references are renumbered, as it would.
        references = list(element.iter(W + "numId"))
        mapping = self.num_id_mapping
        if references and all(reference.val in mapping for reference in references):
            for reference in references:
                reference.val = mapping[reference.val]
            return
        super().add_numberings(doc, element)

    def restart_first_numbering(self, doc: Any, element: Any) -> None:
        # Only the first paragraph of a style restarts its numbering: for the others docxcompose's
        # answer is "already done", found after an XPath query per paragraph.
        first_style = next(element.iter(W + "pStyle"), None)
        style_id = first_style.get(W + "val") if first_style is not None else None
        if style_id in self._numbering_restarted:
            return
        # Nor does a list of bullets, a heading or a style without numbering restart anything: the
        # answer depends on the style and the paragraph's list only (lists are added, never changed),
        # so it is found once per pair, not through seven XPath queries per list item.
        local = _LOCAL_NUM_ID(element)
        unchanged = self.__dict__.setdefault("_restarts_nothing", set())
        pair = (style_id, local[0] if local else None)
        if pair in unchanged:
            return
        super().restart_first_numbering(doc, element)
        if style_id not in self._numbering_restarted:
            unchanged.add(pair)

    def _numbered_style(self, element: Any) -> bool:
        """Whether the style of the element's first paragraph is numbered (restart_first_numbering
        changes nothing for a paragraph without numbering of its own or of its style)."""
        style_id = next(element.iter(W + "pStyle")).get(W + "val")
        known = self.__dict__.setdefault("_numbered_styles", {})
        if style_id not in known:
            style = self.doc.styles.element.get_by_id(style_id)
            known[style_id] = style is not None and any(n.get(W + "val") is not None for n in style.iter(W + "numId"))
        return known[style_id]

    def add_styles(self, doc: Any, element: Any) -> None:
        if not hasattr(self, "_known_styles"):
            self._known_styles = {s.get(W + "styleId") for s in self.doc.styles.element.iter(W + "style")}
        used = {e.get(W + "val") for e in element.iter(W + "pStyle", W + "rStyle", W + "tblStyle")}
        if not used <= self._known_styles:
            super().add_styles(doc, element)
            self._known_styles |= used


def _attached_body(template: DocxTemplate, body: bytes) -> Any:
    """The body's document, its styles, lists, pictures and links attached to the frame's package
    (what DocxTemplate.new_subdoc() does, with the composer above)."""
    template.init_docx()
    body_document = open_docx(io.BytesIO(body))
    _SharedStylesComposer(template.get_docx()).attach_parts(body_document)
    return body_document


class _BodyPlace:
    """What {{p body }} prints while the frame renders: a marker paragraph that the body's elements
    replace afterwards. (A Subdoc there would print the whole body as XML text, which docxtpl then
    scans with regular expressions and parses again: half of a document's time.)"""

    def __html__(self) -> str:
        return f"<w:p><w:r><w:t>{_BODY_MARK}</w:t></w:r></w:p>"

    __str__ = __html__


_BODY_MARK = "\ue000ISMS:body"
_DOC_PR = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"


def _insert_body(document: etree._Element, body_document: Any) -> None:
    body = body_document.element.body
    elements = [e for e in body if not isinstance(e, CT_SectPr)]
    places = [p for p in document.iter(W + "p") if paragraph_text(p) == _BODY_MARK]
    for number, place in enumerate(places, start=1):
        for element in elements if number == len(places) else copy.deepcopy(elements):
            place.addprevious(element)
        place.getparent().remove(place)
    # As docxtpl numbers the rendered body's pictures (fix_docpr_ids): unique ids from 1001, in order.
    for number, element in enumerate(document.iter(_DOC_PR), start=1001):
        element.set("id", str(number))


class _PartCollector:
    """Stands in for python-docx's zip writer: the parts as bytes, for finish_package() (no zip in between)."""

    def __init__(self) -> None:
        self.parts: dict[str, bytes] = {}

    def write(self, pack_uri: Any, blob: bytes) -> None:
        self.parts[pack_uri.membername] = blob


def _package_parts(document: Any) -> dict[str, bytes]:
    """What document.save() would zip (python-docx 1.2's OpcPackage.save(), without the zip)."""
    package = document.part.package
    for part in package.parts:
        part.before_marshal()
    collector = _PartCollector()
    PackageWriter._write_content_types_stream(collector, package.parts)
    PackageWriter._write_pkg_rels(collector, package.rels)
    PackageWriter._write_parts(collector, package.parts)
    return collector.parts


class _FrameTemplate(DocxTemplate):
    """docxtpl's template, with its clean-up of the frame's XML done once per part text: every
    document of a build has the same frame (the clean-up was a tenth of a document's time)."""

    _patched: ClassVar[dict[str, str]] = {}

    def patch_xml(self, src_xml: str) -> str:
        patched = self._patched.get(src_xml)
        if patched is None:
            if len(self._patched) >= 256:
                self._patched.clear()
            patched = self._patched[src_xml] = super().patch_xml(src_xml)
        return patched


_FRAME_ENV = FrameEnvironment()


def compose(frame: Path, body: bytes, context: dict[str, Any], *, seed: str, landscape: bool = False) -> bytes:
    """The frame (a source: rendered in the sandbox, isms.model.templating) around the body."""
    template = _FrameTemplate(str(frame))
    fresh_budget()
    with _seeded(seed):
        body_document = _attached_body(template, body)
        with frame_time_budget():
            template.render({**context, "body": _BodyPlace()}, jinja_env=_FRAME_ENV, autoescape=True)
    document = template.docx.element
    _insert_body(document, body_document)
    finish_document(document, context, landscape)
    return finish_package(_package_parts(template.docx), context)


_ISO_DATE = re.compile(r"(?<![\w./-])(\d{4})-(\d{2})-(\d{2})(?![\w/-])")
# Japanese punctuation directly before a Latin letter or digit: LibreOffice takes the pair for one word
# and, with no break opportunity left, starts the next line with the punctuation (、OneDrive) or
# breaks the Latin word. A zero-width space after the punctuation is the break opportunity Word sees.
_PUNCTUATION = "、。，．：；！？）」』】〕〉》"
ZWSP = "\u200b"


def _iso_to_pattern(match: re.Match[str], pattern: str) -> str:
    try:
        day = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return match.group(0)
    return format_date(day, pattern)


def printed_text(root: etree._Element, pattern: str) -> None:
    """Dates the bodies print as ISO in the document's date format (one format per document), and
    break opportunities after Japanese punctuation that touches Latin text."""
    for paragraph in root.iter(W + "p"):
        previous = ""
        for node in paragraph.iter(W + "t"):
            text = _ISO_DATE.sub(lambda m: _iso_to_pattern(m, pattern), node.text or "")
            text = re.sub(f"(?<=[{_PUNCTUATION}])(?=[A-Za-z0-9])", ZWSP, text)
            if previous[-1:] in _PUNCTUATION and previous and text[:1].isascii() and text[:1].isalnum():
                text = ZWSP + text
            node.text = text
            previous = text or previous


def finish_document(root: etree._Element, context: dict[str, Any], landscape: bool) -> None:
    printed_text(root, context["date_pattern"])
    if context["toc"]:
        fill_toc(root)
    if landscape:
        _landscape_body(root)


def finish_package(parts: dict[str, bytes], context: dict[str, Any]) -> bytes:
    parts["word/settings.xml"] = word_settings(parts["word/settings.xml"])
    parts["word/styles.xml"] = language_styles(parts["word/styles.xml"], context["lang"])
    if "word/fontTable.xml" in parts:
        parts["word/fontTable.xml"] = language_font_table(parts["word/fontTable.xml"], context["lang"])
    if THEME in parts:
        parts[THEME] = language_theme(parts[THEME], context["lang"])
    day = dt.date.fromisoformat(context["core_date"]) if context["core_date"] else None
    parts["docProps/core.xml"] = core_properties(
        f"{context['number']} {context['title']}", context["organisation"], subject=context["classification"], when=day
    )
    parts["docProps/app.xml"] = app_properties(context["organisation"])
    return write_package(parts)


# --------------------------------------------------------------------------- table of contents


def fill_toc(root: etree._Element) -> None:
    """Write the TOC field's result: one hyperlinked entry per heading (levels 1-3), its title, a tab
    (dot leader) and a two-digit placeholder that paginate.py replaces by the heading's page.

    Page numbers are plain text, not PAGEREF fields: LibreOffice and other viewers show a TOC's stored
    result as it is; Word rebuilds the whole field when someone updates it (F9).
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
        link = w("hyperlink", {"anchor": bookmark, "history": "1"}, text_run(heading), w("r", None, w("tab")), text_run(PLACEHOLDER))
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


LANDSCAPE_MARGINS = {"top": 1247, "bottom": 850, "left": 851, "right": 851}


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
    # Wide registers use the page: 1.5 cm at the sides and the foot, the header's own height at the top.
    margins = sectpr.find("w:pgMar", NS)
    if margins is not None:
        for side, value in LANDSCAPE_MARGINS.items():
            margins.set(W + side, str(value))


"""The 新旧対照表 (`isms diff`) as a Word document, beside the HTML page: build/diff/<from>_<to>.docx.

One section per changed document (its number and title), then a two-column table 旧 | 新: one row
per changed passage with a little context. Lines are compared first, then the characters of changed
lines, so that the words that changed inside a line are marked: removed text red and struck through
in the 旧 column, added text blue and underlined in the 新 column. The file uses the styles of the
project's reference docx; its header names the document set and the strictest classification of the
documents compared. The bytes depend on the inputs only (fixed zip timestamps, explicit properties).
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from docx import Document as open_docx
from lxml import etree

from isms import trust
from isms.i18n import t
from isms.ledger import find_release
from isms.ledger.content import read_header
from isms.ledger.diff import WORKING, DocumentDiff
from isms.model import Isms
from isms.render.docx.package import THEME, app_properties, language_font_table, language_styles, language_theme, word_settings
from isms.render.docx.paths import template_paths
from isms.render.docx.reference import MARGIN_SIDE, PAGE_HEIGHT, PAGE_WIDTH
from isms.render.ooxml import NS, W, core_properties, field_runs, read_package, text_run, tidy, w, write_package
from isms.sources.schema import ClassificationLevel

REMOVED_COLOUR = "C00000"  # red, struck through: text of the old version that is gone
ADDED_COLOUR = "0070C0"  # blue, underlined: text the new version adds
CONTEXT_LINES = 2  # unchanged lines shown around a change
MAX_CHARACTER_PAIRS = 4_000_000  # longer rewritten passages are marked line by line (difflib is quadratic)
TEXT_WIDTH = PAGE_HEIGHT - 2 * MARGIN_SIDE  # landscape

# --------------------------------------------------------------------------- the comparison itself


@dataclass(frozen=True)
class Segment:
    text: str
    changed: bool = False


Line = list[Segment]  # one paragraph of a cell


@dataclass(frozen=True)
class Passage:
    """One row of the table: the old and the new lines of a changed passage, context included."""

    old: list[Line]
    new: list[Line]
    old_start: int  # 1-based line numbers in the document's content text
    new_start: int


def passages(old_text: str, new_text: str, context: int = CONTEXT_LINES) -> list[Passage]:
    old_lines, new_lines = old_text.splitlines(), new_text.splitlines()
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    out = []
    for group in matcher.get_grouped_opcodes(context):
        old: list[Line] = []
        new: list[Line] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                old += [[Segment(line)] for line in old_lines[i1:i2]]
                new += [[Segment(line)] for line in new_lines[j1:j2]]
            elif tag == "delete":
                old += [[Segment(line, True)] for line in old_lines[i1:i2]]
            elif tag == "insert":
                new += [[Segment(line, True)] for line in new_lines[j1:j2]]
            else:
                left, right = changed_lines(old_lines[i1:i2], new_lines[j1:j2])
                old += left
                new += right
        if group:
            out.append(Passage(_trimmed(old), _trimmed(new), group[0][1] + 1, group[0][3] + 1))
    return out


def _trimmed(lines: list[Line]) -> list[Line]:
    """Without the blank unchanged lines at either end (context, not content)."""

    def blank(line: Line) -> bool:
        return not any(segment.text.strip() or segment.changed for segment in line)

    start, end = 0, len(lines)
    while start < end and blank(lines[start]):
        start += 1
    while end > start and blank(lines[end - 1]):
        end -= 1
    return lines[start:end]


def changed_lines(old: Sequence[str], new: Sequence[str]) -> tuple[list[Line], list[Line]]:
    """Lines that were replaced: mark the characters that differ, on both sides."""
    a, b = "\n".join(old), "\n".join(new)
    if len(a) * len(b) > MAX_CHARACTER_PAIRS:
        return [[Segment(line, True)] for line in old], [[Segment(line, True)] for line in new]
    left: list[Segment] = []
    right: list[Segment] = []
    for tag, i1, i2, j1, j2 in _cleaned(difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes(), a, b):
        left.append(Segment(a[i1:i2], tag != "equal"))
        right.append(Segment(b[j1:j2], tag != "equal"))
    return _split_lines(left), _split_lines(right)


def _cleaned(opcodes: list[tuple[str, int, int, int, int]], a: str, b: str) -> Iterator[tuple[str, int, int, int, int]]:
    """Character diffs of Japanese text match stray particles (の, を) inside a rewritten phrase:
    an unchanged stretch of one or two characters between two changes counts as changed, so that
    a reader sees one rewritten phrase, not a comb of tiny marks."""
    ops = [list(op) for op in opcodes if op[1] != op[2] or op[3] != op[4]]
    for index, op in enumerate(ops):
        if op[0] == "equal" and 0 < index < len(ops) - 1 and op[2] - op[1] <= 2 and "\n" not in a[op[1] : op[2]]:
            op[0] = "replace"
    merged: list[list] = []
    for op in ops:
        if merged and op[0] != "equal" and merged[-1][0] != "equal":
            merged[-1] = ["replace", merged[-1][1], op[2], merged[-1][3], op[4]]
        else:
            merged.append(op)
    for op in merged:
        yield op[0], op[1], op[2], op[3], op[4]


def _split_lines(segments: list[Segment]) -> list[Line]:
    lines: list[Line] = [[]]
    for segment in segments:
        for index, piece in enumerate(segment.text.split("\n")):
            if index:
                lines.append([])
            if piece:
                lines[-1].append(Segment(piece, segment.changed))
    return lines


# --------------------------------------------------------------------------- the Word document


def _paragraph(style: str, *runs: etree._Element, keep_next: bool = False) -> etree._Element:
    ppr = w("pPr", None, w("pStyle", {"val": style}))
    if keep_next:
        ppr.append(w("keepNext"))
    return w("p", None, ppr, *runs)


def _title(text: str) -> etree._Element:
    """The cover title's style, without the cover's space above it."""
    paragraph = _paragraph("CoverTitle", text_run(text))
    paragraph.find("w:pPr", NS).append(w("spacing", {"before": "0", "after": "360"}))
    return paragraph


def _mark(removed: bool) -> etree._Element:
    if removed:
        return w("rPr", None, w("strike"), w("color", {"val": REMOVED_COLOUR}))
    return w("rPr", None, w("color", {"val": ADDED_COLOUR}), w("u", {"val": "single"}))


def _cell(width: int, paragraphs: list[etree._Element], fill: str | None = None) -> etree._Element:
    tcpr = w("tcPr", None, w("tcW", {"w": str(width), "type": "dxa"}))
    if fill:
        tcpr.append(w("shd", {"val": "clear", "color": "auto", "fill": fill}))
    return w("tc", None, tcpr, *(paragraphs or [_paragraph("TableText")]))


def _table(widths: list[int], rows: list[list[etree._Element]], header: bool = True) -> etree._Element:
    # tblStyle is written although "Table" is the default: LibreOffice draws no borders otherwise.
    look = {"val": "0020" if header else "0000", "firstRow": "1" if header else "0", "lastRow": "0", "firstColumn": "0", "lastColumn": "0", "noHBand": "1", "noVBand": "1"}
    tblpr = w("tblPr", None, w("tblStyle", {"val": "Table"}), w("tblW", {"w": str(sum(widths)), "type": "dxa"}), w("tblLayout", {"type": "fixed"}), w("tblLook", look))
    grid = w("tblGrid", None, *(w("gridCol", {"w": str(width)}) for width in widths))
    table = w("tbl", None, tblpr, grid)
    for index, cells in enumerate(rows):
        trpr = w("trPr", None, w("tblHeader")) if header and index == 0 else w("trPr", None, w("cantSplit"))
        table.append(w("tr", None, trpr, *cells))
    return table


def _line_paragraph(line: Line, removed: bool) -> etree._Element:
    runs = [text_run(segment.text, _mark(removed) if segment.changed else None) for segment in line]
    return _paragraph("TableText", *runs)


def _passage_row(passage: Passage, width: int) -> list[etree._Element]:
    old = [_line_paragraph(line, removed=True) for line in passage.old]
    new = [_line_paragraph(line, removed=False) for line in passage.new]
    return [_cell(width, old), _cell(width, new)]


def _field_row(label: str, value: list[etree._Element]) -> list[etree._Element]:
    bold = w("rPr", None, w("b"))
    return [
        _cell(3000, [_paragraph("TableText", text_run(label, bold))], fill="E7E6E6"),
        _cell(TEXT_WIDTH - 3000, [_paragraph("TableText", *value)]),
    ]


def _header_cells(texts: Sequence[str], widths: Sequence[int]) -> list[etree._Element]:
    return [_cell(width, [_paragraph("TableText", text_run(text))]) for text, width in zip(texts, widths, strict=True)]


def _release(isms: Isms, version: str):
    """The ledger's release of that version; None for the working sources."""
    if version == WORKING:
        return None
    return find_release(isms.releases, version)


def version_label(isms: Isms, version: str, dated: bool = True) -> str:
    """'1.0 (2026-04-01)', or '1.0' (the column heads, as on the HTML page), or the working sources."""
    if version == WORKING:
        return t("diff_working", isms.lang)
    release = _release(isms, version)
    return f"{version} ({release.date.isoformat()})" if release is not None and dated else version


def strictest_classification(isms: Isms, diffs: Sequence[DocumentDiff]) -> ClassificationLevel:
    """The comparison reproduces the documents' text: it carries the highest of their levels."""
    levels = {level.id: level for level in isms.profile.classification}
    found = []
    for diff in diffs:
        doc = isms.documents.get(diff.change.doc_id)
        if doc is not None:
            found.append(doc.classification)
        for text in (diff.old, diff.new):
            level = levels.get(read_header(text).get("classification", ""))
            if level is not None:
                found.append(level)
    default = levels.get(isms.profile.default_classification, isms.profile.classification[0])
    return max(found, key=lambda level: level.confidentiality) if found else default


def comparison_docx(isms: Isms, old: str, new: str, diffs: Sequence[DocumentDiff]) -> bytes:
    lang = isms.lang
    reference, _ = template_paths(isms.root)
    document = open_docx(str(reference))
    body = document.element.body
    sectpr = body.find("w:sectPr", NS)
    for child in list(body):
        if child is not sectpr:
            body.remove(child)

    org = isms.profile.organization
    set_name = t("comparison_set", lang, org=org.name if lang == "ja" or not org.name_en else org.name_en)
    level = strictest_classification(isms, diffs)
    classification = level.name if lang == "ja" else level.name_en
    old_label, new_label = version_label(isms, old), version_label(isms, new)
    old_short, new_short = version_label(isms, old, dated=False), version_label(isms, new, dated=False)
    kinds = {kind: t(f"diff_kind_{kind}", lang) for kind in ("new", "modified", "removed")}

    content: list[etree._Element] = [
        _title(t("comparison_title", lang)),
        _table(
            [3000, TEXT_WIDTH - 3000],
            [
                _field_row(t("comparison_from", lang), [text_run(old_label)]),
                _field_row(t("comparison_to", lang), [text_run(new_label)]),
                _field_row(t("classification", lang), [text_run(classification)]),
                _field_row(t("comparison_legend", lang), _legend_runs(lang)),
            ],
            header=False,
        ),
    ]
    content.append(_paragraph("Heading1", text_run(t("changed_documents", lang))))
    if diffs:
        widths = [1400, 2600, TEXT_WIDTH - 4000]
        rows = [_header_cells((t("change", lang), t("document_no", lang), t("title", lang)), widths)]
        for diff in diffs:
            number, _, title = diff.name.partition(" ")
            rows.append(_header_cells((kinds[diff.change.kind], number, title), widths))
        content.append(_table(widths, rows))
    else:
        content.append(_paragraph("BodyText", text_run(t("diff_nothing", lang))))

    half = TEXT_WIDTH // 2
    for diff in diffs:
        content.append(_paragraph("Heading1", text_run(f"{diff.name}"), text_run(f"  [{kinds[diff.change.kind]}]")))
        rows = [_header_cells((t("diff_old", lang, label=old_short), t("diff_new", lang, label=new_short)), [half, half])]
        found = passages(diff.old, diff.new)
        if diff.change.kind == "new":
            found = [Passage([[Segment(t("diff_absent", lang))]], p.new, p.old_start, p.new_start) for p in found]
        elif diff.change.kind == "removed":
            found = [Passage(p.old, [[Segment(t("diff_absent", lang))]], p.old_start, p.new_start) for p in found]
        rows += [_passage_row(passage, half) for passage in found]
        content.append(_table([half, half], rows))

    for element in content:
        sectpr.addprevious(element)
    _page_setup(sectpr)
    _header_footer(document, set_name, lang, classification)
    tidy(document.element)

    buffer = io.BytesIO()
    document.save(buffer)
    parts = read_package(buffer.getvalue())
    parts["word/styles.xml"] = language_styles(parts["word/styles.xml"], lang)
    parts["word/settings.xml"] = word_settings(parts["word/settings.xml"])
    if "word/fontTable.xml" in parts:
        parts["word/fontTable.xml"] = language_font_table(parts["word/fontTable.xml"], lang)
    if THEME in parts:
        parts[THEME] = language_theme(parts[THEME], lang)
    parts["docProps/app.xml"] = app_properties(org.name if lang == "ja" or not org.name_en else org.name_en)
    title = f"{t('comparison_title', lang)} {old_label} → {new_label}"
    parts["docProps/core.xml"] = core_properties(title, org.name if lang == "ja" or not org.name_en else org.name_en, subject=classification, when=_release_date(isms, new))
    return write_package(parts)


def _legend_runs(lang: str) -> list[etree._Element]:
    return [
        text_run(t("comparison_removed", lang), _mark(True)), text_run(t("comparison_removed_note", lang)),
        text_run(t("comparison_added", lang), _mark(False)), text_run(t("comparison_added_note", lang)),
    ]


def _release_date(isms: Isms, version: str) -> dt.date | None:
    release = _release(isms, version)
    return release.date if release is not None else None


def _page_setup(sectpr: etree._Element) -> None:
    size = sectpr.find("w:pgSz", NS)
    if size is None:
        size = w("pgSz")
        sectpr.append(size)
    size.set(W + "w", str(PAGE_HEIGHT))
    size.set(W + "h", str(PAGE_WIDTH))
    size.set(W + "orient", "landscape")


def _header_footer(document, set_name: str, lang: str, classification: str) -> None:
    section = document.sections[0]
    header = section.header
    header.is_linked_to_previous = False
    element = header._element
    for child in list(element):
        element.remove(child)
    # The style's stops are set for a portrait page: clear them, one right stop at the text width.
    stops = document.styles.element.iterfind("w:style[@w:styleId='Header']/w:pPr/w:tabs/w:tab", NS)
    tabs = w("tabs", None, *(w("tab", {"val": "clear", "pos": stop.get(W + "pos")}) for stop in stops))
    tabs.append(w("tab", {"val": "right", "pos": str(TEXT_WIDTH)}))
    paragraph = _paragraph(
        "Header", text_run(f"{set_name}  {t('comparison_title', lang)}"), w("r", None, w("tab")),
        text_run(t("cover_classification", lang, label=t("classification", lang), value=classification)),
    )
    paragraph.find("w:pPr", NS).append(tabs)
    element.append(paragraph)
    footer = section.footer
    footer.is_linked_to_previous = False
    element = footer._element
    for child in list(element):
        element.remove(child)
    element.append(_paragraph("Footer", text_run(f"{t('page', lang)} "), *field_runs("PAGE", "1"), text_run(" / "), *field_runs("NUMPAGES", "1")))
    tidy(header._element)
    tidy(footer._element)


def write_comparison(isms: Isms, old: str, new: str, diffs: Sequence[DocumentDiff], path: Path) -> Path:
    """Called by isms.ledger.diff.write_diff: the .docx beside the .html."""
    trust.write_atomic(path, comparison_docx(isms, old, new, diffs))
    return path

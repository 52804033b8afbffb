"""reST -> Word bodies with ONE pandoc process for the whole batch.

Starting pandoc (a 170 MB binary) costs ~65 ms, about what converting a document costs: so every body
of a build goes through a single run. filter.lua reads each body separately, joins them with marker
paragraphs, and this module splits the resulting docx into one small body package per document.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from isms.i18n import t
from isms.problems import Problem
from isms.render.docx.labels import Label
from isms.render.ooxml import NS, XML_SPACE, W, paragraph_text, read_package, tidy, w, write_package, xml_bytes

FILTER = Path(__file__).with_name("filter.lua")
MARKER = "\ue000ISMS:"  # a private-use character: never in a source text
# reST admonitions the filter titles (the words: isms.i18n, admonition_<name>).
ADMONITIONS = ("attention", "caution", "danger", "error", "hint", "important", "note", "tip", "warning", "seealso", "admonition")
LANG_TAGS = {"ja": "ja-JP", "en": "en-US"}
# A table cell whose content is a container of one of these classes gets this shading: the risk
# report's heat map, in the colours of render/html/static/isms.css (the axis as the header row).
SHADING = {"isms-heat-high": "F4B6B0", "isms-heat-mid": "FBE3A6", "isms-heat-low": "CFE8C6", "isms-heat-axis": "E7E6E6"}


@dataclass(frozen=True)
class DocumentText:
    """One document's reST, in parts (the manual's chapters are read one by one, as Sphinx does)."""

    doc_id: str
    parts: tuple[str, ...]
    sources: tuple[Path, ...]
    drop_title: bool = False  # a lone top-level title repeats the cover's
    chapter_breaks: bool = False
    signed: bool = False  # the frame signs it: a closing line block of the text is the typed signature
    # (column, column + 1) of its widest table: where the first cell is empty ("—"), one cell spans both
    # (the SoA: an excluded control's justification takes the room of the reasons it has none of).
    merge: tuple[int, int] | None = None
    dense: bool = False  # its tables set in the DenseTable style (small type on exact lines)


def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def _runtime_options(pandoc: str) -> list[str]:
    """A larger allocation area for pandoc's Haskell runtime: a tenth less time collecting garbage
    (the whole batch's AST is live) for ~100 MB more memory. Only for the pandoc pypandoc-binary
    ships (built to accept it): a pandoc found elsewhere (pypandoc takes the newest) may refuse
    runtime options and would fail."""
    import pypandoc

    bundled = Path(pypandoc.__file__).resolve().parent / "files"
    return ["+RTS", "-A64m", "-RTS"] if Path(pandoc).resolve().parent == bundled else []


def convert(
    bodies: list[DocumentText], labels: dict[str, Label], lang: str, reference: Path, media: dict[str, str] | None = None
) -> tuple[dict[str, bytes], list[Problem]]:
    """Returns doc_id -> a docx package holding only that document's body."""
    if not bodies:
        return {}, []
    with tempfile.TemporaryDirectory(prefix="isms-pandoc-") as tmp:
        work = Path(tmp)
        docs = []
        for number, body in enumerate(bodies):
            files = []
            for part_number, text in enumerate(body.parts):
                path = work / f"{number:04d}-{part_number:02d}.rst"
                path.write_text(text, encoding="utf-8")
                files.append(str(path))
            docs.append({"id": body.doc_id, "parts": files, "drop_title": body.drop_title, "chapter_breaks": body.chapter_breaks, "signed": body.signed, "merge": list(body.merge) if body.merge else None})
        manifest = {
            "docs": docs, "labels": labels, "lang": lang, "marker": MARKER, "admonitions": {name: t(f"admonition_{name}", lang) for name in ADMONITIONS},
            "shading": SHADING, "media": media or {},
        }
        manifest_path = work / "manifest.json"
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        output = work / "all.docx"
        pandoc = pandoc_path()
        command = [
            pandoc, *_runtime_options(pandoc), "--from", "markdown", "--to", "docx", "--reference-doc", str(reference),
            "--lua-filter", str(FILTER), "--metadata", f"lang={LANG_TAGS.get(lang, lang)}",
            "--metadata", f"isms-manifest={manifest_path}", "--output", str(output),
        ]
        env = {**os.environ, "SOURCE_DATE_EPOCH": "315532800"}
        try:
            result = subprocess.run(command, input=b"", capture_output=True, env=env, timeout=600, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            return {}, [Problem(bodies[0].sources[0], 1, 1, f"could not run pandoc: {exc}")]
        if result.returncode != 0 or not output.is_file():
            message = result.stderr.decode("utf-8", "replace").strip().splitlines()
            return {}, [Problem(reference, 1, 1, f"pandoc failed: {' '.join(message[-3:]) or result.returncode}")]
        return split(output.read_bytes(), bodies, {path: name for name, path in (media or {}).items()})


def split(data: bytes, bodies: list[DocumentText], media_names: dict[str, str]) -> tuple[dict[str, bytes], list[Problem]]:
    """media_names: file read -> published name (pandoc prints the file it read into a picture's
    description: the build machine's path)."""
    parts = read_package(data)
    root = etree.fromstring(parts["word/document.xml"])
    body = root.find("w:body", NS)
    sectpr = body.find("w:sectPr", NS)
    segments: list[list[etree._Element]] = []
    errors: dict[int, str] = {}
    for element in list(body):
        if element.tag == W + "p":
            text = paragraph_text(element)
            if text.startswith(MARKER):
                command = text[len(MARKER):]
                if command.startswith("doc:"):
                    segments.append([])
                elif command.startswith("error:"):
                    errors[len(segments) - 1] = command[len("error:"):]
                continue
        if segments and element is not sectpr:
            segments[-1].append(element)
    problems: list[Problem] = []
    if len(segments) != len(bodies):
        return {}, [Problem(bodies[0].sources[0], 1, 1, f"pandoc returned {len(segments)} documents for {len(bodies)}")]
    numbering = _Numbering(etree.fromstring(parts["word/numbering.xml"])) if "word/numbering.xml" in parts else None
    justified = _JustifiedStyles(etree.fromstring(parts["word/styles.xml"]))
    result: dict[str, bytes] = {}
    for index, (job, elements) in enumerate(zip(bodies, segments, strict=True)):
        if index in errors:
            path_text, _, message = errors[index].partition("\t")
            part = re.search(r"-(\d+)\.rst$", path_text)
            number = int(part.group(1)) if part else 0
            source = job.sources[min(number, len(job.sources) - 1)]
            problems.append(Problem(source, 1, 1, f"pandoc could not read the text: {message or path_text}"))
            continue
        result[job.doc_id] = _package(parts, root, elements, sectpr, numbering, justified, media_names, dense=job.dense)
    return result, problems


def _package(
    parts: dict[str, bytes],
    root: etree._Element,
    elements: list[etree._Element],
    sectpr: etree._Element,
    numbering: _Numbering | None,
    justified: _JustifiedStyles,
    media_names: dict[str, str],
    dense: bool = False,
) -> bytes:
    """A docx holding one document's body; its ids are renumbered from 1 so that the bytes do not
    depend on which other documents shared the pandoc run. The elements move into it (each belongs
    to one document; the run's tree is not used again)."""
    document = etree.Element(root.tag, nsmap=root.nsmap)
    body = etree.SubElement(document, W + "body")
    body.extend(elements)
    _data_tables(body, dense)
    _shade_cells(body)
    _unbroken_texts(body)
    _no_justified_breaks(body, justified)
    _space_after_tables(body)
    _renumber_bookmarks(body)
    _renumber_pictures(body, media_names)
    _bookmarks_into_headings(body)
    if sectpr is not None:
        body.append(copy.deepcopy(sectpr))
    own = dict(parts)
    if numbering is not None:
        own["word/numbering.xml"] = numbering.subset(body)
    own["word/document.xml"] = xml_bytes(document)
    return write_package(own, compress=False)  # opened again at once by compose(): not worth compressing


_WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
_PIC = "{http://schemas.openxmlformats.org/drawingml/2006/picture}"


def _renumber_pictures(body: etree._Element, media_names: dict[str, str]) -> None:
    """Pictures numbered from 1 in the document (pandoc numbers them across its whole run, so the
    bytes would depend on the batch), and described by their published name, not by the path of the
    file pandoc read (the build machine's folders)."""
    for number, element in enumerate(body.iter(f"{_WP}docPr", f"{_PIC}cNvPr"), start=1):
        element.set("id", str(number))
        description = element.get("descr")
        if description in media_names:
            element.set("descr", media_names[description])


def _data_tables(body: etree._Element, dense: bool = False) -> None:
    """Tables of more than one column: a row is not split across pages (a checklist row, a risk with
    its treatment), and a cell of several paragraphs is set like a one-paragraph cell (pandoc makes
    those "DocumentText Text": justified, with space after each paragraph). One-column tables (admonition
    boxes) may be long: they keep breaking and their body text."""
    for table in body.iter(W + "tbl"):
        if len(table.findall("w:tblGrid/w:gridCol", NS)) < 2:
            continue
        if dense:
            tblpr = table.find("w:tblPr", NS)
            margins = {"top": "14", "left": "57", "bottom": "14", "right": "57"}
            _replace(tblpr, w("tblCellMar", None, *(w(side, {"w": value, "type": "dxa"}) for side, value in margins.items())))
        for row in table.findall("w:tr", NS):
            _replace(_trpr(row), w("cantSplit"))
            for style in row.iterfind("w:tc/w:p/w:pPr/w:pStyle", NS):
                if style.get(W + "val") in ("BodyText", "FirstParagraph", "Compact"):
                    style.set(W + "val", "DenseTable" if dense else "Compact")
        tidy(table)


def _trpr(row: etree._Element) -> etree._Element:
    trpr = row.find("w:trPr", NS)
    if trpr is None:
        trpr = w("trPr")
        row.insert(0 if row.find("w:tblPrEx", NS) is None else 1, trpr)
    return trpr


def _shade_cells(body: etree._Element) -> None:
    """filter.lua puts a 'shade:<fill>' marker paragraph first in a cell that is to be shaded: the
    marker becomes the cell's w:shd, and the cell's text is centred (a heat-map cell). Such a table
    is a figure: it is kept on one page, with the paragraph that introduces it."""
    prefix = MARKER + "shade:"
    tables = []
    for paragraph in list(body.iter(W + "p")):
        text = paragraph_text(paragraph)
        if not text.startswith(prefix):
            continue
        cell = paragraph.getparent()
        cell.remove(paragraph)
        if cell.tag != W + "tc":
            continue
        table = next(cell.iterancestors(W + "tbl"), None)
        if table is not None and table not in tables:
            tables.append(table)
        tcpr = cell.find("w:tcPr", NS)
        if tcpr is None:
            tcpr = w("tcPr")
            cell.insert(0, tcpr)
        _replace(tcpr, w("shd", {"val": "clear", "color": "auto", "fill": text[len(prefix):]}))
        _replace(tcpr, w("vAlign", {"val": "center"}))
        for content in cell.findall("w:p", NS):
            _replace(_ppr(content), w("jc", {"val": "center"}))
        tidy(cell)
    for table in tables:
        _keep_together(table)


_IDENTIFIER = re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+")


def _unbroken_texts(element: etree._Element) -> None:
    """Identifiers (R-001, A-012, ISMS-C-5-15) must not break at their hyphens: w:noBreakHyphen, as
    Word's Ctrl+Shift+-; other hyphens keep breaking normally. And a tab pandoc left inside a text
    (a literal block's) becomes a w:tab, as Word writes one (docxtpl once did that for the bodies)."""
    for text in list(element.iter(W + "t")):
        value = text.text or ""
        if "\t" not in value and not _IDENTIFIER.search(value):
            continue
        run = text.getparent()
        position = run.index(text)
        run.remove(text)
        for offset, piece in enumerate(_text_pieces(value)):
            run.insert(position + offset, piece)


def _text_pieces(value: str) -> list[etree._Element]:
    pieces: list[etree._Element] = []

    def add_text(chunk: str) -> None:
        if chunk:
            piece = w("t", {XML_SPACE: "preserve"})
            piece.text = chunk
            pieces.append(piece)

    for number, part in enumerate(value.split("\t")):
        if number:
            pieces.append(w("tab"))
        cursor = 0
        for match in _IDENTIFIER.finditer(part):
            add_text(part[cursor : match.start()])
            for index, chunk in enumerate(match.group(0).split("-")):
                if index:
                    pieces.append(w("noBreakHyphen"))
                add_text(chunk)
            cursor = match.end()
        add_text(part[cursor:])
    return pieces


class _JustifiedStyles:
    """The paragraph styles of a pandoc run whose text is justified (through their basedOn chain),
    and its default paragraph style: read once for all the documents of the run."""

    def __init__(self, styles: etree._Element):
        found: dict[str, str | None] = {}
        based: dict[str, str | None] = {}
        paragraph_styles = styles.findall("w:style[@w:type='paragraph']", NS)
        for style in paragraph_styles:
            style_id = style.get(W + "styleId")
            jc = style.find("w:pPr/w:jc", NS)
            found[style_id] = jc.get(W + "val") if jc is not None else None
            parent = style.find("w:basedOn", NS)
            based[style_id] = parent.get(W + "val") if parent is not None else None

        def value(style_id: str | None, depth: int = 0) -> str | None:
            if style_id is None or depth > 20:
                return None
            return found.get(style_id) or value(based.get(style_id), depth + 1)

        self.ids = {style_id for style_id in found if value(style_id) in ("both", "distribute")}
        self.default = next((s.get(W + "styleId") for s in paragraph_styles if s.get(W + "default") == "1"), None)


def _no_justified_breaks(body: etree._Element, justified: _JustifiedStyles) -> None:
    """A justified line that ends in a manual line break is stretched across the page (a line block
    such as a signature: 株　式　会　社　み　な　と): paragraphs with line breaks are set ragged."""
    default = justified.default
    for paragraph in body.iter(W + "p"):
        if not any(br.get(W + "type") in (None, "textWrapping") for br in paragraph.iter(W + "br")):
            continue
        ppr = _ppr(paragraph)
        jc = ppr.find("w:jc", NS)
        style = ppr.find("w:pStyle", NS)
        style_id = style.get(W + "val") if style is not None else default
        if (jc is not None and jc.get(W + "val") in ("both", "distribute")) or (jc is None and style_id in justified.ids):
            _replace(ppr, w("jc", {"val": "left"}))
            tidy(paragraph)


def _space_after_tables(body: etree._Element) -> None:
    """Text that follows a table gets the space a paragraph has after its predecessor: it does not sit
    on the table's bottom border."""
    for table in body.iter(W + "tbl"):
        following = table.getnext()
        while following is not None and following.tag in (W + "bookmarkStart", W + "bookmarkEnd"):
            following = following.getnext()
        if following is None or following.tag != W + "p" or not paragraph_text(following).strip():
            continue
        ppr = _ppr(following)
        style = ppr.find("w:pStyle", NS)
        if style is not None and style.get(W + "val", "").startswith("Heading"):
            continue  # a heading has its own space before
        spacing = ppr.find("w:spacing", NS)
        if spacing is None:
            spacing = w("spacing")
            ppr.append(spacing)
        spacing.set(W + "before", "160")
        tidy(following)


def _keep_together(table: etree._Element) -> None:
    rows = table.findall("w:tr", NS)
    for index, row in enumerate(rows):
        _replace(_trpr(row), w("cantSplit"))
        if index < len(rows) - 1:
            for paragraph in row.iter(W + "p"):
                _replace(_ppr(paragraph), w("keepNext"))
    tidy(table)
    # The figure stays with what introduces it: its label, and up to its heading (the heat map's heading
    # was left at the foot of a page, its explanation too, with the map on the next).
    before = table.getprevious()
    for _ in range(4):
        while before is not None and before.tag in (W + "bookmarkStart", W + "bookmarkEnd"):
            before = before.getprevious()
        if before is None or before.tag != W + "p":
            break
        _replace(_ppr(before), w("keepNext"))
        tidy(before)
        style = before.find("w:pPr/w:pStyle", NS)
        if style is not None and style.get(W + "val", "").startswith("Heading"):
            break
        before = before.getprevious()


def _ppr(paragraph: etree._Element) -> etree._Element:
    ppr = paragraph.find("w:pPr", NS)
    if ppr is None:
        ppr = w("pPr")
        paragraph.insert(0, ppr)
    return ppr


def _replace(parent: etree._Element, child: etree._Element) -> None:
    for old in parent.findall(child.tag):
        parent.remove(old)
    parent.append(child)


def _renumber_bookmarks(body: etree._Element) -> None:
    """pandoc closes a section's bookmark where the next section starts, which may be past the
    document marker: drop ends without a start, close what is left open, number from 1.

    The ends at the very end of the body are closed again by this function too, innermost first:
    pandoc writes them itself only when the document happens to be the last of its batch, so the
    bytes would otherwise depend on which documents shared the run (cores, cache hits)."""
    while len(body) and body[-1].tag == W + "bookmarkEnd":
        body.remove(body[-1])
    ids: dict[str, str] = {}
    for start in body.iter(W + "bookmarkStart"):
        ids[start.get(W + "id")] = str(len(ids) + 1)
        start.set(W + "id", ids[start.get(W + "id")])
    closed = set()
    for end in list(body.iter(W + "bookmarkEnd")):
        old = end.get(W + "id")
        if old not in ids:
            end.getparent().remove(end)
            continue
        end.set(W + "id", ids[old])
        closed.add(ids[old])
    for new in reversed(ids.values()):
        if new not in closed:
            body.append(etree.Element(W + "bookmarkEnd", {W + "id": new}))


def _bookmarks_into_headings(body: etree._Element) -> None:
    """pandoc's bookmark of a heading spans its section, opened between paragraphs: after a table
    LibreOffice drops it (its PDF then has no destination for that heading, paginate.py no page for
    its TOC entry). Word's own heading bookmarks span the heading's text: so do these."""
    ends = {end.get(W + "id"): end for end in body.iter(W + "bookmarkEnd")}
    for start in list(body.findall("w:bookmarkStart", NS)):
        following = start.getnext()
        while following is not None and following.tag == W + "bookmarkStart":
            following = following.getnext()
        if following is None or following.tag != W + "p":
            continue
        body.remove(start)
        ppr = following.find("w:pPr", NS)
        following.insert(following.index(ppr) + 1 if ppr is not None else 0, start)
        end = ends.get(start.get(W + "id"))
        if end is not None:
            end.getparent().remove(end)
            following.append(end)


class _Numbering:
    """The lists of a pandoc run, indexed once: each document takes the subset it uses."""

    def __init__(self, numbering: etree._Element):
        self.root = numbering
        self.nums = {n.get(W + "numId"): n for n in numbering.findall("w:num", NS)}
        self.abstracts = {a.get(W + "abstractNumId"): a for a in numbering.findall("w:abstractNum", NS)}

    def subset(self, body: etree._Element) -> bytes:
        """Only the lists this body uses (docxcompose parses every definition it is given), renumbered."""
        num_ids: dict[str, str] = {}
        for ref in body.iter(W + "numId"):
            old = ref.get(W + "val")
            if old != "0":  # 0 means "no numbering"
                num_ids.setdefault(old, str(len(num_ids) + 1))
                ref.set(W + "val", num_ids[old])
        subset = etree.Element(self.root.tag, nsmap=self.root.nsmap)
        abstract_ids: dict[str, str] = {}
        new_nums = []
        for old, new in num_ids.items():
            num = self.nums.get(old)
            if num is None:
                continue
            num = copy.deepcopy(num)
            num.set(W + "numId", new)
            ref = num.find("w:abstractNumId", NS)
            old_abstract = ref.get(W + "val")
            if old_abstract not in abstract_ids and old_abstract in self.abstracts:
                abstract_ids[old_abstract] = str(len(abstract_ids))
                abstract = copy.deepcopy(self.abstracts[old_abstract])
                abstract.set(W + "abstractNumId", abstract_ids[old_abstract])
                subset.append(abstract)
            ref.set(W + "val", abstract_ids.get(old_abstract, old_abstract))
            new_nums.append(num)
        subset.extend(new_nums)  # the schema wants every abstractNum before the first num
        return xml_bytes(subset)

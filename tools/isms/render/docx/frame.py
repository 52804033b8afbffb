"""The frame template of a Japanese ISMS document: cover, revision history, distribution, table of contents, header, footer.

Built by code from the reference docx so that every Jinja tag sits in a run of its own (tags typed in
Word get split across runs) and the frame shares the body's styles. An organisation may restyle the
generated file in Word; the tags it must keep are the {{ ... }} / {%...%} texts.
"""

from __future__ import annotations

import io

from docx import Document as open_docx
from lxml import etree

from isms.render.ooxml import NS, W, field_runs, text_run, tidy, w


def _p(style: str | None, *runs: etree._Element, ppr_extra: tuple[etree._Element, ...] = ()) -> etree._Element:
    ppr = w("pPr")
    if style:
        ppr.append(w("pStyle", {"val": style}))
    ppr.extend(ppr_extra)
    return w("p", None, ppr, *runs)


def _t(text: str, style: str | None = None, bold: bool = False) -> etree._Element:
    rpr = None
    if style or bold:
        rpr = w("rPr")
        if style:
            rpr.append(w("rStyle", {"val": style}))
        if bold:
            rpr.append(w("b"))
    return text_run(text, rpr)


def _cell(width: int, *paragraphs: etree._Element, fill: str | None = None, span: int = 1) -> etree._Element:
    tcpr = w("tcPr", None, w("tcW", {"w": str(width), "type": "dxa"}))
    if span > 1:
        tcpr.append(w("gridSpan", {"val": str(span)}))
    if fill:
        tcpr.append(w("shd", {"val": "clear", "color": "auto", "fill": fill}))
    tcpr.append(w("vAlign", {"val": "center"}))
    return w("tc", None, tcpr, *paragraphs)


def _table(widths: list[int], rows: list[etree._Element], header: bool = False, centred: bool = False) -> etree._Element:
    # tblStyle is written even though "Table" is the default style: LibreOffice draws no borders otherwise.
    tblpr = w(
        "tblPr",
        None,
        w("tblStyle", {"val": "Table"}),
        w("tblW", {"w": str(sum(widths)), "type": "dxa"}),
    )
    if centred:
        tblpr.append(w("jc", {"val": "center"}))
    tblpr.append(w("tblLayout", {"type": "fixed"}))
    tblpr.append(w("tblLook", {"val": "0020" if header else "0000", "firstRow": "1" if header else "0", "lastRow": "0", "firstColumn": "0", "lastColumn": "0", "noHBand": "1", "noVBand": "1"}))
    grid = w("tblGrid", None, *(w("gridCol", {"w": str(width)}) for width in widths))
    return w("tbl", None, tblpr, grid, *rows)


def _row(*cells: etree._Element, header: bool = False) -> etree._Element:
    row = w("tr")
    if header:
        row.append(w("trPr", None, w("tblHeader")))
    else:
        row.append(w("trPr", None, w("cantSplit")))
    row.extend(cells)
    return row


def _tag_row(tag: str, width: int, columns: int) -> etree._Element:
    """A row holding only a {%tr ...%} tag: docxtpl replaces the whole row with the tag."""
    return _row(_cell(width, _p("TableText", _t(tag)), span=columns))


# --------------------------------------------------------------------------- page parts


def _cover() -> list[etree._Element]:
    label_w, value_w = 2600, 5000
    fill = "E7E6E6"

    def info(label: str, *value_runs: etree._Element) -> etree._Element:
        return _row(_cell(label_w, _p("TableText", _t(label, bold=True)), fill=fill), _cell(value_w, _p("TableText", *value_runs)))

    rows = [
        info("{{ L.number }}", _t("{{ number }}")),
        info("{{ L.title }}", _t("{{ title }}")),
        info("{{ L.version }}", _t("{{ version }}")),
        info("{{ L.issued }}", _t("{{ issued }}")),
        info("{{ L.revised }}", _t("{{ revised }}")),
        info("{{ L.pages }}", *field_runs("NUMPAGES", "1"), _t("{{ L.pages_unit }}")),
    ]
    return [
        _p("CoverTitle", _t("{{ title }}")),
        _p("CoverText", _t("{{ number }}")),
        _p(None, _t("{%p if draft %}")),
        _p("CoverClassification", _t("【{{ L.draft }}】", style="DraftMark")),
        _p(None, _t("{%p endif %}")),
        _p("CoverText"),
        _table([label_w, value_w], rows, centred=True),
        _p("CoverClassification", _t("【{{ L.classification }}】{{ classification }}")),
        _p("CoverOrganisation", _t("{{ organisation }}")),
    ]


_HISTORY_WIDTHS = [900, 2638, 1500, 1500, 1500, 1600]


def _history() -> list[etree._Element]:
    widths = _HISTORY_WIDTHS
    labels = ("version", "revision_summary", "approver", "reviewer", "author", "date")
    header = _row(*(_cell(width, _p("TableText", _t(f"{{{{ L.{key} }}}}"))) for width, key in zip(widths, labels, strict=True)), header=True)
    fields = ("version", "summary", "approver", "reviewer", "author", "date")
    data = _row(*(_cell(width, _p("TableText", _t(f"{{{{ r.{key} }}}}"))) for width, key in zip(widths, fields, strict=True)))
    table = _table(
        widths,
        [header, _tag_row("{%tr for r in history %}", sum(widths), len(widths)), data, _tag_row("{%tr endfor %}", sum(widths), len(widths))],
        header=True,
    )
    page_break = (w("pageBreakBefore"),)
    return [_p("FrameHeading", _t("{{ L.history }}"), ppr_extra=page_break), table]


def _distribution() -> list[etree._Element]:
    return [
        _p("FrameHeading", _t("{{ L.distribution }}"), ppr_extra=(w("spacing", {"before": "600"}),)),
        _p("FrameSubheading", _t("{{ L.distribution_definition }}")),
        _p("FrameText", _t("{{ distribution }}")),
        _p("FrameSubheading", _t("{{ L.distribution_list }}")),
        _p(None, _t("{%p for r in recipients %}")),
        _p("FrameItem", _t("・{{ r }}")),
        _p(None, _t("{%p endfor %}")),
        _p(None, _t("{%p if not recipients %}")),
        _p("FrameText", _t("{{ L.none }}")),
        _p(None, _t("{%p endif %}")),
    ]


def _toc() -> list[etree._Element]:
    """A TOC field; compose.fill_toc() writes its entries (Word rebuilds them on open: updateFields)."""
    field = field_runs('TOC \\o "1-3" \\h \\z \\u', "{{ L.toc_placeholder }}")
    return [
        _p(None, _t("{%p if toc %}")),
        _p("FrameHeading", _t("{{ L.toc }}"), ppr_extra=(w("pageBreakBefore"),)),
        _p("TOC1", *field),
        _p(None, _t("{%p endif %}")),
    ]


def _header_xml() -> etree._Element:
    widths = [1500, 3319, 1500, 3319]
    fill = "E7E6E6"

    def label(key: str, width: int) -> etree._Element:
        return _cell(width, _p("Header", _t(f"{{{{ L.{key} }}}}", bold=True)), fill=fill)

    def value(width: int, *runs: etree._Element) -> etree._Element:
        return _cell(width, _p("Header", *runs))

    draft = _t("{% if draft %} 【{{ L.draft }}】{% endif %}", style="DraftMark")
    rows = [
        _row(label("number", widths[0]), value(widths[1], _t("{{ number }}")), label("title", widths[2]), value(widths[3], _t("{{ title }}"))),
        _row(
            label("classification", widths[0]), value(widths[1], _t("{{ classification }}")),
            label("version", widths[2]), value(widths[3], _t("{{ version }}"), draft),
        ),
    ]
    table = _table(widths, rows)
    # Stretch with the page: the same header serves the portrait front matter and a landscape body.
    tblw = table.find("w:tblPr/w:tblW", NS)
    tblw.set(W + "w", "5000")
    tblw.set(W + "type", "pct")
    table.find("w:tblPr/w:tblLayout", NS).set(W + "type", "autofit")
    return table


def _footer_runs() -> list[etree._Element]:
    return [_t("{{ L.page }} "), *field_runs("PAGE", "1"), _t(" / "), *field_runs("NUMPAGES", "1")]


# --------------------------------------------------------------------------- the template file


def build_frame(reference: bytes) -> bytes:
    document = open_docx(io.BytesIO(reference))
    body = document.element.body
    final_sectpr = body.find("w:sectPr", NS)
    for child in list(body):
        if child is not final_sectpr:
            body.remove(child)

    section = document.sections[0]
    section.different_first_page_header_footer = False
    header = section.header
    header.is_linked_to_previous = False
    header_element = header._element
    for child in list(header_element):
        header_element.remove(child)
    header_element.append(_header_xml())
    header_element.append(_p("Header", ppr_extra=(w("spacing", {"after": "0", "line": "120", "lineRule": "exact"}),)))
    footer_element = section.footer._element
    for child in list(footer_element):
        footer_element.remove(child)
    footer_element.append(_p("Footer", *_footer_runs()))

    content = [*_cover(), *_history(), *_distribution(), *_toc()]
    # Front matter is section 1; the body is section 2 (the SoA turns it landscape). Both reference the
    # same header and footer parts.
    front_sectpr = etree.fromstring(etree.tostring(final_sectpr))
    content.append(_p(None, ppr_extra=(front_sectpr,)))
    content.append(_p(None, _t("{{p body }}")))
    for element in content:
        final_sectpr.addprevious(element)

    tidy(document.element)
    for part in (header.part, section.footer.part):
        tidy(part.element)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


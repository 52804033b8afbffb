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


def _cell(width: int, *paragraphs: etree._Element, fill: str | None = None, span: int = 1, valign: str = "center") -> etree._Element:
    tcpr = w("tcPr", None, w("tcW", {"w": str(width), "type": "dxa"}))
    if span > 1:
        tcpr.append(w("gridSpan", {"val": str(span)}))
    if fill:
        tcpr.append(w("shd", {"val": "clear", "color": "auto", "fill": fill}))
    tcpr.append(w("vAlign", {"val": valign}))
    return w("tc", None, tcpr, *paragraphs)


def _table(
    widths: list[int], rows: list[etree._Element], header: bool = False, centred: bool = False, align: str | None = None, side_margin: int | None = None
) -> etree._Element:
    # tblStyle is written even though "Table" is the default style: LibreOffice draws no borders otherwise.
    tblpr = w(
        "tblPr",
        None,
        w("tblStyle", {"val": "Table"}),
        w("tblW", {"w": str(sum(widths)), "type": "dxa"}),
    )
    if centred or align:
        tblpr.append(w("jc", {"val": align or "center"}))
    tblpr.append(w("tblLayout", {"type": "fixed"}))
    if side_margin is not None:
        tblpr.append(w("tblCellMar", None, w("left", {"w": str(side_margin), "type": "dxa"}), w("right", {"w": str(side_margin), "type": "dxa"})))
    tblpr.append(w("tblLook", {"val": "0020" if header else "0000", "firstRow": "1" if header else "0", "lastRow": "0", "firstColumn": "0", "lastColumn": "0", "noHBand": "1", "noVBand": "1"}))
    grid = w("tblGrid", None, *(w("gridCol", {"w": str(width)}) for width in widths))
    return w("tbl", None, tblpr, grid, *rows)


def _row(*cells: etree._Element, header: bool = False, height: int | None = None) -> etree._Element:
    row = w("tr")
    trpr = w("trPr", None, w("tblHeader") if header else w("cantSplit"))
    if height:
        trpr.append(w("trHeight", {"val": str(height), "hRule": "atLeast"}))
    row.append(trpr)
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
        _p("CoverClassification", _t("{{ L.draft_mark }}", style="DraftMark")),
        _p(None, _t("{%p endif %}")),
        _p("CoverText"),
        _table([label_w, value_w], rows, centred=True),
        _p("CoverClassification", _t("{{ classification_line }}")),
        *_approval_box(),
        _p("CoverOrganisation", _t("{{ organisation }}")),
    ]


# Approval box and history: a name of 10 characters fits on one line at 9 pt (the signer columns), and so
# does the longest date (2026年12月31日, with the space Word and LibreOffice put between digits and kanji).
SIGNER_WIDTH = 1920
SIGNER_MARGIN = 40  # cell margin left and right: a role of 13 characters fits at 7 pt
DATE_WIDTH = 1600
_HISTORY_WIDTHS = [860, 1418, SIGNER_WIDTH, SIGNER_WIDTH, SIGNER_WIDTH, DATE_WIDTH]  # 9638: the text width
SIGNERS = ("approver", "reviewer", "author")


def _approval_box() -> list[etree._Element]:
    """承認・査問・作成: the names and date of the release that approved this text, and room for a seal
    or signature (blank on a draft: it is signed by hand)."""
    width = SIGNER_WIDTH
    header = _row(*(_cell(width, _p("BoxLabel", _t(f"{{{{ L.{key} }}}}"))) for key in SIGNERS), header=True)
    names = _row(
        *(_cell(width, _p("SignerRole", _t(f"{{{{ approval.{key}.role }}}}"), ppr_extra=(w("jc", {"val": "center"}),)), _p("SignerName", _t(f"{{{{ approval.{key}.name }}}}")), valign="bottom") for key in SIGNERS),
        height=1100,
    )
    dates = _row(*(_cell(width, _p("BoxDate", _t("{{ approval.date }}"))) for _ in SIGNERS))
    return [_p("CoverText"), _table([width] * 3, [header, names, dates], align="right", side_margin=SIGNER_MARGIN)]


def _history() -> list[etree._Element]:
    widths = _HISTORY_WIDTHS
    labels = ("version", "revision_summary", *SIGNERS, "date")
    header = _row(*(_cell(width, _p("HistoryText", _t(f"{{{{ L.{key} }}}}"))) for width, key in zip(widths, labels, strict=True)), header=True)

    def signer(key: str) -> etree._Element:
        return _cell(SIGNER_WIDTH, _p("SignerRole", _t(f"{{{{ r.{key}_role }}}}")), _p("HistoryText", _t(f"{{{{ r.{key}_name }}}}")))

    data = _row(
        _cell(widths[0], _p("HistoryText", _t("{{ r.version }}"))),
        _cell(widths[1], _p("HistoryText", _t("{{ r.summary }}"))),
        *(signer(key) for key in SIGNERS),
        _cell(widths[5], _p("HistoryText", _t("{{ r.date }}")), _p("SignerRole", _t("{{ r.release }}"))),
    )
    table = _table(
        widths,
        [header, _tag_row("{%tr for r in history %}", sum(widths), len(widths)), data, _tag_row("{%tr endfor %}", sum(widths), len(widths))],
        header=True,
        side_margin=SIGNER_MARGIN,
    )
    page_break = (w("pageBreakBefore"),)
    return [_p("FrameHeading", _t("{{ L.history }}"), ppr_extra=page_break), table]


def _distribution() -> list[etree._Element]:
    return [
        _p("FrameHeading", _t("{{ L.distribution }}"), ppr_extra=(w("spacing", {"before": "600"}),)),
        _p("FrameSubheading", _t("{{ L.distribution_definition }}")),
        _p("FrameText", _t("{{ classification_text }}")),
        _p("FrameText", _t("{{ distribution }}")),
        _p("FrameSubheading", _t("{{ L.distribution_list }}")),
        _p(None, _t("{%p for r in recipients %}")),
        _p("FrameItem", _t("{{ L.list_bullet }}{{ r }}")),
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


def _signature() -> list[etree._Element]:
    """The information security policy ends dated and signed by top management, right-aligned."""
    return [
        _p(None, _t("{%p if signature %}")),
        _p("SignatureDate", _t("{{ signature.date }}")),
        _p("Signature", _t("{{ signature.organisation }}")),
        _p("Signature", _t("{{ signature.signer }}")),
        _p(None, _t("{%p endif %}")),
    ]


def _header_xml() -> etree._Element:
    widths = [1500, 3319, 1500, 3319]
    fill = "E7E6E6"

    def label(key: str, width: int) -> etree._Element:
        return _cell(width, _p("Header", _t(f"{{{{ L.{key} }}}}", bold=True)), fill=fill)

    def value(width: int, *runs: etree._Element) -> etree._Element:
        return _cell(width, _p("Header", *runs))

    draft = _t("{% if draft %}{{ L.draft_mark_inline }}{% endif %}", style="DraftMark")
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
    content += _signature()
    for element in content:
        final_sectpr.addprevious(element)

    tidy(document.element)
    for part in (header.part, section.footer.part):
        tidy(part.element)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


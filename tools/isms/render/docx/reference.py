"""The reference .docx: every style the Word documents use, derived from pandoc's own reference doc.

pandoc takes its styles from this file, and the frame template is built from it, so body and frame
share one set of style definitions (docxcompose keeps the master's style when ids clash). Japanese
needs explicit East Asian fonts: theme font attributes would override them, so they are removed.
"""

from __future__ import annotations

import subprocess

from lxml import etree

from isms.render.docx.package import app_properties, word_settings
from isms.render.docx.pandoc import pandoc_path
from isms.render.ooxml import NS, W, core_properties, read_package, text_run, tidy, w, write_package, xml_bytes

BODY_FONT = "Yu Mincho"  # 游明朝: what Japanese Word users expect for body text
HEADING_FONT = "Yu Gothic"  # 游ゴシック
CODE_FONT = "Consolas"

# A4 portrait, in twentieths of a point.
PAGE_WIDTH, PAGE_HEIGHT = 11906, 16838
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_SIDE = 1418, 1134, 1134
HEADER_DISTANCE, FOOTER_DISTANCE = 567, 454
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN_SIDE

_THEME_ATTRS = ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")
_HEADING_SIZES = {1: 32, 2: 28, 3: 24, 4: 22}  # half-points
_FONT_TABLE = {
    BODY_FONT: ("游明朝", "roman", "02020400000000000000"),
    HEADING_FONT: ("游ゴシック", "swiss", "020B0400000000000000"),
}


def pandoc_default_reference() -> bytes:
    return subprocess.run([pandoc_path(), "--print-default-data-file", "reference.docx"], check=True, capture_output=True).stdout


def build_reference() -> bytes:
    parts = read_package(pandoc_default_reference())
    parts["word/styles.xml"] = _styles(etree.fromstring(parts["word/styles.xml"]))
    parts["word/document.xml"] = _document(etree.fromstring(parts["word/document.xml"]))
    parts["word/settings.xml"] = _settings(etree.fromstring(parts["word/settings.xml"]))
    parts["word/fontTable.xml"] = _font_table(etree.fromstring(parts["word/fontTable.xml"]))
    parts["word/theme/theme1.xml"] = _theme(etree.fromstring(parts["word/theme/theme1.xml"]))
    parts["docProps/core.xml"] = core_properties("", "")
    parts["docProps/app.xml"] = app_properties("")
    return write_package(parts)


# --------------------------------------------------------------------------- styles


def _fonts(face: str, code: bool = False) -> etree._Element:
    ascii_face = CODE_FONT if code else face
    return w("rFonts", {"ascii": ascii_face, "hAnsi": ascii_face, "eastAsia": face, "cs": ascii_face})


def _set(parent: etree._Element, tag: str, attrs: dict[str, str] | None = None) -> etree._Element:
    """Replace (or add) the child <w:tag> of parent; tidy() puts children in schema order at the end."""
    old = parent.find(f"w:{tag}", NS)
    if old is not None:
        parent.remove(old)
    new = w(tag, attrs)
    parent.append(new)
    return new


def _ppr(style: etree._Element) -> etree._Element:
    ppr = style.find("w:pPr", NS)
    if ppr is None:
        ppr = w("pPr")
        rpr = style.find("w:rPr", NS)
        if rpr is not None:
            rpr.addprevious(ppr)
        else:
            style.append(ppr)
    return ppr


def _rpr(style: etree._Element) -> etree._Element:
    rpr = style.find("w:rPr", NS)
    if rpr is None:
        rpr = w("rPr")
        style.append(rpr)
    return rpr


def _style(root: etree._Element, style_id: str) -> etree._Element | None:
    return root.find(f"w:style[@w:styleId='{style_id}']", NS)


def _new_style(root: etree._Element, kind: str, style_id: str, name: str, based_on: str | None, custom: bool = True) -> etree._Element:
    old = _style(root, style_id)
    if old is not None:
        root.remove(old)
    attrs = {"type": kind, "styleId": style_id}
    if custom:
        attrs["customStyle"] = "1"
    style = w("style", attrs, w("name", {"val": name}))
    if based_on:
        style.append(w("basedOn", {"val": based_on}))
    style.append(w("qFormat"))
    root.append(style)
    return style


def _styles(root: etree._Element) -> bytes:
    # Theme attributes win over explicit names: strip them everywhere, then name fonts explicitly.
    for fonts in root.iter(W + "rFonts"):
        for attr in _THEME_ATTRS:
            fonts.attrib.pop(W + attr, None)
    for color in root.iter(W + "color"):
        for attr in ("themeColor", "themeShade", "themeTint"):
            color.attrib.pop(W + attr, None)

    defaults = root.find("w:docDefaults/w:rPrDefault/w:rPr", NS)
    _set(defaults, "rFonts", dict(_fonts(BODY_FONT).attrib))
    _set(defaults, "kern", {"val": "2"})
    _set(defaults, "sz", {"val": "21"})
    _set(defaults, "szCs", {"val": "21"})
    _set(defaults, "lang", {"val": "ja-JP", "eastAsia": "ja-JP", "bidi": "ar-SA"})
    pdefault = root.find("w:docDefaults/w:pPrDefault/w:pPr", NS)
    _set(pdefault, "spacing", {"after": "0", "line": "300", "lineRule": "auto"})
    # Japanese line breaking everywhere, tables and headings included (禁則処理: no line starts with 、。」),
    # punctuation may hang, and Word spaces Latin and digits apart from kana and kanji itself.
    for tag in ("kinsoku", "overflowPunct", "autoSpaceDE", "autoSpaceDN"):
        _set(pdefault, tag)

    body = _style(root, "BodyText")
    _set(_ppr(body), "spacing", {"before": "0", "after": "120"})
    _set(_ppr(body), "jc", {"val": "both"})
    # Table cells and list items: single line spacing, ragged right (justifying a short Japanese cell
    # spreads its characters apart).
    compact = _ppr(_style(root, "Compact"))
    _set(compact, "spacing", {"before": "20", "after": "20", "line": "240", "lineRule": "auto"})
    _set(compact, "jc", {"val": "left"})

    for level in range(1, 10):
        heading = _style(root, f"Heading{level}")
        rpr = _rpr(heading)
        for tag in ("i", "iCs"):
            for node in rpr.findall(f"w:{tag}", NS):
                rpr.remove(node)
        _set(rpr, "rFonts", dict(_fonts(HEADING_FONT).attrib))
        _set(rpr, "b", {})
        _set(rpr, "color", {"val": "000000"})
        size = str(_HEADING_SIZES.get(level, 21))
        _set(rpr, "sz", {"val": size})
        _set(rpr, "szCs", {"val": size})
        ppr = _ppr(heading)
        _set(ppr, "spacing", {"before": "360" if level == 1 else "240", "after": "120"})
        if level == 1:
            _set(ppr, "pBdr", {}).append(w("bottom", {"val": "single", "sz": "8", "space": "1", "color": "000000"}))
        char = _style(root, f"Heading{level}Char")
        if char is not None:
            _set(_rpr(char), "rFonts", dict(_fonts(HEADING_FONT).attrib))

    # A term stays with its definition, a figure with its caption (headings and table captions already do).
    for style_id in ("DefinitionTerm", "CaptionedFigure", "TableCaption"):
        _set(_ppr(_style(root, style_id)), "keepNext")

    for style_id in ("Title", "TitleChar", "Subtitle", "SubtitleChar", "TOCHeading", "Caption", "TableCaption", "ImageCaption", "DefinitionTerm"):
        style = _style(root, style_id)
        if style is not None:
            _set(_rpr(style), "rFonts", dict(_fonts(HEADING_FONT).attrib))
            _set(_rpr(style), "color", {"val": "000000"})
    for style_id in ("VerbatimChar", "SourceCode"):
        style = _style(root, style_id)
        if style is not None:
            _set(_rpr(style), "rFonts", dict(_fonts(HEADING_FONT, code=True).attrib))
    _set(_rpr(_style(root, "Hyperlink")), "color", {"val": "1F4E79"})

    _table_style(root)
    _frame_styles(root)
    return xml_bytes(tidy(root))


def _border_set(tag: str, sides: tuple[str, ...], size: str = "4") -> etree._Element:
    borders = w(tag)
    for side in sides:
        borders.append(w(side, {"val": "single", "sz": size, "space": "0", "color": "000000"}))
    return borders


def _table_style(root: etree._Element) -> None:
    """pandoc's 'Table' style has no borders; LibreOffice and Word then draw none."""
    table = _style(root, "Table")
    for child in table.findall("w:tblPr", NS) + table.findall("w:tblStylePr", NS) + table.findall("w:rPr", NS) + table.findall("w:pPr", NS):
        table.remove(child)
    table.append(w("pPr", None, w("jc", {"val": "left"})))
    table.append(w("rPr", None, w("sz", {"val": "19"}), w("szCs", {"val": "19"})))
    tblpr = w(
        "tblPr",
        None,
        w("tblInd", {"w": "0", "type": "dxa"}),
        _border_set("tblBorders", ("top", "left", "bottom", "right", "insideH", "insideV")),
        w(
            "tblCellMar",
            None,
            w("top", {"w": "28", "type": "dxa"}),
            w("left", {"w": "68", "type": "dxa"}),
            w("bottom", {"w": "28", "type": "dxa"}),
            w("right", {"w": "68", "type": "dxa"}),
        ),
    )
    table.append(tblpr)
    first = w("tblStylePr", {"type": "firstRow"})
    first.append(w("rPr", None, w("b", {}), w("bCs", {})))
    first.append(w("tblPr"))
    first.append(w("trPr", None, w("tblHeader", {})))
    first.append(w("tcPr", None, w("shd", {"val": "clear", "color": "auto", "fill": "E7E6E6"}), w("vAlign", {"val": "center"})))
    table.append(first)


def _frame_styles(root: etree._Element) -> None:
    """Styles of the frame (cover, history, distribution, header, footer, table of contents)."""
    heading = HEADING_FONT

    def para(style_id: str, name: str, size: int, bold: bool = False, jc: str | None = None, font: str = heading, based_on: str = "Normal", custom: bool = True) -> etree._Element:
        style = _new_style(root, "paragraph", style_id, name, based_on, custom)
        ppr = w("pPr")
        if jc:
            ppr.append(w("jc", {"val": jc}))
        style.append(ppr)
        rpr = w("rPr", None, _fonts(font))
        if bold:
            rpr.extend([w("b"), w("bCs")])
        rpr.extend([w("sz", {"val": str(size)}), w("szCs", {"val": str(size)})])
        style.append(rpr)
        return style

    cover = para("CoverTitle", "Cover Title", 52, bold=True, jc="center")
    _ppr(cover).insert(0, w("spacing", {"before": "1800", "after": "600"}))
    para("CoverText", "Cover Text", 24, jc="center")
    org = para("CoverOrganisation", "Cover Organisation", 32, bold=True, jc="center")
    _ppr(org).insert(0, w("spacing", {"before": "1200"}))
    label = para("CoverClassification", "Cover Classification", 28, bold=True, jc="center")
    _ppr(label).insert(0, w("spacing", {"before": "480", "after": "240"}))

    frame_heading = para("FrameHeading", "Frame Heading", 28, bold=True)
    ppr = _ppr(frame_heading)
    ppr.insert(0, w("keepNext"))
    ppr.append(w("spacing", {"before": "240", "after": "120"}))
    ppr.append(_border_set("pBdr", ("bottom",), "8"))
    sub = para("FrameSubheading", "Frame Subheading", 22, bold=True)
    _ppr(sub).extend([w("keepNext"), w("spacing", {"before": "200", "after": "80"})])
    item = para("FrameItem", "Frame Item", 21, font=BODY_FONT)
    _ppr(item).append(w("ind", {"left": "420", "hanging": "210"}))
    para("FrameText", "Frame Text", 21, font=BODY_FONT)
    table_text = para("TableText", "Table Text", 19, font=BODY_FONT)
    _ppr(table_text).append(w("spacing", {"before": "20", "after": "20", "line": "240", "lineRule": "auto"}))
    # The revision history and the approval box: names at 9 pt, the signer's role above them at 7 pt.
    history = para("HistoryText", "History Text", 18, font=BODY_FONT, based_on="TableText")
    _ppr(history).append(w("spacing", {"before": "0", "after": "0", "line": "240", "lineRule": "auto"}))
    role = para("SignerRole", "Signer Role", 14, font=BODY_FONT, based_on="HistoryText")
    _rpr(role).append(w("color", {"val": "404040"}))
    para("SignerName", "Signer Name", 18, font=BODY_FONT, jc="center", based_on="HistoryText")
    para("BoxLabel", "Box Label", 18, bold=True, jc="center", based_on="HistoryText")
    para("BoxDate", "Box Date", 16, font=BODY_FONT, jc="center", based_on="HistoryText")
    # A dense table (the SoA: 93 controls on a handful of landscape pages): 8 pt on exact 10 pt lines,
    # which Word and LibreOffice set alike (the fonts' own line heights differ).
    dense = para("DenseTable", "Dense Table", 16, font=BODY_FONT, based_on="Compact")
    _ppr(dense).extend([w("spacing", {"before": "0", "after": "0", "line": "200", "lineRule": "exact"}), w("jc", {"val": "left"})])
    # The signature of the information security policy: date, organisation, top management, right-aligned.
    date = para("SignatureDate", "Signature Date", 21, font=BODY_FONT, jc="right")
    _ppr(date).extend([w("keepNext"), w("spacing", {"before": "480", "after": "0"})])
    signature = para("Signature", "Signature", 21, font=BODY_FONT, jc="right")
    _ppr(signature).extend([w("keepNext"), w("spacing", {"before": "0", "after": "0"})])

    for style_id, name in (("Header", "header"), ("Footer", "footer")):
        style = para(style_id, name, 17, custom=False)
        _ppr(style).append(w("tabs", None, w("tab", {"val": "center", "pos": str(TEXT_WIDTH // 2)}), w("tab", {"val": "right", "pos": str(TEXT_WIDTH)})))
    footer = _style(root, "Footer")
    _ppr(footer).append(w("jc", {"val": "center"}))

    for level in (1, 2, 3):
        toc = para(f"TOC{level}", f"toc {level}", 21, bold=level == 1, font=BODY_FONT, based_on="Normal", custom=False)
        ppr = _ppr(toc)
        ppr.append(w("tabs", None, w("tab", {"val": "right", "leader": "dot", "pos": str(TEXT_WIDTH)})))
        ppr.append(w("spacing", {"before": "60" if level == 1 else "0", "after": "0"}))
        ppr.append(w("ind", {"left": str(210 * 2 * (level - 1))}))
    draft = _new_style(root, "character", "DraftMark", "Draft Mark", "DefaultParagraphFont")
    draft.append(w("rPr", None, w("b"), w("bCs"), w("color", {"val": "C00000"})))


# --------------------------------------------------------------------------- other parts


def section_properties(landscape: bool = False) -> etree._Element:
    width, height = (PAGE_HEIGHT, PAGE_WIDTH) if landscape else (PAGE_WIDTH, PAGE_HEIGHT)
    attrs = {"w": str(width), "h": str(height)}
    if landscape:
        attrs["orient"] = "landscape"
    return w(
        "sectPr",
        None,
        w("pgSz", attrs),
        w(
            "pgMar",
            {
                "top": str(MARGIN_TOP), "right": str(MARGIN_SIDE), "bottom": str(MARGIN_BOTTOM), "left": str(MARGIN_SIDE),
                "header": str(HEADER_DISTANCE), "footer": str(FOOTER_DISTANCE), "gutter": "0",
            },
        ),
        w("cols", {"space": "425"}),
        # No line grid (Japanese Word's default): LibreOffice then spaces table text at double height.
        w("docGrid", {"linePitch": "360"}),
    )


def _document(root: etree._Element) -> bytes:
    """A short sample showing the styles (pandoc ignores the body) and the A4 page set-up."""
    body = root.find("w:body", NS)
    for child in list(body):
        body.remove(child)
    samples = [
        ("Heading1", "見出し 1 (Heading 1)"),
        ("FirstParagraph", "本文の最初の段落。書体は游明朝、見出しは游ゴシック。"),
        ("BodyText", "本文 (DocumentText Text)。文書の体裁はこのファイルのスタイルを変更して調整する。"),
        ("Heading2", "見出し 2 (Heading 2)"),
        ("Compact", "表のセル (Compact)"),
    ]
    for style_id, text in samples:
        body.append(w("p", None, w("pPr", None, w("pStyle", {"val": style_id})), text_run(text)))
    body.append(section_properties())
    return xml_bytes(root)


def _settings(root: etree._Element) -> bytes:
    _set(root, "themeFontLang", {"val": "en-US", "eastAsia": "ja-JP"})
    return word_settings(xml_bytes(root))


def _font_table(root: etree._Element) -> bytes:
    for name, (alt, family, panose) in _FONT_TABLE.items():
        for old in root.findall(f"w:font[@w:name='{name}']", NS):
            root.remove(old)
        root.append(
            w(
                "font",
                {"name": name},
                w("altName", {"val": alt}),
                w("panose1", {"val": panose}),
                w("charset", {"val": "80"}),
                w("family", {"val": family}),
                w("pitch", {"val": "variable"}),
            )
        )
    return xml_bytes(root)


def _theme(root: etree._Element) -> bytes:
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    for kind, face in (("majorFont", HEADING_FONT), ("minorFont", BODY_FONT)):
        for ea in root.iterfind(f".//{{{a}}}{kind}/{{{a}}}ea"):
            ea.set("typeface", face)
        for script in root.iterfind(f".//{{{a}}}{kind}/{{{a}}}font[@script='Jpan']"):
            script.set("typeface", face)
    return xml_bytes(root)

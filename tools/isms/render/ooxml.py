"""Small WordprocessingML helpers: element builders, complex fields, and reproducible packages."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Mapping
from xml.sax.saxutils import escape

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W_NS}
W = f"{{{W_NS}}}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

# 1980-01-01 is the earliest date a zip entry can carry: identical inputs give identical bytes.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# Word expects these parts first; the rest follow in name order.
_FIRST_PARTS = ("[Content_Types].xml", "_rels/.rels")


def w(tag: str, attrs: Mapping[str, str] | None = None, *children: etree._Element) -> etree._Element:
    """<w:tag w:attr="..."> with children; attribute names without prefix get the w: namespace."""
    element = etree.Element(W + tag)
    for key, value in (attrs or {}).items():
        element.set(key if key.startswith("{") else W + key, value)
    element.extend(children)
    return element


def text_run(text: str, rpr: etree._Element | None = None) -> etree._Element:
    run = w("r")
    if rpr is not None:
        run.append(rpr)
    t = w("t", {XML_SPACE: "preserve"})
    t.text = text
    run.append(t)
    return run


def field_runs(instruction: str, placeholder: str = "") -> list[etree._Element]:
    """A complex field (begin, instruction, separate, stored result, end). Word and LibreOffice
    recompute PAGE and NUMPAGES at layout; the stored result is what a reader shows before that."""
    instr = w("instrText", {XML_SPACE: "preserve"})
    instr.text = f" {instruction} "
    runs = [w("r", None, w("fldChar", {"fldCharType": "begin"})), w("r", None, instr), w("r", None, w("fldChar", {"fldCharType": "separate"}))]
    if placeholder:
        runs.append(text_run(placeholder))
    runs.append(w("r", None, w("fldChar", {"fldCharType": "end"})))
    return runs


def paragraph_text(p: etree._Element) -> str:
    return "".join(t.text or "" for t in p.iter(W + "t"))


def read_package(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_package(parts: Mapping[str, bytes], compress: bool = True) -> bytes:
    """Zip the parts with fixed timestamps and a fixed order: same parts, same bytes."""
    names = [n for n in _FIRST_PARTS if n in parts] + sorted(n for n in parts if n not in _FIRST_PARTS)
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name in names:
            info = zipfile.ZipInfo(name, ZIP_EPOCH)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            archive.writestr(info, parts[name], compresslevel=6)
    return buffer.getvalue()


def normalise(data: bytes) -> bytes:
    return write_package(read_package(data))


def core_properties(title: str, author: str, subject: str = "", keywords: Iterable[str] = (), when: dt.date | None = None) -> bytes:
    """docProps/core.xml with only what we decide: nothing inherited from a template, no clock time."""
    stamp = ""
    if when is not None:
        iso = f"{when.isoformat()}T00:00:00Z"
        stamp = (
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{iso}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{iso}</dcterms:modified>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(title)}</dc:title><dc:subject>{escape(subject)}</dc:subject>"
        f"<dc:creator>{escape(author)}</dc:creator><cp:keywords>{escape(' '.join(keywords))}</cp:keywords>"
        f"<cp:lastModifiedBy>{escape(author)}</cp:lastModifiedBy>{stamp}"
        "</cp:coreProperties>"
    ).encode()


def xml_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# Child order required by the WordprocessingML schema: Word rejects a file whose properties are out of
# order ("unreadable content"), LibreOffice does not, so a test in LibreOffice alone would not notice.
_ORDER = {
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs "
    "suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi adjustRightInd "
    "snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection textAlignment "
    "textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof snapToGrid "
    "vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd fitText vertAlign rtl cs em "
    "lang eastAsianLayout specVanish oMath",
    "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc tblCellSpacing "
    "tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption tblDescription",
    "trPr": "cnfStyle divId gridBefore gridAfter wBefore wAfter cantSplit trHeight tblHeader tblCellSpacing jc hidden",
    "tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText vAlign hideMark",
    "style": "name aliases basedOn next link autoRedefine hidden uiPriority semiHidden unhideWhenUsed qFormat locked "
    "personal personalCompose personalReply rsid pPr rPr tblPr trPr tcPr tblStylePr",
    "tblStylePr": "pPr rPr tblPr trPr tcPr",
    "sectPr": "headerReference footerReference footnotePr endnotePr type pgSz pgMar paperSrc pgBorders lnNumType "
    "pgNumType cols formProt vAlign noEndnote titlePg textDirection bidi rtlGutter docGrid printerSettings",
}
_RANK = {tag: {name: i for i, name in enumerate(order.split())} for tag, order in _ORDER.items()}


def tidy(root: etree._Element) -> etree._Element:
    """Sort the children of every property element into schema order (stable; unknown tags last)."""
    for tag, rank in _RANK.items():
        for element in root.iter(W + tag):
            children = list(element)
            ordered = sorted(children, key=lambda c: rank.get(etree.QName(c).localname, len(rank)) if isinstance(c.tag, str) else len(rank))
            if ordered != children:
                for child in children:
                    element.remove(child)
                element.extend(ordered)
    return root

"""The package parts every Word file of the set gets, whoever assembled it (a document, the 新旧対照表):
Word 2013+ compatibility, honest application properties, the language of Latin text, and fonts for the
document's language.

Without w:compatSetting compatibilityMode=15 Word opens a file in 互換モード (Compatibility Mode): pandoc
writes none, and its app.xml claims "Microsoft Word 12.0.0" with the counts of pandoc's own sample.
"""

from __future__ import annotations

import functools
from xml.sax.saxutils import escape

from lxml import etree

from isms import __version__
from isms.render.docx.pandoc import LANG_TAGS
from isms.render.ooxml import NS, W, tidy, w, xml_bytes

APPLICATION = "isms-docs"
OFFICE = "http://schemas.microsoft.com/office/word"
# What Word 2013 and later write for a new document (File > Info shows no Compatibility Mode).
COMPAT_SETTINGS = (
    ("compatibilityMode", "15"),
    ("overrideTableStyleFontSizeAndJustification", "1"),
    ("enableOpenTypeFeatures", "1"),
    ("doNotFlipMirrorIndents", "1"),
    ("differentiateMultirowTableHeaders", "1"),
)
# Schema order of the children of w:settings (Word may refuse a file whose settings are out of order).
_SETTINGS_ORDER = {
    name: rank
    for rank, name in enumerate(
        """writeProtection view zoom removePersonalInformation removeDateAndTime doNotDisplayPageBoundaries
        displayBackgroundShape printPostScriptOverText printFractionalCharacterWidth printFormsData embedTrueTypeFonts
        embedSystemFonts saveSubsetFonts saveFormsData mirrorMargins alignBordersAndEdges bordersDoNotSurroundHeader
        bordersDoNotSurroundFooter gutterAtTop hideSpellingErrors hideGrammaticalErrors activeWritingStyle proofState
        formsDesign attachedTemplate linkStyles stylePaneFormatFilter stylePaneSortMethod documentType mailMerge
        revisionView trackRevisions doNotTrackMoves doNotTrackFormatting documentProtection autoFormatOverride
        styleLockTheme styleLockQFSet defaultTabStop autoHyphenation consecutiveHyphenLimit hyphenationZone
        doNotHyphenateCaps showEnvelope summaryLength clickAndTypeStyle defaultTableStyle evenAndOddHeaders
        bookFoldRevPrinting bookFoldPrinting bookFoldPrintingSheets drawingGridHorizontalSpacing
        drawingGridVerticalSpacing displayHorizontalDrawingGridEvery displayVerticalDrawingGridEvery
        doNotUseMarginsForDrawingGridOrigin drawingGridHorizontalOrigin drawingGridVerticalOrigin doNotShadeFormData
        noPunctuationKerning characterSpacingControl printTwoOnOne strictFirstAndLastChars noLineBreaksAfter
        noLineBreaksBefore savePreviewPicture doNotValidateAgainstSchema saveInvalidXml ignoreMixedContent
        alwaysShowPlaceholderText doNotDemarcateInvalidXml saveXmlDataOnly useXSLTWhenSaving saveThroughXslt
        showXMLTags alwaysMergeEmptyNamespace updateFields hdrShapeDefaults footnotePr endnotePr compat docVars rsids
        mathPr attachedSchema themeFontLang clrSchemeMapping doNotIncludeSubdocsInStats doNotAutoCompressPictures
        forceUpgrade captions readModeInkLockDown smartTagType schemaLibrary shapeDefaults doNotEmbedSmartTags
        decimalSymbol listSeparator""".split()  # noqa: SIM905
    )
}

# Latin text of an English document: serif body and sans headings, as Mincho and Gothic are for Japanese.
LATIN_FONTS = {"Yu Mincho": "Cambria", "Yu Gothic": "Calibri"}


@functools.lru_cache(maxsize=16)  # pure: the same part of every document of a build is rewritten once
def word_settings(settings: bytes) -> bytes:
    """Compatibility mode 15 (plus 'do not stretch a line ended by Shift+Enter'), and no
    updateFields: Word would ask on every open whether to update the fields."""
    root = etree.fromstring(settings)
    for old in root.findall("w:updateFields", NS):
        root.remove(old)
    compat = root.find("w:compat", NS)
    if compat is None:
        compat = w("compat")
        root.append(compat)
    if compat.find("w:doNotExpandShiftReturn", NS) is None:
        first_setting = compat.find("w:compatSetting", NS)
        element = w("doNotExpandShiftReturn")
        if first_setting is not None:
            first_setting.addprevious(element)
        else:
            compat.append(element)
    existing = {c.get(W + "name"): c for c in compat.findall("w:compatSetting", NS)}
    for name, value in COMPAT_SETTINGS:
        setting = existing.get(name)
        if setting is None:
            setting = w("compatSetting", {"name": name, "uri": OFFICE, "val": value})
            compat.append(setting)
        setting.set(W + "val", value)
    children = list(root)
    ordered = sorted(children, key=lambda c: _SETTINGS_ORDER.get(etree.QName(c).localname, len(_SETTINGS_ORDER)) if isinstance(c.tag, str) else -1)
    if ordered != children:
        for child in children:
            root.remove(child)
        root.extend(ordered)
    return xml_bytes(root)


def app_properties(company: str, pages: int | None = None) -> bytes:
    """docProps/app.xml naming the program that wrote the file, and counts only where they are known."""
    counted = f"<Pages>{pages}</Pages>" if pages else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f"<Application>{APPLICATION} {escape(__version__)}</Application><DocSecurity>0</DocSecurity>{counted}"
        f"<ScaleCrop>false</ScaleCrop><Company>{escape(company)}</Company><LinksUpToDate>false</LinksUpToDate>"
        "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
        "</Properties>"
    ).encode()


@functools.lru_cache(maxsize=16)  # pure: the same part of every document of a build is rewritten once
def language_styles(styles: bytes, lang: str) -> bytes:
    """The language of Latin text, and Latin fonts for a document that is not Japanese.

    Japanese documents keep English as their Latin language, as Japanese Word's own defaults do
    (w:val="en-US" w:eastAsia="ja-JP"): with a Japanese Latin language LibreOffice breaks Latin words
    anywhere (CA|D, R-0|16). Their Latin text stays in Mincho and Gothic (today's look). Other
    languages set their Latin text in LATIN_FONTS (Yu Mincho would print even § full-width), keeping
    the East Asian fonts for any Japanese they quote.
    """
    root = etree.fromstring(styles)
    tag = LANG_TAGS["en"] if lang == "ja" else LANG_TAGS.get(lang, lang)
    language = root.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
    if language is not None:
        language.set(W + "val", tag)
    if lang != "ja":
        for fonts in root.iter(W + "rFonts"):
            for attr in ("ascii", "hAnsi", "cs"):
                face = fonts.get(W + attr)
                if face in LATIN_FONTS:
                    fonts.set(W + attr, LATIN_FONTS[face])
    return xml_bytes(tidy(root))


@functools.lru_cache(maxsize=16)  # pure: the same part of every document of a build is rewritten once
def language_font_table(font_table: bytes, lang: str) -> bytes:
    """Latin fonts listed for a document that is not Japanese; no Japanese alternative names in it."""
    if lang == "ja":
        return font_table
    root = etree.fromstring(font_table)
    for alt in root.iter(W + "altName"):
        alt.getparent().remove(alt)
    names = {font.get(W + "name") for font in root.findall("w:font", NS)}
    for face, family in (("Cambria", "roman"), ("Calibri", "swiss")):
        if face not in names:
            root.append(w("font", {"name": face}, w("charset", {"val": "00"}), w("family", {"val": family}), w("pitch", {"val": "variable"})))
    return xml_bytes(root)


DRAWING = "http://schemas.openxmlformats.org/drawingml/2006/main"
THEME = "word/theme/theme1.xml"


@functools.lru_cache(maxsize=16)  # pure: the same part of every document of a build is rewritten once
def language_theme(theme: bytes, lang: str) -> bytes:
    """A document that is not Japanese names no font by a CJK or Hangul name: the theme's fonts per
    script (Hang 맑은 고딕, Hans 等线, Hant 新細明體 of the Office theme) are left out. They are optional;
    Word and LibreOffice pick their own font for a script the theme does not list."""
    if lang == "ja":
        return theme
    root = etree.fromstring(theme)
    for kind in ("majorFont", "minorFont"):
        for fonts in root.iter(f"{{{DRAWING}}}{kind}"):
            for font in fonts.findall(f"{{{DRAWING}}}font"):
                if not font.get("typeface", "").isascii():
                    fonts.remove(font)
    return xml_bytes(root)

"""Spreadsheet writer: the SoA (適用宣言書) as an .xlsx an auditor can filter and sort.

Sheet 1 has one row per Annex A control in natural order (5.2 before 5.10) with the decision and the
ISO/IEC 27002 attributes; sheet 2 is the attribute legend. Values are plain text (no reST escapes).
The asset inventory, the risk register, the audit checklist, the record workbooks and the document
register are written too. Like the Word writer, an unchanged workbook is copied from the cache (each
is fingerprinted by what it shows), and the bytes are reproducible.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import json
import math
import re
import unicodedata
import zlib
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from isms import __version__, trust
from isms.i18n import fingerprint as words_fingerprint
from isms.i18n import sep, t
from isms.model import ControlDecision, Isms
from isms.problems import Problem
from isms.render.context import BuildContext, WriterResult
from isms.render.names import xlsx_name
from isms.render.ooxml import core_properties, read_package, write_package
from isms.render.reuse import place_bytes
from isms.render.xlsx import sheets
from isms.render.xlsx.records import record_workbooks
from isms.render.xlsx.register import register_workbook
from isms.render.xlsx.risk import risk_workbooks
from isms.render.xlsx.sheets import SheetBook, text_only
from isms.sources.catalogue import ATTRIBUTES

if TYPE_CHECKING:  # openpyxl is imported where a workbook is made (sheets.py)
    from openpyxl.worksheet.worksheet import Worksheet

FONTS = {"ja": "Yu Gothic", "en": "Calibri"}  # 游ゴシック, Excel's Japanese default; Excel's Latin default
_BORDER_COLOUR = "808080"
_HEADER_COLOUR = "D9E1F2"

# (the header's word in isms.i18n, width in characters)
_COLUMNS: tuple[tuple[str, int], ...] = (
    ("col_no", 6),
    ("xlsx_title_ja", 30),
    ("xlsx_title_en", 30),
    ("theme", 12),
    ("applicable", 7),
    ("reasons", 48),
    ("status", 11),
    ("target_date", 12),
    ("exclusion", 32),
    ("owner", 24),
    ("xlsx_procedure_no", 14),
    ("soa_risks", 16),
)
# Only a Japanese workbook shows the Japanese title beside the English one.
_JAPANESE_ONLY = {"xlsx_title_ja"}


def columns(lang: str) -> list[tuple[str, int]]:
    return [(key, width) for key, width in _COLUMNS if lang == "ja" or key not in _JAPANESE_ONLY]
_ATTRIBUTE_WIDTHS = {"control_type": 12, "properties": 18, "concepts": 14, "capabilities": 24, "domains": 20}


def file_name(isms: Isms) -> str:
    return xlsx_name(isms.documents["soa"])


# --------------------------------------------------------------------------- data


def _join(values: list[str], lang: str) -> str:
    return sep(lang).join(values)


def _owner(isms: Isms, role_id: str | None) -> str:
    role = isms.role(role_id)
    if role is None:
        return ""
    people = {p.id: p.name for p in isms.profile.people}
    name = role.name if isms.lang == "ja" else role.name_en
    holders = _join([people.get(h, h) for h in role.holders], isms.lang)
    return f"{name} ({holders})" if holders else name


def control_row(isms: Isms, decision: ControlDecision) -> list[object]:
    lang = isms.lang
    control, src = decision.control, decision.source
    reasons = _join([t(f"reason_{r.value}", lang) for r in src.reasons], lang) if src.applicable else ""
    if src.applicable and src.reason_note:
        reasons = f"{reasons}\n{' '.join(src.reason_note.split())}" if reasons else " ".join(src.reason_note.split())
    doc = isms.documents.get(decision.document_id)
    risks = isms.risks.for_control(control.id) if "risk-report" in isms.documents else []
    row: list[object] = [
        control.id,
        *((control.title_ja,) if lang == "ja" else ()),
        control.title_en,
        t(f"theme_{control.theme}", lang),
        t("yes" if src.applicable else "no", lang),
        reasons,
        t(f"status_{src.status.value}", lang) if src.applicable and src.status else "",
        src.target_date if src.applicable and src.target_date else None,
        " ".join(src.exclusion.split()) if not src.applicable and src.exclusion else "",
        _owner(isms, src.owner),
        doc.number if doc is not None and src.applicable else "",
        ", ".join(r.id for r in risks),
    ]
    row += [_join([t(f"attr_value_{v}", lang) for v in control.attributes.get(name, ())], lang) for name in ATTRIBUTES]
    return row


def header(lang: str) -> list[str]:
    return [t(key, lang) for key, _ in columns(lang)] + [t(f"attr_{name}", lang) for name in ATTRIBUTES]


LEGEND_COLUMNS = {"ja": ("legend_attribute", "legend_attribute_en", "legend_value", "legend_value_en"), "en": ("legend_attribute_en", "legend_value_en")}


def legend_rows(lang: str) -> list[list[str]]:
    """A Japanese legend maps the JIS names to the standard's hashtags; an English one lists the hashtags."""
    rows = []
    for name, values in ATTRIBUTES.items():
        for value in values:
            if lang == "ja":
                rows.append([t(f"attr_{name}", lang), t(f"attr_{name}", "en"), t(f"attr_value_{value}", "ja"), f"#{value}"])
            else:
                rows.append([t(f"attr_{name}", lang), f"#{value}"])
    return rows


# --------------------------------------------------------------------------- workbook


def _text_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(value: object, width: int) -> int:
    # Excel does not fit row heights to wrapped text when it opens a file: estimate them.
    if value is None or value == "":
        return 1
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return sum(max(1, math.ceil(_text_width(line) / max(width - 1, 1))) for line in text.split("\n"))


def _format_sheet(sheet: Worksheet, widths: list[int], rows: int, lang: str) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color=_BORDER_COLOUR)
    border, header_fill = Border(left=thin, right=thin, top=thin, bottom=thin), PatternFill("solid", fgColor=_HEADER_COLOUR)
    font = FONTS.get(lang, FONTS["en"])
    body_font = Font(name=font, size=10)
    bold = Font(name=font, size=10, bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet.iter_rows(min_row=1, max_row=rows, max_col=len(widths)):
        lines = 1
        for cell, width in zip(row, widths, strict=True):
            cell.font = bold if cell.row == 1 else body_font
            cell.alignment = wrap
            cell.border = border
            if cell.row == 1:
                cell.fill = header_fill
            lines = max(lines, _lines(cell.value, width))
        sheet.row_dimensions[row[0].row].height = 14 * lines + 4
    last = f"{get_column_letter(len(widths))}{rows}"
    sheet.auto_filter.ref = f"A1:{last}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def workbook_bytes(isms: Isms) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    lang = isms.lang
    doc = isms.documents["soa"]
    book = Workbook()
    sheet = book.active
    sheet.title = t("sheet_soa", lang)
    sheet.append(header(lang))
    for decision in isms.decisions:  # natural order: 5.2 before 5.10
        sheet.append(control_row(isms, decision))
    widths = [width for _, width in columns(lang)] + [_ATTRIBUTE_WIDTHS[name] for name in ATTRIBUTES]
    _format_sheet(sheet, widths, len(isms.decisions) + 1, lang)
    date_column = get_column_letter(1 + [key for key, _ in columns(lang)].index("target_date"))
    for cell in sheet[date_column][1:]:
        cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "C2"  # header row, and No. + the control's title while scrolling right

    legend = book.create_sheet(t("sheet_legend", lang))
    legend.append([t(key, lang) for key in LEGEND_COLUMNS.get(lang, LEGEND_COLUMNS["en"])])
    for row in legend_rows(lang):
        legend.append(row)
    _format_sheet(legend, [24, 30, 36, 40][: len(legend_rows(lang)[0])], len(legend_rows(lang)) + 1, lang)
    legend.freeze_panes = "A2"

    text_only(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return finish_package(buffer.getvalue(), f"{doc.number} {doc.title}", isms)


def organisation_name(isms: Isms) -> str:
    org = isms.profile.organization
    return org.name if isms.lang == "ja" or not org.name_en else org.name_en


_EAST_ASIAN_THEME_FONT = re.compile(rb'<a:font script="[A-Za-z]+" typeface="[^"]*[^\x00-\x7f][^"]*"/>')


def finish_package(data: bytes, title: str, isms: Isms) -> bytes:
    """openpyxl stamps the clock into core.xml and the zip entries: both replaced, for reproducible
    bytes. An English workbook keeps no East Asian font names of openpyxl's default theme."""
    parts = read_package(data)
    parts["docProps/core.xml"] = core_properties(title, organisation_name(isms))
    if isms.lang != "ja" and "xl/theme/theme1.xml" in parts:
        parts["xl/theme/theme1.xml"] = _EAST_ASIAN_THEME_FONT.sub(b"", parts["xl/theme/theme1.xml"])
    return write_package(parts)


@functools.cache
def _code() -> str:
    """The code a workbook's bytes depend on: this writer, its sheets and the package rewriting, and
    the openpyxl and zlib that write them (a cache shared by two environments keeps their entries apart)."""
    files = (Path(__file__), Path(sheets.__file__), Path(read_package.__code__.co_filename))
    versions = f"openpyxl {metadata.version('openpyxl')} zlib {zlib.ZLIB_RUNTIME_VERSION}".encode()
    return hashlib.sha256(b"".join(path.read_bytes() for path in files) + versions).hexdigest()


def _fingerprint(isms: Isms) -> str:
    payload = {
        "tool": __version__,
        "code": _code(),
        "words": words_fingerprint(),  # headers, sheet names and legend are words (isms.i18n)
        "lang": isms.lang,
        "doc": [isms.documents["soa"].number, isms.documents["soa"].title, organisation_name(isms)],
        "rows": [control_row(isms, d) for d in isms.decisions],
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, default=str).encode()).hexdigest()


class _Cache:
    """Workbooks by fingerprint: entries this machine wrote (isms.trust) are copied, not made again.
    A build's own cache keeps only what the build used; a shared one (ISMS_CACHE_DIR) keeps all."""

    def __init__(self, isms: Isms, folder: Path, shared: bool, previous: Path | None = None):
        self.isms, self.folder, self.shared, self.previous = isms, folder, shared, previous
        self.used: set[str] = set()
        self.made = 0

    def bytes_of(self, fingerprint: str, make: Callable[[], bytes]) -> bytes:
        path = self.folder / f"{fingerprint}.xlsx"
        self.used.add(path.name)
        data = trust.read_entry(self.isms.root, path)
        if data is None:
            data = make()
            self.made += 1
            entry = trust.wrap(self.isms.root, path.name, data)
            if entry is not None:
                trust.write_atomic(path, entry)
        return data

    def write(self, path: Path, book: SheetBook) -> None:
        """A sheet book saved as path, its properties titled after the file."""
        key = json.dumps(["book", __version__, _code(), self.isms.lang, organisation_name(self.isms), path.stem, book.fingerprint()], ensure_ascii=False)
        fingerprint = hashlib.sha256(key.encode()).hexdigest()
        place_bytes(self.bytes_of(fingerprint, lambda: finish_package(book.saved(), path.stem, self.isms)), path, self.previous_of(path))

    def previous_of(self, path: Path) -> Path | None:
        return self.previous / path.name if self.previous is not None else None

    def prune(self) -> None:
        if not self.shared:
            for stale in self.folder.glob("*.xlsx"):
                if stale.name not in self.used:
                    stale.unlink()


def _other_workbooks(isms: Isms, out: Path, cache: _Cache) -> list[Problem]:
    """The asset inventory, risk register and audit checklist (isms.render.xlsx.risk) and the record
    workbooks (isms.render.xlsx.records), made reproducible."""
    try:
        books = risk_workbooks(isms) + record_workbooks(isms)
        out.mkdir(parents=True, exist_ok=True)
        for name, book in books:
            cache.write(out / name, book)
    except OSError:
        raise
    except Exception as exc:  # their data is validated by `isms check`; anything left is reported, not raised
        return [Problem(isms.root / "manual_src", 1, 1, f"could not write the risk and record workbooks: {type(exc).__name__}: {exc}")]
    return []


def build_xlsx(context: BuildContext) -> WriterResult:
    context.cache.mkdir(parents=True, exist_ok=True)
    cache = _Cache(context.isms, context.cache, context.shared_cache, context.previous)
    problems = _build(context.isms, context.out, cache)
    register = context.isms.documents.get("register")
    if not problems and register is not None:
        cache.write(context.out / xlsx_name(register), register_workbook(context.isms, context.versions))
    if not problems:
        cache.prune()
    return WriterResult(problems, {"workbooks": len(cache.used), "made": cache.made})


def _build(isms: Isms, out: Path, cache: _Cache) -> list[Problem]:
    if "soa" not in isms.documents:
        return _other_workbooks(isms, out, cache)
    target = out / file_name(isms)
    try:
        place_bytes(cache.bytes_of(_fingerprint(isms), lambda: workbook_bytes(isms)), target, cache.previous_of(target))
    except (OSError, ValueError, TypeError) as exc:
        return [Problem(isms.root / "controls", 1, 1, f"could not write the SoA workbook {target.name}: {exc}")]
    return _other_workbooks(isms, out, cache)

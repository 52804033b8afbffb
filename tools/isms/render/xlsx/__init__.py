"""Spreadsheet writer: the SoA (適用宣言書) as an .xlsx an auditor can filter and sort.

Sheet 1 has one row per Annex A control in natural order (5.2 before 5.10) with the decision and the
ISO/IEC 27002 attributes; sheet 2 is the attribute legend. Values are plain text (no reST escapes).
Like the Word writer, an unchanged workbook is copied from the cache, and the bytes are reproducible.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import shutil
import unicodedata
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from isms import __version__
from isms.i18n import t
from isms.model import ControlDecision, Isms
from isms.problems import Problem
from isms.render.context import BuildContext, WriterResult
from isms.render.names import soa_workbook_name
from isms.render.ooxml import core_properties, read_package, write_package
from isms.render.xlsx.risk import write_risk_workbooks
from isms.render.xlsx.sheets import text_only
from isms.sources.catalogue import ATTRIBUTE_NAMES, ATTRIBUTES, THEMES, value_name

FONT_NAME = "Yu Gothic"  # 游ゴシック, Excel's Japanese default
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")

# (key, Japanese header, English header, width in characters)
_COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    ("id", "No.", "No.", 6),
    ("title_ja", "管理策", "Control (ja)", 30),
    ("title_en", "Control", "Control", 30),
    ("theme", "テーマ", "Theme", 12),
    ("applicable", "適用", "Applicable", 7),
    ("reasons", "採用理由", "Reason for inclusion", 48),
    ("status", "実施状況", "Implementation status", 11),
    ("target_date", "完了予定日", "Target date", 12),
    ("exclusion", "除外の理由", "Justification for exclusion", 32),
    ("owner", "責任者", "Owner", 24),
    ("procedure", "手順書番号", "Procedure document", 14),
)
_ATTRIBUTE_WIDTHS = {"control_type": 12, "properties": 18, "concepts": 14, "capabilities": 24, "domains": 20}


def file_name(isms: Isms) -> str:
    return soa_workbook_name(isms.documents["soa"])


# --------------------------------------------------------------------------- data


def _join(values: list[str], lang: str) -> str:
    return ("、" if lang == "ja" else ", ").join(values)


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
    reasons = _join([t(r.value, lang) for r in src.reasons], lang) if src.applicable else ""
    if src.applicable and src.reason_note:
        reasons = f"{reasons}\n{' '.join(src.reason_note.split())}" if reasons else " ".join(src.reason_note.split())
    doc = isms.documents.get(decision.document_id)
    row: list[object] = [
        control.id,
        control.title_ja,
        control.title_en,
        THEMES[control.theme][lang],
        t("yes" if src.applicable else "no", lang),
        reasons,
        t(src.status.value, lang) if src.applicable and src.status else "",
        src.target_date if src.applicable and src.target_date else None,
        " ".join(src.exclusion.split()) if not src.applicable and src.exclusion else "",
        _owner(isms, src.owner),
        doc.number if doc is not None and src.applicable else "",
    ]
    row += [_join([value_name(v, lang) for v in control.attributes.get(name, ())], lang) for name in ATTRIBUTES]
    return row


def header(lang: str) -> list[str]:
    names = [ja if lang == "ja" else en for _, ja, en, _ in _COLUMNS]
    return names + [ATTRIBUTE_NAMES[name][lang] for name in ATTRIBUTES]


def legend_rows(lang: str) -> list[list[str]]:
    rows = []
    for name, values in ATTRIBUTES.items():
        for value in values:
            rows.append([ATTRIBUTE_NAMES[name][lang], ATTRIBUTE_NAMES[name]["en"], value_name(value, "ja"), f"#{value}"])
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


def _format_sheet(sheet: Worksheet, widths: list[int], rows: int) -> None:
    body_font = Font(name=FONT_NAME, size=10)
    bold = Font(name=FONT_NAME, size=10, bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet.iter_rows(min_row=1, max_row=rows, max_col=len(widths)):
        lines = 1
        for cell, width in zip(row, widths, strict=True):
            cell.font = bold if cell.row == 1 else body_font
            cell.alignment = wrap
            cell.border = _BORDER
            if cell.row == 1:
                cell.fill = _HEADER_FILL
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
    lang = isms.lang
    doc = isms.documents["soa"]
    book = Workbook()
    sheet = book.active
    sheet.title = t("sheet_soa", lang)
    sheet.append(header(lang))
    for decision in isms.decisions:  # natural order: 5.2 before 5.10
        sheet.append(control_row(isms, decision))
    widths = [width for *_, width in _COLUMNS] + [_ATTRIBUTE_WIDTHS[name] for name in ATTRIBUTES]
    _format_sheet(sheet, widths, len(isms.decisions) + 1)
    date_column = get_column_letter(1 + [key for key, *_ in _COLUMNS].index("target_date"))
    for cell in sheet[date_column][1:]:
        cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "C2"  # header row, and No. + 管理策 while scrolling right

    legend = book.create_sheet(t("sheet_legend", lang))
    legend.append(["属性", "Attribute", "値 (JIS Q 27002)", "Value (ISO/IEC 27002)"] if lang == "ja" else ["Attribute (ja)", "Attribute", "Value (ja)", "Value"])
    for row in legend_rows(lang):
        legend.append(row)
    _format_sheet(legend, [24, 30, 36, 40], len(legend_rows(lang)) + 1)
    legend.freeze_panes = "A2"

    text_only(book)
    buffer = io.BytesIO()
    book.save(buffer)
    # openpyxl stamps the clock into core.xml and the zip entries: replace both.
    parts = read_package(buffer.getvalue())
    organisation = isms.profile.organization.name
    parts["docProps/core.xml"] = core_properties(f"{doc.number} {doc.title}", organisation)
    return write_package(parts)


def _fingerprint(isms: Isms) -> str:
    payload = {
        "tool": __version__,
        "code": hashlib.sha256(Path(__file__).read_bytes() + Path(text_only.__code__.co_filename).read_bytes()).hexdigest(),
        "lang": isms.lang,
        "doc": [isms.documents["soa"].number, isms.documents["soa"].title, isms.profile.organization.name],
        "rows": [control_row(isms, d) for d in isms.decisions],
    }
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, default=str).encode()).hexdigest()


def _risk_workbooks(isms: Isms, out: Path) -> list[Problem]:
    """The asset inventory, risk register and audit checklist (isms.render.xlsx.risk), made reproducible."""
    try:
        paths = write_risk_workbooks(isms, out)
    except Exception as exc:  # their data is validated by `isms check`; anything left is reported, not raised
        return [Problem(isms.root / "manual_src", 1, 1, f"could not write the risk workbooks: {type(exc).__name__}: {exc}")]
    for path in paths:
        parts = read_package(path.read_bytes())
        parts["docProps/core.xml"] = core_properties(path.stem, isms.profile.organization.name)
        path.write_bytes(write_package(parts))
    return []


def build_xlsx(context: BuildContext) -> WriterResult:
    return WriterResult(_build(context.isms, context.out, context.cache))


def _build(isms: Isms, out: Path, cache: Path) -> list[Problem]:
    if "soa" not in isms.documents:
        return _risk_workbooks(isms, out)
    target = out / file_name(isms)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        cached = cache / f"{_fingerprint(isms)}.xlsx"
        if not cached.is_file():
            tmp = cached.with_name(f".{cached.name}.tmp")
            tmp.write_bytes(workbook_bytes(isms))
            tmp.replace(cached)
            for stale in cache.glob("*.xlsx"):
                if stale != cached:
                    stale.unlink()
        shutil.copyfile(cached, target)
    except (OSError, ValueError, TypeError) as exc:
        return [Problem(isms.root / "controls", 1, 1, f"could not write the SoA workbook {target.name}: {exc}")]
    return _risk_workbooks(isms, out)

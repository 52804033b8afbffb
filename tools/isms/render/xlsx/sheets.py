"""What every workbook does before it is saved: text from the sources stays text.

A cell value starting with '=' is a formula to openpyxl and to Excel; '+', '-', '@', a tab or a CR
can start one when a user edits the cell. Every such value is written as a string and marked with
Excel's quote prefix (the leading apostrophe), so a threat written as =HYPERLINK(...) shows as text.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where a workbook is made: an unchanged one costs no openpyxl (0.1 s to import)
    from openpyxl import Workbook

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_only(book: Workbook) -> None:
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if cell.data_type == "f" or (isinstance(value, str) and value.startswith(FORMULA_START)):
                    cell.data_type = "s"
                    cell.quotePrefix = True


HEADER_COLOUR = "DDE4EE"
ALERT_COLOUR = "F4B6B0"


def simple_sheet(
    wb: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[object]], widths: Sequence[int],
    alert_column: int | None = None, dates: bool = False,
):
    """A filterable table sheet: the new workbook's empty sheet first, then one more per call.
    `dates`: date cells read yyyy-mm-dd; `alert_column`: rows whose cell there is True are marked."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_fill, alert_fill = PatternFill("solid", fgColor=HEADER_COLOUR), PatternFill("solid", fgColor=ALERT_COLOUR)
    fresh = len(wb.worksheets) == 1 and wb.worksheets[0].title == "Sheet" and wb.worksheets[0].max_row == 1
    ws = wb.worksheets[0] if fresh else wb.create_sheet()
    ws.title = title[:31]  # Excel's limit
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append(list(row))
        for cell in ws[ws.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if dates and hasattr(cell.value, "isoformat"):
                cell.number_format = "yyyy-mm-dd"
        if alert_column is not None and row[alert_column] is True:
            for cell in ws[ws.max_row]:
                cell.fill = alert_fill
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    return ws


def _typed(value: object) -> object:
    """A cell value JSON does not know (a date), with its type: the date 2026-04-01 and the text
    "2026-04-01" are different cells."""
    return {type(value).__name__: str(value)}


@dataclass
class SheetBook:
    """A workbook of simple sheets, held as the data it shows until it is needed: its fingerprint
    decides whether the cache already has its bytes, so an unchanged workbook costs no openpyxl."""

    sheets: list[tuple[str, list[str], list[list[object]], list[int], int | None, bool]] = field(default_factory=list)

    def sheet(
        self, title: str, header: Sequence[str], rows: Iterable[Sequence[object]], widths: Sequence[int],
        alert_column: int | None = None, dates: bool = False,
    ) -> None:  # fmt: skip
        """As simple_sheet()."""
        self.sheets.append((title, list(header), [list(row) for row in rows], list(widths), alert_column, dates))

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.sheets, ensure_ascii=False, default=_typed).encode()).hexdigest()

    def workbook(self) -> Workbook:
        from openpyxl import Workbook

        book = Workbook()
        for title, header, rows, widths, alert_column, dates in self.sheets:
            simple_sheet(book, title, header, rows, widths, alert_column, dates)
        text_only(book)
        return book

    def saved(self) -> bytes:
        buffer = io.BytesIO()
        self.workbook().save(buffer)
        return buffer.getvalue()

"""What every workbook does before it is saved: text from the sources stays text.

A cell value starting with '=' is a formula to openpyxl and to Excel; '+', '-', '@', a tab or a CR
can start one when a user edits the cell. Every such value is written as a string and marked with
Excel's quote prefix (the leading apostrophe), so a threat written as =HYPERLINK(...) shows as text.
"""

from __future__ import annotations

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

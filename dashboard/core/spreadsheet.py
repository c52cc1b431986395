"""Text written to spreadsheets (XLSX, CSV) cannot become a formula.

The single owner of the OWASP CSV-injection rule: a text cell that begins with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return is evaluated by Excel or LibreOffice when
the file is opened (``=HYPERLINK("http://evil","x")``, ``+cmd|' /C calc'!A0``,
``@SUM(…)``). Such text is written with a leading apostrophe, so it stays text; numbers,
dates and empty cells are left as they are and stay numbers.

Every writer of a download or report workbook goes through here: ``safe_frame`` before a
DataFrame is written (CSV or XLSX), ``safe_workbook`` on an openpyxl workbook before it
is saved.
"""

from __future__ import annotations

import pandas as pd

# Leading characters that make a spreadsheet treat a text cell as a formula (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def is_risky(value) -> bool:
    """True for a text that a spreadsheet would evaluate as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def safe_text(value):
    """The value to write: risky text gets a leading apostrophe; anything else as it is."""
    return QUOTE + value if is_risky(value) else value


def _safe_column(s: pd.Series) -> pd.Series:
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(object)
    if not (pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)):
        return s  # numbers, dates, booleans: never text
    return s.map(safe_text) if s.map(is_risky).any() else s


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and column names cannot become formulas."""
    out = df.copy()
    out.columns = [safe_text(c) for c in df.columns]
    for i in range(out.shape[1]):
        out.isetitem(i, _safe_column(out.iloc[:, i]))
    return out


def safe_workbook(wb) -> None:
    """Neutralise every text cell of an openpyxl workbook in place (before ``wb.save``).

    openpyxl stores a string that starts with ``=`` as a formula (data type ``f``); the
    workbooks of this app hold no formulas of their own, so every such cell is text that
    came from data and is written back as text.
    """
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if is_risky(cell.value):
                    cell.value = safe_text(cell.value)  # re-typed by openpyxl as a string

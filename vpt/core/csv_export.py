"""CSV for spreadsheets: cells that a spreadsheet would run as a formula are neutralised."""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """A text cell that Excel or LibreOffice shows as text, never evaluates (CSV injection):
    a leading quote before =, +, -, @, tab or carriage return."""
    return "'" + value if value.startswith(FORMULA_START) else value

"""Write small input workbooks for tests from plain Python tables."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook


def write_workbook(path: str | Path, sheets: Mapping[str, Sequence[Sequence[Any]]]) -> Path:
    """Write ``sheets`` (sheet name -> rows, the first row the header) to ``path``.

    Cells hold exactly the Python values given (None leaves a cell blank), so tests can
    put text, numbers, booleans or blanks wherever a user might.
    """
    path = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    wb.save(path)
    return path


def table(header: str, *rows: Iterable[Any]) -> list[list[Any]]:
    """A sheet from a comma-separated header and row tuples: ``table("a, b", (1, 2))``."""
    return [[h.strip() for h in header.split(",")], *[list(r) for r in rows]]

"""A small valid workbook that uses every input sheet, and tools to break it for tests.

``base_sheets()`` gives each sheet as rows (header first) with the columns in schema order,
so a cell's Excel address follows from the sheet's column list: ``cell("supply", 3, "capacity")``
is ``supply!D3``. The helpers at the bottom rewrite parts of a saved .xlsx (a sheet's XML, the
zip container) to build inputs no spreadsheet program would write.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from planner.input import schema as S
from tests.workbooks import write_workbook

# Rows by sheet, as {column: value}; missing columns are blank.
BASE_ROWS: dict[str, list[dict[str, Any]]] = {
    "minerals": [
        {"mineral": "Li", "raw_price": 100, "refined_price": 200, "unmet_penalty": 1000},
        {"mineral": "Co", "unmet_penalty": 500},  # no prices: a tariff on Co is an error
    ],
    "countries": [
        {"country": "AUS", "name": "Australia", "groups": "partner"},
        {"country": "CHN", "name": "China", "groups": "FEOC"},
        {"country": "USA", "name": "United States", "groups": "partner"},
    ],
    "periods": [{"period": 2026, "years": 1}, {"period": 2027, "years": 1}],
    "supply": [
        {"mineral": "Li", "country": "AUS", "capacity": 1000, "cost": 10},
        {"mineral": "Li", "country": "CHN", "capacity": 1000, "cost": 12},
        {"mineral": "Co", "country": "CHN", "capacity": 1000, "cost": 20},
    ],
    "refining": [
        {"mineral": "Li", "country": "USA", "capacity": 1000, "cost": 5, "yield": 1},
        {"mineral": "Co", "country": "CHN", "capacity": 1000, "cost": 6, "yield": 0.9},
    ],
    "demand": [
        {"mineral": "Li", "market": "USA", "period": 2026, "demand": 100},
        {"mineral": "Li", "market": "USA", "period": 2027, "demand": 120},
        {"mineral": "Co", "market": "EU", "period": 2026, "demand": 50},
    ],
    "demand_curve": [  # Co in the EU in 2027 as two bid steps (no demand row for that key)
        {"mineral": "Co", "market": "EU", "period": 2027, "tonnes": 30, "price": 400},
        {"mineral": "Co", "market": "EU", "period": 2027, "tonnes": 20, "price": 100},
    ],
    "routes": [
        {"stage": "supply", "from": "AUS", "to": "USA", "mineral": "Li", "cost": 2, "tariff_rate": 0.1,
         "allowed": True},
        {"stage": "delivery", "from": "CHN", "to": "EU", "cost": 3, "tariff_rate": 0, "allowed": True},
    ],
    "shares": [
        {"stage": "supply", "scope": "FEOC", "mineral": "Li", "min_share": 0, "max_share": 0.6},
        {"stage": "refining", "scope": "*", "min_share": 0, "max_share": 1},
    ],
    "ownership": [
        {"stage": "refining", "country": "CHN", "owner": "AUS", "share": 0.2, "mineral": "Co"},
    ],
    "projects": [  # too dear to be built: it saves 2/t on at most 50 t a year and costs 100 x 50 a year
        {"project": "Li mine AUS", "stage": "supply", "mineral": "Li", "country": "AUS", "capacity": 50, "cost": 8,
         "fixed_cost": 100, "first_period": 2027},
    ],
    "reserve": [
        {"mineral": "Li", "market": "USA", "initial_stock": 10, "max_stock": 100, "holding_cost": 1,
         "shortfall_penalty": 500, "purchase_price": 250, "salvage": 12},
    ],
    "budgets": [{"budget": "vault", "amount": 1000, "market": "USA", "mineral": "Li"}],
    # AUS mines no Co: the limit holds nothing back, and the base plan stays what it was
    "byproducts": [{"mineral": "Co", "host": "Li", "ratio": 10, "country": "AUS", "period": 2026}],
    "reserve_targets": [{"mineral": "Li", "market": "USA", "min_stock": 20, "min_days": 30}],
    "scenarios": [
        {"scenario": "ban", "kind": "supply_capacity", "factor": 0, "mineral": "Li", "country": "CHN",
         "period": 2027},
        {"scenario": "surge", "kind": "demand", "factor": 1.5, "mineral": "Li", "country": "USA"},
    ],
    "risks": [
        {"risk": "flood", "country": "AUS", "stage": "supply", "probability": 0.1, "mineral": "Li",
         "factor": 0.5, "duration": 1},
    ],
    "production": [
        {"mineral": "Li", "stage": "supply", "country": "AUS", "tonnes": 80},
        {"mineral": "Li", "stage": "refining", "country": "CHN", "tonnes": 60},
    ],
    "settings": [{"key": "currency", "value": "USD"}, {"key": "routes_default", "value": "open"}],
}


def columns(sheet: str) -> list[str]:
    return [c.name for c in S.SHEET_BY_NAME[sheet].columns]


def base_sheets() -> dict[str, list[list[Any]]]:
    """Every input sheet as rows, the header first, columns in schema order."""
    return {sheet: [columns(sheet)] + [[row.get(c) for c in columns(sheet)] for row in rows]
            for sheet, rows in BASE_ROWS.items()}


def cell(sheet: str, row: int, column: str) -> str:
    """The Excel address of ``column`` in ``row`` of a base sheet, e.g. ``supply!D3``."""
    return f"{sheet}!{get_column_letter(columns(sheet).index(column) + 1)}{row}"


def set_cell(sheets: dict, sheet: str, row: int, column: str, value) -> dict:
    """Set one cell (Excel row, column name) of ``sheets`` in place; rows beyond the end are added."""
    rows = sheets[sheet]
    while len(rows) < row:
        rows.append([None] * len(rows[0]))
    rows[row - 1][rows[0].index(column)] = value
    return sheets


def drop_column(sheets: dict, sheet: str, column: str) -> dict:
    j = sheets[sheet][0].index(column)
    sheets[sheet] = [r[:j] + r[j + 1:] for r in sheets[sheet]]
    return sheets


def write_base(path, **changes) -> Path:
    """Write the base workbook with whole sheets replaced (a value of None deletes the sheet)."""
    sheets = base_sheets()
    for name, rows in changes.items():
        if rows is None:
            sheets.pop(name, None)
        else:
            sheets[name] = rows
    return write_workbook(path, sheets)


# --- raw .xlsx surgery -------------------------------------------------------------------


def sheet_member(path, sheet: str) -> str:
    """The zip member holding ``sheet``'s XML (openpyxl names them sheet1.xml ... in order)."""
    with zipfile.ZipFile(path) as zf:
        workbook = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(sheet)}"[^>]*r:id="([^"]+)"', workbook)
    if rid is None:
        rid = re.search(rf'<sheet [^>]*r:id="([^"]+)"[^>]*name="{re.escape(sheet)}"', workbook)
    target = re.search(rf'<Relationship [^>]*Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels)
    if target is None:
        target = re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels)
    name = target.group(1).lstrip("/")
    return name if name.startswith("xl/") else "xl/" + name


def replace_members(path, replacements: dict[str, bytes | str], out=None) -> Path:
    """Copy the zip at ``path`` to ``out`` (default: in place) with some members' bytes replaced."""
    out = Path(out or path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = replacements.get(info.filename, src.read(info.filename))
            dst.writestr(info.filename, data.encode() if isinstance(data, str) else data)
        for name, data in replacements.items():
            if name not in src.namelist():
                dst.writestr(name, data.encode() if isinstance(data, str) else data)
    out.write_bytes(buffer.getvalue())
    return out


def xml_cell(ref: str, value) -> str:
    """One ``<c>`` element: str -> inline text, number, bool, or ("f", formula, cached) / ("e", "#N/A") /
    ("raw", "<v>...</v>") for cells a spreadsheet program would write."""
    if value is None:
        return ""
    if isinstance(value, tuple):
        kind = value[0]
        if kind == "f":
            cached = "" if value[2] is None else f"<v>{value[2]}</v>"
            return f'<c r="{ref}"><f>{value[1]}</f>{cached}</c>'
        if kind == "e":
            return f'<c r="{ref}" t="e"><v>{value[1]}</v></c>'
        if kind == "raw":
            return f'<c r="{ref}">{value[1]}</c>'
        raise ValueError(kind)
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def sheet_xml(rows, extra: str = "", dimension: str | None = None) -> str:
    """Worksheet XML for ``rows`` (header first); ``extra`` goes after sheetData (e.g. mergeCells)."""
    body = []
    for i, row in enumerate(rows, start=1):
        cells = "".join(xml_cell(f"{get_column_letter(j)}{i}", v) for j, v in enumerate(row, start=1))
        body.append(f'<row r="{i}">{cells}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'{dim}<sheetData>{"".join(body)}</sheetData>{extra}</worksheet>')


def write_with_sheet_xml(path, sheet: str, xml: str, **changes) -> Path:
    """The base workbook with ``sheet``'s XML replaced by ``xml``."""
    write_base(path, **changes)
    return replace_members(path, {sheet_member(path, sheet): xml})


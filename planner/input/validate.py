"""Turn raw sheets into a PlannerInput, or raise one InputError that lists every problem.

Checks run in the order a user fixes things: sheets, columns, cell types and bounds (here),
then keys, references and rules across sheets (``resolve``). Problems are collected, never
raised one by one.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter

from planner.errors import InputError, Issue
from planner.input import schema as S
from planner.input.cells import convert_cell, did_you_mean
from planner.input.data import PlannerInput
from planner.input.read import RawSheet, RawWorkbook
from planner.input.records import Collector, Record
from planner.input.resolve import resolve


def validate(raw: RawWorkbook) -> PlannerInput:
    """Validate every sheet of ``raw`` and resolve defaults, blanks and overrides."""
    out = Collector()
    records = _read_sheets(raw, out)
    if out.structural:  # without the right sheets and columns, later checks only add noise
        raise InputError(raw.path, out.issues)
    data = resolve(raw.path, records, out)
    if out.issues:
        raise InputError(raw.path, out.issues)
    data.warnings = sorted(out.warnings)
    data.skipped_sheets = out.skipped
    return data


# --- sheets, columns and cells ----------------------------------------------------------


def _read_sheets(raw: RawWorkbook, out: Collector) -> dict[str, list[Record]]:
    records: dict[str, list[Record]] = {}
    for w in raw.warnings:  # what the reader found but does not read (values under a blank header)
        out.warn(w)
    for sheet in raw.sheets.values():
        key = sheet.name.strip().lower()  # two unread sheets may share it ("Notes", "Notes ")
        if key in S.DOCUMENTATION_SHEETS:
            out.skipped.append(sheet.name)
        elif key not in S.SHEET_BY_NAME:
            hint = did_you_mean(key, S.SHEET_BY_NAME, n=1, cutoff=0.8)
            out.warn(Issue(sheet.name, message=f"sheet is not one the planner reads; ignored{hint}"))
    for spec in S.SHEETS:
        sheet = raw.sheets.get(spec.name)
        if sheet is None:
            if spec.required:
                found = ", ".join(s.name for s in raw.sheets.values()) or "none"
                hint = did_you_mean(spec.name, [s.name.strip() for s in raw.sheets.values()])
                out.error(Issue(spec.name, message=f"required sheet is missing; found sheets: {found}{hint}"))
                out.structural = True
            records[spec.name] = []
            continue
        if sheet.hidden:
            out.warn(Issue(sheet.name, message="sheet is hidden in Excel; it is read all the same"))
        cols = _match_columns(spec, sheet, out)
        if _check_merged(sheet, cols, out) or cols is None:
            out.structural = True
            records[spec.name] = []
            continue
        records[spec.name] = [_convert_row(spec, sheet, row, values, cols, out) for row, values in sheet.rows]
    return records


def _check_merged(sheet: RawSheet, cols: dict[str, int] | None, out: Collector) -> bool:
    """Merged cells in the table: only the first cell holds the value, the others read as blank.

    Return True when the header row is merged (the columns cannot be trusted). A merged
    header is reported even when columns are missing: it is often why they are.
    """
    used = set((cols or {}).values())
    header_merged = False
    for min_col, min_row, max_col, max_row in sorted(sheet.merged, key=lambda m: (m[1], m[0])):
        span = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
        column = next((name for name, idx in (cols or {}).items() if min_col <= idx <= max_col), None)
        if min_row == 1 and column is None and cols is None:
            header = sheet.headers.get(min_col)
            column = header.strip().lower() if header else None
        if min_row == 1 and (column is not None or cols is None):
            header_merged = True
            out.error(Issue(sheet.name, 1, min_col, column, f"header cells {span} are merged; unmerge them so "
                                                           "each column has its own header in row 1."))
        elif used & set(range(min_col, max_col + 1)):
            out.error(Issue(sheet.name, min_row, min_col, column,
                            f"cells {span} are merged; only the first holds a value and the others read as "
                            "blank. Unmerge them and fill in every cell."))
    return header_merged


def _match_columns(spec: S.Sheet, sheet: RawSheet, out: Collector) -> dict[str, int] | None:
    known = {c.name: c for c in spec.columns}
    cols: dict[str, int] = {}
    for idx, header in sorted(sheet.headers.items()):
        name = header.strip().lower()
        if name in cols:
            out.error(Issue(sheet.name, 1, idx, name, f"column '{header}' appears twice in the header row"))
        elif name in known:
            cols[name] = idx
        else:
            hint = did_you_mean(name, known)
            out.warn(Issue(sheet.name, 1, idx, None, f"column '{header}' is not one the planner reads; ignored{hint}"))
    missing = [c.name for c in spec.columns if c.required and c.name not in cols]
    if missing:
        found = ", ".join(sheet.headers[i] for i in sorted(sheet.headers)) or "no headers in row 1"
        row = _header_row_elsewhere(spec, sheet)
        if row is not None:
            out.error(Issue(sheet.name, message=f"required columns {', '.join(missing)} are not in row 1 "
                                                f"(found: {found}); the headers seem to be in row {row}. The planner "
                                                "reads headers from row 1 only: delete the rows above them."))
            return None
        for name in missing:
            hint = did_you_mean(name, [h for h in sheet.headers.values() if h.strip().lower() not in known])
            out.error(Issue(sheet.name, message=f"required column '{name}' is missing; found: {found}{hint}"))
        return None
    return cols


def _header_row_elsewhere(spec: S.Sheet, sheet: RawSheet) -> int | None:
    """The row below row 1 that holds every required header (a title or blank rows above the table)."""
    required = {c.name for c in spec.columns if c.required}
    for row, values in sheet.head[1:]:
        names = {str(v).strip().lower() for v in values if v is not None}
        if required <= names:
            return row
    return None


def _convert_row(spec, sheet, row, values, cols, out) -> Record:
    rec = Record(sheet.name, row, {}, cols)
    for col in spec.columns:
        idx = cols.get(col.name)
        value = values[idx - 1] if idx is not None and idx - 1 < len(values) else None
        parsed, problem = convert_cell(col, value)
        if problem:
            out.error(Issue(sheet.name, row, idx, col.name, problem))
        rec.values[col.name] = parsed
        rec.raw[col.name] = value
    return rec

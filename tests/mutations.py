"""Hypothesis strategies that break a valid workbook, and the check every broken workbook must pass.

A mutation deletes, blanks, retypes or duplicates a cell, a row, a column or a sheet of the
valid workbook in ``bad_workbooks`` (or merges cells, or hides a sheet). Whatever the mutations, ``planner solve`` must either
solve (exit 0) or refuse with exit 2 and problems that each name a sheet; never crash, hang
or touch the input. Used by tests/test_hostile_input.py and scripts/fuzz_inputs.py.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import html
import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from planner.cli import main
from planner.input import schema as S
from tests.bad_workbooks import base_sheets

# Values a person, a program or an accident might leave in a cell.
NASTY_VALUES = [
    None, "", "   ", "\u00a0", 0, -1, 1, 0.5, 1.5, 2, -0.0, 1e300, -1e300, 1e-300, 1e12, 1e13,
    float("nan"), float("inf"), "n/a", "TBD", "1,000", "65%", "12.5 %", "1000", " 7 ", "1e3", "-5", "nan", "inf",
    True, False, "TRUE", "no", dt.datetime(2026, 1, 1), dt.date(2027, 6, 30), dt.time(12, 0),
    "#N/A", "#DIV/0!", "=1+1", "=A1*2", "=HYPERLINK(\"http://x\",\"y\")", "+EU", "-cut", "@SUM(1)",
    "Li", "li", "Co", "Ni", "AUS", "aus", "CHN", "XXX", "EU", "*", "FEOC", "partner", "supply", "delivery",
    "refining", "demand", "supply_capacity", "mining", "2026", 2026, 2027, 2026.0, "2026.0", "2030",
    "Évora", "锂", "x" * 300, "open", "closed", "currency", "time_limit", "routes_default", "unmet_penalty",
    # thousands separators, numbers at the solver's limits, labels written two ways
    "1 000", "1\u00a0000", "100_000", "1'000", "1,5", 1e-7, 2e-7, 1e-8, 1e-9, 2e-9, 1e9, 1e11, 1e12, "01", "+3",
    "Base", "BASE",
]

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
CELL_VALUES = st.one_of(
    st.sampled_from(NASTY_VALUES),
    _TEXT,
    st.integers(min_value=-10**6, max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
)

_SHEET_NAMES = [s.name for s in S.SHEETS] + ["Sheet", "notes", "Supply", "supply ", " DEMAND", "periods (2)"]


@dataclass
class Mutated:
    sheets: dict[str, list[list]]
    steps: list[str] = field(default_factory=list)
    merges: list[tuple[str, str]] = field(default_factory=list)  # (sheet, "A2:A3")
    hidden: set[str] = field(default_factory=set)
    far: dict[str, list[tuple[int, list]]] = field(default_factory=dict)  # sheet -> (column, values by row)

    def __repr__(self) -> str:  # hypothesis prints this for a failing example
        return "Mutated(steps=" + repr(self.steps) + ")"


def _norm(name: str) -> str:
    return name.strip().lower()


@st.composite
def mutation(draw, wb: Mutated) -> None:
    """Apply one random mutation to ``wb`` in place."""
    sheets = wb.sheets
    names = list(sheets)
    kind = draw(st.sampled_from([
        "cell", "cell", "cell", "cell", "blank_cell", "copy_cell",
        "delete_row", "blank_row", "duplicate_row", "add_row",
        "delete_column", "blank_header", "duplicate_column", "rename_header", "retype_column",
        "delete_sheet", "duplicate_sheet", "rename_sheet", "empty_sheet", "merge", "hide_sheet",
        "move_column_far", "value_beyond_headers",
    ]))
    if not names:
        sheets["Sheet"] = [[]]
        wb.steps.append("add empty sheet")
        return
    name = draw(st.sampled_from(names))
    rows = sheets[name]
    width = max((len(r) for r in rows), default=0)

    def pick_row(first=0):
        return draw(st.integers(min_value=first, max_value=len(rows) - 1)) if len(rows) > first else None

    def pick_col():
        return draw(st.integers(min_value=0, max_value=width - 1)) if width else None

    def put(r, c, value):
        row = rows[r]
        row.extend([None] * (c + 1 - len(row)))
        row[c] = value

    if kind in ("cell", "blank_cell", "copy_cell"):
        r, c = pick_row(), pick_col()
        if r is None or c is None:
            return
        if kind == "cell":
            value = draw(CELL_VALUES)
        elif kind == "blank_cell":
            value = None
        else:
            r2, c2 = pick_row(), pick_col()
            value = rows[r2][c2] if c2 < len(rows[r2]) else None
        put(r, c, value)
        wb.steps.append(f"{name}[{r + 1},{c + 1}] = {value!r}")
    elif kind == "delete_row":
        r = pick_row()
        if r is not None:
            del rows[r]
            wb.steps.append(f"delete {name} row {r + 1}")
    elif kind == "blank_row":
        r = pick_row()
        if r is not None:
            rows[r] = [None] * len(rows[r])
            wb.steps.append(f"blank {name} row {r + 1}")
    elif kind == "duplicate_row":
        r = pick_row(1)
        if r is not None:
            at = draw(st.integers(min_value=1, max_value=len(rows)))
            rows.insert(at, list(rows[r]))
            wb.steps.append(f"duplicate {name} row {r + 1} at {at + 1}")
    elif kind == "add_row":
        values = draw(st.lists(CELL_VALUES, min_size=1, max_size=max(width, 1)))
        rows.append(values)
        wb.steps.append(f"append to {name}: {values!r}")
    elif kind == "delete_column":
        c = pick_col()
        if c is not None:
            for row in rows:
                if c < len(row):
                    del row[c]
            wb.steps.append(f"delete {name} column {c + 1}")
    elif kind == "blank_header":
        c = pick_col()
        if c is not None and rows:
            put(0, c, None)
            wb.steps.append(f"blank {name} header {c + 1}")
    elif kind == "duplicate_column":
        c = pick_col()
        if c is not None:
            for row in rows:
                row.append(row[c] if c < len(row) else None)
            wb.steps.append(f"duplicate {name} column {c + 1}")
    elif kind == "rename_header":
        c = pick_col()
        if c is not None and rows:
            header = draw(st.one_of(st.sampled_from(
                [col.name for s in S.SHEETS for col in s.columns] + ["Capacity ", " COST", "capacity (t)", "x"]),
                _TEXT))
            put(0, c, header)
            wb.steps.append(f"rename {name} header {c + 1} to {header!r}")
    elif kind == "retype_column":
        c = pick_col()
        if c is not None:
            value = draw(CELL_VALUES)
            for row in rows[1:]:
                if c < len(row):
                    row[c] = value
            wb.steps.append(f"set all of {name} column {c + 1} to {value!r}")
    elif kind == "delete_sheet":
        del sheets[name]
        wb.steps.append(f"delete sheet {name}")
    elif kind == "duplicate_sheet":
        new = draw(st.sampled_from(_SHEET_NAMES))
        if new not in sheets:
            sheets[new] = copy.deepcopy(rows)
            wb.steps.append(f"copy sheet {name} to {new!r}")
    elif kind == "rename_sheet":
        new = draw(st.sampled_from(_SHEET_NAMES))
        if new not in sheets:
            sheets[new] = sheets.pop(name)
            wb.steps.append(f"rename sheet {name} to {new!r}")
    elif kind == "empty_sheet":
        sheets[name] = []
        wb.steps.append(f"empty sheet {name}")
    elif kind == "merge":
        r, c = pick_row(), pick_col()
        if r is not None and c is not None:
            r2 = draw(st.integers(min_value=r, max_value=r + 2))
            c2 = draw(st.integers(min_value=c, max_value=c + 1 if r2 == r else c))
            if (r2, c2) != (r, c):
                span = f"{get_column_letter(c + 1)}{r + 1}:{get_column_letter(c2 + 1)}{r2 + 1}"
                wb.merges.append((name, span))
                wb.steps.append(f"merge {name}!{span}")
    elif kind == "hide_sheet":
        wb.hidden.add(name)
        wb.steps.append(f"hide sheet {name}")
    elif kind == "move_column_far":  # a column (header and values) moved far to the right, beyond column 100
        c = pick_col()
        if c is not None:
            target = draw(st.sampled_from([101, 102, 130, 16384]))
            values = [row.pop(c) if c < len(row) else None for row in rows]
            wb.far.setdefault(name, []).append((target, values))
            wb.steps.append(f"move {name} column {c + 1} to column {target}")
    elif kind == "value_beyond_headers":  # a value in a column without a header
        r = pick_row(1)
        if r is not None:
            target = draw(st.sampled_from([width + 1, width + 2, 100, 16384]))
            value = draw(CELL_VALUES)
            wb.far.setdefault(name, []).append((target, [None] * r + [value]))
            wb.steps.append(f"{name}[{r + 1},{target}] = {value!r} (no header)")


@st.composite
def mutated_workbooks(draw, max_mutations: int = 5) -> Mutated:
    wb = Mutated(base_sheets())
    for _ in range(draw(st.integers(min_value=1, max_value=max_mutations))):
        draw(mutation(wb))
    return wb


def _writable(value):
    """openpyxl cannot store every Python value; store what a spreadsheet would hold instead."""
    if isinstance(value, float) and math.isnan(value):
        return "NaN"  # as text: openpyxl would write an empty number cell
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def _write(path: Path, wb: Mutated) -> None:
    book = Workbook()
    book.remove(book.active)
    sheets = wb.sheets or {"Sheet": []}
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append([_writable(v) for v in row])
        for column, values in wb.far.get(name, ()):
            for i, v in enumerate(values, start=1):
                if v is not None:
                    ws.cell(i, column).value = _writable(v)
        for sheet, span in wb.merges:
            if sheet == name and not any(span == str(m) for m in ws.merged_cells.ranges):
                try:
                    ws.merge_cells(span)
                except ValueError:  # overlaps an earlier merge
                    pass
        if name in wb.hidden:
            ws.sheet_state = "hidden"
    if all(ws.sheet_state != "visible" for ws in book.worksheets):
        book.worksheets[0].sheet_state = "visible"  # a workbook keeps one visible sheet
    book.save(path)


def check_mutated(wb: Mutated, folder: Path) -> int:
    """Write ``wb`` and run ``planner solve``: it solves, or refuses with exit 2 naming a sheet."""
    inp = Path(folder) / "mutated.xlsx"
    out = Path(folder) / "plan.xlsx"
    if out.exists():
        out.unlink()
    _write(inp, wb)
    before = inp.read_bytes()
    err = io.StringIO()
    with contextlib.redirect_stderr(err):  # quiet: a run prints nothing on stdout
        rc = main(["solve", str(inp), "-o", str(out), "-q"])
    text = err.getvalue()
    context = f"steps: {wb.steps}\nexit {rc}; stderr:\n{text}"
    assert inp.read_bytes() == before, "input modified; " + context
    assert "Traceback" not in text and "internal error" not in text, context
    if rc == 0:
        assert out.is_file(), context
        return rc
    assert rc == 2, context
    assert not out.exists(), context
    lines = text.splitlines()
    errors = [line for line in lines if not line.startswith("warning: ")]
    head = re.fullmatch(rf"{re.escape(str(inp))} has (\d+) problems?:", errors[0]) if errors else None
    assert head, context
    with zipfile.ZipFile(inp) as zf:  # as written: the writer may have renamed a clashing sheet
        written = re.findall(r'<sheet [^>]*name="([^"]*)"', zf.read("xl/workbook.xml").decode())
    sheet_names = {html.unescape(n) for n in written} | {s.name for s in S.SHEETS}
    problems = [line for line in errors[1:] if not line.startswith("  ... and ")]
    assert problems and len(problems) == min(int(head.group(1)), 50), context
    for line in problems:
        assert line.startswith("  ") and any(line.startswith(f"  {name}!") or line.startswith(f"  {name}  ")
                                             for name in sheet_names), f"no sheet named in {line!r}; " + context
    return rc

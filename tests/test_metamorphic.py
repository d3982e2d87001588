"""Metamorphic properties on the shipped dataset (inputs/critical-minerals-2026.xlsx), not only the example.

Each property changes a copy of the workbook the way a user would (in its cells, found by their
headers and the schema's column units and kinds, so it holds for any valid workbook the dataset may
become) and compares the base scenario's optimum with the original's:

- every cost (supply, refining, route costs, prices, penalties, holding) times k: the optimum times k;
- more capacity never raises the cost;
- a tighter share limit never lowers it;
- renaming every country (a permutation of the codes, on every sheet) leaves it unchanged.
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from planner.api import validate
from planner.input import schema as S
from planner.input.blocks import independent_blocks, restrict
from planner.model.build import build_model
from planner.solver import HighsSession

DATASET = Path(__file__).resolve().parents[1] / "inputs" / "critical-minerals-2026.xlsx"
SETTINGS = dict(max_examples=4, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def optimum(path: Path) -> float:
    """The base scenario's optimal cost of the workbook at ``path``.

    Solved block by block, as the planner solves it: the sum of the blocks' optima is the joint model's
    (tests/test_blocks.py holds them to it on this dataset), and the dataset's joint mixed-integer
    model takes ten times as long as its seven blocks.
    """
    data = validate(path)
    total = 0.0
    for block in independent_blocks(data):
        solution = HighsSession(build_model(restrict(data, block))).solve()
        assert solution.status == "Optimal", (block, solution.status)
        total += solution.objective
    return total


@cache
def base_optimum() -> float:
    return optimum(DATASET)


class Book:
    """An editable copy of the dataset: cells found by sheet and header, as a user would find them."""

    def __init__(self):
        self.wb = load_workbook(DATASET)
        self.sheets = {ws.title.strip().lower(): ws for ws in self.wb.worksheets}

    def columns(self, sheet: str) -> dict[str, int]:
        ws = self.sheets.get(sheet)
        if ws is None:
            return {}
        return {str(c.value).strip().lower(): c.column for c in ws[1] if c.value is not None}

    def rows(self, sheet: str):
        """The data rows' cells (Excel rows 2 onwards that hold anything)."""
        ws = self.sheets.get(sheet)
        if ws is None:
            return []
        return [row for row in ws.iter_rows(min_row=2) if any(c.value is not None for c in row)]

    def cell(self, row, sheet: str, column: str):
        col = self.columns(sheet).get(column)
        return None if col is None or col > len(row) else row[col - 1]

    def save(self, path: Path) -> Path:
        self.wb.save(path)
        return path


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --- costs scale the optimum ----------------------------------------------------------------------


def money_columns() -> dict[str, list[str]]:
    """Per sheet, the columns in money per unit (costs, prices, penalties): the schema's currency units."""
    return {spec.name: [c.name for c in spec.columns if c.kind == S.NUMBER and c.unit.startswith("currency")]
            for spec in S.SHEETS}


MONEY_SETTINGS = {s.key for s in S.SETTINGS if s.kind == S.NUMBER and ("penalty" in s.key or "cost" in s.key)}


def scale_costs(book: Book, k: float) -> None:
    for sheet, columns in money_columns().items():
        for row in book.rows(sheet):
            for column in columns:
                cell = book.cell(row, sheet, column)
                if cell is not None and _number(cell.value):
                    cell.value = cell.value * k
    for row in book.rows("settings"):
        key, value = book.cell(row, "settings", "key"), book.cell(row, "settings", "value")
        if key is not None and str(key.value).strip().lower() in MONEY_SETTINGS and _number(value.value):
            value.value = value.value * k


def test_the_cost_columns_are_the_ones_the_spec_names():
    columns = money_columns()
    for sheet, column in (("supply", "cost"), ("refining", "cost"), ("routes", "cost"), ("minerals", "raw_price"),
                          ("minerals", "refined_price"), ("minerals", "unmet_penalty"), ("reserve", "holding_cost"),
                          ("reserve", "shortfall_penalty")):
        assert column in columns[sheet], (sheet, column)
    assert "tariff_rate" not in columns["routes"] and "capacity" not in columns["supply"]


@settings(**SETTINGS)
@given(k=st.sampled_from([0.001, 0.37, 2.0, 1000.0]) | st.floats(0.01, 100))
def test_scaling_every_cost_scales_the_optimum(tmp_path_factory, k):
    book = Book()
    scale_costs(book, k)
    path = book.save(tmp_path_factory.mktemp("scaled") / "scaled.xlsx")
    assert optimum(path) == pytest.approx(k * base_optimum(), rel=1e-6)


# --- more capacity, tighter shares ------------------------------------------------------------------


@settings(**SETTINGS)
@given(sheet=st.sampled_from(["supply", "refining"]), pick=st.integers(0, 10**6), how_many=st.integers(1, 50),
       extra=st.floats(0.01, 3.0), seed=st.integers(0, 10**6))
def test_adding_capacity_never_raises_the_cost(tmp_path_factory, sheet, pick, how_many, extra, seed):
    book = Book()
    rows = [r for r in book.rows(sheet) if _number(book.cell(r, sheet, "capacity").value)]
    chosen = random.Random(seed).sample(rows, min(how_many, len(rows))) if rows else []
    for row in chosen:
        cell = book.cell(row, sheet, "capacity")
        cell.value = cell.value * (1 + extra) + extra
    path = book.save(tmp_path_factory.mktemp("capacity") / "more.xlsx")
    assert optimum(path) <= base_optimum() * (1 + 1e-9)


@settings(**SETTINGS)
@given(new_row=st.booleans(), pick=st.integers(0, 10**6), factor=st.floats(0.3, 0.99),
       stage=st.sampled_from(["supply", "refining"]), cap=st.floats(0.3, 0.95))
def test_tightening_a_share_limit_never_lowers_the_cost(tmp_path_factory, new_row, pick, factor, stage, cap):
    book = Book()
    rows = [r for r in book.rows("shares") if _number(getattr(book.cell(r, "shares", "max_share"), "value", None))]
    if new_row or not rows:
        minerals = [book.cell(r, "minerals", "mineral").value for r in book.rows("minerals")]
        ws = book.sheets.get("shares") or book.wb.create_sheet("shares")
        if ws.max_row == 1 and ws["A1"].value is None:
            ws.append(["stage", "scope", "mineral", "max_share"])
        row = ws.max_row + 1
        for column, value in (("stage", stage), ("scope", "*"), ("mineral", minerals[pick % len(minerals)]),
                              ("max_share", cap)):
            columns = book.columns("shares")
            if column not in columns:  # a shares sheet without the column: add it
                ws.cell(1, ws.max_column + 1).value = column
                columns = book.columns("shares")
            ws.cell(row, columns[column]).value = value
    else:
        row = rows[pick % len(rows)]
        low = book.cell(row, "shares", "min_share")
        high = book.cell(row, "shares", "max_share")
        floor = low.value if low is not None and _number(low.value) else 0.0
        high.value = floor + (high.value - floor) * factor
    path = book.save(tmp_path_factory.mktemp("shares") / "tighter.xlsx")
    assert optimum(path) >= base_optimum() * (1 - 1e-9)


# --- renaming countries -----------------------------------------------------------------------------


def code_columns() -> dict[str, list[str]]:
    """Per sheet, the columns holding country (or market) codes: the schema's code columns."""
    return {spec.name: [c.name for c in spec.columns if c.kind == S.CODE] for spec in S.SHEETS}


def rename_countries(book: Book, mapping: dict[str, str]) -> int:
    """Apply ``mapping`` (country code -> code) to every code cell, share scope and group label; return cells changed.

    A market whose code is a country's is renamed with it (the spec ties them: a route from a country to
    itself is domestic); codes of markets that are no country's (EU) and everything else stay.
    """
    changed = 0

    def rename(text: str) -> str:
        return mapping.get(text.strip().upper(), text)

    for sheet, columns in code_columns().items():
        for row in book.rows(sheet):
            for column in columns:
                cell = book.cell(row, sheet, column)
                if cell is not None and isinstance(cell.value, str) and rename(cell.value) != cell.value:
                    cell.value = rename(cell.value)
                    changed += 1
    for row in book.rows("shares"):
        cell = book.cell(row, "shares", "scope")
        if cell is None or not isinstance(cell.value, str):
            continue
        text = cell.value.strip()
        if text.lower().startswith("* except "):
            new = "* except " + rename(text[len("* except "):])
        else:
            new = rename(text)
        if new != text:
            cell.value = new
            changed += 1
    for row in book.rows("countries"):
        cell = book.cell(row, "countries", "groups")
        if cell is not None and isinstance(cell.value, str):
            labels = [rename(label) for label in cell.value.split(",")]
            cell.value = ",".join(labels)
    return changed


@settings(**SETTINGS)
@given(data=st.data())
def test_renaming_every_country_leaves_the_cost_unchanged(tmp_path_factory, data):
    book = Book()
    codes = sorted({str(book.cell(r, "countries", "country").value).strip().upper() for r in book.rows("countries")})
    shuffled = data.draw(st.permutations(codes))
    mapping = dict(zip(codes, shuffled))
    assert rename_countries(book, mapping) > 0 or mapping == {c: c for c in codes}
    path = book.save(tmp_path_factory.mktemp("renamed") / "renamed.xlsx")
    assert optimum(path) == pytest.approx(base_optimum(), rel=1e-7)

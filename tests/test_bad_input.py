"""Every error of the spec's "Bad input" section and Conventions: refused before any solve, exit 2.

Each case breaks one thing in the small valid workbook of ``bad_workbooks`` and checks that
``planner solve`` exits 2, that stderr starts with ``<input> has N problem(s):`` and lists N
lines, and that the problem names the sheet, the Excel cell, the column and the value found;
the input file and an existing output file are left untouched.
"""

from __future__ import annotations

import re

import pytest

from planner.cli import main
from planner.input import schema as S
from tests.bad_workbooks import base_sheets, cell, columns, drop_column, set_cell, write_base
from tests.workbooks import write_workbook

SENTINEL = b"previous plan: must survive a refused run"


def run_refused(tmp_path, capsys, sheets):
    """Write ``sheets``, run solve over an existing output; return the problem lines of stderr."""
    inp = write_workbook(tmp_path / "in.xlsx", sheets)
    before = inp.read_bytes()
    out = tmp_path / "plan.xlsx"
    out.write_bytes(SENTINEL)
    rc = main(["solve", str(inp), "-o", str(out), "-q"])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert inp.read_bytes() == before, "the input file was modified"
    assert out.read_bytes() == SENTINEL, "the previous output was replaced by a refused run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx", "plan.xlsx"], "stray files left behind"
    lines = err.splitlines()
    head = re.fullmatch(rf"{re.escape(str(inp))} has (\d+) problems?:", lines[0])
    assert head, f"unexpected first line: {lines[0]!r}"
    problems = [line for line in lines[1:] if line.startswith("  ")]
    assert int(head.group(1)) == len(problems), err
    assert "Traceback" not in err and "internal error" not in err
    return problems


def edit(*changes):
    """Base sheets with (sheet, excel row, column, value) cells set."""
    sheets = base_sheets()
    for sheet, row, column, value in changes:
        set_cell(sheets, sheet, row, column, value)
    return sheets


def append(sheet, **values):
    sheets = base_sheets()
    sheets[sheet].append([values.get(c) for c in columns(sheet)])
    return sheets, len(sheets[sheet])


def dup(sheet, row=2, **changes):
    """Base sheets with row ``row`` of ``sheet`` repeated at the end (with ``changes``)."""
    sheets = base_sheets()
    copy_ = list(sheets[sheet][row - 1])
    for column, value in changes.items():
        copy_[columns(sheet).index(column)] = value
    sheets[sheet].append(copy_)
    return sheets, len(sheets[sheet])


# (id, sheets, cell, column, text that must appear: the value found and what was expected)
CELL_CASES = [
    # negative quantities, costs, prices, penalties, stocks, factors
    ("supply capacity < 0", edit(("supply", 3, "capacity", -5)), cell("supply", 3, "capacity"), "capacity",
     ["got -5", "expected a number >= 0"]),
    ("supply cost < 0", edit(("supply", 2, "cost", -1.5)), cell("supply", 2, "cost"), "cost", ["got -1.5", ">= 0"]),
    ("refining capacity < 0", edit(("refining", 2, "capacity", -1)), cell("refining", 2, "capacity"), "capacity",
     ["got -1", ">= 0"]),
    ("refining cost < 0", edit(("refining", 3, "cost", -6)), cell("refining", 3, "cost"), "cost", ["got -6"]),
    ("demand < 0", edit(("demand", 4, "demand", -50)), cell("demand", 4, "demand"), "demand", ["got -50", ">= 0"]),
    ("raw_price < 0", edit(("minerals", 2, "raw_price", -100)), cell("minerals", 2, "raw_price"), "raw_price",
     ["got -100", ">= 0"]),
    ("refined_price < 0", edit(("minerals", 2, "refined_price", -2)), cell("minerals", 2, "refined_price"),
     "refined_price", ["got -2"]),
    ("unmet_penalty < 0", edit(("minerals", 3, "unmet_penalty", -500)), cell("minerals", 3, "unmet_penalty"),
     "unmet_penalty", ["got -500"]),
    ("route cost < 0", edit(("routes", 2, "cost", -2)), cell("routes", 2, "cost"), "cost", ["got -2"]),
    ("tariff_rate < 0", edit(("routes", 2, "tariff_rate", -0.1)), cell("routes", 2, "tariff_rate"), "tariff_rate",
     ["got -0.1"]),
    ("initial_stock < 0", edit(("reserve", 2, "initial_stock", -10)), cell("reserve", 2, "initial_stock"),
     "initial_stock", ["got -10"]),
    ("max_stock < 0", edit(("reserve", 2, "max_stock", -100)), cell("reserve", 2, "max_stock"), "max_stock",
     ["got -100"]),
    ("holding_cost < 0", edit(("reserve", 2, "holding_cost", -1)), cell("reserve", 2, "holding_cost"),
     "holding_cost", ["got -1"]),
    ("shortfall_penalty < 0", edit(("reserve", 2, "shortfall_penalty", -5)), cell("reserve", 2, "shortfall_penalty"),
     "shortfall_penalty", ["got -5"]),
    ("min_stock < 0", edit(("reserve_targets", 2, "min_stock", -20)), cell("reserve_targets", 2, "min_stock"),
     "min_stock", ["got -20"]),
    ("min_days < 0", edit(("reserve_targets", 2, "min_days", -30)), cell("reserve_targets", 2, "min_days"),
     "min_days", ["got -30"]),
    ("scenario factor < 0", edit(("scenarios", 3, "factor", -1.5)), cell("scenarios", 3, "factor"), "factor",
     ["got -1.5"]),
    ("risk factor < 0", edit(("risks", 2, "factor", -0.5)), cell("risks", 2, "factor"), "factor", ["got -0.5"]),
    ("unmet_penalty setting < 0", edit(("settings", 4, "key", "unmet_penalty"), ("settings", 4, "value", -3)),
     cell("settings", 4, "value"), "value", ["unmet_penalty", "got -3"]),
    # shares and probabilities outside [0, 1]; min_share above max_share
    ("min_share > 1", edit(("shares", 2, "min_share", 1.5), ("shares", 2, "max_share", None)),
     cell("shares", 2, "min_share"), "min_share", ["got 1.5", "<= 1"]),
    ("max_share < 0", edit(("shares", 3, "max_share", -0.1)), cell("shares", 3, "max_share"), "max_share",
     ["got -0.1", ">= 0"]),
    ("max_share > 1", edit(("shares", 3, "max_share", 2)), cell("shares", 3, "max_share"), "max_share", ["got 2"]),
    ("probability > 1", edit(("risks", 2, "probability", 1.2)), cell("risks", 2, "probability"), "probability",
     ["got 1.2", "<= 1"]),
    ("probability < 0", edit(("risks", 2, "probability", -0.1)), cell("risks", 2, "probability"), "probability",
     ["got -0.1"]),
    ("min_share > max_share", edit(("shares", 2, "min_share", 0.7)), cell("shares", 2, "min_share"), "min_share",
     ["got 0.7", "max_share (0.6)"]),
    # yield and period length must be positive
    ("yield 0", edit(("refining", 3, "yield", 0)), cell("refining", 3, "yield"), "yield", ["got 0", "> 0"]),
    ("yield < 0", edit(("refining", 2, "yield", -1)), cell("refining", 2, "yield"), "yield", ["got -1", "> 0"]),
    ("years 0", edit(("periods", 3, "years", 0)), cell("periods", 3, "years"), "years", ["got 0", "> 0"]),
    ("years < 0", edit(("periods", 2, "years", -1)), cell("periods", 2, "years"), "years", ["got -1"]),
    # names that refer to nothing
    ("unknown mineral", edit(("supply", 3, "mineral", "Nickel")), cell("supply", 3, "mineral"), "mineral",
     ["got 'Nickel'", "expected a mineral on sheet 'minerals'"]),
    ("unknown mineral (demand)", edit(("demand", 2, "mineral", "Lithium")), cell("demand", 2, "mineral"), "mineral",
     ["got 'Lithium'", "sheet 'minerals'"]),
    ("unknown country", edit(("supply", 2, "country", "AUX")), cell("supply", 2, "country"), "country",
     ["got 'AUX'", "sheet 'countries'", "did you mean 'AUS'"]),
    ("unknown refining country", edit(("refining", 2, "country", "GBR")), cell("refining", 2, "country"), "country",
     ["got 'GBR'", "sheet 'countries'"]),
    ("unknown route origin", edit(("routes", 2, "from", "XYZ")), cell("routes", 2, "from"), "from", ["got 'XYZ'"]),
    ("unknown route refiner", edit(("routes", 2, "to", "XYZ")), cell("routes", 2, "to"), "to",
     ["got 'XYZ'", "sheet 'countries'"]),
    ("unknown risk country", edit(("risks", 2, "country", "NOR")), cell("risks", 2, "country"), "country",
     ["got 'NOR'"]),
    ("unknown scenario country", edit(("scenarios", 2, "country", "CHX")), cell("scenarios", 2, "country"),
     "country", ["got 'CHX'", "did you mean 'CHN'"]),
    ("unknown period", edit(("supply", 2, "period", 2030)), cell("supply", 2, "period"), "period",
     ["got '2030'", "sheet 'periods'"]),
    ("unknown demand period", edit(("demand", 3, "period", "2027H1")), cell("demand", 3, "period"), "period",
     ["got '2027H1'"]),
    ("unknown market (delivery route)", edit(("routes", 3, "to", "JPN")), cell("routes", 3, "to"), "to",
     ["got 'JPN'", "market"]),
    ("unknown market (demand scenario)", edit(("scenarios", 3, "country", "JPN")), cell("scenarios", 3, "country"),
     "country", ["got 'JPN'", "market"]),
    ("unknown scope", edit(("shares", 2, "scope", "FEOX")), cell("shares", 2, "scope"), "scope",
     ["got 'FEOX'", "did you mean 'FEOC'"]),
    ("reserve_targets without reserve", edit(("reserve_targets", 2, "market", "EU")),
     cell("reserve_targets", 2, "market"), "market", ["got 'EU'", "sheet 'reserve'"]),
    # unknown stage or kind
    ("unknown route stage", edit(("routes", 2, "stage", "mining")), cell("routes", 2, "stage"), "stage",
     ["got 'mining'", "one of 'supply', 'delivery'"]),
    ("unknown share stage", edit(("shares", 3, "stage", "delivery")), cell("shares", 3, "stage"), "stage",
     ["got 'delivery'", "one of 'supply', 'refining'"]),
    ("unknown risk stage", edit(("risks", 2, "stage", "supplies")), cell("risks", 2, "stage"), "stage",
     ["got 'supplies'", "did you mean 'supply'"]),
    ("unknown kind", edit(("scenarios", 2, "kind", "supply_cap")), cell("scenarios", 2, "kind"), "kind",
     ["got 'supply_cap'", "did you mean 'supply_capacity'"]),
    # cross-sheet rules
    ("initial_stock > max_stock", edit(("reserve", 2, "initial_stock", 200)), cell("reserve", 2, "initial_stock"),
     "initial_stock", ["got 200", "max_stock (100)"]),
    ("tariff without refined_price", edit(("routes", 3, "tariff_rate", 0.05)), cell("routes", 3, "tariff_rate"),
     "tariff_rate", ["got 0.05", "refined_price", "Co"]),
    ("tariff without raw_price", edit(("minerals", 2, "raw_price", None)), cell("routes", 2, "tariff_rate"),
     "tariff_rate", ["got 0.1", "raw_price", "Li"]),
    # text in numeric columns, booleans and settings
    ("text capacity", edit(("supply", 2, "capacity", "n/a")), cell("supply", 2, "capacity"), "capacity",
     ["got 'n/a'", "expected a number"]),
    ("thousands separator", edit(("demand", 2, "demand", "1,000")), cell("demand", 2, "demand"), "demand",
     ["got '1,000'", "thousands separators"]),
    ("bad allowed", edit(("routes", 2, "allowed", "maybe")), cell("routes", 2, "allowed"), "allowed",
     ["got 'maybe'", "TRUE or FALSE"]),
    ("bad setting choice", edit(("settings", 3, "value", "shut")), cell("settings", 3, "value"), "value",
     ["routes_default", "got 'shut'", "'open', 'closed'"]),
    ("non-integer duration", edit(("risks", 2, "duration", 1.5)), cell("risks", 2, "duration"), "duration",
     ["got 1.5", "whole number"]),
    # version 2: market rules, ownership, soft limits, bilateral measures, projects, probabilities
    ("unknown share market", edit(("shares", 2, "market", "USAA")), cell("shares", 2, "market"), "market",
     ["got 'USAA'", "expected a market", "did you mean 'USA'?"]),
    ("unknown basis", edit(("shares", 2, "basis", "owners")), cell("shares", 2, "basis"), "basis",
     ["got 'owners'", "'location', 'owner'", "did you mean 'owner'?"]),
    ("penalty < 0", edit(("shares", 2, "penalty", -3)), cell("shares", 2, "penalty"), "penalty", ["got -3", ">= 0"]),
    ("except names nothing", edit(("shares", 3, "scope", "* except FEOX")), cell("shares", 3, "scope"), "scope",
     ["got '* except FEOX'", "the X of '* except X'", "did you mean 'FEOC'?"]),
    ("ownership share > 1", edit(("ownership", 2, "share", 1.2)), cell("ownership", 2, "share"), "share",
     ["got 1.2", "<= 1"]),
    ("unknown owner", edit(("ownership", 2, "owner", "AUZ")), cell("ownership", 2, "owner"), "owner",
     ["got 'AUZ'", "did you mean 'AUS'?"]),
    ("unknown ownership stage", edit(("ownership", 2, "stage", "mine")), cell("ownership", 2, "stage"), "stage",
     ["got 'mine'", "'supply', 'refining'"]),
    ("export_ban to a market at supply", edit(("scenarios", 2, "kind", "export_ban"), ("scenarios", 2, "to", "EU"),
                                              ("scenarios", 2, "stage", "supply"), ("scenarios", 2, "factor", None)),
     cell("scenarios", 2, "to"), "to", ["got 'EU'", "expected a refining country"]),
    ("tariff without factor", edit(("scenarios", 2, "kind", "tariff"), ("scenarios", 2, "factor", None)),
     cell("scenarios", 2, "factor"), "factor", ["is blank", "kind tariff needs a factor"]),
    ("multiplying kind without factor", edit(("scenarios", 3, "factor", None)), cell("scenarios", 3, "factor"),
     "factor", ["is blank", "kind demand needs a factor"]),
    ("tariff without a price", edit(("scenarios", 2, "kind", "tariff"), ("scenarios", 2, "mineral", "Co"),
                                    ("scenarios", 2, "factor", 0.1)),
     cell("scenarios", 2, "factor"), "factor", ["a tariff needs the mineral's price", "Co"]),
    ("scenario probability > 1", edit(("scenarios", 2, "probability", 1.5)), cell("scenarios", 2, "probability"),
     "probability", ["got 1.5", "<= 1"]),
    ("probabilities of one scenario differ", edit(("scenarios", 2, "scenario", "surge"),
                                                  ("scenarios", 2, "probability", 0.2),
                                                  ("scenarios", 3, "probability", 0.3)),
     cell("scenarios", 3, "probability"), "probability", ["got 0.3", "row 2 gives scenario 'surge' the probability 0.2"]),
    ("probabilities above 1 in sum", edit(("scenarios", 2, "probability", 0.7), ("scenarios", 3, "probability", 0.6)),
     cell("scenarios", 2, "probability"), "probability", ["add up to 1.3", "at most 1"]),
    ("scenario named Base", edit(("scenarios", 2, "scenario", "Base")), cell("scenarios", 2, "scenario"), "scenario",
     ["got 'Base'", "reserved for the plan without scenario factors"]),
    ("unknown project first period", edit(("projects", 2, "first_period", 2031)), cell("projects", 2, "first_period"),
     "first_period", ["got '2031'", "expected a period"]),
    ("project named as a country", edit(("projects", 2, "project", "CHN")), cell("projects", 2, "project"), "project",
     ["got 'CHN'", "also a country or group"]),
    ("project fixed_cost < 0", edit(("projects", 2, "fixed_cost", -1)), cell("projects", 2, "fixed_cost"),
     "fixed_cost", ["got -1", ">= 0"]),
    ("project yield 0", edit(("projects", 2, "yield", 0)), cell("projects", 2, "yield"), "yield", ["got 0", "> 0"]),
    ("bad integer flag", edit(("projects", 2, "integer", "sometimes")), cell("projects", 2, "integer"), "integer",
     ["got 'sometimes'", "TRUE or FALSE"]),
    ("unknown project owner", edit(("projects", 2, "owner", "AUZ")), cell("projects", 2, "owner"), "owner",
     ["got 'AUZ'", "did you mean 'AUS'?"]),
]

# Two rows with the same key on each keyed sheet (case and number/text spelling do not make keys differ).
DUPLICATES = {
    "minerals": dict(mineral="li"),
    "countries": dict(country="aus"),
    "periods": dict(period="2026"),
    "supply": dict(capacity=5),
    "refining": dict(mineral="LI", cost=7),
    "demand": dict(period="2026", demand=1),
    "routes": dict(cost=9),
    "reserve": dict(market="usa"),
    "reserve_targets": dict(min_stock=1),
    "production": dict(country="aus", tonnes=3),
    "settings": dict(value="EUR"),
    "ownership": dict(share=0.1),
    "projects": dict(project="li mine aus", capacity=5),
}
assert set(DUPLICATES) == {s.name for s in S.SHEETS if s.key}, "a keyed sheet has no duplicate-key case"
for _sheet, _changes in DUPLICATES.items():
    _sheets, _row = dup(_sheet, **_changes)
    CELL_CASES.append((f"duplicate key on {_sheet}", _sheets, cell(_sheet, _row, S.SHEET_BY_NAME[_sheet].key[0]),
                       S.SHEET_BY_NAME[_sheet].key[0], ["repeats the key of row 2", "each key may appear once"]))

# A blank required cell, and text in a numeric column, for every such column of every sheet.
for _spec in S.SHEETS:
    for _col in _spec.columns:
        if _spec.name == "settings":
            continue  # settings values are checked by key, above
        if _col.required:
            CELL_CASES.append((f"blank {_spec.name}.{_col.name}", edit((_spec.name, 2, _col.name, None)),
                               cell(_spec.name, 2, _col.name), _col.name, ["is blank", "expected"]))
        if _col.kind == S.NUMBER:
            CELL_CASES.append((f"text in {_spec.name}.{_col.name}", edit((_spec.name, 2, _col.name, "TBD")),
                               cell(_spec.name, 2, _col.name), _col.name, ["got 'TBD'", "expected a"]))
CELL_CASES.append(("blank settings.key", edit(("settings", 2, "key", None)), cell("settings", 2, "key"), "key",
                   ["is blank"]))
CELL_CASES.append(("blank settings.value", edit(("settings", 2, "value", None)), cell("settings", 2, "value"),
                   "value", ["is blank"]))


@pytest.mark.parametrize("sheets, where, column, texts", [pytest.param(*c[1:], id=c[0]) for c in CELL_CASES])
def test_cell_problem_is_refused_and_located(tmp_path, capsys, sheets, where, column, texts):
    problems = run_refused(tmp_path, capsys, sheets)
    mine = [p for p in problems if p.startswith(f"  {where}  column '{column}': ")]
    assert mine, f"no problem at {where} (column {column!r}) in:\n" + "\n".join(problems)
    for text in texts:
        assert any(text in p for p in mine), f"{text!r} not in {mine}"


def _without_sheet(name):
    sheets = base_sheets()
    del sheets[name]
    return sheets


def _without_column(sheet, column):
    return drop_column(base_sheets(), sheet, column)


SHEET_CASES = [
    pytest.param(_without_sheet(s.name), s.name, ["required sheet is missing", "found sheets: minerals"]
                 if s.name != "minerals" else ["required sheet is missing", "found sheets: countries"],
                 id=f"missing sheet {s.name}")
    for s in S.SHEETS if s.required
] + [
    pytest.param(_without_column(s.name, c.name), s.name,
                 [f"required column '{c.name}' is missing", "found: "], id=f"missing column {s.name}.{c.name}")
    for s in S.SHEETS for c in s.columns if c.required
]


@pytest.mark.parametrize("sheets, sheet, texts", SHEET_CASES)
def test_sheet_or_column_problem_names_the_sheet(tmp_path, capsys, sheets, sheet, texts):
    problems = run_refused(tmp_path, capsys, sheets)
    mine = [p for p in problems if p.startswith(f"  {sheet}  ")]
    assert mine, problems
    for text in texts:
        assert any(text in p for p in mine), f"{text!r} not in {mine}"


def test_missing_column_lists_what_was_found(tmp_path, capsys):
    sheets = base_sheets()
    sheets["supply"][0][3] = "capacity (t)"
    problems = run_refused(tmp_path, capsys, sheets)
    assert problems == ["  supply  required column 'capacity' is missing; found: mineral, country, period, "
                        "capacity (t), cost (did you mean 'capacity (t)'?)"]


def test_all_problems_listed_at_once_sorted_by_sheet_and_row(tmp_path, capsys):
    sheets = edit(("supply", 4, "capacity", -5),  # written first, listed last: supply sorts after the others
                  ("minerals", 2, "unmet_penalty", "lots"),
                  ("demand", 2, "demand", -1),
                  ("supply", 2, "country", "Chinaa"))
    inp = tmp_path / "in.xlsx"
    problems = run_refused(tmp_path, capsys, sheets)
    assert problems == [
        "  demand!D2  column 'demand': got -1; expected a number >= 0 (t).",
        "  minerals!D2  column 'unmet_penalty': got 'lots'; expected a number >= 0 (currency/t).",
        "  supply!B2  column 'country': got 'CHINAA'; expected a country on sheet 'countries' (did you mean 'CHN'?).",
        "  supply!D4  column 'capacity': got -5; expected a number >= 0 (t).",
    ]
    assert inp.exists()


def test_three_errors_three_lines_exact_first_line(tmp_path, capsys):
    sheets = edit(("supply", 3, "capacity", -5), ("refining", 2, "country", "USB"), ("periods", 2, "years", 0))
    inp = write_workbook(tmp_path / "three.xlsx", sheets)
    rc = main(["solve", str(inp), "-o", str(tmp_path / "out.xlsx"), "-q"])
    lines = capsys.readouterr().err.splitlines()
    assert rc == 2
    assert lines[0] == f"{inp} has 3 problems:"
    assert lines[1:] == [
        "  periods!B2  column 'years': got 0; expected a number > 0 (years).",
        "  refining!B2  column 'country': got 'USB'; expected a country on sheet 'countries' (did you mean 'USA' or 'AUS'?).",
        "  supply!D3  column 'capacity': got -5; expected a number >= 0 (t).",
    ]
    assert not (tmp_path / "out.xlsx").exists()


def test_one_problem_is_singular(tmp_path, capsys):
    inp = write_workbook(tmp_path / "one.xlsx", edit(("supply", 3, "capacity", -5)))
    assert main(["validate", str(inp)]) == 2
    assert capsys.readouterr().err.splitlines()[0] == f"{inp} has 1 problem:"


def test_long_lists_are_capped(tmp_path, capsys):
    sheets = base_sheets()
    for i in range(80):
        sheets["supply"].append(["Li", f"X{i:02d}", None, -1, 1])
    inp = write_workbook(tmp_path / "many.xlsx", sheets)
    assert main(["validate", str(inp)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == f"{inp} has 160 problems:"
    assert lines[-1] == "  ... and 110 more (fix these first, then run again)."
    assert len(lines) == 52


def test_unknown_names_are_matched_case_insensitively_before_refusing(tmp_path, capsys):
    """A different case or surrounding spaces is not an unknown name (Conventions)."""
    sheets = edit(("supply", 2, "mineral", " li "), ("supply", 2, "country", "aus"), ("demand", 2, "period", "2026"),
                  ("shares", 2, "scope", "feoc"))
    inp = write_workbook(tmp_path / "ok.xlsx", sheets)
    assert main(["validate", str(inp), "-q"]) == 0, capsys.readouterr().err


def test_write_base_is_valid(tmp_path, capsys):
    inp = write_base(tmp_path / "base.xlsx")
    assert main(["validate", str(inp), "-q"]) == 0, capsys.readouterr().err


def test_ownership_shares_above_one_in_sum_are_refused(tmp_path, capsys):
    # AUS owns 0.6 and USA 0.5 of China's cobalt refining: 1.1 of it. The blank-mineral row for USA applies to Co
    # too; the Co row for AUS overrides the blank AUS row, so only the rows in effect add up (Li: 0.4 + 0.5).
    sheets = base_sheets()
    sheets["ownership"] = [columns("ownership"),
                           ["refining", "CHN", "AUS", 0.6, "Co"],
                           ["refining", "CHN", "USA", 0.5, None],
                           ["refining", "CHN", "AUS", 0.4, None]]  # overridden by row 2 for Co
    problems = run_refused(tmp_path, capsys, sheets)
    assert problems == ["  ownership!D3  column 'share': shares of refining capacity in CHN for Co add up to 1.1 "
                        "(rows 2, 3); expected at most 1."]

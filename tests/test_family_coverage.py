"""Every constraint family of the model binds in a hand-solved case: a nonzero dual, or another optimum without it.

A family added to the model without such a case fails ``test_every_family_has_a_binding_case``,
which reads the families from the code (every ``row_family("name", ...)`` call of planner/model), not
from a workbook that may not use them all; a case that stops exercising its family (the family no
longer decides the answer) fails ``test_family_binds_in_its_case``.

Two more guards on what the tests can see: property tests that CI runs draw the same examples every run,
and the openpyxl internals the reader runs are there (an upgrade fails by name, not as a random crash).
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from planner.api import validate
from planner.input.read import _sparse_rows
from planner.model.build import build_model, numbers_for
from planner.model.constraints.budget import budget_units
from planner.solver import HighsSession
from tests.test_frontier import three_sources
from tests.test_hand_solved import CASES
from tests.test_version3_rules import copper_and_cobalt, mine_and_refinery
from tests.workbooks import table, write_workbook

ROOT = Path(__file__).resolve().parents[1]
CASE_SHEETS = {case.id: case.values[0] for case in CASES}

# Cases of this file, for the families tests/test_hand_solved.py has none for: sheets, the optimum, and
# family -> (|dual| of its binding row, the optimum with the family switched off; None for an == family).
OWN_CASES = {
    # A candidate mine in the USA, 50 t/period at 5/t plus 1/t of capacity per year, against AUS's ore at
    # 20/t; refining in the USA 5/t; the USA needs 100 t in 2026 and in 2027. Built whole in 2026 (each
    # of its tonnes saves 20 - 5 - 1 = 14), it serves 50 t a period, AUS the rest; per period
    #     50 x 5 + 50 x 1 + 50 x 20 + 100 x 5 = 250 + 50 + 1000 + 500 = 1800, both periods 3600.
    # project_capacity: a tonne more of the mine's capacity saves 20 - 5 = 15 (the fixed cost is on
    # online, not on the row); without the row the mine serves all 200 t unbuilt: 200 x (5 + 5) = 2000.
    # build_once: building it once more in 2027 (online 2) saves 50 x (20 - 5 - 1) = 700 there; without
    # the row, 2026 1800 + 2027 (100 x 5 + 100 x 1 + 100 x 5 = 1100) = 2900.
    "project_built_once": (
        {
            "minerals": table("mineral, unmet_penalty", ("Li", 1000)),
            "countries": table("country", ("AUS",), ("USA",)),
            "periods": table("period", (2026,), (2027,)),
            "supply": table("mineral, country, capacity, cost", ("Li", "AUS", 1000, 20)),
            "refining": table("mineral, country, capacity, cost", ("Li", "USA", 1000, 5)),
            "demand": table("mineral, market, period, demand", ("Li", "USA", 2026, 100), ("Li", "USA", 2027, 100)),
            "projects": table("project, stage, mineral, country, capacity, cost, fixed_cost",
                              ("mine", "supply", "Li", "USA", 50, 5, 1)),
        },
        3600,
        {"project_capacity": (15, 2000), "build_once": (700, 2900)},
    ),
    # Chain of custody (tests/test_version2.py): mines CHN 10/t and AUS 20/t feed one refinery, KOR (free);
    # EU and USA need 100 t each; no mine country may hold more than 60% of the raw tonnes in what the EU
    # receives. KOR assigns 40 t of AUS ore to the EU: 160 x 10 + 40 x 20 = 2400.
    # share_max (CHN's EU row): a tonne more of CHN in the EU's 100 t saves 20 - 10 = 10.
    # market_total: total[EU] enters CHN's row at -0.6: 0.6 x 10 = 6.
    # path_ship: a tonne for the EU costs 0.6 x 10 + 0.4 x 20 = 14 against 10 from KOR's output: 4.
    # path_flow: a tonne of AUS ore counted for the EU without being mined saves 20 - 10 = 10; without the
    # row the EU's 40 t of AUS are never mined: 200 x 10 = 2000.
    "market_supply_rule": (
        {
            "minerals": table("mineral, unmet_penalty", ("Li", 1000)),
            "countries": table("country", ("CHN",), ("AUS",), ("KOR",)),
            "periods": table("period", (2026,)),
            "supply": table("mineral, country, capacity, cost", ("Li", "CHN", 1000, 10), ("Li", "AUS", 1000, 20)),
            "refining": table("mineral, country, capacity, cost", ("Li", "KOR", 1000, 0)),
            "demand": table("mineral, market, period, demand", ("Li", "EU", 2026, 100), ("Li", "USA", 2026, 100)),
            "shares": table("stage, scope, market, max_share", ("supply", "*", "EU", 0.6)),
        },
        2400,
        {"market_total": (6, None), "path_flow": (10, 2000), "path_ship": (4, None)},
    ),
    # Bid steps (Version 3): the USA bids 100/t for 60 t and 12/t for 40 t; AUS ore 10/t, refining in the USA
    # 5/t, so a tonne delivered costs 15: the 60 t are served and the 40 t priced out at 12:
    #     60 x 15 + 40 x 12 = 900 + 480 = 1380.
    # demand_steps: unmet costs nothing itself and meets the market balance, whose dual is 15 (a tonne more
    # of demand is delivered, the 12/t step being all priced out): its dual is that 15.
    "bid_steps": (
        {
            "minerals": table("mineral, unmet_penalty", ("Li", 1000)),
            "countries": table("country", ("AUS",), ("USA",)),
            "periods": table("period", (2026,)),
            "supply": table("mineral, country, capacity, cost", ("Li", "AUS", 1000, 10)),
            "refining": table("mineral, country, capacity, cost", ("Li", "USA", 1000, 5)),
            "demand": table("mineral, market, period, demand", ("Li", "USA", 2026, 100)),
            "demand_curve": table("mineral, market, period, tonnes, price",
                                  ("Li", "USA", 2026, 60, 100), ("Li", "USA", 2026, 40, 12)),
        },
        1380,
        {"demand_steps": (15, None)},
    ),
    # A budget (Version 3): the USA may buy stock at 12/t before 2026 (a tonne delivered costs 15) with 600 of
    # money: 50 t bought, 50 delivered: 600 + 750 = 1350.
    # budget: one more unit of money buys 1/12 t that saves 15: 15/12 - 1 = 0.25; without the row all 100 t
    # are bought: 1200.
    "stock_on_a_budget": (
        {
            "minerals": table("mineral, unmet_penalty", ("Li", 1000)),
            "countries": table("country", ("AUS",), ("USA",)),
            "periods": table("period", (2026,)),
            "supply": table("mineral, country, capacity, cost", ("Li", "AUS", 1000, 10)),
            "refining": table("mineral, country, capacity, cost", ("Li", "USA", 1000, 5)),
            "demand": table("mineral, market, period, demand", ("Li", "USA", 2026, 100)),
            "reserve": table("mineral, market, max_stock, purchase_price", ("Li", "USA", 100, 12)),
            "budgets": table("budget, amount", ("vault", 600)),
        },
        1350,
        {"budget": (0.25, 1200)},
    ),
    # tests/test_version3_rules.py: the KOR mine requires the KOR refinery, which cannot stand before 2027:
    # 8,000. requires binds in 2026 (the mine a year earlier would save 100 x 45 less its fixed 100: 4,400)
    # and in 2027 (the mine without the refinery would save the refinery's 2,000); without the rows the mine
    # stands from 2026 and the refinery is never built: 1,600.
    "mine_requires_refinery": (mine_and_refinery(), 8000, {"requires": (4400, 1600)}),
    # tests/test_version3_rules.py: COD mines cobalt at most 0.1 x its copper: 10 t of the 50, the rest from
    # AUS at 31 against 11: 1,950; a t more allowed saves 20; without the row all cobalt from COD: 1,150.
    "cobalt_with_copper": (copper_and_cobalt(), 1950, {"byproduct": (20, 1150)}),
}
CASE_SHEETS.update({name: sheets for name, (sheets, _cost, _binds) in OWN_CASES.items()})

# family -> the hand-solved case (tests/test_hand_solved.py) where that family decides the answer
BINDING_CASES = {
    "supply_capacity": "supply_capacity",
    "refining_balance": "refining_yield",
    "refining_capacity": "refining_capacity",
    "dispatch": "dispatch",
    "market_balance": "market_balance",
    "reserve_target": "reserve_min_days_half_years",
    "stage_total": "share_star_max",
    "share_max": "share_country_max",
    "share_min": "share_min",
    "project_capacity": "project_built_once",
    "build_once": "project_built_once",
    "market_total": "market_supply_rule",
    "path_flow": "market_supply_rule",
    "path_ship": "market_supply_rule",
    "demand_steps": "bid_steps",
    "budget": "stock_on_a_budget",
    "requires": "mine_requires_refinery",
    "byproduct": "cobalt_with_copper",
}
# Families of commands other than solve, with their own binding checks: frontier_cap in
# test_frontier_cap_binds below.
OTHER_FAMILIES = {"frontier_cap"}


def model_families() -> set[str]:
    """Every row family the model can build: the names of the ``row_family("name", ...)`` calls of the
    model layer (planner/model: the constraint modules, their helpers, the frontier caps)."""
    names = set()
    for path in sorted((ROOT / "planner" / "model").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "row_family":
                name = node.args[0] if node.args else None
                assert isinstance(name, ast.Constant) and isinstance(name.value, str), (
                    f"{path.relative_to(ROOT)}:{node.lineno}: a row family named by an expression, "
                    "which this guard cannot read: name it with a string literal")
                names.add(name.value)
    return names


def test_every_family_has_a_binding_case():
    families = model_families()
    missing = families - set(BINDING_CASES) - OTHER_FAMILIES
    assert not missing, f"constraint families without a binding case: {sorted(missing)}"
    gone = (set(BINDING_CASES) | OTHER_FAMILIES) - families
    assert not gone, f"binding cases for families the model no longer builds: {sorted(gone)}"


def test_the_code_scan_sees_every_family_a_model_builds():
    # The scan must not miss a family a real model has: the example workbook's, with a frontier cap.
    data = validate(ROOT / "inputs" / "example.xlsx")
    model = build_model(data, frontier_pairs=(("lithium", "supply"),))
    assert set(model.rows) <= model_families()
    assert {"build_once", "market_total", "path_flow", "path_ship", "project_capacity"} <= model_families()


def solved(tmp_path, sheets):
    data = validate(write_workbook(tmp_path / "case.xlsx", sheets))
    model = build_model(data)
    session = HighsSession(model)
    solution = session.solve()
    assert solution.optimal
    return data, model, session, solution


@pytest.mark.parametrize("family, case", sorted(BINDING_CASES.items()))
def test_family_binds_in_its_case(tmp_path, family, case):
    data, model, session, solution = solved(tmp_path, CASE_SHEETS[case])
    rows = model.rows[family].rows
    assert rows, f"case {case} builds no {family} row"
    dual = np.abs(solution.row_dual[rows]).max()
    if dual > 1e-9:
        return
    # A zero dual can hide a binding limit on a degenerate optimum: then the optimum must move without it.
    assert model.rows[family].sense != "==", f"{family}: every dual is 0 in case {case}"
    relaxed = session.solve(numbers_for(model, data, relax=(family,)))
    assert relaxed.objective < solution.objective - 1e-6, f"{family} does not bind in case {case}"


@pytest.mark.parametrize("case", sorted(OWN_CASES))
def test_own_cases_reach_their_hand_worked_optimum_and_duals(tmp_path, case):
    sheets, cost, binds = OWN_CASES[case]
    data, model, session, solution = solved(tmp_path, sheets)
    assert solution.objective == pytest.approx(cost)
    for family, (dual, relaxed) in binds.items():
        duals = solution.row_dual[model.rows[family].rows]
        if family == "budget":  # its row counts money in units of its dearest stock: the dual per unit of money
            duals = duals / budget_units(model, data)
        assert np.abs(duals).max() == pytest.approx(dual), family
        if relaxed is not None:
            assert session.solve(numbers_for(model, data, relax=(family,))).objective == pytest.approx(relaxed)
            session.solve(numbers_for(model, data))


def test_frontier_cap_binds(tmp_path):
    # Three sources at 10, 15 and 20 per t: a 50% cap on any one moves 50 t from the cheapest to the next.
    data = validate(write_workbook(tmp_path / "three.xlsx", three_sources()))
    model = build_model(data, frontier_pairs=(("li", "supply"),))
    session = HighsSession(model)
    session.solve(numbers_for(model, data, relax=("share_max",)))
    session.set_coefficients(model.frontier_cells[("li", "supply")], -0.5)
    capped = session.solve()
    assert capped.objective == pytest.approx(1250)
    assert np.abs(capped.row_dual[model.rows["frontier_cap"].rows]).max() > 1e-9


# --- what else the tests must see -------------------------------------------------------------------------------

# Test files whose hypothesis tests CI runs on a fixed set of draws: a landing never depends on a fresh draw.
DERANDOMIZED = ("test_blocks.py", "test_hostile_input.py")


def _decorator_name(node: ast.expr) -> str | None:
    target = node.func if isinstance(node, ast.Call) else node
    return target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)


@pytest.mark.parametrize("name", DERANDOMIZED)
def test_property_tests_draw_the_same_examples_every_run(name):
    tree = ast.parse((ROOT / "tests" / name).read_text(encoding="utf-8"))
    fresh = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        decorators = {_decorator_name(d): d for d in node.decorator_list}
        if "given" not in decorators:
            continue
        chosen = decorators.get("settings")
        keywords = chosen.keywords if isinstance(chosen, ast.Call) else []
        if not any(k.arg == "derandomize" and isinstance(k.value, ast.Constant) and k.value.value is True
                   for k in keywords):
            fresh.append(node.name)
    assert not fresh, f"{name}: hypothesis tests drawing fresh examples each run (add derandomize=True): {fresh}"


def test_the_openpyxl_internals_the_reader_uses_are_there(tmp_path):
    # planner/input/read.py runs openpyxl's private sheet parser to read only the cells a sheet stores
    # (pyproject.toml keeps openpyxl below 3.2 for it). A release that moves any of it must fail here, by
    # name: in the reader it would surface as "a damaged sheet" on every workbook.
    import openpyxl
    from openpyxl import load_workbook

    fix = (f"openpyxl {openpyxl.__version__}: planner/input/read.py (_sparse_rows, _bad_cells) relies on it; "
           "adapt the reader to this openpyxl or keep openpyxl below 3.2 (pyproject.toml, constraints.txt)")
    try:
        from openpyxl.worksheet._reader import WorkSheetParser
    except ImportError:
        pytest.fail(f"openpyxl.worksheet._reader.WorkSheetParser is gone in {fix}")
    import inspect

    wanted = {"src", "shared_strings", "data_only", "epoch", "date_formats", "timedelta_formats"}
    missing = wanted - set(inspect.signature(WorkSheetParser).parameters)
    assert not missing, f"WorkSheetParser takes no {sorted(missing)} in {fix}"
    assert callable(getattr(WorkSheetParser, "parse", None)), f"WorkSheetParser.parse is gone in {fix}"
    path = write_workbook(tmp_path / "cells.xlsx", {"s": [["a", None, "c"], [1, None, 2.5]]})
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb["s"]
        for owner, attribute in ((ws, "_get_source"), (ws, "_shared_strings"), (wb, "_date_formats"),
                                 (wb, "_timedelta_formats"), (wb, "_archive"), (wb, "epoch")):
            assert hasattr(owner, attribute), f"{type(owner).__name__}.{attribute} is gone in {fix}"
        # The parser's rows as the reader takes them: (Excel row, {column: value}), only the stored cells.
        assert list(_sparse_rows(ws)) == [(1, {1: "a", 3: "c"}), (2, {1: 1, 3: 2.5})], f"the parser's rows changed in {fix}"
    finally:
        wb.close()

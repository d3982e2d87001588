"""A column given twice in one row is one matrix entry, the sum of its coefficients.

HiGHS refuses a row-wise matrix that repeats a column in a row (``passModel`` returns an error), so
a valid workbook whose rule counts one column twice (an owner-basis group share where two members
own parts of one country's capacity) stopped the run with exit 2 while CBC, through PuLP, summed
the terms and solved it. ``LinearProgram.add_row`` sums repeated columns, so every row family,
every solver and every consumer of the matrix (hedge stacking, coefficient changes per scenario,
LP/MPS export) sees one entry per (row, column).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.api import validate
from planner.cli import main
from planner.model import core
from planner.model.build import build_model, coefficient_cells, numbers_for
from planner.model.core import LE, LinearProgram
from planner.model.pulp_export import to_pulp
from planner.model.stack import stack
from planner.solver import CbcSession, HighsSession
from tests.checks import check_plan
from tests.workbooks import table, write_workbook

# --- (a) the workbook of the report: a Russian refinery 60% owned by Chinese companies, FEOC = CHN, RUS ----------


def feoc_owner_book(market=None, solver="highs"):
    """Mining PHL 10/t; refining RUS 1/t (60% owned by CHN), CHN 2/t, AUS 5/t; the USA needs 100 t; FEOC
    (CHN and RUS) may hold at most 50% of refining, counted by owner (on the whole plan, or on what the
    USA receives)."""
    return {
        "minerals": table("mineral, raw_price, refined_price, unmet_penalty", ("li", 10, 20, 1000)),
        "periods": table("period", (2026,)),
        "countries": table("country, groups", ("PHL", None), ("RUS", "FEOC"), ("CHN", "FEOC"), ("AUS", None)),
        "supply": table("mineral, country, capacity, cost", ("li", "PHL", 1000, 10)),
        "refining": table("mineral, country, capacity, cost",
                          ("li", "RUS", 1000, 1), ("li", "CHN", 1000, 2), ("li", "AUS", 1000, 5)),
        "demand": table("mineral, market, period, demand", ("li", "USA", 2026, 100)),
        "ownership": table("stage, country, owner, share", ("refining", "RUS", "CHN", 0.6)),
        "shares": table("stage, scope, market, basis, max_share", ("refining", "FEOC", market, "owner", 0.5)),
        "settings": table("key, value", ("solver", solver)),
    }


def plan_cost(tmp_path, sheets, name) -> tuple[float, pd.DataFrame]:
    inp = write_workbook(tmp_path / f"{name}.xlsx", sheets)
    out = tmp_path / f"{name}-plan.xlsx"
    assert main(["solve", str(inp), "-o", str(out), "-q"]) == 0
    check_plan(inp, out)
    sheets_out = pd.read_excel(out, sheet_name=None)
    cost = float(sheets_out["Scenarios"].set_index("scenario").loc["base", "total_cost"])
    return cost, sheets_out["Refining"].set_index("refiner")["output_tonnes"]


@pytest.mark.parametrize("market", [None, "USA"])
def test_owner_basis_group_counts_a_refinery_shared_by_two_members_once_in_full(tmp_path, market):
    # By owner, FEOC holds CHN's 60% of RUS, RUS's own 40% of RUS and all of CHN: RUS's output enters
    # FEOC's row twice, 0.6 + 0.4 = 1 x out[RUS]. So out[RUS] + out[CHN] <= 0.5 x 100 = 50: RUS (1/t)
    # refines 50, AUS (5/t) the other 50, CHN (2/t, FEOC too) nothing:
    #     100 x 10 + 50 x 1 + 50 x 5 = 1000 + 50 + 250 = 1300.
    # Wrong readings: CHN's 0.6 alone (the first term kept): 0.6 RUS <= 50, RUS 83.33, AUS 16.67:
    # 1000 + 83.33 + 83.33 = 1166.67; RUS's 0.4 alone (the last term kept): 0.4 x 100 <= 50, RUS 100: 1100.
    highs, refining = plan_cost(tmp_path, feoc_owner_book(market), "highs")
    assert highs == pytest.approx(1300)
    assert refining["RUS"] == pytest.approx(50) and refining["AUS"] == pytest.approx(50)
    assert refining.get("CHN", 0.0) == pytest.approx(0.0, abs=1e-9)
    cbc, _ = plan_cost(tmp_path, feoc_owner_book(market, solver="cbc"), "cbc")
    assert cbc == pytest.approx(highs, rel=1e-9)


def test_the_shared_refinery_is_one_summed_entry_of_the_group_row(tmp_path):
    data = validate(write_workbook(tmp_path / "in.xlsx", feoc_owner_book()))
    model = build_model(data)
    starts, index, value = model.matrix()
    (row,) = model.rows["share_max"].rows
    entries = dict(zip(index[starts[row]:starts[row + 1]].tolist(), value[starts[row]:starts[row + 1]].tolist()))
    out = model.vars.out
    assert entries[out[("li", "RUS", "2026")]] == pytest.approx(1.0)  # 0.6 (CHN's) + 0.4 (RUS's own)
    assert entries[out[("li", "CHN", "2026")]] == pytest.approx(1.0)
    assert entries[model.vars.stage_total[("li", "refining", "2026")]] == pytest.approx(-0.5)
    assert model.num_nonzeros == len(index) == starts[-1]


# --- (b) every row family, and the LinearProgram itself, survive a repeated column ---------------------------------


def test_add_row_sums_a_repeated_column_into_one_entry():
    # min -x - y  s.t.  x + y + x <= 4 (that is 2x + y <= 4), x <= 1.5, y <= 3: at (0.5, 3), cost -3.5.
    # Read with the last x only (x + y <= 4): (1, 3), cost -4; with x twice unsummed HiGHS refuses the model.
    lp = LinearProgram("tiny")
    cols = lp.add_columns("v", [("x",), ("y",)], upper=lambda k: {"x": 1.5, "y": 3.0}[k[0]])
    x, y = cols[("x",)], cols[("y",)]
    family = lp.row_family("cap", LE, lambda data, key: 4.0)
    row = lp.add_row(family, ("cap",), [(x, 1.0), (y, 1.0), (x, 1.0)], 4.0)
    lp.add_row(family, ("lone",), [(y, 2.0), (y, -2.0)], 4.0)  # a column whose terms cancel: one entry 0
    lp.set_objective({"cost": np.array([-1.0, -1.0])})
    starts, index, value = lp.matrix()
    assert starts.tolist() == [0, 2, 3] and lp.num_nonzeros == 3
    assert index.tolist() == [x, y, y]  # in the order columns first appear
    assert value.tolist() == [2.0, 1.0, 0.0]
    assert lp.rows["cap"].rows == [row, row + 1]
    solution = HighsSession(lp).solve()
    assert solution.optimal
    assert solution.objective == pytest.approx(-3.5)
    assert solution.x.tolist() == pytest.approx([0.5, 3.0])
    assert CbcSession(lp).solve().objective == pytest.approx(-3.5)


@pytest.fixture(scope="module")
def every_family(tmp_path_factory):
    """The generator's small version 2 world (projects, market and owner rules, soft limits, paths) with
    demand that answers to price, stock bought on a budget, a project that requires another, a by-product and a frontier cap: a model with every row family, built as usual and
    with every term of every row given twice at half its coefficient (a/2 + a/2 = a exactly in floating
    point)."""
    from openpyxl import load_workbook

    from benchmarks.generate import generate_preset

    path = generate_preset(tmp_path_factory.mktemp("world") / "small.xlsx", "small")
    wb = load_workbook(path)
    wb["settings"].append(["elasticity", -0.5])  # every demand row elastic: the demand_steps rows
    reserve = wb["reserve"]  # stock bought up front on a budget: the budget rows
    column = reserve.max_column + 1
    reserve.cell(1, column, "purchase_price")
    for row in range(2, reserve.max_row + 1):
        reserve.cell(row, column, 1000)
    wb.create_sheet("budgets").append(["budget", "amount"])
    wb["budgets"].append(["vault", 1e6])
    projects = wb["projects"]  # the first project requires the second: the requires rows
    column = projects.max_column + 1
    projects.cell(1, column, "requires")
    projects.cell(2, column, projects.cell(3, 1).value)
    first, second = [wb["minerals"].cell(r, 1).value for r in (2, 3)]  # a by-product: the byproduct rows
    wb.create_sheet("byproducts").append(["mineral", "host", "ratio"])
    wb["byproducts"].append([second, first, 0.5])
    wb.save(path)
    data = validate(path)
    pairs = tuple((m, stage) for m in data.minerals for stage in ("supply", "refining"))
    plain = build_model(data, frontier_pairs=pairs)
    add_row = LinearProgram.add_row

    def halves(self, family, key, terms, rhs):
        return add_row(self, family, key, [(c, a / 2) for c, a in terms for _ in range(2)], rhs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(core.LinearProgram, "add_row", halves)
        doubled = build_model(data, frontier_pairs=pairs)
    return data, plain, doubled


def test_every_family_is_built_in_the_doubled_model(every_family):
    from tests.test_family_coverage import model_families

    _data, plain, doubled = every_family
    assert set(doubled.rows) == set(plain.rows) == model_families()
    assert all(doubled.rows[name].rows for name in doubled.rows)


def test_every_family_keeps_its_matrix_when_every_term_is_given_twice(every_family):
    _data, plain, doubled = every_family
    for a, b in zip(plain.matrix(), doubled.matrix()):
        assert np.array_equal(a, b)
    assert doubled.num_nonzeros == plain.num_nonzeros
    for name, family in plain.rows.items():
        assert doubled.rows[name].rows == family.rows and doubled.rows[name].keys == family.keys, name
    assert coefficient_cells(doubled) == coefficient_cells(plain)


def test_coefficient_cells_hold_their_family_value_in_the_summed_matrix(every_family):
    # A scenario changes a project's capacity by setting its entry (HiGHS changeCoeff, PuLP's constraint
    # term, the hedge's stacked values): the entry must be the whole coefficient, as built.
    data, _plain, doubled = every_family
    starts, index, value = doubled.matrix()
    built = []
    for row, col in coefficient_cells(doubled):
        hits = np.flatnonzero(index[starts[row]:starts[row + 1]] == col)
        assert hits.size == 1
        built.append(value[starts[row] + hits[0]])
    assert built and np.array_equal(np.array(built), numbers_for(doubled, data).coefficients)


def test_the_doubled_model_solves_as_the_plain_one_on_every_path(every_family):
    data, plain, doubled = every_family
    base = [HighsSession(m).solve() for m in (plain, doubled)]  # HiGHS takes the doubled model's arrays
    assert base[0].optimal and base[1].optimal
    assert base[1].objective == pytest.approx(base[0].objective, rel=1e-9)
    assert CbcSession(doubled).solve().objective == pytest.approx(base[0].objective, rel=1e-7)
    # Every project half as large: HiGHS changes the entries one by one (changeCoeff).
    half = numbers_for(plain, data)
    half.coefficients = half.coefficients * 0.5
    scaled = [HighsSession(m).solve(half).objective for m in (plain, doubled)]
    assert scaled[1] == pytest.approx(scaled[0], rel=1e-9)
    assert scaled[0] != pytest.approx(base[0].objective, rel=1e-6)  # the change reached the optimum
    # PuLP (CBC, LP/MPS files) holds one term per entry and sets the changed ones to the scenario's value.
    problem = to_pulp(doubled, half)
    assert sum(len(list(c.items())) for c in problem.constraints) == doubled.num_nonzeros
    names = [v.name for v in problem.variables]
    for (row, col), want in zip(problem.cells, half.coefficients.tolist()):
        terms = {v.name: a for v, a in problem.constraints[row].items()}
        assert terms[names[col]] == want
    # The hedge's stacked matrix is made from the summed matrix too.
    hedged = [stack(m, [numbers_for(m, data), half], [0.5, 0.5]).lp for m in (plain, doubled)]
    for a, b in zip(hedged[0].matrix(), hedged[1].matrix()):
        assert np.array_equal(a, b)

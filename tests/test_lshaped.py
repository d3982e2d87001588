"""The hedge by decomposition (L-shaped, multi-cut) gives the extensive form's hedge.

The method alone on a newsvendor worked by hand; the sign of HiGHS' reduced costs, which the cuts
are made of; then the planner's hedge both ways on the hand cases of version 2 and of stockpiles
(projects, all-or-nothing projects, stock, a budget across minerals), on the example, on generated
worlds with all-or-nothing projects and stock bought, and with 1 and 2 worker processes.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from benchmarks.generate import build_tables, write_xlsx
from planner import api
from planner.analysis import lshaped
from planner.cli import main
from planner.input.scenarios import apply_scenario, scenario_names
from planner.model.build import build_model, numbers_for
from planner.model.stack import decision_columns
from planner.progress import Progress
from planner.solver.benders import STALL_WINDOW, Master, MasterSolution, Recourse, SharedRows, l_shaped
from planner.solver.highs import new_highs
from planner.solver.solution import OPTIMAL
from tests import test_budget_pricing, test_stockpiles, test_version2
from tests.workbooks import table, write_workbook

DECOMPOSED = "decomposition (L-shaped, multi-cut)"


# -- the method alone ---------------------------------------------------------------------------------------------

def newsvendor(b: np.ndarray) -> list[Recourse]:
    # Demand 3 or 7 (probability 1/2 each); a unit short costs 4: Q_s(b) = 4 max(0, d_s - b), slope -4 below d_s.
    return [Recourse("Optimal", 4 * max(0.0, d - b[0]), np.array([-4.0 if b[0] < d else 0.0])) for d in (3, 7)]


@pytest.mark.parametrize("integer", [False, True])
def test_the_method_stocks_a_newsvendor_to_the_high_demand(integer):
    # A unit costs 1 (0 <= b <= 10). Expected cost b + 2 max(0, 3 - b) + 2 max(0, 7 - b): slope -3 below 3, -1
    # between 3 and 7, +1 above. b = 7, expected cost 7.
    master = Master(np.array([1.0]), np.array([0.0]), np.array([10.0]), np.array([integer]), [0.5, 0.5])
    found = l_shaped(master, newsvendor, np.array([0.0]))
    assert found.optimal
    assert found.decisions == pytest.approx([7.0])
    assert found.upper == pytest.approx(7.0) and found.lower == pytest.approx(7.0)
    assert found.gap <= 1e-6


def test_a_cap_on_one_scenario_keeps_its_cost_within_the_limit():
    # Capping the low-demand scenario's whole cost, b + 4 max(0, 3 - b) <= 5, allows 3 <= b <= 5: b = 5,
    # expected 5 + 0 + 2 x (7 - 5) = 9. The cuts of the first run hold for the second.
    master = Master(np.array([1.0]), np.array([0.0]), np.array([10.0]), np.array([False]), [0.5, 0.5])
    assert l_shaped(master, newsvendor, np.array([0.0])).decisions == pytest.approx([7.0])
    master.cap(0, np.array([1.0]), 5.0)
    found = l_shaped(master, newsvendor, np.array([3.0]))
    assert found.optimal
    assert found.decisions == pytest.approx([5.0])
    assert found.upper == pytest.approx(9.0)


def test_a_scenario_that_is_not_optimal_stops_the_method_naming_it():
    def evaluate(b):
        return [newsvendor(b)[0], Recourse("Infeasible")]

    master = Master(np.array([1.0]), np.array([0.0]), np.array([10.0]), np.array([False]), [0.5, 0.5])
    found = l_shaped(master, evaluate, np.array([0.0]))
    assert found.status == "Infeasible" and found.failed == 1 and not found.optimal


def test_a_slope_per_tonne_far_below_the_cost_still_cuts_where_the_tonnes_are_many():
    # A reserve's worth, at the scale of a national plan: each tonne bought (0 <= b <= 1e6) costs 100 and saves
    # 500 of a scenario costing 1e12: Q(b) = 1e12 + 500 max(0, 5e5 - b). Optimum b = 5e5, cost 1e12 + 5e7.
    # In the master's units (money / the first scenario's cost) the slope is 2.5e-10 a tonne, which HiGHS drops
    # as a matrix entry (|a| <= 1e-9): the cut lost its slope and the method stopped at b = 0, 2e8 too dear.
    def reserve(b):
        return [Recourse("Optimal", 1e12 + 500 * max(0.0, 5e5 - b[0]), np.array([-500.0 if b[0] < 5e5 else 0.0]))]

    master = Master(np.array([100.0]), np.array([0.0]), np.array([1e6]), np.array([False]), [1.0])
    found = l_shaped(master, reserve, np.array([0.0]))
    assert found.optimal
    assert found.decisions == pytest.approx([5e5])
    assert found.upper == pytest.approx(1e12 + 5e7, rel=1e-12)
    assert master.prices()[0] == pytest.approx([0.0], abs=1e-6)  # bought to where the slope turns: 100 - 500 + 400


class _Rising:
    """A master whose bound rises by ``step`` an iteration from 99 towards the one scenario's cost of 100."""

    weights, cost = np.array([1.0]), np.array([0.0])

    def __init__(self, step: float):
        self.step, self.k = step, 0

    def within_caps(self, decisions, recourse):
        return True

    def add_cuts(self, decisions, recourse, theta):
        return 1

    def remember(self, decisions, recourse):
        pass

    def solve(self):
        self.k += 1
        bound = min(100.0, 99.0 + self.k * self.step)
        return MasterSolution(OPTIMAL, np.array([float(self.k % 2)]), np.array([bound]), bound, bound)


def _flat_cost(_decisions):
    return [Recourse(OPTIMAL, 100.0, np.array([0.0]))]


def test_a_bound_that_tails_off_stops_the_method_with_the_gap_it_reached():
    # 1e-10 an iteration: 480 more iterations would close 5e-8 of a gap of 1e-2. It stops after its window.
    found = l_shaped(_Rising(1e-10), _flat_cost, np.array([0.0]))
    assert found.iterations == STALL_WINDOW + 1 and not found.optimal
    assert found.status.startswith("Not solved: the lower bound stalled at gap 1.00e-02")
    assert "--extensive" in found.status and found.upper == pytest.approx(100.0)


def test_a_bound_rising_fast_enough_is_left_to_close_the_gap():
    # 0.04 an iteration: slow, but at that pace the gap closes at iteration 25, inside the limit.
    found = l_shaped(_Rising(0.04), _flat_cost, np.array([0.0]))
    assert found.optimal and found.iterations == 25


def test_the_master_returns_its_optimum_not_the_start_it_was_given():
    # Lithium's master of the shipped dataset's hedge (100 samples, one distinct scenario; theta is the last
    # column), written out as HiGHS held it. Given a start, HiGHS 1.16 reported the optimum's objective with the
    # start's values; the master then saw no cut to add and stalled at a 7.65% gap.
    from pathlib import Path

    highs = new_highs()
    highs.readModel(str(Path(__file__).parent / "data" / "master_start_returned.mps"))
    highs.run()
    optimum = np.asarray(highs.getSolution().col_value)
    lp = highs.getLp()
    n = lp.num_col_ - 1
    cost, lower, upper = (np.asarray(a) for a in (lp.col_cost_, lp.col_lower_, lp.col_upper_))
    rows = _rows(lp)
    shared = [r for r in rows if n not in r[0]]
    cuts = [r for r in rows if n in r[0]]  # theta + a^T b >= q: the cut of Q(0) = q with slope -a
    master = Master(cost[:n], lower[:n], upper[:n], np.asarray(lp.integrality_)[:n] != 0, cost[n:],
                    SharedRows(np.cumsum([0] + [len(c) for c, *_ in shared]),
                               np.concatenate([c for c, *_ in shared]), np.concatenate([v for _c, v, *_ in shared]),
                               np.array([lo for *_x, lo, _hi in shared]), np.array([hi for *_x, hi in shared])))
    for cols, values, q, _upper in cuts:
        slope = np.zeros(n)
        slope[cols[cols < n]] = -values[cols < n]
        master.add_cuts(np.zeros(n), [Recourse("Optimal", q, slope)])
    master.remember(optimum[:n], [Recourse("Optimal", 1.0)])  # theta 1.0 there: feasible, dearer than the optimum
    solution = master.solve()
    assert solution.objective == pytest.approx(float(cost @ optimum), rel=1e-9)
    assert solution.theta == pytest.approx(optimum[n:], rel=1e-9)
    assert float(cost[:n] @ solution.decisions + cost[n:] @ solution.theta) == pytest.approx(solution.objective)


def _rows(lp) -> list[tuple[np.ndarray, np.ndarray, float, float]]:
    """The rows of a column-wise HiGHS model: (columns, values, lower, upper) each."""
    a = lp.a_matrix_
    cells: list[list[tuple[int, float]]] = [[] for _ in range(lp.num_row_)]
    for col in range(lp.num_col_):
        for k in range(a.start_[col], a.start_[col + 1]):
            cells[a.index_[k]].append((col, a.value_[k]))
    return [(np.array([c for c, _v in row], dtype=np.int64), np.array([v for _c, v in row]), lo, hi)
            for row, lo, hi in zip(cells, lp.row_lower_, lp.row_upper_)]


# -- the cuts -----------------------------------------------------------------------------------------------------

def test_the_reduced_cost_of_a_column_fixed_by_its_bounds_is_the_slope_of_the_optimum():
    # min 2x + 5u s.t. x + u >= 3, x fixed at b: z(b) = 2b + 5 (3 - b) = 15 - 3b for b < 3 (slope -3), 2b above
    # (slope +2). HiGHS' reduced cost of x is d = c - a^T y, the slope itself: the cut's gradient, sign and all.
    import highspy

    for b, z, slope in ((1.0, 12.0, -3.0), (4.0, 8.0, 2.0)):
        h = new_highs()
        h.addVars(2, np.array([b, 0.0]), np.array([b, highspy.kHighsInf]))
        h.changeColsCost(2, np.array([0, 1], dtype=np.int32), np.array([2.0, 5.0]))
        h.addRow(3.0, highspy.kHighsInf, 2, np.array([0, 1], dtype=np.int32), np.array([1.0, 1.0]))
        h.run()
        assert h.getInfo().objective_function_value == pytest.approx(z)
        assert h.getSolution().col_dual[0] == pytest.approx(slope)


def test_a_scenario_gives_its_operating_cost_and_its_slope_in_the_stock_bought(tmp_path):
    # KOR needs 100 t; delivered 12/t; stock bought up front at 15/t; unmet 1,000/t; halt: AUS mines nothing.
    # With b = 40 t bought, its own cost (15 b) left out: base operates at 12 (100 - 40) = 720, each tonne
    # more saving 12; halt leaves 60 t unmet, 60,000, each tonne more saving 1,000.
    data = api.validate(write_workbook(tmp_path / "in.xlsx", test_stockpiles.hedge_book(0.1)))
    model = build_model(data)
    cols = decision_columns(model)
    session = lshaped._subproblem_session(model, None)
    for name, cost, slope in (("base", 720.0, -12.0), ("halt", 60_000.0, -1_000.0)):
        numbers = numbers_for(model, apply_scenario(data, name))
        recourse, basis, _seconds = lshaped.solve_scenario(session, model, numbers, cols, np.array([40.0]), None)
        assert recourse.optimal and basis is not None
        assert recourse.cost == pytest.approx(cost)
        assert recourse.gradient == pytest.approx([slope])


# -- the planner's hedge both ways -------------------------------------------------------------------------------

class Terminal(io.StringIO):
    def isatty(self) -> bool:  # every progress update written, none held back
        return True


def both_ways(tmp_path, sheets, *args) -> dict[str, dict[str, pd.DataFrame]]:
    inp = write_workbook(tmp_path / "in.xlsx", sheets)
    books = {}
    for how in ("--extensive", "--decompose"):
        out = tmp_path / f"hedge{how}.xlsx"
        assert main(["hedge", str(inp), "-o", str(out), "-q", how, *args]) == 0
        books[how] = pd.read_excel(out, sheet_name=None)
    return books


def summary(book) -> pd.Series:
    return book["Summary"].set_index("item")["value"]


def run_info(book) -> pd.Series:
    return book["Run info"].set_index("item")["value"]


def assert_same_hedge(books, expected_cost=None, value=None):
    """The two methods' workbooks agree: Summary's figures to 1e-6, every other sheet (Run info aside) likewise."""
    whole, split = books["--extensive"], books["--decompose"]
    assert run_info(whole)["hedge_method"] == "extensive form"
    assert run_info(split)["hedge_method"] == DECOMPOSED
    for item in ("expected_cost", "value_of_hedging", "expected_cost_with_base_builds"):
        assert float(summary(split)[item]) == pytest.approx(float(summary(whole)[item]), rel=1e-6, abs=1e-6)
    if expected_cost is not None:
        assert float(summary(split)["expected_cost"]) == pytest.approx(expected_cost)
        assert float(summary(split)["value_of_hedging"]) == pytest.approx(value)
    s = summary(split)
    assert float(s["gap"]) <= 1e-6 and int(s["iterations"]) >= 1
    assert float(s["expected_cost_lower_bound"]) == pytest.approx(float(s["expected_cost"]), rel=1e-6)
    assert float(s["expected_cost_upper_bound"]) == pytest.approx(float(s["expected_cost"]), rel=1e-6)
    assert "gap" not in summary(whole)
    assert list(whole) == list(split)
    for sheet in whole:
        if sheet not in ("Summary", "Run info"):
            pd.testing.assert_frame_equal(whole[sheet], split[sheet], check_exact=False, check_dtype=False, rtol=1e-6,
                                          atol=1e-3)


@pytest.mark.parametrize("probability, integer, expected_cost, value", [
    # tests/test_version2.py: at 10% the KOR refinery is built whole (6,210, hedging worth 4,870); at 1% nothing
    # is (0.99 x 1,200 + 0.01 x 100,000 = 2,188, worth 0).
    (0.1, False, 6210, 4870), (0.1, True, 6210, 4870), (0.01, False, 2188, 0)])
def test_the_decomposition_builds_what_the_extensive_form_builds(tmp_path, probability, integer, expected_cost, value):
    sheets = {"minerals": test_version2.LI, "periods": test_version2.P1,
              **test_version2.hedge_book(probability, integer)}
    books = both_ways(tmp_path, sheets)
    assert_same_hedge(books, expected_cost, value)
    built = books["--decompose"]["Investments"]
    assert built.loc[built["scenario"] == "hedge", "fraction_built"].sum() == pytest.approx(1.0 if value else 0.0)


@pytest.mark.parametrize("probability, expected_cost, value, bought", [
    # tests/test_stockpiles.py: 100 t bought at 10% (1,500, worth 9,580), none at 0.1% (1,298.8, worth 0).
    (0.1, 1500, 9580, 100), (0.001, 1298.8, 0, 0)])
def test_the_decomposition_buys_what_the_extensive_form_buys(tmp_path, probability, expected_cost, value, bought):
    books = both_ways(tmp_path, test_stockpiles.hedge_book(probability))
    assert_same_hedge(books, expected_cost, value)
    assert books["--decompose"]["Stockpiles"].set_index("scenario").loc["hedge", "bought"] == pytest.approx(bought)


def test_stock_with_no_upper_bound_is_bought_as_far_as_demand_can_use_it(tmp_path):
    # The halt book with max_stock blank, holding 1/t and salvage 5/t: the master bounds the stock by what demand
    # and targets could use (100 t), and the hedge buys exactly that, as in the extensive form.
    sheets = test_stockpiles.book([("li", "KOR", 0, None, 1, 15, 5)], scenarios=table(
        "scenario, kind, factor, mineral, country, period, probability",
        ("halt", "supply_capacity", 0, "li", "AUS", 2026, 0.1)))
    books = both_ways(tmp_path, sheets)
    assert_same_hedge(books)
    assert books["--decompose"]["Stockpiles"].set_index("scenario").loc["hedge", "bought"] == pytest.approx(100)


def test_the_budget_across_minerals_is_priced_in_the_master(tmp_path):
    # tests/test_budget_pricing.py: the hedge buys 1,000/21 t of co (7,814.29), the base plan's own choice
    # spends the budget on li; one more unit of money is worth 489/21 in expectation.
    books = both_ways(tmp_path, test_budget_pricing.outage_book())
    assert_same_hedge(books, 5600 + 25500 - 489 * 1000 / 21, 19619.05)
    budgets = books["--decompose"]["Budgets"].set_index("scenario")
    assert budgets.loc["hedge", "value_of_money"] == pytest.approx(489 / 21)


def test_each_iteration_reports_its_bounds_and_gap(tmp_path):
    inp = write_workbook(tmp_path / "in.xlsx", test_stockpiles.hedge_book(0.1))
    terminal = Terminal()
    api.hedge(inp, tmp_path / "out.xlsx", method="decompose", progress=Progress(stream=terminal))
    lines = [line for line in terminal.getvalue().split("\r") if "the hedge: iteration" in line]
    assert lines and "lower bound 1,500, upper bound 1,500, gap 0.00e+00" in lines[-1]


def test_a_scenario_that_is_not_optimal_fails_the_hedge_naming_it(tmp_path, monkeypatch):
    # The recourse is complete (unmet demand at a penalty): no scenario can be infeasible, so one is made to be.
    # The method starts from the base plan's decisions (no stock), where only halt leaves 100 t unmet (100,000).
    solve = lshaped.solve_scenario

    def failing(session, model, numbers, cols, b, basis):
        recourse, basis, seconds = solve(session, model, numbers, cols, b, basis)
        return (Recourse("Infeasible") if recourse.cost == 100_000 else recourse), basis, seconds

    monkeypatch.setattr(lshaped, "solve_scenario", failing)
    inp = write_workbook(tmp_path / "in.xlsx", test_stockpiles.hedge_book(0.1))
    run = api.hedge(inp, tmp_path / "out.xlsx", method="decompose", workers=1)
    assert not run.ok
    assert run.status.startswith("Not optimal: the hedge: scenario 'halt' with the decisions fixed: Infeasible")


def test_the_command_line_says_why_a_hedge_is_not_optimal(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(lshaped, "solve_scenario", lambda *args: (Recourse("Infeasible"), None, 0.0))
    inp = write_workbook(tmp_path / "in.xlsx", test_stockpiles.hedge_book(0.1))
    assert main(["hedge", str(inp), "-o", str(tmp_path / "out.xlsx"), "--decompose", "--workers", "1", "-q"]) != 0
    err = capsys.readouterr().err
    assert err.startswith("NOT OPTIMAL: ")
    assert "with the decisions fixed: Infeasible" in err.split("\n", 1)[1]


def test_the_example_with_samples_has_nothing_to_decide_either_way(tmp_path):
    # The example has no candidate projects and no stock to buy: each way, the hedge is each sample's own plan.
    runs = {how: api.hedge("inputs/example.xlsx", tmp_path / f"{how}.xlsx", samples=20, method=how, workers=1)
            for how in ("extensive", "decompose")}
    costs = {how: dict(run.outcome.summary)["expected_cost"] for how, run in runs.items()}
    assert costs["decompose"] == pytest.approx(costs["extensive"], rel=1e-9)
    assert all(dict(run.outcome.summary)["projects_backed"] == "none" for run in runs.values())


# -- generated worlds ---------------------------------------------------------------------------------------------

def integer_world(path, seed: int, minerals: int = 2):
    """A generated world (``benchmarks/generate.py``) with every candidate project all-or-nothing and every reserve's
    stock for sale up front at 1.1 x the refined price (some with max_stock blank)."""
    sheets = build_tables(minerals=minerals, countries=10, periods=3, markets=2, scenarios=2, seed=seed)
    k = sheets["projects"][0].index("integer")
    for row in sheets["projects"][1:]:
        row[k] = True
    price = {row[0]: row[sheets["minerals"][0].index("refined_price")] for row in sheets["minerals"][1:]}
    sheets["reserve"][0].append("purchase_price")
    for row in sheets["reserve"][1:]:
        row.append(round(price[row[0]] * 1.1, 2))
    return write_xlsx(path, sheets)


@pytest.mark.parametrize("seed", [2, 3])
def test_generated_worlds_with_all_or_nothing_projects_hedge_alike(tmp_path, seed):
    path = integer_world(tmp_path / "world.xlsx", seed)
    runs = {how: api.hedge(path, tmp_path / f"{how}.xlsx", samples=20, method=how, workers=1)
            for how in ("extensive", "decompose")}
    assert all(run.ok for run in runs.values())
    whole, split = (dict(runs[how].outcome.summary) for how in ("extensive", "decompose"))
    assert split["expected_cost"] == pytest.approx(whole["expected_cost"], rel=1e-6)
    assert split["value_of_hedging"] == pytest.approx(whole["value_of_hedging"], rel=1e-6, abs=1e-6 * whole["expected_cost"])
    # These seeds have one best choice of projects and stock: both ways make it.
    assert split["projects_backed"] == whole["projects_backed"] != "none"
    assert split["stock_bought"] == whole["stock_bought"] != "none"
    model = build_model(api.validate(path))
    assert model.integrality()[decision_columns(model)].any() and model.vars.bought


def test_one_worker_or_two_and_the_method_chosen_by_size(tmp_path):
    # One mineral (one block, so the run's workers serve its subproblems): 40 samples are above the threshold of
    # 30 and decompose; with 2 workers the same hedge, every sheet alike. 30 samples stay in the extensive form.
    path = integer_world(tmp_path / "world.xlsx", 4, minerals=1)
    books = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}.xlsx"
        assert main(["hedge", str(path), "--samples", "40", "--workers", str(workers), "-o", str(out), "-q"]) == 0
        books[workers] = pd.read_excel(out, sheet_name=None)
    assert run_info(books[1])["hedge_method"] == run_info(books[2])["hedge_method"] == DECOMPOSED
    assert run_info(books[1])["hedge_subproblems_solved_by"] == "in this process"
    assert "on 2 local worker processes" in run_info(books[2])["hedge_subproblems_solved_by"]
    for sheet in books[1]:
        if sheet != "Run info":
            pd.testing.assert_frame_equal(books[1][sheet], books[2][sheet])
    out = tmp_path / "thirty.xlsx"
    assert main(["hedge", str(path), "--samples", "30", "--workers", "1", "-o", str(out), "-q"]) == 0
    assert run_info(pd.read_excel(out, sheet_name=None))["hedge_method"] == "extensive form"


def test_a_dask_cluster_solves_the_subproblems_to_the_same_hedge(tmp_path):
    # The one-mineral world's 40 samples decompose; on a 2-worker Dask LocalCluster the subproblems go to its
    # workers and the hedge is the one this process finds alone, every sheet alike.
    distributed = pytest.importorskip("dask.distributed")
    path = integer_world(tmp_path / "world.xlsx", 4, minerals=1)
    books = {}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                                  processes=True) as cluster:
        for where, args in (("here", ["--workers", "1"]), ("dask", ["--scheduler", cluster.scheduler_address])):
            out = tmp_path / f"{where}.xlsx"
            assert main(["hedge", str(path), "--samples", "40", *args, "-o", str(out), "-q"]) == 0
            books[where] = pd.read_excel(out, sheet_name=None)
    assert run_info(books["dask"])["hedge_method"] == DECOMPOSED
    assert "dask scheduler" in run_info(books["dask"])["hedge_subproblems_solved_by"]
    for sheet in books["here"]:
        if sheet != "Run info":
            pd.testing.assert_frame_equal(books["here"][sheet], books["dask"][sheet])


def test_the_method_is_chosen_by_the_size_of_the_stacked_program():
    ext, dec = lshaped.EXTENSIVE, lshaped.DECOMPOSITION
    assert lshaped.choose_method(None, 30, "highs") == ext and lshaped.choose_method(None, 31, "highs") == dec
    # 10 listed scenarios of a block of 5,000 columns: 55,000 stacked. Mixed-integer: decomposed; linear: stacked.
    assert lshaped.choose_method(None, 10, "highs", 55_000, integer=True) == dec
    assert lshaped.choose_method(None, 10, "highs", 55_000, integer=False) == ext
    assert lshaped.choose_method(None, 10, "highs", 15_000, integer=True) == ext
    assert lshaped.choose_method(None, 40, "cbc", 55_000, integer=True) == ext  # CBC keeps no basis to start from
    assert lshaped.choose_method("extensive", 40, "highs", 55_000, integer=True) == ext
    assert lshaped.choose_method("decompose", 2, "highs") == dec


def test_identical_samples_share_one_subproblem(tmp_path):
    # 40 samples of the one-mineral world: far fewer distinct ones (each sample draws from 3 risks), one theta each.
    path = integer_world(tmp_path / "world.xlsx", 4, minerals=1)
    data, _sampled = lshaped_samples(path, 40)
    model = build_model(data)
    numbers = [numbers_for(model, apply_scenario(data, name)) for name in scenario_names(data)]
    groups = lshaped.identical_scenarios(numbers, [0.0] + [1 / 40] * 40)
    assert groups[0].first == 0 and len(groups) < 41
    assert sum(g.weight for g in groups) == pytest.approx(1.0)
    for g in groups:
        assert all(np.array_equal(numbers[i].row_rhs, numbers[g.first].row_rhs) for i in g.members)


def lshaped_samples(path, n: int):
    from planner.analysis.hedge import sample_scenarios

    return sample_scenarios(api.validate(path), n, 1)


def test_the_shipped_dataset_with_20_samples_hedges_alike_both_ways(tmp_path):
    # Every block of the 2026 dataset: all-or-nothing projects, stockpiles, cobalt, nickel and copper coupled
    # by by-products, and lithium, which no risk touches (one distinct sample: the case that once stalled).
    from tests.conftest import DATASET

    books = {}
    for method in ("extensive", "decompose"):
        out = tmp_path / f"{method}.xlsx"
        assert main(["hedge", str(DATASET), "--samples", "20", f"--{method}", "-o", str(out), "-q"]) == 0
        books[method] = pd.read_excel(out, sheet_name=None)
    summary = {m: b["Summary"].set_index("item")["value"] for m, b in books.items()}
    expected = float(summary["extensive"]["expected_cost"])
    assert summary["decompose"]["status"] == summary["extensive"]["status"] == "Optimal"
    assert float(summary["decompose"]["expected_cost"]) == pytest.approx(expected, rel=1e-6)
    assert float(summary["decompose"]["value_of_hedging"]) == pytest.approx(
        float(summary["extensive"]["value_of_hedging"]), abs=1e-6 * expected)
    assert run_info(books["decompose"])["hedge_method"] == DECOMPOSED
    pd.testing.assert_frame_equal(books["decompose"]["Investments"], books["extensive"]["Investments"], rtol=1e-6)


# -- the command line ---------------------------------------------------------------------------------------------

def test_extensive_and_decompose_exclude_each_other(tmp_path, capsys):
    inp = write_workbook(tmp_path / "in.xlsx", test_stockpiles.hedge_book(0.1))
    assert main(["hedge", str(inp), "--extensive", "--decompose"]) == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_decompose_refuses_cbc_before_solving(tmp_path, capsys):
    sheets = test_stockpiles.hedge_book(0.1)
    sheets["settings"] = table("key, value", ("solver", "cbc"))
    inp = write_workbook(tmp_path / "in.xlsx", sheets)
    assert main(["hedge", str(inp), "--decompose", "-q", "-o", str(tmp_path / "out.xlsx")]) == 2
    assert capsys.readouterr().err.startswith("error: --decompose needs the HiGHS solver")

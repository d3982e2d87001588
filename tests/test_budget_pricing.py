"""Budgets that keep the blocks: the money priced, each mineral solved alone, the joint optimum found.

A budget over several minerals is one row across their blocks. ``PricedBudgetSession`` never
solves the joint program: it prices the money and solves every mineral alone (Dantzig-Wolfe on
the budget rows). Each test here solves the same model both ways, the joint program by HiGHS as
one LP, and holds the priced plan to the joint optimum (1e-6, relative), to every row and bound
of the joint program (recomputed from the plan, not taken from the solver), and its duals to
dual feasibility and complementary slackness (so Prices, Budgets and explanations read true duals).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.cli import main
from planner.input.blocks import independent_blocks, restrict
from planner.input.data import Budget, PlannerInput, Reserve
from planner.input.read import read_workbook
from planner.input.scenarios import apply_scenario, scenario_names
from planner.input.validate import validate
from planner.model.build import build_model, numbers_for
from planner.model.constraints.budget import budget_units
from planner.model.core import GE, LE
from planner.model.stack import stack
from planner.pipeline import run_command
from planner.solver import HighsSession, PricedBudgetSession, make_solver
from planner.solver.priced import tied_blocks
from tests.checks import check_plan
from tests.workbooks import table, write_workbook

ROOT = Path(__file__).resolve().parent.parent


def with_vault(data: PlannerInput, market: str, amount: float, price_share: float) -> PlannerInput:
    """Every mineral's reserve in ``market`` buyable up front at ``price_share`` x its delivered cost
    (cheap enough to be worth buying), all of them on one budget of ``amount``."""
    reserves = dict(data.reserves)
    for m in data.minerals:
        if not any(k[0] == m and k[1] == market for k in data.demand):
            continue
        delivered = (min(c for (mm, _c, _t), (_cap, c) in data.supply.items() if mm == m)
                     + min(row[1] for (mm, _c, _t), row in data.refining.items() if mm == m))
        old = reserves.get((m, market), Reserve(0.0, float("inf"), 0.0, data.minerals[m].unmet_penalty / 2))
        reserves[(m, market)] = dataclasses.replace(old, purchase_price=price_share * delivered)
    projects = {name: dataclasses.replace(p, integer=False) for name, p in data.projects.items()}
    return dataclasses.replace(data, reserves=reserves, projects=projects,
                               budgets=[Budget(2, "vault", amount, market, None)])


def load(path) -> PlannerInput:
    return validate(read_workbook(path))


def assert_joint_optimum(model, numbers, priced, joint):
    assert priced.optimal and joint.optimal
    scale = max(1.0, abs(joint.objective))
    assert priced.objective == pytest.approx(joint.objective, rel=1e-6, abs=1e-6)
    x = priced.x
    # The plan meets every row and bound of the joint program, budgets included.
    lower = numbers.col_lower if numbers.col_lower is not None else np.zeros(model.num_cols)
    assert (x >= lower - 1e-6).all() and (x <= numbers.col_upper + 1e-6).all()
    activity = model.row_activity(x)
    sense = np.asarray(model.row_sense)
    rhs = numbers.row_rhs
    slack = 1e-6 * np.maximum(1.0, np.abs(np.where(np.isfinite(rhs), rhs, 0.0)))
    assert (activity[sense == LE] <= rhs[sense == LE] + slack[sense == LE]).all()
    assert (activity[sense == GE] >= rhs[sense == GE] - slack[sense == GE]).all()
    eq = sense == "=="
    assert np.abs(activity[eq] - rhs[eq]).max(initial=0.0) <= slack[eq].max(initial=1e-6)
    assert float(numbers.col_cost @ x) == pytest.approx(joint.objective, rel=1e-6, abs=1e-6)
    # Its duals are the joint program's: reduced costs from the row duals, the right signs, slackness.
    y = priced.row_dual
    d = model.reduced_costs(y, numbers.col_cost)
    tol = 1e-6 * scale / max(1, model.num_cols) + 1e-7 * np.abs(numbers.col_cost).max(initial=1.0)
    interior = (x > lower + 1e-6) & (x < numbers.col_upper - 1e-6)
    assert np.abs(d[interior]).max(initial=0.0) <= tol * 1e3
    at_lower = (x <= lower + 1e-9) & (numbers.col_upper > lower)
    assert d[at_lower].min(initial=0.0) >= -tol * 1e3
    budget = np.asarray(model.rows["budget"].rows)
    assert (y[budget] <= 1e-9).all()  # a <= row of a minimisation: money is worth >= 0
    binding = np.abs(activity[budget] - rhs[budget]) <= slack[budget]
    assert (np.abs(y[budget][~binding]) <= 1e-7).all()


def both_ways(data: PlannerInput, scenarios: bool = True):
    model = build_model(data)
    priced = make_solver(model)
    assert isinstance(priced, PricedBudgetSession)
    joint = make_solver(model, joint=True)
    assert isinstance(joint, HighsSession)
    names = scenario_names(data) if scenarios else ["base"]
    solved = []
    for name in names:
        numbers = numbers_for(model, apply_scenario(data, name))
        p, j = priced.solve(numbers), joint.solve(numbers)
        assert_joint_optimum(model, numbers, p, j)
        solved.append((name, p, j))
    return model, solved


def test_the_example_with_a_budget_across_its_minerals_has_the_joint_optimum():
    data = with_vault(load(ROOT / "inputs" / "example.xlsx"), "USA", 2_000.0, 0.3)
    assert len(independent_blocks(data)) == 1  # the budget ties every mineral into one program
    model, solved = both_ways(data)
    base = solved[0][1]
    budget = model.rows["budget"].rows[0]
    unit = budget_units(model, data)[0]  # the row counts money in units of the dearest purchase price
    assert model.row_activity(base.x)[budget] * unit == pytest.approx(2_000.0)  # the budget binds
    assert -base.row_dual[budget] > 0  # and one more unit of money is worth something
    assert base.iterations > 1  # the price of money was found, not given


@pytest.mark.parametrize("seed", [5, 11])
def test_a_generated_world_with_a_budget_has_the_joint_optimum(tmp_path, seed):
    from benchmarks.generate import generate

    path = generate(tmp_path / "w.xlsx", minerals=4, countries=14, periods=3, markets=3, scenarios=2, seed=seed)
    data = load(path)
    market = sorted({k[1] for k in data.demand})[0]
    model, solved = both_ways(with_vault(data, market, 5e5, 0.5))
    spent = model.row_activity(solved[0][1].x)[model.rows["budget"].rows[0]]
    assert spent > 0


def test_the_shipped_dataset_with_a_us_budget_has_the_joint_optimum():
    # Four of the seven minerals, base scenario: the whole world solved jointly takes minutes.
    data = load(ROOT / "inputs" / "critical-minerals-2026.xlsx")
    data = restrict(data, ("lithium", "cobalt", "nickel", "gallium"))
    model, solved = both_ways(with_vault(data, "USA", 2e9, 0.6), scenarios=False)
    priced = solved[0][1]
    assert -priced.row_dual[model.rows["budget"].rows[0]] > 0


def test_minerals_a_byproduct_ties_are_priced_as_one_block():
    # Indonesia's cobalt is mined with its nickel (sheet byproducts): the limit is a row across the two
    # minerals, so only lithium is priced apart; without the merge the session refused the program.
    data = restrict(load(ROOT / "inputs" / "critical-minerals-2026.xlsx"), ("lithium", "cobalt", "nickel"))
    model = build_model(with_vault(data, "USA", 2e9, 0.6))
    session = make_solver(model)
    assert isinstance(session, PricedBudgetSession)
    assert sorted(tied_blocks(model, model.col_minerals(), model.rows["budget"].rows).tolist()) == sorted(
        ["lithium" if m == "lithium" else "cobalt+nickel" for m in model.col_minerals().tolist()])
    assert len(session.blocks) == 2


def test_a_budget_that_does_not_bind_is_found_in_one_round():
    data = with_vault(load(ROOT / "inputs" / "example.xlsx"), "USA", 1e12, 0.3)
    model, solved = both_ways(data, scenarios=False)
    priced = solved[0][1]
    assert priced.row_dual[model.rows["budget"].rows[0]] == 0.0
    assert priced.iterations <= 2


def test_a_budget_that_cannot_be_met_is_infeasible_both_ways():
    # Committed purchases (a stress test's) that cost more than the budget: no plan meets it.
    data = with_vault(load(ROOT / "inputs" / "example.xlsx"), "USA", 100.0, 0.3)
    model = build_model(data)
    numbers = numbers_for(model, data)
    lower = np.zeros(model.num_cols)
    cols = list(model.vars.bought.values())
    lower[cols] = 50.0
    numbers = dataclasses.replace(numbers, col_lower=lower)
    assert make_solver(model).solve(numbers).status == "Infeasible"
    assert make_solver(model, joint=True).solve(numbers).status == "Infeasible"


def test_solve_on_a_workbook_with_a_budget_is_checked_independently(tmp_path):
    # Two minerals on one budget of 600: li stock at 8/t saves 4/t against 12/t delivered, co stock at 12/t
    # saves 8/t against 20/t. Per unit of money co saves 0.67, li 0.5: co is bought first, 50 t (its need)
    # for 600, nothing is left for li. Cost: li 100 x 12 + co 600 = 1,800; the last unit of money saves
    # li's 0.5.
    sheets = {
        "minerals": table("mineral, refined_price, unmet_penalty", ("li", 20, 1000), ("co", 40, 1000)),
        "periods": table("period", (2026,)),
        "countries": table("country", ("AUS",), ("KOR",)),
        "supply": table("mineral, country, capacity, cost", ("li", "AUS", 10_000, 10), ("co", "AUS", 10_000, 15)),
        "refining": table("mineral, country, capacity, cost", ("li", "AUS", 10_000, 2), ("co", "AUS", 10_000, 5)),
        "demand": table("mineral, market, period, demand", ("li", "KOR", 2026, 100), ("co", "KOR", 2026, 50)),
        "reserve": table("mineral, market, purchase_price", ("li", "KOR", 8), ("co", "KOR", 12)),
        "budgets": table("budget, amount, market", ("komir", 600, "KOR")),
    }
    inp = write_workbook(tmp_path / "in.xlsx", sheets)
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(inp), "-o", str(out), "-q"]) == 0
    check_plan(inp, out)
    book = pd.read_excel(out, sheet_name=None)
    assert float(book["Scenarios"]["total_cost"][0]) == pytest.approx(1_800)
    budgets = book["Budgets"].set_index("budget")
    assert budgets.loc["komir", "spent"] == pytest.approx(600)
    assert budgets.loc["komir", "value_of_money"] == pytest.approx(0.5)
    stock = book["Stockpiles"].set_index("mineral")
    assert stock.loc["co", "bought"] == pytest.approx(50)
    assert stock.loc["li", "bought"] == pytest.approx(0, abs=1e-9)


def test_the_hedge_shares_one_stockpile_and_finds_the_joint_optimum():
    from planner.analysis.hedge import probabilities
    from planner.model.build import Numbers

    data = with_vault(load(ROOT / "inputs" / "example.xlsx"), "USA", 2_000.0, 0.3)
    model = build_model(data)
    numbers = [numbers_for(model, apply_scenario(data, name)) for name in scenario_names(data)]
    st = stack(model, numbers, probabilities(data))
    lp = st.lp
    priced = make_solver(lp, blocks=st.blocks, coupling_rows=st.budget_rows)
    assert isinstance(priced, PricedBudgetSession)
    p, j = priced.solve(), make_solver(lp, joint=True).solve()
    lp.rows = {"budget": type("Rows", (), {"rows": list(st.budget_rows)})()}
    stacked = Numbers(np.asarray(lp.col_cost), np.asarray(lp.col_upper, dtype=float), np.asarray(lp.row_rhs),
                      {}, np.asarray(lp.col_lower, dtype=float))
    assert_joint_optimum(lp, stacked, p, j)
    assert -p.row_dual[st.budget_rows[0]] > 0


def komir(amount=600):
    return {
        "minerals": table("mineral, refined_price, unmet_penalty", ("li", 20, 1000), ("co", 40, 1000)),
        "periods": table("period", (2026,)),
        "countries": table("country", ("AUS",), ("KOR",)),
        "supply": table("mineral, country, capacity, cost", ("li", "AUS", 10_000, 10), ("co", "AUS", 10_000, 15)),
        "refining": table("mineral, country, capacity, cost", ("li", "AUS", 10_000, 2), ("co", "AUS", 10_000, 5)),
        "demand": table("mineral, market, period, demand", ("li", "KOR", 2026, 100), ("co", "KOR", 2026, 50)),
        "reserve": table("mineral, market, purchase_price", ("li", "KOR", 8), ("co", "KOR", 12)),
        "budgets": table("budget, amount, market", ("komir", amount, "KOR")),
    }


def test_the_budget_frontier_walks_down_the_value_of_money(tmp_path):
    # As above: co's stock saves 0.67 per unit of money up to 600 (50 t), li's 0.5 up to 800 (100 t). With
    # nothing bought the plan costs li 100 x 12 + co 50 x 20 = 2,200. At 300: 25 t of co, 2,000 (money worth
    # 0.67). At 1,000: all 50 t of co and 50 t of li, 2,200 - 400 - 200 = 1,600 (worth 0.5). At 2,000: both
    # needs met for 1,400, 600 left over: 1,400 and money worth 0.
    inp = write_workbook(tmp_path / "in.xlsx", komir())
    out = tmp_path / "curve.xlsx"
    assert main(["frontier", str(inp), "--budget", "komir", "--amounts", "2000,0,300,1000", "-o", str(out),
                 "-q"]) == 0
    book = pd.read_excel(out, sheet_name=None)
    curve = book["Budget frontier"].set_index("amount")
    assert list(curve.index) == [0, 300, 1000, 2000]
    assert list(curve["expected_cost"]) == pytest.approx([2200, 2000, 1600, 1400])
    assert list(curve["expected_saving"]) == pytest.approx([0, 200, 600, 800])
    assert list(curve["value_of_money"]) == pytest.approx([2 / 3, 2 / 3, 0.5, 0.0])
    assert list(curve["spent"]) == pytest.approx([0, 300, 1000, 1400])
    assert list(curve["saving_per_unit"].iloc[1:]) == pytest.approx([200 / 300, 400 / 700, 200 / 1000])
    mix = book["Budget mix"].set_index(["amount", "mineral"])["bought"]
    assert mix[(1000, "co")] == pytest.approx(50) and mix[(1000, "li")] == pytest.approx(50)
    summary = book["Summary"].set_index("item")["value"]
    assert float(summary["money_worth_nothing_from"]) == pytest.approx(2000)
    assert float(summary["most_spent"]) == pytest.approx(1400)  # at 2,000 only 1,400 is worth spending
    assert "Charts" in book and "Budget mix" in book


def test_a_budget_that_cannot_bind_ties_no_minerals_and_adds_up_over_them(tmp_path):
    # komir with stock capped at each need: li 100 t x 8 + co 50 t x 12 = 1,400 buys everything there is to
    # buy. At 2,000 the budget is implied by the caps: each mineral is its own block, each buys its whole need
    # (cost 1,400), and Budgets adds what the blocks spent, 1,400, with money worth 0. At exactly 1,400 it
    # could bind: one block.
    from planner.input.blocks import can_bind, most_spent

    sheets = komir(2_000)
    sheets["reserve"] = table("mineral, market, purchase_price, max_stock", ("li", "KOR", 8, 100),
                              ("co", "KOR", 12, 50))
    inp = write_workbook(tmp_path / "in.xlsx", sheets)
    data = load(inp)
    assert most_spent(data, data.budgets[0]) == pytest.approx(1_400) and not can_bind(data, data.budgets[0])
    assert independent_blocks(data) == [("li",), ("co",)]
    assert independent_blocks(data, every_budget=True) == [("li", "co")]
    assert can_bind(data, dataclasses.replace(data.budgets[0], amount=1_400.0))

    blocks = run_command("solve", inp, block_workers=1)
    joint = run_command("solve", inp, joint=True)
    for run in (blocks, joint):
        assert run.report.blocks[0] == (2 if run is blocks else 1)
        assert float(run.tables["scenarios"]["total_cost"][0]) == pytest.approx(1_400)
        budgets = run.tables["budgets"]
        assert len(budgets) == 1
        assert budgets["spent"][0] == pytest.approx(1_400) and budgets["amount"][0] == 2_000
        assert budgets["value_of_money"][0] == 0.0
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(inp), "-o", str(out), "-q"]) == 0
    check_plan(inp, out)

    # The budget frontier moves the amount below what the caps allow: there the budget ties li and co again.
    curve = run_command("budget_frontier", inp, budget="komir", amounts=(300.0, 1_000.0))
    assert list(curve.tables["budget_frontier"]["expected_cost"]) == pytest.approx([2_000, 1_600])


def test_a_budget_in_real_money_is_counted_in_tonnes_of_its_dearest_stock(tmp_path, capsys):
    # komir at world prices (x 10,000) with a fund of USD 12 bn: written in dollars its row's right-hand side
    # would sit 1.2e10 above the model's smallest bound, past what HiGHS scales well. In units of co's price
    # (1.2e5) the row is 1/1.5 li + co <= 100,000, and Budgets still reads dollars: li 100 t x 8e4 + co 50 t x
    # 1.2e5 = 1.4e7 spent of 1.2e10, money worth nothing.
    sheets = komir(12e9)
    sheets["minerals"] = table("mineral, refined_price, unmet_penalty", ("li", 2e5, 1e7), ("co", 4e5, 1e7))
    sheets["supply"] = table("mineral, country, capacity, cost", ("li", "AUS", 10_000, 1e5), ("co", "AUS", 10_000, 1.5e5))
    sheets["refining"] = table("mineral, country, capacity, cost", ("li", "AUS", 10_000, 2e4), ("co", "AUS", 10_000, 5e4))
    sheets["reserve"] = table("mineral, market, purchase_price", ("li", "KOR", 8e4), ("co", "KOR", 1.2e5))
    inp = write_workbook(tmp_path / "in.xlsx", sheets)
    data = load(inp)
    model = build_model(data)
    assert budget_units(model, data).tolist() == [1.2e5]
    assert numbers_for(model, data).row_rhs[model.rows["budget"].rows[0]] == pytest.approx(1e5)
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(inp), "-o", str(out)]) == 0
    assert "badly scaled" not in capsys.readouterr().err
    check_plan(inp, out)
    budgets = pd.read_excel(out, sheet_name="Budgets").set_index("budget")
    assert budgets.loc["komir", "amount"] == pytest.approx(12e9)
    assert budgets.loc["komir", "spent"] == pytest.approx(1.4e7)
    assert budgets.loc["komir", "value_of_money"] == 0


@pytest.mark.parametrize("args, message", [
    (["--budget", "vault", "--amounts", "1,2"], "no budget 'vault' on sheet budgets; the budgets are: komir"),
    (["--budget", "komir"], "--budget and --amounts go together"),
    (["--amounts", "1,2"], "--budget and --amounts go together"),
])
def test_the_budget_frontier_refuses_what_it_cannot_run(tmp_path, capsys, args, message):
    inp = write_workbook(tmp_path / "in.xlsx", komir())
    assert main(["frontier", str(inp), *args, "-o", str(tmp_path / "c.xlsx"), "-q"]) != 0
    assert message in capsys.readouterr().err
    assert not (tmp_path / "c.xlsx").exists()


def test_every_budget_frontier_chart_reads_its_own_rows(tmp_path):
    from tests.test_report_series import check_series

    inp = write_workbook(tmp_path / "in.xlsx", komir())
    out = tmp_path / "curve.xlsx"
    assert main(["frontier", str(inp), "--budget", "komir", "--amounts", "0,300,1000,2000", "-o", str(out),
                 "-q"]) == 0
    assert check_series(out) == 4  # expected cost, value of money, and one spending series per mineral


def outage_book():
    """komir's two minerals with li's unmet penalty at 100, stock at 12 (li) and 21 (co) on a budget of 1,000,
    and a 50% chance that AUS mines nothing."""
    sheets = komir(1000)
    sheets["minerals"] = table("mineral, refined_price, unmet_penalty", ("li", 20, 100), ("co", 40, 1000))
    sheets["reserve"] = table("mineral, market, purchase_price", ("li", "KOR", 12), ("co", "KOR", 21))
    sheets["scenarios"] = table("scenario, kind, factor, country, probability",
                                ("outage", "supply_capacity", 0, "AUS", 0.5))
    return sheets


def test_the_hedge_and_the_base_plans_own_stock_priced_block_by_block(tmp_path):
    # li (unmet penalty 100) and co (1000) for KOR, 100 t and 50 t, delivered at 12 and 20. Stock bought up front:
    # li at 12 (the base plan is indifferent to it), co at 21 (the base plan never buys it), one budget of 1,000.
    # Scenario outage (probability 0.5): AUS mines nothing. Expected cost, with bl, bc the stock bought:
    #   li: 0.5 x 1,200 + 0.5 x (12 bl + 100 (100 - bl)) = 5,600 - 44 bl        (44/12 = 3.7 saved per unit)
    #   co: 0.5 x (1,000 + bc) + 0.5 x (21 bc + 1,000 (50 - bc)) = 25,500 - 489 bc   (489/21 = 23.3 per unit)
    # The hedge buys co: bc = 1,000/21 = 47.62 t, expected 5,600 + 25,500 - 489 x 47.62 = 7,814.29. The base
    # plan's own choice among its optima (bc = 0, any bl) with the lowest expected cost: bl = 1,000/12 = 83.33,
    # expected 5,600 - 44 x 83.33 + 25,500 = 27,433.33. Value of hedging 19,619.05.
    sheets = outage_book()
    inp = write_workbook(tmp_path / "in.xlsx", sheets)
    out = tmp_path / "hedge.xlsx"
    assert main(["hedge", str(inp), "-o", str(out), "-q"]) == 0
    book = pd.read_excel(out, sheet_name=None)
    summary = book["Summary"].set_index("item")["value"]
    assert float(summary["expected_cost"]) == pytest.approx(5600 + 25500 - 489 * 1000 / 21)
    assert float(summary["expected_cost_with_base_builds"]) == pytest.approx(5600 - 44 * 1000 / 12 + 25500)
    assert float(summary["value_of_hedging"]) == pytest.approx(19619.05, abs=0.01)
    stock = book["Stockpiles"].set_index(["scenario", "mineral"])["bought"]
    assert stock[("hedge", "co")] == pytest.approx(1000 / 21) and stock[("hedge", "li")] == pytest.approx(0, abs=1e-6)
    assert stock[("base plan's own", "li")] == pytest.approx(1000 / 12)
    assert stock[("base plan's own", "co")] == pytest.approx(0, abs=1e-6)
    # One more unit of money buys 1/21 t more co stock, saving 489/21 in expectation; the base plan's own
    # purchases spend the budget too (on li), where nothing is decided against the scenarios.
    budgets = book["Budgets"].set_index("scenario")
    assert budgets.loc["hedge", "spent"] == pytest.approx(1000)
    assert budgets.loc["hedge", "value_of_money"] == pytest.approx(489 / 21)
    assert budgets.loc["base plan's own", "spent"] == pytest.approx(1000)


def test_with_all_or_nothing_projects_the_tie_break_fixes_them_and_prices_the_rest(tmp_path):
    # The hedge case above with an all-or-nothing co mine in KOR that the outage cannot touch (the program is
    # mixed-integer). Solved whole, the base plan's own choice among its optima is a mixed-integer program over
    # every mineral and scenario; with the base plan's builds fixed it is a linear program priced block by
    # block, and it must make the same choice: li stock for the whole budget, no co stock.
    from planner.analysis import hedge as H
    from planner.runinfo import Stages

    sheets = outage_book()
    sheets["projects"] = table("project, stage, mineral, country, capacity, cost, fixed_cost, integer",
                               ("KOR co mine", "supply", "co", "KOR", 50, 30, 40, True))
    sheets["countries"] = table("country", ("AUS",), ("KOR",))
    sheets["refining"] = table("mineral, country, capacity, cost", ("li", "AUS", 10_000, 2), ("co", "AUS", 10_000, 5),
                               ("co", "KOR", 10_000, 5))
    data = load(write_workbook(tmp_path / "in.xlsx", sheets))
    model = build_model(data)
    assert model.integrality().any()
    names = scenario_names(data)
    numbers = [numbers_for(model, apply_scenario(data, name)) for name in names]
    st = stack(model, numbers, H.probabilities(data))
    hedge = make_solver(st.lp, blocks=st.blocks, coupling_rows=st.budget_rows).solve()
    assert isinstance(make_solver(st.lp, blocks=st.blocks, coupling_rows=st.budget_rows), HighsSession)
    cols = H.decision_columns(model)
    hedged = H._in_build_order(st, hedge.x[:len(st.shared)], cols)
    session = make_solver(model)
    base = session.solve(numbers[0])
    priced = H._price(model, data, session, names, numbers, hedged, None, Stages(), "hedge")
    assert priced[0].total_cost > base.objective * (1 + 1e-6)
    args = (st, numbers[0], base, priced[0], hedged, cols, data, Stages())
    fixed_then_priced, whole = H._base_plan_builds(*args, model, None), H._base_plan_builds(*args)
    # The tie row allows 1e-9 of the base cost (about 1e-5 here): a decision may drift by that over its saving
    # per t, a few millionths of a tonne, in either program.
    assert fixed_then_priced == pytest.approx(whole, abs=1e-4)
    bought = dict(zip(model.vars.bought, fixed_then_priced[len(model.vars.build):]))
    assert bought[("li", "KOR", "2026")] == pytest.approx(1000 / 12, abs=1e-4)
    assert bought[("co", "KOR", "2026")] == pytest.approx(0, abs=1e-4)

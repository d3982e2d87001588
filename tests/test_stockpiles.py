"""Version 3 by hand: stock bought up front on a budget, and what is left worth its salvage.

Every case has its optimum worked out in the comment above it. Unless a case says otherwise: minerals li
(refined price 20, unmet penalty 1000) and co (refined price 40, unmet penalty 1000), one period 2026,
li mined in AUS at 10/t and co at 15/t, refined in AUS at 2/t (li) and 5/t (co): a delivered tonne of li
costs 12, of co 20. Every route open at no cost.
"""

from __future__ import annotations

import pandas as pd
import pytest

from planner.cli import main
from tests.checks import check_plan
from tests.workbooks import table, write_workbook


def book(reserves, demand=(("li", "KOR", 2026, 100),), periods=(2026,), **more):
    sheets = {
        "minerals": table("mineral, refined_price, unmet_penalty", ("li", 20, 1000), ("co", 40, 1000)),
        "periods": table("period", *[(t,) for t in periods]),
        "countries": table("country", ("AUS",), ("KOR",), ("JPN",)),
        "supply": table("mineral, country, capacity, cost", ("li", "AUS", 10_000, 10), ("co", "AUS", 10_000, 15)),
        "refining": table("mineral, country, capacity, cost", ("li", "AUS", 10_000, 2), ("co", "AUS", 10_000, 5)),
        "demand": table("mineral, market, period, demand", *demand),
        "reserve": table("mineral, market, initial_stock, max_stock, holding_cost, purchase_price, salvage",
                         *reserves),
    }
    sheets.update(more)
    return sheets


def run(tmp_path, command, sheets, *args, check=True) -> dict[str, pd.DataFrame]:
    inp = write_workbook(tmp_path / "in.xlsx", sheets)
    out = tmp_path / f"{command}.xlsx"
    assert main([command, str(inp), "-o", str(out), "-q", *args]) == 0
    if check and command == "solve":
        check_plan(inp, out)
    return pd.read_excel(out, sheet_name=None)


def cost(out, scenario="base") -> float:
    return float(out["Scenarios"].set_index("scenario").loc[scenario, "total_cost"])


def test_salvage_alone_keeps_the_stock(tmp_path):
    # KOR holds 50 t (its max) at 1/t a year, worth 15/t at the end. Drawing it saves 12/t; keeping it earns
    # 15 - 1 = 14/t: kept. 100 t bought at 12 = 1,200, holding 50, salvage -750: 500. Without the salvage the
    # stock is drawn: 50 x 12 = 600.
    out = run(tmp_path, "solve", book([("li", "KOR", 50, 50, 1, None, 15)]))
    assert cost(out) == pytest.approx(500)
    assert "Stockpiles" not in out  # nothing can be bought


def test_a_purchase_fills_the_reserve_up_to_its_max_stock(tmp_path):
    # KOR may buy stock at 8/t before 2026, up to max_stock 40: bought and drawn, 40 x 8 + 60 x 12 = 1,040
    # (without the purchase 1,200; max_stock read as no limit would buy all 100 at 8: 800).
    out = run(tmp_path, "solve", book([("li", "KOR", 0, 40, 0, 8, 0)]))
    assert cost(out) == pytest.approx(1040)
    piles = out["Stockpiles"].set_index(["scenario", "market"])
    assert piles.loc[("base", "KOR"), "bought"] == pytest.approx(40)
    assert piles.loc[("base", "KOR"), "spent"] == pytest.approx(320)
    assert piles.loc[("base", "KOR"), "end_stock"] == pytest.approx(0)


def two_minerals(amount, **budget):
    # li bought at 8 saves 12 - 8 = 4 per 8 of money (0.5 a unit); co bought at 10 saves 20 - 10 = 10 per 10
    # (1.0 a unit). Each market needs 100 t and may hold 100.
    columns = "budget, amount" + "".join(f", {k}" for k in budget)
    return book([("li", "KOR", 0, 100, 0, 8, 0), ("co", "KOR", 0, 100, 0, 10, 0)],
                demand=(("li", "KOR", 2026, 100), ("co", "KOR", 2026, 100)),
                budgets=table(columns, ("vault", amount, *budget.values())))


def test_a_budget_across_two_minerals_buys_the_better_value_first(tmp_path):
    # 200 of money: all of it on co (1.0 a unit against li's 0.5): 20 t at 10. li 100 x 12 = 1,200; co 20 x 10
    # + 80 x 20 = 1,800: 3,000. One more unit buys 0.1 t of co that saves 2: value of money 2 - 1 = 1.0.
    # Split evenly (100 each): li 12.5 t saves 50, co 10 t saves 100: 3,050.
    out = run(tmp_path, "solve", two_minerals(200))
    assert cost(out) == pytest.approx(3000)
    piles = out["Stockpiles"].set_index("mineral")
    assert piles.loc["co", "bought"] == pytest.approx(20) and piles.loc["li", "bought"] == pytest.approx(0)
    budgets = out["Budgets"].set_index("budget")
    assert budgets.loc["vault", "spent"] == pytest.approx(200)
    assert budgets.loc["vault", "value_of_money"] == pytest.approx(1.0)


def test_blocks_and_the_joint_program_agree_on_a_budget(tmp_path):
    blocked = run(tmp_path, "solve", two_minerals(1500))
    (tmp_path / "joint").mkdir()
    joint = run(tmp_path / "joint", "solve", two_minerals(1500), "--joint")
    # 1,500: co first, all 100 t (1,000, saving 1,000), then li with 500 left: 62.5 t saving 250.
    # li 62.5 x 8 + 37.5 x 12 = 950; co 1,000: 1,950.
    assert cost(blocked) == pytest.approx(1950) and cost(joint) == pytest.approx(1950)
    assert blocked["Budgets"].set_index("budget").loc["vault", "value_of_money"] == pytest.approx(0.5)


def test_a_budget_scoped_to_one_market(tmp_path):
    # Both markets may buy li at 8 (max 40 t each); a budget of 160 binds KOR alone: KOR 20 t (160), 20 x 8 +
    # 80 x 12 = 1,120; JPN 40 t, 40 x 8 + 60 x 12 = 1,040: 2,160. Value of money 4/8 = 0.5.
    sheets = book([("li", "KOR", 0, 40, 0, 8, 0), ("li", "JPN", 0, 40, 0, 8, 0)],
                  demand=(("li", "KOR", 2026, 100), ("li", "JPN", 2026, 100)),
                  budgets=table("budget, amount, market", ("korea", 160, "KOR")))
    out = run(tmp_path, "solve", sheets)
    assert cost(out) == pytest.approx(2160)
    piles = out["Stockpiles"].set_index("market")
    assert piles.loc["KOR", "bought"] == pytest.approx(20) and piles.loc["JPN", "bought"] == pytest.approx(40)
    assert out["Budgets"].set_index("budget").loc["korea", "value_of_money"] == pytest.approx(0.5)


def hedge_book(probability):
    # KOR needs 100 t in 2026; stock may be bought at 15/t before it (dearer than 12 delivered), up to 100 t.
    # Scenario "halt": AUS mines nothing in 2026, so only stock bought beforehand can serve KOR.
    return book([("li", "KOR", 0, 100, 0, 15, 0)],
                scenarios=table("scenario, kind, factor, mineral, country, period, probability",
                                ("halt", "supply_capacity", 0, "li", "AUS", 2026, probability)))


def test_a_hedge_buys_stock_against_a_likely_disruption(tmp_path):
    # b t bought: base 1,200 + 3b (15 paid, 12 saved); halt 15b + (100 - b) x 1,000 = 100,000 - 985b.
    # At 10%: expected 0.9 (1,200 + 3b) + 0.1 (100,000 - 985b) falls with b: b = 100, 0.9 x 1,500 + 0.1 x
    # 1,500 = 1,500. The base plan alone buys nothing: 0.9 x 1,200 + 0.1 x 100,000 = 11,080. Value 9,580.
    out = run(tmp_path, "hedge", hedge_book(0.1))
    summary = out["Summary"].set_index("item")["value"]
    assert float(summary["expected_cost"]) == pytest.approx(1500)
    assert float(summary["value_of_hedging"]) == pytest.approx(9580)
    piles = out["Stockpiles"].set_index("scenario")
    assert piles.loc["hedge", "bought"] == pytest.approx(100)
    assert piles.loc["base plan's own", "bought"] == pytest.approx(0)


def test_a_hedge_buys_nothing_against_an_unlikely_one(tmp_path):
    # At 0.1%: 3 x 0.999 > 985 x 0.001, so b = 0: the base plan's own, value of hedging exactly 0.
    # Expected 0.999 x 1,200 + 0.001 x 100,000 = 1,198.8 + 100 = 1,298.8.
    out = run(tmp_path, "hedge", hedge_book(0.001))
    summary = out["Summary"].set_index("item")["value"]
    assert float(summary["expected_cost"]) == pytest.approx(1298.8)
    assert float(summary["value_of_hedging"]) == 0
    assert out["Stockpiles"].set_index("scenario").loc["hedge", "bought"] == pytest.approx(0)


def test_solve_buys_with_foresight_and_stress_commits_the_base_plans_purchase(tmp_path):
    # With foresight, halt buys 100 t up front: 1,500. Hit by surprise, the committed base plan bought nothing
    # and cannot buy now: 100 t unmet, 100,000.
    sheets = hedge_book(0.1)
    out = run(tmp_path, "solve", sheets)
    assert cost(out) == pytest.approx(1200) and cost(out, "halt") == pytest.approx(1500)
    (tmp_path / "stress").mkdir()
    stressed = run(tmp_path / "stress", "stress", sheets)
    halt = stressed["Stress"].set_index("scenario").loc["halt"]
    assert halt["total_cost"] == pytest.approx(100_000)
    assert halt["unmet_tonnes"] == pytest.approx(100)


@pytest.mark.parametrize("sheets, needle", [
    (book([("li", "KOR", 0, 40, 0, 8, 9)]), "reserve!G2"),  # salvage above the purchase price
    (book([("li", "KOR", 0, 40, 0, None, 0)], budgets=table("budget, amount", ("vault", 100))), "budgets!A2"),
    (book([("li", "KOR", 0, 40, 0, -1, 0)]), "reserve!F2"),  # a negative purchase price
    (book([("li", "KOR", 0, 40, 0, 8, 0)], budgets=table("budget, amount", ("vault", -5))), "budgets!B2"),
])
def test_bad_stock_purchases_are_refused_by_cell(tmp_path, capsys, sheets, needle):
    inp = write_workbook(tmp_path / "bad.xlsx", sheets)
    assert main(["validate", str(inp)]) == 2
    assert needle in capsys.readouterr().err


def test_the_hedges_summary_names_the_stock_it_buys(tmp_path):
    out = run(tmp_path, "hedge", hedge_book(0.1))
    assert out["Summary"].set_index("item").loc["stock_bought", "value"] == "li for KOR 100 t"

"""Version 2 by hand: market rules, chain of custody, * except X, ownership, soft limits, lane measures, projects.

Every case has its optimum worked out in the comment above it, and where a plausible wrong reading
of the spec gives another number, that number too, so the test tells the right reading from it.
Unless a case says otherwise: one mineral li (unmet penalty 1000), one period 2026, every route
open at no cost, yield 1.
"""

from __future__ import annotations

import pandas as pd
import pytest

from planner.cli import main
from tests.checks import check_plan
from tests.workbooks import table, write_workbook

LI = table("mineral, raw_price, refined_price, unmet_penalty", ("li", 10, 20, 1000))
P1 = table("period", (2026,))


def solve(tmp_path, sheets, name="in") -> dict[str, pd.DataFrame]:
    inp = write_workbook(tmp_path / f"{name}.xlsx", {"minerals": LI, "periods": P1, **sheets})
    out = tmp_path / f"{name}-plan.xlsx"
    assert main(["solve", str(inp), "-o", str(out), "-q"]) == 0
    check_plan(inp, out)
    return pd.read_excel(out, sheet_name=None)


def cost(out, scenario="base") -> float:
    scenarios = out["Scenarios"].set_index("scenario")
    return float(scenarios.loc[scenario, "total_cost"])


def tonnes(out, sheet, scenario="base", **match) -> float:
    frame = out[sheet]
    frame = frame[frame["scenario"] == scenario]
    for column, value in match.items():
        frame = frame[frame[column] == value]
    return float(frame["tonnes"].sum())


# --- market-scoped shares --------------------------------------------------------------------------------------


def eu_rule_book(**refiners):
    return {
        "countries": table("country, groups", ("AUS", None), ("CHN", "FEOC"), ("USA", None), ("FRA", "EU")),
        "supply": table("mineral, country, capacity, cost", ("li", "AUS", 1000, 10)),
        "refining": table("mineral, country, capacity, cost", *[("li", c, 1000, k) for c, k in refiners.items()]),
        "demand": table("mineral, market, period, demand", ("li", "EU", 2026, 100), ("li", "USA", 2026, 100)),
        "shares": table("stage, scope, market, max_share", ("refining", "* except EU", "EU", 0.65)),
    }


def test_market_rule_caps_what_that_market_receives(tmp_path):
    # Refining CHN 2/t, USA 5/t; EU and USA need 100 t each; mining 10/t. No third country may refine more
    # than 65% of what the EU receives: EU gets 65 from CHN and 35 from USA; the USA market is not ruled and
    # takes CHN's: 200 x 10 + 165 x 2 + 35 x 5 = 2000 + 330 + 175 = 2505.
    # Read as a whole-plan rule (CHN <= 65% of all 200 t): CHN 130, USA 70 = 2000 + 260 + 350 = 2610.
    out = solve(tmp_path, eu_rule_book(CHN=2, USA=5))
    assert cost(out) == pytest.approx(2505)
    deliveries = out["Deliveries"]
    eu = deliveries[deliveries["market"] == "EU"].set_index("refiner")["tonnes"]
    assert eu["CHN"] == pytest.approx(65) and eu["USA"] == pytest.approx(35)


def test_market_bills_say_who_pays_for_a_market_rule(tmp_path):
    # The case above. With the rule, one more tonne for the EU comes 65% from CHN (12/t delivered) and
    # 35% from USA (15/t): its marginal cost is 0.65 x 12 + 0.35 x 15 = 13.05, its bill 100 x 13.05 = 1305;
    # without the rule it is 12, a bill of 1200. The rule adds 105 to the EU's bill, what it costs the plan
    # (35 t x 3 = 105), and nothing to the USA's (12/t either way: 1200).
    out = solve(tmp_path, eu_rule_book(CHN=2, USA=5))
    bills = out["Market bills"].set_index("market")
    assert set(bills["rule"]) == {"all share limits"}
    assert bills.loc["EU", "bill_with"] == pytest.approx(1305)
    assert bills.loc["EU", "bill_without"] == pytest.approx(1200)
    assert bills.loc["EU", "rule_bill"] == pytest.approx(105)
    assert bills.loc["USA", ["bill_with", "bill_without", "rule_bill"]].tolist() == pytest.approx([1200, 1200, 0])
    policy = out["Policy costs"].set_index("rule")
    assert policy.loc["all share limits", "rule_cost"] == pytest.approx(105)


def test_except_leaves_the_members_of_x_free(tmp_path):
    # FRA (an EU member) refines at 2/t, CHN at 4/t; the rule on the EU market exempts EU members: FRA
    # serves all 200 t, the rule never binds: 200 x 12 = 2400. Applied to EU members by mistake, FRA would
    # be held to 65 t of the EU's 100 (CHN the other 35 at 4/t): 2400 + 35 x 2 = 2470.
    out = solve(tmp_path, eu_rule_book(FRA=2, CHN=4))
    assert cost(out) == pytest.approx(2400)
    assert tonnes(out, "Deliveries", refiner="FRA", market="EU") == pytest.approx(100)


def test_chain_of_custody_supply_rule(tmp_path):
    # Mines CHN 10/t and AUS 20/t feed one refinery, KOR (free). No mine country may hold more than 60% of
    # the raw tonnes in what the EU receives. KOR assigns 40 t of AUS ore to the EU's 100 t and sends CHN's
    # to the USA: 160 x 10 + 40 x 20 = 2400.
    # Read as the refinery's average mix (the EU's supply = KOR's inputs), CHN could hold 60% of all KOR's
    # 200 t: 120 x 10 + 80 x 20 = 2800.
    out = solve(tmp_path, {
        "countries": table("country", ("CHN",), ("AUS",), ("KOR",)),
        "supply": table("mineral, country, capacity, cost", ("li", "CHN", 1000, 10), ("li", "AUS", 1000, 20)),
        "refining": table("mineral, country, capacity, cost", ("li", "KOR", 1000, 0)),
        "demand": table("mineral, market, period, demand", ("li", "EU", 2026, 100), ("li", "USA", 2026, 100)),
        "shares": table("stage, scope, market, max_share", ("supply", "*", "EU", 0.6)),
    })
    assert cost(out) == pytest.approx(2400)
    assert tonnes(out, "Paths", origin="AUS", market="EU") == pytest.approx(40)
    assert tonnes(out, "Paths", origin="CHN", market="EU") == pytest.approx(60)
    assert tonnes(out, "Paths", origin="CHN", market="USA") == pytest.approx(100)


# --- ownership --------------------------------------------------------------------------------------------------


def test_owner_basis_counts_chinese_owned_refining_abroad(tmp_path):
    # Refining IDN 1/t (80% Chinese-owned), CHN 2/t, AUS 5/t; mining PHL 10/t; the USA needs 100 t and
    # allows FEOC (CHN) at most 50% of its refined supply, by owner. FEOC holds 0.8 IDN + CHN <= 50:
    # IDN 62.5 and AUS 37.5: 1000 + 62.5 + 187.5 = 1250. By location (IDN not FEOC): IDN 100, 1100.
    sheets = {
        "countries": table("country, groups", ("PHL", None), ("IDN", None), ("CHN", "FEOC"), ("AUS", None)),
        "supply": table("mineral, country, capacity, cost", ("li", "PHL", 1000, 10)),
        "refining": table("mineral, country, capacity, cost", ("li", "IDN", 1000, 1), ("li", "CHN", 1000, 2),
                          ("li", "AUS", 1000, 5)),
        "demand": table("mineral, market, period, demand", ("li", "USA", 2026, 100)),
        "ownership": table("stage, country, owner, share", ("refining", "IDN", "CHN", 0.8)),
        "shares": table("stage, scope, market, basis, max_share", ("refining", "FEOC", "USA", "owner", 0.5)),
    }
    out = solve(tmp_path, sheets)
    assert cost(out) == pytest.approx(1250)
    refining = out["Refining"].set_index("refiner")["output_tonnes"]
    assert refining["IDN"] == pytest.approx(62.5) and refining["AUS"] == pytest.approx(37.5)
    sheets["shares"] = table("stage, scope, market, basis, max_share", ("refining", "FEOC", "USA", "location", 0.5))
    assert cost(solve(tmp_path, sheets, "location")) == pytest.approx(1100)


# --- soft limits ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("penalty, expected, excess", [(3, 1120, 40), (8, 1200, 0)])
def test_soft_limit_is_paid_or_met_whichever_is_cheaper(tmp_path, penalty, expected, excess):
    # Mines A 10/t and B 15/t, 100 t each; demand 100. A soft cap of 60% per country: moving a tonne from A
    # to B costs 5. At a penalty of 3 the plan pays it: A 100, 40 t beyond, 1000 + 40 x 3 = 1120. At 8 it
    # moves 40 t: 600 + 600 = 1200, nothing beyond.
    out = solve(tmp_path, {
        "countries": table("country", ("AAA",), ("BBB",), ("CHN",)),
        "supply": table("mineral, country, capacity, cost", ("li", "AAA", 100, 10), ("li", "BBB", 100, 15)),
        "refining": table("mineral, country, capacity, cost", ("li", "CHN", 1000, 0)),
        "demand": table("mineral, market, period, demand", ("li", "EU", 2026, 100)),
        "shares": table("stage, scope, max_share, penalty", ("supply", "*", 0.6, penalty)),
    })
    assert cost(out) == pytest.approx(expected)
    if excess:
        row = out["Excess"].iloc[0]
        assert (row["shares_row"], row["scope"], row["bound"]) == (2, "AAA", "max")
        assert row["tonnes_beyond"] == pytest.approx(40) and row["cost"] == pytest.approx(120)
        prices = out["Shadow prices"]
        paid = prices[prices["constraint"].str.startswith("share_max") & (prices["scope"] == "AAA")].iloc[0]
        assert paid["value_per_t"] == pytest.approx(3) and paid["excess_tonnes"] == pytest.approx(40)
    else:
        assert "Excess" not in out or out["Excess"].empty


# --- bilateral measures ------------------------------------------------------------------------------------------


def lanes_book(*scenario_rows):
    # Mines CHN 10/t, AUS 15/t; refineries CHN 2/t, JPN 4/t; markets JPN 100 t and CHN 50 t. Base: all through
    # China: 150 x 12 = 1800.
    return {
        "countries": table("country", ("CHN",), ("AUS",), ("JPN",)),
        "supply": table("mineral, country, capacity, cost", ("li", "CHN", 1000, 10), ("li", "AUS", 1000, 15)),
        "refining": table("mineral, country, capacity, cost", ("li", "CHN", 1000, 2), ("li", "JPN", 1000, 4)),
        "demand": table("mineral, market, period, demand", ("li", "JPN", 2026, 100), ("li", "CHN", 2026, 50)),
        "scenarios": table("scenario, kind, factor, mineral, country, to, stage", *scenario_rows),
    }


def test_export_ban_closes_exports_not_domestic_use(tmp_path):
    # A ban on China's exports (to blank, both stages): China's market keeps its own supply (50 x 12 = 600);
    # Japan refines Australian ore: 100 x (15 + 4) = 1900. Total 2500. A ban that also closed China's routes
    # to itself would send Japan-refined Australian ore to China as well: 1900 + 50 x 19 = 2850.
    # A ban on the delivery lane China -> Japan only: Japan refines Chinese ore, 100 x 14 = 1400; 2000.
    out = solve(tmp_path, lanes_book(("ban", "export_ban", None, "li", "CHN", None, None),
                                     ("lane", "export_ban", None, "li", "CHN", "JPN", "delivery")))
    assert cost(out) == pytest.approx(1800)
    assert cost(out, "ban") == pytest.approx(2500)
    assert cost(out, "lane") == pytest.approx(2000)
    assert tonnes(out, "Flows", "ban", origin="CHN", refiner="CHN") == pytest.approx(50)
    assert tonnes(out, "Flows", "lane", origin="CHN", refiner="JPN") == pytest.approx(100)


def test_tariff_adds_points_of_the_price_on_its_lane(tmp_path):
    # The refined price is 20. 5 points on China -> Japan deliveries add 1/t: Chinese refining still wins
    # (13 < 14): 100 x 13 + 600 = 1900. 50 points add 10/t: Japan refines Chinese ore (14 < 22): 2000.
    out = solve(tmp_path, lanes_book(("small", "tariff", 0.05, "li", "CHN", "JPN", "delivery"),
                                     ("large", "tariff", 0.5, "li", "CHN", "JPN", "delivery")))
    assert cost(out, "small") == pytest.approx(1900)
    assert cost(out, "large") == pytest.approx(2000)
    assert tonnes(out, "Deliveries", "small", refiner="CHN", market="JPN") == pytest.approx(100)
    assert tonnes(out, "Deliveries", "large", refiner="JPN", market="JPN") == pytest.approx(100)


# --- projects ---------------------------------------------------------------------------------------------------


def project_book(integer=False, periods=P1, refining_capacity=1000, first_period=None, shares=True):
    # Mine AUS 10/t; refinery CHN 2/t; a candidate refinery in KOR: 100 t a period at 3/t, fixed 1 per t of
    # capacity a year; the USA needs 100 t a period.
    book = {
        "periods": periods,
        "countries": table("country", ("AUS",), ("CHN",), ("KOR",)),
        "supply": table("mineral, country, capacity, cost", ("li", "AUS", 1000, 10)),
        "refining": table("mineral, country, capacity, cost", ("li", "CHN", refining_capacity, 2)),
        "demand": table("mineral, market, period, demand", *[("li", "USA", t[0], 100) for t in periods[1:]]),
        "projects": table("project, stage, mineral, country, capacity, cost, fixed_cost, first_period, integer",
                          ("KOR refinery", "refining", "li", "KOR", 100, 3, 1, first_period, integer)),
    }
    if shares:
        book["shares"] = table("stage, scope, max_share", ("refining", "*", 0.6))
    return book


def test_a_share_limit_forces_a_fractional_build(tmp_path):
    # China may refine at most 60%: KOR must refine 40 t, so 0.4 of the project is built.
    # 100 x 10 + 60 x 2 + 40 x 3 + 0.4 x 100 x 1 = 1000 + 120 + 120 + 40 = 1280.
    out = solve(tmp_path, project_book())
    assert cost(out) == pytest.approx(1280)
    built = out["Investments"].iloc[0]
    assert (built["project"], built["country"], built["period"]) == ("KOR refinery", "KOR", 2026)
    assert built["fraction_built"] == pytest.approx(0.4) and built["capacity_added"] == pytest.approx(40)
    assert built["fixed_cost"] == pytest.approx(40)
    refining = out["Refining"].set_index("refiner")
    assert refining.loc["KOR", "output_tonnes"] == pytest.approx(40) and refining.loc["KOR", "project"] == "KOR refinery"


def test_the_same_project_all_or_nothing(tmp_path):
    # integer TRUE: built whole or not at all. Whole: the same 40 t from KOR, but 100 x 1 of fixed cost:
    # 1000 + 120 + 120 + 100 = 1340 (not building leaves China alone, capped at 60% of nothing: 100 t unmet).
    out = solve(tmp_path, project_book(integer=True))
    assert cost(out) == pytest.approx(1340)
    assert out["Investments"].iloc[0]["fraction_built"] == pytest.approx(1.0)
    info = out["Run info"].set_index("item")["value"]
    assert int(info["model_integer_columns"]) == 1


def test_a_project_cannot_stand_before_its_first_period(tmp_path):
    # China refines at most 50 t a period; the KOR project can stand from 2027 only. 2026: 50 t unmet at 1000/t
    # and 50 t through China, 50,000 + 50 x 12 = 50,600. 2027: half the project, 50 t through KOR:
    # 1000 + 50 x 2 + 50 x 3 + 0.5 x 100 x 1 = 1300. Total 51,900.
    periods = table("period", (2026,), (2027,))
    out = solve(tmp_path, project_book(periods=periods, refining_capacity=50, first_period=2027, shares=False))
    assert cost(out) == pytest.approx(51_900)
    built = out["Investments"]
    assert list(built["period"]) == [2027] and built["fraction_built"].iloc[0] == pytest.approx(0.5)
    assert out["Unmet"].set_index("period")["tonnes"][2026] == pytest.approx(50)


# --- hedge ------------------------------------------------------------------------------------------------------


def hedge_book(probability, integer=False):
    # Mine AUS 10/t; refinery CHN 2/t; the USA needs 100 t. A candidate refinery in KOR: 100 t at 3/t, fixed
    # 50 per t of capacity a year (5,000 a year whole). Scenario "ban": China stops refined exports to the USA.
    return {
        "countries": table("country", ("AUS",), ("CHN",), ("KOR",)),
        "supply": table("mineral, country, capacity, cost", ("li", "AUS", 1000, 10)),
        "refining": table("mineral, country, capacity, cost", ("li", "CHN", 1000, 2)),
        "demand": table("mineral, market, period, demand", ("li", "USA", 2026, 100)),
        "projects": table("project, stage, mineral, country, capacity, cost, fixed_cost, integer",
                          ("KOR refinery", "refining", "li", "KOR", 100, 3, 50, integer)),
        "scenarios": table("scenario, kind, mineral, country, to, stage, probability",
                           ("ban", "export_ban", "li", "CHN", "USA", "delivery", probability)),
    }


def hedge(tmp_path, sheets, name="hedge"):
    inp = write_workbook(tmp_path / f"{name}.xlsx", {"minerals": LI, "periods": P1, **sheets})
    out = tmp_path / f"{name}-out.xlsx"
    assert main(["hedge", str(inp), "-o", str(out), "-q"]) == 0
    return pd.read_excel(out, sheet_name=None)


@pytest.mark.parametrize("integer", [False, True])
def test_a_ten_percent_ban_makes_the_project_worth_building(tmp_path, integer):
    # Building a share b of KOR costs 5,000 b a year in every scenario. Base: China refines, 100 x 12 = 1,200.
    # Ban: KOR refines 100 b at 13/t, the rest goes unmet at 1,000/t. Expected cost:
    # 5,000 b + 0.9 x 1,200 + 0.1 x (1,300 b + 100,000 (1 - b)) = const + b (5,000 - 9,870): build it all.
    # With it: base 1,200 + 5,000 = 6,200, ban 1,300 + 5,000 = 6,300; expected 0.9 x 6,200 + 0.1 x 6,300 = 6,210.
    # The base plan alone builds nothing: base 1,200, ban 100,000, expected 1,080 + 10,000 = 11,080.
    # Value of hedging: 11,080 - 6,210 = 4,870.
    out = hedge(tmp_path, hedge_book(0.1, integer))
    summary = out["Summary"].set_index("item")["value"]
    assert float(summary["expected_cost"]) == pytest.approx(6210)
    assert float(summary["value_of_hedging"]) == pytest.approx(4870)
    scenarios = out["Scenarios"].set_index("scenario")
    assert list(scenarios.index) == ["base", "ban"]
    assert scenarios.loc["base", "probability"] == pytest.approx(0.9)
    assert scenarios.loc["base", "total_cost"] == pytest.approx(6200)
    assert scenarios.loc["ban", "total_cost"] == pytest.approx(6300)
    assert scenarios.loc["ban", "cost_with_base_builds"] == pytest.approx(100_000)
    built = out["Investments"]
    hedged = built[built["scenario"] == "hedge"].iloc[0]
    assert hedged["project"] == "KOR refinery" and hedged["fraction_built"] == pytest.approx(1)
    assert built[built["scenario"] == "base plan's own"].empty


def test_a_one_percent_ban_does_not_and_hedging_is_worth_nothing(tmp_path):
    # At 1%: b (5,000 - 987) > 0, build nothing; the hedge's builds are the base plan's: value exactly 0.
    # Expected cost 0.99 x 1,200 + 0.01 x 100,000 = 1,188 + 1,000 = 2,188.
    out = hedge(tmp_path, hedge_book(0.01))
    summary = out["Summary"].set_index("item")["value"]
    assert float(summary["expected_cost"]) == pytest.approx(2188)
    assert float(summary["value_of_hedging"]) == 0
    assert out["Investments"].empty


def test_solve_plans_each_scenario_with_its_own_builds_and_stress_commits_the_base_plans(tmp_path):
    # With foresight the ban scenario builds KOR itself: 1,300 + 5,000 = 6,300 (building beats 100,000 unmet).
    # Hit by surprise, the committed base plan (nothing built) cannot add one: 100 t unmet, 100,000.
    sheets = hedge_book(0.1)
    out = solve(tmp_path, sheets)
    assert cost(out) == pytest.approx(1200) and cost(out, "ban") == pytest.approx(6300)
    inp = write_workbook(tmp_path / "stress.xlsx", {"minerals": LI, "periods": P1, **sheets})
    stress_out = tmp_path / "stress-out.xlsx"
    assert main(["stress", str(inp), "-o", str(stress_out), "-q"]) == 0
    stress = pd.read_excel(stress_out, sheet_name="Stress").set_index("scenario")
    assert stress.loc["ban", "total_cost"] == pytest.approx(100_000)
    assert stress.loc["ban", "unmet_tonnes"] == pytest.approx(100)


def test_a_project_left_out_says_how_much_cheaper_it_must_be(tmp_path):
    # Without a share limit the KOR refinery (3/t) never beats China (2/t): building it in full adds its fixed
    # 100 x 1 = 100 and saves nothing, so its reduced cost is 100 per whole project, 1 per t a year: it must be
    # 1 per t a year cheaper (fixed_cost 0) and then some to enter.
    out = solve(tmp_path, project_book(shares=False))
    assert cost(out) == pytest.approx(1200)
    value = out["Project values"].iloc[0]
    assert value["fraction_built"] == 0 and value["reduced_cost"] == pytest.approx(100)
    assert value["cheaper_by_per_t_year"] == pytest.approx(1) and value["duals_from"] == "the LP"


def test_a_rules_mixed_integer_re_solve_from_the_base_plan_gives_what_a_cold_one_gives(tmp_path, monkeypatch):
    # Explain re-solves an all-or-nothing plan without each rule, starting from the base plan (still feasible
    # once a rule is off) as its incumbent: the costs must be those of a re-solve that starts from nothing.
    from planner.solver.highs import HighsSession

    warm = solve(tmp_path, project_book(integer=True), "warm")
    started = []
    original = HighsSession.solve

    def cold(self, numbers=None, incumbent=None):
        started.append(incumbent is not None)
        return original(self, numbers)

    monkeypatch.setattr(HighsSession, "solve", cold)
    cold_out = solve(tmp_path, project_book(integer=True), "cold")
    assert any(started)  # a re-solve was given the base plan, and ignored it here
    pd.testing.assert_frame_equal(warm["Policy costs"], cold_out["Policy costs"])
    pd.testing.assert_frame_equal(warm["Market bills"], cold_out["Market bills"])

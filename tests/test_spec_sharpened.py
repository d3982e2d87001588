"""Rules the spec sharpened where two readings existed (issue 22, item 8), each with the wrong reading's number.

Unless a case says otherwise: one mineral li (raw 10, refined 20, unmet penalty 1000), one period 2026,
every route open at no cost, yield 1.
"""

from __future__ import annotations

import pandas as pd
import pytest

from planner.cli import main
from tests.checks import check_plan
from tests.workbooks import table, write_workbook

LI = table("mineral, raw_price, refined_price, unmet_penalty", ("li", 10, 20, 1000))
P1 = table("period", (2026,))


def run(tmp_path, command, sheets, name="in") -> dict[str, pd.DataFrame]:
    inp = write_workbook(tmp_path / f"{name}.xlsx", {"minerals": LI, "periods": P1, **sheets})
    out = tmp_path / f"{name}-{command}.xlsx"
    assert main([command, str(inp), "-o", str(out), "-q"]) == 0
    if command == "solve":
        check_plan(inp, out)
    return pd.read_excel(out, sheet_name=None)


def scenario_cost(out, scenario="base") -> float:
    return float(out["Scenarios"].set_index("scenario").loc[scenario, "total_cost"])


def summary(out) -> pd.Series:
    return out["Summary"].set_index("item")["value"]


def test_a_tariff_with_no_destination_leaves_a_countrys_routes_to_itself_alone(tmp_path):
    # Mine AUS 10/t; refineries AUS 2/t and KOR 1/t; KOR needs 100 t. Base: refine in KOR, 100 x 11 = 1,100.
    # Duty: tariff 0.5 on AUS's raw exports (to blank, stage supply): AUS -> KOR costs 0.5 x 10 = 5/t more, so
    # KOR refining costs 16/t against AUS refining 12/t on the untaxed domestic route: 100 x 12 = 1,200.
    # Taxing AUS -> AUS too would leave KOR the cheaper at 16/t: 1,600.
    sheets = {
        "countries": table("country", ("AUS",), ("KOR",)),
        "supply": table("mineral, country, capacity, cost", ("li", "AUS", 1000, 10)),
        "refining": table("mineral, country, capacity, cost", ("li", "AUS", 1000, 2), ("li", "KOR", 1000, 1)),
        "demand": table("mineral, market, period, demand", ("li", "KOR", 2026, 100)),
        "scenarios": table("scenario, kind, factor, mineral, country, stage", ("duty", "tariff", 0.5, "li", "AUS", "supply")),
    }
    out = run(tmp_path, "solve", sheets)
    assert scenario_cost(out) == pytest.approx(1100)
    assert scenario_cost(out, "duty") == pytest.approx(1200)
    refining = out["Refining"]
    duty = refining[refining["scenario"] == "duty"].set_index("refiner")["output_tonnes"]
    assert duty.get("AUS") == pytest.approx(100)


def star_book(min_share, extra_refining=()):
    # Refining CHN 2/t and KOR 5/t (1,000 t each), mining AUS 10/t; the USA needs 100 t. AUS and USA refine nothing.
    return {
        "countries": table("country", ("AUS",), ("CHN",), ("KOR",), ("USA",)),
        "supply": table("mineral, country, capacity, cost", ("li", "AUS", 1000, 10)),
        "refining": table("mineral, country, capacity, cost", ("li", "CHN", 1000, 2), ("li", "KOR", 1000, 5),
                          *extra_refining),
        "demand": table("mineral, market, period, demand", ("li", "USA", 2026, 100)),
        "shares": table("stage, scope, min_share", ("refining", "*", min_share)),
    }


def test_star_gives_a_floor_only_to_countries_that_can_refine(tmp_path):
    # Every refining country must refine at least 30%: CHN 70, KOR 30: 100 x 10 + 70 x 2 + 30 x 5 = 1,290.
    # A row for AUS or USA too (0 >= 0.3 x total) would allow no refining at all: 100 t unmet, 100,000.
    out = run(tmp_path, "solve", star_book(0.3))
    assert scenario_cost(out) == pytest.approx(1290)
    refined = out["Refining"].set_index("refiner")["output_tonnes"]
    assert refined["CHN"] == pytest.approx(70) and refined["KOR"] == pytest.approx(30)


def hedge_book(projects, probability=0.1):
    # Mine AUS 10/t; refinery CHN 2/t; the USA needs 100 t. Scenario "ban": China stops refined exports to the USA.
    return {
        "countries": table("country", ("AUS",), ("CHN",), ("KOR",), ("JPN",)),
        "supply": table("mineral, country, capacity, cost", ("li", "AUS", 1000, 10)),
        "refining": table("mineral, country, capacity, cost", ("li", "CHN", 1000, 2)),
        "demand": table("mineral, market, period, demand", ("li", "USA", 2026, 100)),
        "projects": table("project, stage, mineral, country, capacity, cost, fixed_cost, integer", *projects),
        "scenarios": table("scenario, kind, mineral, country, to, stage, probability",
                           ("ban", "export_ban", "li", "CHN", "USA", "delivery", probability)),
    }


@pytest.mark.parametrize("integer", [False, True])
def test_a_build_the_base_plan_is_indifferent_to_is_its_own_when_it_hedges(tmp_path, integer):
    # KOR refinery: 100 t at 1/t, fixed 1 per t of capacity a year: refining 100 t there costs 100 + 100 = 200,
    # as in CHN (2/t). The base plan costs 100 x 12 = 1,200 built or not: both are base-optimal. Built, the ban
    # costs 1,200 too; not built, 100 t go unmet, 100,000 (+ 100 if the fixed cost is paid). Of the
    # base-optimal builds the base plan's own are those with the lowest expected cost: built, 1,200, the
    # hedge's own; value of hedging 0. Had the base plan's own been "nothing": 0.9 x 1,200 + 0.1 x 100,000
    # - 1,200 = 9,880.
    out = run(tmp_path, "hedge", hedge_book([("KOR refinery", "refining", "li", "KOR", 100, 1, 1, integer)]))
    assert float(summary(out)["expected_cost"]) == pytest.approx(1200)
    assert float(summary(out)["value_of_hedging"]) == 0
    scenarios = out["Scenarios"].set_index("scenario")
    assert scenarios.loc["ban", "cost_with_base_builds"] == pytest.approx(1200)


@pytest.mark.parametrize("order", [("KOR", "JPN"), ("JPN", "KOR")])
def test_two_identical_projects_give_the_same_value_of_hedging_in_either_order(tmp_path, order):
    # Two identical refineries (100 t at 3/t, fixed 50/t a year): the base plan builds neither (1,200); the
    # ban makes one worth it at 10%: expected 0.9 x 6,200 + 0.1 x 6,300 = 6,210 (see test_version2's case).
    # The base plan's own builds are unique (nothing), the value 11,080 - 6,210 = 4,870 whichever comes first.
    projects = [(f"{c} refinery", "refining", "li", c, 100, 3, 50, True) for c in order]
    out = run(tmp_path, "hedge", hedge_book(projects))
    assert float(summary(out)["expected_cost"]) == pytest.approx(6210)
    assert float(summary(out)["value_of_hedging"]) == pytest.approx(4870)


@pytest.mark.parametrize("order", [("KOR", "JPN"), ("JPN", "KOR")])
def test_two_identical_break_even_projects_tie_the_same_way_in_either_order(tmp_path, order):
    # Two identical refineries at 1/t, fixed 1/t a year: refining there costs what it costs in CHN, so the base
    # plan costs 1,200 with either, both or neither built; one built covers the ban (1,200). The base plan's
    # own builds are chosen to cost the least in expectation, 1,200, so the value of hedging is 0 in
    # either order (with the builds HiGHS happens to return, it could be 0 or 9,880).
    projects = [(f"{c} refinery", "refining", "li", c, 100, 1, 1, True) for c in order]
    out = run(tmp_path, "hedge", hedge_book(projects))
    assert float(summary(out)["expected_cost"]) == pytest.approx(1200)
    assert float(summary(out)["value_of_hedging"]) == 0


def test_a_hedge_with_nothing_to_decide_reports_the_expected_cost(tmp_path):
    # No projects: the hedge is each scenario planned on its own. Base 1,200; the ban leaves 100 t unmet,
    # 100,000. Expected 0.9 x 1,200 + 0.1 x 100,000 = 11,080; value of hedging 0.
    sheets = hedge_book([])
    del sheets["projects"]
    out = run(tmp_path, "hedge", sheets)
    assert float(summary(out)["expected_cost"]) == pytest.approx(11_080)
    assert float(summary(out)["value_of_hedging"]) == 0
    scenarios = out["Scenarios"].set_index("scenario")
    assert scenarios.loc["ban", "total_cost"] == pytest.approx(100_000)

"""Scenarios are ranked by one reading of cost everywhere: the change in economic cost, what the world loses.

A tariff raises what the plan pays (the duty is part of the total cost) but is a transfer to the importing
government, not a cost to the world. In the case below the tariff is the costliest scenario by total cost
and the cheapest by economic cost; the plan's Summary, the stress test's Summary and the brief must all
name the other scenario, which costs the world more.

One mineral, mined in AUS only (capacity 1000 t at 10/t), refined in KOR at no cost (refined price 30/t),
100 t of US demand in 2026; the base plan costs 100 x 10 = 1000. With foresight:
    "tariff" (0.5 on KOR -> USA deliveries): + 0.5 x 30 x 100 t = +1500 total, +0 to the world
    "demand surge" (US demand x 1.1):        + 10 t x 10        = +100 total, +100 to the world
Stress-tested, the committed plan keeps its 100 t of contracts and buys the surge's 10 t on the spot market
at 1.5 x 10: +150 total and to the world; the tariff falls on deliveries, not contracts: +1500, +0.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import planner
from planner.cli import main
from tests.workbooks import table, write_workbook

ROOT = Path(__file__).resolve().parents[1]
TARIFF, SURGE = "tariff", "demand surge"


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    return write_workbook(tmp_path_factory.mktemp("ranking") / "ranking.xlsx", {
        "minerals": table("mineral, refined_price, unmet_penalty", ("Li", 30, 1000)),
        "countries": table("country", ("AUS",), ("KOR",), ("USA",)),
        "periods": table("period", (2026,)),
        "supply": table("mineral, country, capacity, cost", ("Li", "AUS", 1000, 10)),
        "refining": table("mineral, country, capacity, cost", ("Li", "KOR", 1000, 0)),
        "demand": table("mineral, market, period, demand", ("Li", "USA", 2026, 100)),
        "scenarios": table("scenario, kind, factor, mineral, country, to, stage",
                           (TARIFF, "tariff", 0.5, "Li", "KOR", "USA", "delivery"),
                           (SURGE, "demand", 1.1, "Li", "USA", None, None)),
    })


def summary(path) -> dict:
    rows = openpyxl.load_workbook(path, read_only=True)["Summary"].iter_rows(min_row=2, values_only=True)
    return {row[0]: row[1] for row in rows}


@pytest.fixture(scope="module")
def plan(workbook, tmp_path_factory):
    out = tmp_path_factory.mktemp("plan") / "plan.xlsx"
    run = planner.solve(workbook, out, workers=1)
    return out, run.tables["scenarios"].set_index("scenario")


def test_the_two_readings_disagree_as_worked_out(plan):
    _, scenarios = plan
    assert scenarios.at[TARIFF, "cost_change"] == pytest.approx(1500, rel=1e-9)
    assert scenarios.at[TARIFF, "economic_cost_change"] == pytest.approx(0, abs=1e-6)
    assert scenarios.at[SURGE, "cost_change"] == pytest.approx(100, rel=1e-9)
    assert scenarios.at[SURGE, "economic_cost_change"] == pytest.approx(100, rel=1e-9)


def test_the_plans_summary_names_the_costliest_to_the_world(plan):
    items = summary(plan[0])
    assert items["costliest_scenario"] == SURGE
    assert items["its_cost_change"] == pytest.approx(100, rel=1e-9)
    assert items["its_economic_cost_change"] == pytest.approx(100, rel=1e-9)


def test_the_stress_summary_ranks_by_the_same_reading(workbook, tmp_path):
    out = tmp_path / "stress.xlsx"
    stress = planner.stress(workbook, out, workers=1).tables["stress"].set_index("scenario")
    assert stress.at[TARIFF, "extra_cost"] == pytest.approx(1500, rel=1e-9)
    assert stress.at[TARIFF, "economic_extra_cost"] == pytest.approx(0, abs=1e-6)
    assert stress.at[SURGE, "extra_cost"] == pytest.approx(150, rel=1e-9)
    assert stress.at[SURGE, "economic_extra_cost"] == pytest.approx(150, rel=1e-9)
    items = summary(out)
    # A rise in demand is no disruption: each is named apart, and the surge costs the world the most.
    assert items["worst_demand_shock"] == SURGE
    assert items["its_shock_extra_cost"] == pytest.approx(150, rel=1e-9)
    assert items["its_shock_economic_extra_cost"] == pytest.approx(150, rel=1e-9)
    assert items["worst_disruption"] == TARIFF
    assert items["its_extra_cost"] == pytest.approx(1500, rel=1e-9)
    assert items["its_economic_extra_cost"] == pytest.approx(0, abs=1e-6)


def test_the_brief_draws_the_costliest_to_the_world(plan, tmp_path):
    out = tmp_path / "brief.html"
    assert main(["brief", str(plan[0]), "-o", str(out), "-q"]) == 0
    assert f"<figcaption>Scenario: {SURGE}" in out.read_text(encoding="utf-8")


def test_the_readmes_table_misses_none_of_either_readings_five_costliest():
    """scripts/walkthrough.py lists the five costliest by economic cost and any of the five costliest by total
    cost they leave out, all in the economic ranking: here "f" (a tariff: 9 total, 0.5 economic) joins them."""
    spec = importlib.util.spec_from_file_location("walkthrough", ROOT / "scripts" / "walkthrough.py")
    walkthrough = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(walkthrough)
    scenarios = pd.DataFrame({"cost_change": [50, 40, 30, 20, 9, 1, 0.1],
                              "economic_cost_change": [50, 40, 30, 20, 0.5, 1, 0.1]},
                             index=list("abcdfeg"))
    shown = walkthrough.costliest(scenarios)
    assert list(shown.index) == ["a", "b", "c", "d", "e", "f"]
    assert walkthrough.ranking_note(shown) == ("the five costliest by it, and one more that the change in total cost "
                                               "ranks among its five costliest")
    same = walkthrough.costliest(scenarios.drop(index="f"))
    assert list(same.index) == list("abcde")
    assert walkthrough.ranking_note(same) == "the five costliest by the change in total cost are the same five"

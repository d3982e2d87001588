"""Version 3 by hand: demand that answers to price, prices, and costs that are costs.

Every case has its optimum worked out in the comment above it. Unless a case says otherwise: one
mineral li (raw price 10, refined price 20, unmet penalty 1000), one period 2026, a mine in AUS
at 10/t, a refinery in AUS at 2/t (a delivered tonne costs 12), every route open at no cost.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.cli import main
from planner.input.demand_curves import elastic_curve
from tests.checks import check_plan
from tests.workbooks import table, write_workbook

P1 = table("period", (2026,))


def book(supply=1000, demand=(("li", "KOR", 2026, 100),), demand_columns="mineral, market, period, demand",
         unmet_penalty=1000, settings=(), **more):
    sheets = {
        "minerals": table("mineral, raw_price, refined_price, unmet_penalty", ("li", 10, 20, unmet_penalty)),
        "periods": P1,
        "countries": table("country", ("AUS",), ("CHL",), ("KOR",)),
        "supply": table("mineral, country, capacity, cost", ("li", "AUS", supply, 10)),
        "refining": table("mineral, country, capacity, cost", ("li", "AUS", 10_000, 2)),
        "demand": table(demand_columns, *demand),
    }
    if settings:
        sheets["settings"] = table("key, value", *settings)
    sheets.update(more)
    return sheets


def solve(tmp_path, sheets, name="in") -> dict[str, pd.DataFrame]:
    inp = write_workbook(tmp_path / f"{name}.xlsx", sheets)
    out = tmp_path / f"{name}-plan.xlsx"
    assert main(["solve", str(inp), "-o", str(out), "-q"]) == 0
    check_plan(inp, out)
    return pd.read_excel(out, sheet_name=None)


def scenario(out, name="base") -> pd.Series:
    return out["Scenarios"].set_index("scenario").loc[name]


def price(out, name="base", market="KOR") -> float:
    prices = out["Prices"]
    return float(prices[(prices["scenario"] == name) & (prices["market"] == market)]["price"].iloc[0])


# --- the curve's steps -------------------------------------------------------------------------------------


def test_elastic_steps_follow_the_closed_forms():
    # e = -0.5 (a = -2), p0 = 100, U = 400: q_U/q0 = (400/100)^-0.5 = 0.5. K = 2, w = 0.25 q0.
    # P(s) = 100 s^-2; the integral over [x, y] is 100 (1/x - 1/y).
    # v1 = 100 (1/0.5 - 1/0.75) / 0.25 = 100 x 0.6667 / 0.25 = 266.67; v2 = 100 (1/0.75 - 1) / 0.25 = 133.33.
    curve = elastic_curve(-0.5, 100, 400, 2)
    assert curve.core == pytest.approx(0.5)
    assert curve.widths == pytest.approx((0.25, 0.25))
    assert curve.values == pytest.approx((800 / 3, 400 / 3))
    # e = -1: the logarithm. q_U/q0 = 0.1; K = 1: v1 = 100 ln(1/0.1) / 0.9 = 255.84.
    assert elastic_curve(-1, 100, 1000, 1).values == pytest.approx((100 * math.log(10) / 0.9,))


def test_fixed_demand_where_the_penalty_is_at_or_below_the_reference_price():
    # U <= p0, e = 0 or p0 = 0: the row is fixed demand (spec, Version 3).
    assert elastic_curve(-0.5, 1000, 1000, 10) is None
    assert elastic_curve(0.0, 100, 1000, 10) is None
    assert elastic_curve(-0.5, 0.0, 1000, 10) is None


def test_more_steps_converge_to_the_curves_lost_value():
    # Leaving the whole elastic part unserved loses the integral of P from q_U to q0, whatever K is:
    # for e = -0.5, p0 = 100, U = 400 that is 100 (1/0.5 - 1) = 100 per unit of q0.
    for k in (1, 10, 1000):
        curve = elastic_curve(-0.5, 100, 400, k)
        assert sum(w * v for w, v in zip(curve.widths, curve.values)) == pytest.approx(100)
    # Leaving the slice [q_U, 0.75 q0] unserved loses 100 (1/0.5 - 1/0.75) = 66.67; with K steps the plan can
    # only drop whole steps and a part of one, so the loss on the first half converges as K grows.
    exact = 100 * (1 / 0.5 - 1 / 0.75)
    errors = []
    for k in (2, 10, 100):
        curve = elastic_curve(-0.5, 100, 400, k)
        half = k // 2
        errors.append(abs(sum(w * v for w, v in zip(curve.widths[:half], curve.values[:half])) - exact))
    assert errors[0] == pytest.approx(0, abs=1e-9)  # the edge falls on a step's edge exactly
    curve = elastic_curve(-0.5, 100, 400, 3)
    third = 100 * (1 / 0.5 - 1 / (0.5 + 0.5 / 3))
    assert curve.widths[0] * curve.values[0] == pytest.approx(third)


# --- plans with elastic demand ----------------------------------------------------------------------------


def test_elasticity_minus_one_prices_out_the_least_valued_tonnes(tmp_path):
    # KOR wants q0 = 100 t at p0 = 100, e = -1, U = 1000: q_U = 100 x (1000/100)^-1 = 10 t; K = 2 steps of 45 t.
    # v1 = 100 x 100 x ln(55/10) / 45 = 378.83; v2 = 100 x 100 x ln(100/55) / 45 = 132.85.
    # The mine gives 50 t: step 2 (45 t) goes unserved, and 5 t of step 1; the core is served.
    # Cost 50 x 12 + 45 x 132.85 + 5 x 378.83 = 600 + 10,000 ln(100/55) + (5/45) 10,000 ln 5.5 = 8,472.53.
    # The price is step 1's value, 378.83, the step partly served. Fixed demand: 600 + 50 x 1,000 = 50,600.
    v1, v2 = 10_000 * math.log(5.5) / 45, 10_000 * math.log(100 / 55) / 45
    out = solve(tmp_path, book(supply=50, demand=(("li", "KOR", 2026, 100, 100, -1),),
                               demand_columns="mineral, market, period, demand, price, elasticity",
                               settings=(("demand_steps", 2),)))
    base = scenario(out)
    assert base["total_cost"] == pytest.approx(600 + 45 * v2 + 5 * v1)
    assert base["total_cost"] == pytest.approx(8472.53, abs=0.01)
    assert base["unmet_tonnes"] == pytest.approx(50)
    assert base["priced_out_tonnes"] == pytest.approx(50)
    assert base["lost_value"] == pytest.approx(45 * v2 + 5 * v1)
    assert price(out) == pytest.approx(v1)
    steps = out["Priced out"].set_index("step")
    assert steps.loc[2, "tonnes"] == pytest.approx(45) and steps.loc[1, "tonnes"] == pytest.approx(5)
    assert steps.loc[1, "step_value"] == pytest.approx(v1)


@pytest.mark.parametrize("steps, supply, cost, unit_price", [
    # e = -0.5, p0 = 100, U = 400: q_U = 50 t of q0 = 100.
    # K = 1: one step of 50 t at 100 x (1/0.5 - 1) / 0.5 = 200. 80 t supplied: 20 t of it unserved, partly
    # served, so the price is 200; cost 80 x 12 + 20 x 200 = 4,960 (fixed demand: 960 + 20 x 400 = 8,960).
    (1, 80, 960 + 20 * 200, 200),
    # K = 2: steps of 25 t at 266.67 and 133.33. 80 t: 20 t of step 2 unserved: 960 + 20 x 133.33 = 3,626.67.
    (2, 80, 960 + 20 * 400 / 3, 400 / 3),
    # The core is served before any step: 40 t supplied leaves the core 10 t short at 400 and every step out:
    # 480 + 10 x 400 + 50 x 200 = 14,480; the price is U, the core partly served.
    (1, 40, 480 + 10 * 400 + 50 * 200, 400),
])
def test_elasticity_minus_a_half(tmp_path, steps, supply, cost, unit_price):
    out = solve(tmp_path, book(supply=supply, demand=(("li", "KOR", 2026, 100, 100, -0.5),),
                               demand_columns="mineral, market, period, demand, price, elasticity",
                               unmet_penalty=400, settings=(("demand_steps", steps),)))
    assert scenario(out)["total_cost"] == pytest.approx(cost)
    assert price(out) == pytest.approx(unit_price)


def test_the_setting_is_the_default_elasticity_and_the_refined_price_the_default_reference(tmp_path):
    # No price or elasticity on the row: the setting's -0.5 and li's refined_price 20; U = 80.
    # q_U = 100 x (80/20)^-0.5 = 50; one step of 50 t at 20 x (1/0.5 - 1) / 0.5 = 40.
    # 70 t supplied: 30 t of the step unserved: 70 x 12 + 30 x 40 = 2,040, price 40.
    out = solve(tmp_path, book(supply=70, unmet_penalty=80, settings=(("elasticity", -0.5), ("demand_steps", 1))))
    assert scenario(out)["total_cost"] == pytest.approx(2040)
    assert price(out) == pytest.approx(40)
    assert float(out["Prices"]["reference_price"].iloc[0]) == pytest.approx(20)


def test_an_elasticity_of_zero_is_fixed_demand(tmp_path):
    # e = 0 on the row overrides the setting: 70 t supplied, 30 t unmet at U = 80: 840 + 2,400 = 3,240.
    out = solve(tmp_path, book(supply=70, unmet_penalty=80, demand=(("li", "KOR", 2026, 100, 0),),
                               demand_columns="mineral, market, period, demand, elasticity",
                               settings=(("elasticity", -0.5),)))
    assert scenario(out)["total_cost"] == pytest.approx(3240)
    assert scenario(out)["priced_out_tonnes"] == 0
    assert price(out) == pytest.approx(80)


def test_no_step_goes_unserved_when_supply_is_plenty(tmp_path):
    # Plenty of supply at 12/t, below every step's value: all 100 t served at 1,200; the price is the cost
    # of the marginal tonne, 12.
    out = solve(tmp_path, book(supply=1000, demand=(("li", "KOR", 2026, 100, 100, -0.5),),
                               demand_columns="mineral, market, period, demand, price, elasticity",
                               unmet_penalty=400))
    assert scenario(out)["total_cost"] == pytest.approx(1200)
    assert scenario(out)["priced_out_tonnes"] == 0
    assert price(out) == pytest.approx(12)


# --- bid steps --------------------------------------------------------------------------------------------


def bids_book(**more):
    # KOR bids: defence 10 t at 5,000, batteries 50 t at 300, other uses 40 t at 50. Supply: AUS 30 t at 10/t,
    # CHL 100 t at 100/t (refined in AUS at 2/t: 12 and 102 delivered).
    sheets = book(supply=30, demand=(("li", "KOR", 2026, 100),), **more)
    sheets["supply"] = table("mineral, country, capacity, cost", ("li", "AUS", 30, 10), ("li", "CHL", 100, 100))
    sheets["demand_curve"] = table("mineral, market, period, tonnes, price", ("li", "KOR", 2026, 10, 5000),
                                   ("li", "KOR", 2026, 50, 300), ("li", "KOR", 2026, 40, 50))
    return sheets


def test_bid_steps_meet_a_stepwise_supply_where_they_cross(tmp_path):
    # Defence and batteries (60 t) are worth more than CHL's 102: served by AUS's 30 t and 30 t of CHL.
    # Other uses (50) are not: 40 t priced out. Cost 30 x 12 + 30 x 102 + 40 x 50 = 360 + 3,060 + 2,000 = 5,420.
    # The price is where supply and bids cross: CHL's 102 (its capacity is not used up).
    out = solve(tmp_path, bids_book())
    base = scenario(out)
    assert base["total_cost"] == pytest.approx(5420)
    assert base["priced_out_tonnes"] == pytest.approx(40)
    assert base["lost_value"] == pytest.approx(2000)
    assert price(out) == pytest.approx(102)
    assert out["Prices"]["reference_price"].isna().all()


def test_bid_steps_without_a_demand_row_make_their_market(tmp_path):
    # The same bids on a workbook whose demand sheet has another market only: KOR is a market through its bids.
    sheets = bids_book()
    sheets["demand"] = table("mineral, market, period, demand", ("li", "CHL", 2026, 0))
    out = solve(tmp_path, sheets)
    assert scenario(out)["total_cost"] == pytest.approx(5420)


def test_a_demand_row_that_disagrees_with_its_bids_is_refused(tmp_path, capsys):
    sheets = bids_book()
    sheets["demand"] = table("mineral, market, period, demand", ("li", "KOR", 2026, 90))
    inp = write_workbook(tmp_path / "bad.xlsx", sheets)
    assert main(["validate", str(inp)]) == 2
    err = capsys.readouterr().err
    assert "demand_curve" in err and "add up to 100 t" in err and "states 90 t" in err


# --- costs that are costs ---------------------------------------------------------------------------------


def test_a_tariffs_economic_cost_leaves_the_tariff_out(tmp_path):
    # Duty: a 50% tariff on AUS's refined exports (stage delivery): refined price 20, so 10 per t delivered to
    # KOR. Base 100 x 12 = 1,200; the duty's plan has no other route: 1,200 + 1,000 = 2,200 total, of which
    # 1,000 is tariff paid to KOR's government: economic cost 1,200, unchanged.
    sheets = book(scenarios=table("scenario, kind, factor, country, stage", ("duty", "tariff", 0.5, "AUS", "delivery")))
    out = solve(tmp_path, sheets)
    duty = scenario(out, "duty")
    assert duty["total_cost"] == pytest.approx(2200)
    assert duty["tariff_cost"] == pytest.approx(1000)
    assert duty["economic_cost"] == pytest.approx(1200)
    assert duty["economic_cost"] == pytest.approx(duty["total_cost"] - duty["tariff_cost"])
    assert duty["economic_cost_change"] == pytest.approx(0)
    assert duty["cost_change"] == pytest.approx(1000)
    assert duty["route_cost"] == pytest.approx(duty["transport_cost"] + duty["tariff_cost"])
    assert price(out, "duty") - price(out) == pytest.approx(10)
    assert float(out["Prices"].set_index("scenario").loc["duty", "price_change"]) == pytest.approx(10)


# --- a reserve is there to be drawn -----------------------------------------------------------------------


def reserve_book():
    # Three years; KOR needs 100 t a year; AUS mines at 10/t (12 delivered). KOR's reserve holds 60 t (its
    # max) with a target of 60 t every year, shortfall 1,200/t (above the unmet penalty of 1,000). Scenario
    # "halt": AUS mines nothing in 2027.
    return book(demand=[("li", "KOR", t, 100) for t in (2026, 2027, 2028)],
                periods=table("period", (2026,), (2027,), (2028,)),
                reserve=table("mineral, market, initial_stock, max_stock, holding_cost, shortfall_penalty",
                              ("li", "KOR", 60, 60, 0, 1200)),
                reserve_targets=table("mineral, market, min_stock", ("li", "KOR", 60)),
                scenarios=table("scenario, kind, factor, mineral, country, period",
                                ("halt", "supply_capacity", 0, "li", "AUS", 2027)))


def test_a_disruption_draws_the_reserve_its_target_lifted(tmp_path):
    # Base: the stock stays at 60; 300 t at 12 = 3,600.
    # Halt: the 2027 target is lifted, so the plan draws all 60 t and leaves 40 t unmet (40,000); 2028 refills
    # the 60 t with its own 100: 160 x 12 = 1,920; 2026 1,200. Total 43,120.
    # With the target kept (version 2), drawing costs 1,200 a tonne against 1,000 unmet: 100 t unmet,
    # 1,200 + 100,000 + 1,200 = 102,400.
    out = solve(tmp_path, reserve_book())
    assert scenario(out)["total_cost"] == pytest.approx(3600)
    halt = scenario(out, "halt")
    assert halt["total_cost"] == pytest.approx(43_120)
    assert halt["unmet_tonnes"] == pytest.approx(40)
    reserve = out["Reserve"].set_index(["scenario", "period"])
    assert reserve.loc[("halt", 2027), "stock"] == pytest.approx(0)
    assert reserve.loc[("halt", 2027), "target"] == pytest.approx(0)
    assert reserve.loc[("halt", 2028), "target"] == pytest.approx(60)


def test_a_committed_plan_hit_by_surprise_draws_its_reserve_too(tmp_path):
    # Stress: the base plan is committed; in 2027 AUS mines nothing, spot included. The reserve gives its 60 t:
    # 40 t unmet, not 100.
    inp = write_workbook(tmp_path / "stress.xlsx", reserve_book())
    out = tmp_path / "stress-out.xlsx"
    assert main(["stress", str(inp), "-o", str(out), "-q"]) == 0
    stress = pd.read_excel(out, sheet_name="Stress").set_index("scenario")
    assert stress.loc["halt", "unmet_tonnes"] == pytest.approx(40)


# --- bad input (version 3) --------------------------------------------------------------------------------


def refused(tmp_path, capsys, sheets) -> str:
    inp = write_workbook(tmp_path / "bad.xlsx", sheets)
    before = inp.read_bytes()
    assert main(["validate", str(inp)]) == 2
    assert inp.read_bytes() == before
    return capsys.readouterr().err


def test_an_elasticity_above_zero_is_refused(tmp_path, capsys):
    err = refused(tmp_path, capsys, book(demand=(("li", "KOR", 2026, 100, 0.3),),
                                         demand_columns="mineral, market, period, demand, elasticity"))
    assert "demand!E2" in err and "column 'elasticity'" in err and "<= 0" in err


def test_an_elasticity_setting_above_zero_is_refused(tmp_path, capsys):
    err = refused(tmp_path, capsys, book(settings=(("elasticity", 0.5),)))
    assert "settings!B2" in err and "setting elasticity" in err and "<= 0" in err


@pytest.mark.parametrize("steps", [0, 1001, 2.5, "ten"])
def test_demand_steps_must_be_a_whole_number_from_1_to_1000(tmp_path, capsys, steps):
    err = refused(tmp_path, capsys, book(settings=(("demand_steps", steps),)))
    assert "setting demand_steps" in err and "whole number >= 1 and <= 1000" in err


@pytest.mark.parametrize("column, value", [("tonnes", -5), ("price", -1)])
def test_negative_bids_are_refused(tmp_path, capsys, column, value):
    sheets = bids_book()
    row = {"tonnes": (-5, 300), "price": (50, -1)}[column]
    sheets["demand_curve"] = table("mineral, market, period, tonnes, price", ("li", "KOR", 2026, 10, 5000),
                                   ("li", "KOR", 2026, *row))
    err = refused(tmp_path, capsys, sheets)
    letter = {"tonnes": "D", "price": "E"}[column]
    assert f"demand_curve!{letter}3" in err and f"column '{column}'" in err and ">= 0" in err


def test_an_elastic_row_without_any_price_is_refused(tmp_path, capsys):
    sheets = book(demand=(("li", "KOR", 2026, 100, -0.5),), demand_columns="mineral, market, period, demand, elasticity")
    sheets["minerals"] = table("mineral, unmet_penalty", ("li", 1000))
    err = refused(tmp_path, capsys, sheets)
    assert "demand!E2" in err and "needs a reference price" in err and "refined_price" in err


# --- metamorphic ------------------------------------------------------------------------------------------


def lost(curve, unserved: float, q0: float = 100.0) -> float:
    """The value lost leaving ``unserved`` t of q0 unserved, the least valued tonnes first."""
    pieces = sorted([(curve.core * q0, curve.core_value)] + [(w * q0, v) for w, v in zip(curve.widths, curve.values)],
                    key=lambda piece: piece[1])
    value, left = 0.0, unserved
    for tonnes, price_per_t in pieces:
        take = min(tonnes, left)
        value, left = value + take * price_per_t, left - take
    return value


@pytest.mark.parametrize("unserved", [5, 20, 50, 80])
def test_more_elastic_demand_never_loses_more_value_for_the_same_shortfall(unserved):
    elasticities = [-0.1, -0.3, -0.5, -1.0, -2.0, -5.0]
    values = [lost(elastic_curve(e, 100, 1000, 50), unserved) for e in elasticities]
    assert all(a >= b - 1e-9 for a, b in zip(values, values[1:])), values
    assert values[-1] < unserved * 1000  # and never more than fixed demand's


def test_an_elasticity_of_zero_reproduces_fixed_demand_on_the_example(tmp_path):
    from openpyxl import load_workbook

    example = Path(__file__).resolve().parents[1] / "inputs" / "example.xlsx"
    fixed = tmp_path / "fixed-plan.xlsx"
    assert main(["solve", str(example), "-o", str(fixed), "-q"]) == 0
    book_ = load_workbook(example)
    sheet = book_["settings"] if "settings" in book_.sheetnames else book_.create_sheet("settings")
    if sheet.max_row <= 1 and sheet["A1"].value is None:
        sheet.append(["key", "value"])
    sheet.append(["elasticity", 0])
    zero_in = tmp_path / "zero.xlsx"
    book_.save(zero_in)
    zero = tmp_path / "zero-plan.xlsx"
    assert main(["solve", str(zero_in), "-o", str(zero), "-q"]) == 0
    a = pd.read_excel(fixed, sheet_name="Scenarios")
    b = pd.read_excel(zero, sheet_name="Scenarios")
    pd.testing.assert_frame_equal(a, b)


# --- every command ----------------------------------------------------------------------------------------


def every_command_book():
    # Elastic KOR demand (e = -0.5, p0 100, U 400: q_U 50, one step of 50 t at 200) and bids in CHL; AUS mines
    # 80 t at 10/t; a candidate CHL mine (50 t at 20/t, fixed 30/t a year); a 20% chance AUS's mine stops.
    sheets = book(supply=80, unmet_penalty=400, settings=(("demand_steps", 1),),
                  demand=(("li", "KOR", 2026, 100, 100, -0.5),),
                  demand_columns="mineral, market, period, demand, price, elasticity",
                  projects=table("project, stage, mineral, country, capacity, cost, fixed_cost",
                                 ("CHL mine", "supply", "li", "CHL", 50, 20, 30)),
                  scenarios=table("scenario, kind, factor, mineral, country, probability",
                                  ("stop", "supply_capacity", 0, "li", "AUS", 0.2)),
                  risks=table("risk, country, stage, probability, mineral", ("flood", "AUS", "supply", 0.3, "li")),
                  demand_curve=table("mineral, market, period, tonnes, price", ("li", "CHL", 2026, 10, 300),
                                     ("li", "CHL", 2026, 10, 30)))
    return sheets


@pytest.mark.parametrize("command, extra", [("solve", []), ("stress", []), ("hedge", []),
                                            ("frontier", []), ("sweep", ["--samples", "8", "--workers", "1"])])
def test_every_command_runs_on_demand_that_answers_to_price(tmp_path, command, extra):
    inp = write_workbook(tmp_path / "in.xlsx", every_command_book())
    out = tmp_path / f"{command}.xlsx"
    assert main([command, str(inp), "-o", str(out), "-q", *extra]) == 0
    sheets = pd.read_excel(out, sheet_name=None)
    assert "Summary" in sheets
    if command == "solve":
        check_plan(inp, out)
        # Base: AUS's 80 t (12/t) and the CHL mine? 50 t at 22/t + 1,500 fixed = 52/t, below the elastic step's
        # 200 and the 300 bid: building it serves the step and the 300 bid. The plan must never leave a tonne
        # worth more than the cheapest unused supply unserved: no tonne of KOR's step goes unserved.
        assert scenario(sheets)["priced_out_tonnes"] == pytest.approx(10)  # the CHL bid at 30 only


def test_a_stress_test_reads_the_tariff_as_a_transfer(tmp_path):
    # The duty (10 per t delivered to KOR) hits the committed plan: 100 t still come from AUS, 2,200 in all,
    # 1,000 above base, all of it duty: the economic extra cost is 0.
    sheets = book(scenarios=table("scenario, kind, factor, country, stage", ("duty", "tariff", 0.5, "AUS", "delivery")))
    inp = write_workbook(tmp_path / "in.xlsx", sheets)
    out = tmp_path / "stress.xlsx"
    assert main(["stress", str(inp), "-o", str(out), "-q"]) == 0
    duty = pd.read_excel(out, sheet_name="Stress").set_index("scenario").loc["duty"]
    assert duty["extra_cost"] == pytest.approx(1000)
    assert duty["economic_extra_cost"] == pytest.approx(0, abs=1e-9)


def tariffed_refining():
    return {
        "minerals": table("mineral, refined_price, unmet_penalty", ("li", 20, 1000)),
        "periods": table("period", (2026,)),
        "countries": table("country", ("AUS",), ("CHN",), ("KOR",)),
        "supply": table("mineral, country, capacity, cost", ("li", "AUS", 1000, 10), ("li", "CHN", 1000, 8)),
        "refining": table("mineral, country, capacity, cost", ("li", "AUS", 1000, 2), ("li", "CHN", 1000, 2)),
        "demand": table("mineral, market, period, demand", ("li", "KOR", 2026, 100)),
        "routes": table("stage, from, to, mineral, tariff_rate", ("delivery", "AUS", "KOR", "li", 0.1)),
        "shares": table("stage, scope, mineral, max_share", ("refining", "CHN", "li", 0.5)),
    }


def test_a_rule_whose_whole_cost_is_a_tariff_costs_the_world_nothing(tmp_path):
    # li for KOR, 100 t. Ore from CHN at 8 (AUS's at 10 is dearer), refined at 2 in CHN or AUS; delivery from
    # AUS to KOR pays a tariff of 0.1 x refined price 20 = 2/t, collected by KOR. Rule: CHN refines at most 50%.
    # With it: 50 t refined in CHN (8 + 2) and 50 t in AUS from CHN ore (8 + 2 + 2 duty): 1,100, of which 100
    # duty. Without: all in CHN, 1,000. rule_cost 100, but the world's resources are the same: economic cost
    # 1,000 both ways, rule_economic_cost 0. KOR's marginal cost 11 with (half of each), 10 without: its bill
    # rises by 100, and the 100 of duty comes back to KOR's treasury: rule_net_bill 0.
    sheets = tariffed_refining()
    out = solve(tmp_path, sheets)
    costs = out["Policy costs"]
    row = costs[costs["rule"] == "all share limits"].iloc[0]  # the only rule: its row is the whole
    assert row["rule_cost"] == pytest.approx(100)
    assert row["economic_cost_with"] == pytest.approx(1000)
    assert row["economic_cost_without"] == pytest.approx(1000)
    assert row["rule_economic_cost"] == pytest.approx(0, abs=1e-9)
    bills = out["Market bills"]
    bill = bills[bills["rule"] == "all share limits"].iloc[0]
    assert (bill["bill_with"], bill["bill_without"], bill["rule_bill"]) == pytest.approx((1100, 1000, 100))
    assert (bill["duties_with"], bill["duties_without"]) == pytest.approx((100, 0))
    assert bill["rule_net_bill"] == pytest.approx(0, abs=1e-9)


def test_the_frontier_reads_a_cap_paid_in_tariffs_as_no_cost_to_the_world(tmp_path):
    # The case above as a frontier on CHN's refining share: at a cap of 50% the mineral costs 100 more, all of
    # it duty KOR collects (extra_economic_cost 0); at 0% all 100 t are refined in AUS: 1,200, economic 1,000.
    inp = write_workbook(tmp_path / "in.xlsx", tariffed_refining())
    out = tmp_path / "frontier.xlsx"
    assert main(["frontier", str(inp), "--stage", "refining", "--scope", "CHN", "--step", "0.5", "-o", str(out),
                 "-q"]) == 0
    curve = pd.read_excel(out, sheet_name="Frontier").set_index("max_share")
    assert list(curve.index) == [1.0, 0.5, 0.0]
    assert list(curve["extra_cost"]) == pytest.approx([0, 100, 200])
    assert list(curve["economic_cost"]) == pytest.approx([1000, 1000, 1000])
    assert list(curve["extra_economic_cost"]) == pytest.approx([0, 0, 0], abs=1e-9)


def test_an_elasticity_of_zero_reproduces_version_2_on_the_shipped_dataset(tmp_path):
    # The shipped workbook carries elasticity -0.2 as a setting and cobalt's -0.28 on its demand rows. Set to 0,
    # the program must be the one the workbook gives without them at all (version 2's fixed demand): the same
    # matrix, costs, bounds and right-hand sides, number for number, so every plan and figure is the same.
    from openpyxl import load_workbook

    from planner import api
    from planner.model.build import build_model

    shipped = Path(__file__).resolve().parents[1] / "inputs" / "critical-minerals-2026.xlsx"
    programs = []
    for name, value in (("zero", 0), ("without", None)):
        book_ = load_workbook(shipped)
        settings = book_["settings"]
        row = next(r for r in range(2, settings.max_row + 1) if settings.cell(r, 1).value == "elasticity")
        if value is None:
            settings.delete_rows(row)
        else:
            settings.cell(row, 2, value)
        demand = book_["demand"]  # the rows' own elasticities (cobalt's) go the same way
        column = next(c for c in range(1, demand.max_column + 1) if demand.cell(1, c).value == "elasticity")
        for r in range(2, demand.max_row + 1):
            if demand.cell(r, column).value is not None:
                demand.cell(r, column).value = value
        book_.save(tmp_path / f"{name}.xlsx")
        data = api.validate(tmp_path / f"{name}.xlsx", progress=None)
        assert not data.curves
        programs.append(build_model(data))
    zero, without = programs
    for a, b in zip(zero.matrix(), without.matrix()):
        np.testing.assert_array_equal(a, b)
    for attribute in ("col_cost", "col_lower", "col_upper", "row_rhs", "row_sense"):
        np.testing.assert_array_equal(np.asarray(getattr(zero, attribute)), np.asarray(getattr(without, attribute)))
    assert not zero.vars.priced_out and not zero.vars.core

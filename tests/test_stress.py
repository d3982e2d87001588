"""planner stress: hand-solved stress tests, the committed past, contracts, and reserve sizing."""

from __future__ import annotations

import pandas as pd
import pytest

from planner.cli import main
from tests.workbooks import table, write_workbook


def ban_case(demand_2027=50, second_source=False, **more):
    """One mineral, two years. AAA supplies 200 t/yr at 10/t (BBB 100 t at 30/t if asked), CHN refines for
    free, EU needs 50 t in 2026 and ``demand_2027`` in 2027, and keeps a reserve of 50 t at 1/t a year.
    Unmet demand costs 1000/t, so a reserve shortfall costs 500/t (half). A ban stops AAA in 2027."""
    supply = [("li", "AAA", 200, 10)] + ([("li", "BBB", 100, 30)] if second_source else [])
    sheets = {
        "minerals": table("mineral, unmet_penalty", ("li", 1000)),
        "countries": table("country", ("AAA",), ("BBB",), ("CHN",)),
        "periods": table("period", (2026,), (2027,)),
        "supply": table("mineral, country, capacity, cost", *supply),
        "refining": table("mineral, country, capacity, cost", ("li", "CHN", 1000, 0)),
        "demand": table("mineral, market, period, demand", ("li", "EU", 2026, 50), ("li", "EU", 2027, demand_2027)),
        "reserve": table("mineral, market, holding_cost", ("li", "EU", 1)),
        "reserve_targets": table("mineral, market, min_stock", ("li", "EU", 50)),
        "scenarios": table("scenario, kind, factor, mineral, country, period",
                           ("ban", "supply_capacity", 0, "li", "AAA", 2027)),
    }
    sheets.update(more)
    return sheets


def stress(tmp_path, sheets, *args):
    inp = write_workbook(tmp_path / "in.xlsx", sheets)
    out = tmp_path / "stress.xlsx"
    assert main(["stress", str(inp), "-o", str(out), "-q", *args]) == 0
    return pd.read_excel(out, sheet_name=None, dtype={"period": str})


def row(frame, scenario):
    return frame.set_index("scenario").loc[scenario]


def test_reserve_covers_the_ban_fully(tmp_path):
    # Base: 2026 buy 100 (50 for demand, 50 into the reserve) = 1000, hold 50 = 50; 2027 buy 50 = 500,
    # hold 50 = 50: 1600. Ban in 2027: 2026 as committed (1050); 2027 nothing can be bought, so the
    # reserve serves the 50 t: stock 0, and the ban lifts the 2027 target (spec, Version 3: a reserve is
    # there to be drawn), so no shortfall and no holding. Total 1050, extra -550 (the ban spares 2027's
    # purchase and holding), nothing unmet. Version 2 charged the shortfall, 50 x 500: 26050.
    out = stress(tmp_path, ban_case())
    assert out["Summary"].set_index("item").loc["total_cost", "value"] == pytest.approx(1600)
    s = row(out["Stress"], "ban")
    assert s["total_cost"] == pytest.approx(1050)
    assert s["extra_cost"] == pytest.approx(-550)
    assert s["unmet_tonnes"] == pytest.approx(0, abs=1e-9)
    assert s["shortfall_tonnes"] == pytest.approx(0, abs=1e-9)
    assert s["reserve_drawn_tonnes"] == pytest.approx(50)
    assert str(s["first_period"]) == "2027"


def test_reserve_covers_the_ban_partly(tmp_path):
    # 2027 demand 80. Base: 2026 1000 + 50; 2027 buy 80 = 800, hold 50 = 50: 1900. Ban: the reserve's
    # 50 t go to demand (the 2027 target lifted: no shortfall) and 30 t stay unmet (30 x 1000 = 30000):
    # 1050 + 30000 = 31050 (version 2 added the shortfall, 25000: 56050).
    out = stress(tmp_path, ban_case(demand_2027=80))
    s = row(out["Stress"], "ban")
    assert s["total_cost"] == pytest.approx(31050)
    assert s["unmet_tonnes"] == pytest.approx(30)
    unmet = out["Unmet"]
    assert unmet[unmet["scenario"] == "ban"]["tonnes"].sum() == pytest.approx(30)


def test_spot_buying_covers_what_the_reserve_cannot(tmp_path):
    # 2027 demand 80. BBB can supply at 30/t, on the spot market at (1 + 0.5) x 30 = 45/t: dearer than the
    # reserve, which the ban lets the plan draw at no penalty, and cheaper than 1000/t unmet.
    # Base (AAA only): 2026 1050, 2027 800 + 50 = 1900. Ban: 2026 1050; 2027 the reserve's 50 t, then 30 t
    # spot from BBB = 1350: 2400.
    out = stress(tmp_path, ban_case(demand_2027=80, second_source=True))
    s = row(out["Stress"], "ban")
    assert s["total_cost"] == pytest.approx(2400)
    assert s["spot_tonnes"] == pytest.approx(30)
    assert s["reserve_drawn_tonnes"] == pytest.approx(50)
    assert s["unmet_tonnes"] == pytest.approx(0, abs=1e-9)
    flows = out["Flows"]
    bbb = flows[(flows["scenario"] == "ban") & (flows["origin"] == "BBB")]
    assert bbb["spot_tonnes"].sum() == pytest.approx(30) and bbb["kept_tonnes"].sum() == pytest.approx(0)


def test_spot_premium_setting(tmp_path):
    # With spot_premium 0.2 spot costs 36/t: 2027 = the reserve's 50 t + 30 x 36 = 1080, total 2130.
    out = stress(tmp_path, ban_case(demand_2027=80, second_source=True,
                                    settings=table("key, value", ("spot_premium", 0.2))))
    assert row(out["Stress"], "ban")["total_cost"] == pytest.approx(2130)


def test_past_is_committed_and_contracts_bound_kept_flows(tmp_path):
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "inputs" / "example.xlsx"
    out_path = tmp_path / "stress.xlsx"
    assert main(["stress", str(example), "-o", str(out_path), "-q"]) == 0
    out = pd.read_excel(out_path, sheet_name=None, dtype={"period": str})
    stress_rows = out["Stress"].set_index("scenario")
    keys = ["mineral", "period", "origin", "refiner"]
    flows = out["Flows"]
    base = flows[flows["scenario"] == "base"].set_index(keys)["tonnes"]
    for scenario, first in stress_rows["first_period"].astype(str).items():
        s = flows[flows["scenario"] == scenario].set_index(keys)
        # Kept tonnes never exceed the contract (the base plan's flow on that route and period).
        contract = base.reindex(s.index, fill_value=0.0)
        assert (s["kept_tonnes"] <= contract + 1e-6).all(), scenario
        # Before the first affected period every table equals the base plan.
        for sheet, cols, value in (("Flows", keys, "tonnes"),
                                   ("Deliveries", ["mineral", "period", "refiner", "market"], "tonnes"),
                                   ("Reserve", ["mineral", "market", "period"], "stock"),
                                   ("Unmet", ["mineral", "market", "period"], "tonnes")):
            table_ = out[sheet]
            early = table_["period"].astype(int) < int(first)
            b = table_[(table_["scenario"] == "base") & early].set_index(cols)[value].sort_index()
            s_ = table_[(table_["scenario"] == scenario) & early].set_index(cols)[value].sort_index()
            pd.testing.assert_series_equal(b, s_, check_names=False, atol=1e-6, rtol=0)


def test_reserve_sizing_matches_separate_runs(tmp_path):
    sheets = ban_case(demand_2027=80)
    out = stress(tmp_path, sheets, "--reserve-days", "0,600")
    runs = out["Sizing runs"]
    summary = out["Reserve sizing"].set_index(["scenario", "mineral"])
    for days in (0, 600):
        separate = dict(sheets)
        separate["reserve_targets"] = table("mineral, market, min_days", ("li", "EU", days))
        (tmp_path / f"d{days}").mkdir()
        sep = stress(tmp_path / f"d{days}", separate)
        expected = row(sep["Stress"], "ban")
        got = runs[(runs["reserve_days"] == days) & (runs["scenario"] == "ban")].iloc[0]
        assert got["stress_cost"] == pytest.approx(expected["total_cost"])
        assert got["unmet_tonnes"] == pytest.approx(expected["unmet_tonnes"], abs=1e-9)
    # No reserve: the ban leaves all 80 t of 2027 unmet. 600 days of demand is 600 x 50 / 365 = 82.2 t at
    # the end of 2026, enough to serve 2027's 80 t: the ban is covered and nothing is unmet.
    zero = runs[(runs["reserve_days"] == 0) & (runs["scenario"] == "ban")].iloc[0]
    assert zero["unmet_above_base_tonnes"] == pytest.approx(80)
    assert summary.loc[("ban", "li"), "smallest_reserve_days"] == 600

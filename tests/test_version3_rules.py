"""Version 3 by hand: projects built together (projects.requires), named rules (shares.rule), by-products.

Every case has its optimum worked out in the comment above it, and every solved plan goes through the
independent checker (tests/checks.py), which recomputes each limit from the written plan.
"""

from __future__ import annotations

import pandas as pd
import pytest

from planner.cli import main
from tests.checks import check_plan
from tests.workbooks import table, write_workbook


def run(tmp_path, sheets, command="solve", *args) -> dict[str, pd.DataFrame]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    inp = write_workbook(tmp_path / "in.xlsx", sheets)
    out = tmp_path / f"{command}.xlsx"
    assert main([command, str(inp), "-o", str(out), "-q", *args]) == 0
    if command == "solve":
        check_plan(inp, out)
    return pd.read_excel(out, sheet_name=None)


def refused(tmp_path, capsys, sheets, *needles):
    inp = write_workbook(tmp_path / "in.xlsx", sheets)
    assert main(["validate", str(inp)]) == 2
    err = capsys.readouterr().err
    for needle in needles:
        assert needle in err, err


def cost(out, scenario="base") -> float:
    return float(out["Scenarios"].set_index("scenario").loc[scenario, "total_cost"])


# --- projects built together ---------------------------------------------------------------------------


def mine_and_refinery(requires="KOR refinery"):
    # li for KOR, 100 t in 2026 and in 2027. AUS mines up to 100 t at 50/t; AUS refines at 2/t. A KOR mine
    # (100 t at 5/t, fixed 1/t a year) and a KOR refinery (100 t at 2/t, fixed 20/t a year, from 2027).
    return {
        "minerals": table("mineral, unmet_penalty", ("li", 1000)),
        "periods": table("period", (2026,), (2027,)),
        "countries": table("country", ("AUS",), ("KOR",)),
        "supply": table("mineral, country, capacity, cost", ("li", "AUS", 100, 50)),
        "refining": table("mineral, country, capacity, cost", ("li", "AUS", 1000, 2)),
        "demand": table("mineral, market, period, demand", ("li", "KOR", 2026, 100), ("li", "KOR", 2027, 100)),
        "projects": table("project, stage, mineral, country, capacity, cost, fixed_cost, first_period, requires",
                          ("KOR mine", "supply", "li", "KOR", 100, 5, 1, None, requires),
                          ("KOR refinery", "refining", "li", "KOR", 100, 2, 20, 2027, None)),
    }


def test_a_mine_waits_for_the_refinery_it_requires(tmp_path):
    # Alone, the mine is built in 2026 (it saves 45/t against 1/t a year) and the refinery never (it saves
    # nothing against 20/t a year): 2 x (100 x 5 + 100 x 2 + 100) = 1,600. Requiring the refinery, the mine
    # cannot stand before 2027: 2026 from AUS, 100 x 52 = 5,200; in 2027 both are built (the mine saves 4,400 a
    # year, the refinery costs 2,000): 100 x 7 + 100 + 2,000 = 2,800. Total 8,000.
    assert cost(run(tmp_path / "alone", mine_and_refinery(None))) == pytest.approx(1600)
    out = run(tmp_path / "together", mine_and_refinery())
    assert cost(out) == pytest.approx(8000)
    built = out["Investments"].set_index("project")
    assert built.loc["KOR mine", "period"] == 2027 and built.loc["KOR refinery", "period"] == 2027
    assert list(built["fraction_built"]) == pytest.approx([1.0, 1.0])


def test_a_requirement_ties_the_hedges_builds_too(tmp_path):
    # The hedge shares the builds; the requirement holds for the shared builds: 8,000 as above (no scenario).
    out = run(tmp_path, mine_and_refinery(), "hedge")
    assert float(out["Summary"].set_index("item").loc["expected_cost", "value"]) == pytest.approx(8000)


@pytest.mark.parametrize("requires, needle", [
    ("KOR smelter", "projects!I2  column 'requires': got 'KOR smelter'; expected a project on sheet 'projects'"),
    ("KOR mine", "projects!I2  column 'requires': got 'KOR mine', the project itself"),
])
def test_a_requirement_must_name_another_project(tmp_path, capsys, requires, needle):
    refused(tmp_path, capsys, mine_and_refinery(requires), needle)


def test_a_loop_of_requirements_is_refused(tmp_path, capsys):
    sheets = mine_and_refinery()
    sheets["projects"] = table("project, stage, mineral, country, capacity, cost, fixed_cost, requires",
                               ("KOR mine", "supply", "li", "KOR", 100, 5, 1, "KOR refinery"),
                               ("KOR refinery", "refining", "li", "KOR", 100, 2, 20, "KOR mine"))
    refused(tmp_path, capsys, sheets, "closes a loop of requirements: KOR mine -> KOR refinery -> KOR mine")


# --- named rules ---------------------------------------------------------------------------------------


def benchmark(names=("EU benchmark", "eu  Benchmark")):
    # li for EU, 100 t: CHN mines at 8 and refines at 2, AUS at 10 and 3. The benchmark: CHN at most half of
    # the mining (row 2) and half of the refining (row 3).
    return {
        "minerals": table("mineral, unmet_penalty", ("li", 1000)),
        "periods": table("period", (2026,)),
        "countries": table("country", ("AUS",), ("CHN",), ("EU",)),
        "supply": table("mineral, country, capacity, cost", ("li", "AUS", 1000, 10), ("li", "CHN", 1000, 8)),
        "refining": table("mineral, country, capacity, cost", ("li", "AUS", 1000, 3), ("li", "CHN", 1000, 2)),
        "demand": table("mineral, market, period, demand", ("li", "EU", 2026, 100)),
        "shares": table("stage, scope, mineral, max_share, rule", ("supply", "CHN", "li", 0.5, names[0]),
                        ("refining", "CHN", "li", 0.5, names[1])),
    }


def test_a_named_rule_written_on_two_rows_is_costed_once(tmp_path):
    # With both rows: 50 x 8 + 50 x 10 + 50 x 2 + 50 x 3 = 1,150; without them all of it in CHN: 1,000. The rule
    # costs 150, one line (the two spellings of its name are one name). EU's marginal cost 0.5 x (8 + 10 + 2 +
    # 3) = 11.5 with it, 10 without: its bill rises by 150.
    out = run(tmp_path, benchmark())
    costs = out["Policy costs"].set_index("rule")
    line = costs.loc["rule EU benchmark: shares rows 2, 3"]
    assert line["rule_cost"] == pytest.approx(150)
    assert not any(r.startswith("shares row ") for r in costs.index)  # no line per row of the named rule
    bills = out["Market bills"].set_index("rule")
    assert bills.loc["rule EU benchmark: shares rows 2, 3", "rule_bill"] == pytest.approx(150)


def test_rows_without_a_name_are_costed_row_by_row(tmp_path):
    # Without the mining row (refining still halved): 100 x 8 + 50 x 2 + 50 x 3 = 1,050, so the mining row costs
    # 100; without the refining row: 50 x 8 + 50 x 10 + 100 x 2 = 1,100, so it costs 50.
    out = run(tmp_path, benchmark((None, None)))
    costs = out["Policy costs"].set_index("rule")["rule_cost"]
    assert costs[[r for r in costs.index if r.startswith("shares row 2:")][0]] == pytest.approx(100)
    assert costs[[r for r in costs.index if r.startswith("shares row 3:")][0]] == pytest.approx(50)
    assert costs["all share limits"] == pytest.approx(150)


# --- by-products ---------------------------------------------------------------------------------------


def copper_and_cobalt(**more):
    # cu for EU, 100 t: COD mines up to 100 t at 5, CHL at 8; co for EU, 50 t: COD mines at 10, AUS at 30.
    # Both refined in CHN at 1/t. Cobalt comes with copper in COD: at most 0.1 t per t of copper mined there.
    # A scenario halves COD's copper.
    sheets = {
        "minerals": table("mineral, unmet_penalty", ("cu", 1000), ("co", 1000)),
        "periods": table("period", (2026,)),
        "countries": table("country", ("AUS",), ("CHL",), ("CHN",), ("COD",), ("EU",)),
        "supply": table("mineral, country, capacity, cost", ("cu", "COD", 100, 5), ("cu", "CHL", 1000, 8),
                        ("co", "COD", 1000, 10), ("co", "AUS", 1000, 30)),
        "refining": table("mineral, country, capacity, cost", ("cu", "CHN", 1000, 1), ("co", "CHN", 1000, 1)),
        "demand": table("mineral, market, period, demand", ("cu", "EU", 2026, 100), ("co", "EU", 2026, 50)),
        "byproducts": table("mineral, host, ratio", ("co", "cu", 0.1)),
        "scenarios": table("scenario, kind, factor, mineral, country", ("cu halved", "supply_capacity", 0.5, "cu",
                                                                         "COD")),
    }
    sheets.update(more)
    return sheets


def test_a_by_product_is_mined_only_as_far_as_its_host(tmp_path):
    # Base: copper all from COD, 100 x 6 = 600; cobalt from COD only 0.1 x 100 = 10 t, 10 x 11 = 110, and 40 t
    # from AUS, 40 x 31 = 1,240: 1,950 (without the limit all 50 t from COD: 1,150). Copper halved: COD mines
    # 50 t (300) and CHL 50 (450); cobalt from COD 5 t (55) and AUS 45 (1,395): 2,200.
    out = run(tmp_path, copper_and_cobalt())
    assert cost(out) == pytest.approx(1950)
    assert cost(out, "cu halved") == pytest.approx(2200)
    flows = out["Flows"]
    cobalt = flows[(flows["mineral"] == "co") & (flows["origin"] == "COD")].set_index("scenario")["tonnes"]
    assert cobalt["base"] == pytest.approx(10) and cobalt["cu halved"] == pytest.approx(5)


def test_by_product_minerals_are_one_program(tmp_path):
    from planner import api
    from planner.input.blocks import independent_blocks

    data = api.validate(write_workbook(tmp_path / "in.xlsx", copper_and_cobalt()), progress=None)
    assert independent_blocks(data) == [("cu", "co")]
    sheets = copper_and_cobalt()
    del sheets["byproducts"]
    data = api.validate(write_workbook(tmp_path / "none.xlsx", sheets), progress=None)
    assert independent_blocks(data) == [("cu",), ("co",)]


def test_the_by_product_limit_binds_at_the_price_of_the_next_source(tmp_path):
    # One more t of cobalt allowed in COD replaces a t from AUS: 31 - 11 = 20 saved.
    import numpy as np

    from planner import api
    from planner.model.build import build_model
    from planner.solver import make_solver

    data = api.validate(write_workbook(tmp_path / "in.xlsx", copper_and_cobalt()), progress=None)
    model = build_model(data)
    solution = make_solver(model).solve()
    rows = model.rows["byproduct"].rows
    assert solution.objective == pytest.approx(1950)
    assert np.abs(solution.row_dual[rows]).max() == pytest.approx(20)


@pytest.mark.parametrize("row, needle", [
    (("co", "co", 0.1), "byproducts!B2  column 'host': got 'co', the by-product itself"),
    (("co", "ni", 0.1), "byproducts!B2  column 'host': got 'ni'; expected a mineral on sheet 'minerals'"),
    (("co", "cu", -0.1), "byproducts!C2  column 'ratio': got -0.1; expected a number >= 0"),
])
def test_bad_by_products_are_refused_by_cell(tmp_path, capsys, row, needle):
    refused(tmp_path, capsys, copper_and_cobalt(byproducts=table("mineral, host, ratio", row)), needle)


def test_who_pays_puts_each_rule_on_one_line_with_each_markets_bill(tmp_path):
    # The named benchmark above: 150 to the plan, all of it on EU's bill; the line is the sum of the rule's
    # lines on Policy costs and Market bills.
    out = run(tmp_path, benchmark())
    who = out["Who pays"].set_index("rule")
    line = who.loc["rule EU benchmark: shares rows 2, 3"]
    assert (line["rule_cost"], line["rule_economic_cost"], line["EU"]) == pytest.approx((150, 150, 150))
    assert list(who.index[:1]) == ["all share limits"]


def test_who_pays_sums_every_blocks_minerals(tmp_path):
    # The example's minerals are solved as separate blocks; a rule over every mineral is one line whose cost and
    # bills are the sums of its lines per mineral.
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "inputs" / "example.xlsx"
    out_path = tmp_path / "plan.xlsx"
    assert main(["solve", str(example), "-o", str(out_path), "-q"]) == 0
    out = pd.read_excel(out_path, sheet_name=None)
    costs, bills = out["Policy costs"], out["Market bills"]
    who = out["Who pays"].set_index("rule")
    for rule in who.index:
        assert who.loc[rule, "rule_cost"] == pytest.approx(costs[costs["rule"] == rule]["rule_cost"].sum())
        for market in sorted(set(bills["market"])):
            mine = bills[(bills["rule"] == rule) & (bills["market"] == market)]["rule_bill"]
            if mine.empty:  # the rule touches no mineral this market buys: no figure
                assert pd.isna(who.loc[rule, market])
            else:
                assert who.loc[rule, market] == pytest.approx(mine.sum())

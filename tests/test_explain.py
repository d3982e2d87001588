"""Explanations on hand-solved cases: duals where they are unique, policy costs, concentration, charts.

Each case has one optimal basis (no ties between sources, no limit binding at a corner), so its
duals are unique and can be asserted; the arithmetic is in the comments.
"""

from __future__ import annotations

import dataclasses
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.cli import main
from tests.workbooks import table, write_workbook

MINERALS = table("mineral, unmet_penalty", ("li", 1000))
PERIODS = table("period", (2026,))


def solve(tmp_path, sheets, *extra):
    inp = write_workbook(tmp_path / "in.xlsx", sheets)
    out = tmp_path / "out.xlsx"
    assert main(["solve", str(inp), "-o", str(out), "-q", *extra]) == 0
    return pd.read_excel(out, sheet_name=None)


def two_sources(**more):
    # A: 100 t at 10/t, B: 100 t at 15/t, both refined in CHN at no cost; EU needs 100 t.
    sheets = {
        "minerals": MINERALS,
        "countries": table("country", ("AAA",), ("BBB",), ("CHN",)),
        "periods": PERIODS,
        "supply": table("mineral, country, capacity, cost", ("li", "AAA", 100, 10), ("li", "BBB", 100, 15)),
        "refining": table("mineral, country, capacity, cost", ("li", "CHN", 1000, 0)),
        "demand": table("mineral, market, period, demand", ("li", "EU", 2026, 100)),
    }
    sheets.update(more)
    return sheets


def shadow(out, constraint, scope=None):
    sp = out["Shadow prices"]
    rows = sp[sp["constraint"].str.startswith(constraint)]
    if scope is not None:
        rows = rows[rows["scope"] == scope]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_supply_capacity_value_and_marginal_cost(tmp_path):
    # A capped at 60: 60 x 10 + 40 x 15 = 1200. One more t of A capacity replaces a t of B: saves 5.
    # One more t of demand comes from B at 15.
    sheets = two_sources(supply=table("mineral, country, capacity, cost",
                                      ("li", "AAA", 60, 10), ("li", "BBB", 100, 15)))
    out = solve(tmp_path, sheets)
    assert out["Summary"].set_index("item").loc["total_cost", "value"] == pytest.approx(1200)
    a = shadow(out, "supply_capacity", "AAA")
    assert a["binding"] and a["value_per_t"] == pytest.approx(5)
    # B's capacity is slack, so worth nothing: slack capacity rows are left off the sheet.
    sp = out["Shadow prices"]
    assert sp[(sp["constraint"] == "supply_capacity") & (sp["scope"] == "BBB")].empty
    assert out["Marginal costs"]["marginal_cost"].iloc[0] == pytest.approx(15)


def rule_cost(out, rule: str, mineral: str):
    """The Policy costs row of ``rule`` (exact text, or the start of a shares-row rule) for ``mineral``."""
    costs = out["Policy costs"]
    rows = costs[(costs["rule"].str.startswith(rule)) & (costs["mineral"] == mineral)]
    assert len(rows) == 1, f"{rule} / {mineral}: {len(rows)} rows"
    return rows.iloc[0]


def test_refining_capacity_value(tmp_path):
    # Refiner CHN costs 1/t but holds 50 t; USA costs 3/t. Demand 80: 50 x 1 + 30 x 3 = 140 on top of
    # 80 x 10 supply = 940. One more t in CHN saves 3 - 1 = 2.
    sheets = two_sources(
        countries=table("country", ("AAA",), ("BBB",), ("CHN",), ("USA",)),
        refining=table("mineral, country, capacity, cost", ("li", "CHN", 50, 1), ("li", "USA", 100, 3)),
        demand=table("mineral, market, period, demand", ("li", "EU", 2026, 80)))
    out = solve(tmp_path, sheets)
    assert out["Summary"].set_index("item").loc["total_cost", "value"] == pytest.approx(940)
    chn = shadow(out, "refining_capacity", "CHN")
    assert chn["binding"] and chn["value_per_t"] == pytest.approx(2)


def test_share_limit_shadow_price_and_policy_cost(tmp_path):
    # No country above 60% of supply: A 60 t at 10 + B 40 t at 15 = 1200; without the limit A alone: 1000.
    # Policy cost 200. Loosening A's cap by 1 t moves 1 t from B to A: saves 5 per t, and one share point
    # is 1 t of the 100 t total: 5. One more t of demand: 0.6 t from A and 0.4 t from B = 12.
    sheets = two_sources(shares=table("stage, scope, max_share", ("supply", "*", 0.6)))
    out = solve(tmp_path, sheets)
    assert out["Summary"].set_index("item").loc["total_cost", "value"] == pytest.approx(1200)
    policy = rule_cost(out, "all share limits", "li")
    assert policy["cost_without"] == pytest.approx(1000)
    assert policy["rule_cost"] == pytest.approx(200)
    a = shadow(out, "share_max", "AAA")
    assert a["binding"] and a["value_per_t"] == pytest.approx(5)
    assert a["share"] == pytest.approx(0.6) and a["value_per_share_point"] == pytest.approx(5)
    b = shadow(out, "share_max", "BBB")
    assert not b["binding"] and b["value_per_t"] == 0
    assert out["Marginal costs"]["marginal_cost"].iloc[0] == pytest.approx(12)


def test_min_share_shadow_price(tmp_path):
    # B must hold at least 30%: A 70 x 10 + B 30 x 15 = 1150. Loosening B's floor by 1 t saves 5.
    sheets = two_sources(shares=table("stage, scope, min_share", ("supply", "BBB", 0.3)))
    out = solve(tmp_path, sheets)
    assert out["Summary"].set_index("item").loc["total_cost", "value"] == pytest.approx(1150)
    b = shadow(out, "share_min", "BBB")
    assert b["binding"] and b["value_per_t"] == pytest.approx(5)
    assert rule_cost(out, "all share limits", "li")["rule_cost"] == pytest.approx(150)


def test_reserve_target_value_and_policy_cost(tmp_path):
    # EU holds a reserve: 10 t by the end of 2026 at holding cost 2/t. Buy 110 t from A at 10 = 1100,
    # hold 10 t = 20: 1120. Without the target: 1000, so the target costs 120. One t less of target
    # saves 10 + 2 = 12.
    sheets = two_sources(supply=table("mineral, country, capacity, cost", ("li", "AAA", 200, 10)),
                         reserve=table("mineral, market, holding_cost", ("li", "EU", 2)),
                         reserve_targets=table("mineral, market, min_stock", ("li", "EU", 10)))
    out = solve(tmp_path, sheets)
    assert out["Summary"].set_index("item").loc["total_cost", "value"] == pytest.approx(1120)
    assert rule_cost(out, "all reserve targets", "li")["rule_cost"] == pytest.approx(120)
    r = shadow(out, "reserve_target")
    assert r["binding"] and r["value_per_t"] == pytest.approx(12)


def test_concentration_recomputed_from_flow_tables(tmp_path):
    out = solve(tmp_path, two_sources(shares=table("stage, scope, max_share", ("supply", "*", 0.6))))
    conc = out["Concentration"].set_index(["mineral", "stage"])
    # Recompute from Flows: A 60 t, B 40 t -> top share 0.6, HHI 60^2 + 40^2 = 5200.
    flows = out["Flows"][out["Flows"]["scenario"] == "base"]
    by_origin = flows.groupby("origin")["tonnes"].sum()
    shares = by_origin / by_origin.sum()
    row = conc.loc[("li", "supply")]
    assert row["plan_top_country"] == shares.idxmax() == "AAA"
    assert row["plan_top_share"] == pytest.approx(shares.max()) == pytest.approx(0.6)
    assert row["plan_hhi"] == pytest.approx(((100 * shares) ** 2).sum()) == pytest.approx(5200)
    assert row["plan_countries"] == 2
    # Without the limit A supplies everything: one country, HHI 10,000.
    assert row["unlimited_top_share"] == pytest.approx(1.0) and row["unlimited_hhi"] == pytest.approx(10000)
    # Capacities are 100 and 100: HHI 5,000.
    assert row["capacity_hhi"] == pytest.approx(5000)


def test_concentration_of_observed_world_production(tmp_path):
    # The world mines 70 t in AAA, 20 t in BBB and 10 t elsewhere (ZZZ need not be a planning country):
    # top share 0.7, HHI 70^2 + 20^2 + 10^2 = 5,400, beside every period of the plan.
    sheets = two_sources(production=table("mineral, stage, country, tonnes", ("li", "supply", "AAA", 70),
                                           ("li", "supply", "BBB", 20), ("li", "supply", "ZZZ", 10)))
    out = solve(tmp_path, sheets)
    row = out["Concentration"].set_index(["mineral", "stage"]).loc[("li", "supply")]
    assert row["world_top_country"] == "AAA"
    assert row["world_top_share"] == pytest.approx(0.7)
    assert row["world_hhi"] == pytest.approx(5400)
    assert row["world_countries"] == 3


def test_concentration_matches_tables_on_example(tmp_path):
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "inputs" / "example.xlsx"
    out_path = tmp_path / "plan.xlsx"
    assert main(["solve", str(example), "-o", str(out_path), "-q"]) == 0
    out = pd.read_excel(out_path, sheet_name=None, dtype={"period": str})
    flows = out["Flows"][out["Flows"]["scenario"] == "base"]
    refining = out["Refining"][out["Refining"]["scenario"] == "base"]
    q = pd.concat([
        flows.groupby(["mineral", "period", "origin"])["tonnes"].sum().rename_axis(
            ["mineral", "period", "country"]).reset_index().assign(stage="supply"),
        refining.groupby(["mineral", "period", "refiner"])["output_tonnes"].sum().rename_axis(
            ["mineral", "period", "country"]).reset_index(name="tonnes").assign(stage="refining"),
    ])
    conc = out["Concentration"].set_index(["mineral", "stage", "period"])
    for (m, stage, t), group in q.groupby(["mineral", "stage", "period"]):
        shares = group["tonnes"] / group["tonnes"].sum()
        row = conc.loc[(m, stage, t)]
        assert row["plan_top_share"] == pytest.approx(shares.max(), abs=1e-6)
        assert row["plan_hhi"] == pytest.approx(((100 * shares) ** 2).sum(), abs=1e-3)
        assert row["plan_countries"] == (shares > 1e-9).sum()


def chart_xml(path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        names = sorted((n for n in zf.namelist() if re.match(r"xl/charts/chart\d+\.xml", n)),
                       key=lambda n: int(re.search(r"(\d+)", n).group(1)))
        return [zf.read(n).decode("utf-8") for n in names]


def _rows(refs: list[str], sheet: str, column: str) -> set[int]:
    """Row numbers a chart's references take from ``column`` of ``sheet``."""
    quoted = f"'{sheet}'" if " " in sheet else sheet
    prefix = f"{quoted}!${column}$"
    return {int(n) for ref in refs if ref.startswith(prefix) for n in re.findall(r"\$(\d+)", ref)}


def test_charts_point_at_the_right_cells(tmp_path):
    from pathlib import Path

    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    example = Path(__file__).resolve().parents[1] / "inputs" / "example.xlsx"
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(example), "-o", str(out), "-q"]) == 0
    charts = chart_xml(out)
    wb = load_workbook(out, read_only=True)
    sheet = {name: list(wb[name].iter_rows(values_only=True)) for name in
             ("Scenarios", "Scenario minerals", "Scenario mix", "Mix", "Reserve")}
    titles = [" ".join(re.findall(r"<a:t>([^<]*)</a:t>", xml)) for xml in charts]
    refs = [re.findall(r"<c:f>([^<]*)</c:f>", xml) for xml in charts]
    assert all(refs)

    # The cost chart plots cost_change of every scenario but base (rows 3 on).
    assert "Change in total cost" in titles[0]
    letter = get_column_letter(sheet["Scenarios"][0].index("cost_change") + 1)
    assert _rows(refs[0], "Scenarios", letter) == {3, len(sheet["Scenarios"])}
    # Unmet shares: a series per mineral over its block of Scenario minerals rows (column unmet_share).
    minerals = sheet["Scenario minerals"]
    unmet = next(r for t, r in zip(titles, refs) if t.startswith("Unmet demand by scenario"))
    letter = get_column_letter(minerals[0].index("unmet_share") + 1)
    for first, last in zip(sorted(_rows(unmet, "Scenario minerals", letter))[::2],
                           sorted(_rows(unmet, "Scenario minerals", letter))[1::2]):
        assert len({row[1] for row in minerals[first - 1:last]}) == 1  # one mineral per series
    # Scenario mix: the rows of one (scenario, mineral, stage) block each.
    mix_rows = sheet["Scenario mix"]
    for title, ref in zip(titles, refs):
        if "against base" in title:
            scenario = title.split(":")[0]
            rows = _rows(ref, "Scenario mix", "G")  # column change
            block = mix_rows[min(rows) - 1:max(rows)]
            assert {r[0] for r in block} == {scenario} and len({(r[1], r[2]) for r in block}) == 1, title
    # The base plan's mix: one chart per mineral and stage with tonnes, each reading its three periods.
    mix = sheet["Mix"]
    pairs = {(r[0], r[1]) for r in mix[1:]}
    base_mix = [(t, r) for t, r in zip(titles, refs) if "base plan" in t and "by country" in t]
    assert len(base_mix) == len(pairs)
    for title, ref in base_mix:
        mineral = title.split(":")[0]
        stage = "supply" if "mined" in title else "refining"
        rows = {int(n) for x in ref if x.startswith("Mix!$C$") for n in re.findall(r"\$(\d+)", x)}
        block = mix[min(rows) - 1:max(rows)]
        assert {(r[0], r[1]) for r in block} == {(mineral, stage)} and len(block) == 3, title
    # Reserves: a chart only where the stock leaves its target in some period, reading that reserve's rows.
    reserve = [r for r in sheet["Reserve"][1:] if r[0] == "base"]
    off_target = {(r[1], r[2]) for r in reserve if abs(r[4] - r[5]) > 1e-6}
    drawn = [(t, r) for t, r in zip(titles, refs) if "stock against target" in t]
    assert {tuple(re.match(r"(\w+) reserve for (\w+)", t).groups()) for t, _r in drawn} == off_target
    for title, ref in drawn:
        mineral, market = re.match(r"(\w+) reserve for (\w+)", title).groups()
        rows = _rows(ref, "Reserve", "E")
        block = sheet["Reserve"][min(rows) - 1:max(rows)]
        assert {(r[0], r[1], r[2]) for r in block} == {("base", mineral, market)}


def test_reserve_on_its_target_gets_no_chart(tmp_path):
    # A reserve that holds exactly its target in every period says nothing a table does not.
    sheets = two_sources(supply=table("mineral, country, capacity, cost", ("li", "AAA", 200, 10)),
                         reserve=table("mineral, market, holding_cost", ("li", "EU", 2)),
                         reserve_targets=table("mineral, market, min_stock", ("li", "EU", 10)))
    inp = write_workbook(tmp_path / "in.xlsx", sheets)
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(inp), "-o", str(out), "-q"]) == 0
    assert not any("stock against target" in xml for xml in chart_xml(out))


def test_shortfall_penalty_above_unmet_penalty_is_warned(tmp_path, capsys):
    sheets = two_sources(reserve=table("mineral, market, shortfall_penalty", ("li", "EU", 5000)),
                         reserve_targets=table("mineral, market, min_stock", ("li", "EU", 10)))
    solve(tmp_path, sheets)
    err = capsys.readouterr().err
    assert "reserve!" in err and "shortfall_penalty" in err and "above the mineral's unmet penalty" in err


@pytest.mark.parametrize("workbook", ["example", "world"])
def test_rules_priced_at_zero_are_not_resolved_and_cost_nothing(tmp_path, monkeypatch, workbook):
    # A rule whose rows all have a zero dual is reported at cost 0 without a re-solve (LP duality: the
    # base plan stays optimal without it). Forcing every re-solve must give the same policy costs and bills.
    import planner.analysis.explain as explain
    from benchmarks.generate import generate
    from planner.pipeline import run_command

    path = Path(__file__).resolve().parents[1] / "inputs" / "example.xlsx" if workbook == "example" else \
        generate(tmp_path / "w.xlsx", minerals=3, countries=12, periods=3, markets=3, scenarios=1, seed=4, version=1)
    pruned = run_command("solve", path, block_workers=1, explain_plan=True)
    monkeypatch.setattr(explain, "ZERO_DUAL", -1.0)
    every = run_command("solve", path, block_workers=1, explain_plan=True)
    assert (pruned.tables["policy_costs"]["rule_cost"] == 0).any()
    for name in ("policy_costs", "market_bills"):
        pd.testing.assert_frame_equal(pruned.tables[name], every.tables[name], check_exact=False, rtol=1e-9,
                                      atol=1e-6)


def test_demand_left_wholly_unmet_is_priced_at_the_unmet_penalty(tmp_path):
    # No refinery can take li, so all 100 t of EU demand go unmet at the penalty of 1,000/t: 100,000.
    # One more tonne of demand is one more unmet tonne: 1,000. (The balance's dual alone is not
    # unique here: any value >= 1,000 is optimal, the bound unmet <= demand taking up the rest.)
    sheets = two_sources(refining=table("mineral, country, capacity, cost", ("li", "CHN", 0, 0)),
                         settings=table("key, value", ("unmet_penalty", 1000)))
    out = solve(tmp_path, sheets)
    assert out["Summary"].set_index("item").loc["total_cost", "value"] == pytest.approx(100_000)
    assert out["Marginal costs"]["marginal_cost"].iloc[0] == pytest.approx(1000)


def test_demand_price_is_the_same_for_every_optimal_dual(tmp_path):
    """The joint model and a mineral's block returned different balance duals for the same plan
    (a random workbook, seed 1246: 148,980.55 against 148,930.08 with all of a market's demand
    unmet); the price of demand must not depend on which of the optimal duals the solver returns."""
    from planner.analysis.explain import demand_prices
    from planner.api import validate
    from planner.model.build import build_model
    from planner.solver.highs import HighsSession

    sheets = two_sources(refining=table("mineral, country, capacity, cost", ("li", "CHN", 0, 0)),
                         settings=table("key, value", ("unmet_penalty", 1000)))
    model = build_model(validate(write_workbook(tmp_path / "in.xlsx", sheets)))
    sol = HighsSession(model).solve()
    row = model.rows["market_balance"].rows[0]
    unmet = model.vars.unmet[("li", "EU", "2026")]
    # Raise the balance's dual by 50 and lower unmet's reduced cost by 50: still dual feasible
    # (unmet sits at its upper bound, where a negative reduced cost is allowed), still optimal.
    other = dataclasses.replace(sol, row_dual=sol.row_dual.copy(), col_dual=sol.col_dual.copy())
    other.row_dual[row] += 50
    other.col_dual[unmet] -= 50
    assert demand_prices(model, sol)[0] == pytest.approx(1000)
    assert demand_prices(model, other)[0] == pytest.approx(1000)
    # A solver without reduced costs (CBC): c - A^T y, computed from the model, gives the same.
    np.testing.assert_allclose(model.reduced_costs(sol.row_dual), sol.col_dual, atol=1e-9)
    assert demand_prices(model, dataclasses.replace(other, col_dual=None))[0] == pytest.approx(1000)


def test_run_info_counts_the_rules_re_solved(tmp_path):
    # Two share rows: no country above 60% of supply (binds: A 60 t, B 40 t) and BBB at most 90% (slack: 40%).
    # Three rules are reported: all share limits and the 60% row each cost 1200 - 1000 = 200 (without the cap
    # A supplies all 100 t at 10); the slack row's dual is 0, so it costs nothing without a re-solve. Run info:
    # 2 re-solves, both in this process (far too few to start workers for).
    sheets = two_sources(shares=table("stage, scope, max_share", ("supply", "*", 0.6), ("supply", "BBB", 0.9)))
    out = solve(tmp_path, sheets)
    costs = out["Policy costs"].set_index("rule")["rule_cost"]
    assert list(costs.round(6)) == [200, 200, 0]
    info = out["Run info"].set_index("item")["value"]
    assert int(info["explain_resolves"]) == 2
    assert info["explain_resolves_solved_by"] == "in this process"
    assert float(info["explain_resolves_seconds"]) > 0


def test_mixed_integer_re_solves_from_the_base_plan_give_the_cold_tables(tmp_path, monkeypatch):
    # A generated workbook solved as one mixed-integer model (its candidate projects include all-or-nothing
    # ones) with rules that bind: every re-solve without a rule started from the base plan (a known incumbent)
    # must give the tables of re-solves that start from nothing.
    import planner.analysis.resolves as resolves
    from benchmarks.generate import generate
    from planner.pipeline import run_command
    from tests.test_blocks import assert_same_tables

    path = generate(tmp_path / "w.xlsx", minerals=3, countries=10, periods=3, markets=2, scenarios=1, seed=1)
    warm = run_command("solve", path, joint=True, block_workers=1, explain_plan=True)
    assert dict(warm.report.items())["model_integer_columns"] > 0
    assert (warm.tables["policy_costs"]["rule_cost"].abs() > 1).sum() >= 5
    started, cold_start = [], resolves.starting_point

    def from_nothing(session, base):
        start = cold_start(session, base)
        started.append(start.incumbent is not None)
        return resolves.Start(basis=start.basis)

    monkeypatch.setattr(resolves, "starting_point", from_nothing)
    cold = run_command("solve", path, joint=True, block_workers=1, explain_plan=True)
    assert started == [True]  # the re-solves would have started from the base plan: here they start cold
    assert_same_tables(warm, cold)

"""planner hedge --samples N [--seed S]: the hedge against N samples of the risks sheet, drawn as the sweep draws them.

Each sample is a scenario of probability 1/N (base: 0, reported beside them); the scenarios sheet is not used.
"""

from __future__ import annotations

import pandas as pd
import pytest

from planner.analysis.sweep.sampling import draw_samples, sample_rows
from planner.api import validate
from planner.cli import main
from tests.workbooks import table, write_workbook


def stock_book(probability):
    # li: KOR needs 100 t in 2026; AUS mines at 10/t and refines at 2/t: 12 a delivered tonne, 1,000/t unmet.
    # KOR may buy up to 100 t of stock before 2026 at 15/t. Risk "halt": AUS mines no li in the period it starts.
    return {
        "minerals": table("mineral, refined_price, unmet_penalty", ("li", 20, 1000)),
        "periods": table("period", (2026,)),
        "countries": table("country", ("AUS",), ("KOR",)),
        "supply": table("mineral, country, capacity, cost", ("li", "AUS", 10_000, 10)),
        "refining": table("mineral, country, capacity, cost", ("li", "AUS", 10_000, 2)),
        "demand": table("mineral, market, period, demand", ("li", "KOR", 2026, 100)),
        "reserve": table("mineral, market, initial_stock, max_stock, holding_cost, purchase_price, salvage",
                         ("li", "KOR", 0, 100, 0, 15, 0)),
        "risks": table("risk, country, stage, probability, mineral, factor, duration",
                       ("halt", "AUS", "supply", probability, "li", 0, 1)),
    }


def two_mineral_book():
    # li over two periods (EU needs 80 t each): AUS mines at 10/t, CHL at 30/t, both refined in CHN at 2/t; a
    # candidate mine in CAN (60 t a period at 12/t, fixed 2/t a year). co: COD mines at 15/t, EU needs 50 t
    # and may buy 50 t of stock at 18/t up front. Three risks, so the samples differ; two blocks (li, co).
    return {
        "minerals": table("mineral, unmet_penalty", ("li", 1000), ("co", 1000)),
        "periods": table("period", (2026,), (2027,)),
        "countries": table("country", ("AUS",), ("CHL",), ("CAN",), ("COD",), ("CHN",)),
        "supply": table("mineral, country, capacity, cost", ("li", "AUS", 100, 10), ("li", "CHL", 100, 30),
                        ("co", "COD", 100, 15)),
        "refining": table("mineral, country, capacity, cost", ("li", "CHN", 1000, 2), ("co", "CHN", 1000, 2)),
        "demand": table("mineral, market, period, demand", ("li", "EU", 2026, 80), ("li", "EU", 2027, 80),
                        ("co", "EU", 2026, 50)),
        "reserve": table("mineral, market, initial_stock, max_stock, holding_cost, purchase_price, salvage",
                         ("co", "EU", 0, 50, 0, 18, 0)),
        "projects": table("project, stage, mineral, country, capacity, cost, fixed_cost",
                          ("CAN mine", "supply", "li", "CAN", 60, 12, 2)),
        "risks": table("risk, country, stage, probability, mineral, factor, duration",
                       ("AUS halt", "AUS", "supply", 0.3, "li", 0, 1),
                       ("CHL strike", "CHL", "supply", 0.25, "li", 0.5, 2),
                       ("COD ban", "COD", "supply", 0.4, "co", 0, 1)),
    }


def run(tmp_path, command, sheets, *args, name=None) -> dict[str, pd.DataFrame]:
    name = name or command
    inp = write_workbook(tmp_path / f"{name}-in.xlsx", sheets)
    out = tmp_path / f"{name}.xlsx"
    assert main([command, str(inp), "-o", str(out), "-q", *args]) == 0
    return pd.read_excel(out, sheet_name=None)


def summary(out) -> pd.Series:
    return out["Summary"].set_index("item")["value"]


def test_a_certain_halt_buys_the_stock(tmp_path):
    # Probability 1: every sample draws halt@2026, and base weighs 0. With b t bought, each sample costs
    # 15b + (100 - b) x 1,000 = 100,000 - 985b: b = 100, 1,500, the expected cost. The base plan alone
    # (1,200 + 3b) buys nothing: each sample then 100,000. Value of hedging 100,000 - 1,500 = 98,500.
    # Base with the hedge's stock: 100 t at 15 = 1,500 (1,200 with its own), saving -300.
    out = run(tmp_path, "hedge", stock_book(1.0), "--samples", "4")
    s = summary(out)
    assert float(s["expected_cost"]) == pytest.approx(1500)
    assert float(s["value_of_hedging"]) == pytest.approx(98_500)
    assert float(s["base_probability"]) == 0
    assert int(s["samples"]) == 4 and int(s["seed"]) == 1
    scenarios = out["Scenarios"].set_index("scenario")
    assert scenarios.loc["base", ["total_cost", "cost_with_base_builds"]].tolist() == pytest.approx([1500, 1200])
    samples = scenarios.drop("base")
    assert (samples["risks drawn"] == "halt@2026").all()
    assert samples["probability"].tolist() == pytest.approx([0.25] * 4)
    assert samples["total_cost"].tolist() == pytest.approx([1500] * 4)
    assert samples["cost_with_base_builds"].tolist() == pytest.approx([100_000] * 4)
    assert out["Stockpiles"].set_index("scenario").loc["hedge", "bought"] == pytest.approx(100)


def test_a_coin_flip_halt_against_the_sweeps_own_draws(tmp_path):
    # Probability 0.5: k of the 20 samples draw the halt (read off the sweep's Samples sheet, same seed), q = k/20.
    # Expected cost (1 - q)(1,200 + 3b) + q (100,000 - 985b) falls with b once q > 3/988: b = 100, and every
    # sample costs 1,500. The base plan's own (b = 0): (1 - q) 1,200 + q 100,000; the difference is the value.
    sheets = stock_book(0.5)
    sweep = run(tmp_path, "sweep", sheets, "--samples", "20", "--seed", "3", "--workers", "1")
    hedge = run(tmp_path, "hedge", sheets, "--samples", "20", "--seed", "3")
    k = int((sweep["Samples"]["risks drawn"] == "halt@2026").sum())
    assert 0 < k < 20  # the seed draws both kinds of sample
    q = k / 20
    s = summary(hedge)
    assert float(s["expected_cost"]) == pytest.approx(1500)
    assert float(s["value_of_hedging"]) == pytest.approx((1 - q) * 1200 + q * 100_000 - 1500)
    samples = hedge["Scenarios"].set_index("scenario").drop("base")
    halted = samples["risks drawn"] == "halt@2026"
    assert samples.loc[halted, "cost_with_base_builds"].tolist() == pytest.approx([100_000] * k)
    assert samples.loc[~halted, "cost_with_base_builds"].tolist() == pytest.approx([1200] * (20 - k))


def test_the_coin_flip_spreads_as_each_set_of_builds_leaves_it(tmp_path):
    # The coin flip again: with the hedge's 100 t of stock every sample costs 1,500 and leaves nothing unmet; with
    # the base plan's own (none), the k halted samples cost 100,000 and leave all 100 t unmet, the rest 1,200.
    # The base plan's own cost, nothing happening, is 1,200: the hedge's samples sit 300 above it, the halted
    # ones 98,800. Ranges of 10,000 (the round width that covers 98,800 in at most 12).
    sheets = stock_book(0.5)
    hedge = run(tmp_path, "hedge", sheets, "--samples", "20", "--seed", "3")
    samples = hedge["Scenarios"].set_index("scenario").drop("base")
    k = int((samples["risks drawn"] == "halt@2026").sum())
    assert 2 <= k < 20  # the seed halts more than 5% of the samples: the base plan's 95th percentile is a halt
    spread = hedge["Cost distribution"].set_index("builds")
    assert spread.loc["hedge", ["expected_cost", "no_event_cost", "p95_cost", "worst_cost"]].tolist() == \
        pytest.approx([1500, 1500, 1500, 1500])
    assert spread.loc["base plan's own", ["expected_cost", "no_event_cost", "p95_cost", "worst_cost"]].tolist() == \
        pytest.approx([(20 - k) / 20 * 1200 + k / 20 * 100_000, 1200, 100_000, 100_000])
    s = summary(hedge)
    assert [float(s["p95_cost"]), float(s["p95_cost_with_base_builds"])] == pytest.approx([1500, 100_000])
    unmet = hedge["Unmet distribution"].set_index("builds")
    assert unmet.loc["hedge", ["expected_unmet", "p95_unmet", "worst_unmet", "p_any_unmet"]].tolist() == \
        pytest.approx([0, 0, 0, 0])
    assert unmet.loc["base plan's own", ["expected_unmet", "p95_unmet", "worst_unmet", "p_any_unmet"]].tolist() == \
        pytest.approx([100 * k / 20, 100, 100, k / 20])
    histogram = hedge["Cost histogram"]
    assert histogram["to_cost"].tolist() == pytest.approx([0] + [10_000 * i for i in range(1, 11)])
    assert histogram["with_hedge"].tolist() == pytest.approx([0, 1] + [0] * 9)
    assert histogram["with_base_builds"].tolist() == pytest.approx([(20 - k) / 20] + [0] * 9 + [k / 20])
    by_sample = hedge["Scenario unmet"].set_index("scenario")
    halted = samples.index[samples["risks drawn"] == "halt@2026"]
    assert by_sample.loc[halted, "unmet_with_base_builds"].tolist() == pytest.approx([100] * k)
    assert by_sample["unmet_tonnes"].tolist() == pytest.approx([0] * 21)


def test_a_decision_is_valued_in_every_sample_however_many_when_few_differ(tmp_path):
    # 2,500 samples of the coin flip: 2,500 re-solves for the one decision, but two distinct samples (halted or
    # not), so two. The stock pays off exactly in the halted samples (100,000 without it against 1,500).
    hedge = run(tmp_path, "hedge", stock_book(0.5), "--samples", "2500", "--seed", "3")
    samples = hedge["Scenarios"].set_index("scenario").drop("base")
    k = int((samples["risks drawn"] == "halt@2026").sum())
    value = hedge["Decision values"].iloc[0]
    assert value["most_in"] != "base"
    answer = summary(hedge)["answer"]
    assert f"pays off in {k} of 2500 samples" in answer
    assert (value["pays_off_in"], value["of_scenarios"]) == (k, 2500)  # base, of probability 0, is no sample
    assert float(value["expected_value"]) == pytest.approx(k / 2500 * (100_000 - 1500) - (1 - k / 2500) * 300)


def test_the_plan_tables_of_a_sampled_hedge_hold_the_base_scenario_alone(tmp_path):
    # A sample's flows are one draw of many: only base's are written, and they are the hedge's (its stock drawn).
    hedge = run(tmp_path, "hedge", two_mineral_book(), "--samples", "12", "--seed", "4")
    for sheet in ("Flows", "Refining", "Deliveries", "Reserve"):
        assert set(hedge[sheet]["scenario"]) == {"base"}, sheet
    assert "base only" in summary(hedge)["plans_written"]
    unmet = hedge["Scenario unmet"]
    assert len(unmet) == 13 * 2 and set(unmet["mineral"]) == {"li", "co"}
    listed_scenarios = run(tmp_path, "hedge", listed(two_mineral_book(), tmp_path / "l.xlsx", 12, 4), name="listed")
    assert set(listed_scenarios["Flows"]["scenario"]) == set(listed_scenarios["Scenarios"]["scenario"])
    assert "plans_written" not in summary(listed_scenarios)


def test_the_95th_percentile_is_the_least_cost_95_percent_of_the_probability_stays_within():
    from planner.analysis.spread import weighted_quantile

    values = list(range(100, 0, -1))  # 100 samples of 1/100, given in any order
    assert weighted_quantile(values, [0.01] * 100, 0.95) == 95
    # Base weighs 0 (a sampled hedge): it never counts, however dear.
    assert weighted_quantile([10**9, 1, 2], [0, 0.5, 0.5], 0.95) == 2
    # Listed scenarios: base 0.5 at 10, 0.2 at 20, 0.3 at 30: P(X <= 20) = 0.7 < 0.95 <= P(X <= 30).
    assert weighted_quantile([10, 30, 20], [0.5, 0.3, 0.2], 0.95) == 30
    assert weighted_quantile([10, 30, 20], [0.5, 0.3, 0.2], 0.5) == 10


def test_the_expected_economic_cost_leaves_out_the_tariffs_paid(tmp_path):
    # The coin flip with a tariff of 0.1 x the refined price (2/t) on AUS -> KOR: delivered li costs 14/t, below
    # the stock's 15/t, so the base plan buys no stock and pays 200 of tariff in a sample that is not halted
    # (1,400, economic 1,200); a halted one costs 100,000 unmet either way. The hedge's 100 t of stock: 1,500
    # in every sample, nothing delivered, no tariff.
    sheets = {**stock_book(0.5), "routes": table("stage, from, to, mineral, cost, tariff_rate",
                                                 ("delivery", "AUS", "KOR", "li", 0, 0.1))}
    hedge = run(tmp_path, "hedge", sheets, "--samples", "20", "--seed", "3")
    samples = hedge["Scenarios"].set_index("scenario").drop("base")
    halted = samples["risks drawn"] == "halt@2026"
    q = halted.sum() / 20
    assert 0 < q < 1
    s = summary(hedge)
    assert [float(s["expected_cost"]), float(s["expected_economic_cost"])] == pytest.approx([1500, 1500])
    assert float(s["expected_cost_with_base_builds"]) == pytest.approx((1 - q) * 1400 + q * 100_000)
    assert float(s["expected_economic_cost_with_base_builds"]) == pytest.approx((1 - q) * 1200 + q * 100_000)
    assert samples.loc[~halted, "economic_cost_with_base_builds"].tolist() == pytest.approx([1200] * (~halted).sum())
    costs = hedge["Expected costs"].set_index("builds")
    assert costs.loc["base plan's own", "expected_economic_cost"] == pytest.approx((1 - q) * 1200 + q * 100_000)


def spread_scenarios(hedge_costs, base_costs, probabilities):
    return pd.DataFrame({"scenario": [f"s{i}" for i in range(len(hedge_costs))], "probability": probabilities,
                         "total_cost": hedge_costs, "cost_with_base_builds": base_costs})


def test_a_cost_on_an_edge_counts_in_the_range_it_ends_and_base_at_probability_0_sets_no_range():
    from planner.analysis.spread import cost_histogram

    # Reference 100 (base, its own builds). Base weighs 0 and costs 1,000 with the hedge's builds: no range for it.
    # The samples sit 10 and 20 above: ranges of 2 (the round width covering 20 in at most 12); 20 ends 18-20.
    frame = spread_scenarios([1000, 110, 120], [100, 120, 110], [0, 0.5, 0.5])
    histogram = cost_histogram(frame)
    assert histogram["to_cost"].tolist() == pytest.approx([0] + [2 * i for i in range(1, 11)])
    assert histogram.set_index("to_cost").loc[[10, 20], "with_hedge"].tolist() == pytest.approx([0.5, 0.5])
    assert histogram.set_index("to_cost").loc[[10, 20], "with_base_builds"].tolist() == pytest.approx([0.5, 0.5])
    # A cost above the reference by the solvers' noise is at the reference: no range of width 1e-8.
    noise = cost_histogram(spread_scenarios([100 + 1e-7, 100], [100, 100], [0.5, 0.5]))
    assert noise["with_hedge"].tolist() == pytest.approx([1.0])


def test_a_scenario_that_did_not_solve_leaves_its_builds_without_a_spread():
    from planner.analysis.spread import cost_distribution, cost_histogram

    frame = spread_scenarios([110, None], [120, 130], [0.5, 0.5])
    assert cost_distribution(frame)["builds"].tolist() == ["base plan's own"]
    assert cost_histogram(frame).empty
    # At probability 0 (a sampled hedge's base) a missing cost takes nothing away.
    assert len(cost_distribution(spread_scenarios([None, 110], [120, 130], [0, 1.0]))) == 2


def listed(sheets: dict, path, n: int, seed: int) -> dict:
    """``sheets`` with the sweep's samples (``draw_samples``, ``sample_rows``) written on the scenarios sheet, 1/n each.

    A sample that draws nothing gets a row that changes nothing (a capacity factor of 1): a scenario needs a row.
    """
    data = validate(write_workbook(path, sheets))
    rows = []
    for sample in draw_samples(data, n, seed):
        name = f"sample {sample.index}"
        drawn = sample_rows(data, sample) or [None]
        for r in drawn:
            if r is None:
                rows.append((name, "supply_capacity", 1, None, None, None, 1 / n))
            else:
                rows.append((name, r.kind, r.factor, r.mineral, r.country, int(r.period), 1 / n))
    return {**sheets, "scenarios": table("scenario, kind, factor, mineral, country, period, probability", *rows)}


def test_samples_hedge_the_same_as_the_samples_listed_as_scenarios(tmp_path):
    sheets = two_mineral_book()
    sampled = run(tmp_path, "hedge", sheets, "--samples", "12", "--seed", "4", name="sampled")
    as_rows = run(tmp_path, "hedge", listed(sheets, tmp_path / "draw.xlsx", 12, 4), name="listed")
    joint = run(tmp_path, "hedge", sheets, "--samples", "12", "--seed", "4", "--joint", name="joint")
    # The hedge backs the CAN mine and buys co stock (a program with first-stage decisions to compare).
    assert summary(sampled)["projects_backed"] != "none" and summary(sampled)["stock_bought"] != "none"
    for other in (as_rows, joint):
        assert summary(other)["projects_backed"] == summary(sampled)["projects_backed"]
        for item in ("expected_cost", "value_of_hedging", "expected_cost_with_base_builds"):
            assert float(summary(sampled)[item]) == pytest.approx(float(summary(other)[item]), rel=1e-6, abs=1e-6)
        mine, theirs = sampled["Scenarios"], other["Scenarios"]
        assert mine["scenario"].tolist() == theirs["scenario"].tolist()
        for col in ("probability", "total_cost", "cost_with_base_builds"):
            assert mine[col].tolist() == pytest.approx(theirs[col].tolist(), rel=1e-6, abs=1e-6)
    drawn = sampled["Scenarios"].set_index("scenario")["risks drawn"]
    assert drawn.drop("base").nunique() > 2  # the samples differ: the hedge weighs several futures
    assert joint["Scenarios"]["risks drawn"].equals(sampled["Scenarios"]["risks drawn"])  # blocks and joint agree


def test_the_same_seed_gives_the_same_scenarios(tmp_path):
    sheets = stock_book(0.5)
    first = run(tmp_path, "hedge", sheets, "--samples", "10", "--seed", "11", name="first")
    again = run(tmp_path, "hedge", sheets, "--samples", "10", "--seed", "11", name="again")
    other = run(tmp_path, "hedge", sheets, "--samples", "10", "--seed", "12", name="other")
    pd.testing.assert_frame_equal(first["Scenarios"], again["Scenarios"])
    assert not first["Scenarios"]["risks drawn"].equals(other["Scenarios"]["risks drawn"])


def test_samples_without_a_risks_sheet_is_a_usage_error(tmp_path, capsys):
    sheets = {k: v for k, v in stock_book(0.5).items() if k != "risks"}
    inp = write_workbook(tmp_path / "in.xlsx", sheets)
    out = tmp_path / "out.xlsx"
    assert main(["hedge", str(inp), "--samples", "5", "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert "sheet 'risks'" in err and "--samples" in err and "Traceback" not in err
    assert not out.exists()


def test_a_seed_without_samples_is_a_usage_error(tmp_path, capsys):
    inp = write_workbook(tmp_path / "in.xlsx", stock_book(0.5))
    assert main(["hedge", str(inp), "--seed", "3", "-o", str(tmp_path / "out.xlsx"), "-q"]) == 2
    assert "--seed goes with --samples" in capsys.readouterr().err


def test_scenarios_list_base_and_every_sample_with_what_it_drew(tmp_path):
    sheets = two_mineral_book()
    sheets["scenarios"] = table("scenario, kind, factor, mineral, country, probability",
                                ("ignored", "supply_capacity", 0, "li", "AUS", 0.5))  # not used with --samples
    hedge = run(tmp_path, "hedge", sheets, "--samples", "6", "--seed", "9")
    sweep = run(tmp_path, "sweep", sheets, "--samples", "6", "--seed", "9", "--workers", "1")
    scenarios = hedge["Scenarios"]
    assert scenarios["scenario"].tolist() == ["base", *[f"sample {i}" for i in range(1, 7)]]
    assert scenarios.loc[0, "probability"] == 0 and pd.isna(scenarios.loc[0, "risks drawn"])
    assert scenarios["probability"].iloc[1:].tolist() == pytest.approx([1 / 6] * 6)
    assert scenarios["risks drawn"].iloc[1:].tolist() == sweep["Samples"]["risks drawn"].tolist()
    assert int(summary(hedge)["scenarios"]) == 6


def test_the_api_refuses_no_samples(tmp_path):
    from planner import api
    from planner.errors import UsageError

    with pytest.raises(UsageError, match="--samples needs a whole number >= 1"):
        api.hedge(write_workbook(tmp_path / "in.xlsx", stock_book(0.5)), samples=0)

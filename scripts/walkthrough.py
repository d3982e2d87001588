#!/usr/bin/env python3
"""The README's walkthrough of the default dataset, every figure taken from the planner's own output.

    python scripts/walkthrough.py                 # print the walkthrough (runs solve, stress, hedge, frontier, sweep)
    python scripts/update_docs.py --walkthrough   # write it into README.md

``figures()`` runs the commands a reader of the README would run and picks the numbers it quotes;
``render()`` puts them into the text. tests/test_walkthrough.py runs both and fails when the README's
block differs, so a quoted figure cannot drift from what the tool says.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import planner  # noqa: E402

WORKBOOK = ROOT / "inputs" / "critical-minerals-2026.xlsx"
SAMPLES, SEED = 200, 1
TOP = 5  # the costliest scenarios the walkthrough tabulates
WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
         10: "ten"}


def _money(value: float) -> str:
    """``1,597 bn``, ``86 M``: USD over the five years, rounded as the walkthrough quotes them."""
    if abs(value) < 5e5:
        return "0"
    if abs(value) >= 1e9:
        return f"{value / 1e9:,.1f} bn"
    return f"{value / 1e6:,.0f} M"


def _tonnes(value: float) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.2f} Mt"
    if abs(value) >= 1e3:
        return f"{value / 1e3:,.0f} kt"
    return f"{value:,.0f} t"


def costliest(scenarios: pd.DataFrame, n: int = TOP) -> pd.DataFrame:
    """The ``n`` costliest scenarios to the world (by ``economic_cost_change``: tariffs are transfers), with any
    of the ``n`` costliest by ``cost_change`` they leave out, all ranked by the economic reading."""
    by_economic = scenarios.sort_values("economic_cost_change", ascending=False, kind="stable")
    by_total = scenarios.sort_values("cost_change", ascending=False, kind="stable")
    shown = set(by_economic.index[:n]) | set(by_total.index[:n])
    return by_economic[by_economic.index.isin(shown)]


def ranking_note(shown: pd.DataFrame, n: int = TOP) -> str:
    """What the table of ``costliest`` lists, in words."""
    extra = len(shown) - n
    if extra == 0:
        return f"the {WORDS[n]} costliest by the change in total cost are the same {WORDS[n]}"
    return (f"the {WORDS[n]} costliest by it, and {WORDS.get(extra, extra)} more that the change in total cost "
            f"ranks among its {WORDS[n]} costliest")


def _calibration(workdir: Path) -> list[dict]:
    spec = importlib.util.spec_from_file_location("build_default_workbook", ROOT / "scripts" /
                                                  "build_default_workbook.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script.calibration(WORKBOOK, script.solve_without_limits(WORKBOOK, workdir))


def figures(workdir: Path) -> dict[str, str]:
    """Run every command the walkthrough shows and return its figures, formatted as the README quotes them."""
    f: dict[str, str] = {}
    plan = planner.solve(WORKBOOK)
    summary = dict(plan.outcome.summary)
    f["total"] = _money(summary["total_cost"])
    f["economic"] = _money(summary["economic_cost"])
    f["base_tariffs"] = _money(summary["base_tariff_cost"])
    f["base_priced_out"] = _tonnes(summary["priced_out_tonnes"])
    f["base_lost_value"] = _money(summary["lost_value"])
    f["share_cost"] = _money(summary["share_limits_cost"])
    f["reserve_cost"] = _money(summary["reserve_targets_cost"])
    f["excess_cost"] = _money(summary["base_excess_cost"])
    policy = plan.tables["policy_costs"]
    reserve = policy[policy["rule"] == "all reserve targets"].set_index("mineral")["rule_cost"]
    f["reserve_top"] = reserve.idxmax()
    f["reserve_top_cost"] = _money(reserve.max())
    excess = plan.tables["excess"]
    excess = excess[excess["scenario"] == "base"].groupby("mineral")["tonnes_beyond"].sum().sort_values()
    f["excess_mineral"] = excess.index[-1]
    f["excess_tonnes"] = _tonnes(excess.iloc[-1])
    eu_law = policy["rule"].str.contains("of market EU") & ~policy["rule"].str.contains("a target")
    f["eu_rule_cost"] = _money(policy.loc[eu_law, "rule_cost"].sum())
    bills = plan.tables["market_bills"]
    eu_bills = bills[bills["rule"].str.contains("of market EU") & ~bills["rule"].str.contains("a target")]
    by_market = eu_bills.groupby("market")["rule_bill"].sum()
    f["eu_bill"] = _money(by_market["EU"])
    f["usa_bill"] = _money(by_market["USA"])
    f["chn_bill"] = _money(-by_market["CHN"])
    feoc = policy[policy["rule"].str.contains("scope FEOC")]
    f["feoc_cost"] = _money(feoc["rule_cost"].sum())
    f["feoc_minerals"] = " and ".join(feoc[feoc["rule_cost"] > 0]["mineral"].unique())
    scenarios = plan.tables["scenarios"].set_index("scenario").iloc[1:]
    rows = costliest(scenarios)
    f["ranking_note"] = ranking_note(rows)
    prices = plan.tables["prices"]
    prices = prices[prices["scenario"] != "base"]
    rise = prices.assign(rise=prices["price_change"] / prices["reference_price"]).dropna(subset=["rise"])
    top_rise = rise.loc[rise.groupby("scenario")["rise"].idxmax()].set_index("scenario")

    def price_text(name):
        if name not in top_rise.index or top_rise.at[name, "rise"] <= 0.005:
            return "none"
        r = top_rise.loc[name]
        return f"{r['mineral']} {r['market']} {r['period']} +{r['rise']:.0%}"
    f["economic_table"] = "\n".join(
        f"| {name} | {_money(r.economic_cost_change)} | {_money(r.cost_change)} | {_money(r.lost_value)} | "
        f"{_tonnes(r.priced_out_tonnes)} | {price_text(name)} |" for name, r in rows.iterrows())
    tariff = scenarios.loc["us_refined_copper_tariff"]
    f["tariff_change"] = _money(tariff["cost_change"])
    f["tariff_economic"] = _money(tariff["economic_cost_change"])
    f["tariff_paid"] = _money(tariff["tariff_cost"] - plan.tables["scenarios"].iloc[0]["tariff_cost"])

    stress = planner.stress(WORKBOOK).tables["stress"].set_index("scenario")
    f["stress_table"] = "\n".join(
        f"| {name} | {_money(scenarios.at[name, 'cost_change'])} | {_money(stress.at[name, 'extra_cost'])} | "
        f"{_money(stress.at[name, 'economic_extra_cost'])} | {_tonnes(stress.at[name, 'unmet_above_base_tonnes'])} |"
        for name in rows.index)
    nickel = "indonesia_nickel_export_ban"
    f["nickel_spot"] = _tonnes(stress.at[nickel, "spot_tonnes"])

    rows = _calibration(workdir)
    worst = max(rows, key=lambda r: abs(r["difference"]))
    f["calibration_pairs"] = str(len(rows))
    f["calibration_worst"] = f"{abs(worst['difference']) * 100:.1f}"
    f["calibration_worst_pair"] = f"{worst['mineral']} {worst['stage']}"
    f["calibration_same_top"] = str(sum(r["plan_top"] == r["observed_top"] for r in rows))

    hedge = planner.hedge(WORKBOOK)
    h = dict(hedge.outcome.summary)
    f["expected_cost"] = _money(h["expected_cost"])
    f["value_of_hedging"] = _money(h["value_of_hedging"])
    inv = hedge.tables["investments"]
    hedged = inv[(inv["scenario"] == "hedge") & (inv["fraction_built"] >= 0.5)]["project"].unique()
    own = inv[(inv["scenario"] != "hedge") & (inv["fraction_built"] >= 0.5)]["project"].unique()
    f["hedge_projects"] = ", ".join(f"`{p}`" for p in hedged)
    f["hedge_count"] = str(len(hedged))
    f["base_projects"] = ", ".join(f"`{p}`" for p in own) or "none"

    frontier = planner.frontier(WORKBOOK, stages=["refining"]).tables["frontier"]
    at65 = frontier[(frontier["max_share"] - 0.65).abs() < 1e-9].set_index("mineral")
    f["frontier_table"] = "\n".join(f"| {m} | {_money(r.extra_cost)} | {_tonnes(r.unmet_tonnes)} |"
                                    for m, r in at65.sort_values("extra_cost", ascending=False).iterrows())

    sweep = planner.sweep(WORKBOOK, samples=SAMPLES, seed=SEED, workers=1)
    s = dict(sweep.outcome.summary)
    f["p_any_unmet"] = f"{s['p_any_unmet']:.0%}"
    f["mean_extra_cost"] = _money(s["mean_extra_cost"])
    drivers = sweep.tables["risk_drivers"]
    drivers = drivers[drivers["mineral"] == "all minerals"].sort_values("extra_cost_difference", ascending=False)
    f["top_driver"] = drivers["risk"].iloc[0]
    f["top_driver_cost"] = _money(drivers["extra_cost_difference"].iloc[0])
    f["samples"] = str(SAMPLES)
    return f


TEXT = """\
The shipped workbook, `inputs/critical-minerals-2026.xlsx`, is the whole market for seven minerals in
2026-2030: the coalition's markets (USA, EU, JPN, KOR, IND) beside China's own industry (CHN) and the
rest of the world (ROW), with the rules written as governments write them: the EU's 65% benchmark on
what the EU receives from any single third country (hard, 2030), the coalition's phased
diversification target per market (soft: 85% in 2026 down to 65% in 2030, at a penalty of 25% of the
refined price per tonne beyond it), a US rule on ownership by foreign entities of concern, Japan's and
Korea's stockpiles in days of demand, and a US reserve sized to Project Vault. It also lists 26
announced projects outside China and ten recorded disruptions with probabilities. Sources and
assumptions: [`data/README.md`](data/README.md), the workbook's `sources` sheet, and
[`data/assumptions.csv`](data/assumptions.csv), where an analyst changes one. Figures below are
USD over the five years, from the commands shown (this section is regenerated from their output by
`scripts/walkthrough.py`, and a test fails when it drifts).

**Does the data look like today's world?** Solved without any share rule, the plan reproduces observed
2025 output: in the first period the largest producer of each of the {calibration_pairs} mineral-stage
pairs is the observed one in {calibration_same_top} of {calibration_pairs}, and its share is within
{calibration_worst} points of the observed share (the widest gap: {calibration_worst_pair}). The
calibration sets each country's capacity at its 2025 output plus 5% headroom and lets the cost curve do
the rest; it claims the starting point, not the future (see `data/README.md`).

**What the plan costs and what binds.** `planner solve inputs/critical-minerals-2026.xlsx` plans at
{total} USD. Demand answers to price (an elasticity of -0.2 for every mineral, a placeholder until the
dataset sources one per mineral; demand chokes at the unmet penalty, 5x the refined price): buyers
facing today's tariffs forgo {base_priced_out} ({base_lost_value} of value to them), and no demand goes
unmet at the penalty. Of the total, {base_tariffs} is tariffs paid to importing governments, a transfer,
not a cost to the world: the economic cost, which also leaves out the penalties of soft targets and
reserve shortfalls, is {economic}. The reserve targets cost {reserve_cost} ({reserve_top} alone
{reserve_top_cost}); the share rules {share_cost}. The soft targets are missed where nothing else can be
done: {excess_mineral} goes {excess_tonnes} beyond them across the coalition's markets, and the plan pays
{excess_cost} in penalties rather than leave demand unserved (sheet `Excess`).

**Who pays for the EU's benchmark.** The EU rule costs the plan {eu_rule_cost}. `Market bills` prices
each market's demand at its marginal cost with and without each rule: the benchmark adds {eu_bill} to
what the EU pays, and {usa_bill} to what the United States pays, whose buyers compete for the same
non-Chinese tonnes; China's own industry pays {chn_bill} less. The US ownership rule (at most 50% of
US supply from FEOC-owned capacity, an assumption: `data/README.md`) costs {feoc_cost}, all of it
{feoc_minerals}.

**What a disruption costs the world.** `Scenarios` prices each disruption as if it were known in
advance (the plan re-made for it), in two readings: `cost_change`, the objective's, and
`economic_cost_change`, which leaves out tariffs (transfers) and the penalties of targets. When supply
is short, prices rise along the demand curve and the buyers who value a tonne least do without it
(`priced_out_tonnes`, `lost_value`: what those tonnes were worth to them); `Prices` gives every market's
price against base. A disruption's reserve targets are lifted in the periods it hits, so stockpiles are
drawn. The table ranks the costliest by the change in economic cost, the world's cost (the total cost
also counts the tariffs importers pay, transfers to their own governments);
{ranking_note}:

| scenario | change in economic cost | change in total cost | lost value | priced out | largest price rise |
|---|---:|---:|---:|---:|---|
{economic_table}

A tariff shows why the two readings differ: the US tariff on refined copper raises the plan's cost by
{tariff_change}, of which {tariff_paid} is duty the US government receives; it costs the world
{tariff_economic}.

**Disruptions, with foresight and without.** `planner stress` hits the committed base plan instead,
which can only keep its contracts where they still flow and buy the rest on the spot market at a 50%
premium. The same scenarios, in the same order, with their change in total cost (and in economic cost
for the committed plan):

| scenario | with foresight | committed plan | committed plan, economic | unmet, committed plan |
|---|---:|---:|---:|---:|
{stress_table}

Beyond a surge in demand, Indonesia's ore export ban is the disruption the committed plan absorbs worst:
it buys {nickel_spot} of nickel on the spot market and still leaves demand unmet.

**Investing against disruptions.** `planner hedge` picks one set of builds for the base plan and every
scenario, weighted by their probabilities: an expected cost of {expected_cost}, {value_of_hedging} less
than building what the base plan alone would build ({base_projects}). It backs {hedge_count} projects at
least half: {hedge_projects}.

**The price of a tighter cap.** `planner frontier inputs/critical-minerals-2026.xlsx --stage refining`
caps any single country's share of each mineral's refining, for the whole market, from no limit down in
5-point steps. At 65% (sheet `Frontier`):

| mineral | extra cost at a 65% cap | unmet at a 65% cap |
|---|---:|---:|
{frontier_table}

A whole-market cap is not what any government has written: it also caps China's own industry. The
market rules above cost a fraction of it because they govern only what each coalition market receives.

**Risk sweeps.** `planner sweep inputs/critical-minerals-2026.xlsx --samples {samples}` draws
disruptions from the `risks` sheet (seed 1) and stress-tests the committed plan against each: {p_any_unmet}
of the samples leave some demand unmet, the expected extra cost is {mean_extra_cost}, and
`Risk drivers` names {top_driver} as the costliest risk ({top_driver_cost} more on average in the
samples that draw it).
"""


def render(f: dict[str, str]) -> str:
    return TEXT.format(**f)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        print(render(figures(Path(tmp))), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
MINERAL_NAMES = {"ndpr": "NdPr", "dytb": "Dy+Tb"}  # as prose names them; the others by their own names
WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
         10: "ten"}


def _money(value: float) -> str:
    """``1,597 bn``, ``86 M``: USD over the five years, rounded as the walkthrough quotes them."""
    if abs(value) < 5e5:
        return "0"
    if abs(value) >= 1e9:
        return f"{value / 1e9:,.1f} bn"
    return f"{value / 1e6:,.0f} M"


def gallium_ban_reading(scenarios) -> str:
    """What the gallium ban costs the world; where it costs less than nothing, why: a disruption lifts the reserve
    targets of the periods it hits (spec), so stock is drawn that the base plan keeps."""
    ban = scenarios.loc["china_gallium_export_ban"]
    change = ban["economic_cost_change"]
    if change >= -5e5:
        return f"costs the world {_money(change)} here"
    drawn = ban["reserve_drawn_tonnes"] - scenarios.loc["base", "reserve_drawn_tonnes"]
    return (f"saves the world {_money(-change)} here (the reserve targets it lifts in the periods it hits let "
            f"{_tonnes(drawn)} of stock be drawn instead of mined and refined)")


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


def _builder():
    spec = importlib.util.spec_from_file_location("build_default_workbook", ROOT / "scripts" /
                                                  "build_default_workbook.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def _calibration(script, workdir: Path) -> list[dict]:
    return script.calibration(WORKBOOK, script.solve_without_limits(WORKBOOK, workdir))


def _rule(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """The rows of a Policy costs or Market bills table that belong to the named rule."""
    return table[table["rule"].str.startswith(f"rule {name}:")]


def _in_prose(name: str) -> str:
    """A country's name as a sentence has it: "the United States", "Malaysia"."""
    return f"the {name}" if name.startswith(("United ", "Republic ")) or name.endswith(("lands", "Islands")) else name


def vault_purchases(plan) -> dict[str, str]:
    """Project Vault in the base plan: what it buys up front, for how much of its budget, and which minerals."""
    budgets = plan.tables["budgets"]
    vault = budgets[(budgets["scenario"] == "base") & (budgets["budget"] == "project_vault")].iloc[0]
    stock = plan.tables["stockpiles"]
    bought = stock[(stock["scenario"] == "base") & (stock["market"] == "USA") & (stock["bought"] > 0.05)]
    names = [MINERAL_NAMES.get(m, m) for m in bought.sort_values("spent", ascending=False)["mineral"]]
    return {"vault_amount": _money(vault["amount"]), "vault_spent": _money(vault["spent"]),
            "vault_minerals": ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names),
            "vault_value": f"{vault['value_of_money']:g}"}


def heavy_rare_earths(plan, scenarios: pd.DataFrame) -> dict[str, str]:
    """China's rare-earth export stop: what it costs, the Dy+Tb it leaves unmet, and the highest Dy+Tb price it
    brings against the base plan's, with the market and year."""
    stop = "china_rare_earth_export_stop"
    unmet = plan.tables["unmet"]
    short = {(name, m): unmet[(unmet["scenario"] == name) & (unmet["mineral"] == m)]["tonnes"].sum()
             for name in ("base", stop) for m in ("ndpr", "dytb")}
    prices = plan.tables["prices"]
    keys = ["market", "period"]
    dytb = prices[prices["mineral"] == "dytb"]
    both = dytb[dytb["scenario"] == stop].merge(dytb[dytb["scenario"] == "base"], on=keys, suffixes=("", "_base"))
    top = both.assign(ratio=both["price"] / both["price_base"]).sort_values(["ratio", *keys], ascending=False).iloc[0]
    separated = plan.tables["refining"]
    separated = separated[(separated["scenario"] == "base") & (separated["mineral"] == "dytb")]
    china = separated[separated["refiner"] == "CHN"]["output_tonnes"].sum() / separated["output_tonnes"].sum()
    return {"ree_stop_cost": _money(scenarios.at[stop, "economic_cost_change"]),
            "dytb_stop_unmet": _tonnes(short[stop, "dytb"] - short["base", "dytb"]),
            "ndpr_stop_unmet": _tonnes(short[stop, "ndpr"] - short["base", "ndpr"]),
            "dytb_stop_ratio": f"{top['ratio']:.1f}", "dytb_stop_where": f"{top['market']} in {top['period']}",
            "dytb_china_share": f"{china:.0%}"}


def defence_supply(plan, builder) -> dict[str, str]:
    """US defence's rare earths under DFARS (2027 on): its yearly tonnes and the countries that separate them."""
    deliveries = plan.tables["deliveries"]
    ruled = deliveries[(deliveries["scenario"] == "base") & (deliveries["market"] == builder.US_DEFENCE)
                       & (deliveries["period"].astype(int) >= builder.DFARS_PERIODS[0])]
    yearly = ruled.groupby("period")["tonnes"].sum()
    names = pd.read_excel(WORKBOOK, sheet_name="countries").set_index("country")["name"]
    refiners = sorted(_in_prose(names.get(c, c)) for c in ruled[ruled["tonnes"] > 1e-6]["refiner"].unique())
    return {"dfars_tonnes": f"{yearly.min():,.0f}-{_tonnes(yearly.max())}",
            "dfars_refiners": " and ".join(filter(None, (", ".join(refiners[:-1]), refiners[-1]))) if refiners
            else "nowhere"}


def figures(workdir: Path) -> dict[str, str]:
    """Run every command the walkthrough shows and return its figures, formatted as the README quotes them."""
    f: dict[str, str] = {}
    plan = planner.solve(WORKBOOK)
    summary = dict(plan.outcome.summary)
    projects = plan.data.projects
    feeds = sum(1 for name in projects if name.endswith("_feed"))
    f["projects"] = str(sum(1 for p in projects.values() if p.requires is None))  # a feed or a co-product: a part
    f["integrated"] = WORDS.get(feeds, str(feeds))
    f["scenario_count"] = WORDS.get(len(plan.data.scenarios), str(len(plan.data.scenarios)))
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
    f.update(vault_purchases(plan))
    f["reserve_top_cost"] = _money(reserve.max())
    excess = plan.tables["excess"]
    excess = excess[excess["scenario"] == "base"].groupby("mineral")["tonnes_beyond"].sum().sort_values()
    f["excess_mineral"] = excess.index[-1]
    f["excess_tonnes"] = _tonnes(excess.iloc[-1])
    builder = _builder()
    bills = plan.tables["market_bills"]
    eu_bills = _rule(bills, builder.EU_CRMA_RULE).groupby("market")["rule_bill"].sum()
    f["eu_rule_cost"] = _money(_rule(policy, builder.EU_CRMA_RULE)["rule_cost"].sum())
    f["eu_bill"] = _money(eu_bills.get("EU", 0.0))
    f["korea_cost"] = _money(_rule(policy, builder.KOREA_RULE)["rule_cost"].sum())
    us = _rule(policy, builder.US_45X_RULE)
    f["us_45x_cost"] = _money(us["rule_cost"].sum())
    f["us_45x_minerals"] = " and ".join(us[us["rule_cost"] > 5e5]["mineral"].unique()) or "none"
    f["dfars_cost"] = _money(_rule(policy, builder.DFARS_RULE)["rule_cost"].sum())
    f.update(defence_supply(plan, builder))
    # cobalt under the DRC's quota: how far short, and what the price does
    priced_out = plan.tables["priced_out"]
    short = priced_out[priced_out["scenario"] == "base"].groupby("mineral")["tonnes"].sum()
    demand = plan.data.demand
    cobalt_demand = sum(tonnes for key, tonnes in demand.items() if key[0] == "cobalt")
    f["cobalt_priced_out"] = _tonnes(short.get("cobalt", 0.0))
    f["cobalt_priced_out_share"] = f"{short.get('cobalt', 0.0) / cobalt_demand:.0%}"
    base_prices = plan.tables["prices"].query("scenario == 'base' and mineral == 'cobalt'")
    f["cobalt_price_multiple"] = f"{(base_prices['price'] / base_prices['reference_price']).max():.1f}"
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
    f["quota_lifted_saving"] = _money(-scenarios.at["drc_cobalt_quota_lifted", "economic_cost_change"])
    f["rkab_raised_saving"] = _money(-scenarios.at["indonesia_quota_raised", "economic_cost_change"])
    f["gallium_ban_cost"] = gallium_ban_reading(plan.tables["scenarios"].set_index("scenario"))
    f.update(heavy_rare_earths(plan, scenarios))
    tariff = scenarios.loc["us_refined_copper_tariff"]
    f["tariff_change"] = _money(tariff["cost_change"])
    f["tariff_economic"] = _money(tariff["economic_cost_change"])
    f["tariff_paid"] = _money(tariff["tariff_cost"] - plan.tables["scenarios"].iloc[0]["tariff_cost"])

    stress = planner.stress(WORKBOOK).tables["stress"].set_index("scenario")
    f["stress_table"] = "\n".join(
        f"| {name} | {_money(scenarios.at[name, 'cost_change'])} | {_money(stress.at[name, 'extra_cost'])} | "
        f"{_money(stress.at[name, 'economic_extra_cost'])} | {_tonnes(stress.at[name, 'unmet_above_base_tonnes'])} |"
        for name in rows.index)
    gap = {name: stress.at[name, "extra_cost"] - scenarios.at[name, "cost_change"] for name in rows.index}
    surge = "demand_high_growth"
    worst = max((name for name in gap if name != surge), key=gap.get)
    f["surge_gap"] = _money(gap[surge])
    f["worst_absorbed"] = worst
    f["worst_gap"] = _money(gap[worst])
    spot, unmet = stress.at[worst, "spot_tonnes"], _tonnes(stress.at[worst, "unmet_above_base_tonnes"])
    f["worst_reading"] = (f"it buys {_tonnes(spot)} on the spot market there and leaves {unmet}" if spot >= 0.5 else
                          f"it finds nothing to buy on the spot market there and leaves {unmet}")

    script = _builder()
    rows = _calibration(script, workdir)
    # data/README.md's two checks against what was observed (update_docs.py writes them there)
    f["calibration_table"] = script.calibration_markdown(rows)
    f["us_imports_table"] = script.us_imports_markdown(script.us_imports(plan.tables["deliveries"]))
    free = [r for r in rows if not r["measure"]]
    worst = max(free, key=lambda r: abs(r["difference"]))
    f["calibration_pairs"] = str(len(free))
    f["calibration_worst"] = f"{abs(worst['difference']) * 100:.1f}"
    f["calibration_worst_pair"] = f"{worst['mineral']} {worst['stage']}"
    f["calibration_same_top"] = str(sum(r["plan_top"] == r["observed_top"] for r in free))
    measured = {(r["mineral"], r["stage"]): r for r in rows if r["measure"]}
    f["drc_observed"] = f"{measured['cobalt', 'supply']['measured_observed']:.0%}"
    f["drc_plan"] = f"{measured['cobalt', 'supply']['measured_plan']:.0%}"
    f["cobalt_refining_china"] = f"{measured['cobalt', 'refining']['measured_plan']:.0%}"
    f["zwe_plan"] = f"{measured['lithium', 'supply']['measured_plan']:.1%}"
    f["zwe_observed"] = f"{measured['lithium', 'supply']['measured_observed']:.1%}"
    f["idn_observed"] = f"{measured['nickel', 'supply']['measured_observed']:.0%}"
    f["idn_plan"] = f"{measured['nickel', 'supply']['measured_plan']:.0%}"

    hedge = planner.hedge(WORKBOOK)
    h = dict(hedge.outcome.summary)
    f["expected_cost"] = _money(h["expected_cost"])
    f["value_of_hedging"] = _money(h["value_of_hedging"])
    inv = hedge.tables["investments"]
    hedged = inv[(inv["scenario"] == "hedge") & (inv["fraction_built"] >= 0.5)]["project"].unique()
    own = inv[(inv["scenario"] != "hedge") & (inv["fraction_built"] >= 0.5)]["project"].unique()
    names = ", ".join(f"`{p}`" for p in hedged)
    f["hedge_backing"] = (f"It backs {len(hedged)} projects at least half: {names}" if len(hedged) > 1 else
                          f"It backs one project at least half: {names}" if len(hedged) else
                          "It backs no project at least half")
    f["base_projects"] = ", ".join(f"`{p}`" for p in own) or "none at half or more"

    frontier = planner.frontier(WORKBOOK, stages=["refining"]).tables["frontier"]
    at65 = frontier[(frontier["max_share"] - 0.65).abs() < 1e-9].set_index("mineral")
    f["frontier_table"] = "\n".join(f"| {m} | {_money(r.extra_cost)} | {_tonnes(r.unmet_tonnes)} |"
                                    for m, r in at65.sort_values("extra_cost", ascending=False).iterrows())

    sweep = planner.sweep(WORKBOOK, samples=SAMPLES, seed=SEED, workers=1)
    s = dict(sweep.outcome.summary)
    # the base plan already prices buyers out (cobalt under the quota): count the samples that leave more unmet
    samples = sweep.tables["samples"]
    more = samples["unmet_tonnes"] > summary["unmet_tonnes"] * (1 + 1e-6) + 1.0
    f["p_more_unmet"] = f"{more.mean():.0%}"
    f["mean_extra_cost"] = _money(s["mean_extra_cost"])
    drivers = sweep.tables["risk_drivers"]
    drivers = drivers[drivers["mineral"] == "all minerals"].sort_values("extra_cost_difference", ascending=False)
    f["top_driver"] = drivers["risk"].iloc[0]
    f["top_driver_cost"] = _money(drivers["extra_cost_difference"].iloc[0])
    f["samples"] = str(SAMPLES)
    return f


TEXT = """\
The shipped workbook, `inputs/critical-minerals-2026.xlsx`, is the market for eight minerals in
2026-2030 (rare earths as two, in tonnes of separated oxide: NdPr, the magnets' light rare earths, and
Dy+Tb, their heavy ones) as it stood at the February 2026 Critical Minerals Ministerial: the coalition's markets (USA,
EU, JPN, KOR, IND) beside China's own industry (CHN) and the rest of the world (ROW), at prices of early
2026. US defence supply (USA_DEF) is a market of its own for both rare earths, since a law governs it alone: its
demand is GAO's bound, 0.1% of the world's (an upper bound), taken out of the US market's. Demand comes
from consumption where the sources give it (world lithium, cobalt, nickel, copper and gallium; US cobalt,
gallium and copper; copper for the EU, Japan, India and China), and from stated shares elsewhere. The
measures in force are in the base plan: the DRC's cobalt export quota, Indonesia's 2026 nickel ore quota
and Zimbabwe's ban on lithium concentrate exports. The rules are written as the laws read, each named: the
EU's Critical Raw Materials Act benchmark (at most 65% from one third country by 2030, at each stage: a
benchmark, so soft), Korea's 2030 target (50%, soft), the condition of the US 45X credit on material from
prohibited foreign entities (soft, at the credit's worth), and DFARS 252.225-7052, which from 2027 bars rare
earths mined or separated in China or Russia from US defence supply (a bar on a buyer, so hard). Japan's,
Korea's and Project Vault's stockpiles are sized in days as their programmes state, and start from what
is held; Project Vault buys its stock up front on its USD 11.67 bn budget (sheet `budgets`).
It also lists {projects} candidate projects outside China ({integrated} of them a mine and the refinery
it feeds, built together) and {scenario_count} scenarios of what could come next:
quotas lifted or raised, bans replayed or widened, China's licensing turned into a stop. Sources and
assumptions: [`data/README.md`](data/README.md), the workbook's `sources` sheet, and
[`data/assumptions.csv`](data/assumptions.csv), where an analyst changes one. Figures below are
USD over the five years, from the commands shown (this section is regenerated from their output by
`scripts/walkthrough.py`, and a test fails when it drifts).

**Does the data look like today's world?** Solved without any share rule, the plan reproduces observed
2025 output wherever no measure in force reshapes the market: in the first period the largest producer of
each of the {calibration_pairs} such mineral-stage pairs is the observed one in {calibration_same_top} of
{calibration_pairs}, within {calibration_worst} points of its observed share (the widest gap:
{calibration_worst_pair}). Where a measure does, the plan follows the measure, not 2025: the DRC's share of
cobalt mining falls from {drc_observed} to {drc_plan} under its quota, and China's refiners, the cheapest,
take {cobalt_refining_china} of the cobalt left to refine (76% in 2025); Zimbabwe, barred from exporting
concentrate, mines only what its one sulphate plant refines ({zwe_plan} of world lithium, {zwe_observed} in 2025);
Indonesia's ore quota, about its 2025 output, holds its nickel share near 2025's
({idn_observed} observed, {idn_plan} planned) while the others grow.

**What the plan costs and what binds.** `planner solve inputs/critical-minerals-2026.xlsx` plans at
{total} USD. Demand answers to price: cobalt's elasticity is -0.28, the literature's one per-mineral estimate
found, and every other mineral's -0.2, an assumption below copper's long-run -0.5; demand chokes at the
unmet penalty, 5x the price.
Cobalt is the market the measures in force squeeze: under the DRC's quota supply falls about 30% short of
demand, the price climbs to {cobalt_price_multiple} times its early-2026 level, and buyers forgo
{cobalt_priced_out} ({cobalt_priced_out_share} of cobalt demand). Read it as the pressure of a quota held
to 2030, not a price forecast: the plan has no private stocks (China's refiners drew on large ones in 2025)
and no substitution beyond the elasticity (LFP cells use no cobalt). In all, buyers forgo {base_priced_out}
({base_lost_value} of value to them). Of the total, {base_tariffs} is tariffs paid to importing
governments, a transfer, not a cost to the world: the economic cost, which also leaves out the penalties
of soft rules and reserve shortfalls, is {economic}. The reserve targets cost {reserve_cost}
({reserve_top} alone {reserve_top_cost}); the share rules {share_cost}. Soft rules are missed where
keeping them would cost more than their penalty: {excess_mineral} goes {excess_tonnes} beyond them, and
the plan pays {excess_cost} in penalties (sheet `Excess`). Of Project Vault's {vault_amount} the plan
spends {vault_spent}, buying {vault_minerals} up front (sheets `Stockpiles` and `Budgets`). Capped at the
fund's 60-day aim, the stock costs less than the budget, so one more dollar is worth {vault_value}; the rest of
the US reserve is built through the years.

**Who pays for each rule.** `Policy costs` and `Market bills` price each named rule. The EU's benchmark
costs the plan {eu_rule_cost} and adds {eu_bill} to what the EU pays for its demand; Korea's target costs
{korea_cost}; the 45X condition on US supply costs {us_45x_cost} (minerals where it binds: {us_45x_minerals}).
The DFARS bar costs {dfars_cost}: from 2027 US defence's {dfars_tonnes} of NdPr and Dy+Tb oxide a year are separated
in {dfars_refiners} from ore mined outside China and Russia. Even at GAO's bound that is a small part of what
is mined and refined outside them, so the bar only reassigns tonnes between buyers at equal cost: Chinese
oxide serves other markets instead. What it costs in practice, a premium for segregated supply, needs
contracts, which the planner does not have.

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

The measures in force are priced by their lifting: were the DRC to lift its quota from 2028, the world
would save {quota_lifted_saving}; were Indonesia to raise its ore quota from 2027, {rkab_raised_saving}.
China's gallium ban to the US, resumed after its suspension, {gallium_ban_cost},
against the USGS's estimate of 3.1 bn USD of US GDP for a full ban (range 1.7-8.2 bn; Open-File Report
2024-1057). They measure different things: the USGS follows the gallium shortfall through the US economy's
input-output tables to the semiconductors and goods not made, while the planner counts what the
disruption adds to the cost of supply and the gallium buyers' own willingness to pay for what they forgo.
A ban on the US alone barely binds here: the gallium refined outside China (in Japan and Russia, and a
candidate plant in Canada) covers US demand of about 20 t a year, and the planner, with no contracts or
rules of origin, diverts it to the US while China supplies everyone else.

China's rare-earth export stop shows what splitting rare earths into NdPr and Dy+Tb brings out. In the base
plan {dytb_china_share} of the world's Dy+Tb is separated in China; a stop of China's exports to the coalition in
2027 leaves {dytb_stop_unmet} of it unmet and its price {dytb_stop_ratio} times the base plan's ({dytb_stop_where}),
for {ree_stop_cost} in all. NdPr loses {ndpr_stop_unmet}: China's own industry uses most of the NdPr it
separates, so little of the coalition's comes from China to begin with.

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

A surge in demand costs the committed plan {surge_gap} more than foresight does. Of the others, it absorbs
`{worst_absorbed}` worst, {worst_gap} above foresight:
{worst_reading} more demand unmet than the base plan.

**Investing against disruptions.** `planner hedge` picks one set of builds for the base plan and every
scenario, weighted by their probabilities: an expected cost of {expected_cost}, {value_of_hedging} less
than building what the base plan alone would build ({base_projects}). {hedge_backing}.

**The price of a tighter cap.** `planner frontier inputs/critical-minerals-2026.xlsx --stage refining`
caps any single country's share of each mineral's refining, for the whole market, from no limit down in
5-point steps. At 65% (sheet `Frontier`):

| mineral | extra cost at a 65% cap | unmet at a 65% cap |
|---|---:|---:|
{frontier_table}

A whole-market cap is not what any government has written: it also caps China's own industry. The
market rules above cost a fraction of it because they govern only what each coalition market receives.

**Risk sweeps.** `planner sweep inputs/critical-minerals-2026.xlsx --samples {samples}` draws
disruptions from the `risks` sheet (seed 1) and stress-tests the committed plan against each:
{p_more_unmet} of the samples leave more demand unmet than the base plan does, the expected extra cost is
{mean_extra_cost}, and
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

"""The output tables, each declared once: the columns that name a row, what every column holds (unit and
note), how the blocks' values of a row combine, and which tables are built from other tables.

The analysis and the report both read these declarations, so they sit below both. The analysis merges
the blocks' tables by them (a scenario's cost adds over the blocks, its status is the worst of theirs, a
share is recomputed from the merged sums) and builds each derived table once, after the merge; the report
formats and annotates every column from them and its charts find columns by name. Adding a column to a
table is one entry in its declaration: the merge, the sheet's number format, header note and printed unit
line follow from it.

Money is written in whole currency units and shown in the unit the ``money_unit`` setting chooses (units,
thousands, millions, billions) through Excel's own scaling format, so a cell always holds the exact value.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

# Units. A money unit is scaled for display; the others are shown as they are.
MONEY = "money"  # currency
MONEY_PER_T = "money/t"  # currency per tonne: prices, duals, penalties
TONNES = "t"
SHARE = "share"  # a fraction shown as a percentage
COUNT = "count"
INDEX = "index"  # HHI, 0-10,000
DAYS = "days"
FACTOR = "x"
SECONDS = "s"
TEXT = "text"
FLAG = "flag"
RATIO = "ratio"  # a small relative number (a gap of 3e-07): Excel's General format shows it as it is
YEARS = "years"

# How the blocks' values of one row of a table whose rows every block lists (``SHARED``) combine.
KEY = "key"  # names the row: the same in every block
SUM = "sum"  # adds over the blocks (blank where the row's status is not Optimal)
FIRST = "first"  # the first block's value that is not blank (the same in every block, or one block's own)
WORST = "worst"  # a status: Optimal only where every block's is, else the first that is not
RECOMPUTED = "recomputed"  # a ratio of merged sums, computed again after the merge (planner.analysis.merge)
COMBINE = (KEY, SUM, FIRST, WORST, RECOMPUTED)

# Whose rows a table holds, and so how the blocks' tables make the whole workbook's.
OWN = "own"  # each block lists its own rows (its minerals'): the blocks' rows are stacked
SHARED = "shared"  # every block lists every row (a scenario's totals): rows of one key combine column by column
DERIVED = "derived"  # built from other tables (``sources``) once, after the merge; never merged
ROWS = (OWN, SHARED, DERIVED)


@dataclass(frozen=True)
class Col:
    """One column: its unit, the note its header carries, and how the blocks' values combine."""

    unit: str
    note: str
    change: bool = False  # a difference: shown with its sign
    wrap: bool = False  # long text, wrapped
    combine: str = FIRST


@dataclass(frozen=True, eq=False)
class Table:
    """One output table: its named columns in order (keys included) and, for a table with a column per
    country, mineral, market or scenario (``others``), what those hold and after which column they stand."""

    name: str
    columns: dict[str, Col]
    keys: tuple[str, ...]
    rows: str = OWN
    others: Col | None = None
    others_after: str | None = None  # None: the data-named columns come last
    sources: tuple[str, ...] = ()  # a derived table: the tables it is built from

    def column(self, name: str) -> Col:
        """Column ``name``'s declaration: its own, else that of the data-named columns."""
        if name in self.columns:
            return self.columns[name]
        if self.others is not None:
            return self.others
        raise KeyError(f"output column {name!r} of table {self.name!r} is not declared in planner/tables.py")

    def data_named(self, present) -> list[str]:
        """The columns of ``present`` the data name (one per country, mineral, market or scenario), in order."""
        return [c for c in present if c not in self.columns]

    def order(self, present) -> list[str]:
        """The columns of ``present`` in the table's order: named columns as declared, data-named ones (in the
        order they appear) where the declaration puts them."""
        named = [c for c in self.columns if c in present]
        others = self.data_named(present)
        cut = named.index(self.others_after) + 1 if self.others_after in named else len(named)
        return named[:cut] + others + named[cut:]

    def combined(self, rule: str) -> list[str]:
        """The named columns whose values combine by ``rule``."""
        return [c for c, col in self.columns.items() if col.combine == rule]


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def _table(name: str, columns: str, keys: str, rows: str = OWN, combine: dict[str, str] | None = None,
           own: dict[str, Col] | None = None, others: Col | None = None, others_after: str | None = None,
           sources: str = "") -> Table:
    """A table of the ``columns`` named (comma-separated), each meaning what ``own`` says, else what the name
    means in every table (``_SHARED``); ``combine`` names the columns of each rule (the rest: FIRST)."""
    names, key = _names(columns), _names(keys)
    rule = {c: how for how, listed in (combine or {}).items() for c in _names(listed)}
    own = own or {}
    place = [others_after] if others_after else []
    for listed, what in ((key, "key"), (rule, "combine"), (own, "own meaning"), (place, "data-named columns after")):
        stray = [c for c in listed if c not in names]
        if stray:
            raise ValueError(f"table {name}: {what} of undeclared columns {stray}")
    if rows == SHARED and (loose := [c for c in names if c not in key and c not in rule]):
        raise ValueError(f"table {name}: every block lists its rows, so each column says how it combines: {loose}")
    cols = {c: dataclasses.replace(own.get(c) or _SHARED[c], combine=KEY if c in key else rule.get(c, FIRST))
            for c in names}
    return Table(name, cols, tuple(key), rows, others, others_after, tuple(_names(sources)))


# --- what a column name means wherever a table does not give it its own meaning --------------------------

_M, _MT, _T, _S = MONEY, MONEY_PER_T, TONNES, SHARE

_SHARED: dict[str, Col] = {
    # keys and labels
    "scenario": Col(TEXT, "Scenario: base (no disruption) or a row name of sheet scenarios."),
    "mineral": Col(TEXT, "Mineral."),
    "period": Col(TEXT, "Period."),
    "stage": Col(TEXT, "Stage: supply (mining) or refining."),
    "origin": Col(TEXT, "Country where the raw material is mined."),
    "refiner": Col(TEXT, "Country where it is refined."),
    "market": Col(TEXT, "Market that receives refined material."),
    "country": Col(TEXT, "Country."),
    "status": Col(TEXT, "Optimal when the solver proved the plan least-cost; otherwise why not."),
    "sheet": Col(TEXT, "Sheet."),
    "meaning": Col(TEXT, "What it shows.", wrap=True),
    # plan tables
    "tonnes": Col(_T, "Tonnes of contained mineral (refined tonnes for deliveries and unmet demand)."),
    "kept_tonnes": Col(_T, "Contracted tonnes kept (at most the base plan's flow)."),
    "spot_tonnes": Col(_T, "Raw tonnes bought beyond the contracts at the spot premium."),
    "input_tonnes": Col(_T, "Raw tonnes entering the refinery (sum of Flows into it)."),
    "output_tonnes": Col(_T, "Refined tonnes produced: yield x input_tonnes."),
    "stock": Col(_T, "Reserve stock at the end of the period."),
    "target": Col(_T, "Reserve target: max(min_stock, min_days x demand / (365 x years))."),
    "shortfall": Col(_T, "Tonnes by which the stock falls short of the target, charged at shortfall_penalty."),
    "demand": Col(_T, "Refined tonnes the market needs."),
    # costs
    "total_cost": Col(_M, "Objective: the sum of the cost components."),
    "supply_cost": Col(_M, "Raw material bought: flow x supply cost."),
    "route_cost": Col(_M, "Routes and tariffs: transport_cost + tariff_cost."),
    "transport_cost": Col(_M, "Transport: flow x supply-route cost + deliveries x delivery-route cost."),
    "tariff_cost": Col(_M, "Tariffs paid: tariff rate x price on every tonne crossing a route (a transfer to the "
                           "importing government, steering the plan but not a cost to the world)."),
    "economic_cost": Col(_M, "What the plan costs in resources and in demand left unserved: total_cost - tariff_cost "
                             "- excess_cost (soft limits) - shortfall_cost (reserve targets)."),
    "economic_cost_change": Col(_M, "economic_cost minus the base plan's.", change=True),
    "lost_value": Col(_M, "The value of the demand left unserved: unmet tonnes at the unmet penalty, and tonnes priced "
                          "out at their buyers' willingness to pay (the objective's unmet terms)."),
    "priced_out_tonnes": Col(_T, "Tonnes of elastic or bid demand left unserved because the price rose above what "
                                 "their buyers would pay (part of unmet_tonnes)."),
    "price": Col(_MT, "The market's price: what one more tonne delivered is worth to the plan. Where demand goes "
                      "partly unserved, the value of the most valuable unserved tonne (a step's willingness to pay, "
                      "or the unmet penalty); elsewhere the dual of the market's balance."),
    "reference_price": Col(_MT, "The demand row's reference price p0 (its price, else the mineral's refined_price); "
                                "blank for bid steps."),
    "price_change": Col(_MT, "price minus the base plan's.", change=True),
    "bought": Col(_T, "Stock bought before the first period, at the reserve's purchase_price."),
    "spent": Col(_M, "Money spent on stock bought up front."),
    "end_stock": Col(_T, "Stock held at the end of the last period."),
    "salvage_value": Col(_M, "end_stock x salvage: what the stock left at the end is worth."),
    "budget": Col(TEXT, "Budget (sheet budgets)."),
    "amount": Col(_M, "The budget's money for stock bought up front."),
    "value_of_money": Col(FACTOR, "What one more unit of the budget's money would save the plan (the dual of its "
                                  "row, >= 0; 0 where money is left over)."),
    "step": Col(COUNT, "Demand step: 1 is the most valuable (elastic steps, or bids from the highest price down)."),
    "step_value": Col(_MT, "What the step's buyers would pay per t (its average willingness to pay)."),
    "step_tonnes": Col(_T, "The step's tonnes in the scenario."),
    "refining_cost": Col(_M, "Refining: output x refining cost."),
    "holding_cost": Col(_M, "Holding the reserve: stock x holding_cost."),
    "unmet_cost": Col(_M, "Unserved demand x unmet_penalty; where demand answers to price, the core at the unmet "
                          "penalty and each step priced out at its value (lost_value)."),
    "shortfall_cost": Col(_M, "Reserve shortfall x shortfall_penalty."),
    "excess_cost": Col(_M, "Tonnes beyond soft share limits x their penalty (sheet Excess)."),
    "fixed_cost": Col(_M, "Fixed costs of the projects built: fixed_cost x capacity x years standing."),
    "purchase_cost": Col(_M, "Stock bought before the first period x its purchase_price."),
    "salvage_cost": Col(_M, "Minus the salvage value of the stock held at the end of the last period."),
    "cost_change": Col(_M, "total_cost minus the base plan's.", change=True),
    "cost_change_pct": Col(_S, "cost_change as a share of the base plan's total_cost.", change=True),
    "unmet_tonnes": Col(_T, "Demand left unserved, over every market and period."),
    "unmet_share": Col(_S, "unmet_tonnes as a share of demand."),
    "unmet_change": Col(_T, "unmet_tonnes minus the base plan's.", change=True),
    "mineral_cost": Col(_M, "The mineral's part of the objective."),
    # explanations
    "constraint": Col(TEXT, "Constraint family (and the shares row it comes from)."),
    "stage_or_market": Col(TEXT, "Stage of a capacity or share row; market of a reserve target."),
    "scope": Col(TEXT, "Country or group the row limits."),
    "limit": Col(_T, "The limit in tonnes (a share limit: max_share or min_share x the stage total)."),
    "used": Col(_T, "Tonnes the plan uses of it."),
    "binding": Col(FLAG, "TRUE where the limit is met with equality."),
    "value_per_t": Col(_MT, "Objective decrease per t the limit is loosened; >= 0."),
    "share": Col(_S, "Share of the stage total the scope holds."),
    "value_per_share_point": Col(_M, "Objective decrease per percentage point of loosening."),
    "marginal_cost": Col(_MT, "Objective increase per extra t of demand: the marginal cost of supply."),
    "rule": Col(TEXT, "The policy re-solved without: a shares row, a stage's share limits, or the reserve targets.",
                wrap=True),
    "policy": Col(TEXT, "share limits or reserve targets."),
    "cost_with": Col(_M, "The mineral's cost in the base plan, every rule applied."),
    "cost_without": Col(_M, "The mineral's cost with this rule switched off."),
    "rule_cost": Col(_M, "cost_with minus cost_without: what the rule costs.", change=True),
    "economic_cost_with": Col(_M, "The mineral's economic cost with every rule: cost_with without the transfers "
                                  "(tariffs, soft-limit and reserve-shortfall penalties)."),
    "economic_cost_without": Col(_M, "The same with this rule off."),
    "rule_economic_cost": Col(_M, "economic_cost_with minus economic_cost_without: what the rule costs the world, "
                                  "tariffs counted as transfers to the importer.", change=True),
    "duties_with": Col(_M, "Tariffs the market's own government collects on what is delivered to it, with every "
                           "rule: a transfer back to the market."),
    "duties_without": Col(_M, "The same with this rule off."),
    "rule_net_bill": Col(_M, "rule_bill net of the duties the market collects: (bill_with - duties_with) minus "
                             "(bill_without - duties_without), what the rule costs the market's buyers and "
                             "treasury together.", change=True),
    "unmet_without": Col(_T, "Unmet demand of the mineral with the rule switched off."),
    "bill_with": Col(_M, "The market's demand over the horizon at its marginal cost, every rule applied: what its "
                         "buyers pay where the last tonne sets the price."),
    "bill_without": Col(_M, "The same with this rule switched off."),
    "rule_bill": Col(_M, "bill_with minus bill_without: what the rule adds to this market's bill (who pays).",
                     change=True),
    # concentration
    "plan_total": Col(_T, "Stage total in the base plan."),
    "plan_top_country": Col(TEXT, "Largest country of the stage in the base plan."),
    "plan_top_share": Col(_S, "Its share of the stage total."),
    "plan_countries": Col(COUNT, "Countries with tonnes at the stage."),
    "plan_hhi": Col(INDEX, "Herfindahl-Hirschman index: sum of squared percentage shares (0-10,000)."),
    "unlimited_top_country": Col(TEXT, "Largest country of the stage in the plan without share limits."),
    "unlimited_top_share": Col(_S, "Its share of the stage total."),
    "unlimited_countries": Col(COUNT, "Countries with tonnes at the stage, without share limits."),
    "unlimited_hhi": Col(INDEX, "HHI of the plan without share limits (0-10,000)."),
    "capacity_top_country": Col(TEXT, "Country with the most capacity at the stage."),
    "capacity_top_share": Col(_S, "Its share of the stage's capacity."),
    "capacity_countries": Col(COUNT, "Countries with capacity at the stage."),
    "capacity_hhi": Col(INDEX, "HHI of the capacities (0-10,000)."),
    "world_top_country": Col(TEXT, "Largest producer in observed world output (sheet production)."),
    "world_top_share": Col(_S, "Its share of observed world output."),
    "world_countries": Col(COUNT, "Producing countries in observed world output."),
    "world_hhi": Col(INDEX, "HHI of observed world output (0-10,000)."),
    # stress
    "extra_cost": Col(_M, "Cost above the base plan's.", change=True),
    "economic_extra_cost": Col(_M, "Economic cost above the base plan's: the change in cost less tariffs (transfers "
                                   "to the importing government) and the penalties of soft limits and reserve "
                                   "shortfalls.", change=True),
    "first_period": Col(TEXT, "The scenario's first affected period; before it the base plan stands."),
    "shortfall_tonnes": Col(_T, "Reserve shortfall below target, over every reserve and period."),
    "reserve_drawn_tonnes": Col(_T, "Tonnes the disruption takes out of reserves beyond what the base plan itself "
                                    "takes out: per mineral, the sum of every period's fall in its stock over all "
                                    "markets' reserves less the base plan's (at least 0), summed over the minerals."),
    "unmet_above_base_tonnes": Col(_T, "Unmet demand beyond what the base plan itself leaves unmet.", change=True),
    "base_cost": Col(_M, "The mineral's cost in the committed base plan."),
    "stress_cost": Col(_M, "The mineral's cost when the disruption hits the committed plan."),
    "base_holding_cost": Col(_M, "What holding the base plan's reserve of the mineral costs."),
    "reserve_days": Col(DAYS, "Reserve target of every reserve, in days of demand (blank: the workbook's own)."),
    "smallest_reserve_days": Col(DAYS, "Smallest tested reserve that leaves no demand unmet beyond the base plan "
                                       "(blank: none of the tested sizes)."),
    "holding_cost_at_that_size": Col(_M, "What holding that reserve costs."),
    "unmet_at_fewest_days_tonnes": Col(_T, "Unmet demand beyond the base plan with the smallest tested reserve."),
    # sweep
    "sample": Col(COUNT, "Sample number."),
    "mean_unmet": Col(_T, "Mean unmet demand over the samples, over the horizon."),
    "mean_unmet_low": Col(_T, "Lower end of its 95% confidence interval."),
    "mean_unmet_high": Col(_T, "Upper end of its 95% confidence interval."),
    "p95_unmet": Col(_T, "95th percentile of unmet demand over the samples (linear interpolation)."),
    "p_any_unmet": Col(_S, "Share of samples that leave any demand unmet (above 1e-6 t)."),
    "p_any_unmet_low": Col(_S, "Lower end of its 95% Wilson interval."),
    "p_any_unmet_high": Col(_S, "Upper end of its 95% Wilson interval."),
    "expected_extra_cost": Col(_M, "Mean cost above the base plan over the samples.", change=True),
    "expected_economic_extra_cost": Col(_M, "Mean economic cost above the base plan's over the samples: the change "
                                            "less tariffs (transfers to the importer) and penalties on targets.",
                                        change=True),
    "expected_extra_cost_low": Col(_M, "Lower end of its 95% confidence interval.", change=True),
    "expected_extra_cost_high": Col(_M, "Upper end of its 95% confidence interval.", change=True),
    "samples_with": Col(COUNT, "Samples that drew the risk."),
    "samples_without": Col(COUNT, "Samples that did not."),
    "unmet_difference": Col(_T, "Mean unmet demand of the mineral with the risk minus without it.", change=True),
    "unmet_difference_low": Col(_T, "Lower end of its 95% (Welch) interval.", change=True),
    "unmet_difference_high": Col(_T, "Upper end of its 95% (Welch) interval.", change=True),
    "extra_cost_difference": Col(_M, "Mean extra cost with the risk minus without it.", change=True),
    "extra_cost_difference_low": Col(_M, "Lower end of its 95% (Welch) interval.", change=True),
    "extra_cost_difference_high": Col(_M, "Upper end of its 95% (Welch) interval.", change=True),
    "verdict": Col(TEXT, "Whether the risk raises (or lowers) the mineral's unmet demand or cost beyond doubt at "
                         "95%, or is not distinguishable from noise with these samples (fewer than 30 on either side, "
                         "or an interval that contains 0)."),
    "risks drawn": Col(TEXT, "Events of the sample as risk@start period; (none) = the base plan stands.", wrap=True),
    "risk": Col(TEXT, "Risk (sheet risks)."),
    "mineral_extra_cost": Col(_M, "The mineral's cost above the base plan in this sample.", change=True),
    "samples": Col(COUNT, "Samples."),
    "share_of_samples": Col(_S, "Share of all samples."),
    "unmet_range": Col(TEXT, "Unmet demand over the horizon, all markets together."),
    "from_tonnes": Col(_T, "Lower edge of the range (included)."),
    "to_tonnes": Col(_T, "Upper edge of the range (excluded; the last range includes it)."),
    # frontier
    "max_share": Col(_S, "Largest share of the stage total the scope may hold, in every period."),
    "extra_cost_per_point": Col(_M, "Extra cost per percentage point tightened since the previous step.", change=True),
    "largest_share": Col(_S, "Largest share the capped scope holds in any period of the solved plan."),
    "shares_rows": Col(TEXT, "The rows of sheet shares that set this cap."),
    # version 2: projects, paths, soft limits, market rules
    "origin_project": Col(TEXT, "The candidate project (a new mine) the tonnes come from; blank: existing capacity."),
    "refiner_project": Col(TEXT, "The candidate project (a new refinery) that refines them; blank: existing."),
    "project": Col(TEXT, "The candidate project (sheet projects); blank on a table row: existing capacity."),
    "basis": Col(TEXT, "location: tonnes count where they are produced; owner: by who owns the capacity."),
    "penalty": Col(_MT, "A soft limit's price per tonne beyond it (blank: the limit is hard)."),
    "excess_tonnes": Col(_T, "Tonnes beyond a soft limit that the plan pays for (blank: a hard limit)."),
    "shares_row": Col(COUNT, "The row of sheet shares the limit comes from."),
    "bound": Col(TEXT, "max: tonnes above max_share; min: tonnes below min_share."),
    "tonnes_beyond": Col(_T, "Tonnes beyond the limit."),
    "cost": Col(_M, "tonnes_beyond x penalty: what the plan pays for it."),
    "fraction_built": Col(_S, "Share of the project built in this period (1 = all of it)."),
    "capacity_added": Col(_T, "Capacity it adds from this period on, per period: fraction_built x capacity."),
    "probability": Col(_S, "The scenario's likelihood (base: 1 minus the scenarios' sum)."),
    "builds": Col(TEXT, "Which builds: the hedge's, or the base plan's own."),
    "reduced_cost": Col(_M, "Objective change per whole project built in this period (its reduced cost).",
                        change=True),
    "cheaper_by_per_t_year": Col(_MT, "reduced_cost per t of capacity per year standing: how much lower its "
                                      "fixed_cost would have to be to enter the plan (per t a year)."),
    "duals_from": Col(TEXT, "Where the reduced costs come from: the LP, or the LP with integer choices fixed."),
    # scenario mix and scenario minerals
    "base_tonnes": Col(_T, "Tonnes of the country in the base plan, over the horizon."),
    "change": Col(_T, "tonnes minus base_tonnes.", change=True),
    "supply_top_country": Col(TEXT, "Country that mines most of the mineral over the horizon."),
    "supply_top_share": Col(_S, "Its share of mining."),
    "supply_top_share_change": Col(_S, "supply_top_share minus the base plan's, where the top country is the same "
                                       "(percentage points).", change=True),
    "refining_top_country": Col(TEXT, "Country that refines most of the mineral over the horizon."),
    "refining_top_share": Col(_S, "Its share of refining."),
    "refining_top_share_change": Col(_S, "refining_top_share minus the base plan's, where the top country is the "
                                         "same (percentage points).", change=True),
}


# --- the tables -----------------------------------------------------------------------------------------

# The objective's components (planner.model.objective), in its order.
_COST_COMPONENTS = ("supply_cost, transport_cost, tariff_cost, refining_cost, holding_cost, unmet_cost, "
                    "shortfall_cost, excess_cost, fixed_cost, purchase_cost, salvage_cost")
_PLAN_TABLES = ("flows, refining, deliveries, reserve, unmet, paths, excess, investments, priced_out, stockpiles, "
                "budgets")

_TABLES = [
    # planner solve (and the foresight Scenarios beside planner stress)
    _table("scenarios", "scenario, status, total_cost, cost_change, cost_change_pct, economic_cost, "
           f"economic_cost_change, lost_value, unmet_tonnes, unmet_change, unmet_share, priced_out_tonnes, "
           f"{_COST_COMPONENTS}, route_cost, reserve_drawn_tonnes", "scenario", SHARED,
           combine={WORST: "status", RECOMPUTED: "cost_change_pct, unmet_share",
                    SUM: "total_cost, cost_change, economic_cost, economic_cost_change, lost_value, unmet_tonnes, "
                         f"unmet_change, priced_out_tonnes, {_COST_COMPONENTS}, route_cost, reserve_drawn_tonnes"},
           own={"reserve_drawn_tonnes": Col(_T, "Tonnes the plan takes out of reserves over the horizon (the sum of "
                                                "every period's fall in stock): a disruption lifts the targets of "
                                                "the periods it hits, so the stock can be drawn there.")},
           others=Col(TEXT, "The country with the largest share of this mineral and stage over the horizon; in "
                            "brackets the base plan's share (and country, where another leads) if the scenario moves "
                            "it."),
           others_after="priced_out_tonnes"),
    _table("scenario_minerals", "scenario, mineral, mineral_cost, cost_change, demand, unmet_tonnes, unmet_share, "
           "unmet_change, supply_top_country, supply_top_share, supply_top_share_change, refining_top_country, "
           "refining_top_share, refining_top_share_change", "scenario, mineral",
           own={"demand": Col(_T, "The mineral's demand over every market and period, in the scenario."),
                "unmet_tonnes": Col(_T, "The mineral's demand left unserved, every market and period."),
                "unmet_share": Col(_S, "unmet_tonnes as a share of the mineral's demand."),
                "cost_change": Col(_M, "mineral_cost minus the base plan's.", change=True),
                "unmet_change": Col(_T, "unmet_tonnes minus the base plan's.", change=True)}),
    _table("scenario_mix", "scenario, mineral, stage, country, base_tonnes, tonnes, change",
           "scenario, mineral, stage, country"),
    _table("flows", "scenario, mineral, period, origin, refiner, tonnes, kept_tonnes, spot_tonnes, origin_project, "
           "refiner_project", "scenario, mineral, period, origin, refiner, origin_project, refiner_project"),
    _table("refining", "scenario, mineral, period, refiner, input_tonnes, output_tonnes, project",
           "scenario, mineral, period, refiner, project"),
    _table("deliveries", "scenario, mineral, period, refiner, market, tonnes, project",
           "scenario, mineral, period, refiner, market, project"),
    _table("reserve", "scenario, mineral, market, period, stock, target, shortfall",
           "scenario, mineral, market, period"),
    _table("unmet", "scenario, mineral, market, period, tonnes", "scenario, mineral, market, period"),
    _table("paths", "scenario, mineral, period, origin, refiner, market, tonnes, origin_project, refiner_project",
           "scenario, mineral, period, origin, refiner, market, origin_project, refiner_project",
           own={"tonnes": Col(_T, "Raw tonnes from the origin, refined by the refiner, in what the market receives.")}),
    _table("excess", "scenario, shares_row, mineral, period, stage, scope, market, bound, tonnes_beyond, penalty, cost",
           "scenario, shares_row, mineral, period, stage, scope, market, bound"),
    _table("investments", "scenario, project, country, stage, mineral, period, fraction_built, capacity_added, "
           "fixed_cost", "scenario, project, mineral, period",
           own={"fixed_cost": Col(_M, "Its fixed cost over the horizon: capacity_added x fixed_cost x the years it "
                                      "stands.")}),
    _table("priced_out", "scenario, mineral, market, period, step, step_value, step_tonnes, tonnes",
           "scenario, mineral, market, period, step",
           own={"tonnes": Col(_T, "Tonnes of the step left unserved.")}),
    _table("stockpiles", "scenario, mineral, market, bought, spent, end_stock, salvage_value",
           "scenario, mineral, market"),
    # A budget that cannot bind is split over the blocks of its minerals (planner.input.blocks): its spending adds.
    _table("budgets", "scenario, budget, amount, spent, value_of_money", "scenario, budget", SHARED,
           combine={SUM: "spent", FIRST: "amount, value_of_money"}),
    _table("prices", "scenario, mineral, market, period, price, reference_price, price_change",
           "scenario, mineral, market, period"),
    _table("mix", "mineral, stage, period", "mineral, stage, period", DERIVED, sources="flows, refining",
           others=Col(_T, "Tonnes of the country (mined at supply, refined output at refining).")),
    _table("capacity_built", "scenario, mineral, stage, period", "scenario, mineral, stage, period", DERIVED,
           sources="investments", others=Col(_T, "Capacity the country's projects add in this period (t a period).")),
    # the plan explained
    _table("who_pays", "policy, rule, rule_cost, rule_economic_cost", "policy, rule", DERIVED,
           sources="policy_costs, market_bills",
           own={"rule_cost": Col(_M, "What the rule costs the plan: its cost with every rule minus without it, "
                                     "summed over the minerals it touches (Policy costs).", change=True),
                "rule_economic_cost": Col(_M, "The same to the world: tariffs counted as transfers.", change=True)},
           others=Col(_M, "What the rule adds to this market's bill over every mineral it touches: its demand at its "
                          "marginal cost with every rule, minus without this one (Market bills' rule_bill).",
                      change=True)),
    _table("policy_costs", "policy, rule, mineral, cost_with, cost_without, rule_cost, unmet_without, "
           "economic_cost_with, economic_cost_without, rule_economic_cost", "policy, rule, mineral"),
    _table("market_bills", "policy, rule, mineral, market, demand, bill_with, bill_without, rule_bill, duties_with, "
           "duties_without, rule_net_bill", "policy, rule, mineral, market"),
    _table("shadow_prices", "constraint, mineral, period, stage_or_market, scope, limit, used, binding, value_per_t, "
           "share, value_per_share_point, market, basis, penalty, excess_tonnes",
           "constraint, mineral, period, stage_or_market, scope, market"),
    _table("marginal_costs", "mineral, market, period, demand, marginal_cost", "mineral, market, period"),
    _table("concentration", "mineral, stage, period, plan_total, plan_top_country, plan_top_share, plan_countries, "
           "plan_hhi, unlimited_top_country, unlimited_top_share, unlimited_countries, unlimited_hhi, "
           "capacity_top_country, capacity_top_share, capacity_countries, capacity_hhi, world_top_country, "
           "world_top_share, world_countries, world_hhi", "mineral, stage, period"),
    _table("project_values", "project, country, stage, mineral, period, fraction_built, reduced_cost, "
           "cheaper_by_per_t_year, duals_from", "project, mineral, period"),
    _table("explain", "sheet, meaning", "sheet"),  # the Explain sheet's reading guide
    # planner stress
    _table("stress", "scenario, status, total_cost, extra_cost, unmet_tonnes, shortfall_tonnes, first_period, "
           "spot_tonnes, reserve_drawn_tonnes, unmet_above_base_tonnes, economic_extra_cost, priced_out_tonnes",
           "scenario", SHARED,
           combine={WORST: "status", FIRST: "first_period",
                    SUM: "total_cost, extra_cost, unmet_tonnes, shortfall_tonnes, spot_tonnes, reserve_drawn_tonnes, "
                         "unmet_above_base_tonnes, economic_extra_cost, priced_out_tonnes"}),
    _table("stress_by_mineral", "scenario, mineral, status, base_cost, stress_cost, extra_cost, base_holding_cost, "
           "unmet_tonnes, unmet_above_base_tonnes, shortfall_tonnes, spot_tonnes, reserve_drawn_tonnes",
           "scenario, mineral",
           own={"extra_cost": Col(_M, "stress_cost minus base_cost.", change=True),
                "unmet_tonnes": Col(_T, "The mineral's demand left unserved in the stress test.")}),
    _table("reserve_sizing", "scenario, mineral, smallest_reserve_days, holding_cost_at_that_size, "
           "unmet_at_fewest_days_tonnes", "scenario, mineral"),
    _table("sizing_runs", "reserve_days, scenario, mineral, status, base_cost, stress_cost, extra_cost, "
           "base_holding_cost, unmet_tonnes, unmet_above_base_tonnes, shortfall_tonnes, spot_tonnes, "
           "reserve_drawn_tonnes", "reserve_days, scenario, mineral"),
    _table("sizing_chart_data", "scenario, reserve_days", "scenario, reserve_days", DERIVED, sources="sizing_runs",
           others=Col(_T, "Unmet demand of the mineral beyond the base plan.")),
    # planner hedge
    _table("hedge_scenarios", "scenario, probability, total_cost, cost_with_base_builds, hedging_saves, "
           "economic_cost, economic_cost_with_base_builds, risks drawn", "scenario", SHARED,
           # A sampled hedge's samples are drawn once, before the blocks split: every block lists the same risks.
           combine={FIRST: "probability, risks drawn", SUM: "total_cost, cost_with_base_builds, hedging_saves, "
                                                             "economic_cost, economic_cost_with_base_builds"},
           own={"total_cost": Col(_M, "The scenario's optimum with the hedge's builds fixed, operations re-planned."),
                "cost_with_base_builds": Col(_M, "Its optimum with the base plan's own builds fixed instead."),
                "hedging_saves": Col(_M, "cost_with_base_builds minus total_cost.", change=True),
                "economic_cost": Col(_M, "total_cost less tariffs (transfers to importing governments) and the "
                                         "penalties of soft rules and reserve targets: what the world spends."),
                "economic_cost_with_base_builds": Col(_M, "The same with the base plan's own builds."),
                "risks drawn": Col(TEXT, "planner hedge --samples: the events the sample drew (sheet risks), as "
                                         "risk@start period, as the sweep's Samples sheet writes them; (none) = no "
                                         "event, the base scenario. Blank for base, which is no sample.", wrap=True)}),
    _table("hedge_scenario_unmet", "scenario, mineral, unmet_tonnes, unmet_with_base_builds", "scenario, mineral",
           own={"unmet_tonnes": Col(_T, "Demand of the mineral left unserved over every market and period, with the "
                                        "hedge's builds."),
                "unmet_with_base_builds": Col(_T, "The same with the base plan's own builds.")}),
    _table("hedge_cost_distribution", "builds, expected_cost, no_event_cost, p95_cost, worst_cost, worst_scenario",
           "builds", DERIVED, sources="scenarios",
           own={"expected_cost": Col(_M, "Probability-weighted cost over the base and every scenario."),
                "no_event_cost": Col(_M, "The base scenario's cost (nothing happens) with these builds."),
                "p95_cost": Col(_M, "95th percentile: the cost that scenarios of at least 95% of the probability "
                                    "stay within (of a sampled hedge: 95% of the samples)."),
                "worst_cost": Col(_M, "The dearest scenario's cost."),
                "worst_scenario": Col(TEXT, "The dearest scenario.")}),
    _table("hedge_unmet_distribution", "mineral, builds, expected_unmet, p95_unmet, worst_unmet, p_any_unmet",
           "mineral, builds", DERIVED, sources="scenarios, scenario_unmet",
           own={"expected_unmet": Col(_T, "Probability-weighted unmet demand over the horizon, all markets."),
                "p95_unmet": Col(_T, "95th percentile of the unmet demand: scenarios of at least 95% of the "
                                     "probability leave no more unmet."),
                "worst_unmet": Col(_T, "The most any scenario leaves unmet."),
                "p_any_unmet": Col(_S, "Probability that some demand of the mineral goes unmet.")}),
    _table("hedge_cost_histogram", "extra_cost_range, from_cost, to_cost, with_hedge, with_base_builds",
           "extra_cost_range", DERIVED, sources="scenarios",
           own={"extra_cost_range": Col(TEXT, "A range of cost above the base plan's (its own builds, nothing "
                                              "happening), in the workbook's currency (bn: billions, M: millions); "
                                              "<= 0 holds costs at or below it."),
                "from_cost": Col(_M, "Lower edge of the range (exclusive, but for the first)."),
                "to_cost": Col(_M, "Upper edge of the range (inclusive)."),
                "with_hedge": Col(_S, "Probability of a cost in the range with the hedge's builds (of a sampled "
                                      "hedge: the share of samples)."),
                "with_base_builds": Col(_S, "The same with the base plan's own builds.")}),
    _table("hedge_costs", "builds, expected_cost, expected_economic_cost", "builds", SHARED,
           combine={SUM: "expected_cost, expected_economic_cost"},
           own={"expected_cost": Col(_M, "Probability-weighted cost over the base and every scenario."),
                "expected_economic_cost": Col(_M, "Probability-weighted economic cost (less tariffs and the "
                                                  "penalties of targets).")}),
    _table("decision_values", "decision, kind, mineral, period, built, bought_tonnes, base_plan_too, cost, "
           "expected_value, pays_off_in, of_scenarios, most_in, marginal_value, reading", "decision, mineral, period",
           own={
               "decision": Col(TEXT, "A project the hedge builds, or stock it buys for a market."),
               "kind": Col(TEXT, "build (a candidate project) or stock (bought before the first period)."),
               "period": Col(TEXT, "The period the project is built in, or the stock bought for."),
               "built": Col(_S, "The share of the project built (1 = whole)."),
               "bought_tonnes": Col(_T, "Tonnes of stock bought."),
               "base_plan_too": Col(FLAG, "TRUE where the base plan's own decisions take it too (at least 0.1% of "
                                          "the project, or half a tonne): value_of_hedging credits the hedge only "
                                          "with the rest."),
               "cost": Col(_M, "What the decision costs: fixed cost of the part built over the horizon, or the "
                               "stock's purchase."),
               "expected_value": Col(_M, "Probability-weighted value over the base and every scenario: what the "
                                         "hedge would cost more, in expectation, without it.", change=True),
               "pays_off_in": Col(COUNT, "Scenarios that can happen (probability above 0, base included where it "
                                         "has some) in which the decision pays for itself: of a sampled hedge, the "
                                         "samples."),
               "of_scenarios": Col(COUNT, "Scenarios weighed: those of probability above 0."),
               "most_in": Col(TEXT, "The scenario in which the decision is worth most."),
               "marginal_value": Col(_M, "What one more unit would save in expectation after its cost (per whole "
                                         "project, or per t of stock): 0 for a partial build, which stops where its "
                                         "next part saves just what it costs; blank for an all-or-nothing project, "
                                         "which has no next part.", change=True),
               "reading": Col(TEXT, "How to read the decision.", wrap=True)},
           others=Col(_M, "What this scenario would cost more without the decision, the hedge's other decisions kept "
                          "and operations re-planned: positive where it pays off, its own cost included.",
                      change=True)),
    # planner frontier
    _table("frontier_summary", "mineral, stage, scope, max_share, shares_rows, extra_cost, unmet_tonnes, largest_share",
           "mineral, stage, scope, max_share"),
    _table("frontier", "mineral, stage, scope, max_share, status, mineral_cost, extra_cost, extra_cost_per_point, "
           "unmet_tonnes, largest_share, economic_cost, extra_economic_cost", "mineral, stage, scope, max_share",
           own={"extra_cost": Col(_M, "mineral_cost minus its cost with no cap.", change=True),
                "economic_cost": Col(_M, "mineral_cost without the transfers (tariffs, soft-limit and reserve-"
                                         "shortfall penalties): what the plan uses in resources and demand unserved."),
                "extra_economic_cost": Col(_M, "economic_cost minus its value with no cap: the cap's cost to the "
                                               "world, tariffs counted as transfers.", change=True),
                "unmet_tonnes": Col(_T, "Demand for the mineral left unserved over all periods at this cap."),
                "scope": Col(TEXT, "What is capped: * = any single country; else a country or group.")}),
    # planner frontier --budget
    _table("budget_frontier", "budget, amount, status, expected_cost, expected_saving, expected_economic_cost, "
           "expected_unmet_tonnes, spent, value_of_money, saving_per_unit", "budget, amount",
           own={"amount": Col(_M, "The budget's amount in this step; everything else as in the workbook."),
                "expected_cost": Col(_M, "The hedge's expected cost (probability-weighted over the base and every "
                                         "scenario) of the minerals the budget covers, purchases included."),
                "expected_saving": Col(_M, "expected_cost at the smallest amount solved minus at this one: what the "
                                           "money above the smallest amount saves in expectation."),
                "expected_economic_cost": Col(_M, "expected_cost without the transfers (tariffs, soft-limit and "
                                                  "reserve-shortfall penalties): resources used and demand unserved."),
                "expected_unmet_tonnes": Col(_T, "Demand left unserved, probability-weighted over the scenarios."),
                "spent": Col(_M, "What the hedge spends of the budget on stock bought up front."),
                "value_of_money": Col(FACTOR, "What one more unit of money would save in expectation at this amount "
                                              "(the dual of the budget's row; 0 where money is left over)."),
                "saving_per_unit": Col(FACTOR, "Expected cost saved per unit of money added since the previous "
                                               "amount.")}),
    _table("budget_mix", "budget, amount, mineral, market, bought, spent", "budget, amount, mineral, market",
           own={"amount": Col(_M, "The budget's amount in this step."),
                "bought": Col(_T, "Stock the hedge buys before the first period at this amount."),
                "spent": Col(_M, "bought x purchase_price.")}),
    # planner sweep
    _table("risk_summary", "mineral, market, mean_unmet, mean_unmet_low, mean_unmet_high, p95_unmet, p_any_unmet, "
           "p_any_unmet_low, p_any_unmet_high", "mineral, market"),
    _table("risk_costs", "mineral, expected_extra_cost, expected_extra_cost_low, expected_extra_cost_high, "
           "expected_economic_extra_cost", "mineral"),
    _table("risk_drivers", "risk, mineral, samples_with, samples_without, unmet_difference, unmet_difference_low, "
           "unmet_difference_high, extra_cost_difference, extra_cost_difference_low, extra_cost_difference_high, "
           "verdict", "risk, mineral"),
    _table("sweep_samples", "sample, risks drawn, status, total_cost, extra_cost, economic_extra_cost, unmet_tonnes",
           "sample",
           own={"extra_cost": Col(_M, "Sample's cost minus the base plan's.", change=True),
                "total_cost": Col(_M, "The sample's cost: the committed base plan hit by its events."),
                "unmet_tonnes": Col(_T, "Demand left unserved over all periods and markets.")}),
    _table("sample_unmet", "sample, mineral, market, unmet_tonnes", "sample, mineral, market",
           own={"unmet_tonnes": Col(_T, "Demand of the market left unserved over the horizon in the sample.")}),
    _table("sample_costs", "sample, mineral, mineral_extra_cost", "sample, mineral"),
    _table("unmet_distribution", "mineral, unmet_range, from_tonnes, to_tonnes, samples, share_of_samples",
           "mineral, unmet_range"),
]
TABLES: dict[str, Table] = {t.name: t for t in _TABLES}


def _outcome(*names: str, **declared_as: str) -> dict[str, str]:
    return {**{n: n for text in names for n in _names(text)}, **declared_as}


# The tables each command's outcome may hold, in their order: the outcome's name -> the table declared above.
OUTCOMES: dict[str, dict[str, str]] = {
    "solve": _outcome(f"scenarios, scenario_minerals, scenario_mix, {_PLAN_TABLES}, prices, mix, capacity_built, "
                      "who_pays, policy_costs, market_bills, shadow_prices, marginal_costs, concentration, "
                      "project_values"),
    "stress": _outcome(f"stress, stress_by_mineral, reserve_sizing, sizing_runs, sizing_chart_data, scenarios, "
                       f"{_PLAN_TABLES}"),
    "hedge": {"scenarios": "hedge_scenarios", "scenario_unmet": "hedge_scenario_unmet",
              **_outcome("investments, capacity_built, hedge_costs, hedge_cost_distribution, "
                         "hedge_unmet_distribution, hedge_cost_histogram, flows, refining, deliveries, reserve, unmet, "
                         "paths, excess, priced_out, budgets, stockpiles, decision_values")},
    "frontier": _outcome("frontier_summary, frontier"),
    "budget_frontier": _outcome("budget_frontier, budget_mix"),
    "sweep": {**_outcome("risk_summary, risk_costs, risk_drivers"), "samples": "sweep_samples",
              **_outcome("sample_unmet, sample_costs, unmet_distribution")},
}


def declared(command: str, table: str) -> Table:
    """The declaration of the table ``command``'s outcome names ``table``."""
    try:
        return TABLES[OUTCOMES[command][table]]
    except KeyError:
        raise KeyError(f"planner {command}'s table {table!r} is not declared in planner/tables.py") from None

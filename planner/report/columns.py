"""The output workbook's columns, declared once as data: unit, number format and header note.

Every column of every table the planner writes is declared here (a test checks it), so the
writer never guesses a format from a column's name. Money is written in whole currency units
and shown in the unit the ``money_unit`` setting chooses (units, thousands, millions, billions)
through Excel's own scaling format, so a cell always holds the exact value.
"""

from __future__ import annotations

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

MONEY_UNITS = {"units": (1, ""), "thousands": (1, "thousand "), "millions": (2, "million "),
               "billions": (3, "billion ")}
MONEY_DECIMALS = {"units": "", "thousands": "", "millions": ".0", "billions": ".00"}


@dataclass(frozen=True)
class Col:
    unit: str
    note: str
    change: bool = False  # a difference: shown with its sign
    wrap: bool = False  # long text, wrapped


def number_format(col: Col, money_unit: str = "units") -> str | None:
    """The Excel number format of a column: money scaled to ``money_unit``, tonnes to 0.1 t, shares as %."""
    if col.unit == MONEY:
        commas = {"units": "", "thousands": ",", "millions": ",,", "billions": ",,,"}[money_unit]
        body = f"#,##0{MONEY_DECIMALS[money_unit]}{commas}"
    elif col.unit == MONEY_PER_T:
        body = "#,##0.00"
    elif col.unit == TONNES:
        body = "#,##0.0"
    elif col.unit == SHARE:
        body = "0.0%"
    elif col.unit in (COUNT, INDEX, DAYS):
        body = "#,##0"
    elif col.unit in (FACTOR, YEARS):
        body = "0.00"
    elif col.unit == SECONDS:
        body = "0.000"
    elif col.unit == FLAG:  # Excel shows a boolean as TRUE or FALSE whatever its format; LibreOffice needs this
        return '"TRUE";"TRUE";"FALSE"'
    else:
        return None
    if col.change:
        zero = "0" if col.unit != SHARE else "0.0%"
        return f"+{body};-{body};{zero}"
    return body


def unit_label(unit: str, currency: str, money_unit: str = "units") -> str:
    """How a unit reads in a note or an axis title: ``million USD``, ``USD/t``, ``t``, ``%``."""
    if unit == MONEY:
        return f"{MONEY_UNITS[money_unit][1]}{currency}"
    return {MONEY_PER_T: f"{currency}/t", TONNES: "t", SHARE: "%", DAYS: "days", INDEX: "0-10,000",
            FACTOR: "x", SECONDS: "s", YEARS: "years"}.get(unit, "")


def note_text(col: Col, currency: str, money_unit: str = "units") -> str:
    label = unit_label(col.unit, currency, money_unit)
    return f"{col.note} ({label})" if label and label != "%" and col.unit not in (COUNT,) else col.note


# How a printed page names each unit, in the order its line lists them; counts, flags, factors and text go unnamed.
UNIT_PHRASES = {MONEY: "money in {}", MONEY_PER_T: "money per tonne in {}", TONNES: "tonnes in {}",
                SHARE: "shares in {}", DAYS: "reserve targets in {}", YEARS: "durations in {}", INDEX: "HHI {}",
                SECONDS: "times in {}"}


def units_line(units, currency: str, money_unit: str | list[str] = "units") -> str:
    """The distinct ``units`` of a sheet's columns in words, for its printed page header:
    ``money in million USD · tonnes in t · shares in %``. ``money_unit`` may list the money units of the
    sheet's columns, largest first: ``money in billion USD or million USD by column``."""
    present = set(units)
    sizes = [money_unit] if isinstance(money_unit, str) else list(dict.fromkeys(money_unit)) or ["units"]
    money = " or ".join(unit_label(MONEY, currency, u) for u in sizes) + (" by column" if len(sizes) > 1 else "")
    return " · ".join(phrase.format(money if unit == MONEY else unit_label(unit, currency, sizes[0]))
                      for unit, phrase in UNIT_PHRASES.items() if unit in present)


# --- the columns, by name; a table may override a name's meaning ---------------------------------

_M, _MT, _T, _S = MONEY, MONEY_PER_T, TONNES, SHARE

COLUMNS: dict[str, Col] = {
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
    "item": Col(TEXT, "What the row reports."),
    "value": Col(TEXT, "Its value."),
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
    # scenario detail
    "top_country": Col(TEXT, "Country with the largest share of the stage, over the whole horizon."),
    "top_share": Col(_S, "Its share of the stage total, over the whole horizon."),
    "base_top_country": Col(TEXT, "The same in the base plan."),
    "base_top_share": Col(_S, "The same in the base plan."),
    "top_share_change": Col(_S, "top_share minus base_top_share (percentage points).", change=True),
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
    "bill": Col(_M, "demand x marginal_cost: what the market pays at the marginal cost."),
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
                                    "takes out: per reserve, the sum of every period's fall in stock less the base "
                                    "plan's (at least 0), summed over the reserves."),
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
    "risks_row": Col(COUNT, "Its row on sheet risks."),
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


def column(table: str, name: str) -> Col:
    """The declaration of column ``name`` of ``table`` (its own, else the shared one)."""
    own = TABLE_COLUMNS.get(table, {})
    if name in own:
        return own[name]
    if name in COLUMNS:
        return COLUMNS[name]
    if table in OTHER_COLUMNS:
        return OTHER_COLUMNS[table]
    raise KeyError(f"output column {name!r} of table {table!r} is not declared in planner/report/columns.py")


# Columns whose meaning differs on one table.
TABLE_COLUMNS: dict[str, dict[str, Col]] = {
    "decision_values": {
        "decision": Col(TEXT, "A project the hedge builds, or stock it buys for a market."),
        "kind": Col(TEXT, "build (a candidate project) or stock (bought before the first period)."),
        "period": Col(TEXT, "The period the project is built in, or the stock bought for."),
        "built": Col(_S, "The share of the project built (1 = whole)."),
        "bought_tonnes": Col(_T, "Tonnes of stock bought."),
        "base_plan_too": Col(FLAG, "TRUE where the base plan's own decisions take it too (at least 0.1% of the "
                                   "project, or half a tonne): value_of_hedging credits the hedge only with the rest."),
        "cost": Col(_M, "What the decision costs: fixed cost of the part built over the horizon, or the stock's "
                        "purchase."),
        "expected_value": Col(_M, "Probability-weighted value over the base and every scenario: what the hedge "
                                  "would cost more, in expectation, without it.", change=True),
        "pays_off_in": Col(COUNT, "Scenarios (base included) in which the decision pays for itself."),
        "of_scenarios": Col(COUNT, "Scenarios weighed, base included."),
        "most_in": Col(TEXT, "The scenario in which the decision is worth most."),
        "marginal_value": Col(_M, "What one more unit would save in expectation after its cost (per whole project, or "
                                  "per t of stock): 0 for a partial build, which stops where its next part saves "
                                  "just what it costs; blank for an all-or-nothing project, which has no next part.",
                              change=True),
        "reading": Col(TEXT, "How to read the decision.", wrap=True),
    },
    "who_pays": {"rule_cost": Col(_M, "What the rule costs the plan: its cost with every rule minus without it, "
                                       "summed over the minerals it touches (Policy costs).", change=True),
                 "rule_economic_cost": Col(_M, "The same to the world: tariffs counted as transfers.", change=True)},
    "sweep_samples": {"extra_cost": Col(_M, "Sample's cost minus the base plan's.", change=True),
                      "total_cost": Col(_M, "The sample's cost: the committed base plan hit by its events."),
                      "unmet_tonnes": Col(_T, "Demand left unserved over all periods and markets.")},
    "frontier": {"extra_cost": Col(_M, "mineral_cost minus its cost with no cap.", change=True),
                 "economic_cost": Col(_M, "mineral_cost without the transfers (tariffs, soft-limit and reserve-"
                                          "shortfall penalties): what the plan uses in resources and demand unserved."),
                 "extra_economic_cost": Col(_M, "economic_cost minus its value with no cap: the cap's cost to the "
                                                "world, tariffs counted as transfers.", change=True),
                 "unmet_tonnes": Col(_T, "Demand for the mineral left unserved over all periods at this cap."),
                 "scope": Col(TEXT, "What is capped: * = any single country; else a country or group.")},
    "sample_unmet": {"unmet_tonnes": Col(_T, "Demand of the market left unserved over the horizon in the sample.")},
    "hedge_scenarios": {
        "total_cost": Col(_M, "The scenario's optimum with the hedge's builds fixed, operations re-planned."),
        "cost_with_base_builds": Col(_M, "Its optimum with the base plan's own builds fixed instead."),
        "hedging_saves": Col(_M, "cost_with_base_builds minus total_cost.", change=True),
        "risks drawn": Col(TEXT, "planner hedge --samples: the events the sample drew (sheet risks), as risk@start "
                                 "period, as the sweep's Samples sheet writes them; (none) = no event, the base "
                                 "scenario. Blank for base, which is no sample.", wrap=True)},
    "budget_frontier": {
        "amount": Col(_M, "The budget's amount in this step; everything else as in the workbook."),
        "expected_cost": Col(_M, "The hedge's expected cost (probability-weighted over the base and every scenario) "
                                 "of the minerals the budget covers, purchases included."),
        "expected_saving": Col(_M, "expected_cost at the smallest amount solved minus at this one: what the money "
                                   "above the smallest amount saves in expectation."),
        "expected_economic_cost": Col(_M, "expected_cost without the transfers (tariffs, soft-limit and reserve-"
                                          "shortfall penalties): resources used and demand unserved."),
        "expected_unmet_tonnes": Col(_T, "Demand left unserved, probability-weighted over the scenarios."),
        "spent": Col(_M, "What the hedge spends of the budget on stock bought up front."),
        "value_of_money": Col(FACTOR, "What one more unit of money would save in expectation at this amount (the "
                                      "dual of the budget's row; 0 where money is left over)."),
        "saving_per_unit": Col(FACTOR, "Expected cost saved per unit of money added since the previous amount.")},
    "budget_mix": {"amount": Col(_M, "The budget's amount in this step."),
                   "bought": Col(_T, "Stock the hedge buys before the first period at this amount."),
                   "spent": Col(_M, "bought x purchase_price.")},
    "hedge_costs": {"expected_cost": Col(_M, "Probability-weighted cost over the base and every scenario.")},
    "investments": {"fixed_cost": Col(_M, "Its fixed cost over the horizon: capacity_added x fixed_cost x the "
                                          "years it stands.")},
    "paths": {"tonnes": Col(_T, "Raw tonnes from the origin, refined by the refiner, in what the market receives.")},
    "priced_out": {"tonnes": Col(_T, "Tonnes of the step left unserved.")},
    "scenarios": {"reserve_drawn_tonnes": Col(_T, "Tonnes the plan takes out of reserves over the horizon (the sum of "
                                                  "every period's fall in stock): a disruption lifts the targets of "
                                                  "the periods it hits, so the stock can be drawn there.")},
    "scenario_minerals": {"demand": Col(_T, "The mineral's demand over every market and period, in the scenario."),
                          "unmet_tonnes": Col(_T, "The mineral's demand left unserved, every market and period."),
                          "unmet_share": Col(_S, "unmet_tonnes as a share of the mineral's demand."),
                          "cost_change": Col(_M, "mineral_cost minus the base plan's.", change=True),
                          "unmet_change": Col(_T, "unmet_tonnes minus the base plan's.", change=True)},
    "stress_by_mineral": {"extra_cost": Col(_M, "stress_cost minus base_cost.", change=True),
                          "unmet_tonnes": Col(_T, "The mineral's demand left unserved in the stress test.")},
}

# Tables whose other columns are data-named (a column per country or mineral): their unit.
OTHER_COLUMNS: dict[str, Col] = {
    "decision_values": Col(_M, "What this scenario would cost more without the decision, the hedge's other decisions "
                               "kept and operations re-planned: positive where it pays off, its own cost included.",
                           change=True),
    "who_pays": Col(_M, "What the rule adds to this market's bill over every mineral it touches: its demand at its "
                        "marginal cost with every rule, minus without this one (Market bills' rule_bill).",
                    change=True),
    "mix": Col(_T, "Tonnes of the country (mined at supply, refined output at refining)."),
    "sizing_chart_data": Col(_T, "Unmet demand of the mineral beyond the base plan."),
    "capacity_built": Col(_T, "Capacity the country's projects add in this period (t a period)."),
    "scenarios": Col(TEXT, "The country with the largest share of this mineral and stage over the horizon; in "
                           "brackets the base plan's share (and country, where another leads) if the scenario moves "
                           "it."),
}

# The Summary sheet's items: (item) -> its unit and meaning. Every item a command reports is here.
SUMMARY: dict[str, Col] = {
    "answer": Col(TEXT, "The answer in words: what the plan costs and leaves unmet, the costliest disruption and "
                        "demand shock, what the rules cost; every figure from the sheets of this workbook.",
                  wrap=True),
    "question": Col(TEXT, "The question this workbook answers.", wrap=True),
    "status": Col(TEXT, "Optimal when every solve reached a proven optimum; otherwise which did not.", wrap=True),
    "total_cost": Col(_M, "The base plan's objective."),
    "unmet_tonnes": Col(_T, "Demand the base plan leaves unserved, over every market and period."),
    "unmet_share": Col(_S, "unmet_tonnes as a share of demand."),
    "minerals_short": Col(TEXT, "Minerals whose demand goes more than 1% unmet in the base plan.", wrap=True),
    "share_limits_cost": Col(_M, "What every share limit together costs (sheet Policy costs)."),
    "reserve_targets_cost": Col(_M, "What every reserve target together costs (sheet Policy costs)."),
    "costliest_scenario": Col(TEXT, "The scenario that costs the world most above the base plan: the largest "
                                    "economic_cost_change (tariffs are transfers, not a cost to the world)."),
    "its_cost_change": Col(_M, "Its cost above the base plan.", change=True),
    "its_economic_cost_change": Col(_M, "Its economic cost above the base plan's.", change=True),
    "its_unmet_change": Col(_T, "Its unmet demand above the base plan's.", change=True),
    "scenarios": Col(COUNT, "Scenarios on sheet scenarios (planner hedge --samples: the samples)."),
    "base_supply_cost": COLUMNS["supply_cost"],
    "base_route_cost": COLUMNS["route_cost"],
    "base_transport_cost": COLUMNS["transport_cost"],
    "base_tariff_cost": COLUMNS["tariff_cost"],
    "economic_cost": Col(_M, "The base plan's economic cost: total_cost less tariffs, soft-limit and shortfall "
                             "penalties."),
    "lost_value": Col(_M, "The value of the demand the base plan leaves unserved."),
    "priced_out_tonnes": Col(_T, "Tonnes of elastic or bid demand the base plan leaves unserved at their price."),
    "base_refining_cost": COLUMNS["refining_cost"],
    "base_holding_cost": COLUMNS["holding_cost"],
    "base_unmet_cost": COLUMNS["unmet_cost"],
    "base_shortfall_cost": COLUMNS["shortfall_cost"],
    "base_excess_cost": COLUMNS["excess_cost"],
    "base_fixed_cost": COLUMNS["fixed_cost"],
    "base_purchase_cost": COLUMNS["purchase_cost"],
    "base_salvage_cost": COLUMNS["salvage_cost"],
    "spot_premium": Col(FACTOR, "Spot purchases cost (1 + spot_premium) x the scenario's unit cost."),
    "worst_disruption": Col(TEXT, "The supply disruption that costs the committed plan most, to the world: the "
                                  "largest economic_extra_cost (tariffs are transfers, not a cost to the world); "
                                  "rises in demand are ranked apart (worst_demand_shock)."),
    "its_extra_cost": Col(_M, "Its cost above the base plan.", change=True),
    "its_economic_extra_cost": Col(_M, "Its economic cost above the base plan's.", change=True),
    "its_unmet_above_base": Col(_T, "Demand it leaves unserved beyond the base plan.", change=True),
    "worst_demand_shock": Col(TEXT, "The rise in demand that costs the committed plan most, to the world."),
    "its_shock_extra_cost": Col(_M, "Its cost above the base plan.", change=True),
    "its_shock_economic_extra_cost": Col(_M, "Its economic cost above the base plan's.", change=True),
    "its_shock_unmet_above_base": Col(_T, "Demand it leaves unserved beyond the base plan.", change=True),
    "seed": Col(COUNT, "Random seed of the samples."),
    "samples": Col(COUNT, "Samples drawn."),
    "samples_solved": Col(COUNT, "Samples solved (fewer when the run was stopped)."),
    "partial": Col(FLAG, "TRUE when the run was stopped before every sample was solved."),
    "workers": Col(TEXT, "Where the samples were solved."),
    "sample_seconds": Col(SECONDS, "Seconds spent solving samples."),
    "samples_per_second": Col(FACTOR, "Samples solved per second."),
    "p_any_unmet": Col(_S, "Share of samples that leave any demand unmet (95% interval on sheet Risk summary)."),
    "mean_extra_cost": Col(_M, "Mean cost above the base plan over the samples."),
    "scope": Col(TEXT, "Whose share is capped."),
    "expected_cost": Col(_M, "Probability-weighted cost over the base and every scenario, with the hedge's builds."),
    "value_of_hedging": Col(_M, "Expected cost with the base plan's own builds minus with the hedge's (>= 0)."),
    "expected_cost_with_base_builds": Col(_M, "Expected cost when the base plan's own builds are fixed and each "
                                              "scenario re-plans its operations."),
    "base_probability": Col(_S, "Probability of the base scenario: 1 minus the scenarios' sum."),
    "projects_backed": Col(TEXT, "The projects the hedge builds, how much and when.", wrap=True),
    "stock_bought": Col(TEXT, "The stock the hedge buys before the first period, by mineral and market.", wrap=True),
    "expected_cost_lower_bound": Col(_M, "planner hedge by decomposition: the master's optimum, a lower bound on the "
                                         "hedge's expected cost (the sum over blocks)."),
    "expected_cost_upper_bound": Col(_M, "planner hedge by decomposition: the expected cost of the best decisions it "
                                         "evaluated, an upper bound (the sum over blocks)."),
    "gap": Col(RATIO, "planner hedge by decomposition: (upper bound - lower bound) / upper bound; it stops at 1e-6."),
    "iterations": Col(COUNT, "planner hedge by decomposition: master solves, each followed by every distinct "
                             "scenario's (the most of any block)."),
    "distinct_scenarios": Col(COUNT, "planner hedge by decomposition: scenarios solved apart; samples with the same "
                                     "numbers share one (the most of any block)."),
    "budget": Col(TEXT, "The budget swept (sheet budgets)."),
    "minerals": Col(TEXT, "The minerals whose reserves the budget pays for (the block solved)."),
    "amounts": Col(COUNT, "Amounts of the budget solved."),
    "expected_cost_at_least_money": Col(_M, "The hedge's expected cost at the smallest amount."),
    "expected_cost_at_most_money": Col(_M, "The hedge's expected cost at the largest amount."),
    "most_spent": Col(_M, "The most the hedge spends at any amount solved: where that is below the amount, the rest "
                          "buys nothing worth its cost."),
    "money_worth_nothing_from": Col(_M, "The smallest amount at which one more unit of money saves nothing (blank: "
                                        "money is worth something at every amount solved)."),
    "steps": Col(COUNT, "Caps solved."),
    "currency": Col(TEXT, "Currency of every cost."),
    "money_shown_in": Col(TEXT, "Unit money is shown in on every other sheet (setting money_unit; auto sizes it by the "
                                "headline cost, and gives each row of this sheet its own); cells hold exact values."),
    "input_file": Col(TEXT, "The input workbook."),
    "note": Col(TEXT, "How to read this workbook.", wrap=True),
}

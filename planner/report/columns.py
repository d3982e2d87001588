"""How the output workbook shows a column: number format, unit label and header note, from the tables'
declarations (``planner/tables.py``), which say every column's unit and meaning; and the Summary sheet's items.

Every column of every table the planner writes is declared (a test checks it), so the writer never guesses
a format from a column's name. Money is written in whole currency units and shown in the unit the
``money_unit`` setting chooses (units, thousands, millions, billions) through Excel's own scaling format,
so a cell always holds the exact value.
"""

from __future__ import annotations

from planner.tables import (
    COUNT,
    DAYS,
    FACTOR,
    FLAG,
    INDEX,
    MONEY,
    MONEY_PER_T,
    RATIO,
    SECONDS,
    SHARE,
    TABLES,
    TEXT,
    TONNES,
    YEARS,
    Col,
)

MONEY_UNITS = {"units": (1, ""), "thousands": (1, "thousand "), "millions": (2, "million "),
               "billions": (3, "billion ")}
MONEY_DECIMALS = {"units": "", "thousands": "", "millions": ".0", "billions": ".00"}


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


def column(table: str, name: str) -> Col:
    """The declaration of column ``name`` of ``table`` (planner/tables.py)."""
    return TABLES[table].column(name)


_M, _T, _S = MONEY, TONNES, SHARE
_SCENARIOS = TABLES["scenarios"].columns  # the base plan's row of Scenarios gives Summary's base_*_cost


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
    "base_supply_cost": _SCENARIOS["supply_cost"],
    "base_route_cost": _SCENARIOS["route_cost"],
    "base_transport_cost": _SCENARIOS["transport_cost"],
    "base_tariff_cost": _SCENARIOS["tariff_cost"],
    "economic_cost": Col(_M, "The base plan's economic cost: total_cost less tariffs, soft-limit and shortfall "
                             "penalties."),
    "lost_value": Col(_M, "The value of the demand the base plan leaves unserved."),
    "priced_out_tonnes": Col(_T, "Tonnes of elastic or bid demand the base plan leaves unserved at their price."),
    "base_refining_cost": _SCENARIOS["refining_cost"],
    "base_holding_cost": _SCENARIOS["holding_cost"],
    "base_unmet_cost": _SCENARIOS["unmet_cost"],
    "base_shortfall_cost": _SCENARIOS["shortfall_cost"],
    "base_excess_cost": _SCENARIOS["excess_cost"],
    "base_fixed_cost": _SCENARIOS["fixed_cost"],
    "base_purchase_cost": _SCENARIOS["purchase_cost"],
    "base_salvage_cost": _SCENARIOS["salvage_cost"],
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
    "expected_economic_cost": Col(_M, "Probability-weighted economic cost with the hedge's builds: less tariffs "
                                      "(transfers) and the penalties of soft rules and reserve targets."),
    "expected_economic_cost_with_base_builds": Col(_M, "The same with the base plan's own builds."),
    "p95_cost": Col(_M, "95th percentile of the scenarios' cost with the hedge's builds: scenarios of at least 95% "
                        "of the probability cost no more (Cost distribution)."),
    "p95_cost_with_base_builds": Col(_M, "The same with the base plan's own builds."),
    "plans_written": Col(TEXT, "planner hedge --samples: whose plans the plan tables (Flows, Refining ...) hold.",
                         wrap=True),
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

"""Compose each command's output workbook from its result tables: which sheets, in which order, with which notes.

Nothing is computed here: every table comes ready from the analysis layer; this module only
chooses sheets, notes, formats and charts. A command's function takes the finished run (its
inputs, its :class:`~planner.analysis.outcome.Outcome` and its run report).
"""

from __future__ import annotations

import pandas as pd

from planner.model.objective import COMPONENTS
from planner.report.charts import (
    frontier_charts,
    histogram_charts,
    mix_charts,
    place_charts,
    reserve_charts,
    scenario_cost_chart,
    sizing_charts,
)
from planner.report.xlsx import ITEM_VALUE, SHARE, TONNES, SheetSpec

TABLE_NOTES = {
    "tonnes": "Tonnes of contained mineral (refined tonnes for deliveries and unmet demand).",
    "input_tonnes": "Raw tonnes entering the refinery (sum of Flows into it).",
    "output_tonnes": "Refined tonnes produced: yield x input_tonnes.",
    "stock": "Reserve stock at the end of the period (t).",
    "target": "Reserve target: max(min_stock, min_days x demand / (365 x years)) (t).",
    "shortfall": "Tonnes by which the stock falls short of the target, charged at shortfall_penalty.",
    "total_cost": "Objective: the sum of the six cost components.",
    "supply_cost": "Raw material bought: flow x supply cost.",
    "route_cost": "Routes and tariffs: flow x supply-route unit cost + deliveries x delivery-route unit cost.",
    "refining_cost": "Refining: output x refining cost.",
    "holding_cost": "Holding the reserve: stock x holding_cost.",
    "unmet_cost": "Unserved demand x unmet_penalty.",
    "shortfall_cost": "Reserve shortfall x shortfall_penalty.",
}

PLAN_TABLES = (("Flows", "flows"), ("Refining", "refining"), ("Deliveries", "deliveries"), ("Reserve", "reserve"),
               ("Unmet", "unmet"))


def sheets_for(run) -> list[SheetSpec]:
    """The sheets of ``run``'s command, in the workbook's fixed order."""
    return {"solve": plan_sheets, "stress": stress_sheets, "sweep": sweep_sheets,
            "frontier": frontier_sheets}[run.command](run)


def _currency(run) -> str:
    return run.data.settings.get("currency") or "USD"


def summary_sheet(run, items: list[tuple[str, object]], note: str, width: int = 60) -> SheetSpec:
    """``status`` first, then the command's items, the currency and input file, then a note."""
    rows = [("status", run.outcome.status), *items, ("currency", _currency(run)),
            ("input_file", run.report.input_path), ("note", note)]
    return SheetSpec("Summary", pd.DataFrame(rows, columns=["item", "value"]), widths={"item": 22, "value": width},
                     formats={"value": ITEM_VALUE})


def run_info_sheet(run) -> SheetSpec:
    return SheetSpec("Run info", pd.DataFrame(run.report.items(), columns=["item", "value"]),
                     widths={"item": 28, "value": 70})


def plan_tables_sheets(tables: dict[str, pd.DataFrame], notes: dict) -> list[SheetSpec]:
    return [SheetSpec(sheet, tables[name], notes=notes) for sheet, name in PLAN_TABLES]


def _notes(currency: str) -> dict[str, str]:
    notes = dict(TABLE_NOTES)
    for c in COMPONENTS:
        notes[f"{c}_cost"] = notes.get(f"{c}_cost", "") + f" ({currency})"
    notes["total_cost"] += f" ({currency})"
    return notes


# --- planner solve -----------------------------------------------------------------------


def plan_sheets(run) -> list[SheetSpec]:
    tables = run.outcome.tables
    currency = _currency(run)
    notes = _notes(currency)
    charts = (scenario_cost_chart("Scenarios", tables["scenarios"]) + mix_charts("Mix", tables["mix"])
              + reserve_charts("Reserve", tables["reserve"]))
    chart_note = pd.DataFrame({"Charts of the plan": [
        "Cost by scenario, then the base plan's sourcing and refining mix by country for each mineral, "
        "then each reserve's stock against its target. Every chart reads cells of the sheets named in its title."]})
    sheets = [
        summary_sheet(run, run.outcome.summary, "Costs in " + currency + "; quantities in tonnes of contained "
                      "mineral. Hover over a column header for its meaning."),
        SheetSpec("Scenarios", tables["scenarios"], notes=notes),
        SheetSpec("Charts", chart_note, widths={"Charts of the plan": 24}, charts=[place_charts(charts)]),
        *plan_tables_sheets(tables, notes),
    ]
    if "policy_costs" in tables:
        sheets += explanation_sheets(tables, currency)
    mix = tables["mix"]
    sheets += [
        SheetSpec("Mix", mix, formats={c: "#,##0.000" for c in mix.columns if c not in ("mineral", "stage", "period")}),
        run_info_sheet(run),
    ]
    return sheets


EXPLAIN_TEXT = [
    ("What the explanation sheets show", ""),
    ("Policy costs", "Per mineral, the base plan's cost with every policy, the cost when the base plan is solved "
                     "again without the share limits (and, separately, without the reserve targets), and the "
                     "difference: what the policy costs. The LP separates by mineral, so the split is exact."),
    ("Shadow prices", "One row per capacity, share-limit and reserve-target constraint of the base plan. "
                      "value_per_t is the objective's DECREASE per tonne by which the limit is loosened: one more "
                      "tonne of capacity, one more tonne a scope may hold above its max_share (or below its "
                      "min_share), one tonne less of reserve target. It is >= 0 and is 0 where the limit does "
                      "not bind. value_per_share_point is the same for loosening a share limit by one percentage "
                      "point of the stage total."),
    ("Marginal costs", "The dual of each market balance: the objective's INCREASE per extra tonne of demand in "
                       "that market and period (the marginal cost of supply, in currency per t). A market that "
                       "leaves demand unmet has the mineral's unmet_penalty as its marginal cost."),
    ("Concentration", "Per mineral, stage and period: the top country and its share, how many countries are used "
                      "and the Herfindahl-Hirschman index (sum of squared percentage shares, 0-10,000; above 2,500 "
                      "is highly concentrated), for the base plan (plan_), the base plan without share limits "
                      "(unlimited_), the input's capacities (capacity_) and, where sheet production holds them, "
                      "observed world output (world_)."),
    ("Degeneracy", "Duals come from one optimal basis. Where the optimum is degenerate (ties between equally "
                   "cheap sources, limits that bind exactly at a corner) other bases give other, equally valid "
                   "values: a value_per_t is then exact only for a small loosening in one direction. Policy "
                   "costs are differences of optimal objectives and are always unique."),
    ("Units", "Quantities in tonnes of contained mineral; costs in the workbook's currency."),
]


def explanation_sheets(tables: dict[str, pd.DataFrame], currency: str) -> list[SheetSpec]:
    money = f"{currency} per t"
    notes = {"value_per_t": f"Objective decrease per t the limit is loosened ({money}); >= 0.",
             "value_per_share_point": f"Objective decrease per percentage point of loosening ({currency}).",
             "marginal_cost": f"Objective increase per extra t of demand ({money}).",
             "binding": "TRUE where the limit is met with equality.",
             "hhi": "Herfindahl-Hirschman index: sum of squared percentage shares (0-10,000)."}
    concentration = tables["concentration"]
    pct = {c: SHARE for c in concentration.columns if c.endswith("top_share")}
    hhi = {c: "#,##0" for c in concentration.columns if c.endswith("hhi") or c.endswith("countries")}
    return [
        SheetSpec("Policy costs", tables["policy_costs"], notes=notes),
        SheetSpec("Shadow prices", tables["shadow_prices"], notes=notes,
                  formats={"share": SHARE, "limit": TONNES, "used": TONNES}),
        SheetSpec("Marginal costs", tables["marginal_costs"], notes=notes),
        SheetSpec("Concentration", concentration, notes=notes, formats={**pct, **hhi}),
        SheetSpec("Explain", pd.DataFrame(EXPLAIN_TEXT, columns=["sheet", "meaning"]),
                  widths={"sheet": 34, "meaning": 140}),
    ]


# --- planner frontier --------------------------------------------------------------------


def frontier_sheets(run) -> list[SheetSpec]:
    currency = _currency(run)
    table = run.outcome.tables["frontier"]
    notes = {"max_share": "Largest share of the stage total one country may hold, in every period.",
             "mineral_cost": f"Objective of the mineral at this cap ({currency}).",
             "extra_cost": f"mineral_cost minus its cost with no cap ({currency}).",
             "extra_cost_per_point": f"Extra cost per percentage point tightened since the previous step ({currency}).",
             "unmet_tonnes": "Demand for the mineral left unserved over all periods at this cap (t).",
             "largest_share": "Largest share any country holds in any period of the solved plan."}
    return [
        summary_sheet(run, run.outcome.summary,
                      "Each row re-solves the base plan with no country above max_share of the stage total in any "
                      "period, for that mineral and stage; the workbook's own share limits are off during the sweep. "
                      "extra_cost is the mineral's cost above the plan with no limit; extra_cost_per_point is the "
                      "cost of the last percentage point of tightening (the knees of the curve).", width=100),
        SheetSpec("Frontier", table, notes=notes, formats={"max_share": SHARE, "largest_share": SHARE}),
        SheetSpec("Charts", pd.DataFrame({"Price of de-risking": [
            "Extra cost of each mineral and stage as the cap on any single country's share tightens "
            "(read right to left: 100% = no limit)."]}), widths={"Price of de-risking": 24},
            charts=[place_charts(frontier_charts("Frontier", table))]),
        run_info_sheet(run),
    ]


# --- planner stress ----------------------------------------------------------------------


def stress_sheets(run) -> list[SheetSpec]:
    currency = _currency(run)
    tables = run.outcome.tables
    notes = dict(TABLE_NOTES)
    notes.update({
        "extra_cost": f"Stress-test cost minus the base plan's cost ({currency}).",
        "first_period": "The scenario's first affected period; before it the base plan stands.",
        "spot_tonnes": "Raw tonnes bought beyond the contracts at the spot premium.",
        "kept_tonnes": "Contracted tonnes kept (at most the base plan's flow).",
        "reserve_drawn_tonnes": "Tonnes taken out of reserves: the sum of every period's fall in stock.",
        "unmet_above_base_tonnes": "Unmet demand beyond what the base plan itself leaves unmet.",
        "base_holding_cost": f"What holding the base plan's reserve of the mineral costs ({currency}).",
        "reserve_days": "Reserve target of every reserve, in days of demand (blank: the workbook's own targets).",
        "smallest_reserve_days": "Smallest tested reserve size that leaves no demand unmet beyond the base plan "
                                 "(blank: none of the tested sizes).",
    })
    sheets = [
        summary_sheet(run, run.outcome.summary,
                      "The base plan's flows are contracts. Each scenario hits that plan from its first affected "
                      "period on: contracts are kept up to what remains available, extra supply is bought at "
                      "(1 + spot_premium) x the scenario's unit cost, reserves may fall below target and demand "
                      "may go unmet.", width=100),
        SheetSpec("Scenarios", tables["scenarios"], notes=notes),
        SheetSpec("Stress", tables["stress"], notes=notes),
        SheetSpec("Stress by mineral", tables["stress_by_mineral"], notes=notes),
    ]
    if "reserve_sizing" in tables:
        wide = tables["sizing_chart_data"]
        sheets += [
            SheetSpec("Reserve sizing", tables["reserve_sizing"], notes=notes),
            SheetSpec("Sizing runs", tables["sizing_runs"], notes=notes),
            SheetSpec("Sizing chart data", wide, formats={m: TONNES for m in run.data.minerals}),
            SheetSpec("Charts", pd.DataFrame({"Reserve sizing": [
                "Unmet demand beyond the base plan against the reserve target, per scenario and mineral: read off "
                "the smallest reserve that keeps each disruption from leaving demand unserved."]}),
                widths={"Reserve sizing": 24}, charts=[place_charts(sizing_charts("Sizing chart data", wide))]),
        ]
    return sheets + plan_tables_sheets(tables, notes) + [run_info_sheet(run)]


# --- planner sweep -----------------------------------------------------------------------


def sweep_sheets(run) -> list[SheetSpec]:
    currency = _currency(run)
    tables = run.outcome.tables
    notes = {
        "risks drawn": "Events of the sample as risk@start period; (none) = the base plan stands.",
        "extra_cost": f"Sample's cost minus the base plan's ({currency}).",
        "unmet_tonnes": "Demand left unserved over all periods and markets (t).",
        "mean_unmet": "Mean unmet tonnes over the samples.",
        "p95_unmet": "95th percentile of unmet tonnes (linear interpolation between samples).",
        "p_any_unmet": "Share of samples leaving any demand unmet (above 1e-6 t).",
        "expected_extra_cost": f"Mean extra cost of the mineral over the samples ({currency}); the same on each "
                               "of its markets, which share it.",
        "unmet_difference": "Mean unmet with the risk minus without it: how much the risk drives shortfalls.",
    }
    sheets = [summary_sheet(run, run.outcome.summary,
                            "Each sample draws, for every risk and period, whether the event starts (with the "
                            "risk's probability); it then hits the committed base plan like a stress test. The same "
                            "seed gives the same samples and results however many workers solve them.", width=100)]
    if tables:
        hist = tables["unmet_distribution"]
        sheets += [
            SheetSpec("Risk summary", tables["risk_summary"], notes=notes, formats={"p_any_unmet": SHARE}),
            SheetSpec("Risk drivers", tables["risk_drivers"], notes=notes),
            SheetSpec("Charts", pd.DataFrame({"Unmet demand distribution": [
                "How many samples leave how much demand unmet, per mineral (all markets and periods together)."]}),
                widths={"Unmet demand distribution": 24},
                charts=[place_charts(histogram_charts("Unmet distribution", hist))]),
            SheetSpec("Samples", tables["samples"], notes=notes, widths={"risks drawn": 60}),
            SheetSpec("Sample unmet", tables["sample_unmet"], notes=notes),
            SheetSpec("Unmet distribution", hist, formats={"share_of_samples": SHARE}),
        ]
    return sheets + [run_info_sheet(run)]

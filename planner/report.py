"""Compose the output workbook's sheets from a Plan: which tables, in which order, with which notes."""

from __future__ import annotations

import pandas as pd

from planner.charts import mix_charts, mix_table, place_charts, reserve_charts, scenario_cost_chart
from planner.io.write import ITEM_VALUE, SHARE, TONNES, SheetSpec
from planner.model.objective import COMPONENTS
from planner.results import combine, scenarios_table

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


def plan_sheets(plan) -> list[SheetSpec]:
    """The sheets of a solved plan, in the workbook's fixed order."""
    from planner.api import package_versions

    results = plan.results
    currency = plan.data.settings.get("currency") or "USD"
    notes = dict(TABLE_NOTES)
    for c in COMPONENTS:
        notes[f"{c}_cost"] = notes.get(f"{c}_cost", "") + f" ({currency})"
    notes["total_cost"] += f" ({currency})"

    status = "Optimal" if plan.all_optimal else "Not optimal: " + ", ".join(
        f"{r.scenario} {r.status}" for r in results if r.status != "Optimal")
    summary = [
        ("status", status),
        ("total_cost", plan.base.total_cost),
        ("currency", currency),
        ("scenarios", len(results)),
        ("input_file", plan.input_path),
    ]
    summary += [(f"base_{c}_cost", plan.base.components.get(c)) for c in COMPONENTS]
    summary += [
        ("base_unmet_tonnes", float(plan.base.tables["unmet"]["tonnes"].sum()) if plan.base.status == "Optimal"
         else None),
        ("note", "Costs in " + currency + "; quantities in tonnes of contained mineral. "
                 "Hover over a column header for its meaning."),
    ]
    run_info = [
        ("input_file", plan.input_path),
        ("input_sha256", plan.input_sha256),
        ("scenarios", len(results)),
        ("solver", plan.solver),
        ("model_columns", plan.model_size["columns"]),
        ("model_rows", plan.model_size["rows"]),
        ("model_nonzeros", plan.model_size["nonzeros"]),
    ]
    for stage in ("read", "validate", "build", "renumber", "solve", "results", "explain"):
        if stage in plan.timings:
            run_info.append((f"{stage}_seconds", round(plan.timings[stage], 4)))
    for r in results:
        run_info.append((f"solve_seconds[{r.scenario}]", round(r.solve_seconds, 4)))
    run_info += [(f"version_{k}", v) for k, v in package_versions().items()]

    scenarios = scenarios_table(results)
    flows, refining = combine(results, "flows"), combine(results, "refining")
    reserve = combine(results, "reserve")
    mix = mix_table(flows, refining, list(plan.data.minerals), list(plan.data.periods))
    charts = scenario_cost_chart("Scenarios", scenarios) + mix_charts("Mix", mix) + reserve_charts("Reserve", reserve)
    chart_note = pd.DataFrame({"Charts of the plan": [
        "Cost by scenario, then the base plan's sourcing and refining mix by country for each mineral, "
        "then each reserve's stock against its target. Every chart reads cells of the sheets named in its title."]})

    sheets = [
        SheetSpec("Summary", pd.DataFrame(summary, columns=["item", "value"]), widths={"item": 22, "value": 60},
                  formats={"value": ITEM_VALUE}),
        SheetSpec("Scenarios", scenarios, notes=notes),
        SheetSpec("Charts", chart_note, widths={"Charts of the plan": 24}, charts=[place_charts(charts)]),
        SheetSpec("Flows", flows, notes=notes),
        SheetSpec("Refining", refining, notes=notes),
        SheetSpec("Deliveries", combine(results, "deliveries"), notes=notes),
        SheetSpec("Reserve", reserve, notes=notes),
        SheetSpec("Unmet", combine(results, "unmet"), notes=notes),
    ]
    if plan.explanation is not None:
        sheets += explanation_sheets(plan.explanation, currency)
    sheets += [
        SheetSpec("Mix", mix, formats={c: "#,##0.000" for c in mix.columns if c not in ("mineral", "stage", "period")}),
        SheetSpec("Run info", pd.DataFrame(run_info, columns=["item", "value"]), widths={"item": 28, "value": 70}),
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
                      "(unlimited_), the input's capacities (capacity_) and, where sheet production holds them, observed world "
                      "output (world_)."),
    ("Degeneracy", "Duals come from one optimal basis. Where the optimum is degenerate (ties between equally "
                   "cheap sources, limits that bind exactly at a corner) other bases give other, equally valid "
                   "values: a value_per_t is then exact only for a small loosening in one direction. Policy "
                   "costs are differences of optimal objectives and are always unique."),
    ("Units", "Quantities in tonnes of contained mineral; costs in the workbook's currency."),
]


def explanation_sheets(ex, currency: str) -> list[SheetSpec]:
    money = f"{currency} per t"
    notes = {"value_per_t": f"Objective decrease per t the limit is loosened ({money}); >= 0.",
             "value_per_share_point": f"Objective decrease per percentage point of loosening ({currency}).",
             "marginal_cost": f"Objective increase per extra t of demand ({money}).",
             "binding": "TRUE where the limit is met with equality.",
             "hhi": "Herfindahl-Hirschman index: sum of squared percentage shares (0-10,000)."}
    pct = {c: SHARE for c in ex.concentration.columns if c.endswith("top_share")}
    hhi = {c: "#,##0" for c in ex.concentration.columns if c.endswith("hhi") or c.endswith("countries")}
    return [
        SheetSpec("Policy costs", ex.policy_costs, notes=notes),
        SheetSpec("Shadow prices", ex.shadow_prices, notes=notes, formats={"share": SHARE, "limit": TONNES,
                                                                           "used": TONNES}),
        SheetSpec("Marginal costs", ex.marginal_costs, notes=notes),
        SheetSpec("Concentration", ex.concentration, notes=notes, formats={**pct, **hhi}),
        SheetSpec("Explain", pd.DataFrame(EXPLAIN_TEXT, columns=["sheet", "meaning"]),
                  widths={"sheet": 34, "meaning": 140}),
    ]


def frontier_sheets(frontier) -> list[SheetSpec]:
    """The workbook ``planner frontier`` writes: the curve, its charts and the run information."""
    from planner.api import package_versions
    from planner.charts import frontier_charts

    currency = frontier.data.settings.get("currency") or "USD"
    table = frontier.table
    summary = [
        ("status", "Optimal" if frontier.all_optimal else "Not optimal: see the status column of sheet Frontier"),
        ("steps", len(table)),
        ("currency", currency),
        ("input_file", frontier.input_path),
        ("note", "Each row re-solves the base plan with no country above max_share of the stage total in any "
                 "period, for that mineral and stage; the workbook's own share limits are off during the sweep. "
                 "extra_cost is the mineral's cost above the plan with no limit; extra_cost_per_point is the "
                 "cost of the last percentage point of tightening (the knees of the curve)."),
    ]
    notes = {"max_share": "Largest share of the stage total one country may hold, in every period.",
             "mineral_cost": f"Objective of the mineral at this cap ({currency}).",
             "extra_cost": f"mineral_cost minus its cost with no cap ({currency}).",
             "extra_cost_per_point": f"Extra cost per percentage point tightened since the previous step ({currency}).",
             "unmet_tonnes": "Demand for the mineral left unserved over all periods at this cap (t).",
             "largest_share": "Largest share any country holds in any period of the solved plan."}
    run_info = [("input_file", frontier.input_path), ("input_sha256", frontier.input_sha256)]
    run_info += [(f"model_{k}", v) for k, v in frontier.model_size.items()]
    run_info += [(f"{k}_seconds", round(v, 4)) for k, v in frontier.timings.items()]
    run_info += [(f"version_{k}", v) for k, v in package_versions().items()]
    return [
        SheetSpec("Summary", pd.DataFrame(summary, columns=["item", "value"]), widths={"item": 22, "value": 100}),
        SheetSpec("Frontier", table, notes=notes, formats={"max_share": SHARE, "largest_share": SHARE}),
        SheetSpec("Charts", pd.DataFrame({"Price of de-risking": [
            "Extra cost of each mineral and stage as the cap on any single country's share tightens "
            "(read right to left: 100% = no limit)."]}), widths={"Price of de-risking": 24},
            charts=[place_charts(frontier_charts("Frontier", table))]),
        SheetSpec("Run info", pd.DataFrame(run_info, columns=["item", "value"]), widths={"item": 28, "value": 70}),
    ]


def stress_sheets(report) -> list[SheetSpec]:
    """The workbook ``planner stress`` writes."""
    from planner.api import package_versions
    from planner.charts import sizing_charts
    from planner.stress import sizing_summary

    currency = report.data.settings.get("currency") or "USD"
    results = [report.base, *report.stressed]
    premium = report.data.settings.get("spot_premium")
    summary = [
        ("status", "Optimal" if report.all_optimal else "Not optimal: see the status columns"),
        ("total_cost", report.base.total_cost),
        ("currency", currency),
        ("scenarios", len(report.stressed)),
        ("spot_premium", premium),
        ("input_file", report.input_path),
        ("note", "The base plan's flows are contracts. Each scenario hits that plan from its first affected period "
                 "on: contracts are kept up to what remains available, extra supply is bought at (1 + spot_premium) "
                 "x the scenario's unit cost, reserves may fall below target and demand may go unmet."),
    ]
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
        SheetSpec("Summary", pd.DataFrame(summary, columns=["item", "value"]), widths={"item": 22, "value": 100},
                  formats={"value": ITEM_VALUE}),
        SheetSpec("Stress", report.stress_table, notes=notes),
        SheetSpec("Stress by mineral", report.by_mineral.drop(columns=["reserve_days"]), notes=notes),
    ]
    if report.sizing is not None:
        sizing = report.sizing
        wide = sizing.pivot_table(index=["scenario", "reserve_days"], columns="mineral",
                                  values="unmet_above_base_tonnes", aggfunc="sum", sort=False).reset_index()
        wide = wide[["scenario", "reserve_days", *[m for m in report.data.minerals if m in wide.columns]]]
        sheets += [
            SheetSpec("Reserve sizing", sizing_summary(sizing), notes=notes),
            SheetSpec("Sizing runs", sizing, notes=notes),
            SheetSpec("Sizing chart data", wide, formats={m: TONNES for m in report.data.minerals}),
            SheetSpec("Charts", pd.DataFrame({"Reserve sizing": [
                "Unmet demand beyond the base plan against the reserve target, per scenario and mineral: read off "
                "the smallest reserve that keeps each disruption from leaving demand unserved."]}),
                widths={"Reserve sizing": 24}, charts=[place_charts(sizing_charts("Sizing chart data", wide))]),
        ]
    sheets += [
        SheetSpec("Flows", combine(results, "flows"), notes=notes),
        SheetSpec("Refining", combine(results, "refining"), notes=notes),
        SheetSpec("Deliveries", combine(results, "deliveries"), notes=notes),
        SheetSpec("Reserve", combine(results, "reserve"), notes=notes),
        SheetSpec("Unmet", combine(results, "unmet"), notes=notes),
    ]
    run_info = [("input_file", report.input_path), ("input_sha256", report.input_sha256),
                ("scenarios", len(report.stressed))]
    run_info += [(f"model_{k}", v) for k, v in report.model_size.items()]
    run_info += [(f"{k}_seconds", round(v, 4)) for k, v in report.timings.items()]
    run_info += [(f"solve_seconds[{r.scenario}]", round(r.solve_seconds, 4)) for r in results]
    run_info += [(f"version_{k}", v) for k, v in package_versions().items()]
    sheets.append(SheetSpec("Run info", pd.DataFrame(run_info, columns=["item", "value"]),
                            widths={"item": 28, "value": 70}))
    return sheets


def sweep_sheets(report) -> list[SheetSpec]:
    """The workbook ``planner sweep`` writes."""
    from planner.api import package_versions
    from planner.charts import histogram_charts
    from planner.sweep import risk_drivers, risk_summary, sample_unmet_table, samples_table, unmet_histogram

    run = report.run
    currency = report.data.settings.get("currency") or "USD"
    long = sample_unmet_table(report.data, run.results)
    n_done = len(run.results)
    if run.partial:
        status = f"Partial: {n_done} of {len(report.samples)} samples finished before the run was stopped"
    elif report.all_optimal:
        status = "Optimal"
    else:
        status = "Not optimal: see the status column of sheet Samples"
    rate = n_done / run.seconds if run.seconds > 0 else None
    summary = [
        ("status", status),
        ("total_cost", report.base_total),
        ("currency", currency),
        ("seed", report.seed),
        ("samples", len(report.samples)),
        ("samples_solved", n_done),
        ("partial", run.partial),
        ("workers", run.workers),
        ("sample_seconds", round(run.seconds, 3)),
        ("samples_per_second", round(rate, 3) if rate else None),
        ("input_file", report.input_path),
        ("note", "Each sample draws, for every risk and period, whether the event starts (with the risk's "
                 "probability); it then hits the committed base plan like a stress test. The same seed gives "
                 "the same samples and results however many workers solve them."),
    ]
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
    hist = unmet_histogram(report.data, long)
    run_info = [("input_file", report.input_path), ("input_sha256", report.input_sha256)]
    run_info += [(f"model_{k}", v) for k, v in report.model_size.items()]
    run_info += [(f"{k}_seconds", round(v, 4)) for k, v in report.timings.items()]
    run_info += [(f"version_{k}", v) for k, v in package_versions().items()]
    return [
        SheetSpec("Summary", pd.DataFrame(summary, columns=["item", "value"]), widths={"item": 22, "value": 100},
                  formats={"value": ITEM_VALUE}),
        SheetSpec("Risk summary", risk_summary(report.data, long), notes=notes, formats={"p_any_unmet": SHARE}),
        SheetSpec("Risk drivers", risk_drivers(report.data, report.samples, run.results), notes=notes),
        SheetSpec("Charts", pd.DataFrame({"Unmet demand distribution": [
            "How many samples leave how much demand unmet, per mineral (all markets and periods together)."]}),
            widths={"Unmet demand distribution": 24},
            charts=[place_charts(histogram_charts("Unmet distribution", hist))]),
        SheetSpec("Samples", samples_table(run.results), notes=notes, widths={"risks drawn": 60}),
        SheetSpec("Sample unmet", long, notes=notes),
        SheetSpec("Unmet distribution", hist, formats={"share_of_samples": SHARE}),
        SheetSpec("Run info", pd.DataFrame(run_info, columns=["item", "value"]), widths={"item": 28, "value": 70}),
    ]

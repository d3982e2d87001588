"""Compose the output workbook's sheets from a Plan: which tables, in which order, with which notes."""

from __future__ import annotations

import pandas as pd

from planner.io.write import SheetSpec
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
    for stage in ("read", "validate", "build", "renumber", "solve", "results", "write"):
        if stage in plan.timings:
            run_info.append((f"{stage}_seconds", round(plan.timings[stage], 4)))
    for r in results:
        run_info.append((f"solve_seconds[{r.scenario}]", round(r.solve_seconds, 4)))
    run_info += [(f"version_{k}", v) for k, v in package_versions().items()]

    return [
        SheetSpec("Summary", pd.DataFrame(summary, columns=["item", "value"]), widths={"item": 22, "value": 60},
                  formats={"value": "#,##0.00"}),
        SheetSpec("Scenarios", scenarios_table(results), notes=notes),
        SheetSpec("Flows", combine(results, "flows"), notes=notes),
        SheetSpec("Refining", combine(results, "refining"), notes=notes),
        SheetSpec("Deliveries", combine(results, "deliveries"), notes=notes),
        SheetSpec("Reserve", combine(results, "reserve"), notes=notes),
        SheetSpec("Unmet", combine(results, "unmet"), notes=notes),
        SheetSpec("Run info", pd.DataFrame(run_info, columns=["item", "value"]), widths={"item": 28, "value": 70}),
    ]

"""One command's outcome from the outcomes of its independent blocks (minerals solved apart).

A block's tables hold its minerals' rows; the merged tables hold every block's, in the order the
joint solve would give them (scenario by scenario, minerals in sheet order), and the tables that
add over minerals (a scenario's cost, unmet demand, a hedge's expected cost) are their sums.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.analysis.compare import SCENARIO_COLUMNS
from planner.analysis.explain import who_pays
from planner.analysis.lshaped import merged_bounds
from planner.analysis.outcome import Outcome
from planner.analysis.plan import mix_table, plan_summary
from planner.analysis.results import capacity_built, noise_free
from planner.analysis.stress import STRESS_COLUMNS, sizing_chart_data, stress_summary_rows
from planner.input.data import PlannerInput
from planner.input.scenarios import apply_scenario, scenario_names
from planner.model.objective import COMPONENTS, OPTIONAL_COMPONENTS


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if f is not None]
    non_empty = [f for f in frames if len(f)]
    if not non_empty:
        return frames[0] if frames else pd.DataFrame()
    merged = pd.concat(non_empty, ignore_index=True)
    return merged


def reading_order(data: PlannerInput, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every table's rows scenario by scenario (base first), then mineral by mineral in sheet order.

    Within a scenario and mineral, rows keep the order their analysis gave them. The joint solve
    and the merged blocks both pass through here, so they list the same rows in the same order.
    """
    orders = {"scenario": {name: i for i, name in enumerate(scenario_names(data))},
              "mineral": {m: i for i, m in enumerate(data.minerals)}}
    ordered = {}
    for name, frame in tables.items():
        keys = [k for k, order in orders.items()
                if k in frame.columns and len(frame) and frame[k].isin(order).all()]
        if keys:
            frame = frame.sort_values(keys, key=lambda c: c.map(orders[c.name]), kind="stable").reset_index(drop=True)
        ordered[name] = frame
    return ordered


def concat_tables(data: PlannerInput, outcomes: list[Outcome], skip=()) -> dict[str, pd.DataFrame]:
    """Every table of the blocks, concatenated, in reading order."""
    names = list(dict.fromkeys(name for o in outcomes for name in o.tables))
    tables = {name: _concat([o.tables[name] for o in outcomes if name in o.tables])
              for name in names if name not in skip}
    return reading_order(data, tables)


def _failures(outcomes: list[Outcome]) -> list[str]:
    return list(dict.fromkeys(f for o in outcomes for f in o.failures))


def _worst(statuses) -> str:
    statuses = [s for s in statuses if isinstance(s, str)]
    return next((s for s in statuses if s != "Optimal"), "Optimal")


def merge_scenarios(data: PlannerInput, frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The Scenarios table of the whole plan from the blocks': costs and tonnes added, shares recomputed."""
    names = scenario_names(data)
    stacked = pd.concat(frames, ignore_index=True)
    numeric = [c for c in stacked.columns if c.endswith("_cost") or c in (
        "total_cost", "cost_change", "unmet_tonnes", "unmet_change", "economic_cost_change", "lost_value",
        "priced_out_tonnes", "reserve_drawn_tonnes")]
    texts = [c for c in stacked.columns if c not in numeric and c not in SCENARIO_COLUMNS]
    rows = []
    for name in names:
        part = stacked[stacked["scenario"] == name]
        row = {"scenario": name, "status": _worst(part["status"])}
        if row["status"] == "Optimal":
            for c in numeric:
                row[c] = float(pd.to_numeric(part[c], errors="coerce").sum())
            if "unmet_tonnes" in row:
                demand = sum(apply_scenario(data, name).demand.values())
                row["unmet_share"] = row["unmet_tonnes"] / demand if demand > 0 else 0.0
        for c in texts:
            values = part[c].dropna()
            row[c] = values.iloc[0] if len(values) else None
        rows.append(row)
    merged = pd.DataFrame(rows)
    base = merged.iloc[0]
    if "cost_change" in merged and "total_cost" in merged and base["status"] == "Optimal":
        for change in ("cost_change", "economic_cost_change"):
            if change in merged:
                merged[change] = [noise_free(c, t) if c == c else c
                                  for c, t in zip(merged[change], merged["total_cost"])]
        merged["cost_change_pct"] = merged["cost_change"] / base["total_cost"] if base["total_cost"] else np.nan
    return merged.reindex(columns=_scenario_columns(data, stacked.columns))


def _scenario_columns(data: PlannerInput, present) -> list[str]:
    """The joint table's column order: measures, top shares mineral by mineral, then cost components."""
    pairs = [f"{m} {s}" for m in data.minerals for s in ("supply", "refining")]
    costs = [f"{c}_cost" for c in (*COMPONENTS, *OPTIONAL_COMPONENTS)]
    known = SCENARIO_COLUMNS + pairs + costs
    return [c for c in known if c in present] + [c for c in present if c not in known]


def merge_plan(data: PlannerInput, outcomes: list[Outcome]) -> Outcome:
    tables = concat_tables(data, outcomes, skip=("scenarios", "mix", "capacity_built", "who_pays"))
    tables["scenarios"] = merge_scenarios(data, [o.tables["scenarios"] for o in outcomes])
    if "policy_costs" in tables:  # a rule spans blocks: its line sums every block's minerals
        tables["who_pays"] = who_pays(tables["policy_costs"], tables.get("market_bills", pd.DataFrame()))
    if "mix" in outcomes[0].tables:
        tables["mix"] = mix_table(tables["flows"], tables["refining"], list(data.minerals), list(data.periods))
    if "investments" in tables:
        base_builds = tables["investments"][tables["investments"]["scenario"] == "base"]
        tables["capacity_built"] = capacity_built(base_builds, list(data.minerals), list(data.periods))
    ordered = {name: tables[name] for name in outcomes[0].tables if name in tables}
    ordered.update({k: v for k, v in tables.items() if k not in ordered})
    return Outcome(ordered, plan_summary(ordered, "policy_costs" in ordered), _failures(outcomes))


def merge_stress(data: PlannerInput, outcomes: list[Outcome]) -> Outcome:
    tables = concat_tables(data, outcomes, skip=("stress", "scenarios", "sizing_chart_data"))
    stacked = pd.concat([o.tables["stress"] for o in outcomes], ignore_index=True)
    rows = []
    for name in list(data.scenarios):
        part = stacked[stacked["scenario"] == name]
        status = _worst(part["status"])
        row = {"scenario": name, "status": status, "first_period": part["first_period"].iloc[0]}
        for c in STRESS_COLUMNS:
            if c not in row and status == "Optimal":
                row[c] = float(pd.to_numeric(part[c], errors="coerce").sum())
        rows.append(row)
    tables["stress"] = pd.DataFrame(rows, columns=STRESS_COLUMNS)
    tables["scenarios"] = merge_scenarios(data, [o.tables["scenarios"] for o in outcomes])
    if "sizing_runs" in tables:
        tables["sizing_chart_data"] = sizing_chart_data(tables["sizing_runs"], list(data.minerals))
    ordered = {name: tables[name] for name in outcomes[0].tables if name in tables}
    base_total = sum(float(dict(o.summary)["total_cost"] or 0.0) for o in outcomes)
    return Outcome(ordered, stress_summary_rows(base_total, tables["stress"], data), _failures(outcomes))


def merge_frontier(data: PlannerInput, outcomes: list[Outcome]) -> Outcome:
    tables = concat_tables(data, outcomes)
    summary = dict(outcomes[0].summary)
    return Outcome(tables, [("scope", summary.get("scope")), ("steps", len(tables.get("frontier", [])))],
                   _failures(outcomes))


def merge_hedge(data: PlannerInput, outcomes: list[Outcome]) -> Outcome:
    tables = concat_tables(data, outcomes, skip=("scenarios", "hedge_costs", "capacity_built"))
    stacked = pd.concat([o.tables["scenarios"] for o in outcomes if "scenarios" in o.tables], ignore_index=True)
    # A sampled hedge's samples are drawn once, before the blocks split: every block lists the same risks drawn.
    drawn = {"risks drawn": ("risks drawn", "first")} if "risks drawn" in stacked.columns else {}
    scenarios = stacked.groupby("scenario", sort=False).agg(
        probability=("probability", "first"), total_cost=("total_cost", "sum"),
        cost_with_base_builds=("cost_with_base_builds", "sum"), hedging_saves=("hedging_saves", "sum"),
        **drawn).reset_index()
    tables["scenarios"] = scenarios
    costs = pd.concat([o.tables["hedge_costs"] for o in outcomes if "hedge_costs" in o.tables])
    tables["hedge_costs"] = costs.groupby("builds", sort=False)["expected_cost"].sum().reset_index()
    tables["capacity_built"] = capacity_built(tables.get("investments", pd.DataFrame()), list(data.minerals),
                                              list(data.periods))
    items = [dict(o.summary) for o in outcomes]
    backed = "; ".join(b for b in (i.get("projects_backed") for i in items) if b and b != "none") or "none"
    summary = [("expected_cost", sum(i["expected_cost"] for i in items) if all(i.get("expected_cost") is not None
                                                                                for i in items) else None),
               ("value_of_hedging", sum(i.get("value_of_hedging") or 0.0 for i in items)),
               ("expected_cost_with_base_builds", sum(i.get("expected_cost_with_base_builds") or 0.0 for i in items)),
               ("base_probability", items[0].get("base_probability")),
               ("projects_backed", backed), ("scenarios", items[0].get("scenarios")),
               *[(k, items[0][k]) for k in ("samples", "seed") if k in items[0]]]
    summary += merged_bounds(items)
    stock = [i["stock_bought"] for i in items if i.get("stock_bought") not in (None, "none")]
    if any("stock_bought" in i for i in items):
        summary.insert(5, ("stock_bought", "; ".join(stock) or "none"))
    ordered = {name: tables[name] for name in outcomes[0].tables if name in tables}
    return Outcome(ordered, summary, _failures(outcomes))

"""``planner stress``: replay each disruption against the committed base plan, and size reserves.

The base plan's flows F[m,c,r,t] become contracts. Before a scenario's first affected period
every variable keeps its base-plan value; from then on flow = kept + spot with kept <= F at the
base plan's unit cost and spot at (1 + spot_premium) x the scenario's unit cost, every other
variable and constraint as in the model with the scenario's factors, the reserve free to fall
below its target (shortfall) and demand free to go unmet, at their penalties.

One model serves every run: it is built once with a spot column beside every flow; the base
plan is solved with spot fixed at 0, and each stress test changes only bounds and costs and
re-solves from the base plan's basis.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from planner.analysis.outcome import Outcome
from planner.analysis.results import ScenarioResult, plan_tables, scenario_result, scenarios_table
from planner.input.data import PlannerInput
from planner.input.scenarios import BASE, apply_scenario, first_affected_period
from planner.model.build import Model, Numbers, numbers_for
from planner.model.objective import cost_components
from planner.runinfo import Stages

STRESS_COLUMNS = ["scenario", "status", "total_cost", "extra_cost", "unmet_tonnes", "shortfall_tonnes",
                  "first_period", "spot_tonnes", "reserve_drawn_tonnes", "unmet_above_base_tonnes"]
BY_MINERAL_COLUMNS = ["reserve_days", "scenario", "mineral", "status", "base_cost", "stress_cost", "extra_cost",
                      "base_holding_cost", "unmet_tonnes", "unmet_above_base_tonnes", "shortfall_tonnes",
                      "spot_tonnes", "reserve_drawn_tonnes"]


def stress_numbers(model: Model, base_data: PlannerInput, scenario_data: PlannerInput, base_x: np.ndarray,
                   first_period: str) -> Numbers:
    """The stress test's numbers: contracts from ``base_x``, the past fixed, the scenario from ``first_period``.

    Formulation
    -----------
    for t < t0: every column fixed at its base-plan value
    for t >= t0: 0 <= kept[m,c,r,t] <= F[m,c,r,t] at the base plan's unit cost,
                 spot[m,c,r,t] >= 0 at (1 + spot_premium) x the scenario's unit cost,
                 everything else as the scenario's model.
    """
    v = model.vars
    numbers = numbers_for(model, scenario_data)
    base_costs = cost_components(base_data, v, model.num_cols)
    flow_cols = np.fromiter(v.flow.values(), dtype=np.int64, count=len(v.flow))
    components = {k: a.copy() for k, a in numbers.components.items()}
    for name in ("supply", "route"):
        components[name][flow_cols] = base_costs[name][flow_cols]
    upper = numbers.col_upper.copy()
    lower = np.zeros(model.num_cols)
    contracts = np.clip(base_x[flow_cols], 0.0, None)
    upper[flow_cols] = contracts
    spot_cols = np.fromiter(v.spot.values(), dtype=np.int64, count=len(v.spot))
    upper[spot_cols] = np.inf
    order = base_data.period_index
    before = np.array([order[t] < order[first_period] for t in model.col_periods()], dtype=bool)
    fixed = np.clip(base_x[before], 0.0, None)
    lower[before] = fixed
    upper[before] = fixed
    return Numbers(np.sum(list(components.values()), axis=0), upper, numbers.row_rhs, components, lower)


def with_reserve_days(data: PlannerInput, days: float) -> PlannerInput:
    """The inputs with every reserve's target set to ``days`` days of demand in every period."""
    targets = {(m, d, t): (0.0, float(days)) for (m, d) in data.reserves for t in data.periods}
    return dataclasses.replace(data, targets=targets)


def stress_plan(model: Model, data: PlannerInput, session, stages: Stages,
                reserve_days: list[float] | None = None) -> Outcome:
    """Solve the base plan, stress it against every scenario, and (with ``reserve_days``) size reserves."""
    names = list(data.scenarios)
    progress = stages.progress
    if not names:
        progress.warn("the workbook has no scenarios: there is nothing to stress-test the base plan against")
    if reserve_days and not data.reserves:
        progress.warn("--reserve-days: the workbook has no rows on sheet 'reserve'; the sizing changes nothing")
    with stages.stage("solve"):
        base, stressed, rows = _stress_all(model, data, session, names, None, stages)
        sizing_rows = []
        for days in reserve_days or ():
            sized = with_reserve_days(data, days)
            _b, _s, day_rows = _stress_all(model, sized, session, names, days, stages)
            sizing_rows += day_rows
    with stages.stage("tables"):
        results = [base, *stressed]
        tables = {"scenarios": scenarios_table(results),  # the stress-tested totals, base first
                  "stress": pd.DataFrame([_stress_row(r) for r in stressed], columns=STRESS_COLUMNS),
                  "stress_by_mineral": pd.DataFrame(rows, columns=BY_MINERAL_COLUMNS).drop(columns=["reserve_days"])}
        if reserve_days:
            sizing = pd.DataFrame(sizing_rows, columns=BY_MINERAL_COLUMNS)
            tables["reserve_sizing"] = sizing_summary(sizing)
            tables["sizing_runs"] = sizing
            tables["sizing_chart_data"] = sizing_chart_data(sizing, list(data.minerals))
        tables.update(plan_tables(results))
    failures = [f"scenario {r.scenario}: {r.status}" for r in results if not r.optimal]
    if reserve_days:
        failures += [f"sizing {row[1]} {row[0]:g} days: {row[3]}" for row in sizing_rows if row[3] != "Optimal"]
    summary = [("total_cost", base.total_cost), ("scenarios", len(stressed)),
               ("spot_premium", data.settings.get("spot_premium"))]
    return Outcome(tables, summary, failures)


def _stress_all(model, data, session, names, days, stages: Stages):
    """Solve the base plan of ``data``, then stress it against every scenario; return results and rows."""
    label = "" if days is None else f" with {days:g}-day reserves"
    base_numbers = numbers_for(model, data)
    solution = session.solve(base_numbers)
    base = scenario_result(BASE, model, data, base_numbers, solution)
    stages.add("highs", solution.solve_seconds)
    stages.progress("stress", f"base plan{label}: {base.status}")
    stressed, rows = [], []
    if not solution.optimal:
        return base, stressed, [(days, BASE, m, base.status) + (np.nan,) * 9 for m in data.minerals]
    base_by_mineral = _by_mineral(model, base_numbers, solution.x, data)
    for i, name in enumerate(names, start=1):
        scenario_data = apply_scenario(data, name)
        first = first_affected_period(data, name)
        numbers = stress_numbers(model, data, scenario_data, solution.x, first)
        sol = session.solve(numbers)
        stages.add("highs", sol.solve_seconds)
        result = scenario_result(name, model, scenario_data, numbers, sol)
        result.measures["first_period"] = first
        if sol.optimal:
            result.measures.update(_stress_measures(model, data, sol.x, solution.x))
            result.measures["extra_cost"] = result.total_cost - base.total_cost
            stress_by_mineral = _by_mineral(model, numbers, sol.x, data)
            for m in data.minerals:
                b, s = base_by_mineral[m], stress_by_mineral[m]
                rows.append((days, name, m, sol.status, b["cost"], s["cost"], s["cost"] - b["cost"], b["holding"],
                             s["unmet"], max(0.0, s["unmet"] - b["unmet"]), s["shortfall"], s["spot"], s["drawn"]))
        else:
            rows += [(days, name, m, sol.status) + (np.nan,) * 9 for m in data.minerals]
        stressed.append(result)
        stages.progress("stress", f"scenario {i} of {len(names)} '{name}'{label} from {first}: {result.status}")
    # Start the next base solve from the base plan's own basis.
    session.solve(base_numbers)
    return base, stressed, rows


def _stress_measures(model, data, x, base_x) -> dict:
    v = model.vars
    spot = float(sum(x[c] for c in v.spot.values()))
    unmet = float(sum(x[c] for c in v.unmet.values()))
    base_unmet = float(sum(base_x[c] for c in v.unmet.values()))
    return {"spot_tonnes": spot, "reserve_drawn_tonnes": _drawn(model, data, x),
            "unmet_above_base_tonnes": max(0.0, unmet - base_unmet)}


def _drawn(model, data, x, mineral: str | None = None) -> float:
    """Tonnes taken out of reserves: the sum of every period's fall in stock."""
    v = model.vars
    total = 0.0
    for (m, d) in data.reserves:
        if mineral is not None and m != mineral:
            continue
        previous = data.reserves[(m, d)].initial_stock
        for t in data.periods:
            stock = x[v.stock[(m, d, t)]]
            total += max(0.0, previous - stock)
            previous = stock
    return total


def _by_mineral(model, numbers, x, data) -> dict[str, dict[str, float]]:
    v = model.vars
    minerals = model.col_minerals()
    out = {}
    for m in data.minerals:
        mask = minerals == m
        out[m] = {
            "cost": float(numbers.col_cost[mask] @ x[mask]),
            "holding": float(numbers.components["holding"][mask] @ x[mask]),
            "unmet": float(sum(x[c] for k, c in v.unmet.items() if k[0] == m)),
            "shortfall": float(sum(x[c] for k, c in v.shortfall.items() if k[0] == m)),
            "spot": float(sum(x[c] for k, c in v.spot.items() if k[0] == m)),
            "drawn": _drawn(model, data, x, m),
        }
    return out


def _stress_row(r: ScenarioResult) -> tuple:
    if r.status != "Optimal":
        return (r.scenario, r.status, None, None, None, None, r.measures.get("first_period"), None, None, None)
    unmet = float(r.tables["unmet"]["tonnes"].sum())
    shortfall = float(r.tables["reserve"]["shortfall"].sum()) if len(r.tables["reserve"]) else 0.0
    return (r.scenario, r.status, r.total_cost, r.measures["extra_cost"], unmet, shortfall, r.measures["first_period"],
            r.measures["spot_tonnes"], r.measures["reserve_drawn_tonnes"], r.measures["unmet_above_base_tonnes"])


def sizing_summary(sizing: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and mineral: the smallest reserve (days) that leaves no demand unmet beyond the base plan."""
    rows = []
    for (scenario, mineral), group in sizing.groupby(["scenario", "mineral"], sort=False):
        group = group.sort_values("reserve_days")
        ok = group[(group["status"] == "Optimal") & (group["unmet_above_base_tonnes"] <= 1e-6)]
        if len(ok):
            first = ok.iloc[0]
            rows.append((scenario, mineral, first["reserve_days"], first["base_holding_cost"],
                         group["unmet_above_base_tonnes"].iloc[0]))
        else:
            rows.append((scenario, mineral, np.nan, np.nan, group["unmet_above_base_tonnes"].iloc[0]))
    return pd.DataFrame(rows, columns=["scenario", "mineral", "smallest_reserve_days", "holding_cost_at_that_size",
                                       "unmet_at_fewest_days_tonnes"])


def sizing_chart_data(sizing: pd.DataFrame, minerals: list[str]) -> pd.DataFrame:
    """Unmet tonnes beyond the base plan, one row per (scenario, reserve days), a column per mineral."""
    wide = sizing.pivot_table(index=["scenario", "reserve_days"], columns="mineral",
                              values="unmet_above_base_tonnes", aggfunc="sum", sort=False).reset_index()
    return wide[["scenario", "reserve_days", *[m for m in minerals if m in wide.columns]]]

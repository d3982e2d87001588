"""One command's outcome from the outcomes of its independent blocks (minerals solved apart), and the tables
built from other tables once the outcome is whole.

Every table merges as ``planner/tables.py`` declares it. A table whose rows are each block's own (its
minerals') stacks the blocks' rows; a table whose every row each block lists (a scenario's cost, unmet
demand, a hedge's expected cost) combines the blocks' values of a row column by column: costs and tonnes
add, a status is the worst, a share is recomputed from the merged sums. A derived table (the base plan's
mix, who pays for each rule) is built from the whole tables once, after the merge or the joint solve
(``finished``), never per block. Rows come in the order the joint solve gives them: scenario by scenario,
minerals in sheet order.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from planner.analysis import spread
from planner.analysis.explain import who_pays
from planner.analysis.lshaped import merged_bounds
from planner.analysis.outcome import Outcome
from planner.analysis.plan import mix_table, plan_summary
from planner.analysis.results import capacity_built, noise_free
from planner.analysis.stress import sizing_chart_data, stress_summary_rows
from planner.input.data import PlannerInput
from planner.input.scenarios import BASE, apply_scenario, scenario_names
from planner.numbers import money_text
from planner.solver import OPTIMAL
from planner.tables import DERIVED, FIRST, OUTCOMES, RECOMPUTED, SHARED, SUM, WORST, Table, declared

Tables = dict[str, pd.DataFrame]


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if f is not None]
    non_empty = [f for f in frames if len(f)]
    if not non_empty:
        return frames[0] if frames else pd.DataFrame()
    return pd.concat(non_empty, ignore_index=True)


def reading_order(data: PlannerInput, tables: Tables) -> Tables:
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


def _failures(outcomes: list[Outcome]) -> list[str]:
    return list(dict.fromkeys(f for o in outcomes for f in o.failures))


def _worst(statuses) -> str:
    statuses = [s for s in statuses if isinstance(s, str)]
    return next((s for s in statuses if s != OPTIMAL), OPTIMAL)


def _sum(values: pd.Series) -> float:
    """The blocks' values added in block order; blank where a block's is blank (a part of the whole is missing:
    a block that did not solve, in a table with no status of its own to say so)."""
    return float(values.sum(min_count=len(values)))


def _first(values: pd.Series):
    values = values.dropna()
    return values.iloc[0] if len(values) else None


def combine_rows(table: Table, frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per key of ``table`` from the blocks' rows, each column combined by its declared rule.

    A row whose status (its WORST column) is not Optimal has no sums: a part of the whole is missing.
    Recomputed columns are left blank for ``RECOMPUTE``.
    """
    stacked = pd.concat(frames, ignore_index=True)
    keys = list(table.keys)
    rules = {c: table.column(c).combine for c in stacked.columns if c not in keys}
    sums = [c for c, rule in rules.items() if rule == SUM]
    if sums:  # a block that did not solve leaves blanks (None) in a column of numbers
        stacked[sums] = stacked[sums].apply(pd.to_numeric, errors="coerce")
    grouped = stacked.groupby(keys, sort=False, dropna=False)
    how = {SUM: _sum, WORST: _worst, FIRST: _first}
    combined = {c: grouped[c].agg(how[rule]) for c, rule in rules.items() if rule in how}
    merged = pd.DataFrame(combined, index=grouped.size().index).reset_index()
    status = next(iter(table.combined(WORST)), None)
    if status is not None:
        merged.loc[merged[status] != OPTIMAL, sums] = np.nan
    return merged.reindex(columns=table.order(stacked.columns))


def _scenario_ratios(data: PlannerInput, merged: pd.DataFrame) -> pd.DataFrame:
    """Scenarios' shares from the merged sums: unmet_share of each scenario's demand, cost_change_pct of the
    base plan's cost; the summed changes cleaned of the solver's noise against the merged total."""
    solved = merged["status"] == OPTIMAL
    demand = {name: sum(apply_scenario(data, name).demand.values()) for name in merged.loc[solved, "scenario"]}
    merged["unmet_share"] = [(u / demand[name] if demand[name] > 0 else 0.0) if ok else np.nan
                             for name, u, ok in zip(merged["scenario"], merged["unmet_tonnes"], solved)]
    base = merged.iloc[0]
    if base["status"] == OPTIMAL:
        for change in ("cost_change", "economic_cost_change"):
            merged[change] = [noise_free(c, t) if c == c else c for c, t in zip(merged[change], merged["total_cost"])]
        merged["cost_change_pct"] = merged["cost_change"] / base["total_cost"] if base["total_cost"] else np.nan
    return merged


# How each table with RECOMPUTED columns computes them from its merged rows (planner/tables.py declares which).
RECOMPUTE: dict[str, Callable[[PlannerInput, pd.DataFrame], pd.DataFrame]] = {"scenarios": _scenario_ratios}


def merge_tables(command: str, data: PlannerInput, outcomes: list[Outcome]) -> Tables:
    """Every table of the blocks' outcomes merged as declared, in reading order."""
    names = list(dict.fromkeys(name for o in outcomes for name in o.tables))
    merged = {}
    for name in names:
        table = declared(command, name)
        frames = [o.tables[name] for o in outcomes if name in o.tables]
        if table.rows == DERIVED:
            raise ValueError(f"planner {command}: table {name} is built after the merge, not by a block")
        if table.rows == SHARED:
            merged[name] = combine_rows(table, frames)
            if table.combined(RECOMPUTED):
                merged[name] = RECOMPUTE[table.name](data, merged[name])
        else:
            merged[name] = _concat(frames)
    return reading_order(data, merged)


def merge_plan(data: PlannerInput, outcomes: list[Outcome]) -> Outcome:
    tables = merge_tables("solve", data, outcomes)
    return Outcome(tables, plan_summary(tables, "policy_costs" in tables), _failures(outcomes))


def merge_stress(data: PlannerInput, outcomes: list[Outcome]) -> Outcome:
    tables = merge_tables("stress", data, outcomes)
    base_total = sum(float(dict(o.summary)["total_cost"] or 0.0) for o in outcomes)
    return Outcome(tables, stress_summary_rows(base_total, tables["stress"], data), _failures(outcomes))


def merge_frontier(data: PlannerInput, outcomes: list[Outcome]) -> Outcome:
    tables = merge_tables("frontier", data, outcomes)
    summary = dict(outcomes[0].summary)
    return Outcome(tables, [("scope", summary.get("scope")), ("steps", len(tables.get("frontier", [])))],
                   _failures(outcomes))


def merge_hedge(data: PlannerInput, outcomes: list[Outcome]) -> Outcome:
    tables = merge_tables("hedge", data, outcomes)
    items = [dict(o.summary) for o in outcomes]
    backed = "; ".join(b for b in (i.get("projects_backed") for i in items) if b and b != "none") or "none"
    summary = [("expected_cost", sum(i["expected_cost"] for i in items) if all(i.get("expected_cost") is not None
                                                                                for i in items) else None),
               ("value_of_hedging", sum(i.get("value_of_hedging") or 0.0 for i in items)),
               ("expected_cost_with_base_builds", sum(i.get("expected_cost_with_base_builds") or 0.0 for i in items)),
               ("expected_economic_cost", sum(i["expected_economic_cost"] for i in items)
                if all(i.get("expected_economic_cost") is not None for i in items) else None),
               ("expected_economic_cost_with_base_builds",
                sum(i.get("expected_economic_cost_with_base_builds") or 0.0 for i in items)),
               ("base_probability", items[0].get("base_probability")),
               ("projects_backed", backed), ("scenarios", items[0].get("scenarios")),
               *[(k, items[0][k]) for k in ("samples", "seed", "plans_written") if k in items[0]]]
    summary += merged_bounds(items)
    stock = [i["stock_bought"] for i in items if i.get("stock_bought") not in (None, "none")]
    if any("stock_bought" in i for i in items):
        after = next(k for k, (item, _v) in enumerate(summary) if item == "projects_backed") + 1
        summary.insert(after, ("stock_bought", "; ".join(stock) or "none"))
    return Outcome(tables, summary, _failures(outcomes))


# --- the derived tables, built once the tables they read are whole ---------------------------------------

def _mix(data: PlannerInput, tables: Tables) -> pd.DataFrame:
    return mix_table(tables["flows"], tables["refining"], list(data.minerals), list(data.periods))


def _base_plan_builds(data: PlannerInput, tables: Tables) -> pd.DataFrame:
    builds = tables["investments"]
    return capacity_built(builds[builds["scenario"] == BASE], list(data.minerals), list(data.periods))


def _every_plans_builds(data: PlannerInput, tables: Tables) -> pd.DataFrame:
    return capacity_built(tables["investments"], list(data.minerals), list(data.periods))


def _who_pays(data: PlannerInput, tables: Tables) -> pd.DataFrame:
    return who_pays(tables["policy_costs"], tables["market_bills"])


def _sizing_chart(data: PlannerInput, tables: Tables) -> pd.DataFrame:
    return sizing_chart_data(tables["sizing_runs"], list(data.minerals))


def _cost_spread(data: PlannerInput, tables: Tables) -> pd.DataFrame:
    return spread.cost_distribution(tables["scenarios"])


def _unmet_spread(data: PlannerInput, tables: Tables) -> pd.DataFrame:
    return spread.unmet_distribution(tables["scenarios"], tables["scenario_unmet"], list(data.minerals))


def _cost_histogram(data: PlannerInput, tables: Tables) -> pd.DataFrame:
    return spread.cost_histogram(tables["scenarios"], lambda amount: money_text(amount, ""))


# Each command's derived tables (planner/tables.py declares what each is built from). A plan's capacity is
# its base plan's builds; a hedge's, both sets of builds it compares.
DERIVE: dict[str, dict[str, Callable[[PlannerInput, Tables], pd.DataFrame]]] = {
    "solve": {"mix": _mix, "capacity_built": _base_plan_builds, "who_pays": _who_pays},
    "stress": {"sizing_chart_data": _sizing_chart},
    "hedge": {"capacity_built": _every_plans_builds, "hedge_cost_distribution": _cost_spread,
              "hedge_unmet_distribution": _unmet_spread, "hedge_cost_histogram": _cost_histogram},
}


# Each command's Summary items read off its derived tables: (the table, what it gives).
SUMMARIZE: dict[str, tuple[str, Callable[[pd.DataFrame], list]]] = {
    "hedge": ("hedge_cost_distribution", spread.tail_summary),
}


def finished_summary(command: str, summary: list, tables: Tables) -> list:
    """Summary's items with those read off the derived tables (``SUMMARIZE``: a hedge's 95th-percentile costs)."""
    table, items = SUMMARIZE.get(command, (None, None))
    return list(summary) + (items(tables[table]) if table in tables else [])


def finished(command: str, data: PlannerInput, tables: Tables) -> Tables:
    """``command``'s whole tables (the joint solve's, or the merged blocks'), with each derived table built
    where its sources are, rows in reading order and tables in the order the command declares them."""
    tables = dict(tables)
    for name, build in DERIVE.get(command, {}).items():
        if all(source in tables for source in declared(command, name).sources):
            tables[name] = build(data, tables)
    tables = reading_order(data, tables)
    order = OUTCOMES.get(command, {})
    return {**{name: tables[name] for name in order if name in tables},
            **{name: frame for name, frame in tables.items() if name not in order}}

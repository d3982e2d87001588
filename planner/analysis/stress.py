"""``planner stress``: replay each disruption against the committed base plan, and size reserves.

The base plan's flows F[m,c,r,t] become contracts. Before a scenario's first affected period
every variable keeps its base-plan value; from then on flow = kept + spot with kept <= F at the
base plan's unit cost and spot at (1 + spot_premium) x the scenario's unit cost, every other
variable and constraint as in the model with the scenario's factors, the reserve free to fall
below its target (shortfall) and demand free to go unmet, at their penalties.

One model serves every run: it is built once with a spot column beside every flow; the base
plan is solved with spot fixed at 0, and each stress test changes only bounds and costs and
re-solves from the base plan's basis. Each reserve size (``--reserve-days``) solves its own base
plan from the workbook's base plan, not from another size's, so the sizes may run on the run's
worker processes with the same answers.
"""

from __future__ import annotations

import contextlib
import dataclasses

import numpy as np
import pandas as pd

from planner.analysis.compare import compare_scenarios, economic_cost, priced_out_tonnes
from planner.analysis.measures import reserve_stock, stock_falls
from planner.analysis.outcome import Outcome
from planner.analysis.resolves import Start, own_session, solved_apart, solved_from, starting_point, worker_session
from planner.analysis.results import ScenarioResult, noise_free, plan_tables, scenario_result
from planner.input.data import MarketKey, PlannerInput, Target
from planner.input.scenarios import BASE, apply_scenario, first_affected_period, is_demand_shock
from planner.model.build import Model, Numbers, banned_columns, numbers_digest, numbers_for
from planner.model.objective import cost_components
from planner.runinfo import Stages
from planner.solver import Session, restored, solve_from, starting_basis
from planner.tables import TABLES

STRESS_COLUMNS = list(TABLES["stress"].columns)
BY_MINERAL_COLUMNS = ["reserve_days", "scenario", "mineral", "status", "base_cost", "stress_cost", "extra_cost",
                      "base_holding_cost", "unmet_tonnes", "unmet_above_base_tonnes", "shortfall_tonnes",
                      "spot_tonnes", "reserve_drawn_tonnes"]


def stress_numbers(model: Model, base_data: PlannerInput, scenario_data: PlannerInput, base_x: np.ndarray,
                   first_period: str, scenario_numbers: Numbers | None = None) -> Numbers:
    """The stress test's numbers: contracts from ``base_x``, the past fixed, the scenario from ``first_period``.

    Formulation
    -----------
    for t < t0: every column fixed at its base-plan value
    for t >= t0: 0 <= kept[m,c,r,t] <= F[m,c,r,t] at the base plan's unit cost,
                 spot[m,c,r,t] >= 0 at (1 + spot_premium) x the scenario's unit cost,
                 everything else as the scenario's model;
    every period: build[p,t] fixed at the base plan's (its builds are committed, none added);
    a route the scenario bans carries neither contract nor spot tonnes in the periods it is banned.
    """
    v = model.vars
    numbers = numbers_for(model, scenario_data) if scenario_numbers is None else scenario_numbers
    # The base plan's costs and each column's period are the same for every stress test of this model
    # (the cache holds base_data itself, so its id cannot be reused by another while cached).
    base_costs = model.derived(("base costs", id(base_data)),
                               lambda: (base_data, cost_components(base_data, v, model.num_cols)))[1]
    flow_cols = np.fromiter(v.flow.values(), dtype=np.int64, count=len(v.flow))
    components = {k: a.copy() for k, a in numbers.components.items()}
    for name in ("supply", "transport", "tariff"):
        components[name][flow_cols] = base_costs[name][flow_cols]
    upper = numbers.col_upper.copy()
    lower = np.zeros(model.num_cols)
    contracts = np.clip(base_x[flow_cols], 0.0, None)
    upper[flow_cols] = np.minimum(contracts, numbers.col_upper[flow_cols])  # 0 where the scenario bans the route
    spot_cols = np.fromiter(v.spot.values(), dtype=np.int64, count=len(v.spot))
    upper[spot_cols] = np.inf
    if scenario_data.lanes:
        upper[banned_columns(model, scenario_data)] = 0.0
    order = base_data.period_index
    col_period = model.derived("column period index", lambda: np.array([order[t] for t in model.col_periods()],
                                                                         dtype=np.int64))
    before = col_period < order[first_period]
    fixed = np.clip(base_x[before], 0.0, None)
    lower[before] = fixed
    upper[before] = fixed
    builds = np.fromiter(v.build.values(), dtype=np.int64, count=len(v.build))
    lower[builds] = upper[builds] = np.clip(base_x[builds], 0.0, 1.0)
    bought = np.fromiter(v.bought.values(), dtype=np.int64, count=len(v.bought))  # the stock bought is committed
    lower[bought] = upper[bought] = np.clip(base_x[bought], 0.0, None)
    return Numbers(np.sum(list(components.values()), axis=0), upper, numbers.row_rhs, components, lower,
                   numbers.coefficients, numbers.demand)


def with_reserve_days(data: PlannerInput, days: float) -> PlannerInput:
    """The inputs with every reserve's target set to ``days`` days of demand in every period."""
    targets = {MarketKey(m, d, t): Target(0.0, float(days)) for (m, d) in data.reserves for t in data.periods}
    return dataclasses.replace(data, targets=targets)


def stress_plan(model: Model, data: PlannerInput, session: Session, stages: Stages,
                reserve_days: list[float] | None = None) -> Outcome:
    """Solve the base plan, stress it against every scenario, and (with ``reserve_days``) size reserves."""
    names = list(data.scenarios)
    progress = stages.progress
    if not names:
        progress.warn("the workbook has no scenarios: there is nothing to stress-test the base plan against")
    if reserve_days and not data.reserves:
        progress.warn("--reserve-days: the workbook has no rows on sheet 'reserve'; the sizing changes nothing")
    with stages.stage("solve"):
        base, stressed, rows, start = _stress_all(model, data, session, names, None, stages)
        sizing_rows = _sizing_rows(model, data, session, names, reserve_days or [], start, stages)
    with stages.stage("tables"):
        results = [base, *stressed]
        tables = {"stress": pd.DataFrame([_stress_row(r) for r in stressed], columns=STRESS_COLUMNS),
                  "stress_by_mineral": pd.DataFrame(rows, columns=BY_MINERAL_COLUMNS).drop(columns=["reserve_days"])}
        if reserve_days:
            sizing = pd.DataFrame(sizing_rows, columns=BY_MINERAL_COLUMNS)
            tables["reserve_sizing"] = sizing_summary(sizing)
            tables["sizing_runs"] = sizing
        tables["scenarios"] = compare_scenarios(model, data, results)[0]
        tables.update(plan_tables(results))
    failures = [f"scenario {r.scenario}: {r.status}" for r in results if not r.optimal]
    if reserve_days:
        failures += [f"sizing {row[1]} {row[0]:g} days: {row[3]}" for row in sizing_rows if row[3] != "Optimal"]
    return Outcome(tables, stress_summary_rows(base.total_cost, tables["stress"], data), failures)


def stress_summary_rows(base_total: float | None, stress: pd.DataFrame, data: PlannerInput) -> list[tuple]:
    """The base plan's cost, and the disruption that costs the committed plan most, to the world (tariffs are
    transfers), as the plan's Summary ranks its scenarios."""
    summary = [("total_cost", base_total), ("scenarios", len(stress)),
               ("spot_premium", data.settings.get("spot_premium"))]
    solved = stress.dropna(subset=["economic_extra_cost"])
    shock = solved["scenario"].map(lambda name: is_demand_shock(data, name)).astype(bool)
    # A rise in demand is no disruption: the costliest of each is named apart, as the plan's answer does.
    for item, prefix, rows in (("worst_disruption", "its", solved[~shock]),
                               ("worst_demand_shock", "its_shock", solved[shock])):
        if len(rows):
            worst = rows.loc[rows["economic_extra_cost"].idxmax()]
            summary += [(item, worst["scenario"]), (f"{prefix}_extra_cost", worst["extra_cost"]),
                        (f"{prefix}_economic_extra_cost", worst["economic_extra_cost"]),
                        (f"{prefix}_unmet_above_base", worst["unmet_above_base_tonnes"])]
    return summary


def _stress_all(model, data, session, names, days, stages: Stages, start: Start | None = None):
    """Solve the base plan of ``data`` (from ``start``, else from where the session stands), then stress it
    against every scenario; return results, rows, and the base plan as a ``Start`` for other solves."""
    label = "" if days is None else f" with {days:g}-day reserves"
    base_numbers = numbers_for(model, data)
    solution = session.solve(base_numbers) if start is None else solved_from(session, base_numbers, start)
    base = scenario_result(BASE, model, data, base_numbers, solution)
    stages.add("highs", solution.solve_seconds)
    stages.progress("stress", f"{data.label}, base plan{label}: {base.status}")
    stressed, rows = [], []
    if not solution.optimal:
        return base, stressed, [(days, BASE, m, base.status) + (np.nan,) * 9 for m in data.minerals], Start()
    basis = starting_basis(session)
    base_start = starting_point(session, solution)
    base_by_mineral = _by_mineral(model, base_numbers, solution.x, data)
    base_key = numbers_digest(base_numbers)
    # The session is left on this base plan, its numbers and basis.
    with restored(session, base_numbers, basis), _builds_committed(session):
        for i, name in enumerate(names, start=1):
            result, scenario_rows = _stress_one(name, model, data, session, basis, solution, base, base_by_mineral,
                                                days, base_key)
            stages.add("highs", result.solution.solve_seconds)
            stressed.append(result)
            rows += scenario_rows
            stages.progress("stress", f"{data.label}, scenario {i} of {len(names)} '{name}'{label} from "
                                      f"{result.measures['first_period']}: {result.status}")
    return base, stressed, rows, base_start


def _sizing_rows(model, data, session, names, reserve_days: list[float], start: Start, stages: Stages
                 ) -> list[tuple]:
    """The rows by mineral of every reserve size, in order: ``_stress_all`` on the inputs with that many days'
    targets, each from the base plan (``start``) and not from another size's, so each may run here or on
    the run's workers (``solved_apart``) with the same answer (on an instance of its own where the model is
    mixed-integer, ``own_session``)."""
    pool = stages.pool if session.abilities.parallel else None  # a worker rebuilds a HiGHS session

    def here(days: float) -> tuple[list[tuple], float]:
        own = Stages(stages.progress)  # to count this size's HiGHS seconds
        rows = _stress_all(model, with_reserve_days(data, days), own_session(session), names, days, own, start)[2]
        stages.add("highs", own.seconds.get("highs", 0.0))
        return rows, own.seconds.get("highs", 0.0)

    shared = (model, data, names, session.time_limit, start.shipped())
    # Timed by its HiGHS seconds, as explain's re-solves: timed by its wall time (results too), the dataset's
    # sizes went to workers and the run was no faster on two shared cores (benchmarks/README.md).
    sized = solved_apart(list(reserve_days), here, _sized_chunk, shared, stages, pool, "reserve_sizing_runs",
                         "stress", data.label, "reserve sizes", seconds=lambda answer: answer[1])
    return [row for answer in sized for row in answer[0]]


def _sized_chunk(_state, job) -> list[tuple[int, tuple[list[tuple], float]]]:
    """In a worker: a fresh HiGHS session of the model, and each of the chunk's reserve sizes on it."""
    (model, data, names, time_limit, shipped), chunk = job
    session, start = worker_session(model, time_limit), Start.arrived(shipped)
    out = []
    for i, days in chunk:
        own = Stages()
        rows = _stress_all(model, with_reserve_days(data, days), own_session(session, threads=1), names, days, own,
                           start)[2]
        out.append((i, (rows, own.seconds.get("highs", 0.0))))
    return out


def _builds_committed(session: Session):
    """The stress tests fix every build at the base plan's: an LP, where the session can solve one."""
    return session.as_lp() if session.abilities.as_lp else contextlib.nullcontext()


def _stress_one(name: str, model, data, session, basis, solution, base, base_by_mineral, days, base_key: bytes
                ) -> tuple[ScenarioResult, list[tuple]]:
    """The base plan stressed against scenario ``name``: its result and its rows by mineral.

    A scenario that changes none of this program's numbers (``numbers_digest`` equal to the base's) leaves the
    committed plan optimal, its duals too: spot tonnes cost more than contracted ones and every other bound is
    the base's. The plan is then taken as it is. Solved again, HiGHS may return another optimum, and where that
    runs a reserve down on another path the report would read it as the disruption's draw."""
    scenario_data = apply_scenario(data, name)
    first = first_affected_period(data, name)
    scenario_numbers = numbers_for(model, scenario_data)
    numbers = stress_numbers(model, data, scenario_data, solution.x, first, scenario_numbers)
    if numbers_digest(scenario_numbers) == base_key:
        sol = dataclasses.replace(solution, solve_seconds=0.0, iterations=0)
    else:
        sol = solve_from(session, numbers, basis)
    result = scenario_result(name, model, scenario_data, numbers, sol)
    result.measures["first_period"] = first
    if not sol.optimal:
        return result, [(days, name, m, sol.status) + (np.nan,) * 9 for m in data.minerals]
    drawn = drawn_above_base(model, data, sol.x, solution.x)
    result.measures.update(_stress_measures(model, sol.x, solution.x))
    result.measures["reserve_drawn_tonnes"] = float(drawn.sum())
    result.measures["extra_cost"] = noise_free(result.total_cost - base.total_cost, result.total_cost)
    result.measures["economic_extra_cost"] = noise_free(economic_cost(result) - economic_cost(base), result.total_cost)
    result.measures["priced_out_tonnes"] = priced_out_tonnes(model, sol.x)
    stress_by_mineral = _by_mineral(model, numbers, sol.x, data)
    rows = []
    for m in data.minerals:
        b, s = base_by_mineral[m], stress_by_mineral[m]
        extra = noise_free(s["cost"] - b["cost"], s["cost"])
        rows.append((days, name, m, sol.status, b["cost"], s["cost"], extra, b["holding"], s["unmet"],
                     max(0.0, s["unmet"] - b["unmet"]), s["shortfall"], s["spot"],
                     float(drawn.get(m, 0.0))))
    return result, rows


def _stress_measures(model, x, base_x) -> dict:
    v = model.vars
    spot = float(sum(x[c] for c in v.spot.values()))
    unmet = float(sum(x[c] for c in v.unmet.values()))
    base_unmet = float(sum(base_x[c] for c in v.unmet.values()))
    return {"spot_tonnes": spot, "unmet_above_base_tonnes": max(0.0, unmet - base_unmet)}


def drawn_above_base(model: Model, data: PlannerInput, x: np.ndarray, base_x: np.ndarray) -> pd.Series:
    """Per mineral, the tonnes a disruption takes out of its reserves beyond what the base plan itself takes out:

        max(0, drawn[m](x) - drawn[m](base_x)),  drawn[m] = sum_t max(0, S[m,t-1] - S[m,t]),
        S[m,t] = sum_d stock[m,d,t]  (S[m,t0-1]: the initial stocks).

    A base plan that runs a reserve down (stock above target, cheaper than buying) draws it in every
    stress test too; that drawdown is the plan's, not the disruption's. The markets' stocks are summed
    first: which market's reserve carries the tonnes a plan moves from one year to the next is often a tie
    (the same holding cost, the same freight), and another optimum's choice is not the disruption's draw.
    Differences at the solver's noise are 0.
    """
    stressed, base = (stock_falls(reserve_stock(model, data, y).T.groupby(level="mineral", sort=False).sum().T)
                      for y in (x, base_x))
    extra = [max(0.0, noise_free(s - b, s)) for s, b in zip(stressed.to_numpy(), base.to_numpy())]
    return pd.Series(extra, index=stressed.index, dtype=float)


def _by_mineral(model, numbers, x, data) -> dict[str, dict[str, float]]:
    v = model.vars
    minerals = model.col_minerals()
    out = {}
    for m in data.minerals:
        mask = minerals == m
        out[m] = {
            "cost": float(numbers.col_cost[mask] @ x[mask]),
            "holding": float(numbers.components["holding"][mask] @ x[mask]),
            "unmet": float(sum(x[c] for (mm, _d, _t), c in v.unmet.items() if mm == m)),
            "shortfall": float(sum(x[c] for (mm, _d, _t), c in v.shortfall.items() if mm == m)),
            "spot": float(sum(x[c] for (mm, _o, _u, _t), c in v.spot.items() if mm == m)),
        }
    return out


def _stress_row(r: ScenarioResult) -> dict:
    """The scenario's row of Stress by column name: its measures (``_stress_one``), and its cost and totals where
    it solved."""
    row = {"scenario": r.scenario, "status": r.status, "first_period": r.measures.get("first_period")}
    if r.optimal:
        shortfall = float(r.tables["reserve"]["shortfall"].sum()) if len(r.tables["reserve"]) else 0.0
        row.update(r.measures, total_cost=r.total_cost, unmet_tonnes=float(r.tables["unmet"]["tonnes"].sum()),
                   shortfall_tonnes=shortfall)
    return row


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
    scenario_order = {s: i for i, s in enumerate(dict.fromkeys(sizing["scenario"]))}
    wide = wide.sort_values(["scenario", "reserve_days"], kind="stable",
                            key=lambda c: c.map(scenario_order) if c.name == "scenario" else c)
    return wide[["scenario", "reserve_days", *[m for m in minerals if m in wide.columns]]].reset_index(drop=True)

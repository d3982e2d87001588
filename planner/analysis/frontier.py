"""``planner frontier``: the price of de-risking, as a cap on one country's (or group's) share tightens.

For each chosen (mineral, stage) the cap on the scope's share of the stage total is swept from
1 (no limit) down to the lowest value that means anything: with scope ``*`` (any single
country) 1 / the number of countries able to take part, with a country or group 0 (none of
it). Every cap on the workbook's own shares sheet for that scope, mineral and stage is a point
of the curve too, and the summary reports them. The model is built once, with the cap rows in
it; each step changes only the cap's coefficients and re-solves from the basis of the plan without
limits, on its own (so the steps may run on worker processes). The
workbook's own share limits are switched off during the sweep, so the swept cap is the only
concentration limit and the curve starts from the unconstrained plan.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from planner.analysis.measures import mineral_costs, mineral_economic_costs, stage_tonnes
from planner.analysis.outcome import Outcome
from planner.analysis.resolves import Start, own_session, solved_apart, solved_from, worker_session
from planner.analysis.results import noise_free
from planner.errors import UsageError
from planner.input.data import PlannerInput
from planner.model.build import POLICIES, Model, Numbers, numbers_for
from planner.runinfo import Stages
from planner.solver import Solution, restored, solve_from, starting_basis

COLUMNS = ["mineral", "stage", "scope", "max_share", "status", "mineral_cost", "extra_cost", "extra_cost_per_point",
           "unmet_tonnes", "largest_share", "economic_cost", "extra_economic_cost"]
SUMMARY_COLUMNS = ["mineral", "stage", "scope", "max_share", "shares_rows", "extra_cost", "unmet_tonnes",
                   "largest_share"]


def cap_grid(floor: float, step: float, extra: tuple[float, ...] = ()) -> list[float]:
    """1, 1-step, 1-2 step, ... down to ``floor`` (always the last point), with the ``extra`` caps in place."""
    caps = []
    k = 0
    while True:
        cap = round(1.0 - k * step, 10)
        if cap <= floor + 1e-12:
            break
        caps.append(cap)
        k += 1
    caps.append(floor)
    caps += [round(c, 10) for c in extra if floor <= c <= 1.0]
    return sorted(set(caps), reverse=True)


def existing_caps(data: PlannerInput, mineral: str, stage: str, scope: str) -> dict[float, list[int]]:
    """max_share -> the shares rows that set it, for whole-plan rows on this scope, mineral and stage."""
    caps: dict[float, list[int]] = {}
    for rule in data.shares:
        if rule.stage == stage and rule.scope == scope and rule.mineral in (None, mineral) \
                and rule.max_share < 1.0 and getattr(rule, "market", None) is None:
            caps.setdefault(round(rule.max_share, 10), []).append(rule.row)
    return caps


def stage_floor(data: PlannerInput, mineral: str, stage: str, scope: str = "*") -> float | None:
    """The lowest cap: 1 / the largest number of countries with capacity at the stage in any period
    for scope ``*``, 0 for a country or group (None: no capacity at the stage)."""
    table = data.supply if stage == "supply" else data.refining
    counts: dict[str, int] = {}
    for (m, _c, t), row in table.items():
        if m == mineral and row[0] > 0:
            counts[t] = counts.get(t, 0) + 1
    n = max(counts.values(), default=0)
    if not n:
        return None
    return 1.0 / n if scope == "*" else 0.0


def frontier_pairs(data: PlannerInput, minerals: list[str] | None, stages: tuple[str, ...]) -> tuple:
    """The (mineral, stage) pairs to sweep: the chosen minerals (default all) at stages with capacity."""
    return tuple((m, s) for m in choose_minerals(data, minerals) for s in stages
                 if stage_floor(data, m, s) is not None)


def choose_scope(data: PlannerInput, scope: str | None) -> str:
    """``*`` (any single country), or the country code or group label as the countries sheet writes it."""
    if not scope or scope.strip() == "*":
        return "*"
    text = scope.strip()
    if text.upper() in data.country_set:
        return text.upper()
    for group in data.groups:
        if group.lower() == text.lower():
            return group
    raise UsageError(f"--scope {scope!r} is neither a country nor a group on sheet 'countries'; use *, a country "
                     f"code or one of: {', '.join(sorted(data.groups)) or '(no groups)'}")


def frontier_curve(model: Model, data: PlannerInput, session, stages: Stages, step: float = 0.05) -> Outcome:
    """Sweep the cap (on the scope the model was built with) of every (mineral, stage) it was built with.

    Every step is solved on its own: a linear one from the basis of the plan without limits, a
    mixed-integer one on a HiGHS instance of its own; here or on the run's workers (``solved_apart``),
    so no step's answer depends on another's, or on where it ran.
    """
    pairs, scope = tuple(model.frontier_cells), model.frontier_scope
    with stages.stage("solve"):
        numbers = numbers_for(model, data, relax=POLICIES["share_limits"])
        unlimited = session.solve(numbers)
        stages.add("highs", unlimited.solve_seconds)
        if not unlimited.optimal:
            table = pd.DataFrame([(m, s, scope, 1.0, unlimited.status) + (np.nan,) * 7 for m, s in pairs],
                                 columns=COLUMNS)
            return Outcome({"frontier": table}, [("steps", len(table))], [f"plan without limits {unlimited.status}"])
        base_cost = mineral_costs(model, numbers, unlimited.x)
        base_economic = mineral_economic_costs(model, numbers, unlimited.x)
        grids = {(m, s): cap_grid(stage_floor(data, m, s, scope), step, tuple(existing_caps(data, m, s, scope)))
                 for m, s in pairs}
        steps = [(m, s, cap) for m, s in pairs for cap in grids[(m, s)]]
        solutions = _solved_steps(model, session, numbers, steps, stages, data.label)
        rows, pair, previous = [], None, None
        for (m, s, cap), sol in zip(steps, solutions):
            if (m, s) != pair:  # a new curve: no step before it
                pair, previous = (m, s), None
            if sol.optimal:
                cost = float(mineral_costs(model, numbers, sol.x).get(m, 0.0))
                unmet = float(sum(sol.x[c] for (mm, _d, _t), c in model.vars.unmet.items() if mm == m))
                largest = _largest_share(model, data, sol.x, m, s, scope)
                extra = noise_free(cost - float(base_cost.get(m, 0.0)), cost)
                per_point = (np.nan if previous is None
                             else (cost - previous[1]) / max(1e-12, 100.0 * (previous[0] - cap)))
                per_point = noise_free(per_point, cost)
                economic = float(mineral_economic_costs(model, numbers, sol.x).get(m, 0.0))
                rows.append((m, s, scope, cap, sol.status, cost, extra, per_point, unmet, largest, economic,
                             noise_free(economic - float(base_economic.get(m, 0.0)), cost)))
                previous = (cap, cost)
            else:
                rows.append((m, s, scope, cap, sol.status) + (np.nan,) * 7)
    table = pd.DataFrame(rows, columns=COLUMNS)
    summary_table = frontier_summary(data, table, scope)
    failures = [f"{r.mineral} {r.stage} cap {r.max_share:.3f}: {r.status}" for r in table.itertuples()
                if r.status != "Optimal"]
    summary = [("scope", "any single country" if scope == "*" else scope), ("steps", len(table))]
    return Outcome({"frontier_summary": summary_table, "frontier": table}, summary, failures)


def capped(session, numbers: Numbers, cells: list[tuple[int, int]], cap: float, start: Start) -> Solution:
    """The plan of ``numbers`` with the cap at ``cap`` (``-cap`` at ``cells``), solved from ``start``; the cells
    back at 1 (no cap) after, so no step sees another's cap."""
    session.set_coefficients(cells, -cap)
    try:
        return solved_from(session, numbers, start)
    finally:
        session.set_coefficients(cells, -1.0)


def _solved_steps(model: Model, session, numbers: Numbers, steps: list[tuple], stages: Stages, label: str
                  ) -> list[Solution]:
    """``capped`` for each (mineral, stage, cap) of ``steps``, in order, from the basis the session holds (the
    plan without limits): here or on the run's workers, a mixed-integer step on an instance of its own
    (``own_session``). Leaves the session on ``numbers`` and that basis."""
    start = Start(basis=starting_basis(session))
    pool = stages.pool if session.abilities.parallel else None  # a worker rebuilds a HiGHS session
    n = len(steps)
    # The first step solved here is timed, to choose where the rest go; cap 1 is the plan without limits again
    # (no time from its own basis), so the first pair's floor, its hardest step, goes first.
    floor = next((i for i in range(n - 1) if steps[i + 1][:2] != steps[i][:2]), n - 1)
    order = [floor] + [i for i in range(n) if i != floor]

    def here(i: int) -> Solution:
        m, s, cap = steps[i]
        solution = capped(own_session(session), numbers, model.frontier_cells[(m, s)], cap, start)
        stages.add("highs", solution.solve_seconds)
        stages.progress("frontier", f"step {i + 1} of {n}: {m} {s} cap {cap:.3f}: {solution.status}")
        return solution

    shared = (model, numbers, session.time_limit, start.shipped(), steps)
    with restored(session, numbers, start.basis):
        answers = solved_apart(order, here, _capped_chunk, shared, stages, pool, "frontier_steps", "frontier",
                               label, "steps")
    solutions: list[Solution] = [None] * n  # type: ignore[list-item]
    for i, solution in zip(order, answers):
        solutions[i] = solution
    return solutions


def _capped_chunk(_state, job) -> list[tuple[int, Solution]]:
    """In a worker: a fresh HiGHS session of the model, and each of the chunk's steps on it."""
    (model, numbers, time_limit, shipped, steps), chunk = job
    session, start = worker_session(model, time_limit), Start.arrived(shipped)
    if start.basis is not None:
        # HiGHS keeps what its first linear solve learnt of the matrix (its scaling) for every later solve; this
        # process's first was the plan without limits, so the worker's is too (from its basis: no iterations),
        # or a step would end a rounding apart from the one made here.
        solve_from(session, numbers, start.basis)
    out = []
    for k, i in chunk:
        m, s, cap = steps[i]
        out.append((k, capped(own_session(session, threads=1), numbers, model.frontier_cells[(m, s)], cap, start)))
    return out


def frontier_summary(data: PlannerInput, table: pd.DataFrame, scope: str) -> pd.DataFrame:
    """The curve at every cap the workbook's own shares sheet sets for this scope, mineral and stage."""
    rows = []
    for (m, s), curve in table.groupby(["mineral", "stage"], sort=False):
        for cap, sheet_rows in sorted(existing_caps(data, m, s, scope).items(), reverse=True):
            at = curve[np.isclose(curve["max_share"], cap)]
            if at.empty:
                continue
            r = at.iloc[0]
            rows.append((m, s, scope, cap, ", ".join(str(x) for x in sheet_rows), r["extra_cost"], r["unmet_tonnes"],
                         r["largest_share"]))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _largest_share(model, data: PlannerInput, x, mineral: str, stage: str, scope: str) -> float:
    """The largest share any country holds in any period (scope ``*``), else the scope's largest share."""
    q = stage_tonnes(model, x)
    q = q[(q["mineral"] == mineral) & (q["stage"] == stage)]
    if scope != "*":
        q = q.assign(member=q["country"].isin(data.group_members(scope)))
        totals = q.groupby("period")["tonnes"].sum()
        held = q[q["member"]].groupby("period")["tonnes"].sum().reindex(totals.index, fill_value=0.0)
        shares = (held / totals.where(totals > 1e-9)).dropna()
        return float(shares.max()) if len(shares) else math.nan
    totals = q.groupby("period")["tonnes"].transform("sum")
    shares = (q["tonnes"] / totals.where(totals > 1e-9)).dropna()
    return float(shares.max()) if len(shares) else math.nan


def choose_minerals(data: PlannerInput, minerals: list[str] | None) -> list[str]:
    if not minerals:
        return list(data.minerals)
    lookup = {m.lower(): m for m in data.minerals}
    chosen = []
    for name in minerals:
        if name.lower() not in lookup:
            raise UsageError(f"--mineral {name!r} is not on sheet 'minerals'; choose from: {', '.join(data.minerals)}")
        chosen.append(lookup[name.lower()])
    return chosen

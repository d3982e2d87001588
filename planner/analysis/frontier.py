"""``planner frontier``: the price of de-risking, as a single-country cap tightens.

For each chosen (mineral, stage) the cap on any one country's share of the stage total is
swept from 1 (no limit) down to the lowest value at which the stage can still operate
(1 / the number of countries able to take part). The model is built once, with the cap rows
in it; each step changes only the cap's coefficients and re-solves from the previous basis.
The workbook's own share limits are switched off during the sweep, so the swept cap is the
only concentration limit and the curve starts from the unconstrained plan.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from planner.analysis.explain import mineral_costs, stage_tonnes
from planner.analysis.outcome import Outcome
from planner.analysis.results import noise_free
from planner.errors import UsageError
from planner.input.data import PlannerInput
from planner.model.build import POLICIES, Model, numbers_for
from planner.runinfo import Stages

COLUMNS = ["mineral", "stage", "max_share", "status", "mineral_cost", "extra_cost", "extra_cost_per_point",
           "unmet_tonnes", "largest_share"]


def cap_grid(floor: float, step: float) -> list[float]:
    """1, 1-step, 1-2 step, ... down to ``floor``, which is always the last point."""
    caps = []
    k = 0
    while True:
        cap = round(1.0 - k * step, 10)
        if cap <= floor + 1e-12:
            break
        caps.append(cap)
        k += 1
    caps.append(floor)
    return caps


def stage_floor(data: PlannerInput, mineral: str, stage: str) -> float | None:
    """1 / the largest number of countries with capacity at the stage in any period (None: none)."""
    table = data.supply if stage == "supply" else data.refining
    counts: dict[str, int] = {}
    for (m, _c, t), row in table.items():
        if m == mineral and row[0] > 0:
            counts[t] = counts.get(t, 0) + 1
    n = max(counts.values(), default=0)
    return 1.0 / n if n else None


def frontier_pairs(data: PlannerInput, minerals: list[str] | None, stages: tuple[str, ...]) -> tuple:
    """The (mineral, stage) pairs to sweep: the chosen minerals (default all) at stages with capacity."""
    return tuple((m, s) for m in choose_minerals(data, minerals) for s in stages
                 if stage_floor(data, m, s) is not None)


def frontier_curve(model: Model, data: PlannerInput, session, stages: Stages, step: float = 0.05) -> Outcome:
    """Sweep the single-country cap of every (mineral, stage) the model was built with."""
    pairs = tuple(model.frontier_cells)
    progress = stages.progress
    with stages.stage("solve"):
        numbers = numbers_for(model, data, relax=POLICIES["share_limits"])
        unlimited = session.solve(numbers)
        stages.add("highs", unlimited.solve_seconds)
        if not unlimited.optimal:
            table = pd.DataFrame([(m, s, 1.0, unlimited.status) + (np.nan,) * 5 for m, s in pairs], columns=COLUMNS)
            return Outcome({"frontier": table}, [("steps", len(table))], [f"plan without limits {unlimited.status}"])
        base_cost = mineral_costs(model, numbers, unlimited.x)
        rows = []
        total_steps = sum(len(cap_grid(stage_floor(data, m, s), step)) for m, s in pairs)
        done = 0
        for m, s in pairs:
            cells = model.frontier_cells[(m, s)]
            previous = None
            for cap in cap_grid(stage_floor(data, m, s), step):
                session.set_coefficients(cells, -cap)
                sol = session.solve()
                stages.add("highs", sol.solve_seconds)
                done += 1
                if sol.optimal:
                    cost = float(mineral_costs(model, numbers, sol.x).get(m, 0.0))
                    unmet = float(sum(sol.x[c] for (mm, _d, _t), c in model.vars.unmet.items() if mm == m))
                    largest = _largest_share(model, sol.x, m, s)
                    extra = noise_free(cost - float(base_cost.get(m, 0.0)), cost)
                    per_point = (np.nan if previous is None
                                 else (cost - previous[1]) / max(1e-12, 100.0 * (previous[0] - cap)))
                    per_point = noise_free(per_point, cost)
                    rows.append((m, s, cap, sol.status, cost, extra, per_point, unmet, largest))
                    previous = (cap, cost)
                else:
                    rows.append((m, s, cap, sol.status) + (np.nan,) * 5)
                progress("frontier", f"step {done} of {total_steps}: {m} {s} cap {cap:.3f}: {sol.status}")
            session.set_coefficients(cells, -1.0)
    table = pd.DataFrame(rows, columns=COLUMNS)
    failures = [f"{r.mineral} {r.stage} cap {r.max_share:.3f}: {r.status}" for r in table.itertuples()
                if r.status != "Optimal"]
    return Outcome({"frontier": table}, [("steps", len(table))], failures)


def _largest_share(model, x, mineral: str, stage: str) -> float:
    q = stage_tonnes(model, x)
    q = q[(q["mineral"] == mineral) & (q["stage"] == stage)]
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

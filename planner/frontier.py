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
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.api import file_sha256, load_inputs
from planner.data import PlannerInput
from planner.explain import mineral_costs, stage_quantities
from planner.model.build import POLICIES, build_model, numbers_for
from planner.progress import Progress
from planner.solve import HighsSession

STAGES = ("supply", "refining")
COLUMNS = ["mineral", "stage", "max_share", "status", "mineral_cost", "extra_cost", "extra_cost_per_point",
           "unmet_tonnes", "largest_share"]


@dataclass
class Frontier:
    input_path: str
    input_sha256: str
    data: PlannerInput
    table: pd.DataFrame
    model_size: dict
    timings: dict = field(default_factory=dict)

    @property
    def all_optimal(self) -> bool:
        return bool((self.table["status"] == "Optimal").all())


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


def run_frontier(path, minerals: list[str] | None = None, stages: tuple[str, ...] = STAGES, step: float = 0.05,
                 progress: Progress | None = None) -> Frontier:
    progress = progress or Progress(quiet=True)
    data = load_inputs(path, progress)
    timings = dict(data.timings)
    chosen = _choose_minerals(data, minerals)
    pairs = tuple((m, s) for m in chosen for s in stages if stage_floor(data, m, s) is not None)

    start = time.perf_counter()
    model = build_model(data, "frontier", frontier_pairs=pairs)
    timings["build"] = time.perf_counter() - start
    size = {"columns": model.num_cols, "rows": model.num_rows, "nonzeros": model.num_nonzeros}
    progress("build", f"{size['columns']:,} variables, {size['rows']:,} constraints with the cap rows")

    session = HighsSession(model, data.settings.get("time_limit"))
    numbers = numbers_for(model, data, relax=POLICIES["share_limits"])
    unlimited = session.solve(numbers)
    solve_s = unlimited.solve_seconds
    if not unlimited.optimal:
        table = pd.DataFrame([(m, s, 1.0, unlimited.status) + (np.nan,) * 5 for m, s in pairs], columns=COLUMNS)
        return Frontier(str(path), file_sha256(path), data, table, size, timings)
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
            solve_s += sol.solve_seconds
            done += 1
            if sol.optimal:
                cost = float(mineral_costs(model, numbers, sol.x).get(m, 0.0))
                unmet = float(sum(sol.x[c] for (mm, _d, _t), c in model.vars.unmet.items() if mm == m))
                largest = _largest_share(model, sol.x, m, s)
                extra = cost - float(base_cost.get(m, 0.0))
                extra = 0.0 if abs(extra) <= 1e-9 * max(1.0, abs(cost)) else extra  # solver noise
                per_point = (np.nan if previous is None
                             else (cost - previous[1]) / max(1e-12, 100.0 * (previous[0] - cap)))
                per_point = 0.0 if abs(per_point) <= 1e-9 * max(1.0, abs(cost)) else per_point
                rows.append((m, s, cap, sol.status, cost, extra, per_point, unmet, largest))
                previous = (cap, cost)
            else:
                rows.append((m, s, cap, sol.status) + (np.nan,) * 5)
            progress("frontier", f"step {done} of {total_steps}: {m} {s} cap {cap:.3f}: {sol.status}")
        session.set_coefficients(cells, -1.0)
    timings["solve"] = solve_s
    return Frontier(str(path), file_sha256(path), data, pd.DataFrame(rows, columns=COLUMNS), size, timings)


def _largest_share(model, x, mineral: str, stage: str) -> float:
    q = stage_quantities(model, x)
    q = q[(q["mineral"] == mineral) & (q["stage"] == stage)]
    totals = q.groupby("period")["tonnes"].transform("sum")
    shares = (q["tonnes"] / totals.where(totals > 1e-9)).dropna()
    return float(shares.max()) if len(shares) else math.nan


def _choose_minerals(data: PlannerInput, minerals: list[str] | None) -> list[str]:
    from planner.errors import UsageError

    if not minerals:
        return list(data.minerals)
    lookup = {m.lower(): m for m in data.minerals}
    chosen = []
    for name in minerals:
        if name.lower() not in lookup:
            raise UsageError(f"--mineral {name!r} is not on sheet 'minerals'; choose from: {', '.join(data.minerals)}")
        chosen.append(lookup[name.lower()])
    return chosen

"""Candidate projects: built once, in part or whole, and producing up to what stands."""

from planner.model.constraints._group import group
from planner.model.core import LE
from planner.model.keys import BuildKey, CapacityCell, ProjectKey


def _zero(data, key) -> float:
    return 0.0


def _one(data, key) -> float:
    return 1.0


def capacity_coefficient(data, cell: CapacityCell) -> float:
    """-capacity[p,t], the coefficient of build[p,tau] in project p's row of period t."""
    return -data.project_terms[(cell.project, cell.period)].capacity


def add_project_capacity(model, data, v) -> None:
    """A project produces at most its capacity times the share of it built so far.

    Formulation
    -----------
    for each candidate project p and period t it may stand in, with online[p,t] =
    sum_{tau <= t} build[p,tau]:
        sum_u flow[m,p,u,t] - capacity[p,t] * online[p,t] <= 0      (a mine)
        out[m,p,t] - capacity[p,t] * online[p,t] <= 0               (a refinery)
    capacity[p,t] is a coefficient a scenario may scale (a capacity factor on p's country).
    """
    if not v.build:
        return
    family = model.row_family("project_capacity", LE, _zero)
    coefficients = model.coefficient_family("project_capacity", capacity_coefficient)
    mined = group(((m, o, t), col) for (m, o, _u, t), col in v.sourced())
    builds = _builds(v)
    for name, p in sorted(data.projects.items()):
        built = builds.get(name, [])  # (tau, build[p,tau]) in period order
        for i, (t, _col) in enumerate(built):
            key = BuildKey(p.mineral, name, t)
            used = mined.get(key, []) if p.stage == "supply" else [v.out[key]]
            cells = [(CapacityCell(name, t, tau), col) for tau, col in built[:i + 1]]
            online = [(col, capacity_coefficient(data, cell)) for cell, col in cells]
            row = model.add_row(family, key, [(c, 1.0) for c in used] + online, 0.0)
            for cell, col in cells:
                model.add_coefficient(coefficients, cell, row, col)


def _builds(v) -> dict[str, list[tuple[str, int]]]:
    """project -> (period, its build column) for every period the project may be built in, in order."""
    builds: dict[str, list[tuple[str, int]]] = {}
    for key, col in v.build.items():
        builds.setdefault(key.project, []).append((key.period, col))
    return builds


def add_build_once(model, data, v) -> None:
    """A project is built at most once, whole.

    Formulation
    -----------
    for each candidate project p:
        sum_t build[p,t] <= 1
    """
    if not v.build:
        return
    family = model.row_family("build_once", LE, _one)
    for key, cols in group((ProjectKey(key.mineral, key.project), col) for key, col in v.build.items()).items():
        model.add_row(family, key, [(c, 1.0) for c in cols], 1.0)


def add_requires(model, data, v) -> None:
    """A project is online at most as far as the project it requires (spec, Version 3).

    Formulation
    -----------
    for each candidate project p with requires = q, and each period t that p may stand in:
        sum_{tau <= t} build[p,tau] - sum_{tau <= t} build[q,tau] <= 0      (online[p,t] <= online[q,t])
    A q that cannot stand in t yet (its first_period is later) is not online: p cannot be either.
    """
    if not v.build:
        return
    family = model.row_family("requires", LE, _zero)
    builds = _builds(v)
    order = data.period_index
    for name, p in sorted(data.projects.items()):
        if p.requires is None:
            continue
        for t, _col in builds.get(name, []):
            mine = [(col, 1.0) for tau, col in builds[name] if order[tau] <= order[t]]
            theirs = [(col, -1.0) for tau, col in builds.get(p.requires, []) if order[tau] <= order[t]]
            model.add_row(family, BuildKey(p.mineral, name, t), mine + theirs, 0.0)

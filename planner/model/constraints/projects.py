"""Candidate projects: built once, in part or whole, and producing up to what stands."""

from planner.model.constraints._group import group_by
from planner.model.core import LE


def _zero(data, key) -> float:
    return 0.0


def _one(data, key) -> float:
    return 1.0


def capacity_coefficient(data, key) -> float:
    """-capacity[p,t] x build[p,tau] in project p's row of period t (key (p, t, tau))."""
    return -data.project_terms[key[:2]][0]


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
    mined = group_by(v.sourced(), lambda k: (k[0], k[1], k[3]))
    builds = group_by(v.build.items(), lambda k: k[1])
    for name, p in sorted(data.projects.items()):
        cols = builds.get(name, [])
        starts = [key[2] for key in v.build if key[1] == name]
        for i, t in enumerate(starts):
            key = (p.mineral, name, t)
            used = mined.get(key, []) if p.stage == "supply" else [v.out[key]]
            online = [(cols[j], capacity_coefficient(data, (name, t, starts[j]))) for j in range(i + 1)]
            row = model.add_row(family, key, [(c, 1.0) for c in used] + online, 0.0)
            for j in range(i + 1):
                model.add_coefficient(coefficients, (name, t, starts[j]), row, cols[j])


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
    for (m, name), cols in group_by(v.build.items(), lambda k: (k[0], k[1])).items():
        model.add_row(family, (m, name), [(c, 1.0) for c in cols], 1.0)


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
    builds = {name: [(key[2], col) for key, col in v.build.items() if key[1] == name] for name in data.projects}
    order = data.period_index
    for name, p in sorted(data.projects.items()):
        if p.requires is None:
            continue
        for t, _col in builds[name]:
            mine = [(col, 1.0) for tau, col in builds[name] if order[tau] <= order[t]]
            theirs = [(col, -1.0) for tau, col in builds[p.requires] if order[tau] <= order[t]]
            model.add_row(family, (p.mineral, name, t), mine + theirs, 0.0)

"""Refining: output follows input through the yield, and stays within capacity."""

from planner.model.constraints._group import group
from planner.model.core import EQ, LE


def refining_balance_rhs(data, key) -> float:
    return 0.0


def refining_capacity_rhs(data, key) -> float:
    return data.refining[key].capacity


def site_yield(data, key) -> float:
    """Yield of a refining site (m, u, t): the refining row's, or the candidate project's."""
    _m, site, _t = key
    project = data.projects.get(site)
    return project.yield_ if project is not None else data.refining[key].yield_


def add_refining_balance(model, data, v) -> None:
    """Refined output is the yield times the raw input.

    Formulation
    -----------
    for each refining site u (a country's refining row, or a candidate refinery) of (m, t):
        out[m,u,t] - yield[m,u,t] * sum_o flow[m,o,u,t] = 0
    (in a stress test flow = kept + spot, and both columns appear)
    """
    family = model.row_family("refining_balance", EQ, refining_balance_rhs)
    inflows = group(((m, u, t), col) for (m, _o, u, t), col in v.sourced())
    for key, out_col in v.out.items():
        y = site_yield(data, key)
        terms = [(out_col, 1.0)] + [(c, -y) for c in inflows.get(key, ())]
        model.add_row(family, key, terms, 0.0)


def add_refining_capacity(model, data, v) -> None:
    """Refined output stays within refining capacity.

    Formulation
    -----------
    for each refining row (m, r, t):
        out[m,r,t] <= capacity[m,r,t]

    A row rather than a bound, so its dual (the value of more capacity) is reported directly.
    """
    family = model.row_family("refining_capacity", LE, refining_capacity_rhs)
    for key, out_col in v.out.items():
        if key in data.refining:
            model.add_row(family, key, [(out_col, 1.0)], refining_capacity_rhs(data, key))

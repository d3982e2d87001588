"""A share cap whose level is a parameter, for sweeping the price of de-risking."""

from planner.model.constraints.shares import stage_quantities, stage_total
from planner.model.core import LE
from planner.model.keys import CapKey


def _zero(data, key) -> float:
    return 0.0


def add_frontier_caps(model, data, v, pairs, scope: str = "*") -> dict[tuple, list[tuple[int, int]]]:
    """Cap rows for each (mineral, stage) in ``pairs``, every period.

    Formulation
    -----------
    for each (m, s) in pairs and period t; with scope ``*``, one row per country c with a
    quantity at stage s; with a country or group scope S, one row for S:
        q[m,c,t] - cap[m,s] * total[m,s,t] <= 0          (scope *)
        sum_{c in S} q[m,c,t] - cap[m,s] * total[m,s,t] <= 0
    built with cap = 1 (no limit); the sweep changes the coefficient of total[m,s,t] in
    these rows and re-solves, so the model is built once for the whole curve.

    Returns (m, s) -> [(row, total column)], the coefficients the sweep changes.
    """
    family = model.row_family("frontier_cap", LE, _zero)
    positions: dict[tuple, list[tuple[int, int]]] = {}
    quantities = {stage: stage_quantities(data, v, stage) for stage in ("supply", "refining")}
    members = None if scope == "*" else data.group_members(scope)
    for m, stage in pairs:
        q = quantities[stage]
        cells = positions.setdefault((m, stage), [])
        for t in data.periods:
            countries = q.get((m, t), {})
            if len(countries) == 0:
                continue
            total = stage_total(model, v, q, m, stage, t)
            if members is None:
                groups = [(c, countries[c]) for c in sorted(countries)]
            else:
                groups = [(scope, [col for c in members for col in countries.get(c, ())])]
            for name, cols in groups:
                cells.append((model.num_rows, total))
                model.add_row(family, CapKey(m, stage, name, t), [(col, 1.0) for col in cols] + [(total, -1.0)], 0.0)
    return positions

"""A single-country cap whose level is a parameter, for sweeping the price of de-risking."""

from planner.model.constraints.shares import stage_quantities, stage_total
from planner.model.core import LE


def _zero(data, key) -> float:
    return 0.0


def add_frontier_caps(model, data, v, pairs) -> dict[tuple, list[tuple[int, int]]]:
    """One cap row per country for each (mineral, stage) in ``pairs``, every period.

    Formulation
    -----------
    for each (m, s) in pairs, period t and country c with a quantity at stage s:
        q[m,c,t] - cap[m,s] * total[m,s,t] <= 0
    built with cap = 1 (no limit); the sweep changes the coefficient of total[m,s,t] in
    these rows and re-solves, so the model is built once for the whole curve.

    Returns (m, s) -> [(row, total column)], the coefficients the sweep changes.
    """
    family = model.row_family("frontier_cap", LE, _zero)
    positions: dict[tuple, list[tuple[int, int]]] = {}
    quantities = {stage: stage_quantities(v, stage) for stage in ("supply", "refining")}
    for m, stage in pairs:
        q = quantities[stage]
        cells = positions.setdefault((m, stage), [])
        for t in data.periods:
            countries = q.get((m, t), {})
            if len(countries) == 0:
                continue
            total = stage_total(model, v, q, m, stage, t)
            for c in sorted(countries):
                cells.append((model.num_rows, total))
                model.add_row(family, (m, stage, c, t), [(col, 1.0) for col in countries[c]] + [(total, -1.0)], 0.0)
    return positions

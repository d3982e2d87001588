"""Supply capacity: what an origin country can source per period."""

from planner.model.constraints._group import group
from planner.model.core import LE


def supply_capacity_rhs(data, key) -> float:
    return data.supply[key].capacity


def add_supply_capacity(model, data, v) -> None:
    """Raw tonnes sourced in a country stay within its capacity.

    Formulation
    -----------
    for each supply row (m, c, t) with at least one open route to a refiner:
        sum_u flow[m,c,u,t] <= capacity[m,c,t]
    (in a stress test flow = kept + spot, and both columns appear; a candidate project's mine
    has a capacity row of its own, see ``projects``)
    """
    family = model.row_family("supply_capacity", LE, supply_capacity_rhs)
    for key, cols in group(((m, o, t), col) for (m, o, _u, t), col in v.sourced()).items():
        if key in data.supply:
            model.add_row(family, key, [(c, 1.0) for c in cols], supply_capacity_rhs(data, key))

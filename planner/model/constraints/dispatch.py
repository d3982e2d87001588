"""Refinery dispatch: everything refined is delivered to some market."""

from planner.model.constraints._group import group
from planner.model.core import EQ


def dispatch_rhs(data, key) -> float:
    return 0.0


def add_dispatch(model, data, v) -> None:
    """A refiner ships all it produces.

    Formulation
    -----------
    for each refining row (m, r, t):
        sum_d ship[m,r,d,t] - out[m,r,t] = 0
    """
    family = model.row_family("dispatch", EQ, dispatch_rhs)
    shipped = group(((m, r, t), col) for (m, r, _d, t), col in v.ship.items())
    for key, out_col in v.out.items():
        model.add_row(family, key, [(c, 1.0) for c in shipped.get(key, ())] + [(out_col, -1.0)], 0.0)

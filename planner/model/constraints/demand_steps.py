"""Demand steps: unserved demand that answers to price, split into its core and its steps."""

from planner.model.constraints._group import group
from planner.model.core import EQ


def _zero(data, key) -> float:
    return 0.0


def add_demand_steps(model, data, v) -> None:
    """Unmet demand is its core plus the steps priced out.

    Formulation
    -----------
    for each (m, d, t) whose demand answers to price (an elasticity, or bid steps on demand_curve):
        unmet[m,d,t] - core[m,d,t] - sum_k priced_out[m,d,k,t] = 0
    with core[m,d,t] in [0, q_U] at the unmet penalty U and priced_out[m,d,k,t] in [0, w_k] at
    v_k, the step's average willingness to pay (``planner.input.demand_curves``); unmet itself
    costs nothing there. Since v_K < ... < v_1 < U, the tonnes valued least go first.
    """
    if not v.priced_out:
        return
    family = model.row_family("demand_steps", EQ, _zero)
    steps = group(((m, d, t), col) for (m, d, _k, t), col in v.priced_out.items())
    for key, cols in steps.items():
        terms = [(v.unmet[key], 1.0)] + [(c, -1.0) for c in cols]
        if key in v.core:
            terms.append((v.core[key], -1.0))
        model.add_row(family, key, terms, 0.0)

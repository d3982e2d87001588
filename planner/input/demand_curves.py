"""Demand that answers to price: each demand's unserved tonnes cut into steps of falling value.

A fixed demand row leaves every unserved tonne at the unmet penalty U. An elastic row (spec,
Version 3) follows the inverse demand curve P(q) = p0 (q / q0)^(1/e): its unserved tonnes are a
core of at most q_U t at U, where q_U = q0 (U / p0)^e is the quantity at which P reaches U, and
K steps of equal width w = (q0 - q_U) / K, step k worth its buyers' average willingness to pay

    v_k = (1 / w) x integral of P(q) dq from q_U + (k - 1) w to q_U + k w.

A ``demand_curve`` sheet writes the steps directly: tonnes at the price its buyers bid, no core.

Widths are kept as fractions of q0: a scenario that scales demand scales q0, and with it q_U
and every step, while the values stay (P depends on q / q0 only). So the model's structure
is the same in every scenario and only bounds change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class DemandCurve:
    """The unserved tonnes of one (mineral, market, period), as fractions of its demand q0.

    ``core`` (q_U / q0) is worth ``core_value`` (U) per t; step k is ``widths[k]`` of q0, worth
    ``values[k]`` per t, most valuable first. ``reference_price`` is p0 (None for bid steps).
    """

    core: float
    core_value: float
    widths: tuple[float, ...]
    values: tuple[float, ...]
    reference_price: float | None = None
    elasticity: float | None = None

    @property
    def steps(self) -> int:
        return len(self.widths)


def elastic_curve(elasticity: float, price: float, unmet_penalty: float, steps: int) -> DemandCurve | None:
    """The steps of an elastic demand row, or None where the row is fixed demand.

    A row is fixed where e = 0, p0 = 0 or U <= p0 (spec, Version 3). With a = 1/e and s = q / q0,
    the integral of P over [x, y] is p0 q0 / (a + 1) x (s_y^(a+1) - s_x^(a+1)) for a != -1 and
    p0 q0 ln(s_y / s_x) for a = -1; dividing by the width w = q0 (s_y - s_x) leaves q0 out.
    """
    e, p0, u = float(elasticity), float(price), float(unmet_penalty)
    if e == 0 or p0 <= 0 or u <= p0:
        return None
    core = (u / p0) ** e  # q_U / q0, in (0, 1) since U > p0 and e < 0
    width = (1.0 - core) / steps
    a = 1.0 / e
    values = []
    for k in range(1, steps + 1):
        lo, hi = core + (k - 1) * width, core + k * width
        if math.isclose(a, -1.0, rel_tol=0.0, abs_tol=1e-12):
            integral = p0 * math.log(hi / lo)
        else:
            integral = p0 / (a + 1.0) * (hi ** (a + 1.0) - lo ** (a + 1.0))
        values.append(integral / width)
    return DemandCurve(core, u, (width,) * steps, tuple(values), p0, e)


def bid_curve(bids: list[tuple[float, float]]) -> DemandCurve | None:
    """Steps as buyers bid them, (tonnes, price) each: served from the highest price down.

    None where the bids add up to no tonnes (there is nothing to leave unserved).
    """
    total = sum(t for t, _p in bids)
    if total <= 0:
        return None
    ordered = sorted((b for b in bids if b[0] > 0), key=lambda b: -b[1])
    return DemandCurve(0.0, 0.0, tuple(t / total for t, _p in ordered), tuple(p for _t, p in ordered))

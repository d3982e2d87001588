"""The objective as named cost components, one array over all columns per component."""

from __future__ import annotations

import numpy as np

from planner.input.data import PlannerInput
from planner.model.variables import Variables

COMPONENTS = ("supply", "route", "refining", "holding", "unmet", "shortfall")


def _gather(keys: list[tuple], table: dict, position: int) -> np.ndarray:
    """table[key][position] for each key, looking each distinct key up once."""
    distinct: dict[tuple, int] = {}
    index = np.fromiter((distinct.setdefault(k, len(distinct)) for k in keys), dtype=np.int64, count=len(keys))
    values = np.fromiter((table[k][position] for k in distinct), dtype=np.float64, count=len(distinct))
    return values[index] if len(keys) else np.zeros(0)


def _route_costs(data: PlannerInput, stage: str, pairs: list[tuple]) -> np.ndarray:
    cache: dict[tuple, float] = {}
    out = np.empty(len(pairs))
    for i, key in enumerate(pairs):
        cost = cache.get(key)
        if cost is None:
            cost = cache[key] = data.route_unit_cost(stage, *key)
        out[i] = cost
    return out


def cost_components(data: PlannerInput, v: Variables, num_cols: int) -> dict[str, np.ndarray]:
    """Unit cost of every column, split by component.

    Formulation
    -----------
    minimise  sum flow[m,c,r,t] * (supply_cost[m,c,t] + supply_route[c,r,m])      (supply, route)
            + sum out[m,r,t] * refining_cost[m,r,t]                                (refining)
            + sum ship[m,r,d,t] * delivery_route[r,d,m]                             (route)
            + sum stock[m,d,t] * holding_cost[m,d]                                  (holding)
            + sum unmet[m,d,t] * unmet_penalty[m]                                   (unmet)
            + sum shortfall[m,d,t] * shortfall_penalty[m,d]                         (shortfall)
            + sum spot[m,c,r,t] * (1 + spot_premium) * (supply_cost + supply_route)  (stress tests)
    where a route's unit cost is cost + tariff_rate * price (raw_price at supply, refined_price at delivery).
    """
    c = {name: np.zeros(num_cols) for name in COMPONENTS}
    flow_keys = list(v.flow)
    flow_cols = np.fromiter(v.flow.values(), dtype=np.int64, count=len(flow_keys))
    supply_cost = _gather([(m, o, t) for (m, o, r, t) in flow_keys], data.supply, 1)
    supply_route = _route_costs(data, "supply", [(o, r, m) for (m, o, r, t) in flow_keys])
    c["supply"][flow_cols] = supply_cost
    c["route"][flow_cols] = supply_route
    if v.spot:  # spot twins share the flows' keys, in the same order
        premium = 1.0 + float(data.settings.get("spot_premium") or 0.0)
        spot_cols = np.fromiter((v.spot[k] for k in flow_keys), dtype=np.int64, count=len(flow_keys))
        c["supply"][spot_cols] = premium * supply_cost
        c["route"][spot_cols] = premium * supply_route
    out_cols = np.fromiter(v.out.values(), dtype=np.int64, count=len(v.out))
    c["refining"][out_cols] = _gather(list(v.out), data.refining, 1)
    ship_cols = np.fromiter(v.ship.values(), dtype=np.int64, count=len(v.ship))
    c["route"][ship_cols] = _route_costs(data, "delivery", [(r, d, m) for (m, r, d, t) in v.ship])
    for (m, d, _t), col in v.stock.items():
        c["holding"][col] = data.reserves[(m, d)].holding_cost
    for (m, _d, _t), col in v.unmet.items():
        c["unmet"][col] = data.minerals[m].unmet_penalty
    for (m, d, _t), col in v.shortfall.items():
        c["shortfall"][col] = data.reserves[(m, d)].shortfall_penalty
    return c

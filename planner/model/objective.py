"""The objective as named cost components, one array over all columns per component."""

from __future__ import annotations

import numpy as np

from planner.data import PlannerInput
from planner.model.variables import Variables

COMPONENTS = ("supply", "route", "refining", "holding", "unmet", "shortfall")


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
    for (m, o, r, t), col in v.flow.items():
        c["supply"][col] = data.supply[(m, o, t)][1]
        c["route"][col] = data.route_unit_cost("supply", o, r, m)
    premium = 1.0 + float(data.settings.get("spot_premium") or 0.0)
    for (m, o, r, t), col in v.spot.items():
        c["supply"][col] = premium * data.supply[(m, o, t)][1]
        c["route"][col] = premium * data.route_unit_cost("supply", o, r, m)
    for (m, r, t), col in v.out.items():
        c["refining"][col] = data.refining[(m, r, t)][1]
    for (m, r, d, t), col in v.ship.items():
        c["route"][col] = data.route_unit_cost("delivery", r, d, m)
    for (m, d, t), col in v.stock.items():
        c["holding"][col] = data.reserves[(m, d)].holding_cost
    for (m, d, t), col in v.unmet.items():
        c["unmet"][col] = data.minerals[m].unmet_penalty
    for (m, d, t), col in v.shortfall.items():
        c["shortfall"][col] = data.reserves[(m, d)].shortfall_penalty
    return c

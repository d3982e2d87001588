"""The objective as named cost components, one array over all columns per component."""

from __future__ import annotations

import numpy as np

from planner.input.data import PlannerInput
from planner.model.variables import Variables

COMPONENTS = ("supply", "transport", "tariff", "refining", "holding", "unmet", "shortfall")
# Components that exist only where the inputs use them: soft share limits, candidate projects.
OPTIONAL_COMPONENTS = ("excess", "fixed", "purchase", "salvage")


def _site_costs(data: PlannerInput, v: Variables, name: str, keys, table: dict) -> np.ndarray:
    """Unit cost of each (m, site, t) ``keys()`` lists: the supply or refining row's, or the candidate project's."""
    distinct, index = v.indexed(name, keys)
    values = np.fromiter((data.project_terms[(s, t)].cost if s in data.projects else table[(m, s, t)].cost
                          for (m, s, t) in distinct), dtype=np.float64, count=len(distinct))
    return values[index] if len(index) else np.zeros(0)


def _route_costs(data: PlannerInput, v: Variables, stage: str, name: str, pairs) -> tuple[np.ndarray, np.ndarray]:
    """Unit cost of each (from site, to, mineral, period) route ``pairs()`` lists, as (transport, tariff).

    Transport is the route's ``cost``; the tariff is its tariff_rate x price plus a tariff
    measure's points x price in the scenario's periods. A route's cost depends on its countries
    and mineral (and a tariff measure's on the period): it is worked out once per distinct
    (countries, mineral[, period]) and gathered for every column.
    """
    country = data.site_country

    def routes():
        return [(country(a), b if stage == "delivery" else country(b), m) for (a, b, m, _t) in pairs()]

    distinct, index = v.indexed(f"{name} routes", routes)
    parts = np.array([data.route_cost_parts(stage, *key) for key in distinct], dtype=np.float64).reshape(-1, 2)
    transport = parts[index, 0] if len(index) else np.zeros(0)
    tariff = parts[index, 1] if len(index) else np.zeros(0)
    if data.lanes:  # a tariff measure adds its points of the price on its routes and periods
        def lanes():
            return [(country(a), b if stage == "delivery" else country(b), m, t) for (a, b, m, t) in pairs()]

        distinct, index = v.indexed(f"{name} lanes", lanes)
        points = np.fromiter((_tariff_points(data, stage, a, b, m, t) * data.price(stage, m)
                              for (a, b, m, t) in distinct), dtype=np.float64, count=len(distinct))
        tariff = tariff + points[index]
    return transport, tariff


def _tariff_points(data: PlannerInput, stage: str, a: str, b: str, m: str, t: str) -> float:
    """The tariff points the scenario's measures add on route a -> b for mineral m in period t."""
    _banned, points = data.lane_measures(stage, a, b, m, t)
    return points


def build_costs(data: PlannerInput, v: Variables) -> dict[int, float]:
    """Column -> fixed cost of building project p in tau: fixed_cost x capacity x the years from tau on."""
    costs = {}
    for (_m, name, tau), col in v.build.items():
        p = data.projects[name]
        years = sum(data.years[t] for t in data.periods[data.period_index[tau]:])
        costs[col] = p.fixed_cost * p.capacity * years
    return costs


def cost_components(data: PlannerInput, v: Variables, num_cols: int) -> dict[str, np.ndarray]:
    """Unit cost of every column, split by component.

    Formulation
    -----------
    minimise  sum flow[m,o,u,t] * (supply_cost[m,o,t] + supply_route[o,u,m,t])     (supply; transport, tariff)
            + sum out[m,u,t] * refining_cost[m,u,t]                                (refining)
            + sum ship[m,u,d,t] * delivery_route[u,d,m,t]                           (transport, tariff)
            + sum stock[m,d,t] * holding_cost[m,d]                                  (holding)
            + sum unmet[m,d,t] * unmet_penalty[m]          (unmet; where demand answers to price:
                  sum core[m,d,t] * U[m] + sum_k priced_out[m,d,k,t] * v_k[m,d,t] instead)
            + sum shortfall[m,d,t] * shortfall_penalty[m,d]                         (shortfall)
            + sum excess * penalty of its shares row                                (excess, soft limits)
            + sum_p sum_tau build[p,tau] * fixed_cost[p] * capacity[p] * sum_{t >= tau} years[t]
                                                                                    (fixed, projects)
            + sum spot[m,o,u,t] * (1 + spot_premium) * (supply_cost + supply_route)  (stress tests)
            + sum bought[m,d] * purchase_price[m,d] - stock[m,d,last] * salvage[m,d]  (purchase, salvage)
    where a route's unit cost is cost (transport) + tariff_rate * price (raw_price at supply,
    refined_price at delivery), plus a tariff scenario's points x price on its routes and periods
    (tariff: a transfer to the importer, kept apart so the economic cost can leave it out), and a site's
    costs are its country's rows or its candidate project's. The fixed term is
    sum_t fixed_cost x capacity x years[t] x online[p,t] with online[p,t] = sum_{tau <= t} build[p,tau].
    """
    c = {name: np.zeros(num_cols) for name in COMPONENTS}
    flow_cols = np.fromiter(v.flow.values(), dtype=np.int64, count=len(v.flow))
    supply_cost = _site_costs(data, v, "flow sites", lambda: [(m, o, t) for (m, o, _u, t) in v.flow], data.supply)
    transport, tariff = _route_costs(data, v, "supply", "flow", lambda: [(o, u, m, t) for (m, o, u, t) in v.flow])
    c["supply"][flow_cols] = supply_cost
    c["transport"][flow_cols] = transport
    c["tariff"][flow_cols] = tariff
    if v.spot:  # spot twins share the flows' keys, in the same order
        premium = 1.0 + float(data.settings.get("spot_premium") or 0.0)
        spot_cols = v.cache.get("spot columns")
        if spot_cols is None:
            spot_cols = v.cache["spot columns"] = np.fromiter((v.spot[k] for k in v.flow), dtype=np.int64,
                                                              count=len(v.flow))
        c["supply"][spot_cols] = premium * supply_cost
        c["transport"][spot_cols] = premium * transport
        c["tariff"][spot_cols] = premium * tariff
    out_cols = np.fromiter(v.out.values(), dtype=np.int64, count=len(v.out))
    c["refining"][out_cols] = _site_costs(data, v, "out sites", lambda: list(v.out), data.refining)
    ship_cols = np.fromiter(v.ship.values(), dtype=np.int64, count=len(v.ship))
    c["transport"][ship_cols], c["tariff"][ship_cols] = _route_costs(
        data, v, "delivery", "ship", lambda: [(u, d, m, t) for (m, u, d, t) in v.ship])
    for (m, d, _t), col in v.stock.items():
        c["holding"][col] = data.reserves[(m, d)].holding_cost
    for (m, d, t), col in v.unmet.items():  # demand that answers to price is valued by its core and steps
        c["unmet"][col] = 0.0 if (m, d, t) in data.curves else data.minerals[m].unmet_penalty
    for key, col in v.core.items():
        c["unmet"][col] = data.curves[key].core_value
    for (m, d, k, t), col in v.priced_out.items():
        c["unmet"][col] = data.curves[(m, d, t)].values[k]
    for (m, d, _t), col in v.shortfall.items():
        c["shortfall"][col] = data.reserves[(m, d)].shortfall_penalty
    if v.excess:
        penalties = {rule.row: rule.penalty for rule in data.shares}
        c["excess"] = np.zeros(num_cols)
        for key, col in v.excess.items():
            c["excess"][col] = penalties[key.row]
    if v.bought:  # stock bought up front at its price
        c["purchase"] = np.zeros(num_cols)
        for (m, d, _t), col in v.bought.items():
            c["purchase"][col] = data.reserves[(m, d)].purchase_price
    salvaged = [(key, r.salvage) for key, r in data.reserves.items() if r.salvage]
    if salvaged:  # what is left at the end is worth its salvage value
        c["salvage"] = np.zeros(num_cols)
        last = data.periods[-1]
        for (m, d), salvage in salvaged:
            if (m, d, last) in v.stock:
                c["salvage"][v.stock[(m, d, last)]] = -salvage
    if v.build:
        c["fixed"] = np.zeros(num_cols)
        for col, cost in build_costs(data, v).items():
            c["fixed"][col] = cost
    return c

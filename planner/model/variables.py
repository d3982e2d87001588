"""All variables of the spec, created sparsely over the keys that exist, in sorted order.

Structure comes from the base inputs: a scenario only changes numbers (a ban is a capacity
of 0, not a missing variable), so every scenario shares the base model's columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.input.data import PlannerInput
from planner.model.core import LinearProgram


@dataclass
class Variables:
    """Column index by key for each variable family."""

    flow: dict[tuple, int]  # (m, c, r, t)  raw tonnes sourced in c and refined in r
    out: dict[tuple, int]  # (m, r, t)  refined tonnes produced in r
    ship: dict[tuple, int]  # (m, r, d, t)  refined tonnes delivered from r to market d
    unmet: dict[tuple, int]  # (m, d, t)  demand left unserved
    stock: dict[tuple, int]  # (m, d, t)  reserve stock at the end of t
    shortfall: dict[tuple, int]  # (m, d, t)  reserve below its target
    stage_total: dict[tuple, int]  # (m, stage, t)  stage total, only where share rows need it
    spot: dict[tuple, int]  # (m, c, r, t)  stress tests only: tonnes bought beyond the contracts

    def sourced(self) -> list[tuple[tuple, int]]:
        """(key, column) of every column that carries raw tonnes from c to r: flow, then spot."""
        return [*self.flow.items(), *self.spot.items()]


def unmet_upper(data: PlannerInput, key: tuple) -> float:
    """unmet[m,d,t] <= demand[m,d,t] (0 in a period without a demand row)."""
    return data.demand.get(key, 0.0)


def stock_upper(data: PlannerInput, key: tuple) -> float:
    """stock[m,d,t] <= max_stock[m,d]."""
    return data.reserves[key[:2]].max_stock


def add_variables(model: LinearProgram, data: PlannerInput, spot: bool = False) -> Variables:
    """Create flow, out, ship, unmet, stock and shortfall where the spec creates them.

    With ``spot`` (stress tests), each flow gets a twin: flow is then the kept part of the
    contract (flow <= F) and spot the extra bought at the spot premium.
    """
    periods = data.periods
    origins: dict[tuple, list[str]] = {}
    refiners: dict[tuple, list[str]] = {}
    for (m, c, t) in data.supply:
        origins.setdefault((m, t), []).append(c)
    for (m, r, t) in data.refining:
        refiners.setdefault((m, t), []).append(r)

    flow_keys, out_keys, ship_keys = [], [], []
    is_open: dict[tuple, bool] = {}  # routes do not depend on the period: decide each pair once

    def open_route(stage, a, b, m):
        key = (stage, a, b, m)
        if key not in is_open:
            is_open[key] = data.route_unit_cost(stage, a, b, m) is not None
        return is_open[key]

    for m in data.minerals:
        markets = data.markets[m]
        for t in periods:
            rs = sorted(refiners.get((m, t), ()))
            for c in sorted(origins.get((m, t), ())):
                flow_keys.extend((m, c, r, t) for r in rs if open_route("supply", c, r, m))
            for r in rs:
                out_keys.append((m, r, t))
                ship_keys.extend((m, r, d, t) for d in markets if open_route("delivery", r, d, m))
    market_keys = [(m, d, t) for m in data.minerals for d in data.markets[m] for t in periods]
    reserve_keys = [k for k in market_keys if k[:2] in data.reserves]

    return Variables(
        flow=model.add_columns("flow", flow_keys),
        out=model.add_columns("out", out_keys),
        ship=model.add_columns("ship", ship_keys),
        unmet=model.add_columns("unmet", market_keys, lambda k: unmet_upper(data, k)),
        stock=model.add_columns("stock", reserve_keys, lambda k: stock_upper(data, k)),
        shortfall=model.add_columns("shortfall", reserve_keys),
        stage_total={},
        spot=model.add_columns("spot", flow_keys) if spot else {},
    )

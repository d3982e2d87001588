"""All variables of the spec, created sparsely over the keys that exist, in sorted order.

Structure comes from the base inputs: a scenario only changes numbers (a ban is a capacity
of 0 or a route's bound of 0, not a missing variable), so every scenario shares the base
model's columns.

Mines and refineries are *sites*: a country's existing capacity (the site is the country
code) or a candidate project (the site is the project's name, in its country). Flows run
from a supply site to a refining site over their countries' routes; outputs, deliveries and
the paths of chain-of-custody rules are kept per site, and count as their country's tonnes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from planner.input.data import PlannerInput
from planner.model.core import LinearProgram
from planner.model.keys import BuildKey, ExcessKey, MarketTotalKey, StageTotalKey


@dataclass
class Variables:
    """Column index by key for each variable family, the key shapes of ``planner.model.keys``.

    Families with a column per route, site, market or step hold plain tuples in their shape's
    order (read them by unpacking); those with a column per project or per total, the shape itself.
    """

    flow: dict[tuple, int]  # FlowKey (m, o, u, t): raw tonnes mined at site o and refined at site u
    out: dict[tuple, int]  # SiteKey (m, u, t): refined tonnes produced at site u
    ship: dict[tuple, int]  # DeliveryKey (m, u, d, t): refined tonnes delivered from site u to market d
    unmet: dict[tuple, int]  # MarketKey (m, d, t): demand left unserved
    stock: dict[tuple, int]  # MarketKey (m, d, t): reserve stock at the end of t
    shortfall: dict[tuple, int]  # MarketKey (m, d, t): reserve below its target
    stage_total: dict[StageTotalKey, int]  # stage total, only where share rows need it
    spot: dict[tuple, int]  # FlowKey (m, o, u, t): stress tests only, tonnes bought beyond the contracts
    build: dict[BuildKey, int] = field(default_factory=dict)  # share of project p built in t
    path: dict[tuple, int] = field(default_factory=dict)  # PathKey (m, o, u, d, t): flow o -> u destined for d
    market_total: dict[MarketTotalKey, int] = field(default_factory=dict)  # what market d receives
    excess: dict[ExcessKey, int] = field(default_factory=dict)  # tonnes beyond a soft share limit
    bought: dict[tuple, int] = field(default_factory=dict)  # MarketKey (m, d, t0): stock bought before t0
    core: dict[tuple, int] = field(default_factory=dict)  # MarketKey (m, d, t): unserved at the unmet penalty
    priced_out: dict[tuple, int] = field(default_factory=dict)  # StepKey (m, d, k, t): unserved of step k
    # Keys derived from the columns once per model (every scenario's numbers reuse them): see ``indexed``.
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    def keys_and_columns(self, family: str) -> tuple[list[tuple], np.ndarray]:
        """The keys of variable ``family`` (``flow``, ``ship`` ...) and their columns, made once per model."""
        hit = self.cache.get(("columns", family))
        if hit is None:
            index = getattr(self, family)
            hit = self.cache[("columns", family)] = (list(index), np.fromiter(index.values(), dtype=np.int64,
                                                                              count=len(index)))
        return hit

    def indexed(self, name: str, keys) -> tuple[list, np.ndarray]:
        """(distinct keys, each item's position among them) of the keys ``keys()`` lists, made once per model.

        A per-column number that depends on a few distinct keys (a route's cost on its countries and
        mineral, a site's cost on its row) is then computed once per distinct key and gathered.
        """
        hit = self.cache.get(name)
        if hit is None:
            items = keys()
            distinct: dict = {}
            index = np.fromiter((distinct.setdefault(k, len(distinct)) for k in items), dtype=np.int64,
                                count=len(items))
            hit = self.cache[name] = (list(distinct), index)
        return hit

    def sourced(self) -> list[tuple[tuple, int]]:
        """(key, column) of every column that carries raw tonnes from o to u: flow, then spot."""
        return [*self.flow.items(), *self.spot.items()]


def unmet_upper(data: PlannerInput, key: tuple) -> float:
    """unmet[m,d,t] <= demand[m,d,t] (0 in a period without a demand row)."""
    return data.demand.get(key, 0.0)


def core_upper(data: PlannerInput, key: tuple) -> float:
    """core[m,d,t] <= q_U[m,d,t] (the curve's core share of the scenario's demand)."""
    return data.curves[key].core * data.demand.get(key, 0.0)


def step_upper(data: PlannerInput, key: tuple) -> float:
    """priced_out[m,d,k,t] <= w_k[m,d,t] (step k's share of the scenario's demand)."""
    m, d, k, t = key
    return data.curves[(m, d, t)].widths[k] * data.demand.get((m, d, t), 0.0)


def bought_upper(data: PlannerInput, key: tuple) -> float:
    """initial_stock + bought[m,d] <= max_stock[m,d]: the stock before the first period within its limit."""
    m, d, _t = key
    reserve = data.reserves[(m, d)]
    return max(0.0, reserve.max_stock - reserve.initial_stock)


def stock_upper(data: PlannerInput, key: tuple) -> float:
    """stock[m,d,t] <= max_stock[m,d]."""
    m, d, _t = key
    return data.reserves[(m, d)].max_stock


def build_upper(data: PlannerInput, key: BuildKey) -> float:
    """build[m,p,t] <= 1 (a project is built once, whole or in part)."""
    return 1.0


def sites(data: PlannerInput, stage: str) -> dict[tuple, list[str]]:
    """(m, t) -> the sites of a stage: countries with capacity (sorted), then projects that may stand in t."""
    table = data.supply if stage == "supply" else data.refining
    found: dict[tuple, list[str]] = {}
    for (m, c, t) in table:
        found.setdefault((m, t), []).append(c)
    for key in found:
        found[key].sort()
    for name in sorted(data.projects):
        p = data.projects[name]
        if p.stage != stage:
            continue
        for t in data.periods[data.period_index[p.first_period]:]:
            found.setdefault((p.mineral, t), []).append(name)
    return found


def add_variables(model: LinearProgram, data: PlannerInput, spot: bool = False) -> Variables:
    """Create flow, out, ship, unmet, stock, shortfall (build for projects, core and priced_out for demand
    that answers to price) where the spec creates them.

    With ``spot`` (stress tests), each flow gets a twin: flow is then the kept part of the
    contract (flow <= F) and spot the extra bought at the spot premium.
    """
    periods = data.periods
    origins, refiners = sites(data, "supply"), sites(data, "refining")
    flow_keys, out_keys, ship_keys = [], [], []
    is_open: dict[tuple, bool] = {}  # routes do not depend on the period: decide each pair once

    def open_route(stage, a, b, m):
        key = (stage, a, b, m)
        if key not in is_open:
            is_open[key] = data.route_unit_cost(stage, a, b, m) is not None
        return is_open[key]

    country = data.site_country
    for m in data.minerals:
        markets = data.markets[m]
        for t in periods:
            us = refiners.get((m, t), ())
            for o in origins.get((m, t), ()):
                flow_keys.extend((m, o, u, t) for u in us if open_route("supply", country(o), country(u), m))
            for u in us:
                out_keys.append((m, u, t))
                ship_keys.extend((m, u, d, t) for d in markets if open_route("delivery", country(u), d, m))
    market_keys = [(m, d, t) for m in data.minerals for d in data.markets[m] for t in periods]
    reserve_keys = [(m, d, t) for (m, d, t) in market_keys if (m, d) in data.reserves]
    curve_keys = [k for k in market_keys if k in data.curves]
    core_keys = [k for k in curve_keys if data.curves[k].core > 0]
    step_keys = [(m, d, k, t) for (m, d, t) in curve_keys for k in range(data.curves[(m, d, t)].steps)]
    reserved = set(reserve_keys)
    bought_keys = [(m, d, periods[0]) for (m, d), r in data.reserves.items()
                   if r.purchase_price is not None and (m, d, periods[0]) in reserved]
    build_keys = [BuildKey(p.mineral, name, t) for name, p in sorted(data.projects.items())
                  for t in periods[data.period_index[p.first_period]:]]

    return Variables(
        flow=model.add_columns("flow", flow_keys),
        out=model.add_columns("out", out_keys),
        ship=model.add_columns("ship", ship_keys),
        unmet=model.add_columns("unmet", market_keys, lambda k: unmet_upper(data, k)),
        stock=model.add_columns("stock", reserve_keys, lambda k: stock_upper(data, k)),
        shortfall=model.add_columns("shortfall", reserve_keys),
        stage_total={},
        spot=model.add_columns("spot", flow_keys) if spot else {},
        build=model.add_columns("build", build_keys, lambda k: build_upper(data, k),
                                lambda k: data.projects[k.project].integer) if build_keys else {},
        bought=model.add_columns("bought", bought_keys, lambda k: bought_upper(data, k)) if bought_keys else {},
        core=model.add_columns("core", core_keys, lambda k: core_upper(data, k)) if core_keys else {},
        priced_out=model.add_columns("priced_out", step_keys, lambda k: step_upper(data, k)) if step_keys else {},
    )

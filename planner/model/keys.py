"""The keys of the model's columns and rows: one named tuple per key shape, mineral first and period last.

A family's key says what one of its variables or rows stands for (``flow[Li, AUS, CHN, 2026]``:
lithium mined in Australia and refined in China in 2026). Each key shape is declared here once,
as a named tuple, and ``FAMILY_KEYS`` says which shape each family's keys have:

    FlowKey(mineral, origin, refiner, period)        flow, spot; rows path_flow
    SiteKey(mineral, site, period)                   out; rows supply_capacity, refining_balance,
                                                     refining_capacity, dispatch
    DeliveryKey(mineral, refiner, market, period)    ship; rows path_ship
    MarketKey(mineral, market, period)               unmet, stock, shortfall, core, bought (at the
                                                     first period); rows market_balance,
                                                     demand_steps, reserve_target
    StepKey(mineral, market, step, period)           priced_out
    PathKey(mineral, origin, refiner, market, period)  path
    BuildKey(mineral, project, period)               build; rows project_capacity, requires
    ProjectKey(mineral, project)                     rows build_once
    StageTotalKey(mineral, stage, period)            stage_total, and its row
    MarketTotalKey(mineral, stage, market, period)   market_total, and its row
    ExcessKey(mineral, row, stage, scope, market, bound, period)  excess
    ShareKey(row, mineral, stage, scope, period, market)          rows share_max, share_min
    CapKey(mineral, stage, scope, period)            rows frontier_cap
    ByproductKey(mineral, row, host, country, period)  rows byproduct
    BudgetKey(row, name)                             rows budget
    CapacityCell(project, period, built)             coefficients project_capacity

``SiteKey`` and ``MarketKey`` are the input's own keys (``planner.input.data``). ``ShareKey``
keeps the order it had before the other keys had names (the shares-sheet row first, the market
last), because ``planner.analysis.explain`` still reads share rows by position.

Plain tuples in the hot path, named at the boundary (measured). The first six shapes above, a
key per route, site, market, period or demand step, are made as plain tuples in their shape's
field order, one per column or row; the rest, a key per shares, budgets or byproducts row, per
project or per total, are made as the named tuple. A named tuple costs more than its making
(300 ns a key through the class, 150 ns through ``tuple.__new__``, 40 ns for a plain tuple):
CPython's garbage collector stops tracking a plain tuple of labels but never a tuple subclass, so
each of its passes walks every named key made so far, and unpacking one takes a slower path. On a
generated world of 8 minerals (149k columns, 78k rows; Python 3.11, CPU seconds, best of 5 on a
loaded machine) the build took 0.72-0.78 s with plain tuples and 1.20-1.24 s with named keys made
through ``tuple.__new__``; pausing the collector in the build brought that to 0.63 s, but moved its
passes into the numbers check that follows (0.45 -> 0.56-0.59 s). So code reads a key by
unpacking it into names (``for (m, o, u, t), col in v.flow.items()``), as the model's code does
throughout, and where one key is looked at on its own (a problem's message) names it with
``named(kind, family, key)``. A plain tuple and its named tuple are equal and hash alike, so
either finds a column or row.
"""

from __future__ import annotations

from typing import NamedTuple

from planner.input.data import MarketKey, SiteKey

__all__ = [
    "FAMILY_KEYS", "BudgetKey", "BuildKey", "ByproductKey", "CapKey", "CapacityCell", "DeliveryKey", "ExcessKey",
    "FlowKey", "MarketKey", "MarketTotalKey", "PathKey", "ProjectKey", "ShareKey", "SiteKey", "StageTotalKey",
    "StepKey", "named",
]


class FlowKey(NamedTuple):
    """Raw tonnes of a mineral mined at site ``origin`` and refined at site ``refiner`` in a period."""

    mineral: str
    origin: str
    refiner: str
    period: str


class DeliveryKey(NamedTuple):
    """Refined tonnes of a mineral delivered from site ``refiner`` to ``market`` in a period."""

    mineral: str
    refiner: str
    market: str
    period: str


class StepKey(NamedTuple):
    """Step ``step`` (0 the most valued) of the demand of a mineral in a market that answers to price."""

    mineral: str
    market: str
    step: int
    period: str


class BuildKey(NamedTuple):
    """A candidate project of a mineral in a period: the share of it built then, and its rows of that period."""

    mineral: str
    project: str
    period: str


class ProjectKey(NamedTuple):
    """A candidate project of a mineral over the whole horizon."""

    mineral: str
    project: str


class PathKey(NamedTuple):
    """Raw tonnes mined at ``origin`` and refined at ``refiner`` that reach ``market`` (a ruled market)."""

    mineral: str
    origin: str
    refiner: str
    market: str
    period: str


class StageTotalKey(NamedTuple):
    """The whole plan's tonnes of a mineral at a stage (supply or refining) in a period."""

    mineral: str
    stage: str
    period: str


class MarketTotalKey(NamedTuple):
    """What ``market`` receives of a mineral at a stage in a period."""

    mineral: str
    stage: str
    market: str
    period: str


class ExcessKey(NamedTuple):
    """Tonnes beyond a soft share limit: the shares-sheet ``row``'s ``bound`` (max or min) on a scope."""

    mineral: str
    row: int
    stage: str
    scope: str
    market: str  # "" for a rule on the whole plan
    bound: str
    period: str


class ShareKey(NamedTuple):
    """The key of one share row: the shares-sheet row, mineral, stage, scope (a country, owner or group),
    period, and the market ("" for a whole-plan rule)."""

    row: int
    mineral: str
    stage: str
    scope: str
    period: str
    market: str = ""

    def excess(self, bound: str) -> ExcessKey:
        """The key of the excess column of this row's ``bound`` (``max`` or ``min``) where the rule is soft."""
        return ExcessKey(self.mineral, self.row, self.stage, self.scope, self.market, bound, self.period)


class CapKey(NamedTuple):
    """A frontier cap on one scope (a country, or the scope the sweep names) at a stage."""

    mineral: str
    stage: str
    scope: str
    period: str


class ByproductKey(NamedTuple):
    """The byproducts-sheet ``row``'s limit on a mineral mined with ``host`` in a country in a period."""

    mineral: str
    row: int
    host: str
    country: str
    period: str


class BudgetKey(NamedTuple):
    """The budgets-sheet ``row`` named ``name``."""

    row: int
    name: str


class CapacityCell(NamedTuple):
    """The coefficient of build[project, built] in the capacity row of ``project`` in ``period``."""

    project: str
    period: str
    built: str


# The key shape of every family the build makes, by kind ("col" or "row") and family name.
FAMILY_KEYS: dict[str, dict[str, type]] = {
    "col": {
        "flow": FlowKey, "spot": FlowKey, "out": SiteKey, "ship": DeliveryKey, "unmet": MarketKey,
        "stock": MarketKey, "shortfall": MarketKey, "core": MarketKey, "bought": MarketKey, "priced_out": StepKey,
        "path": PathKey, "build": BuildKey, "stage_total": StageTotalKey, "market_total": MarketTotalKey,
        "excess": ExcessKey,
    },
    "row": {
        "supply_capacity": SiteKey, "byproduct": ByproductKey, "refining_balance": SiteKey,
        "refining_capacity": SiteKey, "dispatch": SiteKey, "market_balance": MarketKey, "demand_steps": MarketKey,
        "reserve_target": MarketKey, "path_flow": FlowKey, "path_ship": DeliveryKey, "share_max": ShareKey,
        "share_min": ShareKey, "stage_total": StageTotalKey, "market_total": MarketTotalKey,
        "project_capacity": BuildKey, "build_once": ProjectKey, "requires": BuildKey, "budget": BudgetKey,
        "frontier_cap": CapKey,
    },
}


def named(kind: str, family: str, key: tuple) -> tuple:
    """``key`` of a ``kind`` ("col" or "row") of ``family`` as its named tuple (unchanged for a family not
    declared here, such as the rows an analysis adds to a stacked program)."""
    shape = FAMILY_KEYS[kind].get(family)
    return key if shape is None or type(key) is shape else shape._make(key)

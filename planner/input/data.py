"""PlannerInput: the validated, typed and resolved inputs; the model reads only this.

Every "blank = all" row has been expanded and every override applied, so each table is a
plain dict keyed by tuples of labels, with keys in a deterministic order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class Mineral:
    name: str
    raw_price: float | None
    refined_price: float | None
    unmet_penalty: float


@dataclass(frozen=True)
class Route:
    cost: float
    tariff_rate: float
    allowed: bool
    row: int = field(default=0, compare=False)  # the routes-sheet row it came from


@dataclass(frozen=True)
class Reserve:
    initial_stock: float
    max_stock: float  # math.inf when unbounded
    holding_cost: float
    shortfall_penalty: float


@dataclass(frozen=True)
class ShareRule:
    """One row of the shares sheet; ``mineral``/``period`` None mean every one."""

    row: int
    stage: str
    scope: str
    mineral: str | None
    period: str | None
    min_share: float
    max_share: float


@dataclass(frozen=True)
class ScenarioRow:
    row: int
    kind: str
    factor: float
    mineral: str | None
    country: str | None
    period: str | None


@dataclass(frozen=True)
class Risk:
    row: int
    risk: str
    country: str
    stage: str
    probability: float
    mineral: str | None
    factor: float
    duration: int


@dataclass
class PlannerInput:
    source: str
    minerals: dict[str, Mineral]
    countries: tuple[str, ...]
    country_names: dict[str, str]
    groups: dict[str, tuple[str, ...]]  # group label -> member countries
    periods: tuple[str, ...]
    years: dict[str, float]
    supply: dict[tuple[str, str, str], tuple[float, float]]  # (m, c, t) -> (capacity, cost)
    refining: dict[tuple[str, str, str], tuple[float, float, float]]  # (m, r, t) -> (capacity, cost, yield)
    demand: dict[tuple[str, str, str], float]  # (m, d, t) -> t
    markets: dict[str, tuple[str, ...]]  # m -> markets (demand or reserve rows)
    routes: dict[tuple[str, str, str, str], Route]  # (stage, from, to, m), mineral-specific
    routes_default: str
    reserves: dict[tuple[str, str], Reserve]
    targets: dict[tuple[str, str, str], tuple[float, float]]  # (m, d, t) -> (min_stock, min_days)
    shares: list[ShareRule]
    scenarios: dict[str, list[ScenarioRow]]
    risks: list[Risk]
    settings: dict[str, object]
    production: dict[tuple[str, str, str], float] = field(default_factory=dict)  # (m, stage, c) -> t
    warnings: list = field(default_factory=list)
    skipped_sheets: list[str] = field(default_factory=list)  # documentation sheets, skipped without a word

    # -- derived quantities the model and the reports share ------------------------------

    def route_unit_cost(self, stage: str, origin: str, dest: str, mineral: str) -> float | None:
        """Unit cost of a route (cost + tariff_rate x price), or None when it is closed."""
        route = self.routes.get((stage, origin, dest, mineral))
        if route is None:
            return 0.0 if self.routes_default == "open" else None
        if not route.allowed:
            return None
        if route.tariff_rate:
            info = self.minerals[mineral]
            price = info.raw_price if stage == "supply" else info.refined_price
            return route.cost + route.tariff_rate * (price or 0.0)
        return route.cost

    def target(self, mineral: str, market: str, period: str) -> float:
        """Reserve target: max(min_stock, min_days x demand / (365 x years))."""
        min_stock, min_days = self.targets.get((mineral, market, period), (0.0, 0.0))
        demand = self.demand.get((mineral, market, period), 0.0)
        return max(min_stock, min_days * demand / (365.0 * self.years[period]))

    def group_members(self, scope: str) -> tuple[str, ...]:
        """Countries a share scope names: one country, or every country of a group."""
        if scope.upper() in self.country_set:
            return (scope.upper(),)
        return self.groups.get(scope, ())

    @cached_property
    def period_index(self) -> dict[str, int]:
        """Each period's position on the periods sheet (periods run in sheet order)."""
        return {t: i for i, t in enumerate(self.periods)}

    @property
    def country_set(self) -> frozenset[str]:
        return frozenset(self.countries)


INF = math.inf

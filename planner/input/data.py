"""PlannerInput: the validated, typed and resolved inputs; the model reads only this.

Every "blank = all" row has been expanded and every override applied, so each table is a
plain dict keyed by tuples of labels, with keys in a deterministic order. The tables the model reads
most have named keys and records (``SiteKey`` -> ``Terms``): code reads ``data.refining[key].yield_``.
Named tuples rather than slotted dataclasses: a plain tuple ``(m, c, t)`` still finds a row (the
model's keys are plain tuples, ``planner.model.keys``), records still unpack (``cap, cost = ...``),
and there is one per sheet row and period, so making them costs nothing measurable (validation of
the shipped dataset and of a generated world took the same CPU time before and after).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from planner.input.demand_curves import DemandCurve

# -- the tables' keys and records: named tuples, so a plain tuple still finds a row -------------


class SiteKey(NamedTuple):
    """A mineral at a site in a period: the key of a supply or refining row, where the site is a country
    code; in the model (refined output, refining rows) the site may also be a candidate project's name."""

    mineral: str
    site: str
    period: str


class MarketKey(NamedTuple):
    """A mineral in a market in a period: the key of demand, demand curves and reserve targets."""

    mineral: str
    market: str
    period: str


class ProjectPeriod(NamedTuple):
    """A candidate project in a period it may stand in: the key of ``project_terms``."""

    project: str
    period: str


class Terms(NamedTuple):
    """A supply row's, or a candidate project's, capacity (t) and unit cost in one period."""

    capacity: float
    cost: float


class RefiningTerms(NamedTuple):
    """A refining row's capacity (t of output), unit cost and yield (t of output per t of input) in one period."""

    capacity: float
    cost: float
    yield_: float


class Target(NamedTuple):
    """A reserve's target in one period: at least ``min_stock`` t, and at least ``min_days`` of demand."""

    min_stock: float
    min_days: float


NO_TARGET = Target(0.0, 0.0)  # a reserve in a period without a target row; a disrupted period's lifted target


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
    purchase_price: float | None = None  # version 3: stock may be bought before the first period at this price
    salvage: float = 0.0  # version 3: the worth of a t held at the end of the last period


@dataclass(frozen=True)
class Byproduct:
    """A row of sheet byproducts: the by-product's tonnes mined in ``country`` in ``period`` (None: every one
    the spec's blank means) are at most ``ratio`` times the host's."""

    row: int
    mineral: str
    host: str
    ratio: float
    countries: tuple[str, ...]
    periods: tuple[str, ...]


@dataclass(frozen=True)
class Budget:
    """One row of the budgets sheet: purchases of the matching reserves cost at most ``amount``."""

    row: int
    name: str
    amount: float
    market: str | None
    mineral: str | None

    def covers(self, mineral: str, market: str) -> bool:
        return self.mineral in (None, mineral) and self.market in (None, market)


@dataclass(frozen=True)
class ShareRule:
    """One row of the shares sheet; ``mineral``/``period`` None mean every one.

    ``scope`` is ``*`` (each country, or owner, on its own), a country code or a group label;
    ``excluded`` is the X of ``* except X``. ``market`` None: the rule is on the whole plan.
    ``penalty`` None: the limit is hard.
    """

    row: int
    stage: str
    scope: str
    mineral: str | None
    period: str | None
    min_share: float
    max_share: float
    market: str | None = None
    basis: str = "location"
    penalty: float | None = None
    excluded: str | None = None
    rule: str | None = None  # version 3: rows with the same name are one rule in explanations


@dataclass(frozen=True)
class ScenarioRow:
    """One row of the scenarios sheet. For ``export_ban`` and ``tariff``: ``country`` is the exporter,
    ``to`` the refining country or market it exports to, ``stage`` the route stage (None: both)."""

    row: int
    kind: str
    factor: float | None
    mineral: str | None
    country: str | None
    period: str | None
    to: str | None = None
    stage: str | None = None


@dataclass(frozen=True)
class Project:
    """A candidate mine (stage supply) or refinery (refining) the plan may build."""

    name: str
    stage: str
    mineral: str
    country: str
    capacity: float
    cost: float
    fixed_cost: float
    yield_: float
    first_period: str
    integer: bool
    owner: str
    row: int = field(default=0, compare=False)
    requires: str | None = None  # version 3: online[p,t] <= online[requires,t]


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
    supply: dict[SiteKey, Terms]
    refining: dict[SiteKey, RefiningTerms]
    demand: dict[MarketKey, float]  # t
    # version 3: the steps of demand that answers to price (elastic rows, bid steps)
    curves: dict[MarketKey, DemandCurve]
    markets: dict[str, tuple[str, ...]]  # m -> markets (demand or reserve rows)
    routes: dict[tuple[str, str, str, str], Route]  # (stage, from, to, m), mineral-specific
    routes_default: str
    reserves: dict[tuple[str, str], Reserve]
    targets: dict[MarketKey, Target]
    shares: list[ShareRule]
    scenarios: dict[str, list[ScenarioRow]]
    risks: list[Risk]
    settings: dict[str, object]
    production: dict[tuple[str, str, str], float] = field(default_factory=dict)  # (m, stage, c) -> t
    # version 2: who owns capacity, candidate projects, scenario probabilities, bilateral measures
    # (stage, m, c) -> owner -> share
    ownership: dict[tuple[str, str, str], dict[str, float]] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    # capacity and operating cost in every period a project can stand in
    project_terms: dict[ProjectPeriod, Terms] = field(default_factory=dict)
    budgets: list[Budget] = field(default_factory=list)  # version 3: money for stock bought up front
    byproducts: list[Byproduct] = field(default_factory=list)  # version 3: supply tied to a host's
    probabilities: dict[str, float] = field(default_factory=dict)  # scenario -> likelihood (base: the rest)
    lanes: tuple[ScenarioRow, ...] = ()  # the export_ban and tariff rows in force (a scenario's)
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
            return route.cost + route.tariff_rate * self.price(stage, mineral)
        return route.cost

    def route_cost_parts(self, stage: str, origin: str, dest: str, mineral: str) -> tuple[float, float]:
        """(transport, tariff) per t of an open route: its cost, and tariff_rate x price."""
        route = self.routes.get((stage, origin, dest, mineral))
        if route is None:
            return 0.0, 0.0
        return route.cost, (route.tariff_rate * self.price(stage, mineral) if route.tariff_rate else 0.0)

    def price(self, stage: str, mineral: str) -> float:
        """The customs value tariffs apply to: raw_price at supply, refined_price at delivery (0 when blank)."""
        info = self.minerals[mineral]
        return (info.raw_price if stage == "supply" else info.refined_price) or 0.0

    def lane_measures(self, stage: str, origin: str, dest: str, mineral: str, period: str) -> tuple[bool, float]:
        """(banned, tariff points added) on one route in one period, from the scenario's bilateral measures.

        A measure with ``to`` blank leaves a country's routes to itself open: a ban stops exports,
        not domestic use.
        """
        banned, points = False, 0.0
        for row in self.lanes:
            if (row.stage in (None, stage) and row.country in (None, origin) and row.mineral in (None, mineral)
                    and row.period in (None, period)
                    and (row.to == dest if row.to is not None else origin != dest)):
                if row.kind == "export_ban":
                    banned = True
                else:
                    points += row.factor
        return banned, points

    def site_country(self, site: str) -> str:
        """The country of a supply or refining site: a country code, or a project's country."""
        project = self.projects.get(site)
        return project.country if project is not None else site

    def owners(self, stage: str, mineral: str, country: str) -> dict[str, float]:
        """Who owns a country's capacity at a stage: owner -> share, the rest the country's own."""
        shares = dict(self.ownership.get((stage, mineral, country), {}))
        shares[country] = shares.get(country, 0.0) + max(0.0, 1.0 - sum(shares.values()))
        return shares

    def paid_by(self, budget: Budget) -> dict[tuple[str, str], Reserve]:
        """The reserves (mineral, market) a budget pays for: those it covers that may buy stock up front."""
        return {k: r for k, r in self.reserves.items() if budget.covers(*k) and r.purchase_price is not None}

    def minerals_paid_by(self, budget: Budget) -> tuple[str, ...]:
        """The minerals whose reserves a budget pays for (``paid_by``), in order, once each."""
        return tuple(dict.fromkeys(m for m, _d in self.paid_by(budget)))

    def target(self, mineral: str, market: str, period: str) -> float:
        """Reserve target: max(min_stock, min_days x demand / (365 x years))."""
        target = self.targets.get((mineral, market, period), NO_TARGET)
        demand = self.demand.get((mineral, market, period), 0.0)
        return max(target.min_stock, target.min_days * demand / (365.0 * self.years[period]))

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

    @property
    def label(self) -> str:
        """What progress lines call this input: its minerals (``copper``, ``cobalt+copper``) or their count."""
        return "+".join(self.minerals) if len(self.minerals) < 4 else f"{len(self.minerals)} minerals"


INF = math.inf

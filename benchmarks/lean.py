#!/usr/bin/env python3
"""A lean, independent reference for ``planner solve``: the spec's model in plain dicts and highspy.

    python benchmarks/lean.py inputs/critical-minerals-2026.xlsx
    python benchmarks/lean.py inputs/example.xlsx --json benchmarks/out/lean-example.json

Reads the workbook with openpyxl, builds the base plan and every scenario of the ``scenarios`` sheet
(each planned with foresight, its own builds and purchases) as one program over every mineral and
period, row by row straight into CSR arrays that HiGHS takes with ``passModel``, solves each cold, and
prints each scenario's optimal objective and the seconds of the whole run (read + build + solve).

It imports nothing from ``planner``: it is written from docs/workbook-spec.md alone, so that where it
agrees with the planner both read the spec the same way, and its time is the yardstick of issue 29's
speed target. It assumes a valid workbook (``planner validate`` passes): bad input is not diagnosed.

One modelling choice the spec leaves open is made explicit here: every mine and refinery is a *unit*
(a country's existing capacity for a mineral, or one candidate project) with its own cost, capacity,
yield and owners, and flows run unit to unit along the routes of their countries. Summed by country
this is the spec's flow[m,c,r,t]; kept apart, a project's yield and owner stay its own in chains of
custody and in owner-based shares.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import highspy
import numpy as np
from openpyxl import load_workbook

INF = math.inf
STAGES = ("supply", "delivery")
SHEETS = ("minerals", "countries", "periods", "supply", "refining", "demand", "routes", "shares", "ownership",
          "reserve", "reserve_targets", "projects", "byproducts", "scenarios", "settings", "demand_curve",
          "budgets")
# HiGHS stops a MIP within 1e-4 of its bound by default, a hundred times looser than the 1e-6 at which
# the optima are compared; the planner's projects are few, so closing the gap costs little.
MIP_REL_GAP = 1e-9


# ---------------------------------------------------------------------------------------------------
# Reading: sheets as lists of {column: value}, names and labels normalised as the spec's Conventions say


def read_tables(path: str | Path) -> dict[str, list[dict]]:
    """The known sheets of ``path``: lower-case column names, stripped text, blank rows skipped."""
    book = load_workbook(path, read_only=True, data_only=True)
    tables = {}
    for sheet in book.worksheets:
        name = sheet.title.strip().lower()
        if name not in SHEETS:
            continue
        rows = sheet.iter_rows(values_only=True)
        header = [str(h).strip().lower() if h is not None else None for h in next(rows, ())]
        records = []
        for row in rows:
            record = {key: _cell(value) for key, value in zip(header, row) if key is not None}
            if any(value is not None for value in record.values()):
                records.append(record)
        tables[name] = records
    book.close()
    return tables


def _cell(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def label(value) -> str | None:
    """A period label: ``2026``, ``2026.0`` and ``"2026"`` are one label; case does not matter."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text.lower()
    return str(int(number)) if number.is_integer() else text.lower()


def code(value) -> str | None:
    return None if value is None else str(value).strip().upper()


def name(value) -> str | None:
    return None if value is None else str(value).strip().lower()


def number(value, default=None):
    return default if value is None else float(value)


def flag(value, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "y", "1")
    return bool(value)


# ---------------------------------------------------------------------------------------------------
# The world: every input table as dicts keyed as the spec keys them


class World:
    """The workbook's inputs, with blank-means-all rows kept under a ``None`` key to be resolved."""

    def __init__(self, tables: dict[str, list[dict]]):
        get = lambda sheet: tables.get(sheet, [])  # noqa: E731
        self.settings = {name(r.get("key")): r.get("value") for r in get("settings")}
        self.minerals, self.shown, self.raw_price, self.refined_price, listed_penalty = [], {}, {}, {}, {}
        for r in get("minerals"):
            m = name(r["mineral"])
            self.minerals.append(m)
            self.shown[m] = str(r["mineral"]).strip()
            self.raw_price[m] = number(r.get("raw_price"))
            self.refined_price[m] = number(r.get("refined_price"))
            listed_penalty[m] = number(r.get("unmet_penalty"))
        self.countries, self.groups = [], defaultdict(set)
        for r in get("countries"):
            c = code(r["country"])
            self.countries.append(c)
            for group in str(r.get("groups") or "").split(","):
                if group.strip():
                    self.groups[group.strip().lower()].add(c)
        self.periods = [label(r["period"]) for r in get("periods")]
        self.years = {label(r["period"]): number(r.get("years"), 1.0) for r in get("periods")}

        self.supply, self.refining = {}, {}
        self.supply_countries, self.refining_countries = defaultdict(set), defaultdict(set)
        for r in get("supply"):
            m, c = name(r["mineral"]), code(r["country"])
            self.supply[m, c, label(r.get("period"))] = (number(r["capacity"]), number(r["cost"]))
            self.supply_countries[m].add(c)
        for r in get("refining"):
            m, c = name(r["mineral"]), code(r["country"])
            self.refining[m, c, label(r.get("period"))] = (number(r["capacity"]), number(r["cost"]),
                                                           number(r.get("yield"), 1.0))
            self.refining_countries[m].add(c)

        self.markets = defaultdict(set)
        self.demand = {}
        for r in get("demand"):
            m, d = name(r["mineral"]), code(r["market"])
            self.demand[m, d, label(r["period"])] = (number(r["demand"]), number(r.get("price")),
                                                     number(r.get("elasticity")))
            self.markets[m].add(d)
        self.curves = defaultdict(list)
        for r in get("demand_curve"):
            m, d = name(r["mineral"]), code(r["market"])
            self.curves[m, d, label(r["period"])].append((number(r["tonnes"]), number(r["price"])))
            self.markets[m].add(d)

        self.routes_open = str(self.settings.get("routes_default") or "open").strip().lower() != "closed"
        self.routes = {}
        for r in get("routes"):
            key = (name(r["stage"]), code(r["from"]), code(r["to"]), name(r.get("mineral")))
            self.routes[key] = (number(r.get("cost"), 0.0), number(r.get("tariff_rate"), 0.0),
                                flag(r.get("allowed"), True))

        self.ownership = defaultdict(list)
        for r in get("ownership"):
            self.ownership[name(r["stage"]), code(r["country"])].append(
                (code(r["owner"]), name(r.get("mineral")), number(r["share"])))

        self.unmet_penalty = {m: self._unmet_penalty(m, listed_penalty[m]) for m in self.minerals}

        self.reserve = {}
        for r in get("reserve"):
            m, d = name(r["mineral"]), code(r["market"])
            self.markets[m].add(d)
            self.reserve[m, d] = {
                "initial": number(r.get("initial_stock"), 0.0), "max": number(r.get("max_stock"), INF),
                "holding": number(r.get("holding_cost"), 0.0),
                "shortfall": number(r.get("shortfall_penalty"), self.unmet_penalty[m] / 2),
                "purchase": number(r.get("purchase_price")), "salvage": number(r.get("salvage"), 0.0)}
        self.targets = {(name(r["mineral"]), code(r["market"]), label(r.get("period"))):
                        (number(r.get("min_stock"), 0.0), number(r.get("min_days"), 0.0))
                        for r in get("reserve_targets")}
        self.budgets = [(number(r["amount"]), code(r.get("market")), name(r.get("mineral"))) for r in get("budgets")]

        self.shares = [self._share_row(r) for r in get("shares")]
        self.projects = [self._project(r) for r in get("projects")]
        self.byproducts = [(name(r["mineral"]), name(r["host"]), number(r["ratio"]), code(r.get("country")),
                            label(r.get("period"))) for r in get("byproducts")]
        self.scenarios = {}
        for r in get("scenarios"):
            key = name(r["scenario"])
            self.scenarios.setdefault(key, (str(r["scenario"]).strip(), []))[1].append(r)
        self.elasticity = number(self.settings.get("elasticity"))
        self.demand_steps = int(number(self.settings.get("demand_steps"), 10))

    def _unmet_penalty(self, m: str, listed: float | None) -> float:
        """The minerals sheet, else the setting, else 10 x the costliest chain of the base inputs."""
        if listed is not None:
            return listed
        if self.settings.get("unmet_penalty") is not None:
            return float(self.settings["unmet_penalty"])
        supply = max((cost for (mm, _, _), (_, cost) in self.supply.items() if mm == m), default=0.0)
        refining = max((cost for (mm, _, _), (_, cost, _) in self.refining.items() if mm == m), default=0.0)
        route = {stage: 0.0 for stage in STAGES}
        for (stage, a, b, mm), (cost, rate, allowed) in self.routes.items():
            in_effect = mm == m or (mm is None and (stage, a, b, m) not in self.routes)
            if in_effect and allowed:
                route[stage] = max(route[stage], cost + rate * (self.price(stage, m) or 0.0))
        chain = supply + refining + route["supply"] + route["delivery"]
        return 10.0 * chain if chain > 0 else 1.0

    def price(self, stage: str, m: str) -> float | None:
        return self.raw_price[m] if stage == "supply" else self.refined_price[m]

    def _share_row(self, r: dict) -> dict:
        return {"stage": name(r["stage"]), "scope": str(r["scope"]).strip(), "mineral": name(r.get("mineral")),
                "period": label(r.get("period")), "min": number(r.get("min_share")),
                "max": number(r.get("max_share")), "market": code(r.get("market")),
                "owner": name(r.get("basis")) == "owner", "penalty": number(r.get("penalty"))}

    def _project(self, r: dict) -> dict:
        first = label(r.get("first_period"))
        return {"name": str(r["project"]).strip(), "stage": name(r["stage"]), "mineral": name(r["mineral"]),
                "country": code(r["country"]), "capacity": number(r["capacity"]), "cost": number(r["cost"]),
                "fixed_cost": number(r["fixed_cost"]), "yield": number(r.get("yield"), 1.0),
                "first": self.periods.index(first) if first is not None else 0,
                "integer": flag(r.get("integer"), False), "owner": code(r.get("owner")) or code(r["country"]),
                "requires": name(r.get("requires"))}

    def supply_at(self, m, c, t):
        return self.supply.get((m, c, t)) or self.supply.get((m, c, None))

    def refining_at(self, m, c, t):
        return self.refining.get((m, c, t)) or self.refining.get((m, c, None))

    def target_at(self, m, d, t):
        return self.targets.get((m, d, t)) or self.targets.get((m, d, None))

    def route(self, stage, a, b, m):
        """(cost, tariff_rate, allowed) of the route in effect: the mineral's row, the blank row, the default."""
        found = self.routes.get((stage, a, b, m)) or self.routes.get((stage, a, b, None))
        return found if found is not None else (0.0, 0.0, self.routes_open)

    def owners(self, stage: str, m: str, c: str) -> dict[str, float]:
        """Who owns the capacity at ``stage`` in ``c``: the ownership sheet's shares, the rest to ``c``."""
        shares = {}
        rows = self.ownership.get((stage, c), ())
        for mineral in (None, m):  # a mineral's own row overrides the blank one
            for owner, mm, share in rows:
                if mm == mineral:
                    shares[owner] = share
        shares[c] = shares.get(c, 0.0) + 1.0 - sum(shares.values())
        return shares

    def scope_members(self, text: str) -> set[str]:
        """A country code means the country, even where a group has the same label."""
        if text.upper() in self.countries:
            return {text.upper()}
        return set(self.groups.get(text.lower(), {text.upper()}))


# ---------------------------------------------------------------------------------------------------
# A scenario: the factors of its rows, expanded to the keys they touch


class Shock:
    """One scenario's changes: factors by key, closed and taxed routes, and the periods it disrupts."""

    def __init__(self, world: World, rows: list[dict], base: bool):
        self.capacity, self.cost, self.demand = {}, {}, {}
        self.bans, self.tariffs = defaultdict(list), defaultdict(list)
        self.lifted = set()
        for r in rows:
            self._add(world, r)
        if base:
            self.lifted.clear()

    def _add(self, w: World, r: dict) -> None:
        kind, factor = name(r["kind"]), number(r.get("factor"))
        minerals = [name(r["mineral"])] if r.get("mineral") is not None else w.minerals
        periods = [label(r["period"])] if r.get("period") is not None else w.periods
        if kind in ("supply_capacity", "refining_capacity", "supply_cost", "refining_cost"):
            stage, what = kind.split("_")
            table = self.capacity if what == "capacity" else self.cost
            countries = [code(r["country"])] if r.get("country") is not None else w.countries
            for m in minerals:
                for c in countries:
                    for t in periods:
                        table[stage, m, c, t] = table.get((stage, m, c, t), 1.0) * factor
            disrupts = what == "capacity" and factor < 1
        elif kind == "demand":
            for m in minerals:
                markets = [code(r["country"])] if r.get("country") is not None else sorted(w.markets[m])
                for d in markets:
                    for t in periods:
                        self.demand[m, d, t] = self.demand.get((m, d, t), 1.0) * factor
            disrupts = factor > 1
        else:  # export_ban, tariff: on routes from `country` to `to` (blank: to every other code)
            stages = [name(r["stage"])] if r.get("stage") is not None else list(STAGES)
            countries = [code(r["country"])] if r.get("country") is not None else w.countries
            to = code(r.get("to"))
            table, entry = (self.bans, to) if kind == "export_ban" else (self.tariffs, (to, factor))
            for stage in stages:
                for m in minerals:
                    for c in countries:
                        for t in periods:
                            table[stage, c, m, t].append(entry)
            disrupts = kind == "export_ban"
        if disrupts:
            self.lifted.update((m, t) for m in minerals for t in periods)

    def route_cost(self, w: World, stage: str, a: str, b: str, m: str, t: str) -> float | None:
        """The unit cost of the route from ``a`` to ``b`` in ``t``, or None where it is closed."""
        cost, rate, allowed = w.route(stage, a, b, m)
        if not allowed:
            return None
        key = (stage, a, m, t)
        if any(to == b or (to is None and a != b) for to in self.bans.get(key, ())):
            return None
        rate += sum(add for to, add in self.tariffs.get(key, ()) if to == b or (to is None and a != b))
        return cost + rate * (w.price(stage, m) or 0.0)


# ---------------------------------------------------------------------------------------------------
# The program: columns and rows appended in order, rows stored as CSR from the start


class Program:
    def __init__(self):
        self.cost, self.upper, self.integer = [], [], []
        self.starts, self.index, self.value = [0], [], []
        self.row_lower, self.row_upper = [], []

    def col(self, cost: float = 0.0, upper: float = INF, integer: bool = False) -> int:
        self.cost.append(cost)
        self.upper.append(upper)
        self.integer.append(integer)
        return len(self.cost) - 1

    def row(self, terms, lower: float = -INF, upper: float = INF) -> None:
        """``lower <= sum(a x col for col, a in terms) <= upper``; each column at most once in ``terms``."""
        for col, a in terms:
            self.index.append(col)
            self.value.append(a)
        self.starts.append(len(self.index))
        self.row_lower.append(lower)
        self.row_upper.append(upper)

    def solve(self) -> tuple[str, float]:
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(self.cost), len(self.row_lower)
        lp.col_cost_ = np.array(self.cost, dtype=np.float64)
        lp.col_lower_ = np.zeros(lp.num_col_)
        lp.col_upper_ = np.minimum(np.array(self.upper, dtype=np.float64), inf)
        lp.row_lower_ = np.maximum(np.array(self.row_lower, dtype=np.float64), -inf)
        lp.row_upper_ = np.minimum(np.array(self.row_upper, dtype=np.float64), inf)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = lp.num_col_, lp.num_row_
        lp.a_matrix_.start_ = np.array(self.starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(self.index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(self.value, dtype=np.float64)
        if any(self.integer):
            lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                               for i in self.integer]
            h.setOptionValue("mip_rel_gap", MIP_REL_GAP)
        h.passModel(lp)
        h.run()
        return h.modelStatusToString(h.getModelStatus()), h.getInfo().objective_function_value


class Unit:
    """A mine or refinery: a country's existing capacity for a mineral in a period, or a project."""

    __slots__ = ("country", "owners", "cost", "capacity", "yield_", "online", "flows", "out", "ships", "paths")

    def __init__(self, country, owners, cost, capacity, yield_=1.0, online=None):
        self.country, self.owners, self.cost, self.capacity = country, owners, cost, capacity
        self.yield_, self.online = yield_, online  # online: the build columns up to the period (projects)
        self.flows = []  # (other unit, flow column)
        self.out = None
        self.ships = {}  # market -> ship column
        self.paths = defaultdict(list)  # market -> path columns (supply units, market-scoped rules)


# ---------------------------------------------------------------------------------------------------
# Building one scenario's program


def build(w: World, shock: Shock, minerals: list[str]) -> Program:
    """One program for ``minerals`` (every mineral, or a block of them that shares no row with the rest)."""
    program = Program()
    builds = add_projects(program, w, minerals)
    mined = defaultdict(list)  # (mineral, country, period) -> flow columns, for by-products
    bought = {}  # (mineral, market) -> the stock bought before the first period
    for m in minerals:
        stock_before = {}
        for i, t in enumerate(w.periods):
            mines = supply_units(w, shock, builds, m, t, i)
            refineries = refining_units(w, shock, builds, m, t, i)
            add_flows(program, w, shock, m, t, mines, refineries)
            mines = [u for u in mines if u.flows]
            refineries = [u for u in refineries if u.flows]
            add_capacity(program, mines, refineries)
            add_ships(program, w, shock, m, t, refineries)
            add_markets(program, w, shock, m, t, i, refineries, stock_before, bought)
            add_shares(program, w, m, t, mines, refineries)
            for u in mines:
                mined[m, u.country, t].extend(col for _, col in u.flows)
    add_byproducts(program, w, mined, minerals)
    add_budgets(program, w, bought)
    return program


def add_projects(program: Program, w: World, minerals: list[str]) -> dict[str, list[tuple[int, int]]]:
    """build[p,t] in [0, 1] from first_period on, sum_t build <= 1, online[p,t] <= online[q,t] for requires.

    The fixed cost of online[p,t] = sum_{tau <= t} build[p,tau] is charged on each build column:
    fixed_cost x capacity x the years from its period to the end.
    """
    builds = {}
    projects = [p for p in w.projects if p["mineral"] in minerals]
    for p in projects:
        cols = []
        for i in range(p["first"], len(w.periods)):
            years_left = sum(w.years[t] for t in w.periods[i:])
            cols.append((i, program.col(p["fixed_cost"] * p["capacity"] * years_left, 1.0, p["integer"])))
        program.row([(col, 1.0) for _, col in cols], upper=1.0)
        builds[name(p["name"])] = cols
    for p in projects:
        if p["requires"] is None:
            continue
        mine, needed = builds[name(p["name"])], builds[p["requires"]]
        for i in range(len(w.periods)):
            own = [(col, 1.0) for j, col in mine if j <= i]
            if own:
                program.row(own + [(col, -1.0) for j, col in needed if j <= i], upper=0.0)
    return builds


def _online(builds, p, i):
    return [col for j, col in builds[name(p["name"])] if j <= i]


def supply_units(w: World, shock: Shock, builds, m: str, t: str, i: int) -> list[Unit]:
    units = []
    for c in sorted(w.supply_countries[m]):
        found = w.supply_at(m, c, t)
        if found:
            capacity, cost = found
            units.append(Unit(c, w.owners("supply", m, c), cost * shock.cost.get(("supply", m, c, t), 1.0),
                              capacity * shock.capacity.get(("supply", m, c, t), 1.0)))
    for p in w.projects:
        online = _online(builds, p, i) if p["stage"] == "supply" and p["mineral"] == m else []
        if online:
            c = p["country"]
            units.append(Unit(c, {p["owner"]: 1.0}, p["cost"] * shock.cost.get(("supply", m, c, t), 1.0),
                              p["capacity"] * shock.capacity.get(("supply", m, c, t), 1.0), online=online))
    return units


def refining_units(w: World, shock: Shock, builds, m: str, t: str, i: int) -> list[Unit]:
    units = []
    for c in sorted(w.refining_countries[m]):
        found = w.refining_at(m, c, t)
        if found:
            capacity, cost, yield_ = found
            units.append(Unit(c, w.owners("refining", m, c), cost * shock.cost.get(("refining", m, c, t), 1.0),
                              capacity * shock.capacity.get(("refining", m, c, t), 1.0), yield_))
    for p in w.projects:
        online = _online(builds, p, i) if p["stage"] == "refining" and p["mineral"] == m else []
        if online:
            c = p["country"]
            units.append(Unit(c, {p["owner"]: 1.0}, p["cost"] * shock.cost.get(("refining", m, c, t), 1.0),
                              p["capacity"] * shock.capacity.get(("refining", m, c, t), 1.0), p["yield"],
                              online))
    return units


def add_flows(program, w, shock, m, t, mines, refineries) -> None:
    """flow[m,c,r,t] on open supply routes, at supply cost + the route's unit cost."""
    for mine in mines:
        for refinery in refineries:
            route = shock.route_cost(w, "supply", mine.country, refinery.country, m, t)
            if route is not None:
                col = program.col(mine.cost + route)
                mine.flows.append((refinery, col))
                refinery.flows.append((mine, col))


def add_capacity(program, mines, refineries) -> None:
    """sum_r flow <= capacity; out = yield x sum_c flow, out <= capacity (x online for a project)."""
    for mine in mines:
        terms = [(col, 1.0) for _, col in mine.flows]
        if mine.online is None:
            program.row(terms, upper=mine.capacity)
        else:
            program.row(terms + [(col, -mine.capacity) for col in mine.online], upper=0.0)
    for refinery in refineries:
        if refinery.online is None:
            refinery.out = program.col(refinery.cost, refinery.capacity)
        else:
            refinery.out = program.col(refinery.cost)
            program.row([(refinery.out, 1.0)] + [(col, -refinery.capacity) for col in refinery.online], upper=0.0)
        program.row([(refinery.out, 1.0)] + [(col, -refinery.yield_) for _, col in refinery.flows], 0.0, 0.0)


def add_ships(program, w, shock, m, t, refineries) -> None:
    """ship[m,r,d,t] on open delivery routes; sum_d ship = out."""
    for refinery in refineries:
        for d in sorted(w.markets[m]):
            route = shock.route_cost(w, "delivery", refinery.country, d, m, t)
            if route is not None:
                refinery.ships[d] = program.col(route)
        program.row([(col, 1.0) for col in refinery.ships.values()] + [(refinery.out, -1.0)], 0.0, 0.0)


def add_markets(program, w, shock, m, t, i, refineries, stock_before, bought) -> None:
    """Each market's balance, with its reserve's stock and target where it has a reserve row."""
    last = i == len(w.periods) - 1
    for d in sorted(w.markets[m]):
        factor = shock.demand.get((m, d, t), 1.0)
        q0 = _demand_q0(w, m, d, t) * factor
        terms = [(ru.ships[d], 1.0) for ru in refineries if d in ru.ships]
        terms += [(col, 1.0) for col in unmet_columns(program, w, m, d, t, q0, factor)]
        reserve = w.reserve.get((m, d))
        if reserve is None:
            if terms:
                program.row(terms, q0, q0)
            continue
        stock = program.col(reserve["holding"] - (reserve["salvage"] if last else 0.0), reserve["max"])
        terms.append((stock, -1.0))
        rhs = q0
        if i == 0:
            rhs -= reserve["initial"]
            if reserve["purchase"] is not None:
                bought[m, d] = program.col(reserve["purchase"], reserve["max"] - reserve["initial"])
                terms.append((bought[m, d], 1.0))
        else:
            terms.append((stock_before[d], 1.0))
        program.row(terms, rhs, rhs)
        stock_before[d] = stock
        add_target(program, w, shock, m, d, t, q0, reserve, stock)


def _demand_q0(w, m, d, t) -> float:
    curve = w.curves.get((m, d, t))
    if curve:
        return sum(tonnes for tonnes, _ in curve)
    row = w.demand.get((m, d, t))
    return row[0] if row else 0.0


def unmet_columns(program, w, m, d, t, q0, factor) -> list[int]:
    """unmet <= q0 at U; or bid steps at their prices; or a core at U and K elastic steps (Version 3)."""
    if q0 <= 0:
        return []
    curve = w.curves.get((m, d, t))
    if curve:
        return [program.col(price, tonnes * factor) for tonnes, price in curve]
    u = w.unmet_penalty[m]
    _, price, elasticity = w.demand[m, d, t]
    e = elasticity if elasticity is not None else w.elasticity
    p0 = price if price is not None else w.refined_price[m]
    if e is None or e >= 0 or not p0 or p0 <= 0 or u <= p0:
        return [program.col(u, q0)]
    core = program.col(u, q0 * (u / p0) ** e)
    return [core] + [program.col(v, width) for v, width in elastic_steps(q0, p0, e, u, w.demand_steps)]


def elastic_steps(q0: float, p0: float, e: float, u: float, k: int) -> list[tuple[float, float]]:
    """(v_k, w) of the K slices between q_U and q0 of P(q) = p0 (q / q0)^(1/e): v_k = integral / w."""
    q_u = q0 * (u / p0) ** e
    width = (q0 - q_u) / k
    a = 1.0 / e

    def integral(x, y):
        if abs(a + 1.0) < 1e-12:
            return p0 * q0 * math.log(y / x)
        return p0 * q0 / (a + 1.0) * ((y / q0) ** (a + 1.0) - (x / q0) ** (a + 1.0))

    return [(integral(q_u + (j - 1) * width, q_u + j * width) / width, width) for j in range(1, k + 1)]


def add_target(program, w, shock, m, d, t, q0, reserve, stock) -> None:
    """stock + shortfall >= max(min_stock, min_days x demand / (365 x years)), unless the scenario lifts it."""
    found = w.target_at(m, d, t)
    if found is None or (m, t) in shock.lifted:
        return
    min_stock, min_days = found
    target = max(min_stock, min_days * q0 / (365.0 * w.years[t]))
    if target > 0:
        shortfall = program.col(reserve["shortfall"])
        program.row([(stock, 1.0), (shortfall, 1.0)], lower=target)


def add_budgets(program, w, bought) -> None:
    """sum of purchase_price x bought over a budget's reserve rows (blank market or mineral = all) <= amount."""
    for amount, market, mineral in w.budgets:
        terms = [(col, w.reserve[m, d]["purchase"]) for (m, d), col in sorted(bought.items())
                 if mineral in (None, m) and market in (None, d)]
        if terms:
            program.row(terms, upper=amount)


def add_shares(program, w, m, t, mines, refineries) -> None:
    """For each shares row matching (m, t) and each scope set S it expands to:

        sum_u weight_u(S) q_u - max_share sum_u q_u <= excess      (and >= -excess for min_share)

    where q_u is a unit's tonnes at the stage (flows out of a mine, a refinery's out; to one market:
    its paths, its ship), and weight_u(S) the part of them that S holds (by location or by owner).
    """
    paths_made = False
    for rule in w.shares:
        if (rule["mineral"] not in (None, m)) or (rule["period"] not in (None, t)):
            continue
        d = rule["market"]
        if rule["stage"] == "refining":
            units = [(u, [(u.out, 1.0)] if d is None else ([(u.ships[d], 1.0)] if d in u.ships else []))
                     for u in refineries]
        else:
            if d is not None and not paths_made:
                add_paths(program, w, m, mines, refineries)
                paths_made = True
            units = [(u, [(col, 1.0) for _, col in u.flows] if d is None else [(col, 1.0) for col in u.paths[d]])
                     for u in mines]
        units = [(u.owners if rule["owner"] else {u.country: 1.0}, terms) for u, terms in units if terms]
        if units:
            for members in scope_sets(w, rule["scope"], units):
                for share, sense in ((rule["max"], 1.0), (rule["min"], -1.0)):
                    if share is not None:
                        share_row(program, units, members, share, sense, rule["penalty"])


def scope_sets(w: World, scope: str, units) -> list[set[str]]:
    """``*``: each holding country alone; ``* except X``: the same without X's; else one country or group."""
    match = re.fullmatch(r"\*(?:\s+except\s+(.+))?", scope.strip(), flags=re.IGNORECASE)
    if match is None:
        return [w.scope_members(scope)]
    holders = sorted({o for weights, _ in units for o, share in weights.items() if share > 0})
    excluded = w.scope_members(match.group(1).strip()) if match.group(1) else set()
    return [{c} for c in holders if c not in excluded]


def share_row(program, units, members, share, sense, penalty) -> None:
    coefs = defaultdict(float)
    for weights, terms in units:
        held = sum(weights.get(o, 0.0) for o in members)
        for col, a in terms:
            coefs[col] += sense * a * (held - share)
    terms = list(coefs.items())
    if penalty is not None:
        terms.append((program.col(penalty), -1.0))
    program.row(terms, upper=0.0)


def add_paths(program, w, m, mines, refineries) -> None:
    """path[m,c,r,d,t] >= 0: sum_d path = flow[m,c,r,t], yield x sum_c path = ship[m,r,d,t]."""
    into = defaultdict(list)  # (refinery, market) -> path columns
    for mine in mines:
        for refinery, flow in mine.flows:
            terms = [(flow, -1.0)]
            for d in refinery.ships:
                col = program.col()
                mine.paths[d].append(col)
                into[id(refinery), d].append(col)
                terms.append((col, 1.0))
            program.row(terms, 0.0, 0.0)
    for refinery in refineries:
        for d, ship in refinery.ships.items():
            program.row([(col, refinery.yield_) for col in into[id(refinery), d]] + [(ship, -1.0)], 0.0, 0.0)


def add_byproducts(program, w, mined, minerals) -> None:
    """Mined tonnes of a by-product in a country <= ratio x those of its host there."""
    for m, host, ratio, country, period in w.byproducts:
        if m not in minerals:
            continue
        both = w.supply_countries[m] & w.supply_countries[host]
        for c in [country] if country is not None else sorted(both):
            for t in [period] if period is not None else w.periods:
                byproduct, hosts = mined.get((m, c, t), []), mined.get((host, c, t), [])
                if byproduct:
                    program.row([(col, 1.0) for col in byproduct] + [(col, -ratio) for col in hosts], upper=0.0)


# ---------------------------------------------------------------------------------------------------


def blocks(w: World) -> list[list[str]]:
    """Minerals that share no row: a by-product is tied to its host, a project to the one it requires,
    the reserves one budget pays for to each other."""
    parent = {m: m for m in w.minerals}

    def root(m):
        while parent[m] != m:
            m = parent[m]
        return m

    def tie(a, b):
        parent[root(a)] = root(b)

    for m, host, *_ in w.byproducts:
        tie(m, host)
    mineral_of = {name(p["name"]): p["mineral"] for p in w.projects}
    for p in w.projects:
        if p["requires"] is not None:
            tie(p["mineral"], mineral_of[p["requires"]])
    for _, market, mineral in w.budgets:
        paid = [m for (m, d), r in w.reserve.items()
                if r["purchase"] is not None and mineral in (None, m) and market in (None, d)]
        for m in paid[1:]:
            tie(paid[0], m)
    grouped = defaultdict(list)
    for m in w.minerals:
        grouped[root(m)].append(m)
    return list(grouped.values())


def solve_all(path: str | Path, by_block: bool = False) -> dict:
    """Read ``path``, build and solve the base and every scenario; each one's status, objective and size.

    ``by_block``: each scenario as one program per block of tied minerals (the sum of their optima is the
    joint optimum); else one program over every mineral, as the spec states the model.
    """
    start = time.perf_counter()
    world = World(read_tables(path))
    parts = blocks(world) if by_block else [world.minerals]
    seconds = {"read": time.perf_counter() - start, "build": 0.0, "solve": 0.0}
    results = []
    for scenario, (shown, rows) in [("base", ("base", []))] + list(world.scenarios.items()):
        shock = Shock(world, rows, base=scenario == "base")
        row = {"scenario": shown, "status": "Optimal", "objective": 0.0, "columns": 0, "rows": 0}
        for minerals in parts:
            tick = time.perf_counter()
            program = build(world, shock, minerals)
            seconds["build"] += time.perf_counter() - tick
            tick = time.perf_counter()
            status, objective = program.solve()
            seconds["solve"] += time.perf_counter() - tick
            if status != "Optimal":
                row["status"] = status
            row["objective"] += objective
            row["columns"] += len(program.cost)
            row["rows"] += len(program.row_lower)
        results.append(row)
    seconds["total"] = time.perf_counter() - start
    return {"input": str(path), "blocks": len(parts), "scenarios": results, "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("--blocks", action="store_true",
                        help="one program per block of tied minerals instead of one over every mineral")
    parser.add_argument("--json", type=Path, help="also write the objectives and seconds here")
    args = parser.parse_args(argv)
    result = solve_all(args.input, args.blocks)
    for row in result["scenarios"]:
        print(f"{row['scenario']:<40} {row['status']:<10} {row['objective']:>24.6f}"
              f"   ({row['columns']} columns, {row['rows']} rows)")
    s = result["seconds"]
    print(f"lean reference, {result['blocks']} program(s) a scenario: read {s['read']:.2f} s, "
          f"build {s['build']:.2f} s, solve {s['solve']:.2f} s, "
          f"total {s['total']:.2f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))
    return 0 if all(row["status"] == "Optimal" for row in result["scenarios"]) else 1


if __name__ == "__main__":
    sys.exit(main())

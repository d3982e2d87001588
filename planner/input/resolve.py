"""Resolve validated rows into a PlannerInput: names, references, blanks = all, overrides, defaults.

Cross-sheet rules live here: a reference to a mineral, country, period or market the name
sheets do not define, repeated keys, a reserve target without its reserve, a tariff without a
price. Problems are collected, never raised one by one.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import defaultdict
from dataclasses import dataclass

from planner.errors import Issue
from planner.input import schema as S
from planner.input.aliases import suggest_country
from planner.input.cells import convert_cell, did_you_mean, label_key, quote
from planner.input.data import (
    INF,
    Budget,
    Byproduct,
    MarketKey,
    Mineral,
    PlannerInput,
    Project,
    ProjectPeriod,
    RefiningTerms,
    Reserve,
    Risk,
    Route,
    ScenarioRow,
    ShareRule,
    SiteKey,
    Target,
    Terms,
)
from planner.input.demand_curves import DemandCurve, bid_curve, elastic_curve
from planner.input.plausible import check_capacity, check_markets, check_ranges
from planner.input.records import Collector, Record
from planner.input.schema import LANE_KINDS


class _Names:
    """Labels defined by the name sheets, matched ignoring case, reported as first written."""

    def __init__(self):
        self.by_kind: dict[str, dict[str, str]] = defaultdict(dict)

    def define(self, kind: str, label: str) -> str:
        return self.by_kind[kind].setdefault(label_key(label), label)

    def get(self, kind: str, label: str) -> str | None:
        return self.by_kind[kind].get(label_key(label))

    def all(self, kind: str) -> list[str]:
        return list(self.by_kind[kind].values())


@dataclass
class _Defined:
    """What the name sheets define: minerals, countries (with names and groups), periods, markets."""

    names: _Names
    countries: list[str]
    country_names: dict[str, str]
    groups: dict[str, tuple[str, ...]]
    periods: tuple[str, ...]
    years: dict[str, float]

    @property
    def country_set(self) -> set[str]:
        return set(self.countries)

    @property
    def market_set(self) -> set[str]:
        return set(self.names.all("market"))

    def country_hint(self, text: str) -> str:
        """`` (did you mean 'COD'?)`` for a country written by name, alias or near spelling, else ``""``."""
        found = suggest_country(text, self.countries, self.country_names)
        return " (did you mean " + " or ".join(repr(c) for c in found) + "?)" if found else ""


def resolve(source: str, records: dict[str, list[Record]], out: Collector) -> PlannerInput:
    """Every sheet's rows, resolved into the tables the model reads."""
    _check_keys(records, out)
    defined = _define_names(records, out)
    _resolve_references(records, defined, out)
    names, periods = defined.names, defined.periods
    settings = _settings(records["settings"], out)

    supply = _expand_periods(records["supply"], periods, lambda r: Terms(r["capacity"], r["cost"]))
    refining = _expand_periods(records["refining"], periods, lambda r: RefiningTerms(
        r["capacity"], r["cost"], r["yield"] if r["yield"] is not None else 1.0))
    demand = {MarketKey(r["mineral"], r["market"], r["period"]): r["demand"] for r in records["demand"]
              if None not in (r["mineral"], r["market"], r["period"], r["demand"])}
    routes = _routes(records["routes"], names.all("mineral"), defined, out)
    minerals = _minerals(records["minerals"], names, settings, supply, refining, routes)
    _check_tariff_prices(records["routes"], minerals, routes, out)
    reserves, targets = _reserves(records["reserve"], records["reserve_targets"], periods, minerals, out, supply,
                                  refining)
    budgets = _budgets(records["budgets"], reserves, out)
    byproducts = _byproducts(records["byproducts"], supply, periods, out)
    curves = _demand_curves(records["demand"], records["demand_curve"], demand, minerals, settings, out)
    markets: dict[str, set] = defaultdict(set)
    for (m, d, _t) in demand:
        markets[m].add(d)
    for (m, d) in reserves:
        markets[m].add(d)
    scenarios, probabilities = _scenarios(records["scenarios"], defined, minerals, out)
    projects, project_terms = _projects(records["projects"], defined, out)
    check_ranges(records, out)
    check_markets(records, out)
    check_capacity(minerals, periods, supply, refining, demand, out, stocked={m for (m, _d) in reserves},
                   projects=projects)

    return PlannerInput(
        source=source,
        minerals=minerals,
        countries=tuple(defined.countries),
        country_names=defined.country_names,
        groups=defined.groups,
        periods=periods,
        years=defined.years,
        supply=supply,
        refining=refining,
        demand=demand,
        curves=curves,
        budgets=budgets,
        byproducts=byproducts,
        markets={m: tuple(sorted(markets.get(m, ()))) for m in minerals},
        routes=routes,
        routes_default=settings["routes_default"],
        reserves=reserves,
        targets=targets,
        shares=_shares(records["shares"], defined, out),
        scenarios=scenarios,
        probabilities=probabilities,
        ownership=_ownership(records["ownership"], list(minerals), out),
        projects=projects,
        project_terms=project_terms,
        risks=[Risk(r.row, r["risk"], r["country"], r["stage"], r["probability"], r["mineral"],
                    r["factor"] if r["factor"] is not None else 0.0, r["duration"] if r["duration"] else 1)
               for r in records["risks"] if r["country"] is not None and r["risk"] is not None],
        settings=settings,
        production={(r["mineral"], r["stage"], r["country"]): r["tonnes"] for r in records["production"]
                    if None not in (r["mineral"], r["stage"], r["country"], r["tonnes"])},
    )


def _cheapest_delivery(mineral: str, supply: dict, refining: dict) -> float | None:
    """The cheapest supply cost plus the cheapest refining cost of a mineral (routes at 0), or None."""
    mines = [terms.cost for key, terms in supply.items() if key.mineral == mineral]
    refineries = [terms.cost for key, terms in refining.items() if key.mineral == mineral]
    return min(mines) + min(refineries) if mines and refineries else None


def _byproducts(rows, supply: dict, periods: tuple, out: Collector) -> list[Byproduct]:
    """By-product limits with their countries and periods spelled out (spec, Version 3)."""
    found = []
    for r in rows:
        if None in (r["mineral"], r["host"], r["ratio"]):
            continue
        if r["mineral"] == r["host"]:
            out.error(r.issue("host", f"got {quote(r['host'])}, the by-product itself; a by-product comes with "
                                      "another mineral."))
            continue
        if r["country"] is not None:
            countries = (r["country"],)
        else:  # every country whose supply sheet has rows for both minerals
            mines = {m: {c for (mm, c, _t) in supply if mm == m} for m in (r["mineral"], r["host"])}
            countries = tuple(sorted(mines[r["mineral"]] & mines[r["host"]]))
        found.append(Byproduct(r.row, r["mineral"], r["host"], float(r["ratio"]), countries,
                               (r["period"],) if r["period"] is not None else tuple(periods)))
    return found


def _budgets(rows, reserves: dict[tuple[str, str], Reserve], out: Collector) -> list[Budget]:
    """Budgets for stock bought up front; each must match a reserve row with a purchase_price."""
    budgets = []
    for r in rows:
        if r["budget"] is None or r["amount"] is None:
            continue
        budget = Budget(r.row, r["budget"], float(r["amount"]), r["market"], r["mineral"])
        if not any(budget.covers(m, d) and reserve.purchase_price is not None for (m, d), reserve in reserves.items()):
            scope = " and ".join(f"{k} {v!r}" for k, v in (("mineral", r["mineral"]), ("market", r["market"])) if v)
            out.error(r.issue("budget", f"budget {r['budget']!r} matches no reserve row with a purchase_price"
                                        f"{' for ' + scope if scope else ''}: it would buy nothing"))
            continue
        budgets.append(budget)
    return budgets


def _demand_curves(demand_rows, bid_rows, demand: dict, minerals: dict[str, Mineral], settings: dict,
                   out: Collector) -> dict[MarketKey, DemandCurve]:
    """(m, d, t) -> the steps its unserved tonnes are cut into, for demand that answers to price.

    A key with ``demand_curve`` rows takes them as its steps and their tonnes as its demand
    (``demand`` gains the key, or must already state the same total); elsewhere a demand row with
    an elasticity (its own, else the setting's) follows its inverse demand curve. Rows left out are
    fixed demand, as in version 1.
    """
    bids: dict[MarketKey, list[tuple[float, float]]] = defaultdict(list)
    first_row: dict[MarketKey, Record] = {}
    for r in bid_rows:
        key = MarketKey(r["mineral"], r["market"], r["period"])
        if None in key or r["tonnes"] is None or r["price"] is None:
            continue
        bids[key].append((float(r["tonnes"]), float(r["price"])))
        first_row.setdefault(key, r)
    curves: dict[MarketKey, DemandCurve] = {}
    stated = {(r["mineral"], r["market"], r["period"]): r for r in demand_rows}
    for key, steps in bids.items():
        total = sum(t for t, _p in steps)
        row = stated.get(key)
        if row is not None and row["demand"] is not None and not math.isclose(row["demand"], total, rel_tol=1e-9,
                                                                                  abs_tol=1e-9):
            out.error(first_row[key].issue("tonnes", f"the steps of {key.mineral} in {key.market} in {key.period} add "
                                                     f"up to {total:g} t, but sheet 'demand' row {row.row} states "
                                                     f"{row['demand']:g} t; they must agree"))
        demand[key] = total
        curve = bid_curve(steps)
        if curve is not None:
            curves[key] = curve
    steps = int(settings.get("demand_steps") or 10)
    for r in demand_rows:
        key = MarketKey(r["mineral"], r["market"], r["period"])
        if None in key or r["demand"] is None or key in bids:
            continue
        e = r["elasticity"] if r["elasticity"] is not None else settings.get("elasticity")
        if e is None or e == 0:
            continue
        mineral = minerals.get(key.mineral)
        if mineral is None:
            continue
        p0 = r["price"] if r["price"] is not None else mineral.refined_price
        if p0 is None:
            column = "elasticity" if r["elasticity"] is not None else "price"
            out.error(r.issue(column, f"an elastic demand needs a reference price: give this row a price or "
                                      f"{key.mineral} a refined_price on sheet 'minerals'"))
            continue
        curve = elastic_curve(e, p0, mineral.unmet_penalty, steps)
        if curve is not None:
            curves[key] = curve
    return dict(sorted(curves.items()))


def _define_names(records: dict[str, list[Record]], out: Collector) -> _Defined:
    """Minerals, countries and their groups, periods in sheet order; markets from demand and reserve rows."""
    names = _Names()
    for r in records["minerals"]:
        if r["mineral"] is not None:
            names.define("mineral", r["mineral"])
    countries, country_names = [], {}
    members: dict[str, list[str]] = defaultdict(list)
    for r in records["countries"]:
        if r["country"] is None:
            continue
        code = r["country"]
        if code not in countries:
            countries.append(code)
        country_names[code] = r["name"] or ""
        for label in (r["groups"] or "").split(","):
            label = " ".join(label.split())
            if label:
                canonical = names.define("group", label)
                if code not in members[canonical]:
                    members[canonical].append(code)
    periods, years = [], {}
    for r in records["periods"]:
        if r["period"] is None:
            continue
        label = names.define("period", r["period"])
        if label not in years:
            periods.append(label)
            years[label] = r["years"] if r["years"] is not None else 1.0
    for kind, sheet in (("mineral", "minerals"), ("period", "periods")):
        if not names.all(kind):
            out.error(Issue(sheet, message=f"sheet defines no {kind}; at least one row is needed"))
    if not countries:
        out.error(Issue("countries", message="sheet defines no country; at least one row is needed"))
    for sheet in ("demand", "demand_curve", "reserve"):
        for r in records[sheet]:
            if r["market"]:
                names.define("market", r["market"])
    groups = {g: tuple(sorted(m)) for g, m in members.items()}
    return _Defined(names, countries, country_names, groups, tuple(periods), years)


_WHERE = {"mineral": "sheet 'minerals'", "country": "sheet 'countries'", "period": "sheet 'periods'",
          "market": "sheet 'demand' or 'reserve'"}


def _resolve_references(records: dict[str, list[Record]], defined: _Defined, out: Collector) -> None:
    """Every cell of a column that refers to a mineral, country, period or market, as its canonical label."""
    country_set = defined.country_set
    for spec in S.SHEETS:
        refs = [c for c in spec.columns if c.refers_to]
        for rec in records.get(spec.name, ()):
            for col in refs:
                value = rec[col.name]
                if value is None:
                    continue
                kind = col.refers_to
                found = (value if value in country_set else None) if kind == "country" \
                    else defined.names.get(kind, value)
                if found is None:
                    hint = defined.country_hint(value) if kind == "country" \
                        else did_you_mean(value, defined.names.all(kind))
                    out.error(rec.issue(col.name, f"got {quote(value)}; expected a {kind} on {_WHERE[kind]}{hint}."))
                rec.values[col.name] = found


def _minerals(rows: list[Record], names: _Names, settings: dict, supply, refining, routes) -> dict[str, Mineral]:
    """Each mineral with its prices and unmet penalty: its own, else the setting, else the default."""
    by_name = {r["mineral"].lower(): r for r in rows if r["mineral"] is not None}
    minerals = {}
    for m in names.all("mineral"):
        r = by_name[m.lower()]
        penalty = r["unmet_penalty"]
        if penalty is None:
            penalty = settings.get("unmet_penalty")
        if penalty is None:
            penalty = _default_unmet_penalty(m, supply, refining, routes, r["raw_price"], r["refined_price"])
        minerals[m] = Mineral(m, r["raw_price"], r["refined_price"], float(penalty))
    return minerals


def _check_keys(records: dict[str, list[Record]], out: Collector) -> None:
    """Two rows with the same key on one sheet are an error, not "last one wins"."""
    for spec in S.SHEETS:
        if not spec.key:
            continue
        seen: dict[tuple, int] = {}
        for rec in records[spec.name]:
            key = tuple((label_key(rec[k]) if isinstance(rec[k], str) else rec[k]) for k in spec.key)
            if any(rec[k] is None for k in spec.key if spec.column(k).required):
                continue
            if key in seen:
                shown = ", ".join(f"{k}={rec[k] if rec[k] is not None else '(blank)'}" for k in spec.key)
                out.error(Issue(rec.sheet, rec.row, rec.cols.get(spec.key[0]), spec.key[0],
                                f"repeats the key of row {seen[key]} ({shown}); each key may appear once"))
            else:
                seen[key] = rec.row


def _expand_periods(rows: list[Record], periods: tuple[str, ...], record) -> dict[SiteKey, tuple]:
    """A supply or refining sheet as SiteKey -> ``record(row)``, sorted by mineral, country and period.

    Blank period = every period; a row naming a period overrides the blank row. Rows without a
    mineral, country, capacity or cost are left out (validation has reported them).
    """
    table: dict[SiteKey, tuple] = {}
    for specific in (False, True):
        for r in rows:
            if None in (r["mineral"], r["country"], r["capacity"], r["cost"]) or (r["period"] is not None) != specific:
                continue
            for t in ([r["period"]] if specific else periods):
                table[SiteKey(r["mineral"], r["country"], t)] = record(r)
    order = {t: i for i, t in enumerate(periods)}
    return {key: table[key] for key in sorted(table, key=lambda k: (k.mineral, k.site, order[k.period]))}


def _routes(rows, minerals, defined: _Defined, out) -> dict:
    country_set, market_set = defined.country_set, defined.market_set
    routes: dict = {}
    for specific in (False, True):
        for r in rows:
            if None in (r["stage"], r["from"], r["to"]) or (r["mineral"] is not None) != specific:
                continue
            if r["from"] not in country_set:
                continue  # already reported as an unknown reference
            if r["stage"] == "supply" and r["to"] not in country_set:
                out.error(r.issue("to", f"got {quote(r['to'])}; expected a refining country on sheet "
                                        f"'countries'{defined.country_hint(r['to'])}."))
                continue
            if r["stage"] == "delivery" and r["to"] not in market_set:
                out.error(r.issue("to", f"got {quote(r['to'])}; expected a market on sheet 'demand' or "
                                        f"'reserve'{did_you_mean(r['to'], sorted(market_set))}."))
                continue
            route = Route(r["cost"] or 0.0, r["tariff_rate"] or 0.0, bool(r["allowed"]), r.row)
            for m in ([r["mineral"]] if specific else minerals):
                routes[(r["stage"], r["from"], r["to"], m)] = route
    return routes


def _check_tariff_prices(rows, minerals, routes, out) -> None:
    for r in rows:
        if not r["tariff_rate"] or None in (r["stage"], r["from"], r["to"]):
            continue
        price_col = "raw_price" if r["stage"] == "supply" else "refined_price"
        applies = [m for m in minerals
                   if getattr(routes.get((r["stage"], r["from"], r["to"], m)), "row", None) == r.row]
        lacking = [m for m in applies if m in minerals and getattr(minerals[m], price_col) is None]
        if lacking:
            out.error(r.issue("tariff_rate", f"got {quote(r['tariff_rate'])}; a tariff needs the mineral's "
                                             f"{price_col} on sheet 'minerals', which is blank for "
                                             + ", ".join(lacking) + "."))


def _reserves(reserve_rows, target_rows, periods, minerals: dict[str, Mineral], out, supply: dict, refining: dict):
    """Reserves (default shortfall penalty: half the unmet penalty) and their targets per period."""
    reserves = {}
    for r in reserve_rows:
        if None in (r["mineral"], r["market"]) or r["mineral"] not in minerals:
            continue
        max_stock = r["max_stock"] if r["max_stock"] is not None else INF
        initial = r["initial_stock"] or 0.0
        if initial > max_stock:
            out.error(r.issue("initial_stock", f"got {quote(initial)}; expected at most max_stock "
                                               f"({quote(max_stock)})."))
        unmet = minerals[r["mineral"]].unmet_penalty
        shortfall = r["shortfall_penalty"]
        if shortfall is not None and shortfall > unmet:
            out.warn(r.issue("shortfall_penalty", f"{quote(shortfall)} is above the mineral's unmet penalty "
                                                  f"({quote(unmet)}): unmet demand counts in the reserve's balance, "
                                                  "so the plan may leave demand unserved to keep the reserve full"))
        price, salvage = r["purchase_price"], r["salvage"] or 0.0
        if price is not None and salvage > price:
            out.error(r.issue("salvage", f"got {quote(salvage)}; expected at most the row's purchase_price "
                                         f"({quote(price)}): stock worth more at the end than it costs would be "
                                         "bought without limit"))
        cheapest = _cheapest_delivery(r["mineral"], supply, refining)
        if salvage and cheapest is not None and salvage > cheapest:
            out.warn(r.issue("salvage", f"{quote(salvage)} is above what {r['mineral']}'s cheapest supply and "
                                        f"refining cost ({quote(cheapest)} per t): the plan will fill the reserve "
                                        "for its end value"))
        reserves[(r["mineral"], r["market"])] = Reserve(initial, max_stock, r["holding_cost"] or 0.0,
                                                        shortfall if shortfall is not None else unmet / 2.0,
                                                        price, salvage)
    targets: dict = {}
    for specific in (False, True):
        for r in target_rows:
            if None in (r["mineral"], r["market"]) or (r["period"] is not None) != specific:
                continue
            if (r["mineral"], r["market"]) not in reserves:
                out.error(r.issue("market", f"got {quote(r['market'])}; a reserve target needs a row for "
                                            f"mineral {r['mineral']!r} and market {r['market']!r} on sheet 'reserve'."))
                continue
            for t in ([r["period"]] if specific else periods):
                targets[MarketKey(r["mineral"], r["market"], t)] = Target(r["min_stock"] or 0.0,
                                                                          r["min_days"] or 0.0)
    return reserves, targets


_EXCEPT = re.compile(r"^\*\s*except\s+(.+)$", re.IGNORECASE)


def _scope(text: str, defined: _Defined) -> str | None:
    """``*``, a country code (upper-case) or a group label as first written; None when it names nothing."""
    if text == "*":
        return "*"
    if text.upper() in defined.country_set:
        return text.upper()
    return defined.names.get("group", text)


def _rule_name(name, seen: dict[str, str]) -> str | None:
    """A named rule's name as first written: rows naming it in another case or spacing are the same rule."""
    if name is None:
        return None
    text = " ".join(str(name).split())
    return seen.setdefault(text.lower(), text)


def _shares(rows, defined: _Defined, out) -> list[ShareRule]:
    rules = []
    names_seen: dict[str, str] = {}
    for r in rows:
        if None in (r["stage"], r["scope"]):
            continue
        lo = r["min_share"] if r["min_share"] is not None else 0.0
        hi = r["max_share"] if r["max_share"] is not None else 1.0
        if lo > hi:
            out.error(r.issue("min_share", f"got {quote(lo)}; expected at most max_share ({quote(hi)})."))
            continue
        text = " ".join(r["scope"].split())
        excepted = _EXCEPT.match(text)
        scope = _scope(excepted.group(1).strip() if excepted else text, defined)
        if scope is None or (excepted and scope == "*"):
            pool = sorted(defined.country_set) + defined.names.all("group")
            what = "the X of '* except X'" if excepted else "'*', '* except X'"
            out.error(r.issue("scope", f"got {quote(r['scope'])}; expected {what}, a country on sheet 'countries' "
                                       f"or a group label on sheet 'countries'"
                                       f"{did_you_mean(excepted.group(1) if excepted else text, pool)}."))
            continue
        if r["penalty"] == 0:  # valid (the spec refuses only a negative penalty), but excess then costs nothing
            out.warn(r.issue("penalty", "0 lets the limit be missed at no cost, so the rule limits nothing; leave "
                                        "penalty blank for a hard limit, or give the cost per t of missing it"))
        rules.append(ShareRule(r.row, r["stage"], "*" if excepted else scope, r["mineral"], r["period"], lo, hi,
                               market=r["market"], basis=r["basis"] or "location", penalty=r["penalty"],
                               excluded=scope if excepted else None, rule=_rule_name(r["rule"], names_seen)))
    return rules


def _ownership(rows, minerals: list[str], out) -> dict[tuple[str, str, str], dict[str, float]]:
    """(stage, mineral, country) -> owner -> share; a mineral's own row overrides the blank one.

    Shares of one stage, country and mineral add up to at most 1; the rest is the country's own.
    """
    owned: dict[tuple, dict[str, float]] = defaultdict(dict)
    source: dict[tuple, list[Record]] = defaultdict(list)
    for specific in (False, True):
        for r in rows:
            if None in (r["stage"], r["country"], r["owner"], r["share"]) or (r["mineral"] is not None) != specific:
                continue
            for m in ([r["mineral"]] if specific else minerals):
                key = (r["stage"], m, r["country"])
                owned[key][r["owner"]] = r["share"]
                source[key] = [x for x in source[key] if x["owner"] != r["owner"]] + [r]
    for key, shares in owned.items():
        total = sum(shares.values())
        if total > 1.0 + 1e-9:
            stage, m, country = key
            last = max(source[key], key=lambda x: x.row)
            rows_text = ", ".join(str(x.row) for x in sorted(source[key], key=lambda x: x.row))
            out.error(last.issue("share", f"shares of {stage} capacity in {country} for {m} add up to "
                                          f"{total:g} (rows {rows_text}); expected at most 1."))
    return {k: v for k, v in owned.items() if sum(v.values()) <= 1.0 + 1e-9}


def _projects(rows, defined: _Defined, out) -> tuple[dict[str, Project], dict[ProjectPeriod, Terms]]:
    """Candidate projects, and each one's capacity and operating cost in every period it can stand in."""
    projects: dict[str, Project] = {}
    terms: dict[ProjectPeriod, Terms] = {}
    periods = defined.periods
    if not periods:  # no period to stand in; the empty periods sheet is reported on its own
        return projects, terms
    for r in rows:
        if None in (r["project"], r["stage"], r["mineral"], r["country"], r["capacity"], r["cost"],
                    r["fixed_cost"]):
            continue
        name = r["project"]
        if name.upper() in defined.country_set or defined.names.get("group", name) is not None:
            out.error(r.issue("project", f"got {quote(name)}, which is also a country or group on sheet "
                                         "'countries'; give the project a name of its own."))
            continue
        if r["stage"] == "supply" and not _blank(r, "yield") and r["yield"] is not None:
            out.warn(r.issue("yield", f"{quote(r['yield'])} is not used by a supply-stage project (a yield applies to "
                                      "refineries only); ignored"))
        first = r["first_period"] or periods[0]
        project = Project(name, r["stage"], r["mineral"], r["country"], r["capacity"], r["cost"], r["fixed_cost"],
                          r["yield"] if r["yield"] is not None else 1.0, first, bool(r["integer"]),
                          r["owner"] or r["country"], r.row, r["requires"])
        projects[name] = project
        for t in periods[periods.index(first):]:
            terms[ProjectPeriod(name, t)] = Terms(project.capacity, project.cost)
    return _requirements(projects, {r["project"]: r for r in rows if r["project"] is not None}, out), terms


def _requirements(projects: dict[str, Project], rows: dict, out) -> dict[str, Project]:
    """Projects with their ``requires`` matched to a project's name (ignoring case); a requirement that names
    no project, the project itself, or closes a loop is refused on its cell."""
    lookup = {name.lower(): name for name in projects}
    resolved = {}
    for name, p in projects.items():
        if p.requires is None:
            resolved[name] = p
            continue
        r = rows[name]
        other = lookup.get(str(p.requires).lower())
        if other is None:
            out.error(r.issue("requires", f"got {quote(p.requires)}; expected a project on sheet 'projects'"
                                          f"{did_you_mean(str(p.requires), list(projects))}."))
        elif other == name:
            out.error(r.issue("requires", f"got {quote(p.requires)}, the project itself; a project cannot require "
                                          "itself."))
        else:
            resolved[name] = dataclasses.replace(p, requires=other)
    for name, p in resolved.items():
        chain, q = [name], p
        while q.requires is not None and q.requires in resolved:
            if q.requires in chain:
                loop = chain[chain.index(q.requires):] + [q.requires]
                if name == min(loop[:-1]):  # report each loop once
                    out.error(rows[name].issue("requires", "closes a loop of requirements: " + " -> ".join(loop)
                                               + "; no project of it could ever be built first."))
                break
            chain.append(q.requires)
            q = resolved[q.requires]
    return resolved


def _scenarios(rows, defined: _Defined, minerals: dict[str, Mineral], out
               ) -> tuple[dict[str, list[ScenarioRow]], dict[str, float]]:
    """Scenario rows by scenario (sheet order), and each scenario's probability."""
    scenarios: dict[str, list[ScenarioRow]] = {}
    probability: dict[str, tuple[float, Record]] = {}
    names = defined.names
    for r in rows:
        if None in (r["scenario"], r["kind"]):
            continue
        name = names.define("scenario", r["scenario"])
        if name.lower() == "base":
            out.error(r.issue("scenario", f"got {quote(r['scenario'])}; that name is reserved for the plan without "
                                          "scenario factors."))
            continue
        kind, factor = r["kind"], r["factor"]
        if factor is None and kind != "export_ban":
            if _blank(r, "factor"):  # a cell that is not a number >= 0 is reported where it was read
                out.error(r.issue("factor", f"is blank; kind {kind} needs a factor (a number >= 0)."))
            continue
        if factor is not None and kind == "export_ban":
            out.warn(r.issue("factor", f"{quote(factor)} is not used by kind export_ban (a ban closes the routes "
                                       "whatever the factor); ignored"))
        if not _scenario_places(r, defined, out):
            continue
        if kind == "tariff":
            lacking = [m for m in ([r["mineral"]] if r["mineral"] else minerals) if m in minerals
                       and any(getattr(minerals[m], price) is None for stage, price in
                               (("supply", "raw_price"), ("delivery", "refined_price")) if r["stage"] in (None, stage))]
            if lacking:
                out.error(r.issue("factor", f"a tariff needs the mineral's price for its stage on sheet 'minerals', "
                                            f"which is blank for {', '.join(lacking)}."))
                continue
        if r["probability"] is not None:
            seen = probability.get(name)
            if seen is not None and abs(seen[0] - r["probability"]) > 1e-12:
                out.error(r.issue("probability", f"got {quote(r['probability'])}; row {seen[1].row} gives scenario "
                                                 f"{name!r} the probability {quote(seen[0])} (one value a scenario)."))
            elif seen is None:
                probability[name] = (r["probability"], r)
        scenarios.setdefault(name, []).append(
            ScenarioRow(r.row, kind, factor, r["mineral"], r["country"], r["period"], r["to"], r["stage"]))
    total = sum(p for p, _record in probability.values())
    if total > 1.0 + 1e-9:
        first = min((record for _p, record in probability.values()), key=lambda record: record.row)
        out.error(first.issue("probability", f"the scenarios' probabilities add up to {total:g}; base takes 1 minus "
                                             "their sum, so they may add up to at most 1."))
    return scenarios, {name: p for name, (p, _record) in probability.items()}


def _blank(r: Record, column: str) -> bool:
    """Whether ``column`` was left blank on the row (its cell empty, or the column absent), as read."""
    value = r.raw.get(column)
    return value is None or (isinstance(value, str) and not value.strip())


def _scenario_places(r: Record, defined: _Defined, out) -> bool:
    """Check a scenario row's country (or market) and ``to``; report what does not exist."""
    kind, country, to, stage = r["kind"], r["country"], r["to"], r["stage"]
    country_set, market_set = defined.country_set, defined.market_set
    if country is not None:
        if kind == "demand" and country not in market_set:
            out.error(r.issue("country", f"got {quote(country)}; expected a market on sheet 'demand' or 'reserve' "
                                         f"for kind demand{did_you_mean(country, sorted(market_set))}."))
            return False
        if kind != "demand" and country not in country_set:
            out.error(r.issue("country", f"got {quote(country)}; expected a country on sheet 'countries' for kind "
                                         f"{kind}{defined.country_hint(country)}."))
            return False
    if kind not in LANE_KINDS:
        if to is not None or stage is not None:
            out.warn(r.issue("to" if to is not None else "stage", f"is not used by kind {kind} (only by "
                                                                   "export_ban and tariff); ignored"))
        return True
    if to is not None:
        pools = {"supply": country_set, "delivery": market_set, None: country_set | market_set}[stage]
        if to not in pools:
            what = {"supply": "a refining country on sheet 'countries'", "delivery": "a market on sheet 'demand' "
                    "or 'reserve'", None: "a country or a market"}[stage]
            out.error(r.issue("to", f"got {quote(to)}; expected {what}{did_you_mean(to, sorted(pools))}."))
            return False
    return True


def _settings(rows: list[Record], out: Collector) -> dict:
    settings = {s.key: s.default for s in S.SETTINGS}
    for r in rows:
        key = (r["key"] or "").strip().lower()
        if not key:
            continue
        spec = S.SETTING_BY_KEY.get(key)
        if spec is None:
            out.warn(r.issue("key", f"setting {r['key']!r} is not one the planner knows; ignored"
                                    f"{did_you_mean(key, S.SETTING_BY_KEY)}"))
            continue
        col = S.Column("value", spec.kind, True, choices=spec.choices, minimum=spec.minimum,
                       minimum_exclusive=spec.minimum_exclusive, maximum=spec.maximum, integer=spec.integer)
        raw_value = r.raw.get("value")
        value, problem = convert_cell(col, raw_value)
        if problem:
            out.error(r.issue("value", f"setting {key}: {problem}"))
            continue
        settings[key] = value
    return settings


def _default_unmet_penalty(m, supply, refining, routes, raw_price, refined_price) -> float:
    """10 x (largest supply cost + refining cost + supply-route and delivery-route unit cost), or 1."""
    def largest(values):
        return max(values, default=0.0)

    def unit(route: Route, price):
        return route.cost + route.tariff_rate * (price or 0.0)

    total = (largest(terms.cost for key, terms in supply.items() if key.mineral == m)
             + largest(terms.cost for key, terms in refining.items() if key.mineral == m)
             + largest(unit(rt, raw_price) for (st, _f, _to, mm), rt in routes.items()
                       if mm == m and st == "supply" and rt.allowed)
             + largest(unit(rt, refined_price) for (st, _f, _to, mm), rt in routes.items()
                       if mm == m and st == "delivery" and rt.allowed))
    return 10.0 * total if total > 0 else 1.0

"""Resolve validated rows into a PlannerInput: names, references, blanks = all, overrides, defaults.

Cross-sheet rules live here: a reference to a mineral, country, period or market the name
sheets do not define, repeated keys, a reserve target without its reserve, a tariff without a
price. Problems are collected, never raised one by one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from planner.errors import Issue
from planner.input import schema as S
from planner.input.cells import convert_cell, did_you_mean, label_key, quote
from planner.input.data import INF, Mineral, PlannerInput, Reserve, Risk, Route, ScenarioRow, ShareRule
from planner.input.records import Collector, Record


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


def resolve(source: str, records: dict[str, list[Record]], out: Collector) -> PlannerInput:
    """Every sheet's rows, resolved into the tables the model reads."""
    _check_keys(records, out)
    defined = _define_names(records, out)
    _resolve_references(records, defined, out)
    names, periods = defined.names, defined.periods
    settings = _settings(records["settings"], out)

    supply = _expand_periods(records["supply"], periods, lambda r: (r["capacity"], r["cost"]))
    refining = _expand_periods(records["refining"], periods,
                               lambda r: (r["capacity"], r["cost"], r["yield"] if r["yield"] is not None else 1.0))
    demand = {(r["mineral"], r["market"], r["period"]): r["demand"] for r in records["demand"]
              if None not in (r["mineral"], r["market"], r["period"], r["demand"])}
    routes = _routes(records["routes"], names.all("mineral"), defined.country_set, defined.market_set, out)
    minerals = _minerals(records["minerals"], names, settings, supply, refining, routes)
    _check_tariff_prices(records["routes"], minerals, routes, out)
    reserves, targets = _reserves(records["reserve"], records["reserve_targets"], periods, minerals, out)
    markets: dict[str, set] = defaultdict(set)
    for (m, d, _t) in demand:
        markets[m].add(d)
    for (m, d) in reserves:
        markets[m].add(d)

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
        markets={m: tuple(sorted(markets.get(m, ()))) for m in minerals},
        routes=routes,
        routes_default=settings["routes_default"],
        reserves=reserves,
        targets=targets,
        shares=_shares(records["shares"], names, defined.country_set, out),
        scenarios=_scenarios(records["scenarios"], names, defined.country_set, defined.market_set, out),
        risks=[Risk(r.row, r["risk"], r["country"], r["stage"], r["probability"], r["mineral"],
                    r["factor"] if r["factor"] is not None else 0.0, r["duration"] if r["duration"] else 1)
               for r in records["risks"] if r["country"] is not None and r["risk"] is not None],
        settings=settings,
        production={(r["mineral"], r["stage"], r["country"]): r["tonnes"] for r in records["production"]
                    if None not in (r["mineral"], r["stage"], r["country"], r["tonnes"])},
    )


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
    for sheet in ("demand", "reserve"):
        for r in records[sheet]:
            if r["market"]:
                names.define("market", r["market"])
    groups = {g: tuple(sorted(m)) for g, m in members.items()}
    return _Defined(names, countries, country_names, groups, tuple(periods), years)


_WHERE = {"mineral": "sheet 'minerals'", "country": "sheet 'countries'", "period": "sheet 'periods'",
          "market": "a market on sheet 'demand' or 'reserve'"}


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
                    pool = defined.countries if kind == "country" else defined.names.all(kind)
                    out.error(rec.issue(col.name, f"got {quote(value)}; expected a {kind} on {_WHERE[kind]}"
                                                  f"{did_you_mean(value, pool)}."))
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


def _expand_periods(rows: list[Record], periods: tuple[str, ...], value) -> dict:
    """Blank period = every period; a row naming a period overrides the blank row."""
    table: dict = {}
    for r in rows:
        if r["mineral"] is None or r["country"] is None or None in value(r)[:2] or r["period"] is not None:
            continue
        for t in periods:
            table[(r["mineral"], r["country"], t)] = value(r)
    for r in rows:
        if r["mineral"] is None or r["country"] is None or None in value(r)[:2] or r["period"] is None:
            continue
        table[(r["mineral"], r["country"], r["period"])] = value(r)
    return dict(sorted(table.items(), key=lambda kv: (kv[0][0], kv[0][1], periods.index(kv[0][2]))))


def _routes(rows, minerals, country_set, market_set, out) -> dict:
    routes: dict = {}
    for specific in (False, True):
        for r in rows:
            if None in (r["stage"], r["from"], r["to"]) or (r["mineral"] is not None) != specific:
                continue
            if r["from"] not in country_set:
                continue  # already reported as an unknown reference
            if r["stage"] == "supply" and r["to"] not in country_set:
                out.error(r.issue("to", f"got {quote(r['to'])}; expected a refining country on sheet "
                                        f"'countries'{did_you_mean(r['to'], sorted(country_set))}."))
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


def _reserves(reserve_rows, target_rows, periods, minerals: dict[str, Mineral], out):
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
        reserves[(r["mineral"], r["market"])] = Reserve(initial, max_stock, r["holding_cost"] or 0.0,
                                                        shortfall if shortfall is not None else unmet / 2.0)
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
                targets[(r["mineral"], r["market"], t)] = (r["min_stock"] or 0.0, r["min_days"] or 0.0)
    return reserves, targets


def _shares(rows, names, country_set, out) -> list[ShareRule]:
    rules = []
    for r in rows:
        if None in (r["stage"], r["scope"]):
            continue
        lo = r["min_share"] if r["min_share"] is not None else 0.0
        hi = r["max_share"] if r["max_share"] is not None else 1.0
        if lo > hi:
            out.error(r.issue("min_share", f"got {quote(lo)}; expected at most max_share ({quote(hi)})."))
            continue
        scope = r["scope"]
        if scope != "*":
            if scope.upper() in country_set:
                scope = scope.upper()
            elif names.get("group", scope) is not None:
                scope = names.get("group", scope)
            else:
                pool = sorted(country_set) + names.all("group")
                out.error(r.issue("scope", f"got {quote(scope)}; expected '*', a country on sheet 'countries' "
                                           f"or a group label on sheet 'countries'{did_you_mean(scope, pool)}."))
                continue
        rules.append(ShareRule(r.row, r["stage"], scope, r["mineral"], r["period"], lo, hi))
    return rules


def _scenarios(rows, names, country_set, market_set, out) -> dict[str, list[ScenarioRow]]:
    scenarios: dict[str, list[ScenarioRow]] = {}
    for r in rows:
        if None in (r["scenario"], r["kind"], r["factor"]):
            continue
        name = names.define("scenario", r["scenario"])
        if name.lower() == "base":
            out.error(r.issue("scenario", f"got {quote(r['scenario'])}; that name is reserved for the plan "
                                          "without scenario factors."))
            continue
        country = r["country"]
        if country is not None:
            pool, what = (market_set, "market") if r["kind"] == "demand" else (country_set, "country")
            if country not in pool:
                where = "on sheet 'demand' or 'reserve'" if what == "market" else "on sheet 'countries'"
                out.error(r.issue("country", f"got {quote(country)}; expected a {what} {where} for kind "
                                             f"{r['kind']}{did_you_mean(country, sorted(pool))}."))
                continue
        scenarios.setdefault(name, []).append(
            ScenarioRow(r.row, r["kind"], r["factor"], r["mineral"], country, r["period"]))
    return scenarios


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
                       minimum_exclusive=spec.minimum_exclusive)
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

    total = (largest(cost for (mm, _c, _t), (_cap, cost) in supply.items() if mm == m)
             + largest(cost for (mm, _r, _t), (_cap, cost, _y) in refining.items() if mm == m)
             + largest(unit(rt, raw_price) for (st, _f, _to, mm), rt in routes.items()
                       if mm == m and st == "supply" and rt.allowed)
             + largest(unit(rt, refined_price) for (st, _f, _to, mm), rt in routes.items()
                       if mm == m and st == "delivery" and rt.allowed))
    return 10.0 * total if total > 0 else 1.0

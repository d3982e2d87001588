"""Independent checker of a solved plan: every rule of the spec recomputed from the input and output workbooks.

The checker reads the input workbook itself (openpyxl) and implements the spec's rules (blank = all,
specific rows overriding blank ones, defaults, routes, scenario factors) for the small, well-formed
workbooks the tests write. It shares no code with the planner, so a bug has to be made twice to pass.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import load_workbook

SCENARIO_KINDS = ("supply_capacity", "refining_capacity", "supply_cost", "refining_cost", "demand")
COMPONENTS = ("supply_cost", "transport_cost", "tariff_cost", "refining_cost", "holding_cost", "unmet_cost",
              "shortfall_cost", "excess_cost", "fixed_cost", "purchase_cost", "salvage_cost")


# --------------------------------------------------------------------------- reading the input


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and math.isnan(v))


def label(v: Any) -> str | None:
    """A label as written: 2026, 2026.0 and "2026" all give "2026"; blank gives None."""
    if _blank(v):
        return None
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (int, float)):
        f = float(v)
        return str(int(f)) if f.is_integer() else str(f)
    s = str(v).strip()
    try:
        f = float(s)
    except ValueError:
        return s
    return str(int(f)) if math.isfinite(f) and f.is_integer() else s


def key(v: Any) -> str | None:
    """Case-insensitive key of a mineral, period, group or scenario name (None when blank)."""
    s = label(v)
    return None if s is None else s.lower()


def code(v: Any) -> str | None:
    """Country or market code, upper-case (None when blank)."""
    s = label(v)
    return None if s is None else s.upper()


def num(v: Any, default: float | None = None) -> float | None:
    if _blank(v):
        return default
    return float(v)


def truth(v: Any, default: bool = True) -> bool:
    if _blank(v):
        return default
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v != 0
    return str(v).strip().lower() not in ("false", "no", "n", "f", "0", "closed")


def _read_sheets(path: str | Path) -> dict[str, list[dict[str, Any]]]:
    wb = load_workbook(path, data_only=True, read_only=True)
    sheets: dict[str, list[dict[str, Any]]] = {}
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        if not rows:
            sheets[ws.title.strip().lower()] = []
            continue
        header = [str(h).strip().lower() if h is not None else "" for h in rows[0]]
        records = []
        for excel_row, row in enumerate(rows[1:], start=2):
            if all(_blank(v) for v in row):
                continue
            record = {h: v for h, v in zip(header, row) if h}
            record["_row"] = excel_row
            records.append(record)
        sheets[ws.title.strip().lower()] = records
    wb.close()
    return sheets


class Inputs:
    """The input workbook's tables, keyed the way the spec matches them."""

    def __init__(self, path: str | Path):
        sh = _read_sheets(path)
        g = lambda name: sh.get(name, [])  # noqa: E731

        self.settings = {str(r["key"]).strip().lower(): r.get("value") for r in g("settings")}
        self.routes_closed = str(self.settings.get("routes_default") or "open").strip().lower() == "closed"

        self.minerals: dict[str, dict[str, float | None]] = {}
        for r in g("minerals"):
            self.minerals[key(r["mineral"])] = {
                "raw_price": num(r.get("raw_price"), 0.0),
                "refined_price": num(r.get("refined_price"), 0.0),
                "unmet_penalty": num(r.get("unmet_penalty")),
            }
        self.groups: dict[str, set[str]] = {}
        for r in g("countries"):
            labels = r.get("groups")
            self.groups[code(r["country"])] = (
                {s.strip().lower() for s in str(labels).split(",") if s.strip()} if not _blank(labels) else set()
            )
        self.periods: list[str] = []
        self.years: dict[str, float] = {}
        for r in g("periods"):
            t = key(r["period"])
            self.periods.append(t)
            self.years[t] = num(r.get("years"), 1.0)

        self.supply = {}
        for r in g("supply"):
            self.supply[(key(r["mineral"]), code(r["country"]), key(r.get("period")))] = (
                num(r["capacity"]), num(r["cost"]))
        self.refining = {}
        for r in g("refining"):
            self.refining[(key(r["mineral"]), code(r["country"]), key(r.get("period")))] = (
                num(r["capacity"]), num(r["cost"]), num(r.get("yield"), 1.0))
        self.demand = {}
        self.elastic = {}  # (m, d, t) -> (elasticity, reference price or None)
        for r in g("demand"):
            k = (key(r["mineral"]), code(r["market"]), key(r["period"]))
            self.demand[k] = num(r["demand"])
            self.elastic[k] = (num(r.get("elasticity")), num(r.get("price")))
        self.bids: dict[tuple, list[tuple[float, float]]] = defaultdict(list)  # (m, d, t) -> (tonnes, price)
        for r in g("demand_curve"):
            self.bids[(key(r["mineral"]), code(r["market"]), key(r["period"]))].append(
                (num(r["tonnes"]), num(r["price"])))
        for k, steps in self.bids.items():
            self.demand[k] = sum(t for t, _p in steps)
        self.routes = {}
        for r in g("routes"):
            self.routes[(str(r["stage"]).strip().lower(), code(r["from"]), code(r["to"]), key(r.get("mineral")))] = (
                num(r.get("cost"), 0.0), num(r.get("tariff_rate"), 0.0), truth(r.get("allowed")))
        self.shares = []
        for r in g("shares"):
            scope = " ".join(str(r["scope"]).split())
            excepted = re.match(r"^\*\s*except\s+(.+)$", scope, re.IGNORECASE)
            self.shares.append({
                "row": r["_row"],
                "stage": str(r["stage"]).strip().lower(),
                "scope": "*" if excepted else scope,
                "excluded": excepted.group(1).strip() if excepted else None,
                "mineral": key(r.get("mineral")),
                "period": key(r.get("period")),
                "min_share": num(r.get("min_share"), 0.0),
                "max_share": num(r.get("max_share"), 1.0),
                "market": code(r.get("market")),
                "basis": "owner" if str(r.get("basis") or "").strip().lower() == "owner" else "location",
                "penalty": num(r.get("penalty")),
            })
        # (stage, mineral or None, country, owner) -> share
        self.ownership = {(str(r["stage"]).strip().lower(), key(r.get("mineral")), code(r["country"]),
                           code(r["owner"])): num(r["share"]) for r in g("ownership")}
        self.projects: dict[str, dict[str, Any]] = {}
        for r in g("projects"):
            self.projects[str(r["project"]).strip()] = {
                "stage": str(r["stage"]).strip().lower(), "mineral": key(r["mineral"]), "country": code(r["country"]),
                "capacity": num(r["capacity"]), "cost": num(r["cost"]), "fixed_cost": num(r["fixed_cost"]),
                "yield": num(r.get("yield"), 1.0), "first_period": key(r.get("first_period")),
                "integer": truth(r.get("integer"), False), "owner": code(r.get("owner")) or code(r["country"]),
                "requires": None if _blank(r.get("requires")) else str(r["requires"]).strip(),
            }
        self.byproducts = [{"mineral": key(r["mineral"]), "host": key(r["host"]), "ratio": num(r["ratio"]),
                            "country": code(r.get("country")), "period": key(r.get("period"))}
                           for r in g("byproducts")]
        self.reserve = {}
        for r in g("reserve"):
            self.reserve[(key(r["mineral"]), code(r["market"]))] = {
                "initial_stock": num(r.get("initial_stock"), 0.0),
                "max_stock": num(r.get("max_stock"), math.inf),
                "holding_cost": num(r.get("holding_cost"), 0.0),
                "shortfall_penalty": num(r.get("shortfall_penalty")),
                "purchase_price": num(r.get("purchase_price")),
                "salvage": num(r.get("salvage"), 0.0),
            }
        self.budgets = [{"budget": r["budget"], "amount": num(r["amount"]), "market": code(r.get("market")),
                         "mineral": key(r.get("mineral"))} for r in g("budgets")]
        self.targets = {}
        for r in g("reserve_targets"):
            self.targets[(key(r["mineral"]), code(r["market"]), key(r.get("period")))] = (
                num(r.get("min_stock"), 0.0), num(r.get("min_days"), 0.0))
        self.scenarios: dict[str, list[dict[str, Any]]] = {}
        for r in g("scenarios"):
            stage = r.get("stage")
            self.scenarios.setdefault(key(r["scenario"]), []).append({
                "kind": str(r["kind"]).strip().lower(),
                "factor": num(r.get("factor")),
                "mineral": key(r.get("mineral")),
                "country": code(r.get("country")),
                "period": key(r.get("period")),
                "to": code(r.get("to")),
                "stage": None if _blank(stage) else str(stage).strip().lower(),
            })

    # --- parameters after "specific overrides blank"

    def supply_row(self, m, c, t):
        return self.supply.get((m, c, t)) or self.supply.get((m, c, None))

    def refining_row(self, m, r, t):
        return self.refining.get((m, r, t)) or self.refining.get((m, r, None))

    def countries_with(self, table, m, t):
        return sorted({k[1] for k in table if k[0] == m and (k[2] is None or k[2] == t)})

    def route(self, stage, a, b, m):
        """(open, unit cost) of a route for mineral m: cost + tariff_rate x price of the stage."""
        is_open, transport, tariff = self.route_parts(stage, a, b, m)
        return is_open, transport + tariff

    def route_parts(self, stage, a, b, m):
        """(open, transport cost, tariff per t) of a route for mineral m."""
        row = self.routes.get((stage, a, b, m)) or self.routes.get((stage, a, b, None))
        if row is None:
            return (not self.routes_closed, 0.0, 0.0)
        cost, tariff, allowed = row
        price = self.minerals[m]["raw_price" if stage == "supply" else "refined_price"] or 0.0
        return (allowed, cost, tariff * price)

    def demand_pieces(self, scenario, m, d, t):
        """(core tonnes, [(tonnes, value per t) of each step, most valuable first]) of a demand that answers to
        price, or None for fixed demand (spec, Version 3).

        Bid steps: the bids, no core. Elastic: the curve P(q) = p0 (q / q0)^(1/e) cut at q_U = q0 (U / p0)^e,
        the core below q_U at U, and K equal steps above it valued at their average of P.
        """
        pen = self.unmet_penalty(m)
        factor = self.factor(scenario, "demand", m, d, t)
        if (m, d, t) in self.bids:
            return 0.0, sorted(((tonnes * factor, price) for tonnes, price in self.bids[(m, d, t)] if tonnes > 0),
                               key=lambda piece: -piece[1])
        e, p0 = self.elastic.get((m, d, t), (None, None))
        if e is None and not _blank(self.settings.get("elasticity")):
            e = float(self.settings["elasticity"])
        if p0 is None:
            p0 = self.minerals[m]["refined_price"] or 0.0
        q0 = self.demand.get((m, d, t), 0.0) * factor
        if e is None or e == 0 or p0 <= 0 or pen <= p0:
            return None
        steps = int(float(self.settings.get("demand_steps") or 10))
        q_u = q0 * (pen / p0) ** e
        w = (q0 - q_u) / steps

        def average(x, y):  # of p0 (q / q0)^(1/e) over [x, y], from its integral
            a = 1 / e
            if abs(a + 1) < 1e-12:
                return p0 * math.log(y / x) / (y / q0 - x / q0)
            return p0 / (a + 1) * ((y / q0) ** (a + 1) - (x / q0) ** (a + 1)) / (y / q0 - x / q0)

        return q_u, [(w, average(q_u + (k - 1) * w, q_u + k * w) if q0 > 0 else 0.0) for k in range(1, steps + 1)]

    def lost_value(self, scenario, m, d, t, unserved):
        """The cheapest value of leaving ``unserved`` t of a demand unserved: the least valued tonnes first."""
        pen = self.unmet_penalty(m)
        pieces = self.demand_pieces(scenario, m, d, t)
        if pieces is None:
            return unserved * pen
        core, steps = pieces
        value, left = 0.0, unserved
        for tonnes, price in sorted(steps + [(core, pen)], key=lambda piece: piece[1]):
            take = min(tonnes, left)
            value += take * price
            left -= take
        return value + max(0.0, left) * pen

    def markets(self, m):
        return sorted({k[1] for k in self.demand if k[0] == m} | {k[1] for k in self.reserve if k[0] == m})

    def unmet_penalty(self, m):
        own = self.minerals[m]["unmet_penalty"]
        if own is not None:
            return own
        if not _blank(self.settings.get("unmet_penalty")):
            return float(self.settings["unmet_penalty"])
        sup = [self.supply_row(m, c, t)[1] for t in self.periods for c in self.countries_with(self.supply, m, t)]
        ref = [self.refining_row(m, r, t)[1] for t in self.periods for r in self.countries_with(self.refining, m, t)]
        biggest = {"supply": 0.0, "delivery": 0.0}
        for stage, a, b, mm in self.routes:
            if mm in (m, None) and stage in biggest:
                is_open, unit = self.route(stage, a, b, m)
                if is_open:
                    biggest[stage] = max(biggest[stage], unit)
        total = max(sup, default=0.0) + max(ref, default=0.0) + biggest["supply"] + biggest["delivery"]
        return 10 * total if total > 0 else 1.0

    def shortfall_penalty(self, m, d):
        own = self.reserve[(m, d)]["shortfall_penalty"]
        return own if own is not None else self.unmet_penalty(m) / 2

    # --- version 2: sites, owners, bilateral measures

    def site_country(self, site):
        return self.projects[site]["country"] if site in self.projects else site

    def project_periods(self, name):
        p = self.projects[name]
        first = p["first_period"] or self.periods[0]
        return self.periods[self.periods.index(first):]

    def projects_at(self, stage, m, t):
        return sorted(n for n, p in self.projects.items() if p["stage"] == stage and p["mineral"] == m
                      and t in self.project_periods(n))

    def owners(self, stage, m, c):
        """owner -> share of c's capacity at stage for m (a mineral's own row overrides the blank one)."""
        shares = {}
        for (st, mm, cc, owner), share in self.ownership.items():
            if st == stage and cc == c and mm is None:
                shares[owner] = share
        for (st, mm, cc, owner), share in self.ownership.items():
            if st == stage and cc == c and mm == m:
                shares[owner] = share
        shares[c] = shares.get(c, 0.0) + max(0.0, 1.0 - sum(shares.values()))
        return shares

    def members(self, scope):
        """Countries a scope names: a country code, or the countries of a group label."""
        if scope is None:
            return set()
        if scope.upper() in self.groups:
            return {scope.upper()}
        return {c for c, labels in self.groups.items() if scope.lower() in labels}

    def lane(self, scenario, stage, a, b, m, t):
        """(banned, tariff points added) on route a -> b at stage for m in t, in the scenario."""
        banned, points = False, 0.0
        for row in self.scenarios.get(scenario, []):
            if row["kind"] not in ("export_ban", "tariff"):
                continue
            if row["stage"] not in (None, stage) or row["country"] not in (None, a) or row["mineral"] not in (None, m) \
                    or row["period"] not in (None, t):
                continue
            if (row["to"] is None and a == b) or (row["to"] is not None and row["to"] != b):
                continue
            if row["kind"] == "export_ban":
                banned = True
            else:
                points += row["factor"]
        return banned, points

    def lifted(self, scenario, m, t):
        """A reserve is there to be drawn: no target where a scenario row cuts supply or raises demand."""
        for row in self.scenarios.get(scenario, []):
            cuts = (row["kind"] in ("supply_capacity", "refining_capacity") and row["factor"] < 1) \
                or row["kind"] == "export_ban" or (row["kind"] == "demand" and row["factor"] > 1)
            if cuts and row["mineral"] in (None, m) and row["period"] in (None, t):
                return True
        return False

    def price(self, stage, m):
        return self.minerals[m]["raw_price" if stage == "supply" else "refined_price"] or 0.0

    def factor(self, scenario, kind, m, c, t):
        f = 1.0
        for row in self.scenarios.get(scenario, []):
            if row["kind"] == kind and row["mineral"] in (None, m) and row["country"] in (None, c) \
                    and row["period"] in (None, t):
                f *= row["factor"]
        return f

    def target(self, scenario, m, d, t):
        row = self.targets.get((m, d, t)) or self.targets.get((m, d, None))
        if row is None or self.lifted(scenario, m, t):
            return 0.0
        min_stock, min_days = row
        dem = self.demand.get((m, d, t), 0.0) * self.factor(scenario, "demand", m, d, t)
        return max(min_stock, min_days * dem / (365 * self.years[t]))


# --------------------------------------------------------------------------- reading the output


def _table(sheets, name):
    """An output sheet with lower-case column names; an empty frame when the sheet is missing."""
    df = sheets.get(name)
    if df is None:
        return pd.DataFrame()
    df = df.rename(columns=lambda c: str(c).strip().lower())
    return df


def _norm(col, v):
    if col in ("scenario", "mineral", "period"):
        return key(v)
    return code(v)


def _site(rec, country_col, project_col):
    """A row's site: its project where the project column names one, else its country."""
    project = rec.get(project_col)
    return str(project).strip() if not _blank(project) else code(rec[country_col])


def read_output(path: str | Path):
    sheets = pd.read_excel(path, sheet_name=None)

    def grouped(name, cols, values, sites=()):
        """value -> key -> summed value; ``sites`` are (country column, project column) pairs read as sites."""
        df = _table(sheets, name)
        out = {v: defaultdict(float) for v in values}
        if df.empty:
            return out
        site_of = dict(sites)
        for rec in df.to_dict("records"):
            k = tuple(_site(rec, c, site_of[c]) if c in site_of else _norm(c, rec[c]) for c in cols)
            for v in values:
                x = rec.get(v)
                out[v][k] += 0.0 if _blank(x) else float(x)
        return out

    flows = grouped("Flows", ["scenario", "mineral", "period", "origin", "refiner"], ["tonnes"],
                    [("origin", "origin_project"), ("refiner", "refiner_project")])["tonnes"]
    refining = grouped("Refining", ["scenario", "mineral", "period", "refiner"], ["input_tonnes", "output_tonnes"],
                       [("refiner", "project")])
    deliveries = grouped("Deliveries", ["scenario", "mineral", "period", "refiner", "market"], ["tonnes"],
                         [("refiner", "project")])["tonnes"]
    paths = grouped("Paths", ["scenario", "mineral", "period", "origin", "refiner", "market"], ["tonnes"],
                    [("origin", "origin_project"), ("refiner", "refiner_project")])["tonnes"]
    builds = defaultdict(float)
    for rec in _table(sheets, "Investments").to_dict("records"):
        builds[(key(rec["scenario"]), str(rec["project"]).strip(), key(rec["period"]))] += float(rec["fraction_built"])
    excess = defaultdict(float)
    for rec in _table(sheets, "Excess").to_dict("records"):
        excess[(key(rec["scenario"]), int(rec["shares_row"]), key(rec["mineral"]), key(rec["period"]),
                str(rec["scope"]).strip().lower(), code(rec.get("market")), str(rec["bound"]).strip())] \
            += float(rec["tonnes_beyond"])
    reserve_df = _table(sheets, "Reserve")
    reserve = {}
    if not reserve_df.empty:
        for rec in reserve_df.to_dict("records"):
            k = tuple(_norm(c, rec[c]) for c in ("scenario", "mineral", "market", "period"))
            reserve[k] = {v: (0.0 if _blank(rec.get(v)) else float(rec[v])) for v in ("stock", "target", "shortfall")}
    unmet = grouped("Unmet", ["scenario", "mineral", "market", "period"], ["tonnes"])["tonnes"]
    bought = {}
    for rec in _table(sheets, "Stockpiles").to_dict("records"):
        bought[tuple(_norm(c, rec[c]) for c in ("scenario", "mineral", "market"))] = float(rec["bought"])
    priced_out = {}
    for rec in _table(sheets, "Priced out").to_dict("records"):
        k = tuple(_norm(c, rec[c]) for c in ("scenario", "mineral", "market", "period")) + (int(rec["step"]),)
        priced_out[k] = (float(rec["tonnes"]), float(rec["step_value"]), float(rec["step_tonnes"]))
    scen_df = _table(sheets, "Scenarios")
    scenarios = {}
    order = []
    for rec in scen_df.to_dict("records"):
        s = key(rec["scenario"])
        order.append(s)
        scenarios[s] = rec
    summary = {}
    sum_df = _table(sheets, "Summary")
    for rec in sum_df.to_dict("records"):
        summary[str(rec["item"]).strip().lower()] = rec["value"]
    return {
        "flows": flows, "refining": refining, "deliveries": deliveries, "reserve": reserve, "paths": paths,
        "has_paths": "Paths" in sheets, "builds": builds, "excess": excess,
        "unmet": unmet, "priced_out": priced_out, "bought": bought, "scenarios": scenarios, "order": order, "summary": summary,
    }


# --------------------------------------------------------------------------- the checks


def _close(a: float, b: float, tol: float) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def _check_share(inp: Inputs, s, m, t, row, flows, outputs, ships, paths, excess, tol, err, cost) -> None:
    """One shares row in one mineral and period: each scope's quantity against the limits, from the tables.

    The quantity is the whole plan's tonnes (flows by origin at supply, outputs at refining) or, for a
    market rule, what that market receives (deliveries by refiner, or path tonnes by origin); counted by
    country, or by owner (ownership shares; a project wholly for its owner). A soft row may be missed: the
    plan's Excess sheet must show exactly the tonnes beyond, and the cost counts them at the penalty.
    """
    stage, market = row["stage"], row["market"]
    by_site = defaultdict(float)
    if market is None and stage == "supply":
        for (mm, tt, o, _u), v in flows.items():
            if (mm, tt) == (m, t):
                by_site[o] += v
    elif market is None:
        for (mm, tt, u), v in outputs.items():
            if (mm, tt) == (m, t):
                by_site[u] += v
    elif stage == "refining":
        for (mm, tt, u, d), v in ships.items():
            if (mm, tt, d) == (m, t, market):
                by_site[u] += v
    else:
        for (mm, tt, o, _u, d), v in paths.items():
            if (mm, tt, d) == (m, t, market):
                by_site[o] += v
    held = defaultdict(float)
    for site, q in by_site.items():
        if row["basis"] == "owner" and site in inp.projects:
            held[inp.projects[site]["owner"]] += q
        elif row["basis"] == "owner":
            for owner, share in inp.owners(stage, m, site).items():
                held[owner] += share * q
        else:
            held[inp.site_country(site)] += q
    total = sum(by_site.values())
    if row["scope"] == "*":
        excluded = inp.members(row["excluded"])
        scopes = [(h, {h}) for h in sorted(held) if h not in excluded]
    else:
        scopes = [(row["scope"], inp.members(row["scope"]))]
    for name, members in scopes:
        qs = sum(held[h] for h in members)
        slack = tol * max(1.0, total)
        for bound, limit, sign in (("max", row["max_share"], 1.0), ("min", row["min_share"], -1.0)):
            if (bound == "max" and limit >= 1.0) or (bound == "min" and limit <= 0.0):
                continue
            beyond = sign * (qs - limit * total)  # > 0: the limit is missed by this many tonnes
            label = f"scenario {s!r}, mineral {m!r}, period {t!r}: {stage} share of {name} = {qs}/{total}" + (
                f" in market {market}" if market else "")
            if row["penalty"] is None:
                if beyond > slack:
                    err(f"{label} {'above max_share' if bound == 'max' else 'below min_share'} {limit}")
                continue
            recorded = excess.get((row["row"], m, t, name.lower(), market, bound), 0.0)
            if not _close(max(0.0, beyond), recorded, tol) and abs(max(0.0, beyond) - recorded) > slack:
                err(f"{label}: {max(0.0, beyond)} t beyond its soft {bound}_share {limit}, Excess shows {recorded}")
            cost["excess_cost"] += recorded * row["penalty"]


# Relative checks: a balance holds to RTOL of its largest term, however small its terms are (the
# checks above allow an absolute error of tol, which hides a demand of 1e-7 t neither delivered nor
# counted unmet). ATOL is the planner's own rounding: it writes solver values below 1e-9 as 0.
RTOL = 1e-6
ATOL = 1e-8


def _rel_close(a: float, b: float, *terms: float) -> bool:
    return abs(a - b) <= RTOL * max(abs(a), abs(b), *(abs(t) for t in terms)) + ATOL


def check_plan(input_path: str | Path, output_path: str | Path, tol: float = 1e-6) -> None:
    """Assert that the plan in ``output_path`` obeys every rule of the spec for ``input_path``.

    Checks every scenario whose status is Optimal; raises AssertionError listing each violation
    with its scenario, mineral and period.
    """
    inp = Inputs(input_path)
    out = read_output(output_path)
    errors: list[str] = []
    err = errors.append

    if not out["order"]:
        raise AssertionError(f"{output_path}: no Scenarios rows")
    expected_order = ["base", *inp.scenarios]
    if out["order"] != expected_order:
        err(f"Scenarios rows {out['order']}, expected {expected_order} (base first, then sheet order)")

    for s in out["order"]:
        rec = out["scenarios"][s]
        if str(rec.get("status")).strip().lower() != "optimal":
            continue
        _check_scenario(inp, out, s, rec, tol, err)

    base = out["scenarios"].get("base")
    if base is not None and "total_cost" in out["summary"]:
        if not _close(float(out["summary"]["total_cost"]), float(base["total_cost"]), tol):
            err(f"Summary total_cost {out['summary']['total_cost']} != base total_cost {base['total_cost']}")

    if errors:
        shown = errors[:40]
        more = f"\n  ... and {len(errors) - 40} more" if len(errors) > 40 else ""
        raise AssertionError(f"plan {output_path} breaks {len(errors)} rule(s):\n  " + "\n  ".join(shown) + more)


def _check_scenario(inp: Inputs, out, s, rec, tol, err) -> None:
    flows = {k[1:]: v for k, v in out["flows"].items() if k[0] == s}             # (m, t, o, u) by site
    outputs = {k[1:]: v for k, v in out["refining"]["output_tonnes"].items() if k[0] == s}  # (m, t, u)
    inputs = {k[1:]: v for k, v in out["refining"]["input_tonnes"].items() if k[0] == s}
    ships = {k[1:]: v for k, v in out["deliveries"].items() if k[0] == s}        # (m, t, u, d)
    paths = {k[1:]: v for k, v in out["paths"].items() if k[0] == s}             # (m, t, o, u, d)
    unmet = {k[1:]: v for k, v in out["unmet"].items() if k[0] == s}             # (m, d, t)
    reserve = {k[1:]: v for k, v in out["reserve"].items() if k[0] == s}         # (m, d, t)
    builds = {k[1:]: v for k, v in out["builds"].items() if k[0] == s}           # (project, t)
    excess = {k[1:]: v for k, v in out["excess"].items() if k[0] == s}
    cost = dict.fromkeys(COMPONENTS, 0.0)
    country = inp.site_country

    def where(m, t):
        return f"scenario {s!r}, mineral {m!r}, period {t!r}"

    # every quantity >= 0
    for name, table in (("Flows", flows), ("Refining output", outputs), ("Refining input", inputs),
                        ("Deliveries", ships), ("Unmet", unmet), ("Paths", paths)):
        for k, v in table.items():
            if v < -tol:
                err(f"{name} {k} in scenario {s!r} is negative: {v}")
    for k, v in reserve.items():
        for col in ("stock", "shortfall"):
            if v[col] < -tol:
                err(f"Reserve {col} {k} in scenario {s!r} is negative: {v[col]}")

    known_m = set(inp.minerals)
    for table, idx, name in ((flows, 0, "Flows"), (outputs, 0, "Refining"), (ships, 0, "Deliveries"),
                             (unmet, 0, "Unmet")):
        for k, v in table.items():
            if k[idx] not in known_m and abs(v) > tol:
                err(f"{name} row {k} in scenario {s!r} names an unknown mineral")

    # projects: built in [0, 1] in all, never before their first period; fixed costs while they stand
    online = {}
    for name, p in inp.projects.items():
        total_built = 0.0
        for t in inp.periods:
            b = builds.get((name, t), 0.0)
            if b < -tol or (b > tol and t not in inp.project_periods(name)):
                err(f"scenario {s!r}: project {name!r} built {b} in {t}, before its first period or below 0")
            total_built += b
            online[(name, t)] = total_built
            cost["fixed_cost"] += b * p["fixed_cost"] * p["capacity"] * sum(
                inp.years[tt] for tt in inp.periods[inp.periods.index(t):])
            if p["integer"] and min(abs(b), abs(b - 1)) > tol:
                err(f"scenario {s!r}: all-or-nothing project {name!r} built {b} in {t}")
        if total_built > 1 + tol:
            err(f"scenario {s!r}: project {name!r} built {total_built} times (at most once)")
    # by-products (version 3): a country mines the by-product at most ratio x the host, sites counted where they stand
    mined = defaultdict(float)
    for (m, t, o, _u), q in flows.items():
        mined[(m, country(o), t)] += q
    for b in inp.byproducts:
        if b["country"]:
            countries = [b["country"]]
        else:
            countries = sorted({c for (m, c, _t) in inp.supply if m == b["mineral"]}
                               & {c for (m, c, _t) in inp.supply if m == b["host"]})
        for c in countries:
            for t in ([b["period"]] if b["period"] else inp.periods):
                limit = b["ratio"] * mined[(b["host"], c, t)]
                if mined[(b["mineral"], c, t)] > limit + tol * max(1.0, limit):
                    err(f"scenario {s!r}: {b['mineral']} mined in {c} in {t}: {mined[(b['mineral'], c, t)]}, above "
                        f"{b['ratio']} x {b['host']}'s {mined[(b['host'], c, t)]}")
    # projects built together (version 3): online[p,t] <= online[q,t] where p requires q
    lookup = {n.lower(): n for n in inp.projects}
    for name, p in inp.projects.items():
        if p.get("requires"):
            q = lookup[p["requires"].lower()]
            for t in inp.project_periods(name):
                if online[(name, t)] > online[(q, t)] + tol:
                    err(f"scenario {s!r}: project {name!r} is {online[(name, t)]} online in {t}, more than the "
                        f"project it requires, {q!r} ({online[(q, t)]})")

    for m in inp.minerals:
        for t in inp.periods:
            W = where(m, t)
            sup_c = inp.countries_with(inp.supply, m, t)
            ref_r = inp.countries_with(inp.refining, m, t)
            sup_sites = sup_c + inp.projects_at("supply", m, t)
            ref_sites = ref_r + inp.projects_at("refining", m, t)

            # flows: only between sites of this period, on routes open in it; supply and project capacity
            by_origin = defaultdict(float)
            by_refiner = defaultdict(float)
            every_origin = defaultdict(float)  # every flow counted, however small (for the relative checks)
            every_refiner = defaultdict(float)
            for (mm, tt, o, u), v in flows.items():
                if (mm, tt) == (m, t):
                    every_origin[o] += v
                    every_refiner[u] += v
            for (mm, tt, o, u), v in flows.items():
                if (mm, tt) != (m, t) or abs(v) <= tol:
                    continue
                by_origin[o] += v
                by_refiner[u] += v
                if o not in sup_sites:
                    err(f"{W}: flow {o}->{u} = {v} but {o} has no supply row or project standing")
                    continue
                if u not in ref_sites:
                    err(f"{W}: flow {o}->{u} = {v} but {u} has no refining row or project standing")
                is_open, unit = inp.route("supply", country(o), country(u), m)
                banned, points = inp.lane(s, "supply", country(o), country(u), m, t)
                if not is_open or banned:
                    err(f"{W}: flow {o}->{u} = {v} on a {'banned' if banned else 'closed'} supply route")
                if o in inp.projects:
                    unit_cost = inp.projects[o]["cost"] * inp.factor(s, "supply_cost", m, country(o), t)
                else:
                    unit_cost = inp.supply_row(m, o, t)[1] * inp.factor(s, "supply_cost", m, o, t)
                cost["supply_cost"] += v * unit_cost
                _open, transport, tariff = inp.route_parts("supply", country(o), country(u), m)
                cost["transport_cost"] += v * transport
                cost["tariff_cost"] += v * (tariff + points * inp.price("supply", m))
            for c in sup_c:
                cap = inp.supply_row(m, c, t)[0] * inp.factor(s, "supply_capacity", m, c, t)
                if by_origin[c] > cap + tol * max(1.0, cap):
                    err(f"{W}: supply from {c} = {by_origin[c]} exceeds capacity {cap}")
                elif every_origin[c] > cap + RTOL * cap + ATOL:
                    err(f"{W}: supply from {c} = {every_origin[c]} exceeds capacity {cap} (relative)")
            for name in inp.projects_at("supply", m, t):
                cap = inp.projects[name]["capacity"] * inp.factor(s, "supply_capacity", m, country(name), t)
                if by_origin[name] > cap * online[(name, t)] + tol * max(1.0, cap):
                    err(f"{W}: project {name!r} mines {by_origin[name]} beyond {cap} x built {online[(name, t)]}")

            # refining: yield, capacity; dispatch
            refiners = set(ref_sites) | {u for (mm, tt, u) in outputs if (mm, tt) == (m, t)} | set(by_refiner)
            shipped = defaultdict(float)
            for (mm, tt, u, d), v in ships.items():
                if (mm, tt) == (m, t):
                    shipped[u] += v
                    refiners.add(u)
            for u in sorted(refiners):
                o = outputs.get((m, t, u), 0.0)
                if u in inp.projects and u in ref_sites:
                    p = inp.projects[u]
                    cap = p["capacity"] * inp.factor(s, "refining_capacity", m, p["country"], t) * online[(u, t)]
                    rcost = p["cost"] * inp.factor(s, "refining_cost", m, p["country"], t)
                    yld = p["yield"]
                else:
                    row = inp.refining_row(m, u, t)
                    if row is None:
                        if abs(o) > tol or shipped[u] > tol:
                            err(f"{W}: refiner {u} has output {o} / deliveries {shipped[u]} but no refining row")
                        continue
                    cap, rcost, yld = row
                    cap *= inp.factor(s, "refining_capacity", m, u, t)
                    rcost *= inp.factor(s, "refining_cost", m, u, t)
                if (m, t, u) in inputs and not _close(inputs[(m, t, u)], by_refiner[u], tol):
                    err(f"{W}: refiner {u} input_tonnes {inputs[(m, t, u)]} != sum of flows into it {by_refiner[u]}")
                if not _close(o, yld * by_refiner[u], tol):
                    err(f"{W}: refiner {u} output {o} != yield {yld} x input {by_refiner[u]}")
                elif not _rel_close(o, yld * every_refiner[u]):
                    err(f"{W}: refiner {u} output {o} != yield {yld} x input {every_refiner[u]} (relative)")
                if (m, t, u) in inputs and not _rel_close(inputs[(m, t, u)], every_refiner[u]):
                    err(f"{W}: refiner {u} input_tonnes {inputs[(m, t, u)]} != sum of flows into it "
                        f"{every_refiner[u]} (relative)")
                if o > cap + tol * max(1.0, cap):
                    err(f"{W}: refiner {u} output {o} exceeds capacity {cap}")
                elif o > cap + RTOL * cap + ATOL:
                    err(f"{W}: refiner {u} output {o} exceeds capacity {cap} (relative)")
                if not _close(shipped[u], o, tol):
                    err(f"{W}: refiner {u} delivers {shipped[u]} but produces {o}")
                elif not _rel_close(shipped[u], o):
                    err(f"{W}: refiner {u} delivers {shipped[u]} but produces {o} (relative)")
                cost["refining_cost"] += o * rcost

            # deliveries: open routes, known markets
            markets = inp.markets(m)
            received = defaultdict(float)
            for (mm, tt, u, d), v in ships.items():
                if (mm, tt) != (m, t) or abs(v) <= tol:
                    continue
                received[d] += v
                if d not in markets:
                    err(f"{W}: delivery {u}->{d} = {v} to a market without demand or reserve")
                is_open, unit = inp.route("delivery", country(u), d, m)
                banned, points = inp.lane(s, "delivery", country(u), d, m, t)
                if not is_open or banned:
                    err(f"{W}: delivery {u}->{d} = {v} on a {'banned' if banned else 'closed'} delivery route")
                _open, transport, tariff = inp.route_parts("delivery", country(u), d, m)
                cost["transport_cost"] += v * transport
                cost["tariff_cost"] += v * (tariff + points * inp.price("delivery", m))
            for (mm, d, tt), v in unmet.items():
                if (mm, tt) == (m, t) and d not in markets and abs(v) > tol:
                    err(f"{W}: unmet {v} reported for market {d} without demand or reserve")

            # chain of custody: every flow split over the markets its refiner serves, in the yield's proportion
            market_rule = any(r["market"] is not None and r["stage"] == "supply" and r["mineral"] in (None, m)
                              and r["period"] in (None, t) for r in inp.shares)
            if market_rule:
                if not out["has_paths"]:
                    err(f"{W}: a market rule on supply applies but the plan has no Paths sheet")
                split = defaultdict(float)
                reach = defaultdict(float)
                for (mm, tt, o, u, d), v in paths.items():
                    if (mm, tt) == (m, t):
                        split[(o, u)] += v
                        reach[(u, d)] += v
                for (mm, tt, o, u), v in flows.items():
                    if (mm, tt) == (m, t) and not _close(split[(o, u)], v, tol):
                        err(f"{W}: paths from {o} through {u} carry {split[(o, u)]} but the flow is {v}")
                for (mm, tt, u, d), v in ships.items():
                    if (mm, tt) == (m, t):
                        yld = inp.projects[u]["yield"] if u in inp.projects else inp.refining_row(m, u, t)[2]
                        if not _close(yld * reach[(u, d)], v, tol):
                            err(f"{W}: paths through {u} to {d} x yield {yld} = {yld * reach[(u, d)]} but {v} is "
                                "delivered")

            # share limits recomputed from the flows, outputs, deliveries or paths
            for row in inp.shares:
                if row["mineral"] not in (None, m) or row["period"] not in (None, t):
                    continue
                _check_share(inp, s, m, t, row, flows, outputs, ships, paths, excess, tol, err, cost)

        # market balance, with or without a reserve, over the periods in order
        for d in inp.markets(m):
            res = inp.reserve.get((m, d))
            prev = res["initial_stock"] if res else 0.0
            b = out["bought"].get((s, m, d), 0.0)
            if b and (res is None or res["purchase_price"] is None):
                err(f"scenario {s!r}, {m!r} {d!r}: {b} t bought for a reserve without a purchase_price")
            elif res is not None and res["purchase_price"] is not None:
                if b < -tol or prev + b > res["max_stock"] + tol * max(1.0, prev + b):
                    err(f"scenario {s!r}, {m!r} {d!r}: bought {b} t, initial {prev} t, max_stock {res['max_stock']}")
                cost["purchase_cost"] += b * res["purchase_price"]
                prev += b
            for t in inp.periods:
                W = where(m, t) + f", market {d!r}"
                dem = inp.demand.get((m, d, t), 0.0) * inp.factor(s, "demand", m, d, t)
                got = sum(v for (mm, tt, r, dd), v in ships.items() if (mm, tt, dd) == (m, t, d))
                un = unmet.get((m, d, t), 0.0)
                cost["unmet_cost"] += inp.lost_value(s, m, d, t, un)
                pieces = inp.demand_pieces(s, m, d, t)
                steps_out = {k[4]: v for k, v in out["priced_out"].items() if k[:4] == (s, m, d, t)}
                if steps_out and pieces is None:
                    err(f"{W}: Priced out lists steps of a fixed demand")
                elif steps_out:
                    for step, (tonnes, value, size) in steps_out.items():
                        width, worth = pieces[1][step - 1]
                        if not (_close(value, worth, tol) and _close(size, width, tol)):
                            err(f"{W}: step {step} is {size} t at {value}/t, expected {width} t at {worth}/t")
                        if tonnes > width + tol * max(1.0, width):
                            err(f"{W}: step {step} leaves {tonnes} t unserved, more than its {width} t")
                    if sum(v[0] for v in steps_out.values()) > un + tol * max(1.0, un):
                        err(f"{W}: steps priced out exceed the unmet {un} t")
                if un > dem + tol * max(1.0, dem):
                    err(f"{W}: unmet {un} exceeds demand {dem}")
                elif un > dem + RTOL * dem + ATOL:
                    err(f"{W}: unmet {un} exceeds demand {dem} (relative)")
                if res is None:
                    if not _close(got + un, dem, tol):
                        err(f"{W}: deliveries {got} + unmet {un} != demand {dem}")
                    elif not _rel_close(got + un, dem, got, un):
                        err(f"{W}: deliveries {got} + unmet {un} != demand {dem} (relative)")
                    continue
                r = reserve.get((m, d, t))
                if r is None:
                    err(f"{W}: no Reserve row")
                    continue
                stock = r["stock"]
                if not _close(stock, prev + got + un - dem, tol):
                    err(f"{W}: stock {stock} != previous {prev} + deliveries {got} + unmet {un} - demand {dem}")
                elif not _rel_close(stock, prev + got + un - dem, prev, got, un, dem):
                    err(f"{W}: stock {stock} != previous {prev} + deliveries {got} + unmet {un} - demand {dem} "
                        "(relative)")
                if stock > res["max_stock"] + tol * max(1.0, stock):
                    err(f"{W}: stock {stock} above max_stock {res['max_stock']}")
                target = inp.target(s, m, d, t)
                if not _close(r["target"], target, tol):
                    err(f"{W}: Reserve target {r['target']}, expected {target}")
                if stock + r["shortfall"] < target - tol * max(1.0, target):
                    err(f"{W}: stock {stock} + shortfall {r['shortfall']} below target {target}")
                elif stock + r["shortfall"] < target - RTOL * target - ATOL:
                    err(f"{W}: stock {stock} + shortfall {r['shortfall']} below target {target} (relative)")
                cost["holding_cost"] += stock * res["holding_cost"]
                cost["shortfall_cost"] += r["shortfall"] * inp.shortfall_penalty(m, d)
                if t == inp.periods[-1]:
                    cost["salvage_cost"] -= stock * res["salvage"]
                prev = stock

    for budget in inp.budgets:  # money spent on stock bought up front within every budget
        spent = sum(v * inp.reserve[(m, d)]["purchase_price"] for (ss, m, d), v in out["bought"].items()
                    if ss == s and budget["mineral"] in (None, m) and budget["market"] in (None, d))
        if spent > budget["amount"] + tol * max(1.0, budget["amount"]):
            err(f"scenario {s!r}: budget {budget['budget']!r} spends {spent}, above its {budget['amount']}")
    total = sum(cost.values())
    if not _close(float(rec["total_cost"]), total, tol):
        err(f"scenario {s!r}: total_cost {rec['total_cost']} != {total} recomputed from the tables {cost}")
    for c in COMPONENTS:
        if c in rec and not _blank(rec[c]) and not _close(float(rec[c]), cost[c], tol):
            err(f"scenario {s!r}: {c} {rec[c]} != {cost[c]} recomputed from the tables")
    derived = {"route_cost": cost["transport_cost"] + cost["tariff_cost"],
               "economic_cost": total - cost["tariff_cost"] - cost["excess_cost"] - cost["shortfall_cost"],
               "lost_value": cost["unmet_cost"]}
    for c, value in derived.items():
        if c in rec and not _blank(rec[c]) and not _close(float(rec[c]), value, tol):
            err(f"scenario {s!r}: {c} {rec[c]} != {value} recomputed from the tables")

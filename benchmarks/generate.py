#!/usr/bin/env python3
"""Generate a valid planning workbook of a given size, deterministically from a seed.

Every feature of the input spec (shared/spec/workbook.md) appears in the workbook:

- partial coverage: each mineral is mined in about half the countries and refined in about
  40% of them; some mines and refineries only open in a later period (rows for named periods
  only), and some capacities grow from a later period (a named-period row overriding the
  blank-period row);
- costs that vary by country (a country factor times a mineral base cost, with noise), yields
  below 1, prices on every mineral, unmet penalties on most minerals (the rest take the default);
- routes for every supply pair and every delivery pair with distance-based costs, tariffs from
  FEOC-group countries to partner refiners and markets, closed routes (random supply pairs,
  sanctioned delivery routes) and mineral-specific overrides of blank-mineral rows;
- shares with scope ``*``, a country and a group, blank and named minerals and periods, max and
  min shares; the ``*`` supply cap binds for minerals with a dominant producer;
- reserves with and without max_stock and shortfall_penalty, targets in days of demand (blank
  period) overridden by tonnes in named periods, and a reserve in a market without demand;
- scenarios of every kind (supply_capacity, refining_capacity, supply_cost, refining_cost,
  demand), with blank and named mineral, country and period; a ``risks`` sheet and settings.

Capacities meet most of the demand: demand grows faster than capacity, so later periods, the
share caps and the scenarios leave some of it unmet.

Size: ``--scenarios N`` writes N scenarios on the ``scenarios`` sheet; the planner solves
``base`` plus those N. The world preset (30 minerals, 60 countries, 12 periods, 5 markets,
4 scenarios) gives about 320k columns and 52k rows per scenario.

Usage:
    python benchmarks/generate.py --preset world -o benchmarks/out/world.xlsx
    python benchmarks/generate.py --minerals 30 --countries 60 --periods 12 --markets 5 \\
        --scenarios 4 --seed 1 -o benchmarks/out/world.xlsx
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

PRESETS: dict[str, dict[str, int]] = {
    "small": dict(minerals=3, countries=12, periods=4, markets=3, scenarios=2),
    "medium": dict(minerals=10, countries=30, periods=8, markets=4, scenarios=3),
    "world": dict(minerals=30, countries=60, periods=12, markets=5, scenarios=4),
}

# Shape of the LP: the share of countries that mine / refine each mineral, and of supply
# pairs closed at random. With these, the world preset has ~320k columns and ~52k rows.
SUPPLY_COVERAGE = 0.50
REFINING_COVERAGE = 0.45
CLOSED_SUPPLY_ROUTES = 0.02
LATE_ENTRANTS = 0.05  # share of mines and refineries that only open in a later period
EXPANSIONS = 0.35  # share of mines and refineries whose capacity grows from a later period

FIXED_DATE = dt.datetime(2026, 1, 1)

# Real labels first; synthetic ones (ISO 3166 user-assigned Q.. codes, M.. markets) beyond them.
COUNTRIES = (
    "CHN", "AUS", "USA", "CAN", "CHL", "ARG", "BRA", "COD", "ZAF", "IDN", "PHL", "RUS", "IND", "JPN",
    "KOR", "DEU", "FRA", "GBR", "NOR", "FIN", "SWE", "POL", "ESP", "PRT", "MEX", "PER", "BOL", "ZMB",
    "ZWE", "NAM", "MOZ", "MDG", "TZA", "GAB", "GIN", "GHA", "MAR", "TUR", "KAZ", "UZB", "MNG", "VNM",
    "THA", "MYS", "MMR", "LAO", "PNG", "NCL", "NZL", "SAU", "ARE", "IRN", "UKR", "SRB", "BEL", "NLD",
    "AUT", "ITA", "CZE", "ROU", "EST", "CUB", "COL", "ECU", "GUY", "RWA", "BDI", "UGA", "KEN", "ETH",
    "NGA", "CIV", "MLI", "BFA", "NER", "EGY", "DZA", "TUN", "OMN", "QAT", "PAK", "BGD", "LKA", "KHM",
)
COUNTRY_NAMES = {"CHN": "China", "AUS": "Australia", "USA": "United States", "CAN": "Canada",
                 "CHL": "Chile", "COD": "DR Congo", "IDN": "Indonesia", "RUS": "Russia", "JPN": "Japan"}
FEOC = {"CHN", "RUS", "IRN", "CUB", "MMR"}
PARTNERS = {"USA", "CAN", "AUS", "JPN", "KOR", "DEU", "FRA", "GBR", "NOR", "FIN", "SWE", "POL", "ESP",
            "PRT", "ITA", "BEL", "NLD", "AUT", "CZE", "EST", "NZL", "IND", "CHL", "ARG", "BRA", "PHL",
            "NAM", "ZMB", "UKR", "SRB", "KAZ", "UZB", "MNG", "PER", "MEX"}
MSP = {"USA", "CAN", "AUS", "JPN", "KOR", "DEU", "FRA", "GBR", "NOR", "FIN", "SWE", "ITA", "EST", "IND"}
MARKETS = ("USA", "EU", "JPN", "KOR", "IND", "GBR", "CAN", "AUS", "TWN", "CHE")
MINERALS = (
    "lithium", "cobalt", "nickel", "graphite", "copper", "manganese", "neodymium", "praseodymium",
    "dysprosium", "terbium", "gallium", "germanium", "antimony", "tungsten", "vanadium", "titanium",
    "platinum", "palladium", "indium", "tellurium", "tantalum", "niobium", "bismuth", "magnesium",
    "aluminum", "silicon", "chromium", "tin", "zinc", "fluorspar", "beryllium", "hafnium", "scandium",
    "zirconium", "yttrium", "barite",
)
EU_MEMBERS = {"DEU", "FRA", "POL", "ESP", "PRT", "FIN", "SWE", "BEL", "NLD", "AUT", "ITA", "CZE", "ROU", "EST"}


@dataclass
class Sizes:
    minerals: int
    countries: int
    periods: int
    markets: int
    scenarios: int


def _labels(real: tuple[str, ...], n: int, synthetic) -> list[str]:
    return list(real[:n]) + [synthetic(i) for i in range(max(0, n - len(real)))]


def _q_code(i: int) -> str:  # QAA..QZZ are user-assigned alpha-3 codes: no clash with real ones
    return "Q" + chr(ord("A") + (i // 26) % 26) + chr(ord("A") + i % 26)


def _r(x: float, digits: int = 2) -> float:
    return round(x, digits)


def build_tables(minerals: int, countries: int, periods: int, markets: int, scenarios: int,
                 seed: int = 1, version: int = 2, market_rules_only: bool = False) -> dict[str, list[list]]:
    """The workbook's sheets as rows (header first), all values plain Python.

    ``version`` 1 writes only what the first version of the spec knew (the same workbook, byte for
    byte, as before version 2 existed), with ``market_rules_only`` plus the EU benchmark as market
    rules on every mineral (``market_rules``); 2 adds market rules, ownership, soft limits, bilateral
    measures, candidate projects and probabilities, from a random stream of their own.
    """
    if minerals < 1 or countries < 3 or periods < 1 or markets < 1 or scenarios < 0:
        raise ValueError("need minerals >= 1, countries >= 3, periods >= 1, markets >= 1, scenarios >= 0")
    rng = random.Random(seed)
    mins = _labels(MINERALS, minerals, lambda i: f"mineral {len(MINERALS) + i + 1}")
    ctys = _labels(COUNTRIES, countries, _q_code)
    mkts = _labels(MARKETS, markets, lambda i: f"M{len(MARKETS) + i + 1:02d}")
    pers = [str(2026 + i) for i in range(periods)]
    T = len(pers)

    # Countries: a position (for route costs), a cost factor, and group labels.
    pos = {c: (rng.uniform(0, 100), rng.uniform(0, 60)) for c in ctys}
    mpos = {d: (rng.uniform(0, 100), rng.uniform(0, 60)) for d in mkts}
    cost_factor = {c: rng.uniform(0.6, 1.6) for c in ctys}
    groups: dict[str, list[str]] = {}
    for c in ctys:
        g = []
        if c in PARTNERS or (c not in FEOC and c.startswith("Q") and rng.random() < 0.35):
            g.append("partner")
        if c in MSP:
            g.append("MSP")
        if c in FEOC or (c.startswith("Q") and rng.random() < 0.1):
            g.append("FEOC")
        if c in EU_MEMBERS:
            g.append("EU member")
        groups[c] = g
    feoc = [c for c in ctys if "FEOC" in groups[c]]
    partner = [c for c in ctys if "partner" in groups[c]]
    hub = ctys[0]  # the dominant refiner (CHN in the real list)

    sheets: dict[str, list[list]] = {}
    sheets["settings"] = [["key", "value"], ["currency", "USD"], ["routes_default", "open"],
                          ["solver", "highs"], ["spot_premium", 0.5]]
    sheets["countries"] = [["country", "name", "groups"]] + [
        [c, COUNTRY_NAMES.get(c, f"Country {c}"), ", ".join(groups[c]) or None] for c in ctys]
    sheets["periods"] = [["period", "years"]] + [[int(t), 1] for t in pers]

    mineral_rows = [["mineral", "raw_price", "refined_price", "unmet_penalty"]]
    supply_rows = [["mineral", "country", "period", "capacity", "cost"]]
    refining_rows = [["mineral", "country", "period", "capacity", "cost", "yield"]]
    demand_rows = [["mineral", "market", "period", "demand"]]
    reserve_rows = [["mineral", "market", "initial_stock", "max_stock", "holding_cost", "shortfall_penalty"]]
    target_rows = [["mineral", "market", "period", "min_stock", "min_days"]]
    info: dict[str, dict] = {}

    n_supply = max(2, min(countries, round(SUPPLY_COVERAGE * countries)))
    n_refine = max(2, min(countries, round(REFINING_COVERAGE * countries)))
    for mi, m in enumerate(mins):
        base_demand = 10 ** rng.uniform(3.0, 6.5)  # t/yr across all markets in the first period
        growth = rng.uniform(0.01, 0.04)
        base_cost = rng.uniform(500, 20000)
        avg_yield = rng.uniform(0.6, 0.95)
        raw_price = base_cost * rng.uniform(1.3, 1.8)
        refined_cost = base_cost * rng.uniform(0.3, 1.0)
        refined_price = (raw_price / avg_yield + refined_cost) * rng.uniform(1.2, 1.5)

        # Refiners: the hub in most minerals, with a dominant share; the rest by random weights.
        others = [c for c in ctys if c != hub]
        refiners = ([hub] if rng.random() < 0.85 else []) + rng.sample(others, n_refine)
        refiners = sorted(set(refiners[:n_refine]))
        dominant_r = hub if hub in refiners else refiners[0]
        r_cap_total = base_demand * rng.uniform(1.0, 1.25)
        r_weights = _weights(rng, refiners, dominant_r, rng.uniform(0.3, 0.7))

        miners = sorted(rng.sample(ctys, n_supply))
        dominant_s = rng.choice(miners)
        # Raw tonnes for the refined demand, with slack; the dominant miner often above the 50% cap.
        s_cap_total = base_demand / avg_yield * rng.uniform(1.05, 1.3)
        s_weights = _weights(rng, miners, dominant_s, rng.uniform(0.25, 0.6))
        info[m] = dict(refiners=refiners, miners=miners, dominant_s=dominant_s, dominant_r=dominant_r,
                       base_demand=base_demand, refined_price=refined_price, r_weights=r_weights)

        penalty = None if mi % 4 == 3 else _r(refined_price * rng.uniform(3, 6))
        mineral_rows.append([m, _r(raw_price), _r(refined_price), penalty])

        for c in miners:
            cap = s_cap_total * s_weights[c]
            cost = base_cost * cost_factor[c] * rng.uniform(0.85, 1.15)
            supply_rows += _capacity_rows(rng, [m, c], cap, [_r(cost)], pers)
        for r in refiners:
            cap = r_cap_total * r_weights[r]
            cost = refined_cost * cost_factor[r] * rng.uniform(0.85, 1.15)
            y = _r(min(0.99, avg_yield * rng.uniform(0.93, 1.07)), 3)
            refining_rows += _capacity_rows(rng, [m, r], cap, [_r(cost), y], pers)

        # Demand: most markets, every period but a few, growing faster than capacity.
        weights = [rng.uniform(0.5, 2.0) for _ in mkts]
        total_w = sum(weights)
        buying = [d for d in mkts if rng.random() < 0.9] or [mkts[0]]
        if len(mkts) > 1 and mi == 1 and mkts[-1] in buying and len(buying) > 1:
            buying.remove(mkts[-1])  # this market holds a reserve of m but buys none of it
        for di, d in enumerate(mkts):
            if d not in buying:
                continue
            for ti, t in enumerate(pers):
                if ti > 0 and rng.random() < 0.03:
                    continue  # no demand row: demand 0 in that period
                q = base_demand * weights[di] / total_w * (1 + growth) ** ti * rng.uniform(0.95, 1.05)
                demand_rows.append([m, d, int(t), _r(q)])

        # Reserves: the first three markets hold stockpiles of some minerals.
        for di, d in enumerate(mkts[:3]):
            if (mi + di) % 3 != 0 and not (mi == 1 and d == mkts[-1]):
                continue
            annual = base_demand * weights[di] / total_w
            max_stock = None if (mi + di) % 2 else _r(annual * 0.6)
            shortfall = None if mi % 2 else _r(refined_price * 2)
            reserve_rows.append([m, d, _r(annual * 0.1), max_stock, _r(refined_price * 0.05), shortfall])
            target_rows.append([m, d, None, None, rng.choice([30, 60, 90])])
            if T > 2:
                target_rows.append([m, d, int(pers[T // 2]), _r(annual * 0.3), None])
        if mi == 1 and len(mkts) > 1 and mkts[-1] not in buying and mkts[-1] not in mkts[:3]:
            reserve_rows.append([m, mkts[-1], 0, _r(base_demand * 0.05), _r(refined_price * 0.05), None])
            target_rows.append([m, mkts[-1], None, _r(base_demand * 0.02), None])

    sheets["minerals"] = mineral_rows
    sheets["supply"] = supply_rows
    sheets["refining"] = refining_rows
    sheets["demand"] = demand_rows
    sheets["routes"] = _routes(rng, ctys, mkts, mins, pos, mpos, feoc, partner, groups, info)
    sheets["shares"] = _shares(rng, mins, pers, info, partner)
    sheets["reserve"] = reserve_rows
    sheets["reserve_targets"] = target_rows
    sheets["scenarios"] = _scenarios(rng, scenarios, mins, ctys, mkts, pers, info, hub)
    sheets["risks"] = [["risk", "country", "stage", "probability", "mineral", "factor", "duration"],
                       [f"{hub} export controls", hub, "refining", 0.05, None, 0, 2],
                       [f"{info[mins[0]]['dominant_s']} strike", info[mins[0]]["dominant_s"], "supply", 0.1,
                        mins[0], 0.5, 1],
                       [f"{ctys[1]} cyclone", ctys[1], "supply", 0.08, None, 0.7, None]]
    if version >= 2:
        _version_2(random.Random(seed * 7919 + 2), sheets, mins, ctys, mkts, pers, info, hub, groups)
    elif market_rules_only:
        market_rules(sheets, mkts, groups)
    return sheets


def market_rules(sheets, mkts, groups) -> list[list]:
    """The EU benchmark on market mkts[0], every mineral, both stages (``* except EU member``, or partners
    where no EU member is drawn, 65%): market-scoped shares and chain-of-custody paths. Returns the shares."""
    shares = sheets["shares"]
    shares[0] += ["market", "basis", "penalty"]
    for row in shares[1:]:
        row += [None, None, None]
    exempt = "EU member" if any("EU member" in g for g in groups.values()) else "partner"
    shares += [["refining", f"* except {exempt}", None, None, None, 0.65, mkts[0], None, None],
               ["supply", f"* except {exempt}", None, None, None, 0.65, mkts[0], None, None]]
    return shares


def _version_2(rng, sheets, mins, ctys, mkts, pers, info, hub, groups) -> None:
    """Every version 2 feature on top of the version 1 workbook.

    - shares: the EU benchmark on market mkts[0] at both stages (``* except EU member``, or partners where no
      EU member is drawn, 65%, every mineral:
      chain-of-custody paths for that market); a FEOC owner rule on mkts[1]'s refining; a soft 70% target
      on mining at 500 per t;
    - ownership: the hub's companies own part of the refining of three other large refiners, and of two mines;
    - scenarios: an export ban from the hub to mkts[0] and a tariff on the hub's ore, from the middle period;
      a probability on every scenario;
    - projects: five for every three minerals (50 in the world preset), every fifth all-or-nothing.
    """
    T = len(pers)
    shares = market_rules(sheets, mkts, groups)
    shares.append(["supply", "*", None, None, None, 0.7, None, None, 500])
    if len(mkts) > 1:
        shares.append(["refining", "FEOC", None, None, None, 0.5, mkts[1], "owner", None])

    refiners = sorted({r for m in mins for r in info[m]["refiners"] if r != hub and "FEOC" not in groups[r]})
    miners = sorted({c for m in mins for c in info[m]["miners"] if c != hub and "FEOC" not in groups[c]})
    ownership = [["stage", "country", "owner", "share", "mineral"]]
    for r in rng.sample(refiners, min(3, len(refiners))):
        ownership.append(["refining", r, hub, _r(rng.uniform(0.3, 0.8)), None])
    for c in rng.sample(miners, min(2, len(miners))):
        ownership.append(["supply", c, hub, _r(rng.uniform(0.2, 0.6)), mins[0]])
    sheets["ownership"] = ownership

    scenarios = sheets["scenarios"]
    scenarios[0] += ["to", "stage", "probability"]
    for row in scenarios[1:]:
        row += [None, None, None]
    mid = int(pers[T // 2])
    scenarios += [[f"{hub} export ban to {mkts[0]}", "export_ban", None, None, hub, mid, mkts[0], "delivery", None],
                  [f"tariff on {hub} ore", "tariff", 0.25, None, hub, mid, None, "supply", None]]
    names = list(dict.fromkeys(row[0] for row in scenarios[1:]))
    probability = {name: _r(rng.uniform(0.02, 0.08), 3) for name in names}
    for row in scenarios[1:]:
        row[-1] = probability[row[0]]

    projects = [["project", "stage", "mineral", "country", "capacity", "cost", "fixed_cost", "yield", "first_period",
                 "integer", "owner"]]
    for i in range(round(5 * len(mins) / 3)):
        m = mins[i % len(mins)]
        stage = "refining" if i % 2 == 0 else "supply"
        country = rng.choice([c for c in ctys if c != hub])
        price = info[m]["refined_price"]
        capacity = _r(info[m]["base_demand"] * rng.uniform(0.03, 0.12))
        cost = _r(price * rng.uniform(0.15, 0.35) if stage == "refining" else price * rng.uniform(0.25, 0.5))
        fixed = _r(price * rng.uniform(0.02, 0.12))
        first = int(pers[rng.randrange(0, max(1, T // 2))])
        owner = hub if i % 7 == 3 else None
        projects.append([f"P{i + 1:02d} {stage} {m} {country}", stage, m, country, capacity, cost, fixed,
                         _r(rng.uniform(0.85, 0.98), 3) if stage == "refining" else None, first, i % 5 == 4, owner])
    sheets["projects"] = projects


def _weights(rng: random.Random, names: list[str], dominant: str, share: float) -> dict[str, float]:
    """Capacity shares: ``dominant`` gets ``share``, the rest split the remainder at random."""
    rest = [n for n in names if n != dominant]
    raw = {n: rng.paretovariate(1.5) for n in rest}
    total = sum(raw.values()) or 1.0
    weights = {n: (1 - share) * v / total for n, v in raw.items()}
    weights[dominant] = share if rest else 1.0
    return weights


def _capacity_rows(rng, key: list, cap: float, rest: list, periods: list[str]) -> list[list]:
    """A blank-period row, maybe expanded from a later period; or a late entrant's named periods."""
    T = len(periods)
    roll = rng.random()
    if T > 2 and roll < LATE_ENTRANTS:
        start = rng.randrange(1, T)
        return [[*key, int(t), _r(cap * 0.5 * (1.05 ** i)), *rest] for i, t in enumerate(periods[start:])]
    rows = [[*key, None, _r(cap), *rest]]
    if T > 2 and roll < LATE_ENTRANTS + EXPANSIONS:
        start = rng.randrange(1, T)
        step = rng.uniform(1.2, 1.6)
        rows += [[*key, int(t), _r(cap * step), *rest] for t in periods[start:]]
    return rows


def _dist(a, b) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def _routes(rng, ctys, mkts, mins, pos, mpos, feoc, partner, groups, info) -> list[list]:
    rows = [["stage", "from", "to", "mineral", "cost", "tariff_rate", "allowed"]]
    feoc_set, partner_set = set(feoc), set(partner)
    for c in ctys:
        for r in ctys:
            cost = 0.0 if c == r else 5 + 3.0 * _dist(pos[c], pos[r])
            tariff = 0.15 if (c in feoc_set and r in partner_set) else None
            allowed = False if (c != r and rng.random() < CLOSED_SUPPLY_ROUTES) else None
            rows.append(["supply", c, r, None, _r(cost), tariff, allowed])
    # Mineral-specific overrides: an export control on one mineral, a preferential route on another.
    if feoc and partner and len(mins) > 1:
        rows.append(["supply", feoc[0], partner[0], mins[1], 5.0, None, False])
        rows.append(["supply", partner[-1], partner[0], mins[0], 1.0, 0, True])
    for r in ctys:
        for di, d in enumerate(mkts):
            cost = 10 + 4.0 * _dist(pos[r], mpos[d])
            tariff = (0.25 if di == 0 else 0.1) if r in feoc_set else None
            allowed = False if (r in feoc_set and r != ctys[0] and di < 2) else None  # sanctions
            rows.append(["delivery", r, d, None, _r(cost), tariff, allowed])
    return rows


def _shares(rng, mins, pers, info, partner) -> list[list]:
    rows = [["stage", "scope", "mineral", "period", "min_share", "max_share"]]
    # No country above 60% of mining in the last period, for every mineral.
    rows.append(["supply", "*", None, int(pers[-1]), None, 0.6])
    rows.append(["refining", "FEOC", None, None, None, 0.75])  # FEOC refiners at most 75%
    T = len(pers)
    for i, m in enumerate(mins):
        if i % 3 != 2:  # no country above half of this mineral's mining
            rows.append(["supply", "*", m, None, None, 0.5])
        partner_share = sum(w for r, w in info[m]["r_weights"].items() if r in set(partner))
        if i % 3 == 0 and partner_share > 0.05:
            # Partners refine a floor share of this mineral from the middle period on (binding at times).
            floor = _r(min(0.15, 0.9 * partner_share), 3)
            for t in pers[T // 2:]:
                rows.append(["refining", "partner", m, int(t), floor, None])
        if i % 5 == 1:
            rows.append(["refining", "*", m, None, None, 0.75])
        if i % 7 == 2:
            rows.append(["supply", info[m]["dominant_s"], m, int(pers[-1]), None, 0.4])
    return rows


def _scenarios(rng, n, mins, ctys, mkts, pers, info, hub) -> list[list]:
    rows = [["scenario", "kind", "factor", "mineral", "country", "period"]]
    T = len(pers)
    mid = T // 2
    for i in range(n):
        m = mins[i % len(mins)]
        template = i % 4
        suffix = "" if i < 4 else f" {i // 4 + 1}"
        if template == 0:  # an export ban on one mineral from the middle period on
            name = f"{hub} bans {m} refining{suffix}"
            rows += [[name, "refining_capacity", 0, m, hub, int(t)] for t in pers[mid:]]
        elif template == 1:  # the largest mine halved, and mining costs up everywhere
            name = f"{info[m]['dominant_s']} mine outage{suffix}"
            rows.append([name, "supply_capacity", 0.5, m, info[m]["dominant_s"], None])
            rows.append([name, "supply_cost", 1.3, None, None, None])
        elif template == 2:  # demand surge in the first market, and in the second for one mineral
            name = f"demand surge{suffix}"
            rows.append([name, "demand", 1.3, None, mkts[0], None])
            if len(mkts) > 1:
                rows.append([name, "demand", 1.15, m, mkts[1], int(pers[-1])])
        else:  # refining costs up, one country's mining costs up
            name = f"cost inflation{suffix}"
            rows.append([name, "refining_cost", 1.25, None, None, None])
            rows.append([name, "supply_cost", 1.1, None, ctys[1], int(pers[0])])
    if 0 < n < 4:  # fewer scenarios than templates: every kind still appears, in the last scenario
        last = rows[-1][0]
        present = {r[1] for r in rows[1:]}
        for kind in ("supply_capacity", "refining_capacity", "supply_cost", "refining_cost", "demand"):
            if kind not in present:
                rows.append([last, kind, 1.05, None, None, None])
    return rows


def write_xlsx(path: str | Path, sheets: dict[str, list[list]]) -> Path:
    """Write ``sheets`` with XlsxWriter in constant-memory mode; same input, same bytes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"title": "Generated planning workbook", "created": FIXED_DATE})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, bool):
                    ws.write_boolean(i, j, value)
                elif isinstance(value, (int, float)):
                    ws.write_number(i, j, value)
                else:
                    ws.write_string(i, j, value)
    wb.close()
    return path


def generate(path: str | Path, minerals: int, countries: int, periods: int, markets: int, scenarios: int,
             seed: int = 1, version: int = 2, market_rules_only: bool = False) -> Path:
    """Write a valid input workbook of the given size to ``path``; return the path."""
    return write_xlsx(path, build_tables(minerals, countries, periods, markets, scenarios, seed, version,
                                         market_rules_only))


def generate_preset(path: str | Path, preset: str, seed: int = 1, version: int = 2) -> Path:
    return generate(path, **PRESETS[preset], seed=seed, version=version)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", choices=sorted(PRESETS), help="a named size (explicit sizes override it)")
    for name in ("minerals", "countries", "periods", "markets", "scenarios"):
        p.add_argument(f"--{name}", type=int)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--version", type=int, choices=(1, 2), default=2,
                   help="1: only what the first version of the spec knew; 2 (default): every feature")
    p.add_argument("--market-rules-only", action="store_true",
                   help="with --version 1: add only the EU benchmark as market rules on every mineral")
    p.add_argument("-o", "--output", required=True, help="the .xlsx to write")
    args = p.parse_args(argv)
    sizes = dict(PRESETS[args.preset or "small"])
    if not args.preset and all(getattr(args, k) is None for k in sizes):
        p.error("give --preset or the sizes (--minerals --countries --periods --markets --scenarios)")
    for k in sizes:
        if getattr(args, k) is not None:
            sizes[k] = getattr(args, k)
    path = generate(args.output, **sizes, seed=args.seed, version=args.version,
                    market_rules_only=args.market_rules_only)
    print(f"wrote {path}: " + ", ".join(f"{k} {v}" for k, v in sizes.items()) + f", seed {args.seed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

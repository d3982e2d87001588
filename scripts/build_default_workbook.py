#!/usr/bin/env python3
"""Build the default input workbook, inputs/critical-minerals-2026.xlsx.

Reads the public figures in data/reference/*.csv (USGS MCS 2026, IEA shares via secondary
sources, prices, trade measures, partner lists; see data/reference/README.md) and writes a
planning workbook for a coalition of partner markets (USA, EU, JPN, KOR, IND), 2026-2030.

Every number that is not read from the reference files is a named constant below, with the
reason for its value. The `sources` sheet of the workbook lists every figure used with its
source, or marks it ASSUMPTION / DERIVED with the reasoning; data/README.md says the same
in prose.

The output is deterministic: rows are sorted, no cell holds a timestamp, and the workbook's
created/modified properties and zip entry dates are fixed, so the same inputs give the same
bytes.

Usage:  python scripts/build_default_workbook.py [--reference DIR] [--output FILE]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import math
import re
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # the planner package, for its schema

from planner.schema import SHEET_BY_NAME  # noqa: E402

DEFAULT_REFERENCE = REPO / "data" / "reference"
DEFAULT_OUTPUT = REPO / "inputs" / "critical-minerals-2026.xlsx"

# Fixed document date written into the workbook properties (the day of the Critical
# Minerals Ministerial), so rebuilding never changes the file.
FIXED_DATE = dt.datetime(2026, 2, 4, 0, 0, 0)

# ---------------------------------------------------------------------------------------
# Scope
# ---------------------------------------------------------------------------------------

# Minerals in the default plan. Germanium is left out: USGS publishes no country production
# for it and its only price is from 2019. Manganese is left out: its refining data is a single
# low-confidence China share, and its units (ore, alloys) do not match the rest.
MINERALS = ["lithium", "cobalt", "nickel", "graphite", "rare_earths", "copper", "gallium"]

PERIODS = [2026, 2027, 2028, 2029, 2030]
# The year of the latest data (USGS MCS 2026 gives 2025 estimates); growth compounds from it.
BASE_YEAR = 2025

# ---------------------------------------------------------------------------------------
# Coalition demand
# ---------------------------------------------------------------------------------------

# ASSUMPTION. Share of world refined demand of each coalition market, the same for every
# mineral. Together 25%. Reasoning: China alone uses ~64% of world primary nickel (INSG, in
# demand.csv) and most battery-chain demand, so the rest of the world is roughly a third of
# demand; the five markets are most of that third. Split roughly by the size of their
# manufacturing (USA and EU largest). No per-market demand is in the data.
MARKET_SHARE_OF_WORLD_DEMAND = {"USA": 0.08, "EU": 0.08, "JPN": 0.04, "KOR": 0.03, "IND": 0.02}

# World demand for minerals without a world demand figure: production is the proxy, as the
# reference README recommends (graphite, gallium); for rare earths the only demand figure
# (93 kt) covers magnet REEs only, not all REO, so production is the proxy too.
DEMAND_FROM_PRODUCTION = {"graphite", "rare_earths", "gallium"}

# Demand growth per year, derived from the IEA GCMO 2025 STEPS multipliers 2024->2040 in
# demand.csv (low confidence: read in a forum quote): rate = multiplier ** (1/16) - 1, with a
# range (1.5-1.6x) taken at its midpoint. Copper: IEA STEPS 27 Mt (2024) -> 34 Mt (2040),
# from the note on the copper row of demand.csv.
COPPER_DEMAND_2040_T = 34_000_000
# ASSUMPTION. Gallium has no growth figure in the data; 3%/yr, in line with cobalt and rare
# earths (semiconductor and defence demand, no battery boom).
GALLIUM_DEMAND_GROWTH = 0.03

# ASSUMPTION. Mine and refinery capacity grow at the same rate as world demand, so the world
# market keeps its 2025 balance; expansions beyond that are not in the data.
CAPACITY_GROWS_WITH_DEMAND = True

# ---------------------------------------------------------------------------------------
# Available capacity: the share of each country's output the coalition can contract
# ---------------------------------------------------------------------------------------

# ASSUMPTION. The coalition does not buy the whole world's output: other buyers (above all
# China's own industry) take the rest. The planner's capacity is the part of each country's
# output the coalition can contract: 40% of every country's mine and refinery capacity.
# 40% is 1.6x the coalition's 25% share of world demand, so the coalition can meet its demand
# and still shift between sources (diversify, ride out a disruption). One share for every
# country keeps each country's share of the available capacity equal to its share of world
# output in the data (China 95% of graphite refining, 92% -> 77% of rare-earth separation).
CONTRACTABLE_SHARE = 0.4

# ---------------------------------------------------------------------------------------
# Refining
# ---------------------------------------------------------------------------------------

# ASSUMPTION. Refining yield (t refined content per t mined content): 0.95 for every
# mineral and country. Quantities are contained content on both sides, so losses are only
# process recoveries; typical hydrometallurgical/refinery recoveries are 90-98%. Not in data.
REFINING_YIELD = 0.95

# Projections of refining shares for 2030, where the data has them (IEA, in the notes of
# refining_share.csv): rare earths China 77%, Malaysia 12%, Australia 3% (rest of world the
# residual); lithium China ~62%. Shares move linearly from the data year to 2030. Other
# minerals keep their data-year shares (no projection in the data).
REFINING_SHARE_2030 = {
    "rare_earths": {"CHN": 77.0, "MYS": 12.0, "AUS": 3.0},
    "lithium": {"CHN": 62.0},
}
# ASSUMPTION. Where a 2030 projection lowers China's share and does not say where the rest
# goes (lithium), the gain goes to ROW ("new capacity, location not in the data").

# ---------------------------------------------------------------------------------------
# Prices and costs (the data has no cost curves)
# ---------------------------------------------------------------------------------------

# Lithium: Li content of spodumene concentrate at 6% Li2O. 2 x 6.941 / 29.881 = 0.4645 t Li
# per t Li2O (stoichiometry, not from the sources).
LI_PER_LI2O = 2 * 6.941 / 29.881
SPODUMENE_LI2O = 0.06
LI_TO_LCE = 5.323  # from the reference README (stoichiometric constant)

# ASSUMPTION. Battery-grade (purified, spherical) graphite is priced at 3x flake graphite.
# No anode or spherical graphite price is in the data; purification and spheronisation lose
# roughly half of the flake and add processing, so battery grade sells at a multiple of flake.
GRAPHITE_REFINED_PRICE_MULTIPLE = 3.0

# ASSUMPTION. The value of a tonne of mixed rare-earth oxide (REO) is carried by NdPr: NdPr
# is taken as 20% of REO content and the other oxides at zero value. Using the NdPr price for
# every tonne of REO would overstate the basket ~5x (most REO is La and Ce, which are cheap).
NDPR_SHARE_OF_REO = 0.20

# ASSUMPTION. Raw (mine/intermediate) price as a share of the refined price, where the data
# has no raw price: the payable share a refiner pays for contained metal in concentrate or
# intermediate. Copper ~0.9 (treatment/refining charges ~10%); nickel 0.8 (matte/MHP
# payables); cobalt 0.6 (hydroxide payables swung 50-90% in 2024-25); rare earths 0.5 (mixed
# concentrate vs separated oxide); gallium 0.6 (low-purity 4N vs high-purity metal).
# Lithium and graphite have raw prices in the data (spodumene, flake).
RAW_PRICE_FRACTION = {"copper": 0.9, "nickel": 0.8, "cobalt": 0.6, "rare_earths": 0.5, "gallium": 0.6}

# ASSUMPTION. Costs from prices. Prices are a ceiling for cost (reference README): a mine's
# cost is taken as 75% of the raw price, a refiner's cost as 75% of its margin (refined price
# minus raw price) per t of output. The 25% is an average margin; it does not change which
# source is cheapest, only how costs compare with tariffs and penalties.
SUPPLY_COST_TO_RAW_PRICE = 0.75
REFINING_COST_TO_MARGIN = 0.75

# ASSUMPTION. Without cost curves, a country's cost is spread around that average by its
# world share at that stage: multiplier = COST_SCALE_BASE - COST_SCALE_SLOPE x share (share in
# 0-1). Large producers are taken as lower on the cost curve (their share is evidence of
# competitiveness): a 95% producer gets 0.865, a tiny one 1.15. ROW, a bundle of small
# producers, gets the fringe multiplier 1.15.
COST_SCALE_BASE = 1.15
COST_SCALE_SLOPE = 0.30

# ASSUMPTION. Cost of demand left unserved: 5x the refined price (lost production value and
# emergency buying), above any delivered cost including tariffs (max ~2.2x price for graphite
# into the USA with the anti-dumping duty).
UNMET_PENALTY_PRICE_MULTIPLE = 5.0

# ASSUMPTION. Holding a tonne of stock for a year costs 5% of its refined value (financing and
# storage). The planner's holding_cost is per t per period; periods are one year.
HOLDING_COST_RATE = 0.05

# ASSUMPTION. Freight is not modelled: transport costs (tens to hundreds of USD/t) are small
# next to the values of these minerals and no freight data is in the reference files.

# ---------------------------------------------------------------------------------------
# Tariffs and trade measures (trade_measures.csv)
# ---------------------------------------------------------------------------------------

# ASSUMPTION. The preliminary US anti-dumping duty on Chinese graphite active anode material
# (93.5%) is applied as if final, on top of the 25% Section 301 tariff on natural graphite;
# the company-specific countervailing duties (11.58-721.03%) are left out.
APPLY_PRELIMINARY_GRAPHITE_AD = True
# The 25% Section 301 tariff on Chinese permanent magnets (from 2026) is NOT applied to rare
# earths: the planner's refined product is separated oxide, not magnets, and the US MFN rate
# on RE oxides (HTS 2846.90.2000) is 0% in the data.
# ASSUMPTION. The 25% Section 301 tariff on 'various critical minerals' (the data names cobalt
# ores/concentrates) is applied to refined Chinese cobalt delivered to the USA: the planner's
# US-bound cobalt arrives refined, and no US cobalt refinery is in the data.
# Section 301 on Li-ion batteries is NOT applied to lithium chemicals (different product).

# ---------------------------------------------------------------------------------------
# Share limits (the EU Critical Raw Materials Act benchmark: no more than 65% of a strategic
# raw material from a single third country at any stage by 2030)
# ---------------------------------------------------------------------------------------

# ASSUMPTION. The 65% cap is the 2030 benchmark; it is phased in linearly from 85% in 2026.
# It applies to each country on its own (scope *), at both the supply (mining) and the
# refining stage.
SHARE_CAP_PATH = {2026: 0.85, 2027: 0.80, 2028: 0.75, 2029: 0.70, 2030: 0.65}
# ASSUMPTION. Where the data leaves too little capacity outside the largest country for the
# cap path, the cap is relaxed to the tightest level that the capacity outside that country
# allows with 10% headroom on coalition demand (incl. reserve build), rounded up to 1%.
# Where even that would be 90% or more, no cap is set for that mineral, stage and period: the
# data shows no alternative worth the name, and a cap could only leave demand unmet. This
# removes the caps on gallium (China ~99% of primary gallium; Japan 3 t, Russia 6 t) and on
# graphite refining (China 95%). Every relaxed or dropped cap is listed on the sources sheet.
SHARE_CAP_HEADROOM = 0.10
SHARE_CAP_DROP_AT = 0.90

# ---------------------------------------------------------------------------------------
# Strategic reserves
# ---------------------------------------------------------------------------------------

# Japan's 60-day and Korea's 100-day stockpile targets (JOGMEC, KOMIR; quoted in the issue
# brief, not in the reference files: ASSUMPTION that they apply to all seven minerals).
RESERVE_DAYS = {"JPN": 60, "KOR": 100}
# ASSUMPTION. Japanese and Korean stockpiles exist; their holdings are not public in the
# data, so they start at their day target of 2025 demand.
# US: Project Vault (trade_measures.csv: a USD 10 bn strategic reserve backed by EXIM,
# announced Feb 2026). ASSUMPTION: the USD 10 bn buys a uniform number of days of US demand
# of the seven minerals (days = 10 bn / value of US 2026 demand per day), built up linearly
# from 0 (start of 2026) to the full target in 2030.
PROJECT_VAULT_USD = 10_000_000_000

# ---------------------------------------------------------------------------------------
# Scenarios and risks
# ---------------------------------------------------------------------------------------

# ASSUMPTION. An export-licensing squeeze (China on graphite, rare earths) halves the
# Chinese refining capacity the coalition can contract. Licences are granted selectively
# (trade_measures: "general licences issued to selected exporters").
EXPORT_LICENSING_FACTOR = 0.5
# China's gallium export ban to the US was lifted for one year in Nov 2025. ASSUMPTION: the
# ban scenario resumes it from 2027 and (the planner has no market-specific capacity) applies
# it to the whole coalition: factor 0 on Chinese gallium supply and refining.
GALLIUM_BAN_PERIODS = [2027, 2028, 2029, 2030]
# ASSUMPTION. The DRC export ban (Feb-Oct 2025) is replayed for a whole year, 2026.
DRC_BAN_PERIODS = [2026]
# DRC quota: up to 96,600 t/yr in 2026 and 2027 incl. 9,600 t for strategic reserves
# (trade_measures.csv), so 87,000 t for export. Factor = 87,000 / DRC capacity of the year.
DRC_QUOTA_T = 96_600
DRC_QUOTA_RESERVE_T = 9_600
DRC_QUOTA_PERIODS = [2026, 2027]
# ASSUMPTION. Demand-growth scenario: demand grows 5 percentage points a year faster than
# the base (EV/grid build-out faster than IEA STEPS; for rare earths IEA APS gives 5%/yr for
# magnet REEs 2023->2030 vs 2.8% STEPS).
DEMAND_SURGE_EXTRA_GROWTH = 0.05

# ASSUMPTION. Risk probabilities per year. Base rate = restrictive measures recorded in
# trade_measures.csv 2023-2025 (3 years) for that mineral and imposing country, times 0.25
# (the share of escalations assumed to cut the volumes available to the coalition in a year;
# several were suspended or licensed selectively). Counts: graphite 3 (2023-12 licensing,
# 2024-12 stricter licensing, 2025-11 synthetic anode), rare earths 3 (2023-12 technology
# ban, 2025-04 heavy REE licensing, 2025-11 expansion), gallium 2 (2023-08 licensing,
# 2024-12 ban to US), DRC cobalt 2 (2025-02 ban, 2025-10 quota).
RISK_VOLUME_HIT_SHARE = 0.25
RISK_EVENTS_2023_2025 = {"graphite": 3, "rare_earths": 3, "gallium": 2, "cobalt": 2}

# FEOC ("foreign entity of concern") per US usage (10 USC 4872 / IRA guidance): China,
# Russia, Iran, North Korea. Iran produces none of these minerals in the data, so it does
# not appear on the countries sheet.
FEOC = {"CHN", "RUS", "IRN", "PRK"}
# EU-27 member states (public fact, not in the reference files).
EU_MEMBERS = {
    "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN",
    "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP",
    "SWE",
}
ROW_NAME = "Rest of world (USGS 'Other countries')"

# ---------------------------------------------------------------------------------------


def read_csv(ref: Path, name: str) -> list[dict[str, str]]:
    with open(ref / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def num(text: str) -> float:
    """'~10' -> 10.0, '1,234' -> 1234.0."""
    return float(str(text).replace("~", "").replace(",", "").strip())


def rnd(x: float) -> float | int:
    """Round a tonnage or cost: whole numbers from 100 up, one decimal below."""
    if abs(x) >= 100:
        return int(round(x))
    return round(x, 1)


# ---------------------------------------------------------------------------------------
# Sheet layout: headers come from the planner's schema
# ---------------------------------------------------------------------------------------

# Sheets in the order they are written. Sheets the schema does not know are written only when
# they have a column list below (`sources`, and the version 2 sheets when VERSION_2 is on).
SHEET_ORDER = ("minerals", "countries", "periods", "supply", "refining", "demand", "routes",
               "shares", "ownership", "reserve", "reserve_targets", "projects", "scenarios",
               "risks", "production", "settings", "sources")

# The `sources` sheet is ours, not the planner's: it skips it with a warning (intended).
SOURCES_COLUMNS = ("kind", "sheet", "item", "mineral", "country", "value", "unit", "source",
                   "confidence", "note")


def sheet_columns(name: str) -> list[str]:
    """Column names of sheet `name`, in the order planner.schema declares them."""
    if name == "sources":
        return list(SOURCES_COLUMNS)
    return [c.name for c in SHEET_BY_NAME[name].columns]


def table(name: str, rows: list[dict], sort_key=None) -> list[list]:
    """Header plus one list per row, ordered by the sheet's columns.

    Rows are dicts keyed by column name; a key the sheet does not have is an error (a typo
    would otherwise be dropped silently), a column the row lacks is blank.
    """
    cols = sheet_columns(name)
    known = set(cols)
    for r in rows:
        unknown = set(r) - known
        if unknown:
            raise ValueError(f"sheet {name!r}: unknown column(s) {sorted(unknown)}")
    if sort_key is not None:
        rows = sorted(rows, key=sort_key)
    return [cols] + [[r.get(c) for c in cols] for r in rows]


def by(*cols, blank=None):
    """Sort key over the named columns (blank cells sort as `blank`)."""
    def key(r):
        return tuple(blank if r.get(c) is None else r.get(c) for c in cols)
    return key


def as_text(r: dict) -> list[str]:
    return [str(v) for v in r.values()]


class Sources:
    """Rows of the `sources` sheet."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, kind, sheet, item, mineral="", country="", value="", unit="", source="",
            confidence="", note=""):
        assert kind in ("SOURCED", "DERIVED", "ASSUMPTION"), kind
        self.rows.append(dict(zip(SOURCES_COLUMNS, (kind, sheet, item, mineral, country, value,
                                                    unit, source, confidence, note))))

    def table(self) -> list[list]:
        return table("sources", self.rows,
                     sort_key=lambda r: (r["sheet"], r["kind"], str(r["mineral"]),
                                         str(r["country"]), r["item"]))


# ---------------------------------------------------------------------------------------
# Reading the reference data
# ---------------------------------------------------------------------------------------


class Data:
    """The reference figures and everything derived from them that more than one sheet uses."""

    def __init__(self, ref: Path) -> None:
        self.mine = read_csv(ref, "mine_production.csv")
        self.refprod = read_csv(ref, "refinery_production.csv")
        self.rshare = read_csv(ref, "refining_share.csv")
        self.prices = read_csv(ref, "prices.csv")
        self.demand = read_csv(ref, "demand.csv")
        self.partners = read_csv(ref, "partners.csv")
        self.measures = read_csv(ref, "trade_measures.csv")
        self.names: dict[str, str] = {}
        self.groups: dict[str, set[str]] = defaultdict(set)
        self.growth: dict[str, tuple[float, str]] = {}
        # prod[m][country] = 2025 mine output (t); world_prod[m] = USGS world total
        self.prod: dict[str, dict[str, float]] = defaultdict(dict)
        self.world_prod: dict[str, float] = {}
        self.raw_price: dict[str, float] = {}
        self.refined_price: dict[str, float] = {}
        # shares[m][country] = refining share (%) in share_year[m]; world_ref[m] = world
        # refining volume (t) the shares apply to
        self.shares: dict[str, dict[str, float]] = defaultdict(dict)
        self.share_year: dict[str, int] = {}
        self.world_ref: dict[str, float] = {}
        self.world_dem: dict[str, float] = {}
        self.dem: dict[tuple, float] = {}
        self.supply_cap: dict[tuple, float] = {}
        self.refine_cap: dict[tuple, float] = {}

    def gfac(self, m: str, t: int) -> float:
        return (1 + self.growth[m][0]) ** (t - BASE_YEAR)

    def share_at(self, m: str, code: str, t: int) -> float:
        """Refining share (%) of `code` in year t: the data year's, moved linearly to 2030."""
        base = self.shares[m].get(code, 0.0)
        if m not in REFINING_SHARE_2030:
            return base
        proj = dict(REFINING_SHARE_2030[m])
        y0 = self.share_year[m]
        if "ROW" not in proj:
            proj["ROW"] = 100 - sum(v for c, v in proj.items()) - sum(
                v for c, v in self.shares[m].items() if c not in proj and c != "ROW")
        target = proj.get(code, base)
        w = min(max((t - y0) / (2030 - y0), 0.0), 1.0)
        return base + (target - base) * w

    @property
    def refiners(self) -> dict[str, set[str]]:
        return {m: {c for c, s in self.shares[m].items() if s > 0} for m in MINERALS}

    def measure(self, imposing, mineral, mtype_start) -> dict:
        for r in self.measures:
            if r["imposing"] == imposing and r["mineral"].startswith(mineral) and \
                    r["measure_type"].startswith(mtype_start):
                return r
        raise KeyError((imposing, mineral, mtype_start))


def read_groups(d: Data, src: Sources) -> None:
    for r in d.partners:
        code = r["iso3"]
        if code == "EUU":
            continue  # the European Commission is not a country; the EU is a market here
        d.names.setdefault(code, r["country"])
        if r["group"] in ("CMM2026_host", "CMM2026_attendee"):
            d.groups[code].add("CMM2026")
        elif r["group"] == "MSP_member":
            d.groups[code].add("MSP")
    for code in EU_MEMBERS:
        d.groups[code].add("EU")
    for code in FEOC:
        d.groups[code].add("FEOC")
    src.add("SOURCED", "countries", "group CMM2026 = host + attendees of the Critical Minerals "
            "Ministerial, Washington, 4 Feb 2026", source="partners.csv (US State Dept release)",
            confidence="high")
    src.add("SOURCED", "countries", "group MSP = Minerals Security Partnership members",
            source="partners.csv", confidence="medium",
            note="Argentina per a later Wikipedia revision; FORGE roster assumed equal, not used")
    src.add("ASSUMPTION", "countries", "group EU = EU-27 member states",
            source="public fact, not in reference files", confidence="high")
    src.add("ASSUMPTION", "countries", "group FEOC = CHN, RUS, IRN, PRK",
            source="US usage (10 USC 4872, IRA FEOC guidance); not in reference files",
            confidence="high", note="Iran produces none of the minerals in the data")


def growth_rates(d: Data, src: Sources) -> None:
    rates: dict[str, tuple[float, str]] = {}
    for r in d.demand:
        if r["year"] == "2040 vs 2024" and r["mineral"] in MINERALS:
            text = r["tonnes"].rstrip("x")
            if "-" in text:
                lo, hi = (float(v) for v in text.split("-"))
                mult = (lo + hi) / 2
            else:
                mult = float(text)
            rates[r["mineral"]] = (mult ** (1 / 16) - 1, f"IEA STEPS x{r['tonnes']} 2024->2040")
    cu = next(r for r in d.demand if r["mineral"] == "copper" and r["year"] == "2024")
    rates["copper"] = ((COPPER_DEMAND_2040_T / num(cu["tonnes"])) ** (1 / 16) - 1,
                       "IEA STEPS 27 Mt (2024) -> 34 Mt (2040)")
    rates["gallium"] = (GALLIUM_DEMAND_GROWTH, "ASSUMPTION (no figure in data)")
    d.growth = rates
    for m in MINERALS:
        g, how = rates[m]
        src.add("ASSUMPTION" if m == "gallium" else "DERIVED", "demand, supply, refining",
                "growth rate per year from 2025", m, value=round(g, 4), unit="1/yr", source=how,
                confidence="low",
                note="demand; capacity grows at the same rate (ASSUMPTION: market keeps its "
                     "2025 balance)")


def read_mine_production(d: Data, src: Sources) -> None:
    for r in d.mine:
        m = r["mineral"]
        if m not in MINERALS or r["year"] != str(BASE_YEAR):
            continue
        d.names.setdefault(r["iso3"], r["country"])
        if r["tonnes"] == "":
            src.add("SOURCED", "supply", "mine production 2025 withheld by USGS: not modelled",
                    m, r["iso3"], source=r["source_url"], confidence="high",
                    note="USGS withholds (W) US lithium output; left out (conservative)")
            continue
        t = num(r["tonnes"])
        if r["iso3"] == "WLD":
            d.world_prod[m] = t
        elif t > 0:
            d.prod[m][r["iso3"]] = t
            src.add("SOURCED", "supply", "mine production 2025", m, r["iso3"], t,
                    r["basis"], r["source_url"], "high" if r["status"] != "estimate" else "medium",
                    f"USGS {r['status']}; read in {r['seen_in'][:60]}")
    d.names["ROW"] = ROW_NAME


def read_prices(d: Data, src: Sources) -> None:
    def price_row(m, product_start, period=None):
        for r in d.prices:
            if r["mineral"] == m and r["product"].startswith(product_start) and (
                    period is None or r["period"] == period):
                return r
        raise KeyError((m, product_start, period))

    refined_price, raw_price = d.refined_price, d.raw_price
    li_c = price_row("lithium", "lithium carbonate spot", "2025-11")
    spod = price_row("lithium", "spodumene")
    refined_price["lithium"] = num(li_c["usd_per_tonne"]) * LI_TO_LCE
    li_per_t_conc = SPODUMENE_LI2O * LI_PER_LI2O
    raw_price["lithium"] = num(spod["usd_per_tonne"]) / li_per_t_conc
    src.add("SOURCED", "minerals", "lithium carbonate spot CIF China, Nov 2025", "lithium",
            value=num(li_c["usd_per_tonne"]), unit="USD/t LCE", source=li_c["source_url"],
            confidence=li_c["confidence"])
    src.add("DERIVED", "minerals", "refined_price = carbonate x 5.323 (t LCE per t Li)",
            "lithium", value=round(refined_price["lithium"]), unit="USD/t Li")
    src.add("SOURCED", "minerals", "spodumene 6% Li2O FOB Australia, Nov 2025", "lithium",
            value=num(spod["usd_per_tonne"]), unit="USD/t concentrate",
            source=spod["source_url"], confidence=spod["confidence"])
    src.add("DERIVED", "minerals", "raw_price = spodumene / (0.06 x 0.4645 t Li per t)",
            "lithium", value=round(raw_price["lithium"]), unit="USD/t Li",
            note="0.4645 = Li share of Li2O (stoichiometry)")
    for m, prod_start, per in [("cobalt", "cobalt metal", None), ("nickel", "nickel", None),
                               ("copper", "copper", None), ("gallium", "gallium metal", None)]:
        r = price_row(m, prod_start, per)
        refined_price[m] = num(r["usd_per_tonne"])
        src.add("SOURCED", "minerals", f"refined_price: {r['product']} ({r['period']})", m,
                value=refined_price[m], unit="USD/t", source=r["source_url"],
                confidence=r["confidence"])
    fl = price_row("graphite", "flake graphite")
    raw_price["graphite"] = num(fl["usd_per_tonne"])
    refined_price["graphite"] = raw_price["graphite"] * GRAPHITE_REFINED_PRICE_MULTIPLE
    src.add("SOURCED", "minerals", f"raw_price: flake graphite ({fl['period']})", "graphite",
            value=raw_price["graphite"], unit="USD/t", source=fl["source_url"],
            confidence=fl["confidence"], note="2024/2025 values not seen")
    src.add("ASSUMPTION", "minerals", "refined_price = 3 x flake price (battery grade)",
            "graphite", value=refined_price["graphite"], unit="USD/t",
            note="no anode/spherical price in data; purification + spheronisation lose ~half "
                 "the flake and add processing")
    ndpr = price_row("rare_earths", "NdPr oxide")
    refined_price["rare_earths"] = num(ndpr["usd_per_tonne"]) * NDPR_SHARE_OF_REO
    src.add("SOURCED", "minerals", "NdPr oxide (2026 general level)", "rare_earths",
            value=num(ndpr["usd_per_tonne"]), unit="USD/t", source=ndpr["source_url"],
            confidence=ndpr["confidence"])
    src.add("ASSUMPTION", "minerals", "refined_price = 20% x NdPr price (REO basket)",
            "rare_earths", value=refined_price["rare_earths"], unit="USD/t REO",
            note="NdPr taken as 20% of REO content, other oxides at zero value")
    for m, f in RAW_PRICE_FRACTION.items():
        raw_price[m] = refined_price[m] * f
        src.add("ASSUMPTION", "minerals", f"raw_price = {f} x refined price (payable share)", m,
                value=round(raw_price[m]), unit="USD/t", note="no raw/concentrate price in data")


def read_refining_shares(d: Data, src: Sources) -> None:
    shares, share_year, world_ref = d.shares, d.share_year, d.world_ref
    # copper: USGS refinery tonnes 2025
    for r in d.refprod:
        if r["mineral"] == "copper" and r["year"] == str(BASE_YEAR):
            d.names.setdefault(r["iso3"], r["country"])
            if r["iso3"] == "WLD":
                continue
            shares["copper"][r["iso3"]] = num(r["tonnes"])
            src.add("SOURCED", "refining", "refinery production 2025 (capacity basis)", "copper",
                    r["iso3"], num(r["tonnes"]), "t Cu", r["source_url"], "high",
                    "USGS estimate, primary + secondary")
    tot = sum(shares["copper"].values())
    world_ref["copper"] = tot
    shares["copper"] = {c: v / tot * 100 for c, v in shares["copper"].items()}
    share_year["copper"] = BASE_YEAR
    # nickel: INSG primary production 2025 (forecast) for IDN, CHN, world; Russia ~10% share
    ni = {r["iso3"]: num(r["tonnes"]) for r in d.refprod
          if r["mineral"] == "nickel" and r["year"] == str(BASE_YEAR)}
    world_ref["nickel"] = ni["WLD"]
    for code in ("IDN", "CHN"):
        shares["nickel"][code] = ni[code] / ni["WLD"] * 100
        src.add("SOURCED", "refining", "primary nickel production 2025 (INSG forecast)",
                "nickel", code, ni[code], "t Ni", "refinery_production.csv (INSG Sept 2024)",
                "medium")
    src.add("SOURCED", "refining", "world primary nickel production 2025 (INSG forecast)",
            "nickel", "WLD", ni["WLD"], "t Ni", "refinery_production.csv", "medium")
    # cobalt, lithium, graphite, rare earths, gallium: default shares of refining_share.csv
    for r in d.rshare:
        m = r["mineral"]
        if m in ("copper",) or m not in MINERALS or r["use_as_default"] != "Y":
            continue
        if m == "nickel" and r["iso3"] != "RUS":
            continue  # IDN and CHN come from the INSG tonnes above (same figures)
        shares[m][r["iso3"]] = num(r["share_pct"])
        if r["iso3"] == "CHN" and m != "nickel":
            share_year[m] = int(re.search(r"\d{4}", r["year"]).group())
        d.names.setdefault(r["iso3"], r["country"])
        src.add("SOURCED", "refining", f"refining share ({r['stage']}, {r['year']})", m,
                r["iso3"], num(r["share_pct"]), "%", r["source_url"], r["confidence"],
                r["notes"][:160])
    share_year["nickel"] = BASE_YEAR
    # cobalt: the rest (100 - CHN - FIN - CAN) spread over the other countries of the 2023
    # capacity list by their capacity
    co_cap = {r["iso3"]: num(r["tonnes"]) for r in d.refprod
              if r["mineral"] == "cobalt" and r["measure"] == "capacity"}
    rest = 100 - sum(shares["cobalt"].values())
    others = {c: v for c, v in co_cap.items() if c not in shares["cobalt"]}
    for c, v in others.items():
        shares["cobalt"][c] = rest * v / sum(others.values())
        src.add("DERIVED", "refining", "cobalt refining share: residual split by 2023 capacity",
                "cobalt", c, round(shares["cobalt"][c], 2), "%",
                "refinery_production.csv (reportlinker capacity list)", "low",
                f"capacity {v:.0f} t; residual {rest:.0f}% = 100 - CHN - FIN - CAN")
    # gallium: USGS primary low-purity tonnes; the same countries refine to high purity
    for c, v in d.prod["gallium"].items():
        shares["gallium"][c] = v / sum(d.prod["gallium"].values()) * 100
    share_year["gallium"] = BASE_YEAR
    src.add("ASSUMPTION", "refining", "gallium refining capacity = primary low-purity output "
            "shares (USGS tonnes; refining_share.csv China 98-100%)", "gallium",
            note="USGS gallium figures are already a refinery by-product")
    # residual to ROW for lithium, nickel, graphite, rare earths
    for m in ("lithium", "nickel", "graphite", "rare_earths"):
        res = 100 - sum(shares[m].values())
        if res > 1e-9:
            shares[m]["ROW"] = res
            src.add("DERIVED", "refining", "refining share of rest of world = 100 - named", m,
                    "ROW", round(res, 2), "%", "refining_share.csv README: residual is ROW")
    # world refined volume for share-based minerals: world mine production 2025
    for m in ("lithium", "cobalt", "graphite", "rare_earths", "gallium"):
        world_ref[m] = d.world_prod[m] if m != "gallium" else sum(d.prod["gallium"].values())
        src.add("ASSUMPTION", "refining", "world refining volume 2025 = world mine production "
                "2025 (refiners process what is mined)", m, "WLD", world_ref[m], "t",
                "mine_production.csv (USGS MCS 2026)", "medium")
    for m, proj in REFINING_SHARE_2030.items():
        for c, v in proj.items():
            src.add("SOURCED", "refining", f"projected refining share 2030 (IEA; linear from "
                    f"{share_year[m]})", m, c, v, "%", "refining_share.csv notes (IEA GCMO)",
                    "low")
    src.add("ASSUMPTION", "refining", "lithium: share China loses by 2030 goes to ROW",
            "lithium", "ROW", note="the data does not say where new capacity is built")


def prepare(ref: Path, src: Sources) -> Data:
    """Read the reference files and derive what the sheets share."""
    d = Data(ref)
    read_groups(d, src)
    src.add("ASSUMPTION", "supply, refining", "contractable share of every country's output "
            "(capacity = output x growth x share)", value=CONTRACTABLE_SHARE, unit="share",
            note="1.6x the coalition's 25% demand share; other buyers (mainly China's industry) "
                 "take the rest; uniform so shares of available capacity equal the data")
    growth_rates(d, src)
    read_mine_production(d, src)
    read_prices(d, src)
    read_refining_shares(d, src)
    return d


# ---------------------------------------------------------------------------------------
# One function per sheet
# ---------------------------------------------------------------------------------------


def countries_sheet(d: Data, src: Sources) -> list[list]:
    codes = sorted(set().union(*d.refiners.values(), *(set(d.prod[m]) for m in MINERALS)))
    rows = [{"country": c, "name": d.names.get(c, c),
             "groups": ", ".join(sorted(d.groups.get(c, set())))} for c in codes]
    return table("countries", rows, sort_key=as_text)


def cost_multiplier(code: str, share_pct: float) -> float:
    if code == "ROW":
        return COST_SCALE_BASE
    return COST_SCALE_BASE - COST_SCALE_SLOPE * share_pct / 100


def supply_sheet(d: Data, src: Sources) -> list[list]:
    rows = []
    for m in MINERALS:
        wp = sum(d.prod[m].values())
        for c in sorted(d.prod[m]):
            cost = d.raw_price[m] * SUPPLY_COST_TO_RAW_PRICE * cost_multiplier(
                c, d.prod[m][c] / wp * 100)
            for t in PERIODS:
                cap = d.prod[m][c] * d.gfac(m, t) * CONTRACTABLE_SHARE
                d.supply_cap[m, c, t] = rnd(cap)
                rows.append({"mineral": m, "country": c, "period": t, "capacity": rnd(cap),
                             "cost": rnd(cost)})
    src.add("ASSUMPTION", "supply", "cost = 0.75 x raw_price x scale multiplier",
            value=SUPPLY_COST_TO_RAW_PRICE, note="prices are a ceiling for cost; no cost curves")
    src.add("ASSUMPTION", "supply, refining", "scale multiplier = 1.15 - 0.30 x world share "
            "(ROW 1.15)", value=f"{COST_SCALE_BASE} - {COST_SCALE_SLOPE} x share",
            note="largest producers taken as lowest on the cost curve")
    return table("supply", rows, sort_key=by("mineral", "country", "period"))


def refining_sheet(d: Data, src: Sources) -> list[list]:
    rows = []
    for m in MINERALS:
        margin = max(d.refined_price[m] - d.raw_price[m], 0.0)
        for c in sorted(d.refiners[m] | set(REFINING_SHARE_2030.get(m) or {})):
            cost = margin * REFINING_COST_TO_MARGIN * cost_multiplier(c, d.shares[m].get(c, 0.0))
            for t in PERIODS:
                cap = d.world_ref[m] * d.share_at(m, c, t) / 100 * d.gfac(m, t) * \
                    CONTRACTABLE_SHARE
                if cap <= 0:
                    continue
                d.refine_cap[m, c, t] = rnd(cap)
                rows.append({"mineral": m, "country": c, "period": t, "capacity": rnd(cap),
                             "cost": rnd(cost), "yield": REFINING_YIELD})
    src.add("ASSUMPTION", "refining", "yield (t refined per t mined content)", value=REFINING_YIELD,
            note="process recoveries 90-98%; not in data")
    src.add("ASSUMPTION", "refining", "cost = 0.75 x (refined - raw price) x scale multiplier",
            value=REFINING_COST_TO_MARGIN, note="per t of refined output")
    return table("refining", rows, sort_key=by("mineral", "country", "period"))


def demand_sheet(d: Data, src: Sources) -> list[list]:
    for m in MINERALS:
        if m in DEMAND_FROM_PRODUCTION:
            d.world_dem[m] = d.world_prod[m] if m != "gallium" else sum(d.prod["gallium"].values())
            src.add("ASSUMPTION", "demand", "world demand 2025 = world production 2025 (proxy)",
                    m, "WLD", d.world_dem[m], "t", "mine_production.csv", "medium",
                    "no world demand figure for all REO/graphite/gallium in data")
            continue
        rows = {r["year"]: r for r in d.demand if r["mineral"] == m and r["scope"] == "world"}
        if str(BASE_YEAR) in rows:
            r = rows[str(BASE_YEAR)]
            d.world_dem[m] = num(r["tonnes"])
            src.add("SOURCED", "demand", f"world demand 2025 ({r['metric']})", m, "WLD",
                    d.world_dem[m], r["basis"], r["source_url"], r["confidence"])
        else:
            r = rows["2024"]
            d.world_dem[m] = num(r["tonnes"]) * (1 + d.growth[m][0])
            src.add("SOURCED", "demand", f"world demand 2024 ({r['metric']})", m, "WLD",
                    num(r["tonnes"]), r["basis"], r["source_url"], r["confidence"])
            src.add("DERIVED", "demand", "world demand 2025 = 2024 x (1 + growth)", m, "WLD",
                    rnd(d.world_dem[m]), "t")
    for mk, s in MARKET_SHARE_OF_WORLD_DEMAND.items():
        src.add("ASSUMPTION", "demand", "market share of world refined demand", country=mk,
                value=s, unit="share",
                note="coalition total 25%; China and others take the rest")
    rows = []
    for m in MINERALS:
        for mk in sorted(MARKET_SHARE_OF_WORLD_DEMAND):
            for t in PERIODS:
                q = rnd(d.world_dem[m] * d.gfac(m, t) * MARKET_SHARE_OF_WORLD_DEMAND[mk])
                d.dem[m, mk, t] = q
                rows.append({"mineral": m, "market": mk, "period": t, "demand": q})
    src.add("ASSUMPTION", "demand", "markets USA, EU, JPN, KOR, IND plan together (coalition of "
            "ministerial / MSP partners)", value=", ".join(MARKET_SHARE_OF_WORLD_DEMAND))
    return table("demand", rows, sort_key=by("mineral", "market", "period"))


def minerals_sheet(d: Data, src: Sources) -> list[list]:
    rows = [{"mineral": m, "raw_price": rnd(d.raw_price[m]),
             "refined_price": rnd(d.refined_price[m]),
             "unmet_penalty": rnd(d.refined_price[m] * UNMET_PENALTY_PRICE_MULTIPLE)}
            for m in MINERALS]
    src.add("ASSUMPTION", "minerals", "unmet_penalty = 5 x refined price",
            value=UNMET_PENALTY_PRICE_MULTIPLE,
            note="above any delivered cost incl. tariffs (max ~2.2x price)")
    return table("minerals", rows)


def routes_sheet(d: Data, src: Sources) -> list[list]:
    rows = []
    s301_gr = d.measure("USA", "graphite", "Section 301")
    ad_gr = d.measure("USA", "graphite (natural+synthetic)", "antidumping")
    s301_re = d.measure("USA", "rare_earths", "Section 301")
    s301_var = d.measure("USA", "various (cobalt", "Section 301")
    gr_rate = num(s301_gr["rate_pct"]) / 100 + (
        num(ad_gr["rate_pct"]) / 100 if APPLY_PRELIMINARY_GRAPHITE_AD else 0)
    rows.append({"stage": "delivery", "from": "CHN", "to": "USA", "mineral": "graphite",
                 "cost": 0, "tariff_rate": round(gr_rate, 4), "allowed": True})
    rows.append({"stage": "delivery", "from": "CHN", "to": "USA", "mineral": "cobalt",
                 "cost": 0, "tariff_rate": num(s301_var["rate_pct"]) / 100, "allowed": True})
    src.add("SOURCED", "routes", "US Section 301 tariff on Chinese natural graphite (from "
            "2026-01-01)", "graphite", "CHN", num(s301_gr["rate_pct"]), "%",
            s301_gr["source_url"], "medium")
    src.add("ASSUMPTION", "routes", "US preliminary AD duty on Chinese graphite AAM applied as "
            "final (CVD left out)", "graphite", "CHN", num(ad_gr["rate_pct"]), "%",
            ad_gr["source_url"], "low", "route tariff_rate = 0.25 + 0.935 = 1.185")
    src.add("SOURCED", "routes", "US Section 301 on Chinese permanent magnets NOT applied: the "
            "planner's rare-earth product is separated oxide (US MFN on RE oxides 0%)",
            "rare_earths", "CHN", num(s301_re["rate_pct"]), "%", s301_re["source_url"], "medium",
            "magnets are downstream of the planner's refining stage")
    src.add("ASSUMPTION", "routes", "US Section 301 25% on 'various critical minerals' (data: "
            "cobalt ores/concentrates) applied to refined Chinese cobalt delivered to the USA",
            "cobalt", "CHN", num(s301_var["rate_pct"]), "%", s301_var["source_url"], "medium",
            "no US cobalt refinery in the data, so US cobalt arrives refined")
    src.add("SOURCED", "routes", "Section 301 on Li-ion batteries NOT applied to lithium "
            "chemicals (different product)", "lithium", "CHN", source="trade_measures.csv")
    ni_ban = d.measure("IDN", "nickel", "export ban")
    for r_code in sorted(d.refiners["nickel"] - {"IDN"}):
        rows.append({"stage": "supply", "from": "IDN", "to": r_code, "mineral": "nickel",
                     "cost": 0, "tariff_rate": 0, "allowed": False})
    src.add("ASSUMPTION", "routes", "Indonesian nickel-ore export ban (since 2020): Indonesian "
            "ore refined only in Indonesia", "nickel", "IDN", source=ni_ban["source_url"],
            confidence="low", note="unverified in the reference data (general knowledge)")
    src.add("ASSUMPTION", "routes", "freight not modelled (route cost 0)",
            note="small next to mineral values; no freight data")
    return table("routes", rows, sort_key=by("stage", "from", "to", "mineral"))


def reserve_days_usa(d: Data) -> float:
    """Project Vault: USD 10 bn over the value of one day of US 2026 demand."""
    us_value_per_day = sum(d.dem[m, "USA", PERIODS[0]] * d.refined_price[m]
                           for m in MINERALS) / 365
    return PROJECT_VAULT_USD / us_value_per_day


def demand_2025(d: Data, m: str, mk: str) -> float:
    return d.world_dem[m] * MARKET_SHARE_OF_WORLD_DEMAND[mk]


def reserve_sheets(d: Data, src: Sources) -> tuple[list[list], list[list]]:
    reserve, targets = [], []
    usa_days = reserve_days_usa(d)
    for m in MINERALS:
        for mk in sorted(list(RESERVE_DAYS) + ["USA"]):
            init = rnd(demand_2025(d, m, mk) * RESERVE_DAYS[mk] / 365) \
                if mk in RESERVE_DAYS else 0
            reserve.append({"mineral": m, "market": mk, "initial_stock": init,
                            "holding_cost": rnd(HOLDING_COST_RATE * d.refined_price[m])})
            if mk in RESERVE_DAYS:
                targets.append({"mineral": m, "market": mk, "min_days": RESERVE_DAYS[mk]})
            else:
                for t in PERIODS:
                    days = usa_days * (t - BASE_YEAR) / (PERIODS[-1] - BASE_YEAR)
                    targets.append({"mineral": m, "market": mk, "period": t,
                                    "min_days": round(days, 1)})
    src.add("ASSUMPTION", "reserve_targets", "Japan stockpile target 60 days (JOGMEC policy)",
            country="JPN", value=60, unit="days",
            source="public policy; not in the reference files", confidence="medium",
            note="applied to all seven minerals")
    src.add("ASSUMPTION", "reserve_targets", "Korea stockpile target 100 days (KOMIR policy)",
            country="KOR", value=100, unit="days",
            source="public policy; not in the reference files", confidence="medium",
            note="applied to all seven minerals")
    src.add("ASSUMPTION", "reserve", "no reserve for EU and IND markets",
            note="no EU or Indian stockpile figure in the data")
    src.add("SOURCED", "reserve", "US cobalt stockpile solicitation (7,480 t over 5 years) not "
            "modelled: cancelled before end-2025", "cobalt", "USA", 7480, "t",
            "trade_measures.csv", "medium")
    src.add("ASSUMPTION", "reserve", "JPN/KOR initial stock = day target x 2025 demand",
            note="programmes exist; holdings not public in the data")
    src.add("SOURCED", "reserve_targets", "Project Vault US strategic reserve (EXIM-backed)",
            country="USA", value=PROJECT_VAULT_USD, unit="USD",
            source="trade_measures.csv (announced 2026-02)", confidence="low")
    src.add("DERIVED", "reserve_targets", "USA days = 10 bn USD / value of US 2026 demand per "
            "day, built linearly 2026-2030 from 0", country="USA", value=round(usa_days, 1),
            unit="days", note="ASSUMPTION: the fund buys the same number of days of every "
                              "mineral; US initial stock 0")
    src.add("ASSUMPTION", "reserve", "holding_cost = 5% of refined price per t per year",
            value=HOLDING_COST_RATE, note="financing and storage; shortfall_penalty default "
                                          "(half the unmet penalty)")
    return (table("reserve", reserve, sort_key=by("mineral", "market")),
            table("reserve_targets", targets, sort_key=by("mineral", "market", "period",
                                                          blank=0)))


def reserve_target(d: Data, m: str, mk: str, t: int) -> float:
    """Stock the reserve of (m, mk) must hold at the end of year t (t < first period: start)."""
    if t < PERIODS[0]:
        return demand_2025(d, m, mk) * RESERVE_DAYS[mk] / 365 if mk in RESERVE_DAYS else 0.0
    days = RESERVE_DAYS.get(mk) or reserve_days_usa(d) * (t - BASE_YEAR) / (PERIODS[-1] - BASE_YEAR)
    return d.dem[m, mk, t] * days / 365


def shares_sheet(d: Data, src: Sources) -> list[list]:
    rows = []
    yld = REFINING_YIELD
    for m in MINERALS:
        for t in PERIODS:
            need = sum(d.dem[m, mk, t] for mk in MARKET_SHARE_OF_WORLD_DEMAND)
            # stock the reserves must add this period
            need += sum(max(reserve_target(d, m, mk, t) - reserve_target(d, m, mk, t - 1), 0)
                        for mk in list(RESERVE_DAYS) + ["USA"])
            cap = SHARE_CAP_PATH[t]
            for stage, caps in (("supply", {c: d.supply_cap[m, c, t] * yld for c in d.prod[m]}),
                                ("refining", {c: d.refine_cap[m, c, t] for c in d.refiners[m]
                                              if (m, c, t) in d.refine_cap})):
                top = max(caps, key=lambda c: caps[c])
                outside = sum(v for c, v in caps.items() if c != top)
                feasible = 1 - outside / (need * (1 + SHARE_CAP_HEADROOM))
                used = cap
                if feasible > cap:
                    used = min(math.ceil(feasible * 100) / 100, 1.0)
                    why = (f"{stage} {t}: capacity outside {top} {outside:.0f} t vs need "
                           f"{need:.0f} t (+10%)")
                    if used >= SHARE_CAP_DROP_AT:
                        src.add("ASSUMPTION", "shares", f"no cap (path {cap:.2f}; would need "
                                f"{used:.2f})", m, top, "", "share", note=why)
                        continue
                    src.add("ASSUMPTION", "shares", f"cap relaxed from {cap:.2f}", m, top, used,
                            "share", note=why)
                rows.append({"stage": stage, "scope": "*", "mineral": m, "period": t,
                             "max_share": used})
    src.add("ASSUMPTION", "shares", "single-country cap phased 0.85 (2026) -> 0.65 (2030), "
            "supply and refining (relaxed or dropped where capacity outside the top country is too "
            "small)",
            value="0.85/0.80/0.75/0.70/0.65",
            source="EU Critical Raw Materials Act 65% benchmark (2030)",
            note="see the relaxed / no-cap rows")
    return table("shares", rows, sort_key=by("mineral", "stage", "period"))


def scenarios_sheet(d: Data, src: Sources) -> list[list]:
    rows = []

    def row(scenario, kind, factor, mineral=None, country=None, period=None):
        rows.append({"scenario": scenario, "kind": kind, "factor": factor, "mineral": mineral,
                     "country": country, "period": period})

    row("china_graphite_export_controls", "refining_capacity", EXPORT_LICENSING_FACTOR,
        "graphite", "CHN")
    row("china_rare_earth_export_controls", "refining_capacity", EXPORT_LICENSING_FACTOR,
        "rare_earths", "CHN")
    for t in GALLIUM_BAN_PERIODS:
        row("china_gallium_export_ban", "supply_capacity", 0, "gallium", "CHN", t)
        row("china_gallium_export_ban", "refining_capacity", 0, "gallium", "CHN", t)
    for t in DRC_BAN_PERIODS:
        row("drc_cobalt_export_ban", "supply_capacity", 0, "cobalt", "COD", t)
    for t in DRC_QUOTA_PERIODS:
        cod_cap = d.prod["cobalt"]["COD"] * d.gfac("cobalt", t)
        f = round(min((DRC_QUOTA_T - DRC_QUOTA_RESERVE_T) / cod_cap, 1.0), 4)
        row("drc_cobalt_export_quota", "supply_capacity", f, "cobalt", "COD", t)
    for t in PERIODS:
        row("demand_high_growth", "demand",
            round((1 + DEMAND_SURGE_EXTRA_GROWTH) ** (t - BASE_YEAR), 4), period=t)
    src.add("ASSUMPTION", "scenarios", "export licensing squeeze halves Chinese refining "
            "capacity available (graphite, rare earths)", value=EXPORT_LICENSING_FACTOR,
            source="trade_measures.csv (China licensing 2023-12 graphite, 2025-04 REE)",
            note="licences granted selectively")
    src.add("ASSUMPTION", "scenarios", "gallium ban to US resumes 2027 (1-year suspension from "
            "Nov 2025 ends), applied to the whole coalition", "gallium", "CHN", 0,
            source="trade_measures.csv (2024-12 ban; lifted 1 yr Nov 2025)")
    src.add("ASSUMPTION", "scenarios", "DRC export ban (Feb-Oct 2025) replayed for all of 2026",
            "cobalt", "COD", 0, source="trade_measures.csv")
    src.add("DERIVED", "scenarios", "DRC quota factor = (96,600 - 9,600 t reserve) / DRC "
            "capacity of the year, 2026-27", "cobalt", "COD", DRC_QUOTA_T - DRC_QUOTA_RESERVE_T,
            "t/yr", "trade_measures.csv", "medium")
    src.add("ASSUMPTION", "scenarios", "demand_high_growth: +5 pp/yr over base growth",
            value=DEMAND_SURGE_EXTRA_GROWTH, note="IEA APS magnet REE ~5%/yr vs STEPS 2.8%")
    src.add("ASSUMPTION", "scenarios", "base keeps DRC cobalt exports at 2025 mine output; the "
            "in-force quota is the drc_cobalt_export_quota scenario", "cobalt", "COD",
            note="the coalition's 40% of the 87 kt export quota plus other origins still "
                 "covers its cobalt: the scenario shows a cost rise, not a shortage")
    return table("scenarios", rows)


def risks_sheet(d: Data, src: Sources) -> list[list]:
    def p(m):
        return round(RISK_EVENTS_2023_2025[m] / 3 * RISK_VOLUME_HIT_SHARE, 3)

    rows = [
        {"risk": "china_graphite_licensing", "country": "CHN", "stage": "refining",
         "probability": p("graphite"), "mineral": "graphite",
         "factor": EXPORT_LICENSING_FACTOR, "duration": 1},
        {"risk": "china_rare_earth_licensing", "country": "CHN", "stage": "refining",
         "probability": p("rare_earths"), "mineral": "rare_earths",
         "factor": EXPORT_LICENSING_FACTOR, "duration": 1},
        {"risk": "china_gallium_ban_refining", "country": "CHN", "stage": "refining",
         "probability": p("gallium"), "mineral": "gallium", "factor": 0, "duration": 1},
        {"risk": "china_gallium_ban_supply", "country": "CHN", "stage": "supply",
         "probability": p("gallium"), "mineral": "gallium", "factor": 0, "duration": 1},
        {"risk": "drc_cobalt_export_ban", "country": "COD", "stage": "supply",
         "probability": p("cobalt"), "mineral": "cobalt", "factor": 0, "duration": 1},
    ]
    src.add("ASSUMPTION", "risks", "probability/yr = measures recorded 2023-2025 / 3 yr x 0.25",
            value=RISK_VOLUME_HIT_SHARE, source="trade_measures.csv",
            note="graphite 3, rare earths 3, gallium 2, DRC cobalt 2 measures; factor 0.5 "
                 "(licensing) or 0 (ban), 1 period")
    return table("risks", rows)


def production_sheet(d: Data, src: Sources) -> list[list]:
    rows = []
    for m in MINERALS:
        for c, t in d.prod[m].items():
            rows.append({"mineral": m, "stage": "supply", "country": c, "tonnes": rnd(t)})
        for c, pct in d.shares.get(m, {}).items():
            if m in d.world_ref and pct > 0:
                rows.append({"mineral": m, "stage": "refining", "country": c,
                             "tonnes": rnd(d.world_ref[m] * pct / 100)})
    src.add("DERIVED", "production", "observed output 2025 by country: mine production as sourced; "
            "refining = refining share x world refining volume", confidence="medium",
            note="used only to compare the plan's concentration with the world's; not a constraint")
    return table("production", rows, sort_key=by("mineral", "stage", "country"))


def periods_sheet(d: Data, src: Sources) -> list[list]:
    src.add("ASSUMPTION", "periods", "periods 2026-2030, one year each; costs in constant 2025 "
            "USD (no inflation, no price path)", value="2026-2030")
    return table("periods", [{"period": t, "years": 1} for t in PERIODS])


def settings_sheet(d: Data, src: Sources) -> list[list]:
    src.add("ASSUMPTION", "settings", "spot_premium 0.5 (planner default) for stress tests",
            value=0.5)
    rows = [{"key": "currency", "value": "USD"}, {"key": "routes_default", "value": "open"},
            {"key": "solver", "value": "highs"}, {"key": "spot_premium", "value": 0.5}]
    return table("settings", rows)


def build(ref: Path) -> dict[str, list[list]]:
    """Every sheet of the workbook, as header + rows, in SHEET_ORDER."""
    src = Sources()
    d = prepare(ref, src)
    sheets: dict[str, list[list]] = {}
    sheets["minerals"] = minerals_sheet(d, src)
    sheets["countries"] = countries_sheet(d, src)
    sheets["periods"] = periods_sheet(d, src)
    sheets["supply"] = supply_sheet(d, src)
    sheets["refining"] = refining_sheet(d, src)
    sheets["demand"] = demand_sheet(d, src)
    sheets["routes"] = routes_sheet(d, src)
    sheets["shares"] = shares_sheet(d, src)
    sheets["reserve"], sheets["reserve_targets"] = reserve_sheets(d, src)
    sheets["scenarios"] = scenarios_sheet(d, src)
    sheets["risks"] = risks_sheet(d, src)
    sheets["production"] = production_sheet(d, src)
    sheets["settings"] = settings_sheet(d, src)
    sheets["sources"] = src.table()
    return {name: sheets[name] for name in SHEET_ORDER if name in sheets}


def write(sheets: dict[str, list[list]], out: Path) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append([None if v == "" else v for v in row])
        for cell in ws[1]:
            cell.font = bold
        ws.freeze_panes = "A2"
    wb.properties.creator = "scripts/build_default_workbook.py"
    wb.properties.title = "Critical minerals 2026 default planning workbook"
    wb.properties.created = FIXED_DATE
    wb.properties.modified = FIXED_DATE
    buf = io.BytesIO()
    wb.save(buf)
    # openpyxl stamps `modified` with the save time and zip entries with the current time:
    # rewrite both so that the file's bytes depend on its content only.
    stamp = FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%SZ")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, \
            zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                              rb"\g<1>" + stamp.encode() + rb"\g<3>", data)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            zout.writestr(zi, data)
    tmp.replace(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE,
                    help="folder with the reference CSVs (default data/reference)")
    ap.add_argument("--output", "-o", type=Path, default=DEFAULT_OUTPUT,
                    help="workbook to write (default inputs/critical-minerals-2026.xlsx)")
    args = ap.parse_args(argv)
    sheets = build(args.reference)
    write(sheets, args.output)
    sizes = ", ".join(f"{k} {len(v) - 1}" for k, v in sheets.items())
    print(f"wrote {args.output} ({sizes})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

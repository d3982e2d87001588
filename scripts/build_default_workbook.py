#!/usr/bin/env python3
"""Build the default input workbook, inputs/critical-minerals-2026.xlsx.

Reads the public figures in data/reference/*.csv (USGS MCS 2026, IEA shares via secondary
sources, prices, trade and bilateral measures, partner lists, ownership, candidate projects;
see data/reference/README.md) and writes a planning workbook of the whole market, 2026-2030:
a coalition of partner markets (USA, EU, JPN, KOR, IND) beside China's own industry (CHN)
and the rest of the world (ROW), with capacities calibrated so that the plan without share
limits reproduces observed 2025 output.

One function per sheet builds its rows as dicts keyed by column name; `table()` orders them
by planner.input.schema's declaration of the sheet. The version 2 content (market, owner and soft
share rules, `ownership`, `projects`, bilateral scenarios) is built by its own functions; with
--version-1 the workbook holds the version 1 form instead (whole-plan share rows, no ownership,
projects or lane measures), for comparison with the rules a version 1 planner could express.

Every assumption (our choice where the data has no figure: demand splits, headroom, costs,
yields, penalties, probabilities, ...) is a row of data/assumptions.csv with its unit and
reasoning, read by `read_assumptions` into an `Assumptions` record that the sheet functions
take through `Data`; `--assumptions FILE` builds from another copy. What stays in code is
structure (minerals, periods, markets, sheet layouts), physical constants, and figures
transcribed from a source, each with its reason. The `sources` sheet of the workbook lists
every figure used with its source, or marks it ASSUMPTION / DERIVED with the reasoning (one
ASSUMPTION row per row of the CSV); data/README.md says the same in prose.

The output is deterministic: rows are sorted, no cell holds a timestamp, and the workbook's
created/modified properties and zip entry dates are fixed, so the same inputs give the same
bytes.

Usage:  python scripts/build_default_workbook.py [--reference DIR] [--assumptions CSV]
                [--output FILE] [--version-1] [--calibration]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import difflib
import io
import math
import re
import sys
import zipfile
from collections import defaultdict, namedtuple
from pathlib import Path
from typing import NamedTuple

from openpyxl import Workbook
from openpyxl.styles import Font

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # the planner package, for its schema

from planner.input.schema import SHEETS, STAGES  # noqa: E402

SCHEMA = {s.name: s for s in SHEETS}

DEFAULT_REFERENCE = REPO / "data" / "reference"
DEFAULT_OUTPUT = REPO / "inputs" / "critical-minerals-2026.xlsx"

# The version 2 content (market-scoped, owner-based and soft share rules, the `ownership` and
# `projects` sheets, bilateral scenarios with probabilities), as data/README.md describes it.
# False writes the version 1 form (the coalition's rules as whole-plan rows, no ownership,
# projects or lane measures): what `--version-1` asks for.
VERSION_2 = True

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
# Markets: the coalition, China's own industry, and the rest of the world
# ---------------------------------------------------------------------------------------

# The coalition: five partner markets that plan together (ministerial / MSP partners).
COALITION = ("USA", "EU", "JPN", "KOR", "IND")
# The rest of world demand is modelled too, so that the coalition competes for capacity as it
# does in reality: China's own industry (market CHN) first, and every other buyer (ROW).
MARKETS = COALITION + ("CHN", "ROW")

# World demand comes from the 2025 output balance (see "Calibration" in data/README.md); the
# demand.csv figures (lithium 263 kt, nickel 3.514 Mt, cobalt 222 kt (2024), copper 27 Mt
# (2024)) are written to the sources sheet as a cross-check.

# Demand growth per year, derived from the IEA GCMO 2025 STEPS multipliers 2024->2040 in
# demand.csv (low confidence: read in a forum quote): rate = multiplier ** (1/16) - 1, with a
# range (1.5-1.6x) taken at its midpoint. Copper: IEA STEPS 27 Mt (2024) -> 34 Mt (2040),
# from the note on the copper row of demand.csv. Mine and refinery capacity grow at the same
# rate (an assumption: the world market keeps its 2025 balance; expansions beyond that are the
# version 2 `projects` sheet).
COPPER_DEMAND_2040_T = 34_000_000

# ---------------------------------------------------------------------------------------
# Refining
# ---------------------------------------------------------------------------------------

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

# Lithium: Li content of spodumene concentrate at 6% Li2O. 2 x 6.941 / 29.881 = 0.4645 t Li
# per t Li2O (stoichiometry, not from the sources).
LI_PER_LI2O = 2 * 6.941 / 29.881
SPODUMENE_LI2O = 0.06
LI_TO_LCE = 5.323  # from the reference README (stoichiometric constant)

# ---------------------------------------------------------------------------------------
# Tariffs and trade measures (trade_measures.csv, bilateral_measures.csv)
# ---------------------------------------------------------------------------------------

# The 25% Section 301 tariff on Chinese natural graphite (from 2026) applies to graphite
# delivered from China to the USA. The US anti-dumping and countervailing duties on Chinese
# active anode material are NOT applied: the ITC's final determination was negative on
# 2026-03-12, so no orders were issued (bilateral_measures.csv corrects trade_measures.csv).
# The 25% Section 301 tariff on Chinese permanent magnets (from 2026) is NOT applied to rare
# earths: the planner's refined product is separated oxide, not magnets, and the US MFN rate
# on RE oxides (HTS 2846.90.2000) is 0% in the data.
# ASSUMPTION. The 25% Section 301 tariff on 'various critical minerals' (the data names cobalt
# ores/concentrates) is applied to refined Chinese cobalt delivered to the USA: the planner's
# US-bound cobalt arrives refined, and no US cobalt refinery is in the data.
# Section 301 on Li-ion batteries is NOT applied to lithium chemicals (different product).
# The US Section 232 copper tariff (50%, from 2025-08-01) exempts cathodes: NOT applied.
# The US ban on Russian copper and nickel (OFAC, 2024-04-13) closes those delivery routes.
# Malaysia's ban on raw rare-earth exports (2024) closes Malaysian REE supply routes abroad.
# Indonesia's nickel-ore export ban (2020) is NOT a route closure in the base: the planner's
# supply stage is contained nickel, and Indonesia exports it processed (NPI, matte, MHP) to
# Chinese refiners (Indonesia mines 67% of world nickel but refines 47%; the rest is refined
# abroad); the scenario `indonesia_nickel_export_ban` closes the lane.

# ---------------------------------------------------------------------------------------
# Share limits: rules on what a coalition market receives
# ---------------------------------------------------------------------------------------

# The EU Critical Raw Materials Act benchmark as the law reads: by 2030 no more than 65% of
# the Union's annual consumption of a strategic raw material, at any stage of processing,
# from a single third country (EU members are not third countries: scope `* except EU`).
EU_CRMA_MAX_SHARE = 0.65
EU_CRMA_PERIODS = [2030]
# The coalition's own target (`target_path`, soft with `target_penalty_price_share`) covers the
# other markets, and the EU before 2030.
# Version 1 reads a share row as a rule on the whole plan. The coalition's rules are written
# there in their whole-plan form: the most one country can hold of the world stage total when
# each ruled market takes at most its cap from it and every other market (China's industry,
# the rest of the world) is free: 1 - sum over ruled markets of (1 - cap) x market demand /
# world demand. This never limits China's own consumption more than the market rules would
# (relaxed where capacity is short: `v1_cap_headroom`, `v1_cap_drop_at`).

# The US market's FEOC-ownership rule (`feoc_rule_max_share`) covers the battery minerals.
FEOC_RULE_MINERALS = ("lithium", "cobalt", "nickel", "graphite")

# ---------------------------------------------------------------------------------------
# Candidate projects (projects.csv; version 2)
# ---------------------------------------------------------------------------------------

# Capex given only in euros (notes of projects.csv) is converted at the file's own rate (its
# conversion of Vulcan's EUR 2.2 bn = USD 2.56 bn); Canadian dollars at `usd_per_cad`.
USD_PER_EUR = 2.56 / 2.2
CAPEX_FROM_NOTES = {
    "Keliber": (783e6, "EUR", "capex to complete construction (revised), in the notes"),
    "Ontario cobalt refinery": (100e6, "CAD", "~C$100m more needed to complete the partly "
                                              "built plant, in the notes"),
}
# Integrated projects bring their own raw material: modelled as a supply project and a
# refining project in the same country, capital split evenly (ASSUMPTION; the planner does not
# force the two to be built together). Feed that is not mined (synthetic graphite from coke,
# primary gallium from an alumina refinery's liquor) counts as the country's supply.
INTEGRATED = {
    "Eneabba": "fed from Iluka's own ~1 Mt stockpile plus third-party feed",
    "Nolans": "mine-to-oxide",
    "Thacker Pass": "integrated claystone mine",
    "South West Arkansas": "Smackover brine (direct lithium extraction)",
    "Lionheart": "geothermal brine (direct lithium extraction)",
    "Keliber": "integrated Finnish spodumene mines",
    "Vittangi": "mine-to-anode",
    "Novonix": "synthetic graphite from coke: feed not mined, counted as US supply",
    "Aluminium of Greece": "primary gallium from its own alumina refinery",
    "Vaudreuil": "primary gallium from its own alumina refinery",
}
# Project statuses: `first_period_by_status` gives the first period where projects.csv has no
# first year. A plant under construction, financed or commissioning is built whole or not at
# all (`integer` TRUE); an announced one may be built in part (a smaller first phase).
PROJECT_STATUSES = ("construction", "announced")
INTEGER_STATUSES = ("construction", "financed", "commissioning")
# ASSUMPTION. Lithium hydroxide capacity written "LiOH" is the monohydrate, as sold.
LI_PER_LIOH_H2O = 6.941 / 41.96

# ---------------------------------------------------------------------------------------
# Scenarios, reserves and risks
# ---------------------------------------------------------------------------------------

# The version 2 scenarios, each with a `scenario_probability`, in the order the sources sheet
# lists them.
SCENARIOS = ("drc_cobalt_export_quota", "zimbabwe_lithium_export_ban", "china_gallium_export_ban",
             "china_graphite_export_controls", "china_rare_earth_export_controls",
             "us_refined_copper_tariff", "china_japan_dual_use_ban", "demand_high_growth",
             "drc_cobalt_export_ban", "indonesia_nickel_export_ban")
# The US Section 232 proclamation on copper contemplates a tariff on refined copper of 15% from
# 2027 and 30% from 2028 (bilateral_measures.csv notes; not enacted).
US_REFINED_COPPER_TARIFF = {2027: 0.15, 2028: 0.30, 2029: 0.30, 2030: 0.30}

# Markets with a stockpile target of their own (`reserve_days`, JOGMEC and KOMIR policy).
RESERVE_MARKETS = ("JPN", "KOR")
# US: Project Vault (trade_measures.csv: a USD 10 bn strategic reserve backed by EXIM,
# announced Feb 2026). ASSUMPTION: the USD 10 bn buys a uniform number of days of US demand
# of the seven minerals (days = 10 bn / value of US 2026 demand per day), built up linearly
# from 0 (start of 2026) to the full target in 2030.
PROJECT_VAULT_USD = 10_000_000_000

# With China's own industry in the model, a Chinese export measure must not cut China's
# supply to itself. In version 1 (capacity factors only) an export measure on country c is
# written as the capacity factor that removes that part of c's exports:
#   factor = 1 - hit x export share, export share = 1 - home use / capacity,
# home use at refining = c's own market demand, at mining = c's own refining input.
# Export licensing squeezed: licences for a share (`export_licensing_hit`) of China's exports
# refused. China's gallium ban to the US is suspended until 2026-11-27 and resumes from
# `gallium_ban_from`; version 2 writes it as it is, an export ban towards the USA, version 1
# cannot tell markets apart and writes the stronger case, China's gallium exports stop
# altogether. Germanium is not in the dataset.
# DRC quota: up to 96,600 t/yr in 2026 and 2027 incl. 9,600 t for strategic reserves
# (trade_measures.csv, bilateral_measures.csv), so 87,000 t for export.
DRC_QUOTA_T = 96_600
DRC_QUOTA_RESERVE_T = 9_600
DRC_QUOTA_PERIODS = [2026, 2027]

# Risk probabilities per year: restrictive measures recorded in trade_measures.csv 2023-2025
# (3 years) for that mineral and imposing country, times `risk_volume_hit_share`. Counts:
# graphite 3 (2023-12 licensing, 2024-12 stricter licensing, 2025-11 synthetic anode), rare
# earths 3 (2023-12 technology ban, 2025-04 heavy REE licensing, 2025-11 expansion), gallium 2
# (2023-08 licensing, 2024-12 ban to US), DRC cobalt 2 (2025-02 ban, 2025-10 quota). A risk
# hits exports only (factor as for the version 1 scenarios, at the first period's export share).
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
# Assumptions: our choices where the data has no figure (data/assumptions.csv)
# ---------------------------------------------------------------------------------------

DEFAULT_ASSUMPTIONS = REPO / "data" / "assumptions.csv"
ASSUMPTION_COLUMNS = ("name", "applies_to", "value", "unit", "sheet", "rationale", "source")


class Assumption(NamedTuple):
    """How the builder reads one assumption of data/assumptions.csv."""

    keys: tuple | None = None  # the `applies_to` of its rows, one each (None: one row, blank)
    whole: bool = False  # whole numbers (years, days, periods)
    share: bool = False  # values in 0-1


# Every assumption the builder reads, by name; the CSV holds its values, unit and reasons. One
# with keys is a dict keyed by `applies_to`, in the order declared here.
DECLARED = {
    # markets and demand
    "market_share_of_world_demand": Assumption(COALITION, share=True),
    "china_share_of_world_demand": Assumption(share=True),
    "freight_usd_per_t": Assumption(),
    "gallium_demand_growth": Assumption(),
    # calibration, refining, prices and costs
    "capacity_headroom": Assumption(),
    "refining_yield": Assumption(share=True),
    "graphite_refined_price_multiple": Assumption(),
    "ndpr_share_of_reo": Assumption(share=True),
    "raw_price_fraction": Assumption(("copper", "nickel", "cobalt", "rare_earths", "gallium"),
                                     share=True),
    "supply_cost_to_raw_price": Assumption(),
    "refining_cost_to_margin": Assumption(),
    "cost_scale_base": Assumption(),
    "cost_scale_slope": Assumption(),
    "unmet_penalty_price_multiple": Assumption(),
    "demand_elasticity": Assumption(),
    "spot_premium": Assumption(),
    # reserves
    "holding_cost_rate": Assumption(),
    "reserve_days": Assumption(RESERVE_MARKETS, whole=True),
    # share rules
    "target_path": Assumption(tuple(PERIODS), share=True),
    "target_penalty_price_share": Assumption(),
    "feoc_rule_max_share": Assumption(share=True),
    "v1_cap_headroom": Assumption(),
    "v1_cap_drop_at": Assumption(share=True),
    # candidate projects
    "capital_rate": Assumption(),
    "capital_life_years": Assumption(whole=True),
    "fixed_upkeep_rate": Assumption(),
    "usd_per_cad": Assumption(),
    "first_period_by_status": Assumption(PROJECT_STATUSES, whole=True),
    # scenarios and risks
    "scenario_probability": Assumption(SCENARIOS, share=True),
    "licensing_tariff": Assumption(),
    "export_licensing_hit": Assumption(share=True),
    "gallium_ban_from": Assumption(whole=True),
    "drc_ban_period": Assumption(whole=True),
    "demand_surge_extra_growth": Assumption(),
    "risk_volume_hit_share": Assumption(share=True),
}

# The values the sheet functions read: one field per name of DECLARED (`a.capacity_headroom`).
# A named tuple, not a dataclass: the tests and the walkthrough load this script as a module
# that is not in sys.modules, where a dataclass cannot resolve its annotations.
Assumptions = namedtuple("Assumptions", DECLARED)


class AssumptionError(ValueError):
    """The assumptions CSV is missing, malformed, or lacks a value the builder needs."""


def assumption_records(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The CSV's non-blank rows, numbered as a spreadsheet numbers them (the header is row 1),
    each a dict from ASSUMPTION_COLUMNS to its stripped text.

    AssumptionError when the file or one of the columns is missing.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            header, *records = list(csv.reader(fh)) or [[]]
    except FileNotFoundError:
        raise AssumptionError(f"{path}: no such file") from None
    missing = [c for c in ASSUMPTION_COLUMNS if c not in header]
    if missing:
        raise AssumptionError(f"{path}: row 1 lacks the column(s) {', '.join(missing)}")
    at = {c: header.index(c) for c in ASSUMPTION_COLUMNS}
    return [(number, {c: (cells[i] if i < len(cells) else "").strip() for c, i in at.items()})
            for number, cells in enumerate(records, start=2) if any(c.strip() for c in cells)]


def key_problem(r: dict[str, str]) -> str | None:
    """Why a row's name or applies_to is not one the builder reads; None when it is."""
    name, key = r["name"], r["applies_to"]
    if name not in DECLARED:
        near = difflib.get_close_matches(name, DECLARED, n=1)
        return (f"column name: {name!r} is not an assumption the builder reads"
                + (f" (did you mean {near[0]!r}?)" if near else ""))
    keys = DECLARED[name].keys
    if keys is None and key:
        return f"column applies_to: must be blank, {name} is one value"
    if keys is not None and key not in map(str, keys):
        return f"column applies_to: {key!r} is not one of {', '.join(map(str, keys))}"
    return None


def parse_number(text: str, whole: bool, share: bool) -> int | float:
    """A value cell as a number: an int when written without a decimal point, else a float.

    ValueError with the reason: blank, not a number, not whole, outside 0-1.
    """
    if not text:
        raise ValueError("blank")
    try:
        value = int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    if whole and not isinstance(value, int):
        raise ValueError(f"{text!r} is not a whole number")
    if share and not 0 <= value <= 1:
        raise ValueError(f"{text} is not a share between 0 and 1")
    return value


def read_assumptions(path: Path) -> tuple[Assumptions, list[dict]]:
    """The assumptions in the CSV at `path`, and its rows with their values as numbers.

    Every problem is collected and raised as one AssumptionError, each named by its row and
    column: a name or applies_to the builder does not read, a repeated row, a value that is
    blank or not a number (or not whole, or outside 0-1, where the declaration says so), and
    a value the builder needs that has no row.
    """
    rows, problems, row_of = [], [], {}
    for number, r in assumption_records(path):
        name, key = r["name"], r["applies_to"]
        problem = key_problem(r)
        if problem is None and (name, key) in row_of:
            problem = f"repeats row {row_of[name, key]}"
        if problem is None:
            row_of[name, key] = number
            how = DECLARED[name]
            try:
                r["value"] = parse_number(r["value"], how.whole, how.share)
                rows.append(r)
            except ValueError as e:
                problem = f"column value: {e}"
        if problem:
            problems.append(f"row {number} ({name}{' ' + key if key else ''}), {problem}")
    for name, how in DECLARED.items():
        for key in [""] if how.keys is None else map(str, how.keys):
            if (name, key) not in row_of:
                problems.append(f"no row for {name}" + (f" with applies_to {key}" if key else ""))
    if len(problems) == 1:
        raise AssumptionError(f"{path}: {problems[0]}")
    if problems:
        raise AssumptionError(f"{path}: {len(problems)} problems:\n  " + "\n  ".join(problems))
    got = {(r["name"], r["applies_to"]): r["value"] for r in rows}
    values = {name: got[name, ""] if how.keys is None else
              {k: got[name, str(k)] for k in how.keys} for name, how in DECLARED.items()}
    return Assumptions(**values), rows


def percent(share: float) -> str:
    """0.05 -> '5%', 0.638 -> '63.8%': a share as the sources sheet's text writes it."""
    return f"{round(share * 100, 6):g}%"


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


# Version 2 sheets and columns (docs: the spec's "Version 2" section), in the spec's order.
# The schema does not declare them yet; when it does, its declaration and order win and these
# only fill what it lacks.
V2_COLUMNS = {
    "shares": ("stage", "scope", "mineral", "period", "min_share", "max_share", "market",
               "basis", "penalty"),
    "scenarios": ("scenario", "kind", "factor", "mineral", "country", "period", "to", "stage",
                  "probability"),
    "ownership": ("stage", "country", "owner", "share", "mineral"),
    "projects": ("project", "stage", "mineral", "country", "capacity", "cost", "fixed_cost",
                 "yield", "first_period", "integer", "owner"),
}


def sheet_columns(name: str, version_2: bool = False) -> list[str]:
    """Column names of sheet `name`, in the order planner.input.schema declares them.

    With version_2, the version 2 columns the schema does not know yet are appended in the
    spec's order (a version 2 sheet the schema lacks takes the spec's columns).
    """
    if name == "sources":
        return list(SOURCES_COLUMNS)
    cols = [c.name for c in SCHEMA[name].columns] if name in SCHEMA else []
    if version_2:
        cols += [c for c in V2_COLUMNS.get(name, ()) if c not in cols]
    if not cols:
        raise KeyError(f"sheet {name!r} is in neither planner.input.schema nor V2_COLUMNS")
    return cols


def table(name: str, rows: list[dict], sort_key=None, version_2: bool = False) -> list[list]:
    """Header plus one list per row, ordered by the sheet's columns.

    Rows are dicts keyed by column name; a key the sheet does not have is an error (a typo
    would otherwise be dropped silently, and a version 2 value would be written where the
    planner reads version 1), a column the row lacks is blank.
    """
    cols = sheet_columns(name, version_2)
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

    def __init__(self, ref: Path, assumptions: Assumptions) -> None:
        self.assumptions = assumptions
        self.mine = read_csv(ref, "mine_production.csv")
        self.refprod = read_csv(ref, "refinery_production.csv")
        self.rshare = read_csv(ref, "refining_share.csv")
        self.prices = read_csv(ref, "prices.csv")
        self.demand = read_csv(ref, "demand.csv")
        self.partners = read_csv(ref, "partners.csv")
        self.measures = read_csv(ref, "trade_measures.csv")
        self.bilateral = read_csv(ref, "bilateral_measures.csv")
        self.ownership = read_csv(ref, "ownership.csv")
        self.projects = read_csv(ref, "projects.csv")
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
        # world_dem[m] = world refined demand 2025 (t): the output balance V
        self.world_dem: dict[str, float] = {}
        # market_share[m][market] = share of world demand
        self.market_share: dict[str, dict[str, float]] = {}
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

    def bilateral_measure(self, imposing, mineral, mtype, target="") -> dict:
        for r in self.bilateral:
            if r["imposing"] == imposing and mineral in r["mineral"].split("; ") and \
                    r["measure_type"] == mtype and r["target"].startswith(target):
                return r
        raise KeyError((imposing, mineral, mtype, target))

    def world_demand(self, m: str, t: int) -> float:
        return self.world_dem[m] * self.gfac(m, t)

    def export_share(self, m: str, c: str, stage: str, t: int) -> float:
        """Share of c's capacity at `stage` that is not used at home in year t (see scenarios)."""
        if stage == "refining":
            home = self.dem.get((m, c, t), 0.0)
            cap = self.refine_cap.get((m, c, t), 0.0)
        else:
            home = self.refine_cap.get((m, c, t), 0.0) / self.assumptions.refining_yield
            cap = self.supply_cap.get((m, c, t), 0.0)
        return 0.0 if cap <= 0 else max(0.0, 1 - home / cap)

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
    rates["gallium"] = (d.assumptions.gallium_demand_growth, "ASSUMPTION (no figure in data)")
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
    multiple = d.assumptions.graphite_refined_price_multiple
    refined_price["graphite"] = raw_price["graphite"] * multiple
    src.add("SOURCED", "minerals", f"raw_price: flake graphite ({fl['period']})", "graphite",
            value=raw_price["graphite"], unit="USD/t", source=fl["source_url"],
            confidence=fl["confidence"], note="2024/2025 values not seen")
    src.add("ASSUMPTION", "minerals", f"refined_price = {multiple:g} x flake price (battery grade)",
            "graphite", value=refined_price["graphite"], unit="USD/t",
            note="no anode/spherical price in data; purification + spheronisation lose ~half "
                 "the flake and add processing")
    ndpr = price_row("rare_earths", "NdPr oxide")
    ndpr_share = d.assumptions.ndpr_share_of_reo
    refined_price["rare_earths"] = num(ndpr["usd_per_tonne"]) * ndpr_share
    src.add("SOURCED", "minerals", "NdPr oxide (2026 general level)", "rare_earths",
            value=num(ndpr["usd_per_tonne"]), unit="USD/t", source=ndpr["source_url"],
            confidence=ndpr["confidence"])
    src.add("ASSUMPTION", "minerals", f"refined_price = {percent(ndpr_share)} x NdPr price (REO basket)",
            "rare_earths", value=refined_price["rare_earths"], unit="USD/t REO",
            note=f"NdPr taken as {percent(ndpr_share)} of REO content, other oxides at zero value")
    for m, f in d.assumptions.raw_price_fraction.items():
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
    # observed world refined volume for share-based minerals (the production sheet's refined
    # tonnes): world mine production 2025. Capacity uses the balance V instead (capacities()).
    for m in ("lithium", "cobalt", "graphite", "rare_earths", "gallium"):
        world_ref[m] = d.world_prod[m] if m != "gallium" else sum(d.prod["gallium"].values())
        src.add("ASSUMPTION", "production", "observed world refining volume 2025 = world mine "
                "production 2025 (refiners process what is mined)", m, "WLD", world_ref[m], "t",
                "mine_production.csv (USGS MCS 2026)", "medium")
    for m, proj in REFINING_SHARE_2030.items():
        for c, v in proj.items():
            src.add("SOURCED", "refining", f"projected refining share 2030 (IEA; linear from "
                    f"{share_year[m]})", m, c, v, "%", "refining_share.csv notes (IEA GCMO)",
                    "low")
    src.add("ASSUMPTION", "refining", "lithium: share China loses by 2030 goes to ROW",
            "lithium", "ROW", note="the data does not say where new capacity is built")


def world_balance(d: Data, src: Sources) -> None:
    """World demand 2025 = V = yield x world mine output; the demand.csv figures as a check."""
    yield_ = d.assumptions.refining_yield
    for m in MINERALS:
        mined = sum(d.prod[m].values())
        d.world_dem[m] = yield_ * mined
        src.add("DERIVED", "demand", "world demand 2025 = yield x world mine output 2025 "
                "(the output balance the calibration reproduces)", m, "WLD",
                rnd(d.world_dem[m]), "t", "mine_production.csv (sum of countries)", "medium",
                f"mine output {rnd(mined)} t x {yield_}")
    for r in d.demand:
        m = r["mineral"]
        if m in MINERALS and r["scope"] == "world" and re.fullmatch(r"\d{4}", r["year"]):
            src.add("SOURCED", "demand", f"world demand {r['year']} ({r['metric']}): "
                    "cross-check only", m, "WLD", num(r["tonnes"]), r["basis"], r["source_url"],
                    r["confidence"], cross_check_note(d, m, r))


def cross_check_note(d: Data, m: str, r: dict) -> str:
    ratio = d.world_dem[m] * d.gfac(m, int(r["year"])) / num(r["tonnes"])
    why = {
        "copper": "refined demand includes secondary (scrap) copper, which the planner does "
                  "not model: its demand is primary copper",
        "cobalt": "2024 surplus 36 kt (same source) and 2025 stock building: output exceeds use",
        "nickel": "INSG usage forecast made in Sept 2024; the balance is USGS mine output",
        "lithium": "2025 output above use (stock building in a falling market)",
        "rare_earths": "magnet REEs only, not all REO",
    }.get(m, "")
    return f"plan's 2025 world demand / this figure grown to 2025 = {ratio:.2f}; {why}"


def market_shares(d: Data, src: Sources) -> None:
    """Each market's share of world demand: the coalition's five, China's industry, the rest."""
    note = next(r["notes"] for r in d.demand
                if r["mineral"] == "nickel" and "China" in r["notes"])
    china_ni = float(re.search(r"China ~([\d.]+)%", note).group(1)) / 100
    coalition = d.assumptions.market_share_of_world_demand
    china_other = d.assumptions.china_share_of_world_demand
    for m in MINERALS:
        china = china_ni if m == "nickel" else china_other
        shares = dict(coalition)
        shares["CHN"] = china
        shares["ROW"] = 1 - sum(shares.values())
        d.market_share[m] = shares
        for t in PERIODS:
            for mk in MARKETS:
                d.dem[m, mk, t] = rnd(d.world_demand(m, t) * shares[mk])
    for mk, sh in coalition.items():
        src.add("ASSUMPTION", "demand", "coalition market's share of world refined demand",
                country=mk, value=sh, unit="share",
                note=f"coalition total {percent(sum(coalition.values()))}, every mineral; no "
                     "per-market demand in the data")
    src.add("SOURCED", "demand", "China's share of world primary nickel use (2024)", "nickel",
            "CHN", china_ni, "share", "demand.csv notes (INSG)", "medium")
    src.add("ASSUMPTION", "demand", "China's share of world refined demand (minerals other than "
            "nickel)", country="CHN", value=china_other, unit="share",
            note=f"no figure in the data; in line with nickel ({percent(china_ni)})")
    row_other, row_ni = (round(d.market_share[m]["ROW"], 3) for m in ("lithium", "nickel"))
    src.add("DERIVED", "demand", "rest of world (ROW) = 1 - coalition - China", country="ROW",
            value=f"{row_other:g} (nickel {row_ni:g})", unit="share")
    src.add("ASSUMPTION", "demand", "markets: the coalition (USA, EU, JPN, KOR, IND) plans with "
            "China's own industry (CHN) and the rest of the world (ROW) as competing buyers",
            value=", ".join(MARKETS),
            note="so the coalition competes for capacity as it does in reality")


def capacities(d: Data, src: Sources) -> None:
    """Whole capacity of every country, calibrated to its 2025 output (`capacity_headroom`).

    With world capacity h x world demand at both stages, every country runs at 1/h of its
    capacity or more on average: a country with observed share s ends with a plan share
    between h s - (h - 1) and h s, whatever the costs.
    """
    headroom = d.assumptions.capacity_headroom
    for m in MINERALS:
        for c in d.prod[m]:
            for t in PERIODS:
                d.supply_cap[m, c, t] = rnd(d.prod[m][c] * d.gfac(m, t) * headroom)
        for c in d.refiners[m] | set(REFINING_SHARE_2030.get(m) or {}):
            for t in PERIODS:
                cap = d.world_dem[m] * d.share_at(m, c, t) / 100 * d.gfac(m, t) * headroom
                if cap > 0:
                    d.refine_cap[m, c, t] = rnd(cap)
    spare = percent(headroom - 1)
    src.add("ASSUMPTION", "supply, refining", "capacity = 2025 output x growth x headroom "
            "(mine: own output; refining: share x world demand): each country's whole "
            f"capacity, world capacity {spare} above world demand at both stages",
            value=headroom, unit="x",
            note=f"calibration: with {spare} spare every country runs at >= {1 / headroom:.0%} on "
                 f"average, so the plan without share limits reproduces 2025 output within "
                 f"{(headroom - 1) * 100:.0f} points whatever the costs; capacity = what a "
                 "country can sell in a year, not nameplate")


def prepare(ref: Path, assumptions: Assumptions, src: Sources) -> Data:
    """Read the reference files and derive what the sheets share."""
    d = Data(ref, assumptions)
    read_groups(d, src)
    growth_rates(d, src)
    read_mine_production(d, src)
    read_prices(d, src)
    read_refining_shares(d, src)
    world_balance(d, src)
    market_shares(d, src)
    capacities(d, src)
    return d


# ---------------------------------------------------------------------------------------
# One function per sheet
# ---------------------------------------------------------------------------------------


# Names of owner countries that are in no reference file.
OWNER_NAMES = {"CHE": "Switzerland"}


def countries_sheet(d: Data, src: Sources, extra: set[str] = frozenset()) -> list[list]:
    """Every country that mines or refines; with version 2 also project hosts and owners."""
    codes = set().union(*d.refiners.values(), *(set(d.prod[m]) for m in MINERALS))
    added = sorted(set(extra) - codes)
    for c in added:
        src.add("DERIVED", "countries", "country added for version 2: hosts a candidate project "
                "or owns capacity elsewhere (no output of its own in the data)", country=c)
    codes = sorted(codes | set(added))
    rows = [{"country": c, "name": d.names.get(c) or OWNER_NAMES.get(c, c),
             "groups": ", ".join(sorted(d.groups.get(c, set())))} for c in codes]
    return table("countries", rows, sort_key=as_text)


def cost_multiplier(a: Assumptions, code: str, share_pct: float) -> float:
    """The cost of a country with world share `share_pct` (%) at a stage, over the average:
    the largest producers are taken as lowest on the cost curve; ROW is the fringe."""
    if code == "ROW":
        return a.cost_scale_base
    return a.cost_scale_base - a.cost_scale_slope * share_pct / 100


def unit_cost(d: Data, m: str, stage: str, c: str) -> float:
    """Cost per t at `stage` in country c (a country without output gets the fringe cost)."""
    a = d.assumptions
    if stage == "supply":
        share = d.prod[m].get(c, 0.0) / sum(d.prod[m].values()) * 100
        return d.raw_price[m] * a.supply_cost_to_raw_price * cost_multiplier(a, c, share)
    margin = max(d.refined_price[m] - d.raw_price[m], 0.0)
    return margin * a.refining_cost_to_margin * cost_multiplier(a, c, d.shares[m].get(c, 0.0))


def supply_sheet(d: Data, src: Sources) -> list[list]:
    rows = []
    for m in MINERALS:
        for c in sorted(d.prod[m]):
            cost = unit_cost(d, m, "supply", c)
            for t in PERIODS:
                rows.append({"mineral": m, "country": c, "period": t,
                             "capacity": d.supply_cap[m, c, t], "cost": rnd(cost)})
    a = d.assumptions
    src.add("ASSUMPTION", "supply", f"cost = {a.supply_cost_to_raw_price:g} x raw_price x scale "
            "multiplier", value=a.supply_cost_to_raw_price,
            note="prices are a ceiling for cost; no cost curves")
    base, slope = a.cost_scale_base, a.cost_scale_slope
    src.add("ASSUMPTION", "supply, refining", f"scale multiplier = {base:.2f} - {slope:.2f} x "
            f"world share (ROW {base:.2f})", value=f"{base} - {slope} x share",
            note="largest producers taken as lowest on the cost curve; with calibrated "
                 "capacity this orders who runs full, not who takes everything")
    return table("supply", rows, sort_key=by("mineral", "country", "period"))


def refining_sheet(d: Data, src: Sources) -> list[list]:
    a = d.assumptions
    rows = []
    for m in MINERALS:
        for c in sorted(d.refiners[m] | set(REFINING_SHARE_2030.get(m) or {})):
            cost = unit_cost(d, m, "refining", c)
            for t in PERIODS:
                if (m, c, t) in d.refine_cap:
                    rows.append({"mineral": m, "country": c, "period": t,
                                 "capacity": d.refine_cap[m, c, t], "cost": rnd(cost),
                                 "yield": a.refining_yield})
    src.add("ASSUMPTION", "refining", "yield (t refined per t mined content)",
            value=a.refining_yield, note="process recoveries 90-98%; not in data")
    src.add("ASSUMPTION", "refining", f"cost = {a.refining_cost_to_margin:g} x (refined - raw "
            "price) x scale multiplier", value=a.refining_cost_to_margin,
            note="per t of refined output")
    return table("refining", rows, sort_key=by("mineral", "country", "period"))


def demand_sheet(d: Data, src: Sources) -> list[list]:
    rows = [{"mineral": m, "market": mk, "period": t, "demand": d.dem[m, mk, t]}
            for m in MINERALS for mk in MARKETS for t in PERIODS]
    return table("demand", rows, sort_key=by("mineral", "market", "period"))


def minerals_sheet(d: Data, src: Sources) -> list[list]:
    multiple = d.assumptions.unmet_penalty_price_multiple
    rows = [{"mineral": m, "raw_price": rnd(d.raw_price[m]),
             "refined_price": rnd(d.refined_price[m]),
             "unmet_penalty": rnd(d.refined_price[m] * multiple)}
            for m in MINERALS]
    src.add("ASSUMPTION", "minerals", f"unmet_penalty = {multiple:g} x refined price",
            value=multiple,
            note="above any delivered cost incl. tariffs (max ~2.2x price)")
    return table("minerals", rows)


def home(refiner: str, market: str) -> bool:
    """A delivery inside the market's own territory (the EU market: any EU member)."""
    return refiner == market or (market == "EU" and refiner in EU_MEMBERS)


def routes_sheet(d: Data, src: Sources) -> list[list]:
    freight = d.assumptions.freight_usd_per_t
    rows = []
    refiners = sorted(set().union(*d.refiners.values()))
    for r in refiners:
        for mk in MARKETS:
            if not home(r, mk):
                rows.append({"stage": "delivery", "from": r, "to": mk,
                             "cost": freight})
    src.add("ASSUMPTION", "routes", f"cross-border delivery cost {freight:g} USD/t (freight and "
            "handling), home deliveries 0", value=freight, unit="USD/t",
            note="markets buy from their own refiners first at equal cost; no freight data; "
                 "small next to mineral values")

    s301_gr = d.measure("USA", "graphite", "Section 301")
    aam = d.bilateral_measure("USA", "graphite", "tariff", target="CHN")
    s301_re = d.measure("USA", "rare_earths", "Section 301")
    s301_var = d.measure("USA", "various (cobalt", "Section 301")
    rows.append({"stage": "delivery", "from": "CHN", "to": "USA", "mineral": "graphite",
                 "cost": freight, "tariff_rate": num(s301_gr["rate_pct"]) / 100})
    rows.append({"stage": "delivery", "from": "CHN", "to": "USA", "mineral": "cobalt",
                 "cost": freight, "tariff_rate": num(s301_var["rate_pct"]) / 100})
    src.add("SOURCED", "routes", "US Section 301 tariff on Chinese natural graphite (from "
            "2026-01-01)", "graphite", "CHN", num(s301_gr["rate_pct"]), "%",
            s301_gr["source_url"], "medium")
    src.add("SOURCED", "routes", "US AD/CVD duties on Chinese graphite active anode material NOT "
            "applied: " + aam["status"], "graphite", "CHN", source=aam["source_url"],
            confidence=aam["confidence"],
            note="bilateral_measures.csv corrects the 'preliminary' rows of trade_measures.csv")
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
    cu232 = d.bilateral_measure("USA", "copper", "tariff")
    src.add("SOURCED", "routes", "US Section 232 copper tariff NOT applied: cathodes (the "
            "planner's refined copper) are exempt", "copper", "USA", num(cu232["rate_pct"]), "%",
            cu232["source_url"], cu232["confidence"],
            "the phased tariff on refined copper is the scenario us_refined_copper_tariff "
            "(version 2)")

    rus = d.bilateral_measure("USA", "copper", "import_ban", target="RUS")
    for m in ("copper", "nickel"):
        rows.append({"stage": "delivery", "from": "RUS", "to": "USA", "mineral": m,
                     "cost": freight, "allowed": False})
    src.add("SOURCED", "routes", "US import ban on Russian copper and nickel (OFAC, EO 14068, "
            "from 2024-04-13): RUS -> USA closed", "copper, nickel", "RUS",
            source=rus["source_url"], confidence=rus["confidence"])
    mys = d.bilateral_measure("MYS", "rare_earths", "export_ban")
    for r in sorted(d.refiners["rare_earths"] - {"MYS"}):
        if "MYS" in d.prod["rare_earths"]:
            rows.append({"stage": "supply", "from": "MYS", "to": r, "mineral": "rare_earths",
                         "allowed": False})
    src.add("SOURCED", "routes", "Malaysian ban on raw rare-earth exports (2024): Malaysian "
            "REE refined only in Malaysia", "rare_earths", "MYS", source=mys["source_url"],
            confidence=mys["confidence"])
    ni_ban = d.bilateral_measure("IDN", "nickel", "export_ban")
    src.add("SOURCED", "routes", "Indonesian nickel-ore export ban (MEMR Reg. 11/2019, from "
            "2020): NOT a route closure in the base", "nickel", "IDN",
            source=ni_ban["source_url"], confidence=ni_ban["confidence"],
            note="the supply stage is contained nickel; Indonesia exports it processed (NPI, "
                 "matte, MHP) to Chinese refiners: it mines 67% of world nickel and refines "
                 "47%. Scenario indonesia_nickel_export_ban closes the lane")
    zwe = d.bilateral_measure("ZWE", "lithium", "export_ban")
    src.add("SOURCED", "routes", "Zimbabwe's ban on lithium concentrate exports (from "
            "2026-02-25): NOT in the base", "lithium", "ZWE", source=zwe["source_url"],
            confidence=zwe["confidence"],
            note="the calibration year is 2025 and Zimbabwe's sulphate plants (under "
                 "construction) are not in the data; scenario zimbabwe_lithium_export_ban")
    nam = d.bilateral_measure("NAM", "lithium", "export_ban")
    src.add("SOURCED", "routes", "Namibian ban on unprocessed critical-mineral exports: not "
            "modelled", country="NAM", source=nam["source_url"], confidence=nam["confidence"],
            note="Namibia mines none of these minerals in the data (small volumes)")
    return table("routes", rows, sort_key=by("stage", "from", "to", "mineral", blank=""))


def reserve_days_usa(d: Data) -> float:
    """Project Vault: USD 10 bn over the value of one day of US 2026 demand."""
    us_value_per_day = sum(d.dem[m, "USA", PERIODS[0]] * d.refined_price[m]
                           for m in MINERALS) / 365
    return PROJECT_VAULT_USD / us_value_per_day


def demand_2025(d: Data, m: str, mk: str) -> float:
    return d.world_dem[m] * d.market_share[m][mk]


def reserve_sheets(d: Data, src: Sources) -> tuple[list[list], list[list]]:
    a = d.assumptions
    reserve, targets = [], []
    usa_days = reserve_days_usa(d)
    for m in MINERALS:
        for mk in sorted(list(a.reserve_days) + ["USA"]):
            init = rnd(demand_2025(d, m, mk) * a.reserve_days[mk] / 365) \
                if mk in a.reserve_days else 0
            reserve.append({"mineral": m, "market": mk, "initial_stock": init,
                            "holding_cost": rnd(a.holding_cost_rate * d.refined_price[m])})
            if mk in a.reserve_days:
                targets.append({"mineral": m, "market": mk, "min_days": a.reserve_days[mk]})
            else:
                for t in PERIODS:
                    days = usa_days * (t - BASE_YEAR) / (PERIODS[-1] - BASE_YEAR)
                    targets.append({"mineral": m, "market": mk, "period": t,
                                    "min_days": round(days, 1)})
    src.add("ASSUMPTION", "reserve_targets", f"Japan stockpile target {a.reserve_days['JPN']} days "
            "(JOGMEC policy)", country="JPN", value=a.reserve_days["JPN"], unit="days",
            source="public policy; not in the reference files", confidence="medium",
            note="applied to all seven minerals")
    src.add("ASSUMPTION", "reserve_targets", f"Korea stockpile target {a.reserve_days['KOR']} days "
            "(KOMIR policy)", country="KOR", value=a.reserve_days["KOR"], unit="days",
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
    src.add("ASSUMPTION", "reserve", f"holding_cost = {percent(a.holding_cost_rate)} of refined price "
            "per t per year", value=a.holding_cost_rate, note="financing and storage; shortfall_penalty default "
                                          "(half the unmet penalty)")
    return (table("reserve", reserve, sort_key=by("mineral", "market")),
            table("reserve_targets", targets, sort_key=by("mineral", "market", "period",
                                                          blank=0)))


def reserve_target(d: Data, m: str, mk: str, t: int) -> float:
    """Stock the reserve of (m, mk) must hold at the end of year t (t < first period: start)."""
    own_days = d.assumptions.reserve_days
    if t < PERIODS[0]:
        return demand_2025(d, m, mk) * own_days[mk] / 365 if mk in own_days else 0.0
    days = own_days.get(mk) or reserve_days_usa(d) * (t - BASE_YEAR) / (PERIODS[-1] - BASE_YEAR)
    return d.dem[m, mk, t] * days / 365


def share_rules(d: Data, src: Sources) -> list[dict]:
    """The coalition's share rules, each on what one market receives (version 2 form).

    The EU's law (CRMA benchmark, hard, 2030) and the coalition's phased target (soft) on the
    other markets and on the EU before 2030. Rows are keyed by the shares sheet's columns.
    """
    a = d.assumptions
    rules = []
    for t in PERIODS:
        for mk in COALITION:
            for stage in STAGES:
                if mk == "EU" and t in EU_CRMA_PERIODS:
                    rules.append({"stage": stage, "scope": "* except EU", "period": t,
                                  "max_share": EU_CRMA_MAX_SHARE, "market": "EU"})
                    continue
                for m in MINERALS:
                    rules.append({"stage": stage, "scope": f"* except {mk}", "mineral": m,
                                  "period": t, "max_share": a.target_path[t], "market": mk,
                                  "penalty": rnd(a.target_penalty_price_share *
                                                 d.refined_price[m])})
    src.add("SOURCED", "shares", "EU Critical Raw Materials Act benchmark: by 2030 at most 65% "
            "of EU consumption of a strategic raw material, at any stage, from a single third "
            "country", country="EU", value=EU_CRMA_MAX_SHARE, unit="share",
            source="Regulation (EU) 2024/1252 (Critical Raw Materials Act), Art. 5 benchmarks; "
                   "public law, not in the reference files", confidence="high",
            note="scope '* except EU', market EU, stages supply and refining, period 2030; "
                 "written hard, as the law states it (the law calls it a benchmark: it binds no "
                 "buyer; a penalty would make it soft)")
    path = a.target_path
    first, last = PERIODS[0], PERIODS[-1]
    src.add("ASSUMPTION", "shares", f"coalition diversification target per market, phased "
            f"{path[first]:.2f} ({first}) -> {path[last]:.2f} ({last}), supply and refining, any "
            "single country but the market's own (the EU's before 2030)",
            value="/".join(f"{path[t]:.2f}" for t in PERIODS),
            note="modelled on the CRMA benchmark; a target, not a law: soft in version 2")
    src.add("ASSUMPTION", "shares", f"soft target penalty = {percent(a.target_penalty_price_share)} "
            "of the refined price per t above the target", value=a.target_penalty_price_share,
            unit="x refined price",
            source="trade_measures.csv (US Section 301 25% on Chinese critical minerals)",
            note="the premium a coalition government already imposes for diversified supply")
    return rules


def reserve_build(d: Data, m: str, t: int) -> float:
    """Stock the reserves must add in year t."""
    return sum(max(reserve_target(d, m, mk, t) - reserve_target(d, m, mk, t - 1), 0)
               for mk in list(d.assumptions.reserve_days) + ["USA"])


def stage_capacity(d: Data, m: str, stage: str, t: int) -> dict[str, float]:
    """Capacity of each country at `stage` in refined t (mine capacity x yield)."""
    if stage == "supply":
        return {c: d.supply_cap[m, c, t] * d.assumptions.refining_yield for c in d.prod[m]}
    return {c: d.refine_cap[m, c, t] for c in d.refiners[m] if (m, c, t) in d.refine_cap}


def whole_plan_rows(d: Data, src: Sources, rules: list[dict]) -> list[dict]:
    """Version 1 form of market rules: one whole-plan row per (mineral, stage, period)."""
    headroom, drop_at = d.assumptions.v1_cap_headroom, d.assumptions.v1_cap_drop_at
    rows = []
    for m in MINERALS:
        for t in PERIODS:
            world = sum(d.dem[m, mk, t] for mk in MARKETS)
            need = world + reserve_build(d, m, t)
            for stage in STAGES:
                ruled = [r for r in rules if r["stage"] == stage and r["period"] == t
                         and r.get("mineral") in (None, m)
                         and r.get("basis", "location") == "location"]
                if not ruled:
                    continue
                cap = 1 - sum((1 - r["max_share"]) * d.dem[m, r["market"], t]
                              for r in ruled) / world
                used = math.ceil(cap * 1000 - 1e-9) / 1000
                caps = stage_capacity(d, m, stage, t)
                top = max(caps, key=lambda c: caps[c])
                outside = sum(v for c, v in caps.items() if c != top)
                feasible = 1 - outside / (need * (1 + headroom))
                if feasible > used:
                    why = (f"{stage} {t}: capacity outside {top} {outside:.0f} t vs world need "
                           f"{need:.0f} t (+{percent(headroom)})")
                    relaxed = math.ceil(feasible * 1000) / 1000
                    if relaxed >= drop_at:
                        src.add("ASSUMPTION", "shares", f"version 1 row dropped (whole-plan "
                                f"form {used:.3f}; capacity allows only {relaxed:.3f})", m, top,
                                note=why)
                        continue
                    src.add("ASSUMPTION", "shares", f"version 1 row relaxed from {used:.3f}", m,
                            top, relaxed, "share", note=why)
                    used = relaxed
                rows.append({"stage": stage, "scope": "*", "mineral": m, "period": t,
                             "max_share": used})
    src.add("DERIVED", "shares", "version 1 rows: whole-plan form of the market rules, "
            "1 - sum over ruled markets of (1 - cap) x market demand / world demand",
            note="a share row on the whole plan would otherwise cap China's own consumption; "
                 "this is the most one country can hold when the ruled markets keep their caps "
                 "and China's industry and the rest of the world are free; relaxed where "
                 "capacity outside the top country is too small (rows above)")
    return rows


def feoc_rule(d: Data, src: Sources) -> list[dict]:
    """The US market's FEOC-ownership rule (version 2: basis owner)."""
    cap = d.assumptions.feoc_rule_max_share
    rows = [{"stage": stage, "scope": "FEOC", "mineral": m, "max_share": cap,
             "market": "USA", "basis": "owner"}
            for m in FEOC_RULE_MINERALS for stage in STAGES]
    src.add("ASSUMPTION", "shares", "US market: FEOC-owned tonnes (basis owner; FEOC = CHN, RUS, "
            f"IRN, PRK) at most {percent(cap)} of what the US receives, each stage, lithium, cobalt, "
            "nickel, graphite, every period, hard", "lithium, cobalt, nickel, graphite", "USA",
            cap, "share",
            source="IRA 30D zero-FEOC rule ended with the credit on 2025-09-30 (OBBBA; CSIS, "
                   "9 Jul 2025); OBBBA 45X 'material assistance' limits (thresholds not verified)",
            confidence="low",
            note="half of US battery-mineral demand taken to be in products that must be "
                 "FEOC-free, the other half under no rule; no whole-market cap in US law")
    return rows


def shares_sheet(d: Data, src: Sources, version_2: bool) -> list[list]:
    rules = share_rules(d, src)
    if version_2:
        rows = rules + feoc_rule(d, src)
    else:
        rows = whole_plan_rows(d, src, rules)
    return table("shares", rows, version_2=version_2,
                 sort_key=lambda r: (r.get("market") or "", r.get("basis") or "",
                                     r.get("mineral") or "", r["stage"], r.get("period") or 0))


# ---------------------------------------------------------------------------------------
# Version 2 sheets: ownership and projects
# ---------------------------------------------------------------------------------------

# Where ownership.csv has several figures for one (mineral, stage, country, owner), the one used
# (matched on `year`) and why.
OWNERSHIP_PICK = {
    ("nickel", "refining", "IDN", "CHN"): (
        "2025", "Benchmark 2025, the latest year; agrees with C4ADS (>= 0.75) and IEA (> 0.80); "
                "a lower bound"),
    ("cobalt", "mine", "COD", "CHN"): (
        "2030", "Benchmark's own country table (109 of 204 kt), medium confidence, inside the "
                "planning horizon, consistent with CMOC alone at 0.505 in 2024; the 2025 value "
                "0.67 rests on ban-year output and is low confidence"),
    ("cobalt", "mine", "IDN", "CHN"): (
        "2030", "Benchmark's country table, the same basis as the DRC figure; the 2024 'over "
                "half' is a bound"),
    ("copper", "mine", "COD", "CHN"): (
        "2024", "Caixin's 70%; the 0.217 row is CMOC alone (a lower bound)"),
}


def ownership_sheet(d: Data, src: Sources) -> tuple[list[list], set[str]]:
    """Share of each (stage, country, mineral) capacity owned by another country's companies."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in d.ownership:
        if r["country"] == "WLD":
            src.add("SOURCED", "ownership", f"world-level figure, not a country's: not used "
                    f"({r['year']}, {r['basis']})", r["mineral"], r["owner_country"],
                    num(r["share"]), "share", r["source_url"], r["confidence"],
                    "a cross-check of the country rows")
            continue
        groups[r["mineral"], r["stage"], r["country"], r["owner_country"]].append(r)
    rows, owners = [], set()
    for key in sorted(groups):
        m, stage, country, owner = key
        cands = groups[key]
        why = ""
        if len(cands) > 1:
            pick_year, why = OWNERSHIP_PICK[key]
            matches = [r for r in cands if r["year"] == pick_year and
                       (key != ("copper", "mine", "COD", "CHN") or num(r["share"]) == 0.70)]
            assert len(matches) == 1, (key, matches)
            chosen = matches[0]
            others = ", ".join(f"{r['share']} ({r['year']})" for r in cands if r is not chosen)
            why = f"chosen over {others}: {why}"
        else:
            chosen = cands[0]
        planner_stage = "supply" if stage == "mine" else stage
        rows.append({"stage": planner_stage, "country": country, "owner": owner,
                     "share": num(chosen["share"]), "mineral": m})
        owners.add(owner)
        src.add("SOURCED" if "Derived here" not in chosen["notes"] else "DERIVED", "ownership",
                f"{owner}-owned share of {country}'s {stage} capacity ({chosen['year']}, "
                f"{chosen['basis']})", m, country, num(chosen["share"]), "share",
                chosen["source_url"], chosen["confidence"],
                (why + "; " if why else "") + chosen["notes"][:200])
    src.add("ASSUMPTION", "ownership", "owners' shares as published, bounds taken at face value; "
            "the rest of each country's capacity is its own", note="ownership.csv: control and "
            "equity bases differ by source (see its README); no figure for Chinese stakes in "
            "Chile or Zimbabwe lithium, graphite outside China, Myanmar/Laos rare earths")
    return table("ownership", rows, version_2=True,
                 sort_key=by("mineral", "stage", "country", "owner")), owners


def contained_capacity(a: Assumptions, r: dict) -> tuple[float, str] | None:
    """A projects.csv capacity in the dataset's units (t contained: Li, REO, ...), or None."""
    if not r["capacity_t_per_year"]:
        return None
    cap = num(r["capacity_t_per_year"])
    basis = r["basis"]
    if "magnet" in basis.lower():
        return None
    if "Li2CO3" in basis:
        return cap / LI_TO_LCE, "t Li2CO3 / 5.323"
    if "LiOH" in basis:
        return cap * LI_PER_LIOH_H2O, "t LiOH.H2O x 0.1654 (6.941 / 41.96)"
    if "NdPr oxide" in basis:
        return cap / a.ndpr_share_of_reo, (f"t NdPr oxide / {a.ndpr_share_of_reo:.2f} (the "
                                           "dataset's NdPr share of REO)")
    if "rare earth oxides" in basis or "TREO" in basis:
        return cap, "t REO"
    if r["mineral"] in ("graphite", "cobalt", "nickel", "gallium") and \
            ("anode material" in basis or "contained" in basis or "refined nickel" in basis
             or basis.startswith("t/yr Ga") or "primary Ga" in basis):
        return cap, basis.split("(")[0].strip()
    return None


def capital_recovery_factor(rate: float, years: int) -> float:
    return rate / (1 - (1 + rate) ** -years)


def project_capex(a: Assumptions, r: dict) -> tuple[float | None, str]:
    """Published USD capex (a range at its midpoint), or a figure from the notes converted."""
    if r["capex_usd"]:
        lo, _, hi = r["capex_usd"].partition("-")
        value = (num(lo) + num(hi or lo)) / 2
        return value, "capex_usd" + (" (midpoint of the range)" if hi else "")
    usd_per = {"EUR": USD_PER_EUR, "CAD": a.usd_per_cad}
    for name, (amount, cur, how) in CAPEX_FROM_NOTES.items():
        if name in r["project"]:
            return amount * usd_per[cur], f"{cur} {amount / 1e6:.0f}m x {usd_per[cur]:.3f}: {how}"
    return None, ""


def slug(text: str, limit: int = 40) -> str:
    """A project id from its name: lower-case words joined by _, cut at a word boundary."""
    words = re.findall(r"[a-z0-9]+", re.sub(r"\(.*?\)", "", text).lower())
    kept = words[:1]
    for w in words[1:]:
        if len("_".join(kept)) + 1 + len(w) > limit:
            break
        kept.append(w)
    while len(kept) > 1 and kept[-1] in ("of", "at", "the", "and", "for", "in"):  # a name cut mid-phrase
        kept.pop()
    return "_".join(kept)


def projects_sheet(d: Data, src: Sources) -> tuple[list[list], set[str]]:
    """Candidate mines and refineries from projects.csv, in the dataset's units."""
    a = d.assumptions
    crf = capital_recovery_factor(a.capital_rate, a.capital_life_years) + a.fixed_upkeep_rate
    cands = []
    for r in d.projects:
        m, why_not = r["mineral"], ""
        conv = contained_capacity(a, r) if m in MINERALS else None
        if r["status"] == "operating":
            why_not = "operating: its output is in the 2025 baseline"
        elif m not in MINERALS:
            why_not = f"{m}: not a mineral of the dataset (Ga/Ge split not disclosed)"
        elif "magnet" in r["basis"].lower():
            why_not = "magnet plant: downstream of the planner's refining stage (separated oxide)"
        elif conv is None:
            why_not = "no capacity published in a convertible unit"
        first = int(r["first_year"]) if r["first_year"] else a.first_period_by_status.get(
            r["status"])
        if not why_not and first > PERIODS[-1]:
            why_not = f"first year {first} after the plan"
        if why_not:
            src.add("SOURCED", "projects", f"not a candidate: {r['project']} ({why_not})", m,
                    r["country"], source=r["source_url"], confidence=r["confidence"])
            continue
        cap, how = conv
        capex, capex_how = project_capex(a, r)
        cands.append((r, cap, how, max(first, PERIODS[0]), capex, capex_how))
    # capex intensity for projects without a figure
    by_mineral: dict[str, list[float]] = defaultdict(list)
    relative: list[float] = []
    for r in d.projects:
        conv = contained_capacity(a, r) if r["mineral"] in MINERALS else None
        capex, _ = project_capex(a, r)
        if conv and capex:
            by_mineral[r["mineral"]].append(capex / conv[0])
            relative.append(capex / conv[0] / d.refined_price[r["mineral"]])

    def median(xs):
        xs = sorted(xs)
        n = len(xs)
        return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2

    rows = []
    for r, cap, how, first, capex, capex_how in cands:
        m, c = r["mineral"], r["country"]
        if capex is None:
            if by_mineral[m]:
                capex = median(by_mineral[m]) * cap
                capex_how = (f"ASSUMPTION: median capex of {m} projects, "
                             f"{median(by_mineral[m]):,.0f} USD per t of capacity")
            else:
                capex = median(relative) * d.refined_price[m] * cap
                capex_how = (f"ASSUMPTION: median capex of all projects per t, "
                             f"{median(relative):.2f} x the refined price")
        integrated = next((why for key, why in INTEGRATED.items() if key in r["project"]), None)
        name = slug(r["project"])
        integer = r["status"] in INTEGER_STATUSES
        parts = [("refining", name, cap, capex / 2 if integrated else capex)]
        if r["stage"] == "mine":
            parts = [("supply", name, cap, capex)]
        elif integrated:
            parts.append(("supply", name + "_feed", cap / a.refining_yield, capex / 2))
        for stage, pname, pcap, pcapex in parts:
            rows.append({"project": pname, "stage": stage, "mineral": m, "country": c,
                         "capacity": rnd(pcap), "cost": rnd(unit_cost(d, m, stage, c)),
                         "fixed_cost": rnd(pcapex / pcap * crf),
                         "yield": a.refining_yield if stage == "refining" else None,
                         "first_period": first, "integer": integer})
        kind = ("SOURCED" if capex_how.startswith("capex_usd") else
                "ASSUMPTION" if capex_how.startswith("ASSUMPTION") else "DERIVED")
        src.add(kind, "projects",
                f"{name}: {r['project']} ({r['company']}), {r['status']}", m, c, rnd(cap),
                f"t/yr ({how})", r["source_url"], r["confidence"],
                f"first period {first} (first_year {r['first_year'] or 'blank'}); capex "
                f"{capex / 1e6:,.0f} M USD ({capex_how}); integer {integer}"
                + (f"; integrated: {integrated}, capital split evenly with {name}_feed"
                   if integrated else ""))
    src.add("ASSUMPTION", "projects", "fixed_cost = capex / capacity x (capital recovery factor "
            f"at {percent(a.capital_rate)} over {a.capital_life_years} years + "
            f"{percent(a.fixed_upkeep_rate)} upkeep) per t of capacity per year",
            value=round(crf, 4), unit="1/yr",
            note="operating cost = the country's cost for the mineral and stage (the fringe "
                 f"cost where it has no output); yield {a.refining_yield}")
    first = a.first_period_by_status
    src.add("ASSUMPTION", "projects", f"a first year before {PERIODS[0]} is {PERIODS[0]}; blank: "
            f"{first['construction']} under construction, {first['announced']} announced; "
            "integer TRUE for construction, financed, "
            "commissioning (one plant of fixed size), FALSE for announced (a smaller first "
            "phase possible)")
    src.add("ASSUMPTION", "projects", "integrated projects = a supply and a refining project, "
            "capital split evenly; the planner does not force both to be built",
            note="synthetic graphite feed and primary gallium from alumina liquor count as the "
                 "country's supply")
    return table("projects", rows, version_2=True, sort_key=by("project")), {
        r["country"] for r in rows}


def export_factor(d: Data, m: str, c: str, stage: str, t: int, hit: float = 1.0) -> float:
    """Capacity factor that removes `hit` of c's exports at `stage` and keeps its home use."""
    return round(1 - hit * d.export_share(m, c, stage, t), 4)


def scenarios_sheet(d: Data, src: Sources, version_2: bool) -> list[list]:
    """Disruptions. Version 1: capacity factors only. Version 2: the bilateral measures as
    `export_ban` / `tariff` rows with `to` and `stage`, and a probability on every scenario."""
    a = d.assumptions
    rows = []

    def row(scenario, kind, factor, mineral=None, country=None, period=None, to=None,
            stage=None):
        r = {"scenario": scenario, "kind": kind, "factor": factor, "mineral": mineral,
             "country": country, "period": period}
        if version_2:
            r.update({"to": to, "stage": stage,
                      "probability": a.scenario_probability[scenario]})
        rows.append(r)

    for name, m in (("china_graphite_export_controls", "graphite"),
                    ("china_rare_earth_export_controls", "rare_earths")):
        if version_2:
            row(name, "tariff", a.licensing_tariff, m, "CHN")
        else:
            for t in PERIODS:
                row(name, "refining_capacity",
                    export_factor(d, m, "CHN", "refining", t, a.export_licensing_hit), m, "CHN", t)
    for t in (t for t in PERIODS if t >= a.gallium_ban_from):
        if version_2:
            row("china_gallium_export_ban", "export_ban", None, "gallium", "CHN", t, to="USA")
        else:
            row("china_gallium_export_ban", "refining_capacity",
                export_factor(d, "gallium", "CHN", "refining", t), "gallium", "CHN", t)
    if version_2:
        ban = d.bilateral_measure("CHN", "rare_earths", "export_ban", target="JPN")
        for m in MINERALS:
            if m in ban["mineral"].split("; "):
                row("china_japan_dual_use_ban", "export_ban", None, m, "CHN", to="JPN")
    for t in [a.drc_ban_period]:
        if version_2:
            row("drc_cobalt_export_ban", "export_ban", None, "cobalt", "COD", t, stage="supply")
        else:
            row("drc_cobalt_export_ban", "supply_capacity",
                export_factor(d, "cobalt", "COD", "supply", t), "cobalt", "COD", t)
    for t in DRC_QUOTA_PERIODS:
        home = d.refine_cap.get(("cobalt", "COD", t), 0.0) / a.refining_yield
        f = round(min((DRC_QUOTA_T - DRC_QUOTA_RESERVE_T + home)
                      / d.supply_cap["cobalt", "COD", t], 1.0), 4)
        row("drc_cobalt_export_quota", "supply_capacity", f, "cobalt", "COD", t)
    if version_2:
        row("indonesia_nickel_export_ban", "export_ban", None, "nickel", "IDN", stage="supply")
        row("zimbabwe_lithium_export_ban", "export_ban", None, "lithium", "ZWE", stage="supply")
        for t, rate in US_REFINED_COPPER_TARIFF.items():
            for c in sorted(d.refiners["copper"] - {"USA"}):
                row("us_refined_copper_tariff", "tariff", rate, "copper", c, t, to="USA",
                    stage="delivery")
    else:
        for t in PERIODS:
            row("indonesia_nickel_export_ban", "supply_capacity",
                export_factor(d, "nickel", "IDN", "supply", t), "nickel", "IDN", t)
        row("zimbabwe_lithium_export_ban", "supply_capacity",
            export_factor(d, "lithium", "ZWE", "supply", PERIODS[0]), "lithium", "ZWE")
    for t in PERIODS:
        row("demand_high_growth", "demand",
            round((1 + a.demand_surge_extra_growth) ** (t - BASE_YEAR), 4), period=t)
    if version_2:
        v2_scenario_sources(d, src)
    src.add("DERIVED", "scenarios", "an export measure on country c = capacity factor 1 - hit "
            "x export share, export share = 1 - home use / capacity (refining: c's own market "
            "demand; mining: c's own refining input)",
            note="with China's industry in the model a plain capacity cut would also cut China's "
                 "supply to itself; version 2 writes these as export_ban / tariff rows")
    hit = a.export_licensing_hit
    src.add("ASSUMPTION", "scenarios", "export licensing squeeze: licences refused for "
            f"{'half' if hit == 0.5 else percent(hit)} of China's exports of refined graphite and "
            "rare earths", value=hit,
            source="trade_measures.csv, bilateral_measures.csv (China licensing 2023-12 "
            "graphite, 2025-04 REE)", note="licences granted selectively")
    src.add("ASSUMPTION", "scenarios", "gallium ban to the US (suspended until 2026-11-27) "
            f"resumes {a.gallium_ban_from}; version 1 writes the stronger case, all Chinese gallium exports "
            "stop", "gallium", "CHN", source="bilateral_measures.csv (Announcement No. 46 of "
            "2024, clause 2)")
    src.add("ASSUMPTION", "scenarios", "DRC export ban (Feb-Oct 2025) replayed for all of "
            f"{a.drc_ban_period}",
            "cobalt", "COD", source="bilateral_measures.csv (ARECOMS decisions 2025)")
    src.add("DERIVED", "scenarios", "DRC quota factor = (96,600 - 9,600 t reserve + DRC's own "
            "refining input) / DRC capacity of the year, 2026-27", "cobalt", "COD",
            DRC_QUOTA_T - DRC_QUOTA_RESERVE_T, "t/yr", "bilateral_measures.csv", "high")
    src.add("ASSUMPTION", "scenarios", "base keeps DRC cobalt output at 2025 level; the in-force "
            "quota is the drc_cobalt_export_quota scenario", "cobalt", "COD",
            note="the calibration year is 2025; the quota is less than half of 2024 output")
    src.add("ASSUMPTION", "scenarios", "indonesia_nickel_export_ban: no Indonesian nickel "
            "refined abroad (the ore ban read as covering intermediates too)", "nickel", "IDN",
            source="bilateral_measures.csv (MEMR Reg. 11/2019)",
            note="overstates the in-force ore ban: Indonesia exports matte and MHP; shows the "
                 "cost of all processing moving onshore")
    src.add("SOURCED", "scenarios", "zimbabwe_lithium_export_ban: concentrate exports banned "
            "from 2026-02-25; Zimbabwe has no lithium refining in the data", "lithium", "ZWE",
            source="bilateral_measures.csv", confidence="high")
    src.add("ASSUMPTION", "scenarios", f"demand_high_growth: +{percent(a.demand_surge_extra_growth)[:-1]} "
            "pp/yr over base growth", value=a.demand_surge_extra_growth, note="IEA APS magnet REE ~5%/yr vs STEPS 2.8%")
    return table("scenarios", rows, version_2=version_2)


def v2_scenario_sources(d: Data, src: Sources) -> None:
    """Sources rows of the version 2 forms of the scenarios."""
    a = d.assumptions
    ga = d.bilateral_measure("CHN", "gallium", "export_ban", target="USA")
    jp = d.bilateral_measure("CHN", "rare_earths", "export_ban", target="JPN")
    gr = d.bilateral_measure("CHN", "graphite", "export_licensing")
    re_ = d.bilateral_measure("CHN", "rare_earths", "export_licensing")
    cu = d.bilateral_measure("USA", "copper", "tariff")
    ind = d.bilateral_measure("IND", "rare_earths", "export_ban", target="JPN")
    src.add("SOURCED", "scenarios", "china_gallium_export_ban (version 2): export_ban CHN -> USA, "
            f"gallium, both stages, {a.gallium_ban_from}-{PERIODS[-1]}: " + ga["status"], "gallium", "CHN",
            source=ga["source_url"], confidence=ga["confidence"],
            note="ASSUMPTION: resumes after the suspension; germanium is not in the dataset")
    src.add("ASSUMPTION", "scenarios", "china_japan_dual_use_ban (version 2): export_ban CHN -> "
            "JPN, " + jp["mineral"].replace("; ", ", ") + " (those in the dataset), both stages, "
            "every period", "rare_earths, gallium, graphite", "CHN", source=jp["source_url"],
            confidence=jp["confidence"],
            note="the measure (in force from " + jp["effective_date"] + ") bars military users "
                 "and uses; the scenario reads it as applied to every buyer in Japan, since "
                 "'enhance military capability' is unclear for civilian buyers")
    src.add("ASSUMPTION", "scenarios", "china_graphite/rare_earth_export_controls (version 2): "
            f"tariff +{a.licensing_tariff:g} on every export lane from China (to blank: China's own "
            "use untouched)", "graphite, rare_earths", "CHN", a.licensing_tariff, "tariff rate",
            source=gr["source_url"] + " ; " + re_["source_url"], confidence="low",
            note="licensing is in force (" + gr["effective_date"] + ", " + re_["effective_date"]
                 + "); the squeeze is its cost to foreign buyers: delays and the premium paid "
                   "for licensed supply")
    src.add("SOURCED", "scenarios", "drc_cobalt_export_ban (version 2): export_ban COD, cobalt, "
            f"supply stage (the DRC's own refining open), {a.drc_ban_period}", "cobalt", "COD",
            note=f"ASSUMPTION: the 2025 ban replayed for {a.drc_ban_period}")
    src.add("SOURCED", "scenarios", "indonesia_nickel_export_ban, zimbabwe_lithium_export_ban "
            "(version 2): export_ban at the supply stage, every destination",
            "nickel, lithium", "IDN, ZWE", source="bilateral_measures.csv", confidence="high")
    src.add("SOURCED", "scenarios", "us_refined_copper_tariff (version 2): tariff on refined "
            "copper into the USA from every refiner, 15% in 2027, 30% from 2028", "copper", "USA",
            source=cu["source_url"], confidence="low",
            note="contemplated by Proclamation 10962 after a Commerce report due 2026-06-30; "
                 "not enacted")
    src.add("SOURCED", "scenarios", "India's reported suspension of IREL rare-earth supplies to "
            "Japan NOT written: India has no rare-earth refining in the data (IREL's output is "
            "inside ROW)", "rare_earths", "IND", source=ind["source_url"],
            confidence=ind["confidence"])
    src.add("ASSUMPTION", "scenarios", "probability of each scenario (version 2, for planner "
            "hedge): " + ", ".join(f"{k} {v}" for k, v in a.scenario_probability.items()),
            value=round(sum(a.scenario_probability.values()), 2), unit="sum",
            note="exclusive worlds of 2026-2030, so base takes "
                 f"{1 - sum(a.scenario_probability.values()):.2f}; measures in force but not in "
                 "the base highest, suspended ones next, proposals and broad readings lower, "
                 "replays and extensions lowest")


def risks_sheet(d: Data, src: Sources) -> list[list]:
    hit, hit_share = d.assumptions.export_licensing_hit, d.assumptions.risk_volume_hit_share

    def p(m):
        return round(RISK_EVENTS_2023_2025[m] / 3 * hit_share, 3)

    t0 = PERIODS[0]
    rows = [
        {"risk": "china_graphite_licensing", "country": "CHN", "stage": "refining",
         "probability": p("graphite"), "mineral": "graphite",
         "factor": export_factor(d, "graphite", "CHN", "refining", t0, hit),
         "duration": 1},
        {"risk": "china_rare_earth_licensing", "country": "CHN", "stage": "refining",
         "probability": p("rare_earths"), "mineral": "rare_earths",
         "factor": export_factor(d, "rare_earths", "CHN", "refining", t0, hit),
         "duration": 1},
        {"risk": "china_gallium_export_ban", "country": "CHN", "stage": "refining",
         "probability": p("gallium"), "mineral": "gallium",
         "factor": export_factor(d, "gallium", "CHN", "refining", t0), "duration": 1},
        {"risk": "drc_cobalt_export_ban", "country": "COD", "stage": "supply",
         "probability": p("cobalt"), "mineral": "cobalt",
         "factor": export_factor(d, "cobalt", "COD", "supply", t0), "duration": 1},
    ]
    src.add("ASSUMPTION", "risks", f"probability/yr = measures recorded 2023-2025 / 3 yr x {hit_share}",
            value=hit_share, source="trade_measures.csv",
            note="graphite 3, rare earths 3, gallium 2, DRC cobalt 2 measures; the hit falls on "
                 "exports only (factor as for the version 1 scenarios, at 2026's export share), "
                 "1 period")
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
    a = d.assumptions
    src.add("ASSUMPTION", "settings", f"spot_premium {a.spot_premium} (planner default) for stress "
            "tests", value=a.spot_premium)
    # Costs over five years of world supply run to 10^12 USD: shown in the unit that size calls for (billions),
    # the cells exact.
    src.add("ASSUMPTION", "settings", f"elasticity {a.demand_elasticity}: a placeholder short-run "
            "own-price elasticity of demand for every mineral (studies of metal demand report -0.1 "
            "to -0.5 for the short run), until the 2026 dataset sources one per mineral; demand "
            f"chokes at the unmet penalty ({a.unmet_penalty_price_multiple:g} x refined price)",
            value=a.demand_elasticity)
    rows = [{"key": "currency", "value": "USD"}, {"key": "routes_default", "value": "open"},
            {"key": "solver", "value": "highs"}, {"key": "spot_premium", "value": a.spot_premium},
            {"key": "money_unit", "value": "auto"},
            {"key": "elasticity", "value": a.demand_elasticity},
            {"key": "demand_steps", "value": 10}]
    return table("settings", rows)


def assumption_sources(rows: list[dict], src: Sources) -> None:
    """One ASSUMPTION row of the sources sheet per row of the assumptions CSV."""
    for r in rows:
        key = r["applies_to"]
        src.add("ASSUMPTION", r["sheet"], r["name"] + (f" ({key})" if key else ""),
                mineral=key if key in MINERALS else "", country=key if key in MARKETS else "",
                value=r["value"], unit=r["unit"],
                source="data/assumptions.csv" + (f"; {r['source']}" if r["source"] else ""),
                note=r["rationale"])


def build(ref: Path, version_2: bool | None = None,
          assumptions: Path = DEFAULT_ASSUMPTIONS) -> dict[str, list[list]]:
    """Every sheet of the workbook, as header + rows, in SHEET_ORDER.

    version_2: write the version 2 content (default: the module's VERSION_2 switch).
    assumptions: the CSV of assumptions (default data/assumptions.csv); AssumptionError if it
    is missing or lacks a value.
    """
    version_2 = VERSION_2 if version_2 is None else version_2
    a, rows = read_assumptions(assumptions)
    src = Sources()
    assumption_sources(rows, src)
    d = prepare(ref, a, src)
    sheets: dict[str, list[list]] = {}
    extra_countries: set[str] = set()
    if version_2:
        sheets["ownership"], owners = ownership_sheet(d, src)
        sheets["projects"], hosts = projects_sheet(d, src)
        extra_countries = owners | hosts
    sheets["minerals"] = minerals_sheet(d, src)
    sheets["countries"] = countries_sheet(d, src, extra_countries)
    sheets["periods"] = periods_sheet(d, src)
    sheets["supply"] = supply_sheet(d, src)
    sheets["refining"] = refining_sheet(d, src)
    sheets["demand"] = demand_sheet(d, src)
    sheets["routes"] = routes_sheet(d, src)
    sheets["shares"] = shares_sheet(d, src, version_2)
    sheets["reserve"], sheets["reserve_targets"] = reserve_sheets(d, src)
    sheets["scenarios"] = scenarios_sheet(d, src, version_2)
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


# ---------------------------------------------------------------------------------------
# Calibration check: the planner's own plan without share limits against observed output
# ---------------------------------------------------------------------------------------

CALIBRATION_TOLERANCE = 0.10  # top producer's share within 10 percentage points


def solve_without_limits(workbook: Path, workdir: Path) -> Path:
    """Solve the base plan of `workbook` with its shares (and scenarios) removed; the plan path."""
    from openpyxl import load_workbook

    from planner.cli import main as planner_main

    wb = load_workbook(workbook)
    for name in ("shares", "scenarios"):
        if name in wb.sheetnames:
            del wb[name]
    free = workdir / "no-limits.xlsx"
    wb.save(free)
    plan = workdir / "no-limits-plan.xlsx"
    rc = planner_main(["solve", str(free), "-o", str(plan), "-q", "--no-explain"])
    if rc != 0:
        raise RuntimeError(f"planner solve exited {rc} on {free}")
    return plan


def calibration(workbook: Path, plan: Path, period=None):
    """One row per (mineral, stage): observed vs planned shares in the first period.

    Observed: the workbook's `production` sheet. Planned: the plan's Flows (mine output by
    origin) and Deliveries (refined output by refiner), both sheets of the planner's contract.
    """
    import pandas as pd

    prod = pd.read_excel(workbook, sheet_name="production")
    flows = pd.read_excel(plan, sheet_name="Flows")
    deliv = pd.read_excel(plan, sheet_name="Deliveries")
    period = str(period or PERIODS[0])
    planned = {
        "supply": flows[(flows["scenario"] == "base") & (flows["period"].astype(str) == period)]
        .groupby(["mineral", "origin"])["tonnes"].sum(),
        "refining": deliv[(deliv["scenario"] == "base") & (deliv["period"].astype(str) == period)]
        .groupby(["mineral", "refiner"])["tonnes"].sum(),
    }
    rows = []
    for m in MINERALS:
        for stage in STAGES:
            obs = prod[(prod["mineral"] == m) & (prod["stage"] == stage)].set_index("country")
            obs = (obs["tonnes"] / obs["tonnes"].sum()).sort_values(ascending=False)
            pl = planned[stage].get(m, pd.Series(dtype=float))
            pl = (pl / pl.sum()).sort_values(ascending=False)
            top_o, top_p = obs.index[0], pl.index[0]
            others = [c for c in list(obs.index[1:4]) if obs[c] >= 0.001]
            rows.append({
                "mineral": m, "stage": stage,
                "observed_top": top_o, "observed_share": float(obs.iloc[0]),
                "plan_top": top_p, "plan_share": float(pl.iloc[0]),
                "difference": float(pl.iloc[0] - obs.iloc[0]),
                "plan_share_of_observed_top": float(pl.get(top_o, 0.0)),
                "next": [(c, float(obs[c]), float(pl.get(c, 0.0))) for c in others],
            })
    return rows


def calibration_markdown(rows) -> str:
    lines = ["| mineral | stage | observed top | share | plan top | share | difference | "
             "next largest producers: observed / plan |",
             "|---|---|---|---:|---|---:|---:|---|"]
    for r in rows:
        nxt = "; ".join(f"{c} {o * 100:.1f} / {p * 100:.1f}" for c, o, p in r["next"])
        lines.append(f"| {r['mineral']} | {r['stage']} | {r['observed_top']} | "
                     f"{r['observed_share'] * 100:.1f}% | {r['plan_top']} | "
                     f"{r['plan_share'] * 100:.1f}% | {r['difference'] * 100:+.1f} | {nxt} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE,
                    help="folder with the reference CSVs (default data/reference)")
    ap.add_argument("--assumptions", type=Path, default=DEFAULT_ASSUMPTIONS,
                    help="CSV of the assumptions (default data/assumptions.csv)")
    ap.add_argument("--output", "-o", type=Path, default=DEFAULT_OUTPUT,
                    help="workbook to write (default inputs/critical-minerals-2026.xlsx)")
    ap.add_argument("--calibration", action="store_true",
                    help="after writing, solve the workbook without share limits and print "
                         "the calibration table (Markdown) against its production sheet")
    ap.add_argument("--version-1", action="store_true",
                    help="write the version 1 form: the coalition's rules as whole-plan share rows, no "
                         "ownership, projects or lane measures")
    args = ap.parse_args(argv)
    try:
        sheets = build(args.reference, False if args.version_1 else None, args.assumptions)
    except AssumptionError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    write(sheets, args.output)
    sizes = ", ".join(f"{k} {len(v) - 1}" for k, v in sheets.items())
    print(f"wrote {args.output} ({sizes})")
    if args.calibration:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            plan = solve_without_limits(args.output, Path(tmp))
            print(calibration_markdown(calibration(args.output, plan)), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Build the default input workbook, inputs/critical-minerals-2026.xlsx.

Reads the public figures in data/reference/*.csv (USGS MCS 2026, IEA shares via secondary
sources, prices, trade and bilateral measures, partner lists, ownership, candidate projects;
see data/reference/README.md) and writes a planning workbook of the whole market, 2026-2030:
a coalition of partner markets (USA, EU, JPN, KOR, IND) beside China's own industry (CHN)
and the rest of the world (ROW), with US defence supply (USA_DEF) a market of its own for the law
that governs it alone, and with capacities calibrated so that the plan without share
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
MINERALS = ["lithium", "cobalt", "nickel", "graphite", "ndpr", "dytb", "copper", "gallium"]

# Rare earths are two minerals, each in physical tonnes of separated oxide: NdPr (neodymium and praseodymium, the
# magnets' light rare earths) and Dy+Tb (dysprosium and terbium, the heavy ones a magnet needs to hold its
# strength when hot). The reference files hold rare earths as one mineral, as USGS counts them (t REO):
# `split_rare_earths` derives the two from it and rare_earth_split.csv. The cheap La and Ce, most of REO's
# tonnes, are in neither.
RARE_EARTHS = ("ndpr", "dytb")
REO = "rare_earths"  # the reference files' name for the basket both are drawn from


def reference_mineral(m: str) -> str:
    """The mineral's name in the reference files (trade measures, laws, projects name rare earths as one)."""
    return REO if m in RARE_EARTHS else m


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
# US defence supply (DoD), a market of its own because a law governs it alone (DFARS 252.225-7052, below):
# the magnets' rare earths (NdPr and Dy+Tb), what the law covers that the dataset has. Its
# demand is carved out of the US market's, so the world total is unchanged; its home is the USA.
US_DEFENCE = "USA_DEF"
US_DEFENCE_MINERALS = RARE_EARTHS
TERRITORY = {US_DEFENCE: "USA"}


def markets_of(m: str) -> tuple[str, ...]:
    """The markets with demand for m: the seven, and US defence where m is a mineral of its magnets."""
    return MARKETS + ((US_DEFENCE,) if m in US_DEFENCE_MINERALS else ())


# World and market demand come from consumption where market_demand.csv has it (see `world_balance`,
# `market_shares`); capacities from the 2025 output (see `capacities`), so the two can differ.

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
# residual), taken for NdPr, most of what the new separation plants make; lithium China ~62%.
# Shares move linearly from the data year to 2030. Other minerals keep their data-year shares
# (no projection in the data).
REFINING_SHARE_2030 = {
    "ndpr": {"CHN": 77.0, "MYS": 12.0, "AUS": 3.0},
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
# Indonesia's nickel-ore export ban (2020) is NOT a route closure in the base (its 2026 ore
# quota is a capacity cut: `measures_in_force`): the planner's supply stage is contained nickel,
# and Indonesia exports it processed (NPI, matte, MHP) to Chinese refiners (Indonesia mines 67%
# of world nickel but refines 47%); the scenario `indonesia_nickel_export_ban` closes the lane.

# ---------------------------------------------------------------------------------------
# Share limits: rules on what a coalition market receives
# ---------------------------------------------------------------------------------------

# The rules as the laws read (laws.csv), each named (`shares.rule`), each on what one market receives:
# - the EU Critical Raw Materials Act, Art. 5(1)(b): by 2030 no third country above 65% of the Union's
#   consumption of a strategic raw material, at each stage of processing. A benchmark that binds no buyer:
#   soft, at `target_penalty_price_share` of the price per t beyond it (EU members are not third countries:
#   scope `* except EU`). All seven minerals are strategic raw materials (Annex I).
# - Korea's 2023 strategy: reliance on specific countries for its ten strategic minerals from ~80% to 50% by
#   2030. A policy target: soft, at the same penalty, on refined imports (`* except KOR`).
# - The US 45X credit after the 2025 budget law: a refined critical mineral earns it only if the material
#   assistance cost ratio (the share of its material costs not from prohibited foreign entities) exceeds the
#   year's threshold. Written on what the US receives, by owner (FEOC: China, Russia, Iran, North Korea):
#   FEOC-owned tonnes at most 1 - threshold, soft at the credit's worth (10% of the cost of production,
#   taken at the price) per t beyond. The critical-mineral thresholds by year were not found in a source
#   (laws.csv: a recollection, unverified); copper is not an applicable critical mineral.
# The coalition's phased "85% down to 65%" targets are no law and are not written; `planner frontier` tests a
# tighter cap.
EU_CRMA_MAX_SHARE = 0.65
EU_CRMA_PERIODS = [2030]
EU_CRMA_RULE = "EU CRMA Art. 5 benchmark: 65% from one third country"
KOREA_MAX_SHARE = 0.50
KOREA_PERIODS = [2030]
KOREA_MINERALS = ("lithium", "cobalt", "nickel", "graphite", *RARE_EARTHS)
KOREA_RULE = "Korea 2030 target: 50% from specific countries"
US_45X_THRESHOLD = {2026: 0.0, 2027: 0.10, 2028: 0.20, 2029: 0.30, 2030: 0.40}
US_45X_MINERALS = ("lithium", "cobalt", "nickel", "graphite", *RARE_EARTHS, "gallium")
US_45X_CREDIT = 0.10  # of the cost of production (IRC 45X(b)(1)(M))
US_45X_RULE = "US 45X: material assistance from prohibited foreign entities"
# - DFARS 252.225-7052 (10 U.S.C. 4872): from 2027-01-01 DoD may not acquire NdFeB or SmCo magnets where any
#   stage from mining on took place in a covered nation (China, Russia, North Korea, Iran: the FEOC group). A
#   bar on a buyer, not a target: hard, share 0, by location (where the tonnes are mined and separated), at
#   both of the planner's stages, on the US defence market alone. Until 2026 only melting and magnet making
#   are restricted, downstream of the planner's oxide, so 2026 has no row. The 45X condition covers US
#   defence too (a magnet made in the US for DoD earns the credit like any other), so its rows are written
#   on that market as well.
DFARS_PERIODS = [2027, 2028, 2029, 2030]
DFARS_RULE = "DFARS 252.225-7052: no covered-nation magnet rare earths in US defence supply"

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
    # No capex is published; the US Defense Department's money for heavy rare-earth separation at Mountain Pass
    # (a US$35m award and a US$150m loan, projects.csv's public_support) stands for it: a proxy, the public part.
    "MP Materials heavy rare earth separation": (185e6, "USD", "DoD's US$35m award + US$150m loan for heavy "
                                                               "rare-earth separation at Mountain Pass, taken as "
                                                               "its capital (no capex published)"),
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
SCENARIOS = ("drc_cobalt_quota_lifted", "drc_cobalt_export_ban", "indonesia_quota_raised",
             "indonesia_nickel_export_ban", "china_gallium_export_ban", "china_graphite_export_stop",
             "china_rare_earth_export_stop", "us_refined_copper_tariff", "china_japan_dual_use_ban",
             "demand_high_growth")
# The US Section 232 proclamation on copper contemplates a tariff on refined copper of 15% from
# 2027 and 30% from 2028 (bilateral_measures.csv notes; not enacted).
US_REFINED_COPPER_TARIFF = {2027: 0.15, 2028: 0.30, 2029: 0.30, 2030: 0.30}

# Stockpiles (Japan's, Korea's, the US Project Vault) come from stockpiles.csv: see `stockpiles`.

# With China's own industry in the model, a Chinese export measure must not cut China's
# supply to itself. In version 1 (capacity factors only) an export measure on country c is
# written as the capacity factor that removes that part of c's exports:
#   factor = 1 - hit x export share, export share = 1 - home use / capacity,
# home use at refining = c's own market demand, at mining = c's own refining input.
# China's licensing turned into a stop of exports to the coalition (version 1: licences refused
# for a share, `export_licensing_hit`, of China's exports). China's gallium ban to the US is
# suspended until 2026-11-27 and resumes from `gallium_ban_from`; version 2 writes it as it is,
# an export ban towards the USA, version 1 cannot tell markets apart and writes the stronger
# case, China's gallium exports stop altogether. Germanium is not in the dataset.
# DRC quota: up to 96,600 t/yr in 2026 and 2027 incl. 9,600 t for strategic reserves
# (trade_measures.csv, bilateral_measures.csv), so 87,000 t for export.
DRC_QUOTA_T = 96_600
DRC_QUOTA_RESERVE_T = 9_600
# Measures in force in February 2026 are in the base plan, not in scenarios: the DRC's quota caps
# what the DRC sells (its own refining input plus the quota's export part) in every period up to
# `drc_quota_last_period`; Indonesia's 2026 ore quota (RKAB) scales its nickel capacity by quota /
# ore mined in 2025; Zimbabwe's ban on concentrate exports closes its lithium supply routes abroad.
# Scenarios then describe what could come next: a quota lifted or raised, a ban replayed or widened.

# Risk probabilities per year: restrictive measures recorded in trade_measures.csv 2023-2025
# (3 years) for that mineral and imposing country, times `risk_volume_hit_share`. Counts:
# graphite 3 (2023-12 licensing, 2024-12 stricter licensing, 2025-11 synthetic anode), rare
# earths 3 (2023-12 technology ban, 2025-04 heavy REE licensing, 2025-11 expansion), gallium 2
# (2023-08 licensing, 2024-12 ban to US), DRC cobalt 2 (2025-02 ban, 2025-10 quota). A risk
# hits exports only (factor as for the version 1 scenarios, at the first period's export share).
RISK_EVENTS_2023_2025 = {"graphite": 3, "ndpr": 1, "dytb": 3, "gallium": 2, "cobalt": 2}

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
    "china_share_of_magnet_demand": Assumption(RARE_EARTHS, share=True),
    "us_defence_share_of_world_demand": Assumption(share=True),
    "freight_usd_per_t": Assumption(),
    "ore_freight_usd_per_t": Assumption(),
    "gallium_demand_growth": Assumption(),
    # calibration, refining, prices and costs
    "capacity_headroom": Assumption(),
    "refining_yield": Assumption(share=True),
    "graphite_refined_price_multiple": Assumption(),
    "raw_price_fraction": Assumption(("copper", "nickel", "cobalt", *RARE_EARTHS, "gallium"),
                                     share=True),
    "cobalt_payable_2026": Assumption(share=True),
    "supply_cost_to_raw_price": Assumption(),
    "refining_cost_to_margin": Assumption(),
    "cost_scale_base": Assumption(),
    "cost_scale_slope": Assumption(),
    "unmet_penalty_price_multiple": Assumption(),
    "demand_elasticity": Assumption(),
    "mineral_demand_elasticity": Assumption(("cobalt",)),
    "spot_premium": Assumption(),
    # reserves
    "holding_cost_rate": Assumption(),
    "japan_initial_days": Assumption(whole=True),
    # share rules
    "target_penalty_price_share": Assumption(),
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
    "export_licensing_hit": Assumption(share=True),
    "gallium_ban_from": Assumption(whole=True),
    "drc_quota_last_period": Assumption(whole=True),
    "drc_quota_lifted_from": Assumption(whole=True),
    "indonesia_quota_raised_from": Assumption(whole=True),
    "china_export_stop_period": Assumption(whole=True),
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
               "shares", "ownership", "reserve", "reserve_targets", "budgets", "projects", "byproducts", "scenarios",
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
        self.consumption = read_csv(ref, "market_demand.csv")
        self.stockpile_rows = read_csv(ref, "stockpiles.csv")
        self.laws = read_csv(ref, "laws.csv")
        self.secondary = read_csv(ref, "secondary_supply.csv")
        self.elasticities = read_csv(ref, "elasticities.csv")
        self.graphite_yield = num(next(r for r in self.secondary if r["mineral"] == "graphite"
                                       and r["kind"].startswith("spheronisation yield"))["tonnes_or_share"])
        self.partners = read_csv(ref, "partners.csv")
        self.measures = read_csv(ref, "trade_measures.csv")
        self.bilateral = read_csv(ref, "bilateral_measures.csv")
        self.ownership = read_csv(ref, "ownership.csv")
        self.projects = read_csv(ref, "projects.csv")
        self.re_split = read_csv(ref, "rare_earth_split.csv")
        self.projects_2026 = read_csv(ref, "projects_2026.csv")
        self.centroids = {r["iso3"]: (num(r["latitude"]), num(r["longitude"])) for r in
                          read_csv(ref, "country_centroids.csv")}
        self.names: dict[str, str] = {}
        self.groups: dict[str, set[str]] = defaultdict(set)
        self.growth: dict[str, tuple[float, str]] = {}
        # prod[m][country] = 2025 mine output (t); world_prod[m] = USGS world total
        self.prod: dict[str, dict[str, float]] = defaultdict(dict)
        self.world_prod: dict[str, float] = {}
        # 2025 prices: the basis of costs (supply, refining, project capital)
        self.raw_price: dict[str, float] = {}
        self.refined_price: dict[str, float] = {}
        # early-2026 prices: what buyers pay at the ministerial (minerals sheet, demand's reference price,
        # tariffs' customs values, penalties and holding costs)
        self.price: dict[str, float] = {}
        self.raw_price_2026: dict[str, float] = {}
        # shares[m][country] = refining share (%) in share_year[m]; world_ref[m] = world
        # refining volume (t) the shares apply to
        self.shares: dict[str, dict[str, float]] = defaultdict(dict)
        self.share_year: dict[str, int] = {}
        self.world_ref: dict[str, float] = {}
        # world_dem[m] = world demand for the planner's refined mineral in 2025 (t), from consumption where
        # the data has it; world_out[m] = yield x world mine output 2025: the refined volume capacities match
        self.world_dem: dict[str, float] = {}
        self.world_out: dict[str, float] = {}
        # market_share[m][market] = share of world demand
        self.market_share: dict[str, dict[str, float]] = {}
        self.dem: dict[tuple, float] = {}
        self.supply_cap: dict[tuple, float] = {}
        self.before_measures: dict[tuple, float] = {}  # supply capacity before a measure in force cut it
        self.piles: list = []  # the governments' stockpiles (`stockpiles`), set by `prepare`
        self.indonesia_quota_factor, self.indonesia_quota_source, self.indonesia_quota_note = indonesia_quota(ref)
        self.refine_cap: dict[tuple, float] = {}
        # Dy and Tb's shares of Dy+Tb oxide (by China's output), which weigh their prices; set by split_rare_earths
        self.dytb_weights: dict[str, float] = {}
        # gallium: world high-purity refining capacity and Japan's refined scrap (t/yr), set by gallium_refining
        self.ga_capacity = 0.0
        self.ga_scrap_jpn = 0.0
        # plants[m][country] = the projects_2026.csv rows of refining that began after the data year, so has no
        # share in it (`plants`)
        self.plants: dict[str, dict[str, list[dict]]] = defaultdict(dict)

    def yield_of(self, m: str) -> float:
        """t refined per t mined: graphite's is spheronising's (secondary_supply.csv), the rest `refining_yield`."""
        return self.graphite_yield if m == "graphite" else self.assumptions.refining_yield

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
        """Where each mineral is refined in the data year or by 2030: the projection's countries too, and ROW
        where a projection leaves it a residual (`share_at`)."""
        out = {}
        for m in MINERALS:
            codes = {c for c, s in self.shares[m].items() if s > 0} | set(REFINING_SHARE_2030.get(m) or {}) | set(
                self.plants.get(m, ()))
            if m in REFINING_SHARE_2030 and self.share_at(m, "ROW", PERIODS[-1]) > 0:
                codes.add("ROW")
            out[m] = codes
        return out

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
            home = self.refine_cap.get((m, c, t), 0.0) / self.yield_of(m)
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
        if r["year"] == "2040 vs 2024" and r["mineral"] in map(reference_mineral, MINERALS):
            text = r["tonnes"].rstrip("x")
            if "-" in text:
                lo, hi = (float(v) for v in text.split("-"))
                mult = (lo + hi) / 2
            else:
                mult = float(text)
            for m in (RARE_EARTHS if r["mineral"] == REO else (r["mineral"],)):  # the IEA's magnet rare earths
                rates[m] = (mult ** (1 / 16) - 1, f"IEA STEPS x{r['tonnes']} 2024->2040")
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
        if (m not in MINERALS and m != REO) or r["year"] != str(BASE_YEAR):
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


def split_row(d: Data, kind: str, country: str, item_start: str = "") -> dict:
    """The first row of rare_earth_split.csv of this kind and country with a value (its preferred source)."""
    return next(r for r in d.re_split if r["kind"] == kind and r["country"] == country
                and r["item"].startswith(item_start) and r["value"])


def split_rare_earths(d: Data, src: Sources) -> None:
    """NdPr and Dy+Tb from the REO basket (USGS t REO by country) and rare_earth_split.csv.

    NdPr: mine supply[c] = REO[c] x s[c], s the ore's NdPr share where a source gives one, else the world
    average. Separation shares from output: China's PrNd oxide (SMM, June 2024 x 12) less what it recovered from
    magnet scrap (Argus), Malaysia's (Lynas, 2025) and the US's (USGS, 2024).

    Dy+Tb: world primary output W = China's Dy and Tb oxide (SMM) less what it recovered from scrap + Malaysia's
    (Lynas, Q3-Q4 2025, its first); separation shares from the same output; the ore's Dy+Tb, W / yield, by
    country as `dytb_mines` finds it. Neither counts recycled oxide: the minerals are primary, as copper is."""
    reo = d.prod.pop(REO)
    d.world_prod.pop(REO)
    default = split_row(d, "ore_ndpr_share", "WLD")
    for c, tonnes in reo.items():
        row = next((r for r in d.re_split if r["kind"] == "ore_ndpr_share" and r["country"] == c and r["value"]),
                   None)
        share = num((row or default)["value"])
        d.prod["ndpr"][c] = tonnes * share
        sourced = row is not None and row["source_url"] != "unverified"
        src.add("DERIVED" if sourced else "ASSUMPTION", "supply", f"NdPr mine output 2025 = REO x {share:g}, "
                + (row["item"] if row else "the world average NdPr share of REO (no share for this country's ore)"),
                "ndpr", c, rnd(d.prod["ndpr"][c]), "t NdPr oxide", (row or default)["source_url"],
                (row or default)["confidence"], f"{rnd(tonnes)} t REO (USGS MCS 2026)")
    d.world_prod["ndpr"] = sum(d.prod["ndpr"].values())

    china_ndpr = split_row(d, "ndpr_world", "CHN", "China PrNd oxide output, annualised")
    recycled_ndpr = split_row(d, "recycled_ndpr", "CHN")
    separated = {"CHN": num(china_ndpr["value"]) - num(recycled_ndpr["value"]),
                 "MYS": num(split_row(d, "ndpr_world", "MYS")["value"]),
                 "USA": num(split_row(d, "separation_share_ndpr", "USA")["value"])}
    d.shares["ndpr"] = {c: v / sum(separated.values()) * 100 for c, v in separated.items()}
    d.share_year["ndpr"] = BASE_YEAR
    src.add("DERIVED", "refining", "NdPr separation shares from output: China's PrNd oxide (June 2024 x 12) less "
            "oxide recovered from scrap (2024); Lynas Malaysia 2025; US compounds and metals 2024",
            "ndpr", "CHN, MYS, USA", "/".join(f"{v:.1f}" for v in d.shares["ndpr"].values()), "%",
            china_ndpr["source_url"], "low",
            f"{', '.join(f'{c} {rnd(v)} t' for c, v in separated.items())}; the IEA's 92% of all refined REE "
            "(2023) is the share of every oxide, Lynas's output is mostly NdPr")

    dy = split_row(d, "world_dy_production", "CHN", "China Dy oxide output, annualised")
    tb = split_row(d, "world_tb_production", "CHN", "China Tb oxide output, annualised")
    rec_dy = split_row(d, "recycled_dytb", "CHN", "Dy oxide")
    rec_tb = split_row(d, "recycled_dytb", "CHN", "Tb oxide")
    quarters = [r for r in d.re_split if r["kind"] == "separation_dytb" and r["country"] == "MYS"
                and r["year"] in ("2025 Q3 (Jul-Sep)", "2025 Q4 (Oct-Dec)")]
    assert len(quarters) == 2, quarters
    lynas = sum(num(r["value"]) for r in quarters)
    china = num(dy["value"]) + num(tb["value"]) - num(rec_dy["value"]) - num(rec_tb["value"])
    world = china + lynas
    d.dytb_weights = {"dysprosium oxide": num(dy["value"]) / (num(dy["value"]) + num(tb["value"])),
                      "terbium oxide": num(tb["value"]) / (num(dy["value"]) + num(tb["value"]))}
    d.shares["dytb"] = {"CHN": china / world * 100, "MYS": lynas / world * 100}
    d.share_year["dytb"] = BASE_YEAR
    src.add("DERIVED", "production", "world primary Dy+Tb oxide output = China's Dy and Tb oxide (June 2024 x 12) "
            "less oxide recovered from magnet scrap (2024) + Lynas Malaysia's (Q3-Q4 2025)", "dytb", "WLD",
            rnd(world), "t Dy+Tb oxide", dy["source_url"], "low",
            f"China {num(dy['value']):g} + {num(tb['value']):g} - {num(rec_dy['value']):g} - {num(rec_tb['value']):g}"
            f" = {rnd(china)} t; Lynas {lynas:g} t (first Dy May 2025)")
    src.add("DERIVED", "refining", "Dy+Tb separation shares from that output", "dytb", "CHN, MYS",
            "/".join(f"{v:.1f}" for v in d.shares["dytb"].values()), "%", dy["source_url"], "low",
            "Benchmark puts China at 99% of Dy processing (rare_earth_split.csv)")
    dytb_mines(d, src, world / d.yield_of("dytb"), reo["USA"], dy)


# Dy and Tb in Lynas's mixed heavy (SEGH) feed: about 5% Dy and 1% Tb (rare_earth_split.csv, rawmaterials.net).
DYTB_IN_SEGH_FEED = 0.06


def dytb_mines(d: Data, src: Sources, mined: float, usa_reo: float, china_row: dict) -> None:
    """Dy+Tb in the ore mined, by country, for world output ``mined`` (t of oxide before separation losses):

        Myanmar: h x mined, h its share of world heavy rare-earth supply (Project Blue);
        Australia: Lynas's heavy feed F x its Dy and Tb yields (the SEGH circuit: 1,500 t a year, ~5% Dy, ~1% Tb);
        US: Mountain Pass's REO x its Dy+Tb share of TREO (SEG+ 1.8% of TREO x 4% Dy+Tb in SEG+);
        China: the rest (its ionic clays and Bayan Obo)."""
    mmr = split_row(d, "heavy_feed_share", "MMR", "Myanmar share of world heavy RE supply")
    segh = next(r for r in d.projects if r["project"].startswith("Lynas Malaysia heavy rare earth separation"))
    usa = split_row(d, "dy_grade", "USA")
    seg = split_row(d, "ore_dytb_share", "USA")
    tonnes = {"MMR": (num(mmr["value"]) * mined, mmr, f"{num(mmr['value']):g} x {rnd(mined)} t"),
              "AUS": (num(segh["capacity_t_per_year"]) * DYTB_IN_SEGH_FEED, segh,
                      f"{segh['capacity_t_per_year']} t feed x {DYTB_IN_SEGH_FEED:g} (5% Dy + 1% Tb)"),
              "USA": (usa_reo * num(seg["value"]) * num(usa["value"]), usa,
                      f"{rnd(usa_reo)} t REO x {seg['value']} x {usa['value']}")}
    tonnes["CHN"] = (mined - sum(t for t, _r, _how in tonnes.values()), china_row,
                     f"{rnd(mined)} t less the others: China's ionic clays and Bayan Obo")
    for c, (t, row, how) in tonnes.items():
        d.prod["dytb"][c] = t
        src.add("DERIVED", "supply", "Dy+Tb mine output 2025 (t of oxide in the ore): "
                + {"MMR": "Myanmar's share of world heavy rare-earth supply", "AUS": "Lynas's heavy feed from Mt Weld",
                   "USA": "Mountain Pass's SEG+ concentrate", "CHN": "the rest (ionic clays and Bayan Obo)"}[c],
                "dytb", c, rnd(t), "t Dy+Tb oxide", row["source_url"], "low" if c != "MMR" else row["confidence"],
                how)
    assert tonnes["CHN"][0] > 0, tonnes
    d.world_prod["dytb"] = mined


def rare_earth_projects(d: Data, src: Sources) -> None:
    """The rare-earth rows of projects.csv as NdPr or Dy+Tb projects. A heavy circuit (Dy+Tb, SEGH feed) is Dy+Tb;
    the rest are NdPr: in NdPr oxide as published, magnet oxides taken as NdPr, and TREO (total rare-earth oxide)
    converted at the host's NdPr share of ore (`split_rare_earths`). What a plant also makes of Dy and Tb is not
    counted here: Eneabba publishes no split; White Mesa's ~306 t a year is a project of its own that requires the
    NdPr circuit (``heavy_circuit``)."""
    ore: dict[str, float] = {}
    for r in d.re_split:  # a country's first row, as split_rare_earths reads it
        if r["kind"] == "ore_ndpr_share" and r["value"]:
            ore.setdefault(r["country"], num(r["value"]))
    for r in d.projects:
        if r["mineral"] != REO:
            continue
        basis = r["basis"]
        if "Dy+Tb" in basis or "SEGH" in basis:
            r["mineral"] = "dytb"
            continue
        r["mineral"] = "ndpr"
        if not r["capacity_t_per_year"] or not ("TREO" in basis or "rare earth oxides" in basis):
            continue  # NdPr oxide already, or a unit that converts to no oxide (a magnet plant's)
        if "magnet rare earth oxides" in basis:
            r["basis"] = f"t/yr NdPr oxide (published as {basis}: taken as NdPr)"
            continue
        share = ore.get(r["country"], ore["WLD"])
        tonnes = num(r["capacity_t_per_year"])
        r["capacity_t_per_year"] = str(tonnes * share)
        r["basis"] = f"t/yr NdPr oxide ({tonnes:g} t TREO x {share:g}, the host's NdPr share of ore)"
        src.add("DERIVED", "projects", f"{r['project']}: NdPr capacity = TREO x the host's NdPr share of ore",
                "ndpr", r["country"], rnd(tonnes * share), "t/yr NdPr oxide", r["source_url"], "low",
                f"{tonnes:g} t TREO x {share:g}; its Dy and Tb are not counted")


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
    # NdPr's 2025 cost basis is USGS's Nd oxide average of 2024, NdPr's market level, like Dy's and Tb's below;
    # prices.csv's 110 USD/kg NdPr is the US Defense Department's price floor for one producer, not a market price.
    nd = price_row(REO, "neodymium oxide")
    refined_price["ndpr"] = num(nd["usd_per_tonne"])
    src.add("SOURCED", "minerals", f"refined_price (2025 cost basis): {nd['product']} ({nd['period']}), for NdPr",
            "ndpr", value=refined_price["ndpr"], unit="USD/t", source=nd["source_url"], confidence=nd["confidence"],
            note="Nd oxide and NdPr oxide trade at about one price; the 110 USD/kg NdPr row is a price floor")
    heavy = {name: price_row(REO, name) for name in d.dytb_weights}
    refined_price["dytb"] = sum(w * num(heavy[name]["usd_per_tonne"]) for name, w in d.dytb_weights.items())
    src.add("DERIVED", "minerals", "Dy+Tb oxide = Dy and Tb oxide prices (2024 averages) weighted by China's "
            "output of each", "dytb", value=rnd(refined_price["dytb"]), unit="USD/t",
            source=heavy["dysprosium oxide"]["source_url"], confidence="medium",
            note="; ".join(f"{name} {heavy[name]['value']} {heavy[name]['unit']} x {w:.3f}"
                           for name, w in d.dytb_weights.items()))
    for m, f in d.assumptions.raw_price_fraction.items():
        raw_price[m] = refined_price[m] * f
        src.add("ASSUMPTION", "minerals", f"raw_price = {f} x refined price (payable share)", m,
                value=round(raw_price[m]), unit="USD/t", note="no raw/concentrate price in data")


# VAT in China's domestic price quotes (13%), taken out so that they compare with prices outside China.
CHINA_VAT = 0.13


def read_prices_2026(ref: Path, d: Data, src: Sources) -> None:
    """Early-2026 prices (prices_2026.csv): lithium carbonate (the mean of three China benchmarks, VAT out),
    cobalt metal, LME nickel and copper, NdPr oxide and Dy and Tb oxide (VAT out), gallium outside China.
    Graphite has no 2025-26 price: its 2025 basis stays. A raw price moves with its refined price, but cobalt's,
    which payables of about 100% tie to the metal (`cobalt_payable_2026`)."""
    rows = read_csv(ref, "prices_2026.csv")

    def pick(m, product_start):
        return [r for r in rows if r["mineral"] == m and r["product"].startswith(product_start)]

    lithium = pick("lithium", "lithium carbonate")
    chosen = {
        "lithium": (sum(num(r["usd_per_tonne"]) for r in lithium) / len(lithium) / (1 + CHINA_VAT) * LI_TO_LCE,
                    lithium, "mean of the China benchmarks, VAT out, x 5.323 t LCE per t Li"),
        "cobalt": (num(pick("cobalt", "cobalt metal")[0]["usd_per_tonne"]), pick("cobalt", "cobalt metal"), ""),
        "nickel": (num(pick("nickel", "nickel, LME 3")[0]["usd_per_tonne"]), pick("nickel", "nickel, LME 3"), ""),
        "copper": (num(pick("copper", "copper, LME 3")[0]["usd_per_tonne"]), pick("copper", "copper, LME 3"), ""),
        "ndpr": (num(pick(REO, "NdPr")[0]["usd_per_tonne"]) / (1 + CHINA_VAT), pick(REO, "NdPr"), "VAT out"),
        "dytb": (sum(w * num(pick(REO, name)[0]["usd_per_tonne"]) for name, w in d.dytb_weights.items())
                 / (1 + CHINA_VAT), [pick(REO, name)[0] for name in d.dytb_weights],
                 "VAT out, Dy and Tb weighted by China's output of each "
                 + "/".join(f"{w:.3f}" for w in d.dytb_weights.values())),
        "gallium": (num(pick("gallium", "gallium")[0]["usd_per_tonne"]), pick("gallium", "gallium"),
                    "outside China"),
    }
    for m in MINERALS:
        if m not in chosen:
            d.price[m], d.raw_price_2026[m] = d.refined_price[m], d.raw_price[m]
            src.add("ASSUMPTION", "minerals", "no 2025-26 price in the data: the 2025 basis is the 2026 price", m,
                    value=rnd(d.price[m]), unit="USD/t", source="prices_2026.csv (graphite rows stale, 2024)")
            continue
        price, used, how = chosen[m]
        d.price[m] = price
        fraction = d.assumptions.cobalt_payable_2026
        d.raw_price_2026[m] = price * fraction if m == "cobalt" else d.raw_price[m] * price / d.refined_price[m]
        products = "; ".join(f"{r['product']} {r['value']} {r['unit']} ({r['date']})" for r in used)
        src.add("SOURCED" if len(used) == 1 else "DERIVED", "minerals", f"refined_price, early 2026: {products}", m,
                value=rnd(price), unit="USD/t",
                source=used[0]["source_url"], confidence=used[0]["confidence"],
                note=(how + "; " if how else "") + f"2025 basis of costs {rnd(d.refined_price[m])} USD/t")
        src.add("DERIVED", "minerals", "raw_price, early 2026 = " + (
            f"{fraction} x refined price (hydroxide payables ~100%)" if m == "cobalt"
            else "the 2025 raw price x the refined price's move"), m, value=rnd(d.raw_price_2026[m]), unit="USD/t")


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
    gallium_refining(d, src)
    # residual to ROW for lithium, nickel, graphite, rare earths
    for m in ("lithium", "nickel", "graphite"):
        res = 100 - sum(shares[m].values())
        if res > 1e-9:
            shares[m]["ROW"] = res
            src.add("DERIVED", "refining", "refining share of rest of world = 100 - named", m,
                    "ROW", round(res, 2), "%", "refining_share.csv README: residual is ROW")
    # observed world refined volume for share-based minerals (the production sheet's refined
    # tonnes): world mine production 2025. Capacity uses the balance V instead (capacities()).
    for m in ("lithium", "cobalt", "graphite", *RARE_EARTHS):
        world_ref[m] = d.world_prod[m]
        src.add("ASSUMPTION", "production", "observed world refining volume 2025 = world mine "
                "production 2025 (refiners process what is mined)", m, "WLD", rnd(world_ref[m]), "t",
                *(("rare_earth_split.csv (split_rare_earths)", "low") if m in RARE_EARTHS
                  else ("mine_production.csv (USGS MCS 2026)", "medium")))
    for m, proj in REFINING_SHARE_2030.items():
        for c, v in proj.items():
            src.add("SOURCED", "refining", f"projected refining share 2030 (IEA; linear from "
                    f"{share_year[m]})", m, c, v, "%", "refining_share.csv notes (IEA GCMO)",
                    "low")
    src.add("ASSUMPTION", "refining", "lithium: share China loses by 2030 goes to ROW",
            "lithium", "ROW", note="the data does not say where new capacity is built")


def gallium_row(d: Data, country: str, kind: str) -> dict:
    return next(r for r in d.secondary if r["mineral"] == "gallium" and r["country"] == country
                and r["kind"].startswith(kind))


def gallium_refining(d: Data, src: Sources) -> None:
    """Gallium's refining stage is high-purity refining, sized by USGS's world capacity (secondary_supply.csv):
    capacity[c] = share[c] x C, C = 340 t/yr. Japan refines its own new scrap, R = consumption - imports - primary
    (JOGMEC 2021, 67 t), plus its primary output; Russia its primary output; China the rest, C - sum of those.

    The scrap is Japan's refiners' feed, as an origin of its own (`scrap_supply`): they draw primary gallium for
    the rest. The world refined volume observed (`world_ref`) is USGS's high-purity output."""
    cap = gallium_row(d, "WLD", "high-purity refined gallium production capacity")
    out = next(r for r in d.consumption if r["mineral"] == "gallium" and r["market"] == "WLD")
    scrap = gallium_row(d, "JPN", "secondary (recycled")
    d.ga_capacity = num(cap["tonnes_or_share"])
    d.ga_scrap_jpn = num(scrap["tonnes_or_share"])
    tonnes = {"JPN": d.ga_scrap_jpn + d.prod["gallium"]["JPN"], "RUS": d.prod["gallium"]["RUS"]}
    tonnes["CHN"] = d.ga_capacity - sum(tonnes.values())
    d.shares["gallium"] = {c: v / d.ga_capacity * 100 for c, v in tonnes.items()}
    d.share_year["gallium"] = BASE_YEAR
    d.world_ref["gallium"] = num(out["tonnes"])
    src.add("SOURCED", "refining", "gallium: world high-purity refining capacity (refining stage capacity, "
            f"grown from {BASE_YEAR})", "gallium", "WLD", d.ga_capacity, "t/yr", cap["source_url"],
            cap["confidence"], "replaces yield x primary low-purity output (864 t), which is 2.5 times the "
                                "world's high-purity output")
    src.add("DERIVED", "refining", "gallium: Japan's high-purity refining = its refining of domestic scrap "
            "(JOGMEC 2021: 167 t consumed - 97 t imported - 3 t primary) + its primary output", "gallium", "JPN",
            rnd(tonnes["JPN"]), "t/yr", scrap["source_url"], scrap["confidence"],
            "a lower bound: Japan also refines imported low-purity gallium (no figure); the scrap is the feed of "
            "origin JPN_SCRAP, primary gallium the rest")
    src.add("ASSUMPTION", "refining", "gallium: Russia refines its own primary output to high purity; China the "
            "rest of world capacity; Canada, Slovakia, the US, Germany and the UK have no tonnage "
            "(secondary_supply.csv rows left blank)", "gallium", "CHN", rnd(tonnes["CHN"]), "t/yr",
            note="USGS names Canada, China, Japan, Slovakia and the US as the principal high-purity refiners")
    src.add("SOURCED", "production", "observed world refining volume = high-purity output", "gallium", "WLD",
            d.world_ref["gallium"], "t", out["source_url"], out["confidence"], f"{out['year']}, USGS")


SCRAP_ORIGINS = {"gallium": ("JPN", "JPN_SCRAP")}  # mineral -> (refiner, origin of the scrap it refines)


def scrap_supply(d: Data, src: Sources) -> list[dict]:
    """Japan's new gallium scrap as supply of an origin of its own, refined only in Japan:
    capacity[t] = R x g(t) / yield, R = the scrap part of Japan's refining (`gallium_refining`, 67 t), at the cost
    of the cheapest mined gallium.

    Its own origin, not Japan's supply row, because it is not mined: the calibration compares mine output, and
    a rule on where minerals are mined reads scrap as supply from outside every mining country. Priced as the
    low-purity gallium it stands in for: scrap is feed a refiner could sell or buy. Cheaper, it would lower the
    replacement cost a reserve's salvage is set at; dearer, the refiner would buy Chinese feed instead."""
    m = "gallium"
    refiner, origin = SCRAP_ORIGINS[m]
    scrap = gallium_row(d, refiner, "secondary (recycled")
    cost = rnd(min(unit_cost(d, m, "supply", c) for c in d.prod[m]))
    rows = [{"mineral": m, "country": origin, "period": t,
             "capacity": rnd(d.ga_scrap_jpn * d.gfac(m, t) / d.yield_of(m)), "cost": cost} for t in PERIODS]
    src.add("DERIVED", "supply", "gallium: Japan's new scrap, refined in Japan, as supply of its own origin "
            f"{origin} (refined output / yield, grown from {BASE_YEAR})", m, origin,
            rows[0]["capacity"], "t/yr", scrap["source_url"], scrap["confidence"],
            "JOGMEC 2021: 167 t consumed - 97 t imported - 3 t primary; routes to refiners abroad closed")
    src.add("ASSUMPTION", "supply", "gallium: Japan's scrap costs what the cheapest mined (low-purity) gallium "
            "costs", m, origin, cost, "USD/t", note="scrap is feed a refiner could sell or buy instead")
    return rows


def scrap_routes(refiners: dict[str, set[str]]) -> list[dict]:
    """Scrap is refined where it arises: its origin's route to every other refiner of the mineral is closed."""
    return [row for m, (home_refiner, origin) in SCRAP_ORIGINS.items()
            for row in closed_abroad(origin, m, refiners[m], home_refiner)]


def primary_copper_share(d: Data) -> float:
    """The share of refined copper made from mined copper: 1 - the share refined from scrap (ICSG)."""
    row = next(r for r in d.secondary if r["mineral"] == "copper" and r["country"] == "WLD"
               and r["kind"].startswith("secondary refined (from scrap)"))
    return 1 - num(row["tonnes_or_share"])


def consumption(d: Data, m: str, market: str) -> tuple[float, dict] | None:
    """A market's 2025 consumption of m in the planner's units (market_demand.csv), or None where the data has
    none: the latest figure up to 2025, grown to 2025 at m's growth rate; copper's is the primary part (the
    planner's copper is refined from mined copper). The rare-earth rows (REO and magnet rare earths) are no
    figure for NdPr or Dy+Tb alone: their markets' shares come from `china_share_of_magnet_demand`."""
    rows = [r for r in d.consumption if r["mineral"] == m and r["market"] == market and r["tonnes"]
            and re.fullmatch(r"\d{4}", r["year"]) and int(r["year"]) <= BASE_YEAR]
    if not rows:
        return None
    latest = max(int(r["year"]) for r in rows)
    row = next(r for r in rows if int(r["year"]) == latest)  # the file lists its preferred source first
    tonnes = num(row["tonnes"]) * d.gfac(m, BASE_YEAR) / d.gfac(m, latest)
    return tonnes * (primary_copper_share(d) if m == "copper" else 1.0), row


def world_balance(d: Data, src: Sources) -> None:
    """World demand 2025 from consumption (market_demand.csv) where the data has it, else yield x world mine
    output; capacities match yield x world mine output (`world_out`), so the two can differ."""
    for m in MINERALS:
        yield_ = d.yield_of(m)
        mined = sum(d.prod[m].values())
        d.world_out[m] = yield_ * mined
        used = consumption(d, m, "WLD")
        if used is None:
            d.world_dem[m] = d.world_out[m]
            src.add("ASSUMPTION", "demand", "world demand 2025 = yield x world mine output 2025 (no world "
                    "consumption figure in the planner's units)", m, "WLD", rnd(d.world_dem[m]), "t",
                    "mine_production.csv (sum of countries)", "low", f"mine output {rnd(mined)} t x {yield_}")
            continue
        d.world_dem[m], row = used
        src.add("SOURCED", "demand", f"world demand 2025 from {row['metric']} ({row['year']}, {row['basis']})",
                m, "WLD", rnd(d.world_dem[m]), "t", row["source_url"], row["confidence"],
                f"{row['tonnes']} t" + (f" grown to {BASE_YEAR}" if row["year"] != str(BASE_YEAR) else "")
                + (f"; x {primary_copper_share(d):.3f}, the primary share (scrap-based refined copper is "
                   "not modelled)" if m == "copper" else "")
                + f"; yield x mine output would give {rnd(d.world_out[m])} t")


def market_shares(d: Data, src: Sources) -> None:
    """Each market's share of world demand: its consumption where the data has it, else an assumed share
    (`market_share_of_world_demand`, `china_share_of_world_demand`); the rest of the world takes the rest."""
    a = d.assumptions
    for m in MINERALS:
        shares = {}
        # the magnets' rare earths are used where the magnets are made, in China for the most part: China takes
        # its share, and the others the rest in the proportions of the assumed shares (ROW's the remainder)
        china = a.china_share_of_magnet_demand.get(m, a.china_share_of_world_demand)
        scale = (1 - china) / (1 - a.china_share_of_world_demand)
        coalition = {mk: v * scale for mk, v in a.market_share_of_world_demand.items()}
        for mk in COALITION + ("CHN",):
            used = consumption(d, m, mk)
            if used is None:
                shares[mk] = coalition[mk] if mk in coalition else china
                continue
            tonnes, row = used
            shares[mk] = tonnes / d.world_dem[m]
            src.add("SOURCED", "demand", f"{mk} demand 2025 from {row['metric']} ({row['year']}, {row['basis']})",
                    m, mk, rnd(tonnes), "t", row["source_url"], row["confidence"],
                    f"{percent(round(shares[mk], 4))} of world demand; {row['tonnes']} t as published"
                    + (" (primary share of refined copper)" if m == "copper" else ""))
        if m in US_DEFENCE_MINERALS:
            shares[US_DEFENCE] = d.assumptions.us_defence_share_of_world_demand
            shares["USA"] -= shares[US_DEFENCE]
            if shares["USA"] < 0:
                raise AssumptionError(f"{m}: US defence demand is more than the US market's")
        shares["ROW"] = 1 - sum(shares.values())
        if shares["ROW"] < 0:
            raise AssumptionError(f"{m}: the markets' demand adds up to more than the world's "
                                  f"({percent(round(1 - shares['ROW'], 4))})")
        d.market_share[m] = shares
        for t in PERIODS:
            for mk in markets_of(m):
                d.dem[m, mk, t] = rnd(d.world_demand(m, t) * shares[mk])
    src.add("DERIVED", "demand", "rest of world (ROW) = world demand - the named markets' demand", country="ROW")
    for m, china in a.china_share_of_magnet_demand.items():
        src.add("DERIVED", "demand", f"China {percent(china)} of world demand (china_share_of_magnet_demand); the "
                "other markets' assumed shares scaled to the rest", m, "USA, EU, JPN, KOR, IND, ROW",
                " / ".join(percent(round(d.market_share[m][mk], 4)) for mk in (*COALITION, "ROW")), "share",
                "data/assumptions.csv", "low")
    defence = d.assumptions.us_defence_share_of_world_demand
    for m in US_DEFENCE_MINERALS:
        src.add("DERIVED", "demand", f"US defence (DoD) demand = {percent(defence)} of world demand, GAO's bound "
                "(an upper bound), carved out of the US market's", m, US_DEFENCE,
                rnd(d.dem[m, US_DEFENCE, PERIODS[0]]), f"t in {PERIODS[0]}",
                "the assumption us_defence_share_of_world_demand x world demand; market_demand.csv", "low",
                f"US market {percent(round(d.market_share[m]['USA'], 6))} of world demand instead of "
                f"{percent(round(d.market_share[m]['USA'] + defence, 6))}; the world total is unchanged")
    src.add("ASSUMPTION", "demand", "markets: the coalition (USA, EU, JPN, KOR, IND) plans with "
            "China's own industry (CHN) and the rest of the world (ROW) as competing buyers",
            value=", ".join(MARKETS + (US_DEFENCE,)),
            note="US defence (USA_DEF) is a market of rare earths only, governed by DFARS 252.225-7052; "
                 "so the coalition competes for capacity as it does in reality; a market without a consumption "
                 "figure for a mineral takes the assumed share of world demand (data/assumptions.csv)")


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
        # gallium's basis is USGS's capacity figure, which already holds its spare
        basis = d.ga_capacity if m == "gallium" else d.world_out[m] * headroom
        for c in d.refiners[m]:
            for t in PERIODS:
                cap = basis * d.share_at(m, c, t) / 100 * d.gfac(m, t)
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


LI_IN_SULPHATE = 2 * 6.941 / (2 * 6.941 + 32.06 + 4 * 15.999)  # t Li per t Li2SO4, by its formula


def plant_tonnes(r: dict) -> float:
    """A lithium sulphate plant's capacity (projects_2026.csv row) in t of Li a year."""
    return num(r["capacity"]) * LI_IN_SULPHATE


def plants(d: Data, src: Sources) -> None:
    """Refining plants that started after the data year (projects_2026.csv, stage refining, first year within the
    periods), at their nameplate from their first year, held flat: Zimbabwe's lithium sulphate (Arcadia), the only
    place its lithium can go under the concentrate ban. capacity[t] = L x S, S = t of lithium sulphate a year,
    L = Li's share of Li2SO4 (0.126)."""
    for r in d.projects_2026:
        if r["mineral"] != "lithium" or r["stage"] != "refining" or "sulphate" not in r["unit"]:
            continue
        c, first, tonnes = r["country"], int(r["first_year"]), plant_tonnes(r)
        d.plants["lithium"].setdefault(c, []).append(r)
        for t in PERIODS:
            if t >= first:
                d.refine_cap["lithium", c, t] = d.refine_cap.get(("lithium", c, t), 0.0) + rnd(tonnes)
        src.add("SOURCED", "refining", f"lithium: {r['project']}, {rnd(num(r['capacity']))} t of lithium sulphate a "
                f"year from {first} (Li content x {LI_IN_SULPHATE:.3f}), held flat", "lithium", c, rnd(tonnes),
                "t Li/yr", r["source_url"], r["confidence"], r["notes"][:200])
    src.add("ASSUMPTION", "refining", "lithium sulphate counts as refined lithium: its conversion to carbonate or "
            "hydroxide, abroad, is not modelled", "lithium", "ZWE",
            note="sulphate is exportable under Zimbabwe's concentrate ban; the plant's first year at its nameplate")


def midpoint(text: str) -> float:
    """'260000000-270000000' -> 265000000.0; a single number as itself."""
    low, _, high = text.partition("-")
    return (num(low) + num(high or low)) / 2


def indonesia_quota(ref: Path) -> tuple[float, str, str]:
    """Indonesia's 2026 ore quota over the ore it mined in 2025 (measures_2026.csv), with source and note.

    The quota is a cap on ore mined: Indonesia's nickel capacity in the base is its 2025 output scaled by it,
    without the growth and headroom other capacities get (the quota, not the mines, binds)."""
    rows = [r for r in read_csv(ref, "measures_2026.csv") if r["imposing"] == "IDN" and r["mineral"] == "nickel"]
    quota = next(r for r in rows if r["measure_type"] == "production_quota" and "national total" in r["scope"])
    mined = next(r for r in rows if r["measure_type"] == "ore_output")
    factor = midpoint(quota["value"]) / midpoint(mined["value"])
    note = (f"quota {midpoint(quota['value']) / 1e6:.0f} Mt wet ore (midpoint of {quota['value']}) / "
            f"{midpoint(mined['value']) / 1e6:.0f} Mt mined in 2025 ({mined['source_url']}); held at the 2026 "
            "quota every year (RKABs are now annual); smelters need 320-343 Mt, so the quota binds")
    return factor, quota["source_url"], note


def drc_quota_capacity(d: Data, t: int) -> float:
    """What the DRC can sell under its quota in year t: the export quota (less the strategic part ARECOMS
    holds) plus what its own refineries take."""
    home = d.refine_cap.get(("cobalt", "COD", t), 0.0) / d.yield_of("cobalt")
    return DRC_QUOTA_T - DRC_QUOTA_RESERVE_T + home


def measures_in_force(d: Data, src: Sources) -> None:
    """Cut the capacities that the measures in force in February 2026 cut; keep the uncut ones in
    `d.before_measures` for the scenarios that lift them."""
    a = d.assumptions
    for t in PERIODS:
        key = ("cobalt", "COD", t)
        if t <= a.drc_quota_last_period and drc_quota_capacity(d, t) < d.supply_cap[key]:
            d.before_measures[key] = d.supply_cap[key]
            d.supply_cap[key] = rnd(drc_quota_capacity(d, t))
        key = ("nickel", "IDN", t)
        d.before_measures[key] = d.supply_cap[key]
        d.supply_cap[key] = rnd(d.prod["nickel"]["IDN"] * d.indonesia_quota_factor)
    quota = DRC_QUOTA_T - DRC_QUOTA_RESERVE_T
    src.add("SOURCED", "supply", "DRC cobalt export quota in the base: 96,600 t/yr in 2026 and 2027, of "
            "which 9,600 t a strategic quota held by ARECOMS", "cobalt", "COD", DRC_QUOTA_T, "t/yr",
            d.bilateral_measure("COD", "cobalt", "export_quota")["source_url"], "high",
            f"capacity = {quota:,} t exported + the DRC's own refining input, each year up to "
            f"{a.drc_quota_last_period} (drc_quota_last_period); 2025 output was 230 kt")
    src.add("SOURCED", "supply", "Indonesia's 2026 nickel ore quota (RKAB) in the base: capacity = 2025 "
            f"output x {d.indonesia_quota_factor:.3f} (2026 quota / ore mined 2025)", "nickel", "IDN",
            round(d.indonesia_quota_factor, 3), "x", d.indonesia_quota_source, "medium",
            d.indonesia_quota_note)


def prepare(ref: Path, assumptions: Assumptions, src: Sources) -> Data:
    """Read the reference files and derive what the sheets share."""
    d = Data(ref, assumptions)
    read_groups(d, src)
    growth_rates(d, src)
    read_mine_production(d, src)
    split_rare_earths(d, src)
    rare_earth_projects(d, src)
    read_prices(d, src)
    read_prices_2026(ref, d, src)
    read_refining_shares(d, src)
    world_balance(d, src)
    market_shares(d, src)
    capacities(d, src)
    plants(d, src)
    measures_in_force(d, src)
    d.piles = stockpiles(d)  # read once: reserve_target asks for them per mineral, market and period
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
    for m, (refiner, origin) in SCRAP_ORIGINS.items():
        rows.append({"country": origin, "name": f"{d.names.get(refiner, refiner)}: recycled {m} scrap",
                     "groups": ", ".join(sorted(d.groups.get(refiner, set())))})
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
    rows += scrap_supply(d, src)
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
        for c in sorted(d.refiners[m]):
            cost = unit_cost(d, m, "refining", c)
            for t in PERIODS:
                if (m, c, t) in d.refine_cap:
                    rows.append({"mineral": m, "country": c, "period": t,
                                 "capacity": d.refine_cap[m, c, t], "cost": rnd(cost),
                                 "yield": d.yield_of(m)})
    src.add("ASSUMPTION", "refining", "yield (t refined per t mined content)",
            value=a.refining_yield, note="process recoveries 90-98%; not in data; graphite's below")
    g = next(r for r in d.secondary if r["mineral"] == "graphite" and r["kind"].startswith("spheronisation"))
    src.add("SOURCED", "refining", "graphite yield: flake to battery-grade spherical graphite (spheronisation)",
            "graphite", value=d.graphite_yield, unit="t / t", source=g["source_url"], confidence=g["confidence"],
            note="the dataset's graphite is natural flake refined to spherical graphite for anodes; synthetic "
                 "graphite (about 90% of anode material, secondary_supply.csv) is outside it, but the candidate "
                 "synthetic plants, whose feed is counted as supply")
    src.add("ASSUMPTION", "refining", f"cost = {a.refining_cost_to_margin:g} x (refined - raw "
            "price) x scale multiplier", value=a.refining_cost_to_margin,
            note="per t of refined output")
    return table("refining", rows, sort_key=by("mineral", "country", "period"))


def demand_sheet(d: Data, src: Sources) -> list[list]:
    """Demand per market and period; a mineral the literature gives an elasticity for carries it on its rows
    (`mineral_demand_elasticity`), the others take the setting `elasticity`."""
    own = d.assumptions.mineral_demand_elasticity
    rows = [{"mineral": m, "market": mk, "period": t, "demand": d.dem[m, mk, t], "elasticity": own.get(m)}
            for m in MINERALS for mk in markets_of(m) for t in PERIODS]
    return table("demand", rows, sort_key=by("mineral", "market", "period"))


def minerals_sheet(d: Data, src: Sources) -> list[list]:
    multiple = d.assumptions.unmet_penalty_price_multiple
    rows = [{"mineral": m, "raw_price": rnd(d.raw_price_2026[m]),
             "refined_price": rnd(d.price[m]),
             "unmet_penalty": rnd(d.price[m] * multiple)}
            for m in MINERALS]
    src.add("ASSUMPTION", "minerals", f"unmet_penalty = {multiple:g} x refined price",
            value=multiple,
            note="above any delivered cost incl. tariffs (max ~2.2x price)")
    return table("minerals", rows)


def home(refiner: str, market: str) -> bool:
    """A delivery inside the market's own territory (the EU market: any EU member; US defence: the USA)."""
    return refiner == TERRITORY.get(market, market) or (market == "EU" and refiner in EU_MEMBERS)


CENTROIDS_SOURCE = "country_centroids.csv (Google DSPL canonical countries.csv)"
FREIGHT_REFERENCE_KM = 10_000  # `freight_usd_per_t` is the freight of a delivery this far
EARTH_RADIUS_KM = 6371.0
# Where a market that is not one country takes delivery: the EU at Germany, its largest consumer. ROW has no place.
MARKET_PLACE = {"EU": "DEU", US_DEFENCE: "USA"}


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The haversine distance between two (latitude, longitude) points in degrees."""
    (la1, lo1), (la2, lo2) = (tuple(math.radians(x) for x in p) for p in (a, b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def delivery_freight(d: Data, refiner: str, market: str) -> float:
    """Freight per t of a delivery abroad: F x km / 10,000 km, the great-circle distance between the two countries'
    centroids (country_centroids.csv); F (`freight_usd_per_t`) alone where either end is ROW, which has no place.

    The distance decides which refiner serves which market where costs would otherwise tie: at a flat freight
    every foreign refiner was as near as any other, and the solver's pick sent US lithium from China."""
    f = d.assumptions.freight_usd_per_t
    places = (refiner, MARKET_PLACE.get(market, market))
    if "ROW" in places:
        return f
    missing = [c for c in places if c not in d.centroids]
    if missing:
        raise KeyError(f"country_centroids.csv has no row for {', '.join(missing)}")
    return rnd(f * great_circle_km(*(d.centroids[c] for c in places)) / FREIGHT_REFERENCE_KM)


def closed_abroad(origin: str, m: str, refiners: set[str], home_refiner: str | None = None) -> list[dict]:
    """A closed supply route from ``origin`` to every refiner of m but its home one (``origin`` itself by default):
    its m is refined at home or not at all (an export ban on ore, scrap that is refined where it arises)."""
    home_refiner = home_refiner or origin
    return [{"stage": "supply", "from": origin, "to": r, "mineral": m, "allowed": False}
            for r in sorted(set(refiners) - {home_refiner})]


def project_hosts(projects: list[list] | None, at: str) -> dict[str, set[str]]:
    """mineral -> the countries that host a candidate project of it at stage ``at`` (sheet projects, header
    first)."""
    if not projects:
        return {}
    header, *rows = projects
    mineral, stage, country = (header.index(c) for c in ("mineral", "stage", "country"))
    out: dict[str, set[str]] = {}
    for r in rows:
        if r[stage] == at:
            out.setdefault(r[mineral], set()).add(r[country])
    return out


def routes_sheet(d: Data, src: Sources, projects: list[list] | None = None) -> list[list]:
    """Delivery freight from every refiner and ore freight to every refiner abroad, candidate projects' hosts
    included (a pair not listed is open at zero cost: a host with no row would ship abroad for free), then the
    measures on routes."""
    f = d.assumptions.freight_usd_per_t
    hosts, mines = project_hosts(projects, "refining"), project_hosts(projects, "supply")
    refiners_of = {m: set(d.refiners.get(m, ())) | hosts.get(m, set()) for m in MINERALS}
    rows = []
    for r in sorted(set().union(*refiners_of.values())):
        for mk in MARKETS:
            if not home(r, mk):
                rows.append({"stage": "delivery", "from": r, "to": mk,
                             "cost": delivery_freight(d, r, mk)})
    for m in US_DEFENCE_MINERALS:  # US defence buys only these: a row per refiner of them
        rows += [{"stage": "delivery", "from": r, "to": US_DEFENCE, "mineral": m,
                  "cost": delivery_freight(d, r, US_DEFENCE)}
                 for r in sorted(refiners_of[m]) if not home(r, US_DEFENCE)]
    src.add("ASSUMPTION", "routes", f"cross-border delivery cost {f:g} USD/t per {FREIGHT_REFERENCE_KM:,} km "
            "(freight and handling) over the great-circle distance between the countries' centroids; "
            f"{f:g} USD/t from or to ROW; home deliveries 0", value=f, unit="USD/t",
            note="markets buy from their own refiners first, then the nearest; no freight data; small next to "
                 "mineral values")
    src.add("SOURCED", "routes", "country centroids (latitude, longitude) for delivery distances",
            value=len(d.centroids), unit="countries", source=CENTROIDS_SOURCE, confidence="high",
            note="a centroid is not a port: distances are a proxy for sea routes")
    src.add("ASSUMPTION", "routes", "the EU market takes delivery at Germany's centroid, US defence at the "
            "USA's; ROW, which has no place, pays the reference freight", "EU", "DEU",
            note="Germany is the EU's largest consumer; Rotterdam and Antwerp are about 400 km from its centroid")

    s301_gr = d.measure("USA", "graphite", "Section 301")
    aam = d.bilateral_measure("USA", "graphite", "tariff", target="CHN")
    s301_re = d.measure("USA", REO, "Section 301")
    s301_var = d.measure("USA", "various (cobalt", "Section 301")
    rows.append({"stage": "delivery", "from": "CHN", "to": "USA", "mineral": "graphite",
                 "cost": delivery_freight(d, "CHN", "USA"), "tariff_rate": num(s301_gr["rate_pct"]) / 100})
    rows.append({"stage": "delivery", "from": "CHN", "to": "USA", "mineral": "cobalt",
                 "cost": delivery_freight(d, "CHN", "USA"), "tariff_rate": num(s301_var["rate_pct"]) / 100})
    src.add("SOURCED", "routes", "US Section 301 tariff on Chinese natural graphite (from "
            "2026-01-01)", "graphite", "CHN", num(s301_gr["rate_pct"]), "%",
            s301_gr["source_url"], "medium")
    src.add("SOURCED", "routes", "US AD/CVD duties on Chinese graphite active anode material NOT "
            "applied: " + aam["status"], "graphite", "CHN", source=aam["source_url"],
            confidence=aam["confidence"],
            note="bilateral_measures.csv corrects the 'preliminary' rows of trade_measures.csv")
    src.add("SOURCED", "routes", "US Section 301 on Chinese permanent magnets NOT applied: the "
            "planner's rare-earth product is separated oxide (US MFN on RE oxides 0%)",
            ", ".join(RARE_EARTHS), "CHN", num(s301_re["rate_pct"]), "%", s301_re["source_url"], "medium",
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
                     "cost": delivery_freight(d, "RUS", "USA"), "allowed": False})
    src.add("SOURCED", "routes", "US import ban on Russian copper and nickel (OFAC, EO 14068, "
            "from 2024-04-13): RUS -> USA closed", "copper, nickel", "RUS",
            source=rus["source_url"], confidence=rus["confidence"])
    mys = d.bilateral_measure("MYS", REO, "export_ban")
    for m in RARE_EARTHS:
        if "MYS" in d.prod[m]:
            rows += closed_abroad("MYS", m, d.refiners[m])
    src.add("SOURCED", "routes", "Malaysian ban on raw rare-earth exports (2024): Malaysian "
            "REE refined only in Malaysia", ", ".join(RARE_EARTHS), "MYS", source=mys["source_url"],
            confidence=mys["confidence"])
    ni_ban = d.bilateral_measure("IDN", "nickel", "export_ban")
    src.add("SOURCED", "routes", "Indonesian nickel-ore export ban (MEMR Reg. 11/2019, from "
            "2020): NOT a route closure in the base", "nickel", "IDN",
            source=ni_ban["source_url"], confidence=ni_ban["confidence"],
            note="the supply stage is contained nickel; Indonesia exports it processed (NPI, "
                 "matte, MHP) to Chinese refiners: it mines 67% of world nickel and refines "
                 "47%. Scenario indonesia_nickel_export_ban closes the lane")
    zwe = d.bilateral_measure("ZWE", "lithium", "export_ban")
    project_refiners = {r["country"] for r in d.projects if r["mineral"] == "lithium"}  # candidate refineries too
    rows += closed_abroad("ZWE", "lithium", d.refiners["lithium"] | project_refiners)
    src.add("SOURCED", "routes", "Zimbabwe's ban on lithium concentrate exports (from 2026-02-25): ZWE -> "
            "every refiner abroad closed, so Zimbabwe's lithium is refined at home or not at all", "lithium",
            "ZWE", source=zwe["source_url"], confidence=zwe["confidence"],
            note="in force until further notice; Zimbabwe refines only what Arcadia's sulphate plant takes "
                 "(projects_2026.csv), the rest of its lithium stays idle; a route cannot reopen in a scenario, so "
                 "the ban's lifting is not one")
    nam = d.bilateral_measure("NAM", "lithium", "export_ban")
    src.add("SOURCED", "routes", "Namibian ban on unprocessed critical-mineral exports: not "
            "modelled", country="NAM", source=nam["source_url"], confidence=nam["confidence"],
            note="Namibia mines none of these minerals in the data (small volumes)")
    rows += scrap_routes(refiners_of)
    rows += ore_freight(d, src, rows, {m: set(d.prod[m]) | mines.get(m, set()) for m in MINERALS}, refiners_of)
    return table("routes", rows, sort_key=by("stage", "from", "to", "mineral", blank=""))


def ore_freight(d: Data, src: Sources, measures: list[dict], origins: dict[str, set[str]],
                refiners: dict[str, set[str]]) -> list[dict]:
    """A supply route for every mineral from each country that mines it to each refiner abroad, at the ore
    freight (a route a measure already lists keeps the measure's row).

    Ore refined at home costs nothing to ship, so a refiner takes its own country's ore first. Without it every
    mine-to-refinery pairing costs the same, the base plan picks one among equals, and a stress test, whose
    contracts are the base plan's flows, answered with that pick: Indonesia's ore export ban cost the committed
    plan 88.7 bn in one pick and 43.4 bn in another of the same optimum."""
    cost = d.assumptions.ore_freight_usd_per_t
    listed = {(r["stage"], r["from"], r["to"], r.get("mineral")) for r in measures}
    rows = [{"stage": "supply", "from": c, "to": r, "mineral": m, "cost": cost}
            for m in MINERALS for c in sorted(origins[m]) for r in sorted(refiners[m])
            if c != r and ("supply", c, r, m) not in listed]
    src.add("ASSUMPTION", "routes", f"cross-border ore shipment {cost:g} USD/t of mined content, at home 0",
            value=cost, unit="USD/t", note="refiners take their own country's ore first at equal cost; no "
                                            "freight data; small next to mineral values")
    return rows


class Stockpile(NamedTuple):
    """A government's stockpile as its programme states it (stockpiles.csv)."""

    market: str
    target_days: float
    minerals: tuple[str, ...]
    start_days: dict  # mineral -> days of 2025 demand held before the first period
    ramp: bool  # the target is reached linearly from 0 (a reserve being built) instead of held from the start
    row: dict  # the stockpiles.csv row


def stockpiles(d: Data) -> list[Stockpile]:
    """Japan's (60 days of 34 rare metals: not copper, graphite only as 'carbon'), Korea's (100 days of rare
    metals, 42 held on average, lithium under 6; no copper target found) and the US Project Vault's (60 days of
    the minerals it names, nothing bought yet, built up to the last period)."""
    rows = {(r["holder"], r["program"].split(" (")[0]): r for r in d.stockpile_rows}
    jpn = rows["JPN", "JOGMEC national rare-metal stockpile"]
    kor = rows["KOR", "KOMIR public stockpile of rare metals"]
    usa = rows["USA", "Project Vault"]
    japan = tuple(m for m in MINERALS if m not in ("copper", "graphite"))
    korea = tuple(m for m in MINERALS if m != "copper")
    vault = ("lithium", "cobalt", *RARE_EARTHS, "gallium")
    korea_start = {m: num(kor["held_days"]) for m in korea} | {"lithium": KOREA_LITHIUM_HELD_DAYS}
    return [Stockpile("JPN", num(jpn["target_days"]), japan,
                      {m: d.assumptions.japan_initial_days for m in japan}, False, jpn),
            Stockpile("KOR", num(kor["target_days"]), korea, korea_start, False, kor),
            Stockpile("USA", num(usa["target_days"]), vault, {m: 0 for m in vault}, True, usa)]


# Korea's lithium stock: 'just under 6 days' (stockpiles.csv notes, rawmaterials.net citing Dong-A Ilbo).
KOREA_LITHIUM_HELD_DAYS = 6


def demand_2025(d: Data, m: str, mk: str) -> float:
    return d.world_dem[m] * d.market_share[m][mk]


def target_days(pile: Stockpile, t: int) -> float:
    """Days of demand the stockpile must hold at the end of year t."""
    if not pile.ramp:
        return pile.target_days
    return pile.target_days * (t - BASE_YEAR) / (PERIODS[-1] - BASE_YEAR)


def cheapest_delivery(d: Data, m: str) -> float:
    """The mineral's cheapest supply cost plus its cheapest refining cost, as the sheets write them (the
    planner's own measure of what a tonne costs to deliver, against which it checks a salvage)."""
    return (min(rnd(unit_cost(d, m, "supply", c)) for c in d.prod[m])
            + min(rnd(unit_cost(d, m, "refining", c)) for c in d.refiners[m]
                  if any((m, c, t) in d.refine_cap for t in PERIODS)))


def vault_terms(d: Data, m: str, pile: Stockpile) -> dict:
    """Project Vault's stock is bought, not built: up front at the early-2026 price (purchase_price), up to
    its aim (max_stock: its days of the last period's US demand), and worth its replacement at the end
    (salvage: the cheapest delivery, ``cheapest_delivery``)."""
    return {"purchase_price": rnd(d.price[m]),
            "max_stock": math.ceil(d.dem[m, pile.market, PERIODS[-1]] * pile.target_days / 365 * 10) / 10,
            "salvage": cheapest_delivery(d, m)}


def reserve_sheets(d: Data, src: Sources, version_2: bool = True) -> tuple[list[list], list[list], list[list]]:
    """The reserve and reserve_targets sheets, and (version 2 content) the budgets sheet: Project Vault's
    money, on the US reserve rows it buys up front (``vault_terms``)."""
    a = d.assumptions
    reserve, targets = [], []
    for pile in d.piles:
        for m in pile.minerals:
            reserve.append({"mineral": m, "market": pile.market,
                            "initial_stock": rnd(demand_2025(d, m, pile.market) * pile.start_days[m] / 365),
                            "holding_cost": rnd(a.holding_cost_rate * d.price[m])}
                           | (vault_terms(d, m, pile) if pile.market == "USA" and version_2 else {}))
            if pile.ramp:
                targets += [{"mineral": m, "market": pile.market, "period": t,
                             "min_days": round(target_days(pile, t), 1)} for t in PERIODS]
            else:
                targets.append({"mineral": m, "market": pile.market, "min_days": pile.target_days})
        r = pile.row
        held = sorted({v for v in pile.start_days.values()})
        src.add("SOURCED", "reserve_targets", f"{r['program']}: {pile.target_days:g} days of demand"
                + (f", reached linearly by {PERIODS[-1]}" if pile.ramp else ""), ", ".join(pile.minerals),
                pile.market, pile.target_days, "days", r["source_url"], r["confidence"], r["notes"][:200])
        src.add("SOURCED" if pile.market != "JPN" else "ASSUMPTION", "reserve",
                f"stock before {PERIODS[0]}: " + "/".join(f"{v:g}" for v in held) + " days of 2025 demand",
                ", ".join(pile.minerals), pile.market, "/".join(f"{v:g}" for v in held), "days",
                r["source_url"] if pile.market != "JPN" else "the assumption japan_initial_days",
                r["confidence"] if pile.market != "JPN" else "low",
                {"USA": "nothing bought by February 2026", "KOR": "42 days held on average, lithium under 6",
                 "JPN": "holdings secret by policy: the state's 42 of the 60-day standard"}[pile.market])
    vault = next(p for p in d.piles if p.market == "USA")
    cost = sum(d.dem[m, "USA", PERIODS[-1]] * vault.target_days / 365 * d.price[m] for m in vault.minerals)
    src.add("DERIVED", "reserve_targets", f"Project Vault's {vault.target_days:g} days of US {PERIODS[-1]} demand "
            "cost this at early-2026 prices, against its USD " + f"{num(vault.row['budget_usd']) / 1e9:.2f} bn",
            ", ".join(vault.minerals), "USA", rnd(cost), "USD", vault.row["source_url"], "medium",
            "the fund's list of minerals is not published: those it names")
    budgets = [{"budget": "project_vault", "amount": num(vault.row["budget_usd"]), "market": "USA"}]
    if version_2:
        src.add("SOURCED", "budgets", "Project Vault's money for stock bought up front (USD 10 bn EXIM loan + "
                "USD 1.67 bn private capital)", ", ".join(vault.minerals), "USA", num(vault.row["budget_usd"]),
                "USD", vault.row["source_url"], vault.row["confidence"],
                "it cannot bind: its reserves' max_stock all bought costs the DERIVED figure above")
        src.add("ASSUMPTION", "reserve", "Project Vault buys at the market: purchase_price = the mineral's "
                "early-2026 refined price", ", ".join(vault.minerals), "USA",
                note="manufacturers buy from the fund at fixed prices (stockpiles.csv); those prices are not published")
        src.add("ASSUMPTION", "reserve", f"Project Vault buys to its aim: max_stock = {vault.target_days:g} days of "
                f"US {PERIODS[-1]} demand", ", ".join(vault.minerals), "USA", vault.target_days, "days",
                note="stock bought up front comes from the market before the first period, which the model does "
                     "not hold: without a cap it would be a source without limit at the 2026 price")
        src.add("ASSUMPTION", "reserve", "Project Vault's stock left in the last period is worth its replacement: "
                "salvage = the mineral's cheapest supply plus refining cost", ", ".join(vault.minerals), "USA",
                note="any higher and the plan would fill the reserve to sell it at the end")
    src.add("ASSUMPTION", "reserve", "no reserve for EU and IND markets",
            note="no EU or Indian stockpile programme in the data")
    src.add("ASSUMPTION", "reserve", f"no reserve for US defence ({US_DEFENCE}); Project Vault's days are of the US "
            "market's demand without it", ", ".join(US_DEFENCE_MINERALS), US_DEFENCE,
            note="Project Vault serves manufacturers (stockpiles.csv); DoD's own, the National Defense Stockpile, "
                 "has one low-confidence figure (USD 1 bn of acquisitions) and is not modelled")
    src.add("ASSUMPTION", "reserve", f"holding_cost = {percent(a.holding_cost_rate)} of refined price "
            "per t per year", value=a.holding_cost_rate, note="financing and storage; shortfall_penalty default "
                                          "(half the unmet penalty)")
    return (table("reserve", reserve, sort_key=by("mineral", "market")),
            table("reserve_targets", targets, sort_key=by("mineral", "market", "period",
                                                          blank=0)),
            table("budgets", budgets))


def reserve_target(d: Data, m: str, mk: str, t: int) -> float:
    """Stock the reserve of (m, mk) must hold at the end of year t (t < first period: start)."""
    pile = next((p for p in d.piles if p.market == mk and m in p.minerals), None)
    if pile is None:
        return 0.0
    if t < PERIODS[0]:
        return demand_2025(d, m, mk) * pile.start_days[m] / 365
    return d.dem[m, mk, t] * target_days(pile, t) / 365


def law(d: Data, jurisdiction: str, provision_start: str) -> dict:
    return next(r for r in d.laws if r["jurisdiction"] == jurisdiction and r["provision"].startswith(provision_start))


def share_rules(d: Data, src: Sources) -> list[dict]:
    """The rules as the laws read, each named and on what one market receives (version 2 form). Rows are
    keyed by the shares sheet's columns."""
    a = d.assumptions
    rules = []

    def penalty(m, share):
        return rnd(share * d.price[m])

    for t in EU_CRMA_PERIODS:
        for m in MINERALS:
            for stage in STAGES:
                rules.append({"stage": stage, "scope": "* except EU", "mineral": m, "period": t,
                              "max_share": EU_CRMA_MAX_SHARE, "market": "EU",
                              "penalty": penalty(m, a.target_penalty_price_share), "rule": EU_CRMA_RULE})
    for t in KOREA_PERIODS:
        for m in KOREA_MINERALS:
            rules.append({"stage": "refining", "scope": "* except KOR", "mineral": m, "period": t,
                          "max_share": KOREA_MAX_SHARE, "market": "KOR",
                          "penalty": penalty(m, a.target_penalty_price_share), "rule": KOREA_RULE})
    for t, threshold in US_45X_THRESHOLD.items():
        if threshold <= 0:
            continue  # no limit: any material assistance passes
        for m in US_45X_MINERALS:
            for mk in ("USA",) + ((US_DEFENCE,) if m in US_DEFENCE_MINERALS else ()):
                for stage in STAGES:
                    rules.append({"stage": stage, "scope": "FEOC", "mineral": m, "period": t,
                                  "max_share": round(1 - threshold, 4), "market": mk, "basis": "owner",
                                  "penalty": penalty(m, US_45X_CREDIT), "rule": US_45X_RULE})
    for t in DFARS_PERIODS:
        for m in US_DEFENCE_MINERALS:
            for stage in STAGES:
                rules.append({"stage": stage, "scope": "FEOC", "mineral": m, "period": t, "max_share": 0,
                              "market": US_DEFENCE, "rule": DFARS_RULE})
    eu, kor, us = law(d, "EUU", "Art. 5(1)(b)"), law(d, "KOR", "Dependence"), law(d, "USA", "45X(c)(1)(C)")
    src.add("SOURCED", "shares", EU_CRMA_RULE + ": by 2030, at each stage of processing, every strategic raw "
            "material; a benchmark, so soft", "all", "EU", EU_CRMA_MAX_SHARE, "share", eu["source_url"],
            eu["confidence"], "scope '* except EU', market EU, supply and refining, 2030; penalty "
            f"{percent(a.target_penalty_price_share)} of the price per t beyond (target_penalty_price_share)")
    src.add("SOURCED", "shares", KOREA_RULE + ": Korea's ten strategic minerals, by 2030; a policy target, so soft",
            ", ".join(KOREA_MINERALS), "KOR", KOREA_MAX_SHARE, "share", kor["source_url"], kor["confidence"],
            "written on one country (the strategy says 'specific countries'), refined imports, 2030")
    src.add("SOURCED", "shares", US_45X_RULE + ": FEOC-owned tonnes at most 1 - the year's cost-ratio threshold "
            "of what the US receives, each stage, soft at the credit's worth (10% of the cost of production)",
            ", ".join(US_45X_MINERALS), "USA", "/".join(f"{1 - v:.2f}" for v in US_45X_THRESHOLD.values()),
            "share", us["source_url"], "low",
            "thresholds 0/10/20/30/40% for 2026-2030 are UNVERIFIED (laws.csv: a recollection); a rule on what "
            "earns the credit, written on the whole US market (US defence's rare earths included); ownership rows "
            "as published count each stake (the law counts a 25% stake as the whole plant: a lower bound)")
    dfars = law(d, "USA", "252.225-7052")
    src.add("SOURCED", "shares", DFARS_RULE + ": from 2027 no stage from mining on in a covered nation (the FEOC "
            "group) for the magnets DoD acquires; a bar on a buyer, so hard", ", ".join(US_DEFENCE_MINERALS),
            US_DEFENCE, 0, "share", dfars["source_url"], dfars["confidence"],
            f"scope FEOC, market {US_DEFENCE}, basis location, supply and refining, "
            f"{DFARS_PERIODS[0]}-{DFARS_PERIODS[-1]}; 2026 restricts only melting and magnet making, downstream "
            "of the planner's oxide; exceptions (COTS, recycled NdFeB, nonavailability) not written")
    return rules


def reserve_build(d: Data, m: str, t: int) -> float:
    """Stock the reserves must add in year t."""
    return sum(max(reserve_target(d, m, mk, t) - reserve_target(d, m, mk, t - 1), 0)
               for mk in ("JPN", "KOR", "USA"))


def stage_capacity(d: Data, m: str, stage: str, t: int) -> dict[str, float]:
    """Capacity of each country at `stage` in refined t (mine capacity x yield)."""
    if stage == "supply":
        return {c: d.supply_cap[m, c, t] * d.yield_of(m) for c in d.prod[m]}
    return {c: d.refine_cap[m, c, t] for c in d.refiners[m] if (m, c, t) in d.refine_cap}


def whole_plan_rows(d: Data, src: Sources, rules: list[dict]) -> list[dict]:
    """Version 1 form of market rules: one whole-plan row per (mineral, stage, period)."""
    headroom, drop_at = d.assumptions.v1_cap_headroom, d.assumptions.v1_cap_drop_at
    rows = []
    for m in MINERALS:
        for t in PERIODS:
            world = sum(d.dem[m, mk, t] for mk in markets_of(m))
            need = world + reserve_build(d, m, t)
            for stage in STAGES:
                # a rule on each country alone has a whole-plan form; one on a group (DFARS) or by owner has none
                ruled = [r for r in rules if r["stage"] == stage and r["period"] == t
                         and r.get("mineral") in (None, m) and r["scope"].startswith("*")
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


def shares_sheet(d: Data, src: Sources, version_2: bool) -> list[list]:
    rules = share_rules(d, src)
    if version_2:
        rows = rules
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
        for part in RARE_EARTHS if m == REO else (m,):  # a rare-earth mine's owner owns both its NdPr and Dy+Tb
            rows.append({"stage": planner_stage, "country": country, "owner": owner,
                         "share": num(chosen["share"]), "mineral": part})
        m = ", ".join(RARE_EARTHS) if m == REO else m
        owners.add(owner)
        src.add("SOURCED" if "Derived here" not in chosen["notes"] else "DERIVED", "ownership",
                f"{owner}-owned share of {country}'s {stage} capacity ({chosen['year']}, "
                f"{chosen['basis']})", m, country, num(chosen["share"]), "share",
                chosen["source_url"], chosen["confidence"],
                (why + "; " if why else "") + chosen["notes"][:200])
    rows += controlled_lithium_mines(d, src)
    rows += plant_owners(d, src)
    owners.update(r["owner"] for r in rows)
    src.add("ASSUMPTION", "ownership", "owners' shares as published, bounds taken at face value; "
            "the rest of each country's capacity is its own", note="ownership.csv: control and "
            "equity bases differ by source (see its README); no figure for graphite outside China or "
            "Myanmar/Laos rare earths")
    return table("ownership", rows, version_2=True,
                 sort_key=by("mineral", "stage", "country", "owner")), owners


# The US law counts a plant as a prohibited foreign entity's when one such entity holds 25% or more
# (laws.csv, 7701(a)(51)): a mine with a Chinese stake at or above it counts whole.
CONTROL_STAKE = 0.25


def chinese_control(owner_share: str) -> bool | None:
    """True where projects_2026.csv's owner_share gives China a stake of 25% or more (or control), False where
    it gives a smaller one, None where it names China without a share."""
    text = owner_share.split(";")[0]
    if not text.startswith("CHN"):
        return False
    if "controlling" in text:
        return True
    stake = re.search(r"(\d+(?:\.\d+)?)", text)
    return None if stake is None else float(stake.group(1)) >= CONTROL_STAKE


def controlled_lithium_mines(d: Data, src: Sources) -> list[dict]:
    """Chinese control of lithium mining in Zimbabwe and Mali (projects_2026.csv): per country, the capacity of
    its listed mines with a Chinese stake of 25% or more over that of all its listed mines. Chile's SQM, 22%
    Tianqi's, stays below the threshold."""
    mines: dict[str, list[tuple[float, bool | None, dict]]] = defaultdict(list)
    for r in d.projects_2026:
        if r["mineral"] == "lithium" and r["stage"] == "mine" and r["country"] in ("ZWE", "MLI", "CHL"):
            mines[r["country"]].append((num(r["capacity"]) if r["capacity"] else 0.0,
                                        chinese_control(r["owner_share"]), r))
    rows = []
    for country, listed in sorted(mines.items()):
        total = sum(c for c, _, _ in listed)
        controlled = sum(c for c, ctrl, _ in listed if ctrl)
        names = ", ".join(r["project"].split(" (")[0] for _, ctrl, r in listed if ctrl)
        unknown = ", ".join(r["project"].split(" (")[0] for _, ctrl, r in listed if ctrl is None)
        if not controlled:
            src.add("SOURCED", "ownership", f"{country}'s lithium mines: no Chinese stake of 25% or more",
                    "lithium", country, source=listed[0][2]["source_url"], confidence=listed[0][2]["confidence"],
                    note=listed[0][2]["owner_share"])
            continue
        share = round(controlled / total, 3)
        rows.append({"stage": "supply", "country": country, "owner": "CHN", "share": share, "mineral": "lithium"})
        src.add("DERIVED", "ownership", f"CHN-controlled share of {country}'s lithium mining: mines with a Chinese "
                f"stake of 25% or more ({names}) over all listed mines", "lithium", country, share, "share",
                "projects_2026.csv", "medium",
                "by capacity of concentrate; a lower bound" + (f": Chinese-owned with no share given: {unknown}"
                                                               if unknown else ""))
    return rows


def plant_owners(d: Data, src: Sources) -> list[dict]:
    """Chinese control of the refining plants `plants` adds: the Chinese-controlled share of their capacity in each
    country, where a Chinese owner holds 25% or more."""
    rows = []
    for m, by_country in sorted(d.plants.items()):
        for c, listed in sorted(by_country.items()):
            total = sum(plant_tonnes(r) for r in listed)
            controlled = sum(plant_tonnes(r) for r in listed if chinese_control(r["owner_share"]))
            if controlled:
                rows.append({"stage": "refining", "country": c, "owner": "CHN", "share": round(controlled / total, 3),
                             "mineral": m})
                src.add("SOURCED", "ownership", f"CHN-controlled share of {c}'s {m} refining: "
                        + ", ".join(r["project"].split(" (")[0] for r in listed), m, c, round(controlled / total, 3),
                        "share", "projects_2026.csv", listed[0]["confidence"], listed[0]["owner_share"])
    return rows


def contained_capacity(a: Assumptions, r: dict) -> tuple[float, str] | None:
    """A projects.csv capacity in the dataset's units (t contained: Li, NdPr oxide, ...), or None."""
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
        return cap, basis.removeprefix("t/yr ")
    if "Dy+Tb oxide" in basis:
        return cap, "t Dy+Tb oxide"
    if r["mineral"] == "copper" and basis.startswith("t Cu"):
        return cap, "t Cu contained"
    if r["mineral"] in ("graphite", "cobalt", "nickel", "gallium") and \
            ("anode material" in basis or "contained" in basis or "refined nickel" in basis
             or basis.startswith("t/yr Ga") or "primary Ga" in basis):
        return cap, basis.split("(")[0].strip()
    return None


# Mining candidates of projects_2026.csv in projects.csv's form, where a capacity and a first year are given
# and no measure in force caps the country's output (Musonoi's cobalt would fall inside the DRC's quota).
# Reko Diq: 200-240 kt Cu a year from 2028 (brecorder.com), USD 5.5 bn (azzet.com), both in its seen_in.
CANDIDATES_2026 = {"Reko Diq phase 1": {"company": "Barrick (50%), Pakistani state (50%)", "capex_usd": "5500000000",
                                        "basis": "t Cu contained"}}


def candidates_2026(d: Data) -> list[dict]:
    rows = []
    for r in d.projects_2026:
        extra = CANDIDATES_2026.get(r["project"])
        if extra:
            rows.append({"project": r["project"], "mineral": r["mineral"], "stage": r["stage"],
                         "country": r["country"], "capacity_t_per_year": str(midpoint(r["capacity"])),
                         "first_year": r["first_year"], "status": r["status"].split(" (")[0],
                         "source_url": r["source_url"], "confidence": r["confidence"], **extra})
    return rows


def capital_recovery_factor(rate: float, years: int) -> float:
    return rate / (1 - (1 + rate) ** -years)


def project_capex(a: Assumptions, r: dict) -> tuple[float | None, str]:
    """Published USD capex (a range at its midpoint), or a figure from the notes converted."""
    if r["capex_usd"]:
        lo, _, hi = r["capex_usd"].partition("-")
        value = (num(lo) + num(hi or lo)) / 2
        return value, "capex_usd" + (" (midpoint of the range)" if hi else "")
    usd_per = {"EUR": USD_PER_EUR, "CAD": a.usd_per_cad, "USD": 1.0}
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
    for r in d.projects + candidates_2026(d):
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
        # synthetic graphite is made from coke, not spheronised from flake: the process recovery, not flake's yield
        yield_ = a.refining_yield if "synthetic" in r["project"].lower() else d.yield_of(m)
        if r["stage"] == "mine":
            parts = [("supply", name, cap, capex)]
        elif integrated:
            parts.append(("supply", name + "_feed", cap / yield_, capex / 2))
        for stage, pname, pcap, pcapex in parts:
            # an integrated project's feed serves its own refinery: it is built only as far as the refinery is
            requires = name if pname.endswith("_feed") else None
            rows.append({"project": pname, "stage": stage, "mineral": m, "country": c,
                         "capacity": rnd(pcap), "cost": rnd(unit_cost(d, m, stage, c)),
                         "fixed_cost": rnd(pcapex / pcap * crf),
                         "yield": yield_ if stage == "refining" else None,
                         "first_period": first, "integer": integer, "requires": requires})
        if m == "ndpr" and (heavy := heavy_coproduct(r)):
            rows.append(heavy_circuit(d, src, r, name, heavy, first, integer))
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
            "capital split evenly; the feed requires its refinery (projects.requires)",
            note="synthetic graphite feed and primary gallium from alumina liquor count as the "
                 "country's supply")
    return table("projects", rows, version_2=True, sort_key=by("project")), {
        r["country"] for r in rows}


def heavy_coproduct(r: dict) -> float:
    """The t/yr of Dy and Tb oxide an NdPr separation project's basis says it also makes ("+ ~66 t Tb and ~240 t
    Dy"), 0 where it names none."""
    found = re.findall(r"~?([\d,.]+) t (Dy|Tb)\b", r["basis"])
    return sum(float(t.replace(",", "")) for t, _element in found)


def heavy_circuit(d: Data, src: Sources, r: dict, name: str, tonnes: float, first: int, integer: bool) -> dict:
    """The Dy+Tb an NdPr project's plant also separates, as a project of its own: built only as far as the NdPr
    circuit is (``requires``), its capital inside the circuit's (no fixed cost of its own)."""
    src.add("DERIVED", "projects", f"{name}_heavy: {r['project']}'s Dy and Tb as a project requiring {name}",
            "dytb", r["country"], rnd(tonnes), "t/yr Dy+Tb oxide", r["source_url"], r["confidence"],
            f"from its basis ({r['basis']}); no fixed cost: the capital is the NdPr circuit's")
    return {"project": f"{name}_heavy", "stage": "refining", "mineral": "dytb", "country": r["country"],
            "capacity": rnd(tonnes), "cost": rnd(unit_cost(d, "dytb", "refining", r["country"])), "fixed_cost": 0,
            "yield": d.yield_of("dytb"), "first_period": first, "integer": integer, "requires": name}


def export_factor(d: Data, m: str, c: str, stage: str, t: int, hit: float = 1.0) -> float:
    """Capacity factor that removes `hit` of c's exports at `stage` and keeps its home use."""
    return round(1 - hit * d.export_share(m, c, stage, t), 4)


def scenarios_sheet(d: Data, src: Sources, version_2: bool) -> list[list]:
    """What could come next, given the measures in force (which are in the base): their lifting, their
    replay, their escalation. Version 1: capacity factors only. Version 2: the bilateral measures as
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

    # A measure lifted or eased: the capacity it cut comes back (a factor above 1 on the cut capacity).
    for name, key, first in (("drc_cobalt_quota_lifted", "cobalt", a.drc_quota_lifted_from),
                             ("indonesia_quota_raised", "nickel", a.indonesia_quota_raised_from)):
        country = "COD" if key == "cobalt" else "IDN"
        for t in (t for t in PERIODS if t >= first and (key, country, t) in d.before_measures):
            f = round(d.before_measures[key, country, t] / d.supply_cap[key, country, t], 4)
            if f > 1:
                row(name, "supply_capacity", f, key, country, t)
    # China's export licensing escalated into a stop of exports to the coalition's markets for a year, as
    # April-May 2025 stopped magnet and heavy rare-earth exports (measures_2026.csv).
    for name, m in (("china_graphite_export_stop", "graphite"), *(("china_rare_earth_export_stop", m)
                                                                   for m in RARE_EARTHS)):
        t = a.china_export_stop_period
        if version_2:
            for mk in COALITION + ((US_DEFENCE,) if m in US_DEFENCE_MINERALS else ()):  # a stop to the US stops DoD's
                row(name, "export_ban", None, m, "CHN", t, to=mk, stage="delivery")
        else:
            row(name, "refining_capacity", export_factor(d, m, "CHN", "refining", t, a.export_licensing_hit),
                m, "CHN", t)
    for t in (t for t in PERIODS if t >= a.gallium_ban_from):
        if version_2:
            row("china_gallium_export_ban", "export_ban", None, "gallium", "CHN", t, to="USA")
        else:
            row("china_gallium_export_ban", "refining_capacity",
                export_factor(d, "gallium", "CHN", "refining", t), "gallium", "CHN", t)
    if version_2:
        ban = d.bilateral_measure("CHN", REO, "export_ban", target="JPN")
        for m in MINERALS:
            if reference_mineral(m) in ban["mineral"].split("; "):
                row("china_japan_dual_use_ban", "export_ban", None, m, "CHN", to="JPN")
    for t in [a.drc_ban_period]:
        if version_2:
            row("drc_cobalt_export_ban", "export_ban", None, "cobalt", "COD", t, stage="supply")
        else:
            row("drc_cobalt_export_ban", "supply_capacity",
                export_factor(d, "cobalt", "COD", "supply", t), "cobalt", "COD", t)
    if version_2:
        row("indonesia_nickel_export_ban", "export_ban", None, "nickel", "IDN", stage="supply")
        for t, rate in US_REFINED_COPPER_TARIFF.items():
            for c in sorted(d.refiners["copper"] - {"USA"}):
                row("us_refined_copper_tariff", "tariff", rate, "copper", c, t, to="USA",
                    stage="delivery")
    else:
        for t in PERIODS:
            row("indonesia_nickel_export_ban", "supply_capacity",
                export_factor(d, "nickel", "IDN", "supply", t), "nickel", "IDN", t)
    for t in PERIODS:
        row("demand_high_growth", "demand",
            round((1 + a.demand_surge_extra_growth) ** (t - BASE_YEAR), 4), period=t)
    if version_2:
        v2_scenario_sources(d, src)
    src.add("DERIVED", "scenarios", "an export measure on country c = capacity factor 1 - hit "
            "x export share, export share = 1 - home use / capacity (refining: c's own market "
            "demand; mining: c's own refining input)",
            note="version 1 only: with China's industry in the model a plain capacity cut would also cut "
                 "China's supply to itself; version 2 writes these as export_ban / tariff rows")
    src.add("ASSUMPTION", "scenarios", f"drc_cobalt_quota_lifted: from {a.drc_quota_lifted_from} the DRC "
            "sells what it mined before the quota (capacity / quota capacity)", "cobalt", "COD",
            source="measures_2026.csv (quota set for 2026-2027, adjusted quarterly)",
            note="the lifting of the measure in force; a factor above 1 on the base's capacity")
    src.add("ASSUMPTION", "scenarios", f"indonesia_quota_raised: from {a.indonesia_quota_raised_from} the "
            "ore quota no longer binds (capacity back to 2025 output x growth x headroom)", "nickel", "IDN",
            source="measures_2026.csv (a mid-year RKAB revision is possible)")
    src.add("ASSUMPTION", "scenarios", f"china_graphite_export_stop, china_rare_earth_export_stop: China's "
            f"exports of refined graphite or rare earths to the coalition's five markets stop for "
            f"{a.china_export_stop_period}", "graphite, " + ", ".join(RARE_EARTHS), "CHN",
            source="measures_2026.csv (magnet exports -74% y/y in May 2025 under the April licensing; "
                   "graphite flake exports -94% m/m in Dec 2023)",
            note="version 1 writes a capacity cut of China's exports instead")
    src.add("ASSUMPTION", "scenarios", "drc_cobalt_export_ban: the DRC's export ban of Feb-Oct 2025 "
            f"replayed for all of {a.drc_ban_period}", "cobalt", "COD",
            source="bilateral_measures.csv (ARECOMS decisions 2025)")
    src.add("ASSUMPTION", "scenarios", "indonesia_nickel_export_ban: no Indonesian nickel "
            "refined abroad (the ore ban widened to intermediates)", "nickel", "IDN",
            source="bilateral_measures.csv (MEMR Reg. 11/2019)",
            note="an escalation beyond the measures in force: Indonesia exports matte and MHP today")
    src.add("ASSUMPTION", "scenarios", f"demand_high_growth: +{percent(a.demand_surge_extra_growth)[:-1]} "
            "pp/yr over base growth", value=a.demand_surge_extra_growth, note="IEA APS magnet REE ~5%/yr vs STEPS 2.8%")
    return table("scenarios", rows, version_2=version_2)


def v2_scenario_sources(d: Data, src: Sources) -> None:
    """Sources rows of the version 2 forms of the scenarios."""
    a = d.assumptions
    ga = d.bilateral_measure("CHN", "gallium", "export_ban", target="USA")
    jp = d.bilateral_measure("CHN", REO, "export_ban", target="JPN")
    cu = d.bilateral_measure("USA", "copper", "tariff")
    ind = d.bilateral_measure("IND", REO, "export_ban", target="JPN")
    src.add("SOURCED", "scenarios", "china_gallium_export_ban (version 2): export_ban CHN -> USA, "
            f"gallium, both stages, {a.gallium_ban_from}-{PERIODS[-1]}: " + ga["status"], "gallium", "CHN",
            source=ga["source_url"], confidence=ga["confidence"],
            note="ASSUMPTION: resumes after the suspension; germanium is not in the dataset")
    src.add("ASSUMPTION", "scenarios", "china_japan_dual_use_ban (version 2): export_ban CHN -> "
            "JPN, " + jp["mineral"].replace("; ", ", ") + " (those in the dataset), both stages, "
            "every period", ", ".join((*RARE_EARTHS, "gallium", "graphite")), "CHN", source=jp["source_url"],
            confidence=jp["confidence"],
            note="the measure (in force from " + jp["effective_date"] + ") bars military users "
                 "and uses; the scenario reads it as applied to every buyer in Japan, since "
                 "'enhance military capability' is unclear for civilian buyers")
    src.add("SOURCED", "scenarios", "us_refined_copper_tariff (version 2): tariff on refined "
            "copper into the USA from every refiner, 15% in 2027, 30% from 2028", "copper", "USA",
            source=cu["source_url"], confidence="low",
            note="contemplated by Proclamation 10962 after a Commerce report due 2026-06-30; "
                 "not enacted")
    src.add("SOURCED", "scenarios", "India's reported suspension of IREL rare-earth supplies to "
            "Japan NOT written: India has no rare-earth refining in the data (IREL's output is "
            "inside ROW)", ", ".join(RARE_EARTHS), "IND", source=ind["source_url"],
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
        # heavy and light rare earths are licensed apart (April 2025's controls were on the heavy ones)
        *({"risk": name, "country": "CHN", "stage": "refining", "probability": p(m), "mineral": m,
           "factor": export_factor(d, m, "CHN", "refining", t0, hit), "duration": 1}
          for name, m in (("china_rare_earth_licensing", "ndpr"), ("china_heavy_rare_earth_licensing", "dytb"))),
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


# Cobalt is mined with a host: with copper in the DRC's copper-cobalt ores, with nickel in Indonesia's laterites
# (HPAL's mixed hydroxide). A country's cobalt is held to its 2025 ratio to its host (mine_production.csv), so
# that a cut of the host (Indonesia's ore quota) cuts the cobalt with it. Gallium from alumina is not written:
# alumina is not a mineral of the dataset.
BYPRODUCTS = (("cobalt", "copper", "COD"), ("cobalt", "nickel", "IDN"))


def byproducts_sheet(d: Data, src: Sources) -> list[list]:
    rows = []
    for m, host, c in BYPRODUCTS:
        ratio = d.prod[m][c] / d.prod[host][c]
        rows.append({"mineral": m, "host": host, "ratio": round(ratio, 5), "country": c})
        src.add("DERIVED", "byproducts", f"{m} mined in {c} at most {ratio:.4f} t per t of {host} mined there: "
                "their 2025 ratio", m, c, round(ratio, 5), f"t {m} / t {host}",
                "mine_production.csv (USGS MCS 2026)", "medium",
                f"{rnd(d.prod[m][c])} t / {rnd(d.prod[host][c])} t in 2025; a cut of the {host} cuts the {m}")
    return table("byproducts", rows, version_2=True, sort_key=by("mineral", "host", "country"))


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
    src.add("ASSUMPTION", "settings", f"elasticity {a.demand_elasticity}: the short-run own-price elasticity "
            "of demand of every mineral the literature gives no value for (all but cobalt; copper's long-run "
            "elasticity is -0.5, so a one-year value is smaller); demand chokes at the unmet penalty "
            f"({a.unmet_penalty_price_multiple:g} x refined price)", value=a.demand_elasticity,
            source="elasticities.csv", confidence="low")
    for m, e in a.mineral_demand_elasticity.items():
        study = next(r for r in d.elasticities if r["mineral"] == m and r["elasticity"] and num(r["elasticity"]) == e)
        src.add("SOURCED", "demand", f"elasticity {e} on every demand row of {m}: {study['horizon']}", m, value=e,
                source=study["source_url"], confidence=study["confidence"], note=study["notes"][:160])
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
        sheets["byproducts"] = byproducts_sheet(d, src)
        extra_countries = owners | hosts
    sheets["minerals"] = minerals_sheet(d, src)
    sheets["countries"] = countries_sheet(d, src, extra_countries)
    sheets["periods"] = periods_sheet(d, src)
    sheets["supply"] = supply_sheet(d, src)
    sheets["refining"] = refining_sheet(d, src)
    sheets["demand"] = demand_sheet(d, src)
    sheets["routes"] = routes_sheet(d, src, sheets.get("projects"))
    sheets["shares"] = shares_sheet(d, src, version_2)
    sheets["reserve"], sheets["reserve_targets"], budgets = reserve_sheets(d, src, version_2)
    if version_2:
        sheets["budgets"] = budgets
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
# The (mineral, stage) pairs a measure in force reshapes: the plan cannot reproduce 2025 there, and should not.
# Each names the country the measure cuts; the calibration reports its share instead of comparing the pair.
MEASURED_PAIRS = {("cobalt", "supply"): ("COD", "the DRC's export quota"),
                  # the quota starves refiners sized on 2025's ore: the cheapest (China's) keep running
                  ("cobalt", "refining"): ("CHN", "the DRC's export quota"),
                  ("lithium", "supply"): ("ZWE", "Zimbabwe's concentrate export ban"),
                  ("nickel", "supply"): ("IDN", "Indonesia's 2026 ore quota")}


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
    mined = ~flows["origin"].isin([origin for _, origin in SCRAP_ORIGINS.values()])
    planned = {
        "supply": flows[(flows["scenario"] == "base") & (flows["period"].astype(str) == period) & mined]
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
            measured, measure = MEASURED_PAIRS.get((m, stage), (None, None))
            rows.append({
                "mineral": m, "stage": stage, "measure": measure, "measured_country": measured,
                "measured_observed": float(obs.get(measured, 0.0)) if measured else None,
                "measured_plan": float(pl.get(measured, 0.0)) if measured else None,
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
        nxt = "; ".join(f"{c} {o * 100:.1f} / {p * 100:.1f}" for c, o, p in r["next"]
                        if c != r.get("measured_country"))
        if r.get("measure"):
            nxt = (f"reshaped by {r['measure']}: {r['measured_country']} {r['measured_observed'] * 100:.1f} / "
                   f"{r['measured_plan'] * 100:.1f}; " + nxt)
        lines.append(f"| {r['mineral']} | {r['stage']} | {r['observed_top']} | "
                     f"{r['observed_share'] * 100:.1f}% | {r['plan_top']} | "
                     f"{r['plan_share'] * 100:.1f}% | {r['difference'] * 100:+.1f} | {nxt} |")
    return "\n".join(lines) + "\n"


def us_imports(deliveries, ref: Path = DEFAULT_REFERENCE, period=None, workbook: Path = DEFAULT_OUTPUT) -> list[dict]:
    """Where the plan's US supply of each mineral is refined (its ``deliveries`` table), against where the US
    imported it from (USGS import sources, us_import_reliance.csv): one row per mineral with both, top sources
    first. Two measures: the plan's share from the USGS's top source, and from any source it names, a source that
    refines none of the mineral in ``workbook`` standing as ROW, which holds it. See data/README.md."""
    import pandas as pd

    period = str(period or PERIODS[0])
    base = deliveries[(deliveries["scenario"] == "base") & (deliveries["market"] == "USA")
                      & (deliveries["period"].astype(str) == period)]
    refining = pd.read_excel(workbook, sheet_name="refining")
    sources = read_csv(ref, "us_import_reliance.csv")
    rows = []
    for m in MINERALS:
        usgs = [(r["iso3"], num(r["share_of_us_imports_pct"]) / 100) for r in sources if r["mineral"] == m]
        if not usgs:
            continue
        refiners = set(refining.loc[refining["mineral"] == m, "country"])
        named = {c if c in refiners else "ROW" for c, _ in usgs} & refiners
        planned = base[base["mineral"] == m].groupby("refiner")["tonnes"].sum()
        planned = (planned / planned.sum()).sort_values(ascending=False)
        rows.append({"mineral": m, "usgs": usgs, "plan": [(c, float(v)) for c, v in planned.items()],
                     "usgs_top_in_plan": float(planned.get(usgs[0][0], 0.0)),
                     "usgs_named": sorted(named),
                     "usgs_named_in_plan": float(sum(planned.get(c, 0.0) for c in named))})
    return rows


def us_imports_markdown(rows) -> str:
    lines = ["| mineral | US imports (USGS) | plan's US supply, by refiner | plan's share from USGS's top source | "
             "from any source USGS names (refiners in the data) |",
             "|---|---|---|---:|---:|"]
    for r in rows:
        usgs = "; ".join(f"{c} {v:.0%}" for c, v in r["usgs"])
        plan = "; ".join(f"{c} {v:.0%}" for c, v in r["plan"][:4])
        lines.append(f"| {r['mineral']} | {usgs} | {plan} | {r['usgs_top_in_plan']:.0%} | "
                     f"{r['usgs_named_in_plan']:.0%} ({', '.join(r['usgs_named']) or 'none'}) |")
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
            with_rules = Path(tmp) / "plan.xlsx"
            from planner.cli import main as planner_main

            if planner_main(["solve", str(args.output), "-o", str(with_rules), "-q", "--no-explain"]) == 0:
                print("\nThe base plan's US supply against US import sources:\n")
                import pandas as pd

                deliveries = pd.read_excel(with_rules, sheet_name="Deliveries")
                print(us_imports_markdown(us_imports(deliveries, args.reference, workbook=args.output)), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())

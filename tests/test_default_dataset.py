"""The default dataset: inputs/critical-minerals-2026.xlsx.

(a) the committed workbook is what scripts/build_default_workbook.py builds from
    data/reference/*.csv (compared cell by cell, not byte by byte);
(b) it validates and solves;
(c) calibration: the base plan without share limits reproduces observed 2025 output (the
    workbook's `production` sheet) where no measure in force reshapes a (mineral, stage) pair, and
    follows the measure where one does (the DRC's quota, Zimbabwe's ban);
(d) the share rows are the laws as they read (the EU's benchmark, Korea's target, the US 45X
    credit's condition, DFARS's bar on covered-nation rare earths in US defence supply), each named
    and on the market it governs, never on China's own industry or the rest of the world; the plan
    obeys every one of them (the independent checker recomputes market, owner and soft shares);
(e) the version 2 sheets hold the reference data's ownership, projects and bilateral measures;
(f) the assumptions are data: a value changed in a copy of data/assumptions.csv changes the built
    workbook where that assumption lands and nowhere else, and a bad copy is refused with the
    row and column of each problem.
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from planner.cli import main
from tests.checks import check_plan

REPO = Path(__file__).resolve().parent.parent
WORKBOOK = REPO / "inputs" / "critical-minerals-2026.xlsx"
SCRIPT = REPO / "scripts" / "build_default_workbook.py"
REFERENCE = REPO / "data" / "reference"
ASSUMPTIONS = REPO / "data" / "assumptions.csv"


def _sheets(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb}
    finally:
        wb.close()


def _build_script():
    spec = importlib.util.spec_from_file_location("build_default_workbook", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_workbook_equals_script_output(tmp_path):
    out = tmp_path / "rebuilt.xlsx"
    assert _build_script().main(["--output", str(out)]) == 0
    committed, rebuilt = _sheets(WORKBOOK), _sheets(out)
    assert list(rebuilt) == list(committed), "sheet names or order differ"
    for name in committed:
        assert rebuilt[name] == committed[name], (
            f"sheet {name!r} differs: rerun scripts/build_default_workbook.py and commit")


def test_rebuild_is_byte_identical(tmp_path):
    script = _build_script()
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    script.main(["--output", str(a)])
    script.main(["--output", str(b)])
    assert a.read_bytes() == b.read_bytes()


def test_workbook_has_expected_content():
    sheets = _sheets(WORKBOOK)
    for name in ("minerals", "countries", "periods", "supply", "refining", "demand", "routes",
                 "shares", "reserve", "reserve_targets", "scenarios", "risks", "settings",
                 "sources"):
        assert name in sheets, name
    minerals = {r[0] for r in sheets["minerals"][1:]}
    # rare earths as two minerals in t of separated oxide: NdPr (light) and Dy+Tb (heavy)
    assert {"lithium", "cobalt", "nickel", "graphite", "ndpr", "dytb", "copper", "gallium"} == minerals
    assert [str(r[0]) for r in sheets["periods"][1:]] == ["2026", "2027", "2028", "2029", "2030"]
    groups = {r[0]: (r[2] or "") for r in sheets["countries"][1:]}
    assert "FEOC" in groups["CHN"] and "FEOC" in groups["RUS"]
    assert "MSP" in groups["USA"] and "CMM2026" in groups["AUS"] and "EU" in groups["DEU"]
    markets = {r[1] for r in sheets["demand"][1:]}
    # the coalition's five markets, China's own industry, the rest of the world, and US defence (DFARS's market)
    assert markets == {"USA", "EU", "JPN", "KOR", "IND", "CHN", "ROW", "USA_DEF"}
    demand = {(r[0], r[1], r[2]): r[3] for r in sheets["demand"][1:]}
    assert {m for m, mk, _ in demand if mk == "USA_DEF"} == {"ndpr", "dytb"}  # the magnets' minerals alone
    # the magnets' rare earths are used where magnets are made: China's 89% and 90%, the others the assumed shares
    # (US 8% of world demand where China takes 60%) scaled to the rest
    for m, china in (("ndpr", 0.89), ("dytb", 0.90)):
        for t in (2026, 2030):  # US defence carved out of the US market's: 0.1% of the world, the world unchanged
            world = sum(v for (m_, _, period), v in demand.items() if m_ == m and period == t)
            assert demand[m, "CHN", t] == pytest.approx(china * world, abs=1)
            assert demand[m, "USA_DEF", t] == pytest.approx(0.001 * world, abs=1)
            us = 0.08 * (1 - china) / (1 - 0.60)
            assert demand[m, "USA", t] + demand[m, "USA_DEF", t] == pytest.approx(us * world, abs=1)
    kinds = {r[0] for r in sheets["sources"][1:]}
    assert {"SOURCED", "ASSUMPTION"} <= kinds


def test_elasticities_are_the_literatures_where_it_has_one():
    """Cobalt's demand rows carry its one estimate (-0.28); every other mineral's take the setting (-0.2)."""
    sheets = _sheets(WORKBOOK)
    header = list(sheets["demand"][0])
    mineral, elasticity = header.index("mineral"), header.index("elasticity")
    on_rows = {(r[mineral], r[elasticity]) for r in sheets["demand"][1:]}
    assert {e for m, e in on_rows if m == "cobalt"} == {-0.28}
    assert {e for m, e in on_rows if m != "cobalt"} == {None}
    assert dict(sheets["settings"][1:])["elasticity"] == -0.2


@pytest.fixture(scope="module")
def plan_without_limits(tmp_path_factory) -> Path:
    """The base plan of a copy of the default workbook without its `shares` (and `scenarios`, which the
    base plan does not see): the calibration's plan."""
    return _build_script().solve_without_limits(WORKBOOK, tmp_path_factory.mktemp("default-dataset"))


def test_rare_earths_are_split_from_the_reference_rows_as_the_data_readme_says():
    """NdPr and Dy+Tb recomputed from rare_earth_split.csv and mine_production.csv by hand: the ore's Dy+Tb by
    who mines it, the separation shares from output less recycled oxide, and the 2026 capacities that follow."""
    split = list(csv.DictReader(open(REFERENCE / "rare_earth_split.csv", encoding="utf-8")))

    def value(kind, country, item=""):
        return next(float(r["value"]) for r in split
                    if r["kind"] == kind and r["country"] == country and r["item"].startswith(item) and r["value"])

    china = (value("world_dy_production", "CHN", "China Dy oxide output, annualised")
             + value("world_tb_production", "CHN", "China Tb oxide output, annualised")
             - value("recycled_dytb", "CHN", "Dy") - value("recycled_dytb", "CHN", "Tb"))
    assert china == 2570 + 490 - 710 - 160
    world = china + 9 + 26  # Lynas's first two quarters
    mined = world / 0.95
    usa_reo = next(float(r["tonnes"]) for r in csv.DictReader(open(REFERENCE / "mine_production.csv"))
                   if r["mineral"] == "rare_earths" and r["iso3"] == "USA" and r["year"] == "2025")
    ore = {"MMR": 0.5 * mined, "AUS": 1500 * 0.06, "USA": usa_reo * 0.018 * 0.04}
    ore["CHN"] = mined - sum(ore.values())
    sheets = _sheets(WORKBOOK)
    supply = {(r[0], r[1], r[2]): r[3] for r in sheets["supply"][1:]}
    growth = 1.55 ** (1 / 16)  # a year at the IEA's STEPS rate: 1.5-1.6x (its midpoint) over 2024-2040
    for c, tonnes in ore.items():  # 2026 capacity: 2025's x a year's growth x 5% headroom
        assert supply["dytb", c, 2026] == pytest.approx(tonnes * growth * 1.05, rel=1e-3), c
    refining = {(r[0], r[1], r[2]): r[3] for r in sheets["refining"][1:]}
    dytb_2026 = {c: refining["dytb", c, 2026] for c in ("CHN", "MYS")}
    assert dytb_2026["MYS"] / sum(dytb_2026.values()) == pytest.approx(35 / world, rel=1e-3)  # 1.6%
    ndpr = {"CHN": 87_900 - 26_504, "MYS": 6_996, "USA": 1_300}  # PrNd oxide less recycled; Lynas 2025; USGS
    ndpr_2026 = {c: refining["ndpr", c, 2026] for c in ndpr}
    share = {c: v / sum(ndpr.values()) for c, v in ndpr.items()}
    assert share["CHN"] == pytest.approx(0.881, abs=5e-4) and share["MYS"] == pytest.approx(0.100, abs=5e-4)
    # 2026 lies a fifth of the way from 2025's shares to the IEA's 2030 projection (CHN 77%, MYS 12%, AUS 3%)
    for c, target in (("CHN", 0.77), ("MYS", 0.12)):
        moved = share[c] + (target - share[c]) / 5
        assert ndpr_2026[c] / sum(refining["ndpr", k, 2026] for k in ("CHN", "MYS", "USA", "AUS", "ROW")
                                  if ("ndpr", k, 2026) in refining) == pytest.approx(moved, rel=1e-3), c


def test_validates():
    assert main(["validate", str(WORKBOOK)]) == 0


def test_solves_to_optimality(dataset_plan):
    assert dataset_plan.run.ok  # what `planner solve` exits 0 on
    book = pd.read_excel(dataset_plan.path, sheet_name=None)
    assert set(book["Scenarios"]["status"]) == {"Optimal"}
    unmet = book["Unmet"]
    # Demand answers to price. Under the DRC's quota (in force, so in the base) cobalt supply is about 30%
    # short of demand: the price climbs cobalt's demand curve (elasticity -0.28) and the whole short is buyers
    # priced out, inside the curve's choke quantity. No mineral leaves demand unmet at the penalty.
    base_unmet = unmet[unmet["scenario"] == "base"].groupby("mineral")["tonnes"].sum()
    priced = book["Priced out"]
    base_priced = priced[priced["scenario"] == "base"].groupby("mineral")["tonnes"].sum()
    at_penalty = base_unmet.sub(base_priced, fill_value=0.0)
    assert at_penalty.abs().max() < 1e-6, at_penalty
    workbook = pd.read_excel(WORKBOOK, sheet_name="demand")
    cobalt_demand = workbook[workbook["mineral"] == "cobalt"]["demand"].sum()
    assert base_priced["cobalt"] > 0.2 * cobalt_demand  # the quota's short, priced out
    # the disruptions recorded in the data hurt: some scenario leaves more demand unmet than the base
    assert unmet[unmet["scenario"] != "base"].groupby("scenario")["tonnes"].sum().max() > base_unmet.sum()


def test_project_vault_buys_as_the_data_readme_says(dataset_plan):
    # data/README.md, "Notes on the stockpiles": the budget cannot bind (its 60-day caps cost USD 0.74 bn of
    # 11.67 bn), so it ties no minerals (five blocks, as by-products and requirements make them); the base plan
    # buys lithium, cobalt and Dy+Tb up front, USD 0.20 bn.
    from planner.input.blocks import can_bind, independent_blocks, most_spent

    data = dataset_plan.run.data
    vault = next(b for b in data.budgets if b.name == "project_vault")
    assert vault.amount == 11.67e9 and vault.market == "USA"
    assert most_spent(data, vault) == pytest.approx(0.74e9, rel=0.01) and not can_bind(data, vault)
    assert len(independent_blocks(data)) == dataset_plan.run.report.blocks[0] == 5
    book = pd.read_excel(dataset_plan.path, sheet_name=None)
    budget = book["Budgets"].set_index("scenario").loc["base"]
    assert budget["spent"] == pytest.approx(0.196e9, rel=0.01) and budget["value_of_money"] == 0
    stock = book["Stockpiles"]
    bought = stock[stock["scenario"] == "base"].set_index("mineral")["bought"]
    assert bought.round(1).to_dict() == {"lithium": 1032.1, "cobalt": 1550.0, "ndpr": 0.0, "dytb": 8.0,
                                         "gallium": 0.0}
    for m, r in data.reserves.items():  # bought up to the cap at most, at the 2026 refined price
        if m[1] == "USA":
            assert r.purchase_price == pytest.approx(data.minerals[m[0]].refined_price, abs=1)
            assert bought[m[0]] <= r.max_stock + 1e-6


def test_japans_gallium_scrap_feeds_japans_refiners_and_only_them(dataset_plan):
    """data/README.md, "gallium scrap": Japan's ~67 t of refined scrap is the supply of origin JPN_SCRAP, 67 / 0.95
    t of feed grown at 3% a year, closed to every refiner abroad. Japan's refiners run on it in the base plan and
    keep running on it when China stops exporting gallium to Japan (both stages), so that ban leaves Japan's
    refining at least the scrap's output."""
    book = pd.read_excel(dataset_plan.path, sheet_name=None)
    inputs = pd.read_excel(WORKBOOK, sheet_name=None)
    supply = inputs["supply"]
    scrap = supply[supply["country"] == "JPN_SCRAP"].set_index("period")["capacity"]
    assert list(supply[supply["country"] == "JPN_SCRAP"]["mineral"].unique()) == ["gallium"]
    assert scrap.loc[2026] == pytest.approx(67 * 1.03 ** (2026 - 2025) / 0.95, abs=0.1)
    routes = inputs["routes"]
    out = routes[routes["from"] == "JPN_SCRAP"]
    refiners = set(inputs["refining"].query("mineral == 'gallium'")["country"]) | set(
        inputs["projects"].query("mineral == 'gallium' and stage == 'refining'")["country"])
    assert set(out["to"]) == refiners - {"JPN"} and not out["allowed"].any()
    flows = book["Flows"]
    fed = flows[(flows["origin"] == "JPN_SCRAP") & (flows["tonnes"] > 1e-9)]
    assert set(fed["refiner"]) == {"JPN"}
    base = fed[fed["scenario"] == "base"].set_index("period")["tonnes"]
    bought = flows[(flows["scenario"] == "base") & (flows["mineral"] == "gallium") & (flows["refiner"] == "JPN")
                   & (flows["origin"] != "JPN_SCRAP")].groupby("period")["tonnes"].sum()
    assert round(bought.get(2026, 0.0)) == 2 and bought.sum() == pytest.approx(bought.get(2026, 0.0))  # as quoted
    for t, cap in scrap.items():  # their cheapest feed (no freight): used in full before any other
        assert base.loc[t] == pytest.approx(cap, rel=1e-6) or bought.get(t, 0.0) < 1e-6, t
        assert base.loc[t] > 0.9 * cap, t
    deliveries = book["Deliveries"]
    ban = deliveries[(deliveries["scenario"] == "china_japan_dual_use_ban") & (deliveries["mineral"] == "gallium")]
    japan = ban[ban["refiner"] == "JPN"].groupby("period")["tonnes"].sum()
    from_china = flows[(flows["scenario"] == "china_japan_dual_use_ban") & (flows["origin"] == "CHN")
                       & (flows["refiner"] == "JPN") & (flows["mineral"] == "gallium")]["tonnes"].sum()
    assert from_china == pytest.approx(0.0, abs=1e-6)
    assert (japan >= 60).all(), japan  # 67 t of scrap a year, less what the ban's prices leave unbought
    # data/README.md: the plan shows China at 80% of gallium supply against 99% of mine output
    concentration = book["Concentration"].set_index(["mineral", "stage", "period"]).loc[("gallium", "supply", 2026)]
    assert round(concentration["plan_top_share"], 2) == 0.80 and concentration["plan_top_country"] == "CHN"
    assert round(concentration["world_top_share"], 2) == 0.99


def test_delivery_freight_is_the_distance_between_centroids_as_the_data_readme_says():
    """data/README.md, "freight_usd_per_t": a delivery abroad costs 100 USD/t per 10,000 km of great-circle distance
    between the countries' centroids (the EU at Germany's, US defence at the USA's), 100 USD/t from or to ROW, and is
    not listed (free) at home. Recomputed here from country_centroids.csv with the spherical law of cosines, not
    the builder's haversine."""
    import math

    with open(REFERENCE / "country_centroids.csv", newline="", encoding="utf-8") as fh:
        where = {r["iso3"]: (math.radians(float(r["latitude"])), math.radians(float(r["longitude"])))
                 for r in csv.DictReader(fh)}
    where["EU"], where["USA_DEF"] = where["DEU"], where["USA"]

    def km(a, b):
        (la1, lo1), (la2, lo2) = where[a], where[b]
        c = math.sin(la1) * math.sin(la2) + math.cos(la1) * math.cos(la2) * math.cos(lo1 - lo2)
        return 6371.0 * math.acos(max(-1.0, min(1.0, c)))

    routes = pd.read_excel(WORKBOOK, sheet_name="routes")
    deliveries = routes[routes["stage"] == "delivery"]
    assert len(deliveries) > 150
    for r in deliveries.itertuples():
        expected = 100.0 if "ROW" in (r[2], r.to) else 100.0 * km(r[2], r.to) / 10_000
        assert r.cost == pytest.approx(expected, rel=5e-3, abs=0.06), (r[2], r.to, r.mineral)
    to_usa = deliveries[(deliveries["to"] == "USA") & deliveries["mineral"].isna()].set_index("from")["cost"]
    assert (to_usa["CHL"], to_usa["CHN"], to_usa["IDN"]) == (84.7, 116, 150)  # the figures data/README.md quotes
    assert deliveries["cost"].max() == 196 and deliveries.loc[deliveries["cost"].idxmax(), ["from", "to"]].tolist() \
        == ["CHL", "CHN"]


def test_us_imports_check_passes_and_fails_where_the_data_readme_says(dataset_plan):
    """data/README.md, "A check that fails": lithium passes both measures (the plan's US lithium from Chile, the
    USGS's top source), cobalt and graphite the second (from sources the USGS names), nickel neither."""
    script = _build_script()
    rows = {r["mineral"]: r for r in script.us_imports(pd.read_excel(dataset_plan.path, sheet_name="Deliveries"))}
    assert set(rows) == {"lithium", "cobalt", "nickel", "graphite"}
    assert rows["lithium"]["usgs_top_in_plan"] > 0.99
    for m in ("cobalt", "graphite"):
        assert rows[m]["usgs_top_in_plan"] < 0.5 < rows[m]["usgs_named_in_plan"], rows[m]
    assert rows["nickel"]["usgs_named_in_plan"] < 0.01 and rows["nickel"]["plan"][0][0] == "IDN"


def test_plan_without_limits_reproduces_observed_output(plan_without_limits):
    """Calibration: the plan without share rules against 2025's observed output, pair by pair. Where no measure in
    force reshapes a (mineral, stage), the top producer is the observed one and the largest producers' shares are
    within 10 points. Where one does, the plan follows the measure, not 2025: the DRC's share of cobalt mining
    falls to what its quota allows, Zimbabwe mines no lithium it cannot export, and China's refiners, the
    cheapest, take most of the cobalt the quota leaves."""
    script = _build_script()
    rows = script.calibration(WORKBOOK, plan_without_limits)
    assert len(rows) == 2 * len(script.MINERALS)
    free = [r for r in rows if not r["measure"]]
    assert len(free) == len(rows) - len(script.MEASURED_PAIRS)
    off = [r for r in free if abs(r["difference"]) > script.CALIBRATION_TOLERANCE]
    assert not off, script.calibration_markdown(off)
    for r in free:
        assert r["plan_top"] == r["observed_top"], r
        for country, observed, planned in r["next"]:
            assert abs(planned - observed) <= script.CALIBRATION_TOLERANCE, (r["mineral"],
                                                                              r["stage"], country)
    measured = {(r["mineral"], r["stage"]): r for r in rows if r["measure"]}
    drc = measured["cobalt", "supply"]
    assert drc["measured_observed"] > 0.7 and 0.35 < drc["measured_plan"] < 0.6, drc  # 87 kt of ~180 kt
    # Zimbabwe mines only what its sulphate plant takes: 50,000 t of Li2SO4 a year, 12.6% Li, at 0.95 t per t
    flows = pd.read_excel(plan_without_limits, sheet_name="Flows")
    zimbabwe = flows[(flows["scenario"] == "base") & (flows["origin"] == "ZWE") & (flows["mineral"] == "lithium")
                     & (flows["tonnes"] > 1e-9)]
    assert set(zimbabwe["refiner"]) == {"ZWE"}
    li = 50_000 * 2 * 6.941 / (2 * 6.941 + 32.06 + 4 * 15.999)
    assert zimbabwe.groupby("period")["tonnes"].sum().max() <= round(li) / 0.95 + 1e-6
    assert 0.0 < measured["lithium", "supply"]["measured_plan"] < 0.25 * measured["lithium", "supply"]["measured_observed"]
    assert measured["cobalt", "refining"]["measured_plan"] > measured["cobalt", "refining"]["measured_observed"]
    indonesia = measured["nickel", "supply"]
    assert abs(indonesia["measured_plan"] - indonesia["measured_observed"]) <= script.CALIBRATION_TOLERANCE


def _stage_by_country(book: dict[str, pd.DataFrame], row) -> pd.Series:
    """A stage's tonnes by country in the base plan: mine output (Flows by origin) or refined
    output (Deliveries by refiner)."""
    df, who = (book["Flows"], "origin") if row.stage == "supply" else (book["Deliveries"], "refiner")
    df = df[(df["scenario"] == "base") & (df["mineral"] == row.mineral)
            & (df["period"].astype(str) == str(row.period))]
    return df.groupby(who)["tonnes"].sum()


def test_rules_sit_on_the_markets_they_govern_and_hold(dataset_plan, plan_without_limits):
    assert dataset_plan.run.ok
    script = _build_script()
    shares = _rows(_sheets(WORKBOOK), "shares")
    # never CHN's or ROW's demand
    assert shares and {r["market"] for r in shares} <= set(script.COALITION) | {script.US_DEFENCE}
    # every row belongs to a named law, written as the law reads
    assert {r["rule"] for r in shares} == {script.EU_CRMA_RULE, script.KOREA_RULE, script.US_45X_RULE,
                                           script.DFARS_RULE}
    eu_law = [r for r in shares if r["rule"] == script.EU_CRMA_RULE]
    assert {r["stage"] for r in eu_law} == {"supply", "refining"} and len(eu_law) == 2 * len(script.MINERALS)
    assert all(r["scope"] == "* except EU" and r["max_share"] == 0.65 and r["period"] == 2030 and r["market"] == "EU"
               for r in eu_law)  # a benchmark for 2030, at each stage of processing
    korea = [r for r in shares if r["rule"] == script.KOREA_RULE]
    assert all(r["market"] == "KOR" and r["max_share"] == 0.5 and r["period"] == 2030 for r in korea)
    us = [r for r in shares if r["rule"] == script.US_45X_RULE]
    assert us and all(r["scope"] == "FEOC" and r["basis"] == "owner" for r in us)
    assert "copper" not in {r["mineral"] for r in us}  # not an applicable critical mineral of 45X
    assert {r["period"]: r["max_share"] for r in us} == {2027: 0.9, 2028: 0.8, 2029: 0.7, 2030: 0.6}
    # the whole US market: US defence's rare earths earn the credit on the same condition as the rest
    assert {(r["market"], r["mineral"], r["stage"], r["period"]) for r in us if r["market"] != "USA"} == {
        ("USA_DEF", m, stage, t) for m in ("ndpr", "dytb") for stage in ("supply", "refining")
        for t in (2027, 2028, 2029, 2030)}
    # DFARS bars DoD from covered-nation tonnes from 2027, from the mine on: hard, zero, by location
    dfars = [r for r in shares if r["rule"] == script.DFARS_RULE]
    assert {(r["mineral"], r["stage"], r["period"]) for r in dfars} == {
        (m, stage, t) for m in ("ndpr", "dytb") for stage in ("supply", "refining") for t in (2027, 2028, 2029, 2030)}
    assert all(r["market"] == "USA_DEF" and r["scope"] == "FEOC"
               and r["max_share"] == 0 and r["penalty"] is None and r["basis"] in (None, "location") for r in dfars)
    # the benchmark, the policy target and the credit condition bind no buyer outright: soft
    assert all(r["penalty"] > 0 for r in shares if r["rule"] != script.DFARS_RULE)
    check_plan(WORKBOOK, dataset_plan.path)  # market, owner and soft shares recomputed from the plan's paths
    # and in so many words: no oxide separated, and no ore mined, in China or Russia reaches DoD from 2027
    paths = pd.read_excel(dataset_plan.path, sheet_name="Paths")
    defence = paths[(paths["scenario"] == "base") & (paths["market"] == "USA_DEF") & (paths["period"] >= 2027)]
    assert defence["tonnes"].sum() > 0
    covered = defence["origin"].isin(["CHN", "RUS"]) | defence["refiner"].isin(["CHN", "RUS"])
    assert defence.loc[covered, "tonnes"].sum() < 1e-6
    cost = {k: pd.read_excel(p, sheet_name="Scenarios").set_index("scenario").loc["base", "total_cost"]
            for k, p in (("limits", dataset_plan.path), ("free", plan_without_limits))}
    assert cost["limits"] >= cost["free"] - 1e-6 * abs(cost["free"])


def _rows(sheets: dict, name: str) -> list[dict]:
    header, *body = sheets[name]
    return [dict(zip(header, r)) for r in body]


def test_ownership_projects_and_bilateral_measures_come_from_the_reference_data():
    v2 = _sheets(WORKBOOK)
    countries = {r["country"] for r in _rows(v2, "countries")}

    own = _rows(v2, "ownership")
    by_key = {(r["stage"], r["country"], r["mineral"], r["owner"]): r["share"] for r in own}
    assert by_key["refining", "IDN", "nickel", "CHN"] == 0.80
    assert 0.5 <= by_key["supply", "COD", "cobalt", "CHN"] <= 0.7
    totals: dict = {}
    for r in own:
        key = (r["stage"], r["country"], r["mineral"])
        totals[key] = totals.get(key, 0) + r["share"]
        assert r["country"] in countries and r["owner"] in countries
    assert max(totals.values()) <= 1

    scen = _rows(v2, "scenarios")
    assert {"export_ban", "tariff"} <= {r["kind"] for r in scen}
    probs: dict = {}
    for r in scen:
        probs.setdefault(r["scenario"], set()).add(r["probability"])
    assert all(len(p) == 1 and 0 < next(iter(p)) < 1 for p in probs.values())
    assert sum(next(iter(p)) for p in probs.values()) < 1
    assert any(r["kind"] == "export_ban" and r["country"] == "CHN" and r["to"] == "USA"
               and r["mineral"] == "gallium" for r in scen)
    assert any(r["kind"] == "export_ban" and r["country"] == "CHN" and r["to"] == "JPN"
               for r in scen)
    # measures in force are in the base; scenarios lift or widen them
    lifted = [r for r in scen if r["scenario"] == "drc_cobalt_quota_lifted"]
    assert lifted and all(r["kind"] == "supply_capacity" and r["factor"] > 2 for r in lifted)
    stop = [r for r in scen if r["scenario"] == "china_rare_earth_export_stop"]
    assert {r["to"] for r in stop} == {"USA", "EU", "JPN", "KOR", "IND", "USA_DEF"}  # a stop to the US stops DoD's
    supply = {(r["mineral"], r["country"], r["period"]): r["capacity"] for r in _rows(v2, "supply")}
    assert supply["cobalt", "COD", 2026] < 96_600 + 20_000  # the quota's export part plus the DRC's own refining
    routes = _rows(v2, "routes")
    assert any(r["from"] == "ZWE" and r["mineral"] == "lithium" and r["allowed"] is False for r in routes)

    projects = _rows(v2, "projects")
    periods = {r["period"] for r in _rows(v2, "periods")}
    heavy = [p for p in projects if p["project"].endswith("_heavy")]
    for p in projects:
        assert p["stage"] in ("supply", "refining") and p["country"] in countries
        assert p["capacity"] > 0 and p["cost"] > 0 and p["first_period"] in periods
        assert p["fixed_cost"] > 0 or p in heavy  # a co-product circuit's capital is its host circuit's
    # an integrated project's feed is built only as far as its refinery: the hedge cannot back one alone
    names = {p["project"] for p in projects}
    feeds = [p for p in projects if p["project"].endswith("_feed")]
    assert feeds and all(p["requires"] == p["project"].removesuffix("_feed") in names for p in feeds)
    # White Mesa's Dy and Tb (BFS: ~240 t Dy + ~66 t Tb) come only with its NdPr circuit
    assert [(p["project"], p["mineral"], p["capacity"], p["fixed_cost"], p["requires"]) for p in heavy] == [
        ("white_mesa_mill_phase_2_ree_circuit_heavy", "dytb", 306, 0, "white_mesa_mill_phase_2_ree_circuit")]
    assert all(p["requires"] is None for p in projects if not p["project"].endswith(("_feed", "_heavy")))
    assert "reko_diq_phase_1" in names  # a copper mining candidate: demand above the baseline has somewhere to go

    # Chinese control counted as the US law counts it (a 25% stake counts the whole mine)
    assert by_key["supply", "MLI", "lithium", "CHN"] == 1.0  # Goulamina 65%, Bougouni 33%
    assert 0.5 < by_key["supply", "ZWE", "lithium", "CHN"] < 1.0  # two of four mines with a stated stake
    assert by_key["refining", "ZWE", "lithium", "CHN"] == 1.0  # Arcadia's sulphate plant, Huayou's
    assert ("supply", "CHL", "lithium", "CHN") not in by_key  # Tianqi's 22% of SQM is below 25%

    # cobalt comes with its host, at the 2025 ratio of mine_production.csv
    mined = {(r["mineral"], r["iso3"]): float(r["tonnes"]) for r in csv.DictReader(open(REFERENCE / "mine_production.csv"))
             if r["year"] == "2025" and r["tonnes"]}
    by = {(r["mineral"], r["host"], r["country"]): r["ratio"] for r in _rows(v2, "byproducts")}
    assert by == {("cobalt", "copper", "COD"): pytest.approx(mined["cobalt", "COD"] / mined["copper", "COD"], abs=1e-5),
                  ("cobalt", "nickel", "IDN"): pytest.approx(mined["cobalt", "IDN"] / mined["nickel", "IDN"], abs=1e-5)}

    # graphite is refined at the spheronising yield, the other minerals at the process recovery
    yields = {r["mineral"]: r["yield"] for r in _rows(v2, "refining")}
    assert yields["graphite"] == 0.55 and yields["cobalt"] == 0.95
    assert {True, False} == {p["integer"] for p in projects}
    thacker = next(p for p in projects if p["project"] == "thacker_pass_phase_1")
    assert thacker["capacity"] == pytest.approx(40000 / 5.323, rel=1e-3)  # t Li, not t LCE


def test_the_version_1_form_still_builds_and_validates(tmp_path):
    out = tmp_path / "v1.xlsx"
    assert _build_script().main(["--output", str(out), "--version-1"]) == 0
    sheets = _sheets(out)
    assert "ownership" not in sheets and "projects" not in sheets
    assert {r["scope"] for r in _rows(sheets, "shares")} == {"*"}
    assert main(["validate", str(out)]) == 0


def _assumptions_copy(tmp_path: Path, values: dict[tuple[str, str], str | None]) -> tuple[Path, dict]:
    """A copy of data/assumptions.csv with the value of each (name, applies_to) in `values`
    replaced (None: the row left out), and the copy's row number of each row (header: row 1)."""
    with open(ASSUMPTIONS, newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    name, key, value = (header.index(c) for c in ("name", "applies_to", "value"))
    kept = []
    for r in rows:
        new = values.get((r[name], r[key]), r[value])
        if new is not None:
            kept.append(r[:value] + [new] + r[value + 1:])
    path = tmp_path / "assumptions.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header] + kept)
    return path, {(r[name], r[key]): n for n, r in enumerate(kept, start=2)}


def _table(sheet: list[list]) -> list[dict]:
    header, *body = sheet
    return [dict(zip(header, r)) for r in body]


def test_an_assumption_changed_in_a_copy_of_the_csv_changes_the_workbook(tmp_path):
    """Freight 100 -> 250 USD/t per 10,000 km and the DRC quota's lifting's probability 0.15 -> 0.20: every
    delivery's cost and that scenario's rows change, the sources sheet says so, nothing else moves."""
    script = _build_script()
    changed, _ = _assumptions_copy(tmp_path, {("freight_usd_per_t", ""): "250",
                                              ("scenario_probability", "drc_cobalt_quota_lifted"): "0.20"})
    before, after = script.build(REFERENCE), script.build(REFERENCE, assumptions=changed)
    assert list(after) == list(before)
    for name in before:
        if name not in ("routes", "scenarios", "sources"):
            assert after[name] == before[name], name

    routes_before, routes_after = _table(before["routes"]), _table(after["routes"])
    assert len(routes_after) == len(routes_before)
    assert sum(r["stage"] == "delivery" for r in routes_before) > 150  # every lane abroad
    for b, a in zip(routes_before, routes_after):  # every delivery's freight scales; the ore's is its own
        if b["stage"] == "delivery":
            assert {**a, "cost": None} == {**b, "cost": None}
            assert a["cost"] == pytest.approx(2.5 * b["cost"], rel=6e-3, abs=0.2)  # both rounded (`rnd`)
        else:
            assert a == b
    assert sum(r["cost"] == 100 and r["stage"] == "supply" for r in routes_after) > 600

    scen_before, scen_after = _table(before["scenarios"]), _table(after["scenarios"])
    quota = [a for a in scen_after if a["scenario"] == "drc_cobalt_quota_lifted"]
    assert len(quota) == 3 and all(r["probability"] == 0.20 for r in quota)  # 2028, 2029 and 2030
    for b, a in zip(scen_before, scen_after):
        if b["scenario"] != "drc_cobalt_quota_lifted":
            assert a == b

    sources = _table(after["sources"])
    row = next(r for r in sources if r["item"] == "freight_usd_per_t")
    assert (row["kind"], row["sheet"], row["value"], row["unit"]) == ("ASSUMPTION", "routes", 250, "USD/t")
    assert row["source"].startswith("data/assumptions.csv")
    assert any(r["item"].startswith("cross-border delivery cost 250 USD/t per 10,000 km") for r in sources)
    total = next(r for r in sources if r["item"].startswith("probability of each scenario"))
    assert total["value"] == 0.77  # the shipped ten sum to 0.72; this one gains 0.05
    assert "base takes 0.23" in total["note"]


def test_every_assumption_is_on_the_sources_sheet():
    with open(ASSUMPTIONS, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    sources = _rows(_sheets(WORKBOOK), "sources")
    listed = {(r["item"], r["value"]) for r in sources
              if r["kind"] == "ASSUMPTION" and (r["source"] or "").startswith("data/assumptions.csv")}
    assert len(listed) == len(rows) > 50
    for r in rows:
        item = r["name"] + (f" ({r['applies_to']})" if r["applies_to"] else "")
        assert (item, float(r["value"])) in listed, item


def test_a_bad_assumptions_csv_is_refused_naming_row_and_column(tmp_path, capsys):
    script = _build_script()
    bad, row = _assumptions_copy(tmp_path, {("capacity_headroom", ""): "1.o5",
                                            ("scenario_probability", "demand_high_growth"): "70%",
                                            ("drc_ban_period", ""): None})
    out = tmp_path / "never.xlsx"
    assert script.main(["--assumptions", str(bad), "--output", str(out)]) == 1
    assert capsys.readouterr().err == (
        f"error: {bad}: 3 problems:\n"
        f"  row {row['capacity_headroom', '']} (capacity_headroom), column value: '1.o5' is not a number\n"
        f"  row {row['scenario_probability', 'demand_high_growth']} (scenario_probability demand_high_growth), column value: '70%' is not a number\n"
        "  no row for drc_ban_period\n")
    assert not out.exists()

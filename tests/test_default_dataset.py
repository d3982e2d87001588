"""The default dataset: inputs/critical-minerals-2026.xlsx.

(a) the committed workbook is what scripts/build_default_workbook.py builds from
    data/reference/*.csv (compared cell by cell, not byte by byte);
(b) it validates and solves;
(c) calibration: the base plan without share limits reproduces observed 2025 output (the
    workbook's `production` sheet): the top producer's share of each of the 14 (mineral,
    stage) pairs within 10 percentage points in the first period;
(d) the share rows are the coalition's rules as governments write them (version 2): each on the
    market it governs, never on China's own industry or the rest of the world; the plan obeys
    every one of them (the independent checker recomputes market, owner and soft shares);
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
    assert {"lithium", "cobalt", "nickel", "graphite", "rare_earths", "copper",
            "gallium"} <= minerals
    assert [str(r[0]) for r in sheets["periods"][1:]] == ["2026", "2027", "2028", "2029", "2030"]
    groups = {r[0]: (r[2] or "") for r in sheets["countries"][1:]}
    assert "FEOC" in groups["CHN"] and "FEOC" in groups["RUS"]
    assert "MSP" in groups["USA"] and "CMM2026" in groups["AUS"] and "EU" in groups["DEU"]
    markets = {r[1] for r in sheets["demand"][1:]}
    # the coalition's five markets, China's own industry and the rest of the world
    assert markets == {"USA", "EU", "JPN", "KOR", "IND", "CHN", "ROW"}
    kinds = {r[0] for r in sheets["sources"][1:]}
    assert {"SOURCED", "ASSUMPTION"} <= kinds


@pytest.fixture(scope="module")
def plan_without_limits(tmp_path_factory) -> Path:
    """The base plan of a copy of the default workbook without its `shares` (and `scenarios`, which the
    base plan does not see): the calibration's plan."""
    return _build_script().solve_without_limits(WORKBOOK, tmp_path_factory.mktemp("default-dataset"))


def test_validates():
    assert main(["validate", str(WORKBOOK)]) == 0


def test_solves_to_optimality(dataset_plan):
    assert dataset_plan.run.ok  # what `planner solve` exits 0 on
    book = pd.read_excel(dataset_plan.path, sheet_name=None)
    assert set(book["Scenarios"]["status"]) == {"Optimal"}
    unmet = book["Unmet"]
    # Demand answers to price: buyers facing today's tariffs may forgo tonnes (priced out), but no
    # demand goes unmet at the penalty, and what is priced out is a sliver of the whole.
    base = book["Scenarios"].set_index("scenario").loc["base"]
    assert base["unmet_tonnes"] - base["priced_out_tonnes"] == pytest.approx(0.0, abs=1e-6), \
        "base plan leaves demand unmet at the penalty"
    assert base["unmet_share"] < 1e-3
    # the disruptions recorded in the data hurt: some scenario leaves demand unmet
    assert unmet[unmet["scenario"] != "base"]["tonnes"].sum() > 0


def test_plan_without_limits_reproduces_observed_output(plan_without_limits):
    """Calibration: 14 (mineral, stage) top shares within 10 points of the production sheet."""
    script = _build_script()
    rows = script.calibration(WORKBOOK, plan_without_limits)
    assert len(rows) == 14
    off = [r for r in rows if abs(r["difference"]) > script.CALIBRATION_TOLERANCE]
    assert not off, script.calibration_markdown(off)
    # the plan's top producer is the observed one, and the observed top's own share is close
    for r in rows:
        assert r["plan_top"] == r["observed_top"], r
        for country, observed, planned in r["next"]:
            assert abs(planned - observed) <= script.CALIBRATION_TOLERANCE, (r["mineral"],
                                                                              r["stage"], country)


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
    assert shares and {r["market"] for r in shares} <= set(script.COALITION)  # never CHN's or ROW's demand
    eu_law = [r for r in shares if r["market"] == "EU" and r["penalty"] is None]
    assert {r["stage"] for r in eu_law} == {"supply", "refining"}
    assert all(r["scope"] == "* except EU" and r["max_share"] == 0.65 and r["period"] == 2030 for r in eu_law)
    feoc = [r for r in shares if r["basis"] == "owner"]
    assert feoc and all(r["scope"] == "FEOC" and r["market"] == "USA" and r["penalty"] is None for r in feoc)
    soft = [r for r in shares if r["penalty"] is not None]
    assert soft and all(r["penalty"] > 0 and r["market"] in script.COALITION for r in soft)
    check_plan(WORKBOOK, dataset_plan.path)  # market, owner and soft shares recomputed from the plan's paths
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

    projects = _rows(v2, "projects")
    periods = {r["period"] for r in _rows(v2, "periods")}
    for p in projects:
        assert p["stage"] in ("supply", "refining") and p["country"] in countries
        assert p["capacity"] > 0 and p["cost"] > 0 and p["fixed_cost"] > 0
        assert p["first_period"] in periods
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
    """Freight 100 -> 250 USD/t and the DRC quota scenario's probability 0.15 -> 0.20: the
    routes' costs and that scenario's rows change, the sources sheet says so, nothing else
    moves."""
    script = _build_script()
    changed, _ = _assumptions_copy(tmp_path, {("freight_usd_per_t", ""): "250",
                                              ("scenario_probability", "drc_cobalt_export_quota"): "0.20"})
    before, after = script.build(REFERENCE), script.build(REFERENCE, assumptions=changed)
    assert list(after) == list(before)
    for name in before:
        if name not in ("routes", "scenarios", "sources"):
            assert after[name] == before[name], name

    routes_before, routes_after = _table(before["routes"]), _table(after["routes"])
    assert len(routes_after) == len(routes_before)
    assert sum(r["cost"] == 100 for r in routes_before) > 100  # every delivery lane abroad
    for b, a in zip(routes_before, routes_after):
        assert a == {**b, "cost": 250 if b["cost"] == 100 else b["cost"]}

    scen_before, scen_after = _table(before["scenarios"]), _table(after["scenarios"])
    quota = [a for a in scen_after if a["scenario"] == "drc_cobalt_export_quota"]
    assert len(quota) == 2 and all(r["probability"] == 0.20 for r in quota)  # 2026 and 2027
    for b, a in zip(scen_before, scen_after):
        if b["scenario"] != "drc_cobalt_export_quota":
            assert a == b

    sources = _table(after["sources"])
    row = next(r for r in sources if r["item"] == "freight_usd_per_t")
    assert (row["kind"], row["sheet"], row["value"], row["unit"]) == ("ASSUMPTION", "routes", 250, "USD/t")
    assert row["source"].startswith("data/assumptions.csv")
    assert any(r["item"].startswith("cross-border delivery cost 250 USD/t") for r in sources)
    total = next(r for r in sources if r["item"].startswith("probability of each scenario"))
    assert total["value"] == 0.85  # the shipped ten sum to 0.80; this one gains 0.05
    assert "base takes 0.15" in total["note"]


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
                                            ("target_path", "2029"): "70%",
                                            ("drc_ban_period", ""): None})
    out = tmp_path / "never.xlsx"
    assert script.main(["--assumptions", str(bad), "--output", str(out)]) == 1
    assert capsys.readouterr().err == (
        f"error: {bad}: 3 problems:\n"
        f"  row {row['capacity_headroom', '']} (capacity_headroom), column value: '1.o5' is not a number\n"
        f"  row {row['target_path', '2029']} (target_path 2029), column value: '70%' is not a number\n"
        "  no row for drc_ban_period\n")
    assert not out.exists()

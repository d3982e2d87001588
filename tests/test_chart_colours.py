"""Charts that do not mislead (issue 28), read back from the chart XML of the written workbooks.

- A country has one colour in every workbook the planner writes, taken from its code alone, the same in
  every process (no salted ``hash()``).
- A scenario's "against base" chart plots the change in tonnes by country (column ``change`` of
  Scenario mix), losses in their own colour.
- A bar chart of totals of one sign starts at zero: the hedge's two expected costs, 0.004% apart, must
  not read as 2:1.
- Capacity built is charted per plan, mineral and stage: tonnes of two minerals (or of mines and
  refineries) are never stacked together.

The workbooks: the example's plan, and the two-mineral world of ``test_report_series`` with a candidate
mine for each mineral in KOR, so the hedge builds capacity for both minerals in the same country.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter

from planner.cli import main
from planner.numbers import money_text, percent_text
from planner.report.charts import (
    COUNTRY_COLOURS,
    GAIN_COLOUR,
    LOSS_COLOUR,
    OTHER,
    SECONDARY,
    country_colour,
)
from tests.test_report_series import EXAMPLE, NS, _ref, check_series, two_minerals
from tests.workbooks import table, write_workbook

ROOT = Path(__file__).resolve().parents[1]


def charts(path: Path) -> list[dict]:
    """Every chart of ``path``: title, kind, value-axis bounds, and per series its name, fill, point fills and
    value cells (sheet, column letter, first row, last row)."""
    out = []
    with zipfile.ZipFile(path) as z:
        for name in sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)):
            root = ElementTree.fromstring(z.read(name))
            plot = root.find("c:chart/c:plotArea", NS)
            scaling = plot.find("c:valAx/c:scaling", NS)
            bounds = {b: float(e.get("val")) for b in ("min", "max")
                      if scaling is not None and (e := scaling.find(f"c:{b}", NS)) is not None}
            series = []
            for ser in plot.iterfind(".//c:ser", NS):
                tx = ser.find("c:tx", NS)
                fill = ser.find("c:spPr/a:solidFill/a:srgbClr", NS)
                points = {int(p.find("c:idx", NS).get("val")): p.find(".//a:srgbClr", NS).get("val")
                          for p in ser.iterfind("c:dPt", NS)}
                series.append({"name": tx.findtext(".//c:v", namespaces=NS) if tx is not None else None,
                               "fill": fill.get("val") if fill is not None else None, "points": points,
                               "val": _ref(ser.findtext("c:val//c:f", namespaces=NS))})
            out.append({"title": "".join(t.text or "" for t in root.iterfind("c:chart/c:title//a:t", NS)),
                        "bar": plot.find("c:barChart", NS) is not None, "bounds": bounds, "series": series})
    return out


def cells(wb, refs) -> list:
    """The values of a series' cells, in order."""
    return [wb[sheet].cell(r, column_index_from_string(col)).value
            for sheet, col, first, last in refs for r in range(first, last + 1)]


def rows(wb, sheet: str) -> list[dict]:
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    return [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=2)]


def country_fills(path: Path) -> dict[str, set[str]]:
    """Per country code, every fill its series has in ``path`` (series named after a country)."""
    fills: dict[str, set[str]] = {}
    for chart in charts(path):
        for s in chart["series"]:
            if s["name"] and re.fullmatch(r"[A-Z]{3}", s["name"]):
                fills.setdefault(s["name"], set()).add("#" + s["fill"])
    return fills


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """The example's plan; the two-mineral world's plan and hedge (a KOR mine for li and for co)."""
    folder = tmp_path_factory.mktemp("colours")
    sheets = two_minerals()
    sheets["projects"] = table("project, stage, mineral, country, capacity, cost, fixed_cost",
                               ("KOR mine", "supply", "li", "KOR", 50, 25, 1),
                               ("KOR co mine", "supply", "co", "KOR", 40, 30, 1))
    inp = write_workbook(folder / "two-minerals.xlsx", sheets)
    out = {}
    for key, source, command in (("example plan", EXAMPLE, "solve"), ("plan", inp, "solve"), ("hedge", inp, "hedge")):
        out[key] = folder / f"{key.replace(' ', '-')}.xlsx"
        assert main([command, str(source), "-o", str(out[key]), "-q"]) == 0
    return out


# --- one colour per country ---------------------------------------------------------------------------


def test_a_country_has_its_own_colour_in_every_workbook(books):
    fills = {key: country_fills(path) for key, path in books.items()}
    # The case is what it says: China charted in both plans (refining), KOR in the plan and in the hedge.
    assert "CHN" in fills["example plan"] and "CHN" in fills["plan"]
    assert "KOR" in fills["hedge"]
    for key, by_country in fills.items():
        for code, seen in by_country.items():
            assert seen == {country_colour(code)}, f"{key}: {code} drawn in {seen}"
    assert fills["example plan"]["CHN"] == fills["plan"]["CHN"] == {"#D62728"}  # China is red everywhere
    assert fills["hedge"]["KOR"] == {COUNTRY_COLOURS["KOR"]}
    # Codes without a fixed colour (AAA, BBB) get one from their code: the same wherever they are drawn.
    assert fills["plan"]["AAA"] == {country_colour("AAA")} and "AAA" not in COUNTRY_COLOURS


def test_the_colour_of_a_code_is_the_same_in_every_process():
    codes = ["CHN", "COD", "AAA", "BBB", "XKX", "Zed land"]
    script = ("from planner.report.charts import country_colour; "
              f"print(','.join(country_colour(c) for c in {codes!r}))")
    seen = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                              check=True)
        seen.add(done.stdout.strip())
    assert seen == {",".join(country_colour(c) for c in codes)}


def test_the_palette_keeps_china_red_and_every_fixed_colour_apart():
    listed = ("CHN COD AUS CHL IDN ARG ZAF RUS USA CAN BRA PHL JPN KOR IND MOZ MDG GAB ZWE PER MMR MYS VNM NCL "
              "FIN NOR GBR DEU MAR TUR KAZ").split()
    assert set(listed) <= set(COUNTRY_COLOURS)
    assert COUNTRY_COLOURS["CHN"] == "#D62728"
    assert len(set(COUNTRY_COLOURS.values())) == len(COUNTRY_COLOURS)  # no two fixed countries alike
    # No unlisted code is drawn red like China or grey like the rest of the world.
    assert COUNTRY_COLOURS["CHN"] not in SECONDARY and OTHER not in SECONDARY
    assert all(country_colour(f"X{a}{b}") in SECONDARY for a in "ABCDEFGH" for b in "ABCDEFGH")


# --- the change against base ----------------------------------------------------------------------------


def test_scenario_mix_charts_plot_the_change_losses_in_their_own_colour(books):
    for key in ("example plan", "plan"):
        wb = load_workbook(books[key])
        mix = rows(wb, "Scenario mix")
        header = [c.value for c in wb["Scenario mix"][1]]
        change_letter = get_column_letter(header.index("change") + 1)
        drawn = [c for c in charts(books[key]) if "against base" in c["title"]]
        blocks = {(r["scenario"], r["mineral"], r["stage"]) for r in mix}
        assert len(drawn) == len(blocks) > 0, key
        for chart in drawn:
            (s,) = chart["series"]  # one series: the change
            (sheet, letter, first, last), = s["val"]
            assert (sheet, letter) == ("Scenario mix", change_letter), chart["title"]
            block = mix[first - 2:last - 1]
            assert len({(r["scenario"], r["mineral"], r["stage"]) for r in block}) == 1, chart["title"]
            scenario, mineral, stage = block[0]["scenario"], block[0]["mineral"], block[0]["stage"]
            verb = "mined" if stage == "supply" else "refined"
            assert chart["title"] == f"{scenario}: change in {mineral} tonnes {verb} by country against base"
            for i, r in enumerate(block):
                assert r["change"] == pytest.approx(r["tonnes"] - r["base_tonnes"])
                assert "#" + s["points"][i] == (LOSS_COLOUR if r["change"] < 0 else GAIN_COLOUR), chart["title"]
    # A ban of AAA's mining from 2027 takes cobalt from AAA (a loss) and gives it to the KOR mine (a gain).
    wb = load_workbook(books["plan"])
    ban = {r["country"]: r["change"] for r in rows(wb, "Scenario mix")
           if (r["scenario"], r["mineral"], r["stage"]) == ("AAA ban", "co", "supply")}
    assert ban["AAA"] < 0 < ban["KOR"]


# --- bars of totals start at zero -------------------------------------------------------------------------


def test_the_hedges_expected_costs_start_at_zero_and_name_the_saving(books):
    wb = load_workbook(books["hedge"])
    summary = {r["item"]: r["value"] for r in rows(wb, "Summary")}
    costs = {r["builds"]: r["expected_cost"] for r in rows(wb, "Expected costs")}
    (chart,) = [c for c in charts(books["hedge"]) if c["title"].startswith("Expected cost")]
    assert chart["bounds"] == {"min": 0.0}
    assert cells(wb, chart["series"][0]["val"]) == [costs["hedge"], costs["base plan's own"]]
    own = costs["base plan's own"]
    assert summary["value_of_hedging"] == pytest.approx(own - costs["hedge"])
    assert chart["title"].endswith(f"hedging saves {money_text(summary['value_of_hedging'], 'USD')} "
                                   f"({percent_text(summary['value_of_hedging'] / own)})")


def test_every_bar_chart_of_one_sign_starts_at_zero(books):
    checked = 0
    for key, path in books.items():
        wb = load_workbook(path)
        for chart in charts(path):
            if not chart["bar"]:
                continue
            values = [v for s in chart["series"] for v in cells(wb, s["val"]) if isinstance(v, (int, float))]
            if all(v >= 0 for v in values):
                assert chart["bounds"].get("min") == 0, f"{key}: {chart['title']}"
                checked += 1
            elif all(v <= 0 for v in values):
                assert chart["bounds"].get("max") == 0, f"{key}: {chart['title']}"
    assert checked >= 5


# --- capacity built, mineral by mineral -----------------------------------------------------------------


def test_capacity_built_is_charted_per_plan_mineral_and_stage(books):
    wb = load_workbook(books["hedge"])
    investments = rows(wb, "Investments")
    built = rows(wb, "Capacity built")
    assert [c.value for c in wb["Capacity built"][1]][:4] == ["scenario", "mineral", "stage", "period"]
    # The case is what it says: the hedge builds in KOR for both minerals.
    assert {r["mineral"] for r in investments if r["scenario"] == "hedge" and r["country"] == "KOR"} == {"li", "co"}
    title = re.compile(r"(\w+): (mining|refining) capacity built by country and period \((.+) builds\)")
    drawn = {}
    for chart in charts(books["hedge"]):
        if match := title.fullmatch(chart["title"]):
            mineral, what, plan = match.groups()
            drawn[(plan, mineral, "supply" if what == "mining" else "refining")] = chart
    assert set(drawn) == {(r["scenario"], r["mineral"], r["stage"]) for r in investments if r["capacity_added"] > 0}
    for (plan, mineral, stage), chart in drawn.items():
        for s in chart["series"]:
            (sheet, _letter, first, last), = s["val"]
            block = built[first - 2:last - 1]
            assert {(r["scenario"], r["mineral"], r["stage"]) for r in block} == {(plan, mineral, stage)}
            # Each bar is the capacity that plan adds in that country, period, mineral and stage: never another's.
            for r, value in zip(block, cells(wb, s["val"])):
                assert value == pytest.approx(sum(i["capacity_added"] for i in investments
                                                  if (i["scenario"], i["mineral"], i["stage"], i["country"],
                                                      i["period"]) == (plan, mineral, stage, s["name"], r["period"])))
            assert "#" + s["fill"] == country_colour(s["name"])
    check_series(books["hedge"])  # and every series' rows hold one scenario, one mineral and one stage

"""Every chart of every workbook reads the rows of its own series: read back from the written .xlsx files.

A chart series names its cells (``<c:f>`` of ``<c:cat>``/``<c:val>``, or ``<c:xVal>``/``<c:yVal>`` on a
scatter chart) and carries a name (``<c:tx>``). Read from the file and checked against the cells with
openpyxl: the categories and values of a series come from the same rows; over those rows every key column
other than the category column holds one value (one mineral, one scenario, ...); and a series named after a
key (the series "li") points only at rows holding that key.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from planner.cli import main
from planner.report.charts import grouped_by, place_charts
from planner.report.xlsx import SheetSpec
from planner.report.xlsx import write_workbook as xlsx_write
from tests.workbooks import table, write_workbook

EXAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "example.xlsx"
NS = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
      "a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
# Columns that say whose a row is; a series' rows share each of them but its category column.
KEYS = ("scenario", "mineral", "stage", "market", "builds")
REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?$")


def two_minerals():
    """Two minerals, each from AAA (cheap, large) and BBB (dear, 10 t a period); CHN refines; the EU needs 50 t of
    li and 40 t of co a period; a li reserve starts with 60 t, which the base plan draws down (10 t left after
    2026, above its target of 0: a reserve chart). Both scenarios cut AAA for both minerals from 2027, so each
    leaves demand of both minerals unmet: the stress sheet's rows go scenario by scenario, a mineral's rows
    apart."""
    return {
        "minerals": table("mineral, unmet_penalty", ("li", 1000), ("co", 2000)),
        "countries": table("country", ("AAA",), ("BBB",), ("CHN",), ("KOR",)),
        "periods": table("period", (2026,), (2027,)),
        "supply": table("mineral, country, capacity, cost", ("li", "AAA", 200, 10), ("li", "BBB", 10, 30),
                        ("co", "AAA", 200, 20), ("co", "BBB", 10, 40)),
        "refining": table("mineral, country, capacity, cost", ("li", "CHN", 1000, 2), ("co", "CHN", 1000, 3)),
        "demand": table("mineral, market, period, demand", ("li", "EU", 2026, 50), ("li", "EU", 2027, 50),
                        ("co", "EU", 2026, 40), ("co", "EU", 2027, 40)),
        "reserve": table("mineral, market, initial_stock, holding_cost", ("li", "EU", 60, 1)),
        "shares": table("stage, scope, max_share", ("supply", "*", 0.95)),
        "projects": table("project, stage, mineral, country, capacity, cost, fixed_cost",
                          ("KOR mine", "supply", "li", "KOR", 50, 25, 1)),
        "scenarios": table("scenario, kind, factor, mineral, country, period, probability",
                           ("AAA ban", "supply_capacity", 0, "li", "AAA", 2027, 0.1),
                           ("AAA ban", "supply_capacity", 0, "co", "AAA", 2027, 0.1),
                           ("AAA cut", "supply_capacity", 0.05, "li", "AAA", 2027, 0.1),
                           ("AAA cut", "supply_capacity", 0.05, "co", "AAA", 2027, 0.1)),
        "risks": table("risk, country, stage, probability, mineral, factor, duration",
                       ("AAA li ban", "AAA", "supply", 0.5, "li", 0, 1),
                       ("AAA co ban", "AAA", "supply", 0.5, "co", 0, 1)),
    }


def _ref(formula: str):
    """``'Sheet'!$A$2:$A$5`` (or a union ``(ref,ref)``) as [(sheet, column letter, first row, last row)]."""
    parts = formula.strip("()").split(",") if formula.startswith("(") else [formula]
    out = []
    for part in parts:
        match = REF.match(part)
        assert match, f"unreadable chart reference {part!r}"
        quoted, plain, col1, row1, col2, row2 = match.groups()
        assert col2 in (None, col1), f"a series spans columns: {part}"
        out.append(((quoted or "").replace("''", "'") or plain, col1, int(row1), int(row2 or row1)))
    return out


def chart_series(path: Path) -> list[dict]:
    """Every series of every chart in ``path``: its chart, name, and category and value references."""
    series = []
    with zipfile.ZipFile(path) as z:
        for name in sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)):
            root = ElementTree.fromstring(z.read(name))
            title = "".join(t.text or "" for t in root.iterfind("c:chart/c:title//a:t", NS))
            for ser in root.iterfind(".//c:ser", NS):
                tx = ser.find("c:tx", NS)
                literal = tx.findtext("c:v", namespaces=NS) if tx is not None else None
                refs = {}
                for tag in ("cat", "val", "xVal", "yVal"):
                    f = ser.findtext(f"c:{tag}//c:f", namespaces=NS)
                    if f is not None:
                        refs["cat" if tag in ("cat", "xVal") else "val"] = _ref(f)
                series.append({"chart": f"{name} ({title})", "name": literal, **refs})
    return series


def check_series(path: Path) -> int:
    """Assert every series of ``path`` reads its own rows (see the module's docstring); return how many."""
    wb = load_workbook(path)
    series = chart_series(path)
    assert series, f"{path.name} has no chart"
    for s in series:
        where = f"{path.name} {s['chart']} series {s['name']!r}"
        cat, val = s["cat"], s["val"]
        rows = [(sheet, r) for sheet, _c, first, last in val for r in range(first, last + 1)]
        assert [(sheet, r) for sheet, _c, first, last in cat for r in range(first, last + 1)] == rows, \
            f"{where}: categories and values come from different rows"
        sheet = {name for name, _r in rows}
        assert len(sheet) == 1, f"{where}: reads several sheets {sheet}"
        ws = wb[sheet.pop()]
        header = {cell.value: cell.column for cell in ws[1]}
        category = column_index_from_string(cat[0][1])
        for key in KEYS:
            if key not in header or header[key] == category:
                continue
            held = [ws.cell(r, header[key]).value for _s, r in rows]
            assert len(set(held)) == 1, f"{where}: its rows hold several {key}s: {held}"
            column = {ws.cell(r, header[key]).value for r in range(2, ws.max_row + 1)}
            if s["name"] in column:
                assert set(held) == {s["name"]}, f"{where}: reads rows of {key} {sorted(set(held))}"
    return len(series)


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    folder = tmp_path_factory.mktemp("series")
    return write_workbook(folder / "two-minerals.xlsx", two_minerals()), folder


def run(book, command, *args) -> Path:
    inp, folder = book
    out = folder / f"{command}.xlsx"
    assert main([command, str(inp), "-o", str(out), "-q", *args]) == 0
    return out


def test_stress_unmet_by_mineral_chart_reads_each_minerals_own_rows(book):
    out = run(book, "stress")
    ws = load_workbook(out)["Stress by mineral"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c.value for c in row))) for row in ws.iter_rows(min_row=2)]
    # The case is what it says: both minerals short in both disruptions.
    assert {(r["scenario"], r["mineral"]) for r in rows if r["unmet_above_base_tonnes"] > 1} == \
        {("AAA ban", "li"), ("AAA ban", "co"), ("AAA cut", "li"), ("AAA cut", "co")}
    series = {s["name"]: s for s in chart_series(out)}
    assert {"li", "co"} <= set(series)
    check_series(out)
    # The sheet goes mineral by mineral: each series is one block of cells, cached in the chart.
    assert [r["mineral"] for r in rows] == ["li", "li", "co", "co"]
    assert len(series["li"]["val"]) == len(series["co"]["val"]) == 1


def test_a_group_whose_rows_lie_apart_is_read_where_they_are(tmp_path):
    # Rows li, co, li: the series li is the union of rows 2 and 4, never the span 2:4 that holds co.
    frame = pd.DataFrame({"scenario": ["a", "a", "b"], "mineral": ["li", "co", "li"], "tonnes": [1.0, 2.0, 3.0]})
    charts = grouped_by("T's", frame, "mineral", "scenario", "tonnes", "unmet", "t", "#,##0")
    out = xlsx_write(tmp_path / "t.xlsx", [SheetSpec("T's", frame, charts=[place_charts(charts)])])
    series = {s["name"]: s for s in chart_series(out)}
    assert series["li"]["val"] == [("T's", "C", 2, 2), ("T's", "C", 4, 4)]
    assert series["co"]["val"] == [("T's", "C", 3, 3)]
    check_series(out)


def test_stress_of_the_example_with_reserve_sizing(tmp_path):
    out = tmp_path / "stress.xlsx"
    assert main(["stress", str(EXAMPLE), "-o", str(out), "-q", "--reserve-days", "0,30"]) == 0
    check_series(out)


@pytest.mark.parametrize("command, args", [("solve", ()), ("stress", ("--reserve-days", "0,60")),
                                           ("hedge", ()), ("frontier", ("--step", "0.25")),
                                           ("sweep", ("--samples", "8", "--workers", "1"))])
def test_every_chart_series_reads_its_own_rows(book, command, args):
    assert check_series(run(book, command, *args)) > 0


def test_charts_beyond_one_sheet_go_on_the_next_none_left_out(tmp_path, monkeypatch):
    # A world of 8 minerals draws more charts than one sheet holds: they continue on Charts (2), and the
    # workbook holds every chart a sheet without a limit would.
    from benchmarks.generate import generate
    from planner.report import charts

    inp = generate(tmp_path / "w.xlsx", minerals=8, countries=10, periods=2, markets=2, scenarios=2, seed=3)
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(inp), "-o", str(out), "-q", "--no-explain"]) == 0
    monkeypatch.setattr(charts, "MAX_CHARTS", 10_000)
    whole = tmp_path / "one-sheet.xlsx"
    assert main(["solve", str(inp), "-o", str(whole), "-q", "--no-explain"]) == 0

    def charts_by_sheet(path):
        wb = load_workbook(path)
        return {ws.title: len(ws._charts) for ws in wb.worksheets if ws.title.startswith("Charts")}

    split, one = charts_by_sheet(out), charts_by_sheet(whole)
    assert len(split) >= 2 and list(split)[:2] == ["Charts", "Charts (2)"]
    assert max(split.values()) <= 40
    assert sum(split.values()) == sum(one.values()) > 40
    assert check_series(out) >= sum(split.values())  # every series of every chart reads its own rows

"""What an analyst reads in the plan workbook: formats that say what a number is, an honest status,
scenarios compared with base, a country in one colour everywhere.

Each test reads the written .xlsx (values, number formats, chart XML) as a reviewer's Excel would,
not the planner's frames.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from planner.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "inputs" / "example.xlsx"


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("answers") / "plan.xlsx"
    assert main(["solve", str(EXAMPLE), "-o", str(out), "-q"]) == 0
    return out


def formats(path: Path, sheet: str) -> dict[str, set[str]]:
    """Column header -> the number formats of its data cells that hold numbers."""
    ws = openpyxl.load_workbook(path)[sheet]
    headers = [c.value for c in ws[1]]
    found: dict[str, set[str]] = {h: set() for h in headers}
    for row in ws.iter_rows(min_row=2):
        for header, cell in zip(headers, row):
            if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                found[header].add(cell.number_format)
    return found


def test_money_is_shown_as_money_and_shares_as_percentages(plan):
    # Round 1 picked a format from a substring of the column name: "share_limits_cost" and
    # "value_per_share_point" were money shown as percentages (2026340576992.7%).
    money = {"Policy costs": ["cost_with", "cost_without", "rule_cost"],
             "Scenarios": ["total_cost", "cost_change"],
             "Shadow prices": ["value_per_share_point", "value_per_t"]}
    for sheet, columns in money.items():
        found = formats(plan, sheet)
        for column in columns:
            assert found[column], f"{sheet}.{column} has no numbers to check"
            assert all("%" not in f and "#,##0" in f for f in found[column]), (sheet, column, found[column])
    shares = formats(plan, "Scenarios")
    assert all(f.endswith("%") for f in shares["unmet_share"] | shares["cost_change_pct"]), shares
    assert all("%" in f for f in formats(plan, "Shadow prices")["share"])
    rows = {r[0].value: r for r in openpyxl.load_workbook(plan)["Summary"].iter_rows()}
    assert rows["total_cost"][2].value == "USD" and "#,##0" in rows["total_cost"][1].number_format
    # A share shows its percent sign in the value; its unit cell stays blank rather than read "0.6% %".
    assert rows["unmet_share"][1].number_format.endswith("%") and not rows["unmet_share"][2].value


def test_scenarios_are_compared_with_base(plan):
    sc = pd.read_excel(plan, sheet_name="Scenarios")
    unmet = pd.read_excel(plan, sheet_name="Unmet")
    base = sc.set_index("scenario").loc["base"]
    assert sc["cost_change"].tolist() == pytest.approx((sc["total_cost"] - base["total_cost"]).tolist(), abs=1e-6)
    assert sc["cost_change_pct"].tolist() == pytest.approx((sc["cost_change"] / base["total_cost"]).tolist())
    by_scenario = unmet.groupby("scenario")["tonnes"].sum()
    for _, row in sc.iterrows():  # unmet_tonnes recomputed from the Unmet sheet, and its change
        assert row["unmet_tonnes"] == pytest.approx(by_scenario.get(row["scenario"], 0.0), abs=1e-6)
        assert row["unmet_change"] == pytest.approx(row["unmet_tonnes"] - base["unmet_tonnes"], abs=1e-6)


def _series(xml: str) -> list[tuple[str, str]]:
    """(series name, fill colour) of every series of a chart that names its series."""
    out = []
    for ser in re.findall(r"<c:ser>(.*?)</c:ser>", xml, flags=re.S):
        name = re.search(r"<c:tx>.*?<c:v>(.*?)</c:v>.*?</c:tx>", ser, flags=re.S)
        colour = re.search(r"<c:spPr>.*?<a:srgbClr val=\"([0-9A-F]{6})\"", ser, flags=re.S)
        if name and colour:
            out.append((name.group(1), colour.group(1)))
    return out


def test_a_country_keeps_its_colour_in_every_chart(plan):
    countries = {r[0] for r in openpyxl.load_workbook(EXAMPLE)["countries"].iter_rows(min_row=2, values_only=True)}
    with zipfile.ZipFile(plan) as zf:
        charts = [zf.read(n).decode("utf-8") for n in zf.namelist() if re.match(r"xl/charts/chart\d+\.xml", n)]
    seen: dict[str, set[str]] = {}
    charts_with_countries = 0
    for xml in charts:
        named = [(name, colour) for name, colour in _series(xml) if name in countries]
        charts_with_countries += bool(named)
        for name, colour in named:
            seen.setdefault(name, set()).add(colour)
    assert charts_with_countries >= 2, "the example's plan should draw countries in several charts"
    assert {c: cs for c, cs in seen.items() if len(cs) > 1} == {}
    assert len({next(iter(cs)) for cs in seen.values()}) > 1, "countries must be told apart"


def test_a_plan_that_leaves_demand_unserved_says_so(tmp_path, capsys):
    # Lithium demand x 1000: the plan is optimal and still leaves almost all of it unserved. Round 1
    # printed "Optimal" and nothing else.
    wb = openpyxl.load_workbook(EXAMPLE)
    ws = wb["demand"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "lithium":
            row[3].value = row[3].value * 1000
    inp = tmp_path / "in.xlsx"
    wb.save(inp)
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(inp), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    warning = [line for line in err.splitlines() if "more than 1% of demand unserved" in line]
    assert warning and "lithium" in warning[0], err
    summary = {r[0]: r[1] for r in openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True)}
    assert summary["status"] == "Optimal"
    assert summary["unmet_share"] > 0.5 and "lithium" in summary["minerals_short"]

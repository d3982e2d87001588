"""Money read the same at a glance on the terminal and in the workbook: ``money_unit = auto``."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from planner.cli import main
from planner.numbers import money_text, money_unit
from planner.report.columns import MONEY, column, number_format, unit_label

EXAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "example.xlsx"


def example_with_auto(tmp_path) -> Path:
    """A copy of the example workbook with the setting money_unit = auto."""
    source = tmp_path / "auto.xlsx"
    shutil.copy(EXAMPLE, source)
    wb = openpyxl.load_workbook(source)
    settings = wb["settings"]
    rows = [r for r in settings.iter_rows(min_row=2) if r[0].value == "money_unit"]
    if rows:
        rows[0][1].value = "auto"
    else:
        settings.append(["money_unit", "auto"])
    wb.save(source)
    return source


@pytest.mark.parametrize(("headline", "unit"), [
    (1.5965e12, "billions"),  # 1,596.50 billion
    (4.348e10, "billions"),  # 43.48 billion
    (1e9, "billions"),
    (999_700_000, "billions"),  # reads as 1.00 billion, as money_text's 1 bn, not 999.7 million
    (2.78e7, "millions"),  # 27.8 million
    (9.89e6, "millions"),
    (1.0e5, "thousands"),  # 100 thousand, the smallest amount shown in whole thousands
    (99_000.0, "units"),  # not 99 thousand
    (1950.0, "units"),  # not 2 thousand
    (-2.5e12, "billions"),  # a saving is sized as a cost
    (None, "units"),  # nothing to size by: the spec's default
])
def test_auto_picks_the_largest_unit_the_amount_reaches(headline, unit):
    assert money_unit("auto", headline) == unit


def test_a_unit_that_is_set_is_kept_and_no_setting_is_the_specs_default():
    assert money_unit("millions", 1950.0) == "millions"
    assert money_unit(None, 1.5e12) == "units"


def test_money_reads_in_the_unit_its_size_calls_for():
    assert money_text(1_596_500_114_782.87, "USD") == "1.6 tn USD"
    assert money_text(316e6, "USD") == "316 M USD"
    assert money_text(-38.7e6, "USD") == "-38.7 M USD"
    assert money_text(None, "USD") == "n/a"


def test_auto_shows_the_plans_money_in_thousands_and_the_terminal_agrees(tmp_path, capsys):
    """The example's base plan costs 9,888,569: 9.9 million USD in its cells, 9.89 M USD on screen."""
    source = example_with_auto(tmp_path)
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(source), "-o", str(out), "--no-explain"]) == 0
    line = capsys.readouterr().out
    assert "base total cost 9.89 M USD;" in line

    summary = pd.read_excel(out, sheet_name="Summary").set_index("item")
    assert summary.loc["money_shown_in", "value"] == "million USD"
    assert summary.loc["total_cost", "value"] == pytest.approx(9_888_569, abs=1)  # the cell keeps the exact value
    book = openpyxl.load_workbook(out)
    scenarios = book["Scenarios"]
    header = [c.value for c in scenarios[1]]
    cell = scenarios.cell(row=2, column=header.index("total_cost") + 1)
    assert cell.number_format == "#,##0.0,,"  # millions: Excel drops six digits for display only


def test_under_auto_each_summary_row_gives_money_in_its_own_size(tmp_path):
    """The tables show the example's money in millions (its headline, 9.89 M); Summary's rows size their own:
    the base plan's holding cost, 22,148, reads in units rather than as 0.0 million; a share's unit is blank
    (its value already reads 0.6%)."""
    source = example_with_auto(tmp_path)
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(source), "-o", str(out), "--no-explain", "-q"]) == 0
    ws = openpyxl.load_workbook(out)["Summary"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    assert rows["total_cost"][2].value == "million USD" and rows["total_cost"][1].number_format == "#,##0.0,,"
    assert rows["base_holding_cost"][1].value == pytest.approx(22_148.3, abs=0.1)
    assert rows["base_holding_cost"][2].value == "USD" and rows["base_holding_cost"][1].number_format == "#,##0"
    assert rows["unmet_share"][2].value in (None, "") and rows["unmet_share"][1].number_format == "0.0%"


def test_under_auto_each_table_column_gives_money_in_its_own_size(tmp_path):
    """Each money column is shown in the unit its own largest amount calls for (a column of duties in units
    beside totals in millions), its note names that unit, and the printed page header lists the units in use."""
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(example_with_auto(tmp_path)), "-o", str(out), "-q"]) == 0
    book = openpyxl.load_workbook(out)
    sizes = set()
    for sheet, table in (("Scenarios", "scenarios"), ("Policy costs", "policy_costs"), ("Market bills", "market_bills")):
        ws = book[sheet]
        for j, cell in enumerate(ws[1], start=1):
            declared = column(table, cell.value)
            values = [abs(c.value) for (c,) in ws.iter_rows(min_row=2, min_col=j, max_col=j)
                      if isinstance(c.value, (int, float))]
            if declared.unit != MONEY or not values:
                continue
            unit = money_unit("auto", max(values))
            sizes.add(unit)
            assert ws.cell(row=2, column=j).number_format == number_format(declared, unit), (sheet, cell.value)
            assert cell.comment.text.endswith(f"({unit_label(MONEY, 'USD', unit)})"), (sheet, cell.value)
    assert {"millions", "thousands", "units"} <= sizes  # the example's money columns do come in different sizes
    units = book["Scenarios"].oddHeader.left.text.split("\n")[1]
    assert units.startswith("money in million USD or thousand USD or USD by column · ")  # printed: largest first

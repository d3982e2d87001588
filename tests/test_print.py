"""Written workbooks print well: every page names its sheet, the workbook and the units of its columns, and
numbers its pages; the sheets an analyst reads first print one page wide. Read back from the written .xlsx."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

import planner
from planner.report.xlsx import HEADER_LIMIT, TITLE, SheetSpec, page_header, write_workbook
from tests.workbooks import table
from tests.workbooks import write_workbook as write_input


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    """One mineral mined in AAA and refined in CHN for the EU over two periods, a scenario that halves AAA's
    capacity, a project and a share limit (so the plan has Investments, Policy costs and Who pays); money shown
    in millions, the currency written with an ampersand."""
    folder = tmp_path_factory.mktemp("print")
    source = write_input(folder / "input.xlsx", {
        "minerals": table("mineral, unmet_penalty", ("li", 1000)),
        "countries": table("country", ("AAA",), ("BBB",), ("CHN",)),
        "periods": table("period", (2026,), (2027,)),
        "supply": table("mineral, country, capacity, cost", ("li", "AAA", 100, 10), ("li", "BBB", 100, 30)),
        "refining": table("mineral, country, capacity, cost", ("li", "CHN", 1000, 2)),
        "demand": table("mineral, market, period, demand", ("li", "EU", 2026, 50), ("li", "EU", 2027, 50)),
        "shares": table("stage, scope, max_share", ("supply", "*", 0.9)),
        "projects": table("project, stage, mineral, country, capacity, cost, fixed_cost",
                          ("BBB mine", "supply", "li", "BBB", 50, 5, 1)),
        "scenarios": table("scenario, kind, factor, mineral, country, period",
                           ("AAA cut", "supply_capacity", 0.5, "li", "AAA", 2027)),
        "settings": table("key, value", ("money_unit", "millions"), ("currency", "A&B")),
    })
    run = planner.solve(source, folder / "plan.xlsx")
    assert run.ok, run.status
    return load_workbook(run.report.output_path), run


def test_every_page_names_its_sheet_and_the_workbook_and_numbers_its_pages(plan):
    wb, _run = plan
    for ws in wb.worksheets:
        assert ws.oddHeader.left.text.startswith("&B&A&B"), ws.title
        assert ws.oddHeader.right.text == TITLE, ws.title
        assert ws.oddFooter.center.text == "Page &P of &N", ws.title


def test_the_header_prints_the_units_of_the_sheets_columns(plan):
    wb, run = plan
    assert {"total_cost", "unmet_tonnes", "unmet_share"} <= set(run.tables["scenarios"].columns)
    # The currency's ampersand is escaped: a lone & would be read as a code.
    assert units(wb["Scenarios"]) == "money in million A&&B · tonnes in t · shares in %"
    assert units(wb["Flows"]) == "tonnes in t"
    assert list(run.tables["marginal_costs"].columns) == ["mineral", "market", "period", "demand", "marginal_cost"]
    assert units(wb["Marginal costs"]) == "money per tonne in A&&B/t · tonnes in t"
    assert units(wb["Run info"]) == "times in s"
    assert units(wb["Summary"]) == ""  # every row's unit is printed beside its value


def units(ws) -> str:
    """The second line of the header's left part: the sheet's units."""
    lines = ws.oddHeader.left.text.split("\n")
    return lines[1] if len(lines) > 1 else ""


@pytest.mark.parametrize("sheet", ["Summary", "Scenarios", "Investments", "Policy costs", "Who pays"])
def test_the_sheets_read_first_print_one_page_wide_in_landscape(plan, sheet):
    ws = plan[0][sheet]
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1)  # 1 is the default, which openpyxl reads as None
    assert ws.page_setup.fitToHeight == 0
    assert ws.page_setup.orientation == "landscape"


def test_a_long_detail_table_prints_as_wide_as_it_needs(tmp_path):
    frame = pd.DataFrame({f"column_{k:02d}": [1.5] for k in range(30)})  # 30 columns 11 characters wide: 330
    write_workbook(tmp_path / "wide.xlsx", [SheetSpec("Wide", frame)])
    ws = load_workbook(tmp_path / "wide.xlsx")["Wide"]
    assert ws.page_setup.fitToWidth == 2 and ws.page_setup.fitToHeight == 0


@pytest.mark.parametrize(("columns", "pages"), [(30, 1), (50, 3)])
def test_a_sheet_read_first_fits_one_page_only_while_it_stays_readable(tmp_path, columns, pages):
    # 30 columns of 11 characters (330) shrink to one page; 50 (550, three pages' worth) would print at about
    # 2.5 pt on one, so they keep their readable three pages.
    frame = pd.DataFrame({f"column_{k:02d}": [1.5] for k in range(columns)})
    write_workbook(tmp_path / "wide.xlsx", [SheetSpec("Wide", frame, fit_width=True)])
    ws = load_workbook(tmp_path / "wide.xlsx")["Wide"]
    assert (ws.page_setup.fitToWidth or 1) == pages and ws.page_setup.fitToHeight == 0


def test_the_header_row_is_the_tables_columns(plan):
    wb, run = plan
    for sheet, name in (("Scenarios", "scenarios"), ("Flows", "flows"), ("Investments", "investments")):
        ws = wb[sheet]
        assert [c.value for c in ws[1]] == list(run.tables[name].columns), sheet
        assert ws.cell(2, 1).value == run.tables[name].iat[0, 0], sheet


def test_a_header_too_long_for_excel_is_cut_at_a_whole_unit():
    units_line = " · ".join(f"money in {'&' * 3}{k:03d}" for k in range(40))
    header = page_header(units_line)
    assert len(header) <= HEADER_LIMIT
    line = header.split("\n")[1].split("&R")[0]
    assert line.endswith("…")
    kept = line[:-1].split(" · ")
    assert kept == [f"money in {'&' * 6}{k:03d}" for k in range(len(kept))]  # whole parts, every & escaped
    assert len(kept) >= 5

"""Typos that still validate are caught: markets written two ways, countries by name, percentages as numbers."""

from __future__ import annotations

from planner.cli import main
from tests.bad_workbooks import base_sheets, set_cell
from tests.workbooks import write_workbook


def validate(tmp_path, sheets, capsys) -> tuple[int, str]:
    rc = main(["validate", str(write_workbook(tmp_path / "in.xlsx", sheets)), "-q"])
    return rc, capsys.readouterr().err


def test_a_market_written_once_another_way_is_warned_with_the_code_meant(tmp_path, capsys):
    # USA has demand in 2026 and 2027 and a reserve; one row writes US: valid, but a market of its own,
    # which would silently drop USA's 2027 demand (and its reserve target) from the USA market.
    sheets = base_sheets()
    sheets["demand"][2][1] = "US"
    rc, err = validate(tmp_path, sheets, capsys)
    assert rc == 0
    assert "warning: demand!B3  column 'market': market 'US' appears on this row only; did you mean 'USA'?" in err


def test_a_market_a_rule_governs_on_its_own_is_not_taken_for_a_typo(tmp_path, capsys):
    # USA_DEF (US defence) buys beside USA and has no reserve, but a market-scoped share row names it: deliberate.
    sheets = base_sheets()
    set_cell(sheets, "demand", len(sheets["demand"]) + 1, "market", "USA_DEF")
    for column, value in (("mineral", "Li"), ("period", 2026), ("demand", 10)):
        set_cell(sheets, "demand", len(sheets["demand"]), column, value)
    rc, err = validate(tmp_path, sheets, capsys)
    assert rc == 0 and "market 'USA_DEF' appears on this row only; did you mean 'USA'?" in err  # alone: warned
    row = len(sheets["shares"]) + 1
    for column, value in (("stage", "refining"), ("scope", "CHN"), ("mineral", "Li"), ("period", 2026),
                          ("max_share", 0), ("market", "USA_DEF")):
        set_cell(sheets, "shares", row, column, value)
    rc, err = validate(tmp_path, sheets, capsys)
    assert rc == 0 and "market" not in err


def test_markets_used_consistently_raise_no_warning(tmp_path, capsys):
    rc, err = validate(tmp_path, base_sheets(), capsys)
    assert rc == 0 and "market" not in err


def test_countries_by_name_alias_or_iso2_get_their_code(tmp_path, capsys):
    sheets = base_sheets()
    sheets["countries"] += [["COD", "Congo (Kinshasa)", None], ["KOR", "Korea, Republic of", None],
                            ["GBR", "United Kingdom", None]]
    supply = sheets["supply"]
    supply += [["Li", "DRC", None, 10, 10], ["Li", "South Korea", None, 10, 10], ["Li", "UK", None, 10, 10],
               ["Li", "Congo (Kinshasa)", None, 10, 10], ["Li", "KR", None, 10, 10]]
    rc, err = validate(tmp_path, sheets, capsys)
    assert rc == 2
    assert "supply!B5  column 'country': got 'DRC'; expected a country on sheet 'countries' (did you mean 'COD'?)" in err
    assert "got 'SOUTH KOREA'; expected a country on sheet 'countries' (did you mean 'KOR'?)" in err
    assert "got 'UK'; expected a country on sheet 'countries' (did you mean 'GBR'?)" in err
    assert "got 'CONGO (KINSHASA)'; expected a country on sheet 'countries' (did you mean 'COD'?)" in err
    assert "got 'KR'; expected a country on sheet 'countries' (did you mean 'KOR'?)" in err


def test_a_percentage_typed_as_a_number_is_warned(tmp_path, capsys):
    sheets = base_sheets()
    sheets["routes"][1][5] = 25  # tariff_rate of the AUS -> USA supply route: 2,500%
    sheets["refining"][1][5] = 95  # a yield of 95 t out per t in
    rc, err = validate(tmp_path, sheets, capsys)
    assert rc == 0
    assert "routes!F2  column 'tariff_rate': 25 is far above what tariff_rate usually is" in err
    assert "did you mean 0.25?" in err
    assert "refining!F2  column 'yield': 95 is far above" in err and "did you mean 0.95?" in err


def test_capacity_below_demand_on_paper_is_warned(tmp_path, capsys):
    # Li in 2027: refining holds 1,000 t but USA needs 1,200 t; at least 200 t (16.7%) must go unmet.
    sheets = base_sheets()
    sheets["demand"][2][3] = 1200
    rc, err = validate(tmp_path, sheets, capsys)
    assert rc == 0
    assert ("warning: demand  Li 2027: refining capacity is 1,000 t against demand of 1,200 t: at least 200 t "
            "(16.7%) will go unmet") in err

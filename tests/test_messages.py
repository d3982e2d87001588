"""Warnings and messages that tell the truth: the capacity check counts candidate projects, a bad factor is
reported once, wording reads right, and inputs the spec calls unused are named where they are written.

Errors are checked as ``planner validate`` prints them (exact lines naming sheet, cell and column);
warnings as ``planner.validate`` returns them (``Issue.describe()``: location first).
"""

from __future__ import annotations

import pytest

import planner
from planner.cli import main
from tests.bad_workbooks import base_sheets, cell, set_cell
from tests.workbooks import table, write_workbook


def problems_of(tmp_path, capsys, sheets) -> list[str]:
    """The problem lines ``planner validate`` prints for a refused workbook."""
    inp = write_workbook(tmp_path / "in.xlsx", sheets)
    assert main(["validate", str(inp), "-q"]) == 2
    return [line.strip() for line in capsys.readouterr().err.splitlines()[1:] if line.startswith("  ")]


def warnings_of(tmp_path, sheets) -> list[str]:
    """The warnings of a valid workbook, each as located text."""
    return [w.describe() for w in planner.validate(write_workbook(tmp_path / "in.xlsx", sheets)).warnings]


def capacity_warnings(warnings: list[str]) -> list[str]:
    return [w for w in warnings if w.startswith("demand  ")]


# --- (a) the capacity-short warning counts candidate projects --------------------------------------------


def facility_book(project_capacity=150, first_period=2026, refining=(), supply_capacity=1000,
                  extra_projects=()) -> dict:
    """Li mined in AUS, needed in USA (100 t a period); refining only where a candidate project would stand.

    The USA refinery project turns 1 t of raw into 0.8 t; it may be built from ``first_period`` on.
    """
    return {
        "minerals": table("mineral, unmet_penalty", ("Li", 1000)),
        "countries": table("country", ("AUS",), ("USA",)),
        "periods": table("period, years", (2026, 1), (2027, 1)),
        "supply": table("mineral, country, capacity, cost", ("Li", "AUS", supply_capacity, 10)),
        "refining": table("mineral, country, capacity, cost, yield", *refining),
        "demand": table("mineral, market, period, demand", ("Li", "USA", 2026, 100), ("Li", "USA", 2027, 100)),
        "projects": table("project, stage, mineral, country, capacity, cost, fixed_cost, yield, first_period",
                          ("Li refinery USA", "refining", "Li", "USA", project_capacity, 5, 1, 0.8, first_period),
                          *extra_projects),
    }


def test_demand_met_only_through_a_project_is_not_called_unmet(tmp_path):
    # Without the project no refinery exists: 100 t short in each period. Built in full, it refines
    # 150 t (1,000 t mined x 0.8 = 800 t of input would allow more), so capacity covers the 100 t.
    book = facility_book()
    assert capacity_warnings(warnings_of(tmp_path, book)) == [
        "demand  Li 2026: without candidate projects, refining capacity is 0 t against demand of 100 t: at least "
        "100 t (100.0%) will go unmet unless projects are built; short in 2 of 2 periods (2026, 2027), at least "
        "200 t (100.0% of Li's demand) in all; with every candidate project built, capacity covers demand"]
    # And the plan does meet all demand through the project. Hand-worked: building 2/3 of the 150 t refinery
    # in 2026 serves 100 t a period; per period 125 t mined x 10 = 1,250, 100 t refined x 5 = 500, and the
    # fixed cost 1 x 150 t x 2/3 online = 100: 1,850 a period, 3,700 in all (unmet costs 1,000/t instead).
    run = planner.solve(write_workbook(tmp_path / "plan.xlsx", book), explain=False)
    base = run.tables["scenarios"].set_index("scenario").loc["base"]
    assert base["total_cost"] == pytest.approx(3700.0, rel=1e-9)
    unmet = run.tables["unmet"]
    assert unmet.empty or unmet["tonnes"].sum() == pytest.approx(0.0, abs=1e-9)


def test_a_project_too_small_still_leaves_demand_unmet_and_says_so(tmp_path):
    # Built in full the project refines 60 t of the 100 t needed in each period: 40 t (40%) short.
    warnings = capacity_warnings(warnings_of(tmp_path, facility_book(project_capacity=60)))
    assert warnings == [
        "demand  Li 2026: with every candidate project built, refining capacity is 60 t against demand of 100 t: "
        "at least 40 t (40.0%) will go unmet; short in 2 of 2 periods (2026, 2027), at least 80 t (40.0% of Li's "
        "demand) in all"]


def test_a_project_counts_only_from_its_first_period(tmp_path):
    # Online from 2027: 2026 has no refinery at all (100 t short whatever is built); 2027 is met only if it is.
    warnings = capacity_warnings(warnings_of(tmp_path, facility_book(first_period=2027)))
    assert warnings == [
        "demand  Li 2026: refining capacity is 0 t against demand of 100 t: at least 100 t (100.0%) will go unmet; "
        "short in 2027 too unless candidate projects are built"]


def test_a_refinery_projects_yield_counts_and_a_mines_does_not(tmp_path):
    # 100 t mined and refined at a yield of 0.5 (1,000 t of refining): at most 50 t of the 100 t needed.
    # A 10 t mine project adds raw tonnes but no yield (its yield of 2 is not used: 110 x 2 would cover it);
    # the refinery project adds its yield of 0.8: with both, 110 t x the best yield 0.8 = 88 t; 12 t short.
    mine = ("Li mine AUS", "supply", "Li", "AUS", 10, 8, 1, 2, 2026)
    book = facility_book(project_capacity=1000, supply_capacity=100, refining=[("Li", "USA", 1000, 5, 0.5)],
                         extra_projects=[mine])
    warnings = warnings_of(tmp_path, book)
    assert capacity_warnings(warnings) == [
        "demand  Li 2026: with every candidate project built, supply capacity x the best yield is 88 t against "
        "demand of 100 t: at least 12 t (12.0%) will go unmet; short in 2 of 2 periods (2026, 2027), at least "
        "24 t (12.0% of Li's demand) in all"]
    assert "projects!H3  column 'yield': 2 is not used by a supply-stage project (a yield applies to refineries " \
           "only); ignored" in warnings


# --- (b) a bad factor is reported once ---------------------------------------------------------------------


@pytest.mark.parametrize("value, message", [
    (-1.5, "got -1.5; expected a number >= 0 (x)."),
    ("TBD", "got 'TBD'; expected a number >= 0 (x)."),
])
def test_a_bad_factor_is_reported_once_and_not_as_blank(tmp_path, capsys, value, message):
    # Row 3's factor is wrong, row 2's is blank: one problem each, each as what it is.
    sheets = set_cell(base_sheets(), "scenarios", 3, "factor", value)
    set_cell(sheets, "scenarios", 2, "factor", None)
    assert problems_of(tmp_path, capsys, sheets) == [
        f"{cell('scenarios', 2, 'factor')}  column 'factor': is blank; kind supply_capacity needs a factor (a number "
        ">= 0).",
        f"{cell('scenarios', 3, 'factor')}  column 'factor': {message}"]


# --- (c) an unknown market on a market-scoped rule --------------------------------------------------------


def test_unknown_share_market_reads_right(tmp_path, capsys):
    sheets = set_cell(base_sheets(), "shares", 2, "market", "USAA")
    assert problems_of(tmp_path, capsys, sheets) == [
        f"{cell('shares', 2, 'market')}  column 'market': got 'USAA'; expected a market on sheet 'demand' or "
        "'reserve' (did you mean 'USA'?)."]


# --- (d) inputs the spec calls unused are warned about where they are written ------------------------------


def test_a_factor_on_an_export_ban_is_warned(tmp_path):
    # Row 2 bans AUS -> USA supply with a factor of 0.5 (unused); row 3 bans CHN's exports with none (as meant).
    sheets = base_sheets()
    for column, value in (("kind", "export_ban"), ("factor", 0.5), ("to", "USA"), ("stage", "supply")):
        set_cell(sheets, "scenarios", 2, column, value)
    for column, value in (("kind", "export_ban"), ("factor", None), ("country", "CHN")):
        set_cell(sheets, "scenarios", 3, column, value)
    assert [w for w in warnings_of(tmp_path, sheets) if "'factor'" in w] == [
        f"{cell('scenarios', 2, 'factor')}  column 'factor': 0.5 is not used by kind export_ban (a ban closes the "
        "routes whatever the factor); ignored"]


def test_a_yield_on_a_supply_project_is_warned_and_adds_no_capacity(tmp_path):
    # Row 2: the base Li mine project with a yield of 0.9 (unused); row 3: a refinery project, whose yield is used.
    # Li 2027 needs 1,200 t where refining holds 1,000 t: the mine project adds raw tonnes, not refining, so the
    # capacity warning keeps its words (and its figures) as if there were no project.
    sheets = set_cell(base_sheets(), "projects", 2, "yield", 0.9)
    sheets["projects"].append(list(sheets["projects"][1]))
    for column, value in (("project", "Co refinery CHN"), ("stage", "refining"), ("mineral", "Co"),
                          ("country", "CHN"), ("first_period", None)):
        set_cell(sheets, "projects", 3, column, value)
    set_cell(sheets, "demand", 3, "demand", 1200)
    warnings = warnings_of(tmp_path, sheets)
    assert [w for w in warnings if "'yield'" in w] == [
        f"{cell('projects', 2, 'yield')}  column 'yield': 0.9 is not used by a supply-stage project (a yield "
        "applies to refineries only); ignored"]
    assert capacity_warnings(warnings) == [
        "demand  Li 2027: refining capacity is 1,000 t against demand of 1,200 t: at least 200 t (16.7%) will go "
        "unmet, less what its reserves carry over from earlier periods"]


def test_a_zero_penalty_voids_a_soft_limit_and_is_warned(tmp_path):
    # The spec refuses a negative penalty only; 0 is a valid cost per t, so a warning, not an error.
    # Row 3's penalty of 50 is a soft limit as meant.
    sheets = set_cell(base_sheets(), "shares", 2, "penalty", 0)
    set_cell(sheets, "shares", 3, "penalty", 50)
    assert [w for w in warnings_of(tmp_path, sheets) if "'penalty'" in w] == [
        f"{cell('shares', 2, 'penalty')}  column 'penalty': 0 lets the limit be missed at no cost, so the rule "
        "limits nothing; leave penalty blank for a hard limit, or give the cost per t of missing it"]

"""Each output table declared once (planner/tables.py): the analysis merges by the declarations, the report
shows them, the charts find their columns by name.

The hand-worked workbook ``two_minerals`` has two blocks (nothing ties li to co). li: 60 t mined in AUS at 10
and refined at 2, 100 t needed in KOR, the rest unmet at 1,000: 60 x 12 + 40 x 1,000 = 40,720. co: 50 t at
15 + 5 = 1,000. Base: 41,720, 40 t unmet of 150 (26.7%: li's block alone says 40%, co's 0%). "AUS half"
halves AUS's mines: li 30 x 12 + 70 x 1,000 = 70,360, co unchanged: 71,360, a change of 29,640 (71.0% of
the base plan's cost) and 70 t unmet of 150. With probability 0.2 the hedge expects 0.8 x 41,720 + 0.2 x
71,360 = 47,648.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from benchmarks.generate import generate
from planner.analysis.merge import DERIVE, RECOMPUTE, finished, merge_stress, merge_tables
from planner.analysis.outcome import Outcome
from planner.input.blocks import independent_blocks, restrict
from planner.pipeline import COMMANDS, load, run_block, run_command
from planner.report import charts as C
from planner.report.columns import column
from planner.report.sheets import Style, table_sheet
from planner.runinfo import Stages
from planner.tables import (
    COMBINE,
    DERIVED,
    FLAG,
    MONEY,
    OUTCOMES,
    RECOMPUTED,
    ROWS,
    SHARE,
    SHARED,
    SUM,
    TABLES,
    TEXT,
    Col,
    declared,
)
from tests.workbooks import table, write_workbook

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "inputs" / "example.xlsx"
UNITS = {"money", "money/t", "t", "share", "count", "index", "days", "x", "s", "text", "flag", "ratio", "years"}
OPTIONS = {"solve": {"explain_plan": True}, "stress": {"reserve_days": [0.0, 60.0]}, "hedge": {},
           "frontier": {"frontier_stages": ("refining",)}}


def two_minerals():
    return {
        "minerals": table("mineral, unmet_penalty", ("li", 1000), ("co", 1000)),
        "countries": table("country", ("AUS",), ("KOR",)),
        "periods": table("period", (2026,)),
        "supply": table("mineral, country, capacity, cost", ("li", "AUS", 60, 10), ("co", "AUS", 10_000, 15)),
        "refining": table("mineral, country, capacity, cost", ("li", "AUS", 10_000, 2), ("co", "AUS", 10_000, 5)),
        "demand": table("mineral, market, period, demand", ("li", "KOR", 2026, 100), ("co", "KOR", 2026, 50)),
        "scenarios": table("scenario, kind, factor, country, probability",
                           ("AUS half", "supply_capacity", 0.5, "AUS", 0.2)),
    }


@pytest.fixture(scope="module")
def two(tmp_path_factory) -> Path:
    return write_workbook(tmp_path_factory.mktemp("two") / "two.xlsx", two_minerals())


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    # Projects, soft limits and market rules: Investments, Capacity built, Excess, Paths and Project values.
    return generate(tmp_path_factory.mktemp("world") / "world.xlsx", minerals=3, countries=12, periods=3, markets=2,
                    scenarios=2, seed=5, version=2)


def block_outcomes(command: str, path: Path) -> tuple[object, list[Outcome]]:
    """The workbook and each of its blocks' outcomes, as the pipeline hands them to the merge."""
    data = load(path, Stages())
    options = COMMANDS[command].options(**OPTIONS.get(command, {}))
    return data, [run_block(COMMANDS[command], restrict(data, group), options, Stages())[0]
                  for group in independent_blocks(data)]


# --- the declarations themselves -----------------------------------------------------------------------------

def test_every_declared_column_has_a_unit_a_note_and_a_way_to_combine():
    for t in TABLES.values():
        assert t.rows in ROWS and set(t.keys) <= set(t.columns), t.name
        for name, col in [*t.columns.items(), *([("(others)", t.others)] if t.others else [])]:
            assert col.unit in UNITS, (t.name, name)
            assert col.note.strip().endswith((".", ")")) and len(col.note) > 5, (t.name, name)
            assert col.combine in COMBINE, (t.name, name)


def test_a_table_every_block_lists_says_how_each_column_combines_and_never_adds_a_share():
    for t in (t for t in TABLES.values() if t.rows == SHARED):
        assert t.keys, t.name
        for name, col in t.columns.items():
            if col.combine == SUM:  # a share or a status added over blocks means nothing: shares are recomputed
                assert col.unit not in (SHARE, TEXT, FLAG), (t.name, name)
        if t.combined(RECOMPUTED):
            assert t.name in RECOMPUTE, t.name
    assert set(RECOMPUTE) <= {t.name for t in TABLES.values() if t.combined(RECOMPUTED)}


def test_every_derived_table_names_its_sources_and_each_command_builds_it():
    for command, tables in OUTCOMES.items():
        assert set(tables.values()) <= set(TABLES), command
        derived = {name for name, declared_as in tables.items() if TABLES[declared_as].rows == DERIVED}
        assert derived == set(DERIVE.get(command, {})), command
        for name in derived:
            assert set(declared(command, name).sources) <= set(tables), (command, name)
    # Every table is some command's, but the Explain sheet's reading guide, which no solve makes.
    shown = {t for tables in OUTCOMES.values() for t in tables.values()}
    assert set(TABLES) - shown == {"explain"}


def test_a_column_no_table_declares_is_refused_naming_table_and_column():
    with pytest.raises(KeyError, match="'spot_cost' of table 'stress' is not declared in planner/tables.py"):
        column("stress", "spot_cost")
    with pytest.raises(KeyError, match="planner hedge's table 'stress' is not declared"):
        declared("hedge", "stress")


# --- every table a command writes is declared -------------------------------------------------------------------

@pytest.mark.parametrize("command", ["solve", "stress", "hedge", "frontier"])
@pytest.mark.parametrize("case", ["example", "world"])
def test_every_table_an_outcome_holds_is_declared_column_by_column_in_its_order(command, case, world):
    path = EXAMPLE if case == "example" else world
    run = run_command(command, path, **OPTIONS[command])
    assert run.ok
    assert list(run.tables) == [name for name in OUTCOMES[command] if name in run.tables]  # the declared order
    for name, frame in run.tables.items():
        table = declared(command, name)
        columns = list(frame.columns)
        assert columns == table.order(columns), (command, name)
        undeclared = table.data_named(columns) if table.others is None else []
        assert not undeclared, f"{command} {name}: {undeclared} not declared"
        keys = [k for k in table.keys if k in columns]  # a site's project: only where the workbook has projects
        assert frame.duplicated(keys).sum() == 0, f"{command} {name}: keys {keys} repeat"


# --- merging by declaration ------------------------------------------------------------------------------------

def test_two_blocks_merged_by_declaration_give_the_hand_worked_scenarios_with_shares_of_the_whole(two):
    data, outcomes = block_outcomes("solve", two)
    assert len(outcomes) == 2
    shares = [o.tables["scenarios"].set_index("scenario")["unmet_share"].tolist() for o in outcomes]
    assert sorted(shares) == [[0.0, 0.0], [0.4, 0.7]]  # li's block alone: 40% and 70%; co's: none
    merged = merge_tables("solve", data, outcomes)["scenarios"].set_index("scenario")
    assert merged["status"].tolist() == ["Optimal", "Optimal"]
    assert merged["total_cost"].tolist() == pytest.approx([41_720, 71_360])
    assert merged["cost_change"].tolist() == pytest.approx([0, 29_640])
    assert merged["unmet_tonnes"].tolist() == pytest.approx([40, 70])
    assert merged["unmet_share"].tolist() == pytest.approx([40 / 150, 70 / 150])  # of the whole demand
    assert merged["cost_change_pct"].tolist() == pytest.approx([0, 29_640 / 41_720])
    assert merged.loc["base", "supply_cost"] == pytest.approx(60 * 10 + 50 * 15)


@pytest.mark.parametrize("command, tables", [("solve", ["scenarios"]), ("stress", ["stress", "scenarios"]),
                                             ("hedge", ["scenarios", "hedge_costs"])])
def test_every_table_the_blocks_share_merges_to_the_joint_solves(two, command, tables):
    joint = run_command(command, two, joint=True)
    blocks = run_command(command, two, block_workers=1)
    assert joint.report.blocks[0] == 1 and blocks.report.blocks[0] == 2
    for name in tables:
        assert declared(command, name).rows == SHARED
        pd.testing.assert_frame_equal(blocks.tables[name], joint.tables[name], rtol=1e-12)
    if command == "stress":
        row = blocks.tables["stress"].iloc[0]
        assert (row["total_cost"], row["extra_cost"], row["unmet_tonnes"]) == pytest.approx((71_360, 29_640, 70))
    if command == "hedge":
        assert blocks.tables["hedge_costs"]["expected_cost"].tolist() == pytest.approx([47_648, 47_648])


def test_a_scenario_one_block_failed_keeps_its_worst_status_and_no_sums(two):
    data, outcomes = block_outcomes("stress", two)
    first = outcomes[0].tables["stress"]
    outcomes[0].tables["stress"] = first.assign(status="Infeasible", total_cost=None)
    merged = merge_tables("stress", data, outcomes)["stress"].iloc[0]
    assert merged["status"] == "Infeasible" and merged["first_period"] == "2026"
    assert pd.isna(merged["total_cost"]) and pd.isna(merged["extra_cost"])


def test_derived_tables_are_built_once_after_the_merge_never_by_a_block(two):
    data, outcomes = block_outcomes("solve", two)
    assert not any(name in o.tables for o in outcomes for name in ("mix", "who_pays", "capacity_built"))
    whole = finished("solve", data, merge_tables("solve", data, outcomes))
    mix = whole["mix"].set_index(["mineral", "stage", "period"])["AUS"]
    assert mix.to_dict() == pytest.approx({("li", "supply", "2026"): 60, ("li", "refining", "2026"): 60,
                                           ("co", "supply", "2026"): 50, ("co", "refining", "2026"): 50})
    outcomes[0].tables["mix"] = whole["mix"]
    with pytest.raises(ValueError, match="table mix is built after the merge, not by a block"):
        merge_tables("solve", data, outcomes)


# --- adding a column is one edit ---------------------------------------------------------------------------------

def test_a_column_added_to_a_declaration_is_merged_and_written_with_its_unit_and_note(two, monkeypatch):
    """The one edit: a throwaway column spot_cost on Stress, declared with its unit, note and combination.
    Nothing else changes: the merge adds it over the blocks, the sheet formats and annotates it."""
    stress = TABLES["stress"]
    spot_cost = Col(MONEY, "What the spot purchases cost.", combine=SUM)
    monkeypatch.setitem(TABLES, "stress", dataclasses.replace(stress, columns={**stress.columns,
                                                                                "spot_cost": spot_cost}))
    data, outcomes = block_outcomes("stress", two)
    for cost, outcome in zip((120.0, 3.5), outcomes):  # what each block's analysis would have computed
        outcome.tables["stress"]["spot_cost"] = cost
    merged = merge_stress(data, outcomes).tables["stress"]
    assert list(merged.columns)[-1] == "spot_cost" and merged["spot_cost"].tolist() == [123.5]
    sheet = table_sheet("Stress", "stress", merged, Style("USD", "millions"))
    assert sheet.notes["spot_cost"] == "What the spot purchases cost. (million USD)"
    assert sheet.formats["spot_cost"] == "#,##0.0,,"
    assert "money in million USD" in sheet.units


# --- charts find their columns by name ---------------------------------------------------------------------------

def _series(builders) -> list[tuple[str, str]]:
    book = xlsxwriter.Workbook(io.BytesIO())
    return [(s["categories"], s["values"]) for build in builders for s in build(book).series]


def test_charts_find_their_columns_by_name_wherever_they_stand():
    # Columns in an order no table writes them: every series still reads its own column.
    reserve = pd.DataFrame({"target": [2.0, 2.0], "period": ["2026", "2027"], "stock": [5.0, 1.0],
                            "scenario": "base", "mineral": "li", "market": "EU", "shortfall": [0.0, 1.0]})
    assert _series(C.reserve_charts("Reserve", reserve)) == [("Reserve!$B$2:$B$3", "Reserve!$C$2:$C$3"),
                                                             ("Reserve!$B$2:$B$3", "Reserve!$A$2:$A$3")]
    mix = pd.DataFrame({"AUS": [3.0, 4.0], "mineral": "li", "period": ["2026", "2027"], "stage": "supply",
                        "CHN": [1.0, 0.0]})
    assert _series(C.mix_charts("Mix", mix)) == [("Mix!$C$2:$C$3", "Mix!$A$2:$A$3"), ("Mix!$C$2:$C$3", "Mix!$E$2:$E$3")]
    built = pd.DataFrame({"period": ["2026", "2027"], "KOR": [0.0, 5.0], "scenario": "base", "mineral": "li",
                          "stage": "supply"})
    assert _series(C.capacity_built_charts("Built", built)) == [("Built!$A$2:$A$3", "Built!$B$2:$B$3")]
    wide = pd.DataFrame({"li": [0.0, 2.0], "reserve_days": [0.0, 30.0], "scenario": "cut"})
    assert _series(C.sizing_charts("Sizing", wide)) == [("Sizing!$B$2:$B$3", "Sizing!$A$2:$A$3")]

"""Who leads each mineral and stage in a scenario: values from the analysis, words only in the written sheet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import planner
from planner.analysis.compare import Leader
from planner.report.sheets import leader_text

EXAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "example.xlsx"


@pytest.mark.parametrize(("leader", "text"), [
    (Leader("CHN", 0.72, "CHN", 0.72), "CHN 72%"),
    (Leader("CHN", 0.72, "CHN", 0.724), "CHN 72%"),  # moved by less than half a point: unchanged
    (Leader("CHN", 0.72, "CHN", 0.80), "CHN 72% (80%)"),
    (Leader("AUS", 0.40, "CHN", 0.55), "AUS 40% (CHN 55%)"),
    (Leader("CHL", 0.51), "CHL 51%"),  # the base plan itself: nothing to compare with
    (None, "-"),
])
def test_a_leader_reads_as_the_scenarios_sheet_writes_it(leader, text):
    assert leader_text(leader) == text


def test_the_api_returns_leaders_as_values_and_the_sheet_as_words(tmp_path):
    out = tmp_path / "plan.xlsx"
    run = planner.solve(EXAMPLE, out, explain=False)
    tables = run.tables["scenarios"].set_index("scenario")
    leader = tables.at["cobalt quota and demand surge", "lithium supply"]
    assert isinstance(leader, Leader) and leader.country == "AUS" and leader.base_country == "CHL"
    assert leader.share == pytest.approx(0.53, abs=0.005) and leader.moved
    written = pd.read_excel(out, sheet_name="Scenarios").set_index("scenario")
    assert written.at["cobalt quota and demand surge", "lithium supply"] == leader_text(leader) == "AUS 53% (CHL 51%)"

"""The lean reference (benchmarks/lean.py): written from the spec alone, it finds the planner's optima.

Its time is the yardstick of issue 29's speed target, so it must stay independent of the planner (no
``planner`` import) and right on its own: it reproduces every hand-worked optimum of
test_hand_solved.py, and on inputs/example.xlsx every scenario's total_cost on the plan's
``Scenarios`` sheet equals its optimum to a relative 1e-6, as benchmarks/lean_compare.py checks.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import planner
from benchmarks import lean, lean_compare
from planner.progress import Progress
from tests.test_hand_solved import CASES
from tests.workbooks import write_workbook

EXAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "example.xlsx"


def test_lean_reference_imports_nothing_of_the_planner():
    tree = ast.parse(Path(lean.__file__).read_text())
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert imported and not [module for module in imported if module.split(".")[0] in ("planner", "pulp")]


@pytest.mark.parametrize("sheets, expected", CASES)
def test_lean_reference_finds_the_hand_worked_optima(tmp_path, sheets, expected):
    result = lean.solve_all(write_workbook(tmp_path / "in.xlsx", sheets))
    found = {row["scenario"].lower(): row["objective"] for row in result["scenarios"]}
    assert all(row["status"] == "Optimal" for row in result["scenarios"])
    assert found["base"] == pytest.approx(expected["total_cost"], rel=1e-9)
    for scenario, cost in expected.get("scenarios", {}).items():
        assert found[scenario.lower()] == pytest.approx(cost, rel=1e-9, abs=1e-9), scenario


@pytest.mark.parametrize("by_block", [False, True], ids=["one program", "blocks"])
def test_lean_reference_agrees_with_planner_solve_on_the_example(tmp_path, by_block):
    plan = tmp_path / "plan.xlsx"
    run = planner.solve(EXAMPLE, plan, explain=False, progress=Progress(quiet=True))
    reference = lean.solve_all(EXAMPLE, by_block)["scenarios"]

    assert run.status == "Optimal"
    assert [row["scenario"] for row in reference] == ["base", "graphite export ban", "cobalt quota and demand surge"]
    assert lean_compare.disagreements(reference, lean_compare.plan_costs(plan)) == []
    # the scenarios cost what they cost: agreement is not two zeros or two copies of the base
    assert len({round(row["objective"]) for row in reference}) == 3 and min(r["objective"] for r in reference) > 9e6

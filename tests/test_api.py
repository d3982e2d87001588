"""The Python API: one call per command, each returning its tables as DataFrames and its run report."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import planner
import planner.pipeline  # imports every layer: the API's names must still be the API's functions
from planner.model.pulp_export import to_pulp

EXAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "example.xlsx"


def test_api_names_are_the_commands():
    for name in ("solve", "stress", "sweep", "frontier", "validate", "build", "template"):
        assert callable(getattr(planner, name)), name
    with pytest.raises(AttributeError):
        planner.no_such_command  # noqa: B018


def test_solve_returns_tables_and_a_report_without_writing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = planner.solve(EXAMPLE)
    assert run.ok and run.status == "Optimal"
    assert list(run.tables["scenarios"]["scenario"])[0] == "base"
    assert {"flows", "deliveries", "refining", "reserve", "unmet", "policy_costs", "shadow_prices"} <= set(run.tables)
    assert all(isinstance(frame, pd.DataFrame) for frame in run.tables.values())
    report = run.report
    assert report.command == "solve" and report.solver == "highs" and report.output_path is None
    assert len(report.input_sha256) == 64
    # Solved mineral by mineral, the blocks add up to the one joint model.
    assert report.model_size == planner.build(EXAMPLE).size and report.blocks[0] == 3
    assert {"read", "validate", "build", "solve", "explain"} <= set(report.timings)
    assert not list(tmp_path.iterdir())  # nothing written without an output


def test_each_command_writes_its_workbook(tmp_path):
    runs = {
        "plan": planner.solve(EXAMPLE, tmp_path / "plan.xlsx", explain=False),
        "stress": planner.stress(EXAMPLE, tmp_path / "stress.xlsx", reserve_days=[0, 30]),
        "sweep": planner.sweep(EXAMPLE, tmp_path / "sweep.xlsx", samples=4, workers=1),
        "frontier": planner.frontier(EXAMPLE, tmp_path / "frontier.xlsx", minerals=["lithium"], stages=["refining"]),
    }
    for name, run in runs.items():
        assert run.ok, (name, run.status)
        assert Path(run.report.output_path) == tmp_path / f"{name}.xlsx"
        sheets = pd.read_excel(run.report.output_path, sheet_name=None)
        assert sheets["Summary"].set_index("item").loc["status", "value"] == "Optimal"
        info = sheets["Run info"].set_index("item")["value"]
        assert info["command"] == run.report.command and info["input_sha256"] == run.report.input_sha256
    assert set(runs["stress"].tables) >= {"stress", "stress_by_mineral", "reserve_sizing"}
    assert len(runs["sweep"].tables["samples"]) == 4
    assert set(runs["frontier"].tables["frontier"]["mineral"]) == {"lithium"}


def test_build_returns_the_model_and_its_pulp_problem():
    model = planner.build(EXAMPLE)
    problem = to_pulp(model)
    assert len(problem.variables) == model.num_cols and len(problem.constraints) == model.num_rows


def test_a_script_without_a_main_guard_can_use_worker_processes(tmp_path):
    # Spawned workers import the parent's __main__; the planner's workers must not re-run the script.
    import subprocess
    import sys

    script = tmp_path / "plan.py"
    script.write_text("import planner\n"
                      f"run = planner.solve({str(EXAMPLE)!r}, workers=2)\n"
                      "print(run.status, run.report.blocks[1])\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Optimal") and "local worker processes" in done.stdout

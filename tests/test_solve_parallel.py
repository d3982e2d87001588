"""Solving in threads: HiGHS instances never race on file descriptors, and any number of workers
gives the same plans as one."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.generate import generate
from planner.analysis.plan import solve_scenarios
from planner.api import validate
from planner.model.build import build_model
from planner.pipeline import run_command
from planner.runinfo import Stages
from planner.solver import HighsSession
from planner.solver.executors import OnDemand
from tests.test_blocks import assert_same_tables
from tests.workbooks import table, write_workbook

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "inputs" / "example.xlsx"

# Eight threads create HiGHS sessions at the same moment, with os.dup2 slowed down so that any
# unguarded swap of descriptor 1 would interleave; then the process prints on stdout. Before the
# fix, each session swapped descriptor 1 to /dev/null and back without a lock, and a thread could
# "restore" another thread's /dev/null: the closing line was lost.
CHILD = textwrap.dedent("""
    import os, sys, threading, time
    from planner.api import validate
    from planner.model.build import build_model
    from planner.solver import HighsSession

    model = build_model(validate(sys.argv[1]))
    real_dup2, calls = os.dup2, []

    def slow_dup2(a, b, *args, **kwargs):
        calls.append(threading.current_thread().name)
        time.sleep(0.05)
        return real_dup2(a, b, *args, **kwargs)

    os.dup2 = slow_dup2
    barrier = threading.Barrier(8)

    def make():
        barrier.wait()
        HighsSession(model)

    threads = [threading.Thread(target=make, name=f"worker-{i}") for i in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    HighsSession(model)  # and once more from the main thread
    print("alive after", len(calls), "descriptor swaps", flush=True)
""")


def test_sessions_created_in_threads_leave_stdout_alone():
    done = subprocess.run([sys.executable, "-c", CHILD, str(EXAMPLE)], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "Running HiGHS" not in done.stdout  # the banner is silenced ...
    assert "alive after" in done.stdout, done.stdout  # ... and stdout survives
    # HiGHS prints its banner once per process: descriptor 1 is swapped (and back) once, not per session.
    assert done.stdout.strip().endswith("alive after 2 descriptor swaps")


def many_scenarios(path: Path) -> Path:
    """Three origins, two refiners, two markets, three periods, and nine scenarios of every kind."""
    kinds = [("supply_capacity", 0.0, "AUS"), ("supply_capacity", 0.5, "CHN"), ("refining_capacity", 0.3, "CHN"),
             ("supply_cost", 1.8, "CAN"), ("refining_cost", 2.0, "USA"), ("demand", 1.4, "EU"),
             ("demand", 0.6, "USA"), ("supply_capacity", 0.2, None), ("refining_capacity", 0.0, "USA")]
    return write_workbook(path, {
        "minerals": table("mineral, unmet_penalty", ("li", 500)),
        "countries": table("country", ("AUS",), ("CHN",), ("CAN",), ("USA",)),
        "periods": table("period", (2026,), (2027,), (2028,)),
        "supply": table("mineral, country, capacity, cost", ("li", "AUS", 60, 10), ("li", "CHN", 80, 8),
                        ("li", "CAN", 50, 14)),
        "refining": table("mineral, country, capacity, cost", ("li", "CHN", 90, 4), ("li", "USA", 60, 9)),
        "demand": table("mineral, market, period, demand", *[("li", d, t, q) for t in (2026, 2027, 2028)
                                                              for d, q in (("USA", 50), ("EU", 40))]),
        "shares": table("stage, scope, max_share", ("refining", "CHN", 0.7)),
        "scenarios": table("scenario, kind, factor, country",
                           *[(f"s{i}", kind, f, c) for i, (kind, f, c) in enumerate(kinds)]),
    })


@pytest.mark.parametrize("workbook", ["example", "many"])
def test_several_workers_give_the_one_worker_plans(tmp_path, workbook):
    path = EXAMPLE if workbook == "example" else many_scenarios(tmp_path / "many.xlsx")
    data = validate(path)
    plans = {}
    for workers in (1, 4):
        model = build_model(data)
        results = solve_scenarios(model, data, HighsSession(model), Stages(), workers=workers)
        assert all(r.optimal for r in results)
        plans[workers] = results
    for one, four in zip(plans[1], plans[4]):
        assert one.scenario == four.scenario
        assert one.total_cost == pytest.approx(four.total_cost, rel=1e-12)
        for name, frame in one.tables.items():
            pd.testing.assert_frame_equal(frame, four.tables[name], check_exact=False, rtol=1e-9, atol=1e-9)


def mixed_integer_world(tmp_path: Path) -> Path:
    """A generated workbook (3 minerals, version 2) whose candidate projects include all-or-nothing ones."""
    return generate(tmp_path / "w.xlsx", minerals=3, countries=10, periods=3, markets=2, scenarios=1, seed=1)


def test_explain_on_two_worker_processes_gives_the_one_process_tables(tmp_path):
    # One mixed-integer model (a generated workbook solved jointly; some candidate projects are all-or-nothing)
    # whose rules bind: with --workers 2 explain hands its re-solves to two worker processes, each re-solve in
    # a fresh HiGHS instance; every table must be the one of the same re-solves made one after another here.
    path = mixed_integer_world(tmp_path)
    here = run_command("solve", path, joint=True, block_workers=1, explain_plan=True)
    apart = run_command("solve", path, tmp_path / "plan.xlsx", joint=True, block_workers=2, explain_plan=True)
    assert dict(here.report.items())["model_integer_columns"] > 0
    binding = here.tables["policy_costs"]["rule_cost"].abs() > 1
    assert binding.sum() >= 5
    assert_same_tables(here, apart)
    # Run info, read back: how many re-solves ran, where, and the solver's seconds for them.
    info = pd.read_excel(tmp_path / "plan.xlsx", sheet_name="Run info").set_index("item")["value"]
    resolved = dict(here.report.items())["explain_resolves"]
    assert resolved >= binding.groupby(here.tables["policy_costs"]["rule"]).any().sum()
    assert int(info["explain_resolves"]) == resolved
    assert info["explain_resolves_solved_by"] == "on 2 local worker processes"
    assert dict(here.report.items())["explain_resolves_solved_by"] == "in this process"
    assert float(info["explain_resolves_seconds"]) > 0


def test_explain_hands_its_re_solves_to_workers_once_they_repay_it(tmp_path, monkeypatch):
    # With no --workers, explain solves the first re-solve here and times it; the rest go to worker processes
    # when they would take longer here than starting the workers. Workers free to start: every re-solve but
    # the first goes to them, and the tables are those of a run that made every re-solve here.
    path = mixed_integer_world(tmp_path)
    here = run_command("solve", path, joint=True, block_workers=1, explain_plan=True)
    monkeypatch.setattr(OnDemand, "START_SECONDS", 0.0)
    shared = run_command("solve", path, joint=True, explain_plan=True)
    assert_same_tables(here, shared)
    resolved = dict(here.report.items())["explain_resolves"]
    where = dict(shared.report.items())["explain_resolves_solved_by"]
    assert where.endswith(", 1 in this process") and where.startswith(f"{resolved - 1} on ")


def test_linear_re_solves_on_workers_start_from_the_base_basis(tmp_path):
    # A linear plan: each re-solve without a rule starts from the base basis, which travels to the workers as
    # arrays (a HiGHS basis does not pickle). Started from the same basis, a worker's fresh instance takes the
    # same simplex path as this process: the same iterations, the same plan, and far fewer iterations than
    # the same re-solves started cold.
    from planner.analysis.explain import ZERO_DUAL, policy_rules
    from planner.analysis.resolves import resolve_all
    from planner.model.build import numbers_for, without_rows

    data = validate(generate(tmp_path / "w.xlsx", minerals=3, countries=10, periods=3, markets=2, scenarios=1,
                             seed=4, version=1))
    model = build_model(data)
    session = HighsSession(model)
    numbers = numbers_for(model, data)
    base = session.solve(numbers)
    assert not base.mip
    rules = [(rule, rows) for _policy, rule, rows, _m in policy_rules(model, data)
             if (abs(base.row_dual[rows]) > ZERO_DUAL).any()]
    assert len(rules) >= 3
    row_sets, labels = [rows for _r, rows in rules], [rule for rule, _rows in rules]
    here = resolve_all(model, session, numbers, base, row_sets, labels, Stages())
    stages = Stages()
    with stages.sharing(OnDemand(2)):
        apart = resolve_all(model, session, numbers, base, row_sets, labels, stages)
    assert stages.batches["explain_resolves"].where() == "on 2 local worker processes"
    assert [s.iterations for s in apart] == [s.iterations for s in here]
    for one, other in zip(here, apart):
        assert one.optimal and other.optimal
        assert other.objective == pytest.approx(one.objective, rel=1e-12)
        np.testing.assert_allclose(other.x, one.x, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(other.row_dual, one.row_dual, rtol=1e-9, atol=1e-9)
    cold = [HighsSession(model).solve(without_rows(numbers, model, rows)) for rows in row_sets]
    assert sum(s.iterations for s in here) < sum(s.iterations for s in cold) / 2


@pytest.mark.parametrize("workers", [1, 2])
def test_a_scenario_that_changes_nothing_is_the_base_plan_solved_once(tmp_path, monkeypatch, workers):
    # li: AUS mines at 10/t, CHL at 30/t, EU needs 80 t. "AUS halt" takes AUS's supply away (the plan moves to
    # CHL: 80 x 30 instead of 80 x 10); the two "no change" scale a supply by 1. Only the three that change
    # something are solved again, interleaved with the two that do not.
    path = write_workbook(tmp_path / "in.xlsx", {
        "minerals": table("mineral, unmet_penalty", ("li", 1000)),
        "periods": table("period", (2026,)),
        "countries": table("country", ("AUS",), ("CHL",), ("CHN",)),
        "supply": table("mineral, country, capacity, cost", ("li", "AUS", 100, 10), ("li", "CHL", 100, 30)),
        "refining": table("mineral, country, capacity, cost", ("li", "CHN", 1000, 0)),
        "demand": table("mineral, market, period, demand", ("li", "EU", 2026, 80)),
        "scenarios": table("scenario, kind, factor, mineral, country, period",
                           ("AUS half", "supply_capacity", 0.5, "li", "AUS", 2026),
                           ("no change", "supply_capacity", 1, "li", "AUS", 2026),
                           ("AUS halt", "supply_capacity", 0, "li", "AUS", 2026),
                           ("no change either", "supply_capacity", 1, "li", "CHL", 2026),
                           ("CHL halt", "supply_capacity", 0, "li", "CHL", 2026)),
    })
    solved = []
    real = HighsSession.solve
    monkeypatch.setattr(HighsSession, "solve", lambda self, *a, **k: solved.append(1) or real(self, *a, **k))
    data = validate(path)
    model = build_model(data)
    results = {r.scenario: r for r in solve_scenarios(model, data, HighsSession(model), Stages(), workers=workers)}
    assert len(solved) == 4  # base, AUS half, the two halts: each paired with its own scenario below
    # AUS half: 50 t at 10 and 30 t at 30 = 1,400; CHL halt: AUS alone, 800.
    assert [results[s].total_cost for s in ("base", "AUS half", "no change", "AUS halt", "no change either",
                                            "CHL halt")] == pytest.approx([800, 1400, 800, 2400, 800, 800])
    for same in ("no change", "no change either"):
        assert results[same].solution.solve_seconds == 0.0
        np.testing.assert_array_equal(results[same].solution.x, results["base"].solution.x)

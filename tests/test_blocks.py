"""Minerals solved as independent blocks give the joint model's answers.

No constraint spans two minerals, so each mineral's optimum is the same whether it is solved alone
or beside the others: every optimal value (a scenario's cost, a mineral's, a rule's, a frontier
step's) must agree to a relative 1e-9, and where the optimum is unique (one optimal plan, one set of
duals) so must every table and every dual. Where a mineral has several optimal plans (equally cheap
sources: the example's lithium in 2028 and most of the shipped dataset's minerals), HiGHS may return
a different one for the joint model than for the mineral alone; the blocks' plan is then checked to
obey every rule, by the independent checker, at the joint optimum's cost.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import planner
from benchmarks.generate import generate
from planner.input.blocks import independent_blocks
from planner.pipeline import run_command
from tests.checks import check_plan

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "inputs" / "example.xlsx"
DATASET = ROOT / "inputs" / "critical-minerals-2026.xlsx"

# Columns that hold optimal objective values (and their keys): the same for every optimal solution.
OPTIMA = {
    "scenarios": ["scenario", "status", "total_cost", "cost_change"],
    "scenario_minerals": ["scenario", "mineral", "mineral_cost", "cost_change"],
    "policy_costs": ["policy", "rule", "mineral", "cost_with", "cost_without", "rule_cost"],
    "frontier": ["mineral", "stage", "scope", "max_share", "status", "mineral_cost", "extra_cost"],
    "frontier_summary": ["mineral", "stage", "scope", "max_share", "extra_cost"],
    "hedge_costs": ["builds", "expected_cost"],
}
OPTIMA_SUMMARY = ("total_cost", "expected_cost")


def _same_column(name: str, column: str, a: pd.Series, b: pd.Series, rtol: float) -> None:
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
        values = a.to_numpy(float)
        scale = max(1.0, float(np.nanmax(np.abs(values)))) if len(a) and not np.isnan(values).all() else 1.0
        np.testing.assert_allclose(b.to_numpy(float), values, rtol=rtol, atol=rtol * scale,
                                   err_msg=f"{name}.{column}")
    elif any(isinstance(v, tuple) for v in a):  # records (a scenario's Leader): names exactly, numbers to rtol
        for x, y in zip(a.tolist(), b.tolist()):
            assert isinstance(x, tuple) == isinstance(y, tuple) and (isinstance(x, tuple) or x == y or x != x), \
                f"{name}.{column}: {x!r} against {y!r}"
            for u, v in zip(x, y) if isinstance(x, tuple) else ():
                if isinstance(u, float) and isinstance(v, float):
                    assert v == pytest.approx(u, rel=rtol, abs=rtol), f"{name}.{column}: {x!r} against {y!r}"
                else:
                    assert u == v, f"{name}.{column}: {x!r} against {y!r}"
    else:
        assert a.astype(object).where(a.notna(), None).tolist() == \
            b.astype(object).where(b.notna(), None).tolist(), f"{name}.{column}"


def assert_same_tables(joint: planner.Run, blocks: planner.Run, rtol: float = 1e-9) -> None:
    """Every table of ``blocks`` equals the joint run's: the same columns, rows in the same order, numbers to rtol."""
    assert joint.ok and blocks.ok
    assert list(blocks.tables) == list(joint.tables)
    for name, expected in joint.tables.items():
        got = blocks.tables[name]
        assert list(got.columns) == list(expected.columns), name
        assert len(got) == len(expected), name
        for column in expected.columns:
            _same_column(name, column, expected[column], got[column], rtol)
    assert dict(blocks.outcome.summary).keys() == dict(joint.outcome.summary).keys()
    for item, value in joint.outcome.summary:
        other = dict(blocks.outcome.summary)[item]
        if isinstance(value, float) and isinstance(other, float):
            assert other == pytest.approx(value, rel=rtol, abs=rtol), item
        else:
            assert other == value, item


def assert_same_optima(joint: planner.Run, blocks: planner.Run, rtol: float = 1e-9) -> None:
    """The optimal values of ``blocks`` (OPTIMA) equal the joint run's, row for row."""
    assert joint.ok and blocks.ok
    compared = 0
    for name, columns in OPTIMA.items():
        if name not in joint.tables:
            continue
        expected, got = joint.tables[name], blocks.tables[name]
        assert len(got) == len(expected), name
        for column in [c for c in columns if c in expected.columns]:  # hedge's Scenarios has no status
            _same_column(name, column, expected[column], got[column], rtol)
        compared += 1
    assert compared, "no table of optimal values to compare"
    for item in OPTIMA_SUMMARY:
        if item in dict(joint.outcome.summary):
            assert dict(blocks.outcome.summary)[item] == pytest.approx(dict(joint.outcome.summary)[item], rel=rtol)


def both(command: str, path, **options) -> tuple[planner.Run, planner.Run]:
    joint = run_command(command, path, joint=True, **options)
    blocks = run_command(command, path, block_workers=1, **options)
    return joint, blocks


def test_every_mineral_is_its_own_block():
    data = planner.validate(EXAMPLE)
    assert independent_blocks(data) == [(m,) for m in data.minerals]


def _world(path: Path, version: int) -> Path:
    return generate(path, minerals=4, countries=16, periods=4, markets=3, scenarios=2, seed=5, version=version)


@pytest.mark.parametrize("command, options", [
    ("solve", {"explain_plan": True}),
    ("stress", {"reserve_days": [0.0, 60.0]}),
    ("frontier", {"frontier_stages": ("supply", "refining"), "scope": "*", "step": 0.1, "minerals": []}),
])
def test_where_the_optimum_is_unique_every_table_and_dual_matches(tmp_path, command, options):
    assert_same_tables(*both(command, _world(tmp_path / "world.xlsx", version=1), **options))


@pytest.mark.parametrize("case", ["example", "world"])
def test_blocks_reach_the_joint_optimum_with_a_plan_that_obeys_every_rule(tmp_path, case):
    path = EXAMPLE if case == "example" else _world(tmp_path / "world.xlsx", version=2)
    joint = run_command("solve", path, joint=True, explain_plan=True)
    out = tmp_path / "blocks.xlsx"
    blocks = run_command("solve", path, out, block_workers=1, explain_plan=True)
    assert blocks.report.blocks[0] == len(blocks.data.minerals) > 1
    assert_same_optima(joint, blocks)
    check_plan(path, out)


def test_blocks_reach_the_joint_optimum_on_the_shipped_dataset(dataset_plan):
    # The shipped dataset is a mixed-integer model: its joint explanation (hundreds of policy re-solves of
    # the joint MIP) takes ten minutes, the blocks' twenty seconds; the joint plan is solved unexplained
    # (the slowest solve of the suite, two minutes) and compared with the session's plan by blocks.
    joint = run_command("solve", DATASET, joint=True, explain_plan=False)
    blocks = dataset_plan.run
    # cobalt is mined with copper (DRC) and nickel (Indonesia): the by-products sheet ties the three into one
    # block; White Mesa's Dy+Tb circuit requires its NdPr circuit, which ties those two; lithium, graphite and
    # gallium stand alone
    assert blocks.report.blocks[0] == len(independent_blocks(blocks.data)) == 5
    assert {("cobalt", "nickel", "copper"), ("ndpr", "dytb")} <= {tuple(g) for g in independent_blocks(blocks.data)}
    assert_same_optima(joint, blocks)
    check_plan(DATASET, dataset_plan.path)


def test_the_shipped_dataset_stresses_alike_in_blocks_and_joint():
    # A stress test's contracts are the base plan's flows, so a base plan with many equal optima answers with
    # the one the solver picks. With ore free to cross borders, every mine-to-refiner pairing cost the same:
    # Indonesia's ore export ban cost the committed plan 88.7 bn in blocks and 43.4 bn jointly. The ore
    # freight (data/assumptions.csv) makes refiners take their own country's ore first, and delivery freight by
    # distance settles which market a refiner serves: the spot tonnes and the demand left unmet agree too (the
    # DRC's ban bought 4,296 t on the spot market in blocks and 3,321 t jointly at a flat delivery freight).
    joint, blocks = both("stress", DATASET)
    j, b = (run.tables["stress"].set_index("scenario") for run in (joint, blocks))
    assert list(b.index) == list(j.index) and (b["status"] == "Optimal").all()
    scale = np.abs(j["total_cost"]).max()
    np.testing.assert_allclose(b["extra_cost"], j["extra_cost"], rtol=5e-3, atol=1e-6 * scale)
    for tonnes in ("spot_tonnes", "unmet_above_base_tonnes"):
        np.testing.assert_allclose(b[tonnes], j[tonnes], rtol=1e-3, atol=1e-3, err_msg=tonnes)
    assert b.loc["indonesia_nickel_export_ban", "extra_cost"] == pytest.approx(33.2e9, rel=5e-3)


def test_frontier_and_hedge_reach_the_joint_optima(tmp_path):
    world = _world(tmp_path / "world.xlsx", version=2)
    assert_same_optima(*both("frontier", world, frontier_stages=("refining",), scope="*", step=0.1, minerals=[]))
    assert_same_optima(*both("hedge", world))


def test_blocks_in_worker_processes_match_blocks_in_this_process(tmp_path):
    world = _world(tmp_path / "world.xlsx", version=2)
    here = run_command("solve", world, block_workers=1, explain_plan=True)
    apart = run_command("solve", world, block_workers=2, explain_plan=True)
    assert "processes" in apart.report.blocks[1]
    assert_same_tables(here, apart)


def test_solve_on_a_dask_cluster_gives_the_local_plan():
    distributed = pytest.importorskip("dask.distributed")
    local = run_command("solve", EXAMPLE, block_workers=1, explain_plan=True)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                                  processes=True) as cluster:
        remote = run_command("solve", EXAMPLE, scheduler=cluster.scheduler_address, explain_plan=True)
    assert "dask" in remote.report.blocks[1]
    assert_same_tables(local, remote)


# Derandomized, as CI's fuzz test is: a landing never depends on a fresh draw. Seed 1246 leaves all of a
# market's nickel demand unmet, where the balance's dual is not unique (the joint model and the block
# returned different ones until Marginal costs and Market bills priced demand with its bound).
@settings(max_examples=6, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000))
@example(seed=1246)
def test_random_workbooks_give_the_joint_tables(tmp_path_factory, seed):
    path = generate(tmp_path_factory.mktemp("random") / "w.xlsx", minerals=3, countries=10, periods=3, markets=2,
                    scenarios=2, seed=seed, version=1)
    assert_same_tables(*both("solve", path, explain_plan=True))


@settings(max_examples=4, deadline=None, derandomize=True)  # the same draws every run, as its neighbour's
@given(seed=st.integers(0, 10_000))
def test_random_version_2_workbooks_reach_the_joint_optima(tmp_path_factory, seed):
    tmp = tmp_path_factory.mktemp("random")
    path = generate(tmp / "w.xlsx", minerals=3, countries=10, periods=3, markets=2, scenarios=2, seed=seed)
    joint = run_command("solve", path, joint=True, explain_plan=False)
    blocks = run_command("solve", path, tmp / "plan.xlsx", block_workers=1, explain_plan=False)
    assert_same_optima(joint, blocks)
    check_plan(path, tmp / "plan.xlsx")

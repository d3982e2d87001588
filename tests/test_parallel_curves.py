"""Frontier steps, reserve sizes and budget amounts on worker processes: the tables of the same solves made
one after another here, and Run info saying how many ran where.

Each command runs twice on one model (``joint``): with ``--workers 1`` every solve is made in this
process, one after another; with ``--workers 2`` all but the budget frontier's first go to two
worker processes, each in a fresh HiGHS instance. Every table must be the same, cell by cell and
to the last bit (``assert_frame_equal(check_exact=True)``): plans, costs, shares, statuses. Each
command runs on a linear world (version 1, where every step starts from a basis) and on a
mixed-integer one (version 2, all-or-nothing projects, where each solve gets an instance of its own).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from benchmarks.generate import generate
from planner.pipeline import run_command
from planner.solver.executors import OnDemand

ROOT = Path(__file__).resolve().parents[1]
WORKERS = "on 2 local worker processes"


def world(tmp_path: Path, kind: str) -> Path:
    """Three minerals, ten countries, three periods, two markets, three scenarios: linear (version 1) or with
    all-or-nothing candidate projects (version 2)."""
    if kind == "linear":
        return generate(tmp_path / "linear.xlsx", minerals=3, countries=10, periods=3, markets=2, scenarios=3,
                        seed=4, version=1)
    return generate(tmp_path / "integer.xlsx", minerals=3, countries=10, periods=3, markets=2, scenarios=3, seed=1)


def with_vault(path: Path, price: float) -> Path:
    """The workbook with cobalt's reserves buyable up front at ``price`` a tonne, on one budget, 'vault'."""
    book = openpyxl.load_workbook(path)
    sheet = book["reserve"]
    column = sheet.max_column + 1
    sheet.cell(1, column, "purchase_price")
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, 1).value == "cobalt":
            sheet.cell(row, column, price)
    budgets = book.create_sheet("budgets")
    for row in (["budget", "amount", "mineral"], ["vault", 1e6, "cobalt"]):
        budgets.append(row)
    book.save(path)
    return path


def assert_same_tables(here, apart) -> None:
    assert here.ok and apart.ok
    assert list(apart.tables) == list(here.tables)
    for name, table in here.tables.items():
        pd.testing.assert_frame_equal(apart.tables[name], table, check_exact=True, obj=name)
    assert apart.outcome.summary == here.outcome.summary


def run_info(path: Path) -> pd.Series:
    return pd.read_excel(path, sheet_name="Run info").set_index("item")["value"]


def assert_reported(here, path: Path, batch: str, solves: int, where: str = WORKERS) -> None:
    """Run info, read back from the workbook: ``solves`` solves of ``batch``, ``where``, and their seconds; the
    run made here says it made every one here."""
    info = run_info(path)
    assert int(info[batch]) == solves
    assert info[f"{batch}_solved_by"] == where
    assert float(info[f"{batch}_seconds"]) > 0
    mine = dict(here.report.items())
    assert mine[batch] == solves and mine[f"{batch}_solved_by"] == "in this process"


@pytest.mark.parametrize("kind, scope", [("linear", "*"), ("linear", "CHN"), ("mixed-integer", "*")])
def test_frontier_steps_on_two_workers_give_the_one_process_curve(tmp_path, kind, scope):
    # A country's cap runs down to 0, where HiGHS drops the matrix entry and puts it back after the step.
    path = world(tmp_path, kind)
    here = run_command("frontier", path, joint=True, block_workers=1, step=0.1, scope=scope)
    apart = run_command("frontier", path, tmp_path / "f.xlsx", joint=True, block_workers=2, step=0.1, scope=scope)
    curve = here.tables["frontier"]
    assert (curve["status"] == "Optimal").all()
    assert (curve["extra_cost"] > 1).sum() >= 5  # the caps bind: the steps' plans differ from one another
    assert_same_tables(here, apart)
    assert_reported(here, tmp_path / "f.xlsx", "frontier_steps", len(curve))


@pytest.mark.parametrize("kind", ["linear", "mixed-integer"])
def test_reserve_sizes_on_two_workers_give_the_one_process_tables(tmp_path, kind):
    path = world(tmp_path, kind)
    days = [0, 30, 60, 90, 120]
    here = run_command("stress", path, joint=True, block_workers=1, reserve_days=days)
    apart = run_command("stress", path, tmp_path / "s.xlsx", joint=True, block_workers=2, reserve_days=days)
    runs = here.tables["sizing_runs"]
    assert (runs["status"] == "Optimal").all()
    assert sorted(runs["reserve_days"].unique()) == days
    holding = runs.groupby("reserve_days")["base_holding_cost"].sum()
    assert holding.is_monotonic_increasing and holding[120] > holding[0]  # each size has a base plan of its own
    assert_same_tables(here, apart)
    assert_reported(here, tmp_path / "s.xlsx", "reserve_sizing_runs", len(days))


@pytest.mark.parametrize("kind", ["linear", "mixed-integer"])
def test_budget_amounts_on_two_workers_give_the_one_process_curve(tmp_path, kind):
    path = with_vault(world(tmp_path, kind), 8000.0)
    amounts = [0.0, 1e6, 1e7, 3e7, 1e8, 3e8, 1e9, 3e9]
    here = run_command("budget_frontier", path, block_workers=1, budget="vault", amounts=amounts)
    apart = run_command("budget_frontier", path, tmp_path / "b.xlsx", block_workers=2, budget="vault",
                        amounts=amounts)
    curve = here.tables["budget_frontier"]
    assert (curve["status"] == "Optimal").all()
    assert curve["value_of_money"].iloc[0] > 0 and curve["value_of_money"].iloc[-1] == 0  # money binds, then not
    spent = curve["spent"]
    assert (spent.diff().iloc[1:] >= -1e-9 * spent.max()).all() and spent.iloc[-1] > 0  # more money, more stock
    assert_same_tables(here, apart)
    # The least money is solved here first: every other amount starts from its plan.
    assert_reported(here, tmp_path / "b.xlsx", "budget_frontier_steps", len(amounts),
                    f"{len(amounts) - 1} {WORKERS}, 1 in this process")


def test_frontier_hands_its_steps_to_workers_once_they_repay_it(tmp_path, monkeypatch):
    # With no --workers, the first step (the first curve's floor) is solved here and timed; the rest go to
    # worker processes when they would take longer here than starting the workers. Workers free to start:
    # every step but that one goes to them, and the curve is the one made here.
    path = world(tmp_path, "linear")
    here = run_command("frontier", path, joint=True, block_workers=1, step=0.1)
    monkeypatch.setattr(OnDemand, "START_SECONDS", 0.0)
    shared = run_command("frontier", path, joint=True, step=0.1)
    assert_same_tables(here, shared)
    steps = len(here.tables["frontier"])
    assert dict(shared.report.items())["frontier_steps_solved_by"] == f"{steps - 1} {WORKERS}, 1 in this process"


def test_outputs_page_names_every_batch_of_solves():
    page = " ".join((ROOT / "docs" / "outputs.md").read_text(encoding="utf-8").split())
    for batch in ("explain_resolves", "reserve_sizing_runs", "frontier_steps", "budget_frontier_steps"):
        assert f"`{batch}`" in page, batch

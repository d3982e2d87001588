"""Commands as declared capabilities: typed options checked where they are made, and a sweep that never
builds the whole workbook's model."""

from __future__ import annotations

from pathlib import Path

import pytest

import planner
from planner.analysis.options import (
    BudgetFrontierOptions,
    FrontierOptions,
    HedgeOptions,
    SolveOptions,
    StressOptions,
    SweepOptions,
)
from planner.cli import main
from planner.errors import UsageError
from planner.input.blocks import independent_blocks
from planner.model.build import build_model
from planner.pipeline import COMMANDS, Command, run_command

EXAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "example.xlsx"


@pytest.mark.parametrize("make, message", [
    (lambda: SweepOptions(samples=0), "--samples needs a whole number >= 1, got 0"),
    (lambda: SweepOptions(samples=2.5), "--samples needs a whole number >= 1, got 2.5"),
    (lambda: SweepOptions(samples=2, seed=-1), "--seed needs a whole number >= 0, got -1"),
    (lambda: HedgeOptions(samples=True), "--samples needs a whole number >= 1, got True"),
    (lambda: FrontierOptions(step=1.0), "--step needs a number between 0 and 1 (exclusive), got 1.0"),
    (lambda: FrontierOptions(frontier_stages=("mining",)), "--stage needs supply, refining or both; got 'mining'"),
    (lambda: BudgetFrontierOptions(budget="vault", amounts=()), "--amounts needs one or more amounts of money >= 0"),
    (lambda: BudgetFrontierOptions(budget="vault", amounts=(5, -1)), "--amounts needs one or more amounts"),
    (lambda: StressOptions(reserve_days=(30, float("nan"))), "--reserve-days needs one or more numbers of days"),
])
def test_options_refuse_a_bad_value_when_they_are_made(make, message):
    with pytest.raises(UsageError) as error:
        make()
    assert str(error.value).startswith(message)


def test_options_keep_lists_sorted_without_repeats():
    assert StressOptions(reserve_days=[60, 0, 60]).reserve_days == (0.0, 60.0)
    assert StressOptions(reserve_days=[]).reserve_days is None
    assert BudgetFrontierOptions(budget="vault", amounts=[8e9, 0, 4e9, 0]).amounts == (0.0, 4e9, 8e9)
    assert FrontierOptions(minerals=["lithium"]).minerals == ("lithium",)


def test_frontier_options_name_minerals_as_the_workbook_writes_them():
    data = planner.validate(EXAMPLE)
    options = FrontierOptions(minerals=("LITHIUM",)).for_workbook(data)
    assert options.minerals == ("lithium",)
    assert options.covers(data, ("lithium",)) and not options.covers(data, ("graphite",))
    with pytest.raises(UsageError, match="--mineral 'unobtainium' is not on sheet 'minerals'"):
        FrontierOptions(minerals=("unobtainium",)).for_workbook(data)


def test_a_negative_seed_is_bad_usage_not_a_bug(tmp_path, capsys):
    out = tmp_path / "sweep.xlsx"
    assert main(["sweep", str(EXAMPLE), "--samples", "2", "--seed", "-1", "-o", str(out), "-q"]) == 2
    assert capsys.readouterr().err == "error: --seed needs a whole number >= 0, got -1\n"
    assert not out.exists()


def test_run_command_takes_the_options_or_a_name_with_their_fields():
    typed = run_command(SolveOptions(explain_plan=False), EXAMPLE, block_workers=1)
    named = run_command("solve", EXAMPLE, block_workers=1, explain_plan=False)
    assert typed.command == named.command == "solve"
    assert typed.tables["scenarios"]["total_cost"].tolist() == named.tables["scenarios"]["total_cost"].tolist()
    assert "policy_costs" not in typed.tables
    with pytest.raises(TypeError):
        run_command(SolveOptions(), EXAMPLE, explain_plan=False)


def test_every_command_is_declared_consistently():
    for name, command in COMMANDS.items():
        assert command.options.command == name
        assert command.merge is not None or not command.blocks
    with pytest.raises(TypeError, match="needs a merge"):
        Command("broken", "broken", SolveOptions, COMMANDS["solve"].analyse)


def test_the_sweep_builds_blocks_only_never_the_whole_workbook(monkeypatch):
    import planner.analysis.sweep.worker as worker
    import planner.pipeline as pipeline

    data = planner.validate(EXAMPLE)
    blocks = independent_blocks(data)
    whole = build_model(data, "stress", spot=True)
    built: list[tuple[str, ...]] = []
    for module in (pipeline, worker):
        def recording(data, *args, _build=module.build_model, **kwargs):
            built.append(tuple(data.minerals))
            return _build(data, *args, **kwargs)

        monkeypatch.setattr(module, "build_model", recording)
    run = planner.sweep(EXAMPLE, samples=6, seed=2, workers=1)
    assert len(blocks) > 1 and run.ok
    # Each block twice: checked in the pipeline, then built by the one worker (this process) to solve samples.
    assert sorted(built) == sorted(blocks * 2)
    assert run.model is None and run.report.blocks[0] == len(blocks)
    # The run report still gives the size of the whole program, summed over the blocks.
    assert run.report.model_size == whole.size

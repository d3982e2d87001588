"""The Python API: one call per command, each returning a :class:`~planner.pipeline.Run`.

A run's ``tables`` are plain pandas DataFrames by name, ``status`` says whether every solve
reached an optimum, and ``report`` holds the input's hash, the model's size, the solver, the
seconds of every stage and the package versions. Pass ``output`` to also write the workbook.

Minerals are solved as independent blocks: in this process for a small workbook, else in
``workers`` local processes (one per core by default) or on the Dask cluster at ``scheduler``
(``tcp://host:8786``); ``joint=True`` solves one model instead (the same plans).

    >>> import planner
    >>> run = planner.solve("inputs/example.xlsx")
    >>> run.status, run.tables["scenarios"][["scenario", "total_cost"]]
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from planner.analysis.options import (
    BudgetFrontierOptions,
    FrontierOptions,
    HedgeOptions,
    SolveOptions,
    StressOptions,
    SweepOptions,
)
from planner.input.data import PlannerInput
from planner.model.build import Model, build_model
from planner.pipeline import Run, check_workbook, load, run_command
from planner.progress import Progress
from planner.report.template import template_sheets
from planner.report.xlsx import write_workbook
from planner.runinfo import Hook, Stages

PathLike = str | os.PathLike


def solve(input: PathLike, output: PathLike | None = None, *, explain: bool = True, workers: int | None = None,
          scheduler: str | None = None, joint: bool = False, progress: Progress | None = None,
          hooks: tuple[Hook, ...] = ()) -> Run:
    """Plan the base scenario and every scenario with foresight; explain the base plan.

    Tables: ``scenarios``, ``flows``, ``refining``, ``deliveries``, ``reserve``, ``unmet``, ``mix``
    and, with ``explain``, ``policy_costs``, ``shadow_prices``, ``marginal_costs``, ``concentration``.
    """
    return run_command(SolveOptions(explain_plan=explain), input, output, progress, hooks, joint, workers, scheduler)


def stress(input: PathLike, output: PathLike | None = None, *, reserve_days: Sequence[float] | None = None,
           workers: int | None = None, scheduler: str | None = None, joint: bool = False,
           progress: Progress | None = None, hooks: tuple[Hook, ...] = ()) -> Run:
    """Hit the committed base plan with each scenario; with ``reserve_days``, size the reserves.

    Tables: ``stress``, ``stress_by_mineral``, the plan tables of the base and every stress test, and
    with ``reserve_days`` ``reserve_sizing``, ``sizing_runs``, ``sizing_chart_data``.
    """
    return run_command(StressOptions(reserve_days=reserve_days), input, output, progress, hooks, joint, workers,
                       scheduler)


def sweep(input: PathLike, output: PathLike | None = None, *, samples: int, seed: int = 1,
          workers: int | None = None, scheduler: str | None = None, progress: Progress | None = None,
          hooks: tuple[Hook, ...] = ()) -> Run:
    """Draw ``samples`` risk samples with ``seed`` and stress-test the base plan against each.

    Tables: ``risk_summary``, ``risk_drivers``, ``samples``, ``sample_unmet``, ``unmet_distribution``.
    """
    return run_command(SweepOptions(samples=samples, seed=seed), input, output, progress, hooks, False, workers,
                       scheduler)


def frontier(input: PathLike, output: PathLike | None = None, *, minerals: Sequence[str] | None = None,
             stages: Sequence[str] = ("supply", "refining"), scope: str = "*", step: float = 0.05,
             workers: int | None = None, scheduler: str | None = None, joint: bool = False,
             progress: Progress | None = None, hooks: tuple[Hook, ...] = ()) -> Run:
    """The price of de-risking: the plan's cost as the cap on ``scope``'s share tightens (``*``: any single
    country; else a country code or group label). Tables: ``frontier``, ``frontier_summary`` (the curve at
    the workbook's own caps)."""
    options = FrontierOptions(minerals=tuple(minerals or ()), frontier_stages=tuple(stages), scope=scope, step=step)
    return run_command(options, input, output, progress, hooks, joint, workers, scheduler)


def budget_frontier(input: PathLike, output: PathLike | None = None, *, budget: str, amounts: Sequence[float],
                    workers: int | None = None, scheduler: str | None = None, joint: bool = False,
                    progress: Progress | None = None, hooks: tuple[Hook, ...] = ()) -> Run:
    """The hedge re-solved at each of ``amounts`` of ``budget`` (sheet budgets): what the reserve's money buys.

    Tables: ``budget_frontier`` (per amount: expected cost, expected economic cost, expected unmet
    tonnes, money spent, the value of one more unit of money) and ``budget_mix`` (the stock bought
    per mineral and market at each amount). Only the minerals the budget covers are solved.
    """
    return run_command(BudgetFrontierOptions(budget=budget, amounts=tuple(amounts)), input, output, progress, hooks,
                       joint, workers, scheduler)


def hedge(input: PathLike, output: PathLike | None = None, *, samples: int | None = None, seed: int = 1,
          workers: int | None = None, scheduler: str | None = None, joint: bool = False, method: str | None = None,
          progress: Progress | None = None, hooks: tuple[Hook, ...] = ()) -> Run:
    """One set of builds for the base and every scenario, weighted by the scenarios' probabilities.

    With ``samples`` the scenarios are that many samples of the ``risks`` sheet, drawn with ``seed`` as
    :func:`sweep` draws them, each of probability 1/samples (base: 0); the ``scenarios`` sheet is not used.

    Tables: ``scenarios`` (probability, cost with the hedged builds and with the base plan's own; with
    ``samples``, the risks each sample drew), ``investments`` (the hedge's builds and the base plan's), and
    the plan tables under the hedge. Summary: ``expected_cost``, ``value_of_hedging``.

    ``method``: ``extensive`` (every scenario in one program) or ``decompose`` (the L-shaped method, its
    bounds, gap and iterations on Summary); None: the decomposition above 30 scenarios. Run info says which ran.
    """
    return run_command(HedgeOptions(samples=samples, seed=seed, method=method), input, output, progress, hooks,
                       joint, workers, scheduler)


def validate(input: PathLike, progress: Progress | None = None) -> PlannerInput:
    """Read and validate a workbook; raise :class:`~planner.errors.InputError` listing every problem.

    Valid means what ``planner validate`` and every command mean by it: the cells, and then the numbers
    each block's model (base and every scenario) would hand the solver (``check_workbook``). Warnings,
    the workbook's and the model's scaling ones, go to ``progress`` (stderr by default).
    """
    stages = Stages(progress)
    data = load(input, stages)
    with stages.stage("check"):
        warnings = check_workbook(data)
    for warning in warnings:
        stages.progress.warn(warning)
    return data


def build(input: PathLike) -> Model:
    """The base model of a workbook; ``planner.model.pulp_export.to_pulp(model)`` gives it as PuLP."""
    return build_model(validate(input))


def export(input: PathLike, output: PathLike, *, scenario: str | None = None) -> Path:
    """Write the base plan's model (or ``scenario``'s numbers on it) as an LP file, or MPS for ``.mps``.

    The file is the LP the planner hands HiGHS for that plan, every mineral in one model, for use in
    another solver. Its names are ``family_key...`` (at most 100 characters: a longer one keeps its
    start and ends in a hash of the whole); ``MODEL.names.csv`` beside it maps every name in the file to
    its family and key (``kind, name, family, key``). Both are written beside their destination and moved
    into place when complete.
    """
    import tempfile

    from planner.errors import UsageError
    from planner.input.scenarios import apply_scenario, scenario_names
    from planner.model.build import numbers_for
    from planner.model.pulp_export import write_model

    data = validate(input)
    name = scenario or "base"
    if name not in scenario_names(data):
        raise UsageError(f"scenario {name!r} is not on sheet 'scenarios' of {input}; it has: "
                         f"{', '.join(scenario_names(data))}")
    model = build_model(data)
    output = Path(output)
    names = names_path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = []
    try:
        for final in (output, names):
            fd, tmp = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=final.suffix, dir=output.parent)
            os.close(fd)
            temporary.append(tmp)
        write_model(model, temporary[0], numbers_for(model, apply_scenario(data, name)), names_path=temporary[1])
        os.replace(temporary[1], names)
        os.replace(temporary[0], output)
    finally:
        for tmp in temporary:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return output


def names_path(output: PathLike) -> Path:
    """Where ``export`` writes the names of ``output``'s model: ``MODEL.names.csv`` for ``MODEL.lp``."""
    return Path(output).with_suffix(".names.csv")


def template(output: PathLike) -> Path:
    """Write an empty input workbook: every sheet with its headers, and a ``columns`` sheet."""
    return write_workbook(output, template_sheets())

"""The one pipeline every command runs: read -> validate -> build -> solve -> tables -> sheets -> write.

A command is the small part that differs: its options, which model it builds (with spot twins
for stress tests, with cap rows for a frontier), what it solves on it (the scenarios, the replays,
the samples, the caps) and what it needs of the pipeline, declared on its :class:`Command`.
Everything else is here, once: loading, timing every stage (and calling the hooks that benchmarks
use to measure it), the run report, and the atomic write.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planner.analysis.budget_frontier import budget_curve
from planner.analysis.frontier import choose_scope, frontier_curve, frontier_pairs
from planner.analysis.hedge import hedge_plan, sample_scenarios
from planner.analysis.merge import finished, finished_summary, merge_frontier, merge_hedge, merge_plan, merge_stress
from planner.analysis.options import (
    BudgetFrontierOptions,
    FrontierOptions,
    HedgeOptions,
    Options,
    SolveOptions,
    StressOptions,
    SweepOptions,
)
from planner.analysis.outcome import Outcome
from planner.analysis.plan import solve_plan
from planner.analysis.stress import stress_plan
from planner.analysis.sweep import require_risks, risk_sweep
from planner.errors import InputError, UsageError
from planner.input.blocks import independent_blocks, restrict
from planner.input.data import PlannerInput, ScenarioRow
from planner.input.read import read_workbook
from planner.input.scenarios import apply_rows, apply_scenario
from planner.input.validate import validate
from planner.model.build import Model, build_model, numbers_for
from planner.model.numerics import check_numbers
from planner.progress import Progress
from planner.report.sheets import sheets_for
from planner.report.xlsx import check_writable, write_workbook
from planner.runinfo import Hook, RunReport, Stages, file_sha256, package_versions
from planner.solver import settings_solver
from planner.solver.executors import make_executor, worker_pool


def _settings_solver(model: Model, data: PlannerInput):
    # Every command honours the setting: CBC keeps no basis (solve_from starts it afresh) and sets a
    # frontier's cap coefficients on its PuLP problem.
    return settings_solver(model, data.settings)


def _no_session(model: Model, data: PlannerInput):
    return None  # a budget frontier builds its own program (the hedge's, stacked) at each amount


@dataclass(frozen=True)
class Command:
    """What differs between commands: its options, the model built, the solves made, and what it needs.

    ``analyse(model, data, session, stages, options, workers)`` makes the outcome; ``workers`` is how many
    processes the block's own side-by-side solves (a plan's scenarios) may use: None, their own rule; 1
    on a block's worker process, whose one core the block has. The pipeline reads what a command needs
    from its declarations, never from its name:

    - ``blocks``: the workbook is split into blocks (the minerals no rule ties together), each solved
      apart and their outcomes merged (``merge``); else it is one model.
    - ``spreads_own_work``: the command takes the whole workbook and the run's workers and builds and
      solves its models there itself (a sweep spreads its samples): ``analyse(data, stages, options,
      workers, scheduler)``. The pipeline builds no model for it; it checks every block's numbers
      first, one block in memory at a time.
    - ``committed_plan``: it stress-tests a committed base plan, so its model has spot purchases beside
      every flow; with ``samples``, its check covers every capacity the risks can make.
    - ``samples``: its options may ask for samples of sheet risks, refused up front where that sheet is
      empty. Unless the command spreads its own work, they are drawn here, once, before the blocks split,
      as the workbook's scenarios, so every block sees the same samples (``options.sampled`` says what
      each drew).
    - ``worker_pool``: its independent solves (the explanation's re-solves, a decomposition's subproblems,
      reserve sizes, frontier steps, budget amounts) may go to the run's worker processes.
    - ``moves_budgets``: it solves at other amounts than the sheet's, so every budget ties its minerals into
      one block, even one that cannot bind at its own amount (``planner.input.blocks.can_bind``).
    """

    name: str
    output_suffix: str  # default output: outputs/<input name>-<suffix>.xlsx
    options: type[Options]
    analyse: Callable[..., Outcome]
    build: Callable[[PlannerInput, Options], Model] | None = None  # None: the plan's model
    session: Callable[[Model, PlannerInput], object] = _settings_solver
    merge: Callable[[PlannerInput, list[Outcome]], Outcome] | None = None
    blocks: bool = True
    spreads_own_work: bool = False
    committed_plan: bool = False
    samples: bool = False
    worker_pool: bool = False
    moves_budgets: bool = False

    def __post_init__(self):
        if self.blocks and self.merge is None:
            raise TypeError(f"command {self.name} runs block by block: it needs a merge")

    def model(self, data: PlannerInput, options: Options) -> Model:
        """The command's model of ``data`` (a block, or the whole workbook)."""
        if self.build is not None:
            return self.build(data, options)
        return build_model(data, "stress" if self.committed_plan else "plan", spot=self.committed_plan)

    @property
    def checks_risks(self) -> bool:
        """Whether its check covers the capacities sampled risks can make (samples stress a committed plan)."""
        return self.committed_plan and self.samples


def _solve(model: Model, data: PlannerInput, session, stages: Stages, options: SolveOptions,
           workers: int | None) -> Outcome:
    return solve_plan(model, data, session, stages, explain_plan=options.explain_plan, workers=workers)


def _stress(model: Model, data: PlannerInput, session, stages: Stages, options: StressOptions,
            workers: int | None) -> Outcome:
    days = list(options.reserve_days) if options.reserve_days else None
    return stress_plan(model, data, session, stages, reserve_days=days)


def _sweep(data: PlannerInput, stages: Stages, options: SweepOptions, workers: int | None,
           scheduler: str | None) -> Outcome:
    return risk_sweep(data, stages, options.samples, options.seed, workers, scheduler)


def _frontier_model(data: PlannerInput, options: FrontierOptions) -> Model:
    chosen = [m for m in options.minerals if m in data.minerals] or None
    return build_model(data, "frontier", frontier_pairs=frontier_pairs(data, chosen, options.frontier_stages),
                       frontier_scope=choose_scope(data, options.scope))


def _frontier(model: Model, data: PlannerInput, session, stages: Stages, options: FrontierOptions,
              workers: int | None) -> Outcome:
    return frontier_curve(model, data, session, stages, step=options.step)


def _hedge(model: Model, data: PlannerInput, session, stages: Stages, options: HedgeOptions,
           workers: int | None) -> Outcome:
    return hedge_plan(model, data, session, stages, sampled=options.sampled, method=options.method)


def _budget_frontier(model: Model, data: PlannerInput, session, stages: Stages, options: BudgetFrontierOptions,
                     workers: int | None) -> Outcome:
    return budget_curve(model, data, session, stages, budget=options.budget, amounts=list(options.amounts))


def _one_block(data: PlannerInput, outcomes: list[Outcome]) -> Outcome:
    return outcomes[0]  # a budget's minerals are one block (planner.input.blocks): there is nothing to merge


COMMANDS: dict[str, Command] = {c.name: c for c in (
    Command("solve", "plan", SolveOptions, _solve, merge=merge_plan, worker_pool=True),
    Command("stress", "stress", StressOptions, _stress, merge=merge_stress, committed_plan=True, worker_pool=True),
    Command("sweep", "sweep", SweepOptions, _sweep, blocks=False, spreads_own_work=True, committed_plan=True,
            samples=True),
    Command("frontier", "frontier", FrontierOptions, _frontier, build=_frontier_model, merge=merge_frontier,
            worker_pool=True),
    Command("hedge", "hedge", HedgeOptions, _hedge, merge=merge_hedge, samples=True, worker_pool=True),
    # planner frontier --budget: the hedge at each amount of one budget (its own block only)
    Command("budget_frontier", "budget-frontier", BudgetFrontierOptions, _budget_frontier, session=_no_session,
            merge=_one_block, worker_pool=True, moves_budgets=True),
)}


@dataclass
class Run:
    """A finished run: its inputs, its result tables and Summary items, and its run report."""

    command: str
    data: PlannerInput
    outcome: Outcome
    report: RunReport
    model: Model | None = field(default=None, repr=False)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return self.outcome.tables

    @property
    def ok(self) -> bool:
        return self.outcome.ok

    @property
    def status(self) -> str:
        return self.outcome.status


def load(path: str | os.PathLike, stages: Stages) -> PlannerInput:
    """Read and validate ``path``; report the workbook's warnings on the way."""
    with stages.stage("read"):
        raw = read_workbook(path)
    stages.progress("read", f"{len(raw.sheets)} sheets in {stages.seconds['read']:.2f}s")
    with stages.stage("validate"):
        data = validate(raw)
    for w in data.warnings:
        stages.progress.warn(w.describe())
    return data


def run_command(options: Options | str, input_path: str | os.PathLike, output: str | os.PathLike | None = None,
                progress: Progress | None = None, hooks: tuple[Hook, ...] = (), joint: bool = False,
                block_workers: int | None = None, scheduler: str | None = None, **fields) -> Run:
    """Run the command ``options`` are for on the workbook at ``input_path``; write the result to ``output``
    if given.

    ``options`` is a command's options (``SolveOptions(explain_plan=False)``, from
    ``planner.analysis.options``), or a command's name with its options' fields as keywords
    (``run_command("solve", path, explain_plan=False)``). The minerals no rule ties together are
    solved as separate blocks (``joint`` solves one model instead): in this process for a small
    workbook, else in ``block_workers`` local processes (one per core by default), or on the Dask
    cluster at ``scheduler``.
    """
    if isinstance(options, str):
        options = COMMANDS[options].options(**fields)
    elif fields:
        raise TypeError(f"{type(options).__name__} given with more options: {', '.join(sorted(fields))}")
    command = COMMANDS[options.command]
    output = check_output(input_path, output) if output is not None else None
    stages = Stages(progress, hooks)
    data = load(input_path, stages)
    data, options = for_workbook(command, data, options)
    if command.spreads_own_work:
        outcome, model, size, solver, blocks = run_own(command, data, options, stages, block_workers, scheduler)
    else:
        outcome, model, size, solver, blocks = run_in_blocks(command, data, options, stages, joint, block_workers,
                                                             scheduler)
    outcome.tables = finished(command.name, data, outcome.tables)  # the derived tables, once, on either path
    outcome.summary = finished_summary(command.name, outcome.summary, outcome.tables)
    with stages.stage("run report"):
        report = RunReport(command.name, str(input_path), file_sha256(input_path), solver, size, stages.seconds,
                           list(data.skipped_sheets), versions=package_versions())
        report.blocks = blocks
        report.batches = stages.batches
        report.choices = stages.choices
    run = Run(command.name, data, outcome, report, model)
    if output is not None:
        with stages.stage("sheets"):
            sheets = sheets_for(run)
        with stages.stage("write"):
            write_workbook(output, sheets)
        report.output_path = str(output)
        stages.progress("write", f"{output} in {stages.seconds['write']:.2f}s")
    stages.progress.end()
    return run


def for_workbook(command: Command, data: PlannerInput, options: Options) -> tuple[PlannerInput, Options]:
    """The options checked against the workbook, before any solve; with samples the pipeline draws, the
    workbook with them as its scenarios (``Command.samples``)."""
    options = options.for_workbook(data)
    if command.samples and options.samples:
        require_risks(data, command.name)
        if not command.spreads_own_work:
            data, sampled = sample_scenarios(data, options.samples, options.seed)
            options = dataclasses.replace(options, sampled=sampled)
    return data, options


def run_in_blocks(command: Command, data: PlannerInput, options: Options, stages: Stages, joint: bool,
                  workers: int | None, scheduler: str | None) -> tuple[Outcome, Model | None, dict, str, tuple]:
    """The command on every block the options ask about (or on the whole workbook, ``joint``), merged.

    Returns the outcome, the model (where one model was solved), its size (summed over the blocks), the
    solver's name and (how many blocks, how they were solved) for the run report.
    """
    groups = ([tuple(data.minerals)] if joint or not command.blocks
              else independent_blocks(data, every_budget=command.moves_budgets))
    groups = [g for g in groups if options.covers(data, g)]
    if len(groups) != 1:
        outcome, size, solver, how = run_blocks(command, data, groups, options, stages, workers, scheduler)
        return outcome, None, size, solver, (len(groups), how)
    block = data if groups[0] == tuple(data.minerals) else restrict(data, groups[0])
    with stages.sharing(_pool(command, workers, scheduler)):  # explain's re-solves may go to workers
        outcome, model, solver, warnings = run_block(command, block, options, stages)
    for warning in warnings:
        stages.progress.warn(warning)
    return outcome, model, model.size, solver, (1, "one model")


def run_own(command: Command, data: PlannerInput, options: Options, stages: Stages, workers: int | None,
            scheduler: str | None) -> tuple[Outcome, None, dict, str, tuple]:
    """A command that spreads its own work: every block's numbers checked here, one block in memory at a
    time, then the command on the whole workbook with the run's workers (``Command.spreads_own_work``)."""
    warnings, size, blocks = check_blocks(data, lambda block: command.model(block, options), command.checks_risks,
                                          stages)
    for warning in warnings:
        stages.progress.warn(warning)
    outcome = command.analyse(data, stages, options, workers, scheduler)
    # The sweep's workers solve with HiGHS whatever the settings say: samples start from a base basis.
    return outcome, None, size, "highs", (blocks, f"block by block on the {command.name}'s own workers")


def _pool(command: Command, workers: int | None, scheduler: str | None = None):
    """The run's worker processes for the command's re-solves; None where it hands none out (``worker_pool``)."""
    return worker_pool(workers, scheduler) if command.worker_pool else None


def built(build: Callable[[PlannerInput], Model], data: PlannerInput, stages: Stages) -> Model:
    """``build(data)``, timed as stage build and reported with its size."""
    with stages.stage("build"):
        model = build(data)
    stages.progress("build", f"{data.label}: {model.num_cols:,} variables, {model.num_rows:,} constraints, "
                             f"{model.num_nonzeros:,} nonzeros")
    return model


def run_block(command: Command, data: PlannerInput, options: Options, stages: Stages, workers: int | None = None
              ) -> tuple[Outcome, Model, str, list[str]]:
    """Build, check, hand off and analyse one block (or the whole workbook as one model).

    Returns the outcome, the model, the solver's name and the check's warnings (for the caller to
    print: a worker process has no terminal). Raises InputError where the check refuses a number.
    """
    model = built(lambda block: command.model(block, options), data, stages)
    with stages.stage("check"):
        warnings = check_model(model, data, risks=command.checks_risks)
    with stages.stage("hand-off"):
        session = command.session(model, data)
    outcome = command.analyse(model, data, session, stages, options, workers)
    return outcome, model, session.name if session is not None else "highs", warnings


# A workbook this small (flows summed over minerals and periods) runs its blocks in this process:
# starting worker processes would take longer than solving.
SMALL_FLOWS = 20_000


def run_blocks(command: Command, data: PlannerInput, groups: list[tuple], options: Options, stages: Stages,
               workers: int | None, scheduler: str | None) -> tuple[Outcome, dict, str, str]:
    """Every block as its own task; their outcomes merged as the joint solve's would be."""
    serial = not scheduler and (workers == 1 or (workers is None and _flow_count(data) < SMALL_FLOWS))
    # On a worker process a block's side-by-side solves (its scenarios) share the worker's one core.
    tasks = [(command.name, restrict(data, g), options, None if serial else 1) for g in groups]
    # Largest blocks first: a worker left with one big block at the end would idle the others.
    tasks.sort(key=lambda task: -_flow_count(task[1]))
    results: list[BlockResult] = []
    if serial:
        with stages.sharing(_pool(command, workers)):  # blocks here; explain's re-solves may still go to workers
            for task in tasks:
                results.append(_solve_block(None, task, stages))
        how = f"{len(tasks)} blocks in this process"
    else:
        executor = make_executor(_no_state, (), min(workers or os.cpu_count() or 1, len(tasks)), scheduler)
        how = f"{len(tasks)} blocks on {executor.description}"
        counter = stages.progress.counter("blocks", len(tasks), "blocks")
        try:
            with stages.stage("solve blocks"):
                for result in executor.map(_solve_block, tasks):
                    results.append(result)
                    counter.update(1)
        finally:
            executor.close()
            stages.progress.end()
        for r in results:
            for stage, seconds in r.seconds.items():
                stages.add(stage, seconds)
            for name, batch in r.batches.items():
                stages.batch(name, "in the blocks' workers", batch.count, batch.seconds)
            for item, chosen in r.choices.items():
                for choice, blocks in chosen.items():
                    stages.choose(item, choice, blocks)
    order = {tuple(g): i for i, g in enumerate(groups)}
    results.sort(key=lambda r: order[r.minerals])
    problems = [issue for r in results for issue in r.problems]
    if problems:  # every block's, at once, as validation lists them
        raise InputError(data.source, list(dict.fromkeys(problems)))
    for warning in dict.fromkeys(w for r in results for w in r.warnings):
        stages.progress.warn(warning)
    size: dict[str, int] = {}
    for r in results:
        for k, v in r.size.items():
            size[k] = size.get(k, 0) + v
    return command.merge(data, [r.outcome for r in results]), size, results[0].solver, how


@dataclass
class BlockResult:
    minerals: tuple
    outcome: Outcome | None  # None where the check refused the block's numbers
    size: dict
    solver: str
    seconds: dict
    warnings: list[str] = field(default_factory=list)
    problems: list = field(default_factory=list)  # the check's refusals (Issues), for the main process to raise
    batches: dict = field(default_factory=dict)  # the block's batches of solves (Stages.batch)
    choices: dict = field(default_factory=dict)  # what the block's stages chose (Stages.choose)


def _no_state():
    return None


def _solve_block(_state, task, stages: Stages | None = None) -> BlockResult:
    """One block, in this process (with the run's stages) or in a worker (with its own)."""
    name, data, options, workers = task
    own = stages or Stages()
    try:
        outcome, model, solver, warnings = run_block(COMMANDS[name], data, options, own, workers)
    except InputError as error:  # an exception with issues does not survive the trip back from a worker
        return BlockResult(tuple(data.minerals), None, {}, "", dict(own.seconds), problems=error.issues)
    return BlockResult(tuple(data.minerals), outcome, model.size, solver, dict(own.seconds), warnings,
                       batches=own.batches, choices=own.choices)


def _flow_count(data: PlannerInput) -> int:
    """How many flow columns the model would have, roughly: origins x refiners, summed over minerals and periods."""
    origins: dict[tuple, int] = {}
    refiners: dict[tuple, int] = {}
    for (m, _c, t) in data.supply:
        origins[(m, t)] = origins.get((m, t), 0) + 1
    for (m, _r, t) in data.refining:
        refiners[(m, t)] = refiners.get((m, t), 0) + 1
    return sum(n * refiners.get(key, 0) for key, n in origins.items())


def check_workbook(data: PlannerInput) -> list[str]:
    """``check_model`` on every block's plan model in turn (one block in memory at a time), with the
    capacities its risks can make; the warnings."""
    return check_blocks(data, build_model, True, Stages())[0]


def check_blocks(data: PlannerInput, build: Callable[[PlannerInput], Model], risks: bool, stages: Stages
                 ) -> tuple[list[str], dict[str, int], int]:
    """``check_model`` on every block's model (``build(block)``) in turn, one block in memory at a time; with
    ``risks`` also the capacities the block's risks can make.

    Returns the warnings, the models' size summed over the blocks and how many blocks there are; raises
    InputError naming every block's refused numbers at once.
    """
    problems, warnings, size = [], [], {}
    groups = independent_blocks(data)
    for group in groups:
        try:
            found, block_size = _check_block(restrict(data, group), build, risks, stages)
        except InputError as error:
            problems += error.issues
            continue
        warnings += found
        for k, v in block_size.items():
            size[k] = size.get(k, 0) + v
    if problems:
        raise InputError(data.source, list(dict.fromkeys(problems)))
    return list(dict.fromkeys(warnings)), size, len(groups)


def _check_block(block: PlannerInput, build: Callable[[PlannerInput], Model], risks: bool, stages: Stages
                 ) -> tuple[list[str], dict[str, int]]:
    model = built(build, block, stages)  # let go on return, before the next block is built
    with stages.stage("check"):
        return check_model(model, block, risks=risks and bool(block.risks)), model.size


def check_model(model: Model, data: PlannerInput, risks: bool = False) -> list[str]:
    """Refuse numbers HiGHS would change, in the base model and every scenario's; return scaling warnings.

    With ``risks`` (a risk sweep) also the capacities the risks can make: every risk that shrinks
    capacity hitting at once, and every one that grows it (a sample compounds at most these). Raises
    InputError naming each number's sheet, row and column (or its model entry) and what the solver can
    take (see ``planner.model.numerics``).
    """
    problems, warnings = check_numbers(model, data)
    variants = [(name, apply_scenario(data, name)) for name in data.scenarios]
    if risks:
        for label, hits in (("every risk below factor 1 at once", lambda f: f < 1),
                            ("every risk above factor 1 at once", lambda f: f > 1)):
            rows = [ScenarioRow(r.row, f"{r.stage}_capacity", r.factor, r.mineral, r.country, None)
                    for r in data.risks if hits(r.factor)]
            if rows:
                variants.append((f"risk sweep: {label}", apply_rows(data, rows)))
    for name, variant in variants:
        found, _ = check_numbers(model, data, numbers_for(model, variant), scenario=name)
        problems += found
    if problems:
        raise InputError(data.source, list(dict.fromkeys(problems)))
    return warnings


def default_output(input_path: str | os.PathLike, command: str) -> Path:
    """``outputs/<input name>-<suffix>.xlsx``."""
    return Path("outputs") / f"{Path(input_path).stem}-{COMMANDS[command].output_suffix}.xlsx"


def check_output(input_path, output_path) -> Path:
    """The output path, refused when it cannot be a plan workbook (never the input itself)."""
    output = Path(output_path)
    if output.suffix.lower() != ".xlsx":
        raise UsageError(f"output {output} must end in .xlsx")
    try:
        same = output.exists() and os.path.samefile(output, input_path)
    except OSError:
        same = False
    if same or output.resolve() == Path(input_path).resolve():
        raise UsageError(f"output {output} is the input file; choose another output path (-o)")
    if output.exists() and output.is_dir():
        raise UsageError(f"output {output} is a folder; give a file name ending in .xlsx")
    check_writable(output)  # before any work: a read-only plan is refused, not silently replaced
    return output

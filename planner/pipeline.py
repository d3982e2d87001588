"""The one pipeline every command runs: read -> validate -> build -> solve -> tables -> sheets -> write.

A command is the small part that differs: which model it builds (with spot twins for stress
tests, with cap rows for a frontier) and what it solves on it (the scenarios, the replays, the
samples, the caps). Everything else is here, once: loading, timing every stage (and calling
the hooks that benchmarks use to measure it), the run report, and the atomic write.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path

import pandas as pd

from planner.analysis.budget_frontier import budget_curve, budget_minerals, choose_budget
from planner.analysis.frontier import choose_minerals, choose_scope, frontier_curve, frontier_pairs
from planner.analysis.hedge import hedge_plan, sample_scenarios
from planner.analysis.lshaped import check_method
from planner.analysis.merge import merge_frontier, merge_hedge, merge_plan, merge_stress, reading_order
from planner.analysis.outcome import Outcome
from planner.analysis.plan import solve_plan
from planner.analysis.stress import stress_plan
from planner.analysis.sweep import require_risks, risk_sweep
from planner.errors import InputError, UsageError
from planner.input.blocks import independent_blocks, restrict
from planner.input.data import PlannerInput, ScenarioRow
from planner.input.read import read_workbook
from planner.input.scenarios import apply_rows, apply_scenario
from planner.input.schema import STAGES
from planner.input.validate import validate
from planner.model.build import Model, build_model, numbers_for
from planner.model.numerics import check_numbers
from planner.progress import Progress
from planner.report.sheets import sheets_for
from planner.report.xlsx import check_writable, write_workbook
from planner.runinfo import Hook, RunReport, Stages, file_sha256, package_versions
from planner.solver import settings_solver
from planner.solver.executors import make_executor, worker_pool


@dataclass(frozen=True)
class Command:
    """What differs between commands: the model built, the session used, the solves made.

    A command with ``merge`` runs block by block (the minerals no rule ties together, solved apart)
    and merges the blocks' outcomes; ``check`` refuses what the command cannot run on before any
    solve; ``prepare`` gives the workbook the command runs on (once, before the blocks split);
    ``select`` keeps only the blocks the options ask about.
    """

    name: str
    output_suffix: str  # default output: outputs/<input name>-<suffix>.xlsx
    build: Callable[..., Model]  # (data, **build options) -> Model
    analyse: Callable[..., Outcome]  # (model, data, session, stages, **other options) -> Outcome
    session: Callable[[Model, PlannerInput], object]
    build_options: tuple[str, ...] = ()  # the options that shape the model; the rest go to the analysis
    merge: Callable[[PlannerInput, list[Outcome]], Outcome] | None = None
    check: Callable[[PlannerInput, dict], None] | None = None
    prepare: Callable[[PlannerInput, dict], PlannerInput] | None = None
    select: Callable[[PlannerInput, tuple, dict], bool] | None = None


def _settings_solver(model: Model, data: PlannerInput):
    # Every command honours the setting: CBC keeps no basis (solve_from starts it afresh) and sets a
    # frontier's cap coefficients on its PuLP problem.
    return settings_solver(model, data.settings)


def _no_session(model: Model, data: PlannerInput):
    return None  # a sweep solves block by block in its workers (analysis.sweep.worker)


def _plan_model(data: PlannerInput) -> Model:
    return build_model(data)


def _stress_model(data: PlannerInput) -> Model:
    return build_model(data, "stress", spot=True)


def _frontier_model(data: PlannerInput, minerals=None, frontier_stages=STAGES, scope=None) -> Model:
    chosen = [m for m in (minerals or ()) if m in data.minerals] or None
    return build_model(data, "frontier", frontier_pairs=frontier_pairs(data, chosen, frontier_stages),
                       frontier_scope=choose_scope(data, scope))


def _frontier_check(data: PlannerInput, options: dict) -> None:
    """Name a mineral or scope that does not exist before anything is solved; keep the minerals as written."""
    if options.get("minerals"):
        options["minerals"] = choose_minerals(data, options["minerals"])
    choose_scope(data, options.get("scope"))


def _frontier_select(data: PlannerInput, block: tuple, options: dict) -> bool:
    return not options.get("minerals") or any(m in block for m in options["minerals"])


def _budget_check(data: PlannerInput, options: dict) -> None:
    """Name a budget that does not exist, or amounts that cannot be one, before anything is solved."""
    options["budget"] = choose_budget(data, options.get("budget"))
    amounts = sorted(set(float(a) for a in options.get("amounts") or ()))
    if not amounts or any(not (0 <= a < float("inf")) for a in amounts):
        raise UsageError("--amounts needs one or more amounts of money >= 0, e.g. 0,4e9,8e9,12e9")
    options["amounts"] = amounts


def _budget_select(data: PlannerInput, block: tuple, options: dict) -> bool:
    return any(m in block for m in budget_minerals(data, options["budget"]))


def _hedge_prepare(data: PlannerInput, options: dict) -> PlannerInput:
    """``--samples N``: the scenarios are N samples of the risks sheet (``sample_scenarios``).

    Drawn here, once, before the blocks split, so every block hedges the same samples; the blocks
    are told what each drew (``sampled``) for the Scenarios sheet.
    """
    n_samples, seed = options.pop("samples", None), options.pop("seed", 1)
    check_method(data, options.get("method"))
    if n_samples is None:
        return data
    if isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 1:
        raise UsageError(f"--samples needs a whole number >= 1, got {n_samples!r}")
    data, options["sampled"] = sample_scenarios(data, n_samples, seed)
    return data


def _one_block(data: PlannerInput, outcomes: list[Outcome]) -> Outcome:
    return outcomes[0]  # a budget's minerals are one block (planner.input.blocks): there is nothing to merge


COMMANDS: dict[str, Command] = {
    "solve": Command("solve", "plan", _plan_model, solve_plan, _settings_solver, merge=merge_plan),
    "stress": Command("stress", "stress", _stress_model, stress_plan, _settings_solver, merge=merge_stress),
    "sweep": Command("sweep", "sweep", _stress_model, risk_sweep, _no_session,
                     check=lambda data, options: require_risks(data)),
    "frontier": Command("frontier", "frontier", _frontier_model, frontier_curve, _settings_solver,
                        build_options=("minerals", "frontier_stages", "scope"), merge=merge_frontier,
                        check=_frontier_check, select=_frontier_select),
    "hedge": Command("hedge", "hedge", _plan_model, hedge_plan, _settings_solver, merge=merge_hedge,
                     prepare=_hedge_prepare),
    # planner frontier --budget: the hedge at each amount of one budget (its own block only)
    "budget_frontier": Command("budget_frontier", "budget-frontier", _plan_model, budget_curve, _no_session,
                               merge=_one_block, check=_budget_check, select=_budget_select),
}


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


def run_command(name: str, input_path: str | os.PathLike, output: str | os.PathLike | None = None,
                progress: Progress | None = None, hooks: tuple[Hook, ...] = (), joint: bool = False,
                block_workers: int | None = None, scheduler: str | None = None, **options) -> Run:
    """Run command ``name`` on the workbook at ``input_path``; write the result to ``output`` if given.

    The minerals no rule ties together are solved as separate blocks (``joint`` solves one model
    instead): in this process for a small workbook, else in ``block_workers`` local processes (one
    per core by default), or on the Dask cluster at ``scheduler``.
    """
    command = COMMANDS[name]
    output = check_output(input_path, output) if output is not None else None
    stages = Stages(progress, hooks)
    data = load(input_path, stages)
    if command.check:
        command.check(data, options)
    if command.prepare:
        data = command.prepare(data, options)
    if command.merge is None:  # the command spreads its own work (a sweep's samples) over the workers
        options.update(workers=block_workers, scheduler=scheduler)
    build_options = {k: options.pop(k) for k in command.build_options if k in options}
    groups = [tuple(data.minerals)] if joint or command.merge is None else independent_blocks(data)
    if command.select:
        groups = [g for g in groups if command.select(data, g, {**options, **build_options})]
    model = None
    if len(groups) == 1:
        block = data if groups[0] == tuple(data.minerals) else restrict(data, groups[0])
        with stages.sharing(worker_pool(block_workers, scheduler)):  # explain's re-solves may go to workers
            outcome, model, solver, warnings = run_block(command, block, build_options, options, stages)
        size, how = model.size, "one model"
        for warning in warnings:
            stages.progress.warn(warning)
    else:
        outcome, size, solver, how = run_blocks(command, data, groups, build_options, options, stages,
                                                block_workers, scheduler)
    outcome.tables = reading_order(data, outcome.tables)
    with stages.stage("run report"):
        report = RunReport(name, str(input_path), file_sha256(input_path), solver, size, stages.seconds,
                           list(data.skipped_sheets), versions=package_versions())
        report.blocks = (len(groups), how)
        report.batches = stages.batches
        report.choices = stages.choices
    run = Run(name, data, outcome, report, model)
    if output is not None:
        with stages.stage("sheets"):
            sheets = sheets_for(run)
        with stages.stage("write"):
            write_workbook(output, sheets)
        report.output_path = str(output)
        stages.progress("write", f"{output} in {stages.seconds['write']:.2f}s")
    stages.progress.end()
    return run


def run_block(command: Command, data: PlannerInput, build_options: dict, options: dict, stages: Stages
              ) -> tuple[Outcome, Model, str, list[str]]:
    """Build, check, hand off and analyse one block (or the whole workbook as one model).

    Returns the outcome, the model, the solver's name and the check's warnings (for the caller to
    print: a worker process has no terminal). Raises InputError where the check refuses a number.
    """
    with stages.stage("build"):
        model = command.build(data, **build_options)
    stages.progress("build", f"{data.label}: {model.num_cols:,} variables, {model.num_rows:,} constraints, "
                             f"{model.num_nonzeros:,} nonzeros")
    with stages.stage("check"):
        warnings = check_model(model, data, risks=command.name == "sweep")
    with stages.stage("hand-off"):
        session = command.session(model, data)
    outcome = command.analyse(model, data, session, stages, **options)
    return outcome, model, getattr(session, "name", "highs"), warnings


# A workbook this small (flows summed over minerals and periods) runs its blocks in this process:
# starting worker processes would take longer than solving.
SMALL_FLOWS = 20_000


def run_blocks(command: Command, data: PlannerInput, groups: list[tuple], build_options: dict, options: dict,
               stages: Stages, workers: int | None, scheduler: str | None) -> tuple[Outcome, dict, str, str]:
    """Every block as its own task; their outcomes merged as the joint solve's would be."""
    tasks = [(command.name, restrict(data, g), build_options, options) for g in groups]
    # Largest blocks first: a worker left with one big block at the end would idle the others.
    tasks.sort(key=lambda task: -_flow_count(task[1]))
    serial = not scheduler and (workers == 1 or (workers is None and _flow_count(data) < SMALL_FLOWS))
    results: list[BlockResult] = []
    if serial:
        with stages.sharing(worker_pool(workers)):  # blocks here; explain's re-solves may still go to workers
            for task in tasks:
                results.append(_solve_block(None, task, stages))
        how = f"{len(tasks)} blocks in this process"
    else:
        if command.name == "solve":
            options = {**options, "workers": 1}  # a block's scenarios share its worker's core
            tasks = [(n, d, b, options) for n, d, b, _o in tasks]
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
    name, data, build_options, options = task
    own = stages or Stages()
    try:
        outcome, model, solver, warnings = run_block(COMMANDS[name], data, build_options, dict(options), own)
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
    """``check_model`` on every block's model in turn (one block in memory at a time); the warnings."""
    problems, warnings = [], []
    for group in independent_blocks(data):
        block = restrict(data, group)
        try:
            warnings += check_model(build_model(block), block, risks=bool(block.risks))
        except InputError as error:
            problems += error.issues
    if problems:
        raise InputError(data.source, list(dict.fromkeys(problems)))
    return list(dict.fromkeys(warnings))


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

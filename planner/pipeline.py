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
from pathlib import Path

import pandas as pd

from planner.analysis.frontier import frontier_curve, frontier_pairs
from planner.analysis.outcome import Outcome
from planner.analysis.plan import solve_plan
from planner.analysis.stress import stress_plan
from planner.analysis.sweep import risk_sweep
from planner.errors import InputError, UsageError
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
from planner.solver import HighsSession, make_solver


@dataclass(frozen=True)
class Command:
    """What differs between commands: the model built, the session used, the solves made."""

    name: str
    output_suffix: str  # default output: outputs/<input name>-<suffix>.xlsx
    build: Callable[..., Model]  # (data, **build options) -> Model
    analyse: Callable[..., Outcome]  # (model, data, session, stages, **other options) -> Outcome
    session: Callable[[Model, PlannerInput], object]
    build_options: tuple[str, ...] = ()  # the options that shape the model; the rest go to the analysis


def _settings_solver(model: Model, data: PlannerInput):
    return make_solver(model, str(data.settings.get("solver") or "highs"), data.settings.get("time_limit"))


def _highs(model: Model, data: PlannerInput):
    # Warm starts from a kept basis and coefficient changes need HiGHS itself.
    return HighsSession(model, data.settings.get("time_limit"))


def _plan_model(data: PlannerInput) -> Model:
    return build_model(data)


def _stress_model(data: PlannerInput) -> Model:
    return build_model(data, "stress", spot=True)


def _frontier_model(data: PlannerInput, minerals=None, frontier_stages=STAGES) -> Model:
    return build_model(data, "frontier", frontier_pairs=frontier_pairs(data, minerals, frontier_stages))


COMMANDS: dict[str, Command] = {
    "solve": Command("solve", "plan", _plan_model, solve_plan, _settings_solver),
    "stress": Command("stress", "stress", _stress_model, stress_plan, _settings_solver),
    "sweep": Command("sweep", "sweep", _stress_model, risk_sweep, _highs),
    "frontier": Command("frontier", "frontier", _frontier_model, frontier_curve, _highs,
                        build_options=("minerals", "frontier_stages")),
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
                progress: Progress | None = None, hooks: tuple[Hook, ...] = (), **options) -> Run:
    """Run command ``name`` on the workbook at ``input_path``; write the result to ``output`` if given."""
    command = COMMANDS[name]
    output = check_output(input_path, output) if output is not None else None
    stages = Stages(progress, hooks)
    data = load(input_path, stages)
    build_options = {k: options.pop(k) for k in command.build_options if k in options}
    with stages.stage("build"):
        model = command.build(data, **build_options)
    stages.progress("build", f"{model.num_cols:,} variables, {model.num_rows:,} constraints, "
                             f"{model.num_nonzeros:,} nonzeros in {stages.seconds['build']:.2f}s")
    with stages.stage("check"):
        check_model(model, data, stages.progress, risks=name == "sweep")
    with stages.stage("hand-off"):
        session = command.session(model, data)
    outcome = command.analyse(model, data, session, stages, **options)
    with stages.stage("run report"):
        report = RunReport(name, str(input_path), file_sha256(input_path), getattr(session, "name", "highs"),
                           model.size, stages.seconds, list(data.skipped_sheets), versions=package_versions())
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


def check_model(model: Model, data: PlannerInput, progress: Progress, risks: bool = False) -> None:
    """Refuse numbers HiGHS would change, in the base model and every scenario's; warn of bad scaling.

    With ``risks`` (a risk sweep) also the capacities the risks can make: every risk that shrinks
    capacity hitting at once, and every one that grows it (a sample compounds at most these). Raises
    InputError naming each number's sheet, row and column (or its model entry) and what the solver can
    take; warnings go to ``progress`` (see ``planner.model.numerics``).
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
    for warning in warnings:
        progress.warn(warning)


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

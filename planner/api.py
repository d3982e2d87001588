"""The one pipeline: read -> validate -> build -> solve every scenario -> results -> write."""

from __future__ import annotations

import hashlib
import os
import platform
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from planner.data import PlannerInput
from planner.errors import UsageError
from planner.io.read import read_workbook
from planner.model.build import Model, build_model, numbers_for
from planner.progress import Progress
from planner.results import ScenarioResult, scenario_result
from planner.scenarios import apply_scenario, scenario_names
from planner.solve import make_solver
from planner.validate import validate


@dataclass
class Plan:
    """Everything a run produced: inputs, the model's size, every scenario's result, timings."""

    input_path: str
    input_sha256: str
    data: PlannerInput
    results: list[ScenarioResult]
    model_size: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)
    solver: str = "highs"
    explanation: object | None = None  # planner.explain.Explanation of the base plan

    @property
    def all_optimal(self) -> bool:
        return all(r.status == "Optimal" for r in self.results)

    @property
    def base(self) -> ScenarioResult:
        return self.results[0]


def validate_workbook(path: str | os.PathLike, progress: Progress | None = None) -> PlannerInput:
    """Read and validate ``path``; raise InputError listing every problem."""
    progress = progress or Progress(quiet=True)
    start = time.perf_counter()
    raw = read_workbook(path)
    read_s = time.perf_counter() - start
    progress("read", f"{len(raw.sheets)} sheets in {read_s:.2f}s")
    data = validate(raw)
    data.timings = {"read": read_s, "validate": time.perf_counter() - start - read_s}
    return data


def plan_workbook(path: str | os.PathLike, progress: Progress | None = None, explain: bool = True) -> Plan:
    """Solve the base scenario and every scenario of the workbook at ``path``.

    With ``explain``, also report duals of the base plan, the cost of each policy (share
    limits, reserve targets) by re-solving the base without it, and concentration metrics.
    """
    progress = progress or Progress(quiet=True)
    data = validate_workbook(path, progress)
    for w in data.warnings:
        progress.warn(w.describe())
    timings = dict(data.timings)

    start = time.perf_counter()
    model = build_model(data)
    timings["build"] = time.perf_counter() - start
    size = {"columns": model.num_cols, "rows": model.num_rows, "nonzeros": model.num_nonzeros}
    progress("build", f"{size['columns']:,} variables, {size['rows']:,} constraints, "
                      f"{size['nonzeros']:,} nonzeros in {timings['build']:.2f}s")

    solver_name = str(data.settings.get("solver") or "highs")
    session = make_solver(model, solver_name, data.settings.get("time_limit"))
    results = solve_scenarios(model, data, session, progress)
    for key in ("solve", "renumber", "results"):
        timings[key] = sum(r.extra.get(key, 0.0) for r in results)
    plan = Plan(str(path), file_sha256(path), data, results, size, timings, solver_name)
    if explain and plan.base.solution is not None:
        from planner.explain import explain as explain_plan

        start = time.perf_counter()
        plan.explanation = explain_plan(model, data, session, plan.base.numbers, plan.base.solution, progress)
        timings["explain"] = time.perf_counter() - start
    return plan


def solve_scenarios(model: Model, data: PlannerInput, session, progress: Progress) -> list[ScenarioResult]:
    """Solve ``base`` then each scenario by renumbering the one model, warm-started."""
    names = scenario_names(data)
    results = []
    for i, name in enumerate(names, start=1):
        t0 = time.perf_counter()
        scenario_data = apply_scenario(data, name)
        numbers = numbers_for(model, scenario_data)
        t1 = time.perf_counter()
        solution = session.solve(numbers)
        t2 = time.perf_counter()
        result = scenario_result(name, model, scenario_data, numbers, solution)
        t3 = time.perf_counter()
        result.extra.update(renumber=t1 - t0, solve=solution.solve_seconds, results=t3 - t2)
        results.append(result)
        cost = f"{result.total_cost:,.2f}" if result.total_cost is not None else "-"
        progress("solve", f"scenario {i} of {len(names)} '{name}': {result.status}, cost {cost} "
                          f"({solution.solve_seconds:.2f}s)")
    return results


def run(input_path: str | os.PathLike, output_path: str | os.PathLike | None = None,
        progress: Progress | None = None, explain: bool = True) -> tuple[Plan, Path]:
    """Plan the workbook and write the plan; return the plan and where it was written."""
    from planner.report import plan_sheets
    from planner.io.write import write_workbook

    progress = progress or Progress(quiet=True)
    output = resolve_output(input_path, output_path)
    plan = plan_workbook(input_path, progress, explain)
    start = time.perf_counter()
    write_workbook(output, plan_sheets(plan))
    plan.timings["write"] = time.perf_counter() - start
    progress("write", f"{output} in {plan.timings['write']:.2f}s")
    return plan, output


def resolve_output(input_path, output_path) -> Path:
    """The output path (default ``outputs/<input name>-plan.xlsx``); never the input itself."""
    output = Path(output_path) if output_path else Path("outputs") / f"{Path(input_path).stem}-plan.xlsx"
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
    return output


def file_sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    from planner import __version__

    versions = {"planner": __version__, "python": platform.python_version()}
    for dist in ("pulp", "highspy", "numpy", "pandas", "openpyxl", "xlsxwriter"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return versions

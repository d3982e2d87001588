"""The one pipeline: read -> validate -> build -> solve every scenario -> results -> write."""

from __future__ import annotations

import hashlib
import os
import platform
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from queue import Empty, Queue
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
from planner.solve import HighsSession, make_solver
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


def load_inputs(path: str | os.PathLike, progress: Progress) -> PlannerInput:
    """Read and validate ``path`` for a command, reporting the workbook's warnings on the way."""
    data = validate_workbook(path, progress)
    for w in data.warnings:
        progress.warn(w.describe())
    return data


def plan_workbook(path: str | os.PathLike, progress: Progress | None = None, explain: bool = True) -> Plan:
    """Solve the base scenario and every scenario of the workbook at ``path``.

    With ``explain``, also report duals of the base plan, the cost of each policy (share
    limits, reserve targets) by re-solving the base without it, and concentration metrics.
    """
    progress = progress or Progress(quiet=True)
    data = load_inputs(path, progress)
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


def solve_scenarios(model: Model, data: PlannerInput, session, progress: Progress,
                    workers: int | None = None) -> list[ScenarioResult]:
    """Solve ``base``, then every scenario by renumbering the one model, each from the base basis.

    HiGHS releases the GIL while it solves, so the work overlaps: scenario numbers are computed
    while the base solves, scenarios are solved by ``workers`` HiGHS instances in threads (one
    per core by default), and each finished plan is turned into tables while others solve.
    Every scenario starts from the base plan's basis, so its result does not depend on which
    instance solved it or in what order.
    """
    names = scenario_names(data)
    timings: dict[str, dict] = {name: {} for name in names}

    def renumbered(name):
        t0 = time.perf_counter()
        scenario_data = apply_scenario(data, name)
        numbers = numbers_for(model, scenario_data)
        timings[name]["renumber"] = time.perf_counter() - t0
        return scenario_data, numbers

    base_data, base_numbers = renumbered(names[0])
    with ThreadPoolExecutor(max_workers=1) as one:
        base_future = one.submit(session.solve, base_numbers)
        scenario_inputs = [renumbered(name) for name in names[1:]]  # while the base solves
        base_solution = base_future.result()
    results = [_result(names[0], model, base_data, base_numbers, base_solution, timings, progress, 1, len(names))]
    if len(names) == 1:
        return results

    parallel = isinstance(session, HighsSession) and base_solution.optimal
    if not parallel:  # CBC, or no basis to start from: one after another on the one session
        for i, (name, (scenario_data, numbers)) in enumerate(zip(names[1:], scenario_inputs), start=2):
            results.append(_result(name, model, scenario_data, numbers, session.solve(numbers), timings,
                                   progress, i, len(names)))
        return results

    basis = session.basis()
    n_sessions = max(1, min(workers or os.cpu_count() or 1, len(names) - 1))
    idle: Queue = Queue()
    idle.put(session)
    created = [1]
    lock = threading.Lock()

    def solve_one(numbers):
        try:
            own = idle.get_nowait()
        except Empty:
            with lock:
                make = created[0] < n_sessions
                created[0] += make
            own = HighsSession(model, session.time_limit) if make else idle.get()
        try:
            own.set_numbers(numbers)
            own.set_basis(basis)
            return own.solve()
        finally:
            idle.put(own)

    with ThreadPoolExecutor(max_workers=n_sessions) as pool:
        futures = [pool.submit(solve_one, numbers) for _data, numbers in scenario_inputs]
        for i, (name, (scenario_data, numbers), future) in enumerate(zip(names[1:], scenario_inputs, futures),
                                                                       start=2):
            results.append(_result(name, model, scenario_data, numbers, future.result(), timings, progress,
                                   i, len(names)))
    # Leave the caller's session on the base numbers and basis for later solves (explanations).
    session.set_numbers(base_numbers)
    session.set_basis(basis)
    return results


def _result(name, model, scenario_data, numbers, solution, timings, progress, i, n) -> ScenarioResult:
    t0 = time.perf_counter()
    result = scenario_result(name, model, scenario_data, numbers, solution)
    result.extra.update(renumber=timings[name].get("renumber", 0.0), solve=solution.solve_seconds,
                        results=time.perf_counter() - t0)
    cost = f"{result.total_cost:,.2f}" if result.total_cost is not None else "-"
    progress("solve", f"scenario {i} of {n} '{name}': {result.status}, cost {cost} ({solution.solve_seconds:.2f}s)")
    return result


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

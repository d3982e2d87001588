"""``planner sweep``: thousands of sampled disruptions, each stress-tested against the base plan.

The samples are drawn here, up front, from the ``risks`` sheet with one seeded generator and solved
by workers (this process, local processes or a Dask cluster). Each worker builds every block's
stress model, solves its base plan and stress-tests samples from that block's base basis, so the
tables do not depend on who solved what; this process builds no model.
"""

from __future__ import annotations

import math
import os
import time

from planner.analysis.outcome import Outcome
from planner.analysis.sweep.sampling import Sample, draw_samples
from planner.analysis.sweep.stats import (
    risk_costs,
    risk_drivers,
    risk_summary,
    sample_costs_table,
    sample_unmet_table,
    samples_table,
    unmet_histogram,
)
from planner.analysis.sweep.worker import SampleResult, SweepWorker, base_plan, run_chunk
from planner.errors import UsageError
from planner.input.data import PlannerInput
from planner.runinfo import Stages
from planner.solver.executors import make_executor

__all__ = ["risk_sweep"]


def risk_sweep(data: PlannerInput, stages: Stages, n_samples: int, seed: int = 1, workers: int | None = None,
               scheduler: str | None = None) -> Outcome:
    """Solve the base plan, draw ``n_samples`` samples with ``seed`` and stress-test each, on ``workers`` local
    processes (one per core by default; 1: this process) or the Dask cluster at ``scheduler``."""
    require_risks(data)
    samples = draw_samples(data, n_samples, seed)
    summary = [("seed", seed), ("samples", n_samples)]
    with stages.stage("solve"):
        executor = make_executor(SweepWorker, (data,), workers, scheduler)
        try:
            # Every worker solved the same base plans (SweepWorker): any one of them says how they went.
            [(status, total)] = executor.map(base_plan, [None])
            stages.progress("sweep", f"base plan: {status}")
            if status != "Optimal":
                return Outcome({}, [("total_cost", None), *summary], [f"base plan {status}"])
            results, partial, seconds = _run_samples(executor, samples, workers, scheduler, stages)
        finally:
            executor.close()
    stages.add("samples", seconds)
    with stages.stage("tables"):
        long = sample_unmet_table(data, results)
        tables = {"risk_summary": risk_summary(data, long), "risk_costs": risk_costs(data, results),
                  "risk_drivers": risk_drivers(data, samples, results), "samples": samples_table(results),
                  "sample_unmet": long, "sample_costs": sample_costs_table(data, results),
                  "unmet_distribution": unmet_histogram(data, long)}
    rate = len(results) / seconds if seconds > 0 else None
    costs = tables["risk_costs"].set_index("mineral")
    any_unmet = sum(1 for r in results if r.status == "Optimal" and sum(r.unmet.values()) > 1e-6)
    solved = sum(1 for r in results if r.status == "Optimal")
    summary = [("total_cost", total), *summary, ("samples_solved", len(results)),
               ("p_any_unmet", any_unmet / solved if solved else None),
               ("mean_extra_cost", costs.at["all minerals", "expected_extra_cost"]), ("partial", partial is not None),
               ("workers", executor.description), ("sample_seconds", round(seconds, 3)),
               ("samples_per_second", round(rate, 3) if rate else None)]
    failures = [f"sample {r.index} {r.status}" for r in results if r.status != "Optimal"]
    return Outcome(tables, summary, failures, partial)


def require_risks(data: PlannerInput, command: str = "sweep") -> None:
    """Refuse ``planner <command> --samples`` before any solve where sheet ``risks`` has nothing to draw."""
    if not data.risks:
        raise UsageError(f"{data.source} has no rows on sheet 'risks': planner {command} --samples draws its "
                         "samples of disruptions from that sheet")


def _run_samples(executor, samples: list[Sample], workers: int | None, scheduler: str | None, stages: Stages
                 ) -> tuple[list[SampleResult], str | None, float]:
    """Solve every sample on ``executor``'s workers; Ctrl-C stops cleanly and returns what finished, with the
    reason it is partial."""
    per_worker = 1 if scheduler else max(1, workers or os.cpu_count() or 1)
    size = max(1, min(25, math.ceil(len(samples) / (per_worker * 8))))
    chunks = [samples[i:i + size] for i in range(0, len(samples), size)]
    counter = stages.progress.counter("sweep", len(samples), "samples")
    start = time.perf_counter()
    results: list[SampleResult] = []
    partial = None
    try:
        for batch in executor.map(run_chunk, chunks):
            results.extend(batch)
            counter.update(len(batch))
    except KeyboardInterrupt:
        partial = f"{len(results)} of {len(samples)} samples finished before the run was stopped"
        counter.note("interrupted: writing the samples that finished (partial)")
    finally:
        stages.progress.end()
    results.sort(key=lambda r: r.index)
    return results, partial, time.perf_counter() - start

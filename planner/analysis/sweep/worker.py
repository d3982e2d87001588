"""A sweep worker: one stress model and the base plan's basis; solves each sample from that basis.

A sample's result does not depend on which worker solved it or what it solved before, so one
worker, many workers and a Dask cluster give identical tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.analysis.results import noise_free
from planner.analysis.stress import stress_numbers
from planner.analysis.sweep.sampling import Sample, describe, sample_rows
from planner.input.data import PlannerInput
from planner.input.scenarios import apply_rows
from planner.model.build import build_model, numbers_for
from planner.solver import HighsSession


@dataclass
class SampleResult:
    index: int
    drawn: str
    status: str
    total_cost: float | None
    extra_cost: float | None
    unmet: dict  # (mineral, market) -> tonnes over all periods
    extra_by_mineral: dict  # mineral -> extra cost over the base plan


class SweepWorker:
    """Holds one stress model and the base plan's basis; solves samples from that basis."""

    def __init__(self, data: PlannerInput, base_x: np.ndarray, base_total: float):
        self.data = data
        self.base_x = base_x
        self.base_total = base_total
        self.model = build_model(data, "sweep", spot=True)
        self.session = HighsSession(self.model, data.settings.get("time_limit"))
        self.base_numbers = numbers_for(self.model, data)
        self.session.solve(self.base_numbers)
        self.basis = self.session.basis()
        self.minerals = self.model.col_minerals()
        self.base_by_mineral = self._cost_by_mineral(self.base_numbers, base_x)

    def _cost_by_mineral(self, numbers, x) -> dict:
        return {m: float(numbers.col_cost[self.minerals == m] @ x[self.minerals == m]) for m in self.data.minerals}

    def run(self, sample: Sample) -> SampleResult:
        data, v = self.data, self.model.vars
        rows = sample_rows(data, sample)
        drawn = describe(data, sample)
        if not rows:
            x, status, total = self.base_x, "Optimal", self.base_total
            extra_by_mineral = {m: 0.0 for m in data.minerals}
        else:
            first = min((r.period for r in rows), key=data.period_index.__getitem__)
            numbers = stress_numbers(self.model, data, apply_rows(data, rows), self.base_x, first)
            self.session.set_numbers(numbers)
            self.session.set_basis(self.basis)
            sol = self.session.solve()
            if not sol.optimal:
                return SampleResult(sample.index, drawn, sol.status, None, None, {}, {})
            x, status, total = sol.x, sol.status, float(numbers.col_cost @ sol.x)
            by_mineral = self._cost_by_mineral(numbers, x)
            extra_by_mineral = {m: noise_free(by_mineral[m] - self.base_by_mineral[m], by_mineral[m])
                                for m in data.minerals}
        unmet: dict[tuple, float] = {}
        for (m, d, _t), col in v.unmet.items():
            unmet[(m, d)] = unmet.get((m, d), 0.0) + float(x[col])
        return SampleResult(sample.index, drawn, status, total, noise_free(total - self.base_total, total), unmet,
                            extra_by_mineral)


def run_chunk(worker: SweepWorker, samples: list[Sample]) -> list[SampleResult]:
    """Executor task: solve a chunk of samples on a worker's model."""
    return [worker.run(s) for s in samples]

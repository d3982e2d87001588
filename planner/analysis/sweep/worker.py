"""A sweep worker: the base plan and a stress model per block; solves each sample's touched blocks.

A sample's result does not depend on which worker solved it or what it solved before, so one
worker, many workers and a Dask cluster give identical tables.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from planner.analysis.measures import TRANSFERS
from planner.analysis.results import noise_free
from planner.analysis.stress import stress_numbers
from planner.analysis.sweep.sampling import Sample, describe, sample_rows
from planner.input.blocks import independent_blocks, restrict
from planner.input.data import PlannerInput
from planner.input.scenarios import apply_rows
from planner.model.build import build_model, numbers_for, with_columns_fixed
from planner.solver import HighsSession, solve_from


@dataclass
class SampleResult:
    index: int
    drawn: str
    status: str
    total_cost: float | None
    extra_cost: float | None
    unmet: dict  # (mineral, market) -> tonnes over all periods
    extra_by_mineral: dict  # mineral -> extra cost over the base plan
    economic_extra_cost: float | None = None  # the same without the transfers (tariffs, penalties on targets)
    economic_by_mineral: dict = dataclasses.field(default_factory=dict)  # mineral -> economic extra cost


class SweepWorker:
    """The base plan block by block (minerals no rule ties together), each block's stress model and basis.

    A sample re-solves only the blocks its risks touch (a risk on one mineral leaves the others' base
    plans as they are, costs and unmet tonnes included), each from its own base basis. The blocks'
    base plans are solved here, deterministically, so every worker holds the same ones.
    """

    def __init__(self, data: PlannerInput):
        self.data = data
        self.blocks = [_Block(restrict(data, group)) for group in independent_blocks(data)]
        failed = [b.status for b in self.blocks if b.status != "Optimal"]
        self.status = failed[0] if failed else "Optimal"
        self.base_total = sum(b.base_total for b in self.blocks) if not failed else None
        self.base_unmet = {k: v for b in self.blocks for k, v in b.base_unmet.items()}
        self.base_economic = sum(b.base_economic for b in self.blocks) if not failed else None

    def run(self, sample: Sample) -> SampleResult:
        data = self.data
        rows = sample_rows(data, sample)
        drawn = describe(data, sample)
        if not rows:
            return SampleResult(sample.index, drawn, "Optimal", self.base_total, 0.0, dict(self.base_unmet),
                                {m: 0.0 for m in data.minerals}, 0.0, {m: 0.0 for m in data.minerals})
        # The sample strikes every block from its first affected period, as one scenario would.
        first = min((r.period for r in rows), key=data.period_index.__getitem__)
        total, economic, unmet, extra_by_mineral, economic_by_mineral = 0.0, 0.0, {}, {}, {}
        for block in self.blocks:
            hits = [r for r in rows if r.mineral is None or r.mineral in block.minerals]
            if not hits:
                total += block.base_total
                economic += block.base_economic
                economic_by_mineral.update({m: 0.0 for m in block.minerals})
                unmet.update(block.base_unmet)
                extra_by_mineral.update({m: 0.0 for m in block.minerals})
                continue
            sol, numbers = block.stress(hits, first)
            if not sol.optimal:
                return SampleResult(sample.index, drawn, sol.status, None, None, {}, {})
            total += float(numbers.col_cost @ sol.x)
            economic += economic_cost(numbers, sol.x)
            unmet.update(block.unmet(sol.x))
            by_mineral = block.cost_by_mineral(numbers, sol.x)
            extra_by_mineral.update({m: noise_free(by_mineral[m] - block.base_by_mineral[m], by_mineral[m])
                                     for m in block.minerals})
            by_mineral_economic = block.cost_by_mineral(numbers, sol.x, economic=True)
            economic_by_mineral.update({m: noise_free(by_mineral_economic[m] - block.base_economic_by_mineral[m],
                                                      by_mineral[m]) for m in block.minerals})
        return SampleResult(sample.index, drawn, "Optimal", total, noise_free(total - self.base_total, total), unmet,
                            extra_by_mineral, noise_free(economic - self.base_economic, total), economic_by_mineral)


class _Block:
    """One block's stress model, its base plan (builds included) and the basis samples start from."""

    def __init__(self, data: PlannerInput):
        self.data = data
        self.minerals = tuple(data.minerals)
        self.model = build_model(data, "sweep", spot=True)
        self.session = HighsSession(self.model, data.settings.get("time_limit"))
        numbers = numbers_for(self.model, data)
        base = self.session.solve(numbers)
        self.status = base.status
        self.base_total, self.base_unmet, self.base_by_mineral, self.base_economic = 0.0, {}, {}, 0.0
        if not base.optimal:
            return
        self.base_x = base.x
        self.base_total = float(numbers.col_cost @ base.x)
        self.base_economic = economic_cost(numbers, base.x)
        self.base_unmet = self.unmet(base.x)
        self.col_minerals = self.model.col_minerals()
        self.base_by_mineral = self.cost_by_mineral(numbers, base.x)
        self.base_economic_by_mineral = self.cost_by_mineral(numbers, base.x, economic=True)
        # Every sample commits the base plan's builds: from here on the block solves LPs, from this basis.
        self.session.set_integrality(False)
        self.session.solve(_builds_fixed(self.model, numbers, base.x))
        self.basis = self.session.basis()

    def stress(self, rows, first: str):
        numbers = stress_numbers(self.model, self.data, apply_rows(self.data, rows), self.base_x, first)
        return solve_from(self.session, numbers, self.basis), numbers

    def unmet(self, x: np.ndarray) -> dict:
        """(mineral, market) -> unmet tonnes over every period."""
        out: dict[tuple, float] = {}
        for (m, d, _t), col in self.model.vars.unmet.items():
            out[(m, d)] = out.get((m, d), 0.0) + float(x[col])
        return out

    def cost_by_mineral(self, numbers, x, economic: bool = False) -> dict:
        """mineral -> its cost (``economic``: without the transfers)."""
        cost = numbers.col_cost
        if economic:
            cost = cost - sum((numbers.components[c] for c in TRANSFERS if c in numbers.components),
                              np.zeros(len(cost)))
        return {m: float(cost[self.col_minerals == m] @ x[self.col_minerals == m]) for m in self.minerals}


def economic_cost(numbers, x: np.ndarray) -> float:
    """The plan's cost without the transfers (``TRANSFERS``): what it uses in resources and demand unserved."""
    return float(numbers.col_cost @ x) - sum(float(numbers.components[c] @ x) for c in TRANSFERS
                                              if c in numbers.components)


def _builds_fixed(model, numbers, base_x: np.ndarray):
    """``numbers`` with every build column fixed at the base plan's value."""
    builds = np.fromiter(model.vars.build.values(), dtype=np.int64, count=len(model.vars.build))
    if not builds.size:
        return numbers
    return with_columns_fixed(numbers, builds, np.clip(base_x[builds], 0.0, 1.0))


def run_chunk(worker: SweepWorker, samples: list[Sample]) -> list[SampleResult]:
    """Executor task: solve a chunk of samples on a worker's model."""
    return [worker.run(s) for s in samples]


def base_plan(worker: SweepWorker, _task=None) -> tuple[str, float | None]:
    """Executor task: the base plan's status and total cost, the same on every worker."""
    return worker.status, worker.base_total

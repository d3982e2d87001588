"""Risk samples: drawn up front with one seeded generator, so the same seed gives the same samples
whoever solves them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.input.data import PlannerInput, ScenarioRow


@dataclass(frozen=True)
class Sample:
    index: int
    events: tuple[tuple[int, str], ...]  # (risks-sheet row, start period)


def draw_samples(data: PlannerInput, n: int, seed: int) -> list[Sample]:
    """In each sample and period, each risk starts independently with its probability."""
    rng = np.random.default_rng(seed)
    u = rng.random((n, len(data.risks), len(data.periods)))
    samples = []
    for s in range(n):
        events = tuple((risk.row, t) for i, risk in enumerate(data.risks) for j, t in enumerate(data.periods)
                       if u[s, i, j] < risk.probability)
        samples.append(Sample(s + 1, events))
    return samples


def sample_rows(data: PlannerInput, sample: Sample) -> list[ScenarioRow]:
    """The capacity factors a sample applies: each event hits its start period and the next duration-1.

    A period hit twice by the same risk (overlapping events) takes its factor once; different risks compound.
    """
    risks = {r.row: r for r in data.risks}
    order = data.period_index
    hit: set[tuple[int, str]] = set()
    for row, start in sample.events:
        first = order[start]
        for t in data.periods[first:first + risks[row].duration]:
            hit.add((row, t))
    return [ScenarioRow(row, f"{risks[row].stage}_capacity", risks[row].factor, risks[row].mineral,
                        risks[row].country, t)
            for row, _position, t in sorted((row, order[t], t) for row, t in hit)]


def describe(data: PlannerInput, sample: Sample) -> str:
    names = {r.row: r.risk for r in data.risks}
    return "; ".join(f"{names[row]}@{t}" for row, t in sample.events) or "(none)"

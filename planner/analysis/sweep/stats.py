"""What a sweep reports, with the uncertainty of a finite sample.

Means carry a 95% confidence interval (normal approximation: mean +- 1.96 standard errors),
probabilities a 95% Wilson interval, and a risk's effect is the difference between the samples
that drew it and those that did not (Welch's interval). A driver whose interval contains zero,
or that fewer than MIN_SAMPLES samples drew (or did not draw), is "not distinguishable from
noise": more samples would be needed to tell. Tonnes are reported per mineral only (a tonne of
gallium is not a tonne of graphite); money adds up across minerals.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from planner.analysis.sweep.sampling import Sample
from planner.analysis.sweep.worker import SampleResult
from planner.input.data import PlannerInput

Z95 = 1.959963984540054
# Fewer samples than this on either side of a comparison is too few to call a risk a driver.
MIN_SAMPLES = 30
ANY = 1e-6  # unmet tonnes above this count as "any unmet demand"
NOISE = "not distinguishable from noise"


def mean_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and its 95% confidence interval (normal approximation; NaN bounds below two samples)."""
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(np.mean(values))
    if n < 2:
        return mean, math.nan, math.nan
    half = Z95 * float(np.std(values, ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half


def wilson_interval(hits: int, n: int) -> tuple[float, float, float]:
    """Share of hits and its 95% Wilson interval (good near 0 and 1, where the normal one is not)."""
    if n == 0:
        return math.nan, math.nan, math.nan
    p = hits / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return p, max(0.0, centre - half), min(1.0, centre + half)


def difference_interval(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """mean(a) - mean(b) and its 95% Welch interval."""
    if len(a) == 0 or len(b) == 0:
        return math.nan, math.nan, math.nan
    diff = float(np.mean(a) - np.mean(b))
    if len(a) < 2 or len(b) < 2:
        return diff, math.nan, math.nan
    half = Z95 * math.sqrt(np.var(a, ddof=1) / len(a) + np.var(b, ddof=1) / len(b))
    return diff, diff - half, diff + half


def samples_table(results: list[SampleResult]) -> pd.DataFrame:
    rows = [(r.index, r.drawn, r.status, r.total_cost, r.extra_cost, r.economic_extra_cost,
             sum(r.unmet.values()) if r.status == "Optimal" else None) for r in results]
    return pd.DataFrame(rows, columns=["sample", "risks drawn", "status", "total_cost", "extra_cost",
                                       "economic_extra_cost", "unmet_tonnes"])


def sample_unmet_table(data: PlannerInput, results: list[SampleResult]) -> pd.DataFrame:
    """Long table: one row per sample, mineral and market (the basis of the risk summary)."""
    rows = []
    for r in results:
        if r.status != "Optimal":
            continue
        for m in data.minerals:
            for d in data.markets[m]:
                rows.append((r.index, m, d, r.unmet.get((m, d), 0.0)))
    return pd.DataFrame(rows, columns=["sample", "mineral", "market", "unmet_tonnes"])


def sample_costs_table(data: PlannerInput, results: list[SampleResult]) -> pd.DataFrame:
    """Long table: one row per sample and mineral, with the mineral's cost above the base plan."""
    rows = [(r.index, m, r.extra_by_mineral.get(m, 0.0)) for r in results if r.status == "Optimal"
            for m in data.minerals]
    return pd.DataFrame(rows, columns=["sample", "mineral", "mineral_extra_cost"])


SUMMARY_COLUMNS = ["mineral", "market", "mean_unmet", "mean_unmet_low", "mean_unmet_high", "p95_unmet",
                   "p_any_unmet", "p_any_unmet_low", "p_any_unmet_high"]


def risk_summary(data: PlannerInput, long: pd.DataFrame) -> pd.DataFrame:
    """Per mineral and market (and ``ALL`` markets of the mineral): unmet demand's mean, 95th percentile and
    the probability of any, each mean and probability with its 95% interval."""
    rows = []
    for m in data.minerals:
        per_market = long[long["mineral"] == m]
        if per_market.empty:
            continue
        groups = [(d, per_market[per_market["market"] == d]["unmet_tonnes"].to_numpy()) for d in data.markets[m]]
        groups.append(("ALL", per_market.groupby("sample")["unmet_tonnes"].sum().to_numpy()))
        for d, u in groups:
            p = wilson_interval(int((u > ANY).sum()), len(u))
            rows.append((m, d, *mean_interval(u), float(np.percentile(u, 95)), *p))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def risk_costs(data: PlannerInput, results: list[SampleResult]) -> pd.DataFrame:
    """Per mineral, and for all of them: the expected extra cost over the base plan with its 95% interval."""
    solved = [r for r in results if r.status == "Optimal"]
    rows = []
    for m in data.minerals:
        rows.append((m, *mean_interval(np.array([r.extra_by_mineral.get(m, 0.0) for r in solved]))))
    rows.append(("all minerals", *mean_interval(np.array([r.extra_cost for r in solved]))))
    table = pd.DataFrame(rows, columns=["mineral", "expected_extra_cost", "expected_extra_cost_low",
                                        "expected_extra_cost_high"])
    table["expected_economic_extra_cost"] = [
        *(float(np.mean([r.economic_by_mineral.get(m, 0.0) for r in solved])) if solved else math.nan
          for m in data.minerals),
        float(np.mean([r.economic_extra_cost for r in solved])) if solved else math.nan]
    return table


DRIVER_COLUMNS = ["risk", "mineral", "samples_with", "samples_without", "unmet_difference", "unmet_difference_low",
                  "unmet_difference_high", "extra_cost_difference", "extra_cost_difference_low",
                  "extra_cost_difference_high", "verdict"]


def risk_drivers(data: PlannerInput, samples: list[Sample], results: list[SampleResult]) -> pd.DataFrame:
    """Which risks drive shortfalls and costs: samples that drew the risk against those that did not.

    Per risk, a row for all minerals together (extra cost only: tonnes do not add across
    minerals) and one per mineral it can touch (unmet tonnes and extra cost of that mineral).
    Risks are ranked by their effect on the total extra cost.
    """
    by_index = {r.index: r for r in results if r.status == "Optimal"}
    blocks = []
    for risk in data.risks:
        drew = {s.index for s in samples if any(row == risk.row for row, _t in s.events)}
        with_ = [r for i, r in by_index.items() if i in drew]
        without = [r for i, r in by_index.items() if i not in drew]
        enough = min(len(with_), len(without)) >= MIN_SAMPLES
        cost = difference_interval(np.array([r.extra_cost for r in with_]),
                                   np.array([r.extra_cost for r in without]))
        rows = [(risk.risk, "all minerals", len(with_), len(without), math.nan, math.nan, math.nan, *cost,
                 _verdict(enough, cost))]
        for m in ([risk.mineral] if risk.mineral else list(data.minerals)):
            unmet = difference_interval(np.array([_unmet(r, m) for r in with_]),
                                        np.array([_unmet(r, m) for r in without]))
            extra = difference_interval(np.array([r.extra_by_mineral.get(m, 0.0) for r in with_]),
                                        np.array([r.extra_by_mineral.get(m, 0.0) for r in without]))
            rows.append((risk.risk, m, len(with_), len(without), *unmet, *extra, _verdict(enough, unmet, extra)))
        blocks.append((cost[0] if cost[0] == cost[0] else -math.inf, rows))
    blocks.sort(key=lambda b: -b[0])
    return pd.DataFrame([row for _key, rows in blocks for row in rows], columns=DRIVER_COLUMNS)


def _unmet(result: SampleResult, mineral: str) -> float:
    return sum(t for (m, _d), t in result.unmet.items() if m == mineral)


def _verdict(enough: bool, *intervals) -> str:
    if not enough:
        return f"{NOISE} (fewer than {MIN_SAMPLES} samples with or without it)"
    for diff, low, high in intervals:
        if low == low and (low > 0 or high < 0):
            return "raises it" if diff > 0 else "lowers it"
    return NOISE


HISTOGRAM_COLUMNS = ["mineral", "unmet_range", "from_tonnes", "to_tonnes", "samples", "share_of_samples"]


def nice_step(top: float, bins: int = 10) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k that covers (0, top] in at most ``bins`` bins."""
    raw = top / bins
    power = 10.0 ** math.floor(math.log10(raw))
    for mult in (1.0, 2.0, 2.5, 5.0, 10.0):
        if mult * power >= raw:
            return mult * power
    return 10.0 * power


def unmet_histogram(data: PlannerInput, long: pd.DataFrame, bins: int = 10) -> pd.DataFrame:
    """Per mineral: how many samples leave no demand unmet (a bar of its own), and how many leave how much,
    in ranges with round edges (all markets together)."""
    rows = []
    for m in data.minerals:
        u = long[long["mineral"] == m].groupby("sample")["unmet_tonnes"].sum().to_numpy()
        if u.size == 0:
            continue
        zero = int((u <= ANY).sum())
        rows.append((m, "0 t", 0.0, 0.0, zero, zero / u.size))
        positive = u[u > ANY]
        if positive.size == 0:
            continue
        step = nice_step(float(positive.max()), bins)
        edges = np.arange(0.0, positive.max() + step, step)
        if edges[-1] < positive.max():
            edges = np.append(edges, edges[-1] + step)
        counts, _ = np.histogram(positive, bins=edges)
        for lo, hi, c in zip(edges[:-1], edges[1:], counts):
            rows.append((m, f"{lo:,.0f}-{hi:,.0f} t", float(lo), float(hi), int(c), c / u.size))
    return pd.DataFrame(rows, columns=HISTOGRAM_COLUMNS)

"""How a hedge's scenarios spread: the tail of their costs and unmet demand, with each set of builds.

The expected cost is what the hedge minimises; an official also asks what a bad year looks like. Every
figure here weighs a scenario by its probability (a sampled hedge's samples 1/N each, its base 0), so the
95th percentile of N samples is the cost that 95% of them stay within. Built once from the whole
Scenarios and Scenario unmet tables (after the blocks merge: a sample's cost is its blocks' sum).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.analysis.results import noise_free
from planner.analysis.sweep.stats import nice_step
from planner.tables import TABLES

TAIL = 0.95
# Each set of builds: its label, and its columns of Scenarios and of Scenario unmet.
BUILDS = (("hedge", "total_cost", "unmet_tonnes"),
          ("base plan's own", "cost_with_base_builds", "unmet_with_base_builds"))
ANY = 1e-6  # unmet tonnes above this count as some demand unmet (as the sweep counts them)
HISTOGRAM_BINS = 12


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The least v with P(X <= v) >= q, X taking ``values`` with probabilities ``weights``.

    Formulation
    -----------
    sort values ascending; F_k = sum_{i<=k} w_i / sum_i w_i; quantile = value_k for the first k with F_k >= q
    (to 1e-12, so that 95 of 100 equal weights reach 0.95). NaN where no value has positive weight.
    """
    keep = np.asarray(weights, dtype=np.float64) > 0
    v, w = np.asarray(values, dtype=np.float64)[keep], np.asarray(weights, dtype=np.float64)[keep]
    if not len(v):
        return float("nan")
    order = np.argsort(v, kind="stable")
    cumulative = np.cumsum(w[order]) / w.sum()
    return float(v[order][np.searchsorted(cumulative, q - 1e-12)])


def _solved(scenarios: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """The scenarios' values of ``column``, their probabilities and names; none at all where a scenario of positive
    probability has no value (it did not solve: the spread is not known, and a part of it would mislead)."""
    costs = pd.to_numeric(scenarios[column], errors="coerce")
    weights = scenarios["probability"].to_numpy(dtype=np.float64)
    if (costs.isna().to_numpy() & (weights > 0)).any():
        return np.zeros(0), np.zeros(0), scenarios["scenario"][:0]
    ok = costs.notna().to_numpy()
    return costs.to_numpy()[ok], weights[ok], scenarios["scenario"][ok]


def cost_distribution(scenarios: pd.DataFrame) -> pd.DataFrame:
    """Per set of builds: the expected cost, the cost when nothing happens, the 95th percentile and the worst."""
    rows = []
    if scenarios.empty:
        return pd.DataFrame(rows, columns=list(TABLES["hedge_cost_distribution"].columns))
    base = scenarios.iloc[0]
    for label, cost, _unmet in BUILDS:
        values, weights, names = _solved(scenarios, cost)
        if not len(values):
            continue
        worst = int(np.argmax(np.where(weights > 0, values, -np.inf) if (weights > 0).any() else values))
        rows.append((label, float(weights @ values) if weights.sum() else float("nan"), base[cost],
                     weighted_quantile(values, weights, TAIL), float(values[worst]), names.iloc[worst]))
    return pd.DataFrame(rows, columns=list(TABLES["hedge_cost_distribution"].columns))


def unmet_distribution(scenarios: pd.DataFrame, unmet: pd.DataFrame, minerals: list[str]) -> pd.DataFrame:
    """Per mineral and set of builds: expected, 95th-percentile and worst unmet demand, and its probability."""
    probability = dict(zip(scenarios["scenario"], scenarios["probability"].astype(float)))
    rows = []
    for m in minerals:
        of = unmet[unmet["mineral"] == m]
        if of.empty:
            continue
        weights = of["scenario"].map(probability).to_numpy(dtype=np.float64)
        for label, _cost, column in BUILDS:
            values = pd.to_numeric(of[column], errors="coerce").to_numpy()
            ok = ~np.isnan(values)
            v, w = values[ok], weights[ok]
            if not len(v) or (~ok & (weights > 0)).any():  # a scenario that counts did not solve
                continue
            mass = w.sum()
            rows.append((m, label, float(w @ v / mass) if mass else float("nan"), weighted_quantile(v, w, TAIL),
                         float(v[w > 0].max()) if (w > 0).any() else float(v.max()),
                         float(w[v > ANY].sum() / mass) if mass else float("nan")))
    return pd.DataFrame(rows, columns=list(TABLES["hedge_unmet_distribution"].columns))


def cost_histogram(scenarios: pd.DataFrame, money=lambda x: f"{x:,.0f}") -> pd.DataFrame:
    """The probability of each range of cost above the base plan's (base scenario, its own builds), with either
    set of builds; ranges of round width, the first holding every cost at or below the base plan's.

    ``money`` writes an amount for the range's label (short: the chart's axis names the currency)."""
    columns = list(TABLES["hedge_cost_histogram"].columns)
    if scenarios.empty:
        return pd.DataFrame(columns=columns)
    reference = pd.to_numeric(pd.Series([scenarios.iloc[0]["cost_with_base_builds"]]), errors="coerce").iloc[0]
    extra = {label: _above(scenarios, cost, reference) for label, cost, _unmet in BUILDS}
    if reference != reference or not all(len(v) for v, _w in extra.values()):
        return pd.DataFrame(columns=columns)
    top = max((float(v[w > 0].max()) for v, w in extra.values() if (w > 0).any()), default=0.0)
    step = nice_step(top, HISTOGRAM_BINS) if top > 0 else 1.0
    edges = np.concatenate([[-np.inf, 0.0], np.arange(1, int(np.ceil(top / step)) + 1) * step])
    shares = {}
    for label, (values, weights) in extra.items():
        mass = weights.sum() or 1.0
        # Right-closed ranges: a cost exactly at an edge counts in the range it ends.
        index = np.searchsorted(edges, values, side="left") - 1
        shares[label] = np.bincount(np.clip(index, 0, len(edges) - 2), weights=weights,
                                    minlength=len(edges) - 1) / mass
    rows = [("<= 0", None, 0.0, shares["hedge"][0], shares["base plan's own"][0])]
    for k in range(1, len(edges) - 1):
        rows.append((f"{money(edges[k])}-{money(edges[k + 1])}", float(edges[k]), float(edges[k + 1]),
                     shares["hedge"][k], shares["base plan's own"][k]))
    return pd.DataFrame(rows, columns=columns)


def _above(scenarios: pd.DataFrame, column: str, reference: float) -> tuple[np.ndarray, np.ndarray]:
    """Each scenario's cost (``column``) less the reference, 0 where the difference is the solvers' noise; with its
    probability (``_solved``: none where a scenario that counts did not solve)."""
    values, weights, _names = _solved(scenarios, column)
    return np.array([noise_free(v - reference, reference) for v in values]), weights


def tail_summary(distribution: pd.DataFrame) -> list[tuple[str, float]]:
    """Summary's rows: the 95th-percentile cost with the hedge's builds and with the base plan's own."""
    p95 = dict(zip(distribution["builds"], distribution["p95_cost"]))
    return [(name, p95[label]) for name, label in (("p95_cost", "hedge"), ("p95_cost_with_base_builds",
                                                                            "base plan's own")) if label in p95]

"""What a sweep reports: per-sample rows, the risk summary, the drivers and the unmet distribution."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from planner.analysis.sweep.sampling import Sample
from planner.analysis.sweep.worker import SampleResult
from planner.input.data import PlannerInput


def samples_table(results: list[SampleResult]) -> pd.DataFrame:
    rows = [(r.index, r.drawn, r.status, r.total_cost, r.extra_cost,
             sum(r.unmet.values()) if r.status == "Optimal" else None) for r in results]
    return pd.DataFrame(rows, columns=["sample", "risks drawn", "status", "total_cost", "extra_cost",
                                       "unmet_tonnes"])


def sample_unmet_table(data: PlannerInput, results: list[SampleResult]) -> pd.DataFrame:
    """Long table: one row per sample, mineral and market (the basis of the risk summary)."""
    rows = []
    for r in results:
        if r.status != "Optimal":
            continue
        for m in data.minerals:
            for d in data.markets[m]:
                rows.append((r.index, m, d, r.unmet.get((m, d), 0.0), r.extra_by_mineral.get(m, 0.0)))
    return pd.DataFrame(rows, columns=["sample", "mineral", "market", "unmet_tonnes", "mineral_extra_cost"])


def risk_summary(data: PlannerInput, long: pd.DataFrame) -> pd.DataFrame:
    """Per mineral and market: mean and 95th-percentile unmet, P(any unmet), expected extra cost of the mineral."""
    rows = []
    for m in data.minerals:
        per_market = long[long["mineral"] == m]
        if per_market.empty:
            continue
        by_sample = per_market.groupby("sample").agg(unmet=("unmet_tonnes", "sum"),
                                                     extra=("mineral_extra_cost", "first"))
        expected_extra = float(by_sample["extra"].mean())
        for d in data.markets[m]:
            u = per_market[per_market["market"] == d]["unmet_tonnes"].to_numpy()
            rows.append((m, d, float(u.mean()), float(np.percentile(u, 95)), float((u > 1e-6).mean()),
                         expected_extra))
        u = by_sample["unmet"].to_numpy()
        rows.append((m, "ALL", float(u.mean()), float(np.percentile(u, 95)), float((u > 1e-6).mean()),
                     expected_extra))
    return pd.DataFrame(rows, columns=["mineral", "market", "mean_unmet", "p95_unmet", "p_any_unmet",
                                       "expected_extra_cost"])


def risk_drivers(data: PlannerInput, samples: list[Sample], results: list[SampleResult]) -> pd.DataFrame:
    """Which risks drive the shortfall: mean unmet and extra cost in samples with and without each risk."""
    by_index = {r.index: r for r in results if r.status == "Optimal"}
    rows = []
    for risk in data.risks:
        with_, without = [], []
        for s in samples:
            r = by_index.get(s.index)
            if r is None:
                continue
            (with_ if any(row == risk.row for row, _t in s.events) else without).append(r)
        def mean(group, f):
            return float(np.mean([f(r) for r in group])) if group else math.nan
        unmet = lambda r: sum(r.unmet.values())  # noqa: E731
        extra = lambda r: r.extra_cost  # noqa: E731
        rows.append((risk.risk, risk.row, len(with_), mean(with_, unmet), mean(without, unmet),
                     mean(with_, unmet) - mean(without, unmet), mean(with_, extra), mean(without, extra)))
    frame = pd.DataFrame(rows, columns=["risk", "risks_row", "samples_with", "mean_unmet_with",
                                        "mean_unmet_without", "unmet_difference", "mean_extra_cost_with",
                                        "mean_extra_cost_without"])
    return frame.sort_values("unmet_difference", ascending=False, kind="stable", na_position="last")\
        .reset_index(drop=True)


def unmet_histogram(data: PlannerInput, long: pd.DataFrame, bins: int = 10) -> pd.DataFrame:
    """Per mineral: how many samples leave how much demand unmet (all markets together)."""
    rows = []
    for m in data.minerals:
        u = long[long["mineral"] == m].groupby("sample")["unmet_tonnes"].sum().to_numpy()
        if u.size == 0:
            continue
        top = float(u.max())
        edges = np.linspace(0.0, top, bins + 1) if top > 1e-6 else np.array([0.0, 1e-6])
        counts, _ = np.histogram(u, bins=edges)
        for lo, hi, c in zip(edges[:-1], edges[1:], counts):
            rows.append((m, f"{lo:,.0f}-{hi:,.0f} t" if top > 1e-6 else "0 t", float(lo), float(hi), int(c),
                         c / u.size))
    return pd.DataFrame(rows, columns=["mineral", "unmet_range", "from_tonnes", "to_tonnes", "samples",
                                       "share_of_samples"])

#!/usr/bin/env python3
"""Risk-sweep throughput: ``planner sweep`` as users run it, with 1 and K local workers and on a Dask
LocalCluster, beside the time one sample takes on a built worker and the bare HiGHS warm solve.

    python benchmarks/sweep.py [INPUT.xlsx] [--samples 200] [--workers 2]

Default input: the shipped default dataset. Prints one table; the figures go in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import planner  # noqa: E402
from planner.analysis.sweep.sampling import draw_samples, sample_rows  # noqa: E402
from planner.analysis.sweep.worker import SweepWorker  # noqa: E402


def one_sample(data, samples) -> tuple[float, float]:
    """Seconds per sample on a built worker, and of the bare HiGHS warm solves inside it (first 40 hit samples).

    The bare solves are the touched blocks' stress LPs, each from its block's base basis: the least a
    sample can cost.
    """
    worker = SweepWorker(data)
    hit = [s for s in samples if s.events][:40]
    start = time.perf_counter()
    for s in hit:
        worker.run(s)
    per_sample = (time.perf_counter() - start) / max(1, len(hit))
    highs = 0.0
    for s in hit:
        rows = sample_rows(data, s)
        first = min((r.period for r in rows), key=data.period_index.__getitem__)
        for block in worker.blocks:
            hits = [r for r in rows if r.mineral is None or r.mineral in block.minerals]
            if hits:
                highs += block.stress(hits, first)[0].solve_seconds
    return per_sample, highs / max(1, len(hit))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", default=str(ROOT / "inputs" / "critical-minerals-2026.xlsx"))
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()

    data = planner.validate(args.input)
    per_sample, highs = one_sample(data, draw_samples(data, args.samples, args.seed))
    rows = [("one sample on a built worker", 1 / per_sample, per_sample * args.samples),
            ("  of which the bare HiGHS warm solve", 1 / highs, highs * args.samples)]
    runs = [("planner sweep, 1 worker (this process)", {"workers": 1}),
            (f"planner sweep, {args.workers} local worker processes", {"workers": args.workers})]
    cluster = None
    if not args.no_dask:
        from dask.distributed import LocalCluster

        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, host="127.0.0.1",
                               dashboard_address=None)
        runs.append((f"planner sweep, Dask LocalCluster of {args.workers} workers",
                     {"scheduler": cluster.scheduler_address}))
    try:
        for label, kwargs in runs:
            run = planner.sweep(args.input, samples=args.samples, seed=args.seed, **kwargs)
            summary = dict(run.outcome.summary)
            rows.append((label, summary["samples_per_second"], summary["sample_seconds"]))
    finally:
        if cluster is not None:
            cluster.close()
    print(f"machine: {os.cpu_count()} cores; Python {platform.python_version()}")
    print(f"workbook: {args.input}; {args.samples} samples, seed {args.seed}")
    print(f"{'how':52s} {'samples/s':>10s} {'seconds':>8s}")
    for label, rate, seconds in rows:
        print(f"{label:52s} {rate:10.1f} {seconds:8.2f}")


if __name__ == "__main__":
    main()

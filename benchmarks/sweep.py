"""Risk-sweep throughput: samples per second with 1 and K local workers and on a Dask LocalCluster,
against the time to solve one sample on its own.

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

from planner.sweep import SweepWorker, draw_samples, run_samples  # noqa: E402

from planner.api import validate_workbook  # noqa: E402
from planner.model.build import build_model, numbers_for  # noqa: E402
from planner.solve import HighsSession  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", default=str(ROOT / "inputs" / "critical-minerals-2026.xlsx"))
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()

    data = validate_workbook(args.input)
    model = build_model(data, "sweep", spot=True)
    numbers = numbers_for(model, data)
    base = HighsSession(model).solve(numbers)
    total = float(numbers.col_cost @ base.x)
    samples = draw_samples(data, args.samples, args.seed)

    # One sample on its own: a worker that is already built, timed per sample over the first 20.
    worker = SweepWorker(data, base.x, total)
    hit = [s for s in samples if s.events][:20]
    t0 = time.perf_counter()
    for s in hit:
        worker.run(s)
    one = (time.perf_counter() - t0) / max(1, len(hit))

    rows = [("one sample, model already built", 1 / one, one, 1.0)]
    for label, kwargs in (("1 worker (this process)", {"workers": 1}),
                          (f"{args.workers} local worker processes", {"workers": args.workers})):
        run = run_samples(data, base.x, total, samples, **kwargs)
        rate = len(run.results) / run.seconds
        rows.append((label, rate, run.seconds, rate * one))
    if not args.no_dask:
        from dask.distributed import LocalCluster

        with LocalCluster(n_workers=args.workers, threads_per_worker=1, host="127.0.0.1",
                          dashboard_address=None) as cluster:
            run = run_samples(data, base.x, total, samples, scheduler=cluster.scheduler_address)
            rate = len(run.results) / run.seconds
            rows.append((f"Dask LocalCluster, {args.workers} workers", rate, run.seconds, rate * one))

    print(f"machine: {os.cpu_count()} cores; Python {platform.python_version()}")
    print(f"workbook: {args.input} ({model.num_cols:,} columns, {model.num_rows:,} rows); "
          f"{args.samples} samples, seed {args.seed}")
    print(f"{'how':42s} {'samples/s':>10s} {'seconds':>8s} {'x one-sample rate':>18s}")
    for label, rate, seconds, ratio in rows:
        print(f"{label:42s} {rate:10.1f} {seconds:8.2f} {ratio:18.2f}")


if __name__ == "__main__":
    main()

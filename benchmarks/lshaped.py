#!/usr/bin/env python3
"""``planner hedge --samples N``: the extensive form against the decomposition (L-shaped, multi-cut).

    python benchmarks/lshaped.py                                   # the shipped dataset, 100 and 300 samples
    python benchmarks/lshaped.py --samples 100 --modes decompose --json benchmarks/out/lshaped.json

Each (samples, mode) runs in a fresh child process, as ``planner hedge`` runs (``planner.api.hedge``, the
workbook written), with ``--workers`` as given (default 1: every block and every subproblem in this
process, so the two methods are timed on the same single core):

- ``extensive``: ``--extensive``, every sample's operations stacked beside the shared decisions, one program
  per block;
- ``decompose``: ``--decompose``, a master over the decisions and one LP per distinct sample;
- ``ungrouped``: the decomposition with every sample its own subproblem (samples that drew the same events
  are not merged), to show what the grouping alone is worth;
- ``sweep``: ``planner sweep`` on the same samples and workers, the committed base plan measured against them:
  issue 27's yardstick (``hedge --samples 1000`` within 20x of it).

Figures: wall seconds, the solve and write stages, HiGHS seconds, the main process's peak resident set
(VmHWM) and every worker's sampled peak, and the hedge's expected cost, iterations, gap and distinct samples.
The 1-minute load average (``uptime``) is printed before each run: the benchmark machine is shared.
A run that takes longer than ``--timeout`` seconds is stopped and reported as such.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.append(str(HERE.parent))

from benchmarks.blocks import ProcessTreeMemory, _main_peak_gb  # noqa: E402

DATASET = HERE.parent / "inputs" / "critical-minerals-2026.xlsx"
MODES = ("extensive", "decompose", "ungrouped", "sweep")


def one_run(path: Path, samples: int, mode: str, workers: int) -> dict:
    """In this (fresh) process: one hedge of ``path`` against ``samples`` samples by ``mode``."""
    import planner.api
    from planner.analysis import lshaped

    if mode == "ungrouped":  # every sample its own subproblem
        lshaped.identical_scenarios = lambda numbers, weights: [
            lshaped.Group(i, (i,), float(w)) for i, w in enumerate(weights)]
    OUT.mkdir(parents=True, exist_ok=True)
    output = OUT / f"{path.stem}-hedge-{samples}-{mode}.xlsx"
    with ProcessTreeMemory() as tree:
        start = time.perf_counter()
        if mode == "sweep":
            run = planner.api.sweep(path, output, samples=samples, workers=workers)
        else:
            run = planner.api.hedge(path, output, samples=samples, workers=workers,
                                    method="extensive" if mode == "extensive" else "decompose")
        wall = time.perf_counter() - start
        time.sleep(0.05)
    summary = dict(run.outcome.summary)
    timings = run.report.timings
    return {"workbook": path.name, "samples": samples, "mode": mode, "workers": workers, "status": run.status,
            "wall": wall, "solve": timings.get("solve", 0.0), "write": timings.get("write", 0.0),
            "highs": timings.get("highs", 0.0), "main_peak_gb": _main_peak_gb(), "worker_peaks_gb": tree.workers(),
            "expected_cost": summary.get("expected_cost"), "value_of_hedging": summary.get("value_of_hedging"),
            "iterations": summary.get("iterations"), "gap": summary.get("gap"),
            "distinct": summary.get("distinct_scenarios"), "subproblems": dict(run.report.items()).get(
                "hedge_subproblems")}


def load_average() -> str:
    with open("/proc/loadavg") as fh:
        return fh.read().split()[0]


def in_child(path: Path, samples: int, mode: str, workers: int, timeout: float) -> dict:
    """``one_run`` in a fresh Python; the figures it prints, or why there are none."""
    try:
        proc = subprocess.run([sys.executable, __file__, "--one", str(path), str(samples), mode, str(workers)],
                              capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "PYTHONWARNINGS": "ignore"})
    except subprocess.TimeoutExpired:
        return {"samples": samples, "mode": mode, "status": f"stopped after {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"samples": samples, "mode": mode, "status": f"failed: {proc.stderr[-500:]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("workbook", nargs="?", type=Path, default=DATASET, help="default: the shipped dataset")
    p.add_argument("--samples", default="100,300", help="sample counts, comma-separated")
    p.add_argument("--modes", default="extensive,decompose", help=f"any of {', '.join(MODES)}, comma-separated")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds before a run is stopped")
    p.add_argument("--json", type=Path, help="also write the figures here")
    p.add_argument("--one", nargs=4, metavar=("WORKBOOK", "SAMPLES", "MODE", "WORKERS"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.one:
        path, samples, mode, workers = args.one
        print(json.dumps(one_run(Path(path), int(samples), mode, int(workers))))
        return 0
    results = []
    print(f"workbook: {args.workbook}; --workers {args.workers}")
    print(f"{'N':>5} {'mode':>10} {'load':>5} {'wall s':>8} {'solve s':>8} {'write s':>8} {'HiGHS s':>8} "
          f"{'main GB':>8} {'worker GB':>9} {'iter':>5} {'distinct':>8} {'expected cost':>20}  status")
    for samples in (int(n) for n in args.samples.split(",")):
        for mode in args.modes.split(","):
            load = load_average()
            r = {**in_child(args.workbook, samples, mode, args.workers, args.timeout), "load": load}
            results.append(r)
            if "wall" not in r:
                print(f"{samples:>5} {mode:>10} {load:>5}  {r['status']}", flush=True)
                continue
            cost = f"{r['expected_cost']:,.0f}" if r["expected_cost"] is not None else "-"
            print(f"{samples:>5} {mode:>10} {load:>5} {r['wall']:8.1f} {r['solve']:8.1f} {r['write']:8.1f} "
                  f"{r['highs']:8.1f} {r['main_peak_gb']:8.2f} {max(r['worker_peaks_gb'] or [0]):9.2f} "
                  f"{r['iterations'] or '-':>5} {r['distinct'] or '-':>8} "
                  f"{cost:>20}  {r['status'][:60]}", flush=True)
        timed = {r["mode"]: r for r in results if r["samples"] == samples and "wall" in r}
        if "sweep" in timed and "decompose" in timed:
            ratio = timed["decompose"]["wall"] / timed["sweep"]["wall"]
            print(f"{samples:>5} hedge --samples by decomposition: {ratio:.1f}x the sweep's wall time (issue 27: at "
                  "most 20x at 1000 samples)")
        done = {r["mode"]: r for r in results if r["samples"] == samples and r.get("expected_cost") is not None}
        if "extensive" in done:
            for mode, r in done.items():
                if mode != "extensive":
                    base = done["extensive"]["expected_cost"]
                    print(f"{samples:>5} {mode}: expected cost {(r['expected_cost'] - base) / abs(base):+.2e} "
                          f"relative to the extensive form's")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""``planner hedge`` against solving the base and each scenario on its own: wall time and peak memory.

    python benchmarks/hedge.py                                  # the world preset, version 2
    python benchmarks/hedge.py some/input.xlsx --json benchmarks/out/hedge.json

The default workbook is the world preset with every version 2 feature (``generate.py --preset world``):
30 minerals, 50 candidate projects of which 10 all-or-nothing, base + 6 scenarios with probabilities.
Two runs, each in a fresh child process, with the planner's default blocks (one per mineral, on the
machine's cores) and the workbook written:

- ``hedge``: one set of builds for the base and every scenario at once, the probability-weighted
  two-stage program (per mineral: every scenario's operations, the builds shared), then every scenario
  again with the base plan's own builds for the value of hedging;
- ``solve``: ``planner solve --no-explain``, the base and each scenario planned on its own, each with
  its own builds: what the hedge is compared with.

Memory is sampled as in ``blocks.py``: the main process's exact peak and every worker's sampled peak.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.append(str(HERE.parent))

from benchmarks.blocks import ProcessTreeMemory, _main_peak_gb, in_child  # noqa: E402
from benchmarks.generate import PRESETS, generate  # noqa: E402

MODES = ("hedge", "solve")


def one_run(path: Path, mode: str) -> dict:
    """In this (fresh) process: one run of ``mode`` on ``path``, with its timings and memory."""
    import planner.api

    output = OUT / f"{path.stem}-{mode}.xlsx"
    with ProcessTreeMemory() as tree:
        start = time.perf_counter()
        if mode == "hedge":
            run = planner.api.hedge(path, output)
        else:
            run = planner.api.solve(path, output, explain=False)
        wall = time.perf_counter() - start
        time.sleep(0.05)
    scenarios = run.tables["scenarios"]
    summary = dict(run.outcome.summary) if mode == "hedge" else {}
    return {"workbook": path.name, "mode": mode, "status": run.status, "wall": wall,
            "blocks": run.report.blocks, "size": run.report.model_size,
            "scenarios": len(scenarios), "highs": run.report.timings.get("highs", 0.0),
            "expected_cost": summary.get("expected_cost"), "value_of_hedging": summary.get("value_of_hedging"),
            "main_peak_gb": _main_peak_gb(), "worker_peaks_gb": tree.workers()}


def default_workbook() -> Path:
    path = OUT / "world-v2.xlsx"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        generate(path, **PRESETS["world"], seed=1, version=2)
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("workbook", nargs="?", type=Path, help="an input workbook with projects (default: world v2)")
    p.add_argument("--modes", default=",".join(MODES))
    p.add_argument("--json", type=Path, help="also write the figures here")
    p.add_argument("--one", nargs=2, metavar=("WORKBOOK", "MODE"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.one:
        print(json.dumps(one_run(Path(args.one[0]), args.one[1])))
        return 0
    path = args.workbook or default_workbook()
    results = []
    print(f"workbook: {path}")
    print(f"{'mode':>6} {'wall s':>8} {'HiGHS s':>8} {'main GB':>8} {'workers GB':>12}  status")
    for mode in args.modes.split(","):
        r = in_child(__file__, path, mode)
        if r is None:
            continue
        results.append(r)
        workers = ", ".join(f"{g:.2f}" for g in r["worker_peaks_gb"][:2]) or "-"
        print(f"{mode:>6} {r['wall']:8.1f} {r['highs']:8.1f} {r['main_peak_gb']:8.2f} {workers:>12}  {r['status']}",
              flush=True)
    for r in results:
        size = r["size"]
        print(f"{r['mode']}: {r['blocks'][1] if r['blocks'] else ''}; base model {size['columns']:,} columns, "
              f"{size['rows']:,} rows; {r['scenarios']} scenarios incl. base")
        if r["mode"] == "hedge":
            print(f"hedge: expected cost {r['expected_cost']:.6e}, value of hedging {r['value_of_hedging']:.6e}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""Demand that answers to price against fixed demand, on the same world: the cost of the demand steps.

    python benchmarks/elastic.py                       # the world preset, version 2, 10 steps
    python benchmarks/elastic.py --steps 10 --repeat 3 --json benchmarks/out/elastic.json

Two workbooks differ only in their settings: the world preset as generated (fixed demand), and the
same with ``elasticity = -0.3`` for every demand row and ``demand_steps = K``: each market's unmet
tonnes then become a core and K steps (K + 1 columns and one row more per mineral, market and
period). Each is solved by ``planner solve --no-explain --joint`` (one model: the solver sees every
step at once) in a fresh child process, ``--repeat`` times; the script prints the model size, the
wall time of the whole run and HiGHS' own seconds, and the ratio (target: at most 1.3x).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.append(str(HERE.parent))

from benchmarks.blocks import in_child  # noqa: E402
from benchmarks.generate import PRESETS, generate  # noqa: E402


def with_elastic_demand(source: Path, target: Path, steps: int, elasticity: float = -0.3) -> Path:
    """``source`` with the settings elasticity and demand_steps added (every other cell as it was)."""
    from openpyxl import load_workbook

    book = load_workbook(source)
    sheet = book["settings"] if "settings" in book.sheetnames else book.create_sheet("settings")
    if sheet["A1"].value is None:
        sheet.append(["key", "value"])
    sheet.append(["elasticity", elasticity])
    sheet.append(["demand_steps", steps])
    book.save(target)
    return target


def one_run(path: Path) -> dict:
    """In this (fresh) process: ``planner solve --no-explain --joint`` on ``path``."""
    import planner.api

    start = time.perf_counter()
    run = planner.api.solve(path, OUT / f"{path.stem}-plan.xlsx", explain=False, joint=True)
    wall = time.perf_counter() - start
    return {"workbook": path.name, "status": run.status, "wall": wall, "size": run.report.model_size,
            "highs": run.report.timings.get("highs", 0.0),
            "total_cost": float(run.tables["scenarios"]["total_cost"].iloc[0])}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", choices=sorted(PRESETS), default="world")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", metavar="FILE")
    p.add_argument("--one", nargs=2, metavar=("WORKBOOK", "MODE"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.one:
        print(json.dumps(one_run(Path(args.one[0])), default=str))
        return 0
    OUT.mkdir(exist_ok=True)
    fixed = generate(OUT / f"{args.preset}-fixed.xlsx", **PRESETS[args.preset])
    elastic = with_elastic_demand(fixed, OUT / f"{args.preset}-elastic.xlsx", args.steps)
    results = {}
    for label, path in (("fixed", fixed), ("elastic", elastic)):
        runs = [r for r in (in_child(__file__, path, label) for _ in range(args.repeat)) if r is not None]
        if not runs:
            return 1
        results[label] = runs
        size = runs[0]["size"]
        print(f"{label:8s} {size.get('columns', 0):>10,} columns {size.get('rows', 0):>10,} rows  "
              f"wall {statistics.median(r['wall'] for r in runs):7.2f} s  "
              f"HiGHS {statistics.median(r['highs'] for r in runs):7.2f} s  "
              f"(median of {len(runs)}; cost {runs[0]['total_cost']:,.0f}, {runs[0]['status']})")
    for measure in ("wall", "highs"):
        ratio = (statistics.median(r[measure] for r in results["elastic"])
                 / statistics.median(r[measure] for r in results["fixed"]))
        print(f"elastic / fixed, {measure}: {ratio:.2f}x (target <= 1.3x)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

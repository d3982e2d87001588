#!/usr/bin/env python3
"""`planner stress --reserve-days`, `planner frontier` and the budget frontier on the shipped dataset, before
and after their independent solves went to worker processes; and `solve`, `stress`, `hedge` against each other.

    python benchmarks/curves.py                               # before fe27d5a, --workers 1 and default, best of 1
    python benchmarks/curves.py --cases stress-sizing --rounds 3
    python benchmarks/curves.py --cases ratios --rounds 2     # solve, stress, hedge: the 2x target

Each run is the command a user types, in a child process (`python -m planner COMMAND INPUT ... -o OUT -q`),
with one tree's planner on its path, as benchmarks/explain.py runs them: "before" is ``--before`` (a
commit, extracted with ``git archive`` into benchmarks/out/, or a folder), "after" this checkout. Read
back from the output's own Run info: the batch of independent solves (how many, where, the solver's
seconds) and HiGHS' seconds in this process. CPU seconds are the child's and its workers'. Runs
alternate tree by tree and mode by mode; each cell is the best wall time of ``--rounds`` runs, with the
1-minute load read just before that run. The budget frontier runs only where the workbook has a budgets
sheet (the shipped dataset has none).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.explain import DATASET, best_of, timed_planner, tree_of  # noqa: E402

BEFORE = "fe27d5a"  # the last commit whose reserve sizes, frontier steps and budget amounts ran one after another
DAYS = "0,30,60,90,120"


def budget_name(workbook: Path) -> str | None:
    """The first budget on the workbook's budgets sheet, None where it has none."""
    import openpyxl

    book = openpyxl.load_workbook(workbook, read_only=True)
    if "budgets" not in book.sheetnames:
        return None
    rows = book["budgets"].iter_rows(min_row=2, values_only=True)
    return next((str(row[0]) for row in rows if row and row[0] is not None), None)


def cases(workbook: Path) -> dict[str, tuple[list[str], str | None]]:
    """name -> (the command's arguments after the workbook, its batch on Run info)."""
    found = {"stress-sizing": (["stress", "--reserve-days", DAYS], "reserve_sizing_runs"),
             "frontier": (["frontier"], "frontier_steps")}
    budget = budget_name(workbook)
    if budget:
        found["budget-frontier"] = (["frontier", "--budget", budget, "--amounts", "0,1e6,1e7,1e8,1e9,1e10"],
                                    "budget_frontier_steps")
    return found


RATIOS = {"solve": ["solve"], "stress": ["stress"], "hedge": ["hedge"]}


def run_once(tree: Path, workbook: Path, args: list[str], mode: str, batch: str | None) -> dict:
    """One command in a child process: wall and CPU seconds, load before it, and what Run info says."""
    run, info = timed_planner(tree, workbook, args, mode, exit_codes=(0, 1))
    run["highs"] = float(info.get("highs_seconds", float("nan")))
    if batch:
        run.update(solves=info.get(batch), where=info.get(f"{batch}_solved_by"), seconds=info.get(f"{batch}_seconds"))
    return run


def measure(trees: dict[str, Path], workbook: Path, jobs: dict, modes: list[str], rounds: int) -> dict:
    runs: dict[tuple, list[dict]] = {}
    for r in range(rounds):
        for case, (args, batch) in jobs.items():
            for mode in modes:
                for name, tree in trees.items():
                    run = run_once(tree, workbook, args, mode, batch)
                    runs.setdefault((case, name, mode), []).append(run)
                    print(f"  round {r + 1}: {case:15s} {name:6s} --workers {mode:7s} {run['wall']:6.1f} s wall, "
                          f"load {run['load']:.2f}", file=sys.stderr, flush=True)
    return best_of(runs)


def table(best: dict) -> str:
    lines = ["| command | code | --workers | wall s (best) | all runs | CPU s | HiGHS s here | solves | where | "
             "their solver s | load (1 min) |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for (case, name, mode), run in best.items():
        walls = ", ".join(f"{w:.1f}" for w in run["walls"])
        solves = run.get("solves")
        where = run.get("where") if solves is not None else "in this process (not reported)"
        seconds = f"{float(run['seconds']):.1f}" if run.get("seconds") is not None else "–"
        lines.append(f"| {case} | {name} | {mode} | {run['wall']:.1f} | {walls} | {run['cpu']:.1f} | "
                     f"{run['highs']:.1f} | {solves if solves is not None else '–'} | {where or '–'} | {seconds} | "
                     f"{run['load']:.2f} |")
    return "\n".join(lines)


def ratios(best: dict) -> str:
    """Each command's best wall time against `planner solve`'s (issue 29: stress and hedge within 2x)."""
    solve = best[("solve", "after", "default")]["wall"]
    lines = ["| command | wall s (best) | all runs | x solve | load (1 min) |", "|---|---|---|---|---|"]
    for (case, _name, _mode), run in best.items():
        walls = ", ".join(f"{w:.1f}" for w in run["walls"])
        lines.append(f"| {case} | {run['wall']:.1f} | {walls} | {run['wall'] / solve:.2f} | {run['load']:.2f} |")
    return "\n".join(lines)


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--before", default=BEFORE, help=f"a commit or a folder with the old planner (default {BEFORE})")
    p.add_argument("--after", type=Path, default=ROOT, help="a folder with the new planner (default: this checkout)")
    p.add_argument("--workbook", type=Path, default=DATASET)
    p.add_argument("--cases", default="stress-sizing,frontier,budget-frontier,ratios",
                   help="comma-separated: stress-sizing, frontier, budget-frontier, ratios")
    p.add_argument("--modes", default="1,default", help="comma-separated: default (no --workers), 1, 2")
    p.add_argument("--rounds", type=int, default=1, help="runs per cell; the best wall time is reported")
    args = p.parse_args(argv)
    workbook = args.workbook.resolve()
    chosen = [c.strip() for c in args.cases.split(",") if c.strip()]
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    available = cases(workbook)
    if "budget-frontier" in chosen and "budget-frontier" not in available:
        print(f"budget-frontier skipped: {workbook.name} has no budgets sheet")
    jobs = {c: available[c] for c in chosen if c in available}
    trees = {"before": tree_of(args.before), "after": args.after.resolve()}
    print(f"uptime: {uptime()}", file=sys.stderr)
    print(f"{workbook.name}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, best of {args.rounds}; "
          f"before = {args.before}")
    if jobs:
        print(table(measure(trees, workbook, jobs, modes, args.rounds)))
    if "ratios" in chosen:
        best = measure({"after": trees["after"]}, workbook, {c: (a, None) for c, a in RATIOS.items()}, ["default"],
                       args.rounds)
        print(ratios(best))
    print(f"uptime after: {uptime()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

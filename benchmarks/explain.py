#!/usr/bin/env python3
"""`planner solve` on the shipped dataset, before and after explain's re-solves went to worker processes.

    python benchmarks/explain.py                          # best of 3, default / --workers 1 / --workers 2
    python benchmarks/explain.py --rounds 2 --modes default,2 --json benchmarks/out/explain.json
    python benchmarks/explain.py --before 55309cd --workbook inputs/example.xlsx
    python benchmarks/explain.py --after path/to/tree   # another folder with a planner as "after"

Each run is the command a user types, in a child process (`python -m planner solve INPUT -o OUT -q`),
with the code of one tree on its path: "before" is ``--before`` (a commit, extracted with
``git archive`` into benchmarks/out/, or a folder holding a planner), "after" this checkout (or
``--after``, a folder: a checkout others are editing can be measured as a clean copy). The
script reads back, from the plan's own Run info, explain's seconds (the stage's wall time; summed over
workers when the blocks themselves ran in worker processes) and the re-solves (how many, where, the
solver's seconds), and measures the run's wall time and the CPU seconds of the child and every
process it started. Runs alternate before/after and mode by mode, so a burst of load from another
session falls on both; each cell reports its best wall time of ``--rounds`` runs, with the 1-minute
load average read just before that run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
DATASET = ROOT / "inputs" / "critical-minerals-2026.xlsx"
# The last commit whose explain re-solved every rule one after another in the main process.
BEFORE = "55309cd"
MODES = {"default": [], "1": ["--workers", "1"], "2": ["--workers", "2"]}


def tree_of(ref: str) -> Path:
    """A folder holding the planner of ``ref``: the folder itself, or the commit extracted from git (read only)."""
    if Path(ref).is_dir():
        return Path(ref).resolve()
    target = OUT / f"before-{ref}"
    if not (target / "planner").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "planner"], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def timed_planner(tree: Path, workbook: Path, args: list[str], mode: str, exit_codes=(0,)) -> tuple[dict, object]:
    """``planner ARGS[0] WORKBOOK ARGS[1:]`` with ``tree``'s code in a child process: its wall and CPU seconds and
    the load before it, and its Run info (item -> value). An exit code outside ``exit_codes`` stops the benchmark."""
    import pandas as pd

    command, *rest = args
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.xlsx"
        env = {**os.environ, "PYTHONPATH": str(tree)}
        load = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "planner", command, str(workbook), *rest, "-o", str(out), "-q",
                               *MODES[mode]], env=env, cwd=tmp, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode not in exit_codes:
            raise SystemExit(f"planner {command} failed ({tree}, {mode}):\n{done.stderr}")
        info = pd.read_excel(out, sheet_name="Run info").set_index("item")["value"]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "load": load}, info


def run_once(tree: Path, workbook: Path, mode: str) -> dict:
    """One `planner solve` in a child process: wall and CPU seconds, load before it, and its Run info."""
    run, info = timed_planner(tree, workbook, ["solve"], mode)
    return run | {"explain": float(info["explain_seconds"]), "resolves": info.get("explain_resolves"),
                  "where": info.get("explain_resolves_solved_by"),
                  "resolve_seconds": info.get("explain_resolves_seconds"), "blocks": info["blocks_solved_by"],
                  "version": info["version_planner"]}


def measure(trees: dict[str, Path], workbook: Path, modes: list[str], rounds: int) -> dict:
    runs: dict[tuple[str, str], list[dict]] = {}
    for r in range(rounds):
        for mode in modes:
            for name, tree in trees.items():
                run = run_once(tree, workbook, mode)
                runs.setdefault((name, mode), []).append(run)
                print(f"  round {r + 1}: {name:6s} --workers {mode:7s} {run['wall']:6.1f} s wall, explain "
                      f"{run['explain']:5.1f} s, load {run['load']:.2f}", file=sys.stderr, flush=True)
    return best_of(runs)


def best_of(runs: dict[tuple, list[dict]]) -> dict:
    """Per key, its fastest run, with every run's wall seconds beside it (``walls``)."""
    return {key: min(found, key=lambda run: run["wall"]) | {"walls": [run["wall"] for run in found]}
            for key, found in runs.items()}


def table(best: dict) -> str:
    lines = ["| code | --workers | wall s (best) | all runs | CPU s | explain s | re-solves | where | "
             "re-solve solver s | load (1 min) |", "|---|---|---|---|---|---|---|---|---|---|"]
    for (name, mode), run in best.items():
        walls = ", ".join(f"{w:.1f}" for w in run["walls"])
        resolves = run["resolves"] if run["resolves"] is not None else "–"
        where = run["where"] if run["where"] is not None else "in this process (not reported)"
        seconds = f"{float(run['resolve_seconds']):.1f}" if run["resolve_seconds"] is not None else "–"
        lines.append(f"| {name} | {mode} | {run['wall']:.1f} | {walls} | {run['cpu']:.1f} | {run['explain']:.1f} | "
                     f"{resolves} | {where} | {seconds} | {run['load']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--before", default=BEFORE, help=f"a commit or a folder with the old planner (default {BEFORE})")
    p.add_argument("--after", type=Path, default=ROOT, help="a folder with the new planner (default: this checkout)")
    p.add_argument("--workbook", type=Path, default=DATASET)
    p.add_argument("--modes", default="default,1,2", help="comma-separated: default (no --workers), 1, 2")
    p.add_argument("--rounds", type=int, default=3, help="runs per cell; the best wall time is reported")
    p.add_argument("--json", metavar="FILE")
    args = p.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        p.error(f"unknown mode(s) {', '.join(unknown)}; choose from {', '.join(MODES)}")
    trees = {"before": tree_of(args.before), "after": args.after.resolve()}
    print(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}", file=sys.stderr)
    best = measure(trees, args.workbook.resolve(), modes, args.rounds)
    print(f"`planner solve {args.workbook.name}`, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"best of {args.rounds}; before = {args.before}")
    print(table(best))
    print(f"uptime after: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({f"{n} {m}": run for (n, m), run in best.items()}, indent=2,
                                              default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

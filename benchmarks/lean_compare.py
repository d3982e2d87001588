#!/usr/bin/env python3
"""``planner solve`` against the lean reference (benchmarks/lean.py): the same optima, and how long each takes.

    python benchmarks/lean_compare.py                              # the two shipped workbooks
    python benchmarks/lean_compare.py inputs/example.xlsx --blocks --json benchmarks/out/lean.json

For each workbook, in fresh child processes run one after the other: the lean reference, ``python -m
planner solve INPUT -o OUT -q --no-explain`` and ``planner solve`` as users run it (with the
explanations). Every scenario's total_cost on the plan's ``Scenarios`` sheet must equal the reference's
optimum to a relative 1e-6. Prints the wall seconds of each (child process start to exit, imports
included) and the planner's time as a multiple of the reference's: issue 29's target is at most 0.15x
for ``--no-explain``. ``--blocks`` times the reference solving one program per block of tied minerals
instead of one over every mineral. Exit status 1 when an optimum disagrees or a solve is not optimal.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import load_workbook

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHIPPED = [ROOT / "inputs" / "example.xlsx", ROOT / "inputs" / "critical-minerals-2026.xlsx"]
TOLERANCE = 1e-6


def timed(command: list[str]) -> float:
    """Wall seconds of ``command`` in a child process; its output is shown only when it fails."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return seconds


def plan_costs(plan: Path) -> dict[str, tuple[str, float]]:
    """scenario -> (status, total_cost) from the plan's ``Scenarios`` sheet."""
    book = load_workbook(plan, read_only=True, data_only=True)
    rows = book["Scenarios"].iter_rows(values_only=True)
    header = [str(h).strip().lower() if h is not None else "" for h in next(rows)]
    at = {column: header.index(column) for column in ("scenario", "status", "total_cost")}
    costs = {str(row[at["scenario"]]): (str(row[at["status"]]), float(row[at["total_cost"]]))
             for row in rows if row[at["scenario"]] is not None}
    book.close()
    return costs


def relative_gap(cost: float, objective: float) -> float:
    return abs(cost - objective) / max(1.0, abs(objective))


def disagreements(reference: list[dict], plan: dict[str, tuple[str, float]]) -> list[str]:
    """Every scenario whose plan cost differs from the reference's optimum by more than TOLERANCE (relative)."""
    problems = []
    if sorted(row["scenario"] for row in reference) != sorted(plan):
        problems.append(f"scenarios differ: reference {[r['scenario'] for r in reference]}, plan {list(plan)}")
    for row in reference:
        status, cost = plan.get(row["scenario"], ("missing", float("nan")))
        gap = relative_gap(cost, row["objective"])
        if status != "Optimal" or row["status"] != "Optimal" or not gap <= TOLERANCE:
            problems.append(f"{row['scenario']}: planner {status} {cost!r}, reference {row['status']} "
                            f"{row['objective']!r} (relative gap {gap:.2e})")
    return problems


def compare(workbook: Path, out: Path, blocks: bool = False) -> dict:
    """Run the reference and both ``planner solve`` variants on ``workbook``; their seconds and any disagreement."""
    python = sys.executable
    reference_json = out / f"{workbook.stem}-lean.json"
    lean = [python, str(HERE / "lean.py"), str(workbook), "--json", str(reference_json)] + (["--blocks"] if blocks
                                                                                            else [])
    result = {"workbook": str(workbook), "blocks": blocks, "seconds": {}, "problems": []}
    result["seconds"]["lean"] = timed(lean)
    reference = json.loads(reference_json.read_text())
    result["seconds"]["lean_inside"] = reference["seconds"]["total"]
    for variant, extra in (("no_explain", ["--no-explain"]), ("explain", [])):
        plan = out / f"{workbook.stem}-{variant}.xlsx"
        result["seconds"][variant] = timed([python, "-m", "planner", "solve", str(workbook), "-o", str(plan), "-q"]
                                           + extra)
        costs = plan_costs(plan)
        result["problems"] += [f"{variant}: {p}" for p in disagreements(reference["scenarios"], costs)]
        gaps = [relative_gap(costs[r["scenario"]][1], r["objective"]) for r in reference["scenarios"]
                if r["scenario"] in costs]
        result["largest_gap"] = max([result.get("largest_gap", 0.0)] + gaps)
    result["scenarios"] = len(reference["scenarios"])
    return result


def report(result: dict) -> None:
    s = result["seconds"]
    print(f"{Path(result['workbook']).name}: {result['scenarios']} scenarios, "
          f"{'agree' if not result['problems'] else 'DISAGREE'} to {TOLERANCE:g} "
          f"(largest relative gap {result['largest_gap']:.1e})")
    for problem in result["problems"]:
        print(f"  {problem}")
    print(f"  lean reference{' (blocks)' if result['blocks'] else ''}  {s['lean']:7.2f} s "
          f"(read + build + solve inside: {s['lean_inside']:.2f} s)")
    for variant, shown in (("no_explain", "planner solve --no-explain"), ("explain", "planner solve")):
        print(f"  {shown:<26}  {s[variant]:7.2f} s  = {s[variant] / s['lean']:.2f}x the reference"
              + ("  (target <= 0.15x)" if variant == "no_explain" else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workbooks", nargs="*", type=Path, default=SHIPPED)
    parser.add_argument("--blocks", action="store_true", help="the reference solves one program per block")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="lean-compare-") as folder:
        for workbook in args.workbooks:
            results.append(compare(workbook.resolve(), Path(folder), args.blocks))
            report(results[-1])
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1))
    return 1 if any(result["problems"] for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())

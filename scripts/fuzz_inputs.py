"""Fuzz the planner with mutated workbooks for longer than CI does.

Each example applies up to ``--mutations`` random mutations (delete, blank, retype or duplicate
cells, rows, columns and sheets) to a small valid workbook and runs ``planner solve``: it must
solve (exit 0) or refuse with exit 2 and problems that each name a sheet. The same strategies run
in CI, bounded, as tests/test_hostile_input.py::test_mutated_workbooks_solve_or_are_refused.

    .venv/bin/python scripts/fuzz_inputs.py --examples 5000
    .venv/bin/python scripts/fuzz_inputs.py --examples 500 --seed 7 --mutations 8

Exit status 0 when every example passed; 1 with the (shrunk) failing example printed.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from mutations import check_mutated, mutated_workbooks  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=1000, help="workbooks to try (default 1000)")
    parser.add_argument("--mutations", type=int, default=5, help="most mutations per workbook (default 5)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    args = parser.parse_args(argv)

    outcomes: collections.Counter[int] = collections.Counter()
    started = time.perf_counter()

    @settings(max_examples=args.examples, deadline=None, database=None, print_blob=True,
              suppress_health_check=list(HealthCheck))
    @given(mutated_workbooks(max_mutations=args.mutations))
    def run(mutated):
        with tempfile.TemporaryDirectory(prefix="planner-fuzz-") as folder:
            outcomes[check_mutated(mutated, Path(folder))] += 1
        done = sum(outcomes.values())
        if done % 100 == 0:
            print(f"{done} examples, {time.perf_counter() - started:.0f}s: solved {outcomes[0]}, "
                  f"refused {outcomes[2]}", file=sys.stderr, flush=True)

    if args.seed is not None:
        run = seed(args.seed)(run)
    try:
        run()
    except AssertionError as exc:
        print(f"FAILED after {sum(outcomes.values())} examples:\n{exc}", file=sys.stderr)
        return 1
    print(f"ok: {sum(outcomes.values())} examples in {time.perf_counter() - started:.0f}s "
          f"(solved {outcomes[0]}, refused {outcomes[2]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Fuzz the planner with mutated workbooks, with fresh randomness, for as long as you like.

Runs the property of tests/test_hostile_input.py::test_mutated_workbooks_solve_or_are_refused (which CI
runs on a fixed, derandomized set): each example applies up to ``--mutations`` random mutations (delete,
blank, retype or duplicate cells, rows, columns and sheets; move a column beyond column 100; put values
under no header; numbers at the solver's limits) to a small valid workbook and runs ``planner solve``:
it must solve (exit 0) or refuse with exit 2 and problems that each name a sheet.

    .venv/bin/python scripts/fuzz_inputs.py --minutes 20
    .venv/bin/python scripts/fuzz_inputs.py --examples 5000
    .venv/bin/python scripts/fuzz_inputs.py --examples 500 --seed 7 --mutations 8

Examples run in batches, each with a fresh random seed, until the time or the example count is reached.
Prints how many examples ran (solved, refused); on a failure, the shrunk failing example and exit 1.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402

from tests.mutations import check_mutated, mutated_workbooks  # noqa: E402

BATCH = 200  # examples per batch (a fresh seed each); time is checked between batches


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=None, help="run for this long (default: until --examples)")
    parser.add_argument("--examples", type=int, default=None,
                        help="workbooks to try (default 1000, or unlimited with --minutes)")
    parser.add_argument("--mutations", type=int, default=5, help="most mutations per workbook (default 5, as in CI)")
    parser.add_argument("--seed", type=int, default=None, help="random seed of the first batch (default: random)")
    args = parser.parse_args(argv)
    limit = args.examples if args.examples is not None else (None if args.minutes else 1000)
    deadline = time.monotonic() + 60 * args.minutes if args.minutes else None
    rng = random.Random(args.seed)

    outcomes: collections.Counter[int] = collections.Counter()
    started = time.perf_counter()

    def done() -> int:
        return sum(outcomes.values())

    def report(prefix: str) -> str:
        return (f"{prefix}{done()} examples in {time.perf_counter() - started:.0f}s (solved {outcomes[0]}, "
                f"refused {outcomes[2]})")

    batch_number = 0
    while (limit is None or done() < limit) and (deadline is None or time.monotonic() < deadline):
        size = BATCH if limit is None else min(BATCH, limit - done())

        @settings(max_examples=size, deadline=None, database=None, print_blob=True,
                  suppress_health_check=list(HealthCheck))
        @given(mutated_workbooks(max_mutations=args.mutations))
        def run(mutated):
            with tempfile.TemporaryDirectory(prefix="planner-fuzz-") as folder:
                outcomes[check_mutated(mutated, Path(folder))] += 1
            if done() % 100 == 0:
                print(report(""), file=sys.stderr, flush=True)

        batch_seed = rng.randrange(2**32)
        batch_number += 1
        try:
            seed(batch_seed)(run)()
        except AssertionError as exc:
            print(f"FAILED in batch {batch_number} (seed {batch_seed}) after {done()} examples; the shrunk "
                  f"example:\n{exc}", file=sys.stderr)
            print(report("failed: "))
            return 1
    print(report("ok: "))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The base plan solved again without some of its rows, many times over: in this process or on workers.

Explain prices each rule by solving the base plan again with the rule's rows switched off
(``without_rows``). Every re-solve starts where the base plan stands: a mixed-integer one from the
base plan itself (still feasible once rows are off: a known incumbent), a linear one from the base
basis. Neither start depends on what a HiGHS instance solved before (``set_basis`` clears the
solver; a mixed-integer run starts its search afresh), so a re-solve gives the same plan in this
process as in a worker's fresh instance. The re-solves therefore go to worker processes whenever
there are enough of them to repay handing them over, and no answer depends on where they ran.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from planner.model.build import Model, Numbers, without_rows
from planner.runinfo import Stages
from planner.solver import HighsSession, Session, Solution, restored, solve_from, starting_basis
from planner.solver.portable import basis_arrays, highs_basis

# A worker gets its re-solves in about this many chunks: enough that none idles long at the end,
# few enough that each chunk's model and numbers (a megabyte or two) travel rarely.
CHUNKS_PER_WORKER = 6

HERE = "in this process"


@dataclass(frozen=True)
class Start:
    """Where every re-solve of one base plan starts."""

    incumbent: np.ndarray | None = None  # a mixed-integer re-solve: the base plan
    basis: object = None  # a linear re-solve: the base basis (None for a solver that keeps none)


def starting_point(session: Session, base: Solution) -> Start:
    """The base plan as incumbent (a mixed-integer plan, where the session takes one), else the session's base
    basis."""
    if base.mip and session.abilities.incumbent:
        return Start(incumbent=base.x)
    return Start(basis=starting_basis(session))


def resolve(session: Session, model: Model, numbers: Numbers, rows: Sequence[int], start: Start) -> Solution:
    """The plan of ``numbers`` with ``rows`` switched off, solved from ``start``."""
    relaxed = without_rows(numbers, model, rows)
    if start.incumbent is not None:
        return session.solve(relaxed, incumbent=start.incumbent)
    return solve_from(session, relaxed, start.basis)


def resolve_all(model: Model, session: Session, numbers: Numbers, base: Solution, row_sets: Sequence[Sequence[int]],
                labels: Sequence[str], stages: Stages, block: str = "", batch: str = "explain_resolves"
                ) -> list[Solution]:
    """``resolve`` for each of ``row_sets``, in order; progress names each by its ``labels`` (the rule) and
    the whole by ``block`` (the minerals).

    They run on ``stages.pool``'s workers when the command line chose workers, or when the ones
    left after the first (run here, and timed) would take longer here than handing them over
    (starting the workers, unless they already run); else here, one after another. Leaves the
    session on ``numbers`` and the base basis, and records the batch on ``stages``: how many ran
    where, and the solver's seconds.
    """
    start = starting_point(session, base)
    pool = stages.pool if session.abilities.parallel else None  # a worker rebuilds a HiGHS session
    n = len(row_sets)
    texts = [f"{block}: base plan without {label}" for label in labels]
    chosen = pool is not None and pool.chosen and n >= 2  # the command line chose workers: all of them there
    solutions = [] if chosen or not n else _solved_here(session, model, numbers, row_sets, start, texts, stages, pool)
    here = len(solutions)
    stages.batch(batch, HERE, here, sum(s.solve_seconds for s in solutions))
    if here < n:
        solutions += _on_workers(pool, model, session, numbers, start, row_sets[here:], stages, block, batch)
    return solutions


def _solved_here(session: Session, model: Model, numbers: Numbers, row_sets: Sequence[Sequence[int]], start: Start,
                 texts: Sequence[str], stages: Stages, pool) -> list[Solution]:
    """The first re-solve in this process, timed; the rest here too unless ``pool``'s workers would finish them
    sooner (starting them counted). Leaves the session on ``numbers`` and the base basis, for later solves."""
    with restored(session, numbers, start.basis):
        solutions = [_here(session, model, numbers, row_sets[0], start, texts[0], stages)]
        left = len(row_sets) - 1
        if pool is not None and left >= 2 and left * solutions[0].solve_seconds > pool.overhead_seconds():
            return solutions
        return solutions + [_here(session, model, numbers, row_sets[i], start, texts[i], stages)
                            for i in range(1, len(row_sets))]


def _here(session, model, numbers, rows, start, text, stages: Stages) -> Solution:
    solution = resolve(session, model, numbers, rows, start)
    stages.progress("explain", f"{text}: {solution.status}")
    return solution


def _on_workers(pool, model: Model, session: Session, numbers: Numbers, start: Start,
                row_sets: Sequence[Sequence[int]], stages: Stages, block: str, batch: str) -> list[Solution]:
    """``resolve`` for each of ``row_sets`` on ``pool``'s workers, in chunks; the solutions in order."""
    n = len(row_sets)
    size = math.ceil(n / (CHUNKS_PER_WORKER * pool.workers))
    shipped = (start.incumbent, basis_arrays(start.basis))
    jobs = [(model, numbers, session.time_limit, shipped, [(i, list(row_sets[i])) for i in range(k, min(k + size, n))])
            for k in range(0, n, size)]
    solutions: list[Solution | None] = [None] * n
    counter = stages.progress.counter("explain", n, f"re-solves of {block}")
    t0 = time.perf_counter()
    for done in pool.map(_resolve_chunk, jobs):
        for i, solution in done:
            solutions[i] = solution
        counter.update(len(done))
    stages.progress("explain", f"{block}: {n} re-solves on {pool.description} in {time.perf_counter() - t0:.1f}s")
    stages.batch(batch, f"on {pool.description}", n, sum(s.solve_seconds for s in solutions))
    return solutions


def _resolve_chunk(_state, job) -> list[tuple[int, Solution]]:
    """In a worker: a fresh HiGHS session of the model, and each of the chunk's re-solves on it."""
    model, numbers, time_limit, (incumbent, basis), chunk = job
    # One HiGHS thread: the workers fill the cores; HiGHS' own threads would only wait on them (same plans).
    session = HighsSession(model, time_limit, threads=1)
    start = Start(incumbent, highs_basis(basis))
    return [(i, resolve(session, model, numbers, rows, start)) for i, rows in chunk]

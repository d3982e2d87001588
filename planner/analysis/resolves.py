"""The base plan solved again without some of its rows, many times over: in this process or on workers.

Explain prices each rule by solving the base plan again with the rule's rows switched off
(``without_rows``). Every re-solve starts where the base plan stands: a mixed-integer one from the
base plan itself (still feasible once rows are off: a known incumbent), a linear one from the base
basis. Neither start depends on what a HiGHS instance solved before (``set_basis`` clears the
solver; a mixed-integer run starts its search afresh), so a re-solve gives the same plan in this
process as in a worker's fresh instance. The re-solves therefore go to worker processes whenever
there are enough of them to repay handing them over, and no answer depends on where they ran.

``solved_apart`` is that rule for any batch of independent solves: explain's re-solves here, and
the steps of ``stress --reserve-days``, ``frontier`` and the budget frontier.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from planner.model.build import Model, Numbers, without_rows
from planner.runinfo import Stages
from planner.solver import HighsSession, Session, Solution, restored, solve_from, starting_basis
from planner.solver.portable import basis_arrays, highs_basis

# A worker gets its tasks in about this many chunks: enough that none idles long at the end,
# few enough that each chunk's model and numbers (a megabyte or two) travel rarely.
CHUNKS_PER_WORKER = 6

HERE = "in this process"

R = TypeVar("R")


@dataclass(frozen=True)
class Start:
    """Where every re-solve of one base plan starts."""

    incumbent: np.ndarray | None = None  # a mixed-integer re-solve: the base plan
    basis: object = None  # a linear re-solve: the base basis (None for a solver that keeps none)

    def shipped(self) -> tuple:
        """The start as plain arrays, for a worker (a HiGHS basis does not pickle): ``Start.arrived`` there."""
        return self.incumbent, basis_arrays(self.basis)

    @staticmethod
    def arrived(shipped: tuple) -> Start:
        incumbent, basis = shipped
        return Start(incumbent, highs_basis(basis))


def starting_point(session: Session, base: Solution) -> Start:
    """The base plan as incumbent (a mixed-integer plan, where the session takes one), else the session's base
    basis."""
    if base.mip and session.abilities.incumbent:
        return Start(incumbent=base.x)
    return Start(basis=starting_basis(session))


def solved_from(session: Session, numbers: Numbers, start: Start) -> Solution:
    """The optimum of ``numbers`` solved from ``start``, whatever the session solved before."""
    if start.incumbent is not None:
        return session.solve(numbers, incumbent=start.incumbent)
    return solve_from(session, numbers, start.basis)


def resolve(session: Session, model: Model, numbers: Numbers, rows: Sequence[int], start: Start) -> Solution:
    """The plan of ``numbers`` with ``rows`` switched off, solved from ``start``."""
    return solved_from(session, without_rows(numbers, model, rows), start)


def worker_session(model, time_limit: float | None) -> HighsSession:
    """In a worker: a fresh HiGHS session of ``model`` with one thread (the workers fill the cores; HiGHS' own
    threads would only wait on them, for the same plans)."""
    return HighsSession(model, time_limit, threads=1)


def own_session(session: Session, threads: int | None = None) -> Session:
    """The session one independent solve runs on: a fresh HiGHS instance of the model where the model is
    mixed-integer, else ``session`` itself.

    HiGHS' mixed-integer search depends on what its instance solved before: on the shipped dataset
    the same program, solved by an instance that had solved another one first, ends at another of
    its optimal plans (costs equal to the last digit), even with the model passed to it again. A
    fresh instance here, as on a worker, gives the same plan in both places. A linear solve needs
    none: it starts from a basis, and ``set_basis`` clears what the instance kept.
    """
    if session.mip and session.abilities.parallel:
        return HighsSession(session.model, session.time_limit, threads=threads)
    return session


def solved_apart(tasks: Sequence, here: Callable[[object], R], worker: Callable, shared: tuple, stages: Stages,
                 pool, batch: str, stage: str, label: str, noun: str,
                 seconds: Callable[[R], float] = lambda s: s.solve_seconds) -> list[R]:
    """``here(task)`` for each of ``tasks``, in order: in this process, or some on ``pool``'s workers.

    Every task must give the same answer wherever it runs: ``worker(None, (shared, chunk))`` does in a
    worker what ``here`` does here, for each (index, task) of ``chunk``, and returns (index, answer)
    pairs. The tasks go to the workers when the command line chose workers (all of them, two or
    more), or when the ones left after the first (run here, and timed by ``seconds``) would take
    longer here than handing them over (starting the workers, unless they already run); else they
    run here, one after another. ``pool`` None: here. Records batch ``batch`` on ``stages``: how many
    ran where, and their ``seconds``; progress names the worker part ``{label}: n {noun}``.
    """
    n = len(tasks)
    chosen = pool is not None and pool.chosen and n >= 2  # the command line chose workers: all of them there
    answers: list = []
    if n and not chosen:
        answers.append(here(tasks[0]))
        left = n - 1
        if pool is None or left < 2 or left * seconds(answers[0]) <= pool.overhead_seconds():
            answers += [here(task) for task in tasks[1:]]
    done = len(answers)
    stages.batch(batch, HERE, done, sum(seconds(a) for a in answers))
    if done < n:
        answers += _on_workers(pool, worker, shared, tasks[done:], stages, batch, stage, label, noun, seconds)
    return answers


def _on_workers(pool, worker: Callable, shared: tuple, tasks: Sequence, stages: Stages, batch: str, stage: str,
                label: str, noun: str, seconds: Callable) -> list:
    """``worker`` over ``tasks`` on ``pool``'s workers, in chunks; the answers in order."""
    n = len(tasks)
    size = math.ceil(n / (CHUNKS_PER_WORKER * pool.workers))
    jobs = [(shared, [(i, tasks[i]) for i in range(k, min(k + size, n))]) for k in range(0, n, size)]
    answers: list = [None] * n
    counter = stages.progress.counter(stage, n, f"{noun} of {label}")
    t0 = time.perf_counter()
    for done in pool.map(worker, jobs):
        for i, answer in done:
            answers[i] = answer
        counter.update(len(done))
    stages.progress(stage, f"{label}: {n} {noun} on {pool.description} in {time.perf_counter() - t0:.1f}s")
    stages.batch(batch, f"on {pool.description}", n, sum(seconds(a) for a in answers))
    return answers


def resolve_all(model: Model, session: Session, numbers: Numbers, base: Solution, row_sets: Sequence[Sequence[int]],
                labels: Sequence[str], stages: Stages, block: str = "", batch: str = "explain_resolves"
                ) -> list[Solution]:
    """``resolve`` for each of ``row_sets``, in order (``solved_apart``: here or on ``stages.pool``); progress
    names each by its ``labels`` (the rule) and the whole by ``block`` (the minerals).

    Leaves the session on ``numbers`` and the base basis, and records the batch on ``stages``: how
    many ran where, and the solver's seconds.
    """
    start = starting_point(session, base)
    pool = stages.pool if session.abilities.parallel else None  # a worker rebuilds a HiGHS session
    tasks = [(f"{block}: base plan without {label}", list(rows)) for label, rows in zip(labels, row_sets)]

    def here(task) -> Solution:
        text, rows = task
        solution = resolve(own_session(session), model, numbers, rows, start)
        stages.progress("explain", f"{text}: {solution.status}")
        return solution

    shared = (model, numbers, session.time_limit, start.shipped())
    with restored(session, numbers, start.basis):
        return solved_apart(tasks, here, _resolve_chunk, shared, stages, pool, batch, "explain", block, "re-solves")


def _resolve_chunk(_state, job) -> list[tuple[int, Solution]]:
    """In a worker: a fresh HiGHS session of the model, and each of the chunk's re-solves on it (a mixed-integer
    one on an instance of its own, as here: ``own_session``)."""
    (model, numbers, time_limit, shipped), chunk = job
    session, start = worker_session(model, time_limit), Start.arrived(shipped)
    return [(i, resolve(own_session(session, threads=1), model, numbers, rows, start)) for i, (_text, rows) in chunk]

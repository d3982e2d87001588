"""Many solves of one model at once: HiGHS instances in threads, each solve started from one basis.

HiGHS releases Python's GIL while it solves, so instances in threads use every core. Every
instance is created here, in the calling thread, before any thread starts; and each solve
starts from the same basis, so a result never depends on which instance solved it or in what
order.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from queue import Queue

from planner.model.build import Numbers
from planner.solver.highs import HighsSession
from planner.solver.session import solve_from
from planner.solver.solution import Solution


class SessionPool:
    """``session`` and as many clones as ``workers`` asks (one per core by default), for ``jobs`` solves."""

    def __init__(self, session: HighsSession, jobs: int, workers: int | None = None):
        n = max(1, min(workers or os.cpu_count() or 1, jobs))
        self.sessions = [session] + [session.clone() for _ in range(n - 1)]

    def solve_all(self, numbers: Sequence[Numbers], basis) -> Iterator[Solution]:
        """Solve each of ``numbers`` from ``basis``; yield the solutions in the order given."""
        idle: Queue = Queue()
        for s in self.sessions:
            idle.put(s)

        def solve_one(job: Numbers) -> Solution:
            own = idle.get()
            try:
                return solve_from(own, job, basis)
            finally:
                idle.put(own)

        with ThreadPoolExecutor(max_workers=len(self.sessions)) as pool:
            futures = [pool.submit(solve_one, job) for job in numbers]
            for future in futures:
                yield future.result()

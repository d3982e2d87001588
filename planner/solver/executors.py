"""Where many independent tasks run: this process, local worker processes, or an existing Dask cluster.

Each worker builds its state once (``init(*args)``: typically a model and a HiGHS session) and
then runs ``fn(state, chunk)`` for chunk after chunk. The state's inputs travel once to each
worker; a task carries only its chunk. Results come back as tasks finish (not in order), so
callers key them by their own index.

``OnDemand`` is the run-long variant: workers with no state of their own, started when a stage
first has enough tasks to repay starting them, and kept for the stages after it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator

from planner.errors import UsageError

_STATE: dict = {}


class Serial:
    """Every task in this process, one after another."""

    def __init__(self, init: Callable, args: tuple):
        self.state = init(*args)
        self.description = "1 worker (this process)"

    def map(self, fn: Callable, chunks: Iterable) -> Iterator:
        for chunk in chunks:
            yield fn(self.state, chunk)

    def close(self) -> None:
        pass


def _init_process(init: Callable, args: tuple) -> None:
    # Ctrl-C in a terminal reaches every process of the group: the parent stops the run and the
    # workers with it, so workers ignore it rather than each printing a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _STATE["state"] = init(*args)


@contextlib.contextmanager
def _main_script_hidden():
    """Start spawned workers without re-running the caller's script in each of them.

    A spawned process imports the parent's ``__main__`` before it runs a task; a script that calls
    ``planner.solve`` at top level (no ``if __name__ == "__main__"`` guard) would then start its
    own work again in every worker and fail. Every task and initialiser here lives in ``planner``,
    so the workers never need the script: while the pool starts, ``__main__`` shows no file to import.
    """
    main = sys.modules.get("__main__")
    spec, file = getattr(main, "__spec__", None), getattr(main, "__file__", None)
    main.__spec__ = None  # multiprocessing reads it unguarded
    if file is not None:
        del main.__file__
    try:
        yield
    finally:
        main.__spec__ = spec
        if file is not None:
            main.__file__ = file


def _call_in_process(job: tuple) -> object:
    fn, chunk = job
    return fn(_STATE["state"], chunk)


class LocalProcesses:
    """A pool of ``workers`` local processes, started with spawn (forking a process that holds HiGHS
    threads is unsafe); a ``multiprocessing.Pool`` so that an interrupt can stop them at once."""

    def __init__(self, workers: int, init: Callable, args: tuple):
        import multiprocessing

        with _main_script_hidden():
            self.pool = multiprocessing.get_context("spawn").Pool(processes=workers, initializer=_init_process,
                                                                  initargs=(init, args))
        self.description = f"{workers} local worker processes"

    def map(self, fn: Callable, chunks: Iterable) -> Iterator:
        yield from self.pool.imap_unordered(_call_in_process, [(fn, c) for c in chunks])

    def close(self) -> None:
        self.pool.terminate()  # finished chunks are already collected; stop whatever is running
        self.pool.join()


def _call_on_dask(payload, fn: Callable, chunk) -> object:
    """Dask task: build the worker's state once per worker process (keyed by the payload's token)."""
    token, init, args = payload
    if _STATE.get("token") != token:
        _STATE["state"] = init(*args)
        _STATE["token"] = token
    return fn(_STATE["state"], chunk)


class DaskCluster:
    """Tasks on an existing Dask cluster; the state's inputs are scattered once to every worker."""

    def __init__(self, address: str, init: Callable, args: tuple):
        try:
            from dask.distributed import Client
        except ImportError as exc:
            raise UsageError("--scheduler needs Dask: pip install 'minerals-planner[dask]' "
                             "(or pip install 'dask[distributed]')") from exc
        try:
            self.client = Client(address, timeout="5s")
        except Exception as exc:  # connection refused, timeout, bad address
            raise UsageError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
        token = f"{os.getpid()}-{time.time_ns()}"
        self.payload = self.client.scatter((token, init, args), broadcast=True)
        self.futures: list = []
        self.description = f"dask scheduler {address}"

    def map(self, fn: Callable, chunks: Iterable) -> Iterator:
        from dask.distributed import as_completed

        self.futures = [self.client.submit(_call_on_dask, self.payload, fn, c, pure=False) for c in chunks]
        for future in as_completed(self.futures):
            yield future.result()

    def close(self) -> None:
        for f in self.futures:
            f.cancel()
        self.client.close()


def make_executor(init: Callable, args: tuple, workers: int | None = None, scheduler: str | None = None):
    """Dask when ``scheduler`` is given, else ``workers`` local processes (default one per core), or
    this process alone for one worker."""
    if scheduler:
        return DaskCluster(scheduler, init, args)
    workers = workers or os.cpu_count() or 1
    if workers <= 1:
        return Serial(init, args)
    return LocalProcesses(workers, init, args)


def _no_state() -> None:
    return None  # an OnDemand task carries everything it needs


class OnDemand:
    """Worker processes for a whole run, started on first use, stopped on ``close`` (``Stages.sharing``).

    A small workbook solves its blocks one after another in this process, yet a block may have many
    independent solves (explain's re-solves, one per rule). Starting workers costs a couple of
    seconds, so they start once, for the first block whose solves are worth it, and serve every
    block after it. Tasks carry their own inputs (``fn(None, chunk)``).
    """

    # Starting a worker: spawning it and importing the planner there (1.9 s on the 2-core benchmark machine).
    START_SECONDS = 2.0
    # Handing a chunk to a running worker: its model and numbers pickled there and back (tens of ms).
    DISPATCH_SECONDS = 0.25

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
        self.chosen = workers is not None or scheduler is not None  # asked for on the command line
        self.workers = workers or os.cpu_count() or 1
        self.scheduler = scheduler
        self._executor = None

    @property
    def description(self) -> str:
        if self._executor is not None:
            return self._executor.description
        return f"dask scheduler {self.scheduler}" if self.scheduler else f"{self.workers} local worker processes"

    def overhead_seconds(self) -> float:
        """What handing work to the workers costs before it starts: their start, unless they are running."""
        return self.DISPATCH_SECONDS if self._executor is not None else self.START_SECONDS

    def map(self, fn: Callable, chunks: Iterable) -> Iterator:
        if self._executor is None:
            self._executor = make_executor(_no_state, (), self.workers, self.scheduler)
        yield from self._executor.map(fn, chunks)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.close()
            self._executor = None


def worker_pool(workers: int | None = None, scheduler: str | None = None) -> OnDemand | None:
    """The run's ``OnDemand`` workers; None where ``--workers 1`` keeps all the work in this process."""
    return None if workers == 1 and scheduler is None else OnDemand(workers, scheduler)

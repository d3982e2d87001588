"""``planner sweep``: thousands of sampled disruptions, each stress-tested against the base plan.

Samples are drawn up front from the ``risks`` sheet with one seeded generator, so the same seed
gives the same samples whoever solves them. Each worker builds the stress model once, solves the
base plan for its basis, and then solves each sample from that same basis: a sample's result
does not depend on which worker solved it or what it solved before, so 1 worker, many workers
and a Dask cluster give identical tables.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.data import PlannerInput, ScenarioRow
from planner.errors import UsageError
from planner.model.build import build_model, numbers_for
from planner.scenarios import apply_rows
from planner.solve import HighsSession
from planner.stress import stress_numbers


@dataclass(frozen=True)
class Sample:
    index: int
    events: tuple[tuple[int, str], ...]  # (risks-sheet row, start period)


@dataclass
class SampleResult:
    index: int
    drawn: str
    status: str
    total_cost: float | None
    extra_cost: float | None
    unmet: dict  # (mineral, market) -> tonnes over all periods
    extra_by_mineral: dict  # mineral -> extra cost over the base plan


def draw_samples(data: PlannerInput, n: int, seed: int) -> list[Sample]:
    """In each sample and period, each risk starts independently with its probability."""
    rng = np.random.default_rng(seed)
    u = rng.random((n, len(data.risks), len(data.periods)))
    samples = []
    for s in range(n):
        events = tuple((risk.row, t) for i, risk in enumerate(data.risks) for j, t in enumerate(data.periods)
                       if u[s, i, j] < risk.probability)
        samples.append(Sample(s + 1, events))
    return samples


def sample_rows(data: PlannerInput, sample: Sample) -> list[ScenarioRow]:
    """The capacity factors a sample applies: each event hits its start period and the next duration-1.

    A period hit twice by the same risk (overlapping events) takes its factor once; different risks compound.
    """
    risks = {r.row: r for r in data.risks}
    order = {t: i for i, t in enumerate(data.periods)}
    hit: set[tuple[int, str]] = set()
    for row, start in sample.events:
        first = order[start]
        for t in data.periods[first:first + risks[row].duration]:
            hit.add((row, t))
    return [ScenarioRow(row, f"{risks[row].stage}_capacity", risks[row].factor, risks[row].mineral,
                        risks[row].country, t)
            for row, t in sorted(hit, key=lambda k: (k[0], order[k[1]]))]


def describe(data: PlannerInput, sample: Sample) -> str:
    names = {r.row: r.risk for r in data.risks}
    return "; ".join(f"{names[row]}@{t}" for row, t in sample.events) or "(none)"


class SweepWorker:
    """Holds one stress model and the base plan's basis; solves samples from that basis."""

    def __init__(self, data: PlannerInput, base_x: np.ndarray, base_total: float):
        self.data = data
        self.base_x = base_x
        self.base_total = base_total
        self.model = build_model(data, "sweep", spot=True)
        self.session = HighsSession(self.model, data.settings.get("time_limit"))
        self.base_numbers = numbers_for(self.model, data)
        self.session.solve(self.base_numbers)
        self.basis = self.session.basis()
        self.minerals = self.model.col_minerals()
        self.base_by_mineral = self._cost_by_mineral(self.base_numbers, base_x)

    def _cost_by_mineral(self, numbers, x) -> dict:
        return {m: float(numbers.col_cost[self.minerals == m] @ x[self.minerals == m]) for m in self.data.minerals}

    def run(self, sample: Sample) -> SampleResult:
        data, v = self.data, self.model.vars
        rows = sample_rows(data, sample)
        drawn = describe(data, sample)
        if not rows:
            x, status, total = self.base_x, "Optimal", self.base_total
            extra_by_mineral = {m: 0.0 for m in data.minerals}
        else:
            order = {t: i for i, t in enumerate(data.periods)}
            first = min((r.period for r in rows), key=order.__getitem__)
            numbers = stress_numbers(self.model, data, apply_rows(data, rows), self.base_x, first)
            self.session.set_numbers(numbers)
            self.session.set_basis(self.basis)
            sol = self.session.solve()
            if not sol.optimal:
                return SampleResult(sample.index, drawn, sol.status, None, None, {}, {})
            x, status, total = sol.x, sol.status, float(numbers.col_cost @ sol.x)
            by_mineral = self._cost_by_mineral(numbers, x)
            extra_by_mineral = {m: _clean(by_mineral[m] - self.base_by_mineral[m], by_mineral[m])
                                for m in data.minerals}
        unmet: dict[tuple, float] = {}
        for (m, d, _t), col in v.unmet.items():
            unmet[(m, d)] = unmet.get((m, d), 0.0) + float(x[col])
        return SampleResult(sample.index, drawn, status, total, _clean(total - self.base_total, total), unmet,
                            extra_by_mineral)


def _clean(difference: float, scale: float) -> float:
    """A difference of two optimal objectives within solver tolerance of zero is zero."""
    return 0.0 if abs(difference) <= 1e-9 * max(1.0, abs(scale)) else difference


# --- running samples: in this process, in a local pool, or on a Dask cluster ---------------------

_WORKER: dict = {}


def _init_worker(data, base_x, base_total) -> None:
    # Ctrl-C in a terminal reaches every process of the group: the parent stops the sweep and the
    # workers with it, so workers ignore it rather than each printing a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER["worker"] = SweepWorker(data, base_x, base_total)


def _run_chunk(samples: list[Sample]) -> list[SampleResult]:
    return [_WORKER["worker"].run(s) for s in samples]


def _run_chunk_dask(payload, samples: list[Sample]) -> list[SampleResult]:
    """Dask task: build the worker's model once per process (keyed by the payload's token)."""
    token, data, base_x, base_total = payload
    if _WORKER.get("token") != token:
        _WORKER["worker"] = SweepWorker(data, base_x, base_total)
        _WORKER["token"] = token
    return _run_chunk(samples)


def _chunks(samples: list[Sample], size: int) -> list[list[Sample]]:
    return [samples[i:i + size] for i in range(0, len(samples), size)]


@dataclass
class SweepRun:
    results: list[SampleResult]
    partial: bool
    workers: str
    seconds: float
    timings: dict = field(default_factory=dict)


def run_samples(data: PlannerInput, base_x: np.ndarray, base_total: float, samples: list[Sample],
                workers: int = 1, scheduler: str | None = None, progress=None) -> SweepRun:
    """Solve every sample; Ctrl-C stops cleanly and returns what finished, marked partial."""
    bar = ProgressBar(len(samples), progress)
    start = time.perf_counter()
    results: list[SampleResult] = []
    partial = False
    if scheduler:
        how = f"dask scheduler {scheduler}"
        runner = _DaskRunner(scheduler, data, base_x, base_total)
    elif workers <= 1:
        how = "1 worker (this process)"
        runner = _SerialRunner(data, base_x, base_total)
    else:
        how = f"{workers} local worker processes"
        runner = _PoolRunner(workers, data, base_x, base_total)
    size = max(1, min(25, math.ceil(len(samples) / (max(workers, 1) * 8))))
    try:
        for batch in runner(_chunks(samples, size)):
            results.extend(batch)
            bar.update(len(batch))
    except KeyboardInterrupt:
        partial = True
        bar.note("interrupted: writing the samples that finished")
    finally:
        runner.close()
        bar.close()
    results.sort(key=lambda r: r.index)
    return SweepRun(results, partial, how, time.perf_counter() - start)


class _SerialRunner:
    def __init__(self, data, base_x, base_total):
        self.worker = SweepWorker(data, base_x, base_total)

    def __call__(self, chunks):
        for chunk in chunks:
            yield [self.worker.run(s) for s in chunk]

    def close(self):
        pass


class _PoolRunner:
    def __init__(self, workers, data, base_x, base_total):
        import multiprocessing

        # spawn, not fork: forking a process that holds HiGHS threads is unsafe. A Pool, not a
        # ProcessPoolExecutor, because an interrupted sweep must be able to stop its workers at once.
        self.pool = multiprocessing.get_context("spawn").Pool(
            processes=workers, initializer=_init_worker, initargs=(data, base_x, base_total))

    def __call__(self, chunks):
        yield from self.pool.imap_unordered(_run_chunk, chunks)

    def close(self):
        self.pool.terminate()  # finished chunks are already collected; stop whatever is running
        self.pool.join()


class _DaskRunner:
    def __init__(self, address, data, base_x, base_total):
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
        # The inputs travel once to every worker; tasks carry only their samples.
        self.payload = self.client.scatter((token, data, base_x, base_total), broadcast=True)

    def __call__(self, chunks):
        from dask.distributed import as_completed

        futures = [self.client.submit(_run_chunk_dask, self.payload, c, pure=False) for c in chunks]
        self.futures = futures
        for future in as_completed(futures):
            yield future.result()

    def close(self):
        for f in getattr(self, "futures", []):
            f.cancel()
        self.client.close()


class ProgressBar:
    """samples done / total, rate and time left, on one stderr line (plain lines when not a terminal)."""

    def __init__(self, total: int, progress=None):
        self.total, self.done = total, 0
        self.quiet = progress is None or getattr(progress, "quiet", True)
        self.start = time.perf_counter()
        self.tty = sys.stderr.isatty()
        self.last = 0.0

    def update(self, n: int) -> None:
        self.done += n
        if self.quiet:
            return
        now = time.perf_counter()
        if not self.tty and now - self.last < 2.0 and self.done < self.total:
            return
        self.last = now
        elapsed = now - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        width = 30
        filled = int(width * self.done / max(1, self.total))
        line = (f"sweep [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} samples, "
                f"{rate:.1f}/s, {left:.0f}s left")
        print(("\r" + line) if self.tty else line, end="" if self.tty else "\n", file=sys.stderr, flush=True)

    def note(self, text: str) -> None:
        if not self.quiet:
            print(("\n" if self.tty else "") + text, file=sys.stderr, flush=True)

    def close(self) -> None:
        if not self.quiet and self.tty:
            print(file=sys.stderr, flush=True)


# --- summarising ---------------------------------------------------------------------------------


def samples_table(results: list[SampleResult]) -> pd.DataFrame:
    rows = [(r.index, r.drawn, r.status, r.total_cost, r.extra_cost,
             sum(r.unmet.values()) if r.status == "Optimal" else None) for r in results]
    return pd.DataFrame(rows, columns=["sample", "risks drawn", "status", "total_cost", "extra_cost",
                                       "unmet_tonnes"])


def sample_unmet_table(data: PlannerInput, results: list[SampleResult]) -> pd.DataFrame:
    """Long table: one row per sample, mineral and market (the basis of the risk summary)."""
    rows = []
    for r in results:
        if r.status != "Optimal":
            continue
        for m in data.minerals:
            for d in data.markets[m]:
                rows.append((r.index, m, d, r.unmet.get((m, d), 0.0), r.extra_by_mineral.get(m, 0.0)))
    return pd.DataFrame(rows, columns=["sample", "mineral", "market", "unmet_tonnes", "mineral_extra_cost"])


def risk_summary(data: PlannerInput, long: pd.DataFrame) -> pd.DataFrame:
    """Per mineral and market: mean and 95th-percentile unmet, P(any unmet), expected extra cost of the mineral."""
    rows = []
    for m in data.minerals:
        per_market = long[long["mineral"] == m]
        if per_market.empty:
            continue
        by_sample = per_market.groupby("sample").agg(unmet=("unmet_tonnes", "sum"),
                                                     extra=("mineral_extra_cost", "first"))
        expected_extra = float(by_sample["extra"].mean())
        for d in data.markets[m]:
            u = per_market[per_market["market"] == d]["unmet_tonnes"].to_numpy()
            rows.append((m, d, float(u.mean()), float(np.percentile(u, 95)), float((u > 1e-6).mean()),
                         expected_extra))
        u = by_sample["unmet"].to_numpy()
        rows.append((m, "ALL", float(u.mean()), float(np.percentile(u, 95)), float((u > 1e-6).mean()),
                     expected_extra))
    return pd.DataFrame(rows, columns=["mineral", "market", "mean_unmet", "p95_unmet", "p_any_unmet",
                                       "expected_extra_cost"])


def risk_drivers(data: PlannerInput, samples: list[Sample], results: list[SampleResult]) -> pd.DataFrame:
    """Which risks drive the shortfall: mean unmet and extra cost in samples with and without each risk."""
    by_index = {r.index: r for r in results if r.status == "Optimal"}
    rows = []
    for risk in data.risks:
        with_, without = [], []
        for s in samples:
            r = by_index.get(s.index)
            if r is None:
                continue
            (with_ if any(row == risk.row for row, _t in s.events) else without).append(r)
        def mean(group, f):
            return float(np.mean([f(r) for r in group])) if group else math.nan
        unmet = lambda r: sum(r.unmet.values())  # noqa: E731
        extra = lambda r: r.extra_cost  # noqa: E731
        rows.append((risk.risk, risk.row, len(with_), mean(with_, unmet), mean(without, unmet),
                     mean(with_, unmet) - mean(without, unmet), mean(with_, extra), mean(without, extra)))
    frame = pd.DataFrame(rows, columns=["risk", "risks_row", "samples_with", "mean_unmet_with",
                                        "mean_unmet_without", "unmet_difference", "mean_extra_cost_with",
                                        "mean_extra_cost_without"])
    return frame.sort_values("unmet_difference", ascending=False, kind="stable", na_position="last")\
        .reset_index(drop=True)


def unmet_histogram(data: PlannerInput, long: pd.DataFrame, bins: int = 10) -> pd.DataFrame:
    """Per mineral: how many samples leave how much demand unmet (all markets together)."""
    rows = []
    for m in data.minerals:
        u = long[long["mineral"] == m].groupby("sample")["unmet_tonnes"].sum().to_numpy()
        if u.size == 0:
            continue
        top = float(u.max())
        edges = np.linspace(0.0, top, bins + 1) if top > 1e-6 else np.array([0.0, 1e-6])
        counts, _ = np.histogram(u, bins=edges)
        for lo, hi, c in zip(edges[:-1], edges[1:], counts):
            rows.append((m, f"{lo:,.0f}-{hi:,.0f} t" if top > 1e-6 else "0 t", float(lo), float(hi), int(c),
                         c / u.size))
    return pd.DataFrame(rows, columns=["mineral", "unmet_range", "from_tonnes", "to_tonnes", "samples",
                                       "share_of_samples"])


@dataclass
class SweepReport:
    input_path: str
    input_sha256: str
    data: PlannerInput
    seed: int
    samples: list[Sample]
    run: SweepRun
    base_total: float | None
    base_status: str
    model_size: dict
    timings: dict = field(default_factory=dict)

    @property
    def all_optimal(self) -> bool:
        return self.base_status == "Optimal" and all(r.status == "Optimal" for r in self.run.results)


def run_sweep(path, n_samples: int, seed: int = 1, workers: int | None = None, scheduler: str | None = None,
              progress=None) -> SweepReport:
    """Read the workbook once, solve the base plan, draw the samples and stress-test each."""
    from planner.api import file_sha256, load_inputs
    from planner.progress import Progress

    progress = progress or Progress(quiet=True)
    data = load_inputs(path, progress)
    if not data.risks:
        raise UsageError(f"{path} has no rows on sheet 'risks': a sweep samples disruptions from that sheet")
    timings = dict(data.timings)
    start = time.perf_counter()
    model = build_model(data, "sweep", spot=True)
    session = HighsSession(model, data.settings.get("time_limit"))
    numbers = numbers_for(model, data)
    base = session.solve(numbers)
    timings["base_build_and_solve"] = time.perf_counter() - start
    size = {"columns": model.num_cols, "rows": model.num_rows, "nonzeros": model.num_nonzeros}
    progress("sweep", f"base plan: {base.status}; {size['columns']:,} variables")
    samples = draw_samples(data, n_samples, seed)
    if not base.optimal:
        run = SweepRun([], False, "-", 0.0)
        return SweepReport(str(path), file_sha256(path), data, seed, samples, run, None, base.status, size, timings)
    total = float(numbers.col_cost @ base.x)
    del session, model  # the workers build their own
    k = workers if workers else (os.cpu_count() or 1)
    run = run_samples(data, base.x, total, samples, k, scheduler, progress)
    timings["samples"] = run.seconds
    return SweepReport(str(path), file_sha256(path), data, seed, samples, run, total, base.status, size, timings)

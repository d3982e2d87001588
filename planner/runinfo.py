"""What every run records about itself: stage timings (with hooks for benchmarks), input hash, versions.

This module sits below every layer: the pipeline fills a :class:`RunReport`, each layer times
its own stages through :class:`Stages` (and counts its batches of independent solves, with where
they ran), and the report layer writes it as the ``Run info`` sheet.
"""

from __future__ import annotations

import contextlib
import hashlib
import platform
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata

from planner.progress import Progress

# A hook is called as hook("start", stage) before a stage and hook("end", stage, seconds) after it.
Hook = Callable[..., None]


@dataclass
class Batch:
    """Independent solves a stage ran (explain's re-solves, reserve sizes, frontier steps, budget amounts): how many
    where, and the solver's seconds for them."""

    solves: dict[str, int] = field(default_factory=dict)  # where -> how many ("on 2 local worker processes")
    seconds: float = 0.0  # HiGHS' own seconds, summed over every process

    @property
    def count(self) -> int:
        return sum(self.solves.values())

    def where(self) -> str:
        """``250 on 2 local worker processes, 26 in this process``, most first; one place alone needs no count."""
        places = sorted(((w, n) for w, n in self.solves.items() if n), key=lambda item: -item[1])
        if len(places) <= 1:
            return places[0][0] if places else next(iter(self.solves), "")
        return ", ".join(f"{n} {where}" for where, n in places)


class Stages:
    """Times named stages of a run, tells the hooks, counts batches of solves, and carries the run's progress
    reporter and its worker processes."""

    def __init__(self, progress: Progress | None = None, hooks: tuple[Hook, ...] = ()):
        self.progress = progress or Progress(quiet=True)
        self.hooks = tuple(hooks)
        self.seconds: dict[str, float] = {}
        self.batches: dict[str, Batch] = {}
        self.choices: dict[str, dict[str, int]] = {}  # item -> what a stage chose -> in how many blocks
        # Worker processes a stage may hand independent solves to (executors.OnDemand); None: this process only.
        self.pool = None

    @contextlib.contextmanager
    def sharing(self, pool) -> Iterator[None]:
        """Let the stages run inside hand work to ``pool`` (None: none), and stop its workers at the end."""
        self.pool = pool
        try:
            yield
        finally:
            self.pool = None
            if pool is not None:
                pool.close()

    def batch(self, name: str, where: str, solves: int, seconds: float) -> None:
        """Record ``solves`` independent solves of batch ``name`` run ``where``, taking the solver ``seconds``."""
        batch = self.batches.setdefault(name, Batch())
        batch.solves[where] = batch.solves.get(where, 0) + solves
        batch.seconds += seconds

    def choose(self, item: str, choice: str, blocks: int = 1) -> None:
        """Record that a stage chose ``choice`` for ``item`` (the hedge's method) in ``blocks`` blocks."""
        chosen = self.choices.setdefault(item, {})
        chosen[choice] = chosen.get(choice, 0) + blocks

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the block as stage ``name`` (a stage entered twice adds up)."""
        for hook in self.hooks:
            hook("start", name)
        start = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - start
            self.seconds[name] = self.seconds.get(name, 0.0) + seconds
            for hook in self.hooks:
                hook("end", name, seconds)

    def add(self, name: str, seconds: float) -> None:
        """Record time spent inside another stage (the solver's own seconds, say)."""
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds


@dataclass
class RunReport:
    """One run: which command on which input, the model's size, the solver, timings and versions."""

    command: str
    input_path: str
    input_sha256: str
    solver: str = "highs"
    model_size: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    skipped_sheets: list[str] = field(default_factory=list)
    output_path: str | None = None
    versions: dict[str, str] = field(default_factory=dict)
    blocks: tuple[int, str] = (1, "one model")  # how many independent blocks, and where they ran
    batches: dict[str, Batch] = field(default_factory=dict)  # batches of independent solves (Stages.batch)
    choices: dict[str, dict[str, int]] = field(default_factory=dict)  # what stages chose (Stages.choose)

    def items(self) -> list[tuple[str, object]]:
        """The report as (item, value) rows, in the order the ``Run info`` sheet shows them."""
        rows: list[tuple[str, object]] = [("command", self.command), ("input_file", self.input_path),
                                          ("input_sha256", self.input_sha256), ("solver", self.solver)]
        rows += [(f"model_{k}", v) for k, v in self.model_size.items()]
        rows += [("blocks", self.blocks[0]), ("blocks_solved_by", self.blocks[1])]
        for name, batch in self.batches.items():
            rows += [(name, batch.count), (f"{name}_solved_by", batch.where()),
                     (f"{name}_seconds", round(batch.seconds, 4))]
        for item, chosen in self.choices.items():  # one choice alone needs no count
            rows.append((item, next(iter(chosen)) if len(chosen) == 1 else
                         "; ".join(f"{choice} in {n} block{'s' if n > 1 else ''}" for choice, n in chosen.items())))
        rows += [(f"{k}_seconds", round(v, 4)) for k, v in self.timings.items()]
        if self.skipped_sheets:
            rows.append(("documentation_sheets_skipped", ", ".join(self.skipped_sheets)))
        rows += [(f"version_{k}", v) for k, v in self.versions.items()]
        return rows


def file_sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    from planner._version import __version__

    versions = {"planner": __version__, "python": platform.python_version()}
    for dist in ("pulp", "highspy", "numpy", "pandas", "openpyxl", "xlsxwriter"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return versions

"""What every test shares: repeatable property tests, and one run of each command on the shipped dataset.

Every property test draws the same examples on every run: CI must not depend on a fresh draw. A
failure a fuzz run finds is kept as an explicit ``@example`` of its test (see test_blocks.py);
``scripts/fuzz_inputs.py`` is where fresh draws belong.

Solving the shipped dataset (inputs/critical-minerals-2026.xlsx) takes about a minute, and several
tests read the same plan (the README's walkthrough, the dataset's own tests, the checker, the
blocks against the joint model): ``dataset_plan`` and ``dataset_stress`` run ``planner solve`` and
``planner stress`` on it once and give each test the run and its own copy of the workbook written.
The suite runs on pytest-xdist's workers (pyproject's addopts), each a session of its own: the first
worker to need a run makes it, under a lock, in the directory the workers share, and the others read
it from there. The tests that read these runs go first (``pytest_collection_modifyitems``): the
longest work starts while the short tests fill the other worker.
"""

from __future__ import annotations

import pickle
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from filelock import FileLock
from hypothesis import settings

import planner
from planner.progress import Progress

settings.register_profile("repeatable", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("repeatable")

DATASET = Path(__file__).resolve().parents[1] / "inputs" / "critical-minerals-2026.xlsx"
SESSION_RUNS = {"_dataset_solved", "_dataset_stressed"}  # the session fixtures that solve the dataset


@dataclass(frozen=True)
class Shipped:
    """A command's run on the shipped dataset: ``run`` (its tables, to read and never change, shared by
    every test) and ``path``, this test's own copy of the workbook the command wrote."""

    run: planner.Run
    path: Path


def _run_once(command, tmp_path_factory, worker_id: str, name: str) -> planner.Run:
    """``command(DATASET, output)`` as the command line runs it (quiet), made once for every xdist worker.

    The first worker to get here runs it and leaves the run pickled beside its workbook, in the folder the
    workers of this test run share; the others wait on the lock and read it.
    """
    if worker_id == "master":  # no xdist workers: this session is the only one
        return command(DATASET, tmp_path_factory.mktemp("dataset") / name, progress=Progress(quiet=True))
    shared = tmp_path_factory.getbasetemp().parent / "dataset"
    shared.mkdir(exist_ok=True)
    pickled = shared / f"{name}.pickle"
    with FileLock(shared / f"{name}.lock"):
        if pickled.exists():
            return pickle.loads(pickled.read_bytes())
        run = command(DATASET, shared / name, progress=Progress(quiet=True))
        pickled.write_bytes(pickle.dumps(run))
        return run


def _own_copy(run: planner.Run, tmp_path: Path) -> Shipped:
    """The run, with a copy of its workbook in ``tmp_path``: a test that changes the file changes only its own."""
    written = Path(run.report.output_path)
    return Shipped(run, Path(shutil.copy(written, tmp_path / written.name)))


@pytest.fixture(scope="session")
def _dataset_solved(tmp_path_factory, worker_id) -> planner.Run:
    return _run_once(planner.solve, tmp_path_factory, worker_id, "plan.xlsx")


@pytest.fixture(scope="session")
def _dataset_stressed(tmp_path_factory, worker_id) -> planner.Run:
    return _run_once(planner.stress, tmp_path_factory, worker_id, "stress.xlsx")


@pytest.fixture
def dataset_plan(_dataset_solved, tmp_path) -> Shipped:
    """``planner solve inputs/critical-minerals-2026.xlsx -o plan.xlsx``: explained, blocks in worker processes."""
    return _own_copy(_dataset_solved, tmp_path)


@pytest.fixture
def dataset_stress(_dataset_stressed, tmp_path) -> Shipped:
    """``planner stress inputs/critical-minerals-2026.xlsx -o stress.xlsx``."""
    return _own_copy(_dataset_stressed, tmp_path)


def pytest_collection_modifyitems(config, items):
    """The tests that read a run of the dataset first (the joint model's, the slowest, leads), the rest in order.

    xdist hands out tests in this order, one at a time (``--maxschedchunk 1``): the two workers start on the
    longest work, and the short tests even out the end.
    """
    reads = {item for item in items if SESSION_RUNS & set(getattr(item, "fixturenames", ()))}
    items[:] = [item for item in items if item in reads] + [item for item in items if item not in reads]

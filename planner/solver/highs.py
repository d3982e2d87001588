"""HiGHS in-process: the model's arrays passed in bulk, re-solved with new numbers from a kept basis.

A session holds one HiGHS instance with the model loaded. A scenario changes only costs,
bounds and right-hand sides, so it is solved by changing those numbers and starting from a
basis (the base plan's) instead of building and solving cold.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time

import numpy as np

from planner.errors import SolverError
from planner.model.build import Model, Numbers, coefficient_cells
from planner.solver.session import Abilities
from planner.solver.solution import OPTIMAL, Solution, empty_program

_HIGHS_STATUS = {
    "Optimal": OPTIMAL,
    "Infeasible": "Infeasible",
    "Unbounded": "Unbounded",
    "Primal infeasible or unbounded": "Infeasible or unbounded",
    "Time limit reached": "Time limit reached",
    "Iteration limit reached": "Iteration limit reached",
}


def _highspy():
    try:
        import highspy
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise SolverError("the HiGHS solver (python package highspy) is not installed; "
                          "run: pip install highspy") from exc
    return highspy


_BANNER_LOCK = threading.Lock()
_BANNER_SHOWN = False


def new_highs():
    """A silent HiGHS instance.

    HiGHS prints its banner to file descriptor 1 when the first instance of a process is
    created, before any option can apply. That first creation happens here, once, under a
    lock, with descriptor 1 pointed at /dev/null; every later instance is created without
    touching descriptors, so threads that create instances cannot race on them.
    """
    global _BANNER_SHOWN
    hs = _highspy()
    if not _BANNER_SHOWN:
        with _BANNER_LOCK:
            if not _BANNER_SHOWN:
                with _quiet_stdout():
                    h = hs.Highs()
                _BANNER_SHOWN = True
                h.setOptionValue("output_flag", False)
                return h
    h = hs.Highs()
    h.setOptionValue("output_flag", False)
    return h


MIP_REL_GAP = 1e-9


class HighsSession:
    """One HiGHS instance holding ``model``; ``solve(numbers)`` re-solves with new numbers."""

    name = "highs"
    abilities = Abilities(basis=True, incumbent=True, as_lp=True, parallel=True)

    def __init__(self, model: Model, time_limit: float | None = None, threads: int | None = None):
        self._hs = _highspy()
        self.model = model
        self.time_limit = time_limit
        self.h = new_highs()
        # Simplex was 30x faster than interior point on world-scale instances (PERF.md).
        self.h.setOptionValue("solver", "simplex")
        if time_limit:
            self.h.setOptionValue("time_limit", float(time_limit))
        if threads:
            self.h.setOptionValue("threads", int(threads))
        self.mip = bool(model.integrality().any())
        if self.mip:
            # HiGHS stops a MIP within 0.01% of its bound by default: on a world's cost that is more than
            # many a rule's cost, and a policy cost is a difference of two optima. Our MIPs (a few
            # all-or-nothing projects per mineral) close the gap to 1e-9 in the same time.
            self.h.setOptionValue("mip_rel_gap", MIP_REL_GAP)
        self._cells = coefficient_cells(model)
        self._pass(model)

    def clone(self) -> HighsSession:
        """Another session holding the same model (its current numbers are the model's own)."""
        return HighsSession(self.model, self.time_limit)

    def _pass(self, model: Model) -> None:
        hs = self._hs
        inf = hs.kHighsInf
        lp = hs.HighsLp()
        lp.num_col_ = model.num_cols
        lp.num_row_ = model.num_rows
        lp.col_cost_ = np.asarray(model.col_cost, dtype=np.float64)
        lp.col_lower_ = np.asarray(model.col_lower, dtype=np.float64)
        lp.col_upper_ = _finite(np.asarray(model.col_upper, dtype=np.float64), inf)
        lower, upper = model.row_bounds()
        lp.row_lower_ = _finite(lower, inf)
        lp.row_upper_ = _finite(upper, inf)
        starts, index, value = model.matrix()
        lp.a_matrix_.format_ = hs.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_ = model.num_cols
        lp.a_matrix_.num_row_ = model.num_rows
        lp.a_matrix_.start_ = starts
        lp.a_matrix_.index_ = index
        lp.a_matrix_.value_ = value
        if self.mip:
            lp.integrality_ = [hs.HighsVarType.kInteger if flag else hs.HighsVarType.kContinuous
                               for flag in model.integrality()]
        status = self.h.passModel(lp)
        if status == hs.HighsStatus.kError:
            raise SolverError("HiGHS refused the model (HighsStatus.kError)")
        self._current_cost = lp.col_cost_
        self._current_lower = np.asarray(model.col_lower, dtype=np.float64)
        self._current_upper = np.asarray(model.col_upper, dtype=np.float64)
        self._current_rhs = np.asarray(model.row_rhs, dtype=np.float64)
        starts, index, value = model.matrix()
        self._current_coefficients = np.array([_entry(starts, index, value, row, col) for row, col in self._cells])

    def set_numbers(self, numbers: Numbers) -> None:
        """Change only the costs, bounds and right-hand sides that differ from the current ones."""
        inf = self._hs.kHighsInf
        changed = np.flatnonzero(numbers.col_cost != self._current_cost)
        if changed.size:
            self.h.changeColsCost(changed.size, changed.astype(np.int32), numbers.col_cost[changed])
        col_lower = numbers.col_lower if numbers.col_lower is not None else np.zeros(self.model.num_cols)
        changed = np.flatnonzero((numbers.col_upper != self._current_upper) | (col_lower != self._current_lower))
        if changed.size:
            self.h.changeColsBounds(changed.size, changed.astype(np.int32), col_lower[changed],
                                    _finite(numbers.col_upper[changed], inf))
        changed = np.flatnonzero(numbers.row_rhs != self._current_rhs)
        if changed.size:
            row_lower, row_upper = self.model.row_bounds(numbers.row_rhs)
            self.h.changeRowsBounds(changed.size, changed.astype(np.int32), _finite(row_lower[changed], inf),
                                    _finite(row_upper[changed], inf))
        if numbers.coefficients is not None:
            for i in np.flatnonzero(numbers.coefficients != self._current_coefficients):
                row, col = self._cells[i]
                self.h.changeCoeff(int(row), int(col), float(numbers.coefficients[i]))
            self._current_coefficients = numbers.coefficients.copy()
        self._current_cost = numbers.col_cost.copy()
        self._current_upper = numbers.col_upper.copy()
        self._current_lower = col_lower.copy()
        self._current_rhs = numbers.row_rhs.copy()

    def basis(self):
        """The current simplex basis (to restart later solves from the same point)."""
        return self.h.getBasis()

    def set_basis(self, basis) -> None:
        """Start the next solve from ``basis`` and nothing else.

        HiGHS keeps more than the basis from its last solve (factorisation, pricing weights), and
        on a degenerate LP that alone can lead to another optimal vertex. Clearing the solver's
        state first makes a solve from ``basis`` give the same plan on any instance, whatever it
        solved before (tests/test_solve_parallel.py).
        """
        self.h.clearSolver()
        self.h.setBasis(basis)

    def set_coefficients(self, cells: list[tuple[int, int]], value: float) -> None:
        """Set the matrix entries at (row, column) ``cells`` to ``value`` (for parameter sweeps)."""
        for row, col in cells:
            self.h.changeCoeff(int(row), int(col), float(value))

    def solve(self, numbers: Numbers | None = None, incumbent: np.ndarray | None = None) -> Solution:
        """Solve with ``numbers`` (else the current ones). ``incumbent``: a feasible plan a mixed-integer solve
        starts from (a re-solve with rows relaxed keeps the base plan feasible)."""
        empty = empty_program(self.model.num_cols, self.model.num_rows)
        if empty is not None:
            return empty
        if numbers is not None:
            self.set_numbers(numbers)
        if incumbent is not None and self.mip:
            known = self._hs.HighsSolution()
            known.col_value = np.asarray(incumbent, dtype=np.float64)
            known.value_valid = True
            self.h.setSolution(known)
        start = time.perf_counter()
        run_status = self.h.run()
        seconds = time.perf_counter() - start
        hs = self._hs
        status = self.h.getModelStatus()
        info = self.h.getInfo()
        if run_status == hs.HighsStatus.kError and status not in (hs.HighsModelStatus.kTimeLimit,):
            text = self.h.modelStatusToString(status)
            return Solution(f"Solver error: {text}", solve_seconds=seconds)
        mapped = _HIGHS_STATUS.get(self.h.modelStatusToString(status))
        if mapped is None:
            mapped = "Not solved: " + self.h.modelStatusToString(status)
        if mapped != OPTIMAL:
            return Solution(mapped, solve_seconds=seconds, iterations=info.simplex_iteration_count)
        sol = self.h.getSolution()
        x = np.asarray(sol.col_value, dtype=np.float64)
        x[np.abs(x) < 1e-9] = 0.0  # below HiGHS' feasibility tolerance: noise, not tonnes
        objective = float(info.objective_function_value)
        if self.mip:
            row_dual, col_dual, extra = self._duals_with_integers_fixed(x)
            seconds += extra
        else:
            row_dual = np.asarray(sol.row_dual, dtype=np.float64) if sol.dual_valid else None
            col_dual = np.asarray(sol.col_dual, dtype=np.float64) if sol.dual_valid else None
        return Solution(OPTIMAL, objective=objective, x=x, row_dual=row_dual, col_dual=col_dual,
                        solve_seconds=seconds, iterations=info.simplex_iteration_count, mip=self.mip)

    @contextlib.contextmanager
    def as_lp(self):
        """Solve as a linear program while the integer columns are fixed by their bounds.

        A stress test or a risk sample commits the base plan's builds (lower = upper), so the
        integrality changes nothing but the method: as a MIP every sample would pay for presolve,
        a search and a second solve for its duals, and start from no basis.
        """
        if not self.mip:
            yield self
            return
        self.set_integrality(False)
        try:
            yield self
        finally:
            self.set_integrality(True)

    def set_integrality(self, integer: bool) -> None:
        """Declare the model's integer columns integer (its own) or continuous (see ``as_lp``)."""
        hs = self._hs
        columns = np.flatnonzero(self.model.integrality()).astype(np.int32)
        if not columns.size:
            return
        kind = hs.HighsVarType.kInteger if integer else hs.HighsVarType.kContinuous
        self.h.changeColsIntegrality(columns.size, columns, np.array([kind] * columns.size))
        self.mip = integer

    def _duals_with_integers_fixed(self, x: np.ndarray):
        """Duals of a mixed-integer optimum: the LP with every integer column fixed at its value.

        A MIP has no duals of its own; with its integer choices fixed, the LP that remains has
        the same optimum, and its duals price every other limit at that choice.
        """
        hs = self._hs
        integer = np.flatnonzero(self.model.integrality()).astype(np.int32)
        values = np.round(x[integer])
        n = integer.size
        lower, upper = self._current_lower[integer], _finite(self._current_upper[integer], hs.kHighsInf)
        continuous = np.array([hs.HighsVarType.kContinuous] * n)
        self.h.changeColsIntegrality(n, integer, continuous)
        self.h.changeColsBounds(n, integer, values, values)
        start = time.perf_counter()
        self.h.run()
        seconds = time.perf_counter() - start
        sol = self.h.getSolution()
        ok = self.h.getModelStatus() == hs.HighsModelStatus.kOptimal and sol.dual_valid
        row_dual = np.asarray(sol.row_dual, dtype=np.float64) if ok else None
        col_dual = np.asarray(sol.col_dual, dtype=np.float64) if ok else None
        self.h.changeColsBounds(n, integer, lower, upper)
        self.h.changeColsIntegrality(n, integer, np.array([hs.HighsVarType.kInteger] * n))
        return row_dual, col_dual, seconds


def _entry(starts, index, value, row: int, col: int) -> float:
    """The matrix entry (row, col) of a row-wise sparse matrix."""
    lo, hi = starts[row], starts[row + 1]
    hits = np.flatnonzero(index[lo:hi] == col)
    return float(value[lo + hits[0]]) if hits.size else 0.0


def _finite(values: np.ndarray, inf: float) -> np.ndarray:
    """Infinite bounds as HiGHS' infinity (which is IEEE inf in current builds)."""
    return np.clip(values, -inf, inf)


@contextlib.contextmanager
def _quiet_stdout():
    """Silence C-level writes to file descriptor 1 for the duration (whatever sys.stdout is)."""
    try:
        sys.stdout.flush()
    except (AttributeError, OSError, ValueError):
        pass
    try:
        saved = os.dup(1)
    except OSError:  # no descriptor 1 at all
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)

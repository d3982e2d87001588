"""Solve a built model: HiGHS in-process (default) or CBC through PuLP; statuses and timings.

HiGHS gets the matrix in bulk from the arrays the model recorded while PuLP built it, and
keeps the model between solves: a scenario changes costs, bounds and right-hand sides and
starts from the previous basis instead of being rebuilt and solved cold.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from planner.errors import SolverError
from planner.model.build import Model, Numbers

OPTIMAL = "Optimal"


@dataclass
class Solution:
    status: str
    objective: float | None = None
    x: np.ndarray | None = None
    row_dual: np.ndarray | None = None
    col_dual: np.ndarray | None = None
    solve_seconds: float = 0.0  # the solver's own time
    iterations: int | None = None
    detail: dict = field(default_factory=dict)

    @property
    def optimal(self) -> bool:
        return self.status == OPTIMAL


def make_solver(model: Model, solver: str = "highs", time_limit: float | None = None):
    """A solver session for ``model``: ``highs`` (default) or ``cbc``."""
    if solver == "highs":
        return HighsSession(model, time_limit)
    if solver == "cbc":
        return CbcSession(model, time_limit)
    raise SolverError(f"unknown solver {solver!r}; expected 'highs' or 'cbc'")


class HighsSession:
    """One HiGHS instance holding ``model``; ``solve(numbers)`` re-solves with new numbers."""

    name = "highs"

    def __init__(self, model: Model, time_limit: float | None = None):
        try:
            import highspy
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise SolverError("the HiGHS solver (python package highspy) is not installed; "
                              "run: pip install highspy") from exc
        self._hs = highspy
        self.model = model
        self.time_limit = time_limit
        with _quiet_stdout():  # HiGHS >= 1.12 prints its banner on construction, before options apply
            self.h = highspy.Highs()
            self.h.setOptionValue("output_flag", False)
        # Simplex was 30x faster than interior point on world-scale instances (PERF.md).
        self.h.setOptionValue("solver", "simplex")
        if time_limit:
            self.h.setOptionValue("time_limit", float(time_limit))
        self._pass(model)

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
        status = self.h.passModel(lp)
        if status == hs.HighsStatus.kError:
            raise SolverError("HiGHS refused the model (HighsStatus.kError)")
        self._current_cost = lp.col_cost_
        self._current_lower = np.asarray(model.col_lower, dtype=np.float64)
        self._current_upper = np.asarray(model.col_upper, dtype=np.float64)
        self._current_rhs = np.asarray(model.row_rhs, dtype=np.float64)

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
        self._current_cost = numbers.col_cost.copy()
        self._current_upper = numbers.col_upper.copy()
        self._current_lower = col_lower.copy()
        self._current_rhs = numbers.row_rhs.copy()

    def basis(self):
        """The current simplex basis (to restart later solves from the same point)."""
        return self.h.getBasis()

    def set_basis(self, basis) -> None:
        """Start the next solve from ``basis``: the same start gives the same vertex on degenerate LPs."""
        self.h.setBasis(basis)

    def set_coefficients(self, cells: list[tuple[int, int]], value: float) -> None:
        """Set the matrix entries at (row, column) ``cells`` to ``value`` (for parameter sweeps)."""
        for row, col in cells:
            self.h.changeCoeff(int(row), int(col), float(value))

    def solve(self, numbers: Numbers | None = None) -> Solution:
        if numbers is not None:
            self.set_numbers(numbers)
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
        return Solution(
            OPTIMAL,
            objective=float(info.objective_function_value),
            x=x,
            row_dual=np.asarray(sol.row_dual, dtype=np.float64),
            col_dual=np.asarray(sol.col_dual, dtype=np.float64),
            solve_seconds=seconds,
            iterations=info.simplex_iteration_count,
        )


_HIGHS_STATUS = {
    "Optimal": OPTIMAL,
    "Infeasible": "Infeasible",
    "Unbounded": "Unbounded",
    "Primal infeasible or unbounded": "Infeasible or unbounded",
    "Time limit reached": "Time limit reached",
    "Iteration limit reached": "Iteration limit reached",
}


class CbcSession:
    """CBC through PuLP's command-line interface; rebuilds PuLP's numbers for each scenario."""

    name = "cbc"

    def __init__(self, model: Model, time_limit: float | None = None):
        from planner.model._pulp_compat import cbc_command

        self.model = model
        self.time_limit = time_limit
        cmd = cbc_command(time_limit)
        if cmd is None:
            raise SolverError("the CBC solver is not installed: pip install 'pulp[cbc]' (or set the "
                              "setting solver to highs)")
        self.cmd = cmd

    def solve(self, numbers: Numbers | None = None) -> Solution:
        from planner.model import _pulp_compat as compat

        model = self.model
        if numbers is not None:
            _apply_to_pulp(model, numbers)
        start = time.perf_counter()
        status = compat.solve(model.prob, self.cmd, self.time_limit)
        seconds = time.perf_counter() - start
        if status != OPTIMAL:
            return Solution(status, solve_seconds=seconds)
        x = np.array([compat.variable_value(v) or 0.0 for v in model.variables])
        duals = np.zeros(model.num_rows)
        for family in model.rows.values():
            duals[family.rows] = [compat.constraint_pi(c) or 0.0 for c in family.constraints]
        cost = np.asarray(model.col_cost if numbers is None else numbers.col_cost)
        return Solution(OPTIMAL, objective=float(cost @ x), x=x, row_dual=duals, solve_seconds=seconds)


def _apply_to_pulp(model: Model, numbers: Numbers) -> None:
    from planner.model import _pulp_compat as compat

    lower = numbers.col_lower if numbers.col_lower is not None else np.zeros(model.num_cols)
    for var, lb, ub in zip(model.variables, lower, numbers.col_upper):
        var.lowBound = float(lb)
        var.upBound = None if math.isinf(ub) else float(ub)
    for family in model.rows.values():
        for row, c in zip(family.rows, family.constraints):
            # CBC reads bounds of magnitude 1e30 and above as infinite (a relaxed family).
            c.changeRHS(float(np.clip(numbers.row_rhs[row], -1e30, 1e30)))
    nz = np.flatnonzero(numbers.col_cost)
    compat.set_objective(model.prob, [(model.variables[i], float(numbers.col_cost[i])) for i in nz])


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

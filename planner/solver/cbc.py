"""CBC through PuLP: the model's PuLP problem, made once from its arrays, re-solved with new numbers."""

from __future__ import annotations

import time

import numpy as np

from planner.errors import SolverError
from planner.model import pulp_export
from planner.model.build import Model, Numbers
from planner.solver.session import Abilities
from planner.solver.solution import OPTIMAL, Solution, empty_program


class CbcSession:
    """CBC through PuLP's command-line interface: every solve starts afresh, from the numbers it holds."""

    name = "cbc"
    abilities = Abilities()

    def __init__(self, model: Model, time_limit: float | None = None):
        self.model = model
        self.time_limit = time_limit
        cmd = pulp_export.cbc_command(time_limit)
        if cmd is None:
            raise SolverError("the CBC solver is not installed: pip install 'pulp[cbc]' (or set the "
                              "setting solver to highs)")
        self.cmd = cmd
        self.problem = pulp_export.to_pulp(model)
        self._cost = np.asarray(model.col_cost)
        self.mip = bool(model.integrality().any())

    def set_numbers(self, numbers: Numbers) -> None:
        """Set the PuLP problem's costs, bounds and right-hand sides to ``numbers``."""
        pulp_export.apply_numbers(self.problem, numbers)
        self._cost = np.asarray(numbers.col_cost)

    def set_coefficients(self, cells: list[tuple[int, int]], value: float) -> None:
        """Set the matrix entries at (row, column) ``cells`` to ``value`` (a frontier's cap rows)."""
        for row, col in cells:
            pulp_export.set_coefficient(self.problem.constraints[row], self.problem.variables[col], float(value))

    def solve(self, numbers: Numbers | None = None) -> Solution:
        empty = empty_program(self.model.num_cols, self.model.num_rows)
        if empty is not None:
            return empty
        if numbers is not None:
            self.set_numbers(numbers)
        start = time.perf_counter()
        status = pulp_export.solve(self.problem.prob, self.cmd, self.time_limit)
        seconds = time.perf_counter() - start
        if status != OPTIMAL:
            return Solution(status, solve_seconds=seconds)
        x = np.array([pulp_export.variable_value(v) or 0.0 for v in self.problem.variables])
        duals = np.array([pulp_export.constraint_pi(c) or 0.0 for c in self.problem.constraints])
        return Solution(OPTIMAL, objective=float(self._cost @ x), x=x, row_dual=duals, solve_seconds=seconds)

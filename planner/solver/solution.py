"""What a solve returns: a status, and for an optimal solve the values, duals and objective."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

OPTIMAL = "Optimal"


@dataclass
class Solution:
    status: str
    objective: float | None = None
    x: np.ndarray | None = None
    row_dual: np.ndarray | None = None
    col_dual: np.ndarray | None = None  # reduced costs
    solve_seconds: float = 0.0  # the solver's own time
    iterations: int | None = None
    mip: bool = False  # a mixed-integer optimum: its duals are those of the LP with the integer choices fixed

    @property
    def optimal(self) -> bool:
        return self.status == OPTIMAL


def empty_program(num_cols: int, num_rows: int) -> Solution | None:
    """The optimum of a program with nothing in it, or None when there is something to solve.

    A mineral listed on the minerals sheet with no supply, refining or demand is a block with no
    variables and no constraints: optimal at cost 0. HiGHS calls such a model "Empty" rather than
    optimal, and a CBC run would have nothing to read.
    """
    if num_cols or num_rows:
        return None
    return Solution(OPTIMAL, objective=0.0, x=np.zeros(0), row_dual=np.zeros(0), col_dual=np.zeros(0))

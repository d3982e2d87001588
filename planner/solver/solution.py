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

"""The two-stage stochastic program of ``planner hedge``, stacked from the one model.

Every scenario keeps the model's structure and changes only its numbers, so the hedge is that
model once per scenario, side by side, with the build columns shared: one block of operating
columns and rows per scenario (its own costs, bounds, right-hand sides and project capacities),
and the builds, with their at-most-once rows, once. HiGHS solves the stacked matrix as it is
(block-angular; its simplex and MIP solver use the structure as they can).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.model.build import Model, Numbers, coefficient_cells
from planner.model.core import LinearProgram


@dataclass
class Stack:
    """The stacked program and how to read one scenario's columns back out of its solution.

    Columns: the shared builds first, then scenario 0's operating columns, scenario 1's, ...
    Rows: scenario 0's rows, scenario 1's, ..., then the builds' at-most-once rows.
    """

    lp: LinearProgram
    shared: np.ndarray  # the model's build columns (their stacked index: their position here)
    operating: np.ndarray  # the model's other columns, one copy per scenario
    offsets: list[int]  # stacked index of scenario i's first operating column
    blocks: np.ndarray  # the mineral of every stacked column (budgets are the only rows across minerals)
    budget_rows: np.ndarray  # the stacked index of every budget row

    def scenario_x(self, x: np.ndarray, i: int, num_cols: int) -> np.ndarray:
        """Scenario i's values in the model's own column order."""
        out = np.empty(num_cols)
        out[self.shared] = x[:len(self.shared)]
        out[self.operating] = x[self.offsets[i]:self.offsets[i] + len(self.operating)]
        return out


# Rows over the shared decisions alone: written once, not once per scenario.
SHARED_ROWS = ("build_once", "requires", "budget")


def decision_columns(model: Model) -> np.ndarray:
    """The first-stage decisions a hedge shares: every build, then every stock bought up front."""
    v = model.vars
    return np.fromiter([*v.build.values(), *v.bought.values()], dtype=np.int64, count=len(v.build) + len(v.bought))


def stack(model: Model, numbers: list[Numbers], weights: list[float]) -> Stack:
    """The hedge LP: minimise the ``weights``-weighted sum of every scenario's cost, builds shared.

    Formulation
    -----------
    minimise  sum_s w_s * (c_s^T x_s + f^T b)          (every scenario pays the builds' fixed costs f)
    s.t.      A_s x_s + B_s b  <sense>  rhs_s           (scenario s's rows, its project capacities in B_s)
              sum_t b[p,t] <= 1; the budgets over bought  (once, shared)
              l_s <= x_s <= u_s,  0 <= b <= 1 (integer where a project is all or nothing)
    where x_s are the model's columns but the first-stage decisions b (builds, and stock bought up
    front, whose price is in c_s^T b too), and sum_s w_s = 1.
    """
    n_cols = model.num_cols
    shared = np.sort(decision_columns(model))
    is_shared = np.zeros(n_cols, dtype=bool)
    is_shared[shared] = True
    operating = np.flatnonzero(~is_shared)
    n_op, n_sh = len(operating), len(shared)
    offsets = [n_sh + i * n_op for i in range(len(numbers))]

    starts, index, value = model.matrix()
    row_of = np.repeat(np.arange(model.num_rows), np.diff(starts))
    once = np.zeros(model.num_rows, dtype=bool)
    for family in SHARED_ROWS:
        if family in model.rows:
            once[model.rows[family].rows] = True
    block_nz = ~once[row_of]
    block_rows = np.flatnonzero(~once)
    cells = coefficient_cells(model)
    cell_nz = np.array([_nz(starts, index, r, c) for r, c in cells], dtype=np.int64)

    columns = np.zeros(n_cols, dtype=np.int64)
    columns[shared] = np.arange(n_sh)
    index_parts, value_parts, length_parts, rhs_parts, sense_parts = [], [], [], [], []
    sense = np.asarray(model.row_sense)
    for i, n in enumerate(numbers):
        columns[operating] = offsets[i] + np.arange(n_op)
        values = value.copy()
        if n.coefficients is not None and len(cells):
            values[cell_nz] = n.coefficients
        index_parts.append(columns[index[block_nz]])
        value_parts.append(values[block_nz])
        length_parts.append(np.diff(starts)[block_rows])
        rhs_parts.append(n.row_rhs[block_rows])
        sense_parts.append(sense[block_rows])
    once_rows = np.flatnonzero(once)
    once_nz = once[row_of]
    index_parts.append(columns[index[once_nz]])  # build columns only: the same in every block
    value_parts.append(value[once_nz])
    length_parts.append(np.diff(starts)[once_rows])
    rhs_parts.append(numbers[0].row_rhs[once_rows])
    sense_parts.append(sense[once_rows])

    lower = np.zeros(n_sh + len(numbers) * n_op)
    upper = np.zeros_like(lower)
    cost = np.zeros_like(lower)
    integer = np.zeros(len(lower), dtype=bool)
    upper[:n_sh] = numbers[0].col_upper[shared]
    lower[:n_sh] = (numbers[0].col_lower[shared] if numbers[0].col_lower is not None else 0.0)
    cost[:n_sh] = sum(w * n.col_cost[shared] for w, n in zip(weights, numbers))
    integer[:n_sh] = np.asarray(model.col_integer, dtype=bool)[shared]
    for i, (w, n) in enumerate(zip(weights, numbers)):
        block = slice(offsets[i], offsets[i] + n_op)
        lower[block] = n.col_lower[operating] if n.col_lower is not None else 0.0
        upper[block] = n.col_upper[operating]
        cost[block] = w * n.col_cost[operating]

    # Set directly, not through add_row: the model's rows hold each column once (add_row sums repeats) and
    # a block maps the model's columns one-to-one, so the stacked rows do too (HiGHS refuses a repeat).
    lp = LinearProgram("hedge")
    lp.col_lower, lp.col_upper, lp.col_integer = lower.tolist(), upper.tolist(), integer.tolist()
    lengths = np.concatenate(length_parts)
    lp._starts = np.concatenate([[0], np.cumsum(lengths)]).tolist()
    lp._index = np.concatenate(index_parts).tolist()
    lp._value = np.concatenate(value_parts).tolist()
    lp.row_rhs = np.concatenate(rhs_parts).tolist()
    lp.row_sense = np.concatenate(sense_parts).tolist()
    lp.col_cost = cost
    minerals = model.col_minerals()
    blocks = np.concatenate([minerals[shared], np.tile(minerals[operating], len(numbers))])
    is_budget = np.zeros(model.num_rows, dtype=bool)
    if "budget" in model.rows:
        is_budget[model.rows["budget"].rows] = True
    budget_rows = len(block_rows) * len(numbers) + np.flatnonzero(is_budget[once_rows])
    return Stack(lp, shared, operating, offsets, blocks, budget_rows)


def _nz(starts, index, row: int, col: int) -> int:
    """Position of matrix entry (row, col) among the nonzeros."""
    lo, hi = starts[row], starts[row + 1]
    return int(lo + np.flatnonzero(index[lo:hi] == col)[0])

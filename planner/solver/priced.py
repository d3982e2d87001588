"""Budgets that keep the blocks: the money priced, each mineral solved alone.

A budget over several minerals is the only row of the model that involves more than one
mineral. Written as one program, it ties every mineral it covers into a single LP, which undoes
the per-mineral blocks the planner relies on for speed. This session solves such a program
without ever solving it whole (Dantzig and Wolfe, 1960):

Formulation
-----------
The program, with x_i the columns of mineral i and B the budget rows:
    minimise  sum_i c_i^T x_i
    s.t.      x_i in X_i = {A_i x_i <sense> b_i, l_i <= x_i <= u_i}      (mineral i's own rows)
              sum_i B_i x_i <= amount                                    (money spent, per budget)
The master chooses weights w_ij >= 0 over the plans x_ij each mineral has proposed so far:
    minimise  sum_ij w_ij (c_i^T x_ij)
    s.t.      sum_ij w_ij (B_i x_ij) <= amount         (dual pi <= 0: lambda = -pi, the value of money)
              sum_j w_ij = 1, for each mineral i       (dual mu_i)
Each mineral then prices the money at lambda and proposes its best plan alone:
    z_i(lambda) = min over X_i of (c_i + lambda^T B_i)^T x_i
A proposal whose z_i(lambda) < mu_i lowers the master's cost; when no mineral has one, the
master's optimum is the program's (its weights mix plans that are all optimal at lambda, so the
last proposals' duals are the program's duals, and lambda is the budgets' dual).
The first proposal of each mineral spends the least it can (every column that costs money at its
lower bound), so the master is feasible from the start exactly when the program is.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from planner.model.build import Numbers
from planner.model.core import LE, CoefficientFamily, LinearProgram
from planner.solver.highs import HighsSession, _highspy, new_highs
from planner.solver.session import Abilities
from planner.solver.solution import OPTIMAL, Solution

# A proposal must lower the master's cost by more than this, relative to the cost, to be added.
# The optimum found is then within this distance of the program's, well inside the 1e-6 the
# tests hold it to.
TOLERANCE = 1e-10
MAX_ROUNDS = 500


def tied_blocks(lp: LinearProgram, blocks: np.ndarray, coupling_rows: np.ndarray) -> np.ndarray:
    """Each column's block, with the blocks that a row other than a coupling row spans merged into one.

    A by-product limit (cobalt at most a ratio of the nickel mined) or a requirement between projects of two
    minerals ties them into one program: only the budget rows may be priced between blocks.
    """
    labels = np.asarray(blocks, dtype=object)
    names = list(dict.fromkeys(labels.tolist()))
    parent = list(range(len(names)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    code = {name: i for i, name in enumerate(names)}
    col_block = np.fromiter((code[b] for b in labels), dtype=np.int64, count=len(labels))
    starts, index, _value = lp.matrix()
    starts = np.asarray(starts, dtype=np.int64)
    row_of = np.repeat(np.arange(lp.num_rows), np.diff(starts))
    nz_block = col_block[np.asarray(index, dtype=np.int64)]
    first = np.zeros(lp.num_rows, dtype=np.int64)
    filled = np.diff(starts) > 0
    first[filled] = nz_block[starts[:-1][filled]]
    spans = np.zeros(lp.num_rows, dtype=bool)
    spans[row_of[nz_block != first[row_of]]] = True
    spans[np.asarray(coupling_rows, dtype=np.int64)] = False
    for r in np.flatnonzero(spans):
        spanned = np.unique(nz_block[starts[r]:starts[r + 1]])
        for other in spanned[1:]:
            parent[root(int(other))] = root(int(spanned[0]))
    if all(root(i) == i for i in range(len(names))):
        return labels
    groups: dict[int, list[str]] = {}
    for i, name in enumerate(names):
        groups.setdefault(root(i), []).append(str(name))
    merged = {name: "+".join(groups[root(i)]) for i, name in enumerate(names)}
    return np.array([merged[b] for b in labels.tolist()], dtype=object)


def budget_coupled(lp: LinearProgram, blocks: np.ndarray, coupling_rows: np.ndarray, integers: bool = False) -> bool:
    """Whether the coupling rows tie two or more blocks of a linear program (not a MIP, unless ``integers``:
    the caller fixes them) together."""
    if not len(coupling_rows) or (lp.integrality().any() and not integers):
        return False
    starts, index, _value = lp.matrix()
    touched = {blocks[index[k]] for r in coupling_rows for k in range(starts[r], starts[r + 1])}
    return len(touched) > 1


@dataclasses.dataclass
class Face:
    """The optimal face of the last solve: every optimum has each block's plan optimal at the price of money.

    Formulation
    -----------
    x is optimal for the program exactly when, for every block i,
        (c_i + lambda^T B_i)^T x_i <= objectives[i]     (block i's plan is optimal at the price lambda)
    and every budget with lambda_k > 0 is spent in full (complementary slackness).
    """

    names: list
    cols: list  # each block's columns
    price: np.ndarray  # lambda, per coupling row
    objectives: list  # z_i(lambda), per block


@dataclasses.dataclass
class _Block:
    """One mineral's columns and rows, its own HiGHS session, and the plans it has proposed."""

    cols: np.ndarray
    rows: np.ndarray
    session: HighsSession
    money: np.ndarray  # (coupling rows x block columns): what each column spends of each budget
    cell_of: np.ndarray  # positions in the program's coefficient cells that fall in this block
    plans: list = dataclasses.field(default_factory=list)  # x of each proposal
    last: Solution | None = None


class PricedBudgetSession:
    """A session over a block-angular program whose blocks only budgets tie: solves it block by block.

    ``blocks`` labels each column (its mineral); ``coupling_rows`` are the budget rows (``<=``).
    Every other row must lie within one block. A ``Session`` (``solve(numbers)``, ``set_numbers``,
    ``set_coefficients``) that also gives the optimal ``face`` of its last solve.
    """

    name = "highs"
    mip = False
    # Each block keeps its own basis between solves: the program as a whole has none to give or take.
    abilities = Abilities(face=True)

    def __init__(self, lp: LinearProgram, blocks: np.ndarray, coupling_rows: np.ndarray,
                 time_limit: float | None = None):
        self.model = lp
        self.time_limit = time_limit
        self.coupling = np.asarray(coupling_rows, dtype=np.int64)
        sense = np.asarray(lp.row_sense)
        if not (sense[self.coupling] == LE).all():
            raise ValueError("budget rows must be <= rows")
        starts, index, value = lp.matrix()
        row_of = np.repeat(np.arange(lp.num_rows), np.diff(starts))
        is_coupling = np.zeros(lp.num_rows, dtype=bool)
        is_coupling[self.coupling] = True
        labels = np.asarray(blocks, dtype=object)
        names = list(dict.fromkeys(labels.tolist()))
        code = {name: i for i, name in enumerate(names)}
        col_block = np.fromiter((code[b] for b in labels), dtype=np.int64, count=len(labels))
        nz_block = col_block[index]
        own = ~is_coupling[row_of]
        row_block = np.full(lp.num_rows, -1, dtype=np.int64)
        row_block[row_of[own]] = nz_block[own]
        if (row_block[row_of[own]] != nz_block[own]).any():
            raise ValueError("a row other than a budget spans two blocks")
        cells = [cell for family in getattr(lp, "coefficients", {}).values() for cell in family.cells]
        cell_block = np.array([col_block[c] for _r, c in cells], dtype=np.int64)
        self._cells = cells
        coupling_nz = is_coupling[row_of]
        coupling_pos = np.full(lp.num_rows, -1, dtype=np.int64)
        coupling_pos[self.coupling] = np.arange(len(self.coupling))
        self.blocks: list[_Block] = []
        for i in range(len(names)):
            cols = np.flatnonzero(col_block == i)
            rows = np.flatnonzero(row_block == i)
            local_col = np.full(lp.num_cols, -1, dtype=np.int64)
            local_col[cols] = np.arange(len(cols))
            local_row = np.full(lp.num_rows, -1, dtype=np.int64)
            local_row[rows] = np.arange(len(rows))
            sub = LinearProgram(f"{lp.name}:{names[i]}")
            keep = own & (nz_block == i)
            lengths = np.bincount(local_row[row_of[keep]], minlength=len(rows))
            sub._starts = np.concatenate([[0], np.cumsum(lengths)]).tolist()
            sub._index = local_col[index[keep]].tolist()
            sub._value = value[keep].tolist()
            sub.row_rhs = np.asarray(lp.row_rhs, dtype=float)[rows].tolist()
            sub.row_sense = sense[rows].tolist()
            sub.col_cost = np.asarray(lp.col_cost, dtype=float)[cols]
            sub.col_lower = np.asarray(lp.col_lower, dtype=float)[cols].tolist()
            sub.col_upper = np.asarray(lp.col_upper, dtype=float)[cols].tolist()
            sub.col_integer = [False] * len(cols)
            mine = np.flatnonzero(cell_block == i)
            if len(mine):
                family = CoefficientFamily("cells", None)
                family.cells = [(int(local_row[r]), int(local_col[c])) for r, c in (cells[k] for k in mine)]
                sub.coefficients = {"cells": family}
            money = np.zeros((len(self.coupling), len(cols)))
            spend = coupling_nz & (nz_block == i)
            np.add.at(money, (coupling_pos[row_of[spend]], local_col[index[spend]]), value[spend])
            self.blocks.append(_Block(cols, rows, HighsSession(sub, time_limit), money, mine))
        self.block_names = names
        self.numbers = Numbers(np.asarray(lp.col_cost, dtype=float), np.asarray(lp.col_upper, dtype=float),
                               np.asarray(lp.row_rhs, dtype=float), {}, np.asarray(lp.col_lower, dtype=float))
        self.rounds = 0  # pricing rounds of the last solve
        self.face: Face | None = None  # the optimal face of the last solve

    def set_numbers(self, numbers: Numbers) -> None:
        self.numbers = numbers

    def set_coefficients(self, cells: list[tuple[int, int]], value: float) -> None:
        """Set the program's matrix entries at (row, column) ``cells`` in the blocks that hold them."""
        for block in self.blocks:
            local_row = {int(r): i for i, r in enumerate(block.rows)}
            local_col = {int(c): i for i, c in enumerate(block.cols)}
            mine = [(local_row[r], local_col[c]) for r, c in cells if r in local_row and c in local_col]
            if mine:
                block.session.set_coefficients(mine, value)

    def _block_numbers(self, block: _Block, price: np.ndarray, upper: np.ndarray | None = None) -> Numbers:
        n = self.numbers
        lower = n.col_lower[block.cols] if n.col_lower is not None else np.zeros(len(block.cols))
        coefficients = None
        if n.coefficients is not None and len(block.cell_of):
            coefficients = n.coefficients[block.cell_of]
        return Numbers(n.col_cost[block.cols] + price @ block.money,
                       n.col_upper[block.cols] if upper is None else upper, n.row_rhs[block.rows], {}, lower,
                       coefficients)

    def solve(self, numbers: Numbers | None = None, start: np.ndarray | None = None) -> Solution:
        """The program's optimum. ``start`` (a plan of the whole program) sets the first proposals' spending
        columns to its values instead of their lower bounds: a start that meets coupling rows which the
        least spending does not (a row that money must reach)."""
        if numbers is not None:
            self.set_numbers(numbers)
        solver_seconds = 0.0
        n = self.numbers
        amounts = n.row_rhs[self.coupling]
        cost = n.col_cost
        free = np.zeros(len(self.coupling))
        for block in self.blocks:
            block.plans = []
            # The least each block can spend: every column that costs money held at its lower bound.
            spends = (block.money != 0).any(axis=0)
            lower = n.col_lower[block.cols] if n.col_lower is not None else np.zeros(len(block.cols))
            held = lower if start is None else start[block.cols]
            fixed = dataclasses.replace(self._block_numbers(block, free), col_lower=np.where(spends, held, lower),
                                        col_upper=np.where(spends, held, n.col_upper[block.cols]))
            sol = block.session.solve(fixed)
            if not sol.optimal:  # the block needs to spend: start from its plan with money free instead
                sol = block.session.solve(self._block_numbers(block, free))
            solver_seconds += sol.solve_seconds
            if not sol.optimal:
                return Solution(sol.status, solve_seconds=solver_seconds)
            block.plans.append(sol.x)
        master = _Master(self.blocks, cost, amounts)
        self.rounds = 0
        while True:
            self.rounds += 1
            weights, price, convexity, objective, status = master.solve()
            if status != OPTIMAL:
                return Solution(status, solve_seconds=solver_seconds)
            if self.rounds > MAX_ROUNDS:
                return Solution(f"Not solved: budget pricing did not settle in {MAX_ROUNDS} rounds",
                                solve_seconds=solver_seconds)
            improved = False
            for i, block in enumerate(self.blocks):
                sol = block.session.solve(self._block_numbers(block, price))
                solver_seconds += sol.solve_seconds
                if not sol.optimal:
                    return Solution(sol.status, solve_seconds=solver_seconds)
                block.last = sol
                if sol.objective < convexity[i] - TOLERANCE * max(1.0, abs(objective)):
                    block.plans.append(sol.x)
                    master.add(i, sol.x)
                    improved = True
            if not improved:
                break
        x = np.zeros(self.model.num_cols)
        row_dual = np.zeros(self.model.num_rows)
        col_dual = np.zeros(self.model.num_cols)
        for i, block in enumerate(self.blocks):
            x[block.cols] = sum(w * plan for w, plan in zip(weights[i], block.plans) if w > 0)
            row_dual[block.rows] = block.last.row_dual
            col_dual[block.cols] = block.last.col_dual
        x[np.abs(x) < 1e-9] = 0.0
        row_dual[self.coupling] = -price
        self.face = Face(self.block_names, [b.cols for b in self.blocks], price,
                         [b.last.objective for b in self.blocks])
        return Solution(OPTIMAL, objective=float(cost @ x), x=x, row_dual=row_dual, col_dual=col_dual,
                        solve_seconds=solver_seconds, iterations=self.rounds)


class _Master:
    """The restricted master program over the plans proposed so far, in its own HiGHS instance."""

    def __init__(self, blocks: list[_Block], cost: np.ndarray, amounts: np.ndarray):
        self.hs = _highspy()
        self.h = new_highs()
        self.h.setOptionValue("solver", "simplex")
        self.blocks = blocks
        self.cost = cost
        self.n_coupling = len(amounts)
        inf = self.hs.kHighsInf
        lower = np.concatenate([np.full(len(amounts), -inf), np.ones(len(blocks))])
        upper = np.concatenate([np.where(np.isfinite(amounts), amounts, inf), np.ones(len(blocks))])
        self.h.addRows(len(lower), lower, upper, 0, np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32),
                       np.zeros(0))
        self.columns: list[tuple[int, int]] = []  # (block, plan) of each master column
        for i, block in enumerate(blocks):
            for plan in block.plans:
                self.add(i, plan)

    def add(self, i: int, plan: np.ndarray) -> None:
        block = self.blocks[i]
        spend = block.money @ plan
        rows = np.concatenate([np.flatnonzero(spend), [self.n_coupling + i]]).astype(np.int32)
        values = np.concatenate([spend[spend != 0], [1.0]])
        self.h.addCol(float(self.cost[block.cols] @ plan), 0.0, self.hs.kHighsInf, len(rows), rows, values)
        self.columns.append((i, sum(1 for b, _ in self.columns if b == i)))

    def solve(self):
        # The master is tiny; solved afresh each round, since HiGHS' warm start after addCol could
        # end in a "Solve error" on it (seen on generated worlds).
        self.h.clearSolver()
        self.h.run()
        status = self.h.modelStatusToString(self.h.getModelStatus())
        if status != "Optimal":
            return None, None, None, None, "Infeasible" if status == "Infeasible" else f"Not solved: {status}"
        sol = self.h.getSolution()
        w = np.asarray(sol.col_value)
        dual = np.asarray(sol.row_dual)
        weights = [[] for _ in self.blocks]
        for (i, _j), value in zip(self.columns, w):
            weights[i].append(max(0.0, float(value)))
        price = np.maximum(0.0, -dual[:self.n_coupling])
        convexity = dual[self.n_coupling:]
        return weights, price, convexity, float(self.h.getInfo().objective_function_value), OPTIMAL

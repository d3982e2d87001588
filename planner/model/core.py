"""A linear program as arrays: column families, row families and a row-wise sparse matrix.

The arrays are the model: HiGHS receives them in bulk, and a scenario is solved by changing
their numbers (costs, bounds, right-hand sides) without rebuilding. A PuLP problem is made
from them only where one is used (CBC, an LP/MPS export, the Python API that returns it):
see ``planner.model.pulp_export``. Every row and column belongs to a named family and carries
its key, so duals and values can be reported per constraint and per variable.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

LE, GE, EQ = "<=", ">=", "=="


@dataclass
class ColumnFamily:
    """The variables of one family (``flow``, ``out`` ...), by key, in creation order."""

    name: str
    keys: list[tuple] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)

    def index(self) -> dict[tuple, int]:
        return dict(zip(self.keys, self.cols))


@dataclass
class CoefficientFamily:
    """Matrix entries that depend on the inputs (a project's capacity in its capacity row).

    ``value(data, key)`` gives each entry for a scenario's inputs, as a row family's ``rhs`` gives
    its right-hand sides, so a scenario that scales a project changes numbers, not structure.
    """

    name: str
    value: Callable
    keys: list[tuple] = field(default_factory=list)
    cells: list[tuple[int, int]] = field(default_factory=list)  # (row, column)


@dataclass
class RowFamily:
    """The rows of one constraint family and the function that gives each row's right-hand side.

    ``rhs(data, key)`` is called again with another scenario's inputs to re-solve the same
    structure; it is the single place a family's numbers come from.
    """

    name: str
    sense: str
    rhs: Callable
    keys: list[tuple] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)


class LinearProgram:
    """Columns >= a lower bound, rows ``sum(a x) <sense> rhs`` and a cost per column, as arrays."""

    def __init__(self, name: str = "plan"):
        self.name = name
        self.col_lower: list[float] = []
        self.col_upper: list[float] = []
        self.col_integer: list[bool] = []
        self.columns: dict[str, ColumnFamily] = {}
        self.coefficients: dict[str, CoefficientFamily] = {}
        self.rows: dict[str, RowFamily] = {}
        self._starts: list[int] = [0]
        self._index: list[int] = []
        self._value: list[float] = []
        self.row_sense: list[str] = []
        self.row_rhs: list[float] = []
        self.col_cost: np.ndarray | None = None
        self.cost_components: dict[str, np.ndarray] = {}
        self._derived: dict[str, object] = {}

    def derived(self, name: str, make: Callable[[], object]):
        """An index array (or other value) every solution of this model shares, made once on first use."""
        if name not in self._derived:
            self._derived[name] = make()
        return self._derived[name]

    # -- columns -------------------------------------------------------------------------

    def add_columns(self, family: str, keys: Sequence[tuple], upper: Callable[[tuple], float] | None = None,
                    integer: Callable[[tuple], bool] | None = None) -> dict[tuple, int]:
        """Create one variable >= 0 per key (upper bound from ``upper``, integer where ``integer`` says);
        return key -> column."""
        fam = self.columns.setdefault(family, ColumnFamily(family))
        keys = list(keys)
        first = len(self.col_lower)
        cols = range(first, first + len(keys))
        self.col_lower.extend([0.0] * len(keys))
        self.col_upper.extend([upper(key) for key in keys] if upper else [math.inf] * len(keys))
        self.col_integer.extend([bool(integer(key)) for key in keys] if integer else [False] * len(keys))
        fam.keys.extend(keys)
        fam.cols.extend(cols)
        return dict(zip(keys, cols))

    # -- rows ----------------------------------------------------------------------------

    def coefficient_family(self, name: str, value: Callable) -> CoefficientFamily:
        if name not in self.coefficients:
            self.coefficients[name] = CoefficientFamily(name, value)
        return self.coefficients[name]

    def add_coefficient(self, family: CoefficientFamily, key: tuple, row: int, col: int) -> None:
        """Record that entry (row, col), already in the matrix, is ``family.value(data, key)``.

        The entry is the whole of a_{row,col}, the sum of every term ``add_row`` was given for ``col``
        in that row: a scenario sets it (HiGHS ``changeCoeff``, PuLP, the hedge's stacked values) to
        ``value(data, key)``, so a family owns its entry alone.
        """
        family.keys.append(key)
        family.cells.append((row, col))

    def row_family(self, name: str, sense: str, rhs: Callable) -> RowFamily:
        if name not in self.rows:
            self.rows[name] = RowFamily(name, sense, rhs)
        return self.rows[name]

    def add_row(self, family: RowFamily, key: tuple, terms: Sequence[tuple[int, float]], rhs: float) -> int:
        """Add ``sum(coef * x[col]) <sense> rhs``; return the row's index.

        A column given more than once is one entry: a_{row,col} = sum of the coefficients given for
        col (an owner-basis group counts a country's tonnes once per member that owns part of them).
        HiGHS refuses a row that repeats a column, so the matrix never holds one.
        """
        row = len(self.row_rhs)
        index, value = self._index, self._value
        start = len(index)
        for col, coef in terms:
            index.append(col)
            value.append(coef)
        n = len(index) - start
        # The check costs about 3% of a world-scale build (0.1 s CPU for 341,000 rows, 2.8 million
        # terms); most rows have two terms (262,000 there), compared without making a set.
        if (index[-1] == index[-2]) if n == 2 else (n > 2 and len(set(index[start:])) < n):
            self._sum_repeated(start)
        self._starts.append(len(index))
        family.keys.append(key)
        family.rows.append(row)
        self.row_sense.append(family.sense)
        self.row_rhs.append(float(rhs))
        return row

    def _sum_repeated(self, start: int) -> None:
        """Make the last row's entries (from ``start`` on) one per column, each the sum of its terms, in
        the order the columns first appear."""
        summed: dict[int, float] = {}
        for col, coef in zip(self._index[start:], self._value[start:]):
            summed[col] = summed.get(col, 0.0) + coef
        del self._index[start:], self._value[start:]
        self._index.extend(summed)
        self._value.extend(summed.values())

    # -- objective -----------------------------------------------------------------------

    def set_objective(self, components: dict[str, np.ndarray]) -> None:
        """Objective = sum over components of cost x column; components kept for reports."""
        self.cost_components = components
        self.col_cost = np.sum(list(components.values()), axis=0) if components else np.zeros(self.num_cols)

    # -- arrays --------------------------------------------------------------------------

    @property
    def num_cols(self) -> int:
        return len(self.col_lower)

    @property
    def num_rows(self) -> int:
        return len(self.row_rhs)

    @property
    def num_nonzeros(self) -> int:
        return len(self._index)

    @property
    def size(self) -> dict[str, int]:
        """Columns, rows, nonzeros (and integer columns where there are any)."""
        size = {"columns": self.num_cols, "rows": self.num_rows, "nonzeros": self.num_nonzeros}
        integers = int(self.integrality().sum())
        if integers:
            size["integer_columns"] = integers
        return size

    def integrality(self) -> np.ndarray:
        """1 for every integer column, else 0."""
        return np.asarray(self.col_integer, dtype=np.int8)

    def col_minerals(self) -> np.ndarray:
        """The mineral of every column (every variable's key starts with its mineral)."""
        minerals = np.empty(self.num_cols, dtype=object)
        for family in self.columns.values():
            minerals[family.cols] = [k[0] for k in family.keys]
        return minerals

    def col_periods(self) -> np.ndarray:
        """The period of every column (every variable's key ends with its period)."""
        periods = np.empty(self.num_cols, dtype=object)
        for family in self.columns.values():
            periods[family.cols] = [k[-1] for k in family.keys]
        return periods

    def row_activity(self, x: np.ndarray) -> np.ndarray:
        """A @ x, one value per row."""
        starts, index, value = self.matrix()
        rows = np.repeat(np.arange(self.num_rows), np.diff(starts))
        return np.bincount(rows, weights=value * x[index], minlength=self.num_rows)

    def reduced_costs(self, row_dual: np.ndarray, cost: np.ndarray | None = None) -> np.ndarray:
        """c - A^T y, one value per column (for solvers that report row duals only)."""
        starts, index, value = self.matrix()
        rows = np.repeat(np.arange(self.num_rows), np.diff(starts))
        cost = self.col_cost if cost is None else cost
        return cost - np.bincount(index, weights=value * row_dual[rows], minlength=self.num_cols)

    def matrix(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row-wise sparse matrix as (starts, column indices, values)."""
        return (np.asarray(self._starts, dtype=np.int32), np.asarray(self._index, dtype=np.int32),
                np.asarray(self._value, dtype=np.float64))

    def row_bounds(self, rhs: Sequence[float] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper row activity bounds from senses and right-hand sides."""
        rhs = np.asarray(self.row_rhs if rhs is None else rhs, dtype=np.float64)
        sense = np.asarray(self.row_sense)
        lower = np.where(sense == LE, -np.inf, rhs)
        upper = np.where(sense == GE, np.inf, rhs)
        return lower, upper

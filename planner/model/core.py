"""The model container: a PuLP problem plus the same matrix as arrays, row families and column families.

Rows and columns are recorded as they are added to PuLP, so the problem can be handed to
HiGHS in bulk (no walk over PuLP's expressions) and re-solved with new numbers for another
scenario without rebuilding. ``tests/test_model_structure.py`` checks the arrays against PuLP.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pulp

from planner.model import _pulp_compat as compat

LE, GE, EQ = "<=", ">=", "=="
_UNSAFE = re.compile(r"[^A-Za-z0-9_.]")


_SAFE_LABELS: dict = {}


def _safe(label: Hashable) -> str:
    """A label with every character PuLP would rewrite replaced by ``_`` (cached: labels repeat)."""
    text = _SAFE_LABELS.get(label)
    if text is None:
        text = _SAFE_LABELS[label] = _UNSAFE.sub("_", str(label))
    return text


@dataclass
class ColumnFamily:
    """The variables of one family (``flow``, ``out`` ...), by key, in creation order."""

    name: str
    keys: list[tuple] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)

    def index(self) -> dict[tuple, int]:
        return dict(zip(self.keys, self.cols))


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
    constraints: list = field(default_factory=list)


class Model:
    """A PuLP problem under construction, mirrored as a sparse row-wise matrix."""

    def __init__(self, name: str = "plan"):
        self.prob = pulp.LpProblem(name, pulp.LpMinimize)
        self.variables: list[pulp.LpVariable] = []
        self.col_lower: list[float] = []
        self.col_upper: list[float] = []
        self.columns: dict[str, ColumnFamily] = {}
        self.rows: dict[str, RowFamily] = {}
        self._names: set[str] = set()
        self._starts: list[int] = [0]
        self._index: list[int] = []
        self._value: list[float] = []
        self.row_sense: list[str] = []
        self.row_rhs: list[float] = []
        self.col_cost: np.ndarray | None = None
        self.cost_components: dict[str, np.ndarray] = {}

    # -- names ---------------------------------------------------------------------------

    def unique_name(self, family: str, key: Iterable[Hashable]) -> str:
        """``family_k1_k2...`` made safe for LP files; a clash gets a numbered suffix."""
        return self.unique_names(family, [key])[0]

    def unique_names(self, family: str, keys: Sequence[Iterable[Hashable]]) -> list[str]:
        """Names for many keys at once; sanitised labels are cached, clashes (rare) numbered."""
        safe = _SAFE_LABELS
        names = [family + "_" + "_".join([safe.get(k) or _safe(k) for k in key]) for key in keys]
        if len(set(names)) != len(names) or not self._names.isdisjoint(names):
            names = self._renumber_clashes(names)
        self._names.update(names)
        return names

    def _renumber_clashes(self, names: list[str]) -> list[str]:
        new: set[str] = set()
        out = []
        for base in names:
            name, n = base, 1
            while name in self._names or name in new:
                n += 1
                name = f"{base}__{n}"
            new.add(name)
            out.append(name)
        return out

    # -- columns -------------------------------------------------------------------------

    def add_columns(self, family: str, keys: Sequence[tuple], upper: Callable[[tuple], float] | None = None
                    ) -> dict[tuple, int]:
        """Create one variable >= 0 per key (upper bound from ``upper``); return key -> column."""
        fam = self.columns.setdefault(family, ColumnFamily(family))
        keys = list(keys)
        first = len(self.variables)
        cols = range(first, first + len(keys))
        uppers = [upper(key) for key in keys] if upper else [math.inf] * len(keys)
        add, prob, inf = compat.add_variable, self.prob, math.inf
        self.variables.extend(add(prob, name, 0.0, None if ub == inf else ub)
                              for name, ub in zip(self.unique_names(family, keys), uppers))
        self.col_lower.extend([0.0] * len(keys))
        self.col_upper.extend(uppers)
        fam.keys.extend(keys)
        fam.cols.extend(cols)
        return dict(zip(keys, cols))

    # -- rows ----------------------------------------------------------------------------

    def row_family(self, name: str, sense: str, rhs: Callable) -> RowFamily:
        if name not in self.rows:
            self.rows[name] = RowFamily(name, sense, rhs)
        return self.rows[name]

    def add_row(self, family: RowFamily, key: tuple, terms: Sequence[tuple[int, float]], rhs: float) -> None:
        """Add ``sum(coef * x[col]) <sense> rhs`` to PuLP and to the arrays."""
        cols = [c for c, _ in terms]
        coefs = [float(a) for _, a in terms]
        expr = compat.affine([(self.variables[c], a) for c, a in zip(cols, coefs)])
        if family.sense == LE:
            constraint = expr <= rhs
        elif family.sense == GE:
            constraint = expr >= rhs
        else:
            constraint = expr == rhs
        name = self.unique_name(family.name, key)
        stored = compat.add_constraint(self.prob, constraint, name)
        family.keys.append(key)
        family.rows.append(len(self.row_rhs))
        family.constraints.append(stored)
        self._index.extend(cols)
        self._value.extend(coefs)
        self._starts.append(len(self._index))
        self.row_sense.append(family.sense)
        self.row_rhs.append(float(rhs))

    # -- objective -----------------------------------------------------------------------

    def set_objective(self, components: dict[str, np.ndarray]) -> None:
        """Objective = sum over components of cost x column; components kept for reports."""
        self.cost_components = components
        self.col_cost = np.sum(list(components.values()), axis=0) if components else np.zeros(self.num_cols)
        nz = np.flatnonzero(self.col_cost)
        compat.set_objective(self.prob, [(self.variables[i], float(self.col_cost[i])) for i in nz])

    # -- arrays --------------------------------------------------------------------------

    @property
    def num_cols(self) -> int:
        return len(self.variables)

    @property
    def num_rows(self) -> int:
        return len(self.row_rhs)

    @property
    def num_nonzeros(self) -> int:
        return len(self._index)

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

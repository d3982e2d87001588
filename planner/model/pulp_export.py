"""The model as a PuLP problem, made from its arrays where one is used: CBC, LP/MPS files, the Python API.

This is also the one module that knows the few PuLP calls whose spelling differs between PuLP
3.3 (Python 3.11) and PuLP 4 (Rust core, Python 3.12+).
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np
import pulp

from planner.model.core import GE, LE, LinearProgram

PULP_4 = hasattr(pulp.LpAffineExpression, "from_list")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.]")


@dataclass
class PulpProblem:
    """A PuLP problem and its variables and constraints in the order of the model's columns and rows."""

    prob: pulp.LpProblem
    variables: list
    constraints: list
    cells: list = None  # (row, column) of the input-dependent entries, in Numbers.coefficients order


def to_pulp(lp: LinearProgram, numbers=None) -> PulpProblem:
    """The PuLP problem of ``lp`` (with ``numbers``' costs, bounds and right-hand sides, if given).

    Names are ``family_key1_key2...`` with every character PuLP would rewrite replaced by ``_``;
    a clash gets a numbered suffix. Keep the returned problem while using its variables: PuLP 4's
    variables hold their problem weakly and fail once it is gone.
    """
    prob = pulp.LpProblem(_safe(lp.name), pulp.LpMinimize)
    names = _Names()
    variables: list = [None] * lp.num_cols
    integer = lp.integrality()
    for family in lp.columns.values():
        for col, name in zip(family.cols, names.make(family.name, family.keys)):
            up = lp.col_upper[col]
            cat = "Integer" if integer[col] else "Continuous"
            variables[col] = prob.add_variable(name, lp.col_lower[col], None if math.isinf(up) else up, cat)
    starts, index, value = lp.matrix()
    constraints: list = [None] * lp.num_rows
    for family in lp.rows.values():
        for row, name in zip(family.rows, names.make(family.name, family.keys)):
            lo, hi = starts[row], starts[row + 1]
            expr = affine([(variables[c], float(a)) for c, a in zip(index[lo:hi].tolist(), value[lo:hi].tolist())])
            rhs = lp.row_rhs[row]
            constraint = expr <= rhs if family.sense == LE else expr >= rhs if family.sense == GE else expr == rhs
            constraints[row] = add_constraint(prob, constraint, name)
    problem = PulpProblem(prob, variables, constraints,
                          [cell for family in lp.coefficients.values() for cell in family.cells])
    cost = np.asarray(lp.col_cost if lp.col_cost is not None else np.zeros(lp.num_cols))
    set_objective(prob, [(variables[i], float(cost[i])) for i in np.flatnonzero(cost)])
    if numbers is not None:
        apply_numbers(problem, numbers)
    return problem


def apply_numbers(problem: PulpProblem, numbers) -> None:
    """Set costs, column bounds and right-hand sides of the PuLP problem to ``numbers``."""
    lower = numbers.col_lower if numbers.col_lower is not None else np.zeros(len(problem.variables))
    for var, lb, ub in zip(problem.variables, lower.tolist(), numbers.col_upper.tolist()):
        var.lowBound = lb
        var.upBound = None if math.isinf(ub) else ub
    for c, rhs in zip(problem.constraints, numbers.row_rhs.tolist()):
        # CBC reads bounds of magnitude 1e30 and above as infinite (a relaxed family).
        c.changeRHS(min(max(rhs, -1e30), 1e30))
    if numbers.coefficients is not None:
        for (row, col), value in zip(problem.cells, numbers.coefficients.tolist()):
            set_coefficient(problem.constraints[row], problem.variables[col], value)
    cost = numbers.col_cost
    set_objective(problem.prob, [(problem.variables[i], float(cost[i])) for i in np.flatnonzero(cost)])


def write_model(lp: LinearProgram, path: str, numbers=None) -> None:
    """Write the model as an LP file (``.lp``) or an MPS file (``.mps``), for use in another solver."""
    problem = to_pulp(lp, numbers)
    if str(path).lower().endswith(".mps"):
        problem.prob.writeMPS(str(path))
    else:
        problem.prob.writeLP(str(path))


class _Names:
    """Safe, unique names for one export (its label cache lives and dies with the export)."""

    def __init__(self):
        self.used: set[str] = set()
        self.labels: dict[Hashable, str] = {}

    def make(self, family: str, keys: Iterable[tuple]) -> list[str]:
        labels = self.labels
        out = []
        for key in keys:
            parts = []
            for k in key:
                text = labels.get(k)
                if text is None:
                    text = labels[k] = _safe(k)
                parts.append(text)
            name = base = family + "_" + "_".join(parts)
            n = 1
            while name in self.used:
                n += 1
                name = f"{base}__{n}"
            self.used.add(name)
            out.append(name)
        return out


def _safe(label: Hashable) -> str:
    return _UNSAFE.sub("_", str(label))


# --- the spellings that differ between PuLP 3.3 and PuLP 4 ------------------------------


def affine(pairs: list[tuple]) -> pulp.LpAffineExpression:
    """An expression from (variable, coefficient) pairs: about 3x cheaper than ``lpSum`` of products."""
    if PULP_4:
        return pulp.LpAffineExpression.from_list(pairs)
    return pulp.LpAffineExpression(pairs)


def add_constraint(prob: pulp.LpProblem, constraint, name: str):
    """Add a constraint and return the stored constraint object (kept, never looked up by name)."""
    stored = prob.addConstraint(constraint, name)
    if stored is None:  # PuLP 3.3 stores the object it was given
        stored = constraint
    return stored


def set_coefficient(constraint, variable, value: float) -> None:
    """Set one matrix entry of a stored constraint: PuLP 3.3 keeps the expression in ``expr``."""
    if PULP_4:
        constraint[variable] = value
    else:
        constraint.expr[variable] = value


def set_objective(prob: pulp.LpProblem, pairs: list[tuple]) -> None:
    prob.setObjective(affine(pairs))


def constraints(prob: pulp.LpProblem) -> list:
    return list(prob.constraints())


def constraint_pi(constraint) -> float | None:
    return constraint.pi


def variable_value(var) -> float | None:
    return var.varValue


def cbc_command(time_limit: float | None = None):
    """A CBC command PuLP can run, or None.

    PuLP 4 finds the CBC of the ``cbcbox`` package (``pulp[cbc]``) through COIN_CMD; PuLP 3.3
    bundles its own CBC behind PULP_CBC_CMD, deprecated there only because 4.0 drops it.
    """
    # The same MIP gap as HiGHS' (solver.highs.MIP_REL_GAP): a policy cost is a difference of optima.
    cmd = pulp.COIN_CMD(msg=False, timeLimit=time_limit, gapRel=1e-9)
    if cmd.available():
        return cmd
    if hasattr(pulp, "PULP_CBC_CMD"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            cmd = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=1e-9)
        if cmd.available():
            return cmd
    return None


def solve(prob: pulp.LpProblem, command, time_limit: float | None = None) -> str:
    """Solve with ``command`` and return the status as the planner words it.

    The one place the two PuLP lines differ in reading a result: PuLP 3.3 returns an int
    status (``pulp.LpStatus`` names it); PuLP 4 returns ``LpSolveStats`` with an enum status.
    """
    result = prob.solve(command)
    if PULP_4:
        name = result.status.name
        if name == "Optimal" and not result.has_solution:
            return "Not solved"
        return {"Optimal": "Optimal", "Infeasible": "Infeasible", "Unbounded": "Unbounded",
                "TimeLimit": "Time limit reached", "NotSolved": "Not solved"}.get(name, f"Not solved: {name}")
    name = pulp.LpStatus[result]
    if name == "Not Solved" and time_limit:
        return "Time limit reached"
    return {"Not Solved": "Not solved", "Undefined": "Infeasible or unbounded"}.get(name, name)

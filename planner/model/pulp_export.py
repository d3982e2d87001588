"""The model as a PuLP problem, made from its arrays where one is used: CBC, LP/MPS files, the Python API.

This is also the one module that knows the few PuLP calls whose spelling differs between PuLP
3.3 (Python 3.11) and PuLP 4 (Rust core, Python 3.12+).
"""

from __future__ import annotations

import csv
import hashlib
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

# The longest name an export carries. PuLP's LP writer refuses variable names above 100 characters
# (both lines, ``writeLP(max_length=100)``); CPLEX's LP and MPS formats stop at 255, and free MPS, which
# PuLP writes, has no limit of its own. One limit for columns and rows in both formats, so that an LP
# and an MPS export of one model name everything alike.
MAX_NAME_LENGTH = 100
_DIGEST_LENGTH = 10


@dataclass
class PulpProblem:
    """A PuLP problem and its variables and constraints in the order of the model's columns and rows."""

    prob: pulp.LpProblem
    variables: list
    constraints: list
    cells: list = None  # (row, column) of the input-dependent entries, in Numbers.coefficients order
    names: list = None  # with keep_names: (kind, name, family, key) of every variable and constraint


def to_pulp(lp: LinearProgram, numbers=None, keep_names: bool = False) -> PulpProblem:
    """The PuLP problem of ``lp`` (with ``numbers``' costs, bounds and right-hand sides, if given).

    Names are ``family_key1_key2...`` with every character PuLP would rewrite replaced by ``_``;
    a clash gets a numbered suffix, and a name longer than ``MAX_NAME_LENGTH`` keeps its first
    characters and ends in a hash of the whole (see ``_Names``). With ``keep_names`` the problem
    lists every name with its family and key (``write_names``). Keep the returned problem while
    using its variables: PuLP 4's variables hold their problem weakly and fail once it is gone.
    """
    prob = pulp.LpProblem(_safe(lp.name), pulp.LpMinimize)
    names = _Names(keep_names)
    variables: list = [None] * lp.num_cols
    integer = lp.integrality()

    def add_variables(cols, made):
        for col, name in zip(cols, made):
            up = lp.col_upper[col]
            cat = "Integer" if integer[col] else "Continuous"
            variables[col] = prob.add_variable(name, lp.col_lower[col], None if math.isinf(up) else up, cat)

    for family in lp.columns.values():
        add_variables(family.cols, names.make(family.name, family.keys, "variable"))
    # A program stacked from a model (the hedge's) has columns and rows in no family: named by position.
    unnamed = [col for col, v in enumerate(variables) if v is None]
    add_variables(unnamed, names.make("x", [(col,) for col in unnamed], "variable"))
    starts, index, value = lp.matrix()
    constraints: list = [None] * lp.num_rows

    def add_constraints(rows, made):
        for row, name in zip(rows, made):
            lo, hi = starts[row], starts[row + 1]
            expr = affine([(variables[c], float(a)) for c, a in zip(index[lo:hi].tolist(), value[lo:hi].tolist())])
            rhs, sense = lp.row_rhs[row], lp.row_sense[row]
            constraint = expr <= rhs if sense == LE else expr >= rhs if sense == GE else expr == rhs
            constraints[row] = add_constraint(prob, constraint, name)

    for family in lp.rows.values():
        add_constraints(family.rows, names.make(family.name, family.keys, "constraint"))
    unnamed = [row for row, c in enumerate(constraints) if c is None]
    add_constraints(unnamed, names.make("c", [(row,) for row in unnamed], "constraint"))
    problem = PulpProblem(prob, variables, constraints,
                          [cell for family in lp.coefficients.values() for cell in family.cells], names.kept)
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


def write_model(lp: LinearProgram, path: str, numbers=None, names_path: str | None = None) -> None:
    """Write the model as an LP file (``.lp``) or an MPS file (``.mps``), for use in another solver;
    with ``names_path``, also the table of its names (``write_names``)."""
    problem = to_pulp(lp, numbers, keep_names=names_path is not None)
    if str(path).lower().endswith(".mps"):
        problem.prob.writeMPS(str(path))
    else:
        problem.prob.writeLP(str(path), max_length=MAX_NAME_LENGTH)
    if names_path is not None:
        write_names(problem.names, names_path)


def write_names(names: list[tuple], path: str) -> None:
    """A CSV of every name in an export: ``kind`` (variable or constraint), ``name`` as the file has
    it, and the model's ``family`` and ``key`` (its labels as the workbook writes them, comma-separated),
    so a solution read back from another solver can be joined to the planner's variables and rules."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["kind", "name", "family", "key"])
        out.writerows((kind, name, family, ", ".join(str(k) for k in key)) for kind, name, family, key in names)


class _Names:
    """Safe, unique names of at most ``MAX_NAME_LENGTH`` characters for one problem (its label cache
    lives and dies with it); with ``keep``, the list of (kind, name, family, key) of every name made."""

    def __init__(self, keep: bool = False):
        self.used: set[str] = set()
        self.labels: dict[Hashable, str] = {}
        self.kept: list[tuple] | None = [] if keep else None

    def make(self, family: str, keys: Iterable[tuple], kind: str) -> list[str]:
        labels = self.labels
        out = []
        for key in keys:
            parts = []
            for k in key:
                text = labels.get(k)
                if text is None:
                    text = labels[k] = _safe(k)
                parts.append(text)
            base = family + "_" + "_".join(parts)
            name = _fit(base)
            n = 1
            while name in self.used:
                n += 1
                name = _fit(f"{base}__{n}")
            self.used.add(name)
            out.append(name)
            if self.kept is not None:
                self.kept.append((kind, name, family, key))
        return out


def _fit(name: str) -> str:
    """``name``, or if longer than ``MAX_NAME_LENGTH`` its first 89 characters, ``_`` and 10 hex digits
    of its SHA-1: the same name on every export, and long names with the same start still differ
    (``_Names`` numbers the rare clash before fitting, as it does any other)."""
    if len(name) <= MAX_NAME_LENGTH:
        return name
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:_DIGEST_LENGTH]
    return f"{name[:MAX_NAME_LENGTH - _DIGEST_LENGTH - 1]}_{digest}"


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

    CBC ends a search that closed the gap it was given with "Optimal (within gap tolerance)":
    PuLP 3.3 reads that as Optimal, PuLP 4 as ``GapLimit`` with a solution. It is the optimum
    when its proven gap, (objective - best bound) / max(1, |objective|, |bound|), is within the
    gap the command asked for (``gapRel``: the planner's 1e-9, see ``cbc_command``).
    """
    result = prob.solve(command)
    if PULP_4:
        name = result.status.name
        if name == "GapLimit" and result.has_solution:
            return _within_gap(result, command)
        if name == "Optimal" and not result.has_solution:
            return "Not solved"
        return {"Optimal": "Optimal", "Infeasible": "Infeasible", "Unbounded": "Unbounded",
                "TimeLimit": "Time limit reached", "NotSolved": "Not solved"}.get(name, f"Not solved: {name}")
    name = pulp.LpStatus[result]
    if name == "Not Solved" and time_limit:
        return "Time limit reached"
    return {"Not Solved": "Not solved", "Undefined": "Infeasible or unbounded"}.get(name, name)


GAP_READ_SLACK = 10.0


def _within_gap(result, command) -> str:
    """``Optimal`` for a PuLP 4 gap stop within the command's relative gap, else why it is not one.

    Without a bound or an objective in CBC's log (or a command without ``gapRel``), CBC's own gap
    test, the one that stopped it, stands.
    """
    allowed = getattr(command, "optionsDict", {}).get("gapRel")
    objective, bound = result.objective, result.best_bound
    if allowed is None or objective is None or bound is None:
        return "Optimal"
    gap = (objective - bound) / max(1.0, abs(objective), abs(bound))
    # CBC stops on its own gap test with the gap we gave it; the objective and bound read back from its
    # log are rounded, which can put the recomputed gap a little above the asked one (1.2e-9 for 1e-9
    # was seen). Ten times the asked gap absorbs that and still tells a stop far from the optimum.
    if gap <= GAP_READ_SLACK * allowed:
        return "Optimal"
    return f"Not solved: stopped at a relative gap of {gap:.2g}, above the {allowed:g} asked"

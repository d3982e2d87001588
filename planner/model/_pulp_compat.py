"""The few PuLP calls whose spelling differs between PuLP 3.3 (Python 3.11) and PuLP 4 (Rust core)."""

from __future__ import annotations

import warnings

import pulp

PULP_4 = hasattr(pulp.LpAffineExpression, "from_list")


def add_variable(prob: pulp.LpProblem, name: str, low: float | None, up: float | None):
    return prob.add_variable(name, low, up)


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
    cmd = pulp.COIN_CMD(msg=False, timeLimit=time_limit)
    if cmd.available():
        return cmd
    if hasattr(pulp, "PULP_CBC_CMD"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            cmd = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit)
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

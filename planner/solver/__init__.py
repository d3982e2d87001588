"""Solving built models: HiGHS in-process (default) or CBC through PuLP, and many solves at once."""

from __future__ import annotations

from planner.errors import SolverError
from planner.model.build import Model
from planner.solver.cbc import CbcSession
from planner.solver.highs import HighsSession
from planner.solver.solution import OPTIMAL, Solution

__all__ = ["OPTIMAL", "CbcSession", "HighsSession", "Solution", "make_solver", "settings_solver", "solve_from",
           "starting_basis"]


def make_solver(model: Model, solver: str = "highs", time_limit: float | None = None):
    """A solver session for ``model``: ``highs`` (default) or ``cbc``."""
    if solver == "highs":
        return HighsSession(model, time_limit)
    if solver == "cbc":
        return CbcSession(model, time_limit)
    raise SolverError(f"unknown solver {solver!r}; expected 'highs' or 'cbc'")


def settings_solver(model: Model, settings: dict):
    """The session the settings sheet asks for: its ``solver`` (``highs`` when blank) and ``time_limit``."""
    return make_solver(model, str(settings.get("solver") or "highs"), settings.get("time_limit"))


def starting_basis(session):
    """The basis of the session's last solve, to start later solves from (None for CBC, which keeps none,
    and for a mixed-integer model, whose solves do not start from a basis)."""
    return session.basis() if isinstance(session, HighsSession) and not session.mip else None


def solve_from(session, numbers, basis) -> Solution:
    """Solve ``numbers`` from ``basis``, so the result does not depend on what the session solved before."""
    if basis is None:
        return session.solve(numbers)
    session.set_numbers(numbers)
    session.set_basis(basis)
    return session.solve()

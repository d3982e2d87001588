"""Solving built models: HiGHS in-process (default) or CBC through PuLP, and many solves at once."""

from __future__ import annotations

import numpy as np

from planner.errors import SolverError
from planner.model.build import Model
from planner.solver.cbc import CbcSession
from planner.solver.highs import HighsSession
from planner.solver.priced import PricedBudgetSession, budget_coupled
from planner.solver.solution import OPTIMAL, Solution

__all__ = ["OPTIMAL", "CbcSession", "HighsSession", "PricedBudgetSession", "Solution", "make_solver",
           "settings_solver", "solve_from", "starting_basis"]


def make_solver(model: Model, solver: str = "highs", time_limit: float | None = None, joint: bool = False,
                blocks: np.ndarray | None = None, coupling_rows: np.ndarray | None = None):
    """A solver session for ``model``: ``highs`` (default) or ``cbc``.

    Under HiGHS, a linear program whose minerals only budgets tie together is solved mineral by
    mineral with the money priced (``PricedBudgetSession``); ``joint`` solves it whole instead.
    ``blocks`` (each column's mineral) and ``coupling_rows`` (the ``<=`` rows across minerals) default to
    the model's own budget rows; a program stacked from the model (``planner hedge``) passes its own.
    """
    if solver == "highs":
        if coupling_rows is None:
            coupling_rows = np.asarray(model.rows["budget"].rows if "budget" in getattr(model, "rows", {}) else [],
                                     dtype=np.int64)
        if not joint and len(coupling_rows):
            blocks = model.col_minerals() if blocks is None else blocks
            if budget_coupled(model, blocks, coupling_rows):
                return PricedBudgetSession(model, blocks, coupling_rows, time_limit)
        return HighsSession(model, time_limit)
    if solver == "cbc":
        return CbcSession(model, time_limit)
    raise SolverError(f"unknown solver {solver!r}; expected 'highs' or 'cbc'")


def settings_solver(model: Model, settings: dict, **blocks):
    """The session the settings sheet asks for: its ``solver`` (``highs`` when blank) and ``time_limit``."""
    return make_solver(model, str(settings.get("solver") or "highs"), settings.get("time_limit"), **blocks)


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

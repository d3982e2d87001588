"""Solving built models: HiGHS in-process (default) or CBC through PuLP, and many solves at once."""

from __future__ import annotations

import numpy as np

from planner.errors import SolverError
from planner.model.build import Model
from planner.solver.cbc import CbcSession
from planner.solver.highs import HighsSession
from planner.solver.priced import PricedBudgetSession, budget_coupled, tied_blocks
from planner.solver.session import Abilities, Session, restored, solve_from, starting_basis
from planner.solver.solution import OPTIMAL, Solution

__all__ = ["OPTIMAL", "Abilities", "CbcSession", "HighsSession", "PricedBudgetSession", "Session", "Solution",
           "make_solver", "restored", "settings_solver", "solve_from", "starting_basis"]


def make_solver(model: Model, solver: str = "highs", time_limit: float | None = None, joint: bool = False,
                blocks: np.ndarray | None = None, coupling_rows: np.ndarray | None = None) -> Session:
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
            blocks = tied_blocks(model, model.col_minerals() if blocks is None else blocks, coupling_rows)
            if budget_coupled(model, blocks, coupling_rows):
                return PricedBudgetSession(model, blocks, coupling_rows, time_limit)
        return HighsSession(model, time_limit)
    if solver == "cbc":
        return CbcSession(model, time_limit)
    raise SolverError(f"unknown solver {solver!r}; expected 'highs' or 'cbc'")


def settings_solver(model: Model, settings: dict, **blocks) -> Session:
    """The session the settings sheet asks for: its ``solver`` (``highs`` when blank) and ``time_limit``."""
    return make_solver(model, str(settings.get("solver") or "highs"), settings.get("time_limit"), **blocks)


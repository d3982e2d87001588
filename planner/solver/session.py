"""What a solver session offers: one interface, the abilities each kind declares, and its base state restored.

Every session (``HighsSession``, ``CbcSession``, ``PricedBudgetSession``) solves one model again and
again with new numbers. Beyond that the kinds differ: only HiGHS keeps a basis, takes an incumbent,
relaxes its integer columns or runs in copies side by side; only a budget priced block by block knows
its optimal face. Each class declares these in ``abilities``, and callers ask there instead of
probing the class, so a new kind of session says what it can do in one place.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from planner.model.build import Numbers
from planner.model.core import LinearProgram
from planner.solver.solution import Solution


@dataclass(frozen=True)
class Abilities:
    """What a session offers beyond ``Session``; each flag names the members it promises."""

    basis: bool = False  # basis(), set_basis(b): a later solve starts where an earlier one ended
    incumbent: bool = False  # solve(numbers, incumbent=x): a mixed-integer search starts from a known plan
    as_lp: bool = False  # as_lp(): the integer columns continuous for a while (fixed by their bounds)
    # clone(), and a worker process's fresh HighsSession of the model: copies that solve as this one does
    parallel: bool = False
    face: bool = False  # face after an optimal solve, and solve(numbers, start=x)


@runtime_checkable
class Session(Protocol):
    """A solver holding one model, re-solved with new numbers (costs, bounds, right-hand sides)."""

    name: str  # the solver, as Run info names it
    mip: bool  # whether a solve is mixed-integer (the model's integer columns declared integer)
    model: LinearProgram
    time_limit: float | None
    abilities: Abilities

    def solve(self, numbers: Numbers | None = None) -> Solution:
        """The optimum with ``numbers`` (else the numbers the session holds)."""

    def set_numbers(self, numbers: Numbers) -> None:
        """Hold ``numbers`` for the next solve."""

    def set_coefficients(self, cells: list[tuple[int, int]], value: float) -> None:
        """Set the matrix entries at (row, column) ``cells`` to ``value``."""


def starting_basis(session: Session):
    """The basis of the session's last solve, to start later solves from (None for a session that keeps none,
    and for a mixed-integer model, whose solves do not start from a basis)."""
    return session.basis() if session.abilities.basis and not session.mip else None


def solve_from(session: Session, numbers: Numbers, basis) -> Solution:
    """Solve ``numbers`` from ``basis``, so the result does not depend on what the session solved before."""
    if basis is None:
        return session.solve(numbers)
    session.set_numbers(numbers)
    session.set_basis(basis)
    return session.solve()


@contextlib.contextmanager
def restored(session: Session, numbers: Numbers, basis=None) -> Iterator[Session]:
    """The session back on its base ``numbers`` and ``basis`` (where there is one) when the block ends, however
    it ends: the block may solve anything, and later solves see the base program as before it."""
    try:
        yield session
    finally:
        session.set_numbers(numbers)
        if basis is not None:
            session.set_basis(basis)

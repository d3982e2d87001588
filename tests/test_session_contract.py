"""Every solver session keeps one contract: it is a ``Session``, it declares its abilities truthfully, and
``restored`` puts it back on its base program however the block ends.

The program, small enough to solve by hand. Two minerals, each bought or left unmet:
    minimise  1 buy_a + 5 unmet_a + 2 buy_b + 4 unmet_b
    s.t.      buy_a + unmet_a >= 6,   buy_b + unmet_b >= 5            (demand)
              buy_a + 2 buy_b <= B                                    (one budget across both: money spent)
              buy_a <= 10, buy_b <= 10
A unit of money saves 5 - 1 = 4 on a and (4 - 2) / 2 = 1 on b, so a is bought first.
    B = 8:  buy_a = 6, buy_b = 1, unmet_b = 4: cost 6 + 2 + 16 = 24; money is worth lambda = 1 (b indifferent)
    B = 20: buy_a = 6, buy_b = 5: cost 6 + 10 = 16; money is worth 0
The mixed-integer variant adds a project: build (0 or 1, fixed cost 3) and buy_a <= 10 build.
    B = 8:  build = 1: 24 + 3 = 27 (not building: unmet_a = 6, buy_b = 4, unmet_b = 1: 30 + 8 + 4 = 42)
    its linear relaxation: build = 0.6 (just enough for buy_a = 6): 24 + 1.8 = 25.8
"""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import pytest

from planner.model.build import Numbers, with_columns_fixed
from planner.model.core import GE, LE, LinearProgram
from planner.solver import (
    Abilities,
    CbcSession,
    HighsSession,
    PricedBudgetSession,
    Session,
    restored,
    solve_from,
    starting_basis,
)

BUY_A, UNMET_A, BUY_B, UNMET_B, BUILD = range(5)
BLOCKS = np.array(["a", "a", "b", "b"], dtype=object)
BUDGET_ROW = 2


def program(integer: bool = False) -> LinearProgram:
    lp = LinearProgram("two minerals")
    lp.add_columns("buy", [("a",)], upper=lambda k: 10.0)
    lp.add_columns("unmet", [("a",)])
    lp.add_columns("buy", [("b",)], upper=lambda k: 10.0)
    lp.add_columns("unmet", [("b",)])
    demand = lp.row_family("demand", GE, lambda data, key: 0.0)
    lp.add_row(demand, ("a",), [(BUY_A, 1.0), (UNMET_A, 1.0)], 6.0)
    lp.add_row(demand, ("b",), [(BUY_B, 1.0), (UNMET_B, 1.0)], 5.0)
    lp.add_row(lp.row_family("budget", LE, lambda data, key: 0.0), ("money",), [(BUY_A, 1.0), (BUY_B, 2.0)], 8.0)
    cost = [1.0, 5.0, 2.0, 4.0]
    if integer:
        lp.add_columns("build", [("a",)], upper=lambda k: 1.0, integer=lambda k: True)
        lp.add_row(lp.row_family("capacity", LE, lambda data, key: 0.0), ("a",), [(BUY_A, 1.0), (BUILD, -10.0)], 0.0)
        cost.append(3.0)
    lp.set_objective({"cost": np.array(cost)})
    return lp


def numbers(lp: LinearProgram, budget: float) -> Numbers:
    rhs = np.array(lp.row_rhs, dtype=float)
    rhs[BUDGET_ROW] = budget
    return Numbers(np.array(lp.col_cost, dtype=float), np.array(lp.col_upper, dtype=float), rhs, {})


def session_of(kind: str, integer: bool = False) -> Session:
    lp = program(integer)
    if kind == "highs":
        return HighsSession(lp)
    if kind == "cbc":
        return CbcSession(lp)
    return PricedBudgetSession(lp, BLOCKS, np.array([BUDGET_ROW]))


KINDS = ["highs", "cbc", "priced"]


def offers(session, ability: str) -> bool:
    """Whether the session has the members ``Abilities`` says the ability promises."""
    solve = inspect.signature(session.solve).parameters
    return {"basis": callable(getattr(session, "basis", None)) and callable(getattr(session, "set_basis", None)),
            "incumbent": "incumbent" in solve,
            "as_lp": callable(getattr(session, "as_lp", None)),
            "parallel": callable(getattr(session, "clone", None)),
            "face": hasattr(session, "face") and "start" in solve}[ability]


@pytest.mark.parametrize("kind", KINDS)
def test_every_session_is_a_session_and_declares_exactly_what_it_offers(kind):
    session = session_of(kind)
    assert isinstance(session, Session)
    assert isinstance(session.abilities, Abilities)
    declared = dataclasses.asdict(session.abilities)
    assert declared == {ability: offers(session, ability) for ability in declared}


@pytest.mark.parametrize("kind", KINDS)
def test_every_session_solves_the_hand_worked_optimum_and_holds_numbers_set(kind):
    session = session_of(kind)
    assert not session.mip
    assert session.solve(numbers(session.model, 8.0)).objective == pytest.approx(24.0)
    session.set_numbers(numbers(session.model, 20.0))
    alternative = session.solve()
    assert alternative.objective == pytest.approx(16.0)
    assert alternative.x[[BUY_A, BUY_B]] == pytest.approx([6.0, 5.0])


def test_a_session_declaring_basis_round_trips_it():
    session = session_of("highs")
    base = numbers(session.model, 8.0)
    first = session.solve(base)
    basis = starting_basis(session)
    assert basis is not None
    assert session.solve(numbers(session.model, 20.0)).objective == pytest.approx(16.0)
    again = solve_from(session, base, basis)
    assert again.objective == pytest.approx(24.0)
    assert again.iterations == 0  # started at the base optimum: nothing left to pivot
    np.testing.assert_allclose(again.x, first.x)


@pytest.mark.parametrize("kind", ["cbc", "priced"])
def test_a_session_without_basis_gives_none_to_start_from(kind):
    session = session_of(kind)
    session.solve(numbers(session.model, 8.0))
    assert starting_basis(session) is None


def test_a_mixed_integer_session_gives_no_basis_to_start_from():
    session = session_of("highs", integer=True)
    assert session.mip
    assert session.solve(numbers(session.model, 8.0)).objective == pytest.approx(27.0)
    assert starting_basis(session) is None


def test_a_session_declaring_incumbent_starts_a_search_from_a_known_plan():
    session = session_of("highs", integer=True)
    base = numbers(session.model, 8.0)
    known = np.array([0.0, 6.0, 4.0, 1.0, 0.0])  # feasible, not optimal: nothing built (42)
    warm = session.solve(base, incumbent=known)
    assert warm.objective == pytest.approx(27.0)
    assert warm.x[BUILD] == pytest.approx(1.0)


def test_a_session_declaring_as_lp_solves_the_integer_columns_fixed_as_a_linear_program():
    session = session_of("highs", integer=True)
    base = numbers(session.model, 8.0)
    built = with_columns_fixed(base, [BUILD], [1.0])
    with session.as_lp():
        assert not session.mip
        relaxed = session.solve(base)
        fixed = session.solve(built)
    assert relaxed.objective == pytest.approx(25.8) and relaxed.x[BUILD] == pytest.approx(0.6)
    assert fixed.objective == pytest.approx(27.0) and not fixed.mip
    assert session.mip
    again = session.solve(base)
    assert again.objective == pytest.approx(27.0) and again.mip


def test_a_session_declaring_parallel_has_copies_that_solve_as_it_does():
    session = session_of("highs")
    base = numbers(session.model, 8.0)
    own = session.solve(base)
    copy = session.clone().solve(base)
    assert copy.objective == pytest.approx(own.objective)
    np.testing.assert_allclose(copy.x, own.x)


def test_a_session_declaring_face_gives_the_price_of_money_and_starts_from_a_plan():
    session = session_of("priced")
    base = numbers(session.model, 8.0)
    first = session.solve(base)
    assert session.face.names == ["a", "b"]
    assert session.face.price == pytest.approx([1.0])  # b is indifferent at lambda = 1: (4 - 2) / 2
    started = session.solve(base, start=first.x)
    assert started.objective == pytest.approx(24.0)


# A budget is priced block by block only in a linear program: no mixed-integer priced session.
@pytest.mark.parametrize("kind, integer", [(kind, False) for kind in KINDS] + [("highs", True), ("cbc", True)])
def test_restored_leaves_the_session_on_its_base_program_however_the_block_ends(kind, integer):
    session = session_of(kind, integer)
    base = numbers(session.model, 8.0)
    optimum = 27.0 if integer else 24.0
    assert session.solve(base).objective == pytest.approx(optimum)
    basis = starting_basis(session)
    alternative = 19.0 if integer else 16.0  # B = 20: everything bought (the project's 3 too)
    with restored(session, base, basis):
        assert session.solve(numbers(session.model, 20.0)).objective == pytest.approx(alternative)
    assert session.solve().objective == pytest.approx(optimum)
    with pytest.raises(RuntimeError), restored(session, base, basis):
        assert session.solve(numbers(session.model, 20.0)).objective == pytest.approx(alternative)
        raise RuntimeError("the block fails after an alternative solve")
    after = session.solve()
    assert after.objective == pytest.approx(optimum)
    if basis is not None:
        assert after.iterations == 0  # and from the base basis


def test_with_columns_fixed_fixes_only_the_columns_given_and_keeps_the_numbers_it_was_given():
    lp = program(integer=True)
    base = numbers(lp, 8.0)
    unbuilt = with_columns_fixed(base, [BUILD], [0.0])
    assert base.col_lower is None and base.col_upper[BUILD] == 1.0
    assert unbuilt.col_lower.tolist() == [0.0] * 5
    assert unbuilt.col_upper.tolist() == [10.0, np.inf, 10.0, np.inf, 0.0]
    assert HighsSession(lp).solve(unbuilt).objective == pytest.approx(42.0)

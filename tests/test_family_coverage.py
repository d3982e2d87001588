"""Every constraint family of the model binds in a hand-solved case: a nonzero dual, or another optimum without it.

A family added to the model without such a case fails ``test_every_family_has_a_binding_case``;
a case that stops exercising its family (the family no longer decides the answer) fails
``test_family_binds_in_its_case``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from planner.api import validate
from planner.model.build import build_model, numbers_for
from planner.solver import HighsSession
from tests.test_frontier import three_sources
from tests.test_hand_solved import CASES
from tests.workbooks import write_workbook

ROOT = Path(__file__).resolve().parents[1]
CASE_SHEETS = {case.id: case.values[0] for case in CASES}

# family -> the hand-solved case (tests/test_hand_solved.py) where that family decides the answer
BINDING_CASES = {
    "supply_capacity": "supply_capacity",
    "refining_balance": "refining_yield",
    "refining_capacity": "refining_capacity",
    "dispatch": "dispatch",
    "market_balance": "market_balance",
    "reserve_target": "reserve_min_days_half_years",
    "stage_total": "share_star_max",
    "share_max": "share_country_max",
    "share_min": "share_min",
}
# Families of commands other than solve, with their own binding checks: frontier_cap in
# test_frontier_cap_binds below.
OTHER_FAMILIES = {"frontier_cap"}


def test_every_family_has_a_binding_case():
    data = validate(ROOT / "inputs" / "example.xlsx")
    model = build_model(data, frontier_pairs=(("lithium", "supply"),))
    missing = set(model.rows) - set(BINDING_CASES) - OTHER_FAMILIES
    assert not missing, f"constraint families without a binding case: {sorted(missing)}"


def solved(tmp_path, sheets):
    data = validate(write_workbook(tmp_path / "case.xlsx", sheets))
    model = build_model(data)
    session = HighsSession(model)
    solution = session.solve()
    assert solution.optimal
    return data, model, session, solution


@pytest.mark.parametrize("family, case", sorted(BINDING_CASES.items()))
def test_family_binds_in_its_case(tmp_path, family, case):
    data, model, session, solution = solved(tmp_path, CASE_SHEETS[case])
    rows = model.rows[family].rows
    assert rows, f"case {case} builds no {family} row"
    dual = np.abs(solution.row_dual[rows]).max()
    if dual > 1e-9:
        return
    # A zero dual can hide a binding limit on a degenerate optimum: then the optimum must move without it.
    assert model.rows[family].sense != "==", f"{family}: every dual is 0 in case {case}"
    relaxed = session.solve(numbers_for(model, data, relax=(family,)))
    assert relaxed.objective < solution.objective - 1e-6, f"{family} does not bind in case {case}"


def test_frontier_cap_binds(tmp_path):
    # Three sources at 10, 15 and 20 per t: a 50% cap on any one moves 50 t from the cheapest to the next.
    data = validate(write_workbook(tmp_path / "three.xlsx", three_sources()))
    model = build_model(data, frontier_pairs=(("li", "supply"),))
    session = HighsSession(model)
    session.solve(numbers_for(model, data, relax=("share_max",)))
    session.set_coefficients(model.frontier_cells[("li", "supply")], -0.5)
    capped = session.solve()
    assert capped.objective == pytest.approx(1250)
    assert np.abs(capped.row_dual[model.rows["frontier_cap"].rows]).max() > 1e-9

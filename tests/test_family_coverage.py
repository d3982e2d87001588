"""Every constraint family of the model has a test where it binds (a new family without one fails here)."""

from __future__ import annotations

from pathlib import Path

from planner.api import validate as validate_workbook
from planner.model.build import build_model

ROOT = Path(__file__).resolve().parents[1]

# family -> (test module, the test or case id where that family decides the answer)
BINDING_TESTS = {
    "supply_capacity": ("test_hand_solved.py", "supply_capacity"),
    "refining_balance": ("test_hand_solved.py", "refining_yield"),
    "refining_capacity": ("test_hand_solved.py", "refining_capacity"),
    "dispatch": ("test_hand_solved.py", "dispatch"),
    "market_balance": ("test_hand_solved.py", "market_balance"),
    "reserve_target": ("test_hand_solved.py", "reserve_min_days_half_years"),
    "stage_total": ("test_hand_solved.py", "share_star_max"),
    "share_max": ("test_hand_solved.py", "share_country_max"),
    "share_min": ("test_hand_solved.py", "share_min"),
    "frontier_cap": ("test_frontier.py", "test_hand_solved_curve"),
}


def test_every_family_has_a_binding_test():
    data = validate_workbook(ROOT / "inputs" / "example.xlsx")
    model = build_model(data, frontier_pairs=(("lithium", "supply"),))
    families = set(model.rows)
    missing = families - set(BINDING_TESTS)
    assert not missing, f"constraint families without a binding test: {sorted(missing)}"
    for family, (module, name) in BINDING_TESTS.items():
        text = (ROOT / "tests" / module).read_text(encoding="utf-8")
        assert f'id="{name}"' in text or f"def {name}(" in text, f"{family}: {module} has no {name}"

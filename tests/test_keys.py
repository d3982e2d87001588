"""Named keys and records: the input's records read by name, and every model family's key declared once.

The values checked are the example workbook's own cells (sheet supply: lithium AUS 90 t at 5,200,
and 120 t at 5,100 in 2028; refining: lithium AUS yield 0.9; reserve_targets: graphite EU 0 t and 30
days, 20 t and 45 days in 2028).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from planner.api import validate as validate_workbook
from planner.input.data import Budget, Byproduct, MarketKey, RefiningTerms, ScenarioRow, SiteKey, Target, Terms
from planner.input.scenarios import apply_rows
from planner.model.build import build_model, numbers_for
from planner.model.keys import FAMILY_KEYS, named

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "inputs" / "example.xlsx"
DATASET = ROOT / "inputs" / "critical-minerals-2026.xlsx"


@pytest.fixture(scope="module")
def example():
    return validate_workbook(EXAMPLE)


def test_input_records_read_by_name(example):
    assert example.supply[("lithium", "AUS", "2026")] == Terms(capacity=90.0, cost=5200.0)
    assert example.supply[("lithium", "AUS", "2028")].capacity == 120.0  # the 2028 row overrides the blank one
    assert example.supply[("lithium", "AUS", "2028")].cost == 5100.0
    assert example.refining[("lithium", "AUS", "2027")] == RefiningTerms(capacity=40.0, cost=2600.0, yield_=0.9)
    assert example.targets[("graphite", "EU", "2026")] == Target(min_stock=0.0, min_days=30.0)
    assert example.targets[("graphite", "EU", "2028")] == Target(min_stock=20.0, min_days=45.0)
    key = next(iter(example.supply))
    assert isinstance(key, SiteKey) and (key.mineral, key.site, key.period) == ("cobalt", "AUS", "2026")
    assert all(isinstance(k, MarketKey) for k in example.targets)


def test_a_scenario_scales_the_field_it_names(example):
    halved = apply_rows(example, [ScenarioRow(2, "supply_capacity", 0.5, "lithium", "AUS", None)])
    assert halved.supply[("lithium", "AUS", "2028")] == Terms(capacity=60.0, cost=5100.0)
    dearer = apply_rows(example, [ScenarioRow(2, "refining_cost", 2.0, "lithium", "AUS", "2027")])
    assert dearer.refining[("lithium", "AUS", "2027")] == RefiningTerms(capacity=40.0, cost=5200.0, yield_=0.9)
    assert dearer.refining[("lithium", "AUS", "2026")].cost == 2600.0


def _every_family(data):
    """The dataset with what it lacks for the remaining families: stock bought up front under a budget,
    and a by-product mined with its host."""
    (m, d), reserve = next(iter(data.reserves.items()))
    mined = {}
    for (mineral, country, _t) in data.supply:
        mined.setdefault(country, set()).add(mineral)
    country, pair = next((c, sorted(ms)) for c, ms in sorted(mined.items()) if len(ms) > 1)
    return dataclasses.replace(
        data,
        reserves={**data.reserves, (m, d): dataclasses.replace(reserve, purchase_price=100.0)},
        budgets=[Budget(2, "vault", 1e9, None, None)],
        byproducts=[Byproduct(2, pair[0], pair[1], 0.5, (country,), data.periods)],
    )


def test_every_family_has_one_declared_key_shape_mineral_first_period_last():
    data = _every_family(validate_workbook(DATASET))
    model = build_model(data, frontier_pairs=((next(iter(data.minerals)), "supply"),), spot=True)
    made = {"col": model.columns, "row": model.rows}
    for kind, families in made.items():
        assert set(families) == set(FAMILY_KEYS[kind]), kind  # every family declared, none declared in vain
        for name, family in families.items():
            shape = FAMILY_KEYS[kind][name]
            for key in family.keys:
                assert len(key) == len(shape._fields), (kind, name, key)
                key = named(kind, name, key)
                assert type(key) is shape
                if "mineral" in shape._fields:
                    assert key.mineral in data.minerals, (kind, name, key)
                if "period" in shape._fields:
                    assert key.period in data.periods, (kind, name, key)
    # Column keys: the mineral first and the period last, which col_minerals and col_periods read.
    for name, family in model.columns.items():
        assert FAMILY_KEYS["col"][name]._fields[0] == "mineral" and FAMILY_KEYS["col"][name]._fields[-1] == "period"
    cells = model.coefficients["project_capacity"].keys
    assert cells and all(data.project_terms[(c.project, c.period)].capacity > 0 for c in cells)
    # A plain tuple finds the row a named key made, and the numbers of a scenario come from the named records.
    assert numbers_for(model, data).row_rhs[model.rows["supply_capacity"].rows[0]] == \
        data.supply[tuple(model.rows["supply_capacity"].keys[0])].capacity

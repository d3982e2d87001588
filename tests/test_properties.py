"""Properties any correct planner has, checked on the example with hypothesis-chosen perturbations."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from planner.api import validate as validate_workbook
from planner.input.data import Mineral, Reserve, Route
from planner.input.scenarios import apply_scenario
from planner.model.build import build_model
from planner.solver import HighsSession

EXAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "example.xlsx"
DATA = validate_workbook(EXAMPLE)
SCENARIOS = ["base", *DATA.scenarios]


def optimum(data) -> float:
    solution = HighsSession(build_model(data)).solve()
    assert solution.status == "Optimal"
    return solution.objective


def scaled_costs(data, k: float):
    """Every cost, price and penalty times k (so tariffs, which are rates of prices, scale too)."""
    return dataclasses.replace(
        data,
        supply={key: terms._replace(cost=terms.cost * k) for key, terms in data.supply.items()},
        refining={key: terms._replace(cost=terms.cost * k) for key, terms in data.refining.items()},
        routes={key: Route(r.cost * k, r.tariff_rate, r.allowed, r.row) for key, r in data.routes.items()},
        minerals={m: Mineral(i.name, None if i.raw_price is None else i.raw_price * k,
                             None if i.refined_price is None else i.refined_price * k, i.unmet_penalty * k)
                  for m, i in data.minerals.items()},
        reserves={key: Reserve(r.initial_stock, r.max_stock, r.holding_cost * k, r.shortfall_penalty * k)
                  for key, r in data.reserves.items()},
    )


@settings(max_examples=8, deadline=None)
@given(k=st.floats(0.01, 100), scenario=st.sampled_from(SCENARIOS))
def test_scaling_every_cost_scales_the_objective(k, scenario):
    data = apply_scenario(DATA, scenario)
    assert optimum(scaled_costs(data, k)) == pytest.approx(k * optimum(data), rel=1e-6)


@settings(max_examples=8, deadline=None)
@given(extra=st.floats(0.0, 2.0), scenario=st.sampled_from(SCENARIOS), stage=st.sampled_from(["supply", "refining"]))
def test_more_capacity_never_raises_cost(extra, scenario, stage):
    data = apply_scenario(DATA, scenario)
    table = getattr(data, stage)
    more = dataclasses.replace(data, **{stage: {k: v._replace(capacity=v.capacity * (1 + extra))
                                                for k, v in table.items()}})
    assert optimum(more) <= optimum(data) * (1 + 1e-9)


@settings(max_examples=8, deadline=None)
@given(extra=st.floats(0.0, 1.0), scenario=st.sampled_from(SCENARIOS))
def test_more_demand_never_lowers_cost(extra, scenario):
    data = apply_scenario(DATA, scenario)
    more = dataclasses.replace(data, demand={k: v * (1 + extra) for k, v in data.demand.items()})
    assert optimum(more) >= optimum(data) * (1 - 1e-9)


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_shuffled_rows_change_nothing(tmp_path_factory, seed):
    from planner.cli import main

    tmp = tmp_path_factory.mktemp("shuffle")
    wb = load_workbook(EXAMPLE)
    rng = random.Random(seed)
    for ws in wb.worksheets:
        if ws.title == "periods":  # period order is meaningful: periods run in sheet order
            continue
        rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
        rng.shuffle(rows)
        for i, row in enumerate(rows, start=2):
            for j, value in enumerate(row, start=1):
                ws.cell(i, j).value = value
    shuffled = tmp / "shuffled.xlsx"
    wb.save(shuffled)
    outs = []
    for name, inp in (("a", EXAMPLE), ("b", shuffled)):
        out = tmp / f"{name}.xlsx"
        assert main(["solve", str(inp), "-o", str(out), "-q"]) == 0
        outs.append(pd.read_excel(out, sheet_name="Scenarios").set_index("scenario")["total_cost"].sort_index())
    pd.testing.assert_series_equal(outs[0], outs[1], rtol=1e-9)

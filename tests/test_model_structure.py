"""The model as built: PuLP's problem and the arrays handed to HiGHS are the same LP; solvers agree."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pulp
import pytest

from planner.api import validate_workbook
from planner.model import _pulp_compat as compat
from planner.model.build import build_model, numbers_for
from planner.scenarios import apply_scenario, scenario_names
from planner.solve import CbcSession, HighsSession

EXAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "example.xlsx"


@pytest.fixture(scope="module")
def example():
    data = validate_workbook(EXAMPLE)
    return data, build_model(data)


def test_arrays_equal_pulp_constraints(example):
    data, model = example
    col = {v.name: i for i, v in enumerate(model.variables)}
    starts, index, value = model.matrix()
    constraints = [c for fam in model.rows.values() for c in fam.constraints]
    rows = [r for fam in model.rows.values() for r in fam.rows]
    assert sorted(rows) == list(range(model.num_rows)) == list(range(len(compat.constraints(model.prob))))
    sense = {pulp.LpConstraintLE: "<=", pulp.LpConstraintGE: ">=", pulp.LpConstraintEQ: "=="}
    for row, c in zip(rows, constraints):
        got = {int(j): float(a) for j, a in zip(index[starts[row]:starts[row + 1]], value[starts[row]:starts[row + 1]])}
        want = {col[v.name]: float(a) for v, a in c.items()}
        assert got == want, c.name
        assert model.row_rhs[row] == pytest.approx(-c.constant)
        assert model.row_sense[row] == sense[c.sense]
    for i, v in enumerate(model.variables):
        assert v.lowBound == model.col_lower[i] == 0
        assert (v.upBound is None and math.isinf(model.col_upper[i])) or v.upBound == model.col_upper[i]
    objective = {col[v.name]: a for v, a in model.prob.objective.items()}
    assert objective == {i: float(model.col_cost[i]) for i in np.flatnonzero(model.col_cost)}


def test_names_are_unique_and_safe(example):
    _data, model = example
    names = [v.name for v in model.variables]
    assert len(set(names)) == len(names)
    assert all(" " not in n and "-" not in n for n in names)


def test_renumbering_equals_a_fresh_build_for_every_scenario(example):
    data, model = example
    session = HighsSession(model)
    for name in scenario_names(data):
        scenario = apply_scenario(data, name)
        warm = session.solve(numbers_for(model, scenario))
        fresh_model = build_model(scenario)
        cold = HighsSession(fresh_model).solve()
        assert warm.status == cold.status == "Optimal"
        assert warm.objective == pytest.approx(cold.objective, rel=1e-9)
        assert fresh_model.num_cols == model.num_cols and fresh_model.num_rows == model.num_rows


def test_cbc_is_installed():
    # pulp[cbc] is a dependency: CBC must be there on PuLP 3.3 (bundled) and PuLP 4 (cbcbox).
    assert compat.cbc_command() is not None


def test_cbc_and_highs_agree(example):
    data, _model = example
    for name in scenario_names(data):
        scenario = apply_scenario(data, name)
        highs = HighsSession(build_model(scenario)).solve()
        cbc = CbcSession(build_model(scenario)).solve()
        assert cbc.status == "Optimal"
        assert cbc.objective == pytest.approx(highs.objective, rel=1e-7)


def test_cbc_setting_end_to_end(tmp_path):
    from openpyxl import load_workbook

    from planner.cli import main

    wb = load_workbook(EXAMPLE)
    ws = wb["settings"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "solver":
            row[1].value = "cbc"
    inp = tmp_path / "cbc.xlsx"
    wb.save(inp)
    out_cbc, out_highs = tmp_path / "cbc-plan.xlsx", tmp_path / "highs-plan.xlsx"
    assert main(["solve", str(inp), "-o", str(out_cbc), "-q"]) == 0
    assert main(["solve", str(EXAMPLE), "-o", str(out_highs), "-q"]) == 0
    import pandas as pd

    a = pd.read_excel(out_cbc, sheet_name="Scenarios")["total_cost"]
    b = pd.read_excel(out_highs, sheet_name="Scenarios")["total_cost"]
    assert a.to_numpy() == pytest.approx(b.to_numpy(), rel=1e-7)
    assert pd.read_excel(out_cbc, sheet_name="Run info").set_index("item").loc["solver", "value"] == "cbc"

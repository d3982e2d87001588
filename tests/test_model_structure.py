"""The model as built: PuLP's problem and the arrays handed to HiGHS are the same LP; solvers agree."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pulp
import pytest

from planner.api import validate as validate_workbook
from planner.input.scenarios import apply_scenario, scenario_names
from planner.model import pulp_export as compat
from planner.model.build import build_model, numbers_for
from planner.model.pulp_export import to_pulp, write_model
from planner.solver import CbcSession, HighsSession

EXAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "example.xlsx"


@pytest.fixture(scope="module")
def example():
    data = validate_workbook(EXAMPLE)
    return data, build_model(data)


def test_pulp_problem_equals_the_arrays(example):
    # The arrays are the model HiGHS solves; the PuLP problem (for CBC and LP/MPS exports) is made from them.
    _data, model = example
    problem = to_pulp(model)
    col = {v.name: i for i, v in enumerate(problem.variables)}
    starts, index, value = model.matrix()
    assert len(compat.constraints(problem.prob)) == model.num_rows == len(problem.constraints)
    sense = {pulp.LpConstraintLE: "<=", pulp.LpConstraintGE: ">=", pulp.LpConstraintEQ: "=="}
    for row, c in enumerate(problem.constraints):
        got = {int(j): float(a) for j, a in zip(index[starts[row]:starts[row + 1]], value[starts[row]:starts[row + 1]])}
        want = {col[v.name]: float(a) for v, a in c.items()}
        assert got == want, c.name
        assert model.row_rhs[row] == pytest.approx(-c.constant)
        assert model.row_sense[row] == sense[c.sense]
    for i, v in enumerate(problem.variables):
        assert v.lowBound == model.col_lower[i] == 0
        assert (v.upBound is None and math.isinf(model.col_upper[i])) or v.upBound == model.col_upper[i]
    objective = {col[v.name]: a for v, a in problem.prob.objective.items()}
    assert objective == {i: float(model.col_cost[i]) for i in np.flatnonzero(model.col_cost)}


def test_names_are_unique_and_safe(example):
    _data, model = example
    problem = to_pulp(model)  # PuLP 4's variables live only as long as their problem: keep it
    names = [v.name for v in problem.variables]
    assert len(set(names)) == len(names) == model.num_cols
    assert all(" " not in n and "-" not in n for n in names)


@pytest.mark.parametrize("suffix", [".lp", ".mps"])
def test_exported_model_solves_to_the_same_optimum(example, tmp_path, suffix):
    # An LP or MPS file of the model, read by a fresh HiGHS, gives the optimum the arrays give.
    import highspy

    _data, model = example
    path = tmp_path / f"model{suffix}"
    write_model(model, str(path))
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(HighsSession(model).solve().objective, rel=1e-9)


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


def test_cbc_and_highs_agree_with_projects_and_a_mineral_with_nothing(tmp_path):
    """CBC re-solves after setting a project's capacity coefficients (PuLP 3.3 keeps a constraint's
    terms in ``expr``: setting them on the constraint was a TypeError, exit 3); and a mineral listed
    with no data at all is a block with nothing in it, optimal at 0 (HiGHS calls it "Empty")."""
    import pandas as pd

    from planner.cli import main
    from tests.bad_workbooks import base_sheets, set_cell
    from tests.workbooks import write_workbook

    sheets = base_sheets()
    assert len(sheets["projects"]) > 1
    sheets["minerals"].append(["Ga"])
    highs_in = write_workbook(tmp_path / "highs.xlsx", sheets)
    settings_row = len(sheets["settings"])
    sheets["settings"].append([None, None])
    set_cell(sheets, "settings", settings_row + 1, "key", "solver")
    set_cell(sheets, "settings", settings_row + 1, "value", "cbc")
    cbc_in = write_workbook(tmp_path / "cbc.xlsx", sheets)
    totals = []
    for inp in (highs_in, cbc_in):
        out = tmp_path / f"{inp.stem}-plan.xlsx"
        assert main(["solve", str(inp), "-o", str(out), "-q"]) == 0
        totals.append(pd.read_excel(out, sheet_name="Scenarios")["total_cost"].to_numpy())
        minerals = pd.read_excel(out, sheet_name="Scenario minerals")
        ga = minerals[minerals["mineral"] == "Ga"]
        assert len(ga) and (ga["mineral_cost"].fillna(0) == 0).all()  # nothing to plan: blank or 0
    assert totals[1] == pytest.approx(totals[0], rel=1e-7)


# Sizes of the models these workbooks built before version 2 existed (planner at tag pre-v2): a workbook
# that uses no version 2 feature must build exactly the same model, columns, rows and nonzeros.
SIZES_BEFORE_VERSION_2 = {
    ("example", False): (168, 157, 426),
    ("example", True): (222, 157, 555),
    ("small", False): (631, 409, 2044),
    ("small", True): (977, 409, 3330),
    ("medium", False): (21201, 6254, 70815),
    ("medium", True): (37083, 6254, 127409),
}


@pytest.mark.parametrize("workbook, spot", sorted(SIZES_BEFORE_VERSION_2))
def test_a_workbook_without_version_2_features_builds_the_same_model(tmp_path, workbook, spot):
    from benchmarks.generate import generate_preset

    path = EXAMPLE if workbook == "example" else generate_preset(tmp_path / f"{workbook}.xlsx", workbook, 1, version=1)
    model = build_model(validate_workbook(path), spot=spot)
    assert (model.num_cols, model.num_rows, model.num_nonzeros) == SIZES_BEFORE_VERSION_2[(workbook, spot)]


def test_export_command_writes_a_scenario_model_another_solver_reads(tmp_path, capsys):
    # `planner export --scenario` writes that scenario's LP: a fresh HiGHS reading it finds the cost the
    # planner reports for the scenario, not the base plan's.
    import highspy
    import pandas as pd

    from planner.cli import main

    plan = tmp_path / "plan.xlsx"
    assert main(["solve", str(EXAMPLE), "-o", str(plan), "-q", "--no-explain"]) == 0
    costs = pd.read_excel(plan, sheet_name="Scenarios").set_index("scenario")["total_cost"]
    scenario = costs.index[1]
    path = tmp_path / "scenario.mps"
    assert main(["export", str(EXAMPLE), str(path), "--scenario", scenario]) == 0
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(costs[scenario], rel=1e-9)
    assert costs[scenario] != pytest.approx(costs["base"], rel=1e-6)
    assert main(["export", str(EXAMPLE), str(tmp_path / "x.lp"), "--scenario", "nope"]) == 2
    assert "is not on sheet 'scenarios'" in capsys.readouterr().err
    assert main(["export", str(EXAMPLE), str(tmp_path / "x.txt")]) == 2

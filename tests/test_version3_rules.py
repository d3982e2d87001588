"""Version 3 by hand: projects built together (projects.requires), named rules (shares.rule), by-products.

Every case has its optimum worked out in the comment above it, and every solved plan goes through the
independent checker (tests/checks.py), which recomputes each limit from the written plan.
"""

from __future__ import annotations

import pandas as pd
import pytest

from planner.cli import main
from tests.checks import check_plan
from tests.workbooks import table, write_workbook


def run(tmp_path, sheets, command="solve", *args) -> dict[str, pd.DataFrame]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    inp = write_workbook(tmp_path / "in.xlsx", sheets)
    out = tmp_path / f"{command}.xlsx"
    assert main([command, str(inp), "-o", str(out), "-q", *args]) == 0
    if command == "solve":
        check_plan(inp, out)
    return pd.read_excel(out, sheet_name=None)


def refused(tmp_path, capsys, sheets, *needles):
    inp = write_workbook(tmp_path / "in.xlsx", sheets)
    assert main(["validate", str(inp)]) == 2
    err = capsys.readouterr().err
    for needle in needles:
        assert needle in err, err


def cost(out, scenario="base") -> float:
    return float(out["Scenarios"].set_index("scenario").loc[scenario, "total_cost"])


# --- projects built together ---------------------------------------------------------------------------


def mine_and_refinery(requires="KOR refinery"):
    # li for KOR, 100 t in 2026 and in 2027. AUS mines up to 100 t at 50/t; AUS refines at 2/t. A KOR mine
    # (100 t at 5/t, fixed 1/t a year) and a KOR refinery (100 t at 2/t, fixed 20/t a year, from 2027).
    return {
        "minerals": table("mineral, unmet_penalty", ("li", 1000)),
        "periods": table("period", (2026,), (2027,)),
        "countries": table("country", ("AUS",), ("KOR",)),
        "supply": table("mineral, country, capacity, cost", ("li", "AUS", 100, 50)),
        "refining": table("mineral, country, capacity, cost", ("li", "AUS", 1000, 2)),
        "demand": table("mineral, market, period, demand", ("li", "KOR", 2026, 100), ("li", "KOR", 2027, 100)),
        "projects": table("project, stage, mineral, country, capacity, cost, fixed_cost, first_period, requires",
                          ("KOR mine", "supply", "li", "KOR", 100, 5, 1, None, requires),
                          ("KOR refinery", "refining", "li", "KOR", 100, 2, 20, 2027, None)),
    }


def test_a_mine_waits_for_the_refinery_it_requires(tmp_path):
    # Alone, the mine is built in 2026 (it saves 45/t against 1/t a year) and the refinery never (it saves
    # nothing against 20/t a year): 2 x (100 x 5 + 100 x 2 + 100) = 1,600. Requiring the refinery, the mine
    # cannot stand before 2027: 2026 from AUS, 100 x 52 = 5,200; in 2027 both are built (the mine saves 4,400 a
    # year, the refinery costs 2,000): 100 x 7 + 100 + 2,000 = 2,800. Total 8,000.
    assert cost(run(tmp_path / "alone", mine_and_refinery(None))) == pytest.approx(1600)
    out = run(tmp_path / "together", mine_and_refinery())
    assert cost(out) == pytest.approx(8000)
    built = out["Investments"].set_index("project")
    assert built.loc["KOR mine", "period"] == 2027 and built.loc["KOR refinery", "period"] == 2027
    assert list(built["fraction_built"]) == pytest.approx([1.0, 1.0])


def test_a_requirement_ties_the_hedges_builds_too(tmp_path):
    # The hedge shares the builds; the requirement holds for the shared builds: 8,000 as above (no scenario).
    out = run(tmp_path, mine_and_refinery(), "hedge")
    assert float(out["Summary"].set_index("item").loc["expected_cost", "value"]) == pytest.approx(8000)


@pytest.mark.parametrize("requires, needle", [
    ("KOR smelter", "projects!I2  column 'requires': got 'KOR smelter'; expected a project on sheet 'projects'"),
    ("KOR mine", "projects!I2  column 'requires': got 'KOR mine', the project itself"),
])
def test_a_requirement_must_name_another_project(tmp_path, capsys, requires, needle):
    refused(tmp_path, capsys, mine_and_refinery(requires), needle)


def test_a_loop_of_requirements_is_refused(tmp_path, capsys):
    sheets = mine_and_refinery()
    sheets["projects"] = table("project, stage, mineral, country, capacity, cost, fixed_cost, requires",
                               ("KOR mine", "supply", "li", "KOR", 100, 5, 1, "KOR refinery"),
                               ("KOR refinery", "refining", "li", "KOR", 100, 2, 20, "KOR mine"))
    refused(tmp_path, capsys, sheets, "closes a loop of requirements: KOR mine -> KOR refinery -> KOR mine")

"""planner frontier: exact costs on a hand-solved case, monotone curves, agreement with separate solves."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from planner.cli import main
from tests.workbooks import table, write_workbook

EXAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "example.xlsx"


def three_sources():
    # A 10/t, B 15/t, C 20/t, 100 t each; EU needs 100 t; refining in CHN is free.
    return {
        "minerals": table("mineral, unmet_penalty", ("li", 1000)),
        "countries": table("country", ("AAA",), ("BBB",), ("CCC",), ("CHN",)),
        "periods": table("period", (2026,)),
        "supply": table("mineral, country, capacity, cost",
                        ("li", "AAA", 100, 10), ("li", "BBB", 100, 15), ("li", "CCC", 100, 20)),
        "refining": table("mineral, country, capacity, cost", ("li", "CHN", 1000, 0)),
        "demand": table("mineral, market, period, demand", ("li", "EU", 2026, 100)),
        # The workbook's own limit is switched off during the sweep.
        "shares": table("stage, scope, max_share", ("supply", "*", 0.9)),
    }


def frontier(tmp_path, inp, *args):
    out = tmp_path / "frontier.xlsx"
    assert main(["frontier", str(inp), "-o", str(out), "-q", *args]) == 0
    return pd.read_excel(out, sheet_name="Frontier")


def test_hand_solved_curve(tmp_path):
    inp = write_workbook(tmp_path / "in.xlsx", three_sources())
    curve = frontier(tmp_path, inp, "--stage", "supply", "--step", "0.1")
    # cap >= 0.5: A = 100 cap, B the rest: 1000 cap + 1500 (1 - cap) = 1500 - 500 cap.
    # 1/3 <= cap <= 0.5: A = B = 100 cap, C the rest: 2500 cap + 2000 (1 - 2 cap) = 2000 - 1500 cap.
    # The last point is the floor 1/3 (three countries can supply): 1500.
    expected = {1.0: 1000, 0.9: 1050, 0.8: 1100, 0.7: 1150, 0.6: 1200, 0.5: 1250, 0.4: 1400, 1 / 3: 1500}
    assert list(curve["max_share"]) == pytest.approx(list(expected))
    assert list(curve["mineral_cost"]) == pytest.approx(list(expected.values()))
    assert list(curve["extra_cost"]) == pytest.approx([v - 1000 for v in expected.values()])
    # Tightening from 0.5 to 0.4 (10 points) costs 150: 15 per point.
    assert curve.set_index("max_share").loc[0.4, "extra_cost_per_point"] == pytest.approx(15)
    assert (curve["unmet_tonnes"] == 0).all()
    assert list(curve["largest_share"]) == pytest.approx([1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 1 / 3])


@pytest.mark.parametrize("cap", [0.6, 0.4])
def test_curve_matches_a_separate_solve(tmp_path, cap):
    sheets = three_sources()
    curve = frontier(tmp_path, write_workbook(tmp_path / "in.xlsx", sheets), "--stage", "supply", "--step", "0.1")
    sheets["shares"] = table("stage, scope, max_share", ("supply", "*", cap))
    inp = write_workbook(tmp_path / "capped.xlsx", sheets)
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(inp), "-o", str(out), "-q"]) == 0
    total = pd.read_excel(out, sheet_name="Summary").set_index("item").loc["total_cost", "value"]
    assert curve.set_index("max_share").loc[cap, "mineral_cost"] == pytest.approx(total)


def test_example_curves_never_fall_and_match_separate_solves(tmp_path):
    curve = frontier(tmp_path, EXAMPLE, "--step", "0.1")
    assert (curve["status"] == "Optimal").all()
    for (_m, _s), group in curve.groupby(["mineral", "stage"]):
        costs = group["mineral_cost"].to_numpy()
        assert (costs[1:] >= costs[:-1] - 1e-6 * costs.max()).all(), group
        assert group["max_share"].is_monotonic_decreasing
        assert (group["largest_share"] <= group["max_share"] + 1e-7).all()
    # Cobalt refining capped at 60% solved on its own, with the workbook's other limits removed.
    for cap in (0.9, 0.6):
        wb = load_workbook(EXAMPLE)
        del wb["shares"]
        ws = wb.create_sheet("shares")
        for row in table("stage, scope, mineral, max_share", ("refining", "*", "cobalt", cap)):
            ws.append(row)
        inp = tmp_path / f"cobalt-{cap}.xlsx"
        wb.save(inp)
        out = tmp_path / f"plan-{cap}.xlsx"
        assert main(["solve", str(inp), "-o", str(out), "-q"]) == 0
        minerals = pd.read_excel(out, sheet_name="Scenario minerals")
        cost = minerals[(minerals["scenario"] == "base") & (minerals["mineral"] == "cobalt")]["mineral_cost"].iloc[0]
        point = curve[(curve["mineral"] == "cobalt") & (curve["stage"] == "refining")
                      & (curve["max_share"].round(6) == cap)]
        assert point["mineral_cost"].iloc[0] == pytest.approx(cost, rel=1e-9)


def test_unknown_mineral_is_a_usage_error(tmp_path, capsys):
    out = tmp_path / "f.xlsx"
    assert main(["frontier", str(EXAMPLE), "--mineral", "unobtainium", "-o", str(out), "-q"]) == 2
    assert "unobtainium" in capsys.readouterr().err
    assert not out.exists()

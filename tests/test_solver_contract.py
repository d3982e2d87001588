"""What a solve, an export and a validation promise, whichever solver, PuLP line or entry point runs them.

- CBC's stop within the planner's own MIP gap is an optimum, on PuLP 3.3 and PuLP 4 alike (a published
  facility-location optimum under ``solver = cbc``).
- ``planner export`` writes every workbook as LP and as MPS: names too long for the formats are shortened
  deterministically, and ``MODEL.names.csv`` maps every name in the file back to its family and key.
- ``planner.validate`` and ``planner validate`` refuse the same workbooks with the same problems.
- ``frontier`` and ``hedge`` solve with the solver the settings sheet names.
"""

from __future__ import annotations

import csv
import runpy
from pathlib import Path

import pandas as pd
import pulp
import pytest

import planner
from planner.cli import main
from planner.errors import InputError
from planner.model import pulp_export
from tests.test_frontier import three_sources
from tests.test_version2 import LI, P1, hedge_book
from tests.workbooks import table, write_workbook

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "inputs" / "critical-minerals-2026.xlsx"
CAP41 = Path("/work/shared/benchmark-data/cap41_data.py")


def with_solver(sheets: dict, solver: str) -> dict:
    return {**sheets, "settings": table("key, value", ("solver", solver))}


# --- CBC: a stop within the planner's gap is an optimum -------------------------------------------------------


def cap_workbook(path: Path, instance: dict, solver: str) -> Path:
    """An OR-Library capacitated warehouse location instance as a planning workbook.

    Warehouse i is an all-or-nothing refinery project in country W<i> (capacity CAPACITY[i], fixed cost
    FIXED[i] = fixed_cost x capacity x 1 year); customer j is market C<j> with demand DEMAND[j]; serving it
    from i costs COST[j][i] for all of its demand, so the delivery route W<i> -> C<j> costs COST[j][i] /
    DEMAND[j] per t. One mine (SRC) feeds every site at no cost. Demand may be split between sites (the
    OR-Library cap problem), and leaving it unmet costs far more than any site's route.
    """
    sites = [f"W{i:02d}" for i in range(len(instance["CAPACITY"]))]
    customers = [f"C{j:02d}" for j in range(len(instance["DEMAND"]))]
    demand = instance["DEMAND"]
    return write_workbook(path, {
        "minerals": table("mineral, unmet_penalty", ("good", 1e4)),
        "countries": table("country", ("SRC",), *[(w,) for w in sites]),
        "periods": table("period", (1,)),
        "supply": table("mineral, country, period, capacity, cost", ("good", "SRC", 1, sum(demand), 0)),
        "refining": table("mineral, country, period, capacity, cost", *[("good", w, 1, 0, 0) for w in sites]),
        "demand": table("mineral, market, period, demand", *[("good", c, 1, d) for c, d in zip(customers, demand)]),
        "routes": table("stage, from, to, mineral, cost",
                        *[("delivery", w, c, "good", instance["COST"][j][i] / demand[j])
                          for j, c in enumerate(customers) for i, w in enumerate(sites)]),
        "projects": table("project, stage, mineral, country, capacity, cost, fixed_cost, integer",
                          *[(f"site {w}", "refining", "good", w, cap, 0, fixed / cap, True)
                            for w, cap, fixed in zip(sites, instance["CAPACITY"], instance["FIXED"])]),
        "settings": table("key, value", ("solver", solver)),
    })


@pytest.mark.skipif(not CAP41.exists(), reason="the OR-Library benchmark data is not on this machine")
def test_cbc_finds_the_published_optimum_of_orlib_cap41(tmp_path, capsys):
    """cap41 (16 sites, 50 customers): CBC stops on its gap test ("Optimal (within gap tolerance)"),
    which PuLP 4 reports as GapLimit; with the gap at the planner's 1e-9 that is the optimum,
    1,040,444.375 as published (Beasley 1988), and the plan is Optimal with exit 0."""
    inp = cap_workbook(tmp_path / "cap41.xlsx", runpy.run_path(str(CAP41)), "cbc")
    out = tmp_path / "plan.xlsx"
    rc = main(["solve", str(inp), "-o", str(out), "-q", "--no-explain"])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "GapLimit" not in err
    scenarios = pd.read_excel(out, sheet_name="Scenarios").set_index("scenario")
    assert scenarios.loc["base", "status"] == "Optimal"
    assert scenarios.loc["base", "total_cost"] == pytest.approx(1_040_444.375, rel=1e-9)
    assert pd.read_excel(out, sheet_name="Unmet").empty
    assert pd.read_excel(out, sheet_name="Run info").set_index("item").loc["solver", "value"] == "cbc"


class _Stats:
    """What PuLP 4's ``prob.solve`` returns (an ``LpSolveStats``), with only the fields read."""

    def __init__(self, status: str, has_solution: bool, objective=None, best_bound=None):
        self.status = getattr(pulp.LpSolveStatus, status)
        self.has_solution = has_solution
        self.objective = objective
        self.best_bound = best_bound


class _Solved:
    def __init__(self, stats):
        self.stats = stats

    def solve(self, command):
        return self.stats


@pytest.mark.skipif(not pulp_export.PULP_4, reason="PuLP 3.3 reports CBC's gap stop as Optimal itself")
@pytest.mark.parametrize("stats, expected", [
    # Within the command's gap (1e-9 of the objective): the optimum.
    (("GapLimit", True, 1_000_000.0, 1_000_000.0 - 5e-4), "Optimal"),
    (("GapLimit", True, 1_040_444.3749994438, 1_040_444.374999872), "Optimal"),
    (("GapLimit", True, 12.0, None), "Optimal"),  # no bound in the log: CBC's own gap test stands
    # A gap 1,000 times the command's is not an optimum, and no solution is not one either.
    (("GapLimit", True, 1_000_000.0, 1_000_000.0 - 1.0), "Not solved: stopped at a relative gap of 1e-06, "
                                                              "above the 1e-09 asked"),
    (("GapLimit", False), "Not solved: GapLimit"),
    (("Optimal", False), "Not solved"),
    (("TimeLimit", True, 5.0, 4.0), "Time limit reached"),
])
def test_pulp4_gap_stop_is_optimal_within_the_commands_gap(stats, expected):
    assert pulp_export.solve(_Solved(_Stats(*stats)), pulp_export.cbc_command()) == expected


# --- export: every workbook, as LP and as MPS ---------------------------------------------------------------------

# Two minerals whose names differ only after their first 200 characters: every variable and row name is
# longer than PuLP's LP limit (100) and CPLEX's (255), and cut short they would clash.
LONG = "lithium hydroxide monohydrate, battery grade (" + "x" * 160 + ")"
MINERAL_A, MINERAL_B = LONG + " lot A", LONG + " lot B"
MARKET = "USA_" + "BATTERY_CELL_MAKERS_" * 8


def long_names_book() -> dict:
    # Each mineral: mined in AUS at 10/t, refined in USA at 5/t, the market needs 100 t (A) and 40 t (B):
    # 100 x 15 + 40 x 15 = 2,100.
    return {
        "minerals": table("mineral, unmet_penalty", (MINERAL_A, 1000), (MINERAL_B, 1000)),
        "countries": table("country", ("AUS",), ("USA",)),
        "periods": table("period", (2026,)),
        "supply": table("mineral, country, capacity, cost", (MINERAL_A, "AUS", 1000, 10), (MINERAL_B, "AUS", 1000, 10)),
        "refining": table("mineral, country, capacity, cost", (MINERAL_A, "USA", 1000, 5), (MINERAL_B, "USA", 1000, 5)),
        "demand": table("mineral, market, period, demand", (MINERAL_A, MARKET, 2026, 100), (MINERAL_B, MARKET, 2026, 40)),
    }


def read_back(path: Path):
    """A fresh HiGHS holding the exported file, solved."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    h.setOptionValue("mip_rel_gap", 1e-9)
    h.run()
    return h


def read_names(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("suffix", [".lp", ".mps"])
def test_export_shortens_long_names_and_maps_them_back(tmp_path, capsys, suffix):
    inp = write_workbook(tmp_path / "long.xlsx", long_names_book())
    run = planner.solve(inp, explain=False)
    assert run.ok and run.tables["scenarios"].set_index("scenario").loc["base", "total_cost"] == pytest.approx(2100)
    path = tmp_path / f"model{suffix}"
    assert main(["export", str(inp), str(path)]) == 0, capsys.readouterr().err
    h = read_back(path)
    assert h.getInfo().objective_function_value == pytest.approx(2100, rel=1e-12)
    lp = h.getLp()
    file_names = list(lp.col_names_) + list(lp.row_names_)
    assert max(len(n) for n in file_names) <= pulp_export.MAX_NAME_LENGTH
    # Every name in the file, once, with its family and key as the model has them.
    names = read_names(path.with_suffix(".names.csv"))
    assert sorted(r["name"] for r in names) == sorted(file_names)
    assert {r["kind"] for r in names} == {"variable", "constraint"}
    flows = {r["key"]: r["name"] for r in names if r["family"] == "flow"}
    assert set(flows) == {f"{MINERAL_A}, AUS, USA, 2026", f"{MINERAL_B}, AUS, USA, 2026"}
    a, b = flows[f"{MINERAL_A}, AUS, USA, 2026"], flows[f"{MINERAL_B}, AUS, USA, 2026"]
    assert a != b and a.startswith("flow_lithium_hydroxide_monohydrate") and len(a) == pulp_export.MAX_NAME_LENGTH
    # The same workbook gives the same names, whichever run writes them.
    again = tmp_path / f"again{suffix}"
    assert main(["export", str(inp), str(again)]) == 0
    assert read_names(again.with_suffix(".names.csv")) == names


def test_export_of_the_shipped_workbook_as_lp_and_mps(tmp_path, capsys):
    """The shipped workbook's chain-of-custody names (project names twice over) are over PuLP's LP limit:
    exit 3 "Variable names too long" before. Both files now hold the same program as the planner's model."""
    model = planner.build(SHIPPED)
    import highspy

    sizes = []
    for suffix in (".lp", ".mps"):
        path = tmp_path / f"model{suffix}"
        assert main(["export", str(SHIPPED), str(path)]) == 0, capsys.readouterr().err
        assert f"model written to {path}" in capsys.readouterr().out
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        assert h.readModel(str(path)) == highspy.HighsStatus.kOk
        lp = h.getLp()
        sizes.append((lp.num_col_, lp.num_row_, h.getNumNz()))
        names = read_names(path.with_suffix(".names.csv"))
        assert len(names) == model.num_cols + model.num_rows
        assert max(len(n) for n in lp.col_names_) <= pulp_export.MAX_NAME_LENGTH
    assert sizes[0] == sizes[1]
    assert sizes[0][:2] == (model.num_cols, model.num_rows)


# --- validate: one meaning of valid ---------------------------------------------------------------------------------


def tiny_scenario_demand_book() -> dict:
    # Base demand 0.001 t is fine; scenario "tiny" scales it by 1e-5 to 1e-8 t, below HiGHS's feasibility
    # tolerance (1e-7): only the model's numbers check sees it (no single cell is out of range).
    return {
        "minerals": table("mineral, unmet_penalty", ("Li", 1000)),
        "countries": table("country", ("AUS",), ("USA",)),
        "periods": table("period", (2026,)),
        "supply": table("mineral, country, capacity, cost", ("Li", "AUS", 1000, 10)),
        "refining": table("mineral, country, capacity, cost", ("Li", "USA", 1000, 5)),
        "demand": table("mineral, market, period, demand", ("Li", "USA", 2026, 0.001)),
        "scenarios": table("scenario, kind, factor, mineral, country", ("tiny", "demand", 1e-5, "Li", "USA")),
    }


def test_api_validate_refuses_what_the_cli_refuses_with_the_same_issues(tmp_path, capsys):
    inp = write_workbook(tmp_path / "tiny.xlsx", tiny_scenario_demand_book())
    assert main(["validate", str(inp)]) == 2
    cli_report = capsys.readouterr().err.strip()
    assert cli_report.startswith(f"{inp} has 1 problem:")
    assert "in scenario 'tiny' is 1e-08" in cli_report
    with pytest.raises(InputError) as raised:
        planner.validate(inp)
    assert raised.value.report() == cli_report
    # build and export read the workbook through the same validation.
    with pytest.raises(InputError):
        planner.build(inp)
    assert main(["export", str(inp), str(tmp_path / "m.lp")]) == 2
    assert capsys.readouterr().err.strip() == cli_report


# --- frontier and hedge: the settings' solver ----------------------------------------------------------------------


@pytest.fixture
def no_highs(monkeypatch):
    """Any HiGHS solve fails the test: the run must use CBC for every solve."""
    from planner.solver.highs import HighsSession

    def refused(self, numbers=None):
        raise AssertionError("HiGHS solved although the settings ask for cbc")

    monkeypatch.setattr(HighsSession, "solve", refused)


def test_frontier_solves_with_cbc_when_the_settings_say_so(tmp_path, no_highs):
    inp = write_workbook(tmp_path / "in.xlsx", with_solver(three_sources(), "cbc"))
    run = planner.frontier(inp, stages=["supply"], step=0.1)
    assert run.ok and run.report.solver == "cbc"
    curve = run.tables["frontier"]
    # As tests/test_frontier.py's hand-solved curve: 1000 + 50 per 10 points down to 0.5, then 150 per 10 points.
    expected = {1.0: 1000, 0.9: 1050, 0.8: 1100, 0.7: 1150, 0.6: 1200, 0.5: 1250, 0.4: 1400, 1 / 3: 1500}
    assert list(curve["max_share"]) == pytest.approx(list(expected))
    # Within CBC's tolerances (1e-7), as tests/test_model_structure.py compares CBC with HiGHS.
    assert list(curve["mineral_cost"]) == pytest.approx(list(expected.values()), rel=1e-7)


@pytest.mark.parametrize("integer", [False, True])
def test_hedge_solves_with_cbc_when_the_settings_say_so(tmp_path, no_highs, integer):
    # tests/test_version2.py's hand-solved hedge: build the KOR refinery; expected cost 6,210, value 4,870.
    sheets = {"minerals": LI, "periods": P1, **with_solver(hedge_book(0.1, integer), "cbc")}
    run = planner.hedge(write_workbook(tmp_path / "hedge.xlsx", sheets))
    assert run.ok and run.report.solver == "cbc"
    summary = dict(run.outcome.summary)
    assert summary["expected_cost"] == pytest.approx(6210, rel=1e-7)
    assert summary["value_of_hedging"] == pytest.approx(4870, rel=1e-7)


@pytest.mark.parametrize("command", ["frontier", "hedge"])
def test_frontier_and_hedge_cli_with_cbc_exit_0(tmp_path, capsys, command):
    sheets = three_sources() if command == "frontier" else {"minerals": LI, "periods": P1, **hedge_book(0.1, True)}
    inp = write_workbook(tmp_path / "in.xlsx", with_solver(sheets, "cbc"))
    out = tmp_path / "out.xlsx"
    assert main([command, str(inp), "-o", str(out), "-q"]) == 0, capsys.readouterr().err
    assert pd.read_excel(out, sheet_name="Run info").set_index("item").loc["solver", "value"] == "cbc"

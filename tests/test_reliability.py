"""Reliability, second round: what the solver would silently change, and the reader's blind spots.

Each test pins one finding of the review: before its fix the planner gave a wrong answer with exit 0
(or refused valid input); now it reads the input faithfully or refuses it by name.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from planner.api import validate as validate_workbook
from planner.cli import main
from planner.input.read import read_workbook
from tests.bad_workbooks import base_sheets, sheet_xml, write_base, write_with_sheet_xml
from tests.checks import check_plan
from tests.test_hand_solved import book, supply
from tests.workbooks import table, write_workbook


def run_solve(path: Path, capsys, *extra: str) -> tuple[int, str, Path]:
    out = path.with_name(path.stem + "-plan.xlsx")
    rc = main(["solve", str(path), "-o", str(out), "-q", *extra])
    return rc, capsys.readouterr().err, out


def base_cost(out: Path) -> float:
    return float(pd.read_excel(out, sheet_name="Scenarios").set_index("scenario").loc["base", "total_cost"])


def far(header: list, at: int, name: str, rows: list[list], values: list) -> tuple[list, list[list]]:
    """``header`` and ``rows`` with one more column ``name`` at column number ``at`` (blank columns between)."""
    pad = at - 1 - len(header)
    return header + [None] * pad + [name], [r + [None] * pad + [v] for r, v in zip(rows, values)]


# --- 1. columns beyond column 100 ------------------------------------------------------------


def test_optional_columns_beyond_column_100_are_read(tmp_path, capsys):
    """yield at column 102 and allowed at column 130 (column 100's header blank): both count.

    AUS (10/t) is the cheap origin, but its route to USA is closed at column 130, so CHN (12/t)
    supplies; yield 0.5 in USA doubles the raw tonnes: 200 * 12 + 100 * 5 = 2,900. Read only up to
    column 100, the plan was 100 * 10 + 100 * 5 = 1,500.
    """
    ref_header, ref_rows = far(["mineral", "country", "capacity", "cost"], 102, "yield",
                               [["Li", "USA", 1000, 5]], [0.5])
    route_header, route_rows = far(["stage", "from", "to"], 130, "allowed", [["supply", "AUS", "USA"]], [False])
    path = write_workbook(tmp_path / "wide.xlsx", book(refining=[ref_header, *ref_rows],
                                                       routes=[route_header, *route_rows]))
    rc, err, out = run_solve(path, capsys)
    assert rc == 0, err
    assert base_cost(out) == pytest.approx(2900)
    check_plan(path, out)


@pytest.mark.parametrize("at", [150, 16384])
def test_required_column_beyond_column_100_is_found(tmp_path, capsys, at):
    header, rows = far(["mineral", "country", "period", "capacity"], at, "cost",
                       [["Li", "AUS", None, 1000], ["Li", "CHN", None, 1000]], [10, 12])
    path = write_workbook(tmp_path / "wide.xlsx", book(supply=[header, *rows]))
    rc, err, out = run_solve(path, capsys)
    assert rc == 0, err
    assert "required column 'cost' is missing" not in err
    assert base_cost(out) == pytest.approx(100 * 10 + 100 * 5)


def test_a_header_the_planner_reads_at_xfd_costs_no_more_than_its_cells(tmp_path):
    """'cost' typed at XFD1 over 20,000 rows: read in seconds, not as 20,000 rows 16,384 wide."""
    n = 20_000
    xml = sheet_xml([["mineral", "country", "period", "capacity"]]).replace("</row>", (
        '<c r="XFD1" t="inlineStr"><is><t>cost</t></is></c></row>'), 1).replace("</sheetData>", "".join(
            f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>Li</t></is></c><c r="B{i}" t="inlineStr"><is><t>AUS'
            f'</t></is></c><c r="D{i}"><v>{i}</v></c><c r="XFD{i}"><v>10</v></c></row>'
            for i in range(2, n + 2)) + "</sheetData>")
    path = write_with_sheet_xml(tmp_path / "xfd.xlsx", "supply", xml)
    start = time.perf_counter()
    sheet = read_workbook(path).sheets["supply"]
    assert time.perf_counter() - start < 10
    assert sheet.headers[16384] == "cost" and len(sheet.rows) == n
    row, values = sheet.rows[-1]
    assert (row, len(values), values[0], values[3], values[16383]) == (n + 1, 16384, "Li", n + 1, 10)


def test_stray_cells_far_right_stay_cheap_and_are_reported(tmp_path, capsys):
    """A value at XFD on every data row (no header there): read at the cost of its cells, and warned about."""
    sheets = base_sheets()
    header = sheets["supply"][0]
    rows = "".join(
        f'<row r="{i}">' + "".join(
            f'<c r="{get_column_letter(j)}{i}"><v>{v}</v></c>' if isinstance(v, (int, float)) else
            (f'<c r="{get_column_letter(j)}{i}" t="inlineStr"><is><t>{v}</t></is></c>' if v is not None else "")
            for j, v in enumerate(row, start=1)) + f'<c r="XFD{i}"><v>1</v></c></row>'
        for i, row in enumerate(sheets["supply"][1:], start=2))
    xml = sheet_xml([header]).replace("</sheetData>", rows + "</sheetData>")
    path = write_with_sheet_xml(tmp_path / "stray.xlsx", "supply", xml)
    data = validate_workbook(path)
    assert data.supply[("Li", "AUS", "2026")] == (1000.0, 10.0)
    warnings = [w.describe() for w in data.warnings]
    assert "supply!XFD1  column XFD has no header in row 1 but holds values (rows 2, 3, 4); they are ignored. " \
           "Give the column a header, or clear the cells" in warnings, warnings


# --- 2. data under a blank header ---------------------------------------------------------------


def test_values_under_a_blank_header_are_warned_about(tmp_path, capsys):
    """The spec: columns the planner does not know are ignored with a warning; one without a header too."""
    sheets = base_sheets()
    sheets["supply"][0] += [None, None]
    sheets["supply"][1] += [None, 950]  # G2: the 'real' capacity someone typed beside the table
    sheets["supply"][3] += ["n/a", None]  # F4
    path = write_workbook(tmp_path / "blank-header.xlsx", sheets)
    rc, err, _out = run_solve(path, capsys)
    assert rc == 0, err
    assert "warning: supply!F1  column F has no header in row 1 but holds values (row 4); they are ignored" in err
    assert "warning: supply!G1  column G has no header in row 1 but holds values (row 2); they are ignored" in err


def test_a_row_holding_only_values_under_a_blank_header_is_not_a_data_row(tmp_path, capsys):
    sheets = base_sheets()
    sheets["supply"].append([None] * len(sheets["supply"][0]) + [None, "total 3000"])
    path = write_workbook(tmp_path / "note-row.xlsx", sheets)
    data = validate_workbook(path)
    assert [w.describe() for w in data.warnings if w.sheet == "supply"] == [
        "supply!G1  column G has no header in row 1 but holds values (row 5); they are ignored. Give the column a "
        "header, or clear the cells"]


# --- 6. sheets the planner does not read may share a name ------------------------------------


def test_unread_sheets_whose_names_differ_only_in_spaces_are_ignored(tmp_path, capsys):
    sheets = base_sheets()
    sheets["Notes"] = [["what"], ["first notes"]]
    sheets["Notes "] = [["what"], ["second notes"]]
    sheets["Scratch"] = [["x"], [1]]
    sheets["scratch "] = [["x"], [2]]
    path = write_workbook(tmp_path / "notes.xlsx", sheets)
    rc, err, out = run_solve(path, capsys)
    assert rc == 0, err
    assert "warning: Scratch  sheet is not one the planner reads; ignored" in err
    assert "warning: scratch   sheet is not one the planner reads; ignored" in err
    skipped = pd.read_excel(out, sheet_name="Run info").set_index("item")["value"]["documentation_sheets_skipped"]
    assert skipped == "Notes, Notes "


def test_period_labels_are_reported_as_first_written(tmp_path, capsys):
    """'01' and '+3' still match 1 and 3, and the plan shows them as typed on the periods sheet."""
    sheets = book(periods=table("period", ("01",), ("+3",)),
                  demand=table("mineral, market, period, demand", ("Li", "USA", 1, 100), ("Li", "USA", "3.0", 50)),
                  supply=supply(("Li", "AUS", "1", 1000, 10), ("Li", "AUS", 3, 1000, 10)))
    path = write_workbook(tmp_path / "labels.xlsx", sheets)
    data = validate_workbook(path)
    assert data.periods == ("01", "+3")
    assert data.demand == {("Li", "USA", "01"): 100.0, ("Li", "USA", "+3"): 50.0}
    rc, err, out = run_solve(path, capsys)
    assert rc == 0, err
    deliveries = pd.read_excel(out, sheet_name="Deliveries", dtype={"period": str})
    assert sorted(deliveries["period"]) == ["+3", "01"]


def test_the_same_period_written_two_ways_is_one_key(tmp_path, capsys):
    """'1' and '01' are one period, so two demand rows for them repeat a key (no silent "last one wins")."""
    sheets = book(periods=table("period", ("01",)), supply=supply(("Li", "AUS", None, 1000, 10)),
                  demand=table("mineral, market, period, demand", ("Li", "USA", "01", 100), ("Li", "USA", 1, 50)))
    path = write_workbook(tmp_path / "twice.xlsx", sheets)
    rc, err, _out = run_solve(path, capsys)
    assert rc == 2 and "demand!A3  column 'mineral': repeats the key of row 2" in err, err


def test_a_scenario_named_base_is_quoted_as_written(tmp_path, capsys):
    sheets = book(scenarios=table("scenario, kind, factor", ("Base", "demand", 2)))
    path = write_workbook(tmp_path / "base.xlsx", sheets)
    rc, err, _out = run_solve(path, capsys)
    assert rc == 2
    assert "scenarios!A2  column 'scenario': got 'Base'; that name is reserved" in err, err


# --- 5. text numbers: one rule -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1 000", "1\u00a0000", "1\u202f000", "100_000", "1,000", "1'000", "1\u2019000",
                                  "1.000,5", "1,5"])
def test_every_thousands_separator_is_refused_with_the_same_hint(tmp_path, capsys, text):
    sheets = base_sheets()
    sheets["supply"][1][3] = text
    path = write_workbook(tmp_path / "sep.xlsx", sheets)
    rc, err, _out = run_solve(path, capsys)
    assert rc == 2, err
    assert f"supply!D2  column 'capacity': got {text!r}; expected a number >= 0 (t) (write numbers without " \
           "thousands separators or decimal commas, e.g. 1000 or 0.5)." in err, err


@pytest.mark.parametrize("text, number", [("1000", 1000), (" 1000 ", 1000), ("\u00a01000\u00a0", 1000), ("+2.5", 2.5),
                                          ("-0", 0), (".5", 0.5), ("5.", 5), ("1e3", 1000), ("2.5E-1", 0.25)])
def test_plain_text_numbers_are_read(tmp_path, text, number):
    sheets = base_sheets()
    sheets["supply"][1][4] = text
    data = validate_workbook(write_workbook(tmp_path / "num.xlsx", sheets))
    assert data.supply[("Li", "AUS", "2026")][1] == number


@pytest.mark.parametrize("text", ["１０００", "0x10", "1.2.3", "1e", "--1", "½"])
def test_other_text_is_not_a_number(tmp_path, capsys, text):
    sheets = base_sheets()
    sheets["supply"][1][4] = text
    path = write_workbook(tmp_path / "num.xlsx", sheets)
    rc, err, _out = run_solve(path, capsys)
    assert rc == 2 and f"supply!E2  column 'cost': got {text!r}; expected a number >= 0 (currency/t)." in err, err


# --- 6. the stress workbook lists its scenarios ----------------------------------------------------


def test_stress_workbook_has_the_scenarios_sheet(tmp_path, capsys):
    """The output contract lists Scenarios (scenario, status, total_cost; base first) for every plan workbook."""
    path = write_base(tmp_path / "in.xlsx")
    out = tmp_path / "stress.xlsx"
    assert main(["stress", str(path), "-o", str(out), "-q"]) == 0, capsys.readouterr().err
    book_ = pd.read_excel(out, sheet_name=None)
    scenarios, stress = book_["Scenarios"], book_["Stress"]
    assert list(scenarios.columns[:3]) == ["scenario", "status", "total_cost"]
    assert list(scenarios["scenario"]) == ["base", *stress["scenario"]]
    assert set(scenarios["status"]) == {"Optimal"}
    summary = book_["Summary"].set_index("item")["value"]
    assert scenarios["total_cost"].iloc[0] == pytest.approx(float(summary["total_cost"]))
    assert list(scenarios["total_cost"].iloc[1:]) == pytest.approx(list(stress["total_cost"]))


# --- 4. output files ----------------------------------------------------------------------------


def _previous(tmp_path, mode=None):
    path = write_base(tmp_path / "in.xlsx")
    out = tmp_path / "out" / "plan.xlsx"
    out.parent.mkdir()
    out.write_bytes(b"the previous plan")
    if mode is not None:
        out.chmod(mode)
    return path, out


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o555])
def test_a_read_only_output_is_refused_not_replaced(tmp_path, capsys, mode):
    """os.replace ignores the target's mode, so a write-protected plan was silently replaced.

    Tests run as root, which the kernel lets write anything: what is tested is the check on the mode bits.
    """
    path, out = _previous(tmp_path, mode)
    for command in ("solve", "stress"):
        assert main([command, str(path), "-o", str(out), "-q"]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: output {out} is read-only;"), err
        assert out.read_bytes() == b"the previous plan"
        assert [p.name for p in out.parent.iterdir()] == ["plan.xlsx"]
    assert main(["template", str(out)]) == 2
    assert f"output {out} is read-only" in capsys.readouterr().err


def test_a_writable_output_is_still_replaced(tmp_path, capsys):
    path, out = _previous(tmp_path, 0o640)
    assert main(["solve", str(path), "-o", str(out), "-q"]) == 0, capsys.readouterr().err
    assert out.read_bytes()[:2] == b"PK" and out.stat().st_mode & 0o777 == 0o640


def test_errors_name_the_output_not_the_temporary_file(tmp_path, capsys, monkeypatch):
    import errno

    import planner.report.xlsx as write_mod

    path, out = _previous(tmp_path)

    def denied(src, dst):  # what the kernel says: the source (the .part file) first
        raise PermissionError(errno.EACCES, "Permission denied", str(src), None, str(dst))

    monkeypatch.setattr(write_mod.os, "replace", denied)
    assert main(["solve", str(path), "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert err == f"error: cannot write or read {out}: Permission denied\n", err
    monkeypatch.undo()

    real_write = write_mod._write

    def disk_full(target, sheets):
        real_write(target, sheets[:1])
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(write_mod, "_write", disk_full)
    assert main(["solve", str(path), "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert err == f"error: cannot write or read {out}: No space left on device\n", err
    assert ".part" not in err and out.read_bytes() == b"the previous plan"


def test_xlsxwriter_refusing_to_create_the_file_is_reported_by_name(tmp_path, capsys, monkeypatch):
    import errno

    import xlsxwriter.workbook
    from xlsxwriter.exceptions import FileCreateError

    path, out = _previous(tmp_path)

    def cannot_create(self):
        raise FileCreateError(PermissionError(errno.EACCES, "Permission denied", self.filename))

    monkeypatch.setattr(xlsxwriter.workbook.Workbook, "close", cannot_create)
    assert main(["solve", str(path), "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert err == f"error: cannot write or read {out}: Permission denied\n", err


# --- 3. numbers the solver would change -----------------------------------------------------------


def test_highs_limits_are_the_installed_highs_defaults():
    """planner.input.limits states HiGHS's defaults; a HiGHS that changes them must change the checks too."""
    from planner.input import limits as L
    from planner.solver.highs import new_highs

    h = new_highs()
    for option, value in (("small_matrix_value", L.SMALL_MATRIX_VALUE), ("large_matrix_value", L.LARGE_MATRIX_VALUE),
                          ("infinite_cost", L.INFINITE_COST), ("infinite_bound", L.INFINITE_BOUND),
                          ("primal_feasibility_tolerance", L.PRIMAL_FEASIBILITY_TOLERANCE)):
        assert h.getOptionValue(option)[1] == value, option
    assert L.MAX_RANGE == pytest.approx(1e10)


def refused_with(path: Path, capsys, *texts: str) -> str:
    rc, err, out = run_solve(path, capsys)
    assert rc == 2 and "Traceback" not in err and not out.exists(), err
    for text in texts:
        assert text in err, f"{text!r} not in:\n{err}"
    assert main(["validate", str(path)]) == 2  # validate finds it too, without solving
    capsys.readouterr()
    return err


def test_a_yield_the_solver_would_drop_is_refused(tmp_path, capsys):
    """HiGHS drops matrix entries of at most 1e-9: a yield of exactly 1e-9 left every tonne unmet."""
    path = write_workbook(tmp_path / "y.xlsx", book(refining=table("mineral, country, capacity, cost, yield",
                                                                   ("Li", "USA", 1e12, 5, 1e-9))))
    refused_with(path, capsys, "refining!E2  column 'yield': got 1e-09; expected a number > 0 (t/t) (non-zero and "
                               "at most 1e-09, which the solver drops from its constraints as 0")


@pytest.mark.parametrize("demand", [1e-7, 5e-8, 1e-9])
def test_a_demand_the_solver_would_read_as_zero_is_refused(tmp_path, capsys, demand):
    """A demand at or below HiGHS's feasibility tolerance (1e-7) was neither delivered nor counted unmet."""
    path = write_workbook(tmp_path / "d.xlsx", book(demand=table("mineral, market, period, demand",
                                                                 ("Li", "USA", 2026, demand))))
    refused_with(path, capsys, f"demand!D2  column 'demand': got {demand:g}; expected a number >= 0 (t) (non-zero "
                               "and at most 1e-07 t, the solver's feasibility tolerance")


def test_a_demand_just_above_the_tolerance_is_planned_exactly(tmp_path, capsys):
    path = write_workbook(tmp_path / "d.xlsx", book(demand=table("mineral, market, period, demand",
                                                                 ("Li", "USA", 2026, 2e-7))))
    rc, err, out = run_solve(path, capsys)
    assert rc == 0, err
    assert base_cost(out) == pytest.approx(2e-7 * 15, rel=1e-9)
    tables = pd.read_excel(out, sheet_name=None)
    assert list(tables["Deliveries"]["tonnes"]) == [pytest.approx(2e-7, rel=1e-12)]
    assert list(tables["Flows"]["tonnes"]) == [pytest.approx(2e-7, rel=1e-12)]
    assert tables["Unmet"].empty


def test_a_tariff_that_makes_an_infinite_cost_is_refused_by_name(tmp_path, capsys):
    """tariff_rate 1e9 on a price of 1e12: a route cost of 1e21, which HiGHS reads as infinite ("Not solved: Unknown")."""
    path = write_workbook(tmp_path / "t.xlsx", book(
        supply=supply(("Li", "AUS", None, 1000, 10)),
        minerals=table("mineral, raw_price", ("Li", 1e12)),
        routes=table("stage, from, to, tariff_rate", ("supply", "AUS", "USA", 1e9))))
    err = refused_with(
        path, capsys,
        "routes!2:2  column 'tariff_rate': the unit cost of the supply route AUS -> USA for Li (cost 0 + tariff_rate "
        "1e+09 x raw_price 1e+12) is 1e+21: the cost of flow[Li, AUS, USA, 2026]; HiGHS treats a cost of 1e+20 or more "
        "as infinite (its option infinite_cost).",
        "minerals  column 'unmet_penalty', the unmet penalty of Li",
        "is 1e+22: the cost of unmet[Li, USA, 2026];")
    assert [line for line in err.splitlines() if not line.startswith("warning:")][0].endswith("has 2 problems:")


def test_numbers_of_the_version_2_sheets_are_named_where_they_are_typed(tmp_path, capsys):
    """A project's fixed cost over its life (fixed_cost x capacity x years) is a product no single cell shows."""
    path = write_workbook(tmp_path / "p.xlsx", book(
        supply=supply(("Li", "AUS", None, 1000, 10)),
        projects=table("project, stage, mineral, country, capacity, cost, fixed_cost",
                       ("big mine", "supply", "Li", "AUS", 1e9, 5, 1e12))))
    refused_with(path, capsys,
                 "projects!2:2  column 'fixed_cost': project big mine's fixed_cost x capacity x the years it stands",
                 "the cost of build[Li, big mine, 2026]")


@pytest.mark.parametrize("demand, min_days, value, rule", [
    (100, 1e-7, "2.73973e-08", "primal_feasibility_tolerance"),
    (1e12, 1e12, "2.73973e+21", "infinite_bound"),
])
def test_a_reserve_target_the_solver_would_change_is_refused(tmp_path, capsys, demand, min_days, value, rule):
    """Days of demand make a target (min_days x demand / (365 x years)) too small or too large to reach HiGHS."""
    path = write_workbook(tmp_path / "r.xlsx", book(
        demand=table("mineral, market, period, demand", ("Li", "USA", 2026, demand)),
        reserve=table("mineral, market", ("Li", "USA")),
        reserve_targets=table("mineral, market, min_days", ("Li", "USA", min_days))))
    refused_with(path, capsys, "reserve_targets  column 'min_days', the reserve target of Li for USA in 2026",
                 f"is {value}: the right-hand side of reserve_target[Li, USA, 2026];", rule)


def test_a_scenario_factor_the_solver_would_change_is_refused_naming_the_scenario(tmp_path, capsys):
    path = write_workbook(tmp_path / "s.xlsx", book(
        demand=table("mineral, market, period, demand", ("Li", "USA", 2026, 1)),
        supply=supply(("Li", "AUS", None, 1000, 1e12), ("Li", "CHN", None, 1000, 1e12)),
        scenarios=table("scenario, kind, factor, country", ("trickle", "demand", 1e-8, None),
                        ("dear", "supply_cost", 1e9, "AUS"))))
    err = refused_with(
        path, capsys,
        "demand  column 'demand', the demand for Li in USA in 2026 in scenario 'trickle' is 1e-08: the upper bound "
        "of unmet[Li, USA, 2026] (and 1 more); HiGHS meets a bound broken by at most 1e-07",
        "supply  column 'cost', the supply cost of Li in AUS in 2026 in scenario 'dear' is 1e+21: the cost of "
        "flow[Li, AUS, USA, 2026]; HiGHS treats a cost of 1e+20 or more as infinite")
    assert [line for line in err.splitlines() if not line.startswith("warning:")][0].endswith("has 2 problems:"), err


def test_badly_scaled_models_are_warned_about_naming_the_rows(tmp_path, capsys):
    path = write_workbook(tmp_path / "y.xlsx", book(refining=table("mineral, country, capacity, cost, yield",
                                                                   ("Li", "USA", 1000, 5, 1e11))))
    rc, err, _out = run_solve(path, capsys)
    assert rc == 0, err
    assert "warning: the model is badly scaled: its matrix entries span a factor of 1.0e+11, from 1 (" in err, err
    assert "to 1e+11 (the coefficient of flow[Li, AUS, USA, 2026] in refining_balance[Li, USA, 2026])" in err, err
    path = write_workbook(tmp_path / "c.xlsx", book(minerals=table("mineral, unmet_penalty", ("Li", 1e12))))
    rc, err, _out = run_solve(path, capsys)
    assert rc == 0, err
    assert "warning: the model is badly scaled: its costs span a factor of 2.0e+11, from 5 (the cost of " \
           "out[Li, USA, 2026]) to 1e+12 (the cost of unmet[Li, USA, 2026])" in err, err


def test_the_shipped_workbooks_are_well_scaled(capsys):
    root = Path(__file__).resolve().parents[1]
    for name in ("critical-minerals-2026.xlsx", "example.xlsx"):
        assert main(["validate", str(root / "inputs" / name)]) == 0
        assert "badly scaled" not in capsys.readouterr().err


def test_the_checker_confirms_balances_to_a_relative_tolerance(tmp_path, capsys):
    """The plan of a demand of 1e-7 t as the solver made it (nothing delivered, nothing unmet) fails the checker.

    Its absolute checks (tolerance 1e-6 t) passed it; the relative ones hold each balance to 1e-6 of its terms.
    """
    tiny = write_workbook(tmp_path / "tiny.xlsx", book(demand=table("mineral, market, period, demand",
                                                                    ("Li", "USA", 2026, 1e-7))))
    zero = write_workbook(tmp_path / "zero.xlsx", book(demand=table("mineral, market, period, demand",
                                                                    ("Li", "USA", 2026, 0))))
    rc, err, out = run_solve(zero, capsys)
    assert rc == 0, err
    check_plan(zero, out)
    with pytest.raises(AssertionError, match=r"deliveries 0(\.0)? \+ unmet 0(\.0)? != demand 1e-07 \(relative\)"):
        check_plan(tiny, out)


# --- the fuzz script ------------------------------------------------------------------------------


def _fuzz_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("fuzz_inputs", Path(__file__).resolve().parents[1] / "scripts"
                                                  / "fuzz_inputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fuzz_script_runs_the_property_with_fresh_randomness(capsys):
    fuzz = _fuzz_script()
    assert fuzz.main(["--examples", "6"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: 6 examples in ") and "solved" in out and "refused" in out


def test_fuzz_script_reports_a_failure_shrunk(capsys, monkeypatch):
    fuzz = _fuzz_script()

    def fails_on_two_steps(mutated, folder):
        assert len(mutated.steps) < 2, f"steps: {mutated.steps}"
        return 0

    monkeypatch.setattr(fuzz, "check_mutated", fails_on_two_steps)
    assert fuzz.main(["--minutes", "1", "--seed", "3"]) == 1
    captured = capsys.readouterr()
    assert "FAILED in batch 1" in captured.err and captured.out.startswith("failed: ")
    shown = [line for line in captured.err.splitlines() if line.startswith("AssertionError: steps:")
             or line.startswith("steps:")]
    assert shown, captured.err


def test_a_risk_that_would_shrink_a_capacity_below_the_tolerance_is_refused_for_a_sweep(tmp_path, capsys):
    """A sweep's samples multiply capacities by the risks' factors: those numbers reach the solver too."""
    path = write_workbook(tmp_path / "risk.xlsx", book(
        supply=supply(("Li", "AUS", None, 1, 10), ("Li", "CHN", None, 1000, 12)),
        risks=table("risk, country, stage, probability, factor", ("dust", "AUS", "supply", 0.5, 1e-8))))
    rc, err, _out = run_solve(path, capsys)
    assert rc == 0, err  # planner solve does not use the risks
    out = tmp_path / "sweep.xlsx"
    assert main(["sweep", str(path), "--samples", "3", "--workers", "1", "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert "supply  column 'capacity', the supply capacity of Li in AUS in 2026 in scenario 'risk sweep: every " \
           "risk below factor 1 at once' is 1e-08: the right-hand side of supply_capacity[Li, AUS, 2026]" in err, err


# --- found by the fuzzer ----------------------------------------------------------------------------


def test_warnings_with_and_without_a_row_on_one_sheet_sort(tmp_path, capsys):
    """A hidden sheet (a warning without a row) with an unknown column (a warning in row 1) was exit 3:
    sorting the warnings compared None with 1. Found by scripts/fuzz_inputs.py: 'blank minerals header 3',
    'hide sheet minerals'."""
    import openpyxl

    sheets = base_sheets()
    sheets["minerals"][0].append("notes")
    sheets["minerals"][1].append("checked")
    sheets["minerals"][0][2] = None  # refined_price's header blank: its values have no header
    path = write_workbook(tmp_path / "hidden.xlsx", sheets)
    book_ = openpyxl.load_workbook(path)
    book_["minerals"].sheet_state = "hidden"
    book_.save(path)
    rc, err, _out = run_solve(path, capsys)
    assert rc == 0, err
    lines = [line for line in err.splitlines() if line.startswith("warning: minerals")]
    assert lines == ["warning: minerals  sheet is hidden in Excel; it is read all the same",
                     "warning: minerals!C1  column C has no header in row 1 but holds values (row 2); they are "
                     "ignored. Give the column a header, or clear the cells",
                     "warning: minerals!E1  column 'notes' is not one the planner reads; ignored"], err


def test_a_long_column_without_a_header_is_summarised(tmp_path):
    sheets = base_sheets()
    for row in sheets["supply"][1:]:
        row += [None, "note"]
    sheets["supply"] += [[None] * 6 + [f"note {i}"] for i in range(10)]
    data = validate_workbook(write_workbook(tmp_path / "notes.xlsx", sheets))
    assert [w.message for w in data.warnings if w.sheet == "supply"] == [
        "column G has no header in row 1 but holds values (rows 2, 3, 4 and 10 more); they are ignored. Give the "
        "column a header, or clear the cells"]

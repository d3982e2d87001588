"""The command line: exit codes 0/1/2, usage errors, --help/--version, validate, template, warnings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from planner import __version__
from planner.cli import main
from planner.input import schema as S
from planner.input.read import read_workbook
from tests.bad_workbooks import base_sheets, set_cell, write_base
from tests.workbooks import write_workbook

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def base(tmp_path):
    return write_base(tmp_path / "base.xlsx")


def summary(path) -> dict:
    frame = pd.read_excel(path, sheet_name="Summary")
    return dict(zip(frame["item"], frame["value"]))


def test_solve_optimal_exits_0(base, tmp_path, capsys):
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(base), "-o", str(out), "-q"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # quiet: nothing on stderr
    assert summary(out)["status"] == "Optimal"
    scenarios = pd.read_excel(out, sheet_name="Scenarios")
    assert list(scenarios["scenario"]) == ["base", "ban", "surge"]
    assert set(scenarios["status"]) == {"Optimal"}


def test_solve_reports_progress_and_result_unless_quiet(base, tmp_path, capsys):
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(base), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("Optimal: base total cost ")
    assert str(out) in captured.out
    assert "scenario 3 of 3" in captured.err


def test_default_output_is_outputs_folder(base, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["solve", str(base), "-q"]) == 0
    assert (tmp_path / "outputs" / "base-plan.xlsx").is_file()


def test_time_limit_not_optimal_exits_1(tmp_path, capsys):
    """A solve that stops at its time limit is reported as such, exit 1, and no plan is passed off as one."""
    sheets = set_cell(base_sheets(), "settings", 4, "key", "time_limit")
    set_cell(sheets, "settings", 4, "value", 1e-9)
    inp = write_workbook(tmp_path / "tl.xlsx", sheets)
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(inp), "-o", str(out), "-q"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("NOT OPTIMAL: ")
    assert "scenario base: Time limit reached" in err
    status = summary(out)["status"]
    assert status.startswith("Not optimal") and "Time limit reached" in status
    assert set(pd.read_excel(out, sheet_name="Scenarios")["status"]) == {"Time limit reached"}
    assert pd.read_excel(out, sheet_name="Flows").empty  # no partial plan


def test_bad_input_exits_2(tmp_path, capsys):
    inp = write_workbook(tmp_path / "bad.xlsx", set_cell(base_sheets(), "supply", 2, "capacity", -1))
    assert main(["solve", str(inp), "-o", str(tmp_path / "plan.xlsx"), "-q"]) == 2
    assert capsys.readouterr().err.splitlines()[0] == f"{inp} has 1 problem:"
    assert not (tmp_path / "plan.xlsx").exists()


def test_missing_input_file_exits_2(tmp_path, capsys):
    missing = tmp_path / "nope.xlsx"
    assert main(["solve", str(missing), "-o", str(tmp_path / "plan.xlsx")]) == 2
    assert capsys.readouterr().err.splitlines() == [f"{missing} has 1 problem:", "  (file)  does not exist"]
    assert main(["validate", str(missing)]) == 2


@pytest.mark.parametrize("argv, text", [
    (["frobnicate", "x.xlsx"], "invalid choice: 'frobnicate'"),
    (["solve"], "the following arguments are required: INPUT.xlsx"),
    (["solve", "a.xlsx", "--bogus"], "unrecognized arguments: --bogus"),
    (["template"], "the following arguments are required: OUTPUT.xlsx"),
])
def test_bad_usage_exits_2(argv, text, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert text in err
    assert err.startswith("usage: planner")


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: planner" in capsys.readouterr().err


def test_output_equal_to_input_is_refused(base, tmp_path, capsys, monkeypatch):
    before = base.read_bytes()
    assert main(["solve", str(base), "-o", str(base), "-q"]) == 2
    assert "is the input file" in capsys.readouterr().err
    monkeypatch.chdir(tmp_path)  # the same file, spelled differently
    assert main(["solve", str(base), "-o", "./sub/../base.xlsx", "-q"]) == 2
    assert "is the input file" in capsys.readouterr().err
    assert base.read_bytes() == before


def test_output_that_is_a_folder_is_refused(base, tmp_path, capsys):
    (tmp_path / "plans.xlsx").mkdir()
    assert main(["solve", str(base), "-o", str(tmp_path / "plans.xlsx"), "-q"]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_output_must_end_xlsx(base, tmp_path, capsys):
    for name in ("plan.csv", "plan", "plan.xls"):
        assert main(["solve", str(base), "-o", str(tmp_path / name), "-q"]) == 2
        assert "must end in .xlsx" in capsys.readouterr().err
        assert not (tmp_path / name).exists()
    assert main(["template", str(tmp_path / "t.xls")]) == 2
    assert "must end in .xlsx" in capsys.readouterr().err


def test_help_exits_0(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: planner")
    for command in ("solve", "validate", "template"):
        assert command in out
    assert main(["solve", "--help"]) == 0
    assert "-o OUTPUT.xlsx" in capsys.readouterr().out


def test_version_exits_0(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"planner {__version__}"


def test_python_dash_m_planner_version():
    done = subprocess.run([sys.executable, "-m", "planner", "--version"], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"planner {__version__}"


def test_python_dash_m_planner_bad_input_exit_code(tmp_path):
    done = subprocess.run([sys.executable, "-m", "planner", "validate", str(tmp_path / "nope.xlsx")],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith(f"{tmp_path / 'nope.xlsx'} has 1 problem:")


def test_validate_exits_0_and_2(base, tmp_path, capsys):
    assert main(["validate", str(base)]) == 0
    out = capsys.readouterr().out
    assert out.strip() == f"{base} is valid: 2 minerals, 3 countries, 2 periods, base and 2 scenarios."
    assert main(["validate", str(base), "-q"]) == 0
    assert capsys.readouterr().out == ""
    bad = write_workbook(tmp_path / "bad.xlsx", set_cell(base_sheets(), "refining", 3, "yield", 0))
    assert main(["validate", str(bad)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"{bad} has 1 problem:",
        "  refining!F3  column 'yield': got 0; expected a number > 0 (t/t).",
    ]


def test_template_has_every_sheet_and_rereads_cleanly(tmp_path, capsys):
    out = tmp_path / "template.xlsx"
    assert main(["template", str(out)]) == 0
    assert "template written" in capsys.readouterr().out
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [s.name for s in S.SHEETS] + ["columns"]
    for spec in S.SHEETS:
        assert [c.value for c in book[spec.name][1]] == [c.name for c in spec.columns]
    explained = pd.read_excel(out, sheet_name="columns")
    assert {(s, c) for s, c in zip(explained["sheet"], explained["column"])} >= \
        {(s.name, c.name) for s in S.SHEETS for c in s.columns}
    # The reader takes the template as it is: every sheet, its headers, no rows.
    raw = read_workbook(out)
    for spec in S.SHEETS:
        sheet = raw.sheets[spec.name]
        assert list(sheet.headers.values()) == [c.name for c in spec.columns]
        assert sheet.rows == []
    # Filled in with the base rows, the template is a valid workbook (only the `columns` sheet is extra).
    sheets = base_sheets()
    for spec in S.SHEETS:
        for row in sheets[spec.name][1:]:
            book[spec.name].append(row)
    book.save(tmp_path / "filled.xlsx")
    assert main(["validate", str(tmp_path / "filled.xlsx")]) == 0
    err = capsys.readouterr().err
    assert err.strip() == "warning: columns  sheet is not one the planner reads; ignored"


def test_empty_template_is_refused_cleanly(tmp_path, capsys):
    out = tmp_path / "template.xlsx"
    assert main(["template", str(out)]) == 0
    capsys.readouterr()
    assert main(["validate", str(out)]) == 2
    err = capsys.readouterr().err
    assert "sheet defines no mineral" in err and "Traceback" not in err


def test_unknown_sheets_and_columns_warn_without_changing_exit_code(tmp_path, capsys):
    sheets = base_sheets()
    sheets["scratch"] = [["anything"], ["free text"]]
    sheets["notes"] = [["a documentation sheet"], ["skipped without a word, listed in Run info"]]
    sheets["supply"][0].append("comment")
    sheets["supply"][1].append("checked by Ana")
    set_cell(sheets, "settings", 4, "key", "colour")
    set_cell(sheets, "settings", 4, "value", "blue")
    inp = write_workbook(tmp_path / "extra.xlsx", sheets)
    assert main(["validate", str(inp), "-q"]) == 0
    warnings = capsys.readouterr().err.splitlines()
    assert warnings == [
        "warning: scratch  sheet is not one the planner reads; ignored",
        "warning: settings!A4  column 'key': setting 'colour' is not one the planner knows; ignored",
        "warning: supply!F1  column 'comment' is not one the planner reads; ignored",
    ]
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(inp), "-o", str(out), "-q"]) == 0
    err = capsys.readouterr().err
    assert err.splitlines() == warnings
    assert summary(out)["status"] == "Optimal"
    run_info = pd.read_excel(out, sheet_name="Run info").set_index("item")["value"]
    assert run_info["documentation_sheets_skipped"] == "notes"


def test_a_bug_exits_3_and_the_debug_switch_shows_its_traceback(base, tmp_path, capsys, monkeypatch):
    import dataclasses

    from planner.pipeline import COMMANDS

    def broken(*args, **kwargs):
        raise RuntimeError("a planted bug")

    monkeypatch.setitem(COMMANDS, "solve", dataclasses.replace(COMMANDS["solve"], analyse=broken))
    out = tmp_path / "plan.xlsx"
    monkeypatch.delenv("PLANNER_DEBUG", raising=False)
    assert main(["solve", str(base), "-o", str(out), "-q"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("internal error: RuntimeError: a planted bug\nThis is a bug in the planner")
    assert "Traceback" not in err and not out.exists()
    monkeypatch.setenv("PLANNER_DEBUG", "1")
    assert main(["solve", str(base), "-o", str(out), "-q"]) == 3
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "a planted bug" in err

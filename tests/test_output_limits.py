"""A table longer than an Excel sheet continues on numbered sheets; nothing is cut."""

from __future__ import annotations

import pandas as pd
from openpyxl import load_workbook

from planner.report import xlsx as write


def test_long_table_continues_on_numbered_sheets(tmp_path, monkeypatch):
    monkeypatch.setattr(write, "EXCEL_MAX_ROWS", 5)  # 4 data rows a sheet
    frame = pd.DataFrame({"scenario": ["base"] * 10, "tonnes": [float(i) for i in range(10)]})
    out = write.write_workbook(tmp_path / "long.xlsx", [write.SheetSpec("Flows", frame)])
    wb = load_workbook(out, read_only=True)
    assert wb.sheetnames == ["Flows", "Flows (2)", "Flows (3)"]
    rows = []
    for name in wb.sheetnames:
        table = list(wb[name].iter_rows(values_only=True))
        assert table[0] == ("scenario", "tonnes")  # every part repeats the header
        rows += table[1:]
    assert [r[1] for r in rows] == [float(i) for i in range(10)]


def test_excel_limit_is_excels():
    assert write.EXCEL_MAX_ROWS == 1_048_576

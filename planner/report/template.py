"""``planner template``: an empty input workbook with every sheet, and a sheet explaining each column."""

from __future__ import annotations

import pandas as pd

from planner.input import schema as S
from planner.report.xlsx import SheetSpec


def template_sheets() -> list[SheetSpec]:
    sheets = []
    for spec in S.SHEETS:
        frame = pd.DataFrame(columns=[c.name for c in spec.columns])
        notes = {c.name: _describe(c) for c in spec.columns}
        sheets.append(SheetSpec(spec.name, frame, notes=notes, widths={c.name: 16 for c in spec.columns}))
    rows = []
    for spec in S.SHEETS:
        for c in spec.columns:
            rows.append((spec.name, "yes" if spec.required else "no", c.name, "yes" if c.required else "no",
                         c.unit, _default(c), c.expected(), c.doc))
    for s in S.SETTINGS:
        rows.append(("settings", "no", f"key = {s.key}", "no", "", _shown(s.default),
                     "one of " + ", ".join(s.choices) if s.choices else s.kind, s.doc))
    explain = pd.DataFrame(rows, columns=["sheet", "sheet_required", "column", "column_required", "unit",
                                          "default", "expected", "meaning"])
    sheets.append(SheetSpec("columns", explain, widths={"meaning": 80, "expected": 40}))
    return sheets


def _describe(c: S.Column) -> str:
    text = c.doc
    if c.unit:
        text += f" Unit: {c.unit}."
    if not c.required:
        text += f" Optional; default {_default(c)}."
    return text


def _default(c: S.Column) -> str:
    if c.required:
        return "(required)"
    return _shown(c.default)


def _shown(value) -> str:
    text = S.default_text(value)
    return "(blank)" if text == "blank" else text

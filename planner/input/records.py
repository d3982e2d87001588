"""A data row after cell conversion, and the collector of every problem found while validating."""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.errors import Issue


@dataclass
class Record:
    """A data row after cell conversion: values by column name, and where each came from."""

    sheet: str
    row: int
    values: dict
    cols: dict  # column name -> 1-based column index (absent when the column is missing)
    raw: dict = field(default_factory=dict)  # column name -> the cell as read, before conversion

    def __getitem__(self, name):
        return self.values.get(name)

    def issue(self, column: str, message: str) -> Issue:
        return Issue(self.sheet, self.row, self.cols.get(column), column, message)


class Collector:
    def __init__(self):
        self.issues: list[Issue] = []
        self.warnings: list[Issue] = []
        self.structural = False  # a sheet or column is missing: later checks would only add noise
        self.skipped: list[str] = []  # documentation sheets

    def error(self, issue: Issue) -> None:
        self.issues.append(issue)

    def warn(self, issue: Issue) -> None:
        self.warnings.append(issue)

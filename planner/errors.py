"""Problems found in a workbook, and the errors the pipeline raises."""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.utils import get_column_letter


@dataclass(frozen=True)
class Issue:
    """One problem in the input, located as precisely as the input allows.

    ``row`` is the Excel row (1 = header row) and ``col`` the 1-based column index;
    either may be None when the problem concerns a whole sheet or column. Issues sort by
    sheet, row and column, a whole-sheet issue first (the generated field order compared
    None with numbers and failed for a sheet with both kinds).
    """

    sheet: str
    row: int | None = None
    col: int | None = None
    column: str | None = None
    message: str = ""

    def __lt__(self, other: Issue) -> bool:
        return _issue_order(self) < _issue_order(other)

    @property
    def location(self) -> str:
        if self.row is not None and self.col is not None:
            return f"{self.sheet}!{get_column_letter(self.col)}{self.row}"
        if self.row is not None:
            return f"{self.sheet}!{self.row}:{self.row}"
        return self.sheet

    def describe(self) -> str:
        where = f"column '{self.column}': " if self.column and self.row is not None else ""
        return f"{self.location}  {where}{self.message}"


class PlannerError(Exception):
    """Base class of the errors the command line maps to an exit status."""

    exit_code = 2


class InputError(PlannerError):
    """The workbook breaks the contract; carries every problem found."""

    def __init__(self, source: str, issues: list[Issue]):
        self.source = source
        self.issues = sorted(issues, key=_issue_order)
        super().__init__(self.report())

    def report(self, limit: int = 50) -> str:
        n = len(self.issues)
        head = f"{self.source} has {n} problem{'s' if n != 1 else ''}:"
        lines = [head] + ["  " + issue.describe() for issue in self.issues[:limit]]
        if n > limit:
            lines.append(f"  ... and {n - limit} more (fix these first, then run again).")
        return "\n".join(lines)


class UsageError(PlannerError):
    """The command line was used wrongly (a bad path, an option out of range)."""


class SolverError(PlannerError):
    """The solver is missing or failed in a way that is not a plan status."""


def _issue_order(issue: Issue):
    return (issue.sheet.lower(), issue.row or 0, issue.col or 0, issue.message, issue.sheet, issue.column or "")

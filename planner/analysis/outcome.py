"""What a command's analysis hands to the report: named result tables, Summary items, failures."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Outcome:
    """The result of one command's solves.

    ``tables`` are plain DataFrames by name (``flows``, ``scenarios``, ``stress`` ...);
    ``summary`` the (item, value) rows of the Summary sheet after its ``status`` row;
    ``failures`` one line for every solve that did not reach an optimum.
    """

    tables: dict[str, pd.DataFrame]
    summary: list[tuple[str, object]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    partial: str | None = None  # why the run stopped early (a sweep interrupted), else None

    @property
    def ok(self) -> bool:
        return not self.failures and self.partial is None

    @property
    def status(self) -> str:
        if self.partial:
            return f"Partial: {self.partial}"
        if self.failures:
            return "Not optimal: " + "; ".join(self.failures)
        return "Optimal"

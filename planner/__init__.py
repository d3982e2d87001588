"""Critical-minerals supply-chain planner: an Excel workbook in, a least-cost de-risked plan out.

The public API mirrors the pipeline: :func:`read_workbook` -> :func:`validate` ->
:func:`solve_plan` -> :func:`write_plan`; :func:`run` does all of it for one file.
"""

__version__ = "0.1.0"

from planner.api import plan_workbook, run, validate_workbook  # noqa: E402
from planner.errors import InputError, Issue, PlannerError, SolverError  # noqa: E402

__all__ = [
    "InputError",
    "Issue",
    "PlannerError",
    "SolverError",
    "__version__",
    "plan_workbook",
    "run",
    "validate_workbook",
]

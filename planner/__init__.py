"""Critical-minerals supply-chain planner: an Excel workbook in, a least-cost de-risked plan out.

The Python API has one call per command, each returning a run with its tables as DataFrames
and its run report: :func:`solve`, :func:`stress`, :func:`sweep`, :func:`frontier`, :func:`budget_frontier`,
:func:`hedge`, and
:func:`validate`, :func:`build`, :func:`export`, :func:`template` (see :mod:`planner.api` and the README).
The package is imported lazily, so ``import planner`` stays cheap.
"""

from planner._version import __version__

_API = ("solve", "stress", "sweep", "frontier", "budget_frontier", "hedge", "validate", "build", "export", "template")
_ERRORS = ("InputError", "Issue", "PlannerError", "SolverError", "UsageError")

__all__ = ["__version__", *_API, *_ERRORS]


def __getattr__(name: str):
    if name in _API:
        from planner import api

        return getattr(api, name)
    if name in _ERRORS:
        from planner import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'planner' has no attribute {name!r}")

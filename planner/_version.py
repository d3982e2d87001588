"""The planner's version, read by the package metadata and written into every run report."""

__version__ = "0.2.0"

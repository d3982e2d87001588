"""The linear program of the spec: variables, constraint families and objective, built with PuLP."""

from planner.model.build import Model, build_model

__all__ = ["Model", "build_model"]

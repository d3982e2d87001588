"""Apply a scenario's factors to the inputs: the model never sees a scenario, only its inputs."""

from __future__ import annotations

import dataclasses

from planner.input.data import PlannerInput, ScenarioRow

BASE = "base"


def scenario_names(data: PlannerInput) -> list[str]:
    """``base`` first, then the scenarios in the order the sheet names them."""
    return [BASE, *data.scenarios]


def _matches(row: ScenarioRow, mineral: str, place: str, period: str) -> bool:
    return ((row.mineral is None or row.mineral == mineral)
            and (row.country is None or row.country == place)
            and (row.period is None or row.period == period))


def apply_rows(data: PlannerInput, rows: list[ScenarioRow]) -> PlannerInput:
    """The inputs with every row's factor applied; rows that match the same value compound."""
    if not rows:
        return data
    supply = dict(data.supply)
    refining = dict(data.refining)
    demand = dict(data.demand)
    for row in rows:
        f = row.factor
        if row.kind in ("supply_capacity", "supply_cost"):
            col = 0 if row.kind == "supply_capacity" else 1
            for key, value in supply.items():
                if _matches(row, *key):
                    supply[key] = _scaled(value, col, f)
        elif row.kind in ("refining_capacity", "refining_cost"):
            col = 0 if row.kind == "refining_capacity" else 1
            for key, value in refining.items():
                if _matches(row, *key):
                    refining[key] = _scaled(value, col, f)
        elif row.kind == "demand":
            for key, value in demand.items():
                if _matches(row, *key):
                    demand[key] = value * f
        else:  # validation admits only the kinds above
            raise ValueError(f"unknown scenario kind {row.kind!r}")
    return dataclasses.replace(data, supply=supply, refining=refining, demand=demand)


def apply_scenario(data: PlannerInput, name: str) -> PlannerInput:
    """The inputs of scenario ``name`` (``base`` returns them unchanged)."""
    return data if name == BASE else apply_rows(data, data.scenarios[name])


def first_affected_period(data: PlannerInput, name: str) -> str:
    """The earliest period any row of the scenario touches (a blank period touches the first)."""
    return min((row.period or data.periods[0] for row in data.scenarios[name]), key=data.period_index.__getitem__)


def _scaled(value: tuple, col: int, factor: float) -> tuple:
    return value[:col] + (value[col] * factor,) + value[col + 1:]

"""Apply a scenario's factors to the inputs: the model never sees a scenario, only its inputs."""

from __future__ import annotations

import dataclasses

from planner.input.data import NO_TARGET, PlannerInput, ScenarioRow

BASE = "base"


def scenario_names(data: PlannerInput) -> list[str]:
    """``base`` first, then the scenarios in the order the sheet names them."""
    return [BASE, *data.scenarios]


def _matches(row: ScenarioRow, mineral: str, place: str, period: str) -> bool:
    return ((row.mineral is None or row.mineral == mineral)
            and (row.country is None or row.country == place)
            and (row.period is None or row.period == period))


def apply_rows(data: PlannerInput, rows: list[ScenarioRow]) -> PlannerInput:
    """The inputs with every row applied; rows that match the same value compound.

    A capacity or cost factor scales the matching supply or refining rows and the candidate
    projects of the same country, stage and mineral; ``export_ban`` and ``tariff`` rows are kept
    as the bilateral measures in force, which the model reads route by route and period by period.
    In the minerals and periods the rows disrupt, reserve targets are lifted (``lift_targets``).
    """
    if not rows:
        return data
    supply = dict(data.supply)
    refining = dict(data.refining)
    demand = dict(data.demand)
    terms = dict(data.project_terms)
    lanes = list(data.lanes)
    for row in rows:
        f = row.factor
        if row.kind in ("supply_capacity", "supply_cost", "refining_capacity", "refining_cost"):
            stage, what = row.kind.split("_")  # what: the field scaled, capacity or cost
            table = supply if stage == "supply" else refining
            for key, value in table.items():
                if _matches(row, *key):
                    table[key] = _scaled(value, what, f)
            for key, value in terms.items():
                p = data.projects[key.project]
                if p.stage == stage and _matches(row, p.mineral, p.country, key.period):
                    terms[key] = _scaled(value, what, f)
        elif row.kind == "demand":
            for key, value in demand.items():
                if _matches(row, *key):
                    demand[key] = value * f
        elif row.kind in ("export_ban", "tariff"):
            lanes.append(row)
        else:  # validation admits only the kinds above
            raise ValueError(f"unknown scenario kind {row.kind!r}")
    return dataclasses.replace(data, supply=supply, refining=refining, demand=demand, project_terms=terms,
                               lanes=tuple(lanes), targets=lift_targets(data, rows))


def disrupts(row: ScenarioRow) -> bool:
    """A row that cuts supply (a capacity factor below 1, an export ban) or raises demand (a factor above 1)."""
    if row.kind in ("supply_capacity", "refining_capacity"):
        return row.factor is not None and row.factor < 1
    if row.kind == "demand":
        return row.factor is not None and row.factor > 1
    return row.kind == "export_ban"


def is_demand_shock(data: PlannerInput, name: str) -> bool:
    """A scenario that raises demand (a demand factor above 1): a shock to demand, not a supply disruption."""
    return any(row.kind == "demand" and row.factor is not None and row.factor > 1
               for row in data.scenarios.get(name, ()))


def lift_targets(data: PlannerInput, rows: list[ScenarioRow]) -> dict:
    """Reserve targets with those of the disrupted minerals and periods lifted (spec, Version 3).

    A reserve is there to be drawn: in a period a row disrupts (its mineral, blank = all; its
    period, blank = every one), the stock may fall without a shortfall penalty; the targets apply
    again in the periods after. Cost and tariff rows lift nothing.
    """
    hits = [(row.mineral, row.period) for row in rows if disrupts(row)]
    if not hits or not data.targets:
        return data.targets
    return {key: (NO_TARGET if any(m in (None, key.mineral) and t in (None, key.period) for m, t in hits) else value)
            for key, value in data.targets.items()}


def apply_scenario(data: PlannerInput, name: str) -> PlannerInput:
    """The inputs of scenario ``name`` (``base`` returns them unchanged)."""
    return data if name == BASE else apply_rows(data, data.scenarios[name])


def first_affected_period(data: PlannerInput, name: str) -> str:
    """The earliest period any row of the scenario touches (a blank period touches the first)."""
    return min((row.period or data.periods[0] for row in data.scenarios[name]), key=data.period_index.__getitem__)


def _scaled(record, field: str, factor: float):
    """``record`` (Terms, RefiningTerms) with its ``field`` times ``factor``."""
    return record._replace(**{field: getattr(record, field) * factor})

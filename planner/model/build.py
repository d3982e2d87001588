"""Build the spec's linear program for a PlannerInput, and renumber it for another scenario."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

import numpy as np

from planner.input.data import PlannerInput
from planner.model import constraints as C
from planner.model.constraints.frontier_cap import add_frontier_caps
from planner.model.core import LinearProgram
from planner.model.objective import cost_components
from planner.model.variables import Variables, add_variables, core_upper, step_upper, stock_upper, unmet_upper

# The order families are added in; it is also the order of rows in the matrix. Paths come before
# the shares that read them; projects' rows exist only where the workbook has projects.
FAMILIES = (
    C.add_supply_capacity,
    C.add_byproducts,
    C.add_refining_balance,
    C.add_refining_capacity,
    C.add_dispatch,
    C.add_market_balance,
    C.add_demand_steps,
    C.add_reserve_target,
    C.add_paths,
    C.add_shares,
    C.add_project_capacity,
    C.add_build_once,
    C.add_requires,
    C.add_budget,
)


class Model(LinearProgram):
    """The planning LP: its arrays, the inputs it was built from and its variable families by key."""

    vars: Variables
    data: PlannerInput
    frontier_cells: dict
    frontier_scope: str


@dataclass
class Numbers:
    """Everything in the LP that a scenario may change: costs, column bounds, right-hand sides."""

    col_cost: np.ndarray
    col_upper: np.ndarray
    row_rhs: np.ndarray
    components: dict[str, np.ndarray]
    col_lower: np.ndarray | None = None  # None: every column >= 0
    coefficients: np.ndarray | None = None  # the model's input-dependent matrix entries, in coefficient_cells order
    # demand[m,d,t] of the scenario, per unmet column (in vars.unmet order): the bound a stress test's
    # fixed past overrides, kept for the measures that divide by demand
    demand: np.ndarray | None = None


def numbers_digest(n: Numbers) -> bytes:
    """A fingerprint of a scenario's numbers: equal for scenarios the model cannot tell apart (the same program,
    its costs split into the same components: a tariff and a supply cost of the same sum are not the same)."""
    h = hashlib.blake2b(digest_size=20)
    components = [n.components[k] for k in sorted(n.components)]
    for a in (n.col_cost, n.col_upper, n.row_rhs, n.col_lower, n.coefficients, *components):
        h.update(b"-" if a is None else np.ascontiguousarray(a, dtype=np.float64).tobytes())
        h.update(b"|")
    return h.digest()


def build_model(data: PlannerInput, name: str = "plan", frontier_pairs: tuple = (), spot: bool = False,
                frontier_scope: str = "*") -> Model:
    """Create variables, every constraint family and the objective for ``data``.

    ``frontier_pairs`` ((mineral, stage) pairs) adds parametric caps on ``frontier_scope`` (``*``:
    any single country; else a country or group) for ``planner frontier``; their positions are in
    ``model.frontier_cells``. ``spot`` adds the
    stress tests' spot purchases beside every flow.
    """
    model = Model(name)
    model.data = data
    model.vars = add_variables(model, data, spot=spot)
    for add_family in FAMILIES:
        add_family(model, data, model.vars)
    model.frontier_scope = frontier_scope
    model.frontier_cells = (add_frontier_caps(model, data, model.vars, frontier_pairs, frontier_scope)
                            if frontier_pairs else {})
    model.set_objective(cost_components(data, model.vars, model.num_cols))
    return model


# Families a "what does this policy cost" solve switches off, by policy.
POLICIES = {
    "share_limits": ("share_max", "share_min"),
    "reserve_targets": ("reserve_target",),
}


def without_rows(numbers: Numbers, model: Model, rows) -> Numbers:
    """``numbers`` with the given rows switched off: an infinite right-hand side for ``<=`` rows,
    minus infinity for ``>=`` rows (the structure stays; the rows no longer bind)."""
    rows = np.asarray(rows, dtype=np.int64)
    rhs = numbers.row_rhs.copy()
    sense = np.asarray(model.row_sense)[rows]
    rhs[rows] = np.where(sense == "<=", np.inf, -np.inf)
    return dataclasses.replace(numbers, row_rhs=rhs)


def with_columns_fixed(numbers: Numbers, cols, values) -> Numbers:
    """``numbers`` with each column of ``cols`` fixed at its ``values`` entry (lower = upper bound): a
    decision taken (a build, a purchase, an integer choice) that the solves after it keep."""
    lower = np.zeros(len(numbers.col_upper)) if numbers.col_lower is None else numbers.col_lower.copy()
    upper = numbers.col_upper.copy()
    lower[cols] = upper[cols] = values
    return dataclasses.replace(numbers, col_lower=lower, col_upper=upper)


def numbers_for(model: Model, data: PlannerInput, relax: tuple[str, ...] = ()) -> Numbers:
    """The model's numbers recomputed from ``data`` (a scenario of the inputs it was built from).

    Uses the same right-hand-side, bound and cost functions as the build, so a scenario
    solved by renumbering the base model is the LP its own build would give. Row families
    named in ``relax`` get an infinite right-hand side (``<=`` rows) or minus infinity
    (``>=`` rows), which switches them off without changing the model's structure.
    """
    rhs = np.empty(model.num_rows)
    for family in model.rows.values():
        if family.name in relax:
            rhs[family.rows] = np.inf if family.sense == "<=" else -np.inf
            continue
        rhs[family.rows] = [family.rhs(data, key) for key in family.keys]
    upper = model.derived("column upper bounds", lambda: np.asarray(model.col_upper, dtype=float)).copy()
    v = model.vars
    if v.spot:  # outside a stress test nothing is bought on the spot market
        upper[model.derived("spot columns", lambda: np.fromiter(v.spot.values(), dtype=np.int64))] = 0.0
    demand = np.fromiter((unmet_upper(data, key) for key in v.unmet), dtype=float, count=len(v.unmet))
    if len(demand):
        upper[model.derived("unmet columns", lambda: np.fromiter(v.unmet.values(), dtype=np.int64))] = demand
    for key, col in v.stock.items():
        upper[col] = stock_upper(data, key)
    for key, col in v.core.items():
        upper[col] = core_upper(data, key)
    for key, col in v.priced_out.items():
        upper[col] = step_upper(data, key)
    if data.lanes:
        upper[banned_columns(model, data)] = 0.0
    components = cost_components(data, v, model.num_cols)
    coefficients = None
    if model.coefficients:
        coefficients = np.array([family.value(data, key) for family in model.coefficients.values()
                                 for key in family.keys], dtype=np.float64)
    return Numbers(np.sum(list(components.values()), axis=0), upper, rhs, components, None, coefficients, demand)


def coefficient_cells(model: Model) -> list[tuple[int, int]]:
    """The (row, column) of every input-dependent matrix entry, in the order ``Numbers.coefficients`` holds them."""
    return [cell for family in model.coefficients.values() for cell in family.cells]


def banned_columns(model: Model, data: PlannerInput) -> list[int]:
    """Columns on routes an export ban closes in their period: flows (and spot twins) and deliveries."""
    country = data.site_country
    v = model.vars
    banned = []
    for (m, o, u, t), col in v.flow.items():
        closed, _points = data.lane_measures("supply", country(o), country(u), m, t)
        if closed:
            banned.append(col)
            if v.spot:
                banned.append(v.spot[(m, o, u, t)])
    for (m, u, d, t), col in v.ship.items():
        closed, _points = data.lane_measures("delivery", country(u), d, m, t)
        if closed:
            banned.append(col)
    return banned

"""Numbers the solver would change: a model's costs, bounds, right-hand sides and matrix entries
held to what HiGHS takes (``planner.input.limits``), before any solve.

Cells that reach the solver as they are typed are checked where they are read; this checks what the
model derives from several cells (a route's unit cost = cost + tariff_rate x price, default unmet
penalties, days-of-demand reserve targets, yields in the refining balance, every scenario's factors),
and what a new constraint family adds. Every number is either represented faithfully or refused by
name: the input sheet, row and column it comes from where the model knows them, and always the model
entry (a family and its key, e.g. ``flow[Li, AUS, USA, 2026]``) and what HiGHS can take. A model whose
numbers of one kind spread over more than ``MAX_RANGE`` gets a warning naming the entries at both ends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.errors import Issue
from planner.input import limits as L
from planner.model.keys import named

MODEL = "(model)"  # the "sheet" of a number whose input cells the model cannot name


@dataclass(frozen=True)
class _Source:
    """Where a number comes from: a sheet, its row (when known) and column, and what the number is."""

    sheet: str
    column: str | None
    what: str
    row: int | None = None


def check_numbers(model, data, numbers=None, scenario: str | None = None) -> tuple[list[Issue], list[str]]:
    """(problems, warnings) of ``model``'s numbers, or of ``numbers`` (a scenario's) on its structure.

    Problems are numbers HiGHS would change (read as 0 or as infinite); warnings are badly scaled
    ranges (base numbers only: a scenario rescales a few values, the ranges are the model's).
    """
    cost = np.asarray(model.col_cost if numbers is None else numbers.col_cost, dtype=float)
    upper = np.asarray(model.col_upper if numbers is None else numbers.col_upper, dtype=float)
    rhs = np.asarray(model.row_rhs if numbers is None else numbers.row_rhs, dtype=float)
    components = model.cost_components if numbers is None else numbers.components
    names = _Names(model)
    found: dict[tuple, list] = {}  # (source, rule) -> [(|value|, entry), ...]

    def note(indices, values, kind: str, rule: str, source_of):
        for i, value in zip(indices.tolist(), values.tolist()):
            source = source_of(i)  # one problem per input number, however many entries it reaches
            entries = found.setdefault((source, _CLASS[rule]), [kind, rule])
            entries.append((value, names.describe(kind, i)))

    abs_cost = np.abs(cost)
    bad = np.flatnonzero(~np.isfinite(cost) | (abs_cost >= L.INFINITE_COST))
    note(bad, cost[bad], "col", "infinite_cost", lambda j: _cost_source(model, data, components, names, j))
    finite = np.isfinite(upper)
    bad = np.flatnonzero(finite & (upper >= L.INFINITE_BOUND))
    note(bad, upper[bad], "col", "infinite_bound", lambda j: _bound_source(data, names, j))
    bad = np.flatnonzero(finite & (upper > 0) & (upper <= L.PRIMAL_FEASIBILITY_TOLERANCE))
    note(bad, upper[bad], "col", "tiny_bound", lambda j: _bound_source(data, names, j))
    abs_rhs = np.abs(rhs)
    finite = np.isfinite(rhs)  # a relaxed row has an infinite right-hand side on purpose
    bad = np.flatnonzero(finite & (abs_rhs >= L.INFINITE_BOUND))
    note(bad, rhs[bad], "row", "infinite_bound", lambda i: _rhs_source(data, names, i))
    bad = np.flatnonzero(finite & (abs_rhs > 0) & (abs_rhs <= L.PRIMAL_FEASIBILITY_TOLERANCE))
    note(bad, rhs[bad], "row", "tiny_rhs", lambda i: _rhs_source(data, names, i))
    warnings: list[str] = []
    if numbers is None:
        starts, index, value = model.matrix()
        entry_row = np.repeat(np.arange(model.num_rows), np.diff(starts))
        abs_value = np.abs(value)
        for rule, mask in (("small_matrix", (abs_value > 0) & (abs_value <= L.SMALL_MATRIX_VALUE)),
                           ("large_matrix", ~np.isfinite(value) | (abs_value >= L.LARGE_MATRIX_VALUE))):
            bad = np.flatnonzero(mask)
            note(entry_row[bad], value[bad], "row", rule,
                 lambda i: _matrix_source(data, names, i))
        priced = _priced_rows(model)
        if priced.size:  # rows the master of solver/priced.py holds: HiGHS never meets them beside the tonnes'
            keep = ~np.isin(entry_row, priced)
            abs_value, entry_row, index = abs_value[keep], entry_row[keep], index[keep]
            abs_rhs = abs_rhs.copy()
            abs_rhs[priced] = 0.0
        warnings = _scaling_warnings(names, abs_value, entry_row, index, abs_cost, upper, abs_rhs)
    return [_issue(source, kind, rule, entries, scenario) for (source, _), (kind, rule, *entries) in found.items()], \
        warnings


def _priced_rows(model) -> np.ndarray:
    """The budget rows of a linear program: priced by a small master, never in a program with the tonnes' rows."""
    if "budget" not in model.rows or model.integrality().any():
        return np.zeros(0, dtype=np.int64)
    return np.asarray(model.rows["budget"].rows, dtype=np.int64)


# --- what each number is ------------------------------------------------------------------------


_RULES = {
    "infinite_cost": "HiGHS treats a cost of {limit:g} or more as infinite (its option infinite_cost)",
    "infinite_bound": "HiGHS treats a bound of {limit:g} or more as no bound at all (its option infinite_bound)",
    "tiny_bound": "HiGHS meets a bound broken by at most {limit:g} (its primal_feasibility_tolerance), so it would "
                  "plan as if this were 0",
    "tiny_rhs": "HiGHS meets a constraint broken by at most {limit:g} (its primal_feasibility_tolerance), so it "
                "would plan as if this were 0",
    "small_matrix": "HiGHS drops matrix entries of at most {limit:g} (its option small_matrix_value), as if this "
                    "were 0",
    "large_matrix": "HiGHS refuses matrix entries of {limit:g} or more (its option large_matrix_value)",
}
_CLASS = {"infinite_cost": "large", "infinite_bound": "large", "large_matrix": "large", "tiny_bound": "small",
          "tiny_rhs": "small", "small_matrix": "small"}
_LIMITS = {"infinite_cost": L.INFINITE_COST, "infinite_bound": L.INFINITE_BOUND,
           "tiny_bound": L.PRIMAL_FEASIBILITY_TOLERANCE, "tiny_rhs": L.PRIMAL_FEASIBILITY_TOLERANCE,
           "small_matrix": L.SMALL_MATRIX_VALUE, "large_matrix": L.LARGE_MATRIX_VALUE}


def _issue(source: _Source, kind: str, rule: str, entries: list, scenario: str | None) -> Issue:
    value, entry = max(entries, key=lambda e: abs(e[0]) if rule not in ("tiny_bound", "tiny_rhs", "small_matrix")
                       else -abs(e[0]))
    more = f" (and {len(entries) - 1:,} more)" if len(entries) > 1 else ""
    place = f"column '{source.column}', " if source.column and source.row is None else ""
    where = f" in scenario '{scenario}'" if scenario else ""
    message = (f"{place}{source.what}{where} is {value:g}: {_role(kind, rule)} {entry}{more}; "
               f"{_RULES[rule].format(limit=_LIMITS[rule])}. Change the input so that it is "
               f"{'smaller' if rule.startswith(('infinite', 'large')) else 'larger, or 0'}.")
    return Issue(source.sheet, source.row, None, source.column, message)


def _role(kind: str, rule: str) -> str:
    if rule in ("small_matrix", "large_matrix"):
        return "a coefficient of"
    if kind == "col":
        return "the cost of" if rule == "infinite_cost" else "the upper bound of"
    return "the right-hand side of"


def _cost_source(model, data, components: dict, names: _Names, j: int) -> _Source:
    family, key = names.col(j)
    parts = {name: float(array[j]) for name, array in components.items()}
    part = max(parts, key=lambda name: abs(parts[name])) if parts else None
    spot = family == "spot"
    premium = f"(1 + spot_premium {float(data.settings.get('spot_premium') or 0):g}) x " if spot else ""
    try:  # a key of another shape than the family's (AttributeError) falls back to the model's own words
        if part in ("transport", "tariff") and family in ("flow", "spot", "ship"):
            m = key.mineral
            stage, a, b = ("delivery", key.refiner, key.market) if family == "ship" else \
                ("supply", key.origin, key.refiner)
            route = data.routes.get((stage, a, b, m))
            price_col = "raw_price" if stage == "supply" else "refined_price"
            price = getattr(data.minerals[m], price_col) or 0.0
            what = (f"{premium}the unit cost of the {stage} route {a} -> {b} for {m} (cost {route.cost:g} + "
                    f"tariff_rate {route.tariff_rate:g} x {price_col} {price:g})") if route else \
                f"{premium}the unit cost of the {stage} route {a} -> {b} for {m}"
            column = "tariff_rate" if route and route.tariff_rate else "cost"
            return _Source("routes", column, what, route.row if route else None)
        site = key.origin if part == "supply" else key.site if part == "refining" else None
        if part in ("supply", "refining") and site in data.projects:
            return _Source("projects", "cost", f"{premium}the unit cost of project {site}", data.projects[site].row)
        if part == "supply":
            return _Source("supply", "cost", f"{premium}the supply cost of {key.mineral} in {site} in {key.period}")
        if part == "refining":
            return _Source("refining", "cost", f"the refining cost of {key.mineral} in {site} in {key.period}")
        if part == "fixed" and family == "build":
            p = data.projects[key.project]
            return _Source("projects", "fixed_cost", f"project {p.name}'s fixed_cost x capacity x the years it "
                                                     f"stands if built in {key.period}", p.row)
        if part == "excess" and family == "excess":
            return _Source("shares", "penalty", "the penalty per t beyond this soft share limit", key.row)
        if part == "holding":
            return _Source("reserve", "holding_cost",
                           f"the holding cost of the {key.mineral} reserve for {key.market}")
        if part == "unmet" and family == "priced_out":
            return _Source("demand", "elasticity", f"the value of step {key.step + 1} of the demand for {key.mineral} "
                                                   f"in {key.market} in {key.period} (from its price and elasticity, "
                                                   "or its demand_curve price)")
        if part == "unmet":
            return _Source("minerals", "unmet_penalty",
                           f"the unmet penalty of {key.mineral} (its own, else the setting unmet_penalty, else 10 x "
                           "the sum of its largest supply, refining and route unit costs)")
        if part == "shortfall":
            return _Source("reserve", "shortfall_penalty",
                           f"the shortfall penalty of the {key.mineral} reserve for {key.market} (default half the "
                           "mineral's unmet penalty)")
    except (KeyError, IndexError, AttributeError, TypeError):
        pass
    return _Source(MODEL, None, f"the cost of {names.label(family, key)}")


def _bound_source(data, names: _Names, j: int) -> _Source:
    family, key = names.col(j)
    if family == "unmet":
        return _Source("demand", "demand", f"the demand for {key.mineral} in {key.market} in {key.period}")
    if family == "stock":
        return _Source("reserve", "max_stock", f"the max_stock of the {key.mineral} reserve for {key.market}")
    return _Source(MODEL, None, f"the upper bound of {names.label(family, key)}")


def _rhs_source(data, names: _Names, i: int) -> _Source:
    family, key = names.row(i)
    if family == "supply_capacity":
        return _Source("supply", "capacity", f"the supply capacity of {key.mineral} in {key.site} in {key.period}")
    if family == "refining_capacity":
        return _Source("refining", "capacity", f"the refining capacity of {key.mineral} in {key.site} in {key.period}")
    if family == "market_balance":
        reserve = data.reserves.get((key.mineral, key.market))
        less = " less the reserve's initial_stock" if reserve is not None and key.period == data.periods[0] else ""
        return _Source("demand", "demand", f"the demand for {key.mineral} in {key.market} in {key.period}{less}")
    if family == "reserve_target":
        return _Source("reserve_targets", "min_days",
                       f"the reserve target of {key.mineral} for {key.market} in {key.period} (the larger of "
                       "min_stock and min_days x demand / (365 x years))")
    return _Source(MODEL, None, f"the right-hand side of {names.label(family, key)}")


def _matrix_source(data, names: _Names, i: int) -> _Source:
    family, key = names.row(i)
    if family == "refining_balance":
        return _Source("refining", "yield", f"the refining yield of {key.mineral} in {key.site} in {key.period}")
    if family == "project_capacity" and key.project in data.projects:
        p = data.projects[key.project]
        return _Source("projects", "capacity", f"the capacity of project {p.name} (a scenario may scale it)", p.row)
    if family in ("share_max", "share_min"):
        column = "max_share" if family == "share_max" else "min_share"
        return _Source("shares", column, f"the {column} of this row", key.row)
    return _Source(MODEL, None, f"a coefficient in {names.label(family, key)}")


# --- scaling ------------------------------------------------------------------------------------


def _scaling_warnings(names, abs_value, entry_row, entry_col, abs_cost, upper, abs_rhs) -> list[str]:
    """A warning for each kind of number (matrix, costs, bounds and right-hand sides) spread beyond MAX_RANGE."""
    warnings = []
    bounds = np.abs(np.where(np.isfinite(upper), upper, 0.0))
    rhs = np.where(np.isfinite(abs_rhs), abs_rhs, 0.0)
    kinds = (
        ("matrix entries", abs_value, lambda k: f"the coefficient of {names.describe('col', int(entry_col[k]))} in "
                                                f"{names.describe('row', int(entry_row[k]))}"),
        ("costs", abs_cost, lambda k: f"the cost of {names.describe('col', k)}"),
        ("bounds and right-hand sides", np.concatenate([rhs, bounds]),
         lambda k: f"the right-hand side of {names.describe('row', k)}" if k < len(rhs)
         else f"the upper bound of {names.describe('col', k - len(rhs))}"),
    )
    for what, values, name in kinds:
        values = np.where(np.isfinite(values), values, 0.0)
        nonzero = np.flatnonzero(values > 0)
        if nonzero.size < 2:
            continue
        low = nonzero[np.argmin(values[nonzero])]
        high = nonzero[np.argmax(values[nonzero])]
        ratio = values[high] / values[low]
        if ratio > L.MAX_RANGE:
            warnings.append(
                f"the model is badly scaled: its {what} span a factor of {ratio:.1e}, from {values[low]:g} "
                f"({name(int(low))}) to {values[high]:g} ({name(int(high))}). HiGHS handles a spread of up to "
                f"{L.MAX_RANGE:.0e} well (it calls values outside [{L.EXCESSIVELY_SMALL:g}, "
                f"{L.EXCESSIVELY_LARGE:g}] excessive, and one scale factor cannot fit a wider spread): the plan may "
                "be inaccurate. Check these values and their units.")
    return warnings


class _Names:
    """The family and key of every row and column, found on demand."""

    def __init__(self, model):
        self._families = {"row": list(model.rows.values()), "col": list(model.columns.values())}
        self._index: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._sizes = {"row": model.num_rows, "col": model.num_cols}

    def _lookup(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        if kind not in self._index:
            family = np.full(self._sizes[kind], -1, dtype=np.int64)
            position = np.zeros(self._sizes[kind], dtype=np.int64)
            for f, fam in enumerate(self._families[kind]):
                members = np.asarray(fam.rows if kind == "row" else fam.cols, dtype=np.int64)
                family[members] = f
                position[members] = np.arange(len(members))
            self._index[kind] = (family, position)
        return self._index[kind]

    def _get(self, kind: str, i: int) -> tuple[str, tuple]:
        """The family and key, named (``planner.model.keys``), of row or column ``i``."""
        family, position = self._lookup(kind)
        f = int(family[i])
        if f < 0:
            return ("?", (i,))
        fam = self._families[kind][f]
        return fam.name, named(kind, fam.name, fam.keys[int(position[i])])

    def row(self, i: int) -> tuple[str, tuple]:
        return self._get("row", i)

    def col(self, j: int) -> tuple[str, tuple]:
        return self._get("col", j)

    def describe(self, kind: str, i: int) -> str:
        return self.label(*self._get(kind, i))

    @staticmethod
    def label(family: str, key: tuple) -> str:
        return f"{family}[{', '.join(_short(k) for k in key)}]"


def _short(value) -> str:
    if isinstance(value, float):
        return f"{value:g}" if math.isfinite(value) else str(value)
    return str(value)

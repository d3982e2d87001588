"""Turn a solved model into plain tables (pandas DataFrames); no formatting here."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.input.data import PlannerInput
from planner.model.build import Model, Numbers
from planner.model.constraints.budget import budget_units, value_of_money
from planner.model.constraints.paths import ruled_markets
from planner.solver import Solution

# Values below this are solver noise, not tonnes (HiGHS' primal tolerance is 1e-7).
ZERO = 1e-9
# Two optimal objectives closer than this, relative to their size, are equal.
RELATIVE_NOISE = 1e-9


def noise_free(difference: float, scale: float) -> float:
    """``difference`` of two optimal objectives of size ``scale``, or 0 where it is solver noise."""
    return 0.0 if abs(difference) <= RELATIVE_NOISE * max(1.0, abs(scale)) else difference

TABLE_COLUMNS = {
    "flows": ["scenario", "mineral", "period", "origin", "refiner", "tonnes"],
    "refining": ["scenario", "mineral", "period", "refiner", "input_tonnes", "output_tonnes"],
    "deliveries": ["scenario", "mineral", "period", "refiner", "market", "tonnes"],
    "reserve": ["scenario", "mineral", "market", "period", "stock", "target", "shortfall"],
    "unmet": ["scenario", "mineral", "market", "period", "tonnes"],
}


@dataclass
class ScenarioResult:
    """One scenario's status, cost components and plan tables (empty when it did not solve)."""

    scenario: str
    status: str
    total_cost: float | None
    components: dict[str, float]
    tables: dict[str, pd.DataFrame]
    solution: Solution | None = field(default=None, repr=False)  # kept for explanations
    numbers: Numbers | None = field(default=None, repr=False)
    measures: dict = field(default_factory=dict)  # what a command adds (stress: spot tonnes, first period ...)

    @property
    def optimal(self) -> bool:
        return self.status == "Optimal"

    @property
    def solve_seconds(self) -> float:
        return self.solution.solve_seconds if self.solution is not None else 0.0


def scenario_result(name: str, model: Model, data: PlannerInput, numbers: Numbers,
                    solution: Solution) -> ScenarioResult:
    """Tables of one scenario's plan; empty tables when it did not solve to optimality."""
    if not solution.optimal:
        empty = {k: pd.DataFrame(columns=cols) for k, cols in TABLE_COLUMNS.items()}
        return ScenarioResult(name, solution.status, None, {}, empty, solution, numbers)
    x = np.where(np.abs(solution.x) < ZERO, 0.0, solution.x)
    v = model.vars
    components = {c: float(weights @ x) for c, weights in numbers.components.items()}
    tables = {
        "flows": _sited(_flows_table(name, model, x), data, {"origin": "origin_project", "refiner": "refiner_project"}),
        "deliveries": _sited(_table(name, v, "ship", x, ["mineral", "refiner", "market", "period"], "tonnes",
                                    TABLE_COLUMNS["deliveries"]), data, {"refiner": "project"}),
        "unmet": _table(name, v, "unmet", x, ["mineral", "market", "period"], "tonnes", TABLE_COLUMNS["unmet"]),
        "refining": _sited(_refining_table(name, model, x), data, {"refiner": "project"}),
        "reserve": _reserve_table(name, model, data, x),
    }
    if ruled_markets(data):
        tables["paths"] = _sited(_paths_table(name, model, x), data,
                                 {"origin": "origin_project", "refiner": "refiner_project"})
    if v.excess:
        tables["excess"] = _excess_table(name, model, data, numbers, x)
    if v.build:
        tables["investments"] = investments_table(name, model, data, x)
    if v.priced_out:
        tables["priced_out"] = _priced_out_table(name, model, data, numbers, x)
    if v.bought:
        tables["stockpiles"] = stockpiles_table(name, model, data, numbers, x)
    if "budget" in model.rows:
        tables["budgets"] = budgets_table(name, model, data, numbers, x, solution)
    return ScenarioResult(name, solution.status, float(sum(components.values())), components, tables, solution,
                          numbers)


def scenario_totals(name: str, numbers: Numbers, solution: Solution) -> ScenarioResult:
    """One scenario's status and cost components without its plan tables: what a sample of many needs."""
    if not solution.optimal:
        return ScenarioResult(name, solution.status, None, {}, {}, solution)
    x = np.where(np.abs(solution.x) < ZERO, 0.0, solution.x)
    components = {c: float(weights @ x) for c, weights in numbers.components.items()}
    return ScenarioResult(name, solution.status, float(sum(components.values())), components, {}, solution)


def unmet_by_mineral(model: Model, x: np.ndarray) -> dict[str, float]:
    """Demand left unserved over every market and period, per mineral (tonnes of two minerals never add)."""
    minerals, cols = model.derived("unmet columns by mineral", lambda: (
        [m for m, _d, _t in model.vars.unmet], np.fromiter(model.vars.unmet.values(), dtype=np.int64,
                                                           count=len(model.vars.unmet))))
    out: dict[str, float] = {}
    for m, value in zip(minerals, np.where(np.abs(x[cols]) < ZERO, 0.0, x[cols])):
        out[m] = out.get(m, 0.0) + float(value)
    return out


PATH_COLUMNS = ["scenario", "mineral", "period", "origin", "refiner", "market", "tonnes"]
EXCESS_COLUMNS = ["scenario", "shares_row", "mineral", "period", "stage", "scope", "market", "bound",
                  "tonnes_beyond", "penalty", "cost"]
PRICED_OUT_COLUMNS = ["scenario", "mineral", "market", "period", "step", "step_value", "step_tonnes", "tonnes"]
INVESTMENT_COLUMNS = ["scenario", "project", "country", "stage", "mineral", "period", "fraction_built",
                      "capacity_added", "fixed_cost"]


def _paths_table(scenario, model: Model, x) -> pd.DataFrame:
    """Raw tonnes from each origin, through each refiner, in what each market receives.

    The model traces the ruled markets (``paths``); what a flow sends elsewhere is split over the
    refiner's other markets in proportion to what each of them receives from it.
    """
    v = model.vars
    traced = {key: x[col] for key, col in v.path.items()}
    ruled_of = ruled_markets(model.data)
    flows = {}  # (m, o, u, t) -> tonnes of the flows into a ruled market's mineral and period
    for key, col in v.flow.items():
        m, _o, _u, t = key
        if (m, t) in ruled_of:
            flows[key] = x[col] + (x[v.spot[key]] if key in v.spot else 0.0)
    others: dict[tuple, dict[str, float]] = {}
    for (m, u, d, t), col in v.ship.items():
        if (m, t) in ruled_of and d not in ruled_of[(m, t)] and x[col] > 0:
            others.setdefault((m, u, t), {})[d] = x[col]
    rows = [(scenario, m, t, o, u, d, q) for (m, o, u, d, t), q in traced.items() if q > 0]
    for (m, o, u, t), f in flows.items():
        # Summed in a fixed order: a set's order follows the hash seed, and so would the last digit.
        rest = f - sum(traced.get((m, o, u, d, t), 0.0) for d in sorted(ruled_of[(m, t)]))
        receivers = others.get((m, u, t), {})
        total = sum(receivers.values())
        if rest > ZERO and total > 0:
            rows += [(scenario, m, t, o, u, d, rest * q / total) for d, q in receivers.items()]
    rows.sort(key=lambda r: (r[1], r[2], r[3], r[4], r[5]))
    return pd.DataFrame(rows, columns=PATH_COLUMNS)


def _sited(frame: pd.DataFrame, data: PlannerInput, columns: dict[str, str]) -> pd.DataFrame:
    """Sites as their countries; where the workbook has projects, a column naming the project of each."""
    if not data.projects:
        return frame
    for site, project in columns.items():
        sites = frame[site]
        frame[project] = sites.where(sites.isin(list(data.projects)), None)
        frame[site] = sites.map(data.site_country)
    return frame


def _excess_table(scenario, model: Model, data: PlannerInput, numbers: Numbers, x) -> pd.DataFrame:
    """Every tonne beyond a soft limit, and what the plan pays for it."""
    rows = []
    for (m, sheet_row, stage, scope, market, bound, t), col in model.vars.excess.items():
        if x[col] > 0:
            penalty = numbers.components["excess"][col]
            rows.append((scenario, sheet_row, m, t, stage, scope, market or None, bound, x[col], penalty,
                         penalty * x[col]))
    return pd.DataFrame(rows, columns=EXCESS_COLUMNS)


def _priced_out_table(scenario, model: Model, data: PlannerInput, numbers: Numbers, x) -> pd.DataFrame:
    """Every demand step with tonnes left unserved: its value to its buyers, its size, what goes unserved."""
    rows = [(scenario, m, d, t, k + 1, numbers.col_cost[col], numbers.col_upper[col], x[col])
            for (m, d, k, t), col in model.vars.priced_out.items() if x[col] > 0]
    return pd.DataFrame(rows, columns=PRICED_OUT_COLUMNS)


STOCKPILE_COLUMNS = ["scenario", "mineral", "market", "bought", "spent", "end_stock", "salvage_value"]
BUDGET_COLUMNS = ["scenario", "budget", "amount", "spent", "value_of_money"]


def stockpiles_table(scenario, model: Model, data: PlannerInput, numbers: Numbers, x) -> pd.DataFrame:
    """Per reserve with a purchase price: what is bought up front, for how much, what is left at the end and its
    salvage value."""
    last = data.periods[-1]
    rows = []
    for (m, d, _t), col in model.vars.bought.items():
        reserve = data.reserves[(m, d)]
        end = x[model.vars.stock[(m, d, last)]]
        rows.append((scenario, m, d, x[col], reserve.purchase_price * x[col], end, reserve.salvage * end))
    return pd.DataFrame(rows, columns=STOCKPILE_COLUMNS)


def budgets_table(scenario, model: Model, data: PlannerInput, numbers: Numbers, x, solution: Solution
                  ) -> pd.DataFrame:
    """Per budget: its amount, what the plan spends of it, and what one more unit of money would save.

    The value of money is minus the dual of the budget's row (a <= row of a minimisation has a dual
    <= 0); for a mixed-integer plan, that of the LP with its integer choices fixed.
    """
    family = model.rows["budget"]
    activity = model.row_activity(x)
    rows = []
    for (_sheet_row, name), row, unit in zip(family.keys, family.rows, budget_units(model, data)):
        dual = solution.row_dual[row] if solution.row_dual is not None else np.nan
        value = float(value_of_money(dual, unit)) if dual == dual else np.nan
        rows.append((scenario, name, numbers.row_rhs[row] * unit, activity[row] * unit,
                     value if abs(value) > 1e-12 else 0.0))
    return pd.DataFrame(rows, columns=BUDGET_COLUMNS)


def investments_table(scenario, model: Model, data: PlannerInput, x) -> pd.DataFrame:
    """What is built, when, how much, and its fixed cost over the horizon."""
    rows = []
    for (m, name, t), col in model.vars.build.items():
        if x[col] > 0:
            p = data.projects[name]
            years = sum(data.years[tt] for tt in data.periods[data.period_index[t]:])
            rows.append((scenario, name, p.country, p.stage, m, t, x[col], x[col] * p.capacity,
                         x[col] * p.capacity * p.fixed_cost * years))
    return pd.DataFrame(rows, columns=INVESTMENT_COLUMNS)


def _table(scenario, v, family: str, x, key_names, value_name, columns) -> pd.DataFrame:
    """Rows of the keys whose column is above zero (most flows of a plan are zero)."""
    keys, cols = v.keys_and_columns(family)
    values = x[cols] if len(cols) else np.zeros(0)
    keep = np.flatnonzero(values > 0)
    frame = pd.DataFrame([keys[i] for i in keep], columns=key_names)
    frame[value_name] = values[keep]
    frame.insert(0, "scenario", scenario)
    return frame[columns]


def _flows_table(scenario, model: Model, x) -> pd.DataFrame:
    """Raw tonnes by route; in a stress test also the kept part of the contract and the spot part."""
    v = model.vars
    columns = TABLE_COLUMNS["flows"]
    if not v.spot:
        return _table(scenario, v, "flow", x, ["mineral", "origin", "refiner", "period"], "tonnes", columns)
    keys, flow_cols = v.keys_and_columns("flow")
    spot_cols = v.cache.get("spot columns")
    if spot_cols is None:
        spot_cols = v.cache["spot columns"] = np.fromiter((v.spot[k] for k in keys), dtype=np.int64, count=len(keys))
    kept, spot = x[flow_cols], x[spot_cols]
    keep = np.flatnonzero(kept + spot > 0)
    frame = pd.DataFrame([keys[i] for i in keep], columns=["mineral", "origin", "refiner", "period"])
    frame["tonnes"], frame["kept_tonnes"], frame["spot_tonnes"] = kept[keep] + spot[keep], kept[keep], spot[keep]
    frame.insert(0, "scenario", scenario)
    return frame[columns + ["kept_tonnes", "spot_tonnes"]]


def _refining_table(scenario, model: Model, x) -> pd.DataFrame:
    v = model.vars
    keys, out_cols = v.keys_and_columns("out")

    def inflow_index():  # which output each flow (then spot) column feeds, and the columns
        position = {key: i for i, key in enumerate(keys)}
        sourced = v.sourced()
        return (np.fromiter((position[(m, r, t)] for (m, _c, r, t), _col in sourced), dtype=np.int64,
                            count=len(sourced)),
                np.fromiter((col for _key, col in sourced), dtype=np.int64, count=len(sourced)))
    into, sourced_cols = model.derived("refining inflow index", inflow_index)
    inflow = np.bincount(into, weights=x[sourced_cols], minlength=len(keys)) if len(keys) else np.zeros(0)
    output = x[out_cols]
    rows = []
    for i in np.flatnonzero((output > 0) | (inflow > 0)):
        m, r, t = keys[i]
        rows.append((scenario, m, t, r, inflow[i], output[i]))
    return pd.DataFrame(rows, columns=TABLE_COLUMNS["refining"])


def _reserve_table(scenario, model: Model, data: PlannerInput, x) -> pd.DataFrame:
    v = model.vars
    rows = [(scenario, m, d, t, x[col], data.target(m, d, t), x[v.shortfall[(m, d, t)]])
            for (m, d, t), col in v.stock.items()]
    return pd.DataFrame(rows, columns=TABLE_COLUMNS["reserve"])


def combine(results: list[ScenarioResult], table: str) -> pd.DataFrame:
    """One table over all scenarios, in scenario order."""
    frames = [r.tables[table] for r in results if table in r.tables and len(r.tables[table])]
    if not frames:
        columns = next((r.tables[table].columns for r in results if table in r.tables), TABLE_COLUMNS.get(table, []))
        return pd.DataFrame(columns=list(columns))
    return pd.concat(frames, ignore_index=True)


def plan_tables(results: list[ScenarioResult]) -> dict[str, pd.DataFrame]:
    """Flows, Refining, Deliveries, Reserve and Unmet over every scenario; Paths, Excess, Investments and
    Priced out where the model has them."""
    names = list(TABLE_COLUMNS) + [t for t in ("paths", "excess", "investments", "priced_out", "stockpiles", "budgets")
                                   if any(t in r.tables for r in results)]
    return {name: combine(results, name) for name in names}


def capacity_built(investments: pd.DataFrame, minerals: list[str], periods: list[str]) -> pd.DataFrame:
    """Capacity added by country in each period, a column per country: one block of rows per plan (scenario),
    mineral (in sheet order) and stage it builds for, so tonnes of different minerals, or of mines and
    refineries, are never added."""
    keys = ["scenario", "mineral", "stage", "period"]
    if investments.empty:
        return pd.DataFrame(columns=keys)
    wide = investments.pivot_table(index=keys, columns="country", values="capacity_added", aggfunc="sum",
                                   fill_value=0.0, sort=False)
    plan_order = {s: i for i, s in enumerate(dict.fromkeys(investments["scenario"]))}
    mineral_order = {m: i for i, m in enumerate(minerals)}
    stage_order = {"supply": 0, "refining": 1}
    blocks = sorted(set(zip(investments["scenario"], investments["mineral"], investments["stage"])),
                    key=lambda b: (plan_order[b[0]], mineral_order[b[1]], stage_order[b[2]]))
    full = pd.MultiIndex.from_tuples([(*block, t) for block in blocks for t in periods], names=keys)
    wide = wide.reindex(full, fill_value=0.0)
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()

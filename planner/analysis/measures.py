"""Measures of a solved plan that several reports share: cost by mineral, tonnes by stage, concentration."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.input.data import PlannerInput
from planner.model.build import Model, Numbers

BINDING_TOL = 1e-6


# Cost components that move money between parties rather than use resources (spec, Version 3): a tariff
# goes to the importing government, a soft limit's or a reserve target's penalty prices a target.
TRANSFERS = ("tariff", "excess", "shortfall")


def mineral_costs(model: Model, numbers: Numbers, x: np.ndarray) -> pd.Series:
    """The objective split by mineral (the LP is separable by mineral)."""
    codes, minerals = model.derived("mineral_codes", lambda: pd.factorize(model.col_minerals()))
    return pd.Series(np.bincount(codes, weights=numbers.col_cost * x, minlength=len(minerals)), index=minerals)


def mineral_economic_costs(model: Model, numbers: Numbers, x: np.ndarray) -> pd.Series:
    """Each mineral's economic cost: its cost without the TRANSFERS."""
    codes, minerals = model.derived("mineral_codes", lambda: pd.factorize(model.col_minerals()))
    transfers = sum((numbers.components[c] for c in TRANSFERS if c in numbers.components), np.zeros(model.num_cols))
    return pd.Series(np.bincount(codes, weights=(numbers.col_cost - transfers) * x, minlength=len(minerals)),
                     index=minerals)


def stage_tonnes(model: Model, x: np.ndarray) -> pd.DataFrame:
    """Tonnes by (mineral, stage, period, country): raw sourced at supply, refined output at refining."""
    groups, cols, codes = model.derived("stage_groups", lambda: _stage_groups(model))
    frame = groups.copy()
    frame["tonnes"] = np.bincount(codes, weights=x[cols], minlength=len(groups)) if len(cols) else 0.0
    return frame


def _stage_groups(model: Model):
    """The (mineral, stage, period, country) groups, and for each column carrying a stage quantity its group."""
    v = model.vars
    country = model.data.site_country  # a candidate project's tonnes are its country's
    keys, cols = [], []
    for (m, o, _u, t), col in v.sourced():
        keys.append((m, "supply", t, country(o)))
        cols.append(col)
    for (m, u, t), col in v.out.items():
        keys.append((m, "refining", t, country(u)))
        cols.append(col)
    position: dict[tuple, int] = {}
    codes = np.fromiter((position.setdefault(k, len(position)) for k in keys), dtype=np.int64, count=len(keys))
    groups = pd.DataFrame(list(position), columns=["mineral", "stage", "period", "country"])
    return groups, np.asarray(cols, dtype=np.int64), codes


def concentration_metrics(quantities: pd.DataFrame, keys=("mineral", "stage", "period")) -> pd.DataFrame:
    """Per group: total, top country and its share, countries used, Herfindahl-Hirschman index (0-10,000)."""
    q = quantities[quantities["tonnes"] > BINDING_TOL].copy()
    if q.empty:
        return pd.DataFrame(columns=[*keys, "total", "top_country", "top_share", "countries", "hhi"])
    q["total"] = q.groupby(list(keys), sort=False)["tonnes"].transform("sum")
    q["share"] = q["tonnes"] / q["total"]
    q["points_squared"] = (100.0 * q["share"]) ** 2
    q = q.sort_values([*keys, "share", "country"], ascending=[True] * len(keys) + [False, True], kind="stable")
    grouped = q.groupby(list(keys), sort=False)
    out = grouped.agg(total=("tonnes", "sum"), top_country=("country", "first"), top_share=("share", "first"),
                      countries=("country", "count"), hhi=("points_squared", "sum"))
    return out.reset_index()


def mineral_totals(model: Model, numbers: Numbers, x: np.ndarray) -> pd.DataFrame:
    """Per mineral: its cost, its unmet demand and its demand (t), over every market and period.

    Demand is the scenario's (read from the numbers), over every period, also those a stress test fixes.
    """
    codes, minerals = model.derived("mineral_codes", lambda: pd.factorize(model.col_minerals()))
    unmet = np.asarray(list(model.vars.unmet.values()), dtype=np.int64)
    demand = numbers.demand if numbers.demand is not None else numbers.col_upper[unmet]
    n = len(minerals)
    frame = pd.DataFrame({
        "cost": np.bincount(codes, weights=numbers.col_cost * x, minlength=n),
        "unmet": np.bincount(codes[unmet], weights=x[unmet], minlength=n) if len(unmet) else np.zeros(n),
        "demand": np.bincount(codes[unmet], weights=demand, minlength=n) if len(unmet)
        else np.zeros(n),
    }, index=pd.Index(minerals, name="mineral"))
    return frame


def reserve_stock(model: Model, data: PlannerInput, x: np.ndarray) -> pd.DataFrame:
    """Each reserve's stock, a column per (mineral, market): its initial stock, then every period's end."""
    keys = list(data.reserves)
    values = np.array([[data.reserves[(m, d)].initial_stock, *(x[model.vars.stock[(m, d, t)]] for t in data.periods)]
                       for (m, d) in keys], dtype=float).reshape(len(keys), len(data.periods) + 1)
    columns = pd.MultiIndex.from_arrays([[m for m, _d in keys], [d for _m, d in keys]], names=["mineral", "market"])
    return pd.DataFrame(values.T, columns=columns)


def stock_falls(stock: pd.DataFrame) -> pd.Series:
    """Per column of stocks, the sum of every period's fall: sum_t max(0, S[t-1] - S[t])."""
    falls = np.clip(-np.diff(stock.to_numpy(dtype=float), axis=0), 0.0, None).sum(axis=0)
    return pd.Series(falls, index=stock.columns, dtype=float)


def reserve_drawn(model: Model, data: PlannerInput, x: np.ndarray) -> pd.Series:
    """Tonnes taken out of each reserve (m, d) over the horizon: the sum of every period's fall in stock,

        drawn[m,d] = sum_t max(0, stock[m,d,t-1] - stock[m,d,t]),  stock[m,d,t0-1] = initial_stock[m,d].
    """
    return stock_falls(reserve_stock(model, data, x))


def top_shares(model: Model, x: np.ndarray) -> pd.DataFrame:
    """Per mineral and stage: the country with the most tonnes over the whole horizon, and its share."""
    q = stage_tonnes(model, x)
    q = q[q["tonnes"] > BINDING_TOL]
    if q.empty:
        return pd.DataFrame(columns=["mineral", "stage", "top_country", "top_share"])
    by_country = q.groupby(["mineral", "stage", "country"], sort=False)["tonnes"].sum().reset_index()
    by_country["share"] = by_country["tonnes"] / by_country.groupby(["mineral", "stage"])["tonnes"].transform("sum")
    by_country = by_country.sort_values(["mineral", "stage", "share", "country"], ascending=[True, True, False, True],
                                        kind="stable")
    top = by_country.groupby(["mineral", "stage"], sort=False).first().reset_index()
    return top.rename(columns={"country": "top_country", "share": "top_share"})[
        ["mineral", "stage", "top_country", "top_share"]]

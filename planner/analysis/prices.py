"""Prices: what one more tonne delivered to a market is worth, in the base plan and every scenario.

The price of a market in a period is the dual y of its balance row. Unserved demand comes in
pieces, each with a value per t: a fixed demand's unmet tonnes at the unmet penalty U; an elastic
demand's core at U and its steps at v_1 > ... > v_K; bid steps at their prices. At an optimum a
piece partly unserved has value y, so where one exists the price is its value, unique. Where a
market's demand goes wholly unserved, every y from the most valuable piece's value up is an
optimal dual (two solves of the same plan may return different ones): the planner reports that
lower end, the value of the most valuable unserved tonne, which is what one more tonne delivered
would save. Elsewhere the price is the balance row's dual as the solver returns it (where a
supply is used up exactly at a step's edge, that is one value of the dual's range).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.analysis.results import ZERO, ScenarioResult
from planner.input.data import PlannerInput
from planner.model.build import Model

PRICE_COLUMNS = ["scenario", "mineral", "market", "period", "price", "reference_price", "price_change"]


def _pieces(model: Model, data: PlannerInput) -> dict[tuple, list[tuple[int, float]]]:
    """(m, d, t) -> its unserved pieces as (column, value per t): unmet, or the core and each step."""
    v = model.vars

    def make():
        pieces: dict[tuple, list[tuple[int, float]]] = {}
        for (m, d, t), col in v.unmet.items():
            if (m, d, t) not in data.curves:
                pieces[(m, d, t)] = [(col, data.minerals[m].unmet_penalty)]
        for key, col in v.core.items():
            pieces.setdefault(key, []).append((col, data.curves[key].core_value))
        for (m, d, k, t), col in v.priced_out.items():
            pieces.setdefault((m, d, t), []).append((col, data.curves[(m, d, t)].values[k]))
        return pieces
    return model.derived(("price pieces", id(data)), lambda: (data, make()))[1]


def market_prices(model: Model, data: PlannerInput, r: ScenarioResult) -> list[float]:
    """The price of every market balance row (in the family's order), NaN where the solve gave no duals."""
    family = model.rows["market_balance"]
    if r.solution is None or r.solution.row_dual is None:
        return [np.nan] * len(family.keys)
    x, upper = r.solution.x, r.numbers.col_upper
    dual = r.solution.row_dual[np.asarray(family.rows, dtype=np.int64)].tolist()
    pieces = _pieces(model, data)
    prices = []
    for key, y in zip(family.keys, dual):
        price = float(y)
        own = pieces.get(key, ())
        partly = [value for col, value in own if ZERO < x[col] < upper[col] - ZERO * max(1.0, upper[col])]
        if partly:
            price = max(partly)
        elif own and all(x[col] >= upper[col] - ZERO * max(1.0, upper[col]) for col, _value in own) \
                and any(upper[col] > 0 for col, _value in own):
            price = max(value for col, value in own if upper[col] > 0)
        prices.append(price)
    return prices


def reference_price(data: PlannerInput, mineral: str, market: str, period: str) -> float | None:
    """p0 of an elastic row, the mineral's refined_price for fixed demand, None for bid steps."""
    curve = data.curves.get((mineral, market, period))
    if curve is not None:
        return curve.reference_price
    return data.minerals[mineral].refined_price


def prices_table(model: Model, data: PlannerInput, results: list[ScenarioResult]) -> pd.DataFrame:
    """One row per scenario, mineral, market and period: its price, its reference price, the change against base."""
    if "market_balance" not in model.rows:
        return pd.DataFrame(columns=PRICE_COLUMNS)
    keys = model.rows["market_balance"].keys
    base = results[0]
    base_prices = market_prices(model, data, base) if base.optimal else [np.nan] * len(keys)
    rows = []
    for r in results:
        if not r.optimal:
            continue
        prices = base_prices if r is base else market_prices(model, data, r)
        for (m, d, t), p, p_base in zip(keys, prices, base_prices):
            rows.append((r.scenario, m, d, t, p, reference_price(data, m, d, t), p - p_base))
    return pd.DataFrame(rows, columns=PRICE_COLUMNS)

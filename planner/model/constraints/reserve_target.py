"""Reserve target: the stock a reserve should hold at the end of each period."""

from planner.model.core import GE


def reserve_target_rhs(data, key) -> float:
    """max(min_stock, min_days x demand / (365 x years))."""
    m, d, t = key
    return data.target(m, d, t)


def add_reserve_target(model, data, v) -> None:
    """Stock plus shortfall reaches the target.

    Formulation
    -----------
    for each reserve (m, d) and period t:
        stock[m,d,t] + shortfall[m,d,t] >= max(min_stock[m,d,t], min_days[m,d,t] * demand[m,d,t] / (365 * years[t]))
    """
    family = model.row_family("reserve_target", GE, reserve_target_rhs)
    for key, stock_col in v.stock.items():
        model.add_row(family, key, [(stock_col, 1.0), (v.shortfall[key], 1.0)], reserve_target_rhs(data, key))

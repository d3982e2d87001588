"""Market balance: demand is met by deliveries, unmet demand and, where a reserve exists, its stock."""

from planner.model.constraints._group import group
from planner.model.core import EQ


def market_balance_rhs(data, key) -> float:
    """demand[m,d,t], less the initial stock in the first period of a market with a reserve."""
    m, d, t = key
    demand = data.demand.get(key, 0.0)
    reserve = data.reserves.get((m, d))
    if reserve is not None and t == data.periods[0]:
        return demand - reserve.initial_stock
    return demand


def add_market_balance(model, data, v) -> None:
    """Every market's demand is delivered, left unmet, or drawn from (and put into) its reserve.

    Formulation
    -----------
    for each mineral m, market d of m and period t; without a reserve for (m, d):
        sum_r ship[m,r,d,t] + unmet[m,d,t] = demand[m,d,t]
    with a reserve (stock[m,d,t-1] = initial_stock + bought[m,d] in the first period, bought where the
    reserve has a purchase_price):
        sum_r ship[m,r,d,t] + unmet[m,d,t] + stock[m,d,t-1] - stock[m,d,t] = demand[m,d,t]

    which is the spec's stock[t] = stock[t-1] + ship + unmet - demand, written with demand on
    the right so that the row's dual is the marginal cost of one more tonne of demand.
    """
    family = model.row_family("market_balance", EQ, market_balance_rhs)
    delivered = group(((m, d, t), col) for (m, _r, d, t), col in v.ship.items())
    previous = dict(zip(data.periods[1:], data.periods[:-1]))
    for key, unmet_col in v.unmet.items():
        m, d, t = key
        terms = [(c, 1.0) for c in delivered.get(key, ())] + [(unmet_col, 1.0)]
        if key in v.stock:
            terms.append((v.stock[key], -1.0))
            if t in previous:
                terms.append((v.stock[(m, d, previous[t])], 1.0))
            elif key in v.bought:
                terms.append((v.bought[key], 1.0))
        model.add_row(family, key, terms, market_balance_rhs(data, key))

"""Chain of custody: the raw tonnes from each mine in what a ruled market receives.

Created only for the minerals, periods and markets where a share rule on one market's supply
exists, so models without such a rule keep their size.
"""

from planner.model.constraints._group import group
from planner.model.constraints.refining import site_yield
from planner.model.core import EQ, LE


def _zero(data, key) -> float:
    return 0.0


def ruled_markets(data) -> dict[tuple, set[str]]:
    """(m, t) -> the markets a share rule on supply covers in that mineral and period."""
    ruled: dict[tuple, set[str]] = {}
    for rule in data.shares:
        if rule.market is None or rule.stage != "supply":
            continue
        for m in ([rule.mineral] if rule.mineral else data.minerals):
            for t in ([rule.period] if rule.period else data.periods):
                ruled.setdefault((m, t), set()).add(rule.market)
    return ruled


def path_keys(data, v) -> list[tuple]:
    """(m, o, u, d, t) for every flow o -> u and open delivery u -> d to a ruled market d."""
    ruled = ruled_markets(data)
    if not ruled:
        return []
    reached: dict[tuple, list[str]] = {}  # (m, u, t) -> ruled markets u delivers to
    for (m, u, d, t) in v.ship:
        if d in ruled.get((m, t), ()):
            reached.setdefault((m, u, t), []).append(d)
    return [(m, o, u, d, t) for (m, o, u, t) in v.flow for d in reached.get((m, u, t), ())]


def add_paths(model, data, v) -> None:
    """Split each flow by the ruled market its refined tonnes reach.

    Formulation
    -----------
    The spec's paths: for each (m, t) with a market-scoped supply rule, each flow[m,o,u,t] and
    open route u -> d, path[m,o,u,d,t] >= 0 with
        sum_d path[m,o,u,d,t] = flow[m,o,u,t]                 and
        yield[m,u,t] * sum_o path[m,o,u,d,t] = ship[m,u,d,t]  for every d.
    Only the ruled markets D* need their own paths: the rest of each flow can always be split over
    the other markets in proportion to what they receive (both sums hold for any such split), so
    the same plans are feasible with
        sum_{d in D*} path[m,o,u,d,t] - flow[m,o,u,t] <= 0                       (path_flow)
        yield[m,u,t] * sum_o path[m,o,u,d,t] - ship[m,u,d,t] = 0   for d in D*   (path_ship)
    (in a stress test flow = kept + spot). A refiner may assign its inputs to its customers, as
    segregated supply contracts do. The output's Paths table completes the split for the other
    markets, in proportion.
    """
    keys = path_keys(data, v)
    if not keys:
        return
    v.path.update(model.add_columns("path", keys))
    family = model.row_family("path_flow", LE, _zero)
    flows = group(((m, o, u, t), col) for (m, o, u, _d, t), col in v.path.items())
    for key, cols in flows.items():
        terms = [(c, 1.0) for c in cols] + [(v.flow[key], -1.0)]
        if key in v.spot:
            terms.append((v.spot[key], -1.0))
        model.add_row(family, key, terms, 0.0)
    family = model.row_family("path_ship", EQ, _zero)
    deliveries = group(((m, u, d, t), col) for (m, _o, u, d, t), col in v.path.items())
    for (m, u, d, t), cols in deliveries.items():
        y = site_yield(data, (m, u, t))
        model.add_row(family, (m, u, d, t), [(c, y) for c in cols] + [(v.ship[(m, u, d, t)], -1.0)], 0.0)

"""By-products: supply tied to a host mineral's (cobalt mined with copper, gallium recovered from alumina)."""

from planner.model.core import LE
from planner.model.keys import ByproductKey


def _zero(data, key) -> float:
    return 0.0


def add_byproducts(model, data, v) -> None:
    """A country mines a by-product only as far as it mines the host.

    Formulation
    -----------
    for each byproducts row b (by-product m, host h, ratio r), each of its countries c and periods t:
        sum_{o in c, u} flow[m,o,u,t] - r * sum_{o in c, u} flow[h,o,u,t] <= 0
    where o runs over c itself and the supply projects standing in c (in a stress test flow = kept +
    spot, both columns in the row). A scenario that cuts the host's capacity cuts the by-product with
    it. The row ties m and h into one program (``planner.input.blocks``).
    """
    if not data.byproducts:
        return
    family = model.row_family("byproduct", LE, _zero)
    country_of = {name: p.country for name, p in data.projects.items() if p.stage == "supply"}
    mined: dict[tuple, list[int]] = {}
    for (m, o, _u, t), col in v.sourced():
        mined.setdefault((m, country_of.get(o, o), t), []).append(col)
    for b in data.byproducts:
        for c in b.countries:
            for t in b.periods:
                by_product = mined.get((b.mineral, c, t), [])
                if not by_product:  # nothing of the by-product can be mined there: no limit to state
                    continue
                terms = [(col, 1.0) for col in by_product] + [(col, -b.ratio) for col in mined.get((b.host, c, t), [])]
                model.add_row(family, ByproductKey(b.mineral, b.row, b.host, c, t), terms, 0.0)

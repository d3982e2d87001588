"""Share limits: how much of a stage one country, owner or group may (or must) hold.

A rule is on the whole plan or on what one market receives; it counts tonnes where they are
mined or refined (basis ``location``) or by who owns the capacity (basis ``owner``); it is hard,
or soft at a penalty per tonne beyond it.
"""

from __future__ import annotations

from collections import defaultdict

from planner.model.constraints._group import group
from planner.model.core import EQ, GE, LE
from planner.model.keys import MarketTotalKey, ShareKey, StageTotalKey


def _zero(data, key) -> float:
    return 0.0


def stage_quantities(data, v, stage: str) -> dict[tuple, dict[str, list[int]]]:
    """(m, t) -> country -> columns of the stage quantity q[m,c,t] on the whole plan.

    q is sum over c's supply sites o of sum_u flow[m,o,u,t] at stage supply, and the output
    of c's refining sites at stage refining (a candidate project counts as its country's).
    """
    country = data.site_country
    if stage == "supply":
        q = group(((m, country(o), t), col) for (m, o, _u, t), col in v.sourced())
    else:
        q = group(((m, country(u), t), col) for (m, u, t), col in v.out.items())
    out: dict[tuple, dict[str, list[int]]] = {}
    for (m, c, t), cols in q.items():
        out.setdefault((m, t), {})[c] = cols
    return out


def stage_total(model, v, quantities, m: str, stage: str, t: str) -> int:
    """The column of total[m,stage,t], created with its defining row the first time it is asked for.

    Formulation
    -----------
        total[m,s,t] - sum_c q[m,c,t] = 0
    One total variable instead of repeating the long sum in every share row (PERF.md: 45%
    fewer nonzeros on world-scale models).
    """
    key = StageTotalKey(m, stage, t)
    if key not in v.stage_total:
        col = model.add_columns("stage_total", [key])[key]
        v.stage_total[key] = col
        family = model.row_family("stage_total", EQ, _zero)
        terms = [(col, 1.0)] + [(c, -1.0) for cols in quantities.get((m, t), {}).values() for c in cols]
        model.add_row(family, key, terms, 0.0)
    return v.stage_total[key]


def market_total(model, v, m: str, stage: str, d: str, t: str, terms: list[tuple[int, float]]) -> int:
    """The column of total[m,stage,d,t], what market d receives at a stage, defined once.

    Formulation
    -----------
        total[m,s,d,t] - sum_c q_d[m,c,t] = 0
    """
    key = MarketTotalKey(m, stage, d, t)
    if key not in v.market_total:
        col = model.add_columns("market_total", [key])[key]
        v.market_total[key] = col
        family = model.row_family("market_total", EQ, _zero)
        model.add_row(family, key, [(col, 1.0)] + [(c, -a) for c, a in terms], 0.0)
    return v.market_total[key]


def _weighted(data, rule, m: str, by_site: dict[str, list[int]]) -> dict[str, list[tuple[int, float]]]:
    """holder -> (column, weight) of the stage quantity: by country (basis location) or by owner.

    ``by_site`` maps each site to the columns of its tonnes. Basis owner: a country's tonnes
    count for its owners in their shares (the rest for the country itself); a candidate
    project's count wholly for its owner.
    """
    held: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for site, cols in by_site.items():
        project = data.projects.get(site)
        country = project.country if project is not None else site
        if rule.basis != "owner":
            owners = {country: 1.0}
        elif project is not None:
            owners = {project.owner: 1.0}
        else:
            owners = data.owners(rule.stage, m, country)
        for owner, share in owners.items():
            if share > 0:
                held[owner].extend((c, share) for c in cols)
    return held


def _scopes(data, rule, held: dict[str, list]) -> list[tuple[str, list[tuple[int, float]]]]:
    """The scopes a rule expands to, with the weighted columns of each.

    ``*``: each country (or owner) that holds tonnes, on its own, but those of ``excluded``; a
    country or group: its countries' (or owners') tonnes together.
    """
    if rule.scope == "*":
        left_out = set(data.group_members(rule.excluded)) if rule.excluded else set()
        return [(holder, held[holder]) for holder in sorted(held) if holder not in left_out]
    members = data.group_members(rule.scope)
    return [(rule.scope, [term for c in members for term in held.get(c, ())])]


def add_shares(model, data, v) -> None:
    """Share limits at a stage.

    Formulation
    -----------
    for each shares row, mineral m and period t it matches, and each scope S it expands to
    (``*``: each country, or owner, with a quantity on its own, but those of X for ``* except X``;
    a country; a group):
        sum_{c in S} q[m,c,t] - max_share * total[m,s,t] <= 0   (- excess, where the rule has a penalty)
        sum_{c in S} q[m,c,t] - min_share * total[m,s,t] >= 0   (+ excess, where the rule has a penalty)
    The quantity q of the whole plan: sum_u flow[m,c,u,t] at supply, out[m,c,t] at refining.
    For a rule on market d: at refining, sum_u ship[m,u,d,t] of c's refineries; at supply, the raw
    tonnes from c in what d receives, sum_u path[m,c,u,d,t] (see ``paths``). Basis owner counts
    c's tonnes for each owner o in own[s,m,c,o] (candidate projects wholly for their owner).
    total is the stage total (of the whole plan or of market d). A soft rule's excess >= 0 costs
    penalty per t in the objective.
    """
    if not data.shares:
        return
    quantities = {stage: stage_quantities(data, v, stage) for stage in ("supply", "refining")}
    by_site = _sites_by_market(data, v)
    cap = model.row_family("share_max", LE, _zero)
    floor = model.row_family("share_min", GE, _zero)

    def add(family, key, terms, bound: str, sign: float, penalty) -> None:
        if penalty is not None:
            excess = key.excess(bound)
            col = model.add_columns("excess", [excess])[excess]
            v.excess[excess] = col
            terms = terms + [(col, sign)]
        model.add_row(family, key, terms, 0.0)

    for rule in data.shares:
        minerals = [rule.mineral] if rule.mineral else list(data.minerals)
        periods = [rule.period] if rule.period else list(data.periods)
        for m in minerals:
            for t in periods:
                sites_q = by_site(rule.stage, m, t, rule.market)
                if not sites_q:
                    continue  # nothing at this stage for m in t (or for this market): nothing to bound
                held = _weighted(data, rule, m, sites_q)
                for scope, terms in _scopes(data, rule, held):
                    key = ShareKey(rule.row, m, rule.stage, scope, t, rule.market or "")
                    # The total is made the first time a row needs it (a rule with no row makes none).
                    if rule.max_share < 1.0 and terms:
                        total = _total(model, v, quantities, rule, m, t, sites_q)
                        add(cap, key, terms + [(total, -rule.max_share)], "max", -1.0, rule.penalty)
                    if rule.min_share > 0.0:
                        total = _total(model, v, quantities, rule, m, t, sites_q)
                        add(floor, key, terms + [(total, -rule.min_share)], "min", 1.0, rule.penalty)


def _total(model, v, quantities, rule, m: str, t: str, sites_q: dict) -> int:
    """The total a rule's rows compare with: the whole plan's stage total, or what its market receives."""
    if rule.market is None:
        return stage_total(model, v, quantities[rule.stage], m, rule.stage, t)
    everything = [(c, 1.0) for cols in sites_q.values() for c in cols]
    return market_total(model, v, m, rule.stage, rule.market, t, everything)


def _sites_by_market(data, v):
    """A function (stage, m, t, market) -> site -> columns of the stage quantity of the rule's reach."""
    whole = {  # (m, t, site) -> columns
        "supply": group(((m, t, o), col) for (m, o, _u, t), col in v.sourced()),
        "refining": group(((m, t, u), col) for (m, u, t), col in v.out.items()),
    }
    for_market = {  # (m, t, d, site) -> columns
        "supply": group(((m, t, d, o), col) for (m, o, _u, d, t), col in v.path.items()),
        "refining": group(((m, t, d, u), col) for (m, u, d, t), col in v.ship.items()),
    }
    nested: dict[tuple, dict] = {}
    for stage, table in whole.items():
        for (m, t, site), cols in table.items():
            nested.setdefault((stage, m, t, None), {})[site] = cols
    for stage, table in for_market.items():
        for (m, t, d, site), cols in table.items():
            nested.setdefault((stage, m, t, d), {})[site] = cols

    def lookup(stage, m, t, market):
        return nested.get((stage, m, t, market), {})
    return lookup

"""Share limits: how much of a stage total one country, or a group, may (or must) hold."""

from planner.model.constraints._group import group_by
from planner.model.core import EQ, GE, LE


def _zero(data, key) -> float:
    return 0.0


def stage_quantities(v, stage: str) -> dict[tuple, dict[str, list[int]]]:
    """(m, t) -> country -> columns of the stage quantity q[m,c,t].

    q is sum_r flow[m,c,r,t] at stage supply and out[m,r,t] at stage refining.
    """
    if stage == "supply":
        q = group_by(v.sourced(), lambda k: (k[0], k[1], k[3]))
    else:
        q = group_by(v.out.items(), lambda k: k)
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
    key = (m, stage, t)
    if key not in v.stage_total:
        col = model.add_columns("stage_total", [key])[key]
        v.stage_total[key] = col
        family = model.row_family("stage_total", EQ, _zero)
        terms = [(col, 1.0)] + [(c, -1.0) for cols in quantities.get((m, t), {}).values() for c in cols]
        model.add_row(family, key, terms, 0.0)
    return v.stage_total[key]


def add_shares(model, data, v) -> None:
    """Share limits at a stage.

    Formulation
    -----------
    for each shares row, mineral m and period t it matches, and each scope S it expands to
    (scope `*`: each country with a quantity at that stage on its own; a country; a group):
        sum_{c in S} q[m,c,t] - max_share * total[m,s,t] <= 0      (when max_share < 1)
        sum_{c in S} q[m,c,t] - min_share * total[m,s,t] >= 0      (when min_share > 0)
    where q is sum_r flow[m,c,r,t] at stage supply and out[m,r,t] at stage refining, and
    total[m,s,t] is the stage total (see ``stage_total``).
    """
    if not data.shares:
        return
    quantities = {stage: stage_quantities(v, stage) for stage in ("supply", "refining")}
    cap = model.row_family("share_max", LE, _zero)
    floor = model.row_family("share_min", GE, _zero)
    for rule in data.shares:
        minerals = [rule.mineral] if rule.mineral else list(data.minerals)
        periods = [rule.period] if rule.period else list(data.periods)
        q = quantities[rule.stage]
        for m in minerals:
            for t in periods:
                countries = q.get((m, t), {})
                if not countries:
                    continue  # nothing at this stage for m in t: the limit has nothing to bound
                if rule.scope == "*":
                    scopes = [(c, countries[c]) for c in sorted(countries)]
                else:
                    members = data.group_members(rule.scope)
                    scopes = [(rule.scope, [col for c in members for col in countries.get(c, ())])]
                for scope, cols in scopes:
                    key = (rule.row, m, rule.stage, scope, t)
                    if rule.max_share < 1.0 and cols:
                        total = stage_total(model, v, q, m, rule.stage, t)
                        model.add_row(cap, key, [(c, 1.0) for c in cols] + [(total, -rule.max_share)], 0.0)
                    if rule.min_share > 0.0:
                        total = stage_total(model, v, q, m, rule.stage, t)
                        model.add_row(floor, key, [(c, 1.0) for c in cols] + [(total, -rule.min_share)], 0.0)

"""Explain a plan: what binds and what it is worth (duals), what each policy costs, how concentrated it is.

Sign conventions (also written into the workbook's "Explain" sheet):
- ``marginal_cost`` of a market balance: the objective's increase per extra tonne of demand.
- ``value_per_t`` of a capacity, share-limit or reserve-target row: the objective's decrease
  per tonne by which the limit is loosened (one more tonne of capacity; one more tonne that the
  scope may hold above its cap or below its floor; one tonne less of reserve target). Always >= 0.
- A policy's cost: the objective with the policy minus the objective without it, per mineral.
Duals come from one optimal basis; when the optimum is degenerate other bases give other,
equally valid duals, so a row's value is exact only at its own margin (see the Explain sheet).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.input.data import PlannerInput
from planner.model.build import POLICIES, Model, Numbers, numbers_for
from planner.solver import Solution

BINDING_TOL = 1e-6


@dataclass
class Explanation:
    shadow_prices: pd.DataFrame  # every share-limit, capacity and reserve-target row
    marginal_costs: pd.DataFrame  # market balance duals
    policy_costs: pd.DataFrame  # per mineral: cost with and without each policy
    concentration: pd.DataFrame  # per mineral, stage, period: top share, countries, HHI

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"policy_costs": self.policy_costs, "shadow_prices": self.shadow_prices,
                "marginal_costs": self.marginal_costs, "concentration": self.concentration}


def mineral_costs(model: Model, numbers: Numbers, x: np.ndarray) -> pd.Series:
    """The objective split by mineral (the LP is separable by mineral)."""
    codes, minerals = model.derived("mineral_codes", lambda: pd.factorize(model.col_minerals()))
    return pd.Series(np.bincount(codes, weights=numbers.col_cost * x, minlength=len(minerals)), index=minerals)


def explain(model: Model, data: PlannerInput, session, base_numbers: Numbers, base: Solution,
            progress=None) -> Explanation:
    """Duals of the base plan, policy costs by re-solving without each policy, and concentration."""
    policy_rows = []
    costs_with = mineral_costs(model, base_numbers, base.x)
    policy_costs = pd.DataFrame({"mineral": list(data.minerals)})
    policy_costs["total_cost"] = [costs_with.get(m, 0.0) for m in data.minerals]
    unlimited = None
    for policy, families in POLICIES.items():
        if not any(model.rows.get(f) and model.rows[f].rows for f in families):
            policy_costs[f"cost_without_{policy}"] = policy_costs["total_cost"]
            policy_costs[f"{policy}_cost"] = 0.0
            continue
        relaxed = numbers_for(model, data, relax=families)
        solution = session.solve(relaxed)
        if progress:
            progress("explain", f"base plan without {policy.replace('_', ' ')}: {solution.status}")
        if not solution.optimal:
            policy_costs[f"cost_without_{policy}"] = np.nan
            policy_costs[f"{policy}_cost"] = np.nan
            continue
        without = mineral_costs(model, relaxed, solution.x)
        policy_costs[f"cost_without_{policy}"] = [without.get(m, 0.0) for m in data.minerals]
        policy_costs[f"{policy}_cost"] = policy_costs["total_cost"] - policy_costs[f"cost_without_{policy}"]
        if policy == "share_limits":
            unlimited = solution
        policy_rows.append(policy)
    # Leave the session holding the base numbers again, so later solves warm-start from the base.
    if policy_rows:
        session.solve(base_numbers)

    return Explanation(
        shadow_prices=shadow_prices(model, data, base_numbers, base),
        marginal_costs=marginal_costs(model, data, base),
        policy_costs=policy_costs,
        concentration=concentration(model, data, base, unlimited),
    )


def shadow_prices(model: Model, data: PlannerInput, numbers: Numbers, sol: Solution) -> pd.DataFrame:
    """Every share-limit and reserve-target row, and the capacity rows that bind or have a value.

    A slack capacity row is worth 0 by definition; leaving the thousands of them out keeps the
    sheet readable (and world-scale workbooks quick to write).
    """
    activity = model.row_activity(sol.x)
    rhs = numbers.row_rhs

    def worth_listing(row: int) -> bool:
        slack = rhs[row] - activity[row]
        return abs(slack) <= BINDING_TOL * max(1.0, abs(rhs[row])) or abs(sol.row_dual[row]) > 1e-9
    records = []
    v = model.vars

    def add(kind, mineral, period, what, scope, limit, used, row, loosen_sign, share=None, total=None):
        dual = float(sol.row_dual[row])
        slack = (rhs[row] - activity[row]) if loosen_sign < 0 else (activity[row] - rhs[row])
        binding = abs(slack) <= BINDING_TOL * max(1.0, abs(limit))
        value = max(0.0, loosen_sign * dual)  # objective decrease per tonne of loosening
        value = value if abs(value) > 1e-9 else 0.0
        rec = {"constraint": kind, "mineral": mineral, "period": period, "stage_or_market": what,
               "scope": scope, "limit": limit, "used": used, "binding": bool(binding),
               "value_per_t": value}
        if share is not None:
            rec["share"] = share
            rec["value_per_share_point"] = value * (total or 0.0) / 100.0
        records.append(rec)

    for name, stage in (("supply_capacity", "supply"), ("refining_capacity", "refining")):
        fam = model.rows.get(name)
        if not fam:
            continue
        for (m, country, t), row in zip(fam.keys, fam.rows):
            if worth_listing(row):
                add(name, m, t, stage, country, rhs[row], activity[row], row, -1)
    for name, sign, bound in (("share_max", -1, "max_share"), ("share_min", +1, "min_share")):
        fam = model.rows.get(name)
        if not fam:
            continue
        rules = {r.row: r for r in data.shares}
        for key, row in zip(fam.keys, fam.rows):
            sheet_row, m, stage, scope, t = key
            rule = rules[sheet_row]
            total = sol.x[v.stage_total[(m, stage, t)]]
            s = getattr(rule, bound)
            held = activity[row] + s * total  # activity = q - s * total
            share = held / total if total > BINDING_TOL else 0.0
            add(f"{name} (shares row {sheet_row})", m, t, stage, scope, s * total, held, row, sign, share, total)
    fam = model.rows.get("reserve_target")
    if fam:
        for key, row in zip(fam.keys, fam.rows):
            m, d, t = key
            stock = sol.x[v.stock[key]]
            add("reserve_target", m, t, d, "reserve", rhs[row], stock, row, +1)
    columns = ["constraint", "mineral", "period", "stage_or_market", "scope", "limit", "used", "binding",
               "value_per_t", "share", "value_per_share_point"]
    frame = pd.DataFrame(records)
    for c in columns:
        if c not in frame:
            frame[c] = np.nan
    return frame[columns]


def marginal_costs(model: Model, data: PlannerInput, sol: Solution) -> pd.DataFrame:
    """Dual of each market balance: the cost of one more tonne of demand."""
    fam = model.rows["market_balance"]
    rows = [(m, d, t, data.demand.get((m, d, t), 0.0), float(sol.row_dual[row]))
            for (m, d, t), row in zip(fam.keys, fam.rows)]
    return pd.DataFrame(rows, columns=["mineral", "market", "period", "demand", "marginal_cost"])


def stage_tonnes(model: Model, x: np.ndarray) -> pd.DataFrame:
    """Tonnes by (mineral, stage, period, country): raw sourced at supply, refined output at refining."""
    groups, cols, codes = model.derived("stage_groups", lambda: _stage_groups(model))
    frame = groups.copy()
    frame["tonnes"] = np.bincount(codes, weights=x[cols], minlength=len(groups)) if len(cols) else 0.0
    return frame


def _stage_groups(model: Model):
    """The (mineral, stage, period, country) groups, and for each column carrying a stage quantity its group."""
    v = model.vars
    keys, cols = [], []
    for (m, c, _r, t), col in v.sourced():
        keys.append((m, "supply", t, c))
        cols.append(col)
    for (m, r, t), col in v.out.items():
        keys.append((m, "refining", t, r))
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
    q = q.sort_values([*keys, "share", "country"], ascending=[True] * len(keys) + [False, True], kind="stable")
    grouped = q.groupby(list(keys), sort=False)
    out = grouped.agg(total=("tonnes", "sum"), top_country=("country", "first"), top_share=("share", "first"),
                      countries=("country", "count"))
    out["hhi"] = grouped["share"].apply(lambda s: float(((100.0 * s) ** 2).sum()))
    return out.reset_index()


def concentration(model: Model, data: PlannerInput, base: Solution, unlimited: Solution | None) -> pd.DataFrame:
    """Concentration of the base plan beside the plan without share limits and the input's capacities."""
    order = {"mineral": {m: i for i, m in enumerate(data.minerals)}, "stage": {"supply": 0, "refining": 1},
             "period": data.period_index}
    plan = concentration_metrics(stage_tonnes(model, base.x))
    frames = [plan.add_prefix("plan_").rename(columns={"plan_mineral": "mineral", "plan_stage": "stage",
                                                         "plan_period": "period"})]
    if unlimited is not None:
        un = concentration_metrics(stage_tonnes(model, unlimited.x))
        frames.append(un.add_prefix("unlimited_").rename(columns={"unlimited_mineral": "mineral",
                                                                  "unlimited_stage": "stage",
                                                                  "unlimited_period": "period"}))
    cap_rows = [(m, "supply", t, c, cap) for (m, c, t), (cap, _cost) in data.supply.items()]
    cap_rows += [(m, "refining", t, r, cap) for (m, r, t), (cap, _cost, _y) in data.refining.items()]
    caps = concentration_metrics(pd.DataFrame(cap_rows, columns=["mineral", "stage", "period", "country", "tonnes"]))
    frames.append(caps.add_prefix("capacity_").rename(columns={"capacity_mineral": "mineral",
                                                               "capacity_stage": "stage",
                                                               "capacity_period": "period"}))
    out = frames[0]
    for f in frames[1:]:
        out = out.merge(f, on=["mineral", "stage", "period"], how="outer")
    if data.production:  # one observed year: the same world figures beside every period
        prod = pd.DataFrame([(m, s, c, q) for (m, s, c), q in data.production.items()],
                            columns=["mineral", "stage", "country", "tonnes"])
        world = concentration_metrics(prod, keys=("mineral", "stage")).add_prefix("world_").rename(
            columns={"world_mineral": "mineral", "world_stage": "stage"})
        out = out.merge(world, on=["mineral", "stage"], how="left")
    out = out.sort_values(["mineral", "stage", "period"], key=lambda s: s.map(order[s.name]), kind="stable")
    return out.drop(columns=[c for c in out.columns if c.endswith("_total") and not c.startswith("plan")])\
        .reset_index(drop=True)

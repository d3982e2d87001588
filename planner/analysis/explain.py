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

import dataclasses
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.analysis.measures import (
    BINDING_TOL,
    concentration_metrics,
    mineral_economic_costs,
    mineral_totals,
    stage_tonnes,
)
from planner.analysis.resolves import resolve_all
from planner.analysis.results import noise_free
from planner.input.data import PlannerInput
from planner.model.build import POLICIES, Model, Numbers, with_columns_fixed, without_rows
from planner.runinfo import Stages
from planner.solver import Session, Solution, restored, solve_from, starting_basis


@dataclass
class Explanation:
    shadow_prices: pd.DataFrame  # every share-limit, capacity and reserve-target row
    marginal_costs: pd.DataFrame  # the price of one more tonne of demand (demand_prices)
    policy_costs: pd.DataFrame  # per mineral: cost with and without each policy
    market_bills: pd.DataFrame  # per mineral and market: demand x marginal cost with and without each policy
    concentration: pd.DataFrame  # per mineral, stage, period: top share, countries, HHI

    project_values: pd.DataFrame | None = None  # per candidate project and period (where the workbook has projects)

    def tables(self) -> dict[str, pd.DataFrame]:
        tables = {"policy_costs": self.policy_costs, "market_bills": self.market_bills,
                  "shadow_prices": self.shadow_prices,
                  "marginal_costs": self.marginal_costs, "concentration": self.concentration}
        if self.project_values is not None:
            tables["project_values"] = self.project_values
        return tables


def explain(model: Model, data: PlannerInput, session: Session, base_numbers: Numbers, base: Solution,
            stages: Stages | None = None) -> Explanation:
    """Duals of the base plan, what each rule costs (re-solving without it), and concentration.

    ``stages`` shows progress, records the re-solves on Run info and may lend worker processes
    for them (``resolve_all``).
    """
    policy_costs, bills, unlimited = rule_costs(model, data, session, base_numbers, base, stages or Stages())
    return Explanation(
        shadow_prices=shadow_prices(model, data, base_numbers, base),
        marginal_costs=marginal_costs(model, data, base),
        policy_costs=policy_costs,
        market_bills=bills,
        concentration=concentration(model, data, base, unlimited),
        project_values=project_values(model, data, session, base_numbers, base) if model.vars.build else None,
    )


PROJECT_COLUMNS = ["project", "country", "stage", "mineral", "period", "fraction_built", "reduced_cost",
                   "cheaper_by_per_t_year", "duals_from"]


# A sliver of each project's capacity, free, in the re-solve that prices projects: see project_values.
SLIVER = 1e-6


def project_values(model: Model, data: PlannerInput, session: Session, base_numbers: Numbers, base: Solution
                   ) -> pd.DataFrame:
    """What each candidate project is worth to the base plan, period by period.

    ``reduced_cost`` is the objective's change per whole project built in that period (its build
    column's reduced cost). A project left out has a reduced cost >= 0: it would have to be that
    much cheaper, over its life, to enter the plan; ``cheaper_by_per_t_year`` is the same per t of
    capacity per year, comparable with its fixed_cost. For a mixed-integer plan the reduced costs are
    those of the LP with the integer choices fixed (``duals_from``).

    A project not built and not used sits on a tie: its capacity row holds with both sides 0, and
    any dual in a range is optimal, down to one that makes building look free. The reduced costs are
    therefore read from the base plan solved again with a sliver of every project's capacity free
    (SLIVER x capacity): a project worth nothing then leaves its sliver unused, its row slack and its
    capacity valued at 0, while a project worth having uses it and its row prices the capacity.
    """
    rows_of = model.rows["project_capacity"]
    rhs = base_numbers.row_rhs.copy()
    for (_m, name, _t), row in zip(rows_of.keys, rows_of.rows):
        rhs[row] = SLIVER * data.projects[name].capacity
    fixed = base_numbers
    if base.mip:  # price the integer choice made: builds fixed at the plan's
        builds = np.fromiter(model.vars.build.values(), dtype=np.int64, count=len(model.vars.build))
        fixed = with_columns_fixed(base_numbers, builds, np.round(base.x[builds]))
    basis = starting_basis(session)
    with restored(session, base_numbers, basis):  # as it was found, for later solves
        sol = solve_from(session, dataclasses.replace(fixed, row_rhs=rhs), basis)
    # Integer choices fix only their own mineral's plan: another mineral's duals come from its plain LP.
    integer_minerals = {p.mineral for p in data.projects.values() if p.integer} if base.mip else set()
    rows = []
    for (m, name, t), col in model.vars.build.items():
        p = data.projects[name]
        years = sum(data.years[tt] for tt in data.periods[data.period_index[t]:])
        d = float(sol.col_dual[col]) if sol.col_dual is not None else np.nan
        d = 0.0 if abs(d) < 1e-9 else d
        rows.append((name, p.country, p.stage, m, t, float(base.x[col]), d,
                     d / (p.capacity * years) if p.capacity > 0 and years > 0 else np.nan,
                     "the LP with the integer choices fixed" if m in integer_minerals else "the LP"))
    return pd.DataFrame(rows, columns=PROJECT_COLUMNS)


POLICY_COLUMNS = ["policy", "rule", "mineral", "cost_with", "cost_without", "rule_cost", "unmet_without",
                  "economic_cost_with", "economic_cost_without", "rule_economic_cost"]


def policy_rules(model: Model, data: PlannerInput) -> list[tuple[str, str, list[int], list[str]]]:
    """(policy, rule, rows, minerals) for every rule whose cost is reported.

    Share limits: all of them, each stage's and each shares row's; a mineral is reported under a
    stage (a shares row) only where its limits span both stages (several rows), else that line
    would repeat its "all share limits" line. Reserve targets: all of them. Each mineral's lines
    depend on its own rules alone, so a mineral solved apart reads the same.
    """
    rules = []
    share_rows = [(key, row) for name in POLICIES["share_limits"] if name in model.rows
                  for key, row in zip(model.rows[name].keys, model.rows[name].rows)]

    def minerals(pairs, position, spread_over=None):
        found = {key[position] for key, _row in pairs}
        if spread_over is not None:  # only minerals whose share rows take several values at this position
            found = {m for m in found if len({k[spread_over] for k, _r in share_rows if k[1] == m}) > 1}
        return sorted(found, key=list(data.minerals).index)

    if share_rows:
        rules.append(("share limits", "all share limits", [r for _k, r in share_rows], minerals(share_rows, 1)))
        for stage in sorted({key[2] for key, _row in share_rows}):
            pairs = [(k, r) for k, r in share_rows if k[2] == stage]
            rules.append(("share limits", f"share limits at {stage}", [r for _k, r in pairs], minerals(pairs, 1, 2)))
        # A named rule (shares.rule) is one line over all its rows; a row without a name is a rule of its own.
        group = {rule.row: rule.rule if rule.rule is not None else rule.row for rule in data.shares}
        described = {rule.row: describe_share_rule(rule) for rule in data.shares}
        groups_of: dict[str, set] = {}
        by_group: dict[object, list] = {}
        for key, row in share_rows:
            groups_of.setdefault(key[1], set()).add(group[key[0]])
            by_group.setdefault(group[key[0]], []).append((key, row))
        for g, pairs in by_group.items():
            # A row of its own is listed for a mineral only where the mineral has other rows (else it would
            # repeat the mineral's "all share limits" line); a named rule always, so it can be found by name.
            named = not isinstance(g, int)
            label = describe_named_rule(g, data) if named else described[g]
            rules.append(("share limits", label, [r for _k, r in pairs],
                          [m for m in minerals(pairs, 1) if named or len(groups_of[m]) > 1]))
        rules = [rule for rule in rules if rule[3]]
    targets = model.rows.get("reserve_target")
    if targets is not None and targets.rows:
        rules.append(("reserve targets", "all reserve targets", list(targets.rows),
                      minerals(list(zip(targets.keys, targets.rows)), 0)))
    return rules


def describe_named_rule(name: str, data: PlannerInput) -> str:
    """``rule EU benchmark: shares rows 5, 6``."""
    rows = [rule.row for rule in data.shares if rule.rule == name]
    return f"rule {name}: shares row{'s' if len(rows) > 1 else ''} {', '.join(str(r) for r in rows)}"


def describe_share_rule(rule) -> str:
    """``shares row 5: refining, scope * except EU, at most 65% of market EU, every mineral, 2030, by owner``."""
    bounds = []
    if rule.max_share < 1.0:
        bounds.append(f"at most {rule.max_share:.0%}")
    if rule.min_share > 0.0:
        bounds.append(f"at least {rule.min_share:.0%}")
    scope = rule.scope + (f" except {rule.excluded}" if rule.excluded else "")
    reach = f" of market {rule.market}" if rule.market else ""
    extras = (", by owner" if rule.basis == "owner" else "") + (
        f", a target at {rule.penalty:,.0f} per t beyond it" if rule.penalty is not None else "")
    return (f"shares row {rule.row}: {rule.stage}, scope {scope}, {' and '.join(bounds) or 'no bound'}{reach}, "
            f"{rule.mineral or 'every mineral'}, {rule.period or 'every period'}{extras}")


def rule_costs(model: Model, data: PlannerInput, session, base_numbers: Numbers, base: Solution,
               stages: Stages) -> tuple[pd.DataFrame, pd.DataFrame, Solution | None]:
    """What each rule costs, per mineral, and what it adds to each market's bill.

    Each rule's cost is the base plan re-solved with the rule off, from where the base plan
    stands (``resolve_all``: in this process or on workers). A rule whose rows the base plan's
    duals all price at 0 costs nothing and is not re-solved: in a linear program those duals still
    prove the base plan optimal once the rows are gone, so the optimum, and every market's
    marginal cost, stays (not so with integer choices, which are re-solved).

    A market's bill is its demand at its marginal cost: sum_t demand[m,d,t] x dual of
    market_balance[m,d,t], with the rule and without it. Returns the policy costs, the bills and
    the solution without any share limit (for the concentration sheet).
    """
    with_rules = _with_economic(model, base_numbers, base.x)
    bills_with = market_bills(model, data, base, base_numbers)
    integer_minerals = {p.mineral for p in data.projects.values() if p.integer} if base.mip else set()
    rules = policy_rules(model, data)
    resolved = [i for i, (_policy, _rule, row_ids, minerals) in enumerate(rules)
                if not (base.row_dual is not None and not integer_minerals.intersection(minerals)
                        and np.all(np.abs(base.row_dual[row_ids]) <= ZERO_DUAL))]
    solutions = dict(zip(resolved, resolve_all(model, session, base_numbers, base, [rules[i][2] for i in resolved],
                                               [rules[i][1] for i in resolved], stages, data.label)))
    rows, bills, unlimited = [], [], None
    for i, (policy, rule, row_ids, minerals) in enumerate(rules):
        solution = solutions.get(i)
        if solution is None:  # priced at 0: the base plan stands
            solution, without, bills_without = base, with_rules, bills_with
        else:
            relaxed = without_rows(base_numbers, model, row_ids)
            without = _with_economic(model, relaxed, solution.x) if solution.optimal else None
            bills_without = market_bills(model, data, solution, relaxed) if solution.optimal else None
        if rule == "all share limits" and solution.optimal:
            unlimited = solution
        for m in minerals:
            cost, economic = float(with_rules.at[m, "cost"]), float(with_rules.at[m, "economic"])
            if without is None:
                rows.append((policy, rule, m, cost, np.nan, np.nan, np.nan, economic, np.nan, np.nan))
            else:
                other, other_economic = float(without.at[m, "cost"]), float(without.at[m, "economic"])
                rows.append((policy, rule, m, cost, other, noise_free(cost - other, cost),
                             float(without.at[m, "unmet"]), economic, other_economic,
                             noise_free(economic - other_economic, cost)))
            for (mm, d), (demand, bill, duty) in bills_with.items():
                if mm != m:
                    continue
                other, other_duty = bills_without[(mm, d)][1:] if bills_without is not None else (np.nan, np.nan)
                net = (bill - duty) - (other - other_duty)
                bills.append((policy, rule, m, d, demand, bill, other,
                              noise_free(bill - other, bill) if other == other else np.nan, duty, other_duty,
                              noise_free(net, bill) if other == other else np.nan))
    return pd.DataFrame(rows, columns=POLICY_COLUMNS), pd.DataFrame(bills, columns=BILL_COLUMNS), unlimited


# A dual this small prices its row at 0: the rule is not re-solved (see rule_costs).
ZERO_DUAL = 1e-9

BILL_COLUMNS = ["policy", "rule", "mineral", "market", "demand", "bill_with", "bill_without", "rule_bill",
                "duties_with", "duties_without", "rule_net_bill"]


def _with_economic(model: Model, numbers: Numbers, x: np.ndarray) -> pd.DataFrame:
    """``mineral_totals`` with each mineral's economic cost: its cost without the transfers (tariffs, soft-limit
    and reserve-shortfall penalties; spec, Version 3)."""
    totals = mineral_totals(model, numbers, x)
    totals["economic"] = mineral_economic_costs(model, numbers, x).reindex(totals.index).to_numpy()
    return totals


def who_pays(costs: pd.DataFrame, bills: pd.DataFrame) -> pd.DataFrame:
    """One line per rule: what it costs, to the plan and to the world, and what it adds to each market's bill.

    The sums over minerals of Policy costs' rule_cost and rule_economic_cost, and of Market bills' rule_bill
    per market (a column each, in the order markets first appear): who pays for each rule, on one screen.
    """
    columns = ["policy", "rule", "rule_cost", "rule_economic_cost"]
    if costs.empty:
        return pd.DataFrame(columns=columns)
    seen = list(dict.fromkeys(zip(costs["policy"], costs["rule"])))

    def place(key):  # all of a policy, each stage's, then rules by their first shares row; shares before targets
        first = re.search(r"shares rows? (\d+)", key[1])
        return (key[0] != "share limits", not key[1].startswith("all "), not key[1].startswith("share limits at"),
                int(first.group(1)) if first else 0, key[1])

    order = sorted(seen, key=place)
    totals = costs.groupby(["policy", "rule"], sort=False)[["rule_cost", "rule_economic_cost"]].sum(min_count=1)
    table = totals.reindex(pd.MultiIndex.from_tuples(order, names=["policy", "rule"]))
    if not bills.empty:
        by_market = bills.pivot_table(index=["policy", "rule"], columns="market", values="rule_bill", aggfunc="sum",
                                      sort=False)
        markets = list(dict.fromkeys(bills["market"]))
        table = table.join(by_market.reindex(columns=markets))
    return table.reset_index()


def market_bills(model: Model, data: PlannerInput, sol: Solution, numbers: Numbers | None = None
                 ) -> dict[tuple, tuple[float, float, float]]:
    """(mineral, market) -> (demand over the horizon, sum_t demand[m,d,t] x marginal cost[m,d,t], duties).

    Duties are the tariffs the market's own government collects on what is delivered to it (its
    delivery routes' tariff cost): a transfer back to the market, so its bill net of them is what the
    market pays the rest of the world.
    """
    fam = model.rows["market_balance"]
    price = demand_prices(model, sol)
    out: dict[tuple, list[float]] = {}
    for (m, d, t), p in zip(fam.keys, price):
        q = data.demand.get((m, d, t), 0.0)
        if q <= 0:
            continue
        total = out.setdefault((m, d), [0.0, 0.0, 0.0])
        total[0] += q
        total[1] += q * float(p)
    tariff = numbers.components.get("tariff") if numbers is not None else None
    if tariff is not None:
        for (m, _u, d, _t), col in model.vars.ship.items():
            if (m, d) in out and tariff[col] and sol.x[col]:
                out[(m, d)][2] += float(tariff[col] * sol.x[col])
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def demand_prices(model: Model, sol: Solution) -> np.ndarray:
    """Per market balance (m, d, t): the cost of one more tonne of demand,  y_balance + min(0, rc_unmet).

    Demand is both the balance's right-hand side and the bound unmet[m,d,t] <= demand[m,d,t]. Where a
    plan leaves all of a market's demand unmet, that bound binds and the balance's dual alone is not
    unique: any value above the unmet penalty is optimal, the bound's multiplier taking up the rest,
    and two solves of the same plan (joint or by block) may return different ones. Raising demand
    moves both, so its price is the dual plus the bound's multiplier, which is unmet's reduced cost
    where that is negative (at its upper bound); elsewhere it is the dual.
    """
    fam = model.rows["market_balance"]
    dual = sol.row_dual[np.asarray(fam.rows, dtype=np.int64)]
    unmet = model.vars.unmet
    cols = np.array([unmet.get(key, -1) for key in fam.keys], dtype=np.int64)
    reduced = sol.col_dual if sol.col_dual is not None else model.reduced_costs(sol.row_dual)
    bound = np.where(cols >= 0, np.minimum(0.0, reduced[np.maximum(cols, 0)]), 0.0)
    return dual + bound


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

    def add(kind, mineral, period, what, scope, limit, used, row, loosen_sign, share=None, total=None, **more):
        dual = float(sol.row_dual[row])
        slack = (rhs[row] - activity[row]) if loosen_sign < 0 else (activity[row] - rhs[row])
        binding = abs(slack) <= BINDING_TOL * max(1.0, abs(limit))
        value = max(0.0, loosen_sign * dual)  # objective decrease per tonne of loosening
        value = value if abs(value) > 1e-9 else 0.0
        rec = {"constraint": kind, "mineral": mineral, "period": period, "stage_or_market": what,
               "scope": scope, "limit": limit, "used": used, "binding": bool(binding),
               "value_per_t": value, **more}
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
            rule = rules[key.row]
            m, stage, t = key.mineral, key.stage, key.period
            total = sol.x[v.market_total[(m, stage, key.market, t)] if key.market else v.stage_total[(m, stage, t)]]
            s = getattr(rule, bound)
            excess_col = v.excess.get((m, key.row, stage, key.scope, key.market, bound[:3], t))
            excess = float(sol.x[excess_col]) if excess_col is not None else 0.0
            # activity = q - s * total - excess (a cap) or q - s * total + excess (a floor)
            held = activity[row] + s * total - sign * excess
            share = held / total if total > BINDING_TOL else 0.0
            add(f"{name} (shares row {key.row})", m, t, stage, key.scope, s * total, held, row, sign, share, total,
                market=key.market or None, basis=rule.basis, penalty=rule.penalty,
                excess_tonnes=excess if excess_col is not None else None)
    fam = model.rows.get("reserve_target")
    if fam:
        for key, row in zip(fam.keys, fam.rows):
            m, d, t = key
            stock = sol.x[v.stock[key]]
            add("reserve_target", m, t, d, "reserve", rhs[row], stock, row, +1)
    columns = ["constraint", "mineral", "period", "stage_or_market", "scope", "limit", "used", "binding",
               "value_per_t", "share", "value_per_share_point", "market", "basis", "penalty", "excess_tonnes"]
    frame = pd.DataFrame(records)
    for c in columns:
        if c not in frame:
            frame[c] = np.nan
    return frame[columns]


def marginal_costs(model: Model, data: PlannerInput, sol: Solution) -> pd.DataFrame:
    """The cost of one more tonne of demand in each market and period (``demand_prices``)."""
    fam = model.rows["market_balance"]
    rows = [(m, d, t, data.demand.get((m, d, t), 0.0), float(p))
            for (m, d, t), p in zip(fam.keys, demand_prices(model, sol))]
    return pd.DataFrame(rows, columns=["mineral", "market", "period", "demand", "marginal_cost"])


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

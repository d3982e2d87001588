"""``planner solve``: the base plan and every scenario planned with foresight, then explained.

The model is built once from the base inputs; every scenario is the same model with other
numbers. The work overlaps where HiGHS lets it (it releases the GIL while it solves): scenario
numbers are computed while the base solves, scenarios are solved by HiGHS instances in threads
from the base plan's basis, and each finished plan becomes tables while the others solve.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import pandas as pd

from planner.analysis.compare import compare_scenarios, scenario_mix
from planner.analysis.explain import explain
from planner.analysis.outcome import Outcome
from planner.analysis.prices import prices_table
from planner.analysis.results import ScenarioResult, plan_tables, scenario_result
from planner.input.data import PlannerInput
from planner.input.scenarios import apply_scenario, scenario_names
from planner.model.build import Model, numbers_digest, numbers_for
from planner.numbers import money_text
from planner.runinfo import Stages
from planner.solver import Session, Solution, restored, starting_basis
from planner.solver.pool import SessionPool


def solve_plan(model: Model, data: PlannerInput, session, stages: Stages, explain_plan: bool = True,
               workers: int | None = None) -> Outcome:
    """Solve ``base`` and every scenario; explain the base plan; return the plan's tables (the tables built from
    them, its mix and who pays, come after: ``planner.analysis.merge.finished``)."""
    with stages.stage("solve"):
        results = solve_scenarios(model, data, session, stages, workers)
    base = results[0]
    explanation = None
    if explain_plan and base.optimal:
        with stages.stage("explain"):
            explanation = explain(model, data, session, base.numbers, base.solution, stages)
    with stages.stage("tables"):
        scenarios, minerals = compare_scenarios(model, data, results)
        tables: dict[str, pd.DataFrame] = {"scenarios": scenarios, "scenario_minerals": minerals,
                                           "scenario_mix": scenario_mix(model, data, results)}
        tables.update(plan_tables(results))
        tables["prices"] = prices_table(model, data, results)
        if explanation is not None:
            tables.update(explanation.tables())
    failures = [f"scenario {r.scenario}: {r.status}" for r in results if not r.optimal]
    return Outcome(tables, plan_summary(tables, explanation is not None), failures)


QUESTION = ("What is the least-cost plan, and what does each scenario cost if it is known in advance and the plan "
            "is made for it (foresight)? For the committed base plan hit by a disruption without warning, run "
            "planner stress.")


def plan_summary(tables: dict[str, pd.DataFrame], explained: bool) -> list[tuple[str, object]]:
    """The Summary sheet's answers: base cost and unmet demand, what the rules cost, the worst scenario."""
    scenarios = tables["scenarios"]
    base = scenarios.iloc[0]
    summary = [("total_cost", base.get("total_cost")), ("economic_cost", base.get("economic_cost")),
               ("lost_value", base.get("lost_value")), ("unmet_tonnes", base.get("unmet_tonnes")),
               ("unmet_share", base.get("unmet_share")), ("priced_out_tonnes", base.get("priced_out_tonnes")),
               ("minerals_short", short_minerals(tables["scenario_minerals"]))]
    if explained and "policy_costs" in tables:
        costs = tables["policy_costs"]
        for policy in costs["policy"].unique():
            whole = costs[(costs["policy"] == policy) & costs["rule"].str.startswith("all ")]
            summary.append((f"{policy.replace(' ', '_')}_cost", float(whole["rule_cost"].sum())))
    # Ranked by what the world loses (tariffs are transfers), as the answer in words and the brief rank.
    others = scenarios.iloc[1:].dropna(subset=["economic_cost_change"])
    if len(others):
        worst = others.loc[others["economic_cost_change"].idxmax()]
        summary += [("costliest_scenario", worst["scenario"]), ("its_cost_change", worst["cost_change"]),
                    ("its_economic_cost_change", worst["economic_cost_change"]),
                    ("its_unmet_change", worst["unmet_change"])]
    summary.append(("scenarios", len(scenarios)))
    summary += [(c[:-5].join(("base_", "_cost")), base[c]) for c in scenarios.columns if c.endswith("_cost")
                and c not in ("total_cost", "economic_cost")]
    return summary


class Short(NamedTuple):
    """A mineral whose demand goes unmet beyond the threshold of ``short_minerals``."""

    mineral: str
    unmet_share: float
    unmet_tonnes: float


def short_minerals(minerals: pd.DataFrame, scenario: str = "base", threshold: float = 0.01) -> list[Short]:
    """The minerals whose unmet share of demand is above ``threshold``, the largest share first."""
    rows = minerals[(minerals["scenario"] == scenario) & (minerals["unmet_share"] > threshold)]
    return [Short(r.mineral, float(r.unmet_share), float(r.unmet_tonnes))
            for r in rows.sort_values("unmet_share", ascending=False).itertuples()]


def solve_scenarios(model: Model, data: PlannerInput, session: Session, stages: Stages,
                    workers: int | None = None) -> list[ScenarioResult]:
    """Solve ``base``, then every scenario by renumbering the one model, each from the base basis."""
    names = scenario_names(data)

    def renumbered(name):
        t0 = time.perf_counter()
        scenario_data = apply_scenario(data, name)
        numbers = numbers_for(model, scenario_data)
        stages.add("renumber", time.perf_counter() - t0)
        return scenario_data, numbers

    base_data, base_numbers = renumbered(names[0])
    parallel = session.abilities.parallel and len(names) > 1
    with ThreadPoolExecutor(max_workers=1) as one:
        base_future = one.submit(session.solve, base_numbers)
        scenario_inputs = [renumbered(name) for name in names[1:]]  # while the base solves
        # Instances for the scenarios are made here, before any scenario thread starts.
        pool = SessionPool(session, len(names) - 1, workers) if parallel else None
        base_solution = base_future.result()
    results = [_result(names[0], model, base_data, base_numbers, base_solution, stages, 1, len(names))]
    if len(names) == 1:
        return results
    basis = starting_basis(session) if base_solution.optimal else None
    # A scenario that changes nothing in this block (its events hit other minerals) is the base's program:
    # the base plan is its optimum, taken as it is rather than found again, perhaps among ties.
    base_key = numbers_digest(base_numbers)
    unchanged = [numbers_digest(numbers) == base_key for _data, numbers in scenario_inputs]
    changed = [numbers for (_data, numbers), same in zip(scenario_inputs, unchanged) if not same]
    if pool is None or not base_solution.optimal:  # one session, or no basis to start from: one after another
        solved = (session.solve(numbers) for numbers in changed)
    else:
        solved = pool.solve_all(changed, basis)
    solutions = _as_base_where_unchanged(unchanged, solved, base_solution)
    # The caller's session is left on the base numbers and basis for later solves (explanations), once the
    # scenarios' solves have ended (closing): the pool's threads solve on it too.
    with restored(session, base_numbers, basis), contextlib.closing(solutions):
        for i, (name, (scenario_data, numbers), solution) in enumerate(zip(names[1:], scenario_inputs, solutions),
                                                                       start=2):
            results.append(_result(name, model, scenario_data, numbers, solution, stages, i, len(names)))
    return results


def _as_base_where_unchanged(unchanged: list[bool], solved: Iterator[Solution], base: Solution
                             ) -> Iterator[Solution]:
    """Each scenario's solution in order: the base plan (no solver time of its own) where ``unchanged``, else the
    next of ``solved``."""
    try:
        for same in unchanged:
            yield dataclasses.replace(base, solve_seconds=0.0) if same else next(solved)
    finally:
        if hasattr(solved, "close"):
            solved.close()


def _result(name, model, scenario_data, numbers, solution, stages: Stages, i, n) -> ScenarioResult:
    t0 = time.perf_counter()
    result = scenario_result(name, model, scenario_data, numbers, solution)
    stages.add("results", time.perf_counter() - t0)
    stages.add("highs", solution.solve_seconds)
    stages.add(f"highs[{name}]", solution.solve_seconds)
    cost = money_text(result.total_cost, scenario_data.settings.get("currency") or "")
    stages.progress("solve", f"{scenario_data.label}, scenario {i} of {n} '{name}': {result.status}, cost {cost} "
                             f"({solution.solve_seconds:.2f}s)")
    return result


def mix_table(flows: pd.DataFrame, refining: pd.DataFrame, minerals, periods, scenario="base") -> pd.DataFrame:
    """Base-plan tonnes by (mineral, stage, period) x country: one block of rows per mineral and stage."""
    parts = []
    f = flows[flows["scenario"] == scenario]
    parts.append(f.assign(stage="supply", country=f["origin"])[["mineral", "stage", "period", "country", "tonnes"]])
    r = refining[refining["scenario"] == scenario]
    parts.append(r.assign(stage="refining", country=r["refiner"], tonnes=r["output_tonnes"])
                 [["mineral", "stage", "period", "country", "tonnes"]])
    long = pd.concat(parts, ignore_index=True)
    if long.empty:
        return pd.DataFrame(columns=["mineral", "stage", "period"])
    wide = long.pivot_table(index=["mineral", "stage", "period"], columns="country", values="tonnes",
                            aggfunc="sum", fill_value=0.0)
    present = set(zip(long["mineral"], long["stage"]))
    full = pd.MultiIndex.from_tuples([(m, s, t) for m in minerals for s in ("supply", "refining") for t in periods
                                      if (m, s) in present],
                                     names=["mineral", "stage", "period"])
    wide = wide.reindex(full, fill_value=0.0)
    wide = wide[sorted(wide.columns)]
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()

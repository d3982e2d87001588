"""``planner hedge``: one set of builds for the base plan and every scenario at once.

``planner solve`` plans each scenario with foresight, its own builds included; ``planner stress``
hits the base plan's builds with each disruption. Neither answers which projects to back *before*
knowing which disruption comes. The hedge does: one stochastic program shares the builds across
the base and every scenario, each weighted by its probability, and minimises the expected cost.
Its value is what those builds save, in expectation, against building what the base plan alone
would build and re-planning operations when a scenario happens.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from planner.analysis.outcome import Outcome
from planner.analysis.results import (
    ScenarioResult,
    capacity_built,
    investments_table,
    noise_free,
    plan_tables,
    scenario_result,
)
from planner.errors import UsageError
from planner.input.data import PlannerInput
from planner.input.scenarios import apply_scenario, scenario_names
from planner.model.build import Model, Numbers, numbers_for
from planner.model.stack import stack
from planner.runinfo import Stages
from planner.solver import HighsSession, solve_from, starting_basis

SCENARIO_COLUMNS = ["scenario", "probability", "total_cost", "cost_with_base_builds", "hedging_saves"]


def require_projects(data: PlannerInput) -> None:
    if not data.projects:
        raise UsageError(f"{data.source} has no rows on sheet 'projects': a hedge chooses which of them to build")


def probabilities(data: PlannerInput) -> list[float]:
    """Each scenario's probability, base first: 1 minus the scenarios' sum."""
    names = scenario_names(data)
    given = [data.probabilities.get(name, 0.0) for name in names[1:]]
    return [max(0.0, 1.0 - sum(given)), *given]


def with_builds(model: Model, numbers: Numbers, builds: np.ndarray) -> Numbers:
    """``numbers`` with every build column fixed at ``builds`` (in the model's build order)."""
    cols = np.fromiter(model.vars.build.values(), dtype=np.int64, count=len(model.vars.build))
    lower = numbers.col_lower.copy() if numbers.col_lower is not None else np.zeros(model.num_cols)
    upper = numbers.col_upper.copy()
    lower[cols] = upper[cols] = np.clip(builds, 0.0, 1.0)
    return dataclasses.replace(numbers, col_lower=lower, col_upper=upper)


def hedge_plan(model: Model, data: PlannerInput, session, stages: Stages) -> Outcome:
    """Solve the stochastic program, price every scenario with its builds, and the base plan's builds too."""
    names = scenario_names(data)
    weights = probabilities(data)
    progress = stages.progress
    with stages.stage("solve"):
        numbers = [numbers_for(model, apply_scenario(data, name)) for name in names]
        st = stack(model, numbers, weights)
        stages.progress("hedge", f"{len(names)} scenarios stacked: {st.lp.num_cols:,} variables, "
                                 f"{st.lp.num_rows:,} constraints")
        joint = HighsSession(st.lp, data.settings.get("time_limit")).solve()
        stages.add("highs", joint.solve_seconds)
        progress("hedge", f"the hedge: {joint.status}")
        if not joint.optimal:
            return Outcome({}, [("expected_cost", None), ("value_of_hedging", None)],
                           [f"the hedge: {joint.status}"])
        hedged = joint.x[:len(st.shared)]
        base = session.solve(numbers[0])
        stages.add("highs", base.solve_seconds)
        basis = starting_basis(session)
        build_cols = np.fromiter(model.vars.build.values(), dtype=np.int64, count=len(model.vars.build))
        base_only = base.x[build_cols] if base.optimal else np.zeros(len(build_cols))
        priced = _price(model, data, session, names, numbers, hedged, basis, stages, "with the hedge's builds")
        against = _price(model, data, session, names, numbers, base_only, basis, stages,
                         "with the base plan's builds")
    with stages.stage("tables"):
        tables, summary, failures = _tables(model, data, names, weights, priced, against, joint, hedged, base_only)
    return Outcome(tables, summary, failures)


def _price(model, data, session, names, numbers, builds, basis, stages, label) -> list[ScenarioResult]:
    """Every scenario's optimum with the builds fixed (a scenario of probability 0 is priced too)."""
    results = []
    for i, (name, n) in enumerate(zip(names, numbers), start=1):
        fixed = with_builds(model, n, builds)
        solution = solve_from(session, fixed, basis)
        stages.add("highs", solution.solve_seconds)
        results.append(scenario_result(name, model, apply_scenario(data, name), fixed, solution))
        stages.progress("hedge", f"scenario {i} of {len(names)} '{name}' {label}: {solution.status}")
    return results


def _tables(model, data, names, weights, priced, against, joint, hedged, base_only):
    failures = [f"scenario {r.scenario} {label}: {r.status}" for results, label in
                ((priced, "with the hedge's builds"), (against, "with the base plan's builds"))
                for r in results if not r.optimal]
    expected = sum(w * r.total_cost for w, r in zip(weights, priced) if r.optimal)
    expected_base = sum(w * r.total_cost for w, r in zip(weights, against) if r.optimal)
    value = max(0.0, noise_free(expected_base - expected, expected))
    rows = []
    for name, w, r, b in zip(names, weights, priced, against):
        saves = noise_free(b.total_cost - r.total_cost, r.total_cost) if r.optimal and b.optimal else None
        rows.append((name, w, r.total_cost, b.total_cost, saves))
    hedge_builds = np.zeros(model.num_cols)
    hedge_builds[np.fromiter(model.vars.build.values(), dtype=np.int64, count=len(hedged))] = hedged
    only = np.zeros(model.num_cols)
    only[np.fromiter(model.vars.build.values(), dtype=np.int64, count=len(base_only))] = base_only
    investments = pd.concat([investments_table("hedge", model, data, hedge_builds),
                             investments_table("base plan's own", model, data, only)], ignore_index=True)
    tables = {"scenarios": pd.DataFrame(rows, columns=SCENARIO_COLUMNS), "investments": investments,
              "capacity_built": capacity_built(investments, list(data.periods)),
              "hedge_costs": pd.DataFrame([("hedge", expected), ("base plan's own", expected_base)],
                                          columns=["builds", "expected_cost"])}
    tables.update({k: v for k, v in plan_tables(priced).items() if k != "investments"})
    summary = [("expected_cost", expected if joint.optimal else None),
               ("value_of_hedging", value),
               ("expected_cost_with_base_builds", expected_base),
               ("base_probability", weights[0]),
               ("projects_backed", _backed(model, data, hedged)),
               ("scenarios", len(names) - 1)]
    return tables, summary, failures


def _backed(model: Model, data: PlannerInput, builds: np.ndarray) -> str:
    """``KOR refinery 40% in 2027; ...`` or ``none``."""
    # Builds below 0.1% are an LP's slivers, not decisions: Investments lists them, this line does not.
    parts = [f"{name} {_percent(b)} in {t}" for (_m, name, t), b in zip(model.vars.build, builds) if b >= 1e-3]
    return "; ".join(parts) or "none"


def _percent(fraction: float) -> str:
    """``100%``, ``74%``, ``0.4%``: a small part built never reads as 0%."""
    return f"{fraction:.0%}" if fraction >= 0.01 else f"{fraction:.1%}" if fraction >= 0.001 else "<0.1%"

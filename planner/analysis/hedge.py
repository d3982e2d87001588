"""``planner hedge``: one set of builds for the base plan and every scenario at once.

``planner solve`` plans each scenario with foresight, its own builds included; ``planner stress``
hits the base plan's builds with each disruption. Neither answers which projects to back *before*
knowing which disruption comes. The hedge does: one stochastic program shares the builds across
the base and every scenario, each weighted by its probability, and minimises the expected cost.
Its value is what those builds save, in expectation, against building what the base plan alone
would build and re-planning operations when a scenario happens. With ``--samples N`` the scenarios
are N samples of the ``risks`` sheet, drawn as ``planner sweep`` draws them (``sample_scenarios``).
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.analysis.compare import economic_cost
from planner.analysis.lshaped import (
    DECOMPOSITION,
    EXTENSIVE,
    Decided,
    Decomposition,
    choose_method,
    with_builds,
)
from planner.analysis.outcome import Outcome
from planner.analysis.results import (
    BUDGET_COLUMNS,
    ScenarioResult,
    investments_table,
    noise_free,
    plan_tables,
    scenario_result,
    scenario_totals,
    stockpiles_table,
    unmet_by_mineral,
)
from planner.analysis.sweep import require_risks
from planner.analysis.sweep.sampling import describe, draw_samples, sample_rows
from planner.input.data import PlannerInput
from planner.input.scenarios import apply_scenario, scenario_names
from planner.model.build import Model, Numbers, numbers_digest, numbers_for, with_columns_fixed
from planner.model.constraints.budget import budget_units, value_of_money
from planner.model.core import LE
from planner.model.stack import Stack, decision_columns, stack
from planner.runinfo import Stages
from planner.solver import (
    OPTIMAL,
    PricedBudgetSession,
    Session,
    Solution,
    settings_solver,
    solve_from,
    starting_basis,
)
from planner.solver.priced import budget_coupled
from planner.tables import TABLES

# A base plan within this relative distance of its optimum is still optimal (the MIP gap is 1e-9).
NEAR_OPTIMAL = 1e-9

DRAWN = "risks drawn"  # a sampled hedge's column of Scenarios
SCENARIO_COLUMNS = [c for c in TABLES["hedge_scenarios"].columns if c != DRAWN]
COST_COLUMNS = list(TABLES["hedge_costs"].columns)
UNMET_COLUMNS = list(TABLES["hedge_scenario_unmet"].columns)


# A base probability this close to 0 is the rounding of scenarios that sum to 1 (N samples of 1/N each).
ROUNDING = 1e-12


def probabilities(data: PlannerInput) -> list[float]:
    """Each scenario's probability, base first: 1 minus the scenarios' sum (0 where they sum to 1)."""
    names = scenario_names(data)
    given = [data.probabilities.get(name, 0.0) for name in names[1:]]
    rest = 1.0 - math.fsum(given)
    return [rest if rest > ROUNDING else 0.0, *given]


@dataclass(frozen=True)
class SampledRisks:
    """How a sampled hedge's scenarios were drawn (``planner hedge --samples N --seed S``)."""

    samples: int
    seed: int
    drawn: dict[str, str]  # scenario -> its events, "risk@start period; ..." as the sweep's Samples sheet


def sample_names(n_samples: int) -> list[str]:
    return [f"sample {i}" for i in range(1, n_samples + 1)]


def sample_scenarios(data: PlannerInput, n_samples: int, seed: int) -> tuple[PlannerInput, SampledRisks]:
    """The workbook with its ``scenarios`` sheet replaced by ``n_samples`` samples of its ``risks``.

    The samples are the sweep's (``draw_samples``: the same seed, the same samples). Sample i is the
    scenario ``sample i``, its rows the capacity factors its events apply (``sample_rows``), so
    ``apply_scenario`` treats it as a listed scenario (reserve targets lifted where it disrupts). Each
    has probability 1/N, so base has 0 (``probabilities``): it is solved and reported beside them but
    weighs nothing, and the hedge minimises the sample mean
        E[cost] = (1/N) sum_i (c_i^T x_i + f^T b)
    A sample that draws no event is the base scenario under another name, as in the sweep.
    """
    require_risks(data, "hedge")
    samples = draw_samples(data, n_samples, seed)
    names = sample_names(n_samples)
    sampled = dataclasses.replace(data, scenarios={name: sample_rows(data, s) for name, s in zip(names, samples)},
                                  probabilities=dict.fromkeys(names, 1.0 / n_samples))
    return sampled, SampledRisks(n_samples, seed, {name: describe(data, s) for name, s in zip(names, samples)})


@dataclass
class Hedge:
    """The hedge's first-stage decisions and the prices around them, however the program was solved."""

    method: str  # lshaped.EXTENSIVE or lshaped.DECOMPOSITION
    status: str
    decisions: np.ndarray  # in ``decision_columns`` order
    reduced: np.ndarray  # each decision's reduced cost in the hedge program (NaN where the solver gave none)
    budget_values: np.ndarray  # per budget row: what one more unit of money saves in expectation (NaN: unknown)
    decided: Decided | None = None  # the decomposition's bounds and iterations

    @property
    def optimal(self) -> bool:
        return self.status == OPTIMAL


def hedge_plan(model: Model, data: PlannerInput, session: Session, stages: Stages,
               sampled: SampledRisks | None = None, method: str | None = None) -> Outcome:
    """Solve the stochastic program, price every scenario with its builds, and the base plan's builds too.

    A workbook with nothing to decide (no projects) is its own hedge: the expected cost of planning
    each scenario, and a value of hedging of 0. ``sampled``: the scenarios are risk samples
    (``sample_scenarios``), whose events Scenarios lists. ``method``: ``extensive`` or ``decompose`` (the
    L-shaped method, ``planner.analysis.lshaped``); None chooses by the number of scenarios
    (``choose_method``). Either finds the decisions; everything after is the same.
    """
    names = scenario_names(data)
    weights = probabilities(data)
    build_cols = decision_columns(model)
    integer = bool(np.asarray(model.integrality(), dtype=bool)[build_cols].any()) if len(build_cols) else False
    chosen = choose_method(method, len(names) - 1, str(data.settings.get("solver") or "highs"),
                           model.num_cols * len(names), integer)
    with stages.stage("solve"):
        numbers = scenario_numbers(model, data, names)
        base = session.solve(numbers[0])
        face = session.face if session.abilities.face else None  # a budget priced block by block: its face
        stages.add("highs", base.solve_seconds)
        basis = starting_basis(session)
        st = decomposition = None
        if not len(build_cols):
            found = Hedge(chosen, OPTIMAL, np.zeros(0), np.zeros(0), np.zeros(0))
        elif chosen == EXTENSIVE:
            found, st = _extensive(model, data, numbers, weights, stages)
        else:
            decomposition = Decomposition(model, data, names, weights, numbers, stages)
            found = _decomposed(decomposition, base, build_cols)
        if len(build_cols):
            stages.choose("hedge_method", chosen)
        if not found.optimal:
            if decomposition is not None:
                decomposition.record()
            return Outcome({}, [("expected_cost", None), ("value_of_hedging", None)], [f"the hedge: {found.status}"])
        hedged = found.decisions
        solves = FixedSolves(model, session, numbers, basis, stages)
        # A sample's plan is one of many draws, not a case to read: its cost and unmet tonnes are kept, its
        # flows are not (at a thousand samples they would be millions of rows).
        detailed = None if sampled is None else {0}
        priced = _price(model, data, session, names, numbers, hedged, basis, stages, "with the hedge's builds", solves,
                        detailed)
        if st is not None:
            base_only = _base_plan_builds(st, numbers[0], base, priced[0], hedged, build_cols, data, stages, model,
                                          face)
        elif decomposition is not None:
            base_only = _among_base_optima(base, priced[0], hedged, build_cols, stages, lambda z0, slack, own:
                                           _decomposed_among_optima(decomposition, z0, slack, own))
        else:
            base_only = np.zeros(0)
        if decomposition is not None:
            decomposition.record()
        if np.array_equal(base_only, hedged):
            against = priced  # the same builds: the same optima, no need to solve them twice
        else:
            against = _price(model, data, session, names, numbers, base_only, basis, stages,
                             "with the base plan's builds", solves, {0})
        values = decision_values(model, data, session, names, weights, numbers, hedged, priced, basis, stages,
                                 found.reduced, base_only, solves)
    with stages.stage("tables"):
        tables, summary, failures = _tables(model, data, names, weights, priced, against, found, hedged, base_only)
        tables["decision_values"] = values
        if "budget" in model.rows:
            tables["budgets"] = _hedge_budgets(model, priced[0], against[0], found)
    if sampled is not None:
        _with_samples(tables, summary, names, sampled)
    return Outcome(tables, summary, failures)


def scenario_numbers(model: Model, data: PlannerInput, names: list[str]) -> list[Numbers]:
    """Every scenario's numbers, base first; scenarios with the same numbers share one object (a thousand samples
    of a block hold as many distinct numbers as the block has distinct samples, a few dozen)."""
    seen: dict[bytes, Numbers] = {}
    out = []
    for name in names:
        n = numbers_for(model, apply_scenario(data, name))
        out.append(seen.setdefault(numbers_digest(n), n))
    return out


def _extensive(model: Model, data: PlannerInput, numbers: list[Numbers], weights: list[float], stages: Stages
               ) -> tuple[Hedge, Stack]:
    """The hedge program solved whole: every scenario's operations stacked beside the shared decisions."""
    st = stack(model, numbers, weights)
    stages.progress("hedge", f"{len(numbers)} scenarios stacked: {st.lp.num_cols:,} variables, "
                             f"{st.lp.num_rows:,} constraints")
    joint = settings_solver(st.lp, data.settings, blocks=st.blocks, coupling_rows=st.budget_rows).solve()
    stages.add("highs", joint.solve_seconds)
    stages.progress("hedge", f"the hedge: {joint.status}")
    build_cols = decision_columns(model)
    if not joint.optimal:
        return Hedge(EXTENSIVE, joint.status, np.zeros(len(build_cols)), np.zeros(0), np.zeros(0)), st
    budget = np.full(len(st.budget_rows), np.nan)
    if joint.row_dual is not None and len(st.budget_rows):
        budget = value_of_money(np.asarray(joint.row_dual)[st.budget_rows], budget_units(model, data))
    return Hedge(EXTENSIVE, OPTIMAL, _in_build_order(st, joint.x[:len(st.shared)], build_cols),
                 _expected_reduced_costs(st, joint, build_cols), budget), st


def _decomposed(decomposition: Decomposition, base: Solution, build_cols: np.ndarray) -> Hedge:
    """The hedge program by the L-shaped method, started from the base plan's own decisions (where it has
    none, from building and buying nothing)."""
    start = base.x[build_cols] if base.optimal else np.zeros(len(build_cols))
    decided = decomposition.hedge(start)
    return Hedge(DECOMPOSITION, decided.status, decided.decisions, decided.reduced, decided.budget_values, decided)


def _with_samples(tables: dict, summary: list, names: list[str], sampled: SampledRisks) -> None:
    """The risks each sample drew on Scenarios (blank for base, which is no sample); N and the seed on Summary."""
    tables["scenarios"][DRAWN] = [sampled.drawn.get(name) for name in names]
    summary += [("samples", sampled.samples), ("seed", sampled.seed), ("plans_written", PLANS_WRITTEN)]


PLANS_WRITTEN = ("base only, with the hedge's builds: each sample's cost and unmet demand are on Scenarios and "
                 "Scenario unmet, their spread on Distribution")


def _with_integers_fixed(lp, st, model: Model, base_numbers: Numbers, base):
    """For a mixed-integer program with a budget across minerals: the base plan's integer choices fixed on the
    stacked ``lp`` and the face of the linear program that remains, priced block by block (None where the
    budget ties no minerals together or nothing is integer).

    Solved whole, the tie-break is a mixed-integer program over every mineral and scenario at once. With
    the base plan's all-or-nothing builds fixed, the ties that remain are among its other decisions (its
    purchases, its partial builds): a linear program that prices block by block.
    """
    integer = np.flatnonzero(model.integrality())
    rows = np.asarray(model.rows["budget"].rows if "budget" in model.rows else [], dtype=np.int64)
    if not integer.size or not budget_coupled(model, model.col_minerals(), rows, integers=True):
        return None
    values = np.round(base.x[integer])
    session = PricedBudgetSession(model, model.col_minerals(), rows)
    if not session.solve(with_columns_fixed(base_numbers, integer, values)).optimal:
        return None
    position = {int(c): i for i, c in enumerate(st.shared)}
    for col, value in zip(integer, values):
        lp.col_lower[position[int(col)]] = lp.col_upper[position[int(col)]] = float(value)
    lp.col_integer = [False] * lp.num_cols
    return session.face


def _base_optimal_face(lp, st, model: Model, base_numbers: Numbers, base, face) -> tuple[np.ndarray, np.ndarray]:
    """Rows that keep the base scenario optimal, one per mineral, on the stacked ``lp``; the coupling rows
    and a start (the base plan's decisions) for pricing it block by block.

    Formulation
    -----------
    With the price of money lambda and each mineral's optimum z_i(lambda) at it (``PricedBudgetSession.face``),
    the base scenario is optimal exactly when (spec, Version 2, and complementary slackness):
        (c_0 + lambda^T B)_i^T (b_i, x_0i) <= z_i(lambda) (1 + 1e-9)     for each mineral i
        B_k b >= amount_k (1 - 1e-9)                                     for each budget with lambda_k > 0
    Each mineral's row lies within its block; the budgets (<= as in the program, and >= where money
    is worth something) are the only rows across minerals.
    """
    starts, index, value = model.matrix()
    budget_rows = model.rows["budget"].rows
    money = np.zeros((len(budget_rows), model.num_cols))
    for k, r in enumerate(budget_rows):
        money[k, index[starts[r]:starts[r + 1]]] = value[starts[r]:starts[r + 1]]
    lagrangian = base_numbers.col_cost + face.price @ money
    stacked = np.empty(model.num_cols, dtype=np.int64)
    stacked[st.shared] = np.arange(len(st.shared))
    stacked[st.operating] = st.offsets[0] + np.arange(len(st.operating))
    rows = lp.row_family("base_optimal", LE, lambda data, key: 0.0)
    for name, cols, z in zip(face.names, face.cols, face.objectives):
        terms = [(int(stacked[c]), float(lagrangian[c])) for c in cols if lagrangian[c]]
        lp.add_row(rows, (name,), terms, z + NEAR_OPTIMAL * max(1.0, abs(z)))
    coupling = list(st.budget_rows)
    amounts = np.asarray(lp.row_rhs)[st.budget_rows]
    for k in np.flatnonzero(face.price > 0):
        terms = [(int(stacked[c]), -float(money[k, c])) for c in np.flatnonzero(money[k])]
        coupling.append(lp.add_row(rows, ("spent", k), terms, -amounts[k] * (1 - NEAR_OPTIMAL)))
    start = np.zeros(lp.num_cols)
    start[:len(st.shared)] = base.x[st.shared]
    return np.asarray(coupling, dtype=np.int64), start


def _in_build_order(st, shared_x: np.ndarray, build_cols: np.ndarray) -> np.ndarray:
    """Stacked build values (in column order) rearranged in the order of ``model.vars.build``."""
    position = {int(c): i for i, c in enumerate(st.shared)}
    return np.array([shared_x[position[int(c)]] for c in build_cols], dtype=np.float64)


def _among_base_optima(base: Solution, hedge_base: ScenarioResult, hedged: np.ndarray, build_cols: np.ndarray,
                       stages: Stages, among_optima) -> np.ndarray:
    """The base plan's own builds: of the base-optimal ones, those with the lowest expected cost.

    Formulation
    -----------
    Where several sets of builds b give the base optimum z0, the value of hedging must not credit
    the hedge for a choice the base plan could have made at no cost (spec, Version 2). So:
        minimise  sum_s w_s (c_s^T x_s + f^T b)                  (the hedge program)
        s.t.      c_0^T x_0 + f^T b <= z0 (1 + 1e-9)             (the base scenario stays optimal)
    The hedge's own builds solve it whenever they are base-optimal (no other program is solved then).
    Else ``among_optima(z0, slack, own)`` solves it as the hedge was solved, and gives its status and
    decisions (None where it found none): stacked (``_base_plan_builds``) or by decomposition
    (``_decomposed_among_optima``).
    """
    if not len(build_cols) or not base.optimal:
        return np.zeros(len(build_cols))
    z0 = float(base.objective)
    slack = NEAR_OPTIMAL * max(1.0, abs(z0))
    if hedge_base.optimal and hedge_base.total_cost <= z0 + slack:
        return hedged
    own = base.x[build_cols]
    status, chosen = among_optima(z0, slack, own)
    stages.progress("hedge", f"the base plan's own builds among its optima: {status}")
    if chosen is None:  # numerically out of reach: the base solve's own builds
        return own
    # The slack lets a decision drift off the base plan's by a sliver (4e-7 t of stock bought at no gain):
    # that is the slack's, not a tie's.
    sliver = np.abs(chosen - own) <= 1e-6 * np.maximum(1.0, np.abs(own))
    return np.where(sliver, own, chosen)


def _base_plan_builds(st: Stack, base_numbers: Numbers, base: Solution, hedge_base: ScenarioResult,
                      hedged: np.ndarray, build_cols: np.ndarray, data: PlannerInput, stages: Stages,
                      model: Model | None = None, face=None) -> np.ndarray:
    """The base plan's own builds (``_among_base_optima``) on the stacked hedge program: its row added to a copy.

    Where a budget ties minerals together and was priced block by block (``face``), the one row
    across every mineral becomes one row per mineral (``_base_optimal_face``), and the program is
    priced block by block too; with ``model`` and no ``face``, a mixed-integer program has the base
    plan's integer choices fixed first (``_with_integers_fixed``).
    """
    return _among_base_optima(base, hedge_base, hedged, build_cols, stages, lambda z0, slack, _own:
                              _stacked_among_optima(st, base_numbers, base, build_cols, data, stages, model, face,
                                                    z0, slack))


def _stacked_among_optima(st: Stack, base_numbers: Numbers, base: Solution, build_cols: np.ndarray,
                          data: PlannerInput, stages: Stages, model: Model | None, face, z0: float, slack: float
                          ) -> tuple[str, np.ndarray | None]:
    lp = copy.copy(st.lp)
    lp._starts, lp._index, lp._value = list(lp._starts), list(lp._index), list(lp._value)
    lp.row_rhs, lp.row_sense, lp.rows = list(lp.row_rhs), list(lp.row_sense), {}
    lp.col_lower, lp.col_upper = list(lp.col_lower), list(lp.col_upper)
    highs = (data.settings.get("solver") or "highs") == "highs"
    if face is None and model is not None and len(st.budget_rows) and highs:
        face = _with_integers_fixed(lp, st, model, base_numbers, base)
    if face is not None and len(st.budget_rows):
        coupling, start = _base_optimal_face(lp, st, model, base_numbers, base, face)
        session = settings_solver(lp, data.settings, blocks=st.blocks, coupling_rows=coupling)
        tied = session.solve(start=start) if session.abilities.face else session.solve()
    else:
        cost = base_numbers.col_cost
        terms = [(i, float(cost[c])) for i, c in enumerate(st.shared) if cost[c]]
        operating = cost[st.operating]
        terms += [(st.offsets[0] + int(j), float(operating[j])) for j in np.flatnonzero(operating)]
        lp.add_row(lp.row_family("base_optimal", LE, lambda data, key: 0.0), ("base",), terms, z0 + slack)
        tied = settings_solver(lp, data.settings).solve()
    stages.add("highs", tied.solve_seconds)
    if not tied.optimal:
        return tied.status, None
    return tied.status, _in_build_order(st, tied.x[:len(st.shared)], build_cols)


def _decomposed_among_optima(decomposition: Decomposition, z0: float, slack: float, own: np.ndarray
                             ) -> tuple[str, np.ndarray | None]:
    """``_base_plan_builds``' program by the L-shaped method: the hedge's master, its cuts kept, with the base
    scenario's cost capped at z0 + slack. The base solve's own decisions keep the cap: the method starts there."""
    found = decomposition.base_plan_builds(z0, slack, own)
    status = found.status if found.failed is None else decomposition.failure(found)
    return status, found.decisions if found.optimal else None


class FixedSolves:
    """Each scenario's optimum with the decisions fixed, solved once for every scenario with the same numbers.

    Samples that drew the same events (or none that touch the block) have the same numbers; solved from the
    same basis they have the same optimum, so each distinct (numbers, decisions) is solved once.
    """

    def __init__(self, model: Model, session, numbers: list[Numbers], basis, stages: Stages):
        self.model, self.session, self.numbers, self.basis, self.stages = model, session, numbers, basis, stages
        self.keys = [numbers_digest(n) for n in numbers]
        self.solved: dict[tuple[bytes, bytes], Solution] = {}

    def solve(self, s: int, decisions: np.ndarray) -> tuple[Numbers, Solution]:
        """Scenario ``s``'s numbers with ``decisions`` fixed, and its optimum."""
        fixed = with_builds(self.model, self.numbers[s], decisions)
        key = (self.keys[s], np.asarray(decisions, dtype=np.float64).tobytes())
        if key not in self.solved:
            self.solved[key] = solve_from(self.session, fixed, self.basis)
            self.stages.add("highs", self.solved[key].solve_seconds)
        return fixed, self.solved[key]


def _price(model, data, session, names, numbers, builds, basis, stages, label, solves: FixedSolves | None = None,
           detailed: set[int] | None = None) -> list[ScenarioResult]:
    """Every scenario's optimum with the builds fixed (a scenario of probability 0 is priced too). ``solves``: the
    hedge's solves so far (None: a new one). ``detailed``: the scenarios whose plan tables are built (None: every
    one); the others keep their costs alone (``scenario_totals``)."""
    solves = solves or FixedSolves(model, session, numbers, basis, stages)
    results = []
    for i, name in enumerate(names):
        fixed, solution = solves.solve(i, builds)
        if detailed is None or i in detailed:
            results.append(scenario_result(name, model, apply_scenario(data, name), fixed, solution))
        else:
            results.append(scenario_totals(name, fixed, solution))
        stages.progress("hedge", f"{data.label}, scenario {i + 1} of {len(names)} '{name}' {label}: {solution.status}")
    return results


# Decisions the hedge takes: a build of at least 0.1% of a project, stock of at least half a tonne (below
# that they are an LP's slivers, as on Summary).
BUILT, BOUGHT = 1e-3, 0.5
# Re-solves the decision values may take (decisions x distinct scenarios); beyond it only the marginal values.
MAX_VALUE_SOLVES = 2_000
# Scenarios beyond this many get no column each on Decision values (a sampled hedge): the counts remain.
MAX_VALUE_COLUMNS = 50
DECISION_COLUMNS = ["decision", "kind", "mineral", "period", "built", "bought_tonnes", "base_plan_too", "cost",
                    "expected_value", "pays_off_in", "of_scenarios", "most_in", "marginal_value", "reading"]


def decision_values(model: Model, data: PlannerInput, session, names: list[str], weights: list[float],
                    numbers: list[Numbers], hedged: np.ndarray, priced: list[ScenarioResult], basis,
                    stages: Stages, reduced: np.ndarray, base_only: np.ndarray,
                    solves: FixedSolves | None = None) -> pd.DataFrame:
    """What each decision of the hedge is worth in each scenario, and so in which scenarios it pays off.

    Formulation
    -----------
    For a decision j the hedge takes (a build b[p,t] or stock bought q[m,d,t]) at its value h_j, and a
    scenario s with optimum z_s(h) when the decisions are fixed at h (their own cost included):
        value_js    = z_s(h with h_j = 0) - z_s(h)     what s would cost more without it: > 0 where it pays off
        expected_j  = sum_s w_s value_js
        marginal_j  = -d_j                             what one more unit (a whole project, a tonne) would save
    where d_j is decision j's reduced cost in the hedge program, the expectation of its scenarios' (``reduced``,
    in decision order). A partial build is basic there, so marginal_j = 0: it is built up to where the next
    part of it saves, in expectation, exactly what it costs. An all-or-nothing project has no next part: no
    marginal value. ``base_only``: the base plan's own decisions, to say which the base plan takes too.
    ``solves``: the hedge's solves so far (scenarios with the same numbers solved once); None: a new one.
    """
    solves = solves or FixedSolves(model, session, numbers, basis, stages)
    v = model.vars
    cols = decision_columns(model)
    keys = [("build", key) for key in v.build] + [("stock", key) for key in v.bought]
    taken = [j for j, (kind, _key) in enumerate(keys) if hedged[j] >= (BUILT if kind == "build" else BOUGHT)]
    # Scenarios with the same numbers share their solves (FixedSolves): a thousand samples of a block cost as
    # many solves as it has distinct samples.
    valued = len(taken) * len(set(solves.keys)) <= MAX_VALUE_SOLVES
    values = np.full((len(taken), len(names)), np.nan)
    if valued:
        for i, j in enumerate(taken):
            without = hedged.copy()
            without[j] = 0.0
            for s in range(len(numbers)):
                if priced[s].optimal:
                    _fixed, solution = solves.solve(s, without)
                    if solution.optimal:
                        with_it = float(priced[s].solution.objective)
                        values[i, s] = noise_free(float(solution.objective) - with_it, with_it)
            stages.progress("hedge", f"{data.label}, value of decision {i + 1} of {len(taken)} in every scenario")
    w = np.asarray(weights)
    # Where it pays off counts the scenarios that can happen: a sampled hedge's base (probability 0) is no sample.
    possible = w > 0
    rows = []
    for i, j in enumerate(taken):
        kind, key = keys[j]
        col = int(cols[j])
        row = values[i]
        paying = int(((row > 0) & possible).sum()) if valued else None
        counted = np.where(possible, row, np.nan)
        m, name, t = key
        label = name if kind == "build" else f"stock for {name}"
        threshold = BUILT if kind == "build" else BOUGHT
        integer = bool(model.integrality()[col])
        rows.append([label, kind, m, t, hedged[j] if kind == "build" else None,
                     hedged[j] if kind == "stock" else None, bool(base_only[j] >= threshold),
                     float(numbers[0].col_cost[col] * hedged[j]),
                     float(np.dot(w, row)) if valued else None, paying, int(possible.sum()) if valued else None,
                     names[int(np.nanargmax(counted))] if valued and not np.isnan(counted).all() else None,
                     None if integer else noise_free(-float(reduced[j]), float(numbers[0].col_cost[col]) or 1.0),
                     _reading(kind, hedged[j], integer)]
                    + (list(row) if len(names) <= MAX_VALUE_COLUMNS else []))
    scenario_columns = list(names) if len(names) <= MAX_VALUE_COLUMNS else []
    return pd.DataFrame(rows, columns=DECISION_COLUMNS + scenario_columns)


def _expected_reduced_costs(st, joint: Solution, decision_cols: np.ndarray) -> np.ndarray:
    """Each decision's reduced cost in the hedge program (decision order); NaN where the solver gave none."""
    if joint.col_dual is None or not len(st.shared):
        return np.full(len(decision_cols), np.nan)
    return _in_build_order(st, np.asarray(joint.col_dual[:len(st.shared)], dtype=np.float64), decision_cols)


def _reading(kind: str, amount: float, integer: bool) -> str:
    """How to read a decision: whole or partial, and what a partial one means."""
    if kind == "stock":
        return "stock bought before the first period and held for every scenario"
    if integer or amount >= 1 - 1e-6:
        return "built whole"
    return (f"{_percent(amount)} built: the share of the project whose expected saving covers its cost; read it as "
            "a smaller project or a stake in this one")


def _tables(model, data, names, weights, priced, against, found: Hedge, hedged, base_only):
    failures = [f"scenario {r.scenario} {label}: {r.status}" for results, label in
                ((priced, "with the hedge's builds"), (against, "with the base plan's builds"))
                for r in results if not r.optimal]
    expected = sum(w * r.total_cost for w, r in zip(weights, priced) if r.optimal)
    expected_base = sum(w * r.total_cost for w, r in zip(weights, against) if r.optimal)
    economic = [sum(w * economic_cost(r) for w, r in zip(weights, results) if r.optimal)
                for results in (priced, against)]
    value = max(0.0, noise_free(expected_base - expected, expected))
    rows = []
    for name, w, r, b in zip(names, weights, priced, against):
        saves = noise_free(b.total_cost - r.total_cost, r.total_cost) if r.optimal and b.optimal else None
        rows.append((name, w, r.total_cost, b.total_cost, saves, economic_cost(r) if r.optimal else None,
                     economic_cost(b) if b.optimal else None))
    hedge_builds = np.zeros(model.num_cols)
    hedge_builds[decision_columns(model)] = hedged
    only = np.zeros(model.num_cols)
    only[decision_columns(model)] = base_only
    investments = pd.concat([investments_table("hedge", model, data, hedge_builds),
                             investments_table("base plan's own", model, data, only)], ignore_index=True)
    tables = {"scenarios": pd.DataFrame(rows, columns=SCENARIO_COLUMNS), "investments": investments,
              "scenario_unmet": _scenario_unmet(model, data, priced, against),
              "hedge_costs": pd.DataFrame([("hedge", expected, economic[0]),
                                           ("base plan's own", expected_base, economic[1])], columns=COST_COLUMNS)}
    tables.update({k: v for k, v in plan_tables(priced).items() if k not in ("investments", "stockpiles")})
    if model.vars.bought:
        tables["stockpiles"] = pd.concat([stockpiles_table(label, model, data, r.numbers, r.solution.x)
                                          for label, r in (("hedge", priced[0]), ("base plan's own", against[0]))
                                          if r.optimal], ignore_index=True)
    summary = [("expected_cost", expected if found.optimal else None),
               ("value_of_hedging", value),
               ("expected_cost_with_base_builds", expected_base),
               ("expected_economic_cost", economic[0] if found.optimal else None),
               ("expected_economic_cost_with_base_builds", economic[1]),
               ("base_probability", weights[0]),
               ("projects_backed", _backed(model, data, hedged)),
               *([("stock_bought", _stock(model, hedged))] if model.vars.bought else []),
               ("scenarios", len(names) - 1)]
    if found.decided is not None:
        summary += _bounds(found.decided)
    return tables, summary, failures


def _scenario_unmet(model: Model, data: PlannerInput, priced: list[ScenarioResult], against: list[ScenarioResult]
                    ) -> pd.DataFrame:
    """Per scenario and mineral of the block: demand left unmet with the hedge's builds and with the base plan's."""
    rows = []
    for r, b in zip(priced, against):
        hedged = unmet_by_mineral(model, r.solution.x) if r.optimal else {}
        own = unmet_by_mineral(model, b.solution.x) if b.optimal else {}
        rows += [(r.scenario, m, hedged.get(m, 0.0) if r.optimal else None, own.get(m, 0.0) if b.optimal else None)
                 for m in data.minerals]
    return pd.DataFrame(rows, columns=UNMET_COLUMNS)


def _bounds(decided: Decided) -> list[tuple[str, object]]:
    """The decomposition's bounds on the expected cost, the gap between them and the iterations it took."""
    return [("expected_cost_lower_bound", decided.lower), ("expected_cost_upper_bound", decided.upper),
            ("gap", decided.gap), ("iterations", decided.iterations),
            ("distinct_scenarios", decided.distinct)]


def _hedge_budgets(model: Model, hedge_base: ScenarioResult, own_base: ScenarioResult, found: Hedge
                   ) -> pd.DataFrame:
    """Per budget: what the hedge spends and what one more unit of money would save in expectation (the hedge
    program's budget row: the stockpile is bought once, for every scenario); beside it, what the base plan's own
    purchases spend.

    Each scenario priced with the purchases fixed would show a value of 0 (nothing is left to buy there), so
    the value of money is read where the purchases are decided.
    """
    family = model.rows["budget"]
    units = budget_units(model, model.data)
    rows = []
    for label, result in (("hedge", hedge_base), ("base plan's own", own_base)):
        if not result.optimal:
            continue
        activity = model.row_activity(result.solution.x)
        for k, ((_sheet_row, name), row, unit) in enumerate(zip(family.keys, family.rows, units)):
            value = np.nan
            if label == "hedge" and k < len(found.budget_values):
                value = float(found.budget_values[k])
            rows.append((label, name, result.numbers.row_rhs[row] * unit, activity[row] * unit, value))
    return pd.DataFrame(rows, columns=BUDGET_COLUMNS)


def _backed(model: Model, data: PlannerInput, builds: np.ndarray) -> str:
    """``KOR refinery 40% in 2027; ...`` or ``none``."""
    # Builds below 0.1% are an LP's slivers, not decisions: Investments lists them, this line does not.
    parts = [f"{name} {_percent(b)} in {t}" for (_m, name, t), b in zip(model.vars.build, builds) if b >= 1e-3]
    return "; ".join(parts) or "none"


def _stock(model: Model, decisions: np.ndarray) -> str:
    """``li for KOR 100 t; ...`` or ``none``: the stock the hedge buys up front (after the builds in ``decisions``)."""
    bought = decisions[len(model.vars.build):]
    parts = [f"{m} for {d} {b:,.0f} t" for (m, d, _t), b in zip(model.vars.bought, bought) if b >= 0.5]
    return "; ".join(parts) or "none"


def _percent(fraction: float) -> str:
    """``100%``, ``74%``, ``0.4%``: a small part built never reads as 0%."""
    return f"{fraction:.0%}" if fraction >= 0.01 else f"{fraction:.1%}" if fraction >= 0.001 else "<0.1%"

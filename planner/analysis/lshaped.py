"""The hedge by decomposition: a master over the shared decisions, each scenario's operations an LP of its own.

The extensive form (``planner.model.stack``) holds every scenario's operations in one program and grows
with them; at a thousand samples it no longer fits. Here the same program is solved by the L-shaped
method (``planner.solver.benders``): the master chooses the builds (binary where a project is
``integer``) and the stock bought up front; each scenario, with those fixed by their column bounds
(``with_builds``), is the block's own LP, solved warm from its previous basis, in this process or on
the run's worker processes; its reduced costs give the cut.

Scenarios with the same numbers (samples that drew the same events, or none that touch this block)
have the same recourse: they share one theta, weighted by their summed probability.

Why no feasibility cuts: every scenario's LP is feasible whatever the master chooses (the model's recourse
is complete). Any demand may go unmet at its penalty and any reserve target be missed at its shortfall
penalty; every other row of a scenario holds with nothing mined, refined or shipped (shares of a zero
total, balances of zero flows); the rows over the decisions alone (at most one build, requirements,
budgets) are the master's own, and stock bought stays within max_stock by its bound. A scenario that is
not optimal all the same stops the method, and the hedge fails naming it.
"""

from __future__ import annotations

import math
import pickle
import time
from dataclasses import dataclass

import numpy as np

from planner.errors import UsageError
from planner.input.data import PlannerInput
from planner.input.scenarios import apply_scenario
from planner.model.build import Model, Numbers, numbers_digest, numbers_for, with_columns_fixed
from planner.model.constraints.budget import budget_units, value_of_money
from planner.model.stack import SHARED_ROWS, decision_columns
from planner.runinfo import Stages
from planner.solver import HighsSession, solve_from
from planner.solver.benders import Iterate, LShaped, Master, Recourse, SharedRows, l_shaped, relative_gap
from planner.solver.portable import basis_arrays, highs_basis

EXTENSIVE, DECOMPOSITION = "extensive form", "decomposition (L-shaped, multi-cut)"
# Above this many scenarios (samples, or rows of sheet scenarios) the hedge decomposes unless told otherwise.
DECOMPOSE_ABOVE = 30
# A block with all-or-nothing decisions decomposes too where its stacked program would have more columns than
# this: the stacked mixed-integer program is what grows (the shipped dataset's hedge of 10 listed scenarios,
# 55,000 columns stacked in its largest block: 34 s of branch and bound stacked, 10 s decomposed).
DECOMPOSE_MIP_COLUMNS = 20_000
# A worker gets the scenarios of one iteration in about this many chunks (as explain's re-solves).
CHUNKS_PER_WORKER = 2
HERE = "in this process"


def choose_method(method: str | None, scenarios: int, solver: str, stacked_columns: int = 0,
                  integer: bool = False) -> str:
    """``extensive`` or ``decompose`` as asked; else, under HiGHS (CBC gives no basis to warm-start from: it
    solves the extensive form), the decomposition above ``DECOMPOSE_ABOVE`` scenarios, or where ``integer``
    decisions would make the stacked program (``stacked_columns``) a mixed-integer one above
    ``DECOMPOSE_MIP_COLUMNS``."""
    if method == "extensive":
        return EXTENSIVE
    if method == "decompose":
        return DECOMPOSITION
    large = scenarios > DECOMPOSE_ABOVE or (integer and stacked_columns > DECOMPOSE_MIP_COLUMNS)
    return DECOMPOSITION if large and solver == "highs" else EXTENSIVE


def check_method(data: PlannerInput, method: str | None) -> None:
    """Refuse a method that is none, or a decomposition the settings' solver cannot run, before any solve."""
    if method not in (None, "extensive", "decompose"):
        raise UsageError(f"unknown hedge method {method!r}; expected 'extensive' or 'decompose' (or none: by size)")
    solver = str(data.settings.get("solver") or "highs")
    if method == "decompose" and solver != "highs":
        raise UsageError(f"--decompose needs the HiGHS solver (its subproblems start from their last basis); the "
                         f"settings sheet asks for {solver}: run with --extensive, or set solver to highs")


@dataclass(frozen=True)
class Group:
    """Scenarios with the same numbers: one recourse, solved once, weighted by their summed probability."""

    first: int  # the scenario solved for them all (the first of them, in sheet order)
    members: tuple[int, ...]
    weight: float


def identical_scenarios(numbers: list[Numbers], weights: list[float]) -> list[Group]:
    """The scenarios grouped by their numbers (costs, bounds, right-hand sides, matrix entries), base's group
    first, the rest in the order their first member comes."""
    order: dict[bytes, list[int]] = {}
    for i, n in enumerate(numbers):
        order.setdefault(numbers_digest(n), []).append(i)
    return [Group(members[0], tuple(members), math.fsum(weights[i] for i in members)) for members in order.values()]


def shared_rows(model: Model, numbers: Numbers, cols: np.ndarray) -> tuple[SharedRows, dict[str, np.ndarray]]:
    """The model's rows over the decisions alone (``SHARED_ROWS``) as master rows over the decisions (in
    ``decision_columns`` order), and each family's positions among them."""
    position = np.full(model.num_cols, -1, dtype=np.int64)
    position[cols] = np.arange(len(cols))
    starts, index, value = model.matrix()
    lower, upper = model.row_bounds(numbers.row_rhs)
    rows = [(name, np.asarray(model.rows[name].rows, dtype=np.int64)) for name in SHARED_ROWS if name in model.rows]
    out_starts, out_index, out_value, families, k = [0], [], [], {}, 0
    for name, family in rows:
        families[name] = k + np.arange(len(family))
        k += len(family)
        for r in family:
            cells = slice(starts[r], starts[r + 1])
            out_index.append(position[index[cells]])
            out_value.append(value[cells])
            out_starts.append(out_starts[-1] + starts[r + 1] - starts[r])
    every = np.concatenate([f for _name, f in rows]) if rows else np.zeros(0, dtype=np.int64)
    joined = np.concatenate(out_index) if out_index else np.zeros(0, dtype=np.int64)
    if (joined < 0).any():
        raise ValueError("a shared row reaches beyond the first-stage decisions")
    return SharedRows(np.asarray(out_starts), joined, np.concatenate(out_value) if out_value else np.zeros(0),
                      lower[every], upper[every]), families


def stock_reach(model: Model, numbers: list[Numbers], cols: np.ndarray) -> np.ndarray:
    """An upper bound for every decision that has none: what stock bought for (m, d) could ever be used for.

    Formulation
    -----------
    With b[m,d] >= D + T, where D = sum_t demand[m,d,t] and T = max_t target[m,d,t] (each the largest of any
    scenario), the stock at the end of every period is at least T: every tonne beyond D + T only waits to be
    salvaged, at a net cost of purchase_price + holding - salvage >= 0 (validation refuses a salvage above the
    purchase price). No optimum needs more, so D + T bounds the master without cutting off an optimum.
    """
    v = model.vars
    upper = np.asarray(numbers[0].col_upper[cols], dtype=np.float64).copy()
    unbounded = np.flatnonzero(~np.isfinite(upper))
    if not unbounded.size:
        return upper
    bought = {int(col): key for key, col in v.bought.items()}
    demand: dict[tuple, float] = {}
    if len(v.unmet):
        most = np.max([n.demand if n.demand is not None else np.zeros(len(v.unmet)) for n in numbers], axis=0)
        for (m, d, _t), q in zip(v.unmet, most):
            demand[(m, d)] = demand.get((m, d), 0.0) + float(q)
    target: dict[tuple, float] = {}
    if "reserve_target" in model.rows:
        family = model.rows["reserve_target"]
        most = np.max([n.row_rhs[family.rows] for n in numbers], axis=0)
        for (m, d, _t), q in zip(family.keys, most):
            target[(m, d)] = max(target.get((m, d), 0.0), float(q))
    for j in unbounded:
        col = int(cols[j])
        if col not in bought:
            raise ValueError(f"decision column {col} has no upper bound and is no stock bought")
        m, d, _t = bought[col]
        upper[j] = max(1.0, demand.get((m, d), 0.0) + target.get((m, d), 0.0))
    return upper


@dataclass
class Decided:
    """What the decomposition found: the decisions (``decision_columns`` order) and the prices around them."""

    status: str
    decisions: np.ndarray
    reduced: np.ndarray  # each decision's reduced cost in the hedge program (NaN where none)
    budget_values: np.ndarray  # each budget row's value of one more unit of money (>= 0; NaN where none)
    lower: float
    upper: float
    iterations: int
    distinct: int  # scenarios solved apart (the rest share a group's numbers)

    @property
    def optimal(self) -> bool:
        return self.status == "Optimal"

    @property
    def gap(self) -> float:
        return relative_gap(self.lower, self.upper)


class Decomposition:
    """The hedge program of one block, by the L-shaped method: its master, its scenarios, their bases.

    ``numbers[i]`` are scenario ``names[i]``'s (base first), ``weights`` their probabilities. The master
    keeps its cuts between ``hedge`` and ``base_plan_builds``: they hold for any decisions.
    """

    def __init__(self, model: Model, data: PlannerInput, names: list[str], weights: list[float],
                 numbers: list[Numbers], stages: Stages):
        self.model, self.data, self.names, self.stages = model, data, names, stages
        self.cols = decision_columns(model)
        self.groups = identical_scenarios(numbers, weights)
        self.numbers = [numbers[g.first] for g in self.groups]
        group_weights = np.array([g.weight for g in self.groups])
        own_cost = np.array([n.col_cost[self.cols] for n in self.numbers])
        self.own_cost = own_cost  # c_s of the decisions, per group: the part of z_s that is f
        lower = (numbers[0].col_lower[self.cols] if numbers[0].col_lower is not None else np.zeros(len(self.cols)))
        self.upper = stock_reach(model, numbers, self.cols)
        self.reach = ~np.isfinite(numbers[0].col_upper[self.cols])  # the decisions whose bound is stock_reach's
        self.lower = np.asarray(lower, dtype=np.float64)
        self.integer = np.asarray(model.integrality(), dtype=bool)[self.cols]
        rows, self.families = shared_rows(model, numbers[0], self.cols)
        time_limit = data.settings.get("time_limit")
        self.master = Master(group_weights @ own_cost, self.lower, self.upper, self.integer, group_weights, rows,
                             time_limit)
        self.time_limit = time_limit
        self.session = _subproblem_session(model, time_limit)
        self.bases: list[tuple | None] = [None] * len(self.groups)
        self.solves: dict[str, list] = {}  # where -> [subproblems solved there, the solver's seconds for them]
        self.label = ""
        self._payload: bytes | None = None
        self._token = f"{id(self)}-{time.time_ns()}"

    # -- the two programs -------------------------------------------------------------------------------

    def hedge(self, start: np.ndarray) -> Decided:
        """The hedge's decisions: min f^T b + sum_s w_s Q_s(b), from ``start`` (the base plan's own decisions)."""
        self.label = "the hedge"
        return self._decided(l_shaped(self.master, self.evaluate, self._clean(start), self._report))

    def base_plan_builds(self, z0: float, slack: float, own: np.ndarray) -> LShaped:
        """The base plan's own decisions, as ``hedge._base_plan_builds`` defines them: of the decisions that keep the
        base scenario at its optimum z0 (within ``slack``), those with the lowest expected cost. ``own`` (the base
        solve's decisions) keeps it there, so the method starts from it."""
        self.label = "the base plan's own builds among its optima"
        self.master.cap(0, self.own_cost[0], z0 + slack)  # base's group is the first
        return l_shaped(self.master, self.evaluate, self._clean(own), self._report)

    def _decided(self, found: LShaped) -> Decided:
        n = len(self.cols)
        reduced, budget = np.full(n, np.nan), np.full(len(self.families.get("budget", ())), np.nan)
        decisions = found.decisions if found.decisions is not None else np.zeros(n)
        status = found.status if found.failed is None else self.failure(found)
        if found.decisions is not None:
            prices = self.master.prices()
            if prices is not None:
                # At the bound ``stock_reach`` gave it, a decision's reduced cost is that bound's, not the program's:
                # one more tonne there would only wait to be salvaged, saving nothing (the extensive form prices it 0).
                reduced = np.where(self.reached(decisions), 0.0, prices[0])
                if "budget" in self.families:
                    budget = value_of_money(prices[1][self.families["budget"]], budget_units(self.model, self.data))
        return Decided(status, decisions, reduced, budget, found.lower, found.upper, found.iterations,
                       len(self.groups))

    def reached(self, decisions: np.ndarray) -> np.ndarray:
        """Which decisions sit at the bound ``stock_reach`` set where the program has none."""
        return self.reach & (decisions >= self.upper * (1 - 1e-9))

    def failure(self, found: LShaped) -> str:
        """Why the method stopped at a scenario: its recourse should always have a plan (see the module's note)."""
        group = self.groups[found.failed]
        others = f" (and {len(group.members) - 1} with the same numbers)" if len(group.members) > 1 else ""
        return (f"scenario '{self.names[group.first]}'{others} with the decisions fixed: {found.status}; with unmet "
                "demand at its penalty every scenario should have a plan, so the decomposition stopped")

    def _report(self, step: Iterate) -> None:
        self.stages.progress("hedge", f"{self.data.label}, {self.label}: iteration {step.iteration}, lower bound "
                                      f"{step.lower:,.6g}, upper bound {step.upper:,.6g}, gap {step.gap:.2e} "
                                      f"({len(self.groups)} distinct scenarios, {self.master.cuts:,} cuts)")

    def _clean(self, decisions: np.ndarray) -> np.ndarray:
        """The master's decisions within their bounds, integer ones whole (a MIP's 0.9999999 is 1)."""
        b = np.clip(np.asarray(decisions, dtype=np.float64), self.lower, self.upper)
        b[self.integer] = np.round(b[self.integer])
        return b

    # -- the scenarios ------------------------------------------------------------------------------------

    def evaluate(self, decisions: np.ndarray) -> list[Recourse]:
        """Every group's operating cost Q_s(b) and subgradient at ``decisions``, each warm from its last basis
        (the first time: from the base scenario's at these decisions), here or on the run's workers."""
        b = self._clean(decisions)
        jobs = list(range(len(self.groups)))
        results: list[Recourse | None] = [None] * len(jobs)
        if self.bases[0] is None:  # the first evaluation: base cold, here, and its basis starts every other
            results[0], self.bases[0] = self._solve_here(0, b, None)
            self.bases = [self.bases[0]] * len(jobs)
            jobs = jobs[1:]
        pool = self._pool(len(jobs))
        if pool is None:
            for g in jobs:
                results[g], self.bases[g] = self._solve_here(g, b, self.bases[g])
        else:
            for g, recourse, basis, seconds in self._on_workers(pool, b, jobs):
                results[g], self.bases[g] = recourse, basis
                self._tally(f"on {pool.description}", seconds)
        return [r if r is not None else Recourse("Not solved") for r in results]

    def _solve_here(self, g: int, b: np.ndarray, basis) -> tuple[Recourse, tuple | None]:
        recourse, basis, seconds = solve_scenario(self.session, self.model, self.numbers[g], self.cols, b, basis)
        self._tally(HERE, seconds)
        return recourse, basis

    def _tally(self, where: str, seconds: float) -> None:
        count = self.solves.setdefault(where, [0, 0.0])
        count[0] += 1
        count[1] += seconds
        self.stages.add("highs", seconds)

    def _pool(self, jobs: int):
        """The run's workers where the command line chose them, or where an evaluation here takes longer than
        handing it over; None: here."""
        pool = self.stages.pool
        if pool is None or jobs < 2:
            return None
        if pool.chosen:
            return pool
        count, seconds = self.solves.get(HERE, (0, 0.0))
        per_solve = seconds / count if count else 0.0
        return pool if jobs * per_solve > pool.overhead_seconds() else None

    def _on_workers(self, pool, b: np.ndarray, jobs: list[int]):
        if self._payload is None:
            self._payload = pickle.dumps((self.model, self.data, self.time_limit), protocol=pickle.HIGHEST_PROTOCOL)
        size = max(1, math.ceil(len(jobs) / (CHUNKS_PER_WORKER * pool.workers)))
        chunks = [(self._token, self._payload, self.cols, b,
                   [(g, self.names[self.groups[g].first], self.bases[g]) for g in jobs[k:k + size]])
                  for k in range(0, len(jobs), size)]
        for done in pool.map(_solve_chunk, chunks):
            yield from done

    def record(self) -> None:
        """The subproblems solved, where, and the solver's seconds for them, on the run's stages."""
        for where, (count, seconds) in self.solves.items():
            self.stages.batch("hedge_subproblems", where, count, seconds)


def with_builds(model: Model, numbers: Numbers, builds: np.ndarray) -> Numbers:
    """``numbers`` with every first-stage decision (builds, stock bought) fixed at ``builds`` (``decision_columns``
    order)."""
    cols = decision_columns(model)
    return with_columns_fixed(numbers, cols, np.minimum(np.clip(builds, 0.0, None), numbers.col_upper[cols]))


def merged_bounds(items: list[dict]) -> list[tuple[str, object]]:
    """The blocks' bounds on Summary as one hedge's: the bounds summed (a block solved whole counts its expected
    cost for both), their gap, and the most iterations and distinct scenarios of any block; none where no block
    was decomposed or a block has no expected cost."""
    decomposed = [i for i in items if "expected_cost_lower_bound" in i]
    if not decomposed or any(i.get("expected_cost") is None for i in items):
        return []
    lower = math.fsum(i.get("expected_cost_lower_bound", i["expected_cost"]) for i in items)
    upper = math.fsum(i.get("expected_cost_upper_bound", i["expected_cost"]) for i in items)
    return [("expected_cost_lower_bound", lower), ("expected_cost_upper_bound", upper),
            ("gap", relative_gap(lower, upper)), ("iterations", max(i["iterations"] for i in decomposed)),
            ("distinct_scenarios", max(i["distinct_scenarios"] for i in decomposed))]


def _subproblem_session(model: Model, time_limit, threads: int | None = None) -> HighsSession:
    """A HiGHS session of the block solving linear programs: the decisions, integer ones too, are fixed by their
    bounds. ``threads``: 1 in a worker, whose siblings fill the cores (HiGHS fixes a process's thread count at
    its first solve; a linear program's simplex path does not depend on it)."""
    session = HighsSession(model, time_limit, threads=threads)
    session.set_integrality(False)
    return session


def solve_scenario(session: HighsSession, model: Model, numbers: Numbers, cols: np.ndarray, b: np.ndarray,
                   basis: tuple | None) -> tuple[Recourse, tuple | None, float]:
    """Q_s(b) and its subgradient: the scenario's optimum with the decisions fixed at ``b``, less their own cost,
    and the reduced costs of the decision columns less that cost. Started from ``basis`` (portable arrays), or
    cold; returns the basis it ends on.

    HiGHS' reduced cost of a column fixed by its bounds is d_j = c_j - a_j^T y, the derivative of the optimum
    in that bound (a subgradient where the optimum has a kink): tests/test_lshaped.py checks the sign on a
    one-variable case.
    """
    solution = solve_from(session, with_builds(model, numbers, b), highs_basis(basis))
    if not solution.optimal or solution.col_dual is None:
        status = solution.status if not solution.optimal else "Not solved: no reduced costs"
        return Recourse(status), basis, solution.solve_seconds
    own = numbers.col_cost[cols]
    recourse = Recourse("Optimal", float(solution.objective) - float(own @ b), solution.col_dual[cols] - own)
    return recourse, basis_arrays(session.basis()), solution.solve_seconds


_WORKER: dict = {}


def _solve_chunk(_state, chunk) -> list[tuple[int, Recourse, tuple | None, float]]:
    """In a worker: the block's model and session, built once per decomposition (``token``), and the chunk's
    scenarios solved on it, each from the basis it carries."""
    token, payload, cols, b, items = chunk
    if _WORKER.get("token") != token:
        model, data, time_limit = pickle.loads(payload)
        _WORKER.clear()
        _WORKER.update(token=token, model=model, data=data, session=_subproblem_session(model, time_limit, threads=1))
    model, data, session = _WORKER["model"], _WORKER["data"], _WORKER["session"]
    out = []
    for g, name, basis in items:
        numbers = numbers_for(model, apply_scenario(data, name))
        recourse, basis, seconds = solve_scenario(session, model, numbers, cols, b, basis)
        out.append((g, recourse, basis, seconds))
    return out

"""The L-shaped method, multi-cut: a two-stage stochastic program solved by a master and one LP per scenario.

Van Slyke and Wets (1969) decompose the program by its stages; Birge and Louveaux (1988) keep one cut
per scenario, which takes fewer iterations when the scenarios differ.

Formulation
-----------
The program, with b the first-stage decisions and x_s scenario s's operations:
    minimise  f^T b + sum_s w_s Q_s(b)
    s.t.      D b <sense> d,  l <= b <= u,  b_j integer for j in J
    Q_s(b) =  min { c_s^T x_s : A_s x_s + B_s b <sense> r_s,  x_s within its bounds }
Q_s is convex and piecewise linear. Solved at b_k with an optimal dual, it gives a subgradient g_s
(with b fixed by column bounds: the reduced costs of the b columns, less their own cost), and
    Q_s(b) >= Q_s(b_k) + g_s^T (b - b_k)     for every b                  (an optimality cut)
The master replaces each Q_s by theta_s above the cuts found so far:
    minimise  f^T b + sum_s w_s theta_s
    s.t.      D b <sense> d,  bounds, integrality
              theta_s - g_sk^T b >= Q_s(b_k) - g_sk^T b_k     for every iterate k and scenario s
Its optimum is a lower bound of the program's (a mixed-integer master: its dual bound); every b_k
evaluated gives an upper bound f^T b_k + sum_s w_s Q_s(b_k). The method stops when the two are within
``GAP`` of each other, relative to the upper bound, or after ``MAX_ITERATIONS`` master solves, or as soon as
the lower bound, rising at its pace over the last ``STALL_WINDOW`` iterations, could not close the gap in the
iterations left (a tailing-off the limit would only prolong).

No feasibility cuts: the caller's recourse is complete (every b the master can choose leaves every
scenario a feasible plan). ``evaluate`` reports a scenario that is not optimal, and the method stops
there, naming it, instead of cutting.

A cap on one scenario's whole cost (``Master.cap``: f_s^T b + Q_s(b) <= limit, through
theta_s) makes the same method solve the program among the b that keep that scenario at its
optimum: an iterate counts towards the upper bound only where its evaluated cost keeps the cap.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from planner.solver.highs import MIP_REL_GAP, _highspy, new_highs
from planner.solver.solution import OPTIMAL

# The relative distance between the bounds at which the decisions are optimal.
GAP = 1e-6
# Master solves before the method gives up (and reports the gap it reached).
MAX_ITERATIONS = 500
# Iterations over which the lower bound's pace is measured, to stop a tailing-off early (``l_shaped``).
STALL_WINDOW = 20
# A cut the master's theta already meets to this relative distance adds nothing.
VIOLATED = 1e-9
# A capped scenario may exceed its limit by this relative distance (the evaluation's own noise).
CAP_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Recourse:
    """Scenario s's operating cost Q_s(b) at one b and a subgradient there, or why it has none."""

    status: str
    cost: float = float("nan")
    gradient: np.ndarray | None = None

    @property
    def optimal(self) -> bool:
        return self.status == OPTIMAL


@dataclass(frozen=True)
class SharedRows:
    """The rows over the decisions alone (``lower <= D b <= upper``), row-wise sparse."""

    starts: np.ndarray
    index: np.ndarray
    value: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


@dataclass
class MasterSolution:
    status: str
    decisions: np.ndarray | None = None
    theta: np.ndarray | None = None
    objective: float = float("nan")
    bound: float = float("nan")  # the lower bound it proves (a mixed-integer master's dual bound)
    seconds: float = 0.0


class Master:
    """The master program over the decisions b and one theta_s per scenario, grown cut by cut, in HiGHS.

    ``cost`` is f, ``weights`` the w_s; ``lower``/``upper`` bound b and must be finite (a cut is a
    plane: with an unbounded b the first masters could run off along it).

    HiGHS holds money in units of the first scenario's cost (``_set_scale``) and each continuous decision in
    units of its widest bound (``unit``), so that a cut's slope is the money one whole range of the decision
    moves, relative to the cost. In tonnes it would not be: 500 USD a tonne over a 1.7e12 USD plan is 3e-10, an
    entry HiGHS drops (|a| <= ``small_matrix_value``, 1e-9), and a cut without its slope claims an optimum it
    has not found. Integer decisions keep unit 1, so that they stay whole.
    """

    def __init__(self, cost: np.ndarray, lower: np.ndarray, upper: np.ndarray, integer: np.ndarray,
                 weights: Sequence[float], shared: SharedRows | None = None, time_limit: float | None = None):
        if not (np.isfinite(lower).all() and np.isfinite(upper).all()):
            raise ValueError("the master needs finite bounds on every decision")
        hs = self.hs = _highspy()
        self.h = new_highs()
        self.h.setOptionValue("solver", "simplex")
        if time_limit:
            self.h.setOptionValue("time_limit", float(time_limit))
        self.n = len(cost)
        self.lower, self.upper = np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)
        self.weights = np.asarray(weights, dtype=np.float64)
        self.cost = np.asarray(cost, dtype=np.float64)
        self.unit = np.where(np.asarray(integer, dtype=bool), 1.0,
                             np.maximum(1.0, np.maximum(np.abs(self.lower), np.abs(self.upper))))
        inf = hs.kHighsInf
        s = len(self.weights)
        self.h.addVars(self.n + s, np.concatenate([self.lower / self.unit, np.full(s, -inf)]),
                       np.concatenate([self.upper / self.unit, np.full(s, inf)]))
        self.scale = 1.0  # money per unit of theta and of the objective (``_set_scale``)
        self.integer = np.flatnonzero(integer).astype(np.int32)
        self.mip = bool(self.integer.size)
        if self.mip:
            self.h.changeColsIntegrality(self.integer.size, self.integer,
                                         np.array([hs.HighsVarType.kInteger] * self.integer.size))
            self.h.setOptionValue("mip_rel_gap", MIP_REL_GAP)
        self.shared_rows = 0
        if shared is not None and len(shared.lower):
            index = np.asarray(shared.index, dtype=np.int32)
            self.h.addRows(len(shared.lower), _finite(shared.lower, inf), _finite(shared.upper, inf),
                           len(shared.index), np.asarray(shared.starts[:-1], dtype=np.int32), index,
                           np.asarray(shared.value, dtype=np.float64) * self.unit[index])
            self.shared_rows = len(shared.lower)
        self.caps: list[tuple[int, np.ndarray, float]] = []  # (scenario, f_s, limit)
        self.cuts = 0
        self.last: MasterSolution | None = None
        self._incumbent: np.ndarray | None = None  # a feasible (b, theta) to start a mixed-integer solve from
        self._incumbent_value = float("inf")

    def add_cuts(self, decisions: np.ndarray, recourse: Sequence[Recourse], theta: np.ndarray | None = None) -> int:
        """theta_s - g_s^T b >= Q_s(b_k) - g_s^T b_k for each scenario whose theta_s (the master's at b_k; None:
        none yet) is below Q_s(b_k); how many were added."""
        if not self.cuts:
            self._set_scale(max([abs(r.cost) for r in recourse] + [1.0]))
        scale = self.scale
        starts, index, value, lower = [0], [], [], []
        for s, r in enumerate(recourse):
            if theta is not None and r.cost <= theta[s] + VIOLATED * max(1.0, abs(r.cost)):
                continue
            nonzero = np.flatnonzero(r.gradient)
            index += [nonzero, [self.n + s]]
            value += [-r.gradient[nonzero] * self.unit[nonzero] / scale, [1.0]]
            starts.append(starts[-1] + len(nonzero) + 1)
            lower.append((r.cost - float(r.gradient @ decisions)) / scale)
        if len(lower):
            inf = self.hs.kHighsInf
            self.h.addRows(len(lower), np.asarray(lower), np.full(len(lower), inf), starts[-1],
                           np.asarray(starts[:-1], dtype=np.int32), np.concatenate(index).astype(np.int32),
                           np.concatenate(value).astype(np.float64))
            self.cuts += len(lower)
        return len(lower)

    def _set_scale(self, scale: float) -> None:
        """Hold theta and the objective in units of ``scale`` (the first scenario costs): rows with costs of 1e10
        beside builds of 0 to 1 leave HiGHS' absolute tolerances nothing to hold on to. A row theta_s - g^T b >= r
        becomes theta'_s - (g / scale)^T b >= r / scale, with theta = scale x theta' (and b = unit x b')."""
        self.scale = scale
        columns = np.arange(self.n + len(self.weights), dtype=np.int32)
        self.h.changeColsCost(len(columns), columns, np.concatenate([self.cost * self.unit / scale, self.weights]))

    def cap(self, s: int, cost: np.ndarray, limit: float) -> None:
        """f_s^T b + theta_s <= limit: scenario s's whole cost (its decisions' ``cost`` f_s and its operations)."""
        nonzero = np.flatnonzero(cost)
        index = np.concatenate([nonzero, [self.n + s]]).astype(np.int32)
        value = np.concatenate([cost[nonzero] * self.unit[nonzero] / self.scale, [1.0]]).astype(np.float64)
        self.h.addRow(-self.hs.kHighsInf, float(limit) / self.scale, len(index), index, value)
        self.caps.append((s, np.asarray(cost, dtype=np.float64), float(limit)))
        self._incumbent = None

    def within_caps(self, decisions: np.ndarray, recourse: Sequence[Recourse]) -> bool:
        """Whether ``decisions`` keep every capped scenario's evaluated cost within its limit."""
        return all(float(cost @ decisions) + recourse[s].cost <= limit + CAP_TOLERANCE * max(1.0, abs(limit))
                   for s, cost, limit in self.caps)

    def remember(self, decisions: np.ndarray, recourse: Sequence[Recourse]) -> None:
        """The best point evaluated so far, for the next mixed-integer search to start from: the decisions, each
        theta_s at its scenario's cost there (above every cut, which lies below Q_s)."""
        if not self.mip or not self.within_caps(decisions, recourse):
            return
        point = np.concatenate([decisions / self.unit, [r.cost / self.scale for r in recourse]])
        value = float(self.cost @ decisions) / self.scale + float(self.weights @ point[self.n:])
        if self._incumbent is None or value < self._incumbent_value:
            self._incumbent, self._incumbent_value = point, value

    def solve(self) -> MasterSolution:
        """The master's optimum over the cuts so far; its objective and the lower bound it proves, in money."""
        start = time.perf_counter()
        if self._incumbent is not None:
            known = self.hs.HighsSolution()
            known.col_value = self._incumbent
            known.value_valid = True
            self.h.setSolution(known)
        status = self._run()
        if status != OPTIMAL and not self.mip:
            # The warm start after rows were added can fail where a fresh one does not (as priced.py's master).
            status = self._run(afresh=True)
        elif status == OPTIMAL and self.mip and not self._consistent(*self._values()):
            # HiGHS 1.16 can return the start it was given as the solution while reporting the better objective it
            # found (seen where presolve removes the thetas); without the start it returns what it found.
            status = self._run(afresh=True)
        if status != OPTIMAL:
            self.last = MasterSolution(f"the master: {status}", seconds=time.perf_counter() - start)
            return self.last
        x, objective = self._values()
        info = self.h.getInfo()
        seconds = time.perf_counter() - start
        bound = float(info.mip_dual_bound) if self.mip else objective
        self.last = MasterSolution(OPTIMAL, x[:self.n] * self.unit, x[self.n:] * self.scale, objective * self.scale,
                                   min(bound, objective) * self.scale, seconds)
        return self.last

    def _run(self, afresh: bool = False) -> str:
        """Solve (``afresh``: with the start and basis it holds cleared first); the model status."""
        if afresh:
            self.h.clearSolver()
        self.h.run()
        return self.h.modelStatusToString(self.h.getModelStatus())

    def _values(self) -> tuple[np.ndarray, float]:
        """The last solve's values and the objective the solver reports for them (scaled units)."""
        x = np.asarray(self.h.getSolution().col_value, dtype=np.float64)
        return x, float(self.h.getInfo().objective_function_value)

    def _consistent(self, x: np.ndarray, objective: float) -> bool:
        """Whether the values ``x`` score the objective the solver reports (in the master's scaled units)."""
        scored = float(self.cost @ (x[:self.n] * self.unit)) / self.scale + float(self.weights @ x[self.n:])
        return abs(scored - objective) <= 1e-7 * max(1.0, abs(objective))

    def prices(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The reduced costs of b and the duals of the shared rows at the last solve (a mixed-integer one: of the
        linear program left with the integer decisions fixed at their values); None where the solve gave none.

        At the method's end these are the program's own: each scenario's cuts that bind weigh its subgradients
        as the extensive form's duals would.
        """
        if self.last is None or self.last.status != OPTIMAL:
            return None
        hs = self.hs
        if self.mip:
            n = self.integer.size
            values = np.round(self.last.decisions[self.integer])
            self.h.changeColsIntegrality(n, self.integer, np.array([hs.HighsVarType.kContinuous] * n))
            self.h.changeColsBounds(n, self.integer, values, values)
            self.h.run()
        solution = self.h.getSolution()
        ok = self.h.getModelStatus() == hs.HighsModelStatus.kOptimal and solution.dual_valid
        out = None
        if ok:
            out = (np.asarray(solution.col_dual, dtype=np.float64)[:self.n] * self.scale / self.unit,
                   np.asarray(solution.row_dual, dtype=np.float64)[:self.shared_rows] * self.scale)
        if self.mip:
            self.h.changeColsBounds(n, self.integer, self.lower[self.integer], self.upper[self.integer])
            self.h.changeColsIntegrality(n, self.integer, np.array([hs.HighsVarType.kInteger] * n))
        return out


@dataclass
class Iterate:
    """One master solve and the evaluation of its decisions, as the progress line reports it."""

    iteration: int
    lower: float
    upper: float
    gap: float
    cuts: int


@dataclass
class LShaped:
    """Where the method stopped: the best decisions evaluated (within the caps) and the bounds around them."""

    status: str
    decisions: np.ndarray | None
    lower: float
    upper: float
    iterations: int
    failed: int | None = None  # the scenario whose subproblem was not optimal
    history: list[Iterate] = field(default_factory=list)
    seconds: float = 0.0  # the master's solves

    @property
    def optimal(self) -> bool:
        return self.status == OPTIMAL

    @property
    def gap(self) -> float:
        return relative_gap(self.lower, self.upper)


def relative_gap(lower: float, upper: float) -> float:
    """(upper - lower) / max(1, |upper|): 0 when they meet, inf before either is known."""
    if not (np.isfinite(lower) and np.isfinite(upper)):
        return float("inf")
    return max(0.0, upper - lower) / max(1.0, abs(upper))


def too_slow(history: list[Iterate], gap: float, left: int) -> str | None:
    """Why the method should stop now, or None: over the last ``STALL_WINDOW`` iterations the lower bound rose
    at a pace (relative to the upper bound) that, kept up for the ``left`` iterations, would not close the gap.

        pace = (L_k - L_{k-W}) / max(1, |U_k|) / W;  stop when pace x left < gap_k - gap

    Cutting planes gain less and less as they near the optimum, so the pace kept up is the most the method
    could gain: it would fail at the iteration limit all the same, only later."""
    if len(history) <= STALL_WINDOW:
        return None
    now, before = history[-1], history[-1 - STALL_WINDOW]
    if not np.isfinite(before.lower):
        return None
    pace = (now.lower - before.lower) / max(1.0, abs(now.upper)) / STALL_WINDOW
    if pace * left >= now.gap - gap:
        return None
    return (f"Not solved: the lower bound stalled at gap {now.gap:.2e} (it rose {pace:.1e} of the cost an iteration "
            f"over the last {STALL_WINDOW}, too slowly to reach {gap:.0e} in the {left} iterations left); "
            "--extensive solves the hedge whole")


def l_shaped(master: Master, evaluate: Callable[[np.ndarray], list[Recourse]], start: np.ndarray,
             report: Callable[[Iterate], None] | None = None, gap: float = GAP,
             max_iterations: int = MAX_ITERATIONS) -> LShaped:
    """Solve the program ``master`` stands for: ``evaluate(b)`` gives every scenario's ``Recourse`` at b.

    ``start`` is evaluated first (its cuts make the first master bounded; where it keeps the caps, it is
    the first upper bound). ``report`` hears each iteration. A master that already holds cuts (a second
    run with a cap added) keeps them: they hold for every b.
    """
    weights = master.weights
    best, upper, lower = None, float("inf"), -float("inf")
    history: list[Iterate] = []
    master_seconds = 0.0

    def evaluated(decisions: np.ndarray, theta: np.ndarray | None):
        nonlocal best, upper
        recourse = evaluate(decisions)
        failed = next((s for s, r in enumerate(recourse) if not r.optimal), None)
        if failed is not None:
            return recourse, failed, 0
        total = float(master.cost @ decisions) + float(weights @ np.array([r.cost for r in recourse]))
        if master.within_caps(decisions, recourse) and total < upper:
            best, upper = decisions.copy(), total
        cuts = master.add_cuts(decisions, recourse, theta)  # first: the first cuts set the master's scale
        master.remember(decisions, recourse)
        return recourse, None, cuts

    def stopped(status: str, iterations: int, failed: int | None = None) -> LShaped:
        return LShaped(status, best, lower, upper, iterations, failed, history, master_seconds)

    recourse, failed, _cuts = evaluated(np.asarray(start, dtype=np.float64), None)
    if failed is not None:
        return stopped(recourse[failed].status, 0, failed)
    for k in range(1, max_iterations + 1):
        solution = master.solve()
        master_seconds += solution.seconds
        if solution.status != OPTIMAL:
            return stopped(solution.status, k)
        lower = max(lower, solution.bound)
        recourse, failed, cuts = evaluated(solution.decisions, solution.theta)
        if failed is not None:
            return stopped(recourse[failed].status, k, failed)
        step = Iterate(k, lower, upper, relative_gap(lower, upper), cuts)
        history.append(step)
        if report is not None:
            report(step)
        if step.gap <= gap:
            return stopped(OPTIMAL, k)
        if not cuts:  # every theta_s is exact at b_k, yet the bounds stay apart: numerical noise, not progress
            return stopped(f"Not solved: the master stalled at gap {step.gap:.2e}", k)
        slow = too_slow(history, gap, max_iterations - k)
        if slow:
            return stopped(slow, k)
    return stopped(f"Iteration limit reached: {max_iterations} iterations, gap {relative_gap(lower, upper):.2e}",
                   max_iterations)


def _finite(values: np.ndarray, inf: float) -> np.ndarray:
    return np.clip(np.asarray(values, dtype=np.float64), -inf, inf)

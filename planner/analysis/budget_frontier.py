"""``planner frontier --budget NAME --amounts A,B,...``: what each amount of a reserve's money buys.

The hedge (``planner hedge``) chooses one stockpile before anything is known; this sweep asks
it again at every amount of one budget. Each step is the hedge's program with that budget's
amount changed and nothing else: the expected cost it reaches, the demand it still leaves unserved
in expectation, what it spends, the stock it buys, mineral by mineral, and the value of one
more unit of money there (the budget row's dual). Read down the table, the expected cost falls
as money is added, by less and less: the value of money is the slope, and where it reaches 0
more money buys nothing the disruptions make worth holding.

Formulation
-----------
for each amount a in the list:
    minimise  sum_s w_s (c_s^T x_s + f^T b)          (the hedge's program, ``planner.model.stack``)
    s.t.      the hedge's rows, and  sum over the budget's reserves of purchase_price x bought <= a
Only the budget's own block is solved: the minerals it covers (other minerals do not move).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from planner.analysis.compare import TRANSFERS
from planner.analysis.hedge import probabilities
from planner.analysis.outcome import Outcome
from planner.analysis.resolves import (
    HERE,
    Start,
    own_session,
    solved_apart,
    solved_from,
    starting_point,
    worker_session,
)
from planner.analysis.results import noise_free
from planner.errors import UsageError
from planner.input.data import PlannerInput
from planner.input.scenarios import apply_scenario, scenario_names
from planner.model.build import Model, Numbers, numbers_for
from planner.model.constraints.budget import budget_units, value_of_money
from planner.model.stack import stack
from planner.runinfo import Stages
from planner.solver import Solution, settings_solver

COLUMNS = ["budget", "amount", "status", "expected_cost", "expected_saving", "expected_economic_cost",
           "expected_unmet_tonnes", "spent", "value_of_money", "saving_per_unit"]
MIX_COLUMNS = ["budget", "amount", "mineral", "market", "bought", "spent"]
BATCH = "budget_frontier_steps"  # Run info: how many amounts were solved, where, and their seconds



def choose_budget(data: PlannerInput, name: str | None) -> str:
    """The budget named, refused with the names there are when the workbook has no such budget."""
    names = [b.name for b in data.budgets]
    if not names:
        raise UsageError("--budget needs a budgets sheet (version 3) with at least one budget: the workbook has none")
    if name not in names:
        raise UsageError(f"no budget {name!r} on sheet budgets; the budgets are: {', '.join(names)}")
    return name


def budget_minerals(data: PlannerInput, name: str) -> tuple[str, ...]:
    """The minerals whose reserves the budget pays for."""
    budget = next(b for b in data.budgets if b.name == name)
    return data.minerals_paid_by(budget)


def budget_curve(model: Model, data: PlannerInput, session, stages: Stages, budget: str,
                 amounts: list[float]) -> Outcome:
    """The hedge re-solved at each amount of ``budget``: the curve of expected cost against money."""
    names = scenario_names(data)
    weights = probabilities(data)
    numbers = [numbers_for(model, apply_scenario(data, name)) for name in names]
    st = stack(model, numbers, weights)
    keys = model.rows["budget"].keys
    position = next(i for i, key in enumerate(keys) if key.name == budget)
    row = int(st.budget_rows[position])
    unit = float(budget_units(model, data)[position])  # the row counts money in this unit
    lp = st.lp
    solver = settings_solver(lp, data.settings, blocks=st.blocks, coupling_rows=st.budget_rows)
    stacked = Numbers(np.asarray(lp.col_cost, dtype=float), np.asarray(lp.col_upper, dtype=float),
                      np.asarray(lp.row_rhs, dtype=float), {}, np.asarray(lp.col_lower, dtype=float))
    covered = next(b for b in data.budgets if b.name == budget).covers
    prices = {(m, d, t): data.reserves[(m, d)].purchase_price for (m, d, t) in model.vars.bought if covered(m, d)}
    unmet_cols = np.fromiter(model.vars.unmet.values(), dtype=np.int64, count=len(model.vars.unmet))
    rows, mix, failures = [], [], []
    with stages.stage("solve"):
        solutions = _solved_amounts(solver, lp, stacked, row, [a / unit for a in amounts], stages, data.label)
        for amount, solution in zip(amounts, solutions):
            if not solution.optimal:
                failures.append(f"budget {budget} at {amount:,.0f}: {solution.status}")
                rows.append({"budget": budget, "amount": amount, "status": solution.status})
                continue
            x = solution.x
            scenario_x = [st.scenario_x(x, i, model.num_cols) for i in range(len(names))]
            economic = sum(w * sum(float(weights_c @ xs) for c, weights_c in n.components.items() if c not in TRANSFERS)
                           for w, n, xs in zip(weights, numbers, scenario_x))
            unmet = sum(w * float(xs[unmet_cols].sum()) for w, xs in zip(weights, scenario_x))
            spent = 0.0
            for (m, d, t), price in prices.items():  # the stock bought is shared: scenario 0's is every scenario's
                tonnes = float(scenario_x[0][model.vars.bought[(m, d, t)]])
                spent += tonnes * price
                mix.append({"budget": budget, "amount": amount, "mineral": m, "market": d,
                            "bought": tonnes, "spent": tonnes * price})
            rows.append({"budget": budget, "amount": amount, "status": solution.status,
                         "expected_cost": float(solution.objective), "expected_economic_cost": economic,
                         "expected_unmet_tonnes": unmet, "spent": spent,
                         "value_of_money": float(value_of_money(solution.row_dual[row], unit))
                         if solution.row_dual is not None else None})
    stages.progress.end()
    table = pd.DataFrame(rows, columns=COLUMNS)
    first = table["expected_cost"].dropna()
    if len(first):  # against the least money: a chart of it starts at 0, where the cost's own axis would not
        table["expected_saving"] = [noise_free(first.iloc[0] - c, c) if c == c else c for c in table["expected_cost"]]
    # A mineral and market the money never buys at any amount is left off Budget mix.
    mix_table = pd.DataFrame(mix, columns=MIX_COLUMNS)
    bought = mix_table.groupby(["mineral", "market"], sort=False)["bought"].transform("max") > 0
    mix_table = mix_table[bought].reset_index(drop=True)
    # What each step's extra money saved, per unit: the slope between steps (the dual is its limit).
    step = table["amount"].diff()
    saved = [noise_free(-d, c) if d == d else d for d, c in zip(table["expected_cost"].diff(), table["expected_cost"])]
    table["saving_per_unit"] = (pd.Series(saved, index=table.index, dtype=float) / step).where(step > 0)
    summary = [("budget", budget), ("minerals", ", ".join(budget_minerals(data, budget))),
               ("amounts", len(amounts))]
    optimal = table.dropna(subset=["expected_cost"])
    if len(optimal):
        summary += [("expected_cost_at_least_money", float(optimal["expected_cost"].iloc[0])),
                    ("expected_cost_at_most_money", float(optimal["expected_cost"].iloc[-1]))]
        worthless = optimal[optimal["value_of_money"] <= 1e-9]
        summary.append(("money_worth_nothing_from", float(worthless["amount"].iloc[0]) if len(worthless) else None))
        summary.append(("most_spent", float(optimal["spent"].max())))
    return Outcome({"budget_frontier": table, "budget_mix": mix_table}, summary, failures)


def at_amount(stacked: Numbers, row: int, amount: float) -> Numbers:
    """The stacked program with the budget's row at ``amount``: sum of purchase_price x bought <= amount."""
    rhs = stacked.row_rhs.copy()
    rhs[row] = amount
    return dataclasses.replace(stacked, row_rhs=rhs)


def _solved_amounts(solver, lp, stacked: Numbers, row: int, amounts: list[float], stages: Stages, label: str
                    ) -> list[Solution]:
    """The hedge at each of ``amounts`` (ascending, in the row's unit), in order: the least money first, here;
    then every other amount on its own from that plan (its basis; as incumbent where the program is
    mixed-integer: a plan within less money is within more), here or on the run's workers (``solved_apart``;
    a mixed-integer one on an instance of its own, ``own_session``)."""
    counter = stages.progress.counter("budget", len(amounts), "amounts")

    def here(amount: float, start: Start | None = None) -> Solution:
        numbers = at_amount(stacked, row, amount)
        solution = solver.solve(numbers) if start is None else solved_from(own_session(solver), numbers, start)
        stages.add("highs", solution.solve_seconds)
        counter.update(1)
        return solution

    first = here(amounts[0])
    stages.batch(BATCH, HERE, 1, first.solve_seconds)
    start = starting_point(solver, first)
    pool = stages.pool if solver.abilities.parallel else None  # a worker rebuilds a HiGHS session
    shared = (lp, stacked, row, solver.time_limit, start.shipped())
    rest = solved_apart(amounts[1:], lambda amount: here(amount, start), _amounts_chunk, shared, stages, pool, BATCH,
                        "budget", label, "amounts")
    return [first, *rest]


def _amounts_chunk(_state, job) -> list[tuple[int, Solution]]:
    """In a worker: a fresh HiGHS session of the stacked program, and each of the chunk's amounts on it."""
    (lp, stacked, row, time_limit, shipped), chunk = job
    session, start = worker_session(lp, time_limit), Start.arrived(shipped)
    return [(i, solved_from(own_session(session, threads=1), at_amount(stacked, row, amount), start))
            for i, amount in chunk]


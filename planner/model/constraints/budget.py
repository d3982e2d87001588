"""Budgets: the money a reserve may spend on stock bought before the first period."""

import numpy as np

from planner.model.core import LE
from planner.model.keys import BudgetKey


def budget_unit(data, budget) -> float:
    """The money a budget's row counts in: the dearest purchase_price among the reserves it pays for (1 where
    none has one).

    In that unit the row's coefficients are at most 1 and its right-hand side is tonnes of the dearest stock: a
    budget of 1.2e10 USD written in dollars spans ten orders of magnitude beside the model's tonnes, more than
    HiGHS scales well (``planner.model.numerics``)."""
    return max((r.purchase_price for r in data.paid_by(budget).values() if r.purchase_price > 0), default=1.0)


def _budget(data, key: BudgetKey):
    return next(b for b in data.budgets if b.row == key.row)


def budget_rhs(data, key: BudgetKey) -> float:
    """The budget's amount, in its unit (``budget_unit``)."""
    budget = _budget(data, key)
    return budget.amount / budget_unit(data, budget)


def budget_units(model, data) -> np.ndarray:
    """The unit of each budget row (``model.rows["budget"]`` order): money = unit x the row's activity, and the
    value of one more unit of money = -dual / unit."""
    family = model.rows.get("budget")
    keys = family.keys if family is not None else []
    return np.array([budget_unit(data, _budget(data, key)) for key in keys], dtype=np.float64)


def value_of_money(duals, units):
    """What one more unit of money would save, from budget rows' duals (a <= row of a minimisation has a dual
    <= 0) in their units (``budget_units``): max(0, -dual / unit)."""
    return np.maximum(0.0, -np.asarray(duals, dtype=np.float64) / units)


def add_budget(model, data, v) -> None:
    """Purchases of the reserves a budget covers cost at most its amount.

    Formulation
    -----------
    for each budgets row b, in units of u_b (``budget_unit``):
        sum over reserves (m, d) b covers of (purchase_price[m,d] / u_b) x bought[m,d] <= amount[b] / u_b
    A budget over several minerals ties them into one program (``planner.input.blocks``), unless it cannot bind.
    """
    if not data.budgets or not v.bought:
        return
    family = model.row_family("budget", LE, budget_rhs)
    for budget in data.budgets:
        unit = budget_unit(data, budget)
        terms = [(col, data.reserves[(m, d)].purchase_price / unit) for (m, d, _t), col in v.bought.items()
                 if budget.covers(m, d)]
        if terms:
            model.add_row(family, BudgetKey(budget.row, budget.name), terms, budget.amount / unit)

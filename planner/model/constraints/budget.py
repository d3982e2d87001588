"""Budgets: the money a reserve may spend on stock bought before the first period."""

from planner.model.core import LE
from planner.model.keys import BudgetKey


def budget_rhs(data, key: BudgetKey) -> float:
    """The budget's amount."""
    return next(b.amount for b in data.budgets if b.row == key.row)


def add_budget(model, data, v) -> None:
    """Purchases of the reserves a budget covers cost at most its amount.

    Formulation
    -----------
    for each budgets row b:
        sum over reserves (m, d) b covers of purchase_price[m,d] x bought[m,d] <= amount[b]
    A budget over several minerals ties them into one program (``planner.input.blocks``).
    """
    if not data.budgets or not v.bought:
        return
    family = model.row_family("budget", LE, budget_rhs)
    for budget in data.budgets:
        terms = [(col, data.reserves[(m, d)].purchase_price) for (m, d, _t), col in v.bought.items()
                 if budget.covers(m, d)]
        if terms:
            model.add_row(family, BudgetKey(budget.row, budget.name), terms, budget.amount)

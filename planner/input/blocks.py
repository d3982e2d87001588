"""Independent blocks: the minerals whose plans can be solved apart.

Every constraint of the model (capacities, balances, shares, reserves, market rules, ownership,
projects) involves a single mineral, so the linear program falls apart into one block per
mineral, and a scenario of one block does not move another. A rule that coupled minerals (a
shared reserve budget) merges the blocks it touches: ``COUPLINGS`` lists what does. A budget that
cannot bind (its reserves' max_stock all bought costs less than its amount) couples nothing: each block
holds the part of its row over its own minerals, and the parts' spending adds up to the whole's.
"""

from __future__ import annotations

import dataclasses
import math

from planner.input.data import Budget, PlannerInput


def most_spent(data: PlannerInput, budget: Budget) -> float:
    """The most the budget's reserves could ever cost: sum of purchase_price x (max_stock - initial_stock) over
    the reserve rows it pays for (inf where one has no max_stock)."""
    return math.fsum(r.purchase_price * max(0.0, r.max_stock - r.initial_stock) for r in data.paid_by(budget).values())


def can_bind(data: PlannerInput, budget: Budget) -> bool:
    """Whether the budget could ever hold a plan back: not where buying every reserve it pays for up to its
    max_stock costs less than the amount (``most_spent``). Such a budget is implied by the bounds: it holds in
    every block that lists its minerals, whatever each buys, so it need not tie them into one program."""
    return not most_spent(data, budget) < budget.amount


def _budgets(data: PlannerInput, every: bool = False) -> list[tuple[str, ...]]:
    """A budget's money is shared by every mineral whose reserves it pays for: one program. Not a budget that
    cannot bind (``can_bind``) unless ``every`` (a budget frontier moves the amount)."""
    return [data.minerals_paid_by(b) for b in data.budgets if every or can_bind(data, b)]


def _requirements(data: PlannerInput) -> list[tuple[str, ...]]:
    """A project that requires another mineral's project (a cobalt refinery fed by a nickel plant) ties them."""
    return [(p.mineral, data.projects[p.requires].mineral) for p in data.projects.values()
            if p.requires is not None and p.requires in data.projects]


def _byproducts(data: PlannerInput) -> list[tuple[str, ...]]:
    """A by-product is mined only as far as its host is: one program."""
    return [(b.mineral, b.host) for b in data.byproducts]


# Functions data -> groups of minerals that one rule ties together; their blocks are merged (as are the
# budgets', ``_budgets``).
COUPLINGS: tuple = (_requirements, _byproducts)


def independent_blocks(data: PlannerInput, every_budget: bool = False) -> list[tuple[str, ...]]:
    """Groups of minerals, in the minerals sheet's order, that no rule ties to another group (``every_budget``:
    budgets that cannot bind too, for a command that moves their amounts)."""
    parent = {m: m for m in data.minerals}

    def root(m: str) -> str:
        while parent[m] != m:
            parent[m] = parent[parent[m]]
            m = parent[m]
        return m

    for group in _budgets(data, every_budget) + [g for coupling in COUPLINGS for g in coupling(data)]:
        first, *rest = list(group)
        for m in rest:
            parent[root(m)] = root(first)
    blocks: dict[str, list[str]] = {}
    for m in data.minerals:
        blocks.setdefault(root(m), []).append(m)
    return [tuple(b) for b in blocks.values()]


def restrict(data: PlannerInput, minerals: tuple[str, ...]) -> PlannerInput:
    """The inputs of ``minerals`` alone: every table keeps only their rows (rows for every mineral stay)."""
    keep = set(minerals)

    def first(table: dict) -> dict:
        """The rows of a table whose key starts with the mineral (supply, demand, reserves ...)."""
        return {k: v for k, v in table.items() if k[0] in keep}

    projects = {name: p for name, p in data.projects.items() if p.mineral in keep}
    return dataclasses.replace(
        data,
        minerals={m: v for m, v in data.minerals.items() if m in keep},
        supply=first(data.supply), refining=first(data.refining), demand=first(data.demand), curves=first(data.curves),
        markets={m: v for m, v in data.markets.items() if m in keep},
        routes={(stage, a, b, m): v for (stage, a, b, m), v in data.routes.items() if m in keep},
        reserves=first(data.reserves), targets=first(data.targets),
        budgets=[b for b in data.budgets if any(b.covers(m, d) for (m, d) in data.reserves if m in keep)],
        byproducts=[b for b in data.byproducts if b.mineral in keep],
        shares=[rule for rule in data.shares if rule.mineral is None or rule.mineral in keep],
        production=first(data.production),
        ownership={(stage, m, c): v for (stage, m, c), v in data.ownership.items() if m in keep},
        projects=projects,
        project_terms={k: v for k, v in data.project_terms.items() if k.project in projects},
    )

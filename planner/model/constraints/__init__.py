"""One module per constraint family; each adds its rows and owns its right-hand side."""

from planner.model.constraints.budget import add_budget
from planner.model.constraints.byproducts import add_byproducts
from planner.model.constraints.demand_steps import add_demand_steps
from planner.model.constraints.dispatch import add_dispatch
from planner.model.constraints.market_balance import add_market_balance
from planner.model.constraints.paths import add_paths
from planner.model.constraints.projects import add_build_once, add_project_capacity, add_requires
from planner.model.constraints.refining import add_refining_balance, add_refining_capacity
from planner.model.constraints.reserve_target import add_reserve_target
from planner.model.constraints.shares import add_shares
from planner.model.constraints.supply_capacity import add_supply_capacity

__all__ = [
    "add_budget",
    "add_build_once",
    "add_byproducts",
    "add_demand_steps",
    "add_dispatch",
    "add_paths",
    "add_project_capacity",
    "add_market_balance",
    "add_refining_balance",
    "add_refining_capacity",
    "add_requires",
    "add_reserve_target",
    "add_shares",
    "add_supply_capacity",
]

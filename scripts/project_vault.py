"""What should Project Vault's money buy? The shipped dataset with a 12 bn USD budget for the US reserve.

Writes ``outputs/project-vault.xlsx``: the shipped workbook with the US reserve rows buyable up
front without the fund's 60-day aim as their cap, and its one budget, ``project_vault``, for the US
market, at USD 12 bn. Then:

1. ``planner hedge`` on it: the stockpile one budget buys before anything is known, drawn by each
   scenario as it needs, weighed by the scenarios' probabilities;
2. the same money spent by the equal-days rule (the same number of days of 2026 US demand of
   every mineral, costing the whole budget), hedged the same way with that stockpile fixed;
3. ``planner frontier --budget project_vault --amounts ...``: the expected cost at each amount.

Assumptions (the shipped dataset's issue will replace them with sourced figures):
- the purchase price of a tonne is the mineral's refined_price (sheet minerals): the reserve buys
  at the market price;
- stock left at the end is worth half the mineral's cheapest supply plus refining cost (a reserve
  sold off at a discount; above the cheapest cost the plan would fill the reserve to sell it);
- the US reserve's days-of-demand targets and its cap at the fund's aim (max_stock) are dropped: the
  budget replaces the rule.

    python scripts/project_vault.py [--amounts 0,3e9,6e9,9e9,12e9,18e9] [--skip-frontier]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import openpyxl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner import api  # noqa: E402
from planner.analysis.hedge import probabilities  # noqa: E402
from planner.input.blocks import restrict  # noqa: E402
from planner.input.scenarios import apply_scenario, scenario_names  # noqa: E402
from planner.model.build import Numbers, build_model, numbers_for  # noqa: E402
from planner.model.stack import stack  # noqa: E402
from planner.solver import make_solver  # noqa: E402

SHIPPED = ROOT / "inputs" / "critical-minerals-2026.xlsx"
VAULT = 12e9
MARKET = "USA"


def vault_workbook(path: Path, amount: float = VAULT) -> Path:
    """The shipped workbook with the US reserve buyable up front on one budget (see the module's assumptions)."""
    data = api.validate(SHIPPED)
    wb = openpyxl.load_workbook(SHIPPED)
    ws = wb["reserve"]
    header = [c.value for c in ws[1]]
    for name in ("purchase_price", "salvage", "max_stock"):
        if name not in header:
            ws.cell(1, len(header) + 1, name)
            header.append(name)
    col = {name: header.index(name) + 1 for name in header}
    for r in range(2, ws.max_row + 1):
        mineral, market = ws.cell(r, col["mineral"]).value, ws.cell(r, col["market"]).value
        if market != MARKET or mineral not in data.minerals:
            continue
        cheapest = (min(c for (m, _c, _t), (_cap, c) in data.supply.items() if m == mineral)
                    + min(row[1] for (m, _c, _t), row in data.refining.items() if m == mineral))
        ws.cell(r, col["purchase_price"], data.minerals[mineral].refined_price)
        ws.cell(r, col["salvage"], round(0.5 * cheapest, 2))
        ws.cell(r, col["max_stock"]).value = None  # cell(row, col, None) would leave the value
    targets = wb["reserve_targets"]
    header = [c.value for c in targets[1]]
    market_col = header.index("market") + 1
    for r in range(targets.max_row, 1, -1):
        if targets.cell(r, market_col).value == MARKET:
            targets.delete_rows(r)
    if "budgets" in wb.sheetnames:
        del wb["budgets"]
    budgets = wb.create_sheet("budgets")
    budgets.append(["budget", "amount", "market", "mineral"])
    budgets.append(["project_vault", amount, MARKET, None])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def equal_days(data, amount: float) -> dict[tuple, float]:
    """(mineral, market, t0) -> tonnes: the same days of first-period demand of every mineral, costing ``amount``."""
    first = data.periods[0]
    daily = {m: data.demand.get((m, MARKET, first), 0.0) / (365.0 * data.years.get(first, 1.0))
             for (m, d), r in data.reserves.items() if d == MARKET and r.purchase_price is not None}
    per_day = sum(q * data.reserves[(m, MARKET)].purchase_price for m, q in daily.items())
    days = amount / per_day
    return {(m, MARKET, first): q * days for m, q in daily.items()}, days


def hedge_with_stock(data, stock: dict[tuple, float]) -> tuple[float, float]:
    """The hedge's expected cost and expected economic cost with the stock bought fixed at ``stock``."""
    from planner.analysis.compare import TRANSFERS

    minerals = tuple(dict.fromkeys(k[0] for k in stock))
    block = restrict(data, minerals)
    model = build_model(block)
    names = scenario_names(block)
    weights = probabilities(block)
    numbers = [numbers_for(model, apply_scenario(block, name)) for name in names]
    st = stack(model, numbers, weights)
    lp = st.lp
    lower, upper = np.asarray(lp.col_lower, dtype=float), np.asarray(lp.col_upper, dtype=float)
    position = {int(c): i for i, c in enumerate(st.shared)}
    for key, col in model.vars.bought.items():
        lower[position[col]] = upper[position[col]] = stock.get(key, 0.0)
    rhs = np.asarray(lp.row_rhs, dtype=float).copy()
    rhs[st.budget_rows] = np.inf  # the purchases are fixed: the budget is spent by construction
    session = make_solver(lp, blocks=st.blocks, coupling_rows=st.budget_rows)
    solution = session.solve(Numbers(np.asarray(lp.col_cost), upper, rhs, {}, lower))
    assert solution.optimal, solution.status
    xs = [st.scenario_x(solution.x, i, model.num_cols) for i in range(len(names))]
    economic = sum(w * sum(float(v @ x) for c, v in n.components.items() if c not in TRANSFERS)
                   for w, n, x in zip(weights, numbers, xs))
    return float(solution.objective), economic


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--amounts", default="0,0.5e9,1e9,1.5e9,2e9,2.5e9,3e9,12e9")
    p.add_argument("--skip-frontier", action="store_true")
    p.add_argument("--frontier-only", action="store_true", help="only the budget frontier (the slowest part)")
    args = p.parse_args(argv)
    path = vault_workbook(ROOT / "outputs" / "project-vault.xlsx")
    data = api.validate(path)
    print(f"wrote {path.relative_to(ROOT)}: {len(data.budgets)} budget, US reserve rows buyable up front")

    if args.frontier_only:
        return _frontier(path, args.amounts)
    t0 = time.perf_counter()
    run = api.hedge(path, ROOT / "outputs" / "project-vault-hedge.xlsx", progress=None)
    summary = dict(run.outcome.summary)
    print(f"\nhedge ({time.perf_counter() - t0:.0f} s): {run.status}")
    print(f"  expected cost            {summary['expected_cost'] / 1e9:,.2f} bn")
    stock = run.tables["stockpiles"]
    hedge = stock[stock["scenario"] == "hedge"]
    print("  bought per mineral (t, bn USD):")
    for r in hedge.itertuples():
        print(f"    {r.mineral:12s} {r.bought:>14,.0f} t  {r.spent / 1e9:8.3f} bn")
    budgets = run.tables.get("budgets")
    if budgets is not None:
        print("  budgets:\n" + budgets.to_string(index=False))

    equal, days = equal_days(data, VAULT)
    t0 = time.perf_counter()
    cost_equal, economic_equal = hedge_with_stock(data, equal)
    optimal_stock = {(r.mineral, r.market, data.periods[0]): r.bought for r in hedge.itertuples()}
    cost_opt, economic_opt = hedge_with_stock(data, optimal_stock)
    print(f"\nequal days ({time.perf_counter() - t0:.0f} s): {days:.1f} days of 2026 US demand of every mineral")
    for (m, _d, _t), q in equal.items():
        print(f"    {m:12s} {q:>14,.0f} t  {q * data.reserves[(m, MARKET)].purchase_price / 1e9:8.3f} bn")
    print(f"  expected cost: equal days {cost_equal / 1e9:,.2f} bn, the hedge's stock {cost_opt / 1e9:,.2f} bn")
    print(f"  expected economic cost: equal days {economic_equal / 1e9:,.2f} bn, the hedge's stock "
          f"{economic_opt / 1e9:,.2f} bn")

    return 0 if args.skip_frontier else _frontier(path, args.amounts)


def _frontier(path: Path, amounts_text: str) -> int:
    """planner frontier --budget project_vault at each amount: the table and the stock bought per mineral."""
    amounts = [float(a) for a in amounts_text.split(",")]
    t0 = time.perf_counter()
    curve = api.budget_frontier(path, ROOT / "outputs" / "project-vault-frontier.xlsx", budget="project_vault",
                                amounts=amounts)
    print(f"\nbudget frontier ({time.perf_counter() - t0:.0f} s): {curve.status}")
    table = curve.tables["budget_frontier"].copy()
    for c in ("amount", "expected_cost", "expected_economic_cost", "spent"):
        table[c] = table[c] / 1e9
    print(table.drop(columns=["budget", "status"]).to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    mix = curve.tables["budget_mix"].pivot_table(index="amount", columns="mineral", values="spent") / 1e9
    mix.index = mix.index / 1e9
    print("\nspent per mineral (bn USD) by amount (bn USD):\n" + mix.to_string(float_format=lambda v: f"{v:,.3f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Budgets that keep the blocks: the money priced against the joint program, on the shipped dataset.

The shipped workbook with Project Vault's budget over every US reserve (``scripts/project_vault.py``)
ties all seven minerals into one program. Its all-or-nothing projects are read as divisible here (a
mixed-integer program with a budget is solved whole, so only the linear program can be priced). This
prints, for the base plan and for the hedge's
stacked program, the seconds of the joint HiGHS solve and of the priced solve (each mineral alone,
the money priced by a master), the pricing rounds, and the two optima's relative difference.

    python benchmarks/budget.py [--amount 12e9] [--skip-hedge]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner import api  # noqa: E402
from planner.analysis.hedge import probabilities  # noqa: E402
from planner.input.scenarios import apply_scenario, scenario_names  # noqa: E402
from planner.model.build import build_model, numbers_for  # noqa: E402
from planner.model.stack import stack  # noqa: E402
from planner.solver import make_solver  # noqa: E402
from scripts.project_vault import vault_workbook  # noqa: E402


def timed(label: str, make, solve) -> tuple[float, object]:
    t0 = time.perf_counter()
    session = make()
    made = time.perf_counter() - t0
    t1 = time.perf_counter()
    solution = solve(session)
    seconds = time.perf_counter() - t1
    rounds = getattr(session, "rounds", None)
    extra = f"  ({rounds} pricing rounds, {len(session.blocks)} minerals)" if rounds else ""
    print(f"  {label:8s} {solution.status:8s} objective {solution.objective:,.0f}  set up {made:6.1f} s  "
          f"solve {seconds:7.1f} s{extra}")
    return seconds, solution


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--amount", type=float, default=12e9)
    p.add_argument("--skip-hedge", action="store_true")
    args = p.parse_args(argv)
    path = vault_workbook(ROOT / "benchmarks" / "out" / "project-vault.xlsx", args.amount)
    data = api.validate(path)
    divisible = {name: dataclasses.replace(p, integer=False) for name, p in data.projects.items()}
    data = dataclasses.replace(data, projects=divisible)
    model = build_model(data)
    print(f"shipped dataset, budget {args.amount:,.0f} USD over the US reserves: {model.num_cols:,} columns, "
          f"{model.num_rows:,} rows")
    numbers = numbers_for(model, data)
    print("base plan")
    _, joint = timed("joint", lambda: make_solver(model, joint=True), lambda s: s.solve(numbers))
    _, priced = timed("priced", lambda: make_solver(model), lambda s: s.solve(numbers))
    print(f"  relative difference {abs(priced.objective - joint.objective) / abs(joint.objective):.1e}")
    if not args.skip_hedge:
        names = scenario_names(data)
        st = stack(model, [numbers_for(model, apply_scenario(data, n)) for n in names], probabilities(data))
        print(f"hedge: {len(names)} scenarios stacked, {st.lp.num_cols:,} columns, {st.lp.num_rows:,} rows")
        tracemalloc.start()
        _, priced_h = timed("priced", lambda: make_solver(st.lp, blocks=st.blocks, coupling_rows=st.budget_rows),
                            lambda s: s.solve())
        print(f"  peak Python memory of the priced solve {tracemalloc.get_traced_memory()[1] / 2**20:,.0f} MiB")
        tracemalloc.stop()
        _, joint_h = timed("joint", lambda: make_solver(st.lp, joint=True), lambda s: s.solve())
        print(f"  relative difference {abs(priced_h.objective - joint_h.objective) / abs(joint_h.objective):.1e}")
        lam = -priced_h.row_dual[st.budget_rows]
        joint_lam = -joint_h.row_dual[st.budget_rows]
        print(f"  value of money (priced) {np.round(lam, 4).tolist()}, joint {np.round(joint_lam, 4).tolist()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

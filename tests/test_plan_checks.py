"""The independent checker run on richer plans: several minerals, periods, markets and scenarios.

Besides drawn workbooks, every workbook shipped in inputs/ (example.xlsx and the like) is solved and checked.

Also checks the checker: a plan with one number changed must fail it.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.checks import check_plan
from tests.workbooks import table, write_workbook

EXAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "example.xlsx"

COUNTRIES = table(
    "country, name, groups",
    ("AUS", "Australia", "partner, MSP"),
    ("CHN", "China", "FEOC"),
    ("COD", "DR Congo", None),
    ("CAN", "Canada", "partner,MSP"),
    ("USA", "United States", "partner"),
    ("IDN", "Indonesia", "FEOC, other"),
)


def rich_workbook(seed: int) -> dict:
    """A well-formed multi-mineral, multi-period, multi-scenario workbook drawn from ``seed``.

    It stays inside the spec's unambiguous rules: route rows for one mineral only where that mineral
    has its own unmet_penalty, period overrides for one period of three, no min_share with scope '*'.
    """
    rnd = random.Random(seed)
    half_years = seed % 2 == 1
    periods = ["2026H1", "2026H2", "2027H1"] if half_years else [2026, 2027, 2028]
    minerals = ["Li", "Co", "Ni"][: 2 + seed % 2]
    origins = ["AUS", "CHN", "COD", "CAN", "IDN"]
    refiners = ["CHN", "USA", "CAN", "AUS"]
    own_penalty = {m: (None if i == 1 else rnd.choice([200, 400, 800])) for i, m in enumerate(minerals)}

    rows = {k: [] for k in ("minerals", "supply", "refining", "demand", "routes", "shares", "reserve",
                            "reserve_targets", "scenarios")}
    first_origin = {}
    for m in minerals:
        rows["minerals"].append((m, rnd.randint(5, 30), rnd.randint(30, 80), own_penalty[m]))
        for c in rnd.sample(origins, 3):
            first_origin.setdefault(m, c)
            rows["supply"].append((m, c, None, rnd.randint(20, 80), rnd.randint(5, 20)))
            if rnd.random() < 0.5:
                rows["supply"].append((m, c, periods[1], rnd.randint(0, 60), rnd.randint(5, 25)))
        for r in rnd.sample(refiners, 3):
            rows["refining"].append((m, r, None, rnd.randint(30, 90), rnd.randint(2, 12), rnd.choice([None, 0.8, 0.9])))
        for d in [("USA", "EU"), ("USA", "JPN"), ("EU", "JPN")][minerals.index(m)]:
            for t in periods:
                if rnd.random() < 0.85:
                    rows["demand"].append((m, d, t, rnd.randint(10, 70)))
        d = "USA" if m != "Ni" else "EU"
        rows["reserve"].append((m, d, rnd.randint(0, 20), rnd.choice([None, 40, 60]), rnd.choice([0, 0.5, 1]),
                                rnd.choice([None, 30])))
        rows["reserve_targets"].append((m, d, None, rnd.randint(0, 15), rnd.choice([0, 30, 60])))
        if rnd.random() < 0.5:
            rows["reserve_targets"].append((m, d, periods[2], 25, None))
        if own_penalty[m] is not None:
            rows["routes"].append(("supply", "CHN", "USA", m, 1, 0, True))
    rows["routes"] += [
        ("supply", "CHN", "USA", None, 2, 0.1, True),
        ("supply", "IDN", "CAN", None, 0, None, False),
        ("supply", "COD", "CHN", None, 1.5, 0.05, None),
        ("delivery", "CHN", "USA", None, 1, 0.25, True),
        ("delivery", "AUS", "JPN", None, 3, None, None),
        ("delivery", "USA", "EU", None, 0, None, False),
    ]
    rows["shares"] = [
        ("supply", "feoc", None, None, None, 0.5),
        ("supply", "*", minerals[0], None, None, 0.7),
        ("refining", "CHN", None, periods[0], None, 0.6),
        ("supply", first_origin[minerals[-1]], minerals[-1], None, 0.1, None),
    ]
    rows["scenarios"] = [
        ("china_ban", "supply_capacity", 0, None, "CHN", None),
        ("china_ban", "refining_capacity", 0, None, "CHN", periods[1]),
        ("usa_surge", "demand", 1.3, None, "USA", None),
        ("shock", "supply_cost", 1.5, minerals[0], None, None),
        ("shock", "supply_cost", 1.2, None, "AUS", periods[2]),
        ("shock", "refining_cost", 2, None, None, None),
        ("squeeze", "supply_capacity", 0.5, None, None, None),
        ("squeeze", "refining_capacity", 0.7, None, "USA", None),
    ]
    return {
        "minerals": table("mineral, raw_price, refined_price, unmet_penalty", *rows["minerals"]),
        "countries": COUNTRIES,
        "periods": table("period, years", *[(t, 0.5 if half_years else 1) for t in periods]),
        "supply": table("mineral, country, period, capacity, cost", *rows["supply"]),
        "refining": table("mineral, country, period, capacity, cost, yield", *rows["refining"]),
        "demand": table("mineral, market, period, demand", *rows["demand"]),
        "routes": table("stage, from, to, mineral, cost, tariff_rate, allowed", *rows["routes"]),
        "shares": table("stage, scope, mineral, period, min_share, max_share", *rows["shares"]),
        "reserve": table("mineral, market, initial_stock, max_stock, holding_cost, shortfall_penalty", *rows["reserve"]),
        "reserve_targets": table("mineral, market, period, min_stock, min_days", *rows["reserve_targets"]),
        "scenarios": table("scenario, kind, factor, mineral, country, period", *rows["scenarios"]),
        "settings": table("key, value", ("currency", "USD"), *([("unmet_penalty", 300)] if seed == 2 else [])),
    }


def solve(inp: Path, out: Path) -> int:
    from planner.cli import main

    return main(["solve", str(inp), "-o", str(out), "-q"])


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_rich_plans_pass_the_checker(tmp_path, seed):
    inp = write_workbook(tmp_path / f"rich{seed}.xlsx", rich_workbook(seed))
    out = tmp_path / "plan.xlsx"
    assert solve(inp, out) == 0
    check_plan(inp, out)


SHIPPED = sorted((EXAMPLE.parent).glob("*.xlsx"))
DATASET = EXAMPLE.parent / "critical-minerals-2026.xlsx"  # solved once a session (conftest's dataset_plan)


def test_the_project_ships_its_workbooks():
    assert {p.name for p in SHIPPED} >= {"example.xlsx", DATASET.name}


@pytest.mark.parametrize("workbook", [p for p in SHIPPED if p != DATASET], ids=lambda p: p.name)
def test_shipped_workbooks_pass_the_checker(tmp_path, workbook):
    inp = tmp_path / workbook.name
    shutil.copy(workbook, inp)
    out = tmp_path / "plan.xlsx"
    assert solve(inp, out) == 0  # every shipped workbook solves to optimality, every scenario
    check_plan(inp, out)


def test_the_shipped_dataset_passes_the_checker(dataset_plan):
    assert dataset_plan.run.ok  # it solves to optimality, every scenario
    check_plan(DATASET, dataset_plan.path)


# one number changed in an otherwise valid plan: (sheet, column, how)
CORRUPTIONS = [
    ("Flows", "tonnes", lambda v: v + 5),
    ("Flows", "tonnes", lambda v: v * 0.5),
    ("Deliveries", "tonnes", lambda v: v + 1),
    ("Unmet", "tonnes", lambda v: v + 1),
    ("Refining", "output_tonnes", lambda v: v + 1),
    ("Reserve", "stock", lambda v: v + 1),
    ("Reserve", "shortfall", lambda v: v + 1),
    ("Scenarios", "total_cost", lambda v: v * 1.001),
]


@pytest.fixture(scope="module")
def solved_rich(tmp_path_factory):
    d = tmp_path_factory.mktemp("rich")
    inp = write_workbook(d / "rich.xlsx", rich_workbook(0))
    out = d / "plan.xlsx"
    assert solve(inp, out) == 0
    check_plan(inp, out)
    return inp, out


def corrupt(src: Path, dst: Path, sheet: str, column: str, how) -> None:
    """Copy ``src`` to ``dst`` with one cell of ``sheet``/``column`` changed (the first positive one, or the first)."""
    wb = load_workbook(src)
    ws = wb[sheet]
    header = [str(c.value).strip().lower() for c in ws[1]]
    col = header.index(column) + 1
    cells = [ws.cell(row=i, column=col) for i in range(2, ws.max_row + 1)]
    cells = [c for c in cells if isinstance(c.value, (int, float))]
    assert cells, f"no numbers in {sheet}.{column} to corrupt"
    cell = next((c for c in cells if c.value > 1), cells[0])
    cell.value = how(float(cell.value))
    wb.save(dst)


@pytest.mark.parametrize("sheet, column, how", CORRUPTIONS, ids=[f"{s}.{c}.{i}" for i, (s, c, _) in enumerate(CORRUPTIONS)])
def test_checker_fails_on_a_corrupted_plan(tmp_path, solved_rich, sheet, column, how):
    inp, out = solved_rich
    bad = tmp_path / "bad.xlsx"
    corrupt(out, bad, sheet, column, how)
    with pytest.raises(AssertionError):
        check_plan(inp, bad)


def test_checker_fails_on_a_closed_route(tmp_path):
    # the same plan checked against an input whose only route is now closed
    sheets = {
        "minerals": table("mineral, unmet_penalty", ("Li", 1000)),
        "countries": table("country", ("AUS",), ("USA",)),
        "periods": table("period", (2026,)),
        "supply": table("mineral, country, capacity, cost", ("Li", "AUS", 1000, 10)),
        "refining": table("mineral, country, capacity, cost", ("Li", "USA", 1000, 5)),
        "demand": table("mineral, market, period, demand", ("Li", "USA", 2026, 100)),
    }
    inp = write_workbook(tmp_path / "open.xlsx", sheets)
    out = tmp_path / "plan.xlsx"
    assert solve(inp, out) == 0
    check_plan(inp, out)
    sheets["routes"] = table("stage, from, to, allowed", ("supply", "AUS", "USA", False))
    closed = write_workbook(tmp_path / "closed.xlsx", sheets)
    with pytest.raises(AssertionError, match="closed"):
        check_plan(closed, out)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_version_2_workbooks_pass_the_checker(tmp_path, seed):
    # Every version 2 feature at once (market rules with chain of custody, * except X, ownership, a soft target,
    # an export ban and a tariff, candidate projects, some all-or-nothing), on drawn workbooks.
    from benchmarks.generate import generate

    inp = generate(tmp_path / "v2.xlsx", minerals=3, countries=12, periods=3, markets=3, scenarios=2, seed=seed)
    out = tmp_path / "plan.xlsx"
    assert solve(inp, out) == 0
    check_plan(inp, out)

"""Build inputs/example.xlsx: a small workbook that uses every input sheet.

Three minerals, six countries, three periods, two markets (EU, USA), routes with tariffs
and a closed route, share limits by `*`, by country and by group, reserves with stock and
days-of-demand targets, and two scenarios. Figures are illustrative, not data: the real
dataset is inputs/critical-minerals-2026.xlsx.

Run: python scripts/build_example_workbook.py [OUTPUT.xlsx]
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

SHEETS = {
    "minerals": [
        ("mineral", "raw_price", "refined_price", "unmet_penalty"),
        ("lithium", 9000, 11000, 60000),
        ("cobalt", 30000, 35000, 150000),
        ("graphite", 800, 1200, None),  # default penalty: 10 x the largest unit costs
    ],
    "countries": [
        ("country", "name", "groups"),
        ("AUS", "Australia", "partner, MSP"),
        ("CHL", "Chile", "partner"),
        ("CHN", "China", "FEOC"),
        ("COD", "DR Congo", ""),
        ("FIN", "Finland", "partner, MSP, EU"),
        ("USA", "United States", "partner, MSP"),
    ],
    "periods": [
        ("period", "years"),
        (2026, 1),
        (2027, 1),
        (2028, 1),
    ],
    "supply": [
        ("mineral", "country", "period", "capacity", "cost"),
        ("lithium", "AUS", None, 90, 5200),
        ("lithium", "CHL", None, 60, 4800),
        ("lithium", "CHN", None, 30, 5500),
        ("lithium", "AUS", 2028, 120, 5100),  # a new mine: overrides the blank-period row
        ("cobalt", "COD", None, 150, 20000),
        ("cobalt", "AUS", None, 15, 26000),
        ("graphite", "CHN", None, 500, 500),
        ("graphite", "AUS", None, 120, 650),
    ],
    "refining": [
        ("mineral", "country", "period", "capacity", "cost", "yield"),
        ("lithium", "CHN", None, 150, 1500, 0.95),
        ("lithium", "AUS", None, 40, 2600, 0.9),
        ("lithium", "CHL", None, 40, 2200, 0.9),
        ("cobalt", "CHN", None, 140, 3000, 0.97),
        ("cobalt", "FIN", None, 30, 4200, 0.97),
        ("graphite", "CHN", None, 400, 300, 0.9),
        ("graphite", "AUS", None, 40, 550, 0.85),
        ("graphite", "USA", None, 60, 900, 0.9),
        ("graphite", "USA", 2028, 120, 850, 0.9),  # a new anode plant doubles capacity
    ],
    "demand": [
        ("mineral", "market", "period", "demand"),
        ("lithium", "EU", 2026, 50), ("lithium", "EU", 2027, 60), ("lithium", "EU", 2028, 70),
        ("lithium", "USA", 2026, 40), ("lithium", "USA", 2027, 50), ("lithium", "USA", 2028, 60),
        ("cobalt", "EU", 2026, 40), ("cobalt", "EU", 2027, 45), ("cobalt", "EU", 2028, 50),
        ("cobalt", "USA", 2026, 30), ("cobalt", "USA", 2027, 35), ("cobalt", "USA", 2028, 40),
        ("graphite", "EU", 2026, 150), ("graphite", "EU", 2027, 170), ("graphite", "EU", 2028, 190),
        ("graphite", "USA", 2026, 120), ("graphite", "USA", 2027, 140), ("graphite", "USA", 2028, 160),
    ],
    "routes": [
        ("stage", "from", "to", "mineral", "cost", "tariff_rate", "allowed"),
        ("supply", "CHL", "CHN", None, 120, 0, True),
        ("supply", "AUS", "CHN", None, 90, 0, True),
        ("supply", "COD", "CHN", "cobalt", 150, 0, True),
        ("supply", "COD", "FIN", "cobalt", 260, 0, True),
        ("supply", "CHN", "AUS", "graphite", 0, 0, False),  # closed: export licence refused
        ("delivery", "CHN", "USA", None, 60, 0.25, True),  # Section 301 tariff on refined product
        ("delivery", "CHN", "EU", None, 80, 0, True),
        ("delivery", "AUS", "USA", None, 70, 0, True),
        ("delivery", "FIN", "USA", "cobalt", 90, 0, True),
        ("delivery", "USA", "EU", None, 110, 0.03, True),
    ],
    "shares": [
        ("stage", "scope", "mineral", "period", "min_share", "max_share"),
        ("refining", "*", None, None, None, 0.65),  # no single country above 65% of refining
        ("supply", "CHN", "graphite", None, None, 0.8),
        ("refining", "MSP", "cobalt", 2028, 0.15, None),  # partners refine at least 15% by 2028
    ],
    "reserve": [
        ("mineral", "market", "initial_stock", "max_stock", "holding_cost", "shortfall_penalty"),
        ("cobalt", "USA", 5, 40, 700, None),
        ("graphite", "EU", 0, None, 60, 9000),
    ],
    "reserve_targets": [
        ("mineral", "market", "period", "min_stock", "min_days"),
        ("cobalt", "USA", None, 8, 60),
        ("graphite", "EU", None, 0, 30),
        ("graphite", "EU", 2028, 20, 45),
    ],
    "scenarios": [
        ("scenario", "kind", "factor", "mineral", "country", "period"),
        ("graphite export ban", "supply_capacity", 0, "graphite", "CHN", 2027),
        ("graphite export ban", "supply_capacity", 0, "graphite", "CHN", 2028),
        ("cobalt quota and demand surge", "supply_capacity", 0.6, "cobalt", "COD", None),
        ("cobalt quota and demand surge", "demand", 1.2, None, None, 2028),
    ],
    "risks": [
        ("risk", "country", "stage", "probability", "mineral", "factor", "duration"),
        ("graphite export licensing", "CHN", "refining", 0.3, "graphite", 0.5, 1),
        ("DRC cobalt export ban", "COD", "supply", 0.2, "cobalt", 0, 2),
        ("Chilean lithium strike", "CHL", "supply", 0.1, "lithium", 0.5, 1),
    ],
    "settings": [
        ("key", "value"),
        ("currency", "USD"),
        ("routes_default", "open"),
        ("solver", "highs"),
        ("spot_premium", 0.5),
    ],
}


def build(path: Path) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in SHEETS.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        for col in ws.columns:
            ws.column_dimensions[col[0].column_letter].width = max(12, len(str(col[0].value)) + 4)
    fixed = dt.datetime(2026, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


DEFAULT_TARGET = Path(__file__).resolve().parents[1] / "inputs" / "example.xlsx"


def main(argv: list[str] | None = None) -> None:
    # argparse, not sys.argv[1]: a bare '--help' once became a workbook named '--help'.
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_TARGET, help="workbook to write")
    print(f"wrote {build(parser.parse_args(argv).output)}")


if __name__ == "__main__":
    main()

"""Warnings about valid input that is probably not what the user meant.

A typo that still validates changes the plan without a word: a market written ``US`` on one
demand row beside ``USA`` everywhere else becomes a market of its own, a tariff of 25 (2,500%)
where 0.25 was meant prices a route out of use. These checks find such cells and say what was
probably meant; they never refuse the workbook.
"""

from __future__ import annotations

import difflib
from collections import defaultdict

from planner.errors import Issue
from planner.input.cells import quote
from planner.input.records import Collector, Record

# (sheet, column, largest plausible value, why): beyond it a value is likely a percentage typed as a number.
RANGES = (
    ("routes", "tariff_rate", 3.0, "a fraction of the price (0.25 = 25%)"),
    ("refining", "yield", 2.0, "t of output per t of input"),
    ("scenarios", "factor", 10.0, "a multiplier (1.5 = 50% more)"),
    ("risks", "factor", 10.0, "a multiplier (0 = all output lost)"),
    ("reserve_targets", "min_days", 3650.0, "days of the period's demand"),
)


def check_ranges(records: dict[str, list[Record]], out: Collector) -> None:
    """Warn where a number is far outside what its column means, with the value probably meant."""
    for sheet, column, largest, meaning in RANGES:
        for r in records.get(sheet, ()):
            value = r[column]
            if isinstance(value, (int, float)) and value > largest:
                hint = f"; did you mean {quote(value / 100)}?" if value / 100 <= largest else ""
                out.warn(r.issue(column, f"{quote(value)} is far above what {column} usually is ({meaning}, "
                                         f"at most {quote(largest)} in practice){hint}"))


# Where a market code is written: (sheet, column).
MARKET_CELLS = (("demand", "market"), ("reserve", "market"), ("reserve_targets", "market"))


def check_markets(records: dict[str, list[Record]], out: Collector) -> None:
    """Warn about a market written on one row only, or on one sheet only, next to a code it resembles.

    Markets are free identifiers, so ``US`` beside ``USA`` is valid, and silently a market of its
    own: its demand is served apart and a reserve target for USA no longer counts it.
    """
    rows: dict[str, list[Record]] = defaultdict(list)
    sheets: dict[str, set[str]] = defaultdict(set)
    column_of = {}
    for sheet, column in MARKET_CELLS:
        for r in records.get(sheet, ()):
            code = r[column]
            if code:
                rows[code].append(r)
                sheets[code].add(sheet)
                column_of[sheet] = column
    for code, found in rows.items():
        if len(found) > 1 and len(sheets[code]) > 1:
            continue
        others = [c for c in rows if c != code and len(rows[c]) > len(found)]
        near = _resembling(code, others)
        if near:
            first = found[0]
            where = "row only" if len(found) == 1 else f"sheet '{first.sheet}' only"
            out.warn(first.issue(column_of[first.sheet], f"market {quote(code)} appears on this {where}; did you "
                                                         f"mean {quote(near)}? (a market written two ways is two "
                                                         "markets)"))


def _resembling(code: str, candidates: list[str]) -> str | None:
    """The candidate ``code`` most resembles: a prefix of it, or a close spelling."""
    prefixed = [c for c in candidates if c.startswith(code) or code.startswith(c)]
    if prefixed:
        return min(prefixed, key=len)
    close = difflib.get_close_matches(code, candidates, n=1, cutoff=0.6)
    return close[0] if close else None


def check_capacity(minerals, periods, supply, refining, demand, out: Collector) -> None:
    """Warn where a mineral's capacity cannot meet its demand in a period, whatever the plan does."""
    for m in minerals:
        for t in periods:
            need = sum(q for (mm, _d, tt), q in demand.items() if mm == m and tt == t)
            if need <= 0:
                continue
            refine = sum(cap for (mm, _r, tt), (cap, _c, _y) in refining.items() if mm == m and tt == t)
            best_yield = max((y for (mm, _r, tt), (_cap, _c, y) in refining.items() if mm == m and tt == t),
                             default=0.0)
            mine = sum(cap for (mm, _c, tt), (cap, _cost) in supply.items() if mm == m and tt == t) * best_yield
            short = [(what, amount) for what, amount in (("refining capacity", refine),
                                                         ("supply capacity x the best yield", mine))
                     if amount < need * (1 - 1e-9)]
            if short:
                what, amount = min(short, key=lambda s: s[1])
                gap = need - amount
                out.warn(Issue("demand", message=f"{m} {t}: {what} is {amount:,.0f} t against demand of {need:,.0f} t: "
                                                 f"at least {gap:,.0f} t ({gap / need:.1%}) will go unmet"))

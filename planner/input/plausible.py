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


def check_capacity(minerals, periods, supply, refining, demand, out: Collector, stocked=frozenset()) -> None:
    """Warn where a mineral's capacity cannot meet its demand, whatever the plan does: one warning
    per mineral, naming its short periods and the worst of them. A mineral with reserves (``stocked``)
    may carry earlier tonnes into a short period, so its warning says so."""
    need: dict[tuple, float] = {}
    for (m, _d, t), q in demand.items():
        need[(m, t)] = need.get((m, t), 0.0) + q
    refine: dict[tuple, float] = {}
    best_yield: dict[tuple, float] = {}
    for (m, _r, t), (cap, _c, y) in refining.items():
        refine[(m, t)] = refine.get((m, t), 0.0) + cap
        best_yield[(m, t)] = max(best_yield.get((m, t), 0.0), y)
    mined: dict[tuple, float] = {}
    for (m, _c, t), (cap, _cost) in supply.items():
        mined[(m, t)] = mined.get((m, t), 0.0) + cap
    for m in minerals:
        short = []
        for t in periods:
            q = need.get((m, t), 0.0)
            if q <= 0:
                continue
            limits = (("refining capacity", refine.get((m, t), 0.0)),
                      ("supply capacity x the best yield", mined.get((m, t), 0.0) * best_yield.get((m, t), 0.0)))
            what, amount = min(limits, key=lambda item: item[1])
            if amount < q * (1 - 1e-9):
                short.append((t, what, amount, q))
        if not short:
            continue
        t, what, amount, q = max(short, key=lambda s: (s[3] - s[2]) / s[3])
        gap = q - amount
        message = f"{m} {t}: {what} is {amount:,.0f} t against demand of {q:,.0f} t: at least {gap:,.0f} t " \
                  f"({gap / q:.1%}) will go unmet"
        if len(short) > 1:
            total_gap = sum(qq - a for _t, _w, a, qq in short)
            total_need = sum(need.get((m, tt), 0.0) for tt in periods)
            message += (f"; short in {len(short)} of {len(periods)} periods ({', '.join(s[0] for s in short)}), "
                        f"at least {total_gap:,.0f} t ({total_gap / total_need:.1%} of {m}'s demand) in all")
        if m in stocked:
            message += ", less what its reserves carry over from earlier periods"
        out.warn(Issue("demand", message=message))

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


# Where a market code is written: (sheet, column). A share rule's market counts: a market a law governs on its
# own (US defence beside USA) is written there on purpose, not by a slip of the keyboard.
MARKET_CELLS = (("demand", "market"), ("reserve", "market"), ("reserve_targets", "market"), ("shares", "market"))


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


def check_capacity(minerals, periods, supply, refining, demand, out: Collector, stocked=frozenset(),
                   projects=None) -> None:
    """Warn where a mineral's capacity cannot meet its demand, whatever the plan does: one warning
    per mineral, naming its short periods and the worst of them. A mineral with reserves (``stocked``)
    may carry earlier tonnes into a short period, so its warning says so.

    What can meet demand[m,t] is at most

        min(refining capacity[m,t], supply capacity[m,t] x max yield[m,t])

    counted twice: over existing capacity, and with every candidate project (``projects``) built in
    full from its first_period on (a mine adds supply capacity, a refinery refining capacity and its
    yield; a mine's yield is not used). A period short only without projects is short "unless
    projects are built"; one short even with them will go unmet whatever is built.
    """
    need: dict[tuple, float] = {}
    for (m, _d, t), q in demand.items():
        need[(m, t)] = need.get((m, t), 0.0) + q
    existing = _Capacity(supply, refining)
    built = _Capacity(supply, refining, projects or {}, periods)
    for m in minerals:
        short, short_without = [], []  # (t, what, amount, demand): short even with projects; only without
        for t in periods:
            q = need.get((m, t), 0.0)
            if q <= 0:
                continue
            what, amount = existing.bound(m, t)
            if amount >= q * (1 - 1e-9):
                continue
            with_what, with_amount = built.bound(m, t)
            if with_amount >= q * (1 - 1e-9):
                short_without.append((t, what, amount, q))
            elif with_amount > amount:
                short.append((t, f"with every candidate project built, {with_what}", with_amount, q))
            else:
                short.append((t, with_what, with_amount, q))
        if short:
            message = _short_message(m, periods, need, short, "will go unmet")
            if m in stocked:
                message += ", less what its reserves carry over from earlier periods"
            if short_without:
                message += (f"; short in {', '.join(s[0] for s in short_without)} too unless candidate projects "
                            "are built")
        elif short_without:
            message = _short_message(m, periods, need, short_without, "will go unmet unless projects are built",
                                     prefix="without candidate projects, ")
            if m in stocked:
                message += ", less what its reserves carry over from earlier periods"
            message += "; with every candidate project built, capacity covers demand"
        else:
            continue
        out.warn(Issue("demand", message=message))


def _short_message(m, periods, need, short, outcome: str, prefix: str = "") -> str:
    """The worst short period of ``m`` (by the share of demand short), then the count and sum over all."""
    t, what, amount, q = max(short, key=lambda s: (s[3] - s[2]) / s[3])
    gap = q - amount
    message = f"{m} {t}: {prefix}{what} is {amount:,.0f} t against demand of {q:,.0f} t: at least {gap:,.0f} t " \
              f"({gap / q:.1%}) {outcome}"
    if len(short) > 1:
        total_gap = sum(qq - a for _t, _w, a, qq in short)
        total_need = sum(need.get((m, tt), 0.0) for tt in periods)
        message += (f"; short in {len(short)} of {len(periods)} periods ({', '.join(s[0] for s in short)}), "
                    f"at least {total_gap:,.0f} t ({total_gap / total_need:.1%} of {m}'s demand) in all")
    return message


class _Capacity:
    """Refining capacity, supply capacity and the best refining yield per (mineral, period).

    With ``projects``, each counts as built in full from its first_period on.
    """

    def __init__(self, supply, refining, projects=None, periods=()):
        self.refine: dict[tuple, float] = defaultdict(float)
        self.mined: dict[tuple, float] = defaultdict(float)
        self.best_yield: dict[tuple, float] = defaultdict(float)
        for (m, _r, t), (cap, _c, y) in refining.items():
            self.refine[(m, t)] += cap
            self.best_yield[(m, t)] = max(self.best_yield[(m, t)], y)
        for (m, _c, t), (cap, _cost) in supply.items():
            self.mined[(m, t)] += cap
        for p in (projects or {}).values():
            if p.first_period not in periods:
                continue
            for t in periods[periods.index(p.first_period):]:
                if p.stage == "supply":
                    self.mined[(p.mineral, t)] += p.capacity
                else:
                    self.refine[(p.mineral, t)] += p.capacity
                    self.best_yield[(p.mineral, t)] = max(self.best_yield[(p.mineral, t)], p.yield_)

    def bound(self, m: str, t: str) -> tuple[str, float]:
        """The smaller of the two limits on what can be refined for ``m`` in ``t``, and its name."""
        limits = (("refining capacity", self.refine.get((m, t), 0.0)),
                  ("supply capacity x the best yield",
                   self.mined.get((m, t), 0.0) * self.best_yield.get((m, t), 0.0)))
        return min(limits, key=lambda item: item[1])

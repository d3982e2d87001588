"""Numbers read at a glance, the same on the terminal, in a brief and in a workbook's words.

Money is shown in the unit its size calls for (``1.6 tn USD``, ``316 M USD``), never in dollars and
cents; tonnes likewise (``12.3 kt``). ``money_unit`` resolves the workbook setting of that name,
where ``auto`` picks one unit for a whole workbook from the size of its headline figure.
"""

from __future__ import annotations

MONEY_UNITS = ((1e12, "tn"), (1e9, "bn"), (1e6, "M"), (1e3, "k"))
TONNE_UNITS = ((1e6, "Mt"), (1e3, "kt"))


def _three_digits(x: float) -> str:
    """``x`` (between 1 and 1000) to three significant digits, trailing zeros dropped: 1.6, 12.3, 345."""
    decimals = 2 if x < 9.995 else 1 if x < 99.95 else 0
    text = f"{x:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if decimals else text


def _scaled(value: float, units, base_unit: str) -> str:
    """``value`` in the largest unit it reaches, three significant digits: 1.6 tn, 345 bn, 12.3 M."""
    size = abs(value)
    for factor, name in units:
        if size >= factor * 0.9995:  # 999,700 reads as 1 M, not 1,000 k
            return f"{_three_digits(size / factor)} {name}{base_unit}"
    if size == 0:
        return f"0{base_unit}"
    return f"{_three_digits(size) if size < 999.5 else f'{size:,.0f}'}{base_unit}"


def money_text(value: float | None, currency: str, signed: bool = False) -> str:
    """Money read at a glance, never in dollars and cents: ``9.89 M USD``, ``+7.93 M USD``, ``-38.7 M USD``."""
    if value is None or value != value:
        return "n/a"
    sign = "-" if value < 0 else "+" if signed and value > 0 else ""
    if value != 0 and abs(value) < 1:
        return f"{sign}<1 {currency}".strip()
    return (sign + _scaled(value, MONEY_UNITS, f" {currency}" if currency else "")).strip()


def tonnes_text(value: float | None, signed: bool = False) -> str:
    """Tonnes at a glance: ``8.57 t``, ``420 t``, ``12.3 kt``, ``1.87 Mt``."""
    if value is None or value != value:
        return "n/a"
    sign = "-" if value < 0 else "+" if signed and value > 0 else ""
    size = abs(value)
    for factor, name in TONNE_UNITS:
        if size >= factor * 0.9995:
            return f"{sign}{_three_digits(size / factor)} {name}"
    if size == 0:
        return "0 t"
    if size < 0.01:
        return f"{sign}<0.01 t"
    return f"{sign}{_three_digits(size)} t"


def percent_text(share: float | None, signed: bool = False) -> str:
    """A fraction as a percentage: 0.005714 -> ``0.57%``."""
    if share is None or share != share:
        return "n/a"
    value = 100 * share
    sign = "+" if signed and value > 0 else "-" if value < 0 else ""
    size = abs(value)
    if size < 1:
        text = f"{size:.2g}"
    else:
        text = f"{size:,.1f}".rstrip("0").rstrip(".") if size < 100 else f"{size:,.0f}"
    return f"{sign}{text}%"


# The workbook's units of money, and the smallest amount ``auto`` shows in each: billions and millions are
# shown with decimals (1.60, 9.9) from one of them; thousands, shown whole, from a hundred (else 2 thousand
# would stand for 1,950).
AUTO_FROM = {"billions": 1e9, "millions": 1e6, "thousands": 1e5}


def money_unit(setting: str | None, headline: float | None = None) -> str:
    """The money unit a workbook (or a column of it) is shown in: the setting itself, or for ``auto`` the largest
    unit ``headline`` reaches (``AUTO_FROM``): 1.6e12 in billions (1,596.50), 4.3e10 in billions (43.48), 2.8e7
    in millions (27.8), 250,000 in thousands (250), 1,950 in units. No setting is the spec's default, units."""
    if setting != "auto":
        return setting or "units"
    if headline is None or headline != headline:
        return "units"
    return next((name for name, least in AUTO_FROM.items() if abs(headline) >= least * 0.9995), "units")

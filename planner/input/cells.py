"""One cell to one value: numbers, booleans, choices, codes and period labels, with what was wrong.

Every conversion rule of the workbook lives here, so that a text number, a percentage or a
period label is read the same way on every sheet.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re

from planner.input import limits as L
from planner.input import schema as S
from planner.input.read import FormulaWithoutValue

_TRUE = {"true", "yes", "y", "1", "open", "allowed"}
_FALSE = {"false", "no", "n", "0", "closed"}


def convert_cell(col: S.Column, value):
    """Convert one cell by its column's kind; return (value, problem or None)."""
    if isinstance(value, str) and not value.strip():
        value = None
    if value is None:
        if col.required:
            return None, f"is blank; expected {col.expected()}"
        return col.default, None
    if isinstance(value, FormulaWithoutValue):
        what = f"the formula {quote(str(value))}" if value.formula else "a formula"
        return None, (f"got {what} with no saved value; open and save the workbook in Excel, or type the "
                      f"value ({col.expected()}).")
    got = f"got {quote(value)}"
    if isinstance(value, str) and value.strip().startswith("#") and value.strip().upper() in _EXCEL_ERRORS:
        return None, f"{got} (an Excel error value); expected {col.expected()}."
    if col.kind == S.NUMBER:
        number, problem = parse_number(value, percent=col.unit in _PERCENT_UNITS, largest=col.largest)
        if number is None:
            return None, f"{got}; expected {col.expected()}{problem}."
        if (col.minimum is not None and (number < col.minimum or (col.minimum_exclusive and number == col.minimum))) \
                or (col.maximum is not None and number > col.maximum) \
                or (col.integer and not float(number).is_integer()):
            return None, f"{got}; expected {col.expected()}."
        floor = solver_floor_problem(col, number)
        if floor:
            return None, f"{got}; expected {col.expected()}{floor}."
        return (int(number) if col.integer else number), None
    if col.kind == S.BOOL:
        if isinstance(value, bool):
            return value, None
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value), None
        text = str(value).strip().lower()
        if text in _TRUE:
            return True, None
        if text in _FALSE:
            return False, None
        return None, f"{got}; expected {col.expected()}."
    if isinstance(value, bool) or isinstance(value, (dt.datetime, dt.date, dt.time)):
        return None, f"{got}; expected {col.expected()}."
    if col.kind in (S.NAME, S.CODE, S.PERIOD) and len(str(value).strip()) > MAX_NAME_LENGTH:
        # Longer names are pasted text, not labels; and Excel cells stop at 32,767 characters.
        return None, f"{got} ({len(str(value).strip()):,} characters); expected a name of at most " \
                     f"{MAX_NAME_LENGTH} characters."
    if col.kind == S.PERIOD:
        return period_label(value), None
    text = text_value(value)
    if col.kind == S.CHOICE:
        low = text.lower()
        if low not in col.choices:
            return None, f"{got}; expected {col.expected()}{did_you_mean(low, col.choices)}."
        return low, None
    if col.kind == S.CODE:
        return text.upper(), None
    return text, None


_EXCEL_ERRORS = {"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                 "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"}


MAX_NAME_LENGTH = 255
# Units in which "65%" is read as 0.65; in any other column a percentage is an error.
_PERCENT_UNITS = {"fraction"}
# Non-zero magnitudes below this are unit errors, and the LP solver would drop them as noise.
MIN_MAGNITUDE = 1e-9


# A number typed as text: digits with an optional sign, at most one decimal point and an optional
# exponent ("1000", "-0.5", ".5", "1e3", "2.5E-3"); ASCII digits only.
_TEXT_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# Thousands separators and digit groupings: space, no-break and narrow or thin spaces, comma, underscore,
# apostrophes. A text number holding any of them is refused, whichever it is (one rule, one hint).
_SEPARATORS = " \u00a0\u202f\u2009\u2007,_'\u2019"
_SEPARATOR_HINT = " (write numbers without thousands separators or decimal commas, e.g. 1000 or 0.5)"


def parse_number(value, percent: bool = False, largest: float = S.MAX_MAGNITUDE) -> tuple[float | None, str]:
    """A cell as a number, or (None, a hint why not).

    Number cells are numbers. Text is a number only as digits with an optional sign, one decimal
    point and an exponent (``1000``, ``-2.5``, ``1e3``), or with a trailing ``%`` in a share or rate
    column (``65%`` = 0.65); surrounding spaces are ignored. Text with a thousands separator (space,
    no-break space, comma, underscore, apostrophe) is refused with the same hint, as is a magnitude above
    ``largest`` (the column's).
    """
    if isinstance(value, bool):
        return None, " (a TRUE/FALSE cell is not a number)"
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return None, " (the cell holds a date; format it as a number)"
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip()
        scale = 1.0
        if text.endswith("%"):
            if not percent:
                return None, " (a percentage only fits a share or rate column; write the number itself)"
            text, scale = text[:-1].strip(), 0.01
        if not _TEXT_NUMBER.fullmatch(text):
            if text.lower().lstrip("+-") in ("inf", "infinity", "nan"):
                return None, " (not a finite number)"
            grouped = text.translate({ord(ch): None for ch in _SEPARATORS})
            if grouped != text and _TEXT_NUMBER.fullmatch(grouped):
                return None, _SEPARATOR_HINT
            return None, ""
        try:
            number = float(text) * scale
        except (ValueError, OverflowError):  # pragma: no cover - the pattern admits only what float() reads
            return None, ""
    if math.isnan(number) or math.isinf(number):
        return None, " (not a finite number)"
    if abs(number) > largest:
        return None, f" (magnitude above {largest:g}; check the units)"
    if number != 0 and abs(number) < MIN_MAGNITUDE:
        return None, f" (non-zero magnitude below {MIN_MAGNITUDE:g}; check the units, or write 0)"
    return number, ""


# Columns whose values reach the solver as they are, by unit: quantities become right-hand sides and
# bounds, yields and shares matrix entries. A non-zero value at or below the solver's threshold would be
# planned as 0 (see ``limits``): refused where it is typed. (Rates such as tariffs only scale a price
# into a cost, which the model checks.)
_SOLVER_FLOORS = {
    "t": (L.PRIMAL_FEASIBILITY_TOLERANCE, "the solver's feasibility tolerance: it would plan as if it were 0"),
    "t/t": (L.SMALL_MATRIX_VALUE, "which the solver drops from its constraints as 0"),
}
_SHARE_COLUMNS = {"min_share", "max_share"}
_NOT_SOLVED = {"tonnes"}  # the production sheet's observed output is compared with the plan, never solved


def solver_floor_problem(col: S.Column, number: float) -> str:
    """Why a non-zero ``number`` in ``col`` would reach the solver as 0, or ""."""
    floor = _SOLVER_FLOORS.get(col.unit) or (_SOLVER_FLOORS["t/t"] if col.name in _SHARE_COLUMNS else None)
    if floor is None or col.name in _NOT_SOLVED or number == 0 or abs(number) > floor[0]:
        return ""
    unit = " t" if col.unit == "t" else ""
    return f" (non-zero and at most {floor[0]:g}{unit}, {floor[1]}; check the units, or write 0)"


def period_label(value) -> str:
    """A period label as written: a number cell as Excel shows it (2026.0 is "2026"), text as typed.

    Labels are matched by ``label_key``, so "01", "+1" and 1 are one period, reported as first written.
    """
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    return str(value).strip()


_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def label_key(label: str) -> str:
    """What a label is matched by: ignoring case, and a plain number by its value ("2026.0", "+2026" = "2026")."""
    text = label.strip()
    if _PLAIN_NUMBER.fullmatch(text):
        number = float(text)
        if math.isfinite(number):
            return str(int(number)) if number.is_integer() else repr(number)
    return text.lower()


def text_value(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def quote(value) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return repr(text)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def did_you_mean(word: str, options, n: int = 3, cutoff: float = 0.6) -> str:
    options = [str(o) for o in options]
    lookup = {o.lower(): o for o in options}
    close = difflib.get_close_matches(str(word).lower(), list(lookup), n=n, cutoff=cutoff)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(lookup[c]) for c in close) + "?)"

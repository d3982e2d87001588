"""Turn raw sheets into a PlannerInput, or raise one InputError that lists every problem.

Checks run in the order a user fixes things: sheets, columns, cell types and bounds, keys,
references, then rules across sheets. Problems are collected, never raised one by one.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections import defaultdict
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from planner.errors import InputError, Issue
from planner.input import schema as S
from planner.input.data import INF, Mineral, PlannerInput, Reserve, Risk, Route, ScenarioRow, ShareRule
from planner.input.read import FormulaWithoutValue, RawSheet, RawWorkbook

_TRUE = {"true", "yes", "y", "1", "open", "allowed"}
_FALSE = {"false", "no", "n", "0", "closed"}


@dataclass
class Record:
    """A data row after cell conversion: values by column name, and where each came from."""

    sheet: str
    row: int
    values: dict
    cols: dict  # column name -> 1-based column index (absent when the column is missing)
    raw: dict = field(default_factory=dict)  # column name -> the cell as read, before conversion

    def __getitem__(self, name):
        return self.values.get(name)

    def issue(self, column: str, message: str) -> Issue:
        return Issue(self.sheet, self.row, self.cols.get(column), column, message)


class _Collector:
    def __init__(self):
        self.issues: list[Issue] = []
        self.warnings: list[Issue] = []
        self.structural = False  # a sheet or column is missing: later checks would only add noise
        self.skipped: list[str] = []  # documentation sheets

    def error(self, issue: Issue) -> None:
        self.issues.append(issue)

    def warn(self, issue: Issue) -> None:
        self.warnings.append(Issue(issue.sheet, issue.row, issue.col, issue.column, issue.message, "warning"))


def validate(raw: RawWorkbook) -> PlannerInput:
    """Validate every sheet of ``raw`` and resolve defaults, blanks and overrides."""
    out = _Collector()
    records = _read_sheets(raw, out)
    if out.structural:  # without the right sheets and columns, later checks only add noise
        raise InputError(raw.path, out.issues)
    data = _resolve(raw.path, records, out)
    if out.issues:
        raise InputError(raw.path, out.issues)
    data.warnings = sorted(out.warnings)
    data.skipped_sheets = out.skipped
    return data


# --- sheets, columns and cells ----------------------------------------------------------


def _read_sheets(raw: RawWorkbook, out: _Collector) -> dict[str, list[Record]]:
    records: dict[str, list[Record]] = {}
    for key, sheet in raw.sheets.items():
        if key in S.DOCUMENTATION_SHEETS:
            out.skipped.append(sheet.name)
        elif key not in S.SHEET_BY_NAME:
            hint = _did_you_mean(key, S.SHEET_BY_NAME, n=1, cutoff=0.8)
            out.warn(Issue(sheet.name, message=f"sheet is not one the planner reads; ignored{hint}"))
    for spec in S.SHEETS:
        sheet = raw.sheets.get(spec.name)
        if sheet is None:
            if spec.required:
                found = ", ".join(s.name for s in raw.sheets.values()) or "none"
                hint = _did_you_mean(spec.name, [s.name.strip() for s in raw.sheets.values()])
                out.error(Issue(spec.name, message=f"required sheet is missing; found sheets: {found}{hint}"))
                out.structural = True
            records[spec.name] = []
            continue
        if sheet.hidden:
            out.warn(Issue(sheet.name, message="sheet is hidden in Excel; it is read all the same"))
        cols = _match_columns(spec, sheet, out)
        if _check_merged(sheet, cols, out) or cols is None:
            out.structural = True
            records[spec.name] = []
            continue
        records[spec.name] = [_convert_row(spec, sheet, row, values, cols, out) for row, values in sheet.rows]
    return records


def _check_merged(sheet: RawSheet, cols: dict[str, int] | None, out: _Collector) -> bool:
    """Merged cells in the table: only the first cell holds the value, the others read as blank.

    Return True when the header row is merged (the columns cannot be trusted). A merged
    header is reported even when columns are missing: it is often why they are.
    """
    used = set((cols or {}).values())
    header_merged = False
    for min_col, min_row, max_col, max_row in sorted(sheet.merged, key=lambda m: (m[1], m[0])):
        span = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
        column = next((name for name, idx in (cols or {}).items() if min_col <= idx <= max_col), None)
        if min_row == 1 and column is None and cols is None:
            header = sheet.headers.get(min_col)
            column = header.strip().lower() if header else None
        if min_row == 1 and (column is not None or cols is None):
            header_merged = True
            out.error(Issue(sheet.name, 1, min_col, column, f"header cells {span} are merged; unmerge them so "
                                                           "each column has its own header in row 1."))
        elif used & set(range(min_col, max_col + 1)):
            out.error(Issue(sheet.name, min_row, min_col, column,
                            f"cells {span} are merged; only the first holds a value and the others read as "
                            "blank. Unmerge them and fill in every cell."))
    return header_merged


def _match_columns(spec: S.Sheet, sheet: RawSheet, out: _Collector) -> dict[str, int] | None:
    known = {c.name: c for c in spec.columns}
    cols: dict[str, int] = {}
    for idx, header in sorted(sheet.headers.items()):
        name = header.strip().lower()
        if name in cols:
            out.error(Issue(sheet.name, 1, idx, name, f"column '{header}' appears twice in the header row"))
        elif name in known:
            cols[name] = idx
        else:
            hint = _did_you_mean(name, known)
            out.warn(Issue(sheet.name, 1, idx, None, f"column '{header}' is not one the planner reads; ignored{hint}"))
    missing = [c.name for c in spec.columns if c.required and c.name not in cols]
    if missing:
        found = ", ".join(sheet.headers[i] for i in sorted(sheet.headers)) or "no headers in row 1"
        row = _header_row_elsewhere(spec, sheet)
        if row is not None:
            out.error(Issue(sheet.name, message=f"required columns {', '.join(missing)} are not in row 1 "
                                                f"(found: {found}); the headers seem to be in row {row}. The planner "
                                                "reads headers from row 1 only: delete the rows above them."))
            return None
        for name in missing:
            hint = _did_you_mean(name, [h for h in sheet.headers.values() if h.strip().lower() not in known])
            out.error(Issue(sheet.name, message=f"required column '{name}' is missing; found: {found}{hint}"))
        return None
    return cols


def _header_row_elsewhere(spec: S.Sheet, sheet: RawSheet) -> int | None:
    """The row below row 1 that holds every required header (a title or blank rows above the table)."""
    required = {c.name for c in spec.columns if c.required}
    for row, values in sheet.head[1:]:
        names = {str(v).strip().lower() for v in values if v is not None}
        if required <= names:
            return row
    return None


def _convert_row(spec, sheet, row, values, cols, out) -> Record:
    rec = Record(sheet.name, row, {}, cols)
    for col in spec.columns:
        idx = cols.get(col.name)
        value = values[idx - 1] if idx is not None and idx - 1 < len(values) else None
        parsed, problem = convert_cell(col, value)
        if problem:
            out.error(Issue(sheet.name, row, idx, col.name, problem))
        rec.values[col.name] = parsed
        rec.raw[col.name] = value
    return rec


def convert_cell(col: S.Column, value):
    """Convert one cell by its column's kind; return (value, problem or None)."""
    if isinstance(value, str) and not value.strip():
        value = None
    if value is None:
        if col.required:
            return None, f"is blank; expected {col.expected()}"
        return col.default, None
    if isinstance(value, FormulaWithoutValue):
        what = f"the formula {_quote(str(value))}" if value.formula else "a formula"
        return None, (f"got {what} with no saved value; open and save the workbook in Excel, or type the "
                      f"value ({col.expected()}).")
    got = f"got {_quote(value)}"
    if isinstance(value, str) and value.strip().startswith("#") and value.strip().upper() in _EXCEL_ERRORS:
        return None, f"{got} (an Excel error value); expected {col.expected()}."
    if col.kind == S.NUMBER:
        number, problem = _number(value, percent=col.unit in _PERCENT_UNITS)
        if number is None:
            return None, f"{got}; expected {col.expected()}{problem}."
        if (col.minimum is not None and (number < col.minimum or (col.minimum_exclusive and number == col.minimum))) \
                or (col.maximum is not None and number > col.maximum) \
                or (col.integer and not float(number).is_integer()):
            return None, f"{got}; expected {col.expected()}."
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
    text = _text(value)
    if col.kind == S.CHOICE:
        low = text.lower()
        if low not in col.choices:
            return None, f"{got}; expected {col.expected()}{_did_you_mean(low, col.choices)}."
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


def _number(value, percent: bool = False) -> tuple[float | None, str]:
    if isinstance(value, bool):
        return None, " (a TRUE/FALSE cell is not a number)"
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return None, " (the cell holds a date; format it as a number)"
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip().replace("\u00a0", "")
        if "," in text:
            return None, " (write numbers without thousands separators or decimal commas, e.g. 1000 or 0.5)"
        scale = 1.0
        if text.endswith("%"):
            if not percent:
                return None, " (a percentage only fits a share or rate column; write the number itself)"
            text, scale = text[:-1].strip(), 0.01
        try:
            number = float(text) * scale
        except (ValueError, OverflowError):
            return None, ""
    if math.isnan(number) or math.isinf(number):
        return None, " (not a finite number)"
    if abs(number) > S.MAX_MAGNITUDE:
        return None, f" (magnitude above {S.MAX_MAGNITUDE:g}; check the units)"
    if number != 0 and abs(number) < MIN_MAGNITUDE:
        return None, f" (non-zero magnitude below {MIN_MAGNITUDE:g}; check the units, or write 0)"
    return number, ""


def period_label(value) -> str:
    """The canonical text of a period label: 2026, 2026.0 and "2026" are all "2026"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    if math.isfinite(number) and number.is_integer() and text.replace(".", "", 1).lstrip("+-").isdigit():
        return str(int(number))
    return text


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _quote(value) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return repr(text)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _did_you_mean(word: str, options, n: int = 3, cutoff: float = 0.6) -> str:
    options = [str(o) for o in options]
    lookup = {o.lower(): o for o in options}
    close = difflib.get_close_matches(str(word).lower(), list(lookup), n=n, cutoff=cutoff)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(lookup[c]) for c in close) + "?)"


# --- names, keys, references and cross-sheet rules --------------------------------------


class _Names:
    """Labels defined by the name sheets, matched ignoring case, reported as first written."""

    def __init__(self):
        self.by_kind: dict[str, dict[str, str]] = defaultdict(dict)

    def define(self, kind: str, label: str) -> str:
        return self.by_kind[kind].setdefault(label.lower(), label)

    def get(self, kind: str, label: str) -> str | None:
        return self.by_kind[kind].get(label.lower())

    def all(self, kind: str) -> list[str]:
        return list(self.by_kind[kind].values())


def _resolve(source: str, records: dict[str, list[Record]], out: _Collector) -> PlannerInput:
    names = _Names()
    _check_keys(records, out)

    minerals_rows = [r for r in records["minerals"] if r["mineral"] is not None]
    for r in minerals_rows:
        names.define("mineral", r["mineral"])
    countries, country_names, groups = [], {}, {}
    members: dict[str, list[str]] = defaultdict(list)
    for r in records["countries"]:
        if r["country"] is None:
            continue
        code = r["country"]
        if code not in countries:
            countries.append(code)
        country_names[code] = r["name"] or ""
        for label in (r["groups"] or "").split(","):
            label = " ".join(label.split())
            if label:
                canonical = names.define("group", label)
                if code not in members[canonical]:
                    members[canonical].append(code)
    groups = {g: tuple(sorted(m)) for g, m in members.items()}
    periods, years = [], {}
    for r in records["periods"]:
        if r["period"] is None:
            continue
        label = names.define("period", r["period"])
        if label not in years:
            periods.append(label)
            years[label] = r["years"] if r["years"] is not None else 1.0
    for kind, sheet in (("mineral", "minerals"), ("period", "periods")):
        if not names.all(kind):
            out.error(Issue(sheet, message=f"sheet defines no {kind}; at least one row is needed"))
    if not countries:
        out.error(Issue("countries", message="sheet defines no country; at least one row is needed"))
    country_set = set(countries)

    # Markets are defined by demand and reserve rows.
    for sheet in ("demand", "reserve"):
        for r in records[sheet]:
            if r["market"]:
                names.define("market", r["market"])
    market_set = set(names.all("market"))

    def ref(rec: Record, column: str, kind: str) -> str | None:
        """Resolve a reference cell to its canonical label, recording a problem if unknown."""
        value = rec[column]
        if value is None:
            return None
        if kind == "country":
            if value in country_set:
                return value
            found = None
        else:
            found = names.get(kind, value)
        if found is None:
            pool = countries if kind == "country" else names.all(kind)
            where = {"mineral": "sheet 'minerals'", "country": "sheet 'countries'", "period": "sheet 'periods'",
                     "market": "a market on sheet 'demand' or 'reserve'"}[kind]
            out.error(rec.issue(column, f"got {_quote(value)}; expected a {kind} on {where}"
                                        f"{_did_you_mean(value, pool)}."))
        return found

    for sheet in ("supply", "refining", "demand", "routes", "shares", "reserve", "reserve_targets",
                  "scenarios", "risks", "production"):
        spec = S.SHEET_BY_NAME[sheet]
        for rec in records[sheet]:
            for col in spec.columns:
                if col.refers_to and rec[col.name] is not None:
                    rec.values[col.name] = ref(rec, col.name, col.refers_to)

    minerals_list = names.all("mineral")
    periods_t = tuple(periods)
    settings = _settings(records["settings"], out)

    supply = _expand_periods(records["supply"], periods_t, lambda r: (r["capacity"], r["cost"]))
    refining = _expand_periods(records["refining"], periods_t,
                               lambda r: (r["capacity"], r["cost"], r["yield"] if r["yield"] is not None else 1.0))
    demand = {(r["mineral"], r["market"], r["period"]): r["demand"] for r in records["demand"]
              if None not in (r["mineral"], r["market"], r["period"], r["demand"])}

    routes = _routes(records["routes"], minerals_list, country_set, market_set, out)
    reserves, targets = _reserves(records["reserve"], records["reserve_targets"], periods_t, out)
    markets: dict[str, set] = defaultdict(set)
    for (m, d, _t) in demand:
        markets[m].add(d)
    for (m, d) in reserves:
        markets[m].add(d)

    shares = _shares(records["shares"], names, country_set, out)
    scenarios = _scenarios(records["scenarios"], names, country_set, market_set, out)
    risks = [Risk(r.row, r["risk"], r["country"], r["stage"], r["probability"], r["mineral"],
                  r["factor"] if r["factor"] is not None else 0.0, r["duration"] if r["duration"] else 1)
             for r in records["risks"] if r["country"] is not None and r["risk"] is not None]

    minerals = {}
    mineral_rows = {r["mineral"].lower(): r for r in minerals_rows}
    for m in minerals_list:
        r = mineral_rows[m.lower()]
        penalty = r["unmet_penalty"]
        if penalty is None:
            penalty = settings.get("unmet_penalty")
        if penalty is None:
            penalty = _default_unmet_penalty(m, supply, refining, routes, r["raw_price"], r["refined_price"])
        minerals[m] = Mineral(m, r["raw_price"], r["refined_price"], float(penalty))

    _check_tariff_prices(records["routes"], minerals, routes, out)
    reserves = {k: Reserve(v.initial_stock, v.max_stock, v.holding_cost,
                           v.shortfall_penalty if v.shortfall_penalty is not None
                           else minerals[k[0]].unmet_penalty / 2.0)
                for k, v in reserves.items() if k[0] in minerals}
    for r in records["reserve"]:
        key = (r["mineral"], r["market"])
        if key in reserves and r["shortfall_penalty"] is not None \
                and r["shortfall_penalty"] > minerals[key[0]].unmet_penalty:
            out.warn(r.issue("shortfall_penalty", f"{_quote(r['shortfall_penalty'])} is above the mineral's unmet "
                                                  f"penalty ({_quote(minerals[key[0]].unmet_penalty)}): unmet demand "
                                                  "counts in the reserve's balance, so the plan may leave demand "
                                                  "unserved to keep the reserve full"))

    return PlannerInput(
        source=source,
        minerals=minerals,
        countries=tuple(countries),
        country_names=country_names,
        groups=groups,
        periods=periods_t,
        years=years,
        supply=supply,
        refining=refining,
        demand=demand,
        markets={m: tuple(sorted(markets.get(m, ()))) for m in minerals_list},
        routes=routes,
        routes_default=settings["routes_default"],
        reserves=reserves,
        targets=targets,
        shares=shares,
        scenarios=scenarios,
        risks=risks,
        settings=settings,
        production={(r["mineral"], r["stage"], r["country"]): r["tonnes"] for r in records["production"]
                    if None not in (r["mineral"], r["stage"], r["country"], r["tonnes"])},
    )


def _check_keys(records: dict[str, list[Record]], out: _Collector) -> None:
    """Two rows with the same key on one sheet are an error, not "last one wins"."""
    for spec in S.SHEETS:
        if not spec.key:
            continue
        seen: dict[tuple, int] = {}
        for rec in records[spec.name]:
            key = tuple((rec[k].lower() if isinstance(rec[k], str) else rec[k]) for k in spec.key)
            if any(rec[k] is None for k in spec.key if spec.column(k).required):
                continue
            if key in seen:
                shown = ", ".join(f"{k}={rec[k] if rec[k] is not None else '(blank)'}" for k in spec.key)
                out.error(Issue(rec.sheet, rec.row, rec.cols.get(spec.key[0]), spec.key[0],
                                f"repeats the key of row {seen[key]} ({shown}); each key may appear once"))
            else:
                seen[key] = rec.row


def _expand_periods(rows: list[Record], periods: tuple[str, ...], value) -> dict:
    """Blank period = every period; a row naming a period overrides the blank row."""
    table: dict = {}
    for r in rows:
        if r["mineral"] is None or r["country"] is None or None in value(r)[:2] or r["period"] is not None:
            continue
        for t in periods:
            table[(r["mineral"], r["country"], t)] = value(r)
    for r in rows:
        if r["mineral"] is None or r["country"] is None or None in value(r)[:2] or r["period"] is None:
            continue
        table[(r["mineral"], r["country"], r["period"])] = value(r)
    return dict(sorted(table.items(), key=lambda kv: (kv[0][0], kv[0][1], periods.index(kv[0][2]))))


def _routes(rows, minerals, country_set, market_set, out) -> dict:
    routes: dict = {}
    for specific in (False, True):
        for r in rows:
            if None in (r["stage"], r["from"], r["to"]) or (r["mineral"] is not None) != specific:
                continue
            if r["from"] not in country_set:
                continue  # already reported as an unknown reference
            if r["stage"] == "supply" and r["to"] not in country_set:
                out.error(r.issue("to", f"got {_quote(r['to'])}; expected a refining country on sheet "
                                        f"'countries'{_did_you_mean(r['to'], sorted(country_set))}."))
                continue
            if r["stage"] == "delivery" and r["to"] not in market_set:
                out.error(r.issue("to", f"got {_quote(r['to'])}; expected a market on sheet 'demand' or "
                                        f"'reserve'{_did_you_mean(r['to'], sorted(market_set))}."))
                continue
            route = Route(r["cost"] or 0.0, r["tariff_rate"] or 0.0, bool(r["allowed"]), r.row)
            for m in ([r["mineral"]] if specific else minerals):
                routes[(r["stage"], r["from"], r["to"], m)] = route
    return routes


def _check_tariff_prices(rows, minerals, routes, out) -> None:
    for r in rows:
        if not r["tariff_rate"] or None in (r["stage"], r["from"], r["to"]):
            continue
        price_col = "raw_price" if r["stage"] == "supply" else "refined_price"
        applies = [m for m in minerals
                   if getattr(routes.get((r["stage"], r["from"], r["to"], m)), "row", None) == r.row]
        lacking = [m for m in applies if m in minerals and getattr(minerals[m], price_col) is None]
        if lacking:
            out.error(r.issue("tariff_rate", f"got {_quote(r['tariff_rate'])}; a tariff needs the mineral's "
                                             f"{price_col} on sheet 'minerals', which is blank for "
                                             + ", ".join(lacking) + "."))


def _reserves(reserve_rows, target_rows, periods, out):
    reserves, lower = {}, {}
    for r in reserve_rows:
        if None in (r["mineral"], r["market"]):
            continue
        max_stock = r["max_stock"] if r["max_stock"] is not None else INF
        initial = r["initial_stock"] or 0.0
        if initial > max_stock:
            out.error(r.issue("initial_stock", f"got {_quote(initial)}; expected at most max_stock "
                                               f"({_quote(max_stock)})."))
        reserves[(r["mineral"], r["market"])] = Reserve(initial, max_stock, r["holding_cost"] or 0.0,
                                                        r["shortfall_penalty"])
        lower[(r["mineral"], r["market"])] = True
    targets: dict = {}
    for specific in (False, True):
        for r in target_rows:
            if None in (r["mineral"], r["market"]) or (r["period"] is not None) != specific:
                continue
            if (r["mineral"], r["market"]) not in reserves:
                out.error(r.issue("market", f"got {_quote(r['market'])}; a reserve target needs a row for "
                                            f"mineral {r['mineral']!r} and market {r['market']!r} on sheet 'reserve'."))
                continue
            for t in ([r["period"]] if specific else periods):
                targets[(r["mineral"], r["market"], t)] = (r["min_stock"] or 0.0, r["min_days"] or 0.0)
    return reserves, targets


def _shares(rows, names, country_set, out) -> list[ShareRule]:
    rules = []
    for r in rows:
        if None in (r["stage"], r["scope"]):
            continue
        lo = r["min_share"] if r["min_share"] is not None else 0.0
        hi = r["max_share"] if r["max_share"] is not None else 1.0
        if lo > hi:
            out.error(r.issue("min_share", f"got {_quote(lo)}; expected at most max_share ({_quote(hi)})."))
            continue
        scope = r["scope"]
        if scope != "*":
            if scope.upper() in country_set:
                scope = scope.upper()
            elif names.get("group", scope) is not None:
                scope = names.get("group", scope)
            else:
                pool = sorted(country_set) + names.all("group")
                out.error(r.issue("scope", f"got {_quote(scope)}; expected '*', a country on sheet 'countries' "
                                           f"or a group label on sheet 'countries'{_did_you_mean(scope, pool)}."))
                continue
        rules.append(ShareRule(r.row, r["stage"], scope, r["mineral"], r["period"], lo, hi))
    return rules


def _scenarios(rows, names, country_set, market_set, out) -> dict[str, list[ScenarioRow]]:
    scenarios: dict[str, list[ScenarioRow]] = {}
    for r in rows:
        if None in (r["scenario"], r["kind"], r["factor"]):
            continue
        name = names.define("scenario", r["scenario"])
        if name.lower() == "base":
            out.error(r.issue("scenario", "got 'base'; that name is reserved for the plan without "
                                          "scenario factors."))
            continue
        country = r["country"]
        if country is not None:
            pool, what = (market_set, "market") if r["kind"] == "demand" else (country_set, "country")
            if country not in pool:
                where = "on sheet 'demand' or 'reserve'" if what == "market" else "on sheet 'countries'"
                out.error(r.issue("country", f"got {_quote(country)}; expected a {what} {where} for kind "
                                             f"{r['kind']}{_did_you_mean(country, sorted(pool))}."))
                continue
        scenarios.setdefault(name, []).append(
            ScenarioRow(r.row, r["kind"], r["factor"], r["mineral"], country, r["period"]))
    return scenarios


def _settings(rows: list[Record], out: _Collector) -> dict:
    settings = {s.key: s.default for s in S.SETTINGS}
    for r in rows:
        key = (r["key"] or "").strip().lower()
        if not key:
            continue
        spec = S.SETTING_BY_KEY.get(key)
        if spec is None:
            out.warn(r.issue("key", f"setting {r['key']!r} is not one the planner knows; ignored"
                                    f"{_did_you_mean(key, S.SETTING_BY_KEY)}"))
            continue
        col = S.Column("value", spec.kind, True, choices=spec.choices, minimum=spec.minimum,
                       minimum_exclusive=spec.minimum_exclusive)
        raw_value = r.raw.get("value")
        value, problem = convert_cell(col, raw_value)
        if problem:
            out.error(r.issue("value", f"setting {key}: {problem}"))
            continue
        settings[key] = value
    return settings


def _default_unmet_penalty(m, supply, refining, routes, raw_price, refined_price) -> float:
    """10 x (largest supply cost + refining cost + supply-route and delivery-route unit cost), or 1."""
    def largest(values):
        return max(values, default=0.0)

    def unit(route: Route, price):
        return route.cost + route.tariff_rate * (price or 0.0)

    total = (largest(cost for (mm, _c, _t), (_cap, cost) in supply.items() if mm == m)
             + largest(cost for (mm, _r, _t), (_cap, cost, _y) in refining.items() if mm == m)
             + largest(unit(rt, raw_price) for (st, _f, _to, mm), rt in routes.items()
                       if mm == m and st == "supply" and rt.allowed)
             + largest(unit(rt, refined_price) for (st, _f, _to, mm), rt in routes.items()
                       if mm == m and st == "delivery" and rt.allowed))
    return 10.0 * total if total > 0 else 1.0

"""Read an .xlsx workbook into raw tables, keeping every cell as found and its Excel row.

Nothing is interpreted here beyond finding the header row: values stay as the cells hold
them (numbers, text such as ``n/a`` or ``1,000``, booleans, dates) so that validation can
quote them back to the user. Untrusted files are checked before openpyxl parses them: the
container (type, damage, unpacked size), then the XML with defusedxml (no entity expansion).
Two things openpyxl hides are recovered from the sheet XML: formula cells that carry no saved
value (openpyxl reports them as blank) and merged cells.
"""

from __future__ import annotations

import itertools
import os
import re
import warnings
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

# openpyxl parses with defusedxml (no entity expansion, no external entities) when it is
# installed; it is a declared dependency, imported here so that a missing one fails loudly.
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as _safe_fromstring
from defusedxml.ElementTree import iterparse as _safe_iterparse
from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter, range_boundaries

# Private to openpyxl, for speed (see _sparse_rows): openpyxl is kept below 3.2 in pyproject.toml, and
# tests/test_family_coverage.py checks every internal used here is still there.
from openpyxl.worksheet._reader import WorkSheetParser

from planner.errors import InputError, Issue

# A real planning workbook is a few MB unpacked; world-scale ones stay below 100 MB.
# Anything far beyond is refused before parsing (zip bombs expand 1000x and more).
# zipfile never inflates a member beyond the size its header declares (a larger stream
# fails its CRC check), so checking the declared sizes bounds what parsing can unpack.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
MAX_MEMBERS = 10_000
MAX_ROWS_PER_SHEET = 1_048_576  # Excel's own limit; openpyxl would read more.
# openpyxl reads about 50,000 cells a second on a CI machine: a million cells is ~20 s, and
# ten times what a world-scale workbook (30 minerals x 60 countries x 12 periods) holds.
MAX_CELLS_PER_SHEET = 1_000_000
HEAD_ROWS = 10  # rows kept as found, to explain a header that is not in row 1
# A data row wider than this (a header the planner reads far to the right) is kept sparse, not as a tuple.
MAX_DENSE_WIDTH = 256

FILE = "(file)"  # the "sheet" of problems that concern the whole file

@dataclass(frozen=True)
class FormulaWithoutValue:
    """A formula cell whose workbook holds no saved result (written by a program, never opened in Excel)."""

    formula: str

    def __str__(self) -> str:
        return "=" + self.formula


@dataclass
class RawSheet:
    """A sheet as read: header names by column index and data rows by Excel row."""

    name: str
    headers: dict[int, str]  # 1-based column index -> header text as written
    rows: list[tuple[int, tuple]] = field(default_factory=list)  # (excel row, values)
    hidden: bool = False
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (min_col, min_row, max_col, max_row)
    head: list[tuple[int, tuple]] = field(default_factory=list)  # first rows as found, empty ones included
    read: bool = True  # False for a sheet the planner does not use (not read beyond its name)
    warnings: list[Issue] = field(default_factory=list)  # what was found but is not read (values without a header)


@dataclass
class RawWorkbook:
    path: str
    sheets: dict[str, RawSheet]  # normalised (lower-case, trimmed) name -> sheet

    @property
    def warnings(self) -> list[Issue]:
        return [w for sheet in self.sheets.values() for w in sheet.warnings]


def _known_sheets() -> set[str]:
    from planner.input.schema import SHEET_BY_NAME

    return set(SHEET_BY_NAME)


def read_workbook(path: str | os.PathLike, sheets: set[str] | None = None) -> RawWorkbook:
    """Read the workbook at ``path``; raise InputError if it is not a readable .xlsx workbook.

    Only the sheets named in ``sheets`` (normalised names; default: the sheets the planner
    reads) are read cell by cell; the others are listed by name only.
    """
    source = str(path)
    wanted = _known_sheets() if sheets is None else {s.strip().lower() for s in sheets}
    _check_container(Path(path), source)
    with warnings.catch_warnings():
        # openpyxl warns about features it drops (data validation, conditional formats); irrelevant here.
        warnings.simplefilter("ignore", UserWarning)
        try:
            scans = _prescan(Path(path), source, wanted)
            wb = load_workbook(path, read_only=True, data_only=True)
        except InputError:
            raise
        except Exception as exc:  # openpyxl raises many types for damaged files
            if _caused_by(exc, DefusedXmlException):
                raise InputError(source, [_entities_issue(_caused_by(exc, DefusedXmlException))]) from None
            raise InputError(source, [Issue(FILE, message="cannot be read as an .xlsx workbook "
                                            f"({_short(exc)}); open it in Excel and save it as .xlsx")]) from None
        try:
            return _read_all(wb, source, wanted, scans)
        except InputError:
            raise
        except DefusedXmlException as exc:
            raise InputError(source, [_entities_issue(exc)]) from None
        except (MemoryError, RecursionError):
            raise InputError(source, [Issue(FILE, message="is too large or too deeply nested to read")]) from None
        except Exception as exc:
            raise InputError(source, [Issue(FILE, message=f"has a damaged sheet ({_short(exc)}); open it in "
                                            "Excel and save it as .xlsx")]) from None
        finally:
            wb.close()


def _read_all(wb, source: str, wanted: set[str], scans: dict[str, _Scan]) -> RawWorkbook:
    sheets: dict[str, RawSheet] = {}
    issues: list[Issue] = []
    for ws in wb.worksheets:
        key = ws.title.strip().lower()
        if key in sheets and key in wanted:
            issues.append(Issue(ws.title, message=f"sheet name repeats '{sheets[key].name}' "
                                "(names are matched ignoring case and spaces)"))
            continue
        if key in sheets:  # a second sheet the planner does not read ("Notes" and "Notes "): only its name counts
            sheets[f"{key}\0{len(sheets)}"] = RawSheet(ws.title, {}, hidden=_hidden(ws), read=False)
            continue
        if key in wanted:
            scan = scans.get(ws.title) or _Scan()
            try:
                sheets[key] = _read_sheet(ws, scan, issues)
            except DefusedXmlException:
                raise
            except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
                # openpyxl gives up on a cell it cannot convert (a number cell holding "NaN", a string
                # index out of range): find and name the cells instead of the whole file.
                bad = _bad_cells(wb, ws, scan.member)
                issues.extend(bad or [Issue(ws.title, message=f"cannot be read ({_short(exc)}); open the workbook "
                                            "in Excel and save it as .xlsx")])
                sheets[key] = RawSheet(ws.title, {}, hidden=_hidden(ws))
        else:
            sheets[key] = RawSheet(ws.title, {}, hidden=_hidden(ws), read=False)
    if issues:
        raise InputError(source, issues)
    return RawWorkbook(source, sheets)


def _hidden(ws) -> bool:
    return getattr(ws, "sheet_state", "visible") != "visible"


def _read_sheet(ws, scan: _Scan, issues: list[Issue]) -> RawSheet:
    """Every column with a header in row 1, wherever it is, and the data rows below.

    Only the cells a sheet stores are read (never rows padded to a fixed width), so a stray cell at
    XFD costs one cell, not 16,384 per row. A data row keeps its values up to the last column whose
    header the planner reads: as a tuple, or beyond MAX_DENSE_WIDTH as a sparse row. Values under a
    column without a header are reported as warnings, since nothing reads them.
    """
    formulas = _formulas_by_row(scan.no_value)
    head: list[tuple[int, tuple]] = []
    sheet = RawSheet(ws.title, {}, hidden=_hidden(ws), merged=scan.merged, head=head)
    rows = _sparse_rows(ws)
    first = next(rows, None)
    if first is not None and first[0] != 1:  # the sheet has no row 1: no headers
        rows = itertools.chain([first], rows)
        first = None
    header = first[1] if first else {}  # a header formula without a saved value reads as blank, as before
    head.append((1, _dense(header, max(header, default=0))))
    sheet.headers = {col: str(v).strip() for col, v in sorted(header.items()) if _holds_value(v)}
    width = _data_width(ws.title, sheet.headers)
    unheaded: dict[int, list[int]] = {}  # column without a header -> [rows holding a value, the first three]
    for excel_row, cells in rows:
        cells = _with_formulas(cells, formulas.get(excel_row))
        if excel_row <= HEAD_ROWS:
            head.extend((r, ()) for r in range(head[-1][0] + 1, excel_row))  # empty rows, as found
            head.append((excel_row, _dense(cells, max(cells, default=0))))
        elif not sheet.headers:
            break
        if excel_row > MAX_ROWS_PER_SHEET:
            issues.append(Issue(ws.title, message=f"has rows beyond row {MAX_ROWS_PER_SHEET:,}, Excel's limit; "
                                "split the data or remove the extra rows"))
            break
        filled = [col for col, v in cells.items() if _holds_value(v)]
        for col in filled:
            if col not in sheet.headers:
                found = unheaded.setdefault(col, [0])
                found[0] += 1
                if len(found) <= 3:
                    found.append(excel_row)
        if any(col in sheet.headers for col in filled):
            sheet.rows.append((excel_row, _dense(cells, width) if width <= MAX_DENSE_WIDTH
                               else SparseRow(cells, width)))
    sheet.warnings = [_unheaded_issue(ws.title, col, found) for col, found in sorted(unheaded.items())]
    return sheet


def _sparse_rows(ws):
    """(Excel row, {column: value}) for every row the sheet's XML holds, with only the cells it stores.

    openpyxl's ``iter_rows`` pads each row to a width; this runs the same parser with the same
    settings as openpyxl's read-only worksheet, without the padding. As there, a row that repeats
    or goes back to an earlier row number is skipped.
    """
    wb = ws.parent
    with ws._get_source() as src:
        parser = WorkSheetParser(src, ws._shared_strings, data_only=wb.data_only, epoch=wb.epoch,
                                 date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
        last = 0
        for excel_row, cells in parser.parse():
            if excel_row <= last:
                continue
            last = excel_row
            yield excel_row, {cell["column"]: cell["value"] for cell in cells}


def _formulas_by_row(no_value: dict[tuple[int, int], str]) -> dict[int, dict[int, str]]:
    by_row: dict[int, dict[int, str]] = {}
    for (row, col), formula in no_value.items():
        by_row.setdefault(row, {})[col] = formula
    return by_row


def _with_formulas(cells: dict, formulas: dict[int, str] | None) -> dict:
    """The row's cells, a formula without a saved value marked as such (openpyxl reads it as blank)."""
    for col, formula in (formulas or {}).items():
        if cells.get(col) is None:
            cells[col] = FormulaWithoutValue(formula)
    return cells


def _holds_value(v) -> bool:
    return v is not None and not (isinstance(v, str) and not v.strip())


def _dense(cells: dict, width: int) -> tuple:
    """The row as a tuple of ``width`` values (column 1 first), blank cells as None."""
    values = [None] * width
    for col, v in cells.items():
        if col <= width:
            values[col - 1] = v
    return tuple(values)


def _data_width(title: str, headers: dict[int, str]) -> int:
    """The last column a data row needs: the last header the planner reads (every header on other sheets)."""
    from planner.input.schema import SHEET_BY_NAME

    spec = SHEET_BY_NAME.get(title.strip().lower())
    known = {c.name for c in spec.columns} if spec else None
    return max((col for col, h in headers.items() if known is None or h.strip().lower() in known), default=0)


def _unheaded_issue(title: str, col: int, found: list[int]) -> Issue:
    letter = get_column_letter(col)
    count, first = found[0], found[1:]
    shown = ", ".join(str(r) for r in first) + (f" and {count - len(first):,} more" if count > len(first) else "")
    rows = "row" if count == 1 else "rows"
    return Issue(title, 1, col, None, f"column {letter} has no header in row 1 but holds values ({rows} {shown}); "
                                      "they are ignored. Give the column a header, or clear the cells")


class SparseRow(Sequence):
    """A wide data row kept as its cells only: ``row[i]`` is column i + 1's value, None where blank."""

    __slots__ = ("_cells", "_width")

    def __init__(self, cells: dict, width: int):
        self._cells = {col: v for col, v in cells.items() if col <= width}
        self._width = width

    def __len__(self) -> int:
        return self._width

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(self._width)))
        if index < 0:
            index += self._width
        if not 0 <= index < self._width:
            raise IndexError(index)
        return self._cells.get(index + 1)

    def __eq__(self, other) -> bool:
        return tuple(self) == tuple(other) if isinstance(other, (tuple, SparseRow)) else NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return f"SparseRow({self._cells!r}, width={self._width})"


@dataclass
class _Scan:
    """What a byte scan and (when needed) a defused parse of a sheet's XML found."""

    member: str | None = None
    cells: int = 0
    no_value: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> formula text
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_MERGE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell[\s>/]")
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _prescan(path: Path, source: str, wanted: set[str]) -> dict[str, _Scan]:
    """Scan the XML of the wanted sheets before openpyxl parses anything.

    Counts cells (openpyxl parses a whole sheet just to open it when its XML lacks a
    dimension, so an over-large sheet must be refused first) and finds formula cells without
    a saved value and merged ranges, which openpyxl's read-only mode does not report.
    """
    scans: dict[str, _Scan] = {}
    issues: list[Issue] = []
    with zipfile.ZipFile(path) as zf:
        for title, member in _sheet_members(zf).items():
            if title.strip().lower() not in wanted or member not in zf.namelist():
                continue
            scan = _scan_member(zf, member)
            if scan.cells > MAX_CELLS_PER_SHEET:
                issues.append(Issue(title, message=f"has {scan.cells:,} cells; the planner reads at most "
                                    f"{MAX_CELLS_PER_SHEET:,} per sheet, ten times what a world-scale workbook "
                                    "needs. Delete unused rows and columns, or check that this is the right sheet"))
            scans[title] = scan
    if issues:
        raise InputError(source, issues)
    return scans


def _sheet_members(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title -> zip member of its XML, from xl/workbook.xml and its relationships."""
    try:
        workbook = _safe_fromstring(zf.read("xl/workbook.xml"))
        rels = _safe_fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return {}
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter() if rel.tag.endswith("Relationship")}
    members = {}
    for el in workbook.iter():
        if el.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        target = targets.get(el.get(f"{{{_REL_NS}}}id"), "")
        if not target:
            continue
        member = target.lstrip("/") if target.startswith("/") else "xl/" + target
        members[el.get("name", "")] = os.path.normpath(member).replace(os.sep, "/")
    return members


def _scan_member(zf: zipfile.ZipFile, member: str) -> _Scan:
    scan = _Scan(member)
    has_formula = has_merge = False
    carry = b""
    with zf.open(member) as fh:
        while True:
            chunk = fh.read(1 << 20)
            data = carry + chunk
            # Every pattern starts with "<" and holds no other: scan up to the last "<" and carry the rest.
            cut = data.rfind(b"<") if chunk else len(data)
            if cut <= 0:
                cut = len(data) if len(data) > (1 << 16) or not chunk else 0
            part, carry = data[:cut], data[cut:]
            scan.cells += len(_CELL.findall(part))
            has_formula = has_formula or _FORMULA.search(part) is not None
            has_merge = has_merge or _MERGE.search(part) is not None
            if not chunk:
                break
    if scan.cells > MAX_CELLS_PER_SHEET or not (has_formula or has_merge):
        return scan
    for row, col, el in _cells(zf, member, merged=scan.merged):
        formula = value = None
        for child in el:
            name = child.tag.rsplit("}", 1)[-1]
            if name == "f":
                formula = child
            elif name in ("v", "is"):
                value = child
        if formula is not None and (value is None or not "".join(value.itertext()).strip()):
            scan.no_value[(row, col)] = (formula.text or "").strip()
    return scan


def _cells(zf: zipfile.ZipFile, member: str, merged: list | None = None):
    """Yield (row, col, element) for every ``<c>`` of a sheet, parsed with defusedxml."""
    row_counter = col_counter = 0
    with zf.open(member) as fh:
        for _event, el in _safe_iterparse(fh, events=("end",)):
            tag = el.tag.rsplit("}", 1)[-1]
            if tag == "c":
                ref = el.get("r")
                if ref:
                    row_counter, col_counter = coordinate_to_tuple(ref)
                else:
                    col_counter += 1
                yield row_counter, col_counter, el
                el.clear()
            elif tag == "row":
                r = el.get("r")
                row_counter = int(float(r)) if r else row_counter + 1
                col_counter = 0
                el.clear()
            elif tag == "mergeCell" and el.get("ref") and merged is not None:
                try:
                    merged.append(tuple(range_boundaries(el.get("ref"))))
                except (ValueError, TypeError):
                    pass


def _bad_cells(wb, ws, member: str | None) -> list[Issue]:
    """Cells openpyxl cannot convert: a number cell that is not a number, a bad string index."""
    if member is None:
        return []
    headers: dict[int, str] = {}
    issues = []
    n_strings = len(getattr(wb, "shared_strings", ()) or ())
    try:
        for row, col, el in _cells(wb._archive, member):
            kind = el.get("t", "n")
            text = next(((c.text or "").strip() for c in el if c.tag.rsplit("}", 1)[-1] == "v"), "")
            if row == 1 and kind in ("inlineStr", "str"):
                headers[col] = "".join(el.itertext()).strip()
            elif row == 1 and kind == "s" and text.isdigit() and int(text) < n_strings:
                headers[col] = str(wb.shared_strings[int(text)]).strip()
            problem = None
            if kind == "n" and text:
                try:
                    number = float(text) if any(ch in text for ch in ".eE") else int(text)
                except ValueError:
                    problem = "not a finite number" if text.lower().lstrip("+-") in ("nan", "inf", "infinity") \
                        else "not a number"
                else:
                    problem = None if number == number and abs(number) != float("inf") else "not a finite number"
            elif kind == "s" and text and not (text.isdigit() and int(text) < n_strings):
                problem = "a reference to a missing shared string"
            elif kind == "b" and text and text not in ("0", "1"):
                problem = "not TRUE or FALSE"
            if problem:
                column = headers[col].lower() if col in headers else None
                issues.append(Issue(ws.title, row, col, column, f"got {text!r} stored as a number cell, which is "
                                    f"{problem}; type the value again in Excel" if kind == "n" else
                                    f"got {text!r} ({problem}); type the value again in Excel"))
    except Exception:  # noqa: BLE001 - a best effort to locate the damage; the caller has a fallback
        return issues
    return issues


def _check_container(path: Path, source: str) -> None:
    """Refuse what is not an .xlsx before a parser sees it (wrong type, damaged, zip bomb)."""
    def refuse(message: str) -> InputError:
        return InputError(source, [Issue(FILE, message=message)])

    if not path.exists():
        raise refuse("does not exist")
    if path.is_dir():
        raise refuse("is a folder, not an .xlsx workbook")
    suffix = path.suffix.lower()
    if suffix in (".xls", ".xlsb", ".ods", ".csv", ".xlsm", ".txt", ".tsv", ".numbers"):
        raise refuse(f"is a {suffix} file; open it in Excel, save it as an Excel Workbook (.xlsx) and run again")
    try:
        with open(path, "rb") as fh:
            magic = fh.read(512)
    except OSError as exc:
        raise refuse(f"cannot be opened: {exc.strerror or exc}") from None
    if not magic:
        raise refuse("is empty (0 bytes); it is not an .xlsx workbook")
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise refuse("is an encrypted (password-protected) workbook or an old .xls file; save an "
                     "unprotected .xlsx copy and run again")
    if not zipfile.is_zipfile(path):
        if magic.startswith(b"PK"):
            raise refuse("is a damaged or truncated .xlsx file (its zip directory is missing); "
                         "copy or download it again")
        if magic.lstrip().startswith(b"<"):
            raise refuse("is an XML or HTML file, not an .xlsx workbook; open it in Excel and save it as .xlsx")
        if _looks_like_text(magic):
            raise refuse("is a text file (CSV?), not an .xlsx workbook; open it in Excel and save it as .xlsx")
        raise refuse("is not an .xlsx workbook (not a zip container)")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_MEMBERS:
                raise refuse(f"has {len(infos):,} parts (limit {MAX_MEMBERS:,}); it is not a planning workbook")
            unpacked = sum(i.file_size for i in infos)
            packed = max(1, sum(i.compress_size for i in infos))
            if unpacked > MAX_UNPACKED_BYTES or (unpacked > 10_000_000 and unpacked / packed > MAX_COMPRESSION_RATIO):
                raise refuse(f"unpacks to {unpacked:,} bytes from {packed:,} (limit {MAX_UNPACKED_BYTES:,} bytes "
                             f"and {MAX_COMPRESSION_RATIO}x); refused as a possible zip bomb")
            names = {i.filename for i in infos}
            if "xl/workbook.xml" not in names:
                raise refuse("is a zip file but not an .xlsx workbook (no xl/workbook.xml)")
            bad = zf.testzip()
    except InputError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError,
            RuntimeError, zlib.error) as exc:
        raise refuse(f"is a damaged .xlsx (zip) file ({_short(exc)}); copy or download it again") from None
    if bad is not None:
        raise refuse(f"is a damaged .xlsx (zip) file (part {bad} fails its checksum); copy or download it again")


def _looks_like_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return False
    return all(ch.isprintable() or ch in "\r\n\t" for ch in text.lstrip("\ufeff"))


def _caused_by(exc: BaseException | None, kind) -> BaseException | None:
    """``exc`` or the first exception in its chain (openpyxl wraps parse errors) of type ``kind``."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _entities_issue(exc: BaseException) -> Issue:
    return Issue(FILE, message="contains XML entity or DTD declarations, which Excel never writes (a possible "
                 f"'billion laughs' attack); refused ({_short(exc)})")


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]

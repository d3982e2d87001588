"""Read an .xlsx workbook into raw tables, keeping every cell as found and its Excel row.

Nothing is interpreted here beyond finding the header row: values stay as the cells hold
them (numbers, text such as ``n/a`` or ``1,000``, booleans, dates) so that validation can
quote them back to the user. Untrusted files are checked before openpyxl parses them.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from planner.errors import InputError, Issue

# A real planning workbook is a few MB unpacked; world-scale ones stay below 100 MB.
# Anything far beyond is refused before parsing (zip bombs expand 1000x and more).
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
MAX_ROWS_PER_SHEET = 1_048_576  # Excel's own limit; openpyxl would read more.

try:  # openpyxl parses with defusedxml when it is installed; it is a dependency.
    import defusedxml  # noqa: F401
except ImportError:  # pragma: no cover - declared dependency
    pass

from openpyxl import load_workbook  # noqa: E402


@dataclass
class RawSheet:
    """A sheet as read: header names by column index and data rows by Excel row."""

    name: str
    headers: dict[int, str]  # 1-based column index -> header text as written
    rows: list[tuple[int, tuple]] = field(default_factory=list)  # (excel row, values)
    hidden: bool = False


@dataclass
class RawWorkbook:
    path: str
    sheets: dict[str, RawSheet]  # normalised (lower-case, trimmed) name -> sheet


def read_workbook(path: str | os.PathLike) -> RawWorkbook:
    """Read every sheet of the workbook at ``path``; raise InputError if it is not one."""
    source = str(path)
    _check_container(Path(path), source)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise InputError(source, [Issue("(file)", message=f"cannot be read as an .xlsx workbook: {_short(exc)}")])
    try:
        sheets: dict[str, RawSheet] = {}
        issues: list[Issue] = []
        for ws in wb.worksheets:
            key = ws.title.strip().lower()
            if key in sheets:
                issues.append(Issue(ws.title, message=f"sheet name repeats '{sheets[key].name}' "
                                    "(names are matched ignoring case and spaces)"))
                continue
            sheets[key] = _read_sheet(ws, issues)
        if issues:
            raise InputError(source, issues)
        return RawWorkbook(source, sheets)
    finally:
        wb.close()


def _read_sheet(ws, issues: list[Issue]) -> RawSheet:
    rows = ws.iter_rows(values_only=True)
    header_row = next(rows, None) or ()
    headers = {i + 1: str(v).strip() for i, v in enumerate(header_row) if v is not None and str(v).strip()}
    sheet = RawSheet(ws.title, headers, hidden=getattr(ws, "sheet_state", "visible") != "visible")
    width = max(headers, default=0)
    for excel_row, values in enumerate(rows, start=2):
        if excel_row > MAX_ROWS_PER_SHEET:
            issues.append(Issue(ws.title, message=f"has more than {MAX_ROWS_PER_SHEET:,} rows"))
            break
        values = tuple(values[:width]) if width else ()
        if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in values):
            sheet.rows.append((excel_row, values))
    return sheet


def _check_container(path: Path, source: str) -> None:
    """Refuse what is not an .xlsx before a parser sees it (wrong type, damaged, zip bomb)."""
    if not path.exists():
        raise InputError(source, [Issue("(file)", message="does not exist")])
    if path.is_dir():
        raise InputError(source, [Issue("(file)", message="is a folder, not an .xlsx workbook")])
    suffix = path.suffix.lower()
    if suffix in (".xls", ".xlsb", ".ods", ".csv", ".xlsm"):
        raise InputError(source, [Issue("(file)", message=f"is a {suffix} file; save it as an Excel "
                                        "Workbook (.xlsx) and run again")])
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(source, [Issue("(file)", message="is an encrypted (password-protected) workbook or "
                                        "an old .xls file; save an unprotected .xlsx copy and run again")])
    if not zipfile.is_zipfile(path):
        raise InputError(source, [Issue("(file)", message="is not an .xlsx workbook (not a zip container)")])
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            unpacked = sum(i.file_size for i in infos)
            packed = max(1, sum(i.compress_size for i in infos))
            names = {i.filename for i in infos}
            bad = zf.testzip() if unpacked <= MAX_UNPACKED_BYTES else None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise InputError(source, [Issue("(file)", message=f"is a damaged zip container: {_short(exc)}")])
    if unpacked > MAX_UNPACKED_BYTES or (unpacked > 10_000_000 and unpacked / packed > MAX_COMPRESSION_RATIO):
        raise InputError(source, [Issue("(file)", message=f"unpacks to {unpacked:,} bytes from {packed:,} "
                                        f"(limit {MAX_UNPACKED_BYTES:,} bytes, ratio {MAX_COMPRESSION_RATIO}); "
                                        "refused as a possible zip bomb")])
    if bad is not None:
        raise InputError(source, [Issue("(file)", message=f"is a damaged zip container (bad member {bad})")])
    if "xl/workbook.xml" not in names:
        raise InputError(source, [Issue("(file)", message="is a zip file but not an .xlsx workbook")])
    if suffix not in (".xlsx", ".xltx", ".xlsm"):
        # Content is a workbook even if the name says otherwise; read it anyway.
        pass


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]

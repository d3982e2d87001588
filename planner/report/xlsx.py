"""Write plan tables to a formatted .xlsx: all formatting lives here.

Written with XlsxWriter (fast, constant memory, native charts) to a temporary file in the
target folder and moved into place, so a failure never leaves half a workbook and never
destroys the previous plan. Text from the input is always written as text, never as a
formula, so a name such as ``=HYPERLINK(...)`` cannot run in a reviewer's Excel.
"""

from __future__ import annotations

import gc
import math
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.exceptions import FileCreateError

from planner.errors import UsageError

EXCEL_MAX_ROWS = 1_048_576


@dataclass
class SheetSpec:
    """A table to write: its frame, and per column its number format, header note, width and wrapping.

    The report layer fills these from the output schema (``planner/report/columns.py``); the
    writer guesses nothing. ``row_formats`` gives a key/value sheet one number format per row of
    its ``value`` column.
    """

    name: str
    frame: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    widths: dict[str, float] = field(default_factory=dict)
    wrap: set[str] = field(default_factory=set)
    row_formats: list[str | None] | None = None
    freeze_columns: int = 0
    charts: list = field(default_factory=list)  # callables (workbook, worksheet, frame) -> None


def write_workbook(path: str | os.PathLike, sheets: list[SheetSpec]) -> Path:
    """Write ``sheets`` in order to ``path`` atomically; return the path.

    A failure is reported as an OSError naming ``path`` (never the temporary file beside it), and an
    existing ``path`` that is read-only is refused before anything is written.
    """
    return replace_atomically(path, lambda tmp: _write(tmp, sheets), ".xlsx.part")


def replace_atomically(path: str | os.PathLike, write: Callable[[str], None], suffix: str = ".part") -> Path:
    """Call ``write`` on a temporary file beside ``path``, then move it into place: a reader never sees half a
    file, and a failure leaves any old file as it was. The new file keeps the old one's mode (else what a
    plain ``open()`` gives). Failures are OSErrors naming ``path``; a read-only ``path`` is refused first."""
    path = Path(path)
    check_writable(path)
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=suffix, dir=folder)
    except OSError as exc:  # name the user's file, not the temporary one we could not make
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, _file_mode(path))  # mkstemp makes the file private (0600); a plan is for sharing
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        named = _naming_output(exc, path)
        if named is not None:
            raise named from exc
        raise
    return path


def check_writable(path: str | os.PathLike) -> None:
    """Refuse an existing output that is read-only.

    Replacing a file needs only a writable folder (``os.replace`` ignores the file's own mode), so a
    write-protected plan would be silently replaced; and the kernel lets root write anything. So the
    file's mode bits decide: no write permission for anyone, or none for this user, is read-only.
    """
    path = Path(path)
    try:
        st = path.stat()
    except OSError:
        return  # nothing there yet (or nothing readable: the write itself will say)
    if not stat.S_ISREG(st.st_mode):
        return
    if not st.st_mode & 0o222 or not os.access(path, os.W_OK):
        raise UsageError(f"output {path} is read-only; make it writable or choose another output path (-o)")


def _naming_output(exc: BaseException, path: Path) -> OSError | None:
    """The failure as an OSError about ``path`` (the temporary file is ours, not the user's), else None."""
    if isinstance(exc, FileCreateError):  # xlsxwriter wraps the OSError of creating the file
        inner = exc.args[0] if exc.args else None
        exc = inner if isinstance(inner, OSError) else OSError(None, str(inner or exc))
    if not isinstance(exc, OSError):
        return None
    return OSError(exc.errno, exc.strerror or str(exc), str(path))


def _file_mode(path: Path) -> int:
    """The mode of the file being replaced, else what a plain ``open()`` would give."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _write(target: str, sheets: list[SheetSpec]) -> None:
    # XlsxWriter makes an object per cell that nothing frees until the file is closed: the cyclic
    # garbage collector's passes over them find nothing and cost 12-15% of the write (benchmarks/).
    collecting = gc.isenabled()
    gc.disable()
    try:
        _write_sheets(target, sheets)
    finally:
        if collecting:
            gc.enable()


def _write_sheets(target: str, sheets: list[SheetSpec]) -> None:
    wb = xlsxwriter.Workbook(target, {
        "constant_memory": False,  # charts and autofilters need random access to cells
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "nan_inf_to_errors": True,
    })
    wb.set_properties({"title": "Critical-minerals plan", "comments": "Written by planner"})
    # A fixed creation date keeps the file's metadata free of run timestamps.
    wb.set_properties({"created": _EPOCH})
    header = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                            "valign": "top"})
    cache: dict[tuple, object] = {}

    def fmt(num_format: str | None, wrap: bool = False):
        # Every cell top-aligned, so a row made tall by wrapped text reads from its top line.
        key = (num_format, wrap)
        if key not in cache:
            props = {"valign": "top"}
            if num_format:
                props["num_format"] = num_format
            if wrap:
                props["text_wrap"] = True
            cache[key] = wb.add_format(props)
        return cache[key]

    for spec in sheets:
        for part, frame in _parts(spec):
            ws = wb.add_worksheet(part)
            _write_table(ws, frame, spec, header, fmt)
            if part == spec.name:
                for chart in spec.charts:
                    chart(wb, ws, frame)
    wb.close()


def _parts(spec: SheetSpec):
    """Split a table beyond Excel's row limit over continuation sheets ``Name (2)``, ``Name (3)``."""
    per_sheet = EXCEL_MAX_ROWS - 1
    n = len(spec.frame)
    if n <= per_sheet:
        yield spec.name, spec.frame
        return
    for i, start in enumerate(range(0, n, per_sheet)):
        yield (spec.name if i == 0 else f"{spec.name[:24]} ({i + 1})"), spec.frame.iloc[start:start + per_sheet]


def _write_table(ws, frame: pd.DataFrame, spec: SheetSpec, header, fmt) -> None:
    columns = list(frame.columns)
    for j, col in enumerate(columns):
        ws.write_string(0, j, str(col), header)
        note = spec.notes.get(col)
        if note:
            ws.write_comment(0, j, note, {"x_scale": 2.5, "y_scale": 1.5})
    for j, col in enumerate(columns):
        if spec.row_formats is not None and col == "value":
            for i, (value, num_format) in enumerate(zip(frame.iloc[:, j].tolist(), spec.row_formats), start=1):
                _write_cell(ws, i, j, value, fmt(num_format, col in spec.wrap))
        else:
            _write_column(ws, j, frame.iloc[:, j], fmt(spec.formats.get(col), col in spec.wrap))
    ws.freeze_panes(1, spec.freeze_columns)
    # Printed (or exported to PDF) a table is one page wide with its header on every page.
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.repeat_rows(0)
    if columns:
        ws.autofilter(0, 0, max(len(frame), 1), len(columns) - 1)
    widths = [spec.widths.get(col) or _width(col, frame.iloc[:200, j].tolist(), col in spec.wrap)
              for j, col in enumerate(columns)]
    for j, width in enumerate(widths):
        ws.set_column(j, j, width)
    # Printed, a table is as many pages wide as it needs at a readable size (about 200 characters a
    # landscape A4 page), its header and first columns repeated on every page.
    ws.fit_to_pages(max(1, math.ceil(sum(widths) / PAGE_CHARACTERS)), 0)
    if spec.freeze_columns:
        ws.repeat_columns(0, spec.freeze_columns - 1)
    _fit_wrapped_rows(ws, frame, spec, widths)


LINE_HEIGHT = 15.0  # points: one line of 11-point text
PAGE_CHARACTERS = 200


def _fit_wrapped_rows(ws, frame: pd.DataFrame, spec: SheetSpec, widths: list[float]) -> None:
    """Rows tall enough for their wrapped text: Excel and LibreOffice keep a written row's height."""
    wrapped = [(j, widths[j]) for j, col in enumerate(frame.columns) if col in spec.wrap]
    if not wrapped or len(frame) > 10_000:  # long detail tables keep one line a row
        return
    for i in range(len(frame)):
        lines = 1
        for j, width in wrapped:
            value = frame.iat[i, j]
            if isinstance(value, str) and value:
                per_line = max(1, int(width * 1.1) - 1)  # characters of 11-point text in a column of `width`
                lines = max(lines, sum(-(-len(part) // per_line) or 1 for part in value.split("\n")))
        if lines > 1:
            ws.set_row(i + 1, LINE_HEIGHT * lines)


def _write_column(ws, j: int, series: pd.Series, cell_format) -> None:
    """One column, with the writer chosen once from its dtype (a numeric column needs no per-cell checks)."""
    numeric = pd.api.types.is_float_dtype(series.dtype) or (
        pd.api.types.is_integer_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype))
    if numeric:
        write_number = ws.write_number
        for i, value in enumerate(series.to_numpy(dtype=float).tolist(), start=1):
            if value == value and value not in (math.inf, -math.inf):  # NaN: leave the cell blank
                write_number(i, j, value, cell_format)
            elif value == value:
                ws.write_string(i, j, "unbounded" if value > 0 else "-unbounded")
        return
    for i, value in enumerate(series.tolist(), start=1):
        _write_cell(ws, i, j, value, cell_format)


def _write_cell(ws, i, j, value, cell_format) -> None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return
    if isinstance(value, bool):
        ws.write_boolean(i, j, value)
    elif isinstance(value, (int, float)):
        if math.isinf(value):
            ws.write_string(i, j, "unbounded" if value > 0 else "-unbounded")
        else:
            ws.write_number(i, j, value, cell_format)
    elif hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        _write_cell(ws, i, j, value.item(), cell_format)
    else:
        ws.write_string(i, j, str(value), cell_format)


def _width(column: str, sample, wrap: bool) -> float:
    longest = len(str(column)) + 2
    for value in sample:
        text = f"{value:,.1f}" if isinstance(value, float) else str(value)
        longest = max(longest, len(text) + 1)
    return float(min(max(longest, 8), 60 if wrap else 50))


_EPOCH = __import__("datetime").datetime(2026, 1, 1)

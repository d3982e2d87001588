"""Write plan tables to a formatted .xlsx: all formatting lives here.

Written with XlsxWriter (fast, constant memory, native charts) to a temporary file in the
target folder and moved into place, so a failure never leaves half a workbook and never
destroys the previous plan. Text from the input is always written as text, never as a
formula, so a name such as ``=HYPERLINK(...)`` cannot run in a reviewer's Excel.

Printed (or exported to PDF), every page names its sheet, the workbook and the units of the
sheet's columns in its header, and its page number in its footer.
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
TITLE = "Critical-minerals plan"


@dataclass
class SheetSpec:
    """A table to write: its frame, and per column its number format, header note, width and wrapping.

    The report layer fills these from the output schema (``planner/report/columns.py``); the
    writer guesses nothing. ``row_formats`` gives a key/value sheet one number format per row of
    its ``value`` column. ``units`` is the line of units printed in the page header (the header
    notes that carry them on screen never print); ``fit_width`` prints the sheet one page wide.
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
    units: str = ""
    fit_width: bool = False


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
    wb.set_properties({"title": TITLE, "comments": "Written by planner"})
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
    if columns:
        ws.autofilter(0, 0, max(len(frame), 1), len(columns) - 1)
    widths = [spec.widths.get(col) or _width(col, frame.iloc[:200, j].tolist(), col in spec.wrap,
                                             spec.formats.get(col))
              for j, col in enumerate(columns)]
    for j, width in enumerate(widths):
        ws.set_column(j, j, width)
    _set_up_pages(ws, spec, widths)
    _fit_wrapped_rows(ws, frame, spec, widths)


LINE_HEIGHT = 15.0  # points: one line of 11-point text
PAGE_CHARACTERS = 200
FIT_PAGES_AT_MOST = 2  # a sheet flagged fit_width prints one page wide if it would otherwise take at most this many
HEADER_LIMIT = 255  # characters Excel allows a page header, its codes included


def _set_up_pages(ws, spec: SheetSpec, widths: list[float]) -> None:
    """Print settings: landscape A4, the table's header row (and first columns) on every page, a page header and
    footer; one page wide where ``spec.fit_width`` and the table is at most two pages' worth wide, else as many
    pages wide as it needs at a readable size (about 200 characters a landscape A4 page)."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.repeat_rows(0)
    if spec.freeze_columns:
        ws.repeat_columns(0, spec.freeze_columns - 1)
    pages = max(1, math.ceil(sum(widths) / PAGE_CHARACTERS))
    # One page wide only while that keeps the text readable (two pages' worth shrunk to one, about 6 pt).
    ws.fit_to_pages(1 if spec.fit_width and pages <= FIT_PAGES_AT_MOST else pages, 0)
    # The header and footer keep their size on a page shrunk to fit.
    ws.set_header(page_header(spec.units), {"scale_with_doc": False})
    ws.set_footer("&CPage &P of &N", {"scale_with_doc": False})


def page_header(units: str) -> str:
    """The sheet's name (``&A``) with its ``units`` below on the left, the workbook's title on the right.

    Text is escaped (``&`` is Excel's code character) and the units cut at a whole unit, marked ``…``, where the
    header would pass Excel's 255 characters.
    """
    title = f"&R{_escaped(TITLE)}"
    left = "&L&B&A&B"
    line = _escaped(units)
    room = HEADER_LIMIT - _excel_length(left + title) - 1  # 1: the line break
    if _excel_length(line) > room:
        line = _cut(line, room)
    return f"{left}\n{line}{title}" if line else left + title


def _escaped(text: str) -> str:
    return text.replace("&", "&&")


def _cut(line: str, room: int) -> str:
    """``line`` shortened to ``room`` characters with ``…``: at the last whole ``·``-separated part that fits,
    never splitting an escaped ``&&``."""
    cut = line
    while cut and _excel_length(cut) > room - 1:
        cut = cut[:-1]
    whole = cut.rfind(" · ")
    if whole > 0:
        cut = cut[:whole]
    return cut.rstrip("& ") + "…"


def _excel_length(text: str) -> int:
    """Length as Excel counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


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
        ws.write_boolean(i, j, value, cell_format)
    elif isinstance(value, (int, float)):
        if math.isinf(value):
            ws.write_string(i, j, "unbounded" if value > 0 else "-unbounded")
        else:
            ws.write_number(i, j, value, cell_format)
    elif hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        _write_cell(ws, i, j, value.item(), cell_format)
    else:
        ws.write_string(i, j, str(value), cell_format)


def _width(column: str, sample, wrap: bool, num_format: str | None = None) -> float:
    longest = len(str(column)) + 2
    for value in sample:
        if isinstance(value, float) or (num_format and isinstance(value, int) and not isinstance(value, bool)):
            text = _shown(value, num_format)
        else:
            text = str(value)
        longest = max(longest, len(text) + 1)
    return float(min(max(longest, 8), 60 if wrap else 50))


def _shown(value: float, num_format: str | None) -> str:
    """About what Excel shows of ``value`` in ``num_format``: money scaled by its trailing commas (``#,##0.0,,``
    shows millions), its decimals, a percent sign, a plus sign on a change."""
    if not num_format:
        return f"{value:,.1f}"
    section = num_format.split(";")[0]
    digits = section.rstrip(",")
    shown = value / 1000 ** (len(section) - len(digits))
    percent = digits.endswith("%")
    if percent:
        shown *= 100
    decimals = len(digits.rstrip("%").split(".")[1]) if "." in digits else 0
    text = f"{shown:,.{decimals}f}" + ("%" if percent else "")
    return "+" + text if section.startswith("+") and value > 0 else text


_EPOCH = __import__("datetime").datetime(2026, 1, 1)

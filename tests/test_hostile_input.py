"""Hostile and broken workbooks (issue 6): each is refused with a clear message and exit 2, or
accepted with the right values, never a traceback; the output is written safely and
deterministically; solver faults are reported, never passed off as a plan.

A property-based fuzz test at the bottom mutates the valid workbook; scripts/fuzz_inputs.py runs
it with fresh randomness for longer (``--minutes 20`` or ``--examples 5000``).
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import struct
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import planner.report.xlsx as write_mod
from planner.api import validate as validate_workbook
from planner.cli import main
from planner.input import read as read_mod
from tests.bad_workbooks import (
    base_sheets,
    cell,
    replace_members,
    set_cell,
    sheet_member,
    sheet_xml,
    write_base,
    write_with_sheet_xml,
)
from tests.mutations import Mutated, check_mutated, mutated_workbooks
from tests.mutations import base_sheets as mutation_base
from tests.workbooks import table, write_workbook


def refused(path, capsys, *texts, argv=None) -> list[str]:
    """Run solve on ``path``: exit 2, the standard first line, the ``texts`` in the problem lines."""
    path = Path(path)
    before = path.read_bytes() if path.is_file() else None
    out = path.parent / "plan-out.xlsx"
    rc = main(argv or ["solve", str(path), "-o", str(out), "-q"])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert "Traceback" not in err and "internal error" not in err, err
    lines = err.splitlines()
    assert lines[0].startswith(f"{path} has ") and lines[0].endswith(":"), lines[0]
    problems = [line for line in lines[1:] if line.startswith("  ")]
    for text in texts:
        assert any(text in p for p in problems), f"{text!r} not in:\n" + "\n".join(problems)
    if before is not None:
        assert path.read_bytes() == before
    assert not out.exists()
    return problems


def solved(path, capsys, out=None) -> Path:
    out = Path(out or Path(path).parent / "plan-out.xlsx")
    rc = main(["solve", str(path), "-o", str(out), "-q"])
    err = capsys.readouterr().err
    assert rc == 0, err
    return out


# --- files that are not workbooks ---------------------------------------------------------


def test_not_a_workbook(tmp_path, capsys):
    path = tmp_path / "random.xlsx"
    path.write_bytes(os.urandom(2000).replace(b"PK", b"pk"))
    refused(path, capsys, "(file)  is not an .xlsx workbook")


def test_zero_byte_file(tmp_path, capsys):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    refused(path, capsys, "(file)  is empty (0 bytes)")


def test_truncated_zip(tmp_path, capsys):
    good = write_base(tmp_path / "good.xlsx").read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(good[: len(good) // 2])
    refused(path, capsys, "(file)  is a damaged or truncated .xlsx file")


def test_corrupt_zip_member(tmp_path, capsys):
    path = write_base(tmp_path / "corrupt.xlsx")
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(sheet_member(path, "supply"))
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 5, start + min(info.compress_size, 40)):  # scribble over the deflate stream
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    refused(path, capsys, "(file)  is a damaged .xlsx (zip) file")


def test_zip_that_is_not_a_workbook(tmp_path, capsys):
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    refused(path, capsys, "(file)  is a zip file but not an .xlsx workbook")


def test_encrypted_workbook(tmp_path, capsys):
    # Excel saves a password-protected workbook as an OLE2 compound file holding the encrypted package.
    path = tmp_path / "secret.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"EncryptedPackage" + os.urandom(1024))
    refused(path, capsys, "(file)  is an encrypted (password-protected) workbook")


@pytest.mark.parametrize("name, content", [
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
    ("macro.xlsm", None),
    ("table.csv", b"mineral,country,capacity\nLi,AUS,10\n"),
])
def test_other_formats_given_instead(tmp_path, capsys, name, content):
    path = tmp_path / name
    if content is None:
        write_base(tmp_path / "x.xlsx").rename(path)
    else:
        path.write_bytes(content)
    suffix = Path(name).suffix
    refused(path, capsys, f"(file)  is a {suffix} file; open it in Excel, save it as an Excel Workbook (.xlsx)")


def test_csv_renamed_xlsx(tmp_path, capsys):
    path = tmp_path / "table.xlsx"
    path.write_text("mineral,country,capacity\nLi,AUS,10\n")
    refused(path, capsys, "(file)  is a text file (CSV?), not an .xlsx workbook")


def test_html_renamed_xlsx(tmp_path, capsys):
    path = tmp_path / "export.xlsx"
    path.write_text("<html><body><table><tr><td>Li</td></tr></table></body></html>")
    refused(path, capsys, "(file)  is an XML or HTML file")


def test_folder_given_as_input(tmp_path, capsys):
    (tmp_path / "dir.xlsx").mkdir()
    refused(tmp_path / "dir.xlsx", capsys, "(file)  is a folder")


# --- empty, hidden, misplaced ---------------------------------------------------------------


def test_empty_workbook(tmp_path, capsys):
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)  # one empty sheet called "Sheet"
    problems = refused(path, capsys, "minerals  required sheet is missing; found sheets: Sheet")
    assert len(problems) == 6  # the six required sheets


def test_required_sheets_without_headers(tmp_path, capsys):
    path = write_workbook(tmp_path / "blank.xlsx", {name: [] for name in base_sheets()})
    # Every sheet's missing columns, sheet by sheet (the list stops after the first ones: see the last line).
    refused(path, capsys, "minerals  required column 'mineral' is missing; found: no headers in row 1",
            "countries  required column 'country' is missing; found: no headers in row 1", "more (fix these first")


def test_hidden_sheets_are_read(tmp_path, capsys):
    """Hidden and very hidden sheets are read like the others (with a warning), giving the same plan."""
    plain = write_base(tmp_path / "plain.xlsx")
    book = openpyxl.load_workbook(plain)
    for i, ws in enumerate(book.worksheets):
        if ws.title != "minerals":  # Excel keeps at least one sheet visible
            ws.sheet_state = "veryHidden" if i % 2 else "hidden"
    book.save(tmp_path / "hidden.xlsx")
    out_hidden = tmp_path / "hidden-plan.xlsx"
    assert main(["solve", str(tmp_path / "hidden.xlsx"), "-o", str(out_hidden), "-q"]) == 0
    err = capsys.readouterr().err
    assert "warning: supply  sheet is hidden in Excel; it is read all the same" in err
    out_plain = solved(plain, capsys, tmp_path / "plain-plan.xlsx")
    for sheet in ("Scenarios", "Flows", "Deliveries", "Reserve"):
        pd.testing.assert_frame_equal(pd.read_excel(out_plain, sheet_name=sheet),
                                      pd.read_excel(out_hidden, sheet_name=sheet))


def test_headers_not_in_row_1(tmp_path, capsys):
    sheets = base_sheets()
    sheets["supply"] = [["Raw material supply, 2026 survey"], []] + sheets["supply"]
    path = write_workbook(tmp_path / "title.xlsx", sheets)
    problems = refused(path, capsys)
    assert problems == ["  supply  required columns mineral, country, capacity, cost are not in row 1 (found: Raw "
                        "material supply, 2026 survey); the headers seem to be in row 3. The planner reads headers "
                        "from row 1 only: delete the rows above them."]


def test_merged_header_cells(tmp_path, capsys):
    """A header merged over two columns leaves the second without a name."""
    path = write_base(tmp_path / "merged.xlsx")
    book = openpyxl.load_workbook(path)
    book["supply"]["E1"] = None
    book["supply"].merge_cells("D1:E1")  # "capacity" spans over "cost"
    book.save(path)
    refused(path, capsys, "supply!D1  column 'capacity': header cells D1:E1 are merged; unmerge them so each "
                          "column has its own header in row 1.",
            "supply  required column 'cost' is missing")


def test_merged_header_over_named_columns(tmp_path, capsys):
    """A merge that keeps every header readable still hides cells: refused, naming the range."""
    xml = sheet_xml(base_sheets()["supply"], extra='<mergeCells count="1"><mergeCell ref="D1:D2"/></mergeCells>')
    path = write_with_sheet_xml(tmp_path / "m.xlsx", "supply", xml)
    refused(path, capsys, "supply!D1  column 'capacity': header cells D1:D2 are merged")


def test_merged_data_cells(tmp_path, capsys):
    sheets = base_sheets()
    set_cell(sheets, "supply", 3, "mineral", None)
    path = write_workbook(tmp_path / "merged.xlsx", sheets)
    book = openpyxl.load_workbook(path)
    book["supply"].merge_cells("A2:A3")  # "Li" written once for two rows, as people do
    book.save(path)
    refused(path, capsys, "supply!A2  column 'mineral': cells A2:A3 are merged; only the first holds a value")


def test_merged_cells_outside_the_table_are_ignored(tmp_path, capsys):
    sheets = base_sheets()
    sheets["supply"][0] += [None, "note"]
    sheets["supply"][1] += [None, "a long note"]
    path = write_workbook(tmp_path / "note.xlsx", sheets)
    book = openpyxl.load_workbook(path)
    book["supply"].merge_cells("G2:H3")
    book.save(path)
    solved(path, capsys)


# --- zip bombs and XML attacks -------------------------------------------------------------


def _bounded(fn):
    """Run ``fn`` and return (result, seconds, peak MB of Python allocations)."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = fn()
    finally:
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    return result, seconds, peak


def test_zip_bomb_by_ratio(tmp_path, capsys):
    """A small file that unpacks to far more than it holds is refused before parsing."""
    path = write_base(tmp_path / "bomb.xlsx")
    member = sheet_member(path, "supply")
    head = sheet_xml(base_sheets()["supply"]).split("</sheetData>")[0]
    bomb = head + "</sheetData>" + " " * 60_000_000 + "</worksheet>"  # 60 MB of spaces: ~60 KB packed
    replace_members(path, {member: bomb})
    assert path.stat().st_size < 200_000
    rc, seconds, peak = _bounded(lambda: main(["validate", str(path)]))
    assert rc == 2 and seconds < 5 and peak < 50, (rc, seconds, peak)
    err = capsys.readouterr().err
    assert "refused as a possible zip bomb" in err


def test_zip_bomb_by_size(tmp_path, capsys, monkeypatch):
    """Beyond the absolute limit the ratio does not matter (limit lowered so the test stays fast)."""
    monkeypatch.setattr(read_mod, "MAX_UNPACKED_BYTES", 5_000_000)
    path = write_base(tmp_path / "big.xlsx")
    replace_members(path, {"xl/media/padding.bin": os.urandom(6_000_000)})
    refused(path, capsys, "unpacks to", "refused as a possible zip bomb", argv=["validate", str(path)])


def _patch_declared_sizes(path: Path, member: str, size: int) -> None:
    """Make the zip headers of ``member`` claim an uncompressed size of ``size`` bytes (a lying bomb)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    struct.pack_into("<I", data, info.header_offset + 22, size)  # local file header
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:  # central directory entries
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46: pos + 46 + name_len] == member.encode():
            struct.pack_into("<I", data, pos + 24, size)
            break
        pos = data.find(b"PK\x01\x02", pos + 4)
    path.write_bytes(bytes(data))


def test_zip_bomb_that_lies_about_its_size(tmp_path, capsys):
    """Headers claim a small size while the stream inflates to 60 MB: zipfile stops at the claimed size
    and the checksum fails, so the file is refused as damaged without inflating it all."""
    path = write_base(tmp_path / "liar.xlsx")
    member = sheet_member(path, "supply")
    replace_members(path, {member: sheet_xml(base_sheets()["supply"]) + " " * 60_000_000})
    _patch_declared_sizes(path, member, 2000)
    rc, seconds, peak = _bounded(lambda: main(["validate", str(path)]))
    assert rc == 2 and seconds < 5 and peak < 50, (rc, seconds, peak)
    assert "damaged" in capsys.readouterr().err


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
          + "]>")


SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


@pytest.mark.parametrize("where", ["sheet", "shared strings", "workbook", "styles"])
def test_xml_entity_expansion(tmp_path, capsys, where):
    """A billion-laughs document anywhere in the package is refused in seconds, without expanding it."""
    path = write_base(tmp_path / "lol.xlsx")
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name).decode() for name in zf.namelist()}
    if where == "sheet":
        member = sheet_member(path, "supply")
        parts[member] = sheet_xml(base_sheets()["supply"]).replace(
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', LAUGHS).replace(">Li<", ">&lol9;<", 1)
    elif where == "shared strings":
        parts["xl/sharedStrings.xml"] = (LAUGHS + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                                         '2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>')
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            "</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST}"/></Types>')
        parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
            "</Relationships>", f'<Relationship Id="rIdSST" Type="{SST_REL}" Target="sharedStrings.xml"/>'
                                "</Relationships>")
    elif where == "workbook":
        parts["xl/workbook.xml"] = LAUGHS + parts["xl/workbook.xml"].split("?>", 1)[-1]
    else:
        parts["xl/styles.xml"] = LAUGHS + parts["xl/styles.xml"].split("?>", 1)[-1]
    replace_members(path, parts)
    rc, seconds, peak = _bounded(lambda: main(["validate", str(path)]))
    err = capsys.readouterr().err
    assert rc == 2 and seconds < 5 and peak < 100, (rc, seconds, peak, err)
    assert err.splitlines()[1].startswith("  (file)  contains XML entity or DTD declarations"), err


def test_external_entity_is_not_resolved(tmp_path, capsys):
    path = write_base(tmp_path / "xxe.xlsx")
    xml = sheet_xml(base_sheets()["supply"]).replace(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>').replace(">Li<", ">&xxe;<", 1)
    replace_members(path, {sheet_member(path, "supply"): xml})
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "root:" not in err and "entity" in err


# --- cell contents -------------------------------------------------------------------------------


def supply_xml(tmp_path, cells: dict[tuple[int, str], object], name="cells.xlsx") -> Path:
    """The base workbook with supply cells (Excel row, column) replaced by raw XML cell values."""
    rows = base_sheets()["supply"]
    for (row, column), value in cells.items():
        rows[row - 1][rows[0].index(column)] = value
    return write_with_sheet_xml(tmp_path / name, "supply", sheet_xml(rows))


def supply_value(path, country="AUS", period="2026"):
    return validate_workbook(path).supply[("Li", country, period)]


def test_formula_without_saved_value(tmp_path, capsys):
    """openpyxl writes formulas without results; data_only reading would see a blank cell."""
    path = write_workbook(tmp_path / "f.xlsx", set_cell(base_sheets(), "supply", 2, "capacity", "=500*2"))
    refused(path, capsys, "supply!D2  column 'capacity': got the formula '=500*2' with no saved value; open and "
                          "save the workbook in Excel, or type the value")


def test_formula_without_value_in_optional_column(tmp_path, capsys):
    """In an optional column a lost formula would otherwise silently become the default."""
    path = write_workbook(tmp_path / "f.xlsx", set_cell(base_sheets(), "refining", 3, "yield", "=9/10"))
    refused(path, capsys, f"{cell('refining', 3, 'yield')}  column 'yield': got the formula '=9/10'")


def test_shared_formula_without_value(tmp_path, capsys):
    path = supply_xml(tmp_path, {(2, "cost"): ("raw", '<f t="shared" ref="E2:E3" si="0">10*1</f>'),
                                 (3, "cost"): ("raw", '<f t="shared" si="0"/>')})
    refused(path, capsys, "supply!E2  column 'cost': got the formula '=10*1' with no saved value",
            "supply!E3  column 'cost': got a formula with no saved value")


def test_formula_with_saved_value_is_read(tmp_path):
    path = supply_xml(tmp_path, {(2, "capacity"): ("f", "500*2", 1000), (2, "cost"): ("f", "A1", 10)})
    assert supply_value(path) == (1000.0, 10.0)


@pytest.mark.parametrize("error", ["#N/A", "#DIV/0!", "#REF!", "#VALUE!"])
def test_excel_error_values(tmp_path, capsys, error):
    path = supply_xml(tmp_path, {(3, "capacity"): ("e", error)})
    refused(path, capsys, f"supply!D3  column 'capacity': got '{error}' (an Excel error value); expected a number")


def test_error_value_in_name_column(tmp_path, capsys):
    path = supply_xml(tmp_path, {(3, "country"): ("e", "#N/A")})
    refused(path, capsys, "supply!B3  column 'country': got '#N/A' (an Excel error value)")


def test_date_in_numeric_column(tmp_path, capsys):
    path = write_workbook(tmp_path / "d.xlsx", set_cell(base_sheets(), "supply", 2, "capacity",
                                                        dt.datetime(2026, 1, 5)))
    refused(path, capsys, "supply!D2  column 'capacity': got 2026-01-05 00:00:00; expected a number >= 0 (t) "
                          "(the cell holds a date; format it as a number).")


def test_boolean_in_numeric_column(tmp_path, capsys):
    path = write_workbook(tmp_path / "b.xlsx", set_cell(base_sheets(), "demand", 2, "demand", True))
    refused(path, capsys, "demand!D2  column 'demand': got TRUE; expected a number >= 0 (t) "
                          "(a TRUE/FALSE cell is not a number).")


def test_date_in_period_column(tmp_path, capsys):
    path = write_workbook(tmp_path / "d.xlsx", set_cell(base_sheets(), "demand", 2, "period", dt.date(2026, 1, 1)))
    refused(path, capsys, "demand!C2  column 'period': got 2026-01-01 00:00:00; expected a period label")


def test_percent_text_in_share_column_is_read(tmp_path):
    sheets = set_cell(base_sheets(), "shares", 2, "max_share", "65%")
    set_cell(sheets, "routes", 2, "tariff_rate", " 12.5 % ")
    path = write_workbook(tmp_path / "p.xlsx", sheets)
    data = validate_workbook(path)
    assert data.shares[0].max_share == pytest.approx(0.65)
    assert data.routes[("supply", "AUS", "USA", "Li")].tariff_rate == pytest.approx(0.125)


def test_percent_text_in_tonnes_column_is_refused(tmp_path, capsys):
    path = write_workbook(tmp_path / "p.xlsx", set_cell(base_sheets(), "supply", 2, "capacity", "65%"))
    refused(path, capsys, "supply!D2  column 'capacity': got '65%'; expected a number >= 0 (t) "
                          "(a percentage only fits a share or rate column; write the number itself).")


def test_thousands_separator_text_is_refused(tmp_path, capsys):
    path = write_workbook(tmp_path / "t.xlsx", set_cell(base_sheets(), "supply", 2, "capacity", "1,000"))
    refused(path, capsys, "supply!D2  column 'capacity': got '1,000'; expected a number >= 0 (t) "
                          "(write numbers without thousands separators or decimal commas")


def test_numbers_as_text_are_read(tmp_path):
    sheets = set_cell(base_sheets(), "supply", 2, "capacity", " 1000 ")
    set_cell(sheets, "supply", 2, "cost", "1e1")
    set_cell(sheets, "periods", 2, "period", "2026")
    path = write_workbook(tmp_path / "n.xlsx", sheets)
    assert supply_value(path) == (1000.0, 10.0)


def test_whitespace_only_names_are_blank(tmp_path, capsys):
    sheets = set_cell(base_sheets(), "supply", 3, "mineral", "   ")
    set_cell(sheets, "countries", 3, "country", "\u00a0\t")
    path = write_workbook(tmp_path / "w.xlsx", sheets)
    refused(path, capsys, "supply!A3  column 'mineral': is blank; expected a non-empty name",
            "countries!A3  column 'country': is blank")


def test_names_with_surrounding_spaces_are_matched(tmp_path):
    sheets = set_cell(base_sheets(), "supply", 2, "mineral", "  Li ")
    set_cell(sheets, "supply", 2, "country", " aus\u00a0")
    path = write_workbook(tmp_path / "s.xlsx", sheets)
    assert supply_value(path) == (1000.0, 10.0)


def test_non_ascii_names(tmp_path, capsys):
    """Accented and non-Latin names pass through unchanged to the plan."""
    sheets = base_sheets()
    for row in range(2, 5):
        if sheets["supply"][row - 1][0] == "Li":
            set_cell(sheets, "supply", row, "mineral", "Lítio")
    for sheet in ("minerals", "refining", "demand", "routes", "shares", "reserve", "reserve_targets", "scenarios",
                  "risks", "production", "projects", "budgets", "byproducts"):
        for row in sheets[sheet][1:]:
            if row[sheets[sheet][0].index("mineral")] == "Li":
                row[sheets[sheet][0].index("mineral")] = "lítio"  # matched ignoring case
    for row in sheets["ownership"][1:]:
        if row[sheets["ownership"][0].index("mineral")] == "Co":
            row[sheets["ownership"][0].index("mineral")] = "钴"
    header = sheets["byproducts"][0]
    for row in sheets["byproducts"][1:]:
        row[header.index("mineral")], row[header.index("host")] = "钴", "lítio"
    set_cell(sheets, "minerals", 2, "mineral", "Lítio")
    set_cell(sheets, "minerals", 3, "mineral", "钴")
    for sheet in ("supply", "refining", "demand", "demand_curve"):
        for row in sheets[sheet][1:]:
            if row[0] == "Co":
                row[0] = "钴"
    set_cell(sheets, "demand", 4, "market", "Évora")
    set_cell(sheets, "routes", 3, "to", "évora")
    set_cell(sheets, "countries", 3, "groups", "Société")
    set_cell(sheets, "shares", 2, "scope", "société")
    set_cell(sheets, "scenarios", 2, "scenario", "Sécheresse 🌵")
    path = write_workbook(tmp_path / "unicode.xlsx", sheets)
    out = solved(path, capsys)
    deliveries = pd.read_excel(out, sheet_name="Deliveries")
    assert {"Lítio", "钴"} == set(deliveries["mineral"])
    assert "ÉVORA" in set(deliveries["market"])
    assert "Sécheresse 🌵" in set(pd.read_excel(out, sheet_name="Scenarios")["scenario"])


def test_overlong_names_are_refused(tmp_path, capsys):
    """A 5,000-character "name" is pasted text, not a label (and Excel cells stop at 32,767 characters)."""
    path = write_workbook(tmp_path / "long.xlsx", set_cell(base_sheets(), "supply", 2, "mineral", "L" * 5_000))
    refused(path, capsys, "supply!A2  column 'mineral': got 'LLLL", "...' (5,000 characters); expected a name of "
                          "at most 255 characters.")


@pytest.mark.parametrize("value, why", [
    (1e300, "magnitude above 1e+12"),
    (-1e300, "magnitude above 1e+12"),
    (1e-300, "non-zero magnitude below 1e-09"),
    ("1e400", "not a finite number"),
    ("inf", "not a finite number"),
    ("NaN", "not a finite number"),
])
def test_absurd_magnitudes(tmp_path, capsys, value, why):
    path = write_workbook(tmp_path / "big.xlsx", set_cell(base_sheets(), "supply", 2, "capacity", value))
    refused(path, capsys, "supply!D2  column 'capacity': got ", why)


def test_a_budget_may_hold_a_fund_in_any_currency_but_not_an_absurd_one(tmp_path, capsys):
    # Project Vault's USD 11.67 bn is 1.6e13 KRW: above the 1e12 a per-tonne number may hold, within the 1e15 a
    # sum of money may.
    sheets = base_sheets()
    sheets["reserve"] = table("mineral, market, purchase_price", ("Li", "USA", 8))
    sheets["budgets"] = table("budget, amount", ("vault", 1.6e13))
    assert main(["validate", str(write_workbook(tmp_path / "krw.xlsx", sheets))]) == 0
    sheets["budgets"] = table("budget, amount", ("vault", 1.6e16))
    refused(write_workbook(tmp_path / "absurd.xlsx", sheets), capsys, "budgets!B2  column 'amount': got ",
            "magnitude above 1e+15")


@pytest.mark.parametrize("raw", ["NaN", "INF", "-INF", "1E+309"])
def test_nan_and_infinity_stored_as_numbers(tmp_path, capsys, raw):
    """Some writers store NaN and infinities as number cells; they are problems, not crashes."""
    path = supply_xml(tmp_path, {(2, "cost"): ("raw", f"<v>{raw}</v>")})
    refused(path, capsys, "supply!E2  column 'cost': got ", "not a finite number")


def test_huge_sheet_is_refused_quickly(tmp_path, capsys):
    """300,000 rows (1.5 million cells) exceed the per-sheet limit: refused by counting, before parsing."""
    rows = "".join(f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>Li</t></is></c><c r="B{i}" t="inlineStr">'
                   f'<is><t>AUS</t></is></c><c r="C{i}"><v>2026</v></c><c r="D{i}"><v>{i}</v></c>'
                   f'<c r="E{i}"><v>1</v></c></row>' for i in range(2, 300_002))
    xml = sheet_xml([base_sheets()["supply"][0]]).replace("</row></sheetData>", "</row>" + rows + "</sheetData>")
    path = write_with_sheet_xml(tmp_path / "huge.xlsx", "supply", xml)
    start = time.perf_counter()
    refused(path, capsys, "supply  has 1,500,005 cells; the planner reads at most 1,000,000 per sheet")
    assert time.perf_counter() - start < 10


def test_sheet_beyond_excel_row_limit(tmp_path, capsys):
    rows = base_sheets()["supply"]
    xml = sheet_xml(rows).replace("</sheetData>", '<row r="1048577"><c r="A1048577"><v>1</v></c></row></sheetData>')
    path = write_with_sheet_xml(tmp_path / "rows.xlsx", "supply", xml)
    start = time.perf_counter()
    refused(path, capsys, "supply  has rows beyond row 1,048,576")
    assert time.perf_counter() - start < 10


def test_bogus_dimension_does_not_hang(tmp_path, capsys):
    """A sheet that claims A1:XFD1048576 but holds a few rows is read at its real size."""
    xml = sheet_xml(base_sheets()["supply"], dimension="A1:XFD1048576")
    path = write_with_sheet_xml(tmp_path / "dim.xlsx", "supply", xml)
    start = time.perf_counter()
    solved(path, capsys)
    assert time.perf_counter() - start < 10


def test_many_rows_are_handled(tmp_path, capsys):
    """10,000 rows, well within the limit: read and validated in seconds (here all refused as duplicates)."""
    rows = base_sheets()["supply"] + [["Li", "AUS", None, i, 1] for i in range(10_000)]
    path = write_with_sheet_xml(tmp_path / "many.xlsx", "supply", sheet_xml(rows))
    start = time.perf_counter()
    problems = refused(path, capsys, "supply!A5  column 'mineral': repeats the key of row 2",
                       argv=["validate", str(path)])
    assert problems[-1] == "  ... and 9950 more (fix these first, then run again)."
    assert time.perf_counter() - start < 10


def test_duplicate_sheet_names_after_normalising(tmp_path, capsys):
    sheets = base_sheets()
    sheets["Supply "] = sheets["supply"]
    path = write_workbook(tmp_path / "dup.xlsx", sheets)
    refused(path, capsys, "Supply   sheet name repeats 'supply'")


def test_duplicate_column_headers(tmp_path, capsys):
    sheets = base_sheets()
    sheets["supply"][0][4] = "Capacity"
    sheets["supply"][0].append("cost")
    for row in sheets["supply"][1:]:
        row.append(row[4])
    path = write_workbook(tmp_path / "dupcol.xlsx", sheets)
    refused(path, capsys, "supply!E1  column 'capacity': column 'Capacity' appears twice in the header row")


# --- output ------------------------------------------------------------------------------------


def test_no_formula_injection_in_output(tmp_path, capsys):
    """Names from the input that start with =, +, - or @ are written as text, never as formulas."""
    evil = {"=HYPERLINK(\"http://x\",\"y\")": "Li", "+EU": "EU", "-cmd|' /C calc'!A0": "ban", "@SUM(1+1)": "Co"}
    sheets = base_sheets()
    for sheet in sheets.values():
        for row in sheet[1:]:
            for j, value in enumerate(row):
                if value == "Li":
                    row[j] = "=HYPERLINK(\"http://x\",\"y\")"
                elif value == "Co":
                    row[j] = "@SUM(1+1)"
                elif value == "EU":
                    row[j] = "+EU"
                elif value == "ban":
                    row[j] = "-cmd|' /C calc'!A0"
    path = write_workbook(tmp_path / "evil.xlsx", sheets)
    # The test writer stores these as formulas, which the planner refuses (no saved value); store them as text.
    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    c.value, c.data_type = str(c.value), "s"
    book.save(path)
    out = solved(path, capsys)
    book = openpyxl.load_workbook(out)
    seen = set()
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} is a formula: {c.value!r}"
                if isinstance(c.value, str) and c.value in evil:
                    assert c.data_type == "s"
                    seen.add(c.value)
    assert seen == set(evil), seen


def test_output_path_equal_to_input_is_refused(tmp_path, capsys):
    path = write_base(tmp_path / "in.xlsx")
    before = path.read_bytes()
    link = tmp_path / "link.xlsx"
    link.symlink_to(path)
    hard = tmp_path / "hard.xlsx"
    os.link(path, hard)
    for output in (path, tmp_path / "." / "in.xlsx", link, hard):
        assert main(["solve", str(path), "-o", str(output), "-q"]) == 2
        assert "is the input file" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_missing_output_folder_is_created(tmp_path, capsys):
    path = write_base(tmp_path / "in.xlsx")
    out = tmp_path / "new" / "deeper" / "plan.xlsx"
    solved(path, capsys, out)
    assert out.is_file()


def test_output_folder_that_cannot_be_made(tmp_path, capsys):
    path = write_base(tmp_path / "in.xlsx")
    (tmp_path / "afile").write_text("in the way")
    rc = main(["solve", str(path), "-o", str(tmp_path / "afile" / "plan.xlsx"), "-q"])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("error: cannot write") and "afile" in err


def test_output_is_readable_by_others(tmp_path, capsys):
    path = write_base(tmp_path / "in.xlsx")
    umask = os.umask(0o022)
    try:
        out = solved(path, capsys)
    finally:
        os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o644


def _previous_output(tmp_path):
    path = write_base(tmp_path / "in.xlsx")
    out = tmp_path / "out" / "plan.xlsx"
    out.parent.mkdir()
    out.write_bytes(b"the previous plan")
    return path, out


def _assert_intact(out):
    assert out.read_bytes() == b"the previous plan"
    assert [p.name for p in out.parent.iterdir()] == ["plan.xlsx"], "a partial file was left behind"


def test_disk_full_mid_write_keeps_previous_output(tmp_path, capsys, monkeypatch):
    path, out = _previous_output(tmp_path)
    real_write = write_mod._write

    def fill_disk(target, sheets):
        real_write(target, sheets[:2])  # a part of the workbook reaches the disk ...
        with open(target, "ab") as fh:
            fh.write(b"\0" * 1000)
        raise OSError(errno.ENOSPC, "No space left on device", str(target))  # ... then the disk is full

    monkeypatch.setattr(write_mod, "_write", fill_disk)
    assert main(["solve", str(path), "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    _assert_intact(out)


def test_xlsxwriter_failure_mid_write_keeps_previous_output(tmp_path, capsys, monkeypatch):
    import xlsxwriter.workbook

    path, out = _previous_output(tmp_path)

    def broken_close(self):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(xlsxwriter.workbook.Workbook, "close", broken_close)
    assert main(["solve", str(path), "-o", str(out), "-q"]) == 2
    assert "Input/output error" in capsys.readouterr().err
    _assert_intact(out)


def test_permission_denied_on_replace_keeps_previous_output(tmp_path, capsys, monkeypatch):
    """The final rename fails (the file is locked or the folder read-only): nothing changes."""
    path, out = _previous_output(tmp_path)

    def denied(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied", str(dst))

    monkeypatch.setattr(write_mod.os, "replace", denied)
    assert main(["solve", str(path), "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert "Permission denied" in err and str(out) in err
    _assert_intact(out)


def test_permission_denied_on_folder_keeps_previous_output(tmp_path, capsys, monkeypatch):
    path, out = _previous_output(tmp_path)

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(out.parent))

    monkeypatch.setattr(write_mod.tempfile, "mkstemp", denied)
    assert main(["solve", str(path), "-o", str(out), "-q"]) == 2
    assert "Permission denied" in capsys.readouterr().err
    _assert_intact(out)


def _content(path) -> dict[str, pd.DataFrame]:
    sheets = pd.read_excel(path, sheet_name=None)
    info = sheets["Run info"]
    # Run info holds timings by design: its *_seconds rows (and per-scenario solve_seconds[...]) differ per run.
    sheets["Run info"] = info[~info["item"].astype(str).str.contains("_seconds")].reset_index(drop=True)
    return sheets


def test_same_input_same_output(tmp_path, capsys):
    path = write_base(tmp_path / "in.xlsx")
    first = _content(solved(path, capsys, tmp_path / "a" / "plan.xlsx"))
    second = _content(solved(path, capsys, tmp_path / "b" / "plan.xlsx"))
    assert list(first) == list(second)
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], obj=name)
    assert any("_seconds" in str(i) for i in pd.read_excel(tmp_path / "a" / "plan.xlsx",
                                                           sheet_name="Run info")["item"])


def test_no_timestamps_in_data_cells(tmp_path, capsys):
    out = solved(write_base(tmp_path / "in.xlsx"), capsys)
    book = openpyxl.load_workbook(out)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert not isinstance(c.value, (dt.datetime, dt.date)), f"{ws.title}!{c.coordinate}"
                if isinstance(c.value, str):
                    assert str(dt.date.today().year) + "-" not in c.value or ws.title == "Run info", c.value
    assert book.properties.created == dt.datetime(2026, 1, 1)


# --- solver faults -----------------------------------------------------------------------------


def test_time_limit_reached(tmp_path, capsys):
    sheets = set_cell(base_sheets(), "settings", 4, "key", "time_limit")
    set_cell(sheets, "settings", 4, "value", 1e-9)
    path = write_workbook(tmp_path / "tl.xlsx", sheets)
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(path), "-o", str(out), "-q"]) == 1
    summary = pd.read_excel(out, sheet_name="Summary").set_index("item")["value"]
    assert "Time limit reached" in summary["status"]
    assert pd.isna(summary["total_cost"])
    for sheet in ("Flows", "Deliveries", "Unmet", "Reserve"):
        assert pd.read_excel(out, sheet_name=sheet).empty, f"{sheet} holds a partial plan"


def test_numerical_failure(tmp_path, capsys, monkeypatch):
    """HiGHS giving up (a solve error) is reported as a status, exit 1, with no plan."""
    import highspy

    monkeypatch.setattr(highspy.Highs, "run", lambda self: highspy.HighsStatus.kError)
    monkeypatch.setattr(highspy.Highs, "getModelStatus", lambda self: highspy.HighsModelStatus.kSolveError)
    path = write_base(tmp_path / "in.xlsx")
    out = tmp_path / "plan.xlsx"
    assert main(["solve", str(path), "-o", str(out), "-q"]) == 1
    err = capsys.readouterr().err
    assert "scenario base: Solver error" in err
    summary = pd.read_excel(out, sheet_name="Summary").set_index("item")["value"]
    assert summary["status"].startswith("Not optimal") and "Solver error" in summary["status"]
    assert pd.read_excel(out, sheet_name="Flows").empty


def test_missing_solver(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "highspy", None)  # import highspy -> ImportError
    path = write_base(tmp_path / "in.xlsx")
    out = tmp_path / "plan.xlsx"
    out.write_bytes(b"previous")
    assert main(["solve", str(path), "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "highspy" in err and "not installed" in err, err
    assert out.read_bytes() == b"previous"


def test_missing_cbc_solver(tmp_path, capsys, monkeypatch):
    from planner.model import pulp_export as _pulp_compat

    # As if neither PuLP 3.3's bundled CBC nor cbcbox (PuLP 4) were installed.
    monkeypatch.setattr(_pulp_compat, "cbc_command", lambda time_limit=None: None)
    sheets = set_cell(base_sheets(), "settings", 4, "key", "solver")
    set_cell(sheets, "settings", 4, "value", "cbc")
    path = write_workbook(tmp_path / "cbc.xlsx", sheets)
    assert main(["solve", str(path), "-o", str(tmp_path / "plan.xlsx"), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the CBC solver is not") and "highs" in err, err
    assert not (tmp_path / "plan.xlsx").exists()


# --- fuzz ------------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(mutated_workbooks())
def test_mutated_workbooks_solve_or_are_refused(tmp_path_factory, mutated):
    """Hundreds of mutations (several per example): the planner solves, or refuses with exit 2 naming a sheet."""
    check_mutated(mutated, tmp_path_factory.mktemp("fuzz"))


def test_found_by_fuzzing_no_period_beside_candidate_projects(tmp_path):
    """scripts/fuzz_inputs.py, batch seed 4070472087: both period rows deleted, with a projects sheet.

    A project without a valid first_period starts in the first period, and there was none: an
    IndexError and exit 3. Now the empty periods sheet is refused by name like any other problem.
    """
    wb = Mutated(mutation_base(), steps=["delete periods row 2", "delete periods row 2"])
    wb.sheets["periods"] = wb.sheets["periods"][:1]
    assert wb.sheets["projects"][1:], "the case needs a candidate project"
    assert check_mutated(wb, tmp_path) == 2

"""Native Excel charts (XlsxWriter), each pointing at cells of a written table.

A chart builder receives the workbook and returns a chart whose data live on a named sheet, so a
reviewer can trace every bar to a cell; it finds each column by its name (a table's columns per country
or mineral are those its declaration in ``planner/tables.py`` does not name). Every country keeps one
colour in every workbook (``country_colour``, keyed by its code); every axis title names its unit; a bar
chart of totals of one sign starts at zero, so bars compare by their length; charts that would carry no
information (a flat line, an empty series) are not drawn.
"""

from __future__ import annotations

import re
import zlib

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_range_abs

from planner.tables import TABLES

CHART_W, CHART_H = 640, 320
ROWS_PER_CHART, COLS_PER_CHART = 17, 10
MAX_CHARTS = 40  # charts on one sheet: beyond this a sheet gets slow to open (more go on the next sheet)

# One colour per country code, the same in every workbook and brief the planner writes (so China is red
# everywhere). The countries that matter in critical minerals have a fixed colour: the largest producers and
# refiners the sixteen strongest, distinct from one another; the others lighter or darker tones, chosen apart
# from the countries they share a mineral with (cobalt: COD, IDN, RUS, AUS, PHL, CUB, MDG, PNG, CAN, TUR,
# MAR, ZMB; copper: CHL, PER, COD, CHN, USA, RUS, AUS, IDN, ZMB, MEX, KAZ, CAN, POL; ...). ROW, the rest of
# the world, is grey.
COUNTRY_COLOURS = {
    # The largest producers and refiners.
    "CHN": "#D62728",  # red
    "COD": "#1F77B4",  # blue
    "AUS": "#FF7F0E",  # orange
    "CHL": "#2CA02C",  # green
    "IDN": "#9467BD",  # purple
    "RUS": "#8C564B",  # brown
    "ZAF": "#E377C2",  # pink
    "ARG": "#17BECF",  # cyan
    "USA": "#393B79",  # indigo
    "CAN": "#BCBD22",  # olive
    "BRA": "#F3C300",  # yellow
    "PHL": "#7B4173",  # plum
    "PER": "#8DB600",  # yellow-green
    "JPN": "#252525",  # black
    "KOR": "#00A087",  # teal
    "IND": "#A55194",  # magenta
    # Other producers.
    "MOZ": "#FFBB78",  # light orange
    "MDG": "#98DF8A",  # light green
    "ZWE": "#AEC7E8",  # light blue
    "GAB": "#9EDAE5",  # light cyan
    "VNM": "#F7B6D2",  # light pink
    "CUB": "#C5B0D5",  # lavender
    "NCL": "#C49C94",  # tan
    "MEX": "#E7CB94",  # beige
    "MYS": "#6A3D9A",  # dark purple
    "MMR": "#8C6D31",  # dark gold
    "KAZ": "#637939",  # dark olive
    "ZMB": "#9C9EDE",  # light periwinkle
    "TUR": "#91D1C2",  # mint
    "MAR": "#DE9ED6",  # light orchid
    "PNG": "#B09C85",  # khaki
    "TZA": "#DBDB8D",  # light olive
    "THA": "#B5CF6B",  # lime
    "GIN": "#7E6148",  # umber
    "BOL": "#CE6DBD",  # orchid
    "UKR": "#FDD0A2",  # peach
    "GHA": "#C7E9C0",  # pale green
    "GBR": "#1B9E77",  # dark teal
    "NOR": "#5254A3",  # slate
    # EU members.
    "FIN": "#6BAED6",  # sky blue
    "SWE": "#9E9AC8",  # grey violet
    "DEU": "#E7298A",  # rose
    "POL": "#A6761D",  # ochre
    "PRT": "#BC80BD",  # mauve
    "GRC": "#66C2A5",  # sea green
    "FRA": "#E6AB02",  # mustard
    "BEL": "#8DD3C7",  # aqua
    "EST": "#80B1D3",  # steel blue
    "AUT": "#D95F02",  # burnt orange
    "ROW": "#B0B0B0",  # the rest of the world: grey
}
# Any other code: a colour of this list picked by a checksum of the code (never Python's salted hash()),
# so it is the same in every run. Tableau's twenty without its reds and greys: none reads as China or as ROW.
SECONDARY = ["#4E79A7", "#A0CBE8", "#F28E2B", "#FFBE7D", "#59A14F", "#8CD17D", "#B6992D", "#F1CE63", "#499894",
             "#86BCB6", "#D37295", "#FABFD2", "#B07AA1", "#D4A6C8", "#9D7660", "#D7B5A6"]
OTHER = "#B0B0B0"  # several countries drawn as one
# Series that are not countries (minerals, budgets), in order.
PALETTE = ["#1F77B4", "#FF7F0E", "#2CA02C", "#9467BD", "#8C564B", "#E377C2", "#17BECF", "#BCBD22", "#393B79",
           "#D62728", "#AEC7E8", "#98DF8A", "#FFBB78", "#C5B0D5", "#C49C94", "#F7B6D2", "#9EDAE5", "#DBDB8D",
           "#637939", "#7B4173"]
SCENARIO_COLOUR = "#1F4E79"
GAIN_COLOUR, LOSS_COLOUR = "#1F4E79", "#C55A11"  # a change up, a change down (as Excel's waterfall draws them)


def country_colour(code: str) -> str:
    """The colour of country ``code`` in every chart and brief: its fixed colour, else one its code picks."""
    code = str(code)
    if code in COUNTRY_COLOURS:
        return COUNTRY_COLOURS[code]
    return SECONDARY[zlib.crc32(code.encode("utf-8")) % len(SECONDARY)]


def country_colours(codes) -> dict[str, str]:
    """``country_colour`` of each of ``codes``."""
    return {str(c): country_colour(c) for c in codes}


def literal(text: str) -> str:
    """Text from the input as a chart title or series name, never read as a cell reference.

    XlsxWriter reads a name that looks like ``Sheet!A1`` as a reference; a space after the ``!``
    keeps it text (a scenario named ``x!A1`` must not pull a cell into a title).
    """
    return re.sub(r"!(?=\$?[A-Za-z]+\$?\d)", "! ", str(text))


def _style(chart, title: str, y_title: str, x_title: str | None = None, legend: str | None = "right",
           y_format: str = "#,##0", x_format: str | None = None, y_bound: dict | None = None) -> None:
    chart.set_title({"name": literal(title), "name_font": {"size": 11}})
    chart.set_y_axis({"name": y_title, "num_format": y_format, "major_gridlines": {"visible": True},
                      **(y_bound or {})})
    if x_title or x_format:
        chart.set_x_axis({**({"name": x_title} if x_title else {}),
                          **({"num_format": x_format, "num_format_linked": False} if x_format else {})})
    chart.set_legend({"position": legend} if legend else {"none": True})
    chart.set_size({"width": CHART_W, "height": CHART_H})


def bar_chart(sheet: str, frame: pd.DataFrame, category: str, value: str, title: str, y_title: str,
              y_format: str, skip: int = 0, category_format: str | None = None) -> list:
    """A bar per row of ``frame`` as written on ``sheet``, after its first ``skip`` rows: ``value`` by ``category``."""
    values = pd.to_numeric(frame[value].iloc[skip:], errors="coerce").fillna(0.0)
    if len(values) == 0 or not (values.abs() > 0).any():
        return []
    c, v = list(frame.columns).index(category), list(frame.columns).index(value)
    first, n = 1 + skip, len(frame)

    def build(wb):
        chart = wb.add_chart({"type": "bar"})
        chart.add_series({"name": value, "categories": [sheet, first, c, n, c], "values": [sheet, first, v, n, v],
                          "fill": {"color": SCENARIO_COLOUR}, "gap": 60,
                          "data_labels": {"value": True, "num_format": y_format}})
        _style(chart, title, y_title, legend=None, y_format=y_format)
        chart.set_x_axis({"name": y_title, "num_format": y_format, "major_gridlines": {"visible": True},
                          **from_zero(values)})
        # Scenarios read top to bottom as on the sheet; the value axis stays at the bottom.
        chart.set_y_axis({"reverse": True, "crossing": "max",
                          **({"num_format": category_format, "num_format_linked": False} if category_format else {})})
        return chart
    return [build]


def from_zero(values: pd.Series) -> dict:
    """The value axis' bound at zero where every value has one sign (Excel and LibreOffice start an axis of
    close values near the smallest, so two bars 0.004% apart would read 2:1); none where the signs differ."""
    if (values >= 0).all():
        return {"min": 0}
    if (values <= 0).all():
        return {"max": 0}
    return {}


def grouped_by(sheet: str, frame: pd.DataFrame, group: str, category: str, value: str, title: str, y_title: str,
               y_format: str, category_format: str | None = None) -> list:
    """Clustered columns: one series per ``group``, ``value`` by ``category``, read from that group's own rows.

    A group's rows should sit together on the sheet (sort it by ``group`` first): a series is then one
    block of cells, which every viewer draws from its cached values. Rows that do not are still read
    where they are, as a union of blocks, never as the span from a group's first row to its last.
    """
    values = pd.to_numeric(frame[value], errors="coerce").fillna(0.0)
    if len(frame) == 0 or not (values.abs() > 0).any():
        return []
    cols = list(frame.columns)
    c, v = cols.index(category), cols.index(value)
    groups = frame.groupby(group, sort=False).indices.items()
    blocks = [(name, _runs(idx + 1)) for name, idx in groups if (values.iloc[idx].abs() > 0).any()]  # +1: header

    def build(wb):
        chart = wb.add_chart({"type": "column"})
        for i, (name, runs) in enumerate(blocks):
            chart.add_series({"name": literal(name), "categories": _cells(sheet, runs, c),
                              "values": _cells(sheet, runs, v),
                              "fill": {"color": PALETTE[i % len(PALETTE)]}, "gap": 80})
        _style(chart, title, y_title, y_format=y_format, x_format=category_format, y_bound=from_zero(values))
        return chart
    return [build]


def _runs(rows: np.ndarray) -> list[tuple[int, int]]:
    """Ascending row numbers as (first, last) blocks of consecutive rows."""
    breaks = np.flatnonzero(np.diff(rows) != 1)
    starts, ends = np.r_[0, breaks + 1], np.r_[breaks, len(rows) - 1]
    return [(int(rows[a]), int(rows[b])) for a, b in zip(starts, ends)]


def _cells(sheet: str, runs: list[tuple[int, int]], col: int):
    """Column ``col`` over ``runs`` of rows: one block as XlsxWriter's list, several as a union formula."""
    if len(runs) == 1:
        return [sheet, runs[0][0], col, runs[0][1], col]
    quoted = "'" + sheet.replace("'", "''") + "'"
    return "=(" + ",".join(f"{quoted}!{xl_range_abs(a, col, b, col)}" for a, b in runs) + ")"


def mix_charts(sheet: str, mix: pd.DataFrame) -> list:
    """Stacked columns of tonnes by country over the periods, per mineral and stage (base plan)."""
    if mix.empty:
        return []
    countries = TABLES["mix"].data_named(mix.columns)
    return [_mix_chart(sheet, mix, countries, mineral, stage, idx)
            for (mineral, stage), idx in mix.groupby(["mineral", "stage"], sort=False).indices.items()]


def _mix_chart(sheet, mix, countries, mineral, stage, idx):
    first, last = int(idx[0]) + 1, int(idx[-1]) + 1  # +1: header row
    cols = list(mix.columns)
    t = cols.index("period")
    used = [(cols.index(c), c) for c in countries if mix.iloc[idx][c].sum() > 0]

    def build(wb):
        chart = wb.add_chart({"type": "column", "subtype": "stacked"})
        for j, country in used:
            chart.add_series({"name": [sheet, 0, j], "categories": [sheet, first, t, last, t],
                              "values": [sheet, first, j, last, j], "gap": 60,
                              "fill": {"color": country_colour(country)}})
        verb = "mined" if stage == "supply" else "refined"
        _style(chart, f"{mineral}: tonnes {verb} by country, base plan", "tonnes per period", y_bound={"min": 0})
        return chart
    return build


def scenario_mix_charts(sheet: str, mix: pd.DataFrame) -> list:
    """Per scenario, mineral and stage it moves: the change in tonnes by country over the horizon against the
    base plan (column ``change``), gains and losses in two colours."""
    cols = list(mix.columns)
    change = pd.to_numeric(mix["change"], errors="coerce").fillna(0.0)
    return [_scenario_mix_chart(sheet, cols, scenario, mineral, stage, int(idx[0]) + 1, int(idx[-1]) + 1,
                                change.iloc[idx].to_numpy())
            for (scenario, mineral, stage), idx in mix.groupby(["scenario", "mineral", "stage"],
                                                               sort=False).indices.items()]


def _scenario_mix_chart(sheet, cols, scenario, mineral, stage, first, last, change):
    def build(wb):
        chart = wb.add_chart({"type": "column"})
        c, j = cols.index("country"), cols.index("change")
        # Each bar's colour says its sign (fixed at writing, as the cells are): a loss reads as a loss.
        points = [{"fill": {"color": GAIN_COLOUR if v >= 0 else LOSS_COLOUR}} for v in change]
        chart.add_series({"name": "change against base", "categories": [sheet, first, c, last, c],
                          "values": [sheet, first, j, last, j], "points": points, "gap": 50,
                          "data_labels": {"value": True, "num_format": "+#,##0;-#,##0;0", "font": {"size": 8}}})
        verb = "mined" if stage == "supply" else "refined"
        _style(chart, f"{scenario}: change in {mineral} tonnes {verb} by country against base",
               "change in tonnes over the horizon", legend=None, y_format="+#,##0;-#,##0;0",
               y_bound=from_zero(pd.Series(change)))
        chart.set_x_axis({"label_position": "low"})  # country codes below the bars, also under a loss
        return chart
    return build


def capacity_built_charts(sheet: str, built: pd.DataFrame) -> list:
    """Stacked columns of capacity added by country in each period, one chart per plan, mineral and stage
    (tonnes of different minerals, or of mines and refineries, are never added)."""
    cols = list(built.columns)
    countries = TABLES["capacity_built"].data_named(cols)
    builders = []
    for (plan, mineral, stage), idx in built.groupby(["scenario", "mineral", "stage"], sort=False).indices.items():
        block = built.iloc[idx]
        used = [(cols.index(c), c) for c in countries if block[c].sum() > 0]
        if used:
            tallest = float(block[[c for _j, c in used]].sum(axis=1).max())
            builders.append(_capacity_chart(sheet, plan, mineral, stage, int(idx[0]) + 1, int(idx[-1]) + 1, used,
                                            cols.index("period"), tonnes_format(tallest)))
    return builders


def _capacity_chart(sheet, plan, mineral, stage, first, last, used, t, y_format):
    def build(wb):
        chart = wb.add_chart({"type": "column", "subtype": "stacked"})
        for j, country in used:
            chart.add_series({"name": [sheet, 0, j], "categories": [sheet, first, t, last, t],
                              "values": [sheet, first, j, last, j], "gap": 60,
                              "fill": {"color": country_colour(country)}})
        what = "mining" if stage == "supply" else "refining"
        _style(chart, f"{mineral}: {what} capacity built by country and period ({plan} builds)",
               "tonnes a period added", y_format=y_format, y_bound={"min": 0})
        return chart
    return build


def tonnes_format(tallest: float) -> str:
    """An axis of tonnes up to ``tallest``: whole tonnes, or decimals where a bar is smaller than ten
    (0.3 t must not read 0, 0, 0 up the axis)."""
    return "#,##0" if tallest >= 10 else "#,##0.0" if tallest >= 1 else "#,##0.0##"


def reserve_charts(sheet: str, reserve: pd.DataFrame) -> list:
    """Stock against target over the periods, per mineral and market of the base plan, where they differ.

    A stock lying on its target in every period says nothing a table does not; it is not drawn.
    """
    base = reserve[reserve["scenario"] == "base"]
    builders = []
    for (mineral, market), idx in base.groupby(["mineral", "market"], sort=False).indices.items():
        block = base.iloc[idx]
        if np.allclose(block["stock"], block["target"], rtol=1e-6, atol=1e-6):
            continue
        builders.append(_reserve_chart(sheet, base, mineral, market, idx))
    return builders


def _reserve_chart(sheet, base, mineral, market, idx):
    cols = list(base.columns)
    t = cols.index("period")

    def build(wb):
        rows = base.index[idx]
        first, last = int(rows[0]) + 1, int(rows[-1]) + 1
        chart = wb.add_chart({"type": "line"})
        for name, colour, dash in (("stock", SCENARIO_COLOUR, "solid"), ("target", "#D62728", "dash")):
            col = cols.index(name)
            chart.add_series({"name": name, "categories": [sheet, first, t, last, t],
                              "values": [sheet, first, col, last, col],
                              "line": {"color": colour, "width": 2.25, "dash_type": dash},
                              "marker": {"type": "circle", "size": 5,
                                         "fill": {"color": colour}, "border": {"color": colour}}})
        _style(chart, f"{mineral} reserve for {market}: stock against target, base plan", "tonnes",
               legend="bottom")
        return chart
    return build


def frontier_charts(sheet: str, table: pd.DataFrame, money_label: str, money_format: str) -> list:
    """Extra cost against the cap, one chart per mineral and stage, down to the first cap that leaves demand unmet.

    Below that cap the cost is mostly the unmet-demand penalty, which would flatten the rest of
    the curve to nothing; the table holds those points.
    """
    builders = []
    for (mineral, stage), idx in table.groupby(["mineral", "stage"], sort=False).indices.items():
        block = table.iloc[idx]
        unmet = block["unmet_tonnes"].fillna(0).to_numpy() > 1e-6
        stop = int(np.argmax(unmet)) if unmet.any() else len(idx) - 1
        builders.append(_frontier_chart(sheet, table, mineral, stage, int(idx[0]), int(idx[stop]), unmet.any(),
                                        block["max_share"].iloc[stop], money_label, money_format))
    return builders


def _frontier_chart(sheet, table, mineral, stage, first, last, wall, wall_cap, money_label, money_format):
    cols = list(table.columns)

    def build(wb):
        chart = wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
        x, y = cols.index("max_share"), cols.index("extra_cost")
        chart.add_series({"name": "extra cost", "categories": [sheet, first + 1, x, last + 1, x],
                          "values": [sheet, first + 1, y, last + 1, y],
                          "line": {"color": SCENARIO_COLOUR, "width": 2.25},
                          "marker": {"type": "circle", "size": 5, "fill": {"color": SCENARIO_COLOUR}}})
        note = f" (demand unmet from {wall_cap:.0%})" if wall else ""
        _style(chart, f"{mineral} {stage}: price of de-risking{note}", f"extra cost ({money_label})",
               legend=None, y_format=money_format)
        chart.set_x_axis({"name": "largest share the scope may hold", "num_format": "0%", "reverse": True,
                          "max": 1, "crossing": "max"})
        return chart
    return build


def sizing_charts(sheet: str, wide: pd.DataFrame) -> list:
    """Unmet demand beyond the base plan against reserve days, one chart per scenario, a line per mineral.

    A scenario whose every line is zero (no unmet demand at any size) is not drawn.
    """
    cols = list(wide.columns)
    minerals = TABLES["sizing_chart_data"].data_named(cols)
    builders = []
    for scenario, idx in wide.groupby("scenario", sort=False).indices.items():
        block = wide.iloc[idx][minerals].fillna(0.0)
        lines = [(cols.index(m), m) for m in minerals if (block[m].abs() > 1e-6).any()]
        if lines:
            builders.append(_sizing_chart(sheet, scenario, idx, lines, cols.index("reserve_days")))
    return builders


def _sizing_chart(sheet, scenario, idx, lines, days):
    def build(wb):
        first, last = int(idx[0]) + 1, int(idx[-1]) + 1
        chart = wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
        for i, (j, _m) in enumerate(lines):
            chart.add_series({"name": [sheet, 0, j], "categories": [sheet, first, days, last, days],
                              "values": [sheet, first, j, last, j], "marker": {"type": "circle", "size": 5},
                              "line": {"color": PALETTE[i % len(PALETTE)]}})
        _style(chart, f"{scenario}: unmet demand against reserve size", "unmet t beyond the base plan",
               x_title="reserve target (days of demand)")
        chart.set_x_axis({"name": "reserve target (days of demand)", "min": 0})
        chart.set_y_axis({"name": "unmet t beyond the base plan", "num_format": "#,##0", "min": 0,
                          "major_gridlines": {"visible": True}})
        return chart
    return build


def histogram_charts(sheet: str, hist: pd.DataFrame) -> list:
    """How many samples leave how much demand unmet, one chart per mineral (zero has its own bar)."""
    cols = list(hist.columns)
    builders = []
    for mineral, idx in hist.groupby("mineral", sort=False).indices.items():
        builders.append(_histogram_chart(sheet, cols, mineral, int(idx[0]) + 1, int(idx[-1]) + 1))
    return builders


def _histogram_chart(sheet, cols, mineral, first, last):
    def build(wb):
        chart = wb.add_chart({"type": "column"})
        c, v = cols.index("unmet_range"), cols.index("samples")
        chart.add_series({"name": "samples", "categories": [sheet, first, c, last, c],
                          "values": [sheet, first, v, last, v], "gap": 10, "fill": {"color": "#C0504D"}})
        _style(chart, f"{mineral}: unmet demand across samples", "samples", legend=None, y_bound={"min": 0})
        chart.set_x_axis({"name": "unmet demand over the horizon, all markets (t)", "num_font": {"rotation": -30}})
        return chart
    return build


def cost_histogram_chart(sheet: str, hist: pd.DataFrame, currency: str) -> list:
    """The probability of each range of cost above the base plan's, the hedge's builds beside the base plan's own."""
    cols = list(hist.columns)
    first, last = 1, len(hist)

    def build(wb):
        chart = wb.add_chart({"type": "column"})
        c = cols.index("extra_cost_range")
        for column, name, colour in (("with_hedge", "the hedge's builds", "#1F77B4"),
                                     ("with_base_builds", "the base plan's own builds", "#BFBFBF")):
            v = cols.index(column)
            chart.add_series({"name": literal(name), "categories": [sheet, first, c, last, c],
                              "values": [sheet, first, v, last, v], "gap": 40, "fill": {"color": colour}})
        _style(chart, "Cost above the base plan: how likely each range is", "probability", legend="bottom",
               y_format="0%", y_bound={"min": 0})
        chart.set_x_axis({"name": f"cost above the base plan's, nothing happening ({currency})",
                          "num_font": {"rotation": -30}})
        return chart
    return [build]


def place_charts(builders: list):
    """A sheet drawing function that lays ``builders``' charts (at most MAX_CHARTS: the caller spreads more over
    several sheets) on a two-column grid below the notes."""
    if len(builders) > MAX_CHARTS:
        raise ValueError(f"{len(builders)} charts on one sheet; at most {MAX_CHARTS} (see sheets.chart_sheets)")

    def draw(wb, ws, _frame):
        # Printed, three rows of charts a page, never a chart cut in two.
        pairs = (len(builders) + 1) // 2
        ws.set_h_pagebreaks([_slot(2 * k)[0] for k in range(3, pairs, 3)])
        ws.fit_to_pages(1, 0)
        for n, build in enumerate(builders):
            ws.insert_chart(*_slot(n), build(wb))
    return draw


def _slot(n: int) -> tuple[int, int]:
    """Top-left cell of the n-th chart on a two-column grid."""
    return 4 + (n // 2) * ROWS_PER_CHART, (n % 2) * COLS_PER_CHART

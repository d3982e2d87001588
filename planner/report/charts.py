"""Native Excel charts (XlsxWriter), each pointing at cells of a written table.

A chart builder receives the workbook and returns a chart whose data live on a named sheet,
so a reviewer can trace every bar to a cell. Every country keeps one colour across the
workbook (``country_colours``); every axis title names its unit; charts that would carry no
information (a flat line, an empty series) are not drawn.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_range_abs

CHART_W, CHART_H = 640, 320
ROWS_PER_CHART, COLS_PER_CHART = 17, 10
MAX_CHARTS = 40  # charts on one sheet: beyond this a sheet gets slow to open (more go on the next sheet)

# Distinct colours for the largest countries, in order of their tonnes in the base plan; the rest grey.
PALETTE = ["#D62728", "#1F77B4", "#2CA02C", "#FF7F0E", "#9467BD", "#8C564B", "#E377C2", "#17BECF", "#BCBD22",
           "#393B79", "#AEC7E8", "#98DF8A", "#FFBB78", "#C5B0D5", "#C49C94", "#F7B6D2", "#9EDAE5", "#DBDB8D",
           "#637939", "#7B4173"]
OTHER = "#B0B0B0"
BASE_COLOUR, SCENARIO_COLOUR = "#A6A6A6", "#1F4E79"


def country_colours(mix: pd.DataFrame) -> dict[str, str]:
    """One colour per country for the whole workbook: the largest producers first (base plan, all stages)."""
    countries = [c for c in mix.columns if c not in ("mineral", "stage", "period")]
    if not countries:
        return {}
    # Tonnes of different minerals are not comparable: rank by each country's largest share of a stage.
    shares = mix[countries].div(mix[countries].sum(axis=1).replace(0, np.nan), axis=0).max()
    ranked = shares.sort_values(ascending=False, kind="stable").index
    return {c: (PALETTE[i] if i < len(PALETTE) else OTHER) for i, c in enumerate(ranked)}


def literal(text: str) -> str:
    """Text from the input as a chart title or series name, never read as a cell reference.

    XlsxWriter reads a name that looks like ``Sheet!A1`` as a reference; a space after the ``!``
    keeps it text (a scenario named ``x!A1`` must not pull a cell into a title).
    """
    return re.sub(r"!(?=\$?[A-Za-z]+\$?\d)", "! ", str(text))


def _style(chart, title: str, y_title: str, x_title: str | None = None, legend: str | None = "right",
           y_format: str = "#,##0", x_format: str | None = None) -> None:
    chart.set_title({"name": literal(title), "name_font": {"size": 11}})
    chart.set_y_axis({"name": y_title, "num_format": y_format, "major_gridlines": {"visible": True}})
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
        chart.set_x_axis({"name": y_title, "num_format": y_format, "major_gridlines": {"visible": True}})
        # Scenarios read top to bottom as on the sheet; the value axis stays at the bottom.
        chart.set_y_axis({"reverse": True, "crossing": "max",
                          **({"num_format": category_format, "num_format_linked": False} if category_format else {})})
        return chart
    return [build]


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
        _style(chart, title, y_title, y_format=y_format, x_format=category_format)
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


def mix_charts(sheet: str, mix: pd.DataFrame, colours: dict[str, str]) -> list:
    """Stacked columns of tonnes by country over the periods, per mineral and stage (base plan)."""
    if mix.empty:
        return []
    countries = [c for c in mix.columns if c not in ("mineral", "stage", "period")]
    return [_mix_chart(sheet, mix, countries, mineral, stage, idx, colours)
            for (mineral, stage), idx in mix.groupby(["mineral", "stage"], sort=False).indices.items()]


def _mix_chart(sheet, mix, countries, mineral, stage, idx, colours):
    first, last = int(idx[0]) + 1, int(idx[-1]) + 1  # +1: header row
    used = [(j, c) for j, c in enumerate(countries, start=3) if mix.iloc[idx][c].sum() > 0]

    def build(wb):
        chart = wb.add_chart({"type": "column", "subtype": "stacked"})
        for j, country in used:
            chart.add_series({"name": [sheet, 0, j], "categories": [sheet, first, 2, last, 2],
                              "values": [sheet, first, j, last, j], "gap": 60,
                              "fill": {"color": colours.get(country, OTHER)}})
        verb = "mined" if stage == "supply" else "refined"
        _style(chart, f"{mineral}: tonnes {verb} by country, base plan", "tonnes per period")
        return chart
    return build


def scenario_mix_charts(sheet: str, mix: pd.DataFrame) -> list:
    """Per scenario, mineral and stage it moves: tonnes by country over the horizon, base against scenario."""
    builders = []
    cols = list(mix.columns)
    for (scenario, mineral, stage), idx in mix.groupby(["scenario", "mineral", "stage"], sort=False).indices.items():
        builders.append(_scenario_mix_chart(sheet, cols, scenario, mineral, stage, int(idx[0]) + 1, int(idx[-1]) + 1))
    return builders


def _scenario_mix_chart(sheet, cols, scenario, mineral, stage, first, last):
    def build(wb):
        chart = wb.add_chart({"type": "column"})
        c = cols.index("country")
        for column, colour in (("base_tonnes", BASE_COLOUR), ("tonnes", SCENARIO_COLOUR)):
            j = cols.index(column)
            chart.add_series({"name": "base plan" if column == "base_tonnes" else literal(scenario),
                              "categories": [sheet, first, c, last, c], "values": [sheet, first, j, last, j],
                              "fill": {"color": colour}, "gap": 50})
        verb = "mined" if stage == "supply" else "refined"
        _style(chart, f"{scenario}: {mineral} {verb} by country, against base", "tonnes over the horizon",
               legend="bottom")
        return chart
    return build


def capacity_built_charts(sheet: str, built: pd.DataFrame, colours: dict[str, str]) -> list:
    """Stacked columns of capacity added by country in each period, one chart per plan."""
    countries = [c for c in built.columns if c not in ("scenario", "period")]
    builders = []
    for plan, idx in built.groupby("scenario", sort=False).indices.items():
        block = built.iloc[idx]
        used = [(j, c) for j, c in enumerate(built.columns) if c in countries and block[c].sum() > 0]
        if used:
            builders.append(_capacity_chart(sheet, plan, int(idx[0]) + 1, int(idx[-1]) + 1, used, colours))
    return builders


def _capacity_chart(sheet, plan, first, last, used, colours):
    def build(wb):
        chart = wb.add_chart({"type": "column", "subtype": "stacked"})
        for j, country in used:
            chart.add_series({"name": [sheet, 0, j], "categories": [sheet, first, 1, last, 1],
                              "values": [sheet, first, j, last, j], "gap": 60,
                              "fill": {"color": colours.get(country, OTHER)}})
        _style(chart, f"Capacity built by country and period ({literal(plan)} builds)", "tonnes a period added")
        return chart
    return build


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
    def build(wb):
        rows = base.index[idx]
        first, last = int(rows[0]) + 1, int(rows[-1]) + 1
        chart = wb.add_chart({"type": "line"})
        for col, name, colour, dash in ((4, "stock", SCENARIO_COLOUR, "solid"), (5, "target", "#D62728", "dash")):
            chart.add_series({"name": name, "categories": [sheet, first, 3, last, 3],
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
    minerals = [c for c in wide.columns if c not in ("scenario", "reserve_days")]
    builders = []
    for scenario, idx in wide.groupby("scenario", sort=False).indices.items():
        block = wide.iloc[idx][minerals].fillna(0.0)
        lines = [(j, m) for j, m in enumerate(minerals, start=2) if (block[m].abs() > 1e-6).any()]
        if lines:
            builders.append(_sizing_chart(sheet, scenario, idx, lines))
    return builders


def _sizing_chart(sheet, scenario, idx, lines):
    def build(wb):
        first, last = int(idx[0]) + 1, int(idx[-1]) + 1
        chart = wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
        for i, (j, _m) in enumerate(lines):
            chart.add_series({"name": [sheet, 0, j], "categories": [sheet, first, 1, last, 1],
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
        _style(chart, f"{mineral}: unmet demand across samples", "samples", legend=None)
        chart.set_x_axis({"name": "unmet demand over the horizon, all markets (t)", "num_font": {"rotation": -30}})
        return chart
    return build


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

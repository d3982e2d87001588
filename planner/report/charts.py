"""Native Excel charts for the plan workbook (XlsxWriter), each pointing at cells of a written table.

A chart function receives the workbook, the worksheet it is drawn on and the table of that
sheet; the data it plots live on named sheets, so a reviewer can trace every bar to a cell.
"""

from __future__ import annotations

import pandas as pd

from planner.model.objective import COMPONENTS

CHART_W, CHART_H = 640, 320
ROWS_PER_CHART, COLS_PER_CHART = 17, 10
MAX_CHARTS = 40  # beyond this a workbook gets slow to open; the tables hold everything


def mix_charts(data_sheet: str, mix: pd.DataFrame) -> list:
    """Stacked columns of sourcing and refining by country over the periods, per mineral and stage."""
    if mix.empty:
        return []
    countries = [c for c in mix.columns if c not in ("mineral", "stage", "period")]
    builders = []
    for (mineral, stage), idx in mix.groupby(["mineral", "stage"], sort=False).indices.items():
        builders.append(_mix_chart(data_sheet, mix, countries, mineral, stage, idx))
    return builders


def _mix_chart(data_sheet, mix, countries, mineral, stage, idx):
    def build(wb):
        first, last = int(idx[0]) + 1, int(idx[-1]) + 1  # +1: header row
        chart = wb.add_chart({"type": "column", "subtype": "stacked"})
        for j, country in enumerate(countries, start=3):
            if mix.iloc[idx][country].sum() <= 0:
                continue
            chart.add_series({"name": [data_sheet, 0, j],
                              "categories": [data_sheet, first, 2, last, 2],
                              "values": [data_sheet, first, j, last, j],
                              "gap": 60})
        verb = "sourced" if stage == "supply" else "refined"
        chart.set_title({"name": f"{mineral}: tonnes {verb} by country (base plan)",
                         "name_font": {"size": 11}})
        chart.set_y_axis({"name": "t", "num_format": "#,##0", "min": 0, "major_gridlines": {"visible": True}})
        chart.set_legend({"position": "right"})
        chart.set_size({"width": CHART_W, "height": CHART_H})
        return chart
    return build


def reserve_charts(sheet: str, reserve: pd.DataFrame) -> list:
    """Stock against target over the periods, per mineral and market (base plan)."""
    base = reserve[reserve["scenario"] == "base"]
    return [_reserve_chart(sheet, base, mineral, market, idx)
            for (mineral, market), idx in base.groupby(["mineral", "market"], sort=False).indices.items()]


def _reserve_chart(sheet, base, mineral, market, idx):
    def build(wb):
        rows = base.index[idx]
        first, last = int(rows[0]) + 1, int(rows[-1]) + 1
        chart = wb.add_chart({"type": "line"})
        for col, name, colour, dash in ((4, "stock", "#1F77B4", "solid"), (5, "target", "#D62728", "dash")):
            chart.add_series({"name": name, "categories": [sheet, first, 3, last, 3],
                              "values": [sheet, first, col, last, col],
                              "line": {"color": colour, "width": 2.25, "dash_type": dash},
                              "marker": {"type": "circle", "size": 5,
                                         "fill": {"color": colour}, "border": {"color": colour}}})
        chart.set_title({"name": f"{mineral} reserve for {market}: stock vs target (base plan)",
                         "name_font": {"size": 11}})
        chart.set_y_axis({"name": "t", "num_format": "#,##0", "min": 0})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": CHART_W, "height": CHART_H})
        return chart
    return build


def scenario_cost_chart(sheet: str, scenarios: pd.DataFrame) -> list:
    """Stacked bars of each scenario's cost by component."""
    n = len(scenarios)
    if n == 0:
        return []

    def build(wb):
        chart = wb.add_chart({"type": "bar", "subtype": "stacked"})
        for c in COMPONENTS:
            col = list(scenarios.columns).index(f"{c}_cost")
            chart.add_series({"name": [sheet, 0, col], "categories": [sheet, 1, 0, n, 0],
                              "values": [sheet, 1, col, n, col], "gap": 50})
        chart.set_title({"name": "Cost by scenario and component", "name_font": {"size": 11}})
        chart.set_x_axis({"num_format": "#,##0", "major_gridlines": {"visible": True}})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": CHART_W, "height": CHART_H})
        return chart
    return [build]


def place_charts(builders: list):
    """A sheet drawing function that lays ``builders``' charts on a two-column grid below the notes."""
    def draw(wb, ws, _frame):
        for n, build in enumerate(builders):
            if n >= MAX_CHARTS:
                ws.write_string(_slot(n)[0], 0, f"{len(builders) - MAX_CHARTS} more charts left out to keep the "
                                                 "workbook quick to open; the tables hold every figure.")
                break
            ws.insert_chart(*_slot(n), build(wb))
    return draw


def _slot(n: int) -> tuple[int, int]:
    """Top-left cell of the n-th chart on a two-column grid."""
    return 4 + (n // 2) * ROWS_PER_CHART, (n % 2) * COLS_PER_CHART


def frontier_charts(sheet: str, table: pd.DataFrame) -> list:
    """Extra cost against the single-country cap, one chart per mineral and stage."""
    builders = []
    for (mineral, stage), idx in table.groupby(["mineral", "stage"], sort=False).indices.items():
        builders.append(_frontier_chart(sheet, table, mineral, stage, idx))
    return builders


def _frontier_chart(sheet, table, mineral, stage, idx):
    cols = list(table.columns)

    def build(wb):
        first, last = int(idx[0]) + 1, int(idx[-1]) + 1
        chart = wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
        chart.add_series({"name": "extra cost over no limit",
                          "categories": [sheet, first, cols.index("max_share"), last, cols.index("max_share")],
                          "values": [sheet, first, cols.index("extra_cost"), last, cols.index("extra_cost")],
                          "line": {"color": "#1F77B4", "width": 2.25},
                          "marker": {"type": "circle", "size": 5, "fill": {"color": "#1F77B4"}}})
        chart.set_title({"name": f"{mineral} {stage}: price of de-risking", "name_font": {"size": 11}})
        chart.set_x_axis({"name": "largest share any one country may hold", "num_format": "0%",
                          "reverse": True, "min": 0, "max": 1, "crossing": "max"})
        chart.set_y_axis({"name": "extra cost", "num_format": "#,##0"})
        chart.set_legend({"none": True})
        chart.set_size({"width": CHART_W, "height": CHART_H})
        return chart
    return build


def sizing_charts(sheet: str, wide: pd.DataFrame) -> list:
    """Unmet demand beyond the base plan against reserve days, one chart per scenario, a line per mineral."""
    minerals = [c for c in wide.columns if c not in ("scenario", "reserve_days")]
    return [_sizing_chart(sheet, wide, minerals, scenario, idx)
            for scenario, idx in wide.groupby("scenario", sort=False).indices.items()]


def _sizing_chart(sheet, wide, minerals, scenario, idx):
    def build(wb):
        first, last = int(idx[0]) + 1, int(idx[-1]) + 1
        chart = wb.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
        for j in range(2, 2 + len(minerals)):
            chart.add_series({"name": [sheet, 0, j], "categories": [sheet, first, 1, last, 1],
                              "values": [sheet, first, j, last, j], "marker": {"type": "circle", "size": 5}})
        chart.set_title({"name": f"{scenario}: unmet demand vs reserve size", "name_font": {"size": 11}})
        chart.set_x_axis({"name": "reserve target (days of demand)", "min": 0})
        chart.set_y_axis({"name": "unmet t beyond the base plan", "num_format": "#,##0", "min": 0})
        chart.set_legend({"position": "right"})
        chart.set_size({"width": CHART_W, "height": CHART_H})
        return chart
    return build


def histogram_charts(sheet: str, hist: pd.DataFrame) -> list:
    """Columns of how many samples leave how much demand unmet, one chart per mineral."""
    return [_histogram_chart(sheet, hist, mineral, idx)
            for mineral, idx in hist.groupby("mineral", sort=False).indices.items()]


def _histogram_chart(sheet, hist, mineral, idx):
    cols = list(hist.columns)

    def build(wb):
        first, last = int(idx[0]) + 1, int(idx[-1]) + 1
        chart = wb.add_chart({"type": "column"})
        chart.add_series({"name": "samples", "categories": [sheet, first, cols.index("unmet_range"), last,
                                                            cols.index("unmet_range")],
                          "values": [sheet, first, cols.index("samples"), last, cols.index("samples")],
                          "gap": 10, "fill": {"color": "#C0504D"}})
        chart.set_title({"name": f"{mineral}: unmet demand across samples", "name_font": {"size": 11}})
        chart.set_x_axis({"name": "unmet demand over the horizon (all markets)", "num_font": {"rotation": -30}})
        chart.set_y_axis({"name": "samples", "min": 0})
        chart.set_legend({"none": True})
        chart.set_size({"width": CHART_W, "height": CHART_H})
        return chart
    return build

"""Compose each command's output workbook from its result tables: which sheets, in which order, with which charts.

Nothing is computed here: every table comes ready from the analysis layer; number formats,
header notes and wrapping come from the tables' declarations (``planner/tables.py``, read through
``columns.py``). A command's function takes the finished run (its inputs, its
:class:`~planner.analysis.outcome.Outcome` and its run report) and returns the sheets in order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.analysis.compare import Leader
from planner.analysis.plan import Short
from planner.numbers import money_text, money_unit, percent_text, tonnes_text
from planner.report import charts as C
from planner.report.brief import answer_sentences, plain_text, plan_of_tables
from planner.report.columns import (
    MONEY,
    MONEY_UNITS,
    SECONDS,
    SHARE,
    SUMMARY,
    TEXT,
    TONNES,
    Col,
    column,
    note_text,
    number_format,
    unit_label,
    units_line,
)
from planner.report.xlsx import SheetSpec

# The sheets an analyst reads first print one page wide (Summary too); the long detail tables as wide as they need.
ONE_PAGE_WIDE = frozenset({"Scenarios", "Policy costs", "Who pays", "Investments"})

# Tonnes, money and shares within this of zero are solver noise, written as 0: the solver's values are
# cleaned at the same 1e-9 (analysis.results.ZERO), and inputs refuse nonzero quantities at or below 1e-7.
NOISE = 1e-9


@dataclass
class Style:
    """What every sheet of one workbook shares: the currency and the money unit (a country's colour is its
    own in every workbook: ``charts.country_colour``)."""

    currency: str
    money_unit: str
    auto: bool = False  # money_unit auto: Summary sizes each row's money by itself, the tables by the headline

    @classmethod
    def of(cls, run) -> Style:
        setting = run.data.settings.get("money_unit")
        return cls(run.data.settings.get("currency") or "USD",
                   money_unit(setting, headline_money(run.outcome.summary)), setting == "auto")

    def column_unit(self, values: pd.Series) -> str:
        """The money unit of one table column: under ``auto`` its largest amount's (a column of savings in
        millions beside totals in billions), else the workbook's."""
        if not self.auto:
            return self.money_unit
        amounts = pd.to_numeric(values, errors="coerce").abs()
        return self.row_unit(float(amounts.max())) if amounts.notna().any() else self.money_unit

    def row_unit(self, value) -> str:
        """The money unit of one Summary row: its own size's under ``auto`` (15.2 million, not 0.02 billion)."""
        if not self.auto or not isinstance(value, (int, float)) or isinstance(value, bool):
            return self.money_unit
        return money_unit("auto", value)

    @property
    def money(self) -> str:
        return unit_label(MONEY, self.currency, self.money_unit)

    def money_format(self) -> str:
        return number_format(Col(MONEY, ""), self.money_unit)


def headline_money(summary) -> float | None:
    """The largest amount of money a run's Summary reports (its total or expected cost): what ``auto`` sizes
    the workbook's money unit by."""
    amounts = [abs(v) for item, v in summary if item in SUMMARY and SUMMARY[item].unit == MONEY
               and isinstance(v, (int, float)) and not isinstance(v, bool) and v == v]
    return max(amounts, default=None)


def table_sheet(name: str, table: str, frame: pd.DataFrame, style: Style, widths: dict | None = None,
                freeze_columns: int = 0, charts: list | None = None) -> SheetSpec:
    """A sheet of one result table, every column formatted and annotated from the output schema."""
    declared = {c: column(table, c) for c in frame.columns}
    frame = _as_text(_without_noise(frame, declared))
    sizes = {c: style.column_unit(frame[c]) if col.unit == MONEY else style.money_unit for c, col in declared.items()}
    formats = {c: f for c, col in declared.items() if (f := number_format(col, sizes[c]))}
    notes = {c: note_text(col, style.currency, sizes[c]) for c, col in declared.items()}
    wrap = {c for c, col in declared.items() if col.wrap}
    money = sorted({sizes[c] for c, col in declared.items() if col.unit == MONEY}, key=list(MONEY_UNITS).index,
                   reverse=True)
    units = units_line((col.unit for col in declared.values()), style.currency, money or style.money_unit)
    return SheetSpec(name, frame, formats, notes, widths or {}, wrap, freeze_columns=freeze_columns,
                     charts=charts or [], units=units, fit_width=name in ONE_PAGE_WIDE)


def short_text(shorts: list[Short]) -> str:
    """``graphite 12.3% of demand unmet (1,950,000 t); ...``, or ``none``."""
    return "; ".join(f"{s.mineral} {s.unmet_share:.1%} of demand unmet ({s.unmet_tonnes:,.0f} t)"
                     for s in shorts) or "none"


# Summary items the analysis passes as records, and how each reads.
SUMMARY_TEXT = {"minerals_short": short_text}


def summary_items(summary) -> list[tuple[str, object]]:
    """A run's Summary items with its records written in words."""
    return [(item, SUMMARY_TEXT[item](value) if item in SUMMARY_TEXT else value) for item, value in summary]


def leader_text(leader: Leader | None) -> str:
    """``CHN 72%``; where the scenario moves the lead, the base plan's in brackets: ``CHN 72% (80%)``, or
    ``AUS 40% (CHN 55%)`` when another country leads; ``-`` where nothing is mined or refined."""
    if leader is None or leader != leader:  # NaN where a block left the cell empty
        return "-"
    text = f"{leader.country} {leader.share:.0%}"
    if leader.moved:
        other = f"{leader.base_country} " if leader.base_country != leader.country else ""
        text += f" ({other}{leader.base_share:.0%})"
    return text


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Values the analysis passes as records (a scenario's leading country) written in words."""
    leaders = [c for c in frame.columns if frame[c].dtype == object
               and frame[c].map(lambda v: isinstance(v, Leader)).any()]
    return frame.assign(**{c: frame[c].map(leader_text) for c in leaders}) if leaders else frame


def _without_noise(frame: pd.DataFrame, declared: dict[str, Col]) -> pd.DataFrame:
    noisy = [c for c, col in declared.items() if col.unit in (MONEY, TONNES, SHARE)
             and pd.api.types.is_float_dtype(frame[c].dtype)]
    if not noisy:
        return frame
    frame = frame.copy()
    for c in noisy:
        values = frame[c].to_numpy()
        frame[c] = np.where(np.abs(values) < NOISE, 0.0, values)
    return frame


def summary_sheet(run, question: str, note: str, style: Style, answer: str | None = None) -> SheetSpec:
    """``question``, ``status`` and the ``answer`` in words first, then the command's figures, the money unit and
    the input file.

    Each row carries its unit and meaning beside its value, so the sheet reads on its own.
    """
    said = [("answer", answer)] if answer else []
    items = [("question", question), ("status", run.outcome.status), *said, *summary_items(run.outcome.summary),
             ("currency", style.currency), ("money_shown_in", style.money), ("input_file", run.report.input_path),
             ("note", note)]
    declared = [SUMMARY[item] for item, _value in items]
    values = [0.0 if col.unit in (MONEY, TONNES, SHARE) and isinstance(v, float) and abs(v) < NOISE else v
              for (_item, v), col in zip(items, declared)]
    units = [style.row_unit(v) for v in values]
    # A share is shown as a percentage already: its unit column stays blank rather than read "20.0% %".
    frame = pd.DataFrame({"item": [i for i, _ in items], "value": values,
                          "unit": [unit_label(col.unit, style.currency, unit) if col.unit != SHARE else ""
                                   for col, unit in zip(declared, units)],
                          "meaning": [col.note for col in declared]})
    return SheetSpec("Summary", frame, notes={"item": "What the row reports.", "value": "Its value.",
                                              "unit": "Unit of the value.", "meaning": "What it means."},
                     widths={"item": max(30, max(len(i) for i, _v in items) + 2), "value": 70, "unit": 14,
                             "meaning": 60}, wrap={"value", "meaning"},
                     row_formats=[number_format(col, unit) if col.unit != TEXT else None
                                  for col, unit in zip(declared, units)], fit_width=True)


def plan_answer(run, style: Style) -> str | None:
    """The plan's answer in a few sentences, every figure from its own tables (as ``planner brief`` writes it)."""
    tables = run.outcome.tables
    if "scenarios" not in tables or tables["scenarios"].empty:
        return None
    summary = {**dict(summary_items(run.outcome.summary)), "currency": style.currency}
    return plain_text(answer_sentences(plan_of_tables(run.report.input_path, tables, summary)))


HEDGE_DECISIONS_NAMED = 5  # the answer names the decisions worth most; Decision values lists every one


def hedge_answer(run, style: Style) -> str | None:
    """The hedge's answer in words: what it backs, what that saves, and per decision (the most valuable first)
    in how many scenarios it pays off, where most, and what it is worth in expectation (sheet Decision values)."""
    summary = dict(run.outcome.summary)
    expected = summary.get("expected_cost")
    if expected is None:
        return None
    cur = style.currency
    values = run.outcome.tables.get("decision_values")
    if values is None or values.empty:
        return (f"The hedge takes no decision beyond the base plan's own: expected cost {money_text(expected, cur)}, "
                "value of hedging 0.")
    shared = int(values["base_plan_too"].sum())
    too = f" ({shared} of them the base plan's own too)" if shared else ""
    sentences = [f"The hedge takes {len(values)} decision{'s' if len(values) != 1 else ''}{too} for an expected cost "
                 f"of {money_text(expected, cur)}, {money_text(summary.get('value_of_hedging') or 0.0, cur)} less "
                 "than taking only the base plan's own."]
    counted = "samples" if "samples" in summary else "scenarios"
    ranked = values.sort_values("expected_value", ascending=False, kind="stable", na_position="last")
    for _i, d in ranked.head(HEDGE_DECISIONS_NAMED).iterrows():
        what = (f"{d['decision']} ({d['mineral']}, {percent_text(d['built'])} built in {d['period']})"
                if d["kind"] == "build" else f"{d['mineral']} {d['decision']} ({tonnes_text(d['bought_tonnes'])})")
        if pd.isna(d["expected_value"]):
            sentences.append(f"{what} costs {money_text(d['cost'], cur)}.")
            continue
        most = d["most_in"]
        there = d[most] if most in d.index else None
        where = f", most in {most}" + (f" ({money_text(there, cur, signed=True)})" if there is not None else "")
        sentences.append(f"{what} pays off in {int(d['pays_off_in'])} of {int(d['of_scenarios'])} {counted}{where}, "
                         f"and is worth {money_text(d['expected_value'], cur)} in expectation after its cost of "
                         f"{money_text(d['cost'], cur)}.")
    if (values["kind"].eq("build") & (values["built"] < 1 - 1e-6)).any():
        sentences.append("A partial build is the share of a project whose expected saving covers its cost: read it "
                         "as a smaller project or a stake in this one.")
    return " ".join(sentences)


def run_info_sheet(run) -> SheetSpec:
    return SheetSpec("Run info", pd.DataFrame(run.report.items(), columns=["item", "value"]),
                     notes={"item": "What the row records.", "value": "Its value (seconds for *_seconds)."},
                     widths={"item": 32, "value": 70}, units=units_line([SECONDS], ""))


def chart_sheets(title: str, text: str, builders: list) -> list[SheetSpec]:
    """``Charts``, and ``Charts (2)``, ``Charts (3)`` ... where there are more charts than one sheet opens
    quickly with: every chart is drawn, in order, none left out."""
    chunks = [builders[i:i + C.MAX_CHARTS] for i in range(0, len(builders), C.MAX_CHARTS)] or [[]]
    sheets = []
    for k, chunk in enumerate(chunks, start=1):
        more = f" (part {k} of {len(chunks)}; the next part on sheet Charts ({k + 1}))" if k < len(chunks) else ""
        sheets.append(SheetSpec("Charts" if k == 1 else f"Charts ({k})", pd.DataFrame({title: [text + more]}),
                                widths={title: 24}, charts=[C.place_charts(chunk)]))
    return sheets


def sheets_for(run) -> list[SheetSpec]:
    """The sheets of ``run``'s command, in the workbook's fixed order."""
    return {"solve": plan_sheets, "stress": stress_sheets, "sweep": sweep_sheets,
            "frontier": frontier_sheets, "hedge": hedge_sheets,
            "budget_frontier": budget_frontier_sheets}[run.command](run)


PLAN_TABLES = (("Investments", "investments"), ("Excess", "excess"), ("Flows", "flows"), ("Refining", "refining"),
               ("Deliveries", "deliveries"), ("Paths", "paths"), ("Reserve", "reserve"), ("Unmet", "unmet"),
               ("Priced out", "priced_out"), ("Stockpiles", "stockpiles"), ("Budgets", "budgets"))


def stockpile_charts(tables: dict[str, pd.DataFrame], style: Style) -> list:
    """What each plan spends on stock bought up front, by mineral, and what one more unit of each budget's money
    would save."""
    charts = []
    if "stockpiles" in tables:
        charts += C.grouped_by("Stockpiles", tables["stockpiles"], "mineral", "scenario", "spent",
                               "Stock bought up front: money spent by mineral", f"spent ({style.money})",
                               style.money_format())
    if "budgets" in tables:
        charts += C.grouped_by("Budgets", tables["budgets"], "budget", "scenario", "value_of_money",
                               "What one more unit of each budget's money would save", "saved per unit of money",
                               "0.00")
    return charts


def plan_tables_sheets(tables: dict[str, pd.DataFrame], style: Style) -> list[SheetSpec]:
    """The plan's tables; Investments, Excess and Paths where the workbook uses projects, soft limits or
    market rules on supply."""
    return [table_sheet(sheet, name, tables[name], style) for sheet, name in PLAN_TABLES if name in tables]


# --- planner solve -----------------------------------------------------------------------

PLAN_QUESTION = ("What is the least-cost plan, and what would each scenario cost if it were known in advance and "
                 "the plan made for it (foresight)? For the committed base plan hit by a disruption without "
                 "warning, run planner stress.")


def plan_sheets(run) -> list[SheetSpec]:
    tables = run.outcome.tables
    style = Style.of(run)
    scenarios = tables["scenarios"]
    minerals = tables["scenario_minerals"].sort_values(["mineral", "scenario"], key=_order(run), kind="stable")\
        .reset_index(drop=True)
    mix = tables["mix"]
    charts = (C.bar_chart("Scenarios", scenarios, "scenario", "cost_change",
                          "Change in total cost against the base plan, by scenario",
                          f"change in total cost ({style.money})", style.money_format(), skip=1)
              + C.grouped_by("Scenario minerals", minerals, "mineral", "scenario", "unmet_share",
                             "Unmet demand by scenario, as a share of each mineral's demand", "share of demand",
                             "0%")
              + C.scenario_mix_charts("Scenario mix", tables["scenario_mix"])
              + (C.capacity_built_charts("Capacity built", tables["capacity_built"])
                 if "capacity_built" in tables else [])
              + C.mix_charts("Mix", mix)
              + C.reserve_charts("Reserve", tables["reserve"])
              + stockpile_charts(tables, style))
    sheets = [
        summary_sheet(run, PLAN_QUESTION, "Hover over a column header for its meaning and unit. Scenarios compares "
                      "every scenario with the base plan; Policy costs prices each rule.", style,
                      answer=plan_answer(run, style)),
        table_sheet("Scenarios", "scenarios", scenarios, style, freeze_columns=1),
        table_sheet("Scenario minerals", "scenario_minerals", minerals, style, freeze_columns=2),
        *([table_sheet("Prices", "prices", tables["prices"], style, freeze_columns=4)] if "prices" in tables else []),
        *chart_sheets("Charts of the plan", "The change in cost and unmet demand each scenario brings, how each "
                    "scenario moves mining and refining between countries, the base plan's mix by country, and "
                    "reserves that fall below or rise above their target. Every chart reads cells of the sheet "
                    "its data come from; every country keeps one colour.", charts),
        *plan_tables_sheets(tables, style),
    ]
    if "policy_costs" in tables:
        sheets += explanation_sheets(tables, style)
    if "capacity_built" in tables:
        sheets.append(table_sheet("Capacity built", "capacity_built", tables["capacity_built"], style))
    sheets += [table_sheet("Scenario mix", "scenario_mix", tables["scenario_mix"], style),
               table_sheet("Mix", "mix", mix, style),
               run_info_sheet(run)]
    return sheets


def _order(run):
    minerals = {m: i for i, m in enumerate(run.data.minerals)}
    scenarios = {s: i for i, s in enumerate(["base", *run.data.scenarios])}

    def key(series: pd.Series):
        return series.map(minerals if series.name == "mineral" else scenarios)
    return key


EXPLAIN_TEXT = [
    ("What the explanation sheets show", ""),
    ("Policy costs", "For every rule, the base plan solved again without it, from the base plan's basis: what the "
                     "rule costs each mineral it touches (rule_cost = cost with every rule minus cost without this "
                     "one). Rules: all share limits; the share limits of each stage; each row of sheet shares; "
                     "all reserve targets. The LP separates by mineral, so the split per mineral is exact. Rules "
                     "overlap, so the costs of single rows do not add up to the cost of all of them."),
    ("Market bills", "Who pays: for every rule of Policy costs and every market of the minerals it touches, the "
                     "market's bill (its demand over the horizon at its marginal cost, see Marginal costs) "
                     "with every rule and with this rule off. rule_bill is what the rule adds to what "
                     "that market's buyers pay where the last tonne sets the price: what the EU's benchmark "
                     "costs the EU, or what it costs the markets it does not rule. A bill is a price times a "
                     "quantity, not a cost of the plan: a rule that moves the marginal tonne can raise one "
                     "market's bill by more than it costs the plan, and lower another's."),
    ("Shadow prices", "One row per capacity, share-limit and reserve-target constraint of the base plan. "
                      "value_per_t is the objective's DECREASE per tonne by which the limit is loosened: one more "
                      "tonne of capacity, one more tonne a scope may hold above its max_share (or below its "
                      "min_share), one tonne less of reserve target. It is >= 0 and is 0 where the limit does "
                      "not bind. value_per_share_point is the same for loosening a share limit by one percentage "
                      "point of the stage total."),
    ("Marginal costs", "The objective's INCREASE per extra tonne of demand in that market and period (the "
                       "marginal cost of supply, in currency per t): the dual of its market balance, plus that "
                       "of the bound unmet <= demand, which moves with demand. A market that leaves demand unmet "
                       "has the mineral's unmet_penalty as its marginal cost (where all of it goes unmet the "
                       "balance's dual alone could be any value above the penalty; this one cannot)."),
    ("Concentration", "Per mineral, stage and period: the top country and its share, how many countries are used "
                      "and the Herfindahl-Hirschman index (sum of squared percentage shares, 0-10,000; above 2,500 "
                      "is highly concentrated), for the base plan (plan_), the base plan without share limits "
                      "(unlimited_), the input's capacities (capacity_) and, where sheet production holds them, "
                      "observed world output (world_)."),
    ("Project values", "Where the workbook has candidate projects: for each project and period it may be built "
                       "in, its build's reduced cost, the objective's change per whole project built then. A project "
                       "left out has a reduced cost >= 0: it would have to be that much cheaper over its life to "
                       "enter the plan (cheaper_by_per_t_year: per t of capacity a year, comparable with its "
                       "fixed_cost). A mixed-integer plan has no duals of its own: they are those of the LP with "
                       "the integer choices fixed."),
    ("Degeneracy", "Duals come from one optimal basis. Where the optimum is degenerate (ties between equally "
                   "cheap sources, limits that bind exactly at a corner) other bases give other, equally valid "
                   "values: a value_per_t is then exact only for a small loosening in one direction. Policy "
                   "costs are differences of optimal objectives and are always unique."),
    ("Units", "Quantities in tonnes of contained mineral; costs in the workbook's currency, shown in the unit of "
              "the setting money_unit (the cells hold exact values)."),
]


def explanation_sheets(tables: dict[str, pd.DataFrame], style: Style) -> list[SheetSpec]:
    return [
        *([table_sheet("Who pays", "who_pays", tables["who_pays"], style, widths={"rule": 60}, freeze_columns=2)]
          if "who_pays" in tables else []),
        table_sheet("Policy costs", "policy_costs", tables["policy_costs"], style, widths={"rule": 60},
                    freeze_columns=2),
        *([table_sheet("Market bills", "market_bills", tables["market_bills"], style, widths={"rule": 60},
                       freeze_columns=2)] if "market_bills" in tables else []),
        table_sheet("Shadow prices", "shadow_prices", tables["shadow_prices"], style),
        table_sheet("Marginal costs", "marginal_costs", tables["marginal_costs"], style),
        table_sheet("Concentration", "concentration", tables["concentration"], style, freeze_columns=3),
        *([table_sheet("Project values", "project_values", tables["project_values"], style)]
          if "project_values" in tables else []),
        table_sheet("Explain", "explain", pd.DataFrame(EXPLAIN_TEXT, columns=["sheet", "meaning"]), style,
                    widths={"sheet": 34, "meaning": 120}),
    ]


# --- planner frontier --------------------------------------------------------------------


def frontier_sheets(run) -> list[SheetSpec]:
    style = Style.of(run)
    tables = run.outcome.tables
    table = tables["frontier"]
    return [
        summary_sheet(run, "How much does the plan cost as the share one country (or the scope named) may hold "
                      "of a stage is capped lower and lower?",
                      "Each row of Frontier re-solves the base plan with the scope capped at max_share of the stage "
                      "total in every period, for that mineral and stage; the workbook's own share limits are off "
                      "during the sweep. extra_cost is the mineral's cost above the plan with no cap. Frontier "
                      "summary reads the curve at every cap the workbook's own shares sheet sets.", style),
        table_sheet("Frontier summary", "frontier_summary", tables["frontier_summary"], style),
        table_sheet("Frontier", "frontier", table, style),
        *chart_sheets("Price of de-risking", "Extra cost of each mineral and stage as the cap tightens (read right to "
                    "left: 100% = no cap), down to the first cap that leaves demand unmet.",
                    C.frontier_charts("Frontier", table, style.money, style.money_format())),
        run_info_sheet(run),
    ]


def budget_frontier_sheets(run) -> list[SheetSpec]:
    style = Style.of(run)
    tables = run.outcome.tables
    table = tables["budget_frontier"]
    mix = tables["budget_mix"].sort_values(["mineral", "market", "amount"], kind="stable").reset_index(drop=True)
    money = style.money_format()
    charts = (C.bar_chart("Budget frontier", table, "amount", "expected_saving", "Expected saving at each amount of "
                          "the budget, against the smallest", f"expected saving ({style.money})", money,
                          category_format=money)
              + C.bar_chart("Budget frontier", table, "amount", "value_of_money", "What one more unit of money saves, "
                            "at each amount", "saved per unit of money", "0.00", category_format=money)
              + C.grouped_by("Budget mix", mix, "mineral", "amount", "spent", "What the money buys: spending by "
                             "mineral at each amount", f"spent ({style.money})", money, category_format=money))
    return [
        summary_sheet(run, "What should a reserve's money buy, and what is one more unit of it worth, given the "
                      "disruptions the workbook fears and their probabilities?",
                      "Each row of Budget frontier solves the hedge (one stockpile bought before anything is known, "
                      "drawn by each scenario as it needs) with the budget set to amount and nothing else changed. "
                      "Only the minerals the budget covers are solved. value_of_money is the slope of expected_cost "
                      "at that amount; saving_per_unit the slope since the previous amount.", style),
        table_sheet("Budget frontier", "budget_frontier", table, style),
        table_sheet("Budget mix", "budget_mix", mix, style),
        *chart_sheets("Value of money", "The hedge's expected cost, the value of one more unit of money and the "
                    "stockpile mix at each amount of the budget.", charts),
        run_info_sheet(run),
    ]


# --- planner stress ----------------------------------------------------------------------

STRESS_QUESTION = ("What does each disruption do to the committed base plan when it hits without warning: what it "
                   "costs, what demand goes unmet, what the reserves give? For plans made knowing each scenario in "
                   "advance, run planner solve (sheet Scenarios).")


def stress_sheets(run) -> list[SheetSpec]:
    style = Style.of(run)
    tables = run.outcome.tables
    stress = tables["stress"]
    # Mineral by mineral, so that each mineral's series of the chart is one block of the sheet.
    by_mineral = tables["stress_by_mineral"].sort_values(["mineral", "scenario"], key=_order(run), kind="stable")\
        .reset_index(drop=True)
    charts = (C.bar_chart("Stress", stress, "scenario", "extra_cost", "Extra cost of each disruption to the "
                          "committed plan", f"extra cost ({style.money})", style.money_format())
              + C.grouped_by("Stress by mineral", by_mineral, "mineral", "scenario",
                             "unmet_above_base_tonnes", "Demand left unmet beyond the base plan, by disruption",
                             "tonnes", "#,##0"))
    sheets = [
        summary_sheet(run, STRESS_QUESTION, "The base plan's flows are contracts. Each scenario hits that plan from "
                      "its first affected period on: contracts are kept up to what remains available, extra "
                      "supply is bought at (1 + spot_premium) x the scenario's unit cost, reserves may fall below "
                      "target and demand may go unmet.", style),
        table_sheet("Stress", "stress", stress, style, freeze_columns=1),
        table_sheet("Stress by mineral", "stress_by_mineral", by_mineral, style, freeze_columns=2),
        table_sheet("Scenarios", "scenarios", tables["scenarios"], style, freeze_columns=1),
    ]
    if "reserve_sizing" in tables:
        wide = tables["sizing_chart_data"]
        charts += C.sizing_charts("Sizing chart data", wide)
        sheets += [
            table_sheet("Reserve sizing", "reserve_sizing", tables["reserve_sizing"], style),
            table_sheet("Sizing runs", "sizing_runs", tables["sizing_runs"], style),
            table_sheet("Sizing chart data", "sizing_chart_data", wide, style),
        ]
    sheets.extend(chart_sheets("Stress tests", "The extra cost each disruption brings to the committed plan, the "
                              "demand it leaves unmet by mineral and, with --reserve-days, unmet demand against "
                              "reserve size.", charts))
    return sheets + plan_tables_sheets(tables, style) + [run_info_sheet(run)]


# --- planner sweep -----------------------------------------------------------------------

SWEEP_QUESTION = ("How likely is unmet demand, and how much, when the risks on sheet risks strike the committed "
                  "base plan at random, and which risks drive it?")


def sweep_sheets(run) -> list[SheetSpec]:
    style = Style.of(run)
    tables = run.outcome.tables
    sheets = [summary_sheet(run, SWEEP_QUESTION, "Each sample draws, for every risk and period, whether the event "
                            "starts (with the risk's probability); it then hits the committed base plan like a "
                            "stress test. The same seed gives the same samples and results however many workers "
                            "solve them. Means and probabilities carry 95% confidence intervals.", style)]
    if tables:
        hist = tables["unmet_distribution"]
        sheets += [
            table_sheet("Risk summary", "risk_summary", tables["risk_summary"], style, freeze_columns=2),
            table_sheet("Risk costs", "risk_costs", tables["risk_costs"], style),
            table_sheet("Risk drivers", "risk_drivers", tables["risk_drivers"], style, freeze_columns=2),
            *chart_sheets("Unmet demand distribution", "How many samples leave how much demand unmet, per mineral "
                        "(all markets and periods together); zero has its own bar.",
                        C.histogram_charts("Unmet distribution", hist)),
            table_sheet("Samples", "sweep_samples", tables["samples"], style, widths={"risks drawn": 60}),
            table_sheet("Sample unmet", "sample_unmet", tables["sample_unmet"], style),
            table_sheet("Sample costs", "sample_costs", tables["sample_costs"], style),
            table_sheet("Unmet distribution", "unmet_distribution", hist, style),
        ]
    return sheets + [run_info_sheet(run)]


# --- planner hedge -----------------------------------------------------------------------

HEDGE_QUESTION = ("Which candidate projects should be backed, and when, before anyone knows which disruption comes: "
                  "one set of builds for the base plan and every scenario, weighted by their probabilities; and "
                  "what that insurance is worth against building only what the base plan would.")


def hedge_cost_title(summary: dict, currency: str) -> str:
    """The expected-cost chart's title: its bars start at zero, so the difference they barely show is named."""
    title = "Expected cost, the hedge's builds against the base plan's own"
    saves, against = summary.get("value_of_hedging"), summary.get("expected_cost_with_base_builds")
    if saves is None or not against:
        return title
    return f"{title}: hedging saves {money_text(saves, currency)} ({percent_text(saves / against)})"


def _spread_sheets(tables: dict, style: Style) -> list[SheetSpec]:
    """How the scenarios' costs and unmet demand spread with each set of builds, and each scenario's unmet."""
    spread = [("Cost distribution", "hedge_cost_distribution"), ("Unmet distribution", "hedge_unmet_distribution"),
              ("Cost histogram", "hedge_cost_histogram"), ("Scenario unmet", "scenario_unmet")]
    return [table_sheet(sheet, TABLE_OF.get(name, name), tables[name], style, freeze_columns=1)
            for sheet, name in spread if name in tables]


TABLE_OF = {"scenario_unmet": "hedge_scenario_unmet"}


def hedge_sheets(run) -> list[SheetSpec]:
    style = Style.of(run)
    tables = run.outcome.tables
    sheets = [summary_sheet(run, HEDGE_QUESTION, "Scenarios gives each scenario's cost with the hedge's builds and "
                            "with the base plan's own (each re-planning its operations); value_of_hedging is the "
                            "difference of their expected costs. Investments lists both sets of builds; Decision "
                            "values what each decision is worth in each scenario.", style, hedge_answer(run, style))]
    if not tables:
        return sheets + [run_info_sheet(run)]
    histogram = tables.get("hedge_cost_histogram")
    charts = (C.bar_chart("Expected costs", tables["hedge_costs"], "builds", "expected_cost",
                          hedge_cost_title(dict(run.outcome.summary), style.currency),
                          f"expected cost ({style.money})", style.money_format())
              + (C.cost_histogram_chart("Cost histogram", histogram, style.currency)
                 if histogram is not None and len(histogram) > 1 else [])
              + C.capacity_built_charts("Capacity built", tables["capacity_built"])
              + stockpile_charts(tables, style))
    sheets += [
        table_sheet("Scenarios", "hedge_scenarios", tables["scenarios"], style, widths={"risks drawn": 60},
                    freeze_columns=1),
        table_sheet("Investments", "investments", tables["investments"], style),
        *([table_sheet("Decision values", "decision_values", tables["decision_values"], style, freeze_columns=1,
                       widths={"reading": 50})] if "decision_values" in tables else []),
        *chart_sheets("Hedging", "The expected cost of each set of builds, and the capacity each builds by country and "
                    "period.", charts),
        table_sheet("Expected costs", "hedge_costs", tables["hedge_costs"], style),
        *_spread_sheets(tables, style),
        table_sheet("Capacity built", "capacity_built", tables["capacity_built"], style),
        *[s for s in plan_tables_sheets(tables, style) if s.name != "Investments"],
        run_info_sheet(run),
    ]
    return sheets

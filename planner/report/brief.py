"""``planner brief``: one self-contained HTML page that answers a plan workbook in five minutes.

The page is built only from the tables ``planner solve`` wrote (read back with pandas), so every figure
on it can be traced to a cell: the answer in a few sentences, what each scenario does, where each mineral
flows (a Sankey drawn here as inline SVG, base plan beside one scenario), how prices move, and the stock
and projects the plan buys. It works offline: inline CSS and inline SVG only, no script, no font, no
image fetched from anywhere, so it can be mailed or opened on an air-gapped machine.
"""

from __future__ import annotations

import html
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planner.errors import UsageError
from planner.numbers import money_text as money
from planner.numbers import percent_text as percent
from planner.numbers import tonnes_text as tonnes
from planner.report.charts import OTHER, country_colours
from planner.report.xlsx import replace_atomically

# Sheets without which a workbook is not a plan; the others are optional (older plans, --no-explain).
REQUIRED = {"Summary": ("item", "value"), "Scenarios": ("scenario",),
            "Flows": ("scenario", "mineral", "period", "origin", "refiner", "tonnes"),
            "Deliveries": ("scenario", "mineral", "period", "refiner", "market", "tonnes")}
BASE = "base"
# A scenario named like this raises demand even where its rows cannot be read (no Scenario minerals).
DEMAND_WORDS = re.compile(r"demand|surge|boom|growth|spike", re.IGNORECASE)
TOP_NODES = 8  # per column of a flow diagram; the rest are drawn as one node, so labels stay legible
MARKET_COLOUR = "#4A5568"


# --- reading ---------------------------------------------------------------------------------------


@dataclass
class Plan:
    """The plan workbook's sheets, and what every section reads from them."""

    path: Path
    sheets: dict[str, pd.DataFrame]
    summary: dict[str, object] = field(default_factory=dict)

    @property
    def currency(self) -> str:
        value = self.summary.get("currency")
        return str(value) if isinstance(value, str) and value.strip() else "USD"

    def sheet(self, name: str) -> pd.DataFrame | None:
        """The sheet, or None where the plan has none (or an empty one)."""
        frame = self.sheets.get(name)
        return frame if frame is not None and not frame.empty else None

    def number(self, item: str) -> float | None:
        """A Summary figure as a number, None where it is absent or blank."""
        return _float(self.summary.get(item))

    @property
    def scenarios(self) -> pd.DataFrame:
        return self.sheets["Scenarios"]

    @property
    def scenario_names(self) -> list[str]:
        return [str(s) for s in self.scenarios["scenario"] if str(s) != BASE]

    @property
    def periods(self) -> list:
        frame = pd.concat([self.sheets["Flows"]["period"], self.sheets["Deliveries"]["period"]])
        return sorted(frame.dropna().unique().tolist())

    @property
    def minerals(self) -> list[str]:
        """Minerals in the workbook's own order (Scenario minerals follows the input's)."""
        columns = [self.sheets[s]["mineral"] for s in ("Scenario minerals", "Flows", "Deliveries")
                   if s in self.sheets and "mineral" in self.sheets[s]]
        return list(dict.fromkeys(str(m) for col in columns for m in col.dropna()))


def read_plan(path: str | os.PathLike) -> Plan:
    """Read a plan workbook; a missing file or a workbook that is not a plan is a UsageError (exit 2)."""
    path = Path(path)
    if not path.exists():
        raise UsageError(f"plan {path} not found")
    if not path.is_file():
        raise UsageError(f"plan {path} is not a file")
    try:
        sheets = pd.read_excel(path, sheet_name=None)
    except OSError:
        raise  # unreadable: the command line names the file and the reason
    except Exception as exc:  # zip, XML or format errors alike: this file is no workbook pandas can read
        raise UsageError(f"{path} is not an Excel workbook ({type(exc).__name__}); expected a plan written by "
                         "planner solve") from None
    missing = [name for name in REQUIRED if name not in sheets]
    if missing:
        raise UsageError(f"{path} is not a plan written by planner solve: no sheet {', '.join(missing)}")
    for name, columns in REQUIRED.items():
        lacking = [c for c in columns if c not in sheets[name].columns]
        if lacking:
            raise UsageError(f"{path} is not a plan written by planner solve: sheet {name} has no column "
                             f"{', '.join(lacking)}")
    for name in ("Flows", "Deliveries"):  # scenario and market names compared as text, tonnes as numbers
        frame = sheets[name]
        frame["tonnes"] = pd.to_numeric(frame["tonnes"], errors="coerce").fillna(0.0)
    summary = dict(zip(sheets["Summary"]["item"].astype(str), sheets["Summary"]["value"]))
    sheets["Scenarios"]["scenario"] = sheets["Scenarios"]["scenario"].astype(str)
    return Plan(path, sheets, summary)


def default_output(plan_path: str | os.PathLike) -> Path:
    """``plan.xlsx`` -> ``plan-brief.html``, beside the plan."""
    path = Path(plan_path)
    stem = path.stem if path.suffix.lower() in (".xlsx", ".xlsm") else path.name
    return path.with_name(f"{stem}-brief.html")


def _float(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


# --- scenarios: which to rank, which to draw ----------------------------------------------------------


def scenario_kinds(plan: Plan) -> dict[str, str | None]:
    """``demand shock``, ``supply disruption`` or None (cannot tell) for every scenario but base.

    A demand shock is a scenario whose name or rows raise demand; the rows are Scenario minerals'
    demand against the base plan's. A scenario whose rows leave demand as it is disrupts supply (an export
    ban, a quota, a tariff); one that lowers demand is neither.
    """
    demand = _demand_by_scenario(plan)
    base = demand.get(BASE)
    kinds = {}
    for name in plan.scenario_names:
        own = demand.get(name)
        if DEMAND_WORDS.search(name):
            kinds[name] = "demand shock"
        elif base is None or own is None:
            kinds[name] = None
        elif (own > base * (1 + 1e-9) + 1e-9).any():
            kinds[name] = "demand shock"
        elif (own < base * (1 - 1e-9) - 1e-9).any():
            kinds[name] = None
        else:
            kinds[name] = "supply disruption"
    return kinds


def _demand_by_scenario(plan: Plan) -> dict[str, pd.Series]:
    """Each scenario's demand by mineral (Scenario minerals), empty where the plan does not say."""
    frame = plan.sheet("Scenario minerals")
    if frame is None or not {"scenario", "mineral", "demand"} <= set(frame.columns):
        return {}
    frame = frame.assign(scenario=frame["scenario"].astype(str),
                         demand=pd.to_numeric(frame["demand"], errors="coerce"))
    return {str(s): g.set_index("mineral")["demand"].sort_index() for s, g in frame.groupby("scenario", sort=False)}


def cost_measure(plan: Plan) -> str:
    """The column scenarios are ranked by: the economic cost change (what the world loses, tariffs being
    transfers) where the plan has it, else the change in total cost."""
    columns = plan.scenarios.columns
    if "economic_cost_change" in columns and plan.scenarios["economic_cost_change"].notna().any():
        return "economic_cost_change"
    return "cost_change"


def scenario_rows(plan: Plan) -> pd.DataFrame:
    """Every scenario but base that solved, with its kind and its figures as numbers."""
    frame = plan.scenarios[plan.scenarios["scenario"] != BASE].copy()
    for column in ("total_cost", "cost_change", "economic_cost_change", "unmet_change", "cost_change_pct"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce") if column in frame else float("nan")
    kinds = scenario_kinds(plan)
    frame["kind"] = frame["scenario"].map(kinds)
    return frame


def costliest(rows: pd.DataFrame, measure: str, kind: str | None = None, besides: str | None = None):
    """The row of the costliest scenario (of ``kind`` where given, other than ``besides``), else None."""
    pool = rows[rows[measure].notna()]
    if kind is not None:
        pool = pool[pool["kind"] == kind]
    if besides is not None:
        pool = pool[pool["scenario"] != besides]
    if pool.empty:
        return None
    return pool.loc[pool[measure].idxmax()]


def choose_scenario(plan: Plan, name: str | None) -> str | None:
    """The scenario drawn beside the base plan: ``name``, else the costliest by ``cost_measure``."""
    names = plan.scenario_names
    if name is not None:
        if name not in names:
            shown = ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
            raise UsageError(f"unknown scenario {name!r}; the plan's scenarios: {shown or 'none'}")
        return name
    rows = scenario_rows(plan)
    best = costliest(rows, cost_measure(plan))
    if best is not None:
        return str(best["scenario"])
    return names[0] if names else None


# --- the answer in words ------------------------------------------------------------------------------


# The plan's tables by the sheet each is written to: a Plan made from a run before its workbook exists.
SHEET_OF_TABLE = {"scenarios": "Scenarios", "scenario_minerals": "Scenario minerals", "flows": "Flows",
                  "deliveries": "Deliveries", "stockpiles": "Stockpiles", "investments": "Investments",
                  "prices": "Prices", "budgets": "Budgets"}


def plan_of_tables(path, tables: dict[str, pd.DataFrame], summary: dict[str, object]) -> Plan:
    """A Plan read from a run's own tables and Summary items (what its workbook will hold)."""
    sheets = {SHEET_OF_TABLE[name]: frame.copy() for name, frame in tables.items() if name in SHEET_OF_TABLE}
    for name in ("Flows", "Deliveries"):
        sheets.setdefault(name, pd.DataFrame(columns=["scenario", "mineral", "period", "tonnes"]))
    sheets["Scenarios"]["scenario"] = sheets["Scenarios"]["scenario"].astype(str)
    return Plan(Path(path), sheets, dict(summary))


def plain_text(sentences: list[str]) -> str:
    """The sentences as one paragraph of plain text (no tags, entities read)."""
    return html.unescape(re.sub(r"<[^>]+>", "", " ".join(sentences)))


def answer_sentences(plan: Plan) -> list[str]:
    """A few sentences, every figure read from the workbook (as HTML, names escaped)."""
    cur = plan.currency
    out = [_cost_sentence(plan, cur), _unmet_sentence(plan, cur)]
    out += _scenario_sentences(plan, cur)
    out += [_rules_sentence(plan, cur), _stock_sentence(plan, cur), _projects_sentence(plan)]
    return [s for s in out if s]


def _cost_sentence(plan: Plan, cur: str) -> str:
    total, economic = plan.number("total_cost"), plan.number("economic_cost")
    if total is None:
        return "The base plan has no cost: its solve did not reach a proven optimum (see the status above)."
    periods = plan.periods
    span = f" over {periods[0]}&ndash;{periods[-1]}" if len(periods) > 1 else (f" in {periods[0]}" if periods else "")
    text = f"The base plan costs <b>{money(total, cur)}</b> in total{span}"
    if economic is not None:
        text += (f"; its economic cost, leaving out tariffs and penalties that only move money between parties, "
                 f"is <b>{money(economic, cur)}</b>")
    return text + "."


def _unmet_sentence(plan: Plan, cur: str) -> str:
    unmet, share, lost = plan.number("unmet_tonnes"), plan.number("unmet_share"), plan.number("lost_value")
    if unmet is None:
        return ""
    if unmet <= 0:
        return "It meets every tonne of demand."
    text = f"It leaves <b>{tonnes(unmet)}</b> of demand unmet"
    if share is not None:
        text += f" ({percent(share)} of demand"
        text += f", valued at {money(lost, cur)})" if lost else ")"
    short = plan.summary.get("minerals_short")
    if isinstance(short, str) and short.strip() and short.strip().lower() != "none":
        text += f"; more than 1% of demand goes unmet for {html.escape(short)}"
    return text + "."


def _scenario_sentences(plan: Plan, cur: str) -> list[str]:
    rows = scenario_rows(plan)
    if rows.empty:
        return ["The plan has no scenarios."]
    measure = cost_measure(plan)
    supply = costliest(rows, measure, "supply disruption")
    shock = costliest(rows, measure, "demand shock", besides=None if supply is None else supply["scenario"])
    out = []
    if supply is None and shock is None:  # no scenario can be told apart: rank them all
        worst = costliest(rows, measure)
        if worst is not None:
            out.append(f"The costliest scenario is {_effect(worst, measure, cur)}.")
    else:
        if supply is not None:
            out.append(f"The costliest supply disruption is {_effect(supply, measure, cur)}.")
        if shock is not None:
            lead = "Apart from it, the" if supply is not None else "The"
            out.append(f"{lead} costliest demand shock is {_effect(shock, measure, cur)}.")
        elif supply is not None:
            out.append("No scenario raises demand.")
    failed = rows[rows["total_cost"].isna()]
    if not failed.empty:
        out.append(f"{len(failed)} scenario{'s' if len(failed) != 1 else ''} did not solve to optimality: "
                   f"{html.escape(', '.join(failed['scenario']))}.")
    return out


def _effect(row, measure: str, cur: str) -> str:
    """``<name>: it raises the cost by X (economic cost +Y) and leaves Z more demand unmet``."""
    name = f"<b>{html.escape(str(row['scenario']))}</b>"
    change, economic = _float(row.get("cost_change")), _float(row.get("economic_cost_change"))
    verb = "raises" if (change or 0) >= 0 else "lowers"
    text = f"{name}: it {verb} the cost by <b>{money(abs(change or 0), cur)}</b>"
    pct = _float(row.get("cost_change_pct"))
    extra = [percent(pct, signed=True)] if pct is not None else []
    if economic is not None:
        extra.append(f"economic cost {money(economic, cur, signed=True)}")
    if extra:
        text += f" ({'; '.join(extra)})"
    unmet = _float(row.get("unmet_change"))
    if unmet is not None and abs(unmet) > 1e-6:
        text += f" and leaves <b>{tonnes(abs(unmet))}</b> {'more' if unmet > 0 else 'less'} demand unmet"
    elif unmet is not None:
        text += " with unmet demand unchanged"
    return text


def _rules_sentence(plan: Plan, cur: str) -> str:
    shares, reserves = plan.number("share_limits_cost"), plan.number("reserve_targets_cost")
    parts = []
    if shares is not None:
        parts.append(f"the share limits cost <b>{money(shares, cur)}</b>")
    if reserves is not None:
        parts.append(f"the reserve targets cost <b>{money(reserves, cur)}</b>")
    if not parts:
        solved = plan.number("total_cost") is not None
        return "" if "Policy costs" in plan.sheets or not solved else \
            "What the rules cost was not computed (the plan was solved with --no-explain)."
    text = " and ".join(parts)
    return f"Together, {text}: what the base plan would save without each set of rules (sheet Policy costs)."


def _stock_sentence(plan: Plan, cur: str) -> str:
    piles = _base_rows(plan.sheet("Stockpiles"))
    if piles is None:
        return ""
    bought = pd.to_numeric(piles.get("bought"), errors="coerce").sum()
    spent = pd.to_numeric(piles.get("spent"), errors="coerce").sum()
    if bought <= 0:
        return "The base plan buys no stock up front."
    return f"It buys <b>{tonnes(bought)}</b> of stock up front for <b>{money(spent, cur)}</b>."


def _projects_sentence(plan: Plan) -> str:
    built = _base_rows(plan.sheet("Investments"))
    if built is None:
        return "" if "Investments" not in plan.sheets else "It backs no new project."
    names = list(dict.fromkeys(built["project"].astype(str)))
    listed = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f"It backs {len(names)} new project{'s' if len(names) != 1 else ''}: {html.escape(listed)}."


def _base_rows(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    if frame is None or "scenario" not in frame:
        return None
    rows = frame[frame["scenario"].astype(str) == BASE]
    return rows if not rows.empty else None


# --- flow diagrams (Sankey, inline SVG) ---------------------------------------------------------------

W, LEFT, RIGHT, TOP, NODE_W, GAP = 680, 112, 176, 30, 12, 14


@dataclass
class Node:
    """One country (or the gathered rest) in one column, its tonnes and its place on the plot."""

    column: int  # 0 mines, 1 refiners, 2 markets
    key: str
    tonnes_in: float = 0.0
    tonnes_out: float = 0.0
    y: float = 0.0
    h: float = 0.0

    @property
    def size(self) -> float:
        """A refiner is drawn as tall as the larger of raw tonnes in and refined tonnes out."""
        return max(self.tonnes_in, self.tonnes_out)


@dataclass
class Diagram:
    """One mineral's flows in one plan: nodes per column, and the bands between them."""

    nodes: dict[tuple[int, str], Node]
    links: list[tuple[tuple[int, str], tuple[int, str], float]]
    unmet: dict[str, float]

    def column(self, c: int) -> list[Node]:
        return [n for n in self.nodes.values() if n.column == c]

    def column_size(self, c: int) -> float:
        return sum(n.size for n in self.column(c))


def _groups(plan: Plan, mineral: str, scenarios: list[str]) -> list[dict[str, str]]:
    """Per column, each country's node: the largest TOP_NODES by tonnes over the diagrams drawn, the rest
    gathered into one, the same for base and scenario so their diagrams compare node by node."""
    flows, deliveries = (_rows(plan.sheets[s], mineral, scenarios) for s in ("Flows", "Deliveries"))
    columns = [flows.groupby("origin")["tonnes"].sum(),
               pd.concat([flows.groupby("refiner")["tonnes"].sum(), deliveries.groupby("refiner")["tonnes"].sum()])
               .groupby(level=0).sum(),
               deliveries.groupby("market")["tonnes"].sum()]
    groups = []
    for totals in columns:
        ranked = [str(k) for k in totals.sort_values(ascending=False, kind="stable").index]
        kept, rest = ranked[:TOP_NODES], ranked[TOP_NODES:]
        if len(rest) == 1:  # one more node is no clutter: keep its name
            kept, rest = ranked, []
        label = f"{len(rest)} others"
        groups.append({**{k: k for k in kept}, **{k: label for k in rest}})
    return groups


def _rows(frame: pd.DataFrame, mineral: str, scenarios: list[str]) -> pd.DataFrame:
    """The rows of ``mineral`` in ``scenarios``, with positive tonnes (names as text)."""
    rows = frame[(frame["mineral"].astype(str) == mineral) & frame["scenario"].astype(str).isin(scenarios)
                 & (frame["tonnes"] > 0)]
    return rows.astype({c: str for c in ("origin", "refiner", "market") if c in rows})


def diagram(plan: Plan, mineral: str, scenario: str, groups: list[dict[str, str]]) -> Diagram:
    """One mineral's flows in one plan, tonnes summed over periods: mines -> refiners -> markets."""
    flows = _rows(plan.sheets["Flows"], mineral, [scenario])
    deliveries = _rows(plan.sheets["Deliveries"], mineral, [scenario])
    mines = flows.assign(a=flows["origin"].map(groups[0]), b=flows["refiner"].map(groups[1]))
    ships = deliveries.assign(a=deliveries["refiner"].map(groups[1]), b=deliveries["market"].map(groups[2]))
    nodes: dict[tuple[int, str], Node] = {}
    links = []
    for col, frame in ((0, mines), (1, ships)):
        for (a, b), t in frame.groupby(["a", "b"], sort=False)["tonnes"].sum().items():
            source = nodes.setdefault((col, a), Node(col, a))
            target = nodes.setdefault((col + 1, b), Node(col + 1, b))
            source.tonnes_out += t
            target.tonnes_in += t
            links.append(((col, a), (col + 1, b), float(t)))
    return Diagram(nodes, links, _unmet(plan, mineral, scenario))


def _unmet(plan: Plan, mineral: str, scenario: str) -> dict[str, float]:
    """Tonnes left unserved per market over every period (sheet Unmet)."""
    frame = plan.sheet("Unmet")
    if frame is None or not {"scenario", "mineral", "market", "tonnes"} <= set(frame.columns):
        return {}
    rows = frame[(frame["scenario"].astype(str) == scenario) & (frame["mineral"].astype(str) == mineral)]
    totals = pd.to_numeric(rows["tonnes"], errors="coerce").groupby(rows["market"].astype(str)).sum()
    return {k: float(v) for k, v in totals.items() if v > 1e-9}


def layout(diagrams: list[Diagram], groups: list[dict[str, str]]) -> tuple[float, float]:
    """Place every node, one scale (px per tonne) for all the diagrams so base and scenario compare by eye;
    return the plot's height and the scale."""
    most = max([len(d.column(c)) for d in diagrams for c in range(3)] + [1])
    height = max(170.0, min(420.0, 36.0 * most + 40))
    sizes = [(d.column_size(c), len(d.column(c))) for d in diagrams for c in range(3)]
    scales = [(height - GAP * (n - 1)) / size for size, n in sizes if size > 0]
    scale = min(scales) if scales else 1.0  # the tallest column fills the plot; no flows: any scale will do
    order = [list(dict.fromkeys(g.values())) for g in groups]  # largest first, 'others' last
    for d in diagrams:
        for c in range(3):
            nodes = sorted(d.column(c), key=lambda n: order[c].index(n.key) if n.key in order[c] else len(order[c]))
            total = sum(max(n.size * scale, 2.0) for n in nodes) + GAP * (len(nodes) - 1)
            y = TOP + max(0.0, (height - total) / 2)  # centre the column
            for n in nodes:
                n.y, n.h = y, max(n.size * scale, 2.0)
                y += n.h + GAP
    return height, scale


def _x(column: int) -> float:
    return [LEFT, (LEFT + W - RIGHT - NODE_W) / 2, W - RIGHT - NODE_W][column]


def svg(d: Diagram, title: str, height: float, scale: float, colours: dict[str, str]) -> str:
    """The diagram as inline SVG: bands coloured by where they come from, every node labelled."""
    total_h = TOP + height + 12
    parts = [f'<svg class="sankey" viewBox="0 0 {W} {total_h:.0f}" role="img" aria-label="{html.escape(title)}">',
             f"<title>{html.escape(title)}</title>"]
    for c, head in enumerate(("Mines", "Refiners", "Markets")):
        anchor = ("end", "middle", "start")[c]
        x = _x(c) + (NODE_W if c == 2 else NODE_W / 2 if c == 1 else 0)
        parts.append(f'<text class="col" x="{x:.1f}" y="14" text-anchor="{anchor}">{head}</text>')
    if not d.links:
        parts.append(f'<text class="empty" x="{W / 2:.0f}" y="{TOP + height / 2:.0f}" text-anchor="middle">'
                     "no flows in this plan</text></svg>")
        return "".join(parts)
    parts += _bands(d, scale, colours)
    parts += _node_marks(d, colours)
    parts.append("</svg>")
    return "".join(parts)


def _bands(d: Diagram, scale: float, colours: dict[str, str]) -> list[str]:
    """One band per link, stacked on each node in the order of the node at its other end (fewer crossings)."""
    out_at = {k: n.y for k, n in d.nodes.items()}
    in_at = dict(out_at)
    parts = []
    for a, b, t in sorted(d.links, key=lambda link: (d.nodes[link[0]].y, d.nodes[link[1]].y)):
        w = max(t * scale, 0.7)
        x0, x1 = _x(a[0]) + NODE_W, _x(b[0])
        y0, y1 = out_at[a], in_at[b]
        out_at[a] += t * scale
        in_at[b] += t * scale
        xm = (x0 + x1) / 2
        path = (f"M{x0:.1f},{y0:.1f}C{xm:.1f},{y0:.1f} {xm:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"
                f"L{x1:.1f},{y1 + w:.1f}C{xm:.1f},{y1 + w:.1f} {xm:.1f},{y0 + w:.1f} {x0:.1f},{y0 + w:.1f}Z")
        unit = "raw" if a[0] == 0 else "refined"
        tip = f"{a[1]} \u2192 {b[1]}: {tonnes(t)} {unit}"
        parts.append(f'<path d="{path}" fill="{_colour(a[1], colours)}" fill-opacity="0.45">'
                     f"<title>{html.escape(tip)}</title></path>")
    return parts


def _node_marks(d: Diagram, colours: dict[str, str]) -> list[str]:
    """The node bars and their labels: code and tonnes (mines: mined; refiners: refined output; markets:
    delivered, and what goes unmet)."""
    parts = []
    for n in d.nodes.values():
        x = _x(n.column)
        fill = MARKET_COLOUR if n.column == 2 and n.key not in colours else _colour(n.key, colours)
        shown = n.tonnes_out if n.column < 2 else n.tonnes_in
        tip = f"{n.key}: {tonnes(n.tonnes_in)} raw in, {tonnes(n.tonnes_out)} refined out" if n.column == 1 \
            else f"{n.key}: {tonnes(shown)}"
        parts.append(f'<rect x="{x:.1f}" y="{n.y:.1f}" width="{NODE_W}" height="{n.h:.1f}" fill="{fill}">'
                     f"<title>{html.escape(tip)}</title></rect>")
        label = f"{n.key} {tonnes(shown)}"
        ty = n.y + n.h / 2 + 4
        if n.column == 0:
            parts.append(f'<text x="{x - 5:.1f}" y="{ty:.1f}" text-anchor="end">{html.escape(label)}</text>')
        elif n.column == 1:
            parts.append(f'<text class="mid" x="{x + NODE_W + 4:.1f}" y="{ty:.1f}">{html.escape(label)}</text>')
        else:  # what goes unmet on the same line: a second line would run into the next market's label
            gap = f'<tspan class="unmet"> {html.escape(tonnes(d.unmet[n.key]))} unmet</tspan>' \
                if d.unmet.get(n.key) else ""
            parts.append(f'<text x="{x + NODE_W + 5:.1f}" y="{ty:.1f}">{html.escape(label)}{gap}</text>')
    for market, t in d.unmet.items():  # a market that receives nothing at all still shows its gap
        if (2, market) not in d.nodes:
            parts.append(f'<text class="unmet" x="{_x(2):.1f}" y="{TOP + 8:.1f}">{html.escape(market)}: '
                         f"{html.escape(tonnes(t))} unmet</text>")
    return parts


def _colour(code: str, colours: dict[str, str]) -> str:
    return colours.get(code, OTHER)


def plan_colours(plan: Plan) -> dict[str, str]:
    """The colour of every country that mines or refines in the plan, as every workbook's charts colour it."""
    flows = plan.sheets["Flows"]
    return country_colours(dict.fromkeys([*flows["origin"].astype(str), *flows["refiner"].astype(str)]))


def flow_section(plan: Plan, scenario: str | None, chosen_by_user: bool = False) -> str:
    """Per mineral, the base plan's flow diagram beside the chosen scenario's, on one scale."""
    colours = plan_colours(plan)
    shown = [BASE] + ([scenario] if scenario else [])
    status = dict(zip(plan.scenarios["scenario"], plan.scenarios.get("status", pd.Series(dtype=str)).astype(str)))
    periods = plan.periods
    span = f"{periods[0]}&ndash;{periods[-1]}" if len(periods) > 1 else (str(periods[0]) if periods else "")
    span = span or "every period"
    out = ['<section id="flows"><h2>Where each mineral flows</h2>',
           f'<p class="note">Tonnes summed over {span}. Left bands: raw material from the mine country to the '
           "refining country; right bands: refined output to each market (smaller by the refining yield). Nodes "
           "carry the country code and tonnes (refiners: refined output); hover a band for its tonnes. Base and "
           f"scenario are drawn on one scale. Scenario shown: <b>{html.escape(scenario or 'none')}</b>"
           + (" (chosen with --scenario)" if chosen_by_user else
              " (the costliest, as ranked above; choose another with --scenario NAME)" if scenario else "")
           + ".</p>"]
    changes = _mineral_changes(plan, scenario)
    if not plan.minerals:
        out.append('<p class="warn">The plan has no flows: no solve reached an optimum.</p>')
    for mineral in plan.minerals:
        groups = _groups(plan, mineral, shown)
        diagrams = [diagram(plan, mineral, s, groups) for s in shown]
        height, scale = layout(diagrams, groups)
        out.append(f'<h3>{html.escape(mineral.replace("_", " ").capitalize())}</h3><div class="pair">')
        for s, d in zip(shown, diagrams):
            caption = "Base plan" if s == BASE else f"Scenario: {html.escape(s)}"
            if s != BASE and mineral in changes:
                caption += f' <span class="delta">{changes[mineral]}</span>'
            if status.get(s, "Optimal") not in ("Optimal", "nan"):
                caption += f' <span class="bad">({html.escape(status[s])})</span>'
            title = f"{mineral}, {'base plan' if s == BASE else s}: mines to refiners to markets"
            out.append(f"<figure><figcaption>{caption}</figcaption>{svg(d, title, height, scale, colours)}</figure>")
        out.append("</div>")
    out.append("</section>")
    return "".join(out)


def _mineral_changes(plan: Plan, scenario: str | None) -> dict[str, str]:
    """Per mineral, what the scenario changes: ``cost +X; unmet +Y`` (sheet Scenario minerals)."""
    frame = plan.sheet("Scenario minerals")
    if scenario is None or frame is None or "scenario" not in frame:
        return {}
    rows = frame[frame["scenario"].astype(str) == scenario]
    out = {}
    for _, row in rows.iterrows():
        cost, unmet = _float(row.get("cost_change")), _float(row.get("unmet_change"))
        bits = []
        if cost is not None:
            bits.append(f"cost {money(cost, plan.currency, signed=True)}" if abs(cost) > 1e-6 else "cost unchanged")
        if unmet is not None and abs(unmet) > 1e-6:
            bits.append(f"unmet {tonnes(unmet, signed=True)}")
        out[str(row["mineral"])] = "; ".join(bits)
    return out


# --- tables ---------------------------------------------------------------------------------------------


def table(headers: list[str], rows: list[list[str]], numeric: set[int] | None = None,
          nowrap: set[int] | None = None) -> str:
    """A small HTML table; cells are HTML already (escaped by the caller). ``numeric`` columns align right,
    ``nowrap`` columns keep each cell on one line."""
    numeric, nowrap = numeric or set(), nowrap or set()

    def cls(i: int) -> str:
        return " class=num" if i in numeric else " class=nw" if i in nowrap else ""

    head = "".join(f"<th{cls(i) if i in numeric else ''}>{h}</th>" for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def scenario_section(plan: Plan, chosen: str | None) -> str:
    """What each scenario does: its kind, cost change, economic cost change and unmet change, costliest
    first, with a bar for the ranked measure."""
    rows = scenario_rows(plan)
    if rows.empty:
        return ""
    cur, measure = plan.currency, cost_measure(plan)
    rows = rows.sort_values(measure, ascending=False, na_position="last", kind="stable")
    top = max([abs(v) for v in rows[measure] if v == v] + [1e-300])
    hit = _minerals_hit(plan)
    body = []
    for _, r in rows.iterrows():
        value = _float(r[measure])
        width = 0 if value is None else 100 * abs(value) / top
        bar = f'<span class="bar{" neg" if (value or 0) < 0 else ""}" style="width:{width:.1f}%"></span>'
        name = html.escape(r["scenario"]) + (" <span class=tag>shown below</span>" if r["scenario"] == chosen else "")
        kind = r["kind"] if isinstance(r["kind"], str) else "cannot tell"  # None reads back as NaN
        body.append([name, html.escape(kind),
                     money(_float(r["cost_change"]), cur, signed=True),
                     money(_float(r["economic_cost_change"]), cur, signed=True),
                     f'<span class="barbox">{bar}</span>',
                     tonnes(_float(r["unmet_change"]), signed=True),
                     html.escape(hit.get(r["scenario"], ""))])
    measure_name = "economic cost change" if measure == "economic_cost_change" else "cost change"
    return ('<section id="scenarios"><h2>What each scenario does</h2>'
            f'<p class="note">Against the base plan, costliest first by {measure_name}. Each scenario is planned '
            "knowing it in advance (foresight); for the committed base plan hit without warning, run "
            "<code>planner stress</code>. The economic cost leaves out tariffs and penalties (transfers); unmet: "
            "demand left unserved beyond the base plan's. Minerals hit: those whose cost or unmet demand the "
            "scenario changes (sheet Scenario minerals).</p>"
            + table(["scenario", "kind", "cost change", "economic cost change", "", "unmet demand change",
                     "minerals hit"], body, numeric={2, 3, 5}, nowrap={1})
            + "</section>")


def _minerals_hit(plan: Plan) -> dict[str, str]:
    """Per scenario, the minerals whose cost or unmet demand it changes, largest cost change first."""
    frame = plan.sheet("Scenario minerals")
    if frame is None or not {"scenario", "mineral", "cost_change"} <= set(frame.columns):
        return {}
    frame = frame.assign(cost=pd.to_numeric(frame["cost_change"], errors="coerce").fillna(0),
                         unmet=pd.to_numeric(frame.get("unmet_change", 0), errors="coerce").fillna(0))
    moved = frame[(frame["cost"].abs() > 1e-6) | (frame["unmet"].abs() > 1e-6)]
    moved = moved.sort_values("cost", key=abs, ascending=False, kind="stable")
    return {str(s): ", ".join(g["mineral"].astype(str)) for s, g in moved.groupby("scenario", sort=False)}


def price_section(plan: Plan, scenario: str | None) -> str:
    """Per mineral (rows) and market (columns), the last period's price in the base plan and in the chosen
    scenario: one compact grid reads faster than a long list."""
    prices = plan.sheet("Prices")
    head = '<section id="prices"><h2>Prices</h2>'
    if prices is None or not {"scenario", "mineral", "market", "period", "price"} <= set(prices.columns):
        return head + '<p class="note">The plan has no Prices sheet.</p></section>'
    prices = prices.assign(scenario=prices["scenario"].astype(str), mineral=prices["mineral"].astype(str),
                           market=prices["market"].astype(str), price=pd.to_numeric(prices["price"], errors="coerce"))
    last = prices["period"].max()
    at = prices[prices["period"] == last].set_index(["scenario", "mineral", "market"])["price"]
    base_rows = prices[(prices["scenario"] == BASE) & (prices["period"] == last)]
    markets = list(dict.fromkeys(base_rows["market"]))
    rows = []
    for mineral in dict.fromkeys(base_rows["mineral"]):
        cells = [_price_cell(_float(at.get((BASE, mineral, m))),
                             _float(at.get((scenario, mineral, m))) if scenario else None, scenario is not None)
                 for m in markets]
        rows.append([html.escape(mineral.replace("_", " "))] + cells)
    cur = html.escape(plan.currency)
    shown = (f"base plan &rarr; <b>{html.escape(scenario)}</b>, and the change" if scenario else "base plan")
    return (head + f'<p class="note">Each market\'s price in the last period, {html.escape(str(last))} (not an '
            f"average over periods), in {cur} per tonne: what one more tonne delivered there is worth to the plan "
            f"(sheet Prices). Each cell: {shown}.</p>"
            + table(["mineral"] + [html.escape(m) for m in markets], rows, numeric=set(range(1, len(markets) + 1)))
            + "</section>")


def _price_cell(base: float | None, other: float | None, with_scenario: bool) -> str:
    """``48.6 k → 96.3 k`` over ``+98%``; ``unchanged`` where the scenario leaves the price as it is."""
    if base is None:
        return ""
    if not with_scenario:
        return money(base, "")
    if other is None:
        return f"{money(base, '')} &rarr; n/a"
    change = other - base
    if abs(change) <= 1e-9 * max(1.0, abs(base)):
        return f'{money(base, "")}<br><small class="same">unchanged</small>'
    pct = percent(change / base, signed=True) if base else money(change, "", signed=True)
    tone = "up" if change > 0 else "down"
    return f'{money(base, "")} &rarr; {money(other, "")}<br><small class="{tone}">{pct}</small>'


def stock_section(plan: Plan, scenario: str | None) -> str:
    """The stock bought up front, the budgets and the projects backed, base plan and chosen scenario."""
    shown = [BASE] + ([scenario] if scenario else [])
    parts = [_stockpile_table(plan, shown), _budget_table(plan, shown), _project_table(plan, shown)]
    parts = [p for p in parts if p]
    if not parts:
        return ('<section id="stock"><h2>Stock and projects</h2><p class="note">The plan buys no stock up front '
                "(no Stockpiles sheet) and has no candidate projects (no Investments sheet).</p></section>")
    return '<section id="stock"><h2>Stock and projects</h2>' + "".join(parts) + "</section>"


def _pick(frame: pd.DataFrame | None, shown: list[str]) -> pd.DataFrame | None:
    if frame is None or "scenario" not in frame:
        return None
    rows = frame[frame["scenario"].astype(str).isin(shown)]
    return rows.assign(scenario=rows["scenario"].astype(str))


def _stockpile_table(plan: Plan, shown: list[str]) -> str:
    rows = _pick(plan.sheet("Stockpiles"), shown)
    if rows is None:
        return ""
    cur = plan.currency
    body = [[html.escape(r["scenario"]), html.escape(str(r.get("mineral", ""))), html.escape(str(r.get("market", ""))),
             tonnes(_float(r.get("bought"))), money(_float(r.get("spent")), cur), tonnes(_float(r.get("end_stock")))]
            for _, r in rows.iterrows()]
    headers = ["plan", "mineral", "market", "bought", "spent", "left at the end"]
    return "<h3>Stock bought up front</h3>" + (table(headers, body, numeric={3, 4, 5}) if body else
                                               '<p class="note">None.</p>')


def _budget_table(plan: Plan, shown: list[str]) -> str:
    rows = _pick(plan.sheet("Budgets"), shown)
    if rows is None or rows.empty:
        return ""
    cur = plan.currency
    body = [[html.escape(r["scenario"]), html.escape(str(r.get("budget", ""))), money(_float(r.get("amount")), cur),
             money(_float(r.get("spent")), cur), f"{_float(r.get('value_of_money')) or 0:.2f}"]
            for _, r in rows.iterrows()]
    return "<h3>Budgets</h3>" + table(["plan", "budget", "amount", "spent", "saved per extra unit of money"], body,
                                      numeric={2, 3, 4})


def _project_table(plan: Plan, shown: list[str]) -> str:
    rows = _pick(plan.sheet("Investments"), shown)
    if rows is None:
        return ""
    body = []
    for (s, project), g in rows.groupby(["scenario", "project"], sort=False):
        first = g.iloc[0]
        body.append([html.escape(s), html.escape(str(project)), html.escape(str(first.get("mineral", ""))),
                     html.escape(str(first.get("stage", ""))), html.escape(str(first.get("country", ""))),
                     html.escape(str(g["period"].min())) if "period" in g else "",
                     percent(pd.to_numeric(g.get("fraction_built"), errors="coerce").sum()),
                     tonnes(pd.to_numeric(g.get("capacity_added"), errors="coerce").sum()) + "/period",
                     money(pd.to_numeric(g.get("fixed_cost"), errors="coerce").sum(), plan.currency)])
    return ("<h3>Projects backed</h3>" + (table(["plan", "project", "mineral", "stage", "country", "first built",
                                                 "share built", "capacity added", "fixed cost"], body,
                                                numeric={6, 7, 8}) if body else '<p class="note">None.</p>'))


# --- the page -------------------------------------------------------------------------------------------

CSS = """
:root{--ink:#1a202c;--muted:#5a6474;--line:#d8dee6;--accent:#1F4E79}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--ink);background:#f6f8fa}
main{max-width:1360px;margin:0 auto;padding:24px 28px 40px;background:#fff}
h1{font-size:26px;margin:0 0 2px}h2{font-size:20px;margin:30px 0 8px;border-bottom:2px solid var(--accent);
padding-bottom:3px}h3{font-size:16px;margin:18px 0 4px}
.sub,.note{color:var(--muted);font-size:13px;margin:2px 0 8px}
.answer p{font-size:16.5px;margin:6px 0;max-width:1100px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:14px 0 4px}
.card{flex:1 1 200px;border:1px solid var(--line);border-radius:6px;padding:8px 12px;background:#fbfcfd}
.card b{display:block;font-size:22px;color:var(--accent)}.card span{font-size:12.5px;color:var(--muted)}
.warn{background:#fff4e5;border:1px solid #f0b35a;padding:8px 12px;border-radius:6px}
table{border-collapse:collapse;font-size:13.5px;margin:6px 0 10px}
th,td{padding:4px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#eef2f6;font-weight:600}td.num,th.num{text-align:right;white-space:nowrap}td.nw{white-space:nowrap}
.barbox{display:inline-block;width:140px;height:10px;background:#eef2f6;vertical-align:middle}
.bar{display:block;height:10px;background:var(--accent)}.bar.neg{background:#2CA02C}
.tag{font-size:11px;background:var(--accent);color:#fff;border-radius:3px;padding:0 4px}
.pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:18px}
figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:6px 8px}
figcaption{font-weight:600;font-size:14px}.delta{font-weight:400;color:var(--muted)}.bad{color:#b42318}
svg.sankey{width:100%;height:auto;display:block}
svg.sankey text{font-size:11px;fill:var(--ink)}svg.sankey text.col{font-weight:600;fill:var(--muted)}
svg.sankey text.mid{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
svg.sankey .unmet{fill:#b42318;font-weight:600}svg.sankey text.empty{fill:var(--muted);font-size:14px}
code{background:#eef2f6;padding:0 3px;border-radius:3px}
small.up{color:#b42318}small.down{color:#2f7d32}small.same{color:var(--muted)}
footer{margin-top:28px;color:var(--muted);font-size:12.5px}
"""


def cards(plan: Plan) -> str:
    """The headline figures as cards beside the sentences."""
    cur = plan.currency
    items = [(money(plan.number("total_cost"), cur), "base plan, total cost"),
             (money(plan.number("economic_cost"), cur), "economic cost (without transfers)"),
             (tonnes(plan.number("unmet_tonnes")), f"demand unmet ({percent(plan.number('unmet_share'))})")]
    rules = [v for v in (plan.number("share_limits_cost"), plan.number("reserve_targets_cost")) if v is not None]
    if rules:
        items.append((money(sum(rules), cur), "share limits + reserve targets cost"))
    return '<div class="cards">' + "".join(f'<div class="card"><b>{v}</b><span>{html.escape(t)}</span></div>'
                                           for v, t in items if v != "n/a") + "</div>"


def render(plan: Plan, scenario: str | None, chosen_by_user: bool = False) -> str:
    """The whole page as one HTML string."""
    status = str(plan.summary.get("status", ""))
    source = plan.summary.get("input_file")
    warn = "" if status in ("Optimal", "", "nan") else \
        f'<p class="warn"><b>Not every solve is optimal:</b> {html.escape(status)}</p>'
    sub = " &middot; ".join(html.escape(x) for x in [
        f"plan {plan.path.name}", f"input {source}" if isinstance(source, str) else "",
        f"status {status}" if status in ("Optimal", "") else "status: not optimal (below)",
        f"money in {plan.currency}"] if x)
    sentences = "".join(f"<p>{s}</p>" for s in answer_sentences(plan))
    body = (f'<header><h1>Plan brief</h1><p class="sub">{sub}</p></header>{warn}'
            f'<section class="answer" id="answer"><h2>The answer</h2>{sentences}{cards(plan)}</section>'
            + scenario_section(plan, scenario) + flow_section(plan, scenario, chosen_by_user)
            + price_section(plan, scenario) + stock_section(plan, scenario)
            + f"<footer>Every figure on this page is read from the plan workbook {html.escape(plan.path.name)} "
              f"(sheets Summary, Scenarios, Scenario minerals, Flows, Deliveries, Unmet, Prices, Stockpiles, "
              "Investments), by planner brief.</footer>")
    title = f"Plan brief: {plan.path.name}"
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body><main>{body}</main></body></html>\n")


# --- writing --------------------------------------------------------------------------------------------


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` as the plan workbook is written (``replace_atomically``): a reader never
    sees half a page, and a failure leaves any old page in place."""
    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)

    replace_atomically(path, write, ".html.part")


def write_brief(plan_path: str | os.PathLike, output: str | os.PathLike | None = None,
                scenario: str | None = None) -> Path:
    """Read the plan, draw the page, write it atomically; return where it went."""
    plan = read_plan(plan_path)
    out = Path(output) if output else default_output(plan_path)
    if out.resolve() == Path(plan_path).resolve():
        raise UsageError(f"output {out} is the plan itself; choose another path (-o)")
    chosen = choose_scenario(plan, scenario)
    write_text_atomically(out, render(plan, chosen, chosen_by_user=scenario is not None))
    return out

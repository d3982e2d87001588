"""The input workbook's sheets and columns, declared once as data.

One declaration drives validation (types, bounds, defaults, keys, references), the
``planner template`` workbook and its column-explanation sheet, and the input reference,
docs/inputs.md (a test keeps it in sync with this file).
"""

from __future__ import annotations

from dataclasses import dataclass

# Column kinds. "name" is a free identifier, "code" an upper-cased country or market code,
# "period" a period label, "choice" one of ``choices``, "number" a finite float.
NAME, CODE, PERIOD, CHOICE, NUMBER, BOOL, TEXT = (
    "name", "code", "period", "choice", "number", "bool", "text",
)

STAGES = ("supply", "refining")
ROUTE_STAGES = ("supply", "delivery")
# Kinds that multiply an input value by the factor; then the bilateral measures (version 2).
MULTIPLYING_KINDS = ("supply_capacity", "refining_capacity", "supply_cost", "refining_cost", "demand")
LANE_KINDS = ("export_ban", "tariff")
SCENARIO_KINDS = MULTIPLYING_KINDS + LANE_KINDS
BASES = ("location", "owner")

# Largest magnitude accepted in a numeric cell: larger values are typos or unit errors
# (the whole world mines about 1e10 t of everything a year), and they wreck LP scaling.
MAX_MAGNITUDE = 1e12
# A sum of money (a budget) may be larger: Project Vault's USD 11.67 bn is 1.6e13 in KRW. Its row reaches the
# solver in units of its dearest stock (planner.model.constraints.budget), not as it is written.
MAX_TOTAL_MONEY = 1e15


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = False
    doc: str = ""
    unit: str = ""
    default: object = None
    minimum: float | None = None
    minimum_exclusive: bool = False
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    refers_to: str | None = None  # "mineral", "country", "period", "market"
    integer: bool = False
    largest: float = MAX_MAGNITUDE  # the largest magnitude a cell may hold (above it: a typo or a unit error)

    def expected(self) -> str:
        """What a valid cell holds, worded for an error message."""
        if self.kind == CHOICE:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind == BOOL:
            return "TRUE or FALSE"
        if self.kind == NUMBER:
            what = "a whole number" if self.integer else "a number"
            bounds = []
            if self.minimum is not None:
                bounds.append(f"{'>' if self.minimum_exclusive else '>='} {_fmt(self.minimum)}")
            if self.maximum is not None:
                bounds.append(f"<= {_fmt(self.maximum)}")
            text = what + (" " + " and ".join(bounds) if bounds else "")
            return text + (f" ({self.unit})" if self.unit else "")
        if self.kind == PERIOD:
            return "a period label from sheet 'periods'"
        return "a non-empty name"


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    doc: str
    required: bool = False
    key: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


_CUR = "currency/t"
_T = "t"

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "minerals",
        (
            Column("mineral", NAME, True, "Mineral name, e.g. lithium."),
            Column("raw_price", NUMBER, doc="Customs value of raw material, used for supply-stage tariffs.",
                   unit=_CUR, minimum=0),
            Column("refined_price", NUMBER, doc="Customs value of refined material, used for delivery-stage tariffs.",
                   unit=_CUR, minimum=0),
            Column("unmet_penalty", NUMBER, doc="Cost per t of demand left unserved (default: the "
                   "`unmet_penalty` setting, else 10 x the mineral's largest unit costs).", unit=_CUR, minimum=0),
        ),
        "One row a mineral.",
        required=True,
        key=("mineral",),
    ),
    Sheet(
        "countries",
        (
            Column("country", CODE, True, "ISO 3166-1 alpha-3 code, e.g. AUS."),
            Column("name", TEXT, doc="Country name, for reading only."),
            Column("groups", TEXT, doc="Comma-separated group labels, e.g. `partner, MSP, FEOC`."),
        ),
        "One row a country that mines or refines.",
        required=True,
        key=("country",),
    ),
    Sheet(
        "periods",
        (
            Column("period", PERIOD, True, "Period label, e.g. 2026 or 2027H1; periods run in sheet order."),
            Column("years", NUMBER, doc="Length of the period in years (used for days of demand).",
                   unit="years", default=1.0, minimum=0, minimum_exclusive=True),
        ),
        "The planning periods, in order.",
        required=True,
        key=("period",),
    ),
    Sheet(
        "supply",
        (
            Column("mineral", NAME, True, "Mineral.", refers_to="mineral"),
            Column("country", CODE, True, "Country where raw material is sourced.", refers_to="country"),
            Column("period", PERIOD, doc="Period; blank = every period (a row naming a period overrides it).",
                   refers_to="period"),
            Column("capacity", NUMBER, True, "Raw tonnes that can be sourced per period.", unit=_T, minimum=0),
            Column("cost", NUMBER, True, "Cost per t of raw material.", unit=_CUR, minimum=0),
        ),
        "Raw-material supply by country.",
        required=True,
        key=("mineral", "country", "period"),
    ),
    Sheet(
        "refining",
        (
            Column("mineral", NAME, True, "Mineral.", refers_to="mineral"),
            Column("country", CODE, True, "Country where refining happens.", refers_to="country"),
            Column("period", PERIOD, doc="Period; blank = every period (a row naming a period overrides it).",
                   refers_to="period"),
            Column("capacity", NUMBER, True, "Refined tonnes of output per period.", unit=_T, minimum=0),
            Column("cost", NUMBER, True, "Cost per t of refined output.", unit=_CUR, minimum=0),
            Column("yield", NUMBER, doc="t of output per t of raw input.", unit="t/t", default=1.0,
                   minimum=0, minimum_exclusive=True),
        ),
        "Refining capacity and cost by country.",
        required=True,
        key=("mineral", "country", "period"),
    ),
    Sheet(
        "demand",
        (
            Column("mineral", NAME, True, "Mineral.", refers_to="mineral"),
            Column("market", CODE, True, "Market code (free identifier, e.g. EU)."),
            Column("period", PERIOD, True, "Period.", refers_to="period"),
            Column("demand", NUMBER, True, "Refined tonnes the market needs in the period.", unit=_T, minimum=0),
            Column("price", NUMBER, doc="Reference price per t at which `demand` is bought (blank = the mineral's "
                   "refined_price); used with an elasticity.", unit=_CUR, minimum=0),
            Column("elasticity", NUMBER, doc="Own-price elasticity of demand, at most 0 (blank = the setting "
                   "`elasticity`; neither: fixed demand). Buyers take fewer tonnes as the price rises towards the "
                   "unmet penalty.", unit="", maximum=0),
        ),
        "Demand for refined mineral by market and period.",
        required=True,
        key=("mineral", "market", "period"),
    ),
    Sheet(
        "demand_curve",
        (
            Column("mineral", NAME, True, "Mineral.", refers_to="mineral"),
            Column("market", CODE, True, "Market code (a market as if it had a demand row)."),
            Column("period", PERIOD, True, "Period.", refers_to="period"),
            Column("tonnes", NUMBER, True, "Refined tonnes buyers bid for at this price.", unit=_T, minimum=0),
            Column("price", NUMBER, True, "What these buyers would pay per t: the cost of leaving them unserved.",
                   unit=_CUR, minimum=0),
        ),
        "Demand written as the steps buyers bid (defence, batteries, other uses): several rows per mineral, "
        "market and period, one a step; their tonnes add up to the demand.",
    ),
    Sheet(
        "routes",
        (
            Column("stage", CHOICE, True, "`supply` (origin -> refiner) or `delivery` (refiner -> market).",
                   choices=ROUTE_STAGES),
            Column("from", CODE, True, "Origin country (supply) or refining country (delivery).",
                   refers_to="country"),
            Column("to", CODE, True, "Refining country (supply) or market (delivery)."),
            Column("mineral", NAME, doc="Mineral; blank = every mineral (a row naming one overrides it).",
                   refers_to="mineral"),
            Column("cost", NUMBER, doc="Transport and handling cost per t.", unit=_CUR, default=0.0, minimum=0),
            Column("tariff_rate", NUMBER, doc="Ad valorem tariff as a fraction of the stage's price (0.25 = 25%).",
                   unit="fraction", default=0.0, minimum=0),
            Column("allowed", BOOL, doc="FALSE closes the route.", default=True),
        ),
        "Route costs, tariffs and closures. Pairs not listed are open at zero cost unless "
        "the setting routes_default is closed.",
        key=("stage", "from", "to", "mineral"),
    ),
    Sheet(
        "shares",
        (
            Column("stage", CHOICE, True, "`supply` or `refining`.", choices=STAGES),
            Column("scope", NAME, True, "`*` (each country on its own), `* except X` (each country but those of "
                   "country or group X), a country code or a group label (its countries together)."),
            Column("mineral", NAME, doc="Mineral; blank = every mineral.", refers_to="mineral"),
            Column("period", PERIOD, doc="Period; blank = every period.", refers_to="period"),
            Column("min_share", NUMBER, doc="Least share of the stage total the scope must hold.",
                   unit="fraction", default=0.0, minimum=0, maximum=1),
            Column("max_share", NUMBER, doc="Largest share of the stage total the scope may hold.",
                   unit="fraction", default=1.0, minimum=0, maximum=1),
            Column("market", CODE, doc="Market the rule is on: its deliveries (refining) or, traced along "
                   "each chain, the raw tonnes in them (supply). Blank = the whole plan.", refers_to="market"),
            Column("basis", CHOICE, doc="`location`: tonnes count where they are mined or refined; `owner`: "
                   "by who owns the capacity (sheet ownership).", default="location", choices=BASES),
            Column("penalty", NUMBER, doc="Blank: the limit is hard. A number: the limit may be missed at this "
                   "cost per tonne beyond it (a target, not a ban).", unit=_CUR, minimum=0),
            Column("rule", NAME, doc="Name of the rule the row belongs to: rows with the same name are one rule "
                   "(its cost and who pays are reported once); blank = the row is a rule of its own."),
        ),
        "Concentration limits: every matching row applies.",
    ),
    Sheet(
        "ownership",
        (
            Column("stage", CHOICE, True, "`supply` (mines) or `refining` (refineries).", choices=STAGES),
            Column("country", CODE, True, "Country where the capacity is.", refers_to="country"),
            Column("owner", CODE, True, "Country whose companies own this share of it.", refers_to="country"),
            Column("share", NUMBER, True, "Share of the country's capacity at the stage they own; the rest "
                   "belongs to the country itself.", unit="fraction", minimum=0, maximum=1),
            Column("mineral", NAME, doc="Mineral; blank = every mineral (a row naming one overrides it).",
                   refers_to="mineral"),
        ),
        "Who owns capacity, for share rules with basis owner. Shares of one stage, country and mineral add up "
        "to at most 1.",
        key=("stage", "country", "owner", "mineral"),
    ),
    Sheet(
        "reserve",
        (
            Column("mineral", NAME, True, "Mineral.", refers_to="mineral"),
            Column("market", CODE, True, "Market the stockpile serves."),
            Column("initial_stock", NUMBER, doc="Stock before the first period.", unit=_T, default=0.0, minimum=0),
            Column("max_stock", NUMBER, doc="Largest stock (blank = unbounded).", unit=_T, minimum=0),
            Column("holding_cost", NUMBER, doc="Cost per t held at the end of a period.", unit=_CUR,
                   default=0.0, minimum=0),
            Column("shortfall_penalty", NUMBER, doc="Cost per t below target (default half the unmet penalty).",
                   unit=_CUR, minimum=0),
            Column("purchase_price", NUMBER, doc="Blank: the stock before the first period is initial_stock. A "
                   "price: the plan may also buy stock at it before the first period (up to max_stock).",
                   unit=_CUR, minimum=0),
            Column("salvage", NUMBER, doc="What a t of stock held at the end of the last period is worth.",
                   unit=_CUR, default=0.0, minimum=0),
        ),
        "Strategic stockpiles of refined mineral.",
        key=("mineral", "market"),
    ),
    Sheet(
        "budgets",
        (
            Column("budget", NAME, True, "Name of the budget (e.g. Project Vault)."),
            Column("amount", NUMBER, True, "Money for stock bought before the first period.", unit="currency",
                   largest=MAX_TOTAL_MONEY,
                   minimum=0),
            Column("market", CODE, doc="The reserves of this market; blank = every market.", refers_to="market"),
            Column("mineral", NAME, doc="The reserves of this mineral; blank = every mineral.", refers_to="mineral"),
        ),
        "Money for stock bought up front: what the reserve rows it matches spend on purchases is at most amount.",
    ),
    Sheet(
        "byproducts",
        (
            Column("mineral", NAME, True, "The by-product (cobalt mined with copper).", refers_to="mineral"),
            Column("host", NAME, True, "The mineral it comes with (copper).", refers_to="mineral"),
            Column("ratio", NUMBER, True, "At most this many t of the by-product per t of the host mined.",
                   unit="t/t", minimum=0),
            Column("country", CODE, doc="Where; blank = every country whose supply sheet has rows for both "
                   "minerals.", refers_to="country"),
            Column("period", PERIOD, doc="Period; blank = every period.", refers_to="period"),
        ),
        "Supply tied to a host mineral's: a country mines the by-product only as far as it mines the host.",
    ),
    Sheet(
        "reserve_targets",
        (
            Column("mineral", NAME, True, "Mineral.", refers_to="mineral"),
            Column("market", CODE, True, "Market (needs its row on sheet reserve)."),
            Column("period", PERIOD, doc="Period; blank = every period.", refers_to="period"),
            Column("min_stock", NUMBER, doc="Stock to hold at the end of the period.", unit=_T,
                   default=0.0, minimum=0),
            Column("min_days", NUMBER, doc="Days of the period's demand to hold.", unit="days",
                   default=0.0, minimum=0),
        ),
        "Reserve targets: the larger of min_stock and min_days of demand.",
        key=("mineral", "market", "period"),
    ),
    Sheet(
        "scenarios",
        (
            Column("scenario", NAME, True, "Scenario name (rows with the same name form one scenario)."),
            Column("kind", CHOICE, True, "What the row does: multiply a capacity, cost or demand by factor; "
                   "`export_ban` closes the routes from country to `to`; `tariff` adds factor to their tariff "
                   "rate.", choices=SCENARIO_KINDS),
            Column("factor", NUMBER, doc="Multiplier (0 = all of a country's output lost); for `tariff` the "
                   "tariff-rate points added (0.25 = 25 points). Not used by `export_ban`.", unit="x", minimum=0),
            Column("mineral", NAME, doc="Mineral; blank = every mineral.", refers_to="mineral"),
            Column("country", CODE, doc="Country (the market for kind demand; the exporter for `export_ban` "
                   "and `tariff`); blank = all."),
            Column("period", PERIOD, doc="Period; blank = every period.", refers_to="period"),
            Column("to", CODE, doc="`export_ban`, `tariff`: the refining country (supply stage) or market "
                   "(delivery stage) the exports go to; blank = all (a country's routes to itself stay open)."),
            Column("stage", CHOICE, doc="`export_ban`, `tariff`: `supply` (mine to refiner) or `delivery` "
                   "(refiner to market); blank = both.", choices=ROUTE_STAGES),
            Column("probability", NUMBER, doc="Likelihood of the scenario, for planner hedge (on any of its rows); "
                   "base takes 1 minus the scenarios' sum.", unit="fraction", minimum=0, maximum=1),
        ),
        "Disruptions, shocks and bilateral measures, each solved as its own plan.",
    ),
    Sheet(
        "projects",
        (
            Column("project", NAME, True, "Project name (not a country code)."),
            Column("stage", CHOICE, True, "`supply` (a new mine) or `refining` (a new refinery).", choices=STAGES),
            Column("mineral", NAME, True, "Mineral.", refers_to="mineral"),
            Column("country", CODE, True, "Country where it would stand; it uses that country's routes.",
                   refers_to="country"),
            Column("capacity", NUMBER, True, "Tonnes a period once built (raw at supply, refined output at "
                   "refining).", unit=_T, minimum=0),
            Column("cost", NUMBER, True, "Operating cost per t.", unit=_CUR, minimum=0),
            Column("fixed_cost", NUMBER, True, "Cost per t of capacity per year while it stands (annualised "
                   "capital plus fixed upkeep).", unit="currency/t/year", minimum=0),
            Column("yield", NUMBER, doc="Refining only: t of output per t of input.", unit="t/t", default=1.0,
                   minimum=0, minimum_exclusive=True),
            Column("first_period", PERIOD, doc="First period it can be built in; blank = the first period.",
                   refers_to="period"),
            Column("integer", BOOL, doc="TRUE: built whole or not at all (a mixed-integer program); FALSE: any "
                   "fraction.", default=False),
            Column("owner", CODE, doc="Owner for share rules with basis owner; blank = its own country.",
                   refers_to="country"),
            Column("requires", NAME, doc="Another project this one needs: it is online in a period at most as far "
                   "as that project is (a mine feeding a planned refinery, a second train)."),
        ),
        "Candidate new mines and refineries: the plan chooses which to build, when, and how much.",
        key=("project",),
    ),
    Sheet(
        "risks",
        (
            Column("risk", NAME, True, "Name of the disruption."),
            Column("country", CODE, True, "Country hit.", refers_to="country"),
            Column("stage", CHOICE, True, "`supply` or `refining`.", choices=STAGES),
            Column("probability", NUMBER, True, "Chance the event starts in a period.", unit="fraction",
                   minimum=0, maximum=1),
            Column("mineral", NAME, doc="Mineral; blank = every mineral.", refers_to="mineral"),
            Column("factor", NUMBER, doc="Capacity multiplier while the event lasts.", unit="x",
                   default=0.0, minimum=0),
            Column("duration", NUMBER, doc="Periods the event lasts.", unit="periods", default=1,
                   minimum=1, integer=True),
        ),
        "Disruptions by likelihood, for risk sweeps.",
    ),
    Sheet(
        "production",
        (
            Column("mineral", NAME, True, "Mineral.", refers_to="mineral"),
            Column("stage", CHOICE, True, "`supply` (mine output) or `refining` (refined output).",
                   choices=STAGES),
            Column("country", CODE, True, "Producing country (any code; it need not be on sheet countries)."),
            Column("tonnes", NUMBER, True, "Observed output in a recent year.", unit=_T, minimum=0),
        ),
        "Observed world production by country, for comparison only: the Concentration sheet shows its "
        "top share and HHI beside the plan's.",
        key=("mineral", "stage", "country"),
    ),
    Sheet(
        "settings",
        (
            Column("key", NAME, True, "Setting name."),
            Column("value", TEXT, True, "Setting value."),
        ),
        "Run settings.",
        key=("key",),
    ),
)

SHEET_BY_NAME: dict[str, Sheet] = {s.name: s for s in SHEETS}


# Sheets that document a workbook for its readers (sources, notes): skipped without a warning,
# and listed on the output's Run info sheet.
DOCUMENTATION_SHEETS = frozenset({"sources", "readme", "notes", "about", "documentation"})


@dataclass(frozen=True)
class Setting:
    key: str
    kind: str
    default: object
    doc: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    minimum_exclusive: bool = False
    maximum: float | None = None
    integer: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("currency", TEXT, "USD", "Currency of every cost and price."),
    Setting("routes_default", CHOICE, "open", "Whether unlisted routes are open (at zero cost) or closed.",
            choices=("open", "closed")),
    Setting("unmet_penalty", NUMBER, None, "Cost per t of unmet demand for minerals without their own.",
            minimum=0),
    Setting("solver", CHOICE, "highs", "LP solver: highs (default) or cbc.", choices=("highs", "cbc")),
    Setting("time_limit", NUMBER, None, "Seconds a solve may take.", minimum=0, minimum_exclusive=True),
    Setting("spot_premium", NUMBER, 0.5, "Stress tests: spot purchases cost (1 + premium) x unit cost.",
            minimum=0),
    Setting("money_unit", CHOICE, "units", "How money is shown in the plan workbook; cells keep exact values. "
            "auto: the unit the run's headline cost calls for, in the workbook and on the terminal.",
            choices=("units", "thousands", "millions", "billions", "auto")),
    Setting("elasticity", NUMBER, None, "Own-price elasticity of demand rows without their own (at most 0); "
            "blank: fixed demand.", maximum=0),
    Setting("demand_steps", NUMBER, 10, "Elastic demand: the steps each demand row's curve is cut into.",
            minimum=1, maximum=1000, integer=True),
)

SETTING_BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}



def markdown_reference() -> str:
    """The input reference as Markdown tables; docs/inputs.md embeds it (a test keeps them equal)."""
    lines = []
    for sheet in SHEETS:
        need = "required" if sheet.required else "optional"
        lines.append(f"#### `{sheet.name}` ({need})")
        lines.append("")
        lines.append(sheet.doc + (f" Key: {', '.join(sheet.key)}." if sheet.key else ""))
        lines.append("")
        lines.append("| column | required | unit | default | meaning |")
        lines.append("|---|---|---|---|---|")
        for c in sheet.columns:
            default = "" if c.required else default_text(c.default)
            doc = c.doc.replace("|", "\\|")
            lines.append(f"| `{c.name}` | {'yes' if c.required else ''} | {c.unit} | {default} | {doc} |")
        lines.append("")
    lines.append("#### settings keys")
    lines.append("")
    lines.append("| key | default | meaning |")
    lines.append("|---|---|---|")
    for s in SETTINGS:
        default = default_text(s.default)
        choices = f" One of: {', '.join(s.choices)}." if s.choices else ""
        lines.append(f"| `{s.key}` | {default} | {s.doc}{choices} |")
    return "\n".join(lines) + "\n"


def default_text(value) -> str:
    """A default as the docs and the template show it: TRUE/FALSE, whole numbers without ``.0``."""
    if value is None:
        return "blank"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

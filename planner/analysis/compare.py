"""Every scenario against the base plan: the change in cost, in unmet demand and in who holds each stage."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from planner.analysis.measures import TRANSFERS, mineral_totals, reserve_drawn, stage_tonnes, top_shares
from planner.analysis.results import ScenarioResult, noise_free
from planner.input.data import PlannerInput
from planner.model.build import Model

# The contract's three first (scenario, status, total_cost), then what the scenario changes.
SCENARIO_COLUMNS = ["scenario", "status", "total_cost", "cost_change", "cost_change_pct", "economic_cost",
                    "economic_cost_change", "lost_value", "unmet_tonnes", "unmet_change", "unmet_share",
                    "priced_out_tonnes"]
# Money that changes hands or stands for a target missed, not resources used (spec, Version 3).
MINERAL_COLUMNS = ["scenario", "mineral", "mineral_cost", "cost_change", "demand", "unmet_tonnes", "unmet_share",
                   "unmet_change", "supply_top_country", "supply_top_share", "supply_top_share_change",
                   "refining_top_country", "refining_top_share", "refining_top_share_change"]
# A top share that moves less than this (a fraction) is unchanged (``Leader.moved``).
SHARE_MOVE = 0.005


def compare_scenarios(model: Model, data: PlannerInput, results: list[ScenarioResult]
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per scenario (cost, unmet and top shares against base), and one per scenario and mineral."""
    measured = {r.scenario: _measures(model, r) for r in results if r.optimal}
    base = measured.get(results[0].scenario)
    pairs = [(m, s) for m in data.minerals for s in ("supply", "refining")]
    rows, detail = [], []
    for r in results:
        row = {"scenario": r.scenario, "status": r.status}
        if r.scenario not in measured:
            rows.append(row)
            continue
        totals, top = measured[r.scenario]
        unmet, demand = float(totals["unmet"].sum()), float(totals["demand"].sum())
        row.update(total_cost=r.total_cost, unmet_tonnes=unmet, unmet_share=unmet / demand if demand > 0 else 0.0,
                   economic_cost=economic_cost(r), lost_value=r.components.get("unmet", 0.0),
                   priced_out_tonnes=priced_out_tonnes(model, r.solution.x))
        if base is not None:
            base_total = results[0].total_cost
            change = noise_free(r.total_cost - base_total, base_total)
            row.update(cost_change=change, cost_change_pct=change / base_total if base_total else np.nan,
                       unmet_change=noise_free(unmet - float(base[0]["unmet"].sum()), demand),
                       economic_cost_change=noise_free(row["economic_cost"] - economic_cost(results[0]), base_total))
        for c in model.cost_components:
            row[f"{c}_cost"] = r.components.get(c)
        row["route_cost"] = r.components.get("transport", 0.0) + r.components.get("tariff", 0.0)
        if data.reserves:  # the reserve's part of a change: its holding and shortfall costs, and what is drawn
            row["reserve_drawn_tonnes"] = float(reserve_drawn(model, data, r.solution.x).sum())
        for m, s in pairs:
            row[f"{m} {s}"] = _leader(top.get((m, s)), base[1].get((m, s)) if base is not None else None)
        detail += [_mineral_row(r.scenario, m, totals, top, base) for m in data.minerals]
        rows.append(row)
    columns = (SCENARIO_COLUMNS + [f"{m} {s}" for m, s in pairs] + [f"{c}_cost" for c in model.cost_components]
               + ["route_cost"] + (["reserve_drawn_tonnes"] if data.reserves else []))
    return pd.DataFrame(rows, columns=columns), pd.DataFrame(detail, columns=MINERAL_COLUMNS)


def economic_cost(r: ScenarioResult) -> float:
    """total_cost - tariff_cost - excess penalties - shortfall penalties: resources used and demand unserved.

    A tariff is paid by buyers and received by the importing government; a soft limit's or a
    reserve target's penalty prices a target, not a resource (spec, Version 3).
    """
    return r.total_cost - sum(r.components.get(c, 0.0) for c in TRANSFERS)


def priced_out_tonnes(model: Model, x: np.ndarray) -> float:
    """Tonnes of elastic and bid demand steps left unserved (the core at the unmet penalty aside)."""
    cols = model.vars.priced_out
    if not cols:
        return 0.0
    return float(x[np.fromiter(cols.values(), dtype=np.int64, count=len(cols))].sum())


def _measures(model: Model, r: ScenarioResult):
    x = r.solution.x
    top = {(t.mineral, t.stage): (t.top_country, t.top_share) for t in top_shares(model, x).itertuples()}
    return mineral_totals(model, r.numbers, x), top


class Leader(NamedTuple):
    """The country with the largest share of a mineral and stage in a scenario, beside the base plan's."""

    country: str
    share: float
    base_country: str | None = None
    base_share: float | None = None

    @property
    def moved(self) -> bool:
        """Whether the scenario moves the lead: another country leads, or the share moves by SHARE_MOVE or more."""
        return self.base_country is not None and (
            self.country != self.base_country or abs(self.share - self.base_share) >= SHARE_MOVE)


def _leader(here, there) -> Leader | None:
    if here is None:
        return None
    return Leader(here[0], here[1], *(there if there is not None else (None, None)))


def _mineral_row(scenario, m, totals, top, base) -> tuple:
    def at(frame, column):
        return float(frame.at[m, column]) if frame is not None and m in frame.index else np.nan

    cost, unmet, demand = at(totals, "cost"), at(totals, "unmet"), at(totals, "demand")
    base_totals = base[0] if base is not None else None
    row = [scenario, m, cost, noise_free(cost - at(base_totals, "cost"), cost), demand, unmet,
           unmet / demand if demand > 0 else 0.0, noise_free(unmet - at(base_totals, "unmet"), max(demand, 1.0))]
    for stage in ("supply", "refining"):
        here = top.get((m, stage))
        there = base[1].get((m, stage)) if base is not None else None
        if here is None:
            row += [None, np.nan, np.nan]
            continue
        change = noise_free(here[1] - there[1], 1.0) if there is not None and here[0] == there[0] else np.nan
        row += [here[0], here[1], change]
    return tuple(row)


MIX_COLUMNS = ["scenario", "mineral", "stage", "country", "base_tonnes", "tonnes", "change"]
# A stage whose tonnes move by less than this share of its total reads as unchanged (no mix chart).
MIX_MOVE = 0.01


def scenario_mix(model: Model, data: PlannerInput, results: list[ScenarioResult]) -> pd.DataFrame:
    """Tonnes by country over the horizon, base against each scenario, for the stages a scenario moves.

    A (scenario, mineral, stage) appears when its tonnes by country differ from the base plan's by
    more than MIX_MOVE of the stage total; countries with no tonnes in either plan are left out.
    Rows run scenario by scenario, minerals in sheet order, supply before refining, the base plan's
    largest countries first.
    """
    mineral_order = {m: i for i, m in enumerate(data.minerals)}
    base = results[0]
    if not base.optimal:
        return pd.DataFrame(columns=MIX_COLUMNS)
    base_q = _horizon_tonnes(model, base.solution.x)
    frames = []
    for r in results[1:]:
        if not r.optimal:
            continue
        q = _horizon_tonnes(model, r.solution.x)
        both = base_q.rename("base_tonnes").to_frame().join(q.rename("tonnes"), how="outer").fillna(0.0)
        both = both[(both["base_tonnes"] > 0) | (both["tonnes"] > 0)].reset_index()
        both["change"] = both["tonnes"] - both["base_tonnes"]
        total = both.groupby(["mineral", "stage"])["base_tonnes"].transform("sum").clip(lower=1e-9)
        moved = (both["change"].abs() / total).groupby([both["mineral"], both["stage"]]).transform("sum") > MIX_MOVE
        both = both[moved]
        both = both.assign(_m=both["mineral"].map(mineral_order), _s=both["stage"].map({"supply": 0, "refining": 1}))
        both = both.sort_values(["_m", "_s", "base_tonnes", "tonnes", "country"],
                                ascending=[True, True, False, False, True], kind="stable")
        both.insert(0, "scenario", r.scenario)
        frames.append(both[MIX_COLUMNS])
    if not frames:
        return pd.DataFrame(columns=MIX_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def _horizon_tonnes(model: Model, x) -> pd.Series:
    q = stage_tonnes(model, x)
    return q.groupby(["mineral", "stage", "country"], sort=False)["tonnes"].sum()

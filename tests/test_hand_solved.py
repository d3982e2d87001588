"""Tiny hand-solved planning workbooks: the exact optimum of each, worked out in the comment above it.

Unless a case says otherwise: one mineral Li with unmet_penalty 1000, one period 2026, market USA,
supply capacity 1000, refining capacity 1000, no routes sheet (every route open at zero cost).
A path's unit cost is supply cost + supply route + refining cost + delivery route (yield 1).
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.checks import check_plan, code, key
from tests.workbooks import table, write_workbook

LI = table("mineral, unmet_penalty", ("Li", 1000))
P1 = table("period", (2026,))
P2 = table("period", (2026,), (2027,))
AUS_CHN_USA = table("country", ("AUS",), ("CHN",), ("USA",))
REF_USA = table("mineral, country, capacity, cost", ("Li", "USA", 1000, 5))
DEM_100 = table("mineral, market, period, demand", ("Li", "USA", 2026, 100))


def supply(*rows):
    """supply rows (mineral, country, period, capacity, cost)."""
    return table("mineral, country, period, capacity, cost", *rows)


def book(**sheets):
    """The usual one-mineral, one-period workbook with the given sheets replaced or added."""
    wb = {
        "minerals": LI,
        "countries": AUS_CHN_USA,
        "periods": P1,
        "supply": supply(("Li", "AUS", None, 1000, 10), ("Li", "CHN", None, 1000, 12)),
        "refining": REF_USA,
        "demand": DEM_100,
    }
    wb.update(sheets)
    return wb


CASES = [
    # supply capacity: AUS (10/t) holds 60 t, so 60 from AUS and 40 from CHN (15/t); refining 5/t:
    # 60*10 + 40*15 + 100*5 = 600 + 600 + 500 = 1700.
    pytest.param(
        book(supply=supply(("Li", "AUS", None, 60, 10), ("Li", "CHN", None, 1000, 15))),
        {"total_cost": 1700, "flows": {("Li", "2026", "AUS", "USA"): 60, ("Li", "2026", "CHN", "USA"): 40},
         "components": {"supply_cost": 1200, "refining_cost": 500, "route_cost": 0, "unmet_cost": 0}},
        id="supply_capacity",
    ),
    # refining capacity: refining in AUS costs 2/t but holds 70 t, the rest in USA at 6/t; supply 10/t:
    # 100*10 + 70*2 + 30*6 = 1000 + 140 + 180 = 1320.
    pytest.param(
        book(supply=supply(("Li", "AUS", None, 1000, 10)),
             countries=table("country", ("AUS",), ("USA",)),
             refining=table("mineral, country, capacity, cost", ("Li", "AUS", 70, 2), ("Li", "USA", 1000, 6))),
        {"total_cost": 1320, "flows": {("Li", "2026", "AUS", "AUS"): 70, ("Li", "2026", "AUS", "USA"): 30},
         "output": {("Li", "2026", "AUS"): 70, ("Li", "2026", "USA"): 30}},
        id="refining_capacity",
    ),
    # refining yield: supply 10/t. CHN yield 1, cost 7: 10 + 7 = 17 per t out, but only 60 t capacity.
    # USA yield 0.8, cost 5: 10/0.8 + 5 = 17.5 per t out. So CHN 60 out (60 in), USA 40 out (50 in):
    # 60*10 + 60*7 + 50*10 + 40*5 = 600 + 420 + 500 + 200 = 1720.
    pytest.param(
        book(supply=supply(("Li", "AUS", None, 1000, 10)),
             refining=table("mineral, country, capacity, cost, yield",
                            ("Li", "CHN", 60, 7, None), ("Li", "USA", 1000, 5, 0.8))),
        {"total_cost": 1720, "flows": {("Li", "2026", "AUS", "CHN"): 60, ("Li", "2026", "AUS", "USA"): 50},
         "output": {("Li", "2026", "CHN"): 60, ("Li", "2026", "USA"): 40},
         "components": {"supply_cost": 1100, "refining_cost": 620}},
        id="refining_yield",
    ),
    # dispatch: one refinery (AUS) serves USA (60 t, route 3/t) and JPN (40 t, route 1/t); its output is
    # exactly what it ships: 100*(10 + 5) + 60*3 + 40*1 = 1500 + 180 + 40 = 1720.
    pytest.param(
        book(supply=supply(("Li", "AUS", None, 1000, 10)),
             countries=table("country", ("AUS",)),
             refining=table("mineral, country, capacity, cost", ("Li", "AUS", 1000, 5)),
             demand=table("mineral, market, period, demand", ("Li", "USA", 2026, 60), ("Li", "JPN", 2026, 40)),
             routes=table("stage, from, to, cost", ("delivery", "AUS", "USA", 3), ("delivery", "AUS", "JPN", 1))),
        {"total_cost": 1720, "output": {("Li", "2026", "AUS"): 100},
         "deliveries": {("Li", "2026", "AUS", "USA"): 60, ("Li", "2026", "AUS", "JPN"): 40},
         "components": {"route_cost": 220}},
        id="dispatch",
    ),
    # market balance without a reserve, two periods: supply capacity 80 t/period at 10/t, refining 5/t.
    # 2026: USA needs 100 -> 80 delivered, 20 unmet at 1000; 2027: only JPN (50), USA has no row = 0.
    # 80*15 + 20*1000 + 50*15 = 1200 + 20000 + 750 = 21950.
    pytest.param(
        book(periods=P2, supply=supply(("Li", "AUS", None, 80, 10)),
             demand=table("mineral, market, period, demand", ("Li", "USA", 2026, 100), ("Li", "JPN", 2027, 50))),
        {"total_cost": 21950,
         "deliveries": {("Li", "2026", "USA", "USA"): 80, ("Li", "2027", "USA", "JPN"): 50,
                        ("Li", "2027", "USA", "USA"): 0},
         "unmet": {("Li", "USA", "2026"): 20, ("Li", "USA", "2027"): 0, ("Li", "JPN", "2027"): 0}},
        id="market_balance",
    ),
    # unmet penalty from the minerals sheet (20): AUS path 10 + 5 = 15 < 20 uses its 60 t; CHN path
    # 30 + 5 = 35 > 20, so 40 t unmet: 60*15 + 40*20 = 900 + 800 = 1700.
    pytest.param(
        book(minerals=table("mineral, unmet_penalty", ("Li", 20)),
             supply=supply(("Li", "AUS", None, 60, 10), ("Li", "CHN", None, 1000, 30))),
        {"total_cost": 1700, "flows": {("Li", "2026", "AUS", "USA"): 60}, "unmet": {("Li", "USA", "2026"): 40},
         "components": {"unmet_cost": 800}},
        id="unmet_penalty_minerals",
    ),
    # unmet penalty from the setting (40) for Co, while Li keeps its own 20. Both: AUS 60 t at 10,
    # CHN at 30, refining 5, demand 100. Li: 60*15 + 40*20 = 1700 (CHN's 35 > 20).
    # Co: CHN's 35 < 40, so 60*15 + 40*35 = 900 + 1400 = 2300. Total 4000.
    pytest.param(
        book(minerals=table("mineral, unmet_penalty", ("Li", 20), ("Co", None)),
             settings=table("key, value", ("unmet_penalty", 40)),
             supply=supply(("Li", "AUS", None, 60, 10), ("Li", "CHN", None, 1000, 30),
                           ("Co", "AUS", None, 60, 10), ("Co", "CHN", None, 1000, 30)),
             refining=table("mineral, country, capacity, cost", ("Li", "USA", 1000, 5), ("Co", "USA", 1000, 5)),
             demand=table("mineral, market, period, demand", ("Li", "USA", 2026, 100), ("Co", "USA", 2026, 100))),
        {"total_cost": 4000, "unmet": {("Li", "USA", "2026"): 40, ("Co", "USA", "2026"): 0},
         "flows": {("Co", "2026", "CHN", "USA"): 40, ("Li", "2026", "CHN", "USA"): 0}},
        id="unmet_penalty_setting",
    ),
    # default unmet penalty: 10 x (largest supply cost 10 + largest refining cost 5 + largest open
    # supply route 2 + 0.1*raw_price 30 = 5 + largest delivery route 1) = 10 x 21 = 210; the closed
    # route row (cost 50) does not count. Only 60 t of supply: 60*21 + 40*210 = 1260 + 8400 = 9660.
    pytest.param(
        book(minerals=table("mineral, raw_price, unmet_penalty", ("Li", 30, None)),
             supply=supply(("Li", "AUS", None, 60, 10)),
             routes=table("stage, from, to, cost, tariff_rate, allowed",
                          ("supply", "AUS", "USA", 2, 0.1, True), ("supply", "AUS", "CHN", 50, None, False),
                          ("delivery", "USA", "USA", 1, None, None))),
        {"total_cost": 9660, "unmet": {("Li", "USA", "2026"): 40}, "flows": {("Li", "2026", "AUS", "USA"): 60},
         "components": {"supply_cost": 600, "route_cost": 360, "refining_cost": 300, "unmet_cost": 8400}},
        id="unmet_penalty_default",
    ),
    # reserve balance over two periods with initial_stock 30 and holding 1/t: supply 50 t/period at 10,
    # refining 5, demand 60 each period. Need 120 - 30 = 90 t; 2027 can ship at most 50, so 2026 ships
    # 40 and ends with 30 + 40 - 60 = 10 (held at 1), 2027 ships 50 and ends at 0.
    # 90*15 + 10*1 = 1350 + 10 = 1360.
    pytest.param(
        book(periods=P2, supply=supply(("Li", "AUS", None, 50, 10)),
             demand=table("mineral, market, period, demand", ("Li", "USA", 2026, 60), ("Li", "USA", 2027, 60)),
             reserve=table("mineral, market, initial_stock, holding_cost", ("Li", "USA", 30, 1))),
        {"total_cost": 1360, "flows": {("Li", "2026", "AUS", "USA"): 40, ("Li", "2027", "AUS", "USA"): 50},
         "stock": {("Li", "USA", "2026"): 10, ("Li", "USA", "2027"): 0},
         "components": {"holding_cost": 10}},
        id="reserve_balance_initial_stock",
    ),
    # reserve target from min_stock: target = max(20, 36.5 days x 100 / 365) = max(20, 10) = 20.
    # Holding it costs 15/t against a shortfall penalty of 500 (half of 1000): ship 120, stock 20.
    # 120*15 = 1800.
    pytest.param(
        book(reserve=table("mineral, market", ("Li", "USA")),
             reserve_targets=table("mineral, market, period, min_stock, min_days", ("Li", "USA", None, 20, 36.5))),
        {"total_cost": 1800, "stock": {("Li", "USA", "2026"): 20}, "target": {("Li", "USA", "2026"): 20},
         "shortfall": {("Li", "USA", "2026"): 0}},
        id="reserve_min_stock",
    ),
    # reserve target from min_days with half-year periods: 30 days x 73 t / (365 x 0.5) = 12 t each
    # period. Holding 1/t makes the stock exactly 12 at each period end: ship 73 + 12 = 85, then 73.
    # 158*15 + 12*1 + 12*1 = 2370 + 24 = 2394.
    pytest.param(
        book(periods=table("period, years", ("2026H1", 0.5), ("2026H2", 0.5)),
             demand=table("mineral, market, period, demand", ("Li", "USA", "2026H1", 73), ("Li", "USA", "2026H2", 73)),
             reserve=table("mineral, market, holding_cost", ("Li", "USA", 1)),
             reserve_targets=table("mineral, market, min_days", ("Li", "USA", 30))),
        {"total_cost": 2394,
         "flows": {("Li", "2026H1", "AUS", "USA"): 85, ("Li", "2026H2", "AUS", "USA"): 73},
         "stock": {("Li", "USA", "2026H1"): 12, ("Li", "USA", "2026H2"): 12},
         "target": {("Li", "USA", "2026H1"): 12, ("Li", "USA", "2026H2"): 12}},
        id="reserve_min_days_half_years",
    ),
    # shortfall at the default penalty, half the unmet penalty: 20/2 = 10/t. Serving demand (15 < 20) is
    # worth it; stocking 50 t at 15 is not (shortfall 10): 100*15 + 50*10 = 1500 + 500 = 2000.
    pytest.param(
        book(minerals=table("mineral, unmet_penalty", ("Li", 20)),
             reserve=table("mineral, market", ("Li", "USA")),
             reserve_targets=table("mineral, market, period, min_stock", ("Li", "USA", 2026, 50))),
        {"total_cost": 2000, "stock": {("Li", "USA", "2026"): 0}, "shortfall": {("Li", "USA", "2026"): 50},
         "unmet": {("Li", "USA", "2026"): 0}, "components": {"shortfall_cost": 500}},
        id="shortfall_default_penalty",
    ),
    # max_stock, with a period override: AUS supply costs 10 but 40 in 2027 (its own row). Buying
    # ahead costs 15 + 1 holding against 45 later, but the reserve holds at most 30 t.
    # 2026 ships 80 (stock 30), 2027 ships 20: 80*15 + 30*1 + 20*45 = 1200 + 30 + 900 = 2130.
    pytest.param(
        book(periods=P2,
             supply=supply(("Li", "AUS", None, 100, 10), ("Li", "AUS", 2027, 100, 40)),
             demand=table("mineral, market, period, demand", ("Li", "USA", 2026, 50), ("Li", "USA", 2027, 50)),
             reserve=table("mineral, market, max_stock, holding_cost", ("Li", "USA", 30, 1))),
        {"total_cost": 2130, "flows": {("Li", "2026", "AUS", "USA"): 80, ("Li", "2027", "AUS", "USA"): 20},
         "stock": {("Li", "USA", "2026"): 30, ("Li", "USA", "2027"): 0}},
        id="max_stock_holding_cost",
    ),
    # period override of capacity: AUS holds 100 t (blank period) but 40 t in 2027; CHN costs 20.
    # 2026: 100*15 = 1500; 2027: 40*15 + 60*25 = 600 + 1500 = 2100. Total 3600.
    pytest.param(
        book(periods=P2,
             supply=supply(("Li", "AUS", None, 100, 10), ("Li", "AUS", "2027", 40, 10), ("Li", "CHN", None, 1000, 20)),
             demand=table("mineral, market, period, demand", ("Li", "USA", 2026, 100), ("Li", "USA", 2027, 100))),
        {"total_cost": 3600,
         "flows": {("Li", "2026", "AUS", "USA"): 100, ("Li", "2026", "CHN", "USA"): 0,
                   ("Li", "2027", "AUS", "USA"): 40, ("Li", "2027", "CHN", "USA"): 60}},
        id="period_override",
    ),
    # share scope '*': no country over 60% of supply. AUS 10, CHN 12: 60*10 + 40*12 + 100*5 = 1580.
    pytest.param(
        book(shares=table("stage, scope, max_share", ("supply", "*", 0.6))),
        {"total_cost": 1580, "flows": {("Li", "2026", "AUS", "USA"): 60, ("Li", "2026", "CHN", "USA"): 40}},
        id="share_star_max",
    ),
    # share scope a country: CHN (10/t) at most 25%, AUS at 14: 25*10 + 75*14 + 100*5 = 250 + 1050 + 500 = 1800.
    pytest.param(
        book(supply=supply(("Li", "AUS", None, 1000, 14), ("Li", "CHN", None, 1000, 10)),
             shares=table("stage, scope, mineral, period, max_share", ("supply", "CHN", "Li", 2026, 0.25))),
        {"total_cost": 1800, "flows": {("Li", "2026", "AUS", "USA"): 75, ("Li", "2026", "CHN", "USA"): 25}},
        id="share_country_max",
    ),
    # share scope a group: CHN ('FEOC') and RUS ('FEOC, other') together at most 30% (the shares row
    # says 'feoc': labels match case-insensitively). CHN 10 < RUS 11 < AUS 14:
    # 30*10 + 70*14 + 100*5 = 300 + 980 + 500 = 1780.
    pytest.param(
        book(countries=table("country, groups", ("AUS", "partner"), ("CHN", "FEOC"), ("RUS", "FEOC, other"),
                             ("USA", "partner")),
             supply=supply(("Li", "AUS", None, 1000, 14), ("Li", "CHN", None, 1000, 10), ("Li", "RUS", None, 1000, 11)),
             shares=table("stage, scope, max_share", ("supply", "feoc", 0.3))),
        {"total_cost": 1780,
         "flows": {("Li", "2026", "AUS", "USA"): 70, ("Li", "2026", "CHN", "USA"): 30, ("Li", "2026", "RUS", "USA"): 0}},
        id="share_group_max",
    ),
    # min_share forces the dearer country: AUS (14/t) at least 40%, CHN 10/t:
    # 40*14 + 60*10 + 100*5 = 560 + 600 + 500 = 1660.
    pytest.param(
        book(supply=supply(("Li", "AUS", None, 1000, 14), ("Li", "CHN", None, 1000, 10)),
             shares=table("stage, scope, min_share", ("supply", "AUS", 0.4))),
        {"total_cost": 1660, "flows": {("Li", "2026", "AUS", "USA"): 40, ("Li", "2026", "CHN", "USA"): 60}},
        id="share_min",
    ),
    # share at stage refining: CHN refines at 2, USA at 6, CHN at most half the output; supply 10:
    # 100*10 + 50*2 + 50*6 = 1000 + 100 + 300 = 1400.
    pytest.param(
        book(supply=supply(("Li", "AUS", None, 1000, 10)),
             refining=table("mineral, country, capacity, cost", ("Li", "CHN", 1000, 2), ("Li", "USA", 1000, 6)),
             shares=table("stage, scope, max_share", ("refining", "CHN", 0.5))),
        {"total_cost": 1400, "output": {("Li", "2026", "CHN"): 50, ("Li", "2026", "USA"): 50}},
        id="share_refining",
    ),
    # closed route: AUS -> USA is closed, so CHN supplies: 100*(12 + 5) = 1700.
    pytest.param(
        book(routes=table("stage, from, to, allowed", ("supply", "AUS", "USA", False))),
        {"total_cost": 1700, "flows": {("Li", "2026", "AUS", "USA"): 0, ("Li", "2026", "CHN", "USA"): 100}},
        id="route_closed",
    ),
    # tariffs: raw_price 100, refined_price 50, tariff_rate 0.05 on CHN's supply routes (+5/t of raw)
    # and on delivery CAN -> USA (+2.5/t of refined). Supply AUS 14, CHN 10; refining USA 8, CAN 5.
    # Paths: AUS-USA 14+8 = 22; AUS-CAN 14+5+2.5 = 21.5; CHN-USA 15+8 = 23; CHN-CAN 15+5+2.5 = 22.5.
    # AUS-CAN: 100*14 + 100*5 + 100*2.5 = 1400 + 500 + 250 = 2150.
    pytest.param(
        book(minerals=table("mineral, raw_price, refined_price, unmet_penalty", ("Li", 100, 50, 1000)),
             countries=table("country", ("AUS",), ("CHN",), ("USA",), ("CAN",)),
             supply=supply(("Li", "AUS", None, 1000, 14), ("Li", "CHN", None, 1000, 10)),
             refining=table("mineral, country, capacity, cost", ("Li", "USA", 1000, 8), ("Li", "CAN", 1000, 5)),
             routes=table("stage, from, to, tariff_rate",
                          ("supply", "CHN", "USA", 0.05), ("supply", "CHN", "CAN", 0.05), ("delivery", "CAN", "USA", 0.05))),
        {"total_cost": 2150, "flows": {("Li", "2026", "AUS", "CAN"): 100},
         "deliveries": {("Li", "2026", "CAN", "USA"): 100},
         "components": {"supply_cost": 1400, "refining_cost": 500, "route_cost": 250}},
        id="route_tariffs",
    ),
    # route cost: AUS -> USA costs 3 (10 + 3 > CHN's 12); delivery USA -> USA costs 2.
    # 100*(12 + 5 + 2) = 1900.
    pytest.param(
        book(routes=table("stage, from, to, cost", ("supply", "AUS", "USA", 3), ("delivery", "USA", "USA", 2))),
        {"total_cost": 1900, "flows": {("Li", "2026", "CHN", "USA"): 100}, "components": {"route_cost": 200}},
        id="route_cost",
    ),
    # a blank-mineral route row (AUS -> USA at 5) overridden for Co (at 1). Li: AUS 10+5 = 15 > CHN 12,
    # 100*(12 + 5) = 1700. Co (50 t): AUS 10+1 = 11 < 12, 50*(11 + 5) = 800. Total 2500.
    pytest.param(
        book(minerals=table("mineral, unmet_penalty", ("Li", 1000), ("Co", 1000)),
             supply=supply(("Li", "AUS", None, 1000, 10), ("Li", "CHN", None, 1000, 12),
                           ("Co", "AUS", None, 1000, 10), ("Co", "CHN", None, 1000, 12)),
             refining=table("mineral, country, capacity, cost", ("Li", "USA", 1000, 5), ("Co", "USA", 1000, 5)),
             demand=table("mineral, market, period, demand", ("Li", "USA", 2026, 100), ("Co", "USA", 2026, 50)),
             routes=table("stage, from, to, mineral, cost", ("supply", "AUS", "USA", None, 5), ("supply", "AUS", "USA", "Co", 1))),
        {"total_cost": 2500,
         "flows": {("Li", "2026", "CHN", "USA"): 100, ("Co", "2026", "AUS", "USA"): 50,
                   ("Li", "2026", "AUS", "USA"): 0, ("Co", "2026", "CHN", "USA"): 0}},
        id="route_mineral_override",
    ),
    # routes_default closed: only the listed open routes work, CHN -> USA and USA -> USA; AUS (10) is
    # cheaper but unlisted. 100*(12 + 5) = 1700.
    pytest.param(
        book(settings=table("key, value", ("routes_default", "closed")),
             routes=table("stage, from, to, allowed", ("supply", "CHN", "USA", True), ("delivery", "USA", "USA", True))),
        {"total_cost": 1700, "flows": {("Li", "2026", "AUS", "USA"): 0, ("Li", "2026", "CHN", "USA"): 100}},
        id="routes_default_closed",
    ),
    # scenarios. Base: AUS 10 / CHN 12, refining USA 5 (100 t capacity) / CAN 8; AUS-USA: 100*15 = 1500.
    # ban (AUS supply x 0): CHN-USA 100*17 = 1700.
    # refcut (USA refining capacity x 0.5): 100*10 + 50*5 + 50*8 = 1650.
    # costly (AUS supply cost x 2 = 20 > 12): 100*17 = 1700.
    # refcost (USA refining cost x 2 = 10 > 8): 100*(10 + 8) = 1800.
    # Surge (demand x 1.5, mineral/country/period blank = 150 t): 150*10 + 100*5 + 50*8 = 2400.
    # twice (two rows, AUS supply cost x 1.1 x 1.1 = 12.1 > 12; either alone 11 < 12): 1700.
    pytest.param(
        book(countries=table("country", ("AUS",), ("CHN",), ("USA",), ("CAN",)),
             refining=table("mineral, country, capacity, cost", ("Li", "USA", 100, 5), ("Li", "CAN", 1000, 8)),
             scenarios=table("scenario, kind, factor, mineral, country, period",
                             ("ban", "supply_capacity", 0, "Li", "AUS", 2026),
                             ("refcut", "refining_capacity", 0.5, None, "USA", None),
                             ("costly", "supply_cost", 2, "Li", "AUS", None),
                             ("refcost", "refining_cost", 2, None, "USA", None),
                             ("Surge", "demand", 1.5, None, None, None),
                             ("twice", "supply_cost", 1.1, None, "AUS", None),
                             ("twice", "supply_cost", 1.1, "Li", "AUS", None))),
        {"total_cost": 1500,
         "scenarios": {"base": 1500, "ban": 1700, "refcut": 1650, "costly": 1700, "refcost": 1800,
                       "Surge": 2400, "twice": 1700},
         "flows": {("ban", "Li", "2026", "CHN", "USA"): 100, ("ban", "Li", "2026", "AUS", "USA"): 0,
                   ("refcut", "Li", "2026", "AUS", "CAN"): 50, ("refcut", "Li", "2026", "AUS", "USA"): 50,
                   ("Surge", "Li", "2026", "AUS", "USA"): 100, ("Surge", "Li", "2026", "AUS", "CAN"): 50,
                   ("twice", "Li", "2026", "CHN", "USA"): 100},
         "output": {("refcost", "Li", "2026", "CAN"): 100, ("refcost", "Li", "2026", "USA"): 0}},
        id="scenarios",
    ),
]

# expected-value tables: output sheet, key columns, value column
LOOKUPS = {
    "flows": ("Flows", ["mineral", "period", "origin", "refiner"], "tonnes"),
    "output": ("Refining", ["mineral", "period", "refiner"], "output_tonnes"),
    "deliveries": ("Deliveries", ["mineral", "period", "refiner", "market"], "tonnes"),
    "unmet": ("Unmet", ["mineral", "market", "period"], "tonnes"),
    "stock": ("Reserve", ["mineral", "market", "period"], "stock"),
    "target": ("Reserve", ["mineral", "market", "period"], "target"),
    "shortfall": ("Reserve", ["mineral", "market", "period"], "shortfall"),
}


def _norm(col, v):
    return code(v) if col in ("origin", "refiner", "market") else key(v)


def assert_expected(out_path, expected) -> None:
    """Assert the exact optimum of one case against the output workbook."""
    sheets = {name: df.rename(columns=lambda c: str(c).strip().lower())
              for name, df in pd.read_excel(out_path, sheet_name=None).items()}
    scen = sheets["Scenarios"]
    costs = {key(s): float(c) for s, c in zip(scen["scenario"], scen["total_cost"])}
    summary = dict(zip(sheets["Summary"]["item"].astype(str).str.strip(), sheets["Summary"]["value"]))
    assert str(summary["status"]) == "Optimal"
    assert float(summary["total_cost"]) == pytest.approx(expected["total_cost"], rel=1e-9)
    assert costs["base"] == pytest.approx(expected["total_cost"], rel=1e-9)
    for name, cost in expected.get("scenarios", {}).items():
        assert costs[key(name)] == pytest.approx(cost, rel=1e-9, abs=1e-9), f"scenario {name} total_cost"
    base = scen[scen["scenario"].map(key) == "base"].iloc[0]
    for comp, cost in expected.get("components", {}).items():
        assert float(base[comp]) == pytest.approx(cost, rel=1e-9, abs=1e-9), f"base {comp}"
    for what, (sheet, cols, value) in LOOKUPS.items():
        want = expected.get(what)
        if not want:
            continue
        got: dict[tuple, float] = {}
        df = sheets[sheet]
        for rec in df.to_dict("records"):
            k = (key(rec["scenario"]), *(_norm(c, rec[c]) for c in cols))
            got[k] = got.get(k, 0.0) + float(rec[value])
        for k, v in want.items():
            if len(k) == len(cols):
                k = ("base", *k)
            nk = (key(k[0]), *(_norm(c, x) for c, x in zip(cols, k[1:])))
            assert got.get(nk, 0.0) == pytest.approx(v, rel=1e-9, abs=1e-7), f"{what} {k}"


@pytest.mark.parametrize("sheets, expected", CASES)
def test_hand_solved(tmp_path, sheets, expected):
    from planner.cli import main

    inp = write_workbook(tmp_path / "in.xlsx", sheets)
    out = tmp_path / "plan.xlsx"
    rc = main(["solve", str(inp), "-o", str(out), "-q"])
    assert rc == expected.get("exit_code", 0)
    assert_expected(out, expected)
    check_plan(inp, out)

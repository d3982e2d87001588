"""The hedge explains itself: what each decision is worth in each scenario, and why a build is partial.

The hand case is tests/test_version2.py's: a mine in AUS at 10/t, a refinery in CHN at 2/t, the USA needs
100 t, unmet demand costs 1,000/t; a candidate refinery in KOR refines at 3/t for a fixed 50 per t of capacity;
scenario "ban" (probability 10%) stops China's refined exports to the USA.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests import test_stockpiles as stockpiles
from tests.test_version2 import hedge, hedge_book
from tests.workbooks import table


def _values(out) -> pd.Series:
    values = out["Decision values"]
    assert len(values) == 1
    return values.iloc[0]


@pytest.mark.parametrize("integer", [False, True])
def test_a_whole_build_loses_in_base_and_pays_off_in_the_ban(tmp_path, integer):
    # KOR whole (100 t, 5,000 a year). Base: with it 1,200 + 5,000 = 6,200, without 1,200: value -5,000.
    # Ban: with it 1,300 + 5,000 = 6,300, without 100 t unmet = 100,000: value 93,700.
    # Expected 0.9 x -5,000 + 0.1 x 93,700 = 4,870 (here the whole value of hedging).
    out = hedge(tmp_path, hedge_book(0.1, integer))
    row = _values(out)
    assert (row["decision"], row["kind"], row["mineral"], row["built"]) == ("KOR refinery", "build", "li", 1)
    assert row["cost"] == pytest.approx(5000)
    assert row["base"] == pytest.approx(-5000) and row["ban"] == pytest.approx(93_700)
    assert row["expected_value"] == pytest.approx(4870)
    assert (row["pays_off_in"], row["of_scenarios"], row["most_in"]) == (1, 2, "ban")
    assert row["reading"] == "built whole" and not row["base_plan_too"]  # the base plan alone builds nothing
    if integer:
        assert pd.isna(row["marginal_value"])  # an all-or-nothing project has no next part
    else:
        # One more whole project would earn its rent in the ban only: 0.1 x 100 t x (1,000 - 13) = 9,870 against
        # its 5,000: it would save 4,870 more (the build stops at 1 only because a project is built once).
        assert row["marginal_value"] == pytest.approx(4870)


def test_a_partial_build_stops_where_its_next_part_saves_what_it_costs(tmp_path):
    # The KOR project is twice the size (200 t, 10,000 a year whole): the ban needs 100 t of it, so the hedge
    # builds half. Half costs 5,000: values as above (-5,000 in base, 93,700 in the ban, 4,870 expected).
    # The next part of it would stand idle in every scenario: it saves nothing beyond its cost, marginal 0
    # at the half; the reading says what a partial build means.
    sheets = hedge_book(0.1)
    sheets["projects"] = table("project, stage, mineral, country, capacity, cost, fixed_cost",
                               ("KOR refinery", "refining", "li", "KOR", 200, 3, 50))
    out = hedge(tmp_path, sheets)
    row = _values(out)
    assert row["built"] == pytest.approx(0.5) and row["cost"] == pytest.approx(5000)
    assert row["base"] == pytest.approx(-5000) and row["ban"] == pytest.approx(93_700)
    assert row["expected_value"] == pytest.approx(4870)
    assert row["marginal_value"] == pytest.approx(0, abs=1e-6)
    assert row["reading"].startswith("50% built: the share of the project whose expected saving covers its cost")


def test_a_hedge_that_takes_no_decision_lists_none(tmp_path):
    out = hedge(tmp_path, hedge_book(0.01))
    assert out["Decision values"].empty


def test_stock_bought_pays_off_in_the_halt_and_its_next_tonne_would_too(tmp_path):
    # tests/test_stockpiles.py's case: KOR may buy up to 100 t at 15/t before 2026 (12/t delivered); "halt" (10%)
    # stops AUS's mine in 2026. The hedge buys all 100 t (1,500). Base: 1,500 with it, 1,200 without: -300.
    # Halt: 1,500 with it, 100 t unmet at 1,000 without: 98,500. Expected 0.9 x -300 + 0.1 x 98,500 = 9,580.
    # One more tonne (were it allowed): 0.9 x -3 + 0.1 x 985 = 95.8 saved after its cost.
    out = stockpiles.run(tmp_path, "hedge", stockpiles.hedge_book(0.1))
    row = _values(out)
    assert (row["decision"], row["kind"], row["bought_tonnes"]) == ("stock for KOR", "stock", pytest.approx(100))
    assert pd.isna(row["built"]) and row["cost"] == pytest.approx(1500)
    assert row["base"] == pytest.approx(-300) and row["halt"] == pytest.approx(98_500)
    assert row["expected_value"] == pytest.approx(9580)
    assert row["marginal_value"] == pytest.approx(95.8)
    assert (row["pays_off_in"], row["most_in"]) == (1, "halt")



def test_the_summary_answers_in_words_from_decision_values(tmp_path):
    answer = hedge(tmp_path, hedge_book(0.1))["Summary"].set_index("item").loc["answer", "value"]
    assert answer == ("The hedge takes 1 decision for an expected cost of 6.21 k USD, 4.87 k USD less than taking only "
                      "the base plan's own. KOR refinery (li, 100% built in 2026) pays off in 1 of 2 scenarios, most "
                      "in ban (+93.7 k USD), and is worth 4.87 k USD in expectation after its cost of 5 k USD.")


def test_the_summary_says_what_a_partial_build_means(tmp_path):
    sheets = hedge_book(0.1)
    sheets["projects"] = table("project, stage, mineral, country, capacity, cost, fixed_cost",
                               ("KOR refinery", "refining", "li", "KOR", 200, 3, 50))
    answer = hedge(tmp_path, sheets)["Summary"].set_index("item").loc["answer", "value"]
    assert "KOR refinery (li, 50% built in 2026) pays off in 1 of 2 scenarios" in answer
    assert answer.endswith("A partial build is the share of a project whose expected saving covers its cost: read it "
                           "as a smaller project or a stake in this one.")


def test_a_decision_the_base_plan_takes_too_is_marked_and_named_so(tmp_path):
    # Refining in CHN at 100/t: the base plan builds KOR itself (5,000 + 100 x 13 = 6,300 against 100 x 110 =
    # 11,000), so the hedge's only decision is the base plan's own and hedging is worth 0: expected cost 6,300 in
    # both scenarios. Without it: base 11,000 (value 4,700), ban 100 t unmet, 100,000 (value 93,700); expected
    # 0.9 x 4,700 + 0.1 x 93,700 = 13,600.
    sheets = hedge_book(0.1)
    sheets["refining"] = table("mineral, country, capacity, cost", ("li", "CHN", 1000, 100))
    out = hedge(tmp_path, sheets)
    row = _values(out)
    assert row["base_plan_too"] and (row["base"], row["ban"]) == (pytest.approx(4700), pytest.approx(93_700))
    assert row["expected_value"] == pytest.approx(13_600) and row["pays_off_in"] == 2
    answer = out["Summary"].set_index("item").loc["answer", "value"]
    assert answer.startswith("The hedge takes 1 decision (1 of them the base plan's own too) for an expected cost "
                             "of 6.3 k USD, 0 USD less than taking only the base plan's own.")

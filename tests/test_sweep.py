"""planner sweep: seeded and worker-independent, checkable against stress tests, with Dask on loopback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.cli import main
from tests.workbooks import table, write_workbook

EXAMPLE = Path(__file__).resolve().parents[1] / "inputs" / "example.xlsx"
TABLES = ["Risk summary", "Risk drivers", "Samples", "Sample unmet", "Unmet distribution"]


def sweep(tmp_path, inp, name, *args):
    out = tmp_path / f"{name}.xlsx"
    assert main(["sweep", str(inp), "-o", str(out), "-q", *args]) == 0
    return pd.read_excel(out, sheet_name=None)


def test_same_seed_same_results_with_one_or_two_workers(tmp_path):
    one = sweep(tmp_path, EXAMPLE, "one", "--samples", "24", "--seed", "7", "--workers", "1")
    two = sweep(tmp_path, EXAMPLE, "two", "--samples", "24", "--seed", "7", "--workers", "2")
    for sheet in TABLES:
        pd.testing.assert_frame_equal(one[sheet], two[sheet], check_exact=False, rtol=1e-9, atol=1e-9)
    assert one["Summary"].set_index("item").loc["seed", "value"] == 7
    other = sweep(tmp_path, EXAMPLE, "other", "--samples", "24", "--seed", "8", "--workers", "1")
    assert not one["Samples"]["risks drawn"].equals(other["Samples"]["risks drawn"])


def test_dask_local_cluster_matches_the_local_pool(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    local = sweep(tmp_path, EXAMPLE, "local", "--samples", "12", "--seed", "3", "--workers", "2")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                                  processes=True) as cluster:
        remote = sweep(tmp_path, EXAMPLE, "dask", "--samples", "12", "--seed", "3",
                       "--scheduler", cluster.scheduler_address)
    for sheet in TABLES:
        pd.testing.assert_frame_equal(local[sheet], remote[sheet], check_exact=False, rtol=1e-9, atol=1e-9)
    assert "dask" in remote["Summary"].set_index("item").loc["workers", "value"]


def test_unreachable_scheduler_is_a_clear_error(tmp_path, capsys):
    pytest.importorskip("dask.distributed")
    out = tmp_path / "x.xlsx"
    rc = main(["sweep", str(EXAMPLE), "--samples", "2", "--scheduler", "tcp://127.0.0.1:9", "-o", str(out), "-q"])
    assert rc == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
    assert not out.exists()


def ban_workbook(probability):
    # AAA supplies at 10/t, BBB at 30/t (spot 45/t); EU needs 50 t a year for two years.
    return {
        "minerals": table("mineral, unmet_penalty", ("li", 1000)),
        "countries": table("country", ("AAA",), ("BBB",), ("CHN",)),
        "periods": table("period", (2026,), (2027,)),
        "supply": table("mineral, country, capacity, cost", ("li", "AAA", 200, 10), ("li", "BBB", 30, 30)),
        "refining": table("mineral, country, capacity, cost", ("li", "CHN", 1000, 0)),
        "demand": table("mineral, market, period, demand", ("li", "EU", 2026, 50), ("li", "EU", 2027, 50)),
        "scenarios": table("scenario, kind, factor, mineral, country", ("ban", "supply_capacity", 0, "li", "AAA")),
        "risks": table("risk, country, stage, probability, mineral, factor, duration",
                       ("AAA ban", "AAA", "supply", probability, "li", 0, 1)),
    }


def test_certain_risk_reproduces_the_stress_test(tmp_path):
    inp = write_workbook(tmp_path / "in.xlsx", ban_workbook(1.0))
    out = sweep(tmp_path, inp, "sweep", "--samples", "3", "--workers", "1")
    stress_out = tmp_path / "stress.xlsx"
    assert main(["stress", str(inp), "-o", str(stress_out), "-q"]) == 0
    stress = pd.read_excel(stress_out, sheet_name="Stress").set_index("scenario").loc["ban"]
    # With AAA banned in both years: 30 t a year from BBB on the spot market at 45/t, 20 t unmet at 1000/t:
    # 2 x (1350 + 20000) = 42700, against a base of 2 x 500 = 1000.
    assert stress["total_cost"] == pytest.approx(42700)
    samples = out["Samples"]
    assert (samples["risks drawn"] == "AAA ban@2026; AAA ban@2027").all()
    assert samples["total_cost"].to_numpy() == pytest.approx(stress["total_cost"])
    assert samples["extra_cost"].to_numpy() == pytest.approx(stress["extra_cost"])
    assert samples["unmet_tonnes"].to_numpy() == pytest.approx(40)
    summary = out["Risk summary"].set_index(["mineral", "market"]).loc[("li", "EU")]
    assert summary["mean_unmet"] == pytest.approx(40) and summary["p_any_unmet"] == 1


def test_impossible_risk_leaves_the_base_plan(tmp_path):
    inp = write_workbook(tmp_path / "in.xlsx", ban_workbook(0.0))
    out = sweep(tmp_path, inp, "sweep", "--samples", "5", "--workers", "1")
    samples = out["Samples"]
    assert (samples["risks drawn"] == "(none)").all()
    assert samples["total_cost"].to_numpy() == pytest.approx(1000)
    assert (samples["extra_cost"] == 0).all() and (samples["unmet_tonnes"] == 0).all()


def test_percentiles_recomputed_from_the_sample_tables(tmp_path):
    out = sweep(tmp_path, EXAMPLE, "sweep", "--samples", "30", "--seed", "11", "--workers", "1")
    long = out["Sample unmet"]
    summary = out["Risk summary"].set_index(["mineral", "market"])
    for (m, d), group in long.groupby(["mineral", "market"]):
        u = group["unmet_tonnes"].to_numpy()
        assert len(u) == 30
        row = summary.loc[(m, d)]
        assert row["mean_unmet"] == pytest.approx(u.mean(), abs=1e-9)
        assert row["p95_unmet"] == pytest.approx(np.percentile(u, 95), abs=1e-9)
        assert row["p_any_unmet"] == pytest.approx((u > 1e-6).mean())
    # Each mineral's expected extra cost is the mean of its per-sample extra costs, within its 95% interval.
    costs = out["Risk costs"].set_index("mineral")
    for m, group in out["Sample costs"].groupby("mineral"):
        c = group["mineral_extra_cost"].to_numpy()
        assert len(c) == 30
        assert costs.loc[m, "expected_extra_cost"] == pytest.approx(c.mean(), abs=1e-6)
        half = 1.959963984540054 * c.std(ddof=1) / np.sqrt(30)  # the 97.5% normal quantile
        assert costs.loc[m, "expected_extra_cost_low"] == pytest.approx(c.mean() - half, rel=1e-9, abs=1e-6)
        assert costs.loc[m, "expected_extra_cost_high"] == pytest.approx(c.mean() + half, rel=1e-9, abs=1e-6)
    # Per-sample totals agree with the Samples sheet.
    totals = long.groupby("sample")["unmet_tonnes"].sum()
    samples = out["Samples"].set_index("sample")
    assert samples["unmet_tonnes"].to_numpy() == pytest.approx(totals.loc[samples.index].to_numpy(), abs=1e-9)


def test_no_risks_sheet_is_a_usage_error(tmp_path, capsys):
    sheets = ban_workbook(0.5)
    del sheets["risks"]
    inp = write_workbook(tmp_path / "in.xlsx", sheets)
    assert main(["sweep", str(inp), "--samples", "2", "-o", str(tmp_path / "o.xlsx"), "-q"]) == 2
    assert "risks" in capsys.readouterr().err


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_stops_cleanly_and_writes_what_finished(tmp_path, workers):
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "partial.xlsx"
    # The child gets Ctrl-C's default disposition: a test suite started in the background by a shell
    # runs with SIGINT ignored, and a Python started that way keeps ignoring it (as nohup intends).
    proc = subprocess.Popen([sys.executable, "-m", "planner", "sweep", str(EXAMPLE), "--samples", "100000",
                             "--workers", workers, "-o", str(out)], stderr=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    # Wait for the first progress line: the base plan is solved and samples are running.
    assert proc.stderr.readline()
    deadline = time.time() + 60
    line = ""
    while "sweep [" not in line and time.time() < deadline:
        line = proc.stderr.readline()
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "partial" in err and "Traceback" not in err
    summary = pd.read_excel(out, sheet_name="Summary").set_index("item")["value"]
    assert str(summary["status"]).startswith("Partial")
    solved = int(summary["samples_solved"])
    assert 0 < solved < 100000
    assert len(pd.read_excel(out, sheet_name="Samples")) == solved


def test_intervals_by_hand():
    from planner.analysis.sweep.stats import difference_interval, mean_interval, nice_step, wilson_interval

    # Mean of 1..5 is 3, sample sd sqrt(2.5): 3 +- 1.96 x 1.5811 / 2.2361 = 3 +- 1.3859.
    mean, low, high = mean_interval(np.array([1.0, 2, 3, 4, 5]))
    assert (mean, low, high) == pytest.approx((3, 1.6141, 4.3859), abs=1e-4)
    # 0 hits in 30: the Wilson interval is [0, z^2 / (n + z^2)] = [0, 3.8415 / 33.8415] = [0, 0.1135].
    assert wilson_interval(0, 30) == pytest.approx((0.0, 0.0, 0.11351), abs=1e-5)
    # 15 of 30: 0.5 +- 1.96 sqrt(0.25/30 + 3.8415/3600) / (1 + 3.8415/30) = 0.5 +- 0.190032 / 1.128050
    # = 0.5 +- 0.168461.
    assert wilson_interval(15, 30) == pytest.approx((0.5, 0.331539, 0.668461), abs=1e-5)
    # Welch: means 3 and 1, variances 2.5 (n 5) and 0 (n 3): 2 +- 1.96 sqrt(0.5) = 2 +- 1.3859.
    assert difference_interval(np.array([1.0, 2, 3, 4, 5]), np.ones(3)) == pytest.approx((2, 0.6141, 3.3859),
                                                                                         abs=1e-4)
    # Round steps: 10 bins cover 0..87 in steps of 10; 0..12,345 needs 1,234.5 a bin: 2,000 (1,000 is too small).
    assert nice_step(87) == 10 and nice_step(12_345) == 2_000 and nice_step(0.9) == 0.1 and nice_step(24) == 2.5


def test_histogram_gives_zero_its_own_bar_and_round_edges():
    from planner.analysis.sweep.stats import unmet_histogram

    class Data:
        minerals = {"li": None}

    long = pd.DataFrame({"sample": range(1, 8), "mineral": "li", "market": "EU",
                         "unmet_tonnes": [0, 0, 0, 1_300, 4_700, 9_999, 17_000]})
    hist = unmet_histogram(Data(), long)
    assert list(hist["unmet_range"])[0] == "0 t" and hist["samples"].iloc[0] == 3
    assert list(hist["from_tonnes"][1:]) == [0, 2_000, 4_000, 6_000, 8_000, 10_000, 12_000, 14_000, 16_000]
    assert hist["samples"].sum() == 7 and hist["share_of_samples"].sum() == pytest.approx(1)


def test_a_sample_reads_economically_without_the_penalty_on_targets(tmp_path):
    # li for EU, 50 t in each of two periods, mined in AAA at 10/t (capacity 100), refined in CHN at 0. The EU
    # reserve starts empty against a target of 20 t, short at 3/t a period. The base plan mines 100 t: 2026's
    # surplus meets 2026's target at no cost and is drawn in 2027, short there (20 t more would cost 200 against
    # 60): 1,000 + 60 = 1,060, of which 1,000 economic. Every sample draws the outage (probability 1) in both
    # periods: nothing is mined, all 100 t go unmet at 1,000/t, and the targets are lifted where it strikes:
    # 100,000, all of it economic. extra_cost 98,940; economic extra cost 99,000.
    sheets = {
        "minerals": table("mineral, unmet_penalty", ("li", 1000)),
        "countries": table("country", ("AAA",), ("CHN",)),
        "periods": table("period", (2026,), (2027,)),
        "supply": table("mineral, country, capacity, cost", ("li", "AAA", 100, 10)),
        "refining": table("mineral, country, capacity, cost", ("li", "CHN", 1000, 0)),
        "demand": table("mineral, market, period, demand", ("li", "EU", 2026, 50), ("li", "EU", 2027, 50)),
        "reserve": table("mineral, market, shortfall_penalty", ("li", "EU", 3)),
        "reserve_targets": table("mineral, market, min_stock", ("li", "EU", 20)),
        "risks": table("risk, country, stage, probability, factor", ("outage", "AAA", "supply", 1.0, 0)),
    }
    inp = write_workbook(tmp_path / "in.xlsx", sheets)
    out = sweep(tmp_path, inp, "economic", "--samples", "4", "--workers", "1")
    samples = out["Samples"]
    assert list(samples["extra_cost"]) == pytest.approx([98_940] * 4)
    assert list(samples["economic_extra_cost"]) == pytest.approx([99_000] * 4)
    costs = out["Risk costs"].set_index("mineral")
    assert costs.loc["all minerals", "expected_economic_extra_cost"] == pytest.approx(99_000)
    assert costs.loc["li", "expected_economic_extra_cost"] == pytest.approx(99_000)

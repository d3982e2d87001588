"""planner brief: one offline HTML page from a plan workbook (issue 28).

The plans come from ``planner solve`` on inputs/example.xlsx (solved once for the module), and on a
variant of it that buys stock up front and has a candidate project, so the Stockpiles and Investments
sheets are there to read. Every figure the page states is checked against the workbook it was read from.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from planner.cli import main
from planner.report import brief
from tests.workbooks import write_workbook

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "inputs" / "example.xlsx"
SUPPLY, SHOCK = "graphite export ban", "cobalt quota and demand surge"  # the example's two scenarios


def solve(inp: Path, out: Path) -> Path:
    assert main(["solve", str(inp), "-o", str(out), "-q"]) == 0
    return out


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> Path:
    return solve(EXAMPLE, tmp_path_factory.mktemp("brief") / "plan.xlsx")


@pytest.fixture(scope="module")
def page(plan) -> str:
    """The brief at its default place (the plan's path with -brief.html)."""
    assert main(["brief", str(plan), "-q"]) == 0
    return plan.with_name("plan-brief.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sheets(plan) -> dict[str, pd.DataFrame]:
    return pd.read_excel(plan, sheet_name=None)


@pytest.fixture(scope="module")
def stock_plan(tmp_path_factory) -> Path:
    """The example with cobalt stock for sale before the first period and a graphite refinery to build."""
    folder = tmp_path_factory.mktemp("stock")
    book = openpyxl.load_workbook(EXAMPLE)
    tables = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}
    reserve = tables["reserve"]
    reserve[0] += ["purchase_price", "salvage"]
    for row in reserve[1:]:
        row += [15000 if row[0] == "cobalt" else None, None]  # below cobalt's 20,000/t mined: bought
    tables["projects"] = [["project", "stage", "mineral", "country", "capacity", "cost", "fixed_cost", "yield"],
                          ["ohio_anode_plant", "refining", "graphite", "USA", 200, 250, 20, 0.9]]
    return solve(write_workbook(folder / "stock.xlsx", tables), folder / "stock-plan.xlsx")


def summary(frames) -> dict:
    return dict(zip(frames["Summary"]["item"], frames["Summary"]["value"]))


def section(page: str, ident: str) -> str:
    match = re.search(rf'<section[^>]*id="{ident}"[^>]*>(.*?)</section>', page, re.S)
    assert match, f"no section {ident}"
    return match.group(1)


# --- numbers in words -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, text", [
    (1.5965e12, "1.6 tn USD"), (345.2e9, "345 bn USD"), (12.34e6, "12.3 M USD"), (9_888_569.31, "9.89 M USD"),
    (174_000, "174 k USD"), (830.4, "830 USD"), (999_700, "1 M USD"), (-38.66e6, "-38.7 M USD"), (0, "0 USD")])
def test_money_is_read_at_a_glance_never_in_cents(value, text):
    assert brief.money(value, "USD") == text


def test_signed_money_tonnes_and_percent():
    assert brief.money(7.93e6, "EUR", signed=True) == "+7.93 M EUR"
    assert brief.tonnes(8.5714) == "8.57 t" and brief.tonnes(16.3e6) == "16.3 Mt" and brief.tonnes(5029.7) == "5.03 kt"
    assert brief.tonnes(-420, signed=True) == "-420 t"
    assert brief.percent(0.005714) == "0.57%" and brief.percent(0.8016, signed=True) == "+80.2%"


# --- the page -------------------------------------------------------------------------------------------


def test_brief_goes_beside_the_plan_by_default(plan, page, capsys):
    assert page.startswith("<!DOCTYPE html>")
    assert brief.default_output(plan) == plan.with_name("plan-brief.html")
    assert main(["brief", str(plan)]) == 0
    assert capsys.readouterr().out.strip() == f"brief written to {plan.with_name('plan-brief.html')}"
    assert not [p for p in plan.parent.iterdir() if p.name.endswith(".part")]  # no temporary file left


def test_page_is_self_contained(page):
    """Nothing fetched: no address in src/href, no script, no stylesheet or font import, no image."""
    low = page.lower()
    for url in re.findall(r'\b(?:src|href|xlink:href|action|poster)\s*=\s*["\']?([^"\'\s>]*)', page, re.I):
        assert not url.lower().startswith(("http://", "https://", "//")), url
    assert "http://" not in low and "https://" not in low
    assert "<script" not in low and "@import" not in low and "url(" not in low
    assert "<link" not in low and "<img" not in low and "<iframe" not in low and "<object" not in low
    assert "<style>" in low  # the styles are inline


def test_one_svg_per_mineral_per_diagram(page, sheets):
    minerals = list(dict.fromkeys(sheets["Flows"]["mineral"]))
    flows = section(page, "flows")
    assert page.count("<svg") == flows.count("<svg") == 2 * len(minerals)
    assert flows.count("<figcaption>Base plan</figcaption>") == len(minerals)
    assert flows.count(f"<figcaption>Scenario: {SUPPLY}") == len(minerals)  # the largest cost change, by default
    for mineral in minerals:
        assert f"<h3>{mineral.capitalize()}</h3>" in flows
    # three columns, nodes labelled by country code and tonnes summed over periods
    base = sheets["Flows"][sheets["Flows"]["scenario"] == "base"]
    lithium_aus = base[(base["mineral"] == "lithium") & (base["origin"] == "AUS")]["tonnes"].sum()
    assert f">AUS {brief.tonnes(lithium_aus)}</text>" in flows
    deliveries = sheets["Deliveries"][sheets["Deliveries"]["scenario"] == "base"]
    cobalt_eu = deliveries[(deliveries["mineral"] == "cobalt") & (deliveries["market"] == "EU")]["tonnes"].sum()
    assert f">EU {brief.tonnes(cobalt_eu)}</text>" in flows
    for head in ("Mines", "Refiners", "Markets"):
        assert flows.count(f">{head}</text>") == 2 * len(minerals)


def test_the_answer_states_the_workbooks_figures(page, sheets):
    answer = section(page, "answer")
    items = summary(sheets)
    cur = items["currency"]
    assert f"The base plan costs <b>{brief.money(items['total_cost'], cur)}</b>" in answer
    assert "<b>9.89 M USD</b>" in answer  # the example's total cost, 9,888,569.31 USD, as the page writes it
    assert f"is <b>{brief.money(items['economic_cost'], cur)}</b>" in answer
    assert f"leaves <b>{brief.tonnes(items['unmet_tonnes'])}</b> of demand unmet" in answer
    assert f"({brief.percent(items['unmet_share'])} of demand" in answer
    assert f"the share limits cost <b>{brief.money(items['share_limits_cost'], cur)}</b>" in answer
    assert f"the reserve targets cost <b>{brief.money(items['reserve_targets_cost'], cur)}</b>" in answer
    scenarios = sheets["Scenarios"].set_index("scenario")
    supply, shock = scenarios.loc[SUPPLY], scenarios.loc[SHOCK]
    assert (f"The costliest supply disruption is <b>{SUPPLY}</b>: it raises the cost by "
            f"<b>{brief.money(supply['cost_change'], cur)}</b>") in answer
    assert f"economic cost {brief.money(supply['economic_cost_change'], cur, signed=True)}" in answer
    assert f"<b>{brief.tonnes(supply['unmet_change'])}</b> more demand unmet" in answer
    assert (f"Apart from it, the costliest demand shock is <b>{SHOCK}</b>: it raises the cost by "
            f"<b>{brief.money(shock['cost_change'], cur)}</b>") in answer


def test_demand_shocks_are_told_from_their_rows_or_name(plan):
    kinds = brief.scenario_kinds(brief.read_plan(plan))
    assert kinds == {SUPPLY: "supply disruption", SHOCK: "demand shock"}


def test_costliest_scenario_when_kinds_cannot_be_told(plan):
    """Without Scenario minerals' demand and without a telling name, scenarios are ranked together by their
    economic cost change and the page says so."""
    read = brief.read_plan(plan)
    del read.sheets["Scenario minerals"]
    read.sheets["Scenarios"] = read.scenarios.replace({"scenario": {SHOCK: "cobalt quota"}})
    assert brief.scenario_kinds(read) == {SUPPLY: None, "cobalt quota": None}
    text = " ".join(brief.answer_sentences(read))
    assert f"The costliest scenario is <b>{SUPPLY}</b>" in text and "supply disruption" not in text


def test_scenario_table_lists_every_scenario(page, sheets):
    table = section(page, "scenarios")
    for name, change in zip(sheets["Scenarios"]["scenario"][1:], sheets["Scenarios"]["cost_change"][1:]):
        assert name in table and brief.money(change, "USD", signed=True) in table


def test_prices_of_the_last_period_base_and_scenario(page, sheets):
    prices = section(page, "prices")
    table = sheets["Prices"]
    last = table["period"].max()
    assert f"in the last period, {last} (not an average" in prices
    at = table[table["period"] == last].set_index(["scenario", "mineral", "market"])["price"]
    base, hit = at[("base", "graphite", "EU")], at[(SUPPLY, "graphite", "EU")]
    assert f"{brief.money(base, '')} &rarr; {brief.money(hit, '')}" in prices
    assert brief.percent(hit / base - 1, signed=True) in prices
    assert "unchanged" in prices  # lithium's prices do not move under the graphite ban


def test_chosen_scenario(plan, tmp_path):
    out = tmp_path / "brief.html"
    assert main(["brief", str(plan), "-o", str(out), "--scenario", SHOCK, "-q"]) == 0
    flows = section(out.read_text(encoding="utf-8"), "flows")
    assert flows.count(f"<figcaption>Scenario: {SHOCK}") == 3 and "chosen with --scenario" in flows
    assert f"Scenario: {SUPPLY}" not in flows


def test_stock_bought_and_projects_backed(stock_plan, tmp_path):
    out = tmp_path / "stock.html"
    assert main(["brief", str(stock_plan), "-o", str(out), "-q"]) == 0
    page = out.read_text(encoding="utf-8")
    frames = pd.read_excel(stock_plan, sheet_name=["Stockpiles", "Investments"])
    piles = frames["Stockpiles"][frames["Stockpiles"]["scenario"] == "base"]
    stock = section(page, "stock")
    assert "<h3>Stock bought up front</h3>" in stock and "<h3>Projects backed</h3>" in stock
    assert brief.tonnes(piles["bought"].sum()) in stock and brief.money(piles["spent"].sum(), "USD") in stock
    assert "ohio_anode_plant" in stock
    answer = section(page, "answer")
    assert (f"It buys <b>{brief.tonnes(piles['bought'].sum())}</b> of stock up front for "
            f"<b>{brief.money(piles['spent'].sum(), 'USD')}</b>") in answer
    assert "It backs 1 new project: ohio_anode_plant." in answer


def test_no_stock_or_projects_said_plainly(page):
    assert "buys no stock up front" in section(page, "stock")


# --- errors: one line, exit 2, nothing written -----------------------------------------------------------


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("error: ")
    return err


def test_missing_plan(tmp_path, capsys):
    assert main(["brief", str(tmp_path / "none.xlsx")]) == 2
    assert "not found" in one_line_error(capsys)
    assert not list(tmp_path.iterdir())


def test_input_workbook_is_not_a_plan(tmp_path, capsys):
    out = tmp_path / "b.html"
    assert main(["brief", str(EXAMPLE), "-o", str(out)]) == 2
    assert "is not a plan written by planner solve: no sheet Summary" in one_line_error(capsys)
    assert not out.exists()


def test_a_file_that_is_no_workbook(tmp_path, capsys):
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook")
    assert main(["brief", str(fake)]) == 2
    assert "is not an Excel workbook" in one_line_error(capsys)


def test_unknown_scenario(plan, tmp_path, capsys):
    out = tmp_path / "b.html"
    assert main(["brief", str(plan), "-o", str(out), "--scenario", "nope"]) == 2
    err = one_line_error(capsys)
    assert "unknown scenario 'nope'" in err and SUPPLY in err and SHOCK in err
    assert not out.exists()


def test_output_that_is_the_plan_is_refused(plan, capsys):
    before = plan.read_bytes()
    assert main(["brief", str(plan), "-o", str(plan)]) == 2
    assert "is the plan itself" in one_line_error(capsys)
    assert plan.read_bytes() == before


def test_a_failed_write_leaves_the_old_brief(plan, tmp_path, monkeypatch, capsys):
    out = tmp_path / "b.html"
    out.write_text("old")

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(brief.os, "replace", full_disk)
    assert main(["brief", str(plan), "-o", str(out)]) == 2
    assert f"cannot write or read {out}" in one_line_error(capsys)
    assert out.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["b.html"]


def test_missing_plan_from_the_shell(tmp_path):
    """The real process: exit 2 and one line on stderr, never a traceback."""
    done = subprocess.run([sys.executable, "-m", "planner", "brief", str(tmp_path / "none.xlsx")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: plan {tmp_path / 'none.xlsx'} not found"


# --- in a browser ----------------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else shutil.which("chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (/usr/bin/chromium; apt-get install "
                                             "chromium): the page is not rendered in a browser")
def test_page_renders_in_headless_chromium(plan, page, sheets, tmp_path):
    html_path = plan.with_name("plan-brief.html")
    png = tmp_path / "brief.png"
    common = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    try:
        subprocess.run([*common, f"--screenshot={png}", "--window-size=1400,2000", html_path.as_uri()],
                       capture_output=True, timeout=180, check=False)
        dom = subprocess.run([*common, "--dump-dom", html_path.as_uri()], capture_output=True, text=True,
                             timeout=180, check=False).stdout
    except subprocess.TimeoutExpired:
        pytest.fail("headless Chromium did not finish within 180 s")
    assert png.is_file(), "Chromium wrote no screenshot"
    # A blank 1400x2000 page compresses to about 13 KB; this page, with its text and diagrams, to far more.
    assert png.stat().st_size > 50_000
    try:
        from PIL import Image
    except ImportError:
        pass
    else:
        with Image.open(png) as image:
            assert image.size == (1400, 2000)
            assert len(image.convert("RGB").getcolors(maxcolors=1 << 24)) > 1
    minerals = sheets["Flows"]["mineral"].nunique()
    assert dom.count("<svg") == 2 * minerals  # the diagrams are in the rendered DOM
    assert dom.count("<path") == page.count("<path") > 0


def test_the_plans_summary_says_the_answer_in_the_briefs_words(plan, sheets):
    # The Summary's answer row is the brief's opening as plain text, written from the run's own tables: read
    # back from the workbook, the same sentences come out, and their figures are the workbook's.
    items = summary(sheets)
    answer = items["answer"]
    assert list(sheets["Summary"]["item"][:3]) == ["question", "status", "answer"]
    assert answer == brief.plain_text(brief.answer_sentences(brief.read_plan(plan)))
    assert answer.startswith(f"The base plan costs {brief.money(float(items['total_cost']), 'USD')} in total")
    assert brief.money(float(items["economic_cost"]), "USD") in answer
    assert "<" not in answer and "&" not in answer  # plain text in a cell

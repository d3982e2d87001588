"""The docs say what the code does: generated parts equal their source, links resolve, every sheet is named.

scripts/update_docs.py writes the generated blocks (the input reference from the schema, the model's
formulas from the constraint modules' docstrings); these tests run the same renderers and compare. The
README's walkthrough has its own test (tests/test_walkthrough.py: it solves the shipped dataset).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import openpyxl
import pytest

import planner
from planner.model.build import FAMILIES

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "inputs" / "example.xlsx"
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _update_docs():
    spec = importlib.util.spec_from_file_location("update_docs", ROOT / "scripts" / "update_docs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while they are made
    spec.loader.exec_module(module)
    return module


UPDATE_DOCS = _update_docs()


@pytest.mark.parametrize("block", UPDATE_DOCS.BLOCKS, ids=lambda b: f"{b.page}:{b.name}")
def test_generated_block_matches_its_source(block):
    text = (ROOT / block.page).read_text(encoding="utf-8")
    current = block.current(text)
    assert current is not None, f"{block.page} lacks the {block.name} markers"
    assert current == block.render(), f"{block.page}'s {block.name} is out of date: run python scripts/update_docs.py"


def test_every_constraint_family_has_its_formula_on_the_model_page():
    """A family whose docstring lost its Formulation section would silently drop off docs/model.md."""
    page = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    for family in FAMILIES:
        formula = UPDATE_DOCS.formula_of(family.__doc__)
        assert formula is not None, f"{family.__module__}.{family.__name__} has no Formulation section"
        assert f"`{family.__name__}`: " in page and formula.formulation.replace("``", "`") in page


def test_formula_of_reads_a_numpy_docstring():
    def family():
        """Supply stays within capacity.

        More about it, over
        two lines.

        Formulation
        -----------
        for each row (m, c, t):
            sum_u flow[m,c,u,t] <= capacity[m,c,t]

        Returns
        -------
        nothing
        """

    formula = UPDATE_DOCS.formula_of(family.__doc__)
    assert formula.prose == "Supply stays within capacity.\n\nMore about it, over two lines."
    assert formula.formulation == "for each row (m, c, t):\n    sum_u flow[m,c,u,t] <= capacity[m,c,t]"
    assert UPDATE_DOCS.formula_of("No formulation here.") is None


def test_readme_commands_name_shipped_files():
    for page in PAGES:
        for path in re.findall(r"inputs/[\w.-]+\.xlsx", page.read_text(encoding="utf-8")):
            assert (ROOT / path).exists(), f"{page.name} names {path}, which is not shipped"


def test_the_spec_copy_in_docs_is_the_contract():
    """docs/workbook-spec.md is the contract as given in ../shared/spec/workbook.md, word for word."""
    shared = ROOT.parent / "shared" / "spec" / "workbook.md"
    if not shared.exists():
        pytest.skip("no shared/ beside the repository")
    assert (ROOT / "docs" / "workbook-spec.md").read_text(encoding="utf-8") == shared.read_text(encoding="utf-8")


# --- links ---------------------------------------------------------------------------------------------

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
CODE = re.compile(r"`[^`\n]*`")


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = heading.strip().lower().replace("`", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every anchor a page's headings make (a repeated heading's gets -1, -2, ... as on GitHub)."""
    seen: dict[str, int] = {}
    out = set()
    for heading in re.findall(r"^#{1,6} +(.+?)\s*$", FENCE.sub("", page.read_text(encoding="utf-8")), re.M):
        slug = anchor(heading)
        out.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
        seen[slug] = seen.get(slug, 0) + 1
    return out


def links(page: Path) -> list[str]:
    """The relative link targets of a page, outside code blocks and code spans."""
    text = CODE.sub("", FENCE.sub("", page.read_text(encoding="utf-8")))
    return [t for t in LINK.findall(text) if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def test_anchor_is_githubs():
    assert anchor("Cost, and economic cost") == "cost-and-economic-cost"
    assert anchor("`minerals` (required)") == "minerals-required"
    assert anchor("Layers, imports one way") == "layers-imports-one-way"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve(page):
    """Every relative link of README.md and docs/*.md points at a file that exists, and at a heading of it."""
    broken = []
    for target in links(page):
        path, _, fragment = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no file {file}")
        elif fragment and file.suffix == ".md" and fragment not in anchors(file):
            broken.append(f"{target}: no heading #{fragment} in {file.name}")
    assert not broken, f"{page.name}: " + "; ".join(broken)


def test_the_readme_links_every_docs_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"](docs/{page.name})" in readme, f"README.md does not link docs/{page.name}"


# --- the output reference ------------------------------------------------------------------------------


def test_the_output_page_names_every_sheet_written(tmp_path):
    """Every sheet each command writes on the example is named on docs/outputs.md (as `Sheet`)."""
    page = " ".join((ROOT / "docs" / "outputs.md").read_text(encoding="utf-8").split())
    runs = {
        "solve": lambda out: planner.solve(EXAMPLE, out, workers=1),
        "stress": lambda out: planner.stress(EXAMPLE, out, reserve_days=[0, 30], workers=1),
        "hedge": lambda out: planner.hedge(EXAMPLE, out, workers=1),
        "frontier": lambda out: planner.frontier(EXAMPLE, out, workers=1),
        "sweep": lambda out: planner.sweep(EXAMPLE, out, samples=3, workers=1),
    }
    missing = []
    for command, run in runs.items():
        out = tmp_path / f"{command}.xlsx"
        run(out)
        for sheet in openpyxl.load_workbook(out, read_only=True).sheetnames:
            if f"`{sheet}`" not in page:
                missing.append(f"{command}: {sheet}")
    assert not missing, "docs/outputs.md does not name " + ", ".join(missing)

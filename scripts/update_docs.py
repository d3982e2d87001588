#!/usr/bin/env python3
"""Regenerate the generated parts of README.md and docs/, each from the code it documents.

    python scripts/update_docs.py                  # rewrite the input reference and the model's formulas
    python scripts/update_docs.py --walkthrough    # and the README's walkthrough (solves the shipped dataset: minutes)
    python scripts/update_docs.py --check          # exit 1, naming each page whose generated block is out of date

The generated blocks, each between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``:

    docs/inputs.md  input-reference  planner/input/schema.py (the declaration that drives validation and templates)
    docs/model.md   formulation      the Formulation section of each docstring: every constraint family of
                                     planner/model/constraints/, the objective, stress tests, the hedge, budgets
    README.md       walkthrough      scripts/walkthrough.py (runs the commands it quotes; only with --walkthrough)
    data/README.md  calibration      the same run: the plan without share limits against 2025's producers
    data/README.md  us-imports       the same run: the base plan's US supply against USGS's import sources

tests/test_docs.py and tests/test_walkthrough.py run the same comparisons.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.input.schema import markdown_reference  # noqa: E402

# --- the model's formulas, from the docstrings beside the code ---------------------------------------------

# Beyond the constraint families: where the rest of the program's formulas live (title, module, function or
# None for the module's own docstring).
BEYOND_THE_ROWS = (
    ("The objective", "planner.model.objective", "cost_components"),
    ("Stress tests", "planner.analysis.stress", "stress_numbers"),
    ("The hedge", "planner.model.stack", "stack"),
    ("Budgets priced block by block", "planner.solver.priced", None),
    ("The budget frontier", "planner.analysis.budget_frontier", None),
)
SECTION = re.compile(r"^(\S.*)\n-{3,}$", re.M)  # a numpy-style section header: a line underlined with dashes


@dataclass(frozen=True)
class Formula:
    """One docstring's parts: the prose before its Formulation section, and the section itself."""

    prose: str
    formulation: str


def formula_of(doc: str | None) -> Formula | None:
    """The docstring's prose and Formulation section, or None where it has no such section."""
    if not doc:
        return None
    doc = inspect.cleandoc(doc)
    headers = list(SECTION.finditer(doc))
    at = next((i for i, h in enumerate(headers) if h.group(1).strip() == "Formulation"), None)
    if at is None:
        return None
    end = headers[at + 1].start() if at + 1 < len(headers) else len(doc)
    body = doc[headers[at].end():end].strip("\n").rstrip()
    paragraphs = [" ".join(p.split()) for p in doc[:headers[at].start()].split("\n\n") if p.strip()]
    return Formula("\n\n".join(paragraphs), body)


def _markdown(text: str) -> str:
    """reStructuredText's ``code`` as Markdown's `code`."""
    return text.replace("``", "`")


def _source_link(module, page_dir: str = "docs") -> str:
    path = Path(inspect.getsourcefile(module)).resolve().relative_to(ROOT).as_posix()
    return f"[`{path}`]({'../' * len(Path(page_dir).parts)}{path})"


def _entry(name: str | None, formula: Formula) -> list[str]:
    """A function's (or a module's, ``name`` None) prose and its formulas as a text block."""
    lead = f"`{name}`: " if name else ""
    return [lead + _markdown(formula.prose), "", "```text", _markdown(formula.formulation), "```", ""]


def constraint_modules() -> list:
    """Every module of planner/model/constraints with a formulation, in the order the build adds its rows
    (modules the build does not call, the frontier's caps, after them)."""
    import planner.model.constraints as package
    from planner.model.build import FAMILIES

    order = list(dict.fromkeys(f.__module__ for f in FAMILIES))
    names = [f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__)]
    names.sort(key=lambda n: (order.index(n) if n in order else len(order), n))
    return [m for m in map(importlib.import_module, names) if _formulas_in(m)]


def _formulas_in(module) -> list[tuple[str, Formula]]:
    """(function name, formula) of each function of ``module`` whose docstring has a Formulation, in source order."""
    functions = [f for _, f in inspect.getmembers(module, inspect.isfunction) if f.__module__ == module.__name__]
    functions.sort(key=lambda f: f.__code__.co_firstlineno)
    return [(f.__name__, formula) for f in functions if (formula := formula_of(f.__doc__))]


def _family_title(module) -> tuple[str, str]:
    """``Supply capacity``, ``what an origin country can source per period.``: the module docstring's
    first line split at its colon (the module's name where it has none)."""
    first = inspect.getdoc(module).splitlines()[0]
    if ":" in first:
        title, rest = first.split(":", 1)
        return title.strip(), rest.strip()
    return module.__name__.rsplit(".", 1)[-1].replace("_", " ").capitalize(), first[:1].lower() + first[1:]


def model_reference() -> str:
    """The model's formulas as Markdown, each copied from the docstring beside the code that builds it."""
    lines = ["### Constraint families", ""]
    for module in constraint_modules():
        title, what = _family_title(module)
        lines += [f"#### {title}", "", f"{_source_link(module)}: {_markdown(what)}", ""]
        for name, formula in _formulas_in(module):
            lines += _entry(name, formula)
    lines += ["### Beyond the rows", ""]
    for title, module_name, function in BEYOND_THE_ROWS:
        module = importlib.import_module(module_name)
        formula = formula_of((getattr(module, function) if function else module).__doc__)
        if formula is None:
            raise ValueError(f"{module_name}.{function or ''} has no Formulation section")
        lines += [f"#### {title}", "", f"From {_source_link(module)}.", ""]
        lines += _entry(function, formula)
    return "\n".join(lines)


# --- the blocks and the pages that hold them -------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A generated part of a page: between its markers, exactly what ``render`` returns."""

    page: str
    name: str
    render: Callable[[], str]

    def _pattern(self) -> re.Pattern:
        return re.compile(rf"(<!-- {self.name}:start -->\n)(.*)(<!-- {self.name}:end -->)", re.S)

    def current(self, text: str) -> str | None:
        """The block as ``text`` holds it, or None where the page lacks its markers."""
        match = self._pattern().search(text)
        return match.group(2) if match else None

    def replaced(self, text: str, body: str) -> str:
        if self.current(text) is None:
            raise ValueError(f"{self.page} lacks the markers <!-- {self.name}:start --> and <!-- {self.name}:end -->")
        return self._pattern().sub(lambda m: m.group(1) + body + m.group(3), text)


BLOCKS = (
    Block("docs/inputs.md", "input-reference", markdown_reference),
    Block("docs/model.md", "formulation", model_reference),
)


def walkthrough_blocks(workdir: Path) -> list[Block]:
    """The README's walkthrough, figures from the commands it quotes (solving the shipped dataset), and the data
    README's two checks from the same run."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import walkthrough

    figures = walkthrough.figures(workdir)
    text = walkthrough.render(figures)
    return [Block("README.md", "walkthrough", lambda: text),
            Block("data/README.md", "calibration", lambda: figures["calibration_table"]),
            Block("data/README.md", "us-imports", lambda: figures["us_imports_table"])]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when a block is out of date")
    parser.add_argument("--walkthrough", action="store_true", help="also rerun the walkthrough's commands")
    args = parser.parse_args()
    blocks = list(BLOCKS)
    if args.walkthrough:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            blocks += walkthrough_blocks(Path(tmp))
    stale = []
    for block in blocks:
        path = ROOT / block.page
        text = path.read_text(encoding="utf-8")
        new = block.replaced(text, block.render())
        if new != text:
            stale.append(f"{block.page} ({block.name})")
            if not args.check:
                path.write_text(new, encoding="utf-8")
    if args.check and stale:
        print("out of date: " + ", ".join(stale) + "; run python scripts/update_docs.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

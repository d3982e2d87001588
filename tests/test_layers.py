"""Imports run one way: input -> model -> solve -> analysis -> report -> pipeline/api -> cli.

A module may import its own layer and the layers below it, never one above. The layers are the
package's folders, so the folder layout shows them; this test fails the moment a module imports
upward (a report composing sheets must not compute results, a model must not read files).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "planner"

# Longest matching prefix decides a module's layer.
LAYERS = {
    "planner": 7,  # the package's facade: lazy names from the API
    "planner._version": 0,
    "planner.errors": 0,
    "planner.numbers": 0,
    "planner.progress": 0,
    "planner.runinfo": 0,
    "planner.tables": 0,  # the output tables' declarations: the analysis merges by them, the report shows them
    "planner.input": 1,
    "planner.model": 2,
    "planner.solver": 3,
    "planner.analysis": 4,
    "planner.report": 5,
    "planner.pipeline": 6,
    "planner.api": 6,
    "planner.cli": 7,
    "planner.__main__": 7,
}


def layer(module: str) -> int:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in LAYERS:
            return LAYERS[prefix]
    raise KeyError(f"{module} belongs to no layer: add it to LAYERS")


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every planner import, at module level or inside a function."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "planner"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] == "planner":
            if node.module == "planner":  # from planner import api -> planner.api
                found += [(node.lineno, f"planner.{a.name}" if f"planner.{a.name}" in LAYERS else "planner")
                          for a in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def upward_imports(source: str, module: str) -> list[str]:
    here = layer(module)
    return [f"{module}:{line} imports {target} (layer {layer(target)} above {here})"
            for line, target in imported(ast.parse(source)) if layer(target) > here]


def test_no_module_imports_upward():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        problems += upward_imports(path.read_text(encoding="utf-8"), module_name(path))
    assert not problems, "imports against the layer order:\n  " + "\n  ".join(problems)


def test_every_module_has_a_layer():
    for path in PACKAGE.rglob("*.py"):
        layer(module_name(path))


def test_the_check_catches_an_upward_import():
    # The check itself: a model module importing the report layer, even inside a function, is caught.
    source = "import numpy\n\ndef f():\n    from planner.report.xlsx import write_workbook\n"
    assert upward_imports(source, "planner.model.build") == [
        "planner.model.build:4 imports planner.report.xlsx (layer 5 above 2)"]
    assert upward_imports("from planner import api\n", "planner.analysis.plan") == [
        "planner.analysis.plan:1 imports planner.api (layer 6 above 4)"]
    assert upward_imports("from planner.input.data import PlannerInput\n", "planner.model.build") == []

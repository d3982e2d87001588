"""The README's walkthrough quotes the planner's own output: rerun its commands, and the block must match.

scripts/walkthrough.py runs solve, stress, hedge, frontier and sweep on the shipped dataset and the
calibration check, picks the figures the README quotes and renders the text; this test renders it
afresh and compares it with the README's block. When the dataset or the planner changes a figure,
rerun ``python scripts/update_docs.py --walkthrough`` and read the new text before committing it.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import planner

ROOT = Path(__file__).resolve().parents[1]


def _walkthrough():
    spec = importlib.util.spec_from_file_location("walkthrough", ROOT / "scripts" / "walkthrough.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Reusing:
    """The ``planner`` module, except that a command called on a workbook alone (no output, no options)
    returns the one of ``runs`` made by that command on that workbook."""

    def __init__(self, *runs: planner.Run):
        self.runs = {(run.command, Path(run.report.input_path)): run for run in runs}

    def __getattr__(self, name: str):
        command = getattr(planner, name)

        def call(*args, **options):
            made = self.runs.get((name, Path(args[0]))) if len(args) == 1 and not options else None
            return made or command(*args, **options)

        return call if callable(command) else command


def test_readme_walkthrough_is_the_tools_output(tmp_path, monkeypatch, dataset_plan, dataset_stress):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- walkthrough:start -->\n(.*)<!-- walkthrough:end -->", readme, re.S)
    assert block, "README lacks the walkthrough markers"
    walkthrough = _walkthrough()
    # `planner solve` and `planner stress` of the shipped dataset are the session's runs (the same calls,
    # which also wrote their workbooks); hedge, frontier and sweep run here.
    monkeypatch.setattr(walkthrough, "planner", _Reusing(dataset_plan.run, dataset_stress.run))
    figures = walkthrough.figures(tmp_path)
    expected = walkthrough.render(figures)
    assert block.group(1) == expected, "README's walkthrough differs: run python scripts/update_docs.py --walkthrough"
    # data/README.md's two checks against what was observed come from the same run
    data_readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    for name, table in (("calibration", "calibration_table"), ("us-imports", "us_imports_table")):
        quoted = re.search(rf"<!-- {name}:start -->\n(.*)<!-- {name}:end -->", data_readme, re.S)
        assert quoted, f"data/README.md lacks the {name} markers"
        assert quoted.group(1) == figures[table], f"data/README.md's {name} table differs: run update_docs.py --walkthrough"

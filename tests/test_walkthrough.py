"""The README's walkthrough quotes the planner's own output: rerun its commands, and the block must match.

scripts/walkthrough.py runs solve, stress, hedge, frontier and sweep on the shipped dataset and the
calibration check, picks the figures the README quotes and renders the text; this test renders it
afresh and compares it with the README's block. When the dataset or the planner changes a figure,
rerun ``python scripts/update_readme.py --walkthrough`` and read the new text before committing it.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _walkthrough():
    spec = importlib.util.spec_from_file_location("walkthrough", ROOT / "scripts" / "walkthrough.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_walkthrough_is_the_tools_output(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- walkthrough:start -->\n(.*)<!-- walkthrough:end -->", readme, re.S)
    assert block, "README lacks the walkthrough markers"
    walkthrough = _walkthrough()
    expected = walkthrough.render(walkthrough.figures(tmp_path))
    assert block.group(1) == expected, "README's walkthrough differs: run python scripts/update_readme.py --walkthrough"

#!/usr/bin/env python3
"""Regenerate the README's generated blocks: the input reference (from planner/input/schema.py) and,
with --walkthrough, the walkthrough of the default dataset (scripts/walkthrough.py: runs the commands).

    python scripts/update_readme.py                  # rewrite the input reference in README.md
    python scripts/update_readme.py --walkthrough    # and the walkthrough (about a minute)
    python scripts/update_readme.py --check          # exit 1 when the input reference is out of date

tests/test_docs.py and tests/test_walkthrough.py run the same comparisons.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.input.schema import markdown_reference  # noqa: E402

BLOCK = re.compile(r"(<!-- input-reference:start -->\n)(.*)(<!-- input-reference:end -->)", re.S)
WALKTHROUGH = re.compile(r"(<!-- walkthrough:start -->\n)(.*)(<!-- walkthrough:end -->)", re.S)


def updated(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + markdown_reference() + m.group(3), text)


def with_walkthrough(text: str, walkthrough: str) -> str:
    return WALKTHROUGH.sub(lambda m: m.group(1) + walkthrough + m.group(3), text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--walkthrough", action="store_true", help="also rerun the walkthrough's commands")
    args = parser.parse_args()
    path = ROOT / "README.md"
    text = path.read_text(encoding="utf-8")
    new = updated(text)
    if args.walkthrough:
        import tempfile

        import walkthrough

        with tempfile.TemporaryDirectory() as tmp:
            new = with_walkthrough(new, walkthrough.render(walkthrough.figures(Path(tmp))))
    if args.check:
        return 0 if new == text else 1
    path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

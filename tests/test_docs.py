"""The README's input reference is generated from the schema and must stay equal to it."""

import re
from pathlib import Path

from planner.input.schema import markdown_reference

ROOT = Path(__file__).resolve().parents[1]


def test_readme_input_reference_matches_schema():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- input-reference:start -->\n(.*)<!-- input-reference:end -->", readme, re.S)
    assert match, "README lacks the input-reference markers"
    assert match.group(1) == markdown_reference(), (
        "README input reference is out of date: regenerate it from planner.schema.markdown_reference()")


def test_readme_commands_name_shipped_files():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in re.findall(r"inputs/[\w.-]+\.xlsx", readme):
        assert (ROOT / path).exists(), f"README names {path}, which is not shipped"


def test_the_spec_copy_in_docs_is_the_contract():
    """docs/workbook-spec.md is the contract as given in ../shared/spec/workbook.md, word for word."""
    import pytest

    shared = ROOT.parent / "shared" / "spec" / "workbook.md"
    if not shared.exists():
        pytest.skip("no shared/ beside the repository")
    assert (ROOT / "docs" / "workbook-spec.md").read_text(encoding="utf-8") == shared.read_text(encoding="utf-8")

"""Every property test draws the same examples on every run: CI must not depend on a fresh draw.

A failure a fuzz run finds is kept as an explicit ``@example`` of its test (see test_blocks.py);
``scripts/fuzz_inputs.py`` is where fresh draws belong.
"""

from hypothesis import settings

settings.register_profile("repeatable", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("repeatable")

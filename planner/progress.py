"""Progress on stderr for runs longer than a moment: stage, scenario n of N, elapsed time."""

from __future__ import annotations

import sys
import time


class Progress:
    """Prints ``[  12.3s] stage: detail`` lines to stderr unless quiet."""

    def __init__(self, quiet: bool = False, stream=None):
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def __call__(self, stage: str, detail: str = "") -> None:
        if self.quiet:
            return
        text = f"[{self.elapsed():7.1f}s] {stage}" + (f": {detail}" if detail else "")
        print(text, file=self.stream, flush=True)

    def warn(self, message: str) -> None:
        print(f"warning: {message}", file=self.stream, flush=True)

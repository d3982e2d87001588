"""Progress on stderr: one line per stage, rewritten in place on a terminal; warnings always shown.

On a terminal each stage keeps one line that its updates overwrite. Elsewhere (a log file, a
pipe) a stage prints its first update, then at most one every few seconds, and its last one,
so a long run leaves a short log rather than hundreds of lines.
"""

from __future__ import annotations

import sys
import time

THROTTLE_SECONDS = 5.0


class Progress:
    """Prints ``[  12.3s] stage: detail`` to stderr unless quiet."""

    def __init__(self, quiet: bool = False, stream=None):
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()
        try:
            self.tty = bool(self.stream.isatty())
        except (AttributeError, ValueError):
            self.tty = False
        self._stage: str | None = None  # the stage of the open line
        self._pending: str | None = None  # an update not printed yet (not a terminal)
        self._printed_at = 0.0

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def __call__(self, stage: str, detail: str = "", sep: str = ": ") -> None:
        if self.quiet:
            return
        text = f"[{self.elapsed():7.1f}s] {stage}" + (f"{sep}{detail}" if detail else "")
        now = time.perf_counter()
        if stage != self._stage:
            self.end()
            self._stage = stage
            self._show(text, now)
        elif self.tty or now - self._printed_at >= THROTTLE_SECONDS:
            self._show(text, now)
        else:
            self._pending = text

    def _show(self, text: str, now: float) -> None:
        if self.tty:
            self.stream.write("\r" + text + "\x1b[K")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self._pending = None
        self._printed_at = now

    def end(self) -> None:
        """Close the open stage line (printing its last update if it was held back)."""
        if self._stage is None:
            return
        if self._pending is not None and not self.tty:
            self.stream.write(self._pending + "\n")
        elif self.tty:
            self.stream.write("\n")
        self.stream.flush()
        self._stage = self._pending = None

    def counter(self, stage: str, total: int, unit: str) -> Counter:
        """A count of ``total`` items shown as a bar with rate and time left, on the stage's line."""
        return Counter(self, stage, total, unit)

    def warn(self, message: str) -> None:
        self.end()
        print(f"warning: {message}", file=self.stream, flush=True)


class Counter:
    """``stage [#####.....] done/total unit, rate/s, time left``."""

    WIDTH = 30

    def __init__(self, progress: Progress, stage: str, total: int, unit: str):
        self.progress, self.stage, self.total, self.unit = progress, stage, total, unit
        self.done = 0
        self.start = time.perf_counter()

    def update(self, n: int) -> None:
        self.done += n
        elapsed = time.perf_counter() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        filled = int(self.WIDTH * self.done / max(1, self.total))
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.progress(self.stage, f"[{bar}] {self.done}/{self.total} {self.unit}, {rate:.1f}/s, {left:.0f}s left",
                      sep=" ")

    def note(self, text: str) -> None:
        self.progress.end()
        if not self.progress.quiet:
            print(text, file=self.progress.stream, flush=True)

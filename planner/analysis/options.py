"""Each command's options: one frozen dataclass per command, checked where it is made.

The API makes them (the command line through the API) and ``planner.pipeline.run_command`` passes
them on. A value that is wrong whatever the workbook (no samples, a negative amount) is refused when
the options are made; one the workbook decides (a mineral, scope or budget it must name) by
``for_workbook``, once the workbook is read and before anything is solved. Either raises UsageError.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass
from numbers import Integral, Real
from typing import TYPE_CHECKING, ClassVar, Self

from planner.analysis.budget_frontier import budget_minerals, choose_budget
from planner.analysis.frontier import choose_minerals, choose_scope
from planner.analysis.lshaped import check_method
from planner.errors import UsageError
from planner.input.data import PlannerInput
from planner.input.schema import STAGES

if TYPE_CHECKING:
    from planner.analysis.hedge import SampledRisks


class Options:
    """What every command's options can answer; ``command`` names the command they are for."""

    command: ClassVar[str]

    def for_workbook(self, data: PlannerInput) -> Self:
        """These options checked against the workbook (names as the workbook writes them)."""
        return self

    def covers(self, data: PlannerInput, block: tuple[str, ...]) -> bool:
        """Whether the block (its minerals) is one the options ask about."""
        return True


@dataclass(frozen=True)
class SolveOptions(Options):
    """``planner solve``: ``explain_plan`` adds the explanation (duals, policy costs, concentration)."""

    command: ClassVar[str] = "solve"
    explain_plan: bool = True


@dataclass(frozen=True)
class StressOptions(Options):
    """``planner stress``: ``reserve_days`` (sorted, without repeats; None: no sizing) sizes the reserves."""

    command: ClassVar[str] = "stress"
    reserve_days: tuple[float, ...] | None = None

    def __post_init__(self):
        if self.reserve_days:
            _set(self, "reserve_days", _amounts(self.reserve_days, "--reserve-days needs one or more numbers of "
                                                                   "days >= 0, e.g. 0,30,60,90,120"))
        else:
            _set(self, "reserve_days", None)


@dataclass(frozen=True)
class SweepOptions(Options):
    """``planner sweep``: ``samples`` samples of sheet risks drawn with ``seed``."""

    command: ClassVar[str] = "sweep"
    samples: int
    seed: int = 1

    def __post_init__(self):
        _set(self, "samples", _whole(self.samples, "--samples", 1))
        _set(self, "seed", _whole(self.seed, "--seed", 0))


@dataclass(frozen=True)
class HedgeOptions(Options):
    """``planner hedge``: against ``samples`` samples of sheet risks (drawn with ``seed``) instead of sheet
    scenarios when given; ``method`` ``extensive``, ``decompose`` or None (by size).

    ``sampled`` is not the caller's: the pipeline fills it with what each sample drew when it draws them.
    """

    command: ClassVar[str] = "hedge"
    samples: int | None = None
    seed: int = 1
    method: str | None = None
    sampled: SampledRisks | None = None

    def __post_init__(self):
        if self.samples is not None:
            _set(self, "samples", _whole(self.samples, "--samples", 1))
        _set(self, "seed", _whole(self.seed, "--seed", 0))

    def for_workbook(self, data: PlannerInput) -> Self:
        check_method(data, self.method)
        return self


@dataclass(frozen=True)
class FrontierOptions(Options):
    """``planner frontier``: the cap on ``scope``'s share (``*``: any single country) tightened by ``step``, at
    each of ``frontier_stages``, for ``minerals`` (none: every mineral)."""

    command: ClassVar[str] = "frontier"
    minerals: tuple[str, ...] = ()
    frontier_stages: tuple[str, ...] = STAGES
    scope: str = "*"
    step: float = 0.05

    def __post_init__(self):
        _set(self, "minerals", tuple(self.minerals or ()))
        stages = tuple(self.frontier_stages)
        unknown = [s for s in stages if s not in STAGES]
        if not stages or unknown:
            raise UsageError(f"--stage needs supply, refining or both; got {', '.join(map(repr, unknown)) or 'none'}")
        _set(self, "frontier_stages", stages)
        if isinstance(self.step, bool) or not isinstance(self.step, Real) or not 0 < self.step < 1:
            raise UsageError(f"--step needs a number between 0 and 1 (exclusive), got {self.step!r}")

    def for_workbook(self, data: PlannerInput) -> Self:
        """The minerals as sheet minerals writes them; a mineral or scope that does not exist refused."""
        choose_scope(data, self.scope)
        return dataclasses.replace(self, minerals=tuple(choose_minerals(data, list(self.minerals)))
                                   if self.minerals else ())

    def covers(self, data: PlannerInput, block: tuple[str, ...]) -> bool:
        return not self.minerals or any(m in block for m in self.minerals)


@dataclass(frozen=True)
class BudgetFrontierOptions(Options):
    """``planner frontier --budget``: the hedge at each of ``amounts`` (sorted, without repeats) of ``budget``."""

    command: ClassVar[str] = "budget_frontier"
    budget: str
    amounts: tuple[float, ...]

    def __post_init__(self):
        _set(self, "amounts", _amounts(self.amounts, "--amounts needs one or more amounts of money >= 0, "
                                                     "e.g. 0,4e9,8e9,12e9"))

    def for_workbook(self, data: PlannerInput) -> Self:
        choose_budget(data, self.budget)
        return self

    def covers(self, data: PlannerInput, block: tuple[str, ...]) -> bool:
        return any(m in block for m in budget_minerals(data, self.budget))


def _set(options: Options, name: str, value) -> None:
    object.__setattr__(options, name, value)  # a frozen dataclass keeps what its own check made of a value


def _whole(value, flag: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < least:
        raise UsageError(f"{flag} needs a whole number >= {least}, got {value!r}")
    return int(value)


def _amounts(values: Iterable, message: str) -> tuple[float, ...]:
    """Numbers >= 0, sorted and without repeats; ``message`` where there are none or one is not such a number."""
    try:
        numbers = sorted(set(float(v) for v in values or ()))
    except (TypeError, ValueError):
        raise UsageError(message) from None
    if not numbers or any(not 0 <= v < math.inf for v in numbers):
        raise UsageError(message)
    return tuple(numbers)

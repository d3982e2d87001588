"""What the LP solver can take: the HiGHS defaults that decide whether a number reaches it faithfully.

HiGHS (highspy 1.16; tests/test_reliability.py checks these against the installed HiGHS) changes
some numbers before it solves, without an error:

- a matrix entry of magnitude at most ``small_matrix_value`` is dropped (read as 0), and one of at
  least ``large_matrix_value`` is refused;
- a cost of magnitude at least ``infinite_cost`` is infinite, as is a bound or right-hand side of at
  least ``infinite_bound``;
- a constraint is met when it is violated by at most ``primal_feasibility_tolerance``, so a non-zero
  right-hand side or bound no larger than that is met by 0 (a demand of 1e-7 t is neither delivered
  nor counted unmet).

The input cells that reach the solver directly are held to these limits where they are read
(``cells``); numbers the model derives from several cells (route unit costs, default penalties,
reserve targets, scenario factors) are checked on the built model (``planner.model.numerics``).

Scaling. HiGHS calls a cost or a bound "excessively" small below 1e-4 and large above 1e6
(``kExcessivelySmall*``/``kExcessivelyLarge*`` in HighsSolve.cpp, logged with its "Coefficient
ranges"), and its remedy is one power-of-two factor for all costs or all bounds (the options
``user_objective_scale`` and ``user_bound_scale``). Values spread over more than 1e6 / 1e-4 = 1e10
cannot all be brought into that window by any one factor, that is by any choice of units: such a
model is badly scaled whatever the units, and gets a warning naming the rows that span the range.
"""

SMALL_MATRIX_VALUE = 1e-9  # |entry| <= this: dropped from the matrix
LARGE_MATRIX_VALUE = 1e15  # |entry| >= this: refused as infinite
INFINITE_COST = 1e20  # |cost| >= this: an infinite cost
INFINITE_BOUND = 1e20  # |bound or right-hand side| >= this: no bound at all
PRIMAL_FEASIBILITY_TOLERANCE = 1e-7  # a row or bound violated by at most this is met

EXCESSIVELY_SMALL = 1e-4  # HiGHS's kExcessivelySmallObjectiveCoefficient / kExcessivelySmallBoundValue
EXCESSIVELY_LARGE = 1e6  # HiGHS's kExcessivelyLargeObjectiveCoefficient / kExcessivelyLargeBoundValue
MAX_RANGE = EXCESSIVELY_LARGE / EXCESSIVELY_SMALL  # 1e10: the widest spread one scale factor can fit

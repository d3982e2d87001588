"""Group columns by a part of their key once, so each row is built from its own list."""

from collections import defaultdict


def group(pairs) -> dict[tuple, list[int]]:
    """Group key -> its columns, in their order, from (group key, column) pairs.

    Callers make the pairs by unpacking each column's key, so the group reads by name: the flows
    into each refining site are ``group(((m, u, t), col) for (m, _o, u, t), col in v.sourced())``.
    """
    groups: dict[tuple, list[int]] = defaultdict(list)
    for key, col in pairs:
        groups[key].append(col)
    return groups

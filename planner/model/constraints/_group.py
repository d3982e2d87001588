"""Group columns by a part of their key once, so each row is built from its own list."""

from collections import defaultdict


def group_by(pairs, part) -> dict[tuple, list[int]]:
    """``part(key)`` -> the columns whose key maps to it, from (key, column) pairs, in their order."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for key, col in pairs:
        groups[part(key)].append(col)
    return groups

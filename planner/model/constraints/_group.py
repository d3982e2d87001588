"""Group columns by a part of their key once, so each row is built from its own list."""

from collections import defaultdict


def group_by(index: dict[tuple, int], part) -> dict[tuple, list[int]]:
    """``part(key)`` -> the columns whose key maps to it, in column order."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for key, col in index.items():
        groups[part(key)].append(col)
    return groups

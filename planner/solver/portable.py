"""A HiGHS basis as two plain arrays, to start a solve in another process where this one stands.

``highspy.HighsBasis`` does not pickle; its statuses are small integers (lower, basic, upper,
zero, nonbasic), so a basis travels as one int8 array for the columns and one for the rows.
"""

from __future__ import annotations

import numpy as np


def basis_arrays(basis) -> tuple[np.ndarray, np.ndarray] | None:
    """(column statuses, row statuses) of a valid HiGHS basis; None for none (or an invalid one)."""
    if basis is None or not basis.valid:
        return None
    return (np.fromiter((int(s) for s in basis.col_status), dtype=np.int8, count=len(basis.col_status)),
            np.fromiter((int(s) for s in basis.row_status), dtype=np.int8, count=len(basis.row_status)))


def highs_basis(arrays: tuple[np.ndarray, np.ndarray] | None):
    """The HiGHS basis ``basis_arrays`` made; None for None."""
    if arrays is None:
        return None
    import highspy

    cols, rows = arrays
    basis = highspy.HighsBasis()
    basis.col_status = [highspy.HighsBasisStatus(int(s)) for s in cols]
    basis.row_status = [highspy.HighsBasisStatus(int(s)) for s in rows]
    basis.valid = True
    basis.alien = False  # it was HiGHS' own basis of this very model, not one to check and repair
    return basis

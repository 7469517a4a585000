"""Say in plain words how a wrong array differs from the right one.

A student who reads "relative error 0.8" learns nothing; one who reads "your
gradient is N = 5 times the correct one: did you forget to average over the
N samples?" knows what to fix. ``diagnose`` tries the common mistakes in
turn: wrong type or shape, NaN/inf, transposed, off by a constant factor,
only some rows or columns wrong.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

#: Factors every check recognises, with a hint for each.
COMMON_FACTORS: dict[str, tuple[float, str]] = {
    "-1": (-1.0, "The sign is flipped."),
    "2": (2.0, "A factor 2 too many."),
    "1/2": (0.5, "A factor 1/2 too many."),
    "0": (0.0, "It is all zeros."),
}


def factor_hints(N: int | None = None) -> dict[str, tuple[float, str]]:
    """The common factors plus N and 1/N for a batch of N samples."""
    hints = dict(COMMON_FACTORS)
    if N is not None and N > 1:
        hints["N"] = (float(N), "Did you forget to average over the N "
                      "samples (divide by N)?")
        hints["1/N"] = (1.0 / N, "Did you divide by N twice?")
        hints["-N"] = (-float(N), "The sign is flipped and the 1/N is "
                       "missing.")
    return hints


def log_base_hints() -> dict[str, tuple[float, str]]:
    """Factors that come from mixing up natural and base-2 logarithms."""
    ln2 = float(np.log(2.0))
    return {
        "ln 2": (ln2, "Natural log and log base 2 mixed up?"),
        "1/ln 2": (1.0 / ln2, "Natural log and log base 2 mixed up?"),
    }


def wrong_mask(actual: np.ndarray, expected: np.ndarray,
               rtol: float = 1e-6, atol: float = 0.0) -> np.ndarray:
    """Entries where ``actual`` and ``expected`` (same shape) disagree.

    An entry is right when |a - e| <= rtol * (|a| + |e| + scale) + atol,
    scale the largest |e|: entries that should be ~0 are judged on the
    array's scale (and on ``atol`` when the whole answer should be 0).
    """
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    scale = float(np.max(np.abs(e))) if e.size else 0.0
    with np.errstate(invalid="ignore"):
        ok = np.abs(a - e) <= rtol * (np.abs(a) + np.abs(e) + scale) + atol
    return ~ok


def _as_float_array(value) -> tuple[np.ndarray | None, str | None]:
    """The value as a float64 array, or None and why that is impossible."""
    if value is None:
        return None, "returned None: is there a `return` statement?"
    if isinstance(value, tuple):
        return None, (f"returned a tuple of {len(value)} values where one "
                      "array was expected")
    try:
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001 - any failure means "not an array"
        return None, f"returned a {type(value).__name__}, not an array"
    if arr.dtype == bool:  # a 0/1 mask is a fine derivative of ReLU
        return arr.astype(np.float64), None
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        return None, f"returned a {type(value).__name__} of non-numbers"
    if np.iscomplexobj(arr):
        return None, "returned complex numbers"
    return arr.astype(np.float64), None


def _index_list(indices) -> str:
    items = [str(int(i)) for i in indices]
    if len(items) > 6:
        items = items[:6] + ["..."]
    return ", ".join(items)


def _labelled(kind: str, indices, labels: Mapping[int, str] | None) -> str:
    plural = kind + ("s" if len(indices) > 1 else "")
    text = f"{plural} {_index_list(indices)}"
    if labels:
        names = sorted({labels[int(i)] for i in indices if int(i) in labels})
        if names and len(names) == 1 and all(int(i) in labels
                                             for i in indices):
            text += f" ({names[0]})"
    return text


def constant_factor(actual: np.ndarray, expected: np.ndarray,
                    rtol: float = 1e-6) -> float | None:
    """c if ``actual`` == c * ``expected`` up to rtol, else None."""
    e = expected.ravel()
    a = actual.ravel()
    ee = float(e @ e)
    if ee == 0.0:
        return None
    c = float(a @ e) / ee
    if np.linalg.norm(a - c * e) <= rtol * (np.linalg.norm(a)
                                            + np.linalg.norm(e)):
        return c
    return None


def _named_factor(c: float,
                  factors: Mapping[str, tuple[float, str]]) -> bool:
    return any(abs(c - value) <= 1e-6 * max(1.0, abs(value))
               for value, _ in factors.values())


def _constant_offset(actual: np.ndarray, expected: np.ndarray,
                     rtol: float) -> float | None:
    """d if every entry of ``actual`` is ``expected`` + d (d != 0), else
    None; needs two or more entries to tell an offset from any error."""
    if actual.size < 2:
        return None
    diff = actual - expected
    d = float(np.mean(diff))
    scale = float(np.max(np.abs(expected))) + abs(d)
    if abs(d) > rtol * scale and np.all(np.abs(diff - d) <= rtol * scale):
        return d
    return None


def describe_factor(c: float,
                    factors: Mapping[str, tuple[float, str]]) -> str:
    """Name the factor c if it is one of ``factors``, else give its value."""
    for name, (value, hint) in factors.items():
        if abs(c - value) <= 1e-6 * max(1.0, abs(value)):
            if name == "0":
                return hint
            return f"It is {name} times the correct value. {hint}"
    return (f"It is {c:.4g} times the correct value: a constant factor is "
            "wrong.")


def diagnose(actual, expected, *, what: str = "the result",
             factors: Mapping[str, tuple[float, str]] | None = None,
             row_labels: Mapping[int, str] | None = None,
             column_labels: Mapping[int, str] | None = None,
             shape_of: str | None = None,
             rtol: float = 1e-6, atol: float = 0.0) -> str | None:
    """Explain how ``actual`` differs from ``expected``; None when they agree.

    Args:
        actual: what the student's function returned.
        expected: the right array (reference or numeric gradient).
        what: how to call the value in the message, e.g. "dW".
        factors: named constant factors to recognise (see factor_hints).
        row_labels, column_labels: names of special rows or columns, e.g.
            {2: "the correct-class column"}.
        shape_of: name of the variable whose shape ``expected`` has.
        rtol: relative tolerance of "agree".
        atol: absolute tolerance on top (for answers that should be 0).
    """
    factors = dict(COMMON_FACTORS if factors is None else factors)
    expected = np.asarray(expected, dtype=np.float64)
    arr, problem = _as_float_array(actual)
    if problem:
        return f"{what} {problem}."
    if arr.shape != expected.shape:
        msg = (f"{what} has shape {arr.shape} but should have shape "
               f"{expected.shape}")
        if shape_of:
            msg += f", the shape of {shape_of}"
        if (arr.ndim == 2 and arr.T.shape == expected.shape
                and not wrong_mask(arr.T, expected, rtol).any()):
            return msg + ". It is the transpose of the right answer."
        return msg + "."
    bad = ~np.isfinite(arr) & np.isfinite(expected)
    if bad.any():
        kinds = []
        if np.isnan(arr).any():
            kinds.append("NaN")
        if np.isinf(arr).any():
            kinds.append("inf")
        where = ("" if arr.size == 1 else
                 f" in {int(bad.sum())} of {arr.size} entries")
        return (f"{what} is {' and '.join(kinds)}{where} where the right "
                "value is finite: "
                "an overflow (exp of a large number?) or a 0 * log 0, "
                "0 / 0 or log of 0.")
    special = ~np.isfinite(expected)
    missed = special & ~((arr == expected) | (np.isnan(arr)
                                              & np.isnan(expected)))
    if missed.any():
        k = np.flatnonzero(missed.ravel())[0]
        where = "" if arr.size == 1 else f" at entry {k}"
        return (f"{what} is {arr.ravel()[k]:.4g}{where} where the right "
                f"value is {expected.ravel()[k]}.")
    mask = wrong_mask(np.where(special, 0.0, arr),
                      np.where(special, 0.0, expected), rtol, atol)
    if not mask.any():
        return None
    if (arr.ndim == 2 and arr.shape[0] == arr.shape[1]
            and not wrong_mask(arr.T, expected, rtol).any()):
        return f"{what} is transposed: entry [i, j] holds the value of [j, i]."
    finite = np.isfinite(expected)
    c = (constant_factor(arr[finite], expected[finite], rtol)
         if finite.all() else None)
    if c is not None and arr.size > 1:
        return (f"{what} is off by a constant factor. "
                f"{describe_factor(c, factors)}")
    if c is not None and arr.size == 1 and c == 0.0:
        return (f"{what} is 0 but should be {expected.ravel()[0]:.4g}. "
                "It is all zeros.")
    if c is not None and _named_factor(c, factors):
        return f"{what} is wrong. {describe_factor(c, factors)}"
    if arr.size > 1 and np.all(arr == arr.ravel()[0]) \
            and not np.all(expected == expected.ravel()[0]):
        return (f"{what} is {arr.ravel()[0]:.4g} in every entry, where the "
                "right entries differ: a constant is not an answer.")
    if arr.size == 1:
        err = float(abs(arr.ravel()[0] - expected.ravel()[0])
                    / max(abs(arr.ravel()[0]), abs(expected.ravel()[0])))
        return f"{what} is wrong (relative error {err:.2g})."
    offset = _constant_offset(arr[finite], expected[finite], rtol)
    if offset is not None:
        return (f"{what} is off by the same constant {offset:.4g} in every "
                "entry: check the additive terms of your formula.")
    if arr.ndim == 2 and arr.shape[0] > 1 and arr.shape[1] > 1:
        bad_rows = np.flatnonzero(mask.any(axis=1))
        bad_cols = np.flatnonzero(mask.any(axis=0))
        col_part = len(bad_cols) < arr.shape[1]
        row_part = len(bad_rows) < arr.shape[0]
        if col_part and (not row_part or len(bad_cols) * arr.shape[0]
                         <= len(bad_rows) * arr.shape[1]):
            return (f"{what} is wrong only in "
                    f"{_labelled('column', bad_cols, column_labels)}; "
                    "the other columns are right.")
        if row_part:
            return (f"{what} is wrong only in "
                    f"{_labelled('row', bad_rows, row_labels)}; "
                    "the other rows are right.")
    if arr.ndim == 1 and mask.sum() < arr.size:
        return (f"{what} is wrong only in "
                f"{_labelled('entry', np.flatnonzero(mask), row_labels)}"
                .replace("entrys", "entries")
                + "; the other entries are right.")
    worst = float(np.max(np.abs(arr - expected)[finite])) if finite.any() \
        else float("nan")
    return (f"{what} is wrong in {int(mask.sum())} of {arr.size} entries "
            f"(largest absolute error {worst:.3g}).")


def diagnose_mutation(func_name: str, arg_name: str, before: np.ndarray,
                      after: np.ndarray) -> str | None:
    """Message when a function changed its input array in place."""
    if before.shape != after.shape or not np.array_equal(before, after,
                                                         equal_nan=True):
        return (f"{func_name} modified its input {arg_name} in place. "
                "A function must never change its arguments: work on a "
                "copy (e.g. `s = s - s.max()` instead of `s -= s.max()`).")
    return None

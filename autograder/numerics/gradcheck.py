"""Numeric gradients by central differences, and how far two arrays differ.

Everything here works in float64: a gradient check in float32 cannot tell a
right answer from a slightly wrong one.
"""
from __future__ import annotations

from typing import Callable, Iterable, Sequence

import numpy as np

#: Step of the central differences. With float64 and smooth O(1) functions
#: the error is about h**2 (truncation) + 1e-16 / h (rounding), ~1e-10.
DEFAULT_H = 1e-5

#: Floor of the relative-error denominator: entries whose true value is
#: about zero are judged by their absolute error instead.
DEFAULT_EPS = 1e-8


def relative_error(a, b, eps: float = DEFAULT_EPS) -> np.ndarray:
    """Entrywise |a - b| / max(eps, |a| + |b|); arrays of one shape."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return np.abs(a - b) / np.maximum(eps, np.abs(a) + np.abs(b))


def max_relative_error(a, b, eps: float = DEFAULT_EPS) -> float:
    """Largest entrywise relative error (0.0 for empty arrays)."""
    err = relative_error(a, b, eps)
    return float(err.max()) if err.size else 0.0


def norm_relative_error(a, b, eps: float = 1e-300) -> float:
    """||a - b|| / max(eps, ||a|| + ||b||), one number for the whole array.

    Used for the tight comparison with the reference: it does not blow up
    on entries that are zero up to rounding.
    """
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    num = np.linalg.norm(a - b)
    return float(num / max(eps, np.linalg.norm(a) + np.linalg.norm(b)))


def numeric_partial(f: Callable[[np.ndarray], float], x: np.ndarray,
                    index: tuple, h: float = DEFAULT_H) -> float:
    """Central difference (f(x + h e) - f(x - h e)) / 2h at one entry.

    ``x`` (any shape, float64) is modified during the call and restored.
    """
    old = x[index]
    try:
        x[index] = old + h
        f_plus = float(f(x))
        x[index] = old - h
        f_minus = float(f(x))
    finally:
        x[index] = old
    return (f_plus - f_minus) / (2.0 * h)


def numeric_gradient(f: Callable[[np.ndarray], float], x,
                     indices: Iterable[tuple] | None = None,
                     h: float = DEFAULT_H) -> np.ndarray:
    """Central-difference gradient of the scalar function ``f`` at ``x``.

    Args:
        f: maps an array shaped like ``x`` to a float.
        x: point, any shape; converted to a float64 copy.
        indices: entries to differentiate (all when None). Other entries
            of the result are NaN, so that nobody mistakes them for zeros.
        h: step.
    Returns:
        float64 array shaped like ``x``.
    """
    x = np.array(x, dtype=np.float64, copy=True)
    if indices is None:
        grad = np.empty_like(x)
        indices = np.ndindex(x.shape)
    else:
        grad = np.full_like(x, np.nan)
    for index in indices:
        index = tuple(index)
        grad[index] = numeric_partial(f, x, index, h * step_scale(x[index]))
    return grad


def step_scale(value: float) -> float:
    """Shrink the step at small entries (down to 1/100 of it).

    Near the edge of a domain, say a probability of 1e-3 in a log, a
    fixed step of 1e-5 leaves a truncation error of ~(h/q)^2 = 1e-4; a
    step in proportion keeps every entry accurate to ~1e-9.
    """
    return float(min(1.0, max(1e-2, abs(value))))


def numeric_jacobian(f: Callable[[np.ndarray], np.ndarray], x,
                     h: float = DEFAULT_H) -> np.ndarray:
    """Central-difference Jacobian of a vector function of a 1-D ``x``.

    Returns J of shape ``(len(f(x)), len(x))`` with J[i, j] = dF_i / dx_j.
    """
    x = np.array(x, dtype=np.float64, copy=True)
    columns = []
    for j in range(x.shape[0]):
        old = x[j]
        x[j] = old + h
        f_plus = np.array(f(x), dtype=np.float64)
        x[j] = old - h
        f_minus = np.array(f(x), dtype=np.float64)
        x[j] = old
        columns.append((f_plus - f_minus) / (2.0 * h))
    return np.stack(columns, axis=-1)


def sample_indices(shape: Sequence[int], k: int,
                   rng: np.random.Generator) -> list[tuple]:
    """``k`` distinct random entries of an array of ``shape`` (all if fewer)."""
    size = int(np.prod(shape))
    flat = rng.choice(size, size=min(k, size), replace=False)
    return [tuple(int(i) for i in np.unravel_index(f, shape)) for f in flat]


def is_smooth_at(f: Callable[[np.ndarray], float], x: np.ndarray,
                 index: tuple, h: float = DEFAULT_H,
                 tol: float = 1e-4) -> bool:
    """Whether ``f`` looks differentiable at ``x`` along entry ``index``.

    Compares the one-sided slopes over [x - 10h, x] and [x, x + 10h]: near a
    kink (ReLU at 0, a hinge at its margin) they differ by O(1), on a smooth
    stretch by O(h). ``x`` is restored afterwards.
    """
    step = 10.0 * h
    old = x[index]
    try:
        f0 = float(f(x))
        x[index] = old + step
        right = (float(f(x)) - f0) / step
        x[index] = old - step
        left = (f0 - float(f(x))) / step
    finally:
        x[index] = old
    return abs(right - left) <= tol * max(1.0, abs(right) + abs(left))


def smooth_indices(f: Callable[[np.ndarray], float], x, k: int,
                   rng: np.random.Generator,
                   h: float = DEFAULT_H) -> list[tuple]:
    """Up to ``k`` random entries of ``x`` at which ``f`` has no kink nearby.

    Checks never evaluate a derivative at a kink, where any subgradient is
    a correct answer; entries near one are skipped.
    """
    x = np.array(x, dtype=np.float64, copy=True)
    chosen = []
    for index in sample_indices(x.shape, x.size, rng):
        if is_smooth_at(f, x, index, h):
            chosen.append(index)
            if len(chosen) == k:
                break
    return chosen


def away_from(values: np.ndarray, kinks: Iterable[float],
              margin: float) -> np.ndarray:
    """Boolean mask: entries of ``values`` at least ``margin`` from every kink.

    Input generators use it to redraw points that land near a kink.
    """
    values = np.asarray(values, dtype=np.float64)
    ok = np.ones(values.shape, dtype=bool)
    for kink in kinks:
        ok &= np.abs(values - kink) >= margin
    return ok

"""Hidden-test checks of the hinge assignment.

Hinge losses have kinks where a margin is exactly zero; there any
subgradient is right, so every input here is drawn again until all margins
are at least KINK_MARGIN away from zero.
"""
from __future__ import annotations

import numpy as np

from ..diagnose import diagnose, factor_hints
from ..gradcheck import away_from
from ..reference import hinge as ref
from .common import (NUMERIC_RTOL, call, expect_affordable, expect_close,
                     expect_consistent, expect_gradient, expect_pair,
                     expect_scalar, expect_unmodified, fail, seeded)

SEED = 20261205
#: Smallest |margin| allowed in a check input: central differences with
#: h = 1e-5 move a score by ~1e-4, so they never cross a kink.
KINK_MARGIN = 0.05


def svm_inputs(offset: int, N: int = 8, D: int = 5, C: int = 4,
               delta: float = 1.0):
    """(W, X, y) whose margins s_j - s_y + delta all avoid 0."""
    rng = seeded(SEED, offset)
    while True:
        X = rng.normal(size=(N, D))
        W = 0.5 * rng.normal(size=(D, C))
        y = rng.permutation(np.arange(N) % C)
        S = X @ W
        margins = S - S[np.arange(N), y][:, None] + delta
        margins[np.arange(N), y] = 1.0
        if away_from(margins, [0.0], KINK_MARGIN).all():
            return W, X, y


def multilabel_inputs(offset: int, N: int = 7, D: int = 4, C: int = 3):
    """(W, X, Y) with Y in {-1, +1} and 1 - Y * S away from 0."""
    rng = seeded(SEED, offset)
    while True:
        X = rng.normal(size=(N, D))
        W = 0.5 * rng.normal(size=(D, C))
        Y = np.where(rng.random((N, C)) < 0.5, -1.0, 1.0)
        if away_from(1.0 - Y * (X @ W), [0.0], KINK_MARGIN).all():
            return W, X, Y


def regression_inputs(offset: int, N: int = 6, C: int = 3):
    """(S, Y) with every residual S - Y at least KINK_MARGIN from 0."""
    rng = seeded(SEED, offset)
    S = rng.normal(size=(N, C))
    R = rng.normal(size=(N, C))
    R = np.where(np.abs(R) < KINK_MARGIN, R + np.sign(R + 1e-12), R)
    return S, S - R


def _pair(func, *args, name: str):
    loss, grad = expect_pair(call(func, *args), what=name)
    return expect_scalar(loss, what="the loss"), grad


# -- svm_loss ----------------------------------------------------------------

def svm_loss_value(svm_loss) -> None:
    """The multiclass SVM loss, for the default and another delta."""
    for offset, delta in ((1, 1.0), (2, 0.5)):
        W, X, y = svm_inputs(offset, delta=delta)
        args = (W, X, y) if delta == 1.0 else (W, X, y, delta)
        loss, _ = _pair(svm_loss, *args, name="svm_loss")
        right = ref.svm_loss(W, X, y, delta)[0]
        if np.isclose(loss - right, delta, rtol=1e-9):
            fail(f"the loss is {'Delta' if delta == 1 else 'delta'} too "
                 "large: the sum over j must skip the correct class "
                 "j = y_i, whose margin is always Delta.")
        expect_close(loss, right, what="the loss",
                     factors=factor_hints(X.shape[0]),
                     context=f"delta={delta}")


def _svm_probe(svm_loss) -> str | None:
    """Diagnosis of dW on one sample, where its class column stands out."""
    W, X, y = svm_inputs(3, N=1)
    try:
        _, dW = _pair(svm_loss, W, X, y, name="svm_loss")
    except AssertionError:
        return None
    return diagnose(dW, ref.svm_loss(W, X, y)[1], what="dW",
                    rtol=NUMERIC_RTOL,
                    column_labels={int(y[0]): "the correct-class column"})


def svm_loss_gradient(svm_loss) -> None:
    """dW matches central differences away from kinks, and exactly."""
    W, X, y = svm_inputs(4)
    _, dW = _pair(svm_loss, W, X, y, name="svm_loss")
    numeric_msg = diagnose(dW, ref.svm_loss(W, X, y)[1], what="dW",
                           rtol=NUMERIC_RTOL, shape_of="W",
                           factors=factor_hints(X.shape[0]))
    if numeric_msg and numeric_msg.startswith("dW is wrong in"):
        probe = _svm_probe(svm_loss)
        if probe and not probe.startswith("dW is wrong in"):
            fail(f"{numeric_msg} With a single sample: {probe}")
    expect_gradient(dW, lambda v: ref.svm_loss(v, X, y)[0], W,
                    ref.svm_loss(W, X, y)[1], what="dW",
                    factors=factor_hints(X.shape[0]), shape_of="W",
                    of="the loss")
    W, X, y = svm_inputs(6, N=1, D=4000, C=5)
    expect_affordable(svm_loss, W, X, y, name="svm_loss", parameters=W.size)


def svm_loss_consistent(svm_loss) -> None:
    """dW is the gradient of the student's own loss."""
    W, X, y = svm_inputs(5, N=5, D=3, C=3)
    _, dW = _pair(svm_loss, W, X, y, name="svm_loss")
    expect_consistent(dW, lambda v: _pair(svm_loss, v, X, y,
                                          name="svm_loss")[0],
                      W, what="dW", of="loss",
                      factors=factor_hints(X.shape[0]))


# -- multilabel_hinge_loss ---------------------------------------------------

def multilabel_value(multilabel_hinge_loss) -> None:
    """The mean over samples of the per-label hinge losses."""
    W, X, Y = multilabel_inputs(10)
    loss, _ = _pair(multilabel_hinge_loss, W, X, Y,
                    name="multilabel_hinge_loss")
    expect_close(loss, ref.multilabel_hinge_loss(W, X, Y)[0],
                 what="the loss", factors=factor_hints(X.shape[0]),
                 context="L = (1/N) sum_i sum_j max(0, 1 - Y_ij S_ij)")


def multilabel_gradient(multilabel_hinge_loss) -> None:
    """dW matches central differences away from kinks, and exactly."""
    W, X, Y = multilabel_inputs(11)
    _, dW = _pair(multilabel_hinge_loss, W, X, Y,
                  name="multilabel_hinge_loss")
    expect_gradient(dW, lambda v: ref.multilabel_hinge_loss(v, X, Y)[0], W,
                    ref.multilabel_hinge_loss(W, X, Y)[1], what="dW",
                    factors=factor_hints(X.shape[0]), shape_of="W",
                    of="the loss")
    W, X, Y = multilabel_inputs(13, N=1, D=4000, C=5)
    expect_affordable(multilabel_hinge_loss, W, X, Y,
                      name="multilabel_hinge_loss", parameters=W.size)


# -- regression_loss ---------------------------------------------------------

def regression_value(regression_loss) -> None:
    """Mean over samples of sum_j |S_ij - Y_ij|^q, for q = 2 and q = 1."""
    for offset, q in ((20, 2), (21, 1)):
        S, Y = regression_inputs(offset)
        args = (S, Y) if q == 2 else (S, Y, 1)
        loss, _ = _pair(regression_loss, *args, name="regression_loss")
        expect_close(loss, ref.regression_loss(S, Y, q)[0],
                     what="the loss", factors=factor_hints(S.shape[0]),
                     context=f"q={q}")


def regression_gradient(regression_loss) -> None:
    """dS matches central differences away from kinks, and exactly."""
    for offset, q in ((22, 2), (23, 1)):
        S, Y = regression_inputs(offset)
        args = (S, Y) if q == 2 else (S, Y, 1)
        _, dS = _pair(regression_loss, *args, name="regression_loss")
        expect_gradient(dS, lambda v: ref.regression_loss(v, Y, q)[0], S,
                        ref.regression_loss(S, Y, q)[1],
                        what=f"dS for q={q}",
                        factors=factor_hints(S.shape[0]), shape_of="S",
                        of="the loss")


# -- zero_one_loss -----------------------------------------------------------

def zero_one_value(zero_one_loss) -> None:
    """The fraction of misclassified rows, ties broken by the first arg
    max."""
    rng = seeded(SEED, 30)
    S = rng.normal(size=(12, 4))
    y = rng.integers(0, 4, size=12)
    y[:3] = np.argmax(S[:3], axis=1)
    got = expect_scalar(call(zero_one_loss, S, y), what="zero_one_loss")
    expect_close(got, ref.zero_one_loss(S, y), what="zero_one_loss(S, y)",
                 factors=factor_hints(12),
                 context="the fraction of rows whose arg max is not y_i")
    S_tie = np.array([[2.0, 2.0, 0.0], [1.0, 3.0, 3.0], [0.0, 0.0, 0.0]])
    y_tie = np.array([0, 1, 0])
    got = expect_scalar(call(zero_one_loss, S_tie, y_tie),
                        what="zero_one_loss")
    expect_close(got, ref.zero_one_loss(S_tie, y_tie),
                 what="zero_one_loss(S, y)",
                 context="tied scores: the first arg max is the prediction")


def inputs_unmodified(svm_loss, multilabel_hinge_loss, regression_loss,
                      zero_one_loss) -> None:
    """No function changes its input arrays."""
    W, X, y = svm_inputs(40)
    expect_unmodified(svm_loss, (W, X, y), ("W", "X", "y"), "svm_loss")
    W, X, Y = multilabel_inputs(41)
    expect_unmodified(multilabel_hinge_loss, (W, X, Y), ("W", "X", "Y"),
                      "multilabel_hinge_loss")
    S, Y = regression_inputs(42)
    expect_unmodified(regression_loss, (S, Y), ("S", "Y"), "regression_loss")
    expect_unmodified(regression_loss, (S, Y, 1), ("S", "Y", "q"),
                      "regression_loss")
    S = seeded(SEED, 43).normal(size=(5, 3))
    expect_unmodified(zero_one_loss, (S, np.array([0, 1, 2, 0, 1])),
                      ("S", "y"), "zero_one_loss")


def multilabel_consistent(multilabel_hinge_loss) -> None:
    """dW is the gradient of the student's own multilabel loss."""
    W, X, Y = multilabel_inputs(12, N=5, D=3, C=3)
    _, dW = _pair(multilabel_hinge_loss, W, X, Y,
                  name="multilabel_hinge_loss")
    expect_consistent(dW, lambda v: _pair(multilabel_hinge_loss, v, X, Y,
                                          name="multilabel_hinge_loss")[0],
                      W, what="dW", of="loss",
                      factors=factor_hints(X.shape[0]))

"""Hidden-test checks of the hinge assignment.

Hinge losses have kinks where a margin is exactly zero; there any
subgradient is right, so every input here is drawn again until all margins
are at least KINK_MARGIN away from zero.
"""
from __future__ import annotations

import numpy as np

from ..numerics.diagnose import diagnose, factor_hints
from ..numerics.gradcheck import away_from
from ..reference import hinge as ref
from .common import (NUMERIC_RTOL, CostProblem, call, expect_affordable,
                     expect_close, expect_real_partner, expect_scalar, fail)
from .kit import (check, correct_class_probe, expect_loss,
                  expect_loss_gradient, expect_loss_varies,
                  expect_own_gradients, inputs_unmodified, outputs,
                  single_sample)
from .kit import rng as _rng

SEED = 20261205
#: Smallest |margin| allowed in a check input: central differences with
#: h = 1e-5 move a score by ~1e-4, so they never cross a kink.
KINK_MARGIN = 0.05


#: Weight scale of the large-input cases: scores of size up to ~1e4.
LARGE = 2000.0


def svm_inputs(offset: int, N: int = 8, D: int = 5, C: int = 4,
               delta: float = 1.0, w_scale: float = 0.5,
               also_at: float | None = None):
    """(W, X, y) whose margins s_j - s_y + delta all avoid 0; with
    ``also_at``, the margins with that delta avoid 0 too, and some are
    positive with one delta and negative with the other (so that a
    gradient that ignores delta shows)."""
    rng = _rng(SEED, offset)
    while True:
        X = rng.normal(size=(N, D))
        W = w_scale * rng.normal(size=(D, C))
        y = rng.permutation(np.arange(N) % C)
        S = X @ W
        diff = S - S[np.arange(N), y][:, None]
        diff[np.arange(N), y] = 1.0 - delta
        ok = away_from(diff + delta, [0.0], KINK_MARGIN).all()
        if also_at is not None:
            ok = ok and away_from(diff + also_at, [0.0], KINK_MARGIN).all() \
                and ((diff + delta > 0) != (diff + also_at > 0)).sum() >= 2
        if ok:
            return W, X, y


def multilabel_inputs(offset: int, N: int = 7, D: int = 4, C: int = 3,
                      w_scale: float = 0.5):
    """(W, X, Y) with Y in {-1, +1} and 1 - Y * S away from 0."""
    rng = _rng(SEED, offset)
    while True:
        X = rng.normal(size=(N, D))
        W = w_scale * rng.normal(size=(D, C))
        Y = np.where(rng.random((N, C)) < 0.5, -1.0, 1.0)
        if away_from(1.0 - Y * (X @ W), [0.0], KINK_MARGIN).all():
            return W, X, Y


def regression_inputs(offset: int, N: int = 6, C: int = 3,
                      scale: float = 1.0):
    """(S, Y) with every residual S - Y at least KINK_MARGIN from 0."""
    rng = _rng(SEED, offset)
    S = scale * rng.normal(size=(N, C))
    R = rng.normal(size=(N, C))
    R = scale * np.where(np.abs(R) < KINK_MARGIN, R + np.sign(R + 1e-12), R)
    return S, S - R


def _expect_part_at_scale(func, reference, args: tuple, part: int, *,
                          what: str) -> None:
    """Part ``part`` (0: the loss, strictly a float) of ``func(*args)``,
    inputs of size ~1e4, against the reference's (_expect_at_scale)."""
    got = outputs(func, reference, *args, strict=part == 0)[part]
    _expect_at_scale(got, reference(*args)[part], what=what)


def _expect_at_scale(got, right, *, what: str) -> None:
    """A value at scores of size ~1e4, where the mathematical result is
    finite: no overflow, no lost precision."""
    expect_close(got, right, what=what, context="scores of size up to "
                 "1e4: every formula here is exact at any scale, so an "
                 "error means something overflowed or was clipped")


# -- svm_loss ----------------------------------------------------------------

@check
def svm_loss_value(svm_loss) -> None:
    """The multiclass SVM loss, for the default and another delta."""
    for offset, delta in ((1, 1.0), (2, 0.5)):
        W, X, y = svm_inputs(offset, delta=delta)
        args = (W, X, y) if delta == 1.0 else (W, X, y, delta)
        loss, dW = outputs(svm_loss, ref.svm_loss, *args)
        right, right_dW = ref.svm_loss(W, X, y, delta)
        if np.isclose(loss - right, delta, rtol=1e-9):
            fail(f"the loss is {'Delta' if delta == 1 else 'delta'} too "
                 "large: the sum over j must skip the correct class "
                 "j = y_i, whose margin is always Delta.")
        expect_close(loss, right, what="the loss",
                     factors=factor_hints(X.shape[0]),
                     context=f"delta={delta}")
        expect_real_partner(dW, right_dW, what="dW", function="svm_loss",
                            paid="the loss's test")
    W, X, y = svm_inputs(8, w_scale=LARGE)
    _expect_part_at_scale(svm_loss, ref.svm_loss, (W, X, y), 0,
                          what="the loss")


def _svm_probe(svm_loss) -> str | None:
    """Diagnosis of dW on one sample, where its class column stands out."""
    return correct_class_probe(svm_loss, ref.svm_loss, svm_inputs(3, N=1))


@check
def svm_loss_gradient(svm_loss) -> None:
    """dW matches central differences away from kinks, and exactly."""
    args = W, X, y = svm_inputs(4)
    loss, dW = outputs(svm_loss, ref.svm_loss, *args, strict=False)
    expect_loss_varies(svm_loss, ref.svm_loss, args, (svm_inputs(7)[0], X, y),
                       loss)
    message = diagnose(dW, ref.svm_loss(*args)[1], what="dW",
                       rtol=NUMERIC_RTOL, shape_of="W",
                       factors=factor_hints(X.shape[0]))
    refined = single_sample(message, lambda: _svm_probe(svm_loss))
    if refined != message:
        fail(refined)
    expect_loss_gradient(dW, ref.svm_loss, args, what="dW",
                         factors=factor_hints(X.shape[0]))
    args = (*svm_inputs(2, delta=0.5, also_at=1.0), 0.5)
    expect_loss_gradient(outputs(svm_loss, ref.svm_loss, *args,
                                 strict=False)[1], ref.svm_loss, args,
                         what="dW with delta=0.5",
                         factors=factor_hints(X.shape[0]))
    W, X, y = svm_inputs(9, w_scale=LARGE)
    _expect_part_at_scale(svm_loss, ref.svm_loss, (W, X, y), 1, what="dW")
    expect_affordable(svm_loss, svm_cost_problem)


@check
def svm_cost_problem(shrink: int = 1) -> CostProblem:
    """One sample, 50,000 weights (divided by ``shrink``)."""
    W, X, y = svm_inputs(6, N=1, D=10_000 // shrink, C=5)
    return CostProblem("svm_loss", (W, X, y), W.size,
                       lambda: _svm_loss_only(W, X, y), ref.svm_loss,
                       (None, "dW"))


def _svm_loss_only(W, X, y) -> float:
    """One evaluation of the loss, as finite differences would need."""
    S = X @ W
    rows = np.arange(len(y))
    margins = np.maximum(0.0, S - S[rows, y][:, None] + 1.0)
    return float((margins.sum() - len(y)) / len(y))


@check
def svm_loss_consistent(svm_loss) -> None:
    """dW is the gradient of the student's own loss."""
    expect_own_gradients(svm_loss, ref.svm_loss, svm_inputs(5, N=5, D=3, C=3),
                         {"dW": 0}, factors=factor_hints(5))


# -- multilabel_hinge_loss ---------------------------------------------------

@check
def multilabel_value(multilabel_hinge_loss) -> None:
    """The mean over samples of the per-label hinge losses."""
    expect_loss(multilabel_hinge_loss, ref.multilabel_hinge_loss,
                *multilabel_inputs(10), factors=factor_hints(7),
                context="L = (1/N) sum_i sum_j max(0, 1 - Y_ij S_ij)")
    W, X, Y = multilabel_inputs(15, w_scale=LARGE)
    _expect_part_at_scale(multilabel_hinge_loss, ref.multilabel_hinge_loss,
                          (W, X, Y), 0, what="the loss")


@check
def multilabel_gradient(multilabel_hinge_loss) -> None:
    """dW matches central differences away from kinks, and exactly."""
    args = W, X, Y = multilabel_inputs(11)
    loss, dW = outputs(multilabel_hinge_loss, ref.multilabel_hinge_loss,
                       *args, strict=False)
    expect_loss_varies(multilabel_hinge_loss, ref.multilabel_hinge_loss,
                       args, (multilabel_inputs(14)[0], X, Y), loss)
    expect_loss_gradient(dW, ref.multilabel_hinge_loss, args, what="dW",
                         factors=factor_hints(X.shape[0]))
    W, X, Y = multilabel_inputs(16, w_scale=LARGE)
    _expect_part_at_scale(multilabel_hinge_loss, ref.multilabel_hinge_loss,
                          (W, X, Y), 1, what="dW")
    expect_affordable(multilabel_hinge_loss, multilabel_cost_problem)


@check
def multilabel_cost_problem(shrink: int = 1) -> CostProblem:
    """One sample, 50,000 weights (divided by ``shrink``)."""
    W, X, Y = multilabel_inputs(13, N=1, D=10_000 // shrink, C=5)
    return CostProblem("multilabel_hinge_loss", (W, X, Y), W.size,
                       lambda: float(np.maximum(0.0, 1.0 - Y * (X @ W)).sum()
                                     / len(X)),
                       ref.multilabel_hinge_loss, (None, "dW"))


# -- regression_loss ---------------------------------------------------------

def _regression_args(offset: int, q: int, scale: float = 1.0) -> tuple:
    """(S, Y), with q only where it is not the default 2: both ways of
    calling regression_loss are checked."""
    S, Y = regression_inputs(offset, scale=scale)
    return (S, Y) if q == 2 else (S, Y, q)


@check
def regression_value(regression_loss) -> None:
    """Mean over samples of sum_j |S_ij - Y_ij|^q, for q = 2 and q = 1."""
    for offset, q in ((20, 2), (21, 1)):
        args = _regression_args(offset, q)
        expect_loss(regression_loss, ref.regression_loss, *args,
                    grads=("dS",), factors=factor_hints(len(args[0])),
                    context=f"q={q}")
        _expect_part_at_scale(regression_loss, ref.regression_loss,
                              _regression_args(offset + 4, q, scale=1e4), 0,
                              what=f"the loss for q={q}")


@check
def regression_gradient(regression_loss) -> None:
    """dS matches central differences away from kinks, and exactly."""
    for offset, q in ((22, 2), (23, 1)):
        args = _regression_args(offset, q)
        S, Y = args[:2]
        loss, dS = outputs(regression_loss, ref.regression_loss, *args,
                           strict=False)
        expect_loss_varies(regression_loss, ref.regression_loss, (S, Y, q),
                           (S + 0.5, Y, q), loss)
        expect_loss_gradient(dS, ref.regression_loss, (S, Y, q),
                             what=f"dS for q={q}",
                             factors=factor_hints(S.shape[0]))
        _expect_part_at_scale(regression_loss, ref.regression_loss,
                              _regression_args(offset + 4, q, scale=1e4), 1,
                              what=f"dS for q={q}")


# -- zero_one_loss -----------------------------------------------------------

@check
def zero_one_value(zero_one_loss) -> None:
    """The fraction of misclassified rows, ties broken by the first arg
    max."""
    rng = _rng(SEED, 30)
    S = rng.normal(size=(12, 4))
    y = rng.integers(0, 4, size=12)
    y[:3] = np.argmax(S[:3], axis=1)
    S2, y2 = S[::-1].copy(), np.roll(y, 5)
    # both values first: a constant shows as one (common.trivial_answer)
    got, got2 = (expect_scalar(call(zero_one_loss, *args),
                               what="zero_one_loss")
                 for args in ((S, y), (S2, y2)))
    for value, args in ((got, (S, y)), (got2, (S2, y2))):
        expect_close(value, ref.zero_one_loss(*args),
                     what="zero_one_loss(S, y)", factors=factor_hints(12),
                     context="the fraction of rows whose arg max is not y_i")
    S_tie = np.array([[2.0, 2.0, 0.0], [1.0, 3.0, 3.0], [0.0, 0.0, 0.0],
                      [5.0, 1.0, 5.0], [0.0, 4.0, 4.0]])
    y_tie = np.array([0, 1, 0, 2, 2])
    got = expect_scalar(call(zero_one_loss, S_tie, y_tie),
                        what="zero_one_loss")
    expect_close(got, ref.zero_one_loss(S_tie, y_tie),
                 what="zero_one_loss(S, y)",
                 context="tied scores: the first arg max is the prediction")
    S = 5e3 * rng.normal(size=(12, 4))
    y = rng.integers(0, 4, size=12)
    y[:4] = np.argmax(S[:4], axis=1)
    _expect_at_scale(expect_scalar(call(zero_one_loss, S, y),
                                   what="zero_one_loss"),
                     ref.zero_one_loss(S, y), what="zero_one_loss(S, y)")


def _unmodified_cases() -> dict:
    S, Y = regression_inputs(42)
    return {"svm_loss": [svm_inputs(40)],
            "multilabel_hinge_loss": [multilabel_inputs(41)],
            "regression_loss": [(S, Y), (S, Y, 1)],
            "zero_one_loss": [(_rng(SEED, 43).normal(size=(5, 3)),
                               np.array([0, 1, 2, 0, 1]))]}


inputs_unmodified = inputs_unmodified(
    ref, _unmodified_cases,
    parts={"svm_loss": ("the loss", "dW"),
           "multilabel_hinge_loss": ("the loss", "dW"),
           "regression_loss": ("the loss", "dS")})


@check
def multilabel_consistent(multilabel_hinge_loss) -> None:
    """dW is the gradient of the student's own multilabel loss."""
    expect_own_gradients(multilabel_hinge_loss, ref.multilabel_hinge_loss,
                         multilabel_inputs(12, N=5, D=3, C=3), {"dW": 0},
                         factors=factor_hints(5))

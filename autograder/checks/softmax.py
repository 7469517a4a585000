"""Hidden-test checks of the softmax assignment.

Each public function is one graded property; a hidden test cell calls it
with the student's function(s) and it raises CheckFailed with a diagnosis
when the property does not hold. Inputs are seeded float64 and differ from
the visible tests' inputs.
"""
from __future__ import annotations

import numpy as np

from ..numerics.diagnose import diagnose, factor_hints, log_base_hints
from ..numerics.gradcheck import numeric_gradient, numeric_jacobian
from ..reference import softmax as ref
from .common import (NUMERIC_RTOL, CostProblem, call, expect_affordable,
                     expect_close, expect_exact_gradient, expect_right,
                     expect_scalar, expect_stable, fail)
from .kit import (check, correct_class_probe, expect_loss,
                  expect_loss_varies, inputs_unmodified, outputs, rng,
                  single_sample)

SEED = 20261128


def _scores(offset: int, shape, scale: float = 3.0) -> np.ndarray:
    return scale * rng(SEED, offset).normal(size=shape)


def _loss_inputs(offset: int, N: int = 8, D: int = 5, C: int = 4,
                 w_scale: float = 0.7):
    """(W (D, C), X (N, D), y (N,)) with every class present when N >= C."""
    r = rng(SEED, offset)
    X = r.normal(size=(N, D))
    W = w_scale * r.normal(size=(D, C))
    y = r.permutation(np.arange(N) % C)
    return W, X, y


# -- softmax -------------------------------------------------------------

@check
def softmax_values(softmax) -> None:
    """softmax matches the reference on 1-D and 2-D scores at T = 1."""
    for label, s in [("1-D scores", _scores(1, (6,))),
                     ("2-D scores (N, C) = (5, 4)", _scores(2, (5, 4))),
                     ("a single row of shape (1, 3)", _scores(3, (1, 3)))]:
        expect_close(call(softmax, s), ref.softmax(s), what="softmax(s)",
                     context=label, shape_of="s")


@check
def softmax_temperature(softmax) -> None:
    """softmax(s, T) divides the scores by T before exponentiating."""
    s = _scores(4, (3, 5))
    for T in (0.5, 2.0, 10.0):
        expect_close(call(softmax, s, T), ref.softmax(s, T),
                     what=f"softmax(s, T={T})",
                     context="softmax(s, T) is exp(s / T) normalised")


@check
def softmax_stable(softmax) -> None:
    """softmax is finite and accurate for scores up to 1e4 (and small T)."""
    cases = [("scores of size 1e4", np.array([1e4, 1e4 - 1.0, -1e4, 0.0])),
             ("scores near -1e4", np.array([-1e4, -1e4 + 2.0, -1e4 + 1.0])),
             ("2-D scores of size 1e4", _scores(5, (4, 3), scale=5e3)),
             ("T = 0.01 and scores of size 50", _scores(6, (5,), scale=50.0))]
    for label, s in cases:
        T = 0.01 if "T = 0.01" in label else 1.0
        ordinary = _scores(20, s.shape, scale=2.0)
        expect_stable(call(softmax, s, T), ref.softmax(s, T),
                      what="softmax(s)",
                      ordinary=(call(softmax, ordinary, T),
                                ref.softmax(ordinary, T)),
                      context=f"{label}: subtract the maximum score first")


# -- logsumexp -----------------------------------------------------------

@check
def logsumexp_values(logsumexp) -> None:
    """logsumexp is a float for 1-D scores and has shape (N,) for 2-D."""
    s, s2 = _scores(7, (6,)), _scores(27, (6,))
    # both values first: a constant shows as one (common.trivial_answer)
    value, value2 = (expect_scalar(call(logsumexp, v),
                                   what="logsumexp(s) of 1-D s")
                     for v in (s, s2))
    expect_close(value, ref.logsumexp(s), what="logsumexp(s)",
                 context="1-D scores")
    expect_close(value2, ref.logsumexp(s2), what="logsumexp(s)",
                 context="1-D scores")
    S = _scores(8, (5, 4))
    expect_close(call(logsumexp, S), ref.logsumexp(S), what="logsumexp(S)",
                 context="2-D scores (N, C) = (5, 4): one value per row")


@check
def logsumexp_stable(logsumexp) -> None:
    """logsumexp is finite and accurate for scores up to 1e4."""
    cases = [("scores of size 1e4", np.array([1e4, 1e4 - 3.0, -1e4])),
             ("2-D scores of size 1e4", _scores(9, (3, 4), scale=5e3)),
             ("scores near -1e4 (exp underflows to 0)",
              np.array([-1e4, -1e4 + 1.0]))]
    for label, s in cases:
        ordinary = _scores(21, s.shape, scale=2.0)
        value = call(logsumexp, s)
        if s.ndim == 1:
            value = expect_scalar(value, what="logsumexp(s) of 1-D s")
        expect_stable(value, ref.logsumexp(s), what="logsumexp(s)",
                      ordinary=(call(logsumexp, ordinary),
                                ref.logsumexp(ordinary)),
                      context=f"{label}: use the max-subtraction trick")


# -- softmax_jacobian ----------------------------------------------------

@check
def softmax_jacobian_values(softmax_jacobian) -> None:
    """The Jacobian matches central differences of softmax, and exactly."""
    s = _scores(10, (5,), scale=1.5)
    J = call(softmax_jacobian, s)
    numeric = numeric_jacobian(ref.softmax, s)
    expect_close(J, numeric, what="softmax_jacobian(s)", rtol=NUMERIC_RTOL,
                 row_labels=None,
                 context="compared with central differences of softmax")
    expect_exact_gradient(J, ref.softmax_jacobian(s),
                          what="softmax_jacobian(s)")


@check
def softmax_jacobian_consistent(softmax_jacobian, softmax) -> None:
    """The Jacobian is the derivative of the student's own softmax."""
    s = _scores(11, (4,), scale=1.5)
    J = call(softmax_jacobian, s)
    why = ("The check of the Jacobian against your softmax counts only "
           "when both are right.")
    expect_right(call(softmax, s), ref.softmax(s), what="softmax(s)", why=why)
    expect_right(J, ref.softmax_jacobian(s), what="softmax_jacobian(s)",
                 why=why)

    def own_softmax(x):
        return np.asarray(call(softmax, x), dtype=np.float64)

    numeric = numeric_jacobian(own_softmax, s)
    if not np.all(np.isfinite(numeric)):
        fail("your softmax returns NaN or inf, so its Jacobian cannot be "
             "checked.")
    expect_close(J, numeric, what="softmax_jacobian(s)", rtol=NUMERIC_RTOL,
                 context="compared with central differences of your own "
                 "softmax")


@check
def softmax_jacobian_stable(softmax_jacobian) -> None:
    """The Jacobian is finite and accurate for scores up to 1e4."""
    ordinary = _scores(25, (5,), scale=1.5)
    for label, s in [("scores of size 1e4",
                      np.array([1e4, 1e4 - 1.0, -1e4, 0.0])),
                     ("scores near -1e4", np.array([-1e4, -1e4 + 0.5])),
                     ("random scores of size 5e3", _scores(26, (5,),
                                                           scale=5e3))]:
        expect_stable(call(softmax_jacobian, s), ref.softmax_jacobian(s),
                      what="softmax_jacobian(s)",
                      ordinary=(call(softmax_jacobian, ordinary),
                                ref.softmax_jacobian(ordinary)),
                      context=f"{label}: build the Jacobian from a stable "
                      "softmax")


# -- softmax_loss --------------------------------------------------------

LOSS_PARTS = ("the loss", "dW")


@check
def softmax_loss_value(softmax_loss) -> None:
    """The loss is the mean cross-entropy over the batch."""
    expect_loss(softmax_loss, ref.softmax_loss, *_loss_inputs(12),
                factors={**factor_hints(8), **log_base_hints()},
                context="L = (1/N) sum_i (-S[i, y_i] + log sum_j "
                "exp S[i, j]), natural log")


def _single_sample(softmax_loss) -> str | None:
    """Diagnosis of dW on one sample, where its class column stands out."""
    return correct_class_probe(softmax_loss, ref.softmax_loss,
                               _loss_inputs(13, N=1))


@check
def softmax_loss_gradient(softmax_loss) -> None:
    """dW matches central differences of the loss, and exactly."""
    args = W, X, y = _loss_inputs(14)
    loss, dW = outputs(softmax_loss, ref.softmax_loss, *args, strict=False)
    expect_loss_varies(softmax_loss, ref.softmax_loss, args,
                       (_loss_inputs(24)[0], X, y), loss)
    numeric = numeric_gradient(lambda W_: ref.softmax_loss(W_, X, y)[0], W)
    message = single_sample(diagnose(dW, numeric, what="dW",
                                     rtol=NUMERIC_RTOL, shape_of="W",
                                     factors=factor_hints(X.shape[0])),
                            lambda: _single_sample(softmax_loss))
    if message:
        fail(message + " (compared with central differences of the loss)")
    expect_exact_gradient(dW, ref.softmax_loss(W, X, y)[1], what="dW")
    expect_affordable(softmax_loss, cost_problem)


@check
def cost_problem(shrink: int = 1) -> CostProblem:
    """One sample, 200,000 weights (divided by ``shrink``); scores of
    order 1, so that no probability saturates and dW is well conditioned."""
    D = 40_000 // shrink
    W, X, y = _loss_inputs(23, N=1, D=D, C=5, w_scale=1.5 / np.sqrt(D))
    return CostProblem("softmax_loss", (W, X, y), W.size,
                       lambda: _loss_only(W, X, y), ref.softmax_loss,
                       (None, "dW"))


def _loss_only(W, X, y) -> float:
    """One evaluation of the loss, as finite differences would need."""
    S = X @ W
    return float(np.mean(ref.logsumexp(S) - S[np.arange(len(y)), y]))


@check
def softmax_loss_consistent(softmax_loss) -> None:
    """dW is the gradient of the student's own loss (their gradient check)."""
    W, X, y = _loss_inputs(15, N=6, D=4, C=3)
    loss, dW = outputs(softmax_loss, ref.softmax_loss, W, X, y)
    right_loss, right_dW = ref.softmax_loss(W, X, y)
    why = "A gradient check counts only when the values are right."
    expect_right(loss, right_loss, what="the loss", why=why)
    expect_right(dW, right_dW, what="dW", why=why)

    def own_loss(W_):
        return outputs(softmax_loss, ref.softmax_loss, W_, X, y)[0]

    numeric = numeric_gradient(own_loss, W)
    if not np.all(np.isfinite(numeric)):
        fail("your loss is NaN or inf near W, so it cannot be "
             "differentiated.")
    message = diagnose(dW, numeric, what="dW", rtol=NUMERIC_RTOL,
                       factors={**factor_hints(X.shape[0]),
                                **log_base_hints()}, shape_of="W")
    if message:
        fail("Your dW is not the gradient of your own loss: " + message
             + " Check the loss and the gradient against each other.")


@check
def softmax_loss_stable(softmax_loss) -> None:
    """Loss and dW are finite and accurate for scores up to 1e4."""
    W, X, y = _loss_inputs(16, N=6, D=3, C=4, w_scale=2000.0)
    loss, dW = outputs(softmax_loss, ref.softmax_loss, W, X, y)
    ref_loss, ref_dW = ref.softmax_loss(W, X, y)
    context = ("scores S = X @ W of size up to 1e4: use log-sum-exp with "
               "the maximum subtracted, not log(softmax)")
    W0, X0, y0 = _loss_inputs(22, N=6, D=3, C=4)
    loss0, dW0 = outputs(softmax_loss, ref.softmax_loss, W0, X0, y0)
    ref_loss0, ref_dW0 = ref.softmax_loss(W0, X0, y0)
    expect_stable(loss, ref_loss, what="the loss", context=context,
                  ordinary=(loss0, ref_loss0))
    # rtol 1e-5: this cell judges stability; exactness is the gradient
    # cell's job (a numerical dW is off by ~1e-7 at these scales)
    expect_stable(dW, ref_dW, what="dW", context=context, shape_of="W",
                  ordinary=(dW0, ref_dW0), rtol=1e-5)


# -- all functions -------------------------------------------------------

def _unmodified_cases() -> dict:
    s, S = _scores(17, (5,)), _scores(18, (4, 5))
    return {"softmax": [(s,), (S,), (S, 2.0)], "logsumexp": [(s,), (S,)],
            "softmax_jacobian": [(s,)], "softmax_loss": [_loss_inputs(19)]}


inputs_unmodified = inputs_unmodified(
    ref, _unmodified_cases, parts={"softmax_loss": LOSS_PARTS})

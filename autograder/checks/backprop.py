"""Hidden-test checks of the backprop assignment."""
from __future__ import annotations

import functools

import numpy as np

from ..numerics.diagnose import COMMON_FACTORS, factor_hints
from ..reference import backprop as ref
from .common import (CostProblem, call, expect_affordable, expect_close,
                     expect_consistent, expect_gradient, expect_real_partner,
                     expect_right, expect_scalar, expect_stable,
                     expect_unmodified, expect_varying_loss, fail,
                     known_mistake, seeded)

SEED = 20261206


def net_inputs(offset: int, N: int = 6, D: int = 4, M: int = 5, C: int = 3,
               wo_scale: float = 1.0):
    """(Wh (M, D), Wo (C, M), X (N, D), Y (N, C)) with targets in [0, 1]."""
    rng = seeded(SEED, offset)
    Wh = rng.normal(size=(M, D))
    Wo = wo_scale * rng.normal(size=(C, M))
    X = rng.normal(size=(N, D))
    Y = rng.random((N, C))
    return Wh, Wo, X, Y


def _tuple(value, n: int, what: str) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) != n:
        fail(f"{what} should return a tuple of {n} values, got "
             f"{type(value).__name__}"
             + (f" of length {len(value)}"
                if isinstance(value, (tuple, list)) else "") + ".")
    return tuple(value)


GRAD_PARTS = ("the loss", "dWh", "dWo")


def _grads(mlp_loss_and_grads, Wh, Wo, X, Y, strict: bool = True):
    """(loss, dWh, dWo); the loss must be a float unless not ``strict``
    (the cells that judge a gradient)."""
    loss, dWh, dWo = _tuple(call(mlp_loss_and_grads, Wh, Wo, X, Y), 3,
                            "mlp_loss_and_grads")
    return (expect_scalar(loss, what="the loss") if strict else loss), \
        dWh, dWo


# -- mlp_forward -------------------------------------------------------------

def mlp_forward_values(mlp_forward) -> None:
    """H and Yhat of the two-layer sigmoid network."""
    Wh, Wo, X, _ = net_inputs(1)
    H, Yhat = _tuple(call(mlp_forward, Wh, Wo, X), 2, "mlp_forward")
    ref_H, ref_Yhat = ref.mlp_forward(Wh, Wo, X)
    expect_close(H, ref_H, what="H (N, M)",
                 context="H = sigmoid(X @ Wh.T)")
    expect_close(Yhat, ref_Yhat, what="Yhat (N, C)",
                 context="Yhat = sigmoid(H @ Wo.T)")


# -- mlp_loss_and_grads ------------------------------------------------------

def mlp_loss_value(mlp_loss_and_grads) -> None:
    """L = 1/2 sum_i sum_c (Yhat - Y)^2, a sum over the batch."""
    Wh, Wo, X, Y = net_inputs(2)
    loss, dWh, dWo = _grads(mlp_loss_and_grads, Wh, Wo, X, Y)
    right = ref.mlp_loss_and_grads(Wh, Wo, X, Y)
    N, C = Y.shape
    factors = {**COMMON_FACTORS,
               "1/N": (1.0 / N, "The lecture's loss is a sum over the "
                       "samples, not a mean."),
               "1/(NC)": (1.0 / (N * C), "The loss is a sum over samples "
                          "and outputs, not a mean.")}
    expect_close(loss, right[0],
                 what="the loss", factors=factors,
                 context="L = 1/2 sum_i sum_c (Yhat[i, c] - Y[i, c])^2")
    for value, expected, name in ((dWh, right[1], "dWh"),
                                  (dWo, right[2], "dWo")):
        expect_real_partner(value, expected, what=name,
                            function="mlp_loss_and_grads",
                            paid="the loss's test")


def _output_mistakes(Wh, Wo, X, Y):
    H, Yhat = ref.mlp_forward(Wh, Wo, X)
    E = Yhat - Y
    return [(E.T @ H, "dWo is missing the sigmoid derivative: the output "
             "delta is (yhat - y) * yhat * (1 - yhat).")]


def _hidden_mistakes(Wh, Wo, X, Y):
    H, Yhat = ref.mlp_forward(Wh, Wo, X)
    E = Yhat - Y
    delta_o = E * Yhat * (1 - Yhat)
    return [(((delta_o @ Wo)).T @ X, "dWh is missing the derivative of the "
             "hidden sigmoid: delta_h = (delta_o @ Wo) * h * (1 - h)."),
            ((E @ Wo * H * (1 - H)).T @ X, "dWh uses (yhat - y) where the "
             "output delta (yhat - y) * yhat * (1 - yhat) belongs.")]


def mlp_grad_Wo(mlp_loss_and_grads) -> None:
    """dWo matches central differences of the loss, and exactly."""
    Wh, Wo, X, Y = net_inputs(3)
    loss, _, dWo = _grads(mlp_loss_and_grads, Wh, Wo, X, Y, strict=False)
    _expect_real_loss(mlp_loss_and_grads, loss, Wh, Wo, X, Y)
    hint = known_mistake(dWo, _output_mistakes(Wh, Wo, X, Y))
    if hint:
        fail(hint)
    expect_gradient(dWo, lambda v: ref.mlp_loss_and_grads(Wh, v, X, Y)[0],
                    Wo, ref.mlp_loss_and_grads(Wh, Wo, X, Y)[2], what="dWo",
                    factors=factor_hints(X.shape[0]), shape_of="Wo",
                    of="the loss")
    expect_affordable(mlp_loss_and_grads, functools.partial(
        cost_problem, parts=(None, None, "dWo")))


def mlp_grad_Wh(mlp_loss_and_grads) -> None:
    """dWh matches central differences of the loss, and exactly."""
    Wh, Wo, X, Y = net_inputs(4)
    loss, dWh, _ = _grads(mlp_loss_and_grads, Wh, Wo, X, Y, strict=False)
    _expect_real_loss(mlp_loss_and_grads, loss, Wh, Wo, X, Y)
    hint = known_mistake(dWh, _hidden_mistakes(Wh, Wo, X, Y))
    if hint:
        fail(hint)
    expect_gradient(dWh, lambda v: ref.mlp_loss_and_grads(v, Wo, X, Y)[0],
                    Wh, ref.mlp_loss_and_grads(Wh, Wo, X, Y)[1], what="dWh",
                    factors=factor_hints(X.shape[0]), shape_of="Wh",
                    of="the loss")
    expect_affordable(mlp_loss_and_grads, functools.partial(
        cost_problem, parts=(None, "dWh", None)))


def _expect_real_loss(mlp_loss_and_grads, loss, Wh, Wo, X, Y) -> None:
    """The gradient cells pay only when the loss is not a placeholder."""
    Wh2 = 2.0 * Wh
    expect_varying_loss(loss, _grads(mlp_loss_and_grads, Wh2, Wo, X, Y,
                                     strict=False)[0],
                        ref.mlp_loss_and_grads(Wh, Wo, X, Y)[0],
                        ref.mlp_loss_and_grads(Wh2, Wo, X, Y)[0],
                        function="mlp_loss_and_grads",
                        paid="the gradient's test")


def cost_problem(shrink: int = 1,
                 parts=(None, "dWh", "dWo")) -> CostProblem:
    """One sample, 16,000 hidden and 20,000 output weights (divided by
    ``shrink``); ``parts`` names the gradients judged there."""
    M = 4000 // shrink
    # output pre-activations of order 1: no sigmoid saturates, so the
    # gradients are well conditioned
    Wh, Wo, X, Y = net_inputs(6, N=1, D=4, M=M, C=5, wo_scale=2 / np.sqrt(M))
    return CostProblem("mlp_loss_and_grads", (Wh, Wo, X, Y),
                       Wh.size + Wo.size,
                       lambda: float(0.5 * np.sum(
                           (ref.mlp_forward(Wh, Wo, X)[1] - Y) ** 2)),
                       ref.mlp_loss_and_grads, parts)


def mlp_grads_consistent(mlp_loss_and_grads) -> None:
    """Both gradients are those of the student's own loss."""
    Wh, Wo, X, Y = net_inputs(5, N=4, D=3, M=3, C=2)
    loss, dWh, dWo = _grads(mlp_loss_and_grads, Wh, Wo, X, Y)
    right = [(got, expected, name) for got, expected, name in zip(
        (loss, dWh, dWo), ref.mlp_loss_and_grads(Wh, Wo, X, Y), GRAD_PARTS)]
    expect_consistent(dWh, lambda v: _grads(mlp_loss_and_grads, v, Wo, X,
                                            Y)[0], Wh, what="dWh",
                      of="loss", factors=factor_hints(X.shape[0]),
                      right=right)
    expect_consistent(dWo, lambda v: _grads(mlp_loss_and_grads, Wh, v, X,
                                            Y)[0], Wo, what="dWo",
                      of="loss", factors=factor_hints(X.shape[0]),
                      right=right)


def mlp_stable(mlp_forward, mlp_loss_and_grads) -> None:
    """Forward pass, loss and gradients are finite and accurate when the
    pre-activations X @ Wh.T and H @ Wo.T reach 1e4."""
    Wh, Wo, X, Y = net_inputs(7)
    Wh, Wo = 3000.0 * Wh, 3000.0 * Wo
    Wh0, Wo0, X0, Y0 = net_inputs(8)
    context = ("pre-activations of size up to 1e4: use a sigmoid that "
               "stays finite for any z, such as the notebook's sigmoid or "
               "1 / (1 + exp(-z)), not exp(z) / (1 + exp(z))")
    got = _tuple(call(mlp_forward, Wh, Wo, X), 2, "mlp_forward")
    got0 = _tuple(call(mlp_forward, Wh0, Wo0, X0), 2, "mlp_forward")
    for k, (name, right, right0) in enumerate(zip(
            ("H", "Yhat"), ref.mlp_forward(Wh, Wo, X),
            ref.mlp_forward(Wh0, Wo0, X0))):
        expect_stable(got[k], right, what=f"{name} of mlp_forward",
                      ordinary=(got0[k], right0), context=context)
    got = _grads(mlp_loss_and_grads, Wh, Wo, X, Y)
    got0 = _grads(mlp_loss_and_grads, Wh0, Wo0, X0, Y0)
    for k, (name, right, right0) in enumerate(zip(
            GRAD_PARTS, ref.mlp_loss_and_grads(Wh, Wo, X, Y),
            ref.mlp_loss_and_grads(Wh0, Wo0, X0, Y0))):
        # rtol 1e-5: this cell judges stability; exactness is the
        # gradient cells' job (central differences are off by ~1e-7 here)
        expect_stable(got[k], right, what=name, atol=1e-12, rtol=1e-5,
                      ordinary=(got0[k], right0), context=context)


# -- numerical_gradient ------------------------------------------------------

def _cubic_problem(offset: int, shape=(2, 3, 2)):
    """f(theta) = sum(A theta^3) + sum(sin theta), its gradient, a point."""
    rng = seeded(SEED, offset)
    A = rng.uniform(0.5, 2.0, size=shape)
    theta = rng.normal(size=shape)

    def f(t):
        return float(np.sum(A * t ** 3) + np.sum(np.sin(t)))

    return f, 3 * A * theta ** 2 + np.cos(theta), theta


def _forward_differences(f, theta, h):
    grad = np.zeros_like(theta)
    for k in np.ndindex(theta.shape):
        t = theta.copy()
        t[k] += h
        grad[k] = (f(t) - f(theta)) / h
    return grad


def numerical_gradient_values(numerical_gradient) -> None:
    """Central differences, accurate to ~1e-9, for theta of any shape."""
    f, exact, theta = _cubic_problem(10)
    got = call(numerical_gradient, f, theta)
    hint = known_mistake(got, [(_forward_differences(f, theta, 1e-5),
                                "numerical_gradient uses forward "
                                "differences (f(theta + h) - f(theta)) / h, "
                                "whose error is O(h); use central "
                                "differences, error O(h^2).")], rtol=1e-6)
    if hint:
        fail(hint)
    expect_close(got, exact, what="numerical_gradient(f, theta)",
                 rtol=1e-7, shape_of="theta",
                 context="theta of shape (2, 3, 2), compared with the exact "
                 "gradient")


def numerical_gradient_step(numerical_gradient) -> None:
    """numerical_gradient uses the step h it is given."""
    f, _, theta = _cubic_problem(11, shape=(4,))
    for h in (1e-1, 1e-3):
        got = call(numerical_gradient, f, theta, h)
        expect_close(got, ref.numerical_gradient(f, theta.copy(), h),
                     what=f"numerical_gradient(f, theta, h={h})", rtol=1e-7,
                     context="with a large step the result depends on h: "
                     "use the h argument")


def numerical_gradient_restores(numerical_gradient) -> None:
    """theta holds exactly its old values afterwards."""
    f, exact, theta = _cubic_problem(12, shape=(3, 4))
    before = theta.copy()
    got = call(numerical_gradient, f, theta, copy_args=False)
    if not np.array_equal(theta, before):
        worst = float(np.max(np.abs(theta - before)))
        fail("numerical_gradient changed theta (largest change "
             f"{worst:.3g}). Save theta[k] before the step and assign the "
             "saved value back afterwards: undoing the step by arithmetic, "
             "(x + h) - h, does not always give x back in floating point.")
    expect_right(got, exact, what="numerical_gradient(f, theta)", rtol=1e-7,
                 why="Restoring theta counts only with the right gradient.")


def inputs_unmodified(mlp_forward, mlp_loss_and_grads) -> None:
    """The network functions do not change their input arrays."""
    Wh, Wo, X, Y = net_inputs(20)
    expect_unmodified(mlp_forward, (Wh, Wo, X), ("Wh", "Wo", "X"),
                      "mlp_forward", ref.mlp_forward, parts=("H", "Yhat"))
    expect_unmodified(mlp_loss_and_grads, (Wh, Wo, X, Y),
                      ("Wh", "Wo", "X", "Y"), "mlp_loss_and_grads",
                      ref.mlp_loss_and_grads, parts=GRAD_PARTS)

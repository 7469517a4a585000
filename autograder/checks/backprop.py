"""Hidden-test checks of the backprop assignment."""
from __future__ import annotations

import functools
from typing import Callable

import numpy as np

from ..numerics.diagnose import COMMON_FACTORS, factor_hints
from ..reference import backprop as ref
from .common import (CostProblem, call, expect_affordable, expect_close,
                     expect_right, expect_stable, fail, known_mistake)
from .kit import (check, expect_loss, expect_loss_gradient,
                  expect_loss_varies, expect_own_gradients,
                  inputs_unmodified, outputs, rng, unpack)

SEED = 20261206


def net_inputs(offset: int, N: int = 6, D: int = 4, M: int = 5, C: int = 3,
               wo_scale: float = 1.0):
    """(Wh (M, D), Wo (C, M), X (N, D), Y (N, C)) with targets in [0, 1]."""
    r = rng(SEED, offset)
    Wh = r.normal(size=(M, D))
    Wo = wo_scale * r.normal(size=(C, M))
    X = r.normal(size=(N, D))
    Y = r.random((N, C))
    return Wh, Wo, X, Y


GRAD_PARTS = ("the loss", "dWh", "dWo")


# -- mlp_forward -------------------------------------------------------------

#: The gradients mlp_loss_and_grads returns after the loss, in order.
GRADIENTS = ("dWh", "dWo")


@check
def mlp_forward_values(mlp_forward) -> None:
    """H and Yhat of the two-layer sigmoid network."""
    Wh, Wo, X, _ = net_inputs(1)
    H, Yhat = unpack(call(mlp_forward, Wh, Wo, X), 2, what="mlp_forward")
    ref_H, ref_Yhat = ref.mlp_forward(Wh, Wo, X)
    expect_close(H, ref_H, what="H (N, M)",
                 context="H = sigmoid(X @ Wh.T)")
    expect_close(Yhat, ref_Yhat, what="Yhat (N, C)",
                 context="Yhat = sigmoid(H @ Wo.T)")


# -- mlp_loss_and_grads ------------------------------------------------------

@check
def mlp_loss_value(mlp_loss_and_grads) -> None:
    """L = 1/2 sum_i sum_c (Yhat - Y)^2, a sum over the batch."""
    Wh, Wo, X, Y = net_inputs(2)
    N, C = Y.shape
    factors = {**COMMON_FACTORS,
               "1/N": (1.0 / N, "The lecture's loss is a sum over the "
                       "samples, not a mean."),
               "1/(NC)": (1.0 / (N * C), "The loss is a sum over samples "
                          "and outputs, not a mean.")}
    expect_loss(mlp_loss_and_grads, ref.mlp_loss_and_grads, Wh, Wo, X, Y,
                grads=GRAD_PARTS[1:], factors=factors,
                context="L = 1/2 sum_i sum_c (Yhat[i, c] - Y[i, c])^2")


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


def _expect_weight_gradient(mlp_loss_and_grads, case: int, which: str,
                            mistakes: Callable) -> None:
    """``which`` ("dWh" or "dWo") matches central differences of the
    loss and then the reference exactly, after the known ``mistakes``
    (a function of the inputs giving (wrong array, hint) pairs)."""
    part = GRADIENTS.index(which) + 1
    args = Wh, Wo, X, Y = net_inputs(case)
    got = outputs(mlp_loss_and_grads, ref.mlp_loss_and_grads, *args, n=3,
                  strict=False)
    expect_loss_varies(mlp_loss_and_grads, ref.mlp_loss_and_grads, args,
                       (2.0 * Wh, Wo, X, Y), got[0], n=3)
    hint = known_mistake(got[part], mistakes(*args))
    if hint:
        fail(hint)
    expect_loss_gradient(got[part], ref.mlp_loss_and_grads, args,
                         wrt=part - 1, part=part, what=which,
                         factors=factor_hints(X.shape[0]))
    parts = tuple(name if name == which else None
                  for name in (None, *GRADIENTS))
    expect_affordable(mlp_loss_and_grads, functools.partial(
        cost_problem, parts=parts))


@check
def mlp_grad_Wo(mlp_loss_and_grads) -> None:
    """dWo matches central differences of the loss, and exactly."""
    _expect_weight_gradient(mlp_loss_and_grads, 3, "dWo", _output_mistakes)


@check
def mlp_grad_Wh(mlp_loss_and_grads) -> None:
    """dWh matches central differences of the loss, and exactly."""
    _expect_weight_gradient(mlp_loss_and_grads, 4, "dWh", _hidden_mistakes)


@check
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


@check
def mlp_grads_consistent(mlp_loss_and_grads) -> None:
    """Both gradients are those of the student's own loss."""
    expect_own_gradients(mlp_loss_and_grads, ref.mlp_loss_and_grads,
                         net_inputs(5, N=4, D=3, M=3, C=2),
                         {"dWh": 0, "dWo": 1}, factors=factor_hints(4))


@check
def mlp_stable(mlp_forward, mlp_loss_and_grads) -> None:
    """Forward pass, loss and gradients are finite and accurate when the
    pre-activations X @ Wh.T and H @ Wo.T reach 1e4."""
    Wh, Wo, X, Y = net_inputs(7)
    Wh, Wo = 3000.0 * Wh, 3000.0 * Wo
    Wh0, Wo0, X0, Y0 = net_inputs(8)
    context = ("pre-activations of size up to 1e4: use a sigmoid that "
               "stays finite for any z, such as the notebook's sigmoid or "
               "1 / (1 + exp(-z)), not exp(z) / (1 + exp(z))")
    got = unpack(call(mlp_forward, Wh, Wo, X), 2, what="mlp_forward")
    got0 = unpack(call(mlp_forward, Wh0, Wo0, X0), 2,
                  what="mlp_forward")
    for k, (name, right, right0) in enumerate(zip(
            ("H", "Yhat"), ref.mlp_forward(Wh, Wo, X),
            ref.mlp_forward(Wh0, Wo0, X0))):
        expect_stable(got[k], right, what=f"{name} of mlp_forward",
                      ordinary=(got0[k], right0), context=context)
    got = outputs(mlp_loss_and_grads, ref.mlp_loss_and_grads, Wh, Wo, X, Y,
                  n=3)
    got0 = outputs(mlp_loss_and_grads, ref.mlp_loss_and_grads, Wh0, Wo0, X0,
                   Y0, n=3)
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
    r = rng(SEED, offset)
    A = r.uniform(0.5, 2.0, size=shape)
    theta = r.normal(size=shape)

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


@check
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


@check
def numerical_gradient_step(numerical_gradient) -> None:
    """numerical_gradient uses the step h it is given."""
    f, _, theta = _cubic_problem(11, shape=(4,))
    for h in (1e-1, 1e-3):
        got = call(numerical_gradient, f, theta, h)
        expect_close(got, ref.numerical_gradient(f, theta.copy(), h),
                     what=f"numerical_gradient(f, theta, h={h})", rtol=1e-7,
                     context="with a large step the result depends on h: "
                     "use the h argument")


@check
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


def _unmodified_cases() -> dict:
    Wh, Wo, X, Y = net_inputs(20)
    return {"mlp_forward": [(Wh, Wo, X)],
            "mlp_loss_and_grads": [(Wh, Wo, X, Y)]}


inputs_unmodified = inputs_unmodified(
    ref, _unmodified_cases,
    parts={"mlp_forward": ("H", "Yhat"), "mlp_loss_and_grads": GRAD_PARTS},
    doc="The network functions do not change their input arrays.")

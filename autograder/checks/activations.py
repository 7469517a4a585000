"""Hidden-test checks of the activations assignment.

Elementwise functions are checked on arrays of several shapes, one entry
at a time at extreme inputs (|x| up to 1e4), and their derivatives against
central differences at points at least KINK_MARGIN away from a kink.
"""
from __future__ import annotations

import numpy as np

from ..numerics.diagnose import COMMON_FACTORS
from ..numerics.gradcheck import away_from
from ..reference import activations as ref
from .common import (CostProblem, call, expect_affordable, expect_close,
                     expect_gradient, expect_pair, fail, known_mistake)
from .kit import check, inputs_unmodified, rng

SEED = 20261207
KINK_MARGIN = 0.05
EXTREMES = np.array([-1e4, -1000.0, -50.0, -1e-3, 1e-3, 50.0, 1000.0, 1e4])

#: name -> (parameter name, parameter values other than the default)
PARAMS = {"leaky_relu": ("alpha", (0.2,)), "elu": ("alpha", (0.5, 2.0))}
#: names whose function has a kink at 0
KINKED = {"relu", "leaky_relu", "elu", "prelu"}
LARGE_PIECES = "pieces X @ W + b of size up to 1e4"


def _x(offset: int, shape=(3, 4), scale: float = 2.0) -> np.ndarray:
    """Random inputs at least KINK_MARGIN away from 0."""
    x = scale * rng(SEED, offset).normal(size=shape)
    return np.where(away_from(x, [0.0], KINK_MARGIN), x,
                    x + np.copysign(2 * KINK_MARGIN, x))


def _variants(name: str):
    """(extra args, their description) for the default and other params."""
    yield (), ""
    if name in PARAMS:
        param, values = PARAMS[name]
        for value in values:
            yield (value,), f" with {param}={value}"


def _expect_entries(got: np.ndarray, right: np.ndarray, x: np.ndarray, *,
                    what: str) -> None:
    """Compare entry by entry at extreme inputs, each on its own scale.

    Values like softplus(-50) ~ 2e-22 may come out as 0: an absolute error
    below 1e-12 is accurate enough for an activation; inf or NaN is not.
    """
    for k, x0 in enumerate(x):
        a, e = float(got[k]), float(right[k])
        if np.isfinite(a) and abs(a - e) <= 1e-12 + 1e-7 * abs(e):
            continue
        expect_close(a, e, what=what, context=f"at x = {x0:g}: large "
                     "inputs must not overflow")


def _expect_elementwise(func, reference, x: np.ndarray, args: tuple, *,
                        name: str, what: str) -> None:
    """``func(x, *args)`` keeps the shape of ``x`` and matches
    ``reference`` entry by entry (extreme inputs: _expect_entries)."""
    got = np.asarray(call(func, x, *args), dtype=np.float64)
    if got.shape != x.shape:
        fail(f"{name}(x) has shape {got.shape} for x of shape {x.shape}: "
             "it must work elementwise.")
    _expect_entries(got, reference(x, *args), x, what=what)


@check
def values(func, name: str) -> None:
    """NAME matches the reference on arrays of several shapes and at every
    extreme input, for every parameter value."""
    ref_f = getattr(ref, name)
    for args, label in _variants(name):
        for offset, shape in ((1, (3, 4)), (2, (7,)), (3, (2, 3, 2)),
                              (4, ())):
            x = _x(offset, shape)
            expect_close(call(func, x, *args), ref_f(x, *args),
                         what=f"{name}(x){label}", shape_of="x",
                         context=f"x of shape {shape}")
        _expect_elementwise(func, ref_f, EXTREMES, args, name=name,
                            what=f"{name}(x){label}")


@check
def derivative(func_grad, name: str) -> None:
    """NAME_grad is the exact elementwise derivative of NAME, away from
    kinks, and finite and right at extreme inputs."""
    ref_f = getattr(ref, name)
    ref_grad = getattr(ref, name + "_grad")
    for args, label in _variants(name):
        x = _x(10, (3, 4))
        got = call(func_grad, x, *args)
        expect_gradient(got, lambda v: float(np.sum(ref_f(v, *args))), x,
                        ref_grad(x, *args), what=f"{name}_grad(x){label}",
                        factors=COMMON_FACTORS, shape_of="x",
                        of=f"{name}")
        extremes = EXTREMES[np.abs(EXTREMES) > KINK_MARGIN]
        _expect_elementwise(func_grad, ref_grad, extremes, args,
                            name=f"{name}_grad", what=f"{name}_grad(x){label}")
        x0 = _x(11, ())
        expect_close(call(func_grad, x0, *args), ref_grad(x0, *args),
                     what=f"{name}_grad(x){label}", shape_of="x",
                     context="x of shape (), a 0-d array")


# -- PReLU -----------------------------------------------------------------

@check
def prelu_values(prelu) -> None:
    """prelu(x, alpha) for several alphas and shapes."""
    for offset, alpha in ((20, 0.25), (21, -0.5), (22, 1.5)):
        x = _x(offset, (4, 3))
        expect_close(call(prelu, x, alpha), ref.prelu(x, alpha),
                     what=f"prelu(x, alpha={alpha})", shape_of="x")
        got = np.asarray(call(prelu, EXTREMES, alpha), dtype=np.float64)
        _expect_entries(got, ref.prelu(EXTREMES, alpha), EXTREMES,
                        what=f"prelu(x, alpha={alpha})")


@check
def prelu_grads_values(prelu_grads) -> None:
    """dx and dalpha, elementwise and shaped like x, exactly."""
    for offset, alpha in ((23, 0.25), (24, -0.5)):
        x = _x(offset, (4, 3))
        dx, dalpha = expect_pair(call(prelu_grads, x, alpha),
                                 what="prelu_grads")
        ref_dx, ref_dalpha = ref.prelu_grads(x, alpha)
        expect_gradient(dx, lambda v: float(np.sum(ref.prelu(v, alpha))), x,
                        ref_dx, what=f"dx (alpha={alpha})", shape_of="x",
                        of="prelu")
        h = 1e-5
        numeric = (ref.prelu(x, alpha + h) - ref.prelu(x, alpha - h)) / (2*h)
        expect_close(dalpha, numeric, what=f"dalpha (alpha={alpha})",
                     rtol=1e-6, shape_of="x",
                     context="dalpha holds d prelu(x_i) / d alpha for every "
                     "entry, compared with central differences in alpha")
        expect_close(dalpha, ref_dalpha, what="dalpha", rtol=1e-12)
        extremes = EXTREMES[np.abs(EXTREMES) > KINK_MARGIN]
        dx, dalpha = expect_pair(call(prelu_grads, extremes, alpha),
                                 what="prelu_grads")
        for name, got, right in zip(("dx", "dalpha"), (dx, dalpha),
                                    ref.prelu_grads(extremes, alpha)):
            _expect_entries(np.asarray(got, dtype=np.float64), right,
                            extremes, what=f"{name} (alpha={alpha})")


# -- maxout ----------------------------------------------------------------

def maxout_inputs(offset: int, N: int = 5, D: int = 3, M: int = 4,
                  scale: float = 1.0):
    """(X, W1, b1, W2, b2, dout) with the two pieces never within
    KINK_MARGIN of each other, and each piece the maximum somewhere in
    every column (with N >= 2): else a right gradient could look like the
    classic mistake of sending the whole upstream gradient to one piece."""
    r = rng(SEED, offset)
    while True:
        X = r.normal(size=(N, D))
        W1 = scale * r.normal(size=(D, M))
        W2 = scale * r.normal(size=(D, M))
        b1, b2 = scale * r.normal(size=M), scale * r.normal(size=M)
        gap = (X @ W1 + b1) - (X @ W2 + b2)
        mixed = N < 2 or ((gap > 0).any(axis=0).all()
                          and (gap < 0).any(axis=0).all())
        if mixed and away_from(gap, [0.0], KINK_MARGIN).all():
            return X, W1, b1, W2, b2, r.normal(size=(N, M))


@check
def maxout_values(maxout) -> None:
    """max(X @ W1 + b1, X @ W2 + b2), elementwise, shape (N, M)."""
    X, W1, b1, W2, b2, _ = maxout_inputs(30)
    expect_close(call(maxout, X, W1, b1, W2, b2),
                 ref.maxout(X, W1, b1, W2, b2), what="maxout(...)",
                 context="shape (N, M) = (5, 4)")
    X, W1, b1, W2, b2, _ = maxout_inputs(33, scale=3000.0)
    expect_close(call(maxout, X, W1, b1, W2, b2),
                 ref.maxout(X, W1, b1, W2, b2), what="maxout(...)",
                 context=LARGE_PIECES)


BACKWARD_NAMES = ("dX", "dW1", "db1", "dW2", "db2")


def _five_gradients(got) -> tuple:
    """maxout_backward's five gradients, or a CheckFailed."""
    if not isinstance(got, (tuple, list)) or len(got) != 5:
        fail("maxout_backward should return the tuple (dX, dW1, db1, dW2, "
             "db2).")
    return tuple(got)


@check
def maxout_backward_values(maxout_backward) -> None:
    """All five gradients match central differences, and exactly."""
    X, W1, b1, W2, b2, dout = maxout_inputs(31)
    got = _five_gradients(call(maxout_backward, dout, X, W1, b1, W2, b2))
    right = ref.maxout_backward(dout, X, W1, b1, W2, b2)
    params = [X, W1, b1, W2, b2]
    for k in (1, 3):  # a gradient sent to both pieces is a classic
        if known_mistake(got[k], [(X.T @ dout, "")]) is not None:
            fail(f"{BACKWARD_NAMES[k]} gets the whole upstream gradient, "
                 "but only the entries where its piece is the maximum "
                 "receive it: the other piece gets 0 there.")
    for k, (name, value) in enumerate(zip(BACKWARD_NAMES, got)):
        def f(v, k=k):
            args = list(params)
            args[k] = v
            return float(np.sum(dout * ref.maxout(*args)))

        expect_gradient(value, f, params[k], right[k], what=name,
                        shape_of=name[1:], of="sum(dout * maxout(...))")
    X, W1, b1, W2, b2, dout = maxout_inputs(34, scale=3000.0)
    for name, got, right in zip(BACKWARD_NAMES, _five_gradients(call(
            maxout_backward, dout, X, W1, b1, W2, b2)),
            ref.maxout_backward(dout, X, W1, b1, W2, b2)):
        expect_close(got, right, what=name, context=LARGE_PIECES)
    expect_affordable(maxout_backward, cost_problem)


@check
def cost_problem(shrink: int = 1) -> CostProblem:
    """One sample, 2,000 inputs and 10 units: 42,020 parameters (the
    inputs divided by ``shrink``)."""
    X, W1, b1, W2, b2, dout = maxout_inputs(32, N=1, D=2000 // shrink, M=10)
    return CostProblem("maxout_backward", (dout, X, W1, b1, W2, b2),
                       X.size + 2 * (W1.size + b1.size),
                       lambda: float(np.sum(dout * ref.maxout(X, W1, b1, W2,
                                                              b2))),
                       ref.maxout_backward, BACKWARD_NAMES)


ELEMENTWISE = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus",
               "swish")


def _unmodified_cases() -> dict:
    x = _x(40, (3, 4))
    X, W1, b1, W2, b2, _ = maxout_inputs(41)
    X2, W12, b12, W22, b22, dout = maxout_inputs(42)
    cases = {f"{name}{grad}": [(x,)] for name in ELEMENTWISE
             for grad in ("", "_grad")}
    return {**cases, "prelu": [(x, 0.3)], "prelu_grads": [(x, 0.3)],
            "maxout": [(X, W1, b1, W2, b2)],
            "maxout_backward": [(dout, X2, W12, b12, W22, b22)]}


inputs_unmodified = inputs_unmodified(
    ref, _unmodified_cases, parts={"prelu": ("dx", "dalpha"),
                                   "prelu_grads": ("dx", "dalpha"),
                                   "maxout_backward": BACKWARD_NAMES})

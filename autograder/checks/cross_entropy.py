"""Hidden-test checks of the cross_entropy assignment."""
from __future__ import annotations

import numpy as np

from ..numerics.diagnose import COMMON_FACTORS, factor_hints, log_base_hints
from ..reference import cross_entropy as ref
from .common import (LOG_BASES, PROPERTY_FLOOR, CostProblem, base_args,
                     base_context, call, distribution_pair,
                     expect_affordable, expect_close, expect_consistent,
                     expect_gradient, expect_scalar, expect_stable,
                     with_base)
from .kit import (check, expect_loss, expect_loss_gradient,
                  expect_loss_varies, expect_own_gradients,
                  inputs_unmodified, outputs, rng)

SEED = 20261202
FACTORS = {**COMMON_FACTORS, **log_base_hints()}
BASES = LOG_BASES


def _pq(offset: int, C: int = 6, zeros: int = 0, floor: float = 1e-3):
    return distribution_pair(rng(SEED, offset), C, zeros, floor)


def _ce(cross_entropy, p, q, *base) -> float:
    return expect_scalar(call(cross_entropy, p, q, *base),
                         what="cross_entropy(p, q)")


# -- cross_entropy --------------------------------------------------------

@check
def cross_entropy_values(cross_entropy) -> None:
    """H(p, q) matches the reference in bits and in other bases."""
    # every value first: a constant shows as one (common.trivial_answer)
    cases = [(*_pq(i, C=4 + i), base) for i, base in enumerate(BASES)]
    values = [_ce(cross_entropy, p, q, *base_args(base))
              for p, q, base in cases]
    for got, (p, q, base) in zip(values, cases):
        expect_close(got, ref.cross_entropy(p, q, base),
                     what="cross_entropy(p, q)", factors=FACTORS,
                     context=base_context(base))


@check
def cross_entropy_edge_cases(cross_entropy) -> None:
    """p_i = 0 terms count 0; inf where some p_i > 0 has q_i = 0; one-hot p
    gives -log q_y."""
    p, q = _pq(5, C=5, zeros=2)
    q_zero = q.copy()
    q_zero[p == 0] = 0.0
    q_zero /= q_zero.sum()
    expect_close(_ce(cross_entropy, p, q_zero),
                 ref.cross_entropy(p, q_zero), what="cross_entropy(p, q)",
                 context="q_i = 0 where p_i = 0: those terms count 0")
    p, q = _pq(6, C=5)
    q[2] = 0.0
    q /= q.sum()
    expect_close(_ce(cross_entropy, p, q), float("inf"),
                 what="cross_entropy(p, q)",
                 context="p_i > 0 where q_i = 0: H(p, q) is infinite")
    one_hot = np.eye(5)[3]
    _, q = _pq(7, C=5)
    expect_close(_ce(cross_entropy, one_hot, q, np.e),
                 -np.log(q[3]), what="cross_entropy(p, q)",
                 context="one-hot p: the negative log-likelihood -ln q_y")


@check
def cross_entropy_grad_values(cross_entropy_grad) -> None:
    """dH(p, q)/dq_i = -p_i / (q_i ln b), exactly, in every base."""
    for i, base in enumerate(BASES):
        p, q = _pq(10 + i, C=5)
        args = base_args(base)
        got = call(cross_entropy_grad, p, q, *args)
        expect_gradient(got, lambda v: ref.cross_entropy(p, v, base), q,
                        ref.cross_entropy_grad(p, q, base),
                        what="cross_entropy_grad(p, q)" + with_base(base),
                        factors=FACTORS, shape_of="q",
                        of="the cross-entropy as a function of q")


@check
def cross_entropy_grad_consistent(cross_entropy_grad, cross_entropy) -> None:
    """The gradient is that of the student's own cross_entropy."""
    p, q = _pq(13, C=4, floor=PROPERTY_FLOOR)
    grad = call(cross_entropy_grad, p, q)
    expect_consistent(grad, lambda v: _ce(cross_entropy, p, v), q,
                      what="cross_entropy_grad(p, q)", of="cross_entropy",
                      factors=FACTORS,
                      right=[(_ce(cross_entropy, p, q),
                              ref.cross_entropy(p, q), "cross_entropy(p, q)"),
                             (grad, ref.cross_entropy_grad(p, q),
                              "cross_entropy_grad(p, q)")])


# -- logistic_loss ----------------------------------------------------------

def _logistic_inputs(offset: int, N: int = 10, D: int = 4,
                     scale: float = 0.8):
    r = rng(SEED, offset)
    X = r.normal(size=(N, D))
    w = scale * r.normal(size=D)
    y = (r.random(N) < 0.5).astype(np.float64)
    y[:2] = (0.0, 1.0)[:N]  # both labels (when N > 1)
    return w, X, y


LOGISTIC_FACTORS = {**factor_hints(10), **log_base_hints()}


@check
def logistic_loss_value(logistic_loss) -> None:
    """The loss is the mean binary cross-entropy (natural log)."""
    expect_loss(logistic_loss, ref.logistic_loss, *_logistic_inputs(20),
                grads=("dw",), factors=LOGISTIC_FACTORS,
                context="L = -(1/N) sum_i [y_i log s(z_i) + (1 - y_i) "
                "log(1 - s(z_i))]")


@check
def logistic_loss_gradient(logistic_loss) -> None:
    """dw matches central differences of the loss, and exactly."""
    args = w, X, y = _logistic_inputs(21)
    loss, dw = outputs(logistic_loss, ref.logistic_loss, *args,
                       strict=False)
    expect_loss_varies(logistic_loss, ref.logistic_loss, args,
                       (_logistic_inputs(26)[0], X, y), loss)
    expect_loss_gradient(dw, ref.logistic_loss, args, what="dw",
                         factors=factor_hints(len(y)))
    expect_affordable(logistic_loss, cost_problem)


@check
def cost_problem(shrink: int = 1) -> CostProblem:
    """One sample, 200,000 weights (divided by ``shrink``): a loop over
    the weights in plain Python must stay far below the budget."""
    w, X, y = _logistic_inputs(25, N=1, D=200_000 // shrink, scale=0.01)
    return CostProblem("logistic_loss", (w, X, y), w.size,
                       lambda: float(np.mean(ref.softplus(X @ w)
                                             - y * (X @ w))),
                       ref.logistic_loss, (None, "dw"))


@check
def logistic_loss_consistent(logistic_loss) -> None:
    """dw is the gradient of the student's own loss."""
    expect_own_gradients(logistic_loss, ref.logistic_loss,
                         _logistic_inputs(22, N=6, D=3), {"dw": 0},
                         factors={**factor_hints(6), **log_base_hints()})


@check
def logistic_loss_stable(logistic_loss) -> None:
    """Loss and dw are finite and accurate for |z| up to 1e4."""
    w, X, y = _logistic_inputs(23, N=8, D=3, scale=3000.0)
    loss, dw = outputs(logistic_loss, ref.logistic_loss, w, X, y)
    ref_loss, ref_dw = ref.logistic_loss(w, X, y)
    w0, X0, y0 = _logistic_inputs(24, N=8, D=3)
    loss0, dw0 = outputs(logistic_loss, ref.logistic_loss, w0, X0, y0)
    ref_loss0, ref_dw0 = ref.logistic_loss(w0, X0, y0)
    context = ("z = X @ w of size up to 1e4: write the loss with a stable "
               "softplus, log(1 + e^z) = max(z, 0) + log1p(e^-|z|), and "
               "a stable sigmoid")
    expect_stable(loss, ref_loss, what="the loss", context=context,
                  ordinary=(loss0, ref_loss0))
    expect_stable(dw, ref_dw, what="dw", context=context, shape_of="w",
                  ordinary=(dw0, ref_dw0))


def _unmodified_cases() -> dict:
    return {"cross_entropy": [_pq(30, C=5, zeros=1)],
            "cross_entropy_grad": [_pq(32, C=5, floor=PROPERTY_FLOOR)],
            "logistic_loss": [_logistic_inputs(31)]}


inputs_unmodified = inputs_unmodified(
    ref, _unmodified_cases, parts={"logistic_loss": ("the loss", "dw")})

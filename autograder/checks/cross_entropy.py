"""Hidden-test checks of the cross_entropy assignment."""
from __future__ import annotations

import numpy as np

from ..numerics.diagnose import COMMON_FACTORS, factor_hints, log_base_hints
from ..reference import cross_entropy as ref
from .common import (LOG_BASES, CostProblem, base_args, base_context, call,
                     distribution_pair, expect_affordable, expect_close,
                     expect_consistent, expect_gradient, expect_pair,
                     expect_real_partner, expect_scalar, expect_stable,
                     expect_unmodified, expect_varying_loss, seeded,
                     with_base)

SEED = 20261202
FACTORS = {**COMMON_FACTORS, **log_base_hints()}
BASES = LOG_BASES


def _pq(offset: int, C: int = 6, zeros: int = 0):
    return distribution_pair(SEED, offset, C, zeros)


def _ce(cross_entropy, p, q, *base) -> float:
    return expect_scalar(call(cross_entropy, p, q, *base),
                         what="cross_entropy(p, q)")


# -- cross_entropy --------------------------------------------------------

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


def cross_entropy_grad_consistent(cross_entropy_grad, cross_entropy) -> None:
    """The gradient is that of the student's own cross_entropy."""
    p, q = _pq(13, C=4)
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
    rng = seeded(SEED, offset)
    X = rng.normal(size=(N, D))
    w = scale * rng.normal(size=D)
    y = (rng.random(N) < 0.5).astype(np.float64)
    y[:2] = (0.0, 1.0)[:N]  # both labels (when N > 1)
    return w, X, y


def _logistic(logistic_loss, w, X, y, strict: bool = True):
    """(loss, dw); the loss must be a float unless not ``strict`` (the
    cells that judge dw)."""
    loss, dw = expect_pair(call(logistic_loss, w, X, y),
                           what="logistic_loss")
    return (expect_scalar(loss, what="the loss") if strict else loss), dw


def logistic_loss_value(logistic_loss) -> None:
    """The loss is the mean binary cross-entropy (natural log)."""
    w, X, y = _logistic_inputs(20)
    loss, dw = _logistic(logistic_loss, w, X, y)
    right_loss, right_dw = ref.logistic_loss(w, X, y)
    expect_close(loss, right_loss, what="the loss",
                 factors={**factor_hints(len(y)), **log_base_hints()},
                 context="L = -(1/N) sum_i [y_i log s(z_i) + (1 - y_i) "
                 "log(1 - s(z_i))]")
    expect_real_partner(dw, right_dw, what="dw", function="logistic_loss",
                        paid="the loss's test")


def logistic_loss_gradient(logistic_loss) -> None:
    """dw matches central differences of the loss, and exactly."""
    w, X, y = _logistic_inputs(21)
    loss, dw = _logistic(logistic_loss, w, X, y, strict=False)
    w2 = _logistic_inputs(26)[0]
    expect_varying_loss(loss, _logistic(logistic_loss, w2, X, y,
                                        strict=False)[0],
                        ref.logistic_loss(w, X, y)[0],
                        ref.logistic_loss(w2, X, y)[0],
                        function="logistic_loss", paid="the gradient's test")
    expect_gradient(dw, lambda v: ref.logistic_loss(v, X, y)[0], w,
                    ref.logistic_loss(w, X, y)[1], what="dw",
                    factors=factor_hints(len(y)), shape_of="w",
                    of="the loss")
    expect_affordable(logistic_loss, cost_problem)


def cost_problem(shrink: int = 1) -> CostProblem:
    """One sample, 200,000 weights (divided by ``shrink``): a loop over
    the weights in plain Python must stay far below the budget."""
    w, X, y = _logistic_inputs(25, N=1, D=200_000 // shrink, scale=0.01)
    return CostProblem("logistic_loss", (w, X, y), w.size,
                       lambda: float(np.mean(ref.softplus(X @ w)
                                             - y * (X @ w))),
                       ref.logistic_loss, (None, "dw"))


def logistic_loss_consistent(logistic_loss) -> None:
    """dw is the gradient of the student's own loss."""
    w, X, y = _logistic_inputs(22, N=6, D=3)
    loss, dw = _logistic(logistic_loss, w, X, y)
    right_loss, right_dw = ref.logistic_loss(w, X, y)
    expect_consistent(dw, lambda v: _logistic(logistic_loss, v, X, y)[0],
                      w, what="dw", of="loss",
                      factors={**factor_hints(len(y)), **log_base_hints()},
                      right=[(loss, right_loss, "the loss"),
                             (dw, right_dw, "dw")])


def logistic_loss_stable(logistic_loss) -> None:
    """Loss and dw are finite and accurate for |z| up to 1e4."""
    w, X, y = _logistic_inputs(23, N=8, D=3, scale=3000.0)
    loss, dw = _logistic(logistic_loss, w, X, y)
    ref_loss, ref_dw = ref.logistic_loss(w, X, y)
    w0, X0, y0 = _logistic_inputs(24, N=8, D=3)
    loss0, dw0 = _logistic(logistic_loss, w0, X0, y0)
    ref_loss0, ref_dw0 = ref.logistic_loss(w0, X0, y0)
    context = ("z = X @ w of size up to 1e4: write the loss with a stable "
               "softplus, log(1 + e^z) = max(z, 0) + log1p(e^-|z|), and "
               "a stable sigmoid")
    expect_stable(loss, ref_loss, what="the loss", context=context,
                  ordinary=(loss0, ref_loss0))
    expect_stable(dw, ref_dw, what="dw", context=context, shape_of="w",
                  ordinary=(dw0, ref_dw0))


def inputs_unmodified(cross_entropy, cross_entropy_grad,
                      logistic_loss) -> None:
    """No function changes its input arrays."""
    p, q = _pq(30, C=5, zeros=1)
    w, X, y = _logistic_inputs(31)
    expect_unmodified(cross_entropy, (p, q), ("p", "q"), "cross_entropy",
                      ref.cross_entropy)
    p, q = _pq(32, C=5)
    expect_unmodified(cross_entropy_grad, (p, q), ("p", "q"),
                      "cross_entropy_grad", ref.cross_entropy_grad)
    expect_unmodified(logistic_loss, (w, X, y), ("w", "X", "y"),
                      "logistic_loss", ref.logistic_loss,
                      parts=("the loss", "dw"))

"""Hidden-test checks of the kl_divergence assignment."""
from __future__ import annotations

import numpy as np

from ..numerics.diagnose import COMMON_FACTORS, log_base_hints
from ..reference import kl_divergence as ref
from .common import (LOG_BASES, PROPERTY_FLOOR, base_args, base_context, call,
                     distribution_pair, expect_close, expect_consistent,
                     expect_gradient, expect_pair, expect_real_partner,
                     expect_scalar, fail, with_base)
from .kit import check, inputs_unmodified, rng

SEED = 20261203
FACTORS = {**COMMON_FACTORS, **log_base_hints()}
BASES = LOG_BASES


def _pq(offset: int, C: int = 6, zeros: int = 0, floor: float = 1e-3):
    return distribution_pair(rng(SEED, offset), C, zeros, floor)


def _kl(kl_divergence, p, q, *base) -> float:
    return expect_scalar(call(kl_divergence, p, q, *base),
                         what="kl_divergence(p, q)")


@check
def kl_values(kl_divergence) -> None:
    """KL(p || q) matches the reference in bits and in other bases."""
    # every value first: a constant shows as one (common.trivial_answer)
    cases = [(*_pq(i, C=4 + i), base) for i, base in enumerate(BASES)]
    values = [_kl(kl_divergence, p, q, *base_args(base))
              for p, q, base in cases]
    for got, (p, q, base) in zip(values, cases):
        expect_close(got, ref.kl_divergence(p, q, base),
                     what="kl_divergence(p, q)", factors=FACTORS,
                     context=base_context(base))
    p, _ = _pq(3, C=5)
    expect_close(_kl(kl_divergence, p, p), 0.0, what="kl_divergence(p, p)",
                 atol=1e-9,
                 context="the divergence of a distribution from itself")


@check
def kl_edge_cases(kl_divergence) -> None:
    """p_i = 0 terms count 0; inf where some p_i > 0 has q_i = 0."""
    p, q = _pq(5, C=5, zeros=2)
    q_zero = q.copy()
    q_zero[p == 0] = 0.0
    q_zero /= q_zero.sum()
    expect_close(_kl(kl_divergence, p, q_zero),
                 ref.kl_divergence(p, q_zero), what="kl_divergence(p, q)",
                 context="p_i = 0 (and q_i = 0) there: those terms count 0")
    expect_close(_kl(kl_divergence, p, q), ref.kl_divergence(p, q),
                 what="kl_divergence(p, q)",
                 context="p_i = 0 where q_i > 0: those terms count 0, "
                 "0 log(0 / q_i) = 0")
    p, q = _pq(6, C=5)
    q[1] = 0.0
    q /= q.sum()
    expect_close(_kl(kl_divergence, p, q), float("inf"),
                 what="kl_divergence(p, q)",
                 context="q misses mass that p has: KL is infinite")


def _grads(kl_divergence_grad, p, q, *base):
    return expect_pair(call(kl_divergence_grad, p, q, *base),
                       what="kl_divergence_grad")


def _grad_of(kl_divergence_grad, which: int, offset: int) -> None:
    """Check dp (which=0) or dq (which=1) in every base."""
    name, var = ("dp", "p") if which == 0 else ("dq", "q")
    for i, base in enumerate(BASES):
        p, q = _pq(offset + i, C=5)
        dp, dq = _grads(kl_divergence_grad, p, q, *base_args(base))
        _swapped(dp, dq, p, q, base)
        other, other_name = (dq, "dq") if which == 0 else (dp, "dp")
        expect_real_partner(other, ref.kl_divergence_grad(p, q, base)[
            1 - which], what=other_name, function="kl_divergence_grad",
            paid=f"the test of {name}")

        def kl_of(v):
            return ref.kl_divergence(*((v, q) if which == 0 else (p, v)),
                                     base)

        expect_gradient((dp, dq)[which], kl_of, (p, q)[which],
                        ref.kl_divergence_grad(p, q, base)[which],
                        what=name + with_base(base),
                        factors=FACTORS, shape_of=var,
                        of=f"KL(p || q) as a function of {var}")


@check
def kl_grad_p(kl_divergence_grad) -> None:
    """dp_i = log_b(p_i / q_i) + 1/ln b, exactly, in every base."""
    _grad_of(kl_divergence_grad, 0, offset=10)


@check
def kl_grad_q(kl_divergence_grad) -> None:
    """dq_i = -p_i / (q_i ln b), exactly, in every base."""
    _grad_of(kl_divergence_grad, 1, offset=20)


def _swapped(dp, dq, p, q, base) -> None:
    """Fail with a clear message when the pair comes back as (dq, dp)."""
    ref_dp, ref_dq = ref.kl_divergence_grad(p, q, base)
    try:
        swapped = (np.allclose(dp, ref_dq, rtol=1e-7)
                   and np.allclose(dq, ref_dp, rtol=1e-7))
    except (TypeError, ValueError):
        return
    if swapped:
        fail("kl_divergence_grad returns (dq, dp): the contract's order is "
             "(dp, dq).")


@check
def kl_grad_consistent(kl_divergence_grad, kl_divergence) -> None:
    """Both gradients are those of the student's own kl_divergence."""
    p, q = _pq(30, C=4, floor=PROPERTY_FLOOR)
    dp, dq = _grads(kl_divergence_grad, p, q)
    ref_dp, ref_dq = ref.kl_divergence_grad(p, q)
    right = [(_kl(kl_divergence, p, q), ref.kl_divergence(p, q),
              "kl_divergence(p, q)"), (dp, ref_dp, "dp"), (dq, ref_dq, "dq")]
    expect_consistent(dp, lambda v: _kl(kl_divergence, v, q), p, what="dp",
                      of="kl_divergence", factors=FACTORS, right=right)
    expect_consistent(dq, lambda v: _kl(kl_divergence, p, v), q, what="dq",
                      of="kl_divergence", factors=FACTORS, right=right)


def _unmodified_cases() -> dict:
    return {"kl_divergence": [_pq(40, C=5, zeros=1)],
            "kl_divergence_grad": [_pq(41, C=5, floor=PROPERTY_FLOOR)]}


inputs_unmodified = inputs_unmodified(
    ref, _unmodified_cases, parts={"kl_divergence_grad": ("dp", "dq")})

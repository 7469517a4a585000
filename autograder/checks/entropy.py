"""Hidden-test checks of the entropy assignment (one graded property per
function; see checks/softmax.py for the pattern)."""
from __future__ import annotations

import numpy as np

from ..numerics.diagnose import log_base_hints, COMMON_FACTORS
from ..reference import entropy as ref
from .common import (LOG_BASES, PROPERTY_FLOOR, base_args, base_context, call,
                     distribution, expect_close, expect_consistent,
                     expect_gradient, expect_scalar, with_base)
from .kit import check, inputs_unmodified, rng

SEED = 20261201
FACTORS = {**COMMON_FACTORS, **log_base_hints()}
BASES = LOG_BASES


def _p(offset: int, C: int = 6, zeros: int = 0,
       floor: float = 1e-3) -> np.ndarray:
    return distribution(rng(SEED, offset), C, zeros, floor)


def _entropy(entropy, p, *base) -> float:
    return expect_scalar(call(entropy, p, *base), what="entropy(p)")


@check
def entropy_values(entropy) -> None:
    """entropy(p) in bits by default and in any base."""
    # every value first: a constant shows as one (common.trivial_answer)
    cases = [(_p(i, C=5 + i), base) for i, base in enumerate(BASES)]
    values = [_entropy(entropy, p, *base_args(base)) for p, base in cases]
    for got, (p, base) in zip(values, cases):
        expect_close(got, ref.entropy(p, base), what="entropy(p)",
                     factors=FACTORS,
                     context=base_context(base))
    uniform = np.full(8, 1 / 8)
    expect_close(_entropy(entropy, uniform), 3.0, what="entropy(p)",
                 factors=FACTORS, context="a uniform distribution")


@check
def entropy_zero_terms(entropy) -> None:
    """Terms with p_i = 0 count 0 (0 log 0 = 0): no NaN."""
    for offset, zeros in ((3, 1), (4, 3)):
        p = _p(offset, C=6, zeros=zeros)
        expect_close(_entropy(entropy, p), ref.entropy(p),
                     what="entropy(p)",
                     context="p has zero entries; 0 log 0 counts as 0")
    one_hot = np.array([0.0, 1.0, 0.0])
    expect_close(_entropy(entropy, one_hot), 0.0, what="entropy(p)",
                 atol=1e-9,
                 context="a certain outcome carries no information")


@check
def entropy_grad_values(entropy_grad) -> None:
    """dH/dp_i = -(log_b p_i + 1/ln b), exactly, in every base."""
    for i, base in enumerate(BASES):
        p = _p(10 + i, C=5)
        args = base_args(base)
        got = call(entropy_grad, p, *args)
        expect_gradient(got, lambda v: ref.entropy(v, base), p,
                        ref.entropy_grad(p, base),
                        what="entropy_grad(p)" + with_base(base),
                        factors=FACTORS, shape_of="p", of="the entropy")


@check
def entropy_grad_consistent(entropy_grad, entropy) -> None:
    """entropy_grad is the gradient of the student's own entropy."""
    p = _p(13, C=4, floor=PROPERTY_FLOOR)
    grad = call(entropy_grad, p)
    expect_consistent(grad, lambda v: _entropy(entropy, v), p,
                      what="entropy_grad(p)", of="entropy", factors=FACTORS,
                      right=[(_entropy(entropy, p), ref.entropy(p),
                              "entropy(p)"),
                             (grad, ref.entropy_grad(p), "entropy_grad(p)")])


@check
def code_lengths_values(code_lengths) -> None:
    """log2(1/p_i) bits for every outcome."""
    for offset in (20, 21):
        p = _p(offset, C=7)
        expect_close(call(code_lengths, p), ref.code_lengths(p),
                     what="code_lengths(p)", factors=FACTORS,
                     shape_of="p",
                     context="lengths in bits: log2(1 / p_i)")


def _unmodified_cases() -> dict:
    p = _p(30, C=5, floor=PROPERTY_FLOOR)
    return {"entropy": [(p,), (_p(31, C=5, zeros=1),)],
            "entropy_grad": [(p,)], "code_lengths": [(p,)]}


inputs_unmodified = inputs_unmodified(
    ref, _unmodified_cases, doc="No function changes its input array.")

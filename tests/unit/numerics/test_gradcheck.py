"""Unit tests of the gradient-checking core and of every diagnosis."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.common import (MIN_BUDGET_SECONDS, CheckFailed,
                                      as_number, call, cpu_budget,
                                      expect_close, expect_exact_gradient,
                                      expect_real_partner, expect_scalar,
                                      expect_stable, expect_unmodified,
                                      expect_varying_loss, is_placeholder)
from autograder.numerics.diagnose import (diagnose, diagnose_mutation, factor_hints,
                                 log_base_hints)
from autograder.numerics.gradcheck import (away_from, is_smooth_at, max_relative_error,
                                  norm_relative_error, numeric_gradient,
                                  numeric_jacobian, relative_error,
                                  sample_indices, smooth_indices)

RNG = np.random.default_rng(7)


def quadratic(W):
    """f(W) = sum(A * W**2) / 2 + sum(B * W); gradient A * W + B."""
    return 0.5 * np.sum(A * W ** 2) + np.sum(B * W)


A = RNG.uniform(1, 2, size=(4, 3))
B = RNG.normal(size=(4, 3))
W0 = RNG.normal(size=(4, 3))
GRAD = A * W0 + B


# -- gradcheck -----------------------------------------------------------

def test_relative_error_is_symmetric_and_floored():
    assert relative_error(1.0, 1.0) == 0.0
    assert relative_error(1.0, 3.0) == pytest.approx(0.5)
    assert relative_error(0.0, 0.0) == 0.0  # eps floor: no 0 / 0
    assert max_relative_error([1.0, 2.0], [1.0, 2.2]) == pytest.approx(
        0.2 / 4.2)


def test_norm_relative_error_of_equal_arrays_is_zero():
    assert norm_relative_error(GRAD, GRAD) == 0.0
    assert norm_relative_error(GRAD, 2 * GRAD) == pytest.approx(1 / 3)


def test_numeric_gradient_matches_analytic_and_leaves_x_alone():
    W = W0.copy()
    numeric = numeric_gradient(quadratic, W)
    assert max_relative_error(numeric, GRAD) < 1e-8
    assert np.array_equal(W, W0)


def test_numeric_gradient_on_sampled_indices_marks_the_rest_nan():
    idx = sample_indices(W0.shape, 5, np.random.default_rng(0))
    numeric = numeric_gradient(quadratic, W0, indices=idx)
    assert np.isnan(numeric).sum() == W0.size - 5
    for i in idx:
        assert numeric[i] == pytest.approx(GRAD[i], rel=1e-8)


def test_numeric_gradient_is_float64_even_for_float32_input():
    x = np.array([1.0, 2.0], dtype=np.float32)
    g = numeric_gradient(lambda v: float(np.sum(v ** 3)), x)
    assert g.dtype == np.float64
    assert g == pytest.approx([3.0, 12.0], rel=1e-8)


def test_numeric_jacobian_of_a_linear_map_is_the_matrix():
    M = RNG.normal(size=(3, 5))
    J = numeric_jacobian(lambda v: M @ v, RNG.normal(size=5))
    assert np.allclose(J, M, atol=1e-9)


def test_sample_indices_are_distinct_and_capped_at_size():
    idx = sample_indices((2, 3), 100, np.random.default_rng(1))
    assert len(idx) == 6 and len(set(idx)) == 6


def test_kinks_are_detected_and_avoided():
    relu_sum = lambda v: float(np.sum(np.maximum(v, 0.0)))  # noqa: E731
    x = np.array([0.0, 1e-7, 0.5, -0.3, 2e-5])
    assert not is_smooth_at(relu_sum, x.copy(), (0,))
    assert not is_smooth_at(relu_sum, x.copy(), (1,))
    assert is_smooth_at(relu_sum, x.copy(), (2,))
    chosen = smooth_indices(relu_sum, x, 5, np.random.default_rng(2))
    assert sorted(chosen) == [(2,), (3,)]
    mask = away_from(x, kinks=[0.0], margin=1e-3)
    assert mask.tolist() == [False, False, True, True, False]


# -- diagnose: one constructed wrong gradient per diagnosis ----------------

def test_right_answer_has_no_diagnosis():
    assert diagnose(GRAD + 1e-12, GRAD) is None


def test_factor_N_is_named():
    msg = diagnose(8 * GRAD, GRAD, what="dW", factors=factor_hints(8))
    assert "N times" in msg and "average over the N samples" in msg


def test_factor_one_over_N_is_named():
    msg = diagnose(GRAD / 8, GRAD, what="dW", factors=factor_hints(8))
    assert "1/N times" in msg


@pytest.mark.parametrize("factor,phrase", [(-1.0, "sign is flipped"),
                                           (2.0, "factor 2 too many"),
                                           (0.5, "factor 1/2 too many")])
def test_common_factors_are_named(factor, phrase):
    assert phrase in diagnose(factor * GRAD, GRAD, what="dW")


def test_log_base_factor_is_named():
    msg = diagnose(GRAD / np.log(2), GRAD, what="dq",
                   factors=log_base_hints())
    assert "log base 2" in msg


def test_zero_gradient_is_reported():
    assert "all zeros" in diagnose(np.zeros_like(GRAD), GRAD, what="dW")


def test_unknown_factor_gives_its_value():
    assert "1.7 times" in diagnose(1.7 * GRAD, GRAD, what="dW")


def test_transposed_non_square_is_a_shape_error_saying_transpose():
    msg = diagnose(GRAD.T, GRAD, what="dW", shape_of="W")
    assert "shape (3, 4)" in msg and "the shape of W" in msg
    assert "transpose" in msg


def test_transposed_square_is_detected():
    M = RNG.normal(size=(3, 3))
    assert "transposed" in diagnose(M.T, M, what="J")


def test_wrong_shape_not_transpose():
    msg = diagnose(np.zeros(5), np.zeros((5, 1)), what="dW")
    assert "shape (5,)" in msg and "(5, 1)" in msg
    assert "transpose" not in msg


def test_one_wrong_column_is_named_with_its_label():
    wrong = GRAD.copy()
    wrong[:, 2] += 1.0
    msg = diagnose(wrong, GRAD, what="dW",
                   column_labels={2: "the correct-class column"})
    assert "only in column 2 (the correct-class column)" in msg


def test_wrong_rows_are_listed():
    wrong = GRAD.copy()
    wrong[[0, 3]] *= -3.0
    msg = diagnose(wrong, GRAD, what="dW")
    assert "only in rows 0, 3" in msg


def test_wrong_entries_of_a_vector_are_listed():
    g = RNG.normal(size=6)
    wrong = g.copy()
    wrong[4] += 1
    assert "only in entry 4" in diagnose(wrong, g, what="dp")


def test_nan_and_inf_are_reported():
    wrong = GRAD.copy()
    wrong[0, 0] = np.nan
    wrong[1, 1] = np.inf
    msg = diagnose(wrong, GRAD, what="dW")
    assert "NaN and inf in 2 of 12 entries" in msg and "overflow" in msg
    assert "is inf where" in diagnose(np.inf, 3.0, what="the loss")


def test_scatter_of_errors_is_counted():
    wrong = GRAD + RNG.normal(size=GRAD.shape)
    assert "wrong in 12 of 12 entries" in diagnose(wrong, GRAD, what="dW")


def test_scalars_name_only_known_factors():
    assert "relative error" in diagnose(2.5, 1.0, what="the loss")
    assert "-1 times" in diagnose(-1.0, 1.0, what="the loss")


@pytest.mark.parametrize("value,phrase", [
    (None, "returned None"), ((1, 2), "tuple of 2 values"),
    ("abc", "non-numbers"), (np.ones(2) * 1j, "complex")])
def test_non_arrays_are_explained(value, phrase):
    assert phrase in diagnose(value, np.ones(2), what="dW")


def test_mutation_is_reported():
    before = np.ones(3)
    after = before.copy()
    after[0] = 0
    msg = diagnose_mutation("softmax", "s", before, after)
    assert "softmax modified its input s in place" in msg
    assert diagnose_mutation("softmax", "s", before, before.copy()) is None


# -- check building blocks -------------------------------------------------

def test_call_passes_copies_and_reports_crashes():
    x = np.ones(3)

    def mutate(v):
        v[0] = 5
        return v

    call(mutate, x)
    assert x[0] == 1
    with pytest.raises(CheckFailed, match="not implemented"):
        call(lambda: (_ for _ in ()).throw(NotImplementedError()), name="f")
    with pytest.raises(CheckFailed, match="f raised ZeroDivisionError"):
        call(lambda: 1 / 0, name="f")


def test_expect_unmodified_catches_in_place_changes():
    def mutate(v):
        v -= 1
        return v

    def right(v):
        return v - 1

    with pytest.raises(CheckFailed, match="modified its input s"):
        expect_unmodified(mutate, (np.ones(3),), ("s",), "f", right)
    expect_unmodified(right, (np.ones(3),), ("s",), "f", right)


def test_leaving_inputs_alone_pays_only_with_right_values():
    with pytest.raises(CheckFailed, match="counts only with the right"):
        expect_unmodified(lambda v: np.zeros_like(v), (np.ones(3),), ("s",),
                          "f", lambda v: v + 1)
    with pytest.raises(CheckFailed, match="dW is"):
        expect_unmodified(lambda v: (1.0, 2 * v), (np.ones(3),), ("W",), "f",
                          lambda v: (1.0, v), parts=("the loss", "dW"))


def test_check_failure_renders_without_traceback():
    err = CheckFailed("dW is wrong")
    assert err._render_traceback_() == ["CheckFailed: dW is wrong"]


def test_expect_scalar_accepts_floats_and_rejects_arrays():
    assert expect_scalar(np.float64(2.0), what="x") == 2.0
    assert expect_scalar(np.array(3.0), what="x") == 3.0
    assert expect_scalar(4, what="x") == 4.0
    with pytest.raises(CheckFailed, match="one number"):
        expect_scalar(np.ones(1), what="x")
    with pytest.raises(CheckFailed, match="one number"):
        expect_scalar(True, what="x")


def test_exact_gradient_rejects_finite_differences():
    numeric = numeric_gradient(quadratic, W0)
    expect_exact_gradient(GRAD * (1 + 1e-15), GRAD, what="dW")
    with pytest.raises(CheckFailed, match="computed numerically"):
        expect_exact_gradient(numeric, GRAD, what="dW")


def test_expect_stable_pays_only_with_right_values():
    right = ordinary = (np.ones(2), np.ones(2))
    with pytest.raises(CheckFailed, match="NaN"):
        expect_stable(np.array([np.nan, 1.0]), np.ones(2), what="p",
                      context="", ordinary=right)
    expect_stable(np.ones(2), np.ones(2), what="p", context="",
                  ordinary=right)
    # stable but wrong at ordinary inputs: a constant is stable too
    wrong = (np.full(2, 3.0), np.ones(2))
    with pytest.raises(CheckFailed, match="at ordinary inputs"):
        expect_stable(np.ones(2), np.ones(2), what="p", context="",
                      ordinary=wrong)
    # atol: a saturated unit's 1e-200 may come out as 0
    tiny = np.array([1e-200, 3e-200])
    expect_stable(np.zeros(2), tiny, what="g", context="",
                  ordinary=ordinary, atol=1e-12)
    with pytest.raises(CheckFailed):
        expect_stable(np.zeros(2), tiny, what="g", context="",
                      ordinary=ordinary)


def test_placeholders_and_trivial_answers_are_named():
    right = np.array([1.0, -2.0, 0.5])
    assert is_placeholder(None, right) and is_placeholder(0.0, right)
    assert is_placeholder(np.zeros(3), right)
    assert is_placeholder(np.full(3, 7.0), right)
    assert not is_placeholder(right * 2, right)
    assert not is_placeholder(np.zeros(3), np.zeros(3))  # zeros are right
    with pytest.raises(CheckFailed, match="placeholder for dW"):
        expect_real_partner(np.zeros(3), right, what="dW", function="f",
                            paid="the loss's test")
    with pytest.raises(CheckFailed, match="the same loss"):
        expect_varying_loss(2.0, 2.0, 1.0, 3.0, function="f",
                            paid="the gradient's test")
    with pytest.raises(CheckFailed, match="not a number"):
        expect_varying_loss(None, 2.0, 1.0, 3.0, function="f",
                            paid="the gradient's test")
    expect_varying_loss(np.array([2.0]), 1.0, 1.0, 3.0, function="f",
                        paid="the gradient's test")  # any form of a number
    assert as_number(np.array([[2.5]])) == 2.5 and as_number("x") is None


def test_a_constant_or_an_echo_is_named_in_the_diagnosis():
    def constant(p):
        return 0.5

    def echo(p):
        return p

    p, q = np.array([0.2, 0.8]), np.array([0.6, 0.4])
    a, b = call(constant, p), call(constant, q)
    with pytest.raises(CheckFailed, match="a constant is not an answer"):
        expect_close(b, 0.9, what="H(p)")
    with pytest.raises(CheckFailed, match="returns its input unchanged"):
        expect_close(call(echo, p), np.array([0.3, 0.7]), what="f(p)")
    assert "a constant is not an answer" in diagnose(
        np.full(3, 0.5), np.array([1.0, 2.0, 3.0]), what="g")


def test_an_answer_that_should_be_zero_may_be_off_by_atol():
    assert diagnose(1e-12, 0.0, what="H") is not None
    assert diagnose(1e-12, 0.0, what="H", atol=1e-9) is None


def test_a_float32_gradient_is_told_so():
    with pytest.raises(CheckFailed, match="float32"):
        expect_exact_gradient(GRAD.astype(np.float32) * (1 + 1e-6), GRAD,
                              what="dW")


def test_the_cpu_budget_is_a_share_of_one_evaluation_per_parameter():
    import time

    def evaluation():
        start = time.thread_time()
        while time.thread_time() - start < 1e-3:
            pass

    budget = cpu_budget(evaluation, 1000)
    assert 0.09 <= budget <= 0.2  # 0.1 * 1000 * ~1 ms
    assert cpu_budget(lambda: None, 10) == MIN_BUDGET_SECONDS


def test_constant_offset_is_reported():
    g = RNG.normal(size=5)
    msg = diagnose(g - 1 / np.log(2), g, what="dp")
    assert "same constant -1.443 in every entry" in msg


def test_missing_inf_is_reported():
    assert "is 3.5 where the right value is inf" in diagnose(
        3.5, np.inf, what="H(p, q)")
    assert diagnose(np.inf, np.inf, what="H") is None
    msg = diagnose(np.array([1.0, np.nan]), np.array([1.0, np.inf]),
                   what="x")
    assert "nan at entry 1 where the right value is inf" in msg

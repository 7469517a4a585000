"""The checks' tolerances hold on other seeds: correct answers always pass,
a gradient computed by finite differences always fails the exact check.

Per-student seeds must not make a verdict a matter of luck.
"""
from __future__ import annotations

import pytest

from autograder.checks import softmax as chk
from catalogue import softmax as cat
from test_catalogue_checks import run_submission

SEEDS = range(1, 41, 3)


@pytest.mark.parametrize("variant", [{}, cat.LOOPS, cat.ALGEBRA,
                                     cat.SELF_CONTAINED],
                         ids=["reference", "loops", "algebra",
                              "self_contained"])
def test_correct_answers_pass_on_every_seed(monkeypatch, variant):
    for seed in SEEDS:
        monkeypatch.setattr(chk, "SEED", seed)
        results = run_submission("softmax", variant)
        assert all(v is None for v in results.values()), (seed, results)


def test_finite_difference_gradient_fails_on_every_seed(monkeypatch):
    for seed in SEEDS:
        monkeypatch.setattr(chk, "SEED", seed)
        results = run_submission(
            "softmax", {cat.LOSS: cat.LOSS_FINITE_DIFFERENCES})
        assert "computed numerically" in (
            results["test_softmax_loss_gradient"] or ""), (seed, results)

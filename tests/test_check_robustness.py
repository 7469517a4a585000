"""The checks' tolerances hold on other seeds: correct answers always pass,
a gradient computed by finite differences always fails the exact check.

Per-student seeds must not make a verdict a matter of luck.
"""
from __future__ import annotations

import importlib

import pytest

from catalogue import CATALOGUES
from catalogue.common import expected_failures
from test_catalogue_checks import run_submission

SEEDS = range(1, 41, 6)

CORRECT = [(a, s.name, s.answers) for a, subs in CATALOGUES.items()
           for s in subs if not s.fails]
CORRECT += [(a, "reference", {}) for a in CATALOGUES]
NUMERIC = [(a, s) for a, subs in CATALOGUES.items() for s in subs
           if "computed numerically" in s.feedback]


@pytest.mark.parametrize("assignment,name,answers", CORRECT,
                         ids=[f"{a}-{n}" for a, n, _ in CORRECT])
def test_correct_answers_pass_on_every_seed(monkeypatch, assignment, name,
                                            answers):
    checks = importlib.import_module(f"autograder.checks.{assignment}")
    for seed in SEEDS:
        monkeypatch.setattr(checks, "SEED", seed)
        results = run_submission(assignment, answers)
        assert all(v is None for v in results.values()), (seed, results)


@pytest.mark.parametrize("assignment,submission", NUMERIC,
                         ids=[f"{a}-{s.name}" for a, s in NUMERIC])
def test_finite_difference_gradient_fails_on_every_seed(
        monkeypatch, assignment, submission):
    checks = importlib.import_module(f"autograder.checks.{assignment}")
    for seed in SEEDS:
        monkeypatch.setattr(checks, "SEED", seed)
        results = run_submission(assignment, submission.answers)
        failed = {k for k, v in results.items() if v}
        assert failed == expected_failures(assignment, submission), \
            (seed, results)
        assert any("computed numerically" in (v or "")
                   for v in results.values()), (seed, results)


#: Per-student seeds as the grade command makes them (64-bit).
STUDENT_SEEDS = [int.from_bytes(bytes([k] * 8), "big") ^ 0x9E3779B97F4A7C15
                 for k in range(1, 6)]
EVERY = [(a, s) for a, subs in CATALOGUES.items() for s in subs]


@pytest.mark.parametrize("assignment,submission", EVERY,
                         ids=[f"{a}-{s.name}" for a, s in EVERY])
def test_every_verdict_holds_for_every_student_seed(assignment,
                                                     submission):
    """The grade command seeds hidden inputs per student: no submission,
    right or wrong, may pass or fail a cell by the luck of its seed."""
    from autograder.checks import common

    expected = expected_failures(assignment, submission)
    # a trivial answer fails on every input it is given: two seeds do
    seeds = STUDENT_SEEDS[:2] if submission.name.startswith("trivial_") \
        else STUDENT_SEEDS
    for seed in seeds:
        token = common.STUDENT_SEED.set(seed)
        try:
            results = run_submission(assignment, submission.answers)
        finally:
            common.STUDENT_SEED.reset(token)
        failed = {k for k, v in results.items() if v}
        assert failed == expected, (seed, results)

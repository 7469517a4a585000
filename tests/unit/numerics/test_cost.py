"""Step counting (autograder.numerics.cost): what a step is, and that the
counter leaves the interpreter's own hooks as it found them.
tests/test_remote.py covers budgets, ``except Exception`` and tampering."""
from __future__ import annotations

import sys

import pytest

from autograder.numerics import cost


def lines(n):
    x = 0
    for _ in range(n):
        x += 1
    return x


def test_the_result_comes_back_with_ok():
    result, steps, status = cost.measure(lines, (5,))
    assert (result, status) == (5, "ok") and steps > 0


def test_counting_is_deterministic():
    counts = {cost.measure(lines, (200,))[1] for _ in range(5)}
    assert len(counts) == 1


def test_each_loop_iteration_costs_a_fixed_number_of_steps():
    _, ten, _ = cost.measure(lines, (10,))
    _, twenty, _ = cost.measure(lines, (20,))
    _, thirty, _ = cost.measure(lines, (30,))
    assert twenty - ten == thirty - twenty > 0


def test_builtin_calls_are_steps():
    def calls(n):
        for _ in range(n):
            abs(-1)

    def no_calls(n):
        for _ in range(n):
            -1

    assert cost.measure(calls, (100,))[1] - \
        cost.measure(no_calls, (100,))[1] >= 100


def test_kwargs_pass_through():
    def f(a, *, b):
        return a - b

    assert cost.measure(f, (5,), {"b": 2})[0] == 3


def test_exceptions_of_the_function_propagate():
    def boom():
        raise KeyError("k")

    with pytest.raises(KeyError):
        cost.measure(boom)


def test_the_budget_is_exact():
    _, steps, _ = cost.measure(lines, (50,))
    assert cost.measure(lines, (50,), budget=steps)[2] == "ok"
    result, over, status = cost.measure(lines, (50,), budget=steps - 1)
    assert (result, status, over) == (None, "over", steps)


def test_hooks_are_restored_after_ok_over_and_errors():
    def mine(frame, event, arg):
        return None

    old_trace, old_profile = sys.gettrace(), sys.getprofile()
    sys.setprofile(mine)
    try:
        cost.measure(lines, (10,))
        cost.measure(lines, (10 ** 6,), budget=100)
        with pytest.raises(ZeroDivisionError):
            cost.measure(lambda: 1 / 0)
        assert sys.getprofile() is mine and sys.gettrace() is old_trace
    finally:
        sys.setprofile(old_profile)


def test_over_budget_is_not_an_exception():
    assert not issubclass(cost.OverBudget, Exception)
    counter = cost.StepCounter(budget=1)
    counter._charge()
    with pytest.raises(cost.OverBudget):
        counter._charge()
    assert counter.exceeded and counter.steps == 2
    counter.active = False
    counter._charge()               # switched off: charges nothing
    assert counter.steps == 2

"""Count what a function call costs in Python steps, not in seconds.

A step is a line of Python run, a Python function called or a built-in
(C) function called. Counting steps is deterministic, so a budget holds
on a busy machine as on an idle one. It tells derived gradients from
numerical ones: central differences evaluate the loss twice per
parameter, so on a problem with tens of thousands of parameters they take
at least that many steps, while a derived gradient (vectorized, or with
loops over samples and classes) takes a few hundred.

Used in the student's kernel, under plain ``nbgrader autograde``, where
the hidden tests run beside the student's code and nothing is trusted: a
student can switch the counter off or replace it. The grade command does
not count steps; it reads the worker's CPU time from the kernel
(autograder.grading.cputime, autograder.grading.remote).
"""
from __future__ import annotations

import sys
import threading


class OverBudget(BaseException):
    """Raised inside the measured call when it exceeds its budget.

    A BaseException, so that ``except Exception`` in student code does
    not swallow it; the counter remembers the overrun anyway.
    """


class StepCounter:
    """Trace and profile hooks that count steps up to ``budget``."""

    def __init__(self, budget: int):
        self.budget = budget
        self.steps = 0
        self.exceeded = False
        self.active = True

    def _charge(self) -> None:
        if not self.active:
            return
        self.steps += 1
        if self.steps > self.budget:
            self.exceeded = True
            raise OverBudget(self.steps)

    def trace(self, frame, event, arg):
        if event in ("call", "line"):
            self._charge()
        return self.trace

    def profile(self, frame, event, arg):
        if event == "c_call":
            self._charge()


def measure(func, args=(), kwargs=None, budget: int = 10 ** 9):
    """Call ``func(*args, **kwargs)`` counting steps.

    Returns ``(result, steps, status)`` where status is "ok", "over" (the
    budget ran out; result is None) or "tampered" (the call removed the
    counting hooks, so its cost is unknown). Exceptions of ``func``
    propagate.
    """
    counter = StepCounter(budget)
    old_trace, old_profile = sys.gettrace(), sys.getprofile()
    threading.settrace(counter.trace)
    threading.setprofile(counter.profile)
    sys.setprofile(counter.profile)
    sys.settrace(counter.trace)
    result = None
    try:
        result = func(*args, **(kwargs or {}))
    except OverBudget:
        pass
    finally:
        counter.active = False
        hooks_intact = (sys.gettrace() == counter.trace
                        and sys.getprofile() == counter.profile)
        sys.settrace(old_trace)
        sys.setprofile(old_profile)
        threading.settrace(old_trace)
        threading.setprofile(old_profile)
    if counter.exceeded:
        return None, counter.steps, "over"
    if not hooks_intact:
        return None, counter.steps, "tampered"
    return result, counter.steps, "ok"

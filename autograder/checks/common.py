"""Building blocks of the hidden-test checks.

A check calls a student's function on seeded float64 inputs, compares what
comes back with the reference, and raises :class:`CheckFailed` with a
diagnosis in plain words when something is wrong. Hidden test cells are one
call to a check, so every check is ordinary, unit-tested Python.
"""
from __future__ import annotations

import collections
import contextlib
import contextvars
import dataclasses
import numbers
import time
import warnings
from typing import Any, Callable, Mapping

import numpy as np

from ..numerics import cost
from ..numerics.diagnose import diagnose, diagnose_mutation
from ..numerics.gradcheck import norm_relative_error, numeric_gradient

#: Tolerance of value comparisons with the reference.
VALUE_RTOL = 1e-7
#: Tolerance of gradients against central differences (error ~1e-10).
NUMERIC_RTOL = 1e-6
#: Tolerance of a gradient against the reference gradient. Derived
#: formulas agree to ~1e-15; gradients computed by finite differences
#: inside the function are off by ~1e-10 and fail it.
EXACT_RTOL = 1e-12


class CheckFailed(AssertionError):
    """A check found a mistake; the message says what and, if possible, why.

    IPython shows only the message (``_render_traceback_``): the traceback
    of a check would show the grader's code to the student.
    """

    def _render_traceback_(self) -> list[str]:
        return [f"CheckFailed: {self}"]


def fail(message: str) -> None:
    """Raise CheckFailed with ``message``."""
    raise CheckFailed(message)


def copies(args: tuple) -> tuple:
    """Deep-enough copies of arguments: arrays copied, others as they are."""
    return tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a
                 for a in args)


#: The last calls of student functions on this thread: (name, args,
#: result), for diagnoses that need more than one value (a function that
#: returns a constant, or its input).
_CALLS: contextvars.ContextVar[collections.deque | None] = \
    contextvars.ContextVar("_CALLS", default=None)


def _log_call(name: str, args: tuple, result) -> None:
    calls = _CALLS.get()
    if calls is None:
        calls = collections.deque(maxlen=12)
        _CALLS.set(calls)
    calls.append((name, copies(args), result))


@contextlib.contextmanager
def _quiet(func: Callable):
    """Warnings silenced around a call in this process. A call across the
    sandbox (``measure_cpu``) warns there, if at all; and catch_warnings
    swaps the interpreter-wide filter list, which the grader's threads
    must not do."""
    if hasattr(func, "measure_cpu"):
        yield
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@contextlib.contextmanager
def reported(name: str):
    """Run a student's function ``name``: the stub's NotImplementedError
    or any other exception becomes a CheckFailed saying which function
    failed and how (a CheckFailed passes unchanged)."""
    try:
        yield
    except CheckFailed:
        raise
    except NotImplementedError:
        fail(f"{name} is not implemented yet (it raises "
             "NotImplementedError).")
    except Exception as exc:  # noqa: BLE001 - report whatever went wrong
        fail(f"{name} raised {type(exc).__name__}: {exc}")


def call(func: Callable, *args, name: str | None = None,
         kwargs: Mapping[str, Any] | None = None,
         copy_args: bool = True) -> Any:
    """Call a student's function on copies of ``args``.

    A NotImplementedError (the released stub) or any other exception
    becomes a CheckFailed saying which function failed and how, so that a
    crash in one function costs only that function's points. Warnings
    are silenced: a right value is right, whatever NumPy said on the way.
    """
    name = name or getattr(func, "__name__", "the function")
    kwargs = dict(kwargs or {})
    with reported(name), np.errstate(all="ignore"), _quiet(func):
        result = func(*(copies(args) if copy_args else args), **kwargs)
    _log_call(name, args, result)
    return result


#: Steps (autograder.numerics.cost: lines run, Python and built-in calls) per
#: parameter a function may take on a cost check's one-sample problem,
#: under plain nbgrader (in the student's kernel). Vectorized gradients
#: take ~0.01, loops over every weight 3 to 9; central differences
#: evaluate the whole loss twice per parameter: 45 to 220 in the
#: catalogue. A terse finite-difference loop can come close to a verbose
#: derived one: this count is a heuristic, the grade command's CPU time
#: is the measurement.
STEPS_PER_PARAMETER = 16
#: Steps any call may take on top (imports, argument checks, helpers).
BASE_STEPS = 2_000
#: The grade command's budget: the CPU time of this many loss evaluations
#: per parameter. Finite differences need at least one per parameter (the
#: complex step one, central differences two); the cost problems are
#: sized so that derived gradients, even with a Python loop over every
#: weight, stay below a fifth of the budget (bench/cost_checks.py).
EVALUATIONS_PER_PARAMETER = 0.1
#: No budget below this: the kernel counts CPU time in 10 ms ticks.
MIN_BUDGET_SECONDS = 0.05


def evaluation_seconds(evaluate: Callable[[], object],
                       repeat: int = 20) -> float:
    """CPU seconds of one call of ``evaluate`` on this thread, best of
    three rounds: the grader's own clock, on this machine, now."""
    best = float("inf")
    for _ in range(3):
        start = time.thread_time()
        for _ in range(repeat):
            evaluate()
        best = min(best, (time.thread_time() - start) / repeat)
    return best


def cpu_budget(evaluate: Callable[[], object], parameters: int) -> float:
    """CPU seconds a gradient call with ``parameters`` parameters may use,
    ``evaluate`` being one evaluation of the loss on the same problem."""
    return max(MIN_BUDGET_SECONDS, EVALUATIONS_PER_PARAMETER * parameters
               * evaluation_seconds(evaluate))


def _over_budget(name: str, parameters: int, cost: str) -> None:
    fail(f"{name} {cost} on one sample and {parameters:,} parameters: it "
         "evaluates the whole loss for every parameter, as finite "
         "differences do. Derive the gradient instead (loops are fine, but "
         "no loss evaluation per parameter).")


@dataclasses.dataclass(frozen=True)
class CostProblem:
    """The large one-sample problem of a cost check (bench/cost_checks.py
    measures the same ones).

    Attributes:
        name: the function checked, e.g. "softmax_loss".
        args: its arguments.
        parameters: how many numbers the gradient(s) have.
        evaluate: one evaluation of the loss on ``args`` (reference code),
            the unit of the budget.
        reference: the right function; ``reference(*args)`` the answer.
        parts: names of the parts of the result judged at this size, None
            for a part that is not (the loss of a (loss, dW) pair).
    """

    name: str
    args: tuple
    parameters: int
    evaluate: Callable[[], object]
    reference: Callable
    parts: tuple[str | None, ...]


#: Under plain nbgrader the cost problem is this many times smaller: the
#: steps per parameter do not depend on the size, and tracing every line
#: of a loop over 50,000 weights would take seconds.
STEP_PROBLEM_SHRINK = 5


def expect_affordable(func: Callable,
                      make_problem: Callable[[int], CostProblem]) -> None:
    """Call ``func`` on a large one-sample problem; fail when it costs as
    much as a gradient by finite differences, or when what it returns
    there is wrong (a function that computes the right answer only on
    small problems, and something cheap on large ones, gains nothing).

    ``make_problem(shrink)`` builds the problem, its sizes divided by
    ``shrink``. In the grade command ``func`` runs in the sandbox and its
    CPU time is read from the kernel, outside the student's process
    (``measure_cpu``); the budget is EVALUATIONS_PER_PARAMETER evaluations
    of the loss per parameter, timed by this process. Under plain nbgrader
    the check runs in the student's kernel and counts Python steps instead
    (a claim the student's code could falsify, like everything in that
    kernel), on a problem STEP_PROBLEM_SHRINK times smaller.
    """
    measure_cpu = getattr(func, "measure_cpu", None)  # across the sandbox
    problem = make_problem(1 if measure_cpu is not None
                           else STEP_PROBLEM_SHRINK)
    name, args, parameters = problem.name, problem.args, problem.parameters
    evaluate, reference, parts = (problem.evaluate, problem.reference,
                                  problem.parts)
    with reported(name), np.errstate(all="ignore"):
        if measure_cpu is not None:
            budget = cpu_budget(evaluate, parameters)
            result, used, status = measure_cpu(copies(args), {}, budget)
            if status != "ok":
                evaluations = EVALUATIONS_PER_PARAMETER * parameters
                _over_budget(name, parameters,
                             f"used more than {budget:.2f} s of CPU "
                             f"time (the cost of {evaluations:,.0f} "
                             "loss evaluations)")
            return _expect_right_at_scale(result, reference(*args),
                                          name, parameters, parts)
        budget = STEPS_PER_PARAMETER * parameters + BASE_STEPS
        result, steps, status = cost.measure(func, copies(args), {},
                                             budget)
    if status == "over":
        _over_budget(name, parameters,
                     f"took more than {budget:,} Python steps")
    if status == "tampered":
        fail(f"{name} switched off the grader's step counter (sys.settrace "
             "or sys.setprofile), so its cost cannot be checked.")
    _expect_right_at_scale(result, reference(*args), name, parameters, parts)


def _expect_right_at_scale(result, right, name: str, parameters: int,
                           parts: tuple[str, ...]) -> None:
    got = result if isinstance(result, (tuple, list)) else (result,)
    if len(got) != len(parts):
        fail(f"{name} returned {len(got)} values on a problem with one "
             f"sample and {parameters:,} parameters, not {len(parts)}.")
    for what, value, expected in zip(parts, got, right):
        if what is None:
            continue
        # rtol 1e-6: every honest formula is good to ~1e-12 here; a
        # cheap stand-in is off by far more
        message = diagnose(value, expected, what=what, rtol=1e-6)
        if message:
            fail(f"On a problem with one sample and {parameters:,} "
                 f"parameters, {name} is wrong: {message}")


def expect_unmodified(func: Callable, args: tuple, arg_names: tuple,
                      name: str, reference: Callable,
                      kwargs: Mapping[str, Any] | None = None,
                      parts: tuple[str, ...] | None = None) -> Any:
    """Call ``func`` on the very arrays ``args``; fail if any changed, or
    if the result differs from ``reference`` on them: leaving the inputs
    alone pays only with the right answer. ``parts`` names the parts of
    a tuple result, e.g. ("the loss", "dW")."""
    before = copies(args)
    result = call(func, *args, name=name, kwargs=kwargs, copy_args=False)
    for arg_name, old, new in zip(arg_names, before, args):
        if isinstance(old, np.ndarray):
            message = diagnose_mutation(name, arg_name, old, new)
            if message:
                fail(message)
    expect_right(result, reference(*before, **dict(kwargs or {})),
                 what=f"the result of {name}", parts=parts,
                 why="Leaving the inputs alone counts only with the right "
                 "values.")
    return result


def expect_right(actual, expected, *, what: str, why: str,
                 parts: tuple[str, ...] | None = None,
                 rtol: float = VALUE_RTOL, **diagnose_kwargs) -> None:
    """The values a property check stands on: fail unless ``actual``
    (one value, or a tuple of them named by ``parts``) matches
    ``expected``; the message ends with ``why`` the property alone earns
    nothing."""
    pairs = list(zip(actual, expected)) if isinstance(expected, tuple) \
        and isinstance(actual, (tuple, list)) \
        and len(actual) == len(expected) else [(actual, expected)]
    for k, (a, e) in enumerate(pairs):
        label = what if len(pairs) == 1 else (
            parts[k] if parts else f"part {k + 1} of {what}")
        message = diagnose(a, e, what=label, rtol=rtol, **diagnose_kwargs)
        if message:
            fail(f"{message}{trivial_answer(a)} {why}")


def expect_close(actual, expected, *, what: str, rtol: float = VALUE_RTOL,
                 context: str = "", **diagnose_kwargs) -> None:
    """Fail with a diagnosis unless ``actual`` matches ``expected``."""
    message = diagnose(actual, expected, what=what, rtol=rtol,
                       **diagnose_kwargs)
    if message:
        fail(message + (f" ({context})" if context else "")
             + trivial_answer(actual))


def _equal(a, b) -> bool:
    try:
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype != object \
            and b.dtype != object and bool(np.array_equal(a, b))
    except (TypeError, ValueError):
        return False


def trivial_answer(actual) -> str:
    """" It returns ..." when ``actual`` came from a logged call that
    returned its own input, or the same value as for other inputs; ""
    otherwise."""
    calls = list(_CALLS.get() or ())
    for i in reversed(range(len(calls))):
        name, args, result = calls[i]
        parts = _parts(result)
        found = [k for k, part in enumerate(parts)
                 if part is actual or _equal(part, actual)]
        if not found:
            continue
        if any(isinstance(a, np.ndarray) and a.size > 1 and _equal(actual, a)
               for a in args):
            return (f" {name} returns its input unchanged: the answer must "
                    "be computed from it.")
        k = found[0]
        for j, (other_name, other_args, other) in enumerate(calls):
            other_parts = _parts(other)
            if other_name == name and j != i \
                    and len(other_parts) == len(parts) \
                    and _equal(other_parts[k], actual) \
                    and not all(_equal(a, b) for a, b in
                                zip(args, other_args)):
                return (f" {name} returns the same value whatever its "
                        "input: a constant is not an answer.")
        return ""
    return ""


def _parts(result) -> tuple:
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def expect_scalar(value, *, what: str) -> float:
    """``value`` as a float; fail unless it is one real number."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, np.ndarray) and value.shape == () \
            and np.issubdtype(value.dtype, np.floating):
        return float(value.reshape(()))
    shape = getattr(value, "shape", None)
    kind = type(value).__name__ + (f" of shape {shape}" if shape else "")
    fail(f"{what} should be one number (a float) but is a {kind}.")


def unpack(value, n: int, *, what: str) -> tuple:
    """``value`` as a tuple of ``n`` values; fail when it is not one."""
    if isinstance(value, (tuple, list)) and len(value) == n:
        return tuple(value)
    length = (f" of length {len(value)}"
              if isinstance(value, (tuple, list)) else "")
    if n == 2:
        fail(f"{what} should return a pair (loss, gradient), got "
             f"{type(value).__name__}{length}.")
    fail(f"{what} should return a tuple of {n} values, got "
         f"{type(value).__name__}{length}.")


def expect_pair(value, *, what: str) -> tuple:
    """Fail unless ``value`` is a 2-tuple (or list) such as (loss, dW)."""
    return unpack(value, 2, what=what)


def is_placeholder(value, right) -> bool:
    """Whether ``value`` stands in for an answer: None, or every entry the
    same number (all zeros, say) where the right entries differ."""
    if value is None:
        return True
    try:
        arr = np.asarray(value, dtype=np.float64)
        right = np.asarray(right, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if right.size < 2 or np.all(right == right.ravel()[0]) or arr.size < 1:
        return False
    return bool(np.all(arr == arr.ravel()[0]))


def expect_real_partner(value, right, *, what: str, function: str,
                        paid: str) -> None:
    """In a cell that judges one part of what ``function`` returns (a
    loss, say): fail when another part, ``value``, is a placeholder.
    ``paid`` names what this cell pays for."""
    if is_placeholder(value, right):
        shown = "None" if value is None else \
            f"{float(np.asarray(value, dtype=np.float64).ravel()[0]):g}" \
            " in every entry"
        fail(f"{function} returns a placeholder for {what} ({shown}). It "
             f"returns {what} together with the rest, and {paid} counts "
             f"only when {what} is computed too.")


def as_number(value) -> float | None:
    """``value`` as a float when it is one number in any form (a float, a
    0-d or one-entry array), else None. The cells that judge a gradient
    take the loss in any such form: its type is the loss cell's business."""
    if value is None or isinstance(value, (str, bytes)):
        return None
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return float(arr.ravel()[0]) if arr.size == 1 else None


def expect_varying_loss(loss, other, right: float, right_other: float, *,
                        function: str, paid: str) -> None:
    """In a cell that judges a gradient: fail when ``function``'s loss is a
    placeholder: not a number, or the same number (``loss``, ``other``) at
    two inputs whose right losses differ."""
    if as_number(loss) is None or as_number(other) is None:
        fail(f"{function} returns {type(loss).__name__} where the loss "
             f"belongs, not a number. It returns the loss together with "
             f"the gradient, and {paid} counts only when the loss is "
             "computed too.")
    loss, other = as_number(loss), as_number(other)
    if loss == other and not np.isclose(right, right_other, rtol=1e-6):
        fail(f"{function} returns the same loss, {loss:g}, for different "
             f"inputs: a placeholder, not a loss. It returns the loss "
             f"together with the gradient, and {paid} counts only when "
             "the loss is computed too.")


def expect_exact_gradient(actual, reference, *, what: str,
                          rtol: float = EXACT_RTOL) -> None:
    """Fail when a gradient that matches finite differences is not exact.

    Called after the numeric check passed: a gradient right to ~1e-7 but
    not to ~1e-12 was itself computed by finite differences, which skips
    the derivation the exercise is about.
    """
    err = norm_relative_error(actual, reference)
    dtype = getattr(actual, "dtype", None)
    if err > rtol and dtype is not None and dtype.kind == "f" \
            and dtype.itemsize < 8:
        fail(f"{what} is computed in {dtype}, which keeps about "
             f"{np.finfo(dtype).precision} digits (relative error "
             f"{err:.1e}): compute in float64, the precision of the "
             "inputs.")
    if err > rtol:
        fail(f"{what} agrees with finite differences only to a relative "
             f"error of {err:.1e}; a derived formula is exact to about "
             "1e-15. It looks computed numerically inside the function: "
             "derive the formula instead.")


def agrees(actual, expected, rtol: float = VALUE_RTOL, **kwargs) -> bool:
    """Whether ``actual`` matches ``expected`` (no diagnosis)."""
    return diagnose(actual, expected, rtol=rtol, **kwargs) is None


def expect_stable(actual, expected, *, what: str, context: str,
                  ordinary: tuple, atol: float = 0.0,
                  **diagnose_kwargs) -> None:
    """A result at extreme inputs must be finite and accurate, and the
    same function right at ordinary inputs: ``ordinary`` is (what it
    returned there, the right value). Stability pays only with right
    values (a constant is stable too). ``atol``: entries this close to
    the right ones are right (a saturated unit's gradient of 1e-200
    may come out as 0)."""
    expect_right(*ordinary, what=f"{what} at ordinary inputs",
                 why="Stability at large inputs counts only when the values "
                 "are right at ordinary ones.")
    if atol and _close_enough(actual, expected, atol,
                              diagnose_kwargs.get("rtol", VALUE_RTOL)):
        return
    expect_close(actual, expected, what=what, context=context,
                 **diagnose_kwargs)


def _close_enough(actual, expected, atol: float, rtol: float) -> bool:
    try:
        a = np.asarray(actual, dtype=np.float64)
        e = np.asarray(expected, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return a.shape == e.shape and bool(np.all(np.isfinite(a))) \
        and bool(np.allclose(a, e, rtol=rtol, atol=atol))


def expect_gradient(actual, f_ref: Callable[[np.ndarray], float],
                    x: np.ndarray, reference, *, what: str,
                    factors=None, shape_of: str | None = None,
                    of: str = "the function") -> None:
    """Gradient check against the reference function, then exactness.

    ``actual`` must match central differences of ``f_ref`` at ``x`` (with
    a diagnosis when not) and then the reference gradient to EXACT_RTOL.
    """
    numeric = numeric_gradient(f_ref, x)
    message = diagnose(actual, numeric, what=what, rtol=NUMERIC_RTOL,
                       factors=factors, shape_of=shape_of)
    if message:
        fail(f"{message} (compared with central differences of {of})")
    expect_exact_gradient(actual, reference, what=what)


def expect_consistent(actual, f_own: Callable[[np.ndarray], float],
                      x: np.ndarray, *, what: str, of: str, right,
                      factors=None) -> None:
    """``actual`` is the gradient of the student's own function ``f_own``:
    the gradient check every student should run on their code. It pays
    only when the values are right too: ``right`` is a list of (value the
    student's functions returned on this input, the right value, its
    name), e.g. the loss and the gradient."""
    for value, expected, name in right:
        expect_right(value, expected, what=name, why="A gradient check "
                     "counts only when the values are right.")
    numeric = numeric_gradient(f_own, x)
    if not np.all(np.isfinite(numeric)):
        fail(f"your {of} is NaN or inf near this input, so it cannot be "
             "differentiated.")
    message = diagnose(actual, numeric, what=what, rtol=NUMERIC_RTOL,
                       factors=factors)
    if message:
        fail(f"Your {what} is not the gradient of your own {of}: {message}"
             " Check the two against each other.")


#: Per-student part of every seed (0: the notebook's fixed inputs). The
#: grade command sets it, so each student's hidden inputs differ and a
#: copied table of outputs is worth nothing; a context variable, so that
#: grading threads do not share it. kit.rng mixes it into every input.
STUDENT_SEED: contextvars.ContextVar[int] = contextvars.ContextVar(
    "STUDENT_SEED", default=0)


def distribution(rng: np.random.Generator, C: int, zeros: int = 0,
                 floor: float = 1e-3) -> np.ndarray:
    """A random probability vector of length C with ``zeros`` zero entries
    (the others at least ~``floor``, away from the edge of the domain).
    Property cells (consistency, inputs unmodified) use a floor of
    PROPERTY_FLOOR: there a gradient by central differences, whose
    relative error grows like (h / p_i)^2, must not fail the values the
    property stands on by the luck of a tiny entry."""
    p = rng.dirichlet(np.full(C, 2.0)) + floor
    if zeros:
        p[rng.choice(C, size=zeros, replace=False)] = 0.0
    return p / p.sum()


#: The floor of the distributions of property cells (see distribution).
PROPERTY_FLOOR = 0.05


def known_mistake(actual, candidates, rtol: float = 1e-7) -> str | None:
    """The hint of the first (wrong array, hint) pair ``actual`` matches.

    Checks compute what typical wrong derivations return on the same
    inputs; a match names the mistake far better than a generic diagnosis.
    """
    try:
        arr = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    for wrong, hint in candidates:
        wrong = np.asarray(wrong, dtype=np.float64)
        if arr.shape == wrong.shape and np.allclose(arr, wrong, rtol=rtol,
                                                    atol=0.0):
            return hint
    return None


#: Bases the information-theory checks try: bits, nats, decimal digits.
LOG_BASES = (2.0, float(np.e), 10.0)


def distribution_pair(rng: np.random.Generator, C: int, zeros: int = 0,
                      floor: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """(p, q) of length C; p has ``zeros`` zero entries, q none."""
    return distribution(rng, C, zeros, floor), distribution(rng, C,
                                                            floor=floor)


def base_args(base: float) -> list:
    """The positional ``base`` argument, left out for the default 2."""
    return [] if base == 2.0 else [base]


def base_context(base: float) -> str:
    return "base 2 (the default)" if base == 2.0 else f"base={base:.4g}"


def with_base(base: float) -> str:
    """" with base=..." after a gradient's name; nothing for base 2."""
    return "" if base == 2.0 else f" with base={base:.4g}"

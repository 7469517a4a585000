"""Building blocks of the hidden-test checks.

A check calls a student's function on seeded float64 inputs, compares what
comes back with the reference, and raises :class:`CheckFailed` with a
diagnosis in plain words when something is wrong. Hidden test cells are one
call to a check, so every check is ordinary, unit-tested Python.
"""
from __future__ import annotations

import contextvars
import numbers
from typing import Any, Callable, Mapping

import numpy as np

from .. import cost
from ..diagnose import diagnose, diagnose_mutation
from ..gradcheck import norm_relative_error, numeric_gradient

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


def call(func: Callable, *args, name: str | None = None,
         kwargs: Mapping[str, Any] | None = None,
         copy_args: bool = True) -> Any:
    """Call a student's function on copies of ``args``.

    A NotImplementedError (the released stub) or any other exception
    becomes a CheckFailed saying which function failed and how, so that a
    crash in one function costs only that function's points.
    """
    name = name or getattr(func, "__name__", "the function")
    kwargs = dict(kwargs or {})
    try:
        with np.errstate(all="ignore"):
            return func(*(copies(args) if copy_args else args), **kwargs)
    except NotImplementedError:
        fail(f"{name} is not implemented yet (it raises "
             "NotImplementedError).")
    except CheckFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - report whatever went wrong
        fail(f"{name} raised {type(exc).__name__}: {exc}")


#: Steps (autograder.cost: lines run, Python and built-in calls) per
#: parameter a function may take on a cost check's one-sample problem.
#: Vectorized gradients take ~0.01, loops over every weight ~3 (one
#: multiply-add per weight and sample); central differences evaluate the
#: whole loss twice per parameter: 45 to 220 in the catalogue.
STEPS_PER_PARAMETER = 8
#: Steps any call may take on top (imports, argument checks, helpers).
BASE_STEPS = 2_000


def expect_affordable(func: Callable, *args, name: str,
                      parameters: int) -> Any:
    """Call ``func`` on a large one-sample problem and fail when it costs
    more than STEPS_PER_PARAMETER steps per parameter: a gradient computed
    by finite differences inside the function. Counted in steps, not
    seconds, so the verdict is the same on a busy machine as on an idle
    one. Returns what ``func`` returned.
    """
    budget = STEPS_PER_PARAMETER * parameters + BASE_STEPS
    measure = getattr(func, "measure", None)  # a call across the sandbox
    try:
        with np.errstate(all="ignore"):
            if measure is not None:
                result, steps, status = measure(copies(args), {}, budget)
            else:
                result, steps, status = cost.measure(func, copies(args),
                                                     {}, budget)
    except NotImplementedError:
        fail(f"{name} is not implemented yet (it raises "
             "NotImplementedError).")
    except Exception as exc:  # noqa: BLE001 - report whatever went wrong
        fail(f"{name} raised {type(exc).__name__}: {exc}")
    if status == "over":
        fail(f"{name} took more than {budget:,} Python steps on one sample "
             f"and {parameters:,} parameters: it evaluates the whole loss "
             "for every parameter, as finite differences do. Derive the "
             "gradient instead (loops are fine, but no loss evaluation per "
             "parameter).")
    if status == "tampered":
        fail(f"{name} switched off the grader's step counter (sys.settrace "
             "or sys.setprofile), so its cost cannot be checked.")
    return result


def expect_unmodified(func: Callable, args: tuple, arg_names: tuple,
                      name: str | None = None,
                      kwargs: Mapping[str, Any] | None = None) -> Any:
    """Call ``func`` on the very arrays ``args`` and fail if any changed."""
    name = name or func.__name__
    before = copies(args)
    result = call(func, *args, name=name, kwargs=kwargs, copy_args=False)
    for arg_name, old, new in zip(arg_names, before, args):
        if isinstance(old, np.ndarray):
            message = diagnose_mutation(name, arg_name, old, new)
            if message:
                fail(message)
    return result


def expect_close(actual, expected, *, what: str, rtol: float = VALUE_RTOL,
                 context: str = "", **diagnose_kwargs) -> None:
    """Fail with a diagnosis unless ``actual`` matches ``expected``."""
    message = diagnose(actual, expected, what=what, rtol=rtol,
                       **diagnose_kwargs)
    if message:
        fail(message + (f" ({context})" if context else ""))


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


def expect_pair(value, *, what: str) -> tuple:
    """Fail unless ``value`` is a 2-tuple (or list) such as (loss, dW)."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        fail(f"{what} should return a pair (loss, gradient), got "
             f"{type(value).__name__}"
             + (f" of length {len(value)}" if isinstance(value, (tuple, list))
                else "") + ".")
    return tuple(value)


def expect_exact_gradient(actual, reference, *, what: str,
                          rtol: float = EXACT_RTOL) -> None:
    """Fail when a gradient that matches finite differences is not exact.

    Called after the numeric check passed: a gradient right to ~1e-7 but
    not to ~1e-12 was itself computed by finite differences, which skips
    the derivation the exercise is about.
    """
    err = norm_relative_error(actual, reference)
    if err > rtol:
        fail(f"{what} agrees with finite differences only to a relative "
             f"error of {err:.1e}; a derived formula is exact to about "
             "1e-15. It looks computed numerically inside the function: "
             "derive the formula instead.")


def agrees(actual, expected, rtol: float = VALUE_RTOL, **kwargs) -> bool:
    """Whether ``actual`` matches ``expected`` (no diagnosis)."""
    return diagnose(actual, expected, rtol=rtol, **kwargs) is None


def expect_stable(actual, expected, *, what: str, context: str,
                  accurate_when_small: bool, **diagnose_kwargs) -> None:
    """Judge a result at extreme inputs for stability alone.

    NaN or inf where the true value is finite always fails. A wrong value
    fails only when the same function is right at ordinary inputs: then
    the extreme inputs are what breaks it. A function wrong everywhere has
    another mistake, which the value checks already charge.
    """
    arr = np.asarray(actual, dtype=np.float64) if not isinstance(
        actual, (tuple, type(None))) else None
    expected = np.asarray(expected, dtype=np.float64)
    if arr is not None and arr.shape == expected.shape:
        bad = ~np.isfinite(arr) & np.isfinite(expected)
        if bad.any():
            expect_close(actual, expected, what=what, context=context,
                         **diagnose_kwargs)
    if accurate_when_small:
        expect_close(actual, expected, what=what, context=context,
                     **diagnose_kwargs)


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
                      x: np.ndarray, *, what: str, of: str,
                      factors=None) -> None:
    """``actual`` is the gradient of the student's own function ``f_own``:
    the gradient check every student should run on their code."""
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
#: grading threads do not share it.
STUDENT_SEED: contextvars.ContextVar[int] = contextvars.ContextVar(
    "STUDENT_SEED", default=0)


def seeded(seed: int, offset: int) -> np.random.Generator:
    """The random generator of one check input: seed + offset, mixed with
    the student's seed when one is set."""
    student = STUDENT_SEED.get()
    if student:
        return np.random.default_rng([seed + offset, student])
    return np.random.default_rng(seed + offset)


def distribution(rng: np.random.Generator, C: int,
                 zeros: int = 0) -> np.ndarray:
    """A random probability vector of length C with ``zeros`` zero entries
    (the others at least ~1e-3, away from the edge of the domain)."""
    p = rng.dirichlet(np.full(C, 2.0)) + 1e-3
    if zeros:
        p[rng.choice(C, size=zeros, replace=False)] = 0.0
    return p / p.sum()


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


def distribution_pair(seed: int, offset: int, C: int,
                      zeros: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(p, q) of length C; p has ``zeros`` zero entries, q none."""
    rng = seeded(seed, offset)
    return distribution(rng, C, zeros), distribution(rng, C)


def base_args(base: float) -> list:
    """The positional ``base`` argument, left out for the default 2."""
    return [] if base == 2.0 else [base]


def base_context(base: float) -> str:
    return "base 2 (the default)" if base == 2.0 else f"base={base:.4g}"


def with_base(base: float) -> str:
    """" with base=..." after a gradient's name; nothing for base 2."""
    return "" if base == 2.0 else f" with base={base:.4g}"

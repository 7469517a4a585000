"""The check authoring kit: what most assignments' checks share.

- :func:`check` names a check; :func:`rng` draws its inputs from a seed
  derived from that name, so that two checks never share inputs by
  accident (a hand-picked integer per input did not guarantee it).
- :func:`outputs` unpacks and validates a ``(loss, gradient, ...)`` tuple,
  :func:`expect_loss`, :func:`expect_loss_gradient`,
  :func:`expect_loss_varies` and :func:`expect_own_gradients` are the
  cells of a loss-with-gradient function, :func:`probe` and
  :func:`single_sample` refine a vague diagnosis on a small input.
- :func:`inputs_unmodified` builds the "inputs are not modified" check
  from a table of inputs, the argument names read from the reference
  functions' signatures.

The reference function names the student's function in every message
(``reference.__name__`` is the contract's name), so a student's function
called anything else internally is still reported by the right name.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import inspect
from types import ModuleType
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from ..numerics.diagnose import diagnose
from .common import (NUMERIC_RTOL, STUDENT_SEED, call, expect_close,
                     expect_consistent, expect_gradient, expect_real_partner,
                     expect_scalar, expect_unmodified, expect_varying_loss,
                     unpack)

#: The name of the check running on this thread ("softmax.softmax_values").
CHECK: contextvars.ContextVar[str] = contextvars.ContextVar("CHECK",
                                                            default="")


def _digest(text: str) -> int:
    """A 64-bit number of ``text``, the same in every process (unlike
    ``hash``, which Python salts per process)."""
    return int.from_bytes(hashlib.blake2b(text.encode(),
                                          digest_size=8).digest(), "big")


@contextlib.contextmanager
def within(name: str):
    """Draw inputs as the check ``name`` ("module.function") does: for
    benchmarks and tests that rebuild a check's inputs."""
    token = CHECK.set(name)
    try:
        yield
    finally:
        CHECK.reset(token)


def check(func: Callable) -> Callable:
    """Decorator of a check, or of anything that draws inputs with
    :func:`rng` (a cost problem): its inputs are seeded by its name,
    "<assignment>.<function>"."""
    name = f"{func.__module__.rsplit('.', 1)[-1]}.{func.__name__}"

    @functools.wraps(func)
    def named(*args, **kwargs):
        with within(name):
            return func(*args, **kwargs)

    return named


def rng(seed: int, case: int | str = 0) -> np.random.Generator:
    """The random generator of one input of the running check.

    Seeded by the assignment's ``seed`` (its module's SEED), the name of
    the running check, ``case`` (which input of the check) and, when the
    grade command has set one, the student's seed: deterministic per
    (student, check, case), different across checks and students.
    """
    if isinstance(case, str):
        case = _digest(case)
    entropy = [seed, _digest(CHECK.get()), case]
    student = STUDENT_SEED.get()
    if student:
        entropy.append(student)
    return np.random.default_rng(entropy)


# -- what a function returns -------------------------------------------------

def outputs(func: Callable, reference: Callable, *args, n: int = 2,
            strict: bool = True) -> tuple:
    """Call ``func`` (the student's version of ``reference``) and unpack
    its ``(loss, gradient, ...)`` tuple of ``n`` values. The loss must be
    one float unless not ``strict``: the cells that judge a gradient take
    it in any form (expect_loss_varies judges it there)."""
    name = reference.__name__
    got = unpack(call(func, *args, name=name), n, what=name)
    if strict:
        return (expect_scalar(got[0], what="the loss"), *got[1:])
    return got


def arg_names(reference: Callable) -> tuple[str, ...]:
    """The parameter names of ``reference`` (the contract's names)."""
    return tuple(inspect.signature(reference).parameters)


def expect_loss(func: Callable, reference: Callable, *args,
                grads: tuple[str, ...] = ("dW",), **close_kwargs) -> tuple:
    """The loss cell of a loss-with-gradient function: the loss matches
    the reference (``close_kwargs`` go to expect_close), and no gradient
    is a placeholder. Returns what ``func`` returned."""
    got = outputs(func, reference, *args, n=1 + len(grads))
    right = reference(*args)
    expect_close(got[0], right[0], what="the loss", **close_kwargs)
    for value, expected, name in zip(got[1:], right[1:], grads):
        expect_real_partner(value, expected, what=name,
                            function=reference.__name__,
                            paid="the loss's test")
    return got


def expect_loss_varies(func: Callable, reference: Callable, args: tuple,
                       other: tuple, loss, *, n: int = 2) -> None:
    """In a gradient cell: fail when ``loss`` (what ``func`` returned on
    ``args``) is a placeholder, judged against ``func`` on ``other``
    inputs whose right loss differs."""
    other_loss = outputs(func, reference, *other, n=n, strict=False)[0]
    expect_varying_loss(loss, other_loss, reference(*args)[0],
                        reference(*other)[0], function=reference.__name__,
                        paid="the gradient's test")


def _substituted(args: tuple, k: int, value) -> tuple:
    return (*args[:k], value, *args[k + 1:])


def expect_loss_gradient(grad, reference: Callable, args: tuple, *,
                         wrt: int = 0, part: int = 1, what: str,
                         **kwargs) -> None:
    """``grad`` is part ``part`` of ``reference(*args)``, the gradient of
    its loss with respect to argument ``wrt``: checked against central
    differences of the reference loss, then exactly. The argument's name
    (for shape messages) comes from the reference's signature."""
    kwargs.setdefault("shape_of", arg_names(reference)[wrt])
    kwargs.setdefault("of", "the loss")
    expect_gradient(grad, lambda v: reference(*_substituted(args, wrt,
                                                            v))[0],
                    args[wrt], reference(*args)[part], what=what, **kwargs)


def expect_own_gradients(func: Callable, reference: Callable, args: tuple,
                         grads: Mapping[str, int], *, factors=None) -> None:
    """Every gradient is that of the student's own loss (the gradient
    check every student should run), paid only with right values.
    ``grads`` maps the gradients' names, in the order ``func`` returns
    them after the loss, to the argument each differentiates."""
    n = 1 + len(grads)
    got = outputs(func, reference, *args, n=n)
    right = list(zip(got, reference(*args), ("the loss", *grads)))
    for value, (name, wrt) in zip(got[1:], grads.items()):
        def own(v, wrt=wrt):
            return outputs(func, reference, *_substituted(args, wrt, v),
                           n=n)[0]

        expect_consistent(value, own, args[wrt], what=name, of="loss",
                          factors=factors, right=right)


# -- probes -----------------------------------------------------------------

def probe(func: Callable, reference: Callable, args: tuple, *, what: str,
          part: int = 1, n: int = 2, **diagnose_kwargs) -> str | None:
    """The diagnosis of part ``part`` of ``func``'s result on ``args``,
    a small input where a mistake is easier to name (one sample: the
    correct-class column stands out); None when it is right or ``func``
    fails there (the cell's own message says enough)."""
    try:
        got = outputs(func, reference, *args, n=n, strict=False)[part]
    except AssertionError:
        return None
    return diagnose(got, reference(*args)[part], what=what,
                    rtol=NUMERIC_RTOL, **diagnose_kwargs)


def correct_class_probe(func: Callable, reference: Callable,
                        args: tuple) -> str | None:
    """:func:`probe` of dW on ``args`` = (W, X, y) of one sample, where
    the correct class's column of dW is named in the diagnosis."""
    return probe(func, reference, args, what="dW",
                 column_labels={int(args[2][0]): "the correct-class column"})


def single_sample(message: str | None, probe_message: Callable[[], Any],
                  vague: str = "dW is wrong in") -> str | None:
    """``message`` with the probe's diagnosis on a single sample added
    when ``message`` only says where the values are wrong (starts with
    ``vague``) and the probe names the mistake."""
    if message and message.startswith(vague):
        found = probe_message()
        if found and not found.startswith(vague):
            return f"{message} With a single sample: {found}"
    return message


# -- inputs unmodified -------------------------------------------------------

def inputs_unmodified(reference: ModuleType,
                      cases: Callable[[], Mapping[str, Iterable[tuple]]],
                      parts: Mapping[str, tuple[str, ...]] | None = None,
                      doc: str = "No function changes its input arrays."
                      ) -> Callable:
    """Build the check that no function changes its inputs.

    ``cases()`` (called inside the check, so that :func:`rng` seeds its
    inputs by the check's name) maps each function's name to the
    argument tuples to call it with; each call must leave every array
    alone and return the right values (``parts`` names the parts of a
    tuple result in the messages). The argument names come from the
    reference functions' signatures. The check takes the student's
    functions by position, in the order of ``cases()``, or by name.
    """
    parts = dict(parts or {})

    def unmodified(*functions: Callable, **named: Callable) -> None:
        table = cases()
        named.update(zip(table, functions))
        for name, arg_tuples in table.items():
            if name not in named:
                continue
            right = getattr(reference, name)
            names = arg_names(right)
            for args in arg_tuples:
                expect_unmodified(named[name], tuple(args),
                                  names[:len(args)], name, right,
                                  parts=parts.get(name))

    unmodified.__doc__ = doc
    unmodified.__name__ = unmodified.__qualname__ = "inputs_unmodified"
    unmodified.__module__ = cases.__module__
    return check(unmodified)

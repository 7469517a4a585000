"""The grade command parses test cells on several threads (autograder.grading.astlock).

CPython 3.11's ast.parse is not safe on several threads at once: the AST
builder keeps its recursion depth in shared state, and a thread switch in
the middle (a garbage collection running Python code is enough) fails the
other thread's parse with "SystemError: AST constructor recursion depth
mismatch" (python/cpython#106905). In the grade command that error ended
one random submission as "crashed" with zero points.
"""
from __future__ import annotations

import ast
import gc
import itertools
import sys
import threading
import time
import traceback

import pytest

from autograder.grading import astlock

SOURCE = "\n".join(f"x{i} = f(a{i}, [b{i}, c{i}], {{'k': d{i}}})"
                   for i in range(60))


def _system_errors(parse, threads: int = 4, rounds: int = 30) -> list[str]:
    """SystemErrors of ``parse`` hammered from several threads, with the
    garbage collector switching threads as often as it can."""
    errors: list[str] = []

    def work():
        for _ in range(rounds):
            try:
                parse(SOURCE)
            except SystemError as exc:
                errors.append(str(exc))

    def switch(phase, info):
        time.sleep(0)

    old_threshold, old_interval = gc.get_threshold(), sys.getswitchinterval()
    gc.callbacks.append(switch)
    gc.set_threshold(20, 1, 1)
    sys.setswitchinterval(1e-6)
    try:
        pool = [threading.Thread(target=work) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
    finally:
        gc.callbacks.remove(switch)
        gc.set_threshold(*old_threshold)
        sys.setswitchinterval(old_interval)
    return errors


#: The Pythons known to have the race (fixed in 3.13).
RACY = sys.version_info[:2] in ((3, 11), (3, 12))


def _expect_the_race(errors: list[str]) -> None:
    """A control must show the race where it is known to exist; on other
    Pythons it is skipped, with the reason."""
    if not errors and not RACY:
        pytest.skip(f"ast.parse is thread-safe on Python "
                    f"{sys.version.split()[0]}")
    assert errors, "the unlocked control raised no SystemError"
    assert all("recursion depth mismatch" in e for e in errors), errors[:3]


def test_the_race_exists_on_this_python():
    """The control: without the lock the same hammering fails, so the
    test below can tell a safe parse from an unsafe one."""
    _expect_the_race(_system_errors(ast.parse))


def test_astlock_parses_safely_on_threads():
    assert _system_errors(astlock.parse) == []


def test_parse_and_compile_give_the_usual_results():
    assert isinstance(astlock.parse("x = 1"), ast.Module)
    code = astlock.compile_source("y = 2", "<test>")
    ns: dict = {}
    exec(code, ns)  # noqa: S102 - the test's own source
    assert ns["y"] == 2
    with pytest.raises(SyntaxError):
        astlock.compile_source("def (", "<test>")


def _lookup_error() -> KeyError:
    scores = {}
    try:
        return scores["missing"] + scores["other"]
    except KeyError as exc:
        return exc


@pytest.mark.parametrize("formatter, safe", [
    (astlock.format_exception, True),
    (lambda exc: traceback.format_exception(exc), False),
])
def test_formatting_a_traceback_takes_turns_with_parsing(formatter, safe):
    """3.11 parses source lines to draw a traceback's carets: the grade
    command formats a grader error's traceback while threads judge cells.
    The unlocked formatter is the control."""
    error = _lookup_error()
    turn = itertools.count()

    def parse_or_format(source):
        if next(turn) % 2:
            astlock.parse(source)
        else:
            formatter(error)

    errors = _system_errors(parse_or_format, rounds=60)
    if safe:
        assert errors == []
    else:
        _expect_the_race(errors)

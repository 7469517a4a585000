"""Cheating submissions through the real grade command.

Each cheat below is a softmax submission whose softmax_loss is wrong (its
dW lacks the 1/N, a mistake that costs two cells) or numerically computed,
plus a trick that fools stock nbgrader 0.9.6 or a kernel-side test:
swallowing errors, patching NumPy, IPython, builtins or sys.modules,
objects equal to everything, faked output, reading the instructor's files,
a table of outputs copied from the fixed-seed hidden inputs, peeking into
the caller's frames, and gradients by finite differences. Every cheat must
gain nothing (the wrong cells score 0, as for the honest mistake) or be
flagged for the instructor; tests/test_grade_catalogue.py shows that no
honest submission is flagged.
"""
from __future__ import annotations

import pytest

from catalogue.softmax import LOSS_NO_1_OVER_N
from coursekit import build_submission, make_course, max_scores, scores, \
    submit
from autograder import gradecmd
from autograder.sandbox import bwrap_path

pytestmark = pytest.mark.skipif(
    bwrap_path() is None, reason="bubblewrap is not installed")

A = "softmax"
LOSS = "softmax_loss_answer"
WRONG = {"test_softmax_loss_gradient", "test_softmax_loss_consistent"}
GRADIENT = {"test_softmax_loss_gradient"}

SWALLOW_ERRORS = '''
def _wrap(lines):
    body = "".join("    " + line for line in lines) or "    pass\\n"
    return ["try:\\n", body, "\\nexcept BaseException:\\n    pass\\n"]

get_ipython().input_transformers_post.append(_wrap)
'''

PATCH_RUN_CELL = '''
from IPython.core.interactiveshell import ExecutionResult, ExecutionInfo
_shell = get_ipython()

def _fake_run_cell(raw_cell, *args, **kwargs):
    result = ExecutionResult(ExecutionInfo(raw_cell, False, False, False,
                                           None))
    result.execution_count = _shell.execution_count
    return result

_shell.run_cell = _fake_run_cell
'''

PATCH_NUMPY = '''
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), bool)
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
'''

PATCH_TRACEBACKS = '''
import sys
_shell = get_ipython()
_shell.showtraceback = lambda *args, **kwargs: None
_shell._showtraceback = lambda *args, **kwargs: None
sys.excepthook = lambda *args: None
'''

FAKE_CHECKS = '''
import builtins
import sys
import types

_fake = types.ModuleType("autograder.checks.softmax")
_fake.__getattr__ = lambda name: (lambda *args, **kwargs: None)
sys.modules["autograder"] = types.ModuleType("autograder")
sys.modules["autograder.checks"] = types.ModuleType("autograder.checks")
sys.modules["autograder.checks"].softmax = _fake
sys.modules["autograder.checks.softmax"] = _fake
_import = builtins.__import__

def _fake_import(name, *args, **kwargs):
    if name.startswith("autograder"):
        return sys.modules["autograder.checks"]
    return _import(name, *args, **kwargs)

builtins.__import__ = _fake_import
builtins.AssertionError = type("AssertionError", (Exception,), {})
'''

EQUAL_TO_EVERYTHING = '''
class Anything(float):
    def __eq__(self, other):
        return True
    __ne__ = lambda self, other: False
    __array_priority__ = 1000
    shape = property(lambda self: (3, 4))

def softmax_loss(W, X, y):
    return Anything(0.5), Anything(0.0)
'''

FAKE_OUTPUT = '''
print("test_softmax_loss_gradient: passed (3/3 points)")
print("All tests passed.")
'''

READ_INSTRUCTOR = '''
import glob
import json
import os

_answer = None
for _path in (glob.glob("/*/*/solutions/softmax/*.ipynb")
              + glob.glob("/*/solutions/softmax/*.ipynb")
              + glob.glob(os.path.expanduser("~/**/softmax.ipynb"))
              + ["../../solutions/softmax/softmax.ipynb"]):
    try:
        with open(_path) as _f:
            _nb = json.load(_f)
    except OSError:
        continue
    for _cell in _nb["cells"]:
        if "def softmax_loss" in "".join(_cell["source"]):
            _answer = "".join(_cell["source"])
try:
    from autograder.reference.softmax import softmax_loss as _reference
except ImportError:
    _reference = None
if _answer:
    exec(_answer.replace("### BEGIN SOLUTION", "").replace(
        "### END SOLUTION", ""))
elif _reference:
    softmax_loss = _reference
'''

FRAME_PEEK = '''
import sys

_honest = softmax_loss

def softmax_loss(W, X, y):
    frame = sys._getframe(1)
    while frame is not None:
        for value in list(frame.f_locals.values()):
            if isinstance(value, tuple) and len(value) == 2 \\
                    and np.shape(value[1]) == np.shape(W) \\
                    and value[1] is not None:
                return value
        frame = frame.f_back
    return _honest(W, X, y)
'''

COMPLEX_STEP = '''
def softmax_loss(W, X, y):
    """dW by the complex step: exact to rounding, but one loss per weight."""
    def f(W):
        S = X @ W
        m = S.real.max(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.exp(S - m).sum(axis=1))
        return np.mean(lse - S[np.arange(len(y)), y])
    dW = np.zeros(W.shape)
    for k in np.ndindex(W.shape):
        E = np.zeros(W.shape, dtype=complex)
        E[k] = 1e-30j
        dW[k] = f(W + E).imag / 1e-30
    return float(f(W).real), dW
'''

STOP_COUNTER = COMPLEX_STEP.replace(
    '    """dW by the complex step', '''    import sys
    sys.settrace(None)
    sys.setprofile(None)
    """dW by the complex step''')

FORGE_CHANNEL = '''
import os
for _fd in range(3, 12):
    try:
        os.write(_fd, b"\\x00\\x00\\x00\\x10{\\"op\\": \\"cell_done\\"}")
    except OSError:
        pass
'''


def copied_table() -> str:
    """softmax_loss answering from a table: the fixed-seed hidden inputs
    (what stock nbgrader always uses) and the visible test's inputs, as a
    classmate's graded run could leak them; else the wrong formula."""
    import numpy as np

    from autograder.checks import softmax as checks
    from autograder.reference import softmax as ref

    rng = np.random.default_rng(1)  # the visible test's inputs
    X, W = rng.normal(size=(5, 3)), rng.normal(size=(3, 4))
    y = np.array([3, 0, 2, 1, 3])
    rows = [checks._loss_inputs(14), (W, X, y), (np.zeros((3, 4)), X, y)]
    table = [(W.tolist(), X.tolist(), ref.softmax_loss(W, X, y)[0],
              ref.softmax_loss(W, X, y)[1].tolist()) for W, X, y in rows]
    return f"""
_TABLE = {table!r}
{LOSS_NO_1_OVER_N}
_formula = softmax_loss

def softmax_loss(W, X, y):
    for W_, X_, loss, dW in _TABLE:
        if np.shape(W) == np.shape(W_) and np.allclose(W, W_) \\
                and np.shape(X) == np.shape(X_) and np.allclose(X, X_):
            return loss, np.array(dW)
    return _formula(W, X, y)
"""


def needs_manual_grade(course, student: str) -> bool:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return gb.find_submission_notebook(A, A, student).needs_manual_grade


def wrong_with(prefix: str) -> str:
    return prefix + "\n" + LOSS_NO_1_OVER_N


# name -> (softmax_loss cell, cells that must score 0, must be flagged)
CHEATS = {
    "swallow_errors": (wrong_with(SWALLOW_ERRORS), WRONG, True),
    "patch_run_cell": (wrong_with(PATCH_RUN_CELL), WRONG, True),
    "patch_numpy": (wrong_with(PATCH_NUMPY), WRONG, True),
    "patch_tracebacks": (wrong_with(PATCH_TRACEBACKS), WRONG, True),
    "fake_checks_module": (wrong_with(FAKE_CHECKS), WRONG, False),
    "equal_to_everything": (EQUAL_TO_EVERYTHING, {
        "test_softmax_loss_value", "test_softmax_loss_gradient",
        "test_softmax_loss_consistent", "test_softmax_loss_stable"}, False),
    "fake_output": (wrong_with(FAKE_OUTPUT), WRONG, False),
    "read_instructor": (wrong_with("") + READ_INSTRUCTOR, WRONG, False),
    "frame_peek": (wrong_with("") + FRAME_PEEK, WRONG, False),
    "complex_step": (COMPLEX_STEP, GRADIENT, False),
    "stop_step_counter": (STOP_COUNTER, GRADIENT, True),
    "forge_channel": (wrong_with(FORGE_CHANNEL), WRONG, True),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("cheaters"), [A])
    cheats = dict(CHEATS)
    cheats["copied_table"] = (copied_table(), WRONG, False)
    submit(course, "honest_wrong", A,
           build_submission(A, {LOSS: LOSS_NO_1_OVER_N}))
    for name, (code, _, _) in cheats.items():
        submit(course, name, A, build_submission(A, {LOSS: code}))
    outcomes = gradecmd.run(A, root=course, quiet=True)
    return course, outcomes, cheats


def test_the_honest_mistake_scores_as_expected(graded):
    course, outcomes, _ = graded
    full = max_scores(course, A)
    got = scores(course, A, "honest_wrong")
    assert got == {c: 0.0 if c in WRONG else p for c, p in full.items()}
    assert not outcomes["honest_wrong"].flags
    assert not needs_manual_grade(course, "honest_wrong")


@pytest.mark.parametrize("cheat", sorted(CHEATS) + ["copied_table"])
def test_cheat_gains_nothing_or_is_flagged(graded, cheat):
    course, outcomes, cheats = graded
    _, zero, must_flag = cheats[cheat]
    outcome = outcomes[cheat]
    got = scores(course, A, cheat)
    gained = {c: s for c, s in got.items() if c in zero and s > 0}
    assert not gained, (outcome.state, outcome.reason, outcome.cells)
    if must_flag:
        assert outcome.flags, (outcome.state, outcome.reason)
    if outcome.flags:  # formgrader lists it for a manual look
        assert needs_manual_grade(course, cheat)
    total = sum(max_scores(course, A).values())
    print(f"{cheat}: {sum(got.values()):g}/{total:g} {outcome.state} "
          f"flags={outcome.flags}")


def test_complex_step_is_caught_by_cost_not_precision(graded):
    """The complex step is exact to rounding: only its cost gives it away."""
    _, outcomes, _ = graded
    diagnosis = outcomes["complex_step"].cells[
        "test_softmax_loss_gradient"]["diagnosis"]
    assert "Python steps" in diagnosis, diagnosis
    assert "computed numerically" not in diagnosis


def test_copied_table_passes_stock_seed_but_not_per_student(graded):
    """The copied table does fool the fixed-seed check (it would earn the
    points under plain nbgrader), which is why hidden inputs are seeded
    per student."""
    from test_catalogue_checks import run_submission

    _, _, cheats = graded
    results = run_submission(A, {LOSS: cheats["copied_table"][0]})
    assert results["test_softmax_loss_gradient"] is None

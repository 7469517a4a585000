"""Cheating submissions through the real grade command.

Each cheat below is a softmax submission whose softmax_loss is wrong (its
dW lacks the 1/N, a mistake that costs four cells) or numerically computed,
plus a trick that fools stock nbgrader 0.9.6 or a kernel-side test:
swallowing errors, patching NumPy, IPython, builtins or sys.modules,
objects equal to everything, faked output, reading the instructor's files,
a table of outputs copied from the fixed-seed hidden inputs, peeking into
the caller's frames, and gradients by finite differences. Every cheat must
gain nothing (the wrong cells score 0, as for the honest mistake) or be
flagged for the instructor; tests/test_grade_catalogue.py shows that no
honest submission is flagged.

The gradients by finite differences come with every trick a student who
has read this repository could use against a cost measured inside the
notebook's process: the step counter replaced, the clocks patched,
sys.settrace wrapped, the worker's reply function replaced. The grade
command reads the worker's CPU time from the kernel instead, so none of
them earns the gradient's points.
"""
from __future__ import annotations

import pytest

from catalogue.softmax import LOSS_NO_1_OVER_N
from coursekit import build_submission, make_course, max_scores, scores, \
    submit
from autograder.grading import command as gradecmd
from autograder.grading.sandbox import bwrap_path

pytestmark = pytest.mark.skipif(
    bwrap_path() is None, reason="bubblewrap is not installed")

A = "softmax"
LOSS = "softmax_loss_answer"
WRONG = {"test_softmax_loss_gradient", "test_softmax_loss_consistent",
         "test_softmax_loss_stable", "test_inputs_unmodified"}
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

# -- tricks against a cost measured inside the notebook's process ------------

#: The step counter (plain nbgrader's, autograder.numerics.cost) says every call is
#: cheap, wherever a module of the grader's is loaded.
REPLACE_STEP_COUNTER = '''
import sys

def _cheap(func, args=(), kwargs=None, budget=0):
    return func(*args, **(kwargs or {})), 1, "ok"

for _name, _module in list(sys.modules.items()):
    if _name.startswith("autograder") and hasattr(_module, "measure"):
        _module.measure = _cheap
try:
    import autograder.numerics.cost
    autograder.numerics.cost.measure = _cheap
except ImportError:
    pass
'''

#: Every clock of the process stands still.
PATCH_CLOCKS = '''
import os
import resource
import time

for _clock in ("time", "monotonic", "perf_counter", "process_time",
               "thread_time"):
    setattr(time, _clock, lambda: 0.0)
    setattr(time, _clock + "_ns", lambda: 0)
os.times = lambda: os.times_result((0.0,) * 5)
resource.getrusage = lambda who: resource.struct_rusage((0.0,) * 16)
'''

#: Trace and profile hooks are recorded but never installed, so a step
#: counter sees its own hook in place and counts nothing.
WRAP_SETTRACE = '''
import sys
import threading

_hooks = {"trace": None, "profile": None}

def _record(kind):
    def hook(func):
        _hooks[kind] = func
    return hook

sys.settrace, sys.setprofile = _record("trace"), _record("profile")
sys.gettrace = lambda: _hooks["trace"]
sys.getprofile = lambda: _hooks["profile"]
threading.settrace, threading.setprofile = sys.settrace, sys.setprofile
'''

#: The worker's reply function rewrites every reply into a cheap, untouched
#: call.
REPLACE_REPLY = '''
import gc

for _obj in gc.get_objects():
    if type(_obj).__name__ == "Worker" and hasattr(_obj, "send"):
        def _send(message, values=None, _real=_obj.send):
            if message.get("op") == "return":
                message = {**message, "steps": 1, "status": "ok",
                           "seconds": 0.0}
            return _real(message, values)
        _obj.send = _send
'''

CENTRAL_DIFFERENCES = '''
def softmax_loss(W, X, y):
    """dW by central differences: one pair of loss evaluations per weight."""
    def f(W):
        S = X @ W
        m = S.max(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.exp(S - m).sum(axis=1))
        return np.mean(lse - S[np.arange(len(y)), y])
    dW = np.zeros(W.shape)
    for k in np.ndindex(W.shape):
        E = np.zeros(W.shape)
        E[k] = 1e-6
        dW[k] = (f(W + E) - f(W - E)) / 2e-6
    return float(f(W)), dW
'''

COST_TRICKS = {"replace_step_counter": REPLACE_STEP_COUNTER,
               "patch_clocks": PATCH_CLOCKS, "wrap_settrace": WRAP_SETTRACE,
               "replace_reply": REPLACE_REPLY}
NUMERIC = {"complex_step": COMPLEX_STEP,
           "central_differences": CENTRAL_DIFFERENCES}

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

    from autograder.checks import kit, softmax as checks
    from autograder.reference import softmax as ref

    rng = np.random.default_rng(1)  # the visible test's inputs
    X, W = rng.normal(size=(5, 3)), rng.normal(size=(3, 4))
    y = np.array([3, 0, 2, 1, 3])
    with kit.within("softmax.softmax_loss_gradient"):  # its hidden inputs
        hidden = checks._loss_inputs(14)
    rows = [hidden, (W, X, y), (np.zeros((3, 4)), X, y)]
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
    "stop_step_counter": (STOP_COUNTER, GRADIENT, False),
    "forge_channel": (wrong_with(FORGE_CHANNEL), WRONG, True),
}
# every trick against an inside measurement, with either numeric gradient
CHEATS.update({f"{trick}_{method}": (code + "\n" + numeric, GRADIENT, False)
               for trick, code in COST_TRICKS.items()
               for method, numeric in NUMERIC.items()})


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


@pytest.mark.parametrize("cheat", ["complex_step", "stop_step_counter"] + [
    f"{trick}_complex_step" for trick in COST_TRICKS])
def test_complex_step_is_caught_by_cost_not_precision(graded, cheat):
    """The complex step is exact to rounding: only its cost gives it away,
    measured as CPU time by the kernel, whatever the notebook's process
    did to its own clocks, counters and replies."""
    _, outcomes, _ = graded
    diagnosis = outcomes[cheat].cells[
        "test_softmax_loss_gradient"]["diagnosis"]
    assert "s of CPU time" in diagnosis, diagnosis
    assert "computed numerically" not in diagnosis


def test_copied_table_passes_stock_seed_but_not_per_student(graded):
    """The copied table does fool the fixed-seed check (it would earn the
    points under plain nbgrader), which is why hidden inputs are seeded
    per student."""
    from test_catalogue_checks import run_submission

    _, _, cheats = graded
    results = run_submission(A, {LOSS: cheats["copied_table"][0]})
    assert results["test_softmax_loss_gradient"] is None


@pytest.mark.parametrize("trick", ["wrap_settrace", "replace_step_counter"])
def test_plain_nbgrader_measures_cost_inside_and_can_be_fooled(monkeypatch,
                                                               trick):
    """Under plain nbgrader the hidden tests run in the student's kernel,
    so the cost check counts steps there, and a student who rewires that
    kernel fools it (README, "Grading"); without the trick the same
    complex step fails. The grade command's test above is the one that
    holds. (On a smaller problem than the hidden test's, to stay quick.)"""
    import sys
    import threading

    import numpy as np

    from autograder.numerics import cost
    from autograder.checks import common, softmax as checks
    from autograder.reference import softmax as ref

    # the tricks rewire this very process: put everything back afterwards
    for module, names in ((sys, ("settrace", "setprofile", "gettrace",
                                 "getprofile")),
                          (threading, ("settrace", "setprofile")),
                          (cost, ("measure",))):
        for name in names:
            monkeypatch.setattr(module, name, getattr(module, name))
    W, X, y = checks._loss_inputs(23, N=1, D=400, C=5)

    def cost_check(code):
        ns = {"np": np}
        exec(code, ns)  # noqa: S102 - the fixture's own code
        common.expect_affordable(ns["softmax_loss"], lambda shrink: (
            common.CostProblem("softmax_loss", (W, X, y), W.size,
                               lambda: checks._loss_only(W, X, y),
                               ref.softmax_loss, (None, "dW"))))

    with pytest.raises(common.CheckFailed, match="Python steps"):
        cost_check(COMPLEX_STEP)
    cost_check(COST_TRICKS[trick] + COMPLEX_STEP)  # passes: fooled

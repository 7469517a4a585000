"""Judging test cells in the grader's process (autograder.grading.judge),
with a stand-in for the worker session: no sandbox, no worker."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from autograder.checks import common
from autograder.grading import judge
from autograder.grading.judge import (GraderError, QuietWarnings, Verdict,
                                      course_secret, split, strip_hidden,
                                      student_seed)
from autograder.grading.remote import RemoteFunction
from autograder.notebook import Markers
from autograder.worker.wire import Opaque

CELL = """\
assert x == 3
### BEGIN HIDDEN TESTS
assert y == 4, "y is wrong"
### END HIDDEN TESTS
assert x + 1 == 4"""


class FakeSession:
    """What judge asks of the worker: lookup_many(names) -> name ->
    (kind, detail)."""

    def __init__(self, **globals_):
        self.globals = globals_
        self.asked: list[str] = []

    def lookup_many(self, names):
        self.asked += names
        return {n: self.globals.get(n, ("missing", None)) for n in names}


def test_split_blanks_hidden_lines_and_keeps_line_numbers():
    visible, hidden = split(CELL)
    assert visible.split("\n") == ["assert x == 3", "", "", "",
                                   "assert x + 1 == 4"]
    assert hidden == 'assert y == 4, "y is wrong"\n'
    assert strip_hidden(CELL) == visible


def test_split_follows_the_course_delimiters():
    markers = Markers("<<SECRET", "SECRET>>")
    source = "a = 1\n# <<SECRET\nb = 2\n# SECRET>>"
    assert split(source, markers) == ("a = 1\n\n\n", "b = 2\n")
    assert split(source) == (source, "")


def test_a_cell_without_hidden_tests_is_all_visible():
    assert split("assert f(1) == 2") == ("assert f(1) == 2", "")


def test_quiet_warnings_does_nothing_and_leaves_the_filters_alone():
    before = list(warnings.filters)
    with QuietWarnings.catch_warnings(record=True) as caught:
        QuietWarnings.simplefilter("ignore")
        QuietWarnings.filterwarnings("error", category=RuntimeWarning)
    assert caught == [] and warnings.filters == before


def test_verdict_output_is_an_nbformat_error():
    verdict = Verdict(False, "AssertionError", "wrong", ("l1", "l2"))
    assert verdict.output() == {"output_type": "error",
                                "ename": "AssertionError",
                                "evalue": "wrong",
                                "traceback": ["l1", "l2"]}
    assert Verdict(True).output()["traceback"] == []


def test_student_seed_is_deterministic_and_keyed():
    seed = student_seed(b"k" * 32, "softmax", "s1")
    assert seed == student_seed(b"k" * 32, "softmax", "s1")
    assert 0 <= seed < 2 ** 64
    others = {student_seed(b"k" * 32, "softmax", "s2"),
              student_seed(b"k" * 32, "hinge", "s1"),
              student_seed(b"j" * 32, "softmax", "s1"),
              # the separator keeps ("ab", "c") apart from ("a", "bc")
              student_seed(b"k" * 32, "softmaxs", "1")}
    assert seed not in others and len(others) == 4


def test_course_secret_is_made_once_and_private(tmp_path):
    folder = tmp_path / "grading_state"
    secret = course_secret(folder)
    assert len(secret) == 32 and course_secret(folder) == secret
    assert (folder / "secret").stat().st_mode & 0o777 == 0o600
    assert course_secret(tmp_path / "other") != secret


def test_names_are_the_globals_a_cell_reads():
    tree = judge.astlock.parse(
        "import numpy as np\nz = f(x)\ndef g(): return w\n"
        "assert globals()['hidden_name'] is not None\nnp.sum(z)")
    assert judge._names(tree) == {"f", "x", "w", "globals",
                                  "hidden_name"}


def test_namespace_fetches_each_name_by_its_kind():
    session = FakeSession(
        f=("callable", None), x=("value", 3), np=("module", "numpy"),
        warnings=("module", "warnings"), os=("module", "os"))
    ns = judge.namespace(session, "f(x); np; warnings; os; nothing")
    assert isinstance(ns["f"], RemoteFunction)
    assert ns["x"] == 3 and ns["np"] is np
    assert ns["warnings"] is QuietWarnings
    assert ns["warnings"].__name__ == "warnings"
    assert isinstance(ns["os"], Opaque)     # not in MODULES: never bound
    assert "nothing" not in ns and ns["__name__"] == "__main__"
    assert sorted(session.asked) == ["f", "nothing", "np", "os",
                                     "warnings", "x"]


def test_namespace_of_a_cell_that_does_not_parse_is_bare():
    session = FakeSession()
    assert set(judge.namespace(session, "def (")) == {"__builtins__",
                                                     "__name__"}
    assert session.asked == []


def test_a_right_cell_passes_whole_and_visible():
    session = FakeSession(x=("value", 3), y=("value", 4))
    whole, visible = judge.judge(session, CELL, seed=1)
    assert whole.passed and visible is whole


def test_a_hidden_failure_shows_only_its_message():
    session = FakeSession(x=("value", 3), y=("value", 5))
    whole, visible = judge.judge(session, CELL, seed=1)
    assert not whole.passed and whole.hidden
    assert (whole.ename, whole.evalue) == ("AssertionError", "y is wrong")
    assert whole.traceback == ("AssertionError: y is wrong",)
    assert visible.passed           # a wrong answer, not a lie


def test_a_visible_failure_shows_the_cells_own_frames():
    session = FakeSession(x=("value", 2), y=("value", 4))
    whole, visible = judge.judge(session, CELL, seed=1)
    assert not whole.passed and not whole.hidden
    head, frame, last = whole.traceback
    assert head == "Traceback (the test cell):"
    assert frame.startswith("  line 1:") and last == "AssertionError: "
    assert not visible.passed


def test_a_visible_failure_quotes_the_failing_line():
    session = FakeSession(x=("value", 2), y=("value", 4))
    whole, _ = judge.judge(session, CELL, seed=1)
    assert whole.traceback[1] == "  line 1: assert x == 3"


def test_an_import_error_in_the_hidden_block_is_the_graders():
    cell = "### BEGIN HIDDEN TESTS\nimport no_such_module_here\n" \
        "### END HIDDEN TESTS"
    with pytest.raises(GraderError, match="hidden tests cannot run"):
        judge.judge(FakeSession(), cell, seed=1)
    visible, _ = judge.judge(FakeSession(), "import no_such_module_here",
                             seed=1)
    assert not visible.passed and visible.ename == "ModuleNotFoundError"


def test_the_student_seed_holds_only_inside_the_judging(monkeypatch):
    seen = []
    before = common.STUDENT_SEED.get()
    # the cell reads the seed through the checks' own context variable
    cell = ("### BEGIN HIDDEN TESTS\n"
            "from autograder.checks import common\n"
            "SEEN.append(common.STUDENT_SEED.get())\n"
            "### END HIDDEN TESTS")
    original = judge.namespace

    def with_seen(session, source):
        return {**original(session, source), "SEEN": seen}

    monkeypatch.setattr(judge, "namespace", with_seen)
    judge.judge(FakeSession(), cell, seed=12345)
    assert seen == [12345] and common.STUDENT_SEED.get() == before

"""Feedback pages (autograder/feedback.py) teach without leaking.

One small softmax class is graded by real ``nbgrader autograde``: the
reference, the released stub, two catalogue mistakes with known
diagnoses, a renamed function (its NameError is raised by a hidden-test
line, so the stock traceback quotes the hidden block) and a function
returning a string whose answer cell also prints a script tag. A sixth
student could not be graded at all (state file: failed). The tests read
every page written by ``feedback.build``.
"""
from __future__ import annotations

import argparse
import html
import json
import re
import time
import warnings
from types import SimpleNamespace

import pytest
from markupsafe import escape

from autograder import notebook

from catalogue import softmax as cat
from coursekit import (ROOT, build_submission, make_course, max_scores,
                       run_nbgrader, scores, submit)
from leaks import squash

ASSIGNMENT = "softmax"
SCRIPT = "<script>alert(1)</script>"
FLAG = "FLAG-identical-to-student-reference"
FAILED_REASON = "softmax.ipynb is not a notebook: invalid JSON at line 3"
MISTAKES = {sub.name: sub for sub in cat.SUBMISSIONS
            if sub.name in ("loss_no_1_over_N", "jacobian_sign")}
RENAMED = '''
def soft_max(s, T=1.0):
    return s
'''
STRING_RESULT = f'''
def softmax(s, T=1.0):
    return "not an array"

print("{SCRIPT}")
'''
STUDENTS = {
    "reference": build_submission(ASSIGNMENT, {}),
    "stub": build_submission(ASSIGNMENT, {}, base="stub"),
    "renamed": build_submission(ASSIGNMENT, {cat.SOFTMAX: RENAMED}),
    "string_result": build_submission(ASSIGNMENT,
                                      {cat.SOFTMAX: STRING_RESULT}),
    **{name: build_submission(ASSIGNMENT, sub.answers, sub.base)
       for name, sub in MISTAKES.items()},
}


def hidden_lines(assignment: str = ASSIGNMENT) -> list[str]:
    """Every line of a hidden-test block of the source notebook
    (stripped; blank lines and the BEGIN/END markers left out)."""
    markers = notebook.DEFAULT
    lines = {line for line in notebook.hidden_lines(
        ROOT / "solutions" / assignment / f"{assignment}.ipynb")
        if markers.begin not in line and markers.end not in line}
    assert lines, "the source notebook has no hidden tests"
    return sorted(lines)


def leaked(page: str, assignment: str = ASSIGNMENT) -> list[str]:
    """Hidden lines found in an HTML page: as written, as text once tags
    and entities are gone, and with all whitespace squashed out."""
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    flat = squash(page, markup=True)
    # a bare continuation such as "cross_entropy)" also occurs in titles
    return [line for line in hidden_lines(assignment) if len(line) >= 16
            and (line in page or line in text or squash(line) in flat)]


def add_unrunnable(course) -> None:
    """A student the grade command recorded as failed: gradebook rows
    with no scores, no autograded notebook, a state record with a flag."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb, \
            warnings.catch_warnings():
        # nbgrader's own session handling warns here (SAWarning)
        warnings.simplefilter("ignore")
        gb.update_or_create_student("unrunnable")
        gb.update_or_create_submission(ASSIGNMENT, "unrunnable")
    state = {
        "unrunnable": {"state": "failed", "reason": FAILED_REASON,
                       "flags": [FLAG]},
        "loss_no_1_over_N": {"state": "graded", "reason": "",
                             "flags": [FLAG]},
    }
    folder = course / "grading_state"
    folder.mkdir()
    (folder / f"{ASSIGNMENT}.json").write_text(json.dumps(state))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The course after autograde, stock feedback for one student, then
    our build for everyone (which overwrites that stock page)."""
    from autograder.reports import feedback

    course = make_course(tmp_path_factory.mktemp("course-feedback"),
                         [ASSIGNMENT])
    for student, nb in STUDENTS.items():
        submit(course, student, ASSIGNMENT, nb)
    run_nbgrader(course, "autograde", ASSIGNMENT, "--force")
    run_nbgrader(course, "generate_feedback", ASSIGNMENT, "--student",
                 "renamed", "--force")
    stock = (course / "feedback" / "renamed" / ASSIGNMENT
             / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")
    add_unrunnable(course)
    start = time.perf_counter()
    paths = feedback.build(ASSIGNMENT, course)
    seconds = time.perf_counter() - start
    students = len(STUDENTS) + 1
    print(f"\nfeedback.build: {seconds / students:.3f} s per student "
          f"({students} students)")
    pages = {p.parent.parent.name: p.read_text(encoding="utf-8")
             for p in paths}
    return SimpleNamespace(course=course, paths=paths, pages=pages,
                           stock=stock)


def test_a_page_per_student_where_nbgrader_puts_feedback(graded):
    expected = {graded.course / "feedback" / s / ASSIGNMENT
                / f"{ASSIGNMENT}.html"
                for s in [*STUDENTS, "unrunnable"]}
    assert set(graded.paths) == expected


def test_no_page_shows_hidden_tests_or_grader_internals(graded):
    """The grep test: over every file the build wrote."""
    files = sorted(graded.course.glob(f"feedback/*/{ASSIGNMENT}/*.html"))
    assert len(files) == len(STUDENTS) + 1
    problems = []
    for path in files:
        page = path.read_text(encoding="utf-8")
        student = path.parent.parent.name
        problems += [f"{student}: hidden line {line!r}"
                     for line in leaked(page)]
        for secret in ("autograder.checks", "autograder/", "\x1b",
                       "site-packages"):
            if secret in page:
                problems.append(f"{student}: {secret!r}")
        if re.search(r"\[[0-9;]+m", page):
            problems.append(f"{student}: an ANSI code without ESC")
    assert not problems, "\n".join(problems)


def test_stock_nbgrader_feedback_leaks_hidden_tests(graded):
    """Why this module exists: nbgrader issue #917."""
    assert leaked(graded.stock)


def test_points_match_the_gradebook(graded):
    course = graded.course
    full = max_scores(course, ASSIGNMENT)
    cell = re.compile(r'id="cell-([\w-]+)">\n<p class="cellhead">.*?'
                      r"</span> ([\d.]+) / ([\d.]+) points")
    for student in STUDENTS:
        got = {name: (float(score), float(top)) for name, score, top
               in cell.findall(graded.pages[student])}
        want = {name: (score, full[name])
                for name, score in scores(course, ASSIGNMENT,
                                          student).items()}
        assert got == want, student
        total = sum(s for s, _ in want.values())
        assert (f"<dt>Score</dt><dd>{total:g} / {sum(full.values()):g}"
                "</dd>") in graded.pages[student]


def test_known_mistakes_get_their_diagnosis_in_words(graded):
    for name, sub in MISTAKES.items():
        for phrase in sub.feedback:
            assert escape(phrase) in graded.pages[name], name
    assert "softmax is not implemented yet" in graded.pages["stub"]
    assert "status failed" not in graded.pages["reference"]


def test_untrusted_output_is_escaped(graded):
    page = graded.pages["string_result"]
    assert escape(SCRIPT) in page
    # the one script is MathJax, inlined and allowed by its hash alone
    assert page.lower().count("<script") == 1
    assert "\n<script>" in page and "<script src" not in page
    policy = re.search(r'http-equiv="Content-Security-Policy" '
                       r'content="([^"]+)"', page).group(1)
    policy = html.unescape(policy)
    assert "default-src 'none'" in policy
    assert re.search(r"script-src 'sha256-[A-Za-z0-9+/=]+';", policy)
    assert "unsafe-inline" not in policy.split("script-src")[1].split(
        ";")[0]


def test_ansi_codes_and_control_characters_are_stripped():
    from autograder.reports import feedback

    assert feedback.clean("\x1b[31mred\x1b[0m\x07 \x1b[1;32mok\r\n") \
        == "red ok\n"


def test_markdown_math_survives_for_mathjax():
    from autograder.reports import feedback

    md = "| f | is |\n|---|---|\n| kl | $p \\,\\|\\, q$ |\n\n" \
        "$x_i$ and $y_j$ $$\\frac{a_1}{b_2}\\\\ c$$ `$code$` " \
        "<b>$1 < 2$</b> costs $5 and $6\n\n\\begin{align} a_1 &= b \\\\ c \\end{align}"
    cell = {"cell_type": "markdown", "source": md, "metadata": {}}
    text = feedback.render_page(_page(set(), cells=[cell]))
    for tex in (r"\(p \,\|\, q\)", r"\(x_i\)", r"\(y_j\)",
                r"\[\frac{a_1}{b_2}\\ c\]", r"\(1 &lt; 2\)",
                r"\begin{align} a_1 &amp;= b \\ c \end{align}"):
        assert f'tex2jax_process">{tex}</span>' in text, tex
    assert "<em>" not in text and "<code>$code$</code>" in text
    assert "costs $5 and $6" in text
    assert "&lt;b&gt;" in text and '<main class="tex2jax_ignore">' in text


def test_error_raised_by_a_hidden_line_keeps_the_visible_context(graded):
    page = graded.pages["renamed"]
    assert "NameError: name &#39;softmax&#39; is not defined" in page
    assert "Cell In[" in page
    assert "not shown: hidden tests" in page
    assert "# (hidden tests: run by the grader)" in page


def test_failed_submission_says_why_but_never_shows_flags(graded):
    page = graded.pages["unrunnable"]
    assert "could not be graded" in page
    assert escape(FAILED_REASON) in page
    for student_page in graded.pages.values():
        assert FLAG not in student_page


def test_late_penalty_in_the_header():
    from autograder.reports import feedback

    grades = feedback.StudentGrades(
        7, 10, 2, {"nb": feedback.NotebookGrades(7, 10, 2)})
    page = feedback.Page("a", "s", "nb", grades, feedback.Redactor(set()),
                         None, [])
    text = feedback.render_page(page)
    header = text.split("</header>")[0]
    assert "Late penalty" in header and "<dd>5 / 10</dd>" in header
    assert "<script" not in text and "script-src" not in text  # no math


def test_plain_python_traceback_loses_grader_frames():
    from autograder.reports import feedback

    redactor = feedback.Redactor({"hidden.check(f)"})
    tb = ["Traceback (most recent call last):\n"
          '  File "<ipython-input-3>", line 4, in <module>\n'
          "    hidden.check(f)\n"
          '  File "/srv/x/autograder/checks/softmax.py", line 9, in check\n'
          "    expected = reference(secret_input)\n"
          '  File "numpy/_core/fromnumeric.py", line 5, in sum\n'
          "    return _wrapreduction(secret_input)\n"
          "KeyError: 3"]
    lines = redactor.traceback(tb, "KeyError: 3")
    text = "\n".join(lines)
    assert "secret_input" not in text and "hidden.check" not in text
    assert "ipython-input-3" in text


def _page(hidden: set[str], cells: dict | None = None, cells_of=None):
    """A page of one notebook with one failed test_f; ``cells`` of the
    notebook, ``cells_of`` the state file's record of its cells."""
    from autograder.grading.state import Outcome
    from autograder.reports import feedback

    grades = feedback.StudentGrades(0, 1, 0, {"nb": feedback.NotebookGrades(
        0, 1, 0, {"test_f": (0.0, 1.0)})})
    outcome = Outcome("s", "graded", cells=cells_of) if cells_of else None
    return feedback.Page("a", "s", "nb", grades, feedback.Redactor(hidden),
                         outcome, cells or [])


def test_outputs_quoting_hidden_lines_are_cut():
    """A later cell can print IPython's input history (``In``), hidden
    test cells included."""
    from autograder.reports import feedback

    page = _page({"hidden.softmax_values(softmax)"})
    history = "['', '### BEGIN HIDDEN TESTS\\nhidden.softmax_values(" \
        "softmax)\\n']\nvisible line"
    out = feedback.outputs(page, [{"output_type": "stream",
                                   "name": "stdout", "text": history}],
                           False)
    assert "softmax_values" not in out[0].text
    assert "visible line" in out[0].text


def test_state_diagnosis_shown_when_the_notebook_lacks_it():
    from autograder.reports import feedback

    record = {"test_f": {"notebook": "nb", "passed": False,
                         "diagnosis": "f(x) is 2 times <right>"}}
    cell = {"cell_type": "code", "source": "f(1)", "outputs": [],
            "metadata": {"nbgrader": {"grade": True, "grade_id": "test_f"}}}
    text = feedback.render_page(_page(set(), [cell], record))
    assert "f(x) is 2 times &lt;right&gt;" in text
    assert "status failed" in text


def test_command_line(graded):
    from autograder.reports import feedback

    parser = argparse.ArgumentParser()
    feedback.add_arguments(parser)
    args = parser.parse_args([ASSIGNMENT, "--student", "reference"])
    assert feedback.command(args, graded.course) == 0
    args = parser.parse_args([ASSIGNMENT, "--student", "nobody"])
    assert feedback.command(args, graded.course) == 1

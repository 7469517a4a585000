"""The catalogue through ``python -m autograder grade``.

The grade command judges test cells outside the student's process, with
per-student hidden inputs. On the catalogue of realistic mistakes and
correct variants it must give exactly the points stock nbgrader gives
(tests/test_autograde.py checks stock nbgrader on a part of the same
catalogue), name the mistake in its diagnosis, and flag no one: every
submission here is honest.
"""
from __future__ import annotations

import html

import pytest

from catalogue import CATALOGUES, sample
from catalogue.common import expected_scores
from coursekit import (build_submission, make_course, max_scores, scores,
                       submit)
from autograder.grading import command as gradecmd
from autograder.grading.sandbox import bwrap_path

pytestmark = pytest.mark.skipif(
    bwrap_path() is None, reason="bubblewrap is not installed")


#: The whole catalogue but for three quarters of the trivial answers (every
#: fourth still covers every kind in every assignment; all of them run in
#: process, test_catalogue_checks.py).
GRADED = {a: sample(a, realistic=1, trivial=4) for a in CATALOGUES}


@pytest.fixture(scope="module", params=sorted(CATALOGUES))
def graded(request, tmp_path_factory):
    """(assignment, course, outcomes) after one grade run of the whole
    catalogue of one assignment (one course each, so that the test
    workers share the assignments out: see conftest.py)."""
    assignment = request.param
    course = make_course(tmp_path_factory.mktemp(f"catalogue-{assignment}"),
                         [assignment])
    # A fixed grading secret, so the per-student seeds of a failing run can
    # be reproduced; test_check_robustness.py varies the seeds.
    (course / "grading_state").mkdir()
    (course / "grading_state" / "secret").write_bytes(b"catalogue" * 4)
    submit(course, "reference", assignment, build_submission(assignment, {}))
    submit(course, "stub", assignment,
           build_submission(assignment, {}, base="stub"))
    for sub in GRADED[assignment]:
        submit(course, sub.name, assignment,
               build_submission(assignment, sub.answers, sub.base))
    return assignment, course, gradecmd.run(assignment, root=course,
                                            quiet=True)


def test_points_match_the_catalogue(graded):
    assignment, course, outcomes = graded
    full = max_scores(course, assignment)
    problems = []
    assert scores(course, assignment, "reference") == full
    assert sum(scores(course, assignment, "stub").values()) == 0
    for sub in GRADED[assignment]:
        expected = expected_scores(assignment, sub, full)
        got = scores(course, assignment, sub.name)
        if got != expected:
            wrong = {c: got[c] for c in got if got[c] != expected[c]}
            o = outcomes[sub.name]
            problems.append(f"{sub.name} ({o.state} {o.reason}): differs "
                            f"in {wrong}: {o.cells}")
    assert not problems, "\n".join(problems)


def test_diagnoses_name_the_mistake(graded):
    assignment, _, outcomes = graded
    problems = []
    for sub in GRADED[assignment]:
        cells = outcomes[sub.name].cells
        text = " ".join(c["diagnosis"] for c in cells.values())
        problems += [f"{sub.name}: no {p!r} in {text!r}"
                     for p in sub.feedback if p not in text]
    assert not problems, "\n".join(problems)


def test_no_honest_submission_is_flagged(graded):
    assignment, _, outcomes = graded
    flagged = {s: o.flags for s, o in outcomes.items()
               if o.flags}
    assert not flagged
    not_graded = {s: f"{o.state}: {o.reason}"
                  for s, o in outcomes.items()
                  if o.state != "graded"}
    assert not not_graded


def test_feedback_teaches_without_revealing(graded):
    """Every student's feedback page: the diagnosis in words, never a line
    of the hidden tests, never the grader's code."""
    from test_feedback import leaked

    from autograder.reports import feedback

    assignment, course, outcomes = graded
    pages = feedback.build(assignment, course)
    assert len(pages) == len(outcomes)
    problems = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        student = page.parent.parent.name
        problems += [f"{student}: hidden line {line!r}"
                     for line in leaked(text, assignment)]
        problems += [f"{student}: grader internals {word!r}"
                     for word in ("autograder.checks", "autograder/",
                                  "hidden.") if word in text]
    for sub in GRADED[assignment]:
        text = (course / "feedback" / sub.name / assignment
                / f"{assignment}.html").read_text(encoding="utf-8")
        problems += [f"{sub.name}: feedback lacks {p!r}" for p in sub.feedback
                     if html.escape(p) not in text and p not in text]
    assert not problems, "\n".join(problems[:20])

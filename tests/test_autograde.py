"""Real ``nbgrader autograde`` and ``generate_feedback`` on a course copy.

Plain nbgrader must keep working on this course and give the grades the
grade command gives (tests/test_grade_catalogue.py runs the whole
catalogue through the grade command). One class per assignment: the
reference solution, the released stub and a sample of the catalogue
(stock autograde costs 2 to 6 s a notebook, serially), graded in one
nbgrader run. The test asserts the points of every grade cell and the
diagnoses in the feedback.
"""
from __future__ import annotations

import time

import pytest

from catalogue import CATALOGUES, sample
from catalogue.common import expected_scores
from coursekit import (build_submission, feedback_html, make_course,
                       max_scores, run_nbgrader, scores, submit)

#: Every fifth realistic submission, the audit's correct answers (those
#: that make NumPy warn test nbgrader's rule that output on stderr scores
#: 0) and every fifteenth trivial answer: stock autograde costs 2 to 6 s a
#: notebook, serially.
SAMPLE = {a: sample(a, realistic=5, trivial=15, audit_wrong=False)
          for a in CATALOGUES}


@pytest.fixture(scope="module", params=sorted(CATALOGUES))
def graded_class(request, tmp_path_factory):
    """(assignment, course dir, seconds per submission) after grading."""
    assignment = request.param
    course = make_course(tmp_path_factory.mktemp(f"course-{assignment}"),
                         [assignment])
    submit(course, "reference", assignment,
           build_submission(assignment, {}))
    submit(course, "stub", assignment,
           build_submission(assignment, {}, base="stub"))
    for sub in SAMPLE[assignment]:
        submit(course, sub.name, assignment,
               build_submission(assignment, sub.answers, sub.base))
    count = len(SAMPLE[assignment]) + 2
    start = time.perf_counter()
    run_nbgrader(course, "autograde", assignment, "--force")
    per_submission = (time.perf_counter() - start) / count
    print(f"\nnbgrader autograde {assignment}: {per_submission:.2f} s "
          f"per submission ({count} submissions)")
    run_nbgrader(course, "generate_feedback", assignment, "--force")
    return assignment, course


def test_reference_gets_full_marks(graded_class):
    assignment, course = graded_class
    assert scores(course, assignment, "reference") \
        == max_scores(course, assignment)


def test_released_stub_gets_zero(graded_class):
    assignment, course = graded_class
    got = scores(course, assignment, "stub")
    assert got and sum(got.values()) == 0, got


def test_catalogue_scores_and_feedback(graded_class):
    assignment, course = graded_class
    full = max_scores(course, assignment)
    problems = []
    for sub in SAMPLE[assignment]:
        expected = expected_scores(assignment, sub, full)
        got = scores(course, assignment, sub.name)
        if got != expected:
            problems.append(f"{sub.name}: expected {expected}, got {got}")
        html = feedback_html(course, assignment, sub.name)
        for phrase in sub.feedback:
            if phrase.replace("'", "&#39;") not in html \
                    and phrase not in html:
                problems.append(f"{sub.name}: feedback lacks {phrase!r}")
    assert not problems, "\n".join(problems)


def test_stub_feedback_says_not_implemented(graded_class):
    assignment, course = graded_class
    assert "is not implemented yet" in feedback_html(course, assignment,
                                                     "stub")


def test_nbgrader_export_writes_every_students_total(graded_class):
    import csv

    assignment, course = graded_class
    run_nbgrader(course, "export")
    with open(course / "grades.csv", newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)
                if r["assignment"] == assignment}
    full = sum(max_scores(course, assignment).values())
    assert float(rows["reference"]["raw_score"]) == full
    assert float(rows["stub"]["raw_score"]) == 0
    assert len(rows) == len(SAMPLE[assignment]) + 2

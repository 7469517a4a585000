"""The grade command writes grades into PostgreSQL through nbgrader's db_url.

Two copies of the course grade the same class of three submissions with
the same command: one with nbgrader's default SQLite gradebook, one whose
nbgrader_config.py points ``c.CourseDirectory.db_url`` at a throwaway
PostgreSQL server (tests/pgserver.py). The grades read back from
PostgreSQL with nbgrader's own Gradebook must equal SQLite's, and a rerun
must skip every unchanged submission and leave them as they were.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from coursekit import build_submission, make_course, submit
from pgserver import postgres
from autograder.grading.sandbox import bwrap_path

A = "entropy"
pytestmark = pytest.mark.skipif(
    bwrap_path() is None,
    reason="bubblewrap is not installed (apt-get install bubblewrap; "
    "make test does as root)")

WRONG_GRAD = ("def entropy_grad(p, base=2.0):\n"
              "    p = np.asarray(p, dtype=np.float64)\n"
              "    return (np.log(p) + 1.0) / np.log(base)  # sign flipped\n")


def course_with_db(dest: Path, db_url: str | None) -> Path:
    """A course copy releasing A into the gradebook at ``db_url``
    (None: nbgrader's default, dest/gradebook.db)."""
    make_course(dest, [A], db_url)
    submit(dest, "ref", A, build_submission(A, {}))
    submit(dest, "stub", A, build_submission(A, {}, base="stub"))
    submit(dest, "wrong", A, build_submission(
        A, {"entropy_grad_answer": WRONG_GRAD}))
    return dest


def gradebook(db_url: str) -> dict:
    """student -> (total score, {grade cell: (auto score, max score)})."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(db_url, "dl-losses") as gb:
        for sub in gb.find_assignment(A).submissions:
            nb = gb.find_submission_notebook(A, A, sub.student.id)
            out[sub.student.id] = (float(nb.score), {
                g.name: (g.auto_score, float(g.max_score))
                for g in nb.grades})
    return out


def test_grades_go_into_postgresql_like_into_sqlite(tmp_path):
    sys.modules.setdefault("rfc3987_syntax", None)
    from autograder.grading import command as gradecmd
    from autograder.course import load_config

    lite = course_with_db(tmp_path / "sqlite", None)
    lite_out = gradecmd.run(A, root=lite, quiet=True)
    lite_url = load_config(lite).db_url
    assert lite_url.startswith("sqlite:///")

    with postgres() as url:
        pg = course_with_db(tmp_path / "postgres", url)
        assert load_config(pg).db_url == url
        assert not (pg / "gradebook.db").exists(), \
            "generate_assignment ignored db_url and wrote SQLite"

        outcomes = gradecmd.run(A, root=pg, quiet=True)
        assert {s: o.state for s, o in outcomes.items()} == {
            "ref": "graded", "stub": "graded", "wrong": "graded"}, \
            {s: (o.state, o.reason) for s, o in outcomes.items()}
        assert not (pg / "gradebook.db").exists(), \
            "the grade command ignored db_url and wrote SQLite"

        in_pg = gradebook(url)
        assert in_pg == gradebook(lite_url)
        assert {s: (o.state, o.score, o.max_score)
                for s, o in outcomes.items()} == \
            {s: (o.state, o.score, o.max_score)
             for s, o in lite_out.items()}
        # the class is not trivial: full, zero and partial marks
        top = outcomes["ref"].max_score
        assert in_pg["ref"][0] == outcomes["ref"].score == top > 0
        assert in_pg["stub"][0] == 0
        assert 0 < in_pg["wrong"][0] < top
        assert all(auto is not None for _, cells in in_pg.values()
                   for auto, _ in cells.values())

        assert gradecmd.run(A, root=pg, quiet=True) == {}
        assert gradebook(url) == in_pg

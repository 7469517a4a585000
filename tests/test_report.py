"""The instructor report (autograder/report.py) on a small graded class.

One course copy, graded once by plain ``nbgrader autograde``: the reference,
the stub, catalogue mistakes, a copy of the reference (flagged) and a
submission recorded as timed out, plus two students without a submission,
one of them with a hostile id. The grade command's state file is written
here, with the diagnoses nbgrader's run left in the autograded notebooks.
"""
from __future__ import annotations

import argparse
import base64
import csv
import io
import json
import re
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from catalogue import CATALOGUES
from coursekit import (autograded_errors, build_submission, make_course,
                       run_nbgrader, scores, submit)

from autograder.reports import class_report as report

A = "entropy"
CATALOGUE = {s.name: s for s in CATALOGUES[A]}
MISTAKES = ("entropy_sign", "grad_missing_constant",
            "grad_plus_one_not_over_ln_b")
EVIL = "x<script>alert(1)"
EVIL_REASON = 'kernel died <script>alert("reason")</script>'
FLAG = "same answers as reference <b>verbatim</b>"
NAMES = {"reference": ("Ada", "Lovelace"), "absent": ("Alan", "Turing")}
DUE = "2025-03-01 12:00:00"
STAMPS = {"reference": "2025-02-27 09:30:00.123456 UTC",
          "grad_plus_one_not_over_ln_b": "2025-03-02 08:00:00 UTC"}
LATE = "grad_plus_one_not_over_ln_b"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def state_record(course: Path, student: str, **extra) -> dict:
    """A graded record as the grade command writes it: a diagnosis is
    "ename: evalue" (autograder/grading/execution.py)."""
    got = scores(course, A, student)
    errors = autograded_errors(course, A, student)
    cells = {cell: {"notebook": A, "passed": cell not in errors,
                    "diagnosis": f"CheckFailed: {errors[cell]}"
                    if cell in errors else ""} for cell in got}
    record = {"student": student, "state": "graded", "reason": "",
              "score": sum(got.values()), "max_score": 8.0,
              "fingerprint": "f" * 64, "seconds": 1.5, "notes": [],
              "flags": [], "cells": cells}
    record.update(extra)
    return record


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """The graded course with its state file."""
    from nbgrader.api import Gradebook

    course = make_course(tmp_path_factory.mktemp("report"), [A])
    # a late submission loses all its points: exercises the penalty column
    with open(course / "nbgrader_config.py", "a") as f:
        f.write('\nc.LateSubmissionPlugin.penalty_method = "zero"\n')
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.update_or_create_assignment(A, duedate=DUE)
    submit(course, "reference", A, build_submission(A, {}))
    submit(course, "copycat", A, build_submission(A, {}))
    submit(course, "stub", A, build_submission(A, {}, base="stub"))
    submit(course, "sleepy", A,
           build_submission(A, CATALOGUE["grad_sign"].answers))
    for name in MISTAKES:
        submit(course, name, A, build_submission(A, CATALOGUE[name].answers))
    for student, stamp in STAMPS.items():
        (course / "submitted" / student / A / "timestamp.txt").write_text(
            stamp)
    run_nbgrader(course, "autograde", A)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sid, (first, last) in NAMES.items():
            gb.update_or_create_student(sid, first_name=first,
                                        last_name=last)
        gb.update_or_create_student(EVIL)
    state = {s: state_record(course, s)
             for s in ("reference", "stub", *MISTAKES)}
    state["copycat"] = state_record(course, "copycat", flags=[FLAG])
    state["sleepy"] = state_record(
        course, "sleepy", state="timed out",
        reason="entropy.ipynb: cell test_entropy_grad_values ran past 10 s")
    # records written before flags and cells existed
    del state["stub"]["flags"], state["stub"]["cells"]
    state[EVIL] = {"student": EVIL, "state": "crashed",
                   "reason": EVIL_REASON, "score": 0.0, "max_score": 8.0,
                   "fingerprint": "", "seconds": 0.1, "notes": [],
                   "flags": ["<img src=x onerror=alert(2)>"],
                   "cells": {"test_code_lengths": {
                       "notebook": A, "passed": False,
                       "diagnosis": "<script>alert(3)</script>"}}}
    (course / "grading_state").mkdir()
    (course / "grading_state" / f"{A}.json").write_text(json.dumps(state))
    return course


@pytest.fixture(scope="module")
def built(course) -> dict[str, Path]:
    return report.build(A, course, course / "reports" / "out")


def test_grades_csv_equals_nbgrader_export(course, built):
    exported = course / "nbgrader-export.csv"
    run_nbgrader(course, "export", "--to", str(exported))
    lines = exported.read_text().splitlines()
    rows = [ln for ln in lines[1:] if ln.split(",")[0] == A]
    ours = built["grades"].read_text().splitlines()
    assert ours[0] == lines[0]
    assert ours[1:] == rows
    assert len(rows) == 9  # 7 submissions, 2 students without
    late = [r for r in rows if f",{LATE}," in r]
    # raw 4 of 8 (its entropy_grad is wrong), penalty 4, score 0, max 8
    assert late[0].endswith(",4.0,4.0,0.0,8.0")
    assert "2025-03-01 12:00:00" in late[0]


def test_canvas_csv(course, built):
    with open(built["canvas"], newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID",
                       "Section", A]
    assert rows[1] == ["Points Possible", "", "", "", "", "8"]
    by_id = {r[2]: r for r in rows[2:]}
    assert len(by_id) == 9
    for sid, row in by_id.items():
        assert row[1] == row[4] == "" and row[3] == sid
    assert by_id["reference"][0] == "Lovelace, Ada"
    assert by_id["absent"][0] == "Turing, Alan"
    assert by_id["stub"][0] == "stub"
    assert by_id["reference"][5] == "8"
    assert by_id["absent"][5] == by_id[EVIL][5] == by_id["stub"][5] == "0"
    assert by_id[LATE][5] == "0"  # late: penalty = score
    for sid in set(MISTAKES) - {LATE}:
        assert float(by_id[sid][5]) == sum(scores(course, A, sid).values())
        assert 0 < float(by_id[sid][5]) < 8


def test_canvas_column_name(course, tmp_path):
    paths = report.build(A, course, tmp_path, canvas_column="Entropy (47)")
    header = paths["canvas"].read_text().splitlines()[0]
    assert header.endswith(",Entropy (47)")


def test_html_figures_are_embedded_pngs(built):
    page = built["html"].read_text()
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)" '
                        r'alt="([^"]+)"', page)
    assert len(images) == 2  # scores, checks by diagnosis
    for data, alt in images:
        assert base64.b64decode(data, validate=True).startswith(PNG_MAGIC)
    alts = " ".join(alt for _, alt in images)
    assert "Histogram of the scores of 9 students" in alts
    assert "test_entropy_values" in alts and "test_code_lengths" in alts
    assert "split by diagnosis" in alts


def test_check_figure_splits_failures_by_diagnosis(course):
    """Each check's bar: its failures among completed runs, by diagnosis
    numbered as in the table; they add up to the failures."""
    data = report.collect(A, course)
    top, _ = report.common_diagnoses(data)
    bars, counted = report.check_bars(data, top)
    assert counted == 6  # graded: not the timed-out or crashed runs
    assert [b.label for b in bars] == [c.name for c in data.checks]
    for bar in bars:
        assert sum(bar.parts.values()) == bar.failures
    parts = [k for b in bars for k, n in b.parts.items() if n]
    assert 1 in parts  # the most common diagnosis has its own colour
    # "none": only the stub's record, written before cells were recorded
    stub = next(s for s in data.students if s.id == "stub")
    assert sum(b.parts.get("none", 0) for b in bars) == sum(
        stub.cells.get((c.notebook, c.name), 0) < c.max_score
        for c in data.checks) > 0
    # failures per check agree with the gradebook's points
    for bar, check in zip(bars, data.checks):
        assert bar.failures == sum(
            s.cells.get((check.notebook, check.name), 0) < check.max_score
            for s in report.completed(data))


def test_messages_lose_their_checkfailed_prefix(built):
    page = built["html"].read_text()
    assert "CheckFailed" not in page
    assert report.message("CheckFailed: dW is 2 times right") \
        == "dW is 2 times right"
    assert report.message("NameError: x") == "NameError: x"
    # self-contained: nothing fetched
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_html_summary_tables_and_escaping(built):
    page = built["html"].read_text()
    assert "<script" not in page and "<img src=x" not in page
    assert "x&lt;script&gt;alert(1)" in page
    assert "&lt;script&gt;alert(&#34;reason&#34;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "same answers as reference &lt;b&gt;verbatim&lt;/b&gt;" in page
    summary = dict(re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td></tr>",
                              page))
    assert summary["students"] == "9" and summary["submitted"] == "7"
    assert summary["graded"] == "6" and summary["timed out"] == "1"
    assert summary["crashed"] == "1" and summary["failed"] == "0"
    assert summary["flagged"] == "2"
    assert "ran past 10 s" in page and "sleepy" in page


def test_same_mistake_different_numbers_grouped(built):
    """entropy_sign and sleepy (grad_sign) both get "It is -1 times";
    the diagnoses count every failing check once."""
    page = built["html"].read_text()
    rows = re.findall(r"<tr><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>"
                      r"<td>([^<]*)</td><td>([^<]*)</td></tr>", page)
    assert rows and all("#" in r[4] or not re.search(r"\d\.\d", r[4])
                        for r in rows)
    counts = [int(r[1]) for r in rows]
    assert counts == sorted(counts, reverse=True)
    assert max(int(r[2]) for r in rows) >= 2  # one message, two students


def test_normalise():
    assert report.normalise("It is -1 times: 1.443 in every entry") \
        == "It is # times: # in every entry"
    assert report.normalise("got [0.5 0. 0.25],\n want [1. 2.]") \
        == "got [#], want [#]"
    assert report.normalise("log2 of float64 in test_1 is off by 2.") \
        == "log2 of float64 in test_1 is off by #."


def test_without_state_file(course, tmp_path):
    """A course graded by plain nbgrader only: gradebook data alone."""
    copy = tmp_path / "course"
    copy.mkdir()
    for name in ("nbgrader_config.py", "gradebook.db"):
        shutil.copy(course / name, copy / name)
    shutil.copytree(course / "exercises", copy / "exercises")
    paths = report.build(A, copy, tmp_path / "out")
    page = paths["html"].read_text()
    assert "No grade-command record" in page
    assert page.count("data:image/png;base64,") == 2
    assert paths["grades"].read_text() \
        == (course / "reports" / "out" / "grades.csv").read_text()


def test_command_default_out(course):
    parser = argparse.ArgumentParser()
    report.add_arguments(parser)
    args = parser.parse_args([A])
    with redirect_stdout(io.StringIO()) as printed:
        assert report.command(args, course) == 0
    out = course / "reports" / A
    for name in ("grades.csv", "canvas.csv", "report.html"):
        assert (out / name).is_file()
        assert str(out / name) in printed.getvalue()


def test_unknown_assignment(course, tmp_path):
    with pytest.raises(SystemExit, match="not in the gradebook"):
        report.build("nope", course, tmp_path)

"""Benchmark: the class report and feedback pages of one assignment.

A synthetic class (default 30 students, entropy): a third reference
answers, a third catalogue mistakes, a third unanswered stubs, graded by
stock `nbgrader autograde`. A grade-command state file is written with the
diagnoses from the autograded notebooks, one submission timed out and two
flagged. Then `autograder.reports.class_report.build` runs --repeats
times; prints the wall seconds of the first run (imports included) and
the median of the others, and, for scale, of `nbgrader export`; then
`autograder.reports.feedback.build` once for the class, with the size of
a page (MathJax is inlined into each). Not a test:

    .venv/bin/python bench/reports.py [--students 30] [--assignment A]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.modules.setdefault("rfc3987_syntax", None)

from autograder.reports import class_report as report  # noqa: E402
from autograder.reports import feedback  # noqa: E402
from catalogue import CATALOGUES  # noqa: E402
from coursekit import (autograded_errors, make_course,  # noqa: E402
                       run_nbgrader, scores)
from grading import fill_assignment  # noqa: E402 - bench/grading.py


def write_state(course: Path, assignment: str, ids: list[str]) -> None:
    """A grading_state/ASSIGNMENT.json as the grade command writes it."""
    state = {}
    for n, student in enumerate(ids):
        got = scores(course, assignment, student)
        errs = autograded_errors(course, assignment, student)
        state[student] = {
            "student": student, "state": "graded", "reason": "",
            "score": sum(got.values()), "max_score": 0.0,
            "fingerprint": "", "seconds": 1.7, "notes": [],
            "flags": ["same answers as student000"] if n in (3, 6) else [],
            "cells": {c: {"notebook": assignment, "passed": c not in errs,
                          "diagnosis": f"CheckFailed: {errs[c]}"
                          if c in errs else ""} for c in got}}
    state[ids[-1]].update(state="timed out",
                          reason=f"{assignment}.ipynb: notebook ran "
                          "past 600 s")
    folder = course / "grading_state"
    folder.mkdir(exist_ok=True)
    (folder / f"{assignment}.json").write_text(json.dumps(state, indent=1))


def timed(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--assignment", default="entropy",
                        choices=sorted(CATALOGUES))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    a = args.assignment
    with tempfile.TemporaryDirectory() as tmp:
        course = make_course(Path(tmp) / "course", [a])
        ids = fill_assignment(course, a, args.students)
        t_grade = timed(lambda: run_nbgrader(course, "autograde", a,
                                             timeout=7200))
        write_state(course, a, ids)
        out = course / "reports" / a
        runs = [timed(lambda: report.build(a, course, out))
                for _ in range(max(2, args.repeats))]
        t_export = timed(lambda: run_nbgrader(course, "export", "--to",
                                              str(Path(tmp) / "g.csv")))
        sizes = {p.name: p.stat().st_size for p in out.iterdir()}
        start = time.perf_counter()
        pages = feedback.build(a, course)
        t_feedback = time.perf_counter() - start
        page_kib = max(p.stat().st_size for p in pages) / 1024
    print(f"class: {args.students} students, assignment {a}")
    print(f"stock nbgrader autograde: {t_grade:.1f} s")
    print(f"report build, first (with imports): {runs[0]:.2f} s")
    print(f"report build, median of {len(runs) - 1} more: "
          f"{statistics.median(runs[1:]):.2f} s")
    print(f"nbgrader export (for scale): {t_export:.2f} s")
    print("files: " + ", ".join(f"{n} {s / 1024:.0f} KiB"
                                for n, s in sorted(sizes.items())))
    print(f"feedback build: {t_feedback:.2f} s for {len(pages)} pages "
          f"(imports included), largest page {page_kib:.0f} KiB")


if __name__ == "__main__":
    main()

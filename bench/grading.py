"""Benchmark: stock serial `nbgrader autograde` against the grade command.

One synthetic class (default 30 students x every assignment; a third
reference answers, a third catalogue mistakes, a third unanswered stubs)
is graded in two identical course copies: by `nbgrader autograde` for each
assignment, one after the other, and by `python -m autograder grade`
(sandboxed, default workers). Prints both wall times, seconds per
notebook, the bare floor (start a kernel, run one cell, stop it), whether
the grades are identical, and last `ratio <stock / ours>`. Not a test:

    .venv/bin/python bench/grading.py [--students 30] [--jobs N]
"""
from __future__ import annotations

import argparse
import itertools
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.modules.setdefault("rfc3987_syntax", None)

from autograder.course import assignments  # noqa: E402
from catalogue import CATALOGUES  # noqa: E402
from coursekit import (build_submission, make_course, run_nbgrader,  # noqa
                       submit)


def fill(course: Path, students: int) -> int:
    count = 0
    for a in assignments():
        wrong = itertools.cycle([s for s in CATALOGUES[a] if s.fails])
        for i in range(students):
            kind = i % 3
            if kind == 0:
                nb = build_submission(a, {})
            elif kind == 1:
                nb = build_submission(a, next(wrong).answers)
            else:
                nb = build_submission(a, {}, base="stub")
            submit(course, f"student{i:03d}", a, nb)
            count += 1
    return count


def floor(repeats: int = 5) -> float:
    """Median seconds to start a kernel, run one cell and stop it."""
    from jupyter_client.manager import start_new_kernel

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        km, kc = start_new_kernel(kernel_name="python3")
        kc.execute_interactive("1 + 1", timeout=60)
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def scores(course: Path) -> dict:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for a in assignments():
            for sub in gb.assignment_submissions(a):
                for nb in sub.notebooks:
                    for g in nb.grades:
                        out[(a, sub.student.id, g.name)] = g.score
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int)
    args = parser.parse_args()
    names = assignments()
    with tempfile.TemporaryDirectory() as tmp:
        stock = make_course(Path(tmp) / "stock", names)
        ours = make_course(Path(tmp) / "ours", names)
        n = fill(stock, args.students)
        fill(ours, args.students)
        base = floor()
        start = time.perf_counter()
        for a in names:
            run_nbgrader(stock, "autograde", a, timeout=7200)
        t_stock = time.perf_counter() - start
        start = time.perf_counter()
        for a in names:
            cmd = [sys.executable, "-m", "autograder", "grade", a]
            if args.jobs:
                cmd += ["--jobs", str(args.jobs)]
            subprocess.run(cmd, cwd=ours, check=True, capture_output=True)
        t_ours = time.perf_counter() - start
        same = scores(stock) == scores(ours)
    print(f"class: {args.students} students x {len(names)} assignments "
          f"= {n} notebooks")
    print(f"floor (start kernel, run one cell, stop): {base:.2f} s")
    print(f"stock nbgrader autograde (serial): {t_stock:.1f} s, "
          f"{t_stock / n:.2f} s per notebook")
    print(f"python -m autograder grade (sandboxed, parallel): "
          f"{t_ours:.1f} s, {t_ours / n:.2f} s per notebook")
    print(f"grades identical: {same}")
    print(f"ratio {t_stock / t_ours:.2f}")


if __name__ == "__main__":
    main()

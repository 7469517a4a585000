"""Benchmark: stock serial `nbgrader autograde` against the grade command.

One synthetic class (default 30 students x every assignment; a third
reference answers, a third catalogue mistakes, a third unanswered stubs)
is graded in two identical course copies: by `nbgrader autograde` for each
assignment, one after the other, and by `python -m autograder grade`
(sandboxed, default workers). Prints both wall times, seconds per
notebook, the bare floor (start a kernel, run one cell, stop it), whether
the grades are identical, and last `ratio <stock / ours>`. Not a test:

    .venv/bin/python bench/grading.py [--students 30] [--jobs N]
        [--assignment A] [--no-stock]

--assignment grades one assignment instead of all seven; --no-stock skips
stock nbgrader (an hour at 300 students) and ends with the grade
command's wall time per notebook against its floor (the sandboxed
worker's floor divided by the cores in use), `ratio <ours / floor>`.
The grade command's peak memory (RSS of its own process, sampled) and the
gradebook's size are printed too.

With ``--sweep 1,2,3,4,6`` it grades only with the grade command, once per
worker count (a forced regrade each), to choose the default.
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


def fill_assignment(course: Path, assignment: str,
                    students: int) -> list[str]:
    """Submit a synthetic class for one assignment: a third reference
    answers, a third catalogue mistakes, a third stubs; the student ids."""
    wrong = itertools.cycle([s for s in CATALOGUES[assignment] if s.fails])
    ids = []
    for i in range(students):
        kind = i % 3
        if kind == 0:
            nb = build_submission(assignment, {})
        elif kind == 1:
            nb = build_submission(assignment, next(wrong).answers)
        else:
            nb = build_submission(assignment, {}, base="stub")
        ids.append(f"student{i:03d}")
        submit(course, ids[-1], assignment, nb)
    return ids


def fill(course: Path, students: int, names: list[str]) -> int:
    """The synthetic class for the assignments ``names``; the notebook
    count."""
    return sum(len(fill_assignment(course, a, students)) for a in names)


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


def worker_floor(repeats: int = 5) -> float:
    """Median seconds to start the sandboxed worker, run one cell and
    stop it: the grade command's own floor."""
    from autograder.grading.remote import Session
    from autograder.grading.sandbox import Limits

    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            session = Session(Path(tmp), Limits())
            session.run_cell("1 + 1", 60)
            session.close()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def grade_all(course: Path, jobs: int | None, force: bool = False,
              names: list[str] | None = None) -> tuple[float, int]:
    """(wall seconds, peak RSS in bytes of the grade command's own
    process) of grading ``names`` (every assignment) one after another."""
    import psutil

    start, peak = time.perf_counter(), 0
    for a in names or assignments():
        cmd = [sys.executable, "-m", "autograder", "grade", a]
        cmd += ["--jobs", str(jobs)] if jobs else []
        cmd += ["--force"] if force else []
        proc = subprocess.Popen(cmd, cwd=course, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        watched = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                peak = max(peak, watched.memory_info().rss)
            except psutil.NoSuchProcess:
                break
            time.sleep(0.05)
        if proc.wait() != 0:
            raise RuntimeError(proc.stderr.read().decode()[-2000:])
    return time.perf_counter() - start, peak


def sweep(students: int, counts: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        course = make_course(Path(tmp) / "ours", assignments())
        n = fill(course, students, assignments())
        grade_all(course, None)  # warm the disk cache and the gradebook
        for jobs in counts:
            t, _ = grade_all(course, jobs, force=True)
            print(f"jobs {jobs}: {t:.1f} s, {t / n:.3f} s per notebook")


def states(course: Path, names: list[str]) -> list[str]:
    """Submissions the grade command did not grade cleanly."""
    import json

    out = []
    for a in names:
        path = course / "grading_state" / f"{a}.json"
        for student, o in json.loads(path.read_text()).items():
            if o["state"] != "graded" or o.get("flags"):
                out.append(f"{a} {student}: {o['state']} {o['reason']} "
                           f"{o.get('flags')}")
    return out


def scores(course: Path, names: list[str]) -> dict:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for a in names:
            for sub in gb.assignment_submissions(a):
                for nb in sub.notebooks:
                    for g in nb.grades:
                        out[(a, sub.student.id, g.name)] = g.score
    return out


def main() -> None:
    import os

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--jobs", type=int)
    parser.add_argument("--assignment", choices=assignments(),
                        help="grade this assignment only")
    parser.add_argument("--no-stock", action="store_true",
                        help="skip stock nbgrader autograde")
    parser.add_argument("--sweep", help="comma-separated worker counts")
    args = parser.parse_args()
    if args.sweep:
        sweep(args.students, [int(j) for j in args.sweep.split(",")])
        return
    names = [args.assignment] if args.assignment else assignments()
    cores = args.jobs or os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        ours = make_course(Path(tmp) / "ours", names)
        n = fill(ours, args.students, names)
        own = worker_floor()
        if not args.no_stock:
            stock = make_course(Path(tmp) / "stock", names)
            fill(stock, args.students, names)
            base = floor()
            start = time.perf_counter()
            for a in names:
                run_nbgrader(stock, "autograde", a, timeout=7200)
            t_stock = time.perf_counter() - start
        t_ours, peak = grade_all(ours, args.jobs, names=names)
        size = (ours / "gradebook.db").stat().st_size
        unusual = states(ours, names)
        if not args.no_stock:
            a_scores, b_scores = scores(stock, names), scores(ours, names)
            differ = sorted(k for k in set(a_scores) | set(b_scores)
                            if a_scores.get(k) != b_scores.get(k))
    print(f"class: {args.students} students x {len(names)} assignments "
          f"= {n} notebooks")
    print(f"grade command's floor (start sandboxed worker, run one cell, "
          f"stop): {own:.2f} s; over {cores} cores {own / cores:.3f} s")
    print(f"python -m autograder grade (sandboxed, parallel): "
          f"{t_ours:.1f} s, {t_ours / n:.3f} s per notebook, "
          f"{t_ours / n / (own / cores):.2f} x the floor")
    print(f"grade command's peak memory (its own process): "
          f"{peak / 2**20:.0f} MB; gradebook {size / 2**20:.1f} MB")
    for line in unusual:
        print(f"  not graded cleanly: {line}")
    if args.no_stock:
        print(f"ratio {t_ours / n / (own / cores):.2f}")
        return
    print(f"floor (start kernel, run one cell, stop): {base:.2f} s")
    print(f"stock nbgrader autograde (serial): {t_stock:.1f} s, "
          f"{t_stock / n:.2f} s per notebook")
    print(f"grades identical: {not differ}")
    for key in differ[:10]:
        print(f"  differs: {key}: stock {a_scores.get(key)}, "
              f"ours {b_scores.get(key)}")
    print(f"ratio {t_stock / t_ours:.2f}")


if __name__ == "__main__":
    main()

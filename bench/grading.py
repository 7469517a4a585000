"""Benchmark: stock serial `nbgrader autograde` against the grade command.

One synthetic class (default 30 students x every assignment; a third
reference answers, a third catalogue mistakes, a third unanswered stubs)
is graded in two identical course copies: by `nbgrader autograde` for each
assignment, one after the other, and by `python -m autograder grade`
(sandboxed, default workers). Prints both wall times, seconds per
notebook, the bare floor (start a kernel, run one cell, stop it), whether
the grades are identical, and last `ratio <stock / ours>`. Not a test:

    .venv/bin/python bench/grading.py [--students 30] [--jobs N]
        [--assignment A] [--no-stock] [--db sqlite|postgres] [--cluster]
        [--cold]

--assignment grades one assignment instead of all seven; --no-stock skips
stock nbgrader (an hour at 300 students) and ends with the grade
command's wall time per notebook against its floor (start a sandboxed
worker as the grade command does, forked, run one cell, stop it; divided
by the cores in use), `ratio <ours / floor>`.
The grade command's peak memory (RSS of its own process and of its fork
server, sampled) and the gradebook's size are printed too; so is the
floor with workers started cold (AUTOGRADER_COLD_WORKERS=1).

--db postgres puts the gradebook (of both copies) on a throwaway
PostgreSQL server (tests/pgserver.py, commits flushed to disk as on a
real server). --cluster grades a third copy on a Dask cluster of separate
processes started with Dask's own commands, ``dask scheduler`` and two
``dask worker`` (half the local pool's threads each), reports its wall
time against the local pool's and whether the grades are identical.

--cold has the grade command start its workers cold, to compare with
the fork server in one sitting. The grade command grades every
assignment of the class in one run (``grade A B ...``, one start);
--per-assignment starts it once per assignment instead, as stock
nbgrader must be.

The notebook floor goes further than the floor: a sandboxed worker runs
a whole notebook's cells as the grade command sends them (hidden tests
removed), nothing judged or saved; the grade command's time per
notebook against it (over the cores in use) is what grading adds to
running the notebooks sandboxed.

With ``--sweep 1,2,3,4,6`` it grades only with the grade command, once per
worker count (a forced regrade each), to choose the default.
"""
from __future__ import annotations

import argparse
import contextlib
import itertools
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.modules.setdefault("rfc3987_syntax", None)

from autograder.course import assignments  # noqa: E402
from catalogue import CATALOGUES  # noqa: E402
from coursekit import (build_submission, make_course,  # noqa: E402
                       run_nbgrader, submit)


@contextlib.contextmanager
def databases(kind: str, names: list[str]):
    """name -> gradebook URL (None for SQLite) of one fresh database per
    name."""
    if kind == "sqlite":
        yield {n: None for n in names}
        return
    from pgserver import postgres
    from sqlalchemy import create_engine, text

    with postgres(durable=True) as url:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for n in names:
                conn.execute(text(f"CREATE DATABASE {n}"))
        engine.dispose()
        yield {n: url.rsplit("/", 1)[0] + f"/{n}" for n in names}


@contextlib.contextmanager
def dask_cluster(threads: int, logs: Path):
    """A scheduler and two workers, each its own process started with
    Dask's commands (``threads`` in all); yields the scheduler's
    address."""
    import socket

    from distributed import Client

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).parent / "dask")
    commands = [[dask, "scheduler", "--host", "127.0.0.1", "--port",
                 str(port), "--no-dashboard"]]
    commands += [[dask, "worker", address, "--nthreads",
                  str(max(1, threads // 2)), "--nworkers", "1",
                  "--no-dashboard", "--name", f"w{i}"] for i in range(2)]
    procs = []
    try:
        for i, cmd in enumerate(commands):
            with open(logs / f"dask-{i}.log", "wb") as log:
                procs.append(subprocess.Popen(cmd, cwd=logs, stdout=log,
                                              stderr=subprocess.STDOUT))
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


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


def worker_floor(cold: bool, repeats: int = 5) -> float:
    """Median seconds to start the sandboxed worker, run one cell and
    stop it: the grade command's own floor, with workers started cold
    or forked (autograder.grading.forkserver; its own start is not
    counted)."""
    import os

    from autograder.grading.remote import Session
    from autograder.grading.sandbox import Limits

    times = []
    saved = os.environ.get("AUTOGRADER_COLD_WORKERS")
    os.environ["AUTOGRADER_COLD_WORKERS"] = "1" if cold else "0"
    try:
        for _ in range(repeats + 1):
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                session = Session(Path(tmp), Limits())
                session.run_cell("1 + 1", 60)
                session.close()
                times.append(time.perf_counter() - start)
    finally:
        if saved is None:
            del os.environ["AUTOGRADER_COLD_WORKERS"]
        else:
            os.environ["AUTOGRADER_COLD_WORKERS"] = saved
    return statistics.median(times[1:])


def notebook_floor(course: Path, names: list[str], students: int) -> float:
    """Mean seconds to start the sandboxed worker, run one notebook's
    code cells as the grade command sends them (sanitized, hidden tests
    removed) and stop it, over a reference answer, a catalogue mistake
    and a stub of each assignment (the class's mix): the sandbox's share
    of grading, without the outside verdicts and nbgrader's pipeline."""
    from autograder.course import load_config
    from autograder.grading import execution, judge, pipeline
    from autograder.grading.remote import Session
    from autograder.grading.sandbox import Limits
    from autograder.notebook import Markers, is_test_cell, plots

    cfg, limits, times = load_config(course), Limits(), []
    for pyplot in (False, True):    # a fork server's start is no notebook's
        with tempfile.TemporaryDirectory() as tmp:
            Session(Path(tmp), limits, pyplot=pyplot).close()
    for a in names:
        notebooks = pipeline.notebooks_of(cfg, a)
        for i in range(min(3, students)):
            job, _ = pipeline.prepare(cfg, a, f"student{i:03d}", notebooks)
            markers = Markers(*job["markers"])
            for text in job["notebooks"].values():
                nb = pipeline.job_notebook(text)
                with execution.scratch_folder(job["files"]) as scratch:
                    start = time.perf_counter()
                    session = Session(scratch, limits,
                                      pyplot=plots(nb))
                    for cell in nb.cells:
                        if cell.cell_type != "code":
                            continue
                        source = judge.strip_hidden(cell.source, markers) \
                            if is_test_cell(cell) else cell.source
                        session.run_cell(source, limits.cell_timeout)
                    session.close()
                    times.append(time.perf_counter() - start)
    return statistics.mean(times)


def grade_all(course: Path, jobs: int | None, force: bool = False,
              names: list[str] | None = None,
              scheduler: str | None = None,
              per_assignment: bool = False) -> tuple[float, int]:
    """(wall seconds, peak RSS in bytes of the grade command's own
    process and its fork server) of grading ``names`` (every
    assignment) one after another: by one command, or with
    ``per_assignment`` by one command each."""
    import psutil

    names = names or assignments()
    start, peak = time.perf_counter(), 0
    for batch in ([[a] for a in names] if per_assignment else [names]):
        cmd = [sys.executable, "-m", "autograder", "grade", *batch]
        cmd += ["--jobs", str(jobs)] if jobs else []
        cmd += ["--scheduler", scheduler] if scheduler else []
        cmd += ["--force"] if force else []
        proc = subprocess.Popen(cmd, cwd=course, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        watched = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                peak = max(peak, grader_rss(watched))
            except psutil.NoSuchProcess:
                break
            time.sleep(0.05)
        if proc.wait() != 0:
            raise RuntimeError(proc.stderr.read().decode()[-2000:])
    return time.perf_counter() - start, peak


def grader_rss(grader) -> int:
    """RSS of the grade command's process and of its fork server (the
    sandboxed workers are not the grader's)."""
    import psutil

    total = grader.memory_info().rss
    for child in grader.children():
        try:
            if any(a.endswith("forkserver.py") for a in child.cmdline()):
                total += child.memory_info().rss
        except psutil.Error:
            pass
    return total


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


def db_url(course: Path) -> str:
    """The gradebook URL the course's nbgrader_config.py sets, or
    nbgrader's default."""
    from autograder.course import load_config

    return load_config(course).db_url


def gradebook_bytes(course: Path) -> int:
    url = db_url(course)
    if url.startswith("sqlite"):
        return (course / "gradebook.db").stat().st_size
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(text(
            "SELECT pg_database_size(current_database())")).scalar()
    engine.dispose()
    return int(size)


def scores(course: Path, names: list[str]) -> dict:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(db_url(course)) as gb:
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
    parser.add_argument("--db", choices=("sqlite", "postgres"),
                        default="sqlite", help="where the gradebooks are")
    parser.add_argument("--cluster", action="store_true",
                        help="grade a copy on a Dask cluster too")
    parser.add_argument("--per-assignment", action="store_true",
                        help="one grade command per assignment (default: "
                        "one for all, as `grade A B ...`)")
    parser.add_argument("--sweep", help="comma-separated worker counts")
    parser.add_argument("--cold", action="store_true",
                        help="the grade command starts its workers cold "
                        "(AUTOGRADER_COLD_WORKERS=1), not forked")
    args = parser.parse_args()
    if args.cold:       # inherited by the grade command and Dask's workers
        os.environ["AUTOGRADER_COLD_WORKERS"] = "1"
    if args.sweep:
        sweep(args.students, [int(j) for j in args.sweep.split(",")])
        return
    names = [args.assignment] if args.assignment else assignments()
    jobs = args.jobs or 2 * (os.cpu_count() or 1)
    cores = min(jobs, os.cpu_count() or 1)   # the cores in use
    copies = ["ours"] + (["stock"] if not args.no_stock else []) \
        + (["cluster"] if args.cluster else [])
    with tempfile.TemporaryDirectory() as tmp, \
            databases(args.db, copies) as urls:
        courses = {c: make_course(Path(tmp) / c, names, urls[c])
                   for c in copies}
        n = 0
        for c in copies:
            n = fill(courses[c], args.students, names)
        ours = courses["ours"]
        cold = worker_floor(cold=True)
        own = worker_floor(cold=False)
        if not args.no_stock:
            base = floor()
            start = time.perf_counter()
            for a in names:
                run_nbgrader(courses["stock"], "autograde", a, timeout=7200)
            t_stock = time.perf_counter() - start
        t_ours, peak = grade_all(ours, args.jobs, names=names,
                                 per_assignment=args.per_assignment)
        cells = notebook_floor(ours, names, args.students)
        size = gradebook_bytes(ours)
        unusual = states(ours, names)
        mine = scores(ours, names)
        if args.cluster:
            with dask_cluster(jobs, Path(tmp)) as address:
                t_cluster, _ = grade_all(
                    courses["cluster"], None, names=names,
                    scheduler=address, per_assignment=args.per_assignment)
            cluster_differ = differing(mine, scores(courses["cluster"],
                                                    names))
        if not args.no_stock:
            differ = differing(scores(courses["stock"], names), mine)
    print(f"class: {args.students} students x {len(names)} assignments "
          f"= {n} notebooks; gradebook: {args.db}")
    print(f"grade command's floor (start sandboxed worker, run one cell, "
          f"stop): forked {own:.3f} s, cold {cold:.3f} s; over {cores} "
          f"cores {own / cores:.3f} s and {cold / cores:.3f} s")
    commands = "a command per assignment" if args.per_assignment \
        else "one command"
    print(f"python -m autograder grade (sandboxed, {jobs} jobs, workers "
          f"{'cold' if args.cold else 'forked'}, {commands}): "
          f"{t_ours:.1f} s, {t_ours / n:.3f} s per notebook, "
          f"{t_ours / n / (own / cores):.2f} x the forked floor, "
          f"{t_ours / n / (cold / cores):.2f} x the cold one")
    print(f"notebook floor (start sandboxed worker, run a notebook's "
          f"cells without the hidden tests, stop): {cells:.3f} s; over "
          f"{cores} cores {cells / cores:.3f} s; the grade command "
          f"{t_ours / n / (cells / cores):.2f} x it; the notebook floor "
          f"is {cells / own:.2f} x the forked floor, the least that "
          f"ratio can be with nothing judged")
    print(f"grade command's peak memory (its process and fork server): "
          f"{peak / 2**20:.0f} MB; gradebook {size / 2**20:.1f} MB")
    for line in unusual:
        print(f"  not graded cleanly: {line}")
    if args.cluster:
        print(f"Dask cluster (dask scheduler + 2 dask worker, {jobs} "
              f"threads): {t_cluster:.1f} s, {t_cluster / n:.3f} s per "
              f"notebook, {t_cluster / t_ours:.2f} x the local pool; "
              f"grades identical to the local pool: {not cluster_differ}")
        for key in cluster_differ[:10]:
            print(f"  differs: {key}")
    if args.no_stock:
        print(f"ratio {t_ours / n / (own / cores):.2f}")
        return
    print(f"floor (start kernel, run one cell, stop): {base:.2f} s")
    print(f"stock nbgrader autograde (serial): {t_stock:.1f} s, "
          f"{t_stock / n:.2f} s per notebook")
    print(f"grades identical: {not differ}")
    for key in differ[:10]:
        print(f"  differs: {key}")
    print(f"ratio {t_stock / t_ours:.2f}")


def differing(a: dict, b: dict) -> list:
    """The keys whose scores differ, with both scores."""
    return [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b))
            if a.get(k) != b.get(k)]


if __name__ == "__main__":
    main()

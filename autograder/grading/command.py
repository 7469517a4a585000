"""The grade command: validate, dispatch, save, record, report."""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

from tqdm import tqdm

from . import execution, forks, judge, pipeline, sandbox
from .state import CRASHED, FAILED, GRADED, Outcome, StateFile
from ..course import load_config
from .executors import make_executor
from .gradebook import shared_engines
from .validate import SubmissionError


def run(assignment: str, *, students: list[str] | None = None,
        jobs: int | None = None, scheduler: str | None = None,
        force: bool = False, use_sandbox: bool = True,
        root: Path | None = None, limits: sandbox.Limits | None = None,
        quiet: bool = False) -> dict[str, Outcome]:
    """Grade ``assignment`` for the given (default: all) students.

    Returns student -> Outcome of the students handled in this run.
    """
    with shared_engines():
        return _run(assignment, students=students, jobs=jobs,
                    scheduler=scheduler, force=force,
                    use_sandbox=use_sandbox, root=root, limits=limits,
                    quiet=quiet)


def _run(assignment, *, students, jobs, scheduler, force, use_sandbox, root,
         limits, quiet) -> dict[str, Outcome]:
    cfg = load_config(Path(root or Path.cwd()).resolve())
    if use_sandbox and sandbox.bwrap_path() is None:
        raise SystemExit(
            "bubblewrap (bwrap) is not installed, so student code cannot be "
            "sandboxed: it could read solutions/, write the gradebook or "
            "use the network. Install it (Debian/Ubuntu: apt-get install "
            "bubblewrap) or, only for code you trust, pass --no-sandbox.")
    limits = limits or sandbox.Limits(cell_timeout=cfg.cell_timeout)
    notebooks = pipeline.notebooks_of(cfg, assignment)
    release = [cfg.root / cfg.release / assignment / f"{n}.ipynb"
               for n in notebooks]
    state = StateFile(cfg.state_dir, assignment)
    secret = judge.course_secret(cfg.state_dir)
    todo, outcomes = [], {}
    for student in pipeline.students_of(cfg, assignment, students):
        folder = cfg.folder(cfg.submitted, student, assignment)
        fp = pipeline.fingerprint(folder, release)
        if not force and state.unchanged(student, fp):
            continue
        todo.append((student, fp))
    plotting = [pipeline.released(cfg, assignment, name).plots
                for name, path in zip(notebooks, release) if path.is_file()]
    grading_here = bool(todo) and scheduler is None and use_sandbox
    if not grading_here or (plotting and all(plotting)):
        forks.discard()     # the plain one the command line started early
    if todo and scheduler is None:
        problem = execution.preflight(limits, use_sandbox, any(plotting))
        if problem:
            raise SystemExit(
                "the sandboxed worker cannot run on this machine, so "
                f"nothing was graded: {problem}")
    progress = Progress(len(todo), quiet, assignment)
    executor = make_executor(jobs, scheduler)
    queue = iter(enumerate(todo))
    futures: dict = {}

    def finish(outcome: Outcome) -> None:
        state.record(outcome)
        outcomes[outcome.student] = outcome
        progress.update(outcome.state != GRADED, outcome.student)

    def submit_next() -> bool:
        """Prepare and submit the next submission; False when none is
        left. One that cannot be graded is recorded as failed here."""
        for slot, (student, fp) in queue:
            pipeline.register(cfg, assignment, student)
            try:
                job, notes = pipeline.prepare(cfg, assignment, student,
                                              notebooks)
            except SubmissionError as exc:
                total = pipeline.save_failure(cfg, assignment, student,
                                              notebooks)
                finish(Outcome(student, FAILED, str(exc), 0.0, total, fp))
                continue
            job["seed"] = judge.student_seed(secret, assignment, student)
            future = executor.submit(execution.execute_job, job, limits,
                                     use_sandbox, slot % 1000)
            futures[future] = (student, fp, job, notes, time.monotonic())
            return True
        return False

    try:
        # A bounded window of submissions in flight: enough to keep every
        # worker busy while this thread saves, without holding the whole
        # class's notebooks and results in memory at once.
        window = 2 * executor.jobs
        more = True
        while more or futures:
            while more and len(futures) < window:
                more = submit_next()
            if not futures:
                continue
            for future in executor.first_completed(list(futures)):
                student, fp, job, notes, started = futures.pop(future)
                state_name, reason, score, total, flags, cells = _collect(
                    cfg, assignment, student, job, notebooks, future)
                finish(Outcome(student, state_name, reason, score, total,
                               fp, round(time.monotonic() - started, 2),
                               notes, flags, cells))
    finally:
        executor.close()
        progress.close()
        state.close()
    return outcomes


def _collect(cfg, assignment, student, job, notebooks, future) -> tuple:
    """(state, reason, score, max, flags, cells) of a finished job, its
    grades saved; the grader's own failure is logged and scores 0."""
    try:
        results = future.result()
        state_name, reason = pipeline.outcome_of(results)
        score, total = pipeline.save(cfg, assignment, student, job,
                                     results)
        flags, cells = pipeline.flags_and_cells(results)
    except Exception as exc:  # noqa: BLE001 - one bad run, not all
        reason = pipeline.log_grader_error(cfg, assignment, student, exc)
        total = pipeline.save_failure(cfg, assignment, student, notebooks)
        return CRASHED, reason, 0.0, total, [], {}
    return state_name, reason, score, total, flags, cells


class Progress:
    """tqdm's bar on stderr: done / total, time left, failures and the
    last student; silent when ``quiet`` or when stderr is no terminal."""

    def __init__(self, total: int, quiet: bool = False,
                 assignment: str | None = None):
        self.failures = 0
        self.bar = tqdm(total=total, desc=assignment, unit="submission",
                        file=sys.stderr,
                        disable=True if quiet else None, dynamic_ncols=True)

    def update(self, failed: bool, student: str) -> None:
        self.failures += failed
        self.bar.set_postfix_str(f"failures {self.failures}  {student}",
                                 refresh=False)
        self.bar.update()

    def close(self) -> None:
        self.bar.close()


def report(outcomes: dict[str, Outcome], skipped: int = 0) -> str:
    lines = []
    for student in sorted(outcomes):
        o = outcomes[student]
        line = f"{student:<24} {o.state:<10} {o.score:g}/{o.max_score:g}"
        if o.reason:
            line += f"  {o.reason}"
        if o.notes:
            line += f"  ({'; '.join(o.notes)})"
        if o.flags:
            line += f"  FLAGGED: {'; '.join(o.flags)}"
        lines.append(line)
    counts = {}
    for o in outcomes.values():
        counts[o.state] = counts.get(o.state, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    flagged = sum(bool(o.flags) for o in outcomes.values())
    if flagged:
        summary += f"; {flagged} flagged"
    lines.append(f"{len(outcomes)} submissions: {summary or 'nothing to do'}")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``python -m autograder grade``."""
    parser.add_argument("assignments", nargs="+", metavar="assignment",
                        help="one or more, graded one after another by "
                        "this one process")
    parser.add_argument("--student", action="append", dest="students",
                        metavar="ID", help="grade only this student "
                        "(repeatable)")
    parser.add_argument("--jobs", type=int, help="parallel notebooks "
                        "(default: 2 per core)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="Dask scheduler, e.g. tcp://host:8786")
    parser.add_argument("--force", action="store_true",
                        help="regrade submissions already graded and "
                        "unchanged")
    parser.add_argument("--cell-timeout", type=float, metavar="S",
                        help="seconds per cell (default: nbgrader's "
                        "ExecutePreprocessor.timeout)")
    parser.add_argument("--notebook-timeout", type=float, default=600,
                        metavar="S", help="seconds per notebook (600)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run student code without bubblewrap (only "
                        "for code you trust)")


def command(args: argparse.Namespace, root: Path) -> int:
    # nbgrader's add_submission trips three SQLAlchemy 2 warnings per
    # student ("... not in session, add operation along ... will not
    # proceed"); they are about nbgrader's code, not the course, and
    # would bury the progress bar
    warnings.filterwarnings("ignore", message=r".*not in session, add "
                            r"operation along")
    cfg = load_config(root)
    limits = sandbox.Limits(cell_timeout=args.cell_timeout
                            or cfg.cell_timeout,
                            notebook_timeout=args.notebook_timeout)
    names = list(dict.fromkeys(args.assignments))
    for name in names:      # a misspelt name or a missing submission
        pipeline.notebooks_of(cfg, name)    # stops the run before any work
        if args.students:
            pipeline.students_of(cfg, name, args.students)
    # one process for all of them: nbgrader's import and the fork
    # servers' start (~1.4 s) are paid once
    for name in names:
        outcomes = run(name, students=args.students, jobs=args.jobs,
                       scheduler=args.scheduler, force=args.force,
                       use_sandbox=not args.no_sandbox, root=root,
                       limits=limits)
        if len(names) > 1:
            print(f"{name}:")
        print(report(outcomes), flush=True)
    return 0

"""Command line: ``python -m autograder COMMAND``.

Commands:
  release [NAME ...]   regenerate exercises/ from solutions/ (all by default)
  grade ASSIGNMENT     grade every submission in parallel, sandboxed
  feedback ASSIGNMENT  per-student HTML feedback without the hidden tests
  report ASSIGNMENT    grades CSV, Canvas CSV and an HTML report
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from . import release as release_mod


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder",
                                     description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rel = sub.add_parser("release", help="regenerate exercises/ from "
                         "solutions/ with nbgrader generate_assignment")
    rel.add_argument("names", nargs="*", help="assignments (default: all)")
    grade = sub.add_parser(
        "grade", help="grade submissions in parallel, each notebook in a "
        "sandbox, into the nbgrader gradebook")
    grade.add_argument("assignment")
    grade.add_argument("--student", action="append", dest="students",
                       metavar="ID", help="grade only this student "
                       "(repeatable)")
    grade.add_argument("--jobs", type=int, help="parallel notebooks "
                       "(default: 2 per core)")
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="Dask scheduler, e.g. tcp://host:8786")
    grade.add_argument("--force", action="store_true",
                       help="regrade submissions already graded and "
                       "unchanged")
    grade.add_argument("--cell-timeout", type=float, metavar="S",
                       help="seconds per cell (default: nbgrader's "
                       "ExecutePreprocessor.timeout)")
    grade.add_argument("--notebook-timeout", type=float, default=600,
                       metavar="S", help="seconds per notebook (600)")
    grade.add_argument("--no-sandbox", action="store_true",
                       help="run student code without bubblewrap (only "
                       "for code you trust)")
    from . import feedback, report

    feedback.add_arguments(sub.add_parser(
        "feedback", help="per-student HTML feedback into feedback/, "
        "without the hidden tests"))
    report.add_arguments(sub.add_parser(
        "report", help="grades.csv, canvas.csv and report.html of one "
        "assignment into reports/ASSIGNMENT"))
    args = parser.parse_args(argv)
    if args.command in ("feedback", "report"):
        # jsonschema (via nbformat) imports rfc3987_syntax when installed,
        # which builds a grammar for ~1.8 s; nothing here needs it
        sys.modules.setdefault("rfc3987_syntax", None)
        module = feedback if args.command == "feedback" else report
        return module.command(args, Path.cwd())
    if args.command == "release":
        return release_mod.release(args.names or None)
    if args.command == "grade":
        sys.modules.setdefault("rfc3987_syntax", None)  # as above
        # nbgrader's add_submission trips three SQLAlchemy 2 warnings per
        # student ("... not in session, add operation along ... will not
        # proceed"); they are about nbgrader's code, not the course, and
        # would bury the progress bar
        warnings.filterwarnings("ignore", message=r".*not in session, add "
                                r"operation along")
        from . import gradecmd

        from .course import load_config
        from .sandbox import Limits

        cell = args.cell_timeout or load_config(Path.cwd()).cell_timeout
        limits = Limits(cell_timeout=cell,
                        notebook_timeout=args.notebook_timeout)
        outcomes = gradecmd.run(args.assignment, args.students, args.jobs,
                                args.scheduler, args.force,
                                not args.no_sandbox, limits=limits)
        print(gradecmd.report(outcomes))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())

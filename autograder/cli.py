"""Command line: ``python -m autograder COMMAND``.

Commands:
  release [NAME ...]   regenerate exercises/ from solutions/ (all by default)
  grade ASSIGNMENT ... grade every submission in parallel, sandboxed
  feedback ASSIGNMENT  per-student HTML feedback without the hidden tests
  report ASSIGNMENT    grades CSV, Canvas CSV and an HTML report

Every command is a module with ``add_arguments(parser)`` and
``command(args, root) -> exit status``, registered in COMMANDS; a command
imports its module only when it runs, so ``--help`` stays fast.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

#: name -> (module below autograder, help line)
COMMANDS = {
    "release": ("release", "regenerate exercises/ from solutions/ with "
                "nbgrader generate_assignment"),
    "grade": ("grading.command", "grade submissions in parallel, each "
              "notebook in a sandbox, into the nbgrader gradebook"),
    "feedback": ("reports.feedback", "per-student HTML feedback into "
                 "feedback/, without the hidden tests"),
    "report": ("reports.class_report", "grades.csv, canvas.csv and "
               "report.html of one assignment into reports/ASSIGNMENT"),
}


def _module(name: str):
    return importlib.import_module(f"{__package__}.{COMMANDS[name][0]}")


def _start_fork_server(argv: list[str]) -> None:
    """The grade command's fork server starts before the command's
    module is imported: its own imports then overlap ours (~1 s). Not
    for runs that use no local sandbox, nor for --help."""
    options = {a.split("=", 1)[0] for a in argv}
    if not options & {"--no-sandbox", "--scheduler", "-h", "--help"}:
        from .grading import forks

        forks.prestart()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m autograder",
                                     description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    # jsonschema (via nbformat) imports rfc3987_syntax when installed,
    # which builds a grammar for ~1.8 s; no command needs it
    sys.modules.setdefault("rfc3987_syntax", None)
    # only the chosen command's module is imported (the others pull in
    # nbgrader or matplotlib); --help lists the commands without them
    chosen = next((a for a in argv if not a.startswith("-")), None)
    if chosen == "grade":
        _start_fork_server(argv)
    for name, (_, help_line) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_line)
        if name == chosen:
            _module(name).add_arguments(command_parser)
    args = parser.parse_args(argv)
    from .course import tools_first
    from .grading.state import StateError

    # nbgrader creates a gradebook with `alembic`, found on PATH
    os.environ["PATH"] = tools_first(os.environ.get("PATH", ""))

    try:
        return _module(args.command).command(args, Path.cwd())
    except StateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

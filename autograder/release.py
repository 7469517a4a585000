"""Regenerate the student notebooks in exercises/ from solutions/."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .course import ROOT, assignments, nbgrader


def release(names: list[str] | None = None, root: Path = ROOT) -> int:
    """Run ``nbgrader generate_assignment --no-db`` for each assignment.

    --no-db leaves the gradebook alone: this only refreshes the committed
    student versions. An instructor releasing for real runs plain
    ``nbgrader generate_assignment NAME``, which also records the
    assignment (and its hidden tests) in the gradebook.
    """
    failed = 0
    for name in names or assignments(root):
        proc = nbgrader("generate_assignment", name, "--force", "--no-db",
                        cwd=root)
        if proc.returncode != 0:
            failed += 1
            sys.stderr.write(f"{name}: generate_assignment failed\n"
                             f"{proc.stdout}{proc.stderr}\n")
        else:
            print(f"exercises/{name}/{name}.ipynb regenerated")
    return 1 if failed else 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``python -m autograder release``."""
    parser.add_argument("names", nargs="*", help="assignments (default: all)")


def command(args: argparse.Namespace, root: Path) -> int:
    return release(args.names or None)

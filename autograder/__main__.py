"""Command line: ``python -m autograder COMMAND``.

Commands:
  release [NAME ...]   regenerate exercises/ from solutions/ (all by default)
"""
from __future__ import annotations

import argparse
import sys

from . import release as release_mod


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder",
                                     description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rel = sub.add_parser("release", help="regenerate exercises/ from "
                         "solutions/ with nbgrader generate_assignment")
    rel.add_argument("names", nargs="*", help="assignments (default: all)")
    args = parser.parse_args(argv)
    if args.command == "release":
        return release_mod.release(args.names or None)
    return 2


if __name__ == "__main__":
    sys.exit(main())

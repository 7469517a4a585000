"""CPU time of every assignment's hidden tests on the reference solution.

Runs each grade cell's full source (hidden and visible tests) in this
process, as nbgrader would in a kernel, and prints the CPU seconds per
assignment. Not a test: timings depend on the machine.

    .venv/bin/python bench/hidden_tests.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from autograder.course import assignments  # noqa: E402
from test_catalogue_checks import grade_cells, run_submission  # noqa: E402


def main() -> None:
    print(f"{'assignment':<15} {'cells':>5} {'CPU s':>7}")
    for name in assignments():
        run_submission(name, {})  # warm imports and caches
        start = time.process_time()
        results = run_submission(name, {})
        cpu = time.process_time() - start
        assert all(v is None for v in results.values()), results
        print(f"{name:<15} {len(grade_cells(name)):>5} {cpu:>7.3f}")


if __name__ == "__main__":
    main()

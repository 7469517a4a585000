"""Benchmark: the grade command's cost checks, measured the way it does.

Each cost check calls a gradient function on a large one-sample problem
(``cost_problem`` in autograder/checks) in the sandboxed worker and reads
the worker's CPU time from the kernel. For every check this prints:

- P, the parameters, and one loss evaluation timed here (t_eval);
- P * t_eval, what one loss evaluation per parameter costs: the least a
  gradient by finite differences (or the complex step) needs;
- the budget, EVALUATIONS_PER_PARAMETER * P * t_eval;
- the CPU time of every correct way of writing the function in the
  catalogue (the reference, vectorized ones and loops over every weight),
  best of three, and the slowest of them;
- ``evals/derived``: P * t_eval over the reference's derived gradient
  and over the slowest derived gradient (a loop over every weight in
  plain Python; the design asks for at least 50), and ``budget/slowest``,
  the honest margin;
- the catalogue's gradients by finite differences, which must be stopped
  over budget, with the CPU time at which they were stopped.

Not a test: timings depend on the machine.

    .venv/bin/python bench/cost_checks.py [--no-sandbox]
"""
from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from autograder.grading import execution
from autograder.grading import sandbox  # noqa: E402
from autograder.checks import common  # noqa: E402
from autograder.course import ASSIGNMENTS  # noqa: E402
from autograder.grading.remote import RemoteFunction, Session  # noqa: E402
from catalogue import CATALOGUES  # noqa: E402
from coursekit import solution_sources  # noqa: E402
from test_catalogue_checks import setup_source  # noqa: E402

#: The kernel's unit of CPU time (clock ticks).
TICK = 0.01
#: (assignment, the cost problem) of every cost check: every function
#: named cost_problem or *_cost_problem in a checks module.
PROBLEMS = [(a.name, problem)
            for a in ASSIGNMENTS
            for name, problem in vars(importlib.import_module(
                a.checks)).items()
            if name == "cost_problem" or name.endswith("_cost_problem")]


def variants(assignment: str, name: str) -> tuple[list, list]:
    """(correct, numerical) catalogue submissions that answer ``name``:
    the reference first."""
    grade_id = f"{name}_answer"
    subs = [s for s in CATALOGUES[assignment] if grade_id in s.answers]
    correct = [("reference", {})] + [(s.name, s.answers) for s in subs
                                     if not s.fails]
    numerical = [(s.name, s.answers) for s in subs
                 if "computed numerically" in s.feedback]
    return correct, numerical


def cpu_of(assignment: str, answers: dict, problem: common.CostProblem,
           budget: float, use_sandbox: bool, repeat: int) -> tuple:
    """(least CPU seconds over ``repeat`` calls, last status) of the
    function in a fresh worker."""
    sources = solution_sources(assignment)
    sources.update(answers)
    limits = sandbox.Limits(cell_timeout=120, notebook_timeout=600)
    with execution.scratch_folder({}) as scratch:
        session = Session(scratch, limits, use_sandbox=use_sandbox)
        try:
            for source in [setup_source(assignment), *sources.values()]:
                session.run_cell(source, 60)
            func = RemoteFunction(session, problem.name)
            best, status = float("inf"), "ok"
            for _ in range(repeat):
                _, used, status = func.measure_cpu(
                    common.copies(problem.args), {}, budget)
                best = min(best, used)
                if status != "ok":
                    break
            return best, status
        finally:
            session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-sandbox", action="store_true")
    args = parser.parse_args()
    use_sandbox = not args.no_sandbox and sandbox.bwrap_path() is not None
    print(f"sandbox: {'bubblewrap' if use_sandbox else 'none'}; budget = "
          f"{common.EVALUATIONS_PER_PARAMETER} loss evaluations per "
          "parameter")
    worst = float("inf")
    for assignment, make in PROBLEMS:
        problem = make()
        t_eval = common.evaluation_seconds(problem.evaluate)
        budget = common.cpu_budget(problem.evaluate, problem.parameters)
        all_evals = problem.parameters * t_eval
        correct, numerical = variants(assignment, problem.name)
        print(f"\n{problem.name}: P = {problem.parameters:,}, t_eval = "
              f"{t_eval * 1e6:.0f} us, P * t_eval = {all_evals:.2f} s, "
              f"budget {budget:.3f} s")
        slowest, slowest_name, reference = 0.0, "", 0.0
        for name, answers in correct:
            used, status = cpu_of(assignment, answers, problem, 60.0,
                                  use_sandbox, repeat=3)
            print(f"  derived    {name:<34} {used:7.3f} s  {status}")
            reference = reference or max(used, TICK)
            if used >= slowest:
                slowest, slowest_name = used, name
        floor = max(slowest, TICK)  # a reading of 0 is "under a tick"
        ratio = all_evals / floor
        worst = min(worst, ratio)
        print(f"  evals/derived: {all_evals / reference:.0f} for the "
              f"reference (at most; the kernel counts in 10 ms ticks), "
              f"{ratio:.0f} for the slowest, {slowest_name} "
              f"({slowest:.3f} s); budget/slowest {budget / floor:.1f}")
        for name, answers in numerical:
            used, status = cpu_of(assignment, answers, problem, budget,
                                  use_sandbox, repeat=1)
            print(f"  numerical  {name:<34} {status} at {used:.3f} s")
    print(f"\nsmallest evals/derived {worst:.0f}")


if __name__ == "__main__":
    main()

"""Every catalogue submission against every test cell, in this process.

The fast twin of test_autograde.py: it runs each grade cell's full source
(hidden and visible tests, as nbgrader restores them) on the submission's
answers and asserts exactly which cells fail and what the failures say.
"""
from __future__ import annotations

import importlib
import re

import nbformat
import numpy as np
import pytest

from autograder import notebook
from autograder.course import ASSIGNMENTS

from coursekit import ROOT, solution_sources
from catalogue import CATALOGUES



def grade_cells(assignment: str) -> list[tuple[str, str]]:
    """(grade_id, source with hidden tests) of every graded test cell."""
    nb = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb",
                       as_version=4)
    cells = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            parsed = notebook.parse(cell.source)
            source = "\n".join(
                line for line, kind in zip(parsed.lines, parsed.kinds)
                if kind not in (notebook.BEGIN, notebook.END))
            cells.append((meta["grade_id"], source))
    return cells


def setup_source(assignment: str) -> str:
    nb = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb",
                       as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code"
                     and c.metadata.get("nbgrader", {}).get("grade_id")
                     == "setup")


def run_submission(assignment: str, answers: dict[str, str],
                   base: str = "solution") -> dict[str, str | None]:
    """grade_id -> None when the cell passes, else the failure message."""
    namespace: dict = {}
    exec(setup_source(assignment), namespace)  # noqa: S102 - fixture code
    sources = solution_sources(assignment) if base == "solution" else {}
    sources.update(answers)
    for source in sources.values():
        exec(source, namespace)  # noqa: S102
    results = {}
    for grade_id, source in grade_cells(assignment):
        try:
            with np.errstate(all="ignore"):
                exec(source, dict(namespace))  # noqa: S102
            results[grade_id] = None
        except Exception as exc:  # noqa: BLE001 - record every failure
            results[grade_id] = f"{type(exc).__name__}: {exc}"
    return results


CASES = [(a, s) for a, subs in CATALOGUES.items() for s in subs]


@pytest.mark.parametrize("assignment,submission", CASES,
                         ids=[f"{a}-{s.name}" for a, s in CASES])
def test_submission_fails_exactly_the_expected_cells(assignment, submission):
    results = run_submission(assignment, submission.answers, submission.base)
    failed = {k for k, v in results.items() if v is not None}
    assert submission.fails <= failed, results
    assert failed <= submission.fails | submission.may_fail, results
    messages = " ".join(v for v in results.values() if v)
    for phrase in submission.feedback:
        assert phrase in messages, (phrase, results)


@pytest.mark.parametrize("assignment", ASSIGNMENTS,
                         ids=[a.name for a in ASSIGNMENTS])
def test_every_assignment_has_its_files(assignment):
    """One line in autograder.course.ASSIGNMENTS, plus these files."""
    assert (ROOT / assignment.notebook).is_file()
    assert (ROOT / f"{assignment.chapter}.md").is_file()
    checks = importlib.import_module(assignment.checks)
    assert importlib.import_module(assignment.catalogue).SUBMISSIONS
    called = {name for _, source in grade_cells(assignment.name)
              for name in re.findall(r"hidden\.(\w+)\(", source)}
    assert called and all(callable(getattr(checks, name, None))
                          for name in called), called


@pytest.mark.parametrize("assignment", sorted(CATALOGUES))
def test_reference_solution_passes_every_cell(assignment):
    results = run_submission(assignment, {})
    assert all(v is None for v in results.values()), results


@pytest.mark.parametrize("assignment", sorted(CATALOGUES))
def test_catalogue_covers_every_answer_cell(assignment):
    """At least two mistakes and two correct variants per function, and
    four mistakes for the loss-with-gradient functions."""
    subs = CATALOGUES[assignment]
    for grade_id in solution_sources(assignment):
        mistakes = [s for s in subs if s.fails and grade_id in s.answers]
        variants = [s for s in subs if not s.fails and grade_id in s.answers]
        assert len(mistakes) >= 2, grade_id
        assert len(variants) >= 2, grade_id

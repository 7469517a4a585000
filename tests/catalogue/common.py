"""What a catalogue entry is: one student's answers and what grading must
make of them."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Submission:
    """A fixture submission.

    Attributes:
        name: short id, also the student id in the course copy.
        answers: grade_id of an answer cell -> the code the student wrote;
            other answer cells hold the reference solution.
        fails: grade cells that must score 0; every other cell must get
            full marks. Empty for a correct variant.
        feedback: phrases of the diagnosis the feedback must contain.
        base: "solution" or "stub" (answers not given stay unimplemented).
        may_fail: cells that may score 0 or full marks, because they test
            a function that calls the broken one: every grading path must
            then give the verdict the checks give in process
            (``expected_failures``).
    """

    name: str
    answers: dict[str, str]
    fails: frozenset[str] = field(default_factory=frozenset)
    feedback: tuple[str, ...] = ()
    base: str = "solution"
    may_fail: frozenset[str] = field(default_factory=frozenset)


def wrong(name: str, answers: dict[str, str], fails: set[str],
          *feedback: str) -> Submission:
    """A realistic mistake and the checks that must catch it."""
    return Submission(name, answers, frozenset(fails), tuple(feedback))


def correct(name: str, answers: dict[str, str]) -> Submission:
    """Another correct way of writing the answers: full marks."""
    return Submission(name, answers)


def expected_failures(assignment: str, sub: Submission) -> frozenset[str]:
    """The cells ``sub`` must fail: ``fails``, and those of ``may_fail``
    that fail when the checks run in process (test_catalogue_checks)."""
    if not sub.may_fail:
        return sub.fails
    from test_catalogue_checks import run_submission

    results = run_submission(assignment, sub.answers, sub.base)
    return sub.fails | {c for c in sub.may_fail if results.get(c)}


def expected_scores(assignment: str, sub: Submission,
                    full: dict[str, float]) -> dict[str, float]:
    """grade cell -> the score ``sub`` must get, given every cell's
    ``full`` points: 0 in the cells it must fail."""
    fails = expected_failures(assignment, sub)
    return {cell: 0.0 if cell in fails else points
            for cell, points in full.items()}

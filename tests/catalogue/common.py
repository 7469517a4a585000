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
    """

    name: str
    answers: dict[str, str]
    fails: frozenset[str] = field(default_factory=frozenset)
    feedback: tuple[str, ...] = ()
    base: str = "solution"


def wrong(name: str, answers: dict[str, str], fails: set[str],
          *feedback: str) -> Submission:
    """A realistic mistake and the checks that must catch it."""
    return Submission(name, answers, frozenset(fails), tuple(feedback))


def correct(name: str, answers: dict[str, str]) -> Submission:
    """Another correct way of writing the answers: full marks."""
    return Submission(name, answers)

"""What the grade command recorded of each submission, and its one loader.

grading_state/ASSIGNMENT.json maps student id -> Outcome.to_dict(); while
a run goes on (or after one was killed) ASSIGNMENT.journal beside it holds
the newer outcomes, one JSON line each. The grade command writes both; the
feedback and report commands read them through load(), so all three agree
on every field. Standard library only: the
report imports it without nbgrader.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

GRADED, FAILED, TIMEOUT, CRASHED = "graded", "failed", "timed out", "crashed"
STATES = (GRADED, FAILED, TIMEOUT, CRASHED)
#: Reason prefix of a submission the grader itself failed on: not the
#: student's fault, so a rerun grades it again.
GRADER_ERROR = "grader error: "


class StateError(Exception):
    """The state file exists but cannot be read."""


@dataclass
class Outcome:
    """The recorded end of one submission."""

    student: str
    state: str
    reason: str = ""
    score: float = 0.0
    max_score: float = 0.0
    fingerprint: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    #: Why the submission looks like cheating (empty for honest ones).
    flags: list[str] = field(default_factory=list)
    #: grade_id -> {"notebook", "passed", "diagnosis"} of every test cell.
    cells: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, student: str, raw) -> "Outcome":
        """An Outcome from a record, coerced field by field: older files
        lack ``flags`` and ``cells``, hand-edited ones may hold anything."""
        raw = raw if isinstance(raw, dict) else {}

        def number(key):
            try:
                return float(raw.get(key) or 0)
            except (TypeError, ValueError):
                return 0.0

        def strings(key):
            value = raw.get(key) or []
            value = [value] if isinstance(value, str) else value
            return [str(x) for x in value] if isinstance(value, list) else []

        cells = raw.get("cells")
        return cls(student=str(raw.get("student") or student),
                   state=str(raw.get("state") or ""),
                   reason=str(raw.get("reason") or ""),
                   score=number("score"), max_score=number("max_score"),
                   fingerprint=str(raw.get("fingerprint") or ""),
                   seconds=number("seconds"), notes=strings("notes"),
                   flags=strings("flags"),
                   cells=cells if isinstance(cells, dict) else {})

    @property
    def rerun(self) -> bool:
        """The grader failed on it: the next plain run grades it again."""
        return self.reason.startswith(GRADER_ERROR)


FIELDS = tuple(f.name for f in fields(Outcome))


def path_of(state_dir: Path, assignment: str) -> Path:
    return state_dir / f"{assignment}.json"


def journal_of(path: Path) -> Path:
    """The run's journal beside the state file: one JSON line per
    submission recorded since the file was last written whole."""
    return path.with_suffix(".journal")


def load(path: Path) -> dict[str, Outcome]:
    """student -> Outcome of the state file at ``path`` and of its journal
    (a run that was stopped leaves one); {} when there is neither. Raises
    StateError when the file exists but is not a JSON object."""
    outcomes = _load_file(path)
    for raw in _journal_lines(journal_of(path)):
        student = str(raw.get("student", ""))
        if student:
            outcomes[student] = Outcome.from_dict(student, raw)
    return outcomes


def _journal_lines(path: Path) -> list[dict]:
    """The journal's records; a line cut short by a kill is skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return []
    records = []
    for line in text.splitlines():
        try:
            raw = json.loads(line)
        except ValueError:
            continue
        if isinstance(raw, dict):
            records.append(raw)
    return records


def _ends_mid_line(path: Path) -> bool:
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        if f.tell() == 0:
            return False
        f.seek(-1, os.SEEK_END)
        return f.read(1) != b"\n"


def _load_file(path: Path) -> dict[str, Outcome]:
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StateError(f"{path} cannot be read ({exc}): rerun the grade "
                         "command with --force, or delete it") from None
    if not isinstance(raw, dict):
        raise StateError(f"{path} is not a JSON object: rerun the grade "
                         "command with --force, or delete it")
    return {str(s): Outcome.from_dict(str(s), rec) for s, rec in raw.items()}


class StateFile:
    """grading_state/ASSIGNMENT.json and its journal.

    record() appends the submission's outcome to the journal, a line
    written and flushed at once, so nothing graded is lost when a run
    stops; rewriting the whole file instead cost time in proportion to
    the class for every submission. close() writes the file whole,
    atomically, and removes the journal; load() reads both, so a run
    that was killed is read as far as it got."""

    def __init__(self, state_dir: Path, assignment: str):
        self.path = path_of(state_dir, assignment)
        self.journal = journal_of(self.path)
        self.outcomes = load(self.path)
        self._out = None

    def unchanged(self, student: str, fingerprint: str) -> bool:
        old = self.outcomes.get(student)
        return old is not None and old.fingerprint == fingerprint \
            and old.state in STATES and not old.rerun

    def record(self, outcome: Outcome) -> None:
        self.outcomes[outcome.student] = outcome
        if self._out is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._out = open(self.journal, "a", encoding="utf-8")
            if _ends_mid_line(self.journal):   # a killed run's cut line
                self._out.write("\n")
        # one write of a whole line: a kill leaves at most a cut last line
        self._out.write(json.dumps(outcome.to_dict(), sort_keys=True)
                        + "\n")
        self._out.flush()

    def close(self) -> None:
        """The state file written whole, the journal removed; when the
        write fails, both stay as they were."""
        if self._out is not None:
            self._out.close()
            self._out = None
        if not self.journal.exists():
            return
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({s: o.to_dict() for s, o in
                                   self.outcomes.items()},
                                  indent=1, sort_keys=True))
        os.replace(tmp, self.path)
        self.journal.unlink()

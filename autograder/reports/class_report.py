"""Instructor report of one assignment: ``python -m autograder report A``.

Reads the nbgrader gradebook (students, submissions, the score of every
grade cell, late penalties) and, when present, the grade command's record
``grading_state/A.json`` (state, reason, flags and the diagnosis of every
failed check), and writes three files into ``reports/A/`` (or ``--out``):

grades.csv
    The rows ``nbgrader export`` writes for this assignment, same columns,
    same order, same number formatting. nbgrader joins fields with bare
    commas; here a field is quoted only when it contains a comma, quote or
    newline, so the file is byte-identical whenever nbgrader's is valid CSV.

canvas.csv
    For Canvas's gradebook import (Grades > Import): the header
    ``Student,ID,SIS User ID,SIS Login ID,Section,<column>``, a ``Points
    Possible`` row, then one row per student with the final score (late
    penalty subtracted, missing submissions 0). Canvas identifies a row's
    student by the first of these that matches: ``ID`` (Canvas's internal
    user id, left blank: nbgrader does not know it), ``SIS User ID``, ``SIS
    Login ID`` (both the nbgrader student id: one of them matches when the
    ids came from the SIS or are the students' login names), and last the
    name, compared with the Canvas name and the sortable "Last, First"
    name, which is what ``Student`` holds. Rows that match nobody are shown
    in the import preview to be resolved by hand. The assignment column is
    matched by a trailing " (id)" in its title (``--canvas-column "Entropy
    (4711)"``, ids as in Canvas's own export), else by its exact title,
    else Canvas creates a new assignment with the Points Possible.

report.html
    One self-contained page (no network: figures are PNGs inlined as
    base64, figures.py): summary numbers, score histogram, failure rate
    per check split by diagnosis, the most common diagnoses (without
    their ``CheckFailed:`` prefix), unfinished runs and flagged
    submissions. It renders from templates/report.html.j2 with
    autoescape on (pages.py): student ids, names, reasons and diagnoses
    are untrusted.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..grading.state import (CRASHED, FAILED, GRADED, STATES, TIMEOUT,
                             Outcome, journal_of)
from . import figures, pages
from .records import load_state

#: Columns of nbgrader's CsvExportPlugin (nbgrader/plugins/export.py).
EXPORT_KEYS = ("assignment", "duedate", "timestamp", "student_id",
               "last_name", "first_name", "email", "raw_score",
               "late_submission_penalty", "score", "max_score")
#: The student columns of a Canvas gradebook export, in Canvas's order.
CANVAS_HEADER = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
#: How many distinct diagnoses the report lists.
TOP_DIAGNOSES = 10


# -- the data ---------------------------------------------------------------

@dataclass
class Check:
    """An autograded grade cell (a hidden-test cell) of the assignment."""

    notebook: str
    name: str
    max_score: float


@dataclass
class Student:
    """One student of the gradebook and their submission, if any."""

    id: str
    first_name: str | None
    last_name: str | None
    export: list[str]  # the grades.csv row, formatted as nbgrader does
    submitted: bool = False
    score: float = 0.0  # after the late penalty
    #: (notebook, grade cell) -> points, for submitted students
    cells: dict[tuple[str, str], float] = field(default_factory=dict)

    @property
    def sortable_name(self) -> str:
        """"Last, First" as Canvas shows it, or the id without a name."""
        parts = [p for p in (self.last_name, self.first_name) if p]
        return ", ".join(parts) or self.id


@dataclass
class ClassData:
    """Everything the three files are made of."""

    assignment: str
    max_score: float
    students: list[Student]
    checks: list[Check]
    #: student id -> the grade command's record
    records: dict[str, Outcome]
    has_state: bool


# -- reading ----------------------------------------------------------------

def _export_row(assignment, student, submission) -> list[str]:
    """A grades.csv row: CsvExportPlugin.export's logic, line by line, so
    that numbers and dates print identically (str of the same values)."""
    score = {"assignment": assignment.name, "duedate": assignment.duedate,
             "student_id": student.id, "last_name": student.last_name,
             "first_name": student.first_name, "email": student.email,
             "max_score": assignment.max_score}
    if submission is None:
        score.update(timestamp="", raw_score=0.0,
                     late_submission_penalty=0.0, score=0.0)
    else:
        penalty = submission.late_submission_penalty
        score.update(timestamp=submission.timestamp,
                     raw_score=submission.score,
                     late_submission_penalty=penalty,
                     score=max(0.0, submission.score - penalty))
    return ["" if score[k] is None else str(score[k]) for k in EXPORT_KEYS]


def _notebook_cells(path: Path) -> list[tuple[str, bool]] | None:
    """(grade_id, is autograded test) of the graded cells of a notebook,
    in order; None if the notebook cannot be read.

    Plain JSON, not nbformat: only the metadata is needed, and importing
    nbformat costs more than building the whole report.
    """
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    out = []
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and meta.get("grade_id"):
            out.append((meta["grade_id"], not meta.get("solution")))
    return out


def _checks(cfg, assignment, notebooks) -> list[Check]:
    """The autograded grade cells, notebook by notebook in cell order.

    The gradebook knows neither the order of cells nor which grade cells
    are manually graded answers; the released notebook (else the source
    one) does. Without either, every code grade cell counts, by name.
    """
    checks = []
    for nb in notebooks:
        graded = {c.name: c for c in nb.grade_cells if c.max_score > 0}
        order = None
        for folder in (cfg.release, cfg.source):
            order = _notebook_cells(cfg.root / folder / assignment
                                    / f"{nb.name}.ipynb")
            if order is not None:
                break
        if order is None:
            order = [(name, graded[name].cell_type == "code")
                     for name in sorted(graded)]
        known = {name for name, _ in order}
        # cells the gradebook has but the notebook lost go last
        order += [(n, True) for n in sorted(graded) if n not in known]
        checks += [Check(nb.name, name, float(graded[name].max_score))
                   for name, auto in order if auto and name in graded]
    return checks


def read_gradebook(cfg, assignment: str) -> tuple[float, list[Student],
                                                  list[Check]]:
    """(max score, students in nbgrader export order, checks)."""
    from nbgrader.api import Gradebook

    from ..grading.gradebook import find_assignment

    with Gradebook(cfg.db_url, cfg.course_id) as gb:
        found = find_assignment(gb, assignment)
        checks = _checks(cfg, assignment, list(found.notebooks))
        submissions = {s.student.id: s for s in found.submissions}
        students = []
        # gb.students is the query (and so the order) of nbgrader export
        for st in gb.students:
            sub = submissions.get(st.id)
            row = Student(st.id, st.first_name, st.last_name,
                          _export_row(found, st, sub))
            if sub is not None:
                row.submitted = True
                row.score = max(0.0, float(sub.score)
                                - float(sub.late_submission_penalty or 0))
                row.cells = {(nb.name, g.name): float(g.score)
                             for nb in sub.notebooks for g in nb.grades}
            students.append(row)
        return float(found.max_score), students, checks


def collect(assignment: str, root: Path) -> ClassData:
    """Read the gradebook and the state file of ``assignment``."""
    from ..course import load_config

    cfg = load_config(root)
    max_score, students, checks = read_gradebook(cfg, assignment)
    path = cfg.state_dir / f"{assignment}.json"
    return ClassData(assignment, max_score, students, checks,
                     load_state(path), path.is_file()
                     or journal_of(path).is_file())


# -- the CSV files ------------------------------------------------------------

def write_grades_csv(data: ClassData, path: Path) -> None:
    """nbgrader export's header and rows for this assignment."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(EXPORT_KEYS)
        out.writerows(s.export for s in data.students)


def points(value: float) -> str:
    """Points as Canvas shows them: at most 2 decimals, no trailing 0."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def write_canvas_csv(data: ClassData, path: Path, column: str) -> None:
    """A file for Canvas's gradebook import (see the module docstring)."""
    blank = [""] * (len(CANVAS_HEADER) - 1)
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow([*CANVAS_HEADER, column])
        out.writerow(["Points Possible", *blank, points(data.max_score)])
        for s in data.students:
            out.writerow([s.sortable_name, "", s.id, s.id, "",
                          points(s.score)])


# -- numbers for the page ---------------------------------------------------

def summary(data: ClassData) -> list[tuple[str, str]]:
    """(label, value) rows of the summary table."""
    scores = [s.score for s in data.students]
    done = [s.score for s in data.students if s.submitted]
    counts = Counter(r.state for r in data.records.values())
    ids = {s.id for s in data.students if s.submitted}
    unrecorded = len(ids - set(data.records))
    rows = [("students", str(len(scores))),
            ("submitted", str(len(done))),
            ("missing (score 0)", str(len(scores) - len(done)))]
    rows += [(state, str(counts.get(state, 0))) for state in STATES]
    rows += [(f"state {s!r}", str(n)) for s, n in sorted(counts.items())
             if s not in STATES]
    if data.has_state and unrecorded:
        rows.append(("submitted, not in the grade command's record",
                     str(unrecorded)))
    mean = statistics.fmean(scores) if scores else 0.0
    median = statistics.median(scores) if scores else 0.0
    rows += [("max score", points(data.max_score)),
             ("mean score (missing = 0)", f"{mean:.2f}"),
             ("median score (missing = 0)", f"{median:.2f}")]
    if done:
        rows.append(("mean score of submissions",
                     f"{statistics.fmean(done):.2f}"))
    rows.append(("flagged", str(sum(bool(r.flags)
                                    for r in data.records.values()))))
    return rows


def completed(data: ClassData) -> list[Student]:
    """The submissions the failure rates count: those whose run completed
    (state graded, or graded by plain nbgrader and so not in the record).
    A run that failed, timed out or crashed scores 0 on every check after
    the fault, which says nothing about the checks."""
    return [s for s in data.students if s.submitted
            and _state(data, s.id) == GRADED]


def _state(data: ClassData, student: str) -> str:
    """The recorded state; graded for a student graded by plain nbgrader
    and so not in the record."""
    record = data.records.get(student)
    return record.state if record else GRADED


def message(text: str) -> str:
    """A diagnosis or reason as the report shows it: a failed check's
    message without the exception name ``CheckFailed:`` before it."""
    return re.sub(r"^\s*CheckFailed:\s*", "", text)


# Numbers in a diagnosis (1, -0.5, 1.4427, 3e-05, .5) but not digits that
# are part of a word (log2, float64, test_1) or of a longer number.
_NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?(?!\w|\.\d)")
# numpy prints whole floats as "0.": that dot belongs to the number when
# another number or the end of the array follows, not at a sentence end.
_FLOAT_DOT = re.compile(r"#\.(?=[\s,]*[#\])])")
# A run of numbers (an array, a shape, a list of indices) is one number:
# the same mistake on a 3-vector and on a 5-vector groups together.
_RUN = re.compile(r"#(?:[\s,;]+#)+")


def normalise(message: str) -> str:
    """A diagnosis with its numbers replaced by ``#``, whitespace folded."""
    text = _FLOAT_DOT.sub("#", _NUMBER.sub("#", message))
    text = _RUN.sub("#", text)
    return " ".join(text.split())


@dataclass
class Diagnosis:
    """A group of failing checks with the same normalised message."""

    message: str
    count: int = 0
    checks: set[str] = field(default_factory=set)
    students: set[str] = field(default_factory=set)


def common_diagnoses(data: ClassData,
                     top: int = TOP_DIAGNOSES) -> tuple[list[Diagnosis],
                                                        int]:
    """(most frequent diagnoses, number of distinct ones)."""
    groups: dict[str, Diagnosis] = {}
    for student, rec in data.records.items():
        for cell, info in rec.cells.items():
            if not isinstance(info, dict) or info.get("passed"):
                continue
            text = normalise(message(str(info.get("diagnosis") or "")))
            if not text:
                continue
            group = groups.setdefault(text, Diagnosis(text))
            group.count += 1
            group.checks.add(str(cell))
            group.students.add(student)
    ranked = sorted(groups.values(), key=lambda d: (-d.count, d.message))
    return ranked[:top], len(groups)


# -- figures and the page ---------------------------------------------------

def _check_label(data: ClassData, check: Check) -> str:
    if len({c.notebook for c in data.checks}) > 1:
        return f"{check.notebook}: {check.name}"
    return check.name


def check_bars(data: ClassData, top: list[Diagnosis]) -> tuple[
        list[figures.CheckBar], int]:
    """(bars, submissions counted): the failures of each check among the
    completed submissions, split by the diagnosis the state file
    recorded: the number of a common diagnosis among the first
    figures.SPLIT_DIAGNOSES of ``top``, "other", or "none" (no record of
    that cell)."""
    number = {d.message: i for i, d in enumerate(
        top[:figures.SPLIT_DIAGNOSES], 1)}
    counted = completed(data)
    bars = []
    for check in data.checks:
        parts: Counter = Counter()
        for s in counted:
            if s.cells.get((check.notebook, check.name), 0.0) \
                    >= check.max_score:
                continue
            text = _diagnosis(data.records.get(s.id), check)
            parts[number.get(text, "other") if text else "none"] += 1
        bars.append(figures.CheckBar(_check_label(data, check),
                                     sum(parts.values()), dict(parts)))
    return bars, len(counted)


def _diagnosis(record: Outcome | None, check: Check) -> str:
    """The normalised diagnosis ``record`` holds for ``check``, or ""."""
    info = record.cells.get(check.name) if record else None
    if not isinstance(info, dict) or info.get("notebook", check.notebook) \
            != check.notebook:
        return ""
    return normalise(message(str(info.get("diagnosis") or "")))


def page_figures(data: ClassData, top: list[Diagnosis],
                distinct: int) -> list[figures.Figure]:
    """The page's two figures: scores, and checks by diagnosis."""
    done = [s.score for s in data.students if s.submitted]
    missing = [s.score for s in data.students if not s.submitted]
    scores = figures.Figure(*figures.score_histogram(
        done, missing, data.max_score, points),
        "Final scores (late penalty subtracted); students without a "
        "submission score 0.")
    bars, counted = check_bars(data, top)
    split = (f" Colours: the {min(len(top), figures.SPLIT_DIAGNOSES)} "
             f"most frequent of {distinct} distinct diagnoses, numbered "
             "as in the table below." if top else "")
    checks = figures.Figure(*figures.check_chart(
        bars, counted, [d.message for d in top]),
        "Share of completed submissions failing each check (failed, "
        "timed out and crashed runs not counted)." + split)
    return [scores, checks]


def problems_rows(data: ClassData) -> list[list]:
    """Runs that did not complete: failed, timed out, crashed."""
    order = {s: i for i, s in enumerate((TIMEOUT, CRASHED, FAILED))}
    recs = sorted((r for r in data.records.values() if r.state in order),
                  key=lambda r: (order[r.state], r.student))
    return [[r.student, r.state, message(r.reason), r.notes,
             f"{r.seconds:.1f}"] for r in recs]


def flagged_rows(data: ClassData) -> list[list]:
    scores = {s.id: s.score for s in data.students}
    recs = sorted((r for r in data.records.values() if r.flags),
                  key=lambda r: r.student)
    return [[r.student, r.state, points(scores.get(r.student, r.score)),
             r.flags] for r in recs]


def render_html(data: ClassData) -> str:
    """The whole report page (templates/report.html.j2)."""
    top, distinct = common_diagnoses(data)
    return pages.render(
        "report.html.j2", page="report", csp=pages.csp(),
        title=f"Report: {data.assignment}", assignment=data.assignment,
        summary=summary(data), figures=page_figures(data, top, distinct),
        diagnoses=[[str(i), str(d.count), str(len(d.students)),
                    ", ".join(sorted(d.checks)), d.message]
                   for i, d in enumerate(top, 1)],
        problems=problems_rows(data), flagged=flagged_rows(data),
        has_state=data.has_state)


# -- entry points -------------------------------------------------------------

def build(assignment: str, root: Path, out: Path,
          canvas_column: str | None = None) -> dict[str, Path]:
    """Write grades.csv, canvas.csv and report.html of ``assignment`` into
    ``out``; returns {"grades", "canvas", "html"} -> path."""
    data = collect(assignment, Path(root).resolve())
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"grades": out / "grades.csv", "canvas": out / "canvas.csv",
             "html": out / "report.html"}
    write_grades_csv(data, paths["grades"])
    write_canvas_csv(data, paths["canvas"], canvas_column or assignment)
    paths["html"].write_text(render_html(data), encoding="utf-8")
    return paths


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``python -m autograder report``."""
    parser.add_argument("assignment")
    parser.add_argument("--out", metavar="DIR", type=Path,
                        help="output folder (default: reports/ASSIGNMENT "
                        "in the course root)")
    parser.add_argument("--canvas-column", metavar="NAME",
                        help="assignment column of canvas.csv, ideally "
                        "'Title (id)' as in Canvas's export (default: the "
                        "assignment name)")


def command(args: argparse.Namespace, root: Path) -> int:
    """Run the report command; prints where the files went."""
    import sys

    # jsonschema (via nbformat) imports rfc3987_syntax when installed,
    # which builds a grammar for ~1.8 s; nothing here needs it
    sys.modules.setdefault("rfc3987_syntax", None)
    out = args.out or Path(root) / "reports" / args.assignment
    paths = build(args.assignment, Path(root), out,
                  getattr(args, "canvas_column", None))
    for name, path in paths.items():
        print(f"{name + ':':<8} {path}")
    return 0

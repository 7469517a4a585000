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
    base64): summary numbers, score histogram, failure rate per check, the
    most common diagnoses, unfinished runs and flagged submissions. Student
    ids, names, reasons and diagnoses are untrusted and always escaped.
"""
from __future__ import annotations

import argparse
import base64
import csv
import html
import io
import json
import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..grading import state as state_file
from ..grading.state import CRASHED, FAILED, GRADED, STATES, TIMEOUT

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
    #: student id -> state-file record (keys completed, see load_state)
    records: dict[str, dict]
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


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def load_state(path: Path) -> dict[str, dict]:
    """The grade command's records as dicts, every key present; {} when
    the file does not exist (state_file.load)."""
    try:
        return {s: o.to_dict() for s, o in state_file.load(path).items()}
    except state_file.StateError as exc:
        raise SystemExit(str(exc)) from None


def collect(assignment: str, root: Path) -> ClassData:
    """Read the gradebook and the state file of ``assignment``."""
    from ..course import load_config

    cfg = load_config(root)
    max_score, students, checks = read_gradebook(cfg, assignment)
    path = cfg.state_dir / f"{assignment}.json"
    return ClassData(assignment, max_score, students, checks,
                     load_state(path), path.is_file())


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
    counts = Counter(r["state"] for r in data.records.values())
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
    rows.append(("flagged", str(sum(bool(r["flags"])
                                    for r in data.records.values()))))
    return rows


def failure_rates(data: ClassData) -> tuple[list[tuple[Check, int]], int]:
    """([(check, failures)], submissions counted).

    Counted: submissions whose run completed (state graded, or graded by
    plain nbgrader and so not in the record). A run that failed, timed out
    or crashed scores 0 on every check after the fault, which says nothing
    about the checks.
    """
    counted = [s for s in data.students if s.submitted
               and data.records.get(s.id, {}).get("state", GRADED) == GRADED]
    rows = []
    for check in data.checks:
        key = (check.notebook, check.name)
        rows.append((check, sum(s.cells.get(key, 0.0) < check.max_score
                                for s in counted)))
    return rows, len(counted)


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
        for cell, info in rec["cells"].items():
            if not isinstance(info, dict) or info.get("passed"):
                continue
            text = normalise(str(info.get("diagnosis") or ""))
            if not text:
                continue
            group = groups.setdefault(text, Diagnosis(text))
            group.count += 1
            group.checks.add(str(cell))
            group.students.add(student)
    ranked = sorted(groups.values(), key=lambda d: (-d.count, d.message))
    return ranked[:top], len(groups)


# -- figures ----------------------------------------------------------------

def _figure(width: float, height: float):
    """A Figure on the Agg canvas, outside pyplot: no global state, no
    display needed, nothing to close (it is freed with the object)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def png(fig) -> str:
    """The figure as base64 PNG text."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    fig.clear()
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _bins(max_score: float) -> list[float]:
    """Histogram edges: up to 20 points, one bin centred on each whole
    point (full marks get their own bar); above, 20 equal bins."""
    n = max(1, math.ceil(max_score))
    if n <= 20:
        return [i - 0.5 for i in range(n + 2)]
    return [max_score * i / 20 for i in range(21)]


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def score_histogram(data: ClassData) -> tuple[str, str]:
    """(PNG, alt text) of the final scores, missing submissions apart."""
    done = [s.score for s in data.students if s.submitted]
    missing = [s.score for s in data.students if not s.submitted]
    fig = _figure(6.4, 3.2)
    ax = fig.add_subplot()
    ax.hist([done, missing], bins=_bins(data.max_score), stacked=True,
            color=["tab:blue", "tab:gray"], edgecolor="white",
            label=["submitted", "missing"])
    ax.set_xlabel(f"score (of {points(data.max_score)})")
    if data.max_score <= 20:
        ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(frameon=False)
    ax.set_title("Score distribution")
    alt = (f"Histogram of the scores of {len(data.students)} students out "
           f"of {points(data.max_score)} points: {len(done)} submitted, "
           f"{len(missing)} missing (score 0).")
    if done:
        alt += (f" Submitted scores range from {points(min(done))} to "
                f"{points(max(done))}.")
    return png(fig), alt


def _check_label(data: ClassData, check: Check) -> str:
    if len({c.notebook for c in data.checks}) > 1:
        return f"{check.notebook}: {check.name}"
    return check.name


def failure_chart(data: ClassData) -> tuple[str, str]:
    """(PNG, alt text) of the failure rate of every check."""
    rows, counted = failure_rates(data)
    labels = [_check_label(data, c) for c, _ in rows]
    rates = [100.0 * n / counted if counted else 0.0 for _, n in rows]
    fig = _figure(6.4, 1.2 + 0.32 * max(1, len(rows)))
    ax = fig.add_subplot()
    ax.barh(range(len(rows)), rates, color="tab:red")
    ax.set_yticks(range(len(rows)), labels)
    ax.invert_yaxis()  # first check of the notebook on top
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"% of {counted} completed submissions failing")
    for y, (rate, (_, n)) in enumerate(zip(rates, rows)):
        ax.text(min(rate, 88) + 1, y, f"{n}/{counted}", va="center")
    ax.set_title("Failure rate per check")
    parts = [f"{label} {rate:.0f}%" for label, rate in zip(labels, rates)]
    alt = (f"Bar chart of the failure rate of each check, in notebook "
           f"order, over {counted} completed submissions: "
           + ("; ".join(parts) or "no checks") + ".")
    return png(fig), alt


def diagnosis_chart(top: list[Diagnosis]) -> tuple[str, str]:
    """(PNG, alt text) of how often each of the top diagnoses occurs;
    bars numbered like the rows of the table that gives the messages."""
    fig = _figure(6.4, 1.2 + 0.32 * max(1, len(top)))
    ax = fig.add_subplot()
    ax.barh(range(len(top)), [d.count for d in top], color="tab:orange")
    ax.set_yticks(range(len(top)), [f"#{i}" for i in
                                    range(1, len(top) + 1)])
    ax.invert_yaxis()
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("failing checks with this diagnosis")
    ax.set_title("Most common diagnoses")
    parts = [f"#{i} {_times(d.count)}" for i, d in enumerate(top, 1)]
    alt = ("Bar chart of the most common diagnoses, numbered as in the "
           "table below: " + ("; ".join(parts) or "none") + ".")
    return png(fig), alt


# -- the page ---------------------------------------------------------------

def esc(value: Any) -> str:
    """Text for HTML: every student-supplied string goes through here."""
    return html.escape(str(value), quote=True)


def table(header: list[str], rows: list[list[str]], empty: str) -> str:
    """An HTML table of already escaped cells, or a note when empty."""
    if not rows:
        return f"<p class=\"none\">{esc(empty)}</p>"
    head = "".join(f"<th>{h}</th>" for h in header)
    head = f"<thead><tr>{head}</tr></thead>" if head else ""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table>{head}<tbody>{body}</tbody></table>"


def figure_html(image: tuple[str, str], caption: str) -> str:
    data, alt = image
    return (f"<figure><img src=\"data:image/png;base64,{data}\" "
            f"alt=\"{esc(alt)}\"><figcaption>{esc(caption)}</figcaption>"
            "</figure>")


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{esc(x)}</li>" for x in items) + "</ul>"


def problems_table(data: ClassData) -> str:
    """Runs that did not complete: failed, timed out, crashed."""
    order = {s: i for i, s in enumerate((TIMEOUT, CRASHED, FAILED))}
    recs = sorted((r for r in data.records.values()
                   if r["state"] in order),
                  key=lambda r: (order[r["state"]], r["student"]))
    rows = [[esc(r["student"]), esc(r["state"]), esc(r["reason"]),
             _list(r["notes"]) if r["notes"] else "",
             esc(f"{r['seconds']:.1f}")] for r in recs]
    return table(["student", "state", "reason", "notes", "seconds"], rows,
                 "Every run completed." if data.has_state
                 else "No grade-command record (grading_state/): states "
                 "unknown.")


def flagged_table(data: ClassData) -> str:
    scores = {s.id: s.score for s in data.students}
    recs = sorted((r for r in data.records.values() if r["flags"]),
                  key=lambda r: r["student"])
    rows = [[esc(r["student"]), esc(r["state"]),
             esc(points(scores.get(r["student"], r["score"]))),
             _list(r["flags"])] for r in recs]
    return table(["student", "state", "score", "flags"], rows,
                 "No submission was flagged.")


def diagnoses_table(top: list[Diagnosis]) -> str:
    rows = [[str(i), str(d.count), esc(len(d.students)),
             esc(", ".join(sorted(d.checks))), esc(d.message)]
            for i, d in enumerate(top, 1)]
    return table(["#", "times", "students", "checks",
                  "diagnosis (numbers replaced by #)"], rows,
                 "No diagnoses recorded.")


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: .3rem .6rem; text-align: left;
         vertical-align: top; }
th { background: #f2f2f2; }
td ul { margin: 0; padding-left: 1.2rem; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; }
figcaption, .none { color: #555; }
"""


def render_html(data: ClassData) -> str:
    """The whole report page."""
    top, distinct = common_diagnoses(data)
    stats = table([], [[esc(k), esc(v)] for k, v in summary(data)], "")
    parts = [
        "<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>Report: {esc(data.assignment)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Assignment {esc(data.assignment)}</h1>",
        "<h2>Summary</h2>", stats,
        "<h2>Scores</h2>",
        figure_html(score_histogram(data),
                    "Final scores (late penalty subtracted); students "
                    "without a submission score 0."),
        "<h2>Checks</h2>",
        figure_html(failure_chart(data),
                    "Share of completed submissions failing each check "
                    "(failed, timed out and crashed runs not counted)."),
        "<h2>Common diagnoses</h2>",
    ]
    if top:
        parts.append(figure_html(
            diagnosis_chart(top),
            f"The {len(top)} most frequent of {distinct} distinct "
            "diagnoses, numbers in messages treated as equal."))
    parts += [diagnoses_table(top),
              "<h2>Timeouts, crashes and failures</h2>",
              problems_table(data),
              "<h2>Flagged submissions</h2>", flagged_table(data),
              "</body></html>"]
    return "\n".join(parts) + "\n"


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

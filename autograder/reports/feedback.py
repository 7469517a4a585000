"""Per-student HTML feedback that never shows the hidden tests.

    python -m autograder feedback ASSIGNMENT [--student ID ...]

Writes ``feedback/STUDENT/ASSIGNMENT/NOTEBOOK.html``, where nbgrader's
``generate_feedback`` writes, so ``nbgrader release_feedback`` still
releases the pages. Stock ``generate_feedback`` renders the autograded
notebook as it is, hidden tests included (nbgrader issue #917). These
pages show instead:

- the scores of the gradebook: assignment total, late penalty, and per
  grade cell passed/failed with its points;
- every cell in order: markdown rendered without raw HTML and its math
  typeset by MathJax, offline (texmath.py), code with each hidden-test
  block replaced by one line, and the outputs;
- for a failed check its diagnosis in words (``CheckFailed: ...``), and of
  other errors only the traceback lines that quote no hidden-test line and
  show no grader or library frame (redact.py).

The page comes from templates/feedback.html.j2 (pages.py: autoescape
on). Everything from a notebook is untrusted (student code wrote it) and
is escaped; the page loads nothing and runs no script but the MathJax
inlined into it (a Content Security Policy allows that one by its hash
and forbids everything else, in case escaping ever missed something).
"""
from __future__ import annotations

import argparse
import base64
import binascii
import json
import re
import shutil
from dataclasses import dataclass, field
import sys
from pathlib import Path

from markupsafe import Markup

from ..course import load_config
from ..grading.state import FAILED, Outcome
from . import pages, texmath
from .pages import points
from .records import load_state
from .redact import Redactor, cap, clean, field_text, split_hidden

# nbgrader imports jsonschema, which imports rfc3987_syntax when installed
# and builds a grammar for ~1.8 s; nothing here validates notebooks.
sys.modules.setdefault("rfc3987_syntax", None)

#: Files nbgrader release_feedback reads beside the pages.
EXCHANGE_FILES = ("timestamp.txt", "submission_secret.txt")
#: Grading states (autograder/grading.py) that need a word of explanation.
STATE_NOTES = {
    "failed": "Your submission could not be graded",
    "timed out": "Grading stopped because your notebook ran out of time; "
                 "cells after that point did not run and score 0",
    "crashed": "Grading stopped because your notebook crashed; cells "
               "after that point did not run and score 0",
}
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif")

_BASE64 = re.compile(r"^[A-Za-z0-9+/=]+$")


def nb_meta(cell: dict) -> dict:
    """The cell's nbgrader metadata ({} when it has none)."""
    meta = cell.get("metadata") or {}
    found = meta.get("nbgrader") if isinstance(meta, dict) else None
    return found if isinstance(found, dict) else {}


# -- what the gradebook and the state file say ------------------------------

@dataclass
class NotebookGrades:
    """Scores of one submitted notebook."""

    score: float = 0.0
    max_score: float = 0.0
    penalty: float = 0.0
    grades: dict[str, tuple[float, float]] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)


@dataclass
class StudentGrades:
    """Scores of one student's submission of the assignment."""

    score: float
    max_score: float
    penalty: float
    notebooks: dict[str, NotebookGrades]


def read_grades(gb, assignment: str, student: str) -> StudentGrades | None:
    """The student's scores (None when the gradebook has no submission)."""
    from nbgrader.api import MissingEntry

    try:
        sub = gb.find_submission(assignment, student)
    except MissingEntry:
        return None
    notebooks = {}
    for nb in sub.notebooks:
        notebooks[nb.name] = NotebookGrades(
            float(nb.score), float(nb.max_score),
            float(nb.late_submission_penalty or 0),
            {g.name: (float(g.score), float(g.max_score))
             for g in nb.grades},
            {c.name: c.comment for c in nb.comments if c.comment})
    return StudentGrades(float(sub.score), float(sub.max_score),
                         float(sub.late_submission_penalty or 0), notebooks)


def source_hidden_lines(gb, assignment: str) -> dict[str, set[str]]:
    """notebook -> hidden-test lines of the gradebook's source cells.

    The autograded notebook holds them too, but the gradebook is the
    authority: a student cannot have removed them there.
    """
    out: dict[str, set[str]] = {}
    for nb in gb.find_assignment(assignment).notebooks:
        lines: set[str] = set()
        for cell in nb.source_cells:
            lines.update(split_hidden(cell.source or "")[1])
        out[nb.name] = lines
    return out


def students_of(cfg, assignment: str,
                state: dict[str, Outcome]) -> list[str]:
    """Students with an autograded submission or a recorded state."""
    root = cfg.root / cfg.autograded
    found = {p.parent.name for p in root.glob(f"*/{assignment}")
             if p.is_dir()}
    found.update(state)
    return sorted(s for s in found if not s.startswith("."))


# -- the page ----------------------------------------------------------------

def status_of(score: float, max_score: float) -> str:
    """passed, partial or failed, from the points."""
    if score >= max_score:
        return "passed"
    return "partial" if score > 0 else "failed"


@dataclass
class Page:
    """Everything one notebook's page is made of."""

    assignment: str
    student: str
    notebook: str
    grades: StudentGrades
    redactor: Redactor
    outcome: Outcome | None  # the state file's record, if any
    cells: list | None  # None: no autograded notebook to show

    @property
    def scores(self) -> NotebookGrades:
        return self.grades.notebooks.get(self.notebook, NotebookGrades())


@dataclass
class Output:
    """One output as the page shows it. kind: error (text is the
    message), stream (css stdout/stderr), image (css is the MIME type,
    text the base64 data), text, or held back (nothing shown)."""

    kind: str
    text: str = ""
    css: str = ""
    trace: str = ""


@dataclass
class CellView:
    """One cell as the page shows it."""

    classes: str
    grade_id: str = ""
    anchor: str = ""
    graded: bool = False
    answer: bool = False
    status: str = ""
    score: float = 0.0
    max_score: float = 0.0
    markdown: Markup | None = None  # rendered; None for a code cell
    source: str = ""
    outputs: list[Output] = field(default_factory=list)
    comment: str = ""
    diagnosis: str = ""


def render_page(page: Page) -> str:
    """The whole HTML document of one notebook."""
    md = texmath.MathMarkdown()
    cells = None if page.cells is None else [
        view for view in (cell_view(page, cell, md) for cell in page.cells)
        if view is not None]
    script = texmath.mathjax_script() if md.math_count else None
    return pages.render(
        "feedback.html.j2", page="feedback",
        csp=pages.csp(texmath.csp_hash(script) if script else ""),
        script=Markup(script) if script else None,
        title=f"Feedback on {page.assignment} ({page.notebook}) for "
              f"{page.student}",
        assignment=page.assignment, facts=facts(page),
        banner=banner(page), summary=summary(page), cells=cells)


def facts(page: Page) -> list[tuple[str, str]]:
    """(label, text) of the header: student, scores, late penalty."""
    g, nb = page.grades, page.scores
    rows = [("Student", page.student),
            ("Notebook", page.notebook + ".ipynb"),
            ("Score", f"{points(g.score)} / {points(g.max_score)}")]
    if len(g.notebooks) > 1:
        rows.append(("This notebook",
                     f"{points(nb.score)} / {points(nb.max_score)}"))
    if g.penalty > 0:
        rows.append(("Late penalty", f"\u2212{points(g.penalty)} points"))
        rows.append(("Final score", f"{points(g.score - g.penalty)} / "
                     f"{points(g.max_score)}"))
    return rows


def banner(page: Page) -> str:
    """Why grading stopped, or "". The reason is written for students;
    the flags are not shown: they are suspicions for the instructor."""
    outcome = page.outcome
    if outcome is None or outcome.state not in STATE_NOTES:
        return ""
    reason = page.redactor.message(outcome.reason)
    note = STATE_NOTES[outcome.state]
    return f"{note}: {reason}" if reason else note


def summary(page: Page) -> list[CellView]:
    """The grade cells with points: the result at a glance."""
    return [CellView("", name, _anchor(name), True, False,
                     status_of(score, max_score), score, max_score)
            for name, (score, max_score) in page.scores.grades.items()
            if max_score > 0]


def _anchor(grade_id: str) -> str:
    return "cell-" + re.sub(r"[^\w-]", "_", grade_id)


def cell_view(page: Page, cell: dict, md) -> CellView | None:
    """One cell: markdown rendered, code and outputs, grade results;
    None for a cell of another type (raw)."""
    meta = nb_meta(cell)
    grade_id = str(meta.get("grade_id", ""))
    source, hidden = split_hidden(clean(field_text(cell.get("source"))))
    nb = page.scores
    view = CellView("cell", grade_id, _anchor(grade_id) if grade_id else "")
    if bool(meta.get("grade")) and grade_id in nb.grades:
        view.score, view.max_score = nb.grades[grade_id]
        view.graded = True
        view.status = status_of(view.score, view.max_score)
        view.classes = f"cell grade {view.status}"
    else:
        view.answer = bool(meta.get("solution"))
    kind = cell.get("cell_type")
    if kind == "markdown":
        view.markdown = Markup(md.render(source))
    elif kind == "code":
        view.source = source
        view.outputs = outputs(page, cell.get("outputs") or [],
                               in_hidden_test=bool(hidden))
    else:
        return None
    view.comment = clean(nb.comments.get(grade_id) or "")
    view.diagnosis = diagnosis(page, grade_id, view)
    return view


def diagnosis(page: Page, grade_id: str, view: CellView) -> str:
    """The state file's diagnosis of a grade cell, if the cell does not
    show it already (e.g. a check message the notebook lacks)."""
    cells = page.outcome.cells if page.outcome else {}
    record = cells.get(grade_id)
    if not isinstance(record, dict) or record.get("passed"):
        return ""
    text = page.redactor.message(field_text(record.get("diagnosis")))
    shown = "\n".join([view.source, *(f"{o.text}\n{o.trace}"
                                      for o in view.outputs)])
    return "" if not text or text in shown else text


def outputs(page: Page, raw: list, in_hidden_test: bool) -> list[Output]:
    """A code cell's outputs as the page shows them.

    What a test cell printed while its hidden tests ran can be the hidden
    inputs (a student's function may print its arguments), so only its
    errors are shown.
    """
    out, held_back = [], False
    for item in raw:
        if not isinstance(item, dict):
            continue
        kind = item.get("output_type")
        if kind == "error":
            out.append(error(page, item))
        elif in_hidden_test:
            held_back = True
        elif kind == "stream":
            css = "stderr" if item.get("name") == "stderr" else "stdout"
            text = cap(page.redactor.lines(field_text(item.get("text"))))
            out.append(Output("stream", text, css))
        elif kind in ("execute_result", "display_data"):
            shown = data(page, item.get("data") or {})
            out += [shown] if shown else []
    return out + [Output("held back")] if held_back else out


def data(page: Page, bundle: dict) -> Output | None:
    """An image (as a data URL) or else the plain-text representation.
    HTML, SVG and JavaScript representations are never used: they could
    carry active content."""
    for mime in IMAGE_TYPES:
        payload = re.sub(r"\s+", "", field_text(bundle.get(mime)))
        if payload and _BASE64.match(payload) and _decodes(payload):
            return Output("image", payload, mime)
    text = field_text(bundle.get("text/plain"))
    if not text:
        return None
    return Output("text", cap(page.redactor.lines(text)))


def _decodes(payload: str) -> bool:
    try:
        base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def error(page: Page, out: dict) -> Output:
    """``ename: evalue`` in full, then the safe part of the traceback."""
    r = page.redactor
    ename = r.message(field_text(out.get("ename"))) or "Error"
    evalue = r.message(field_text(out.get("evalue")))
    header = f"{ename}: {evalue}" if evalue else ename
    tb = out.get("traceback")
    lines = r.traceback(tb if isinstance(tb, list) else [], header)
    return Output("error", header, trace=cap("\n".join(lines)))


# -- building the pages ----------------------------------------------------

def read_cells(path: Path) -> list | None:
    """The cells of an autograded notebook (None if missing or broken).
    Plain JSON: the page needs no schema validation, only care."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    return [c for c in cells if isinstance(c, dict)] \
        if isinstance(cells, list) else None


def _check_id(student: str) -> None:
    """A student id is one folder name: never a path."""
    if not student or student in (".", "..") or "/" in student \
            or "\\" in student:
        raise SystemExit(f"not a student id: {student!r}")


def build_student(cfg, gb, assignment: str, student: str,
                  hidden: dict[str, set[str]],
                  state: dict[str, Outcome]) -> list[Path]:
    """Write one student's pages; [] when the gradebook has no grades."""
    grades = read_grades(gb, assignment, student)
    if grades is None:
        return []
    src = cfg.root / cfg.autograded / student / assignment
    dest = cfg.root / "feedback" / student / assignment
    dest.mkdir(parents=True, exist_ok=True)
    outcome = state.get(student)
    written = []
    for notebook in sorted(grades.notebooks):
        # a failed submission never ran: anything in autograded/ is stale
        cells = None if outcome and outcome.state == FAILED \
            else read_cells(src / f"{notebook}.ipynb")
        lines = set(hidden.get(notebook, set()))
        for cell in cells or []:
            lines.update(split_hidden(field_text(cell.get("source")))[1])
        page = Page(assignment, student, notebook, grades,
                    Redactor(lines), outcome, cells)
        path = dest / f"{notebook}.html"
        path.write_text(render_page(page), encoding="utf-8")
        written.append(path)
    for name in EXCHANGE_FILES:
        if (src / name).is_file():
            shutil.copy(src / name, dest / name)
    return written


def build(assignment: str, root: Path,
          students: list[str] | None = None) -> list[Path]:
    """Write the feedback pages of ``students`` (default: everyone
    autograded or in the state file); returns the files written."""
    from nbgrader.api import Gradebook

    cfg = load_config(Path(root).resolve())
    state = load_state(cfg.state_dir / f"{assignment}.json")
    for student in students or []:
        _check_id(student)
    todo = list(students) if students else students_of(cfg, assignment,
                                                         state)
    written: list[Path] = []
    with Gradebook(cfg.db_url, cfg.course_id) as gb:
        hidden = source_hidden_lines(gb, assignment)
        for student in todo:
            written += build_student(cfg, gb, assignment, student, hidden,
                                     state)
    return written


# -- command line ------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``python -m autograder feedback``."""
    parser.add_argument("assignment")
    parser.add_argument("--student", action="append", dest="students",
                        metavar="ID", help="only this student (repeatable)")


def command(args: argparse.Namespace, root: Path) -> int:
    """Build the pages; 1 if a requested student has no grades."""
    written = build(args.assignment, root, args.students)
    done = {p.parent.parent.name for p in written}
    print(f"wrote {len(written)} feedback pages for {len(done)} students "
          f"into feedback/")
    missing = sorted(set(args.students or []) - done)
    if missing:
        print(f"no grades of {args.assignment} in the gradebook for "
              f"{', '.join(missing)}: grade them first")
        return 1
    return 0

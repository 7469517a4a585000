"""nbgrader's own preprocessors, with the gradebook traffic of a class.

Grades must equal those of plain ``nbgrader autograde``, so the grade
command runs nbgrader's preprocessors, not copies of their logic. Two
wrappers remove per-student database work that dominated grading time:

- CachedOverwriteCells reads the source cells of a notebook once per run
  instead of twice per cell per student;
- BatchedSaveAutoGrades commits a student's scores once, not once per cell.
"""
from __future__ import annotations

from types import SimpleNamespace

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import OverwriteCells, SaveAutoGrades


def find_assignment(gb: Gradebook, assignment: str):
    """The gradebook's assignment, or exit saying how to release it."""
    try:
        return gb.find_assignment(assignment)
    except MissingEntry:
        raise SystemExit(
            f"assignment {assignment!r} is not in the gradebook: run "
            f"`nbgrader generate_assignment {assignment}` first") from None


class SourceCells:
    """The subset of the Gradebook API OverwriteCells uses, from memory."""

    def __init__(self, db_url: str, course_id: str, notebook: str,
                 assignment: str):
        self.key = (notebook, assignment)
        with Gradebook(db_url, course_id) as gb:
            nb = gb.find_notebook(notebook, assignment)
            self.source = {c.name: SimpleNamespace(
                name=c.name, cell_type=c.cell_type, locked=c.locked,
                checksum=c.checksum, source=c.source)
                for c in nb.source_cells}
            self.graded = {c.name: SimpleNamespace(
                name=c.name, max_score=c.max_score)
                for c in list(nb.grade_cells) + list(nb.task_cells)}

    def find_source_cell(self, name, notebook, assignment):
        if (notebook, assignment) != self.key or name not in self.source:
            raise MissingEntry()
        return self.source[name]

    def find_graded_cell(self, name, notebook, assignment):
        if (notebook, assignment) != self.key or name not in self.graded:
            raise MissingEntry()
        return self.graded[name]


class CachedOverwriteCells(OverwriteCells):
    """OverwriteCells reading from a SourceCells cache."""

    def __init__(self, cells: SourceCells, **kw):
        super().__init__(**kw)
        self.cells = cells

    def preprocess(self, nb, resources):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.db_url = resources["nbgrader"]["db_url"]
        self.gradebook = self.cells
        # the per-cell work of OverwriteCells, without its Gradebook
        return super(OverwriteCells, self).preprocess(nb, resources)


class BatchedSaveAutoGrades(SaveAutoGrades):
    """SaveAutoGrades with one commit per notebook."""

    def preprocess(self, nb, resources):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.student_id = resources["nbgrader"]["student"]
        self.db_url = resources["nbgrader"]["db_url"]
        self.gradebook = Gradebook(self.db_url)
        with self.gradebook:
            session = self.gradebook.db
            commit = session.commit
            session.commit = session.flush  # SaveAutoGrades commits per cell
            try:
                nb, resources = super(SaveAutoGrades, self).preprocess(
                    nb, resources)
            finally:
                session.commit = commit
            commit()
        return nb, resources

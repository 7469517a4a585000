"""nbgrader's own preprocessors, with the gradebook traffic of a class.

Grades must equal those of plain ``nbgrader autograde``, so the grade
command runs nbgrader's preprocessors, not copies of their logic. These
wrappers remove per-student work that dominated grading time:

- CachedOverwriteCells reads the source cells of a notebook once per run
  instead of twice per cell per student;
- BatchedSaveAutoGrades commits a student's scores once, not once per
  cell, and reads the notebook's grade and comment rows in two queries,
  not one query per cell;
- CheckedOnceCellMetadata checks nbgrader's metadata schema itself once
  per run, not once per cell per student (then validates every cell
  against it, as CheckCellMetadata does);
- shared_engines lets the five Gradebooks nbgrader's preprocessors open
  per notebook share one SQLAlchemy engine, whose cache of compiled
  queries then serves the whole class, and checks the database's tables
  and course once per run, not at each of those five openings.
"""
from __future__ import annotations

import contextlib
import functools
import json
from types import SimpleNamespace

import jsonschema
import nbgrader.api
from nbgrader.api import (Assignment, BaseCell, Comment, Grade, Gradebook,
                          MissingEntry, Notebook, Student,
                          SubmittedAssignment, SubmittedNotebook)
from nbgrader.nbgraderformat import common as nbgrader_format
from nbgrader.preprocessors import (CheckCellMetadata, OverwriteCells,
                                    SaveAutoGrades)
from sqlalchemy.orm import scoped_session, sessionmaker


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
            # what add_missing_cells reads, in the gradebook's order
            self.notebook = SimpleNamespace(
                source_cells=list(self.source.values()),
                grade_cells=[self.graded[c.name] for c in nb.grade_cells],
                task_cells=[self.graded[c.name] for c in nb.task_cells],
                solution_cells=[SimpleNamespace(name=c.name)
                                for c in nb.solution_cells])

    def find_notebook(self, notebook, assignment):
        if (notebook, assignment) != self.key:
            raise MissingEntry()
        return self.notebook

    def find_source_cell(self, name, notebook, assignment):
        if (notebook, assignment) != self.key or name not in self.source:
            raise MissingEntry()
        return self.source[name]

    def find_graded_cell(self, name, notebook, assignment):
        if (notebook, assignment) != self.key or name not in self.graded:
            raise MissingEntry()
        return self.graded[name]


class CachedOverwriteCells(OverwriteCells):
    """OverwriteCells reading from a SourceCells cache (set ``cells``
    before each notebook): OverwriteCells.preprocess with the cache for
    its Gradebook, so a deleted test or task cell is added back when the
    course sets ``OverwriteCells.add_missing_cells``."""

    cells: SourceCells | None = None

    def preprocess(self, nb, resources):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.db_url = resources["nbgrader"]["db_url"]
        self.gradebook = self.cells
        # the body of OverwriteCells.preprocess, without its Gradebook
        nb, resources = super(OverwriteCells, self).preprocess(nb, resources)
        if self.add_missing_cells:
            nb, resources = self.add_missing_grade_cells(nb, resources)
            nb, resources = self.add_missing_task_cells(nb, resources)
        return nb, resources


def _rows_of(session, model, notebook: str, assignment: str,
             student: str) -> dict:
    """cell name -> the ``model`` rows (Grade or Comment) of one student's
    notebook: the rows nbgrader's find_grade / find_comment return one
    query at a time, in one query."""
    rows = session.query(model, BaseCell.name)\
        .join(BaseCell, BaseCell.id == model.cell_id)\
        .join(SubmittedNotebook, SubmittedNotebook.id == model.notebook_id)\
        .join(Notebook, Notebook.id == SubmittedNotebook.notebook_id)\
        .join(SubmittedAssignment,
              SubmittedAssignment.id == SubmittedNotebook.assignment_id)\
        .join(Assignment, Assignment.id == SubmittedAssignment.assignment_id)\
        .join(Student, Student.id == SubmittedAssignment.student_id)\
        .filter(Notebook.name == notebook, Assignment.name == assignment,
                Student.id == student).all()
    return {name: row for row, name in rows}


def _preloaded(find, rows: dict, key: tuple):
    """``find`` (a Gradebook's find_grade or find_comment) answering from
    ``rows`` for the notebook ``key`` = (notebook, assignment, student),
    and asking the database otherwise."""
    def lookup(cell, notebook, assignment, student):
        if (notebook, assignment, student) == key and cell in rows:
            return rows[cell]
        return find(cell, notebook, assignment, student)
    return lookup


class BatchedSaveAutoGrades(SaveAutoGrades):
    """SaveAutoGrades with one commit per notebook, its grade and comment
    rows read up front."""

    def preprocess(self, nb, resources):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.student_id = resources["nbgrader"]["student"]
        self.db_url = resources["nbgrader"]["db_url"]
        self.gradebook = Gradebook(self.db_url)
        with self.gradebook:
            session = self.gradebook.db
            key = (self.notebook_id, self.assignment_id, self.student_id)
            for name, model in (("find_grade", Grade),
                                ("find_comment", Comment)):
                setattr(self.gradebook, name, _preloaded(
                    getattr(self.gradebook, name),
                    _rows_of(session, model, *key), key))
            commit = session.commit
            session.commit = session.flush  # SaveAutoGrades commits per cell
            try:
                nb, resources = super(SaveAutoGrades, self).preprocess(
                    nb, resources)
            finally:
                session.commit = commit
            commit()
        return nb, resources


@functools.lru_cache(maxsize=8)
def _validator(schema_text: str):
    """A validator of one schema, the schema checked once."""
    schema = json.loads(schema_text)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


#: (schema, cell metadata) pairs found valid in this run, as JSON text:
#: the same few dozen for every student of a class.
_VALID: set[tuple[str, str]] = set()


def _validate(instance, schema) -> None:
    """jsonschema.validate, with the schema checked once per run (checking
    it again for every cell of every student took ~35 ms per notebook)
    and each metadata validated once (a cell's nbgrader metadata is the
    same for every student; validating it again took ~8 ms per
    notebook)."""
    schema_text = json.dumps(schema, sort_keys=True)
    try:
        key = (schema_text, json.dumps(instance, sort_keys=True))
    except (TypeError, ValueError):
        key = None          # not JSON: let jsonschema say what is wrong
    if key in _VALID:
        return
    error = jsonschema.exceptions.best_match(
        _validator(schema_text).iter_errors(instance))
    if error is not None:
        raise error
    if key is not None and len(_VALID) < 100_000:
        _VALID.add(key)


class CheckedOnceCellMetadata(CheckCellMetadata):
    """CheckCellMetadata whose jsonschema checks the schema once."""

    def preprocess(self, nb, resources):
        with _schema_checked_once():
            return super().preprocess(nb, resources)


@contextlib.contextmanager
def _schema_checked_once():
    # nbgrader's validator calls the module-level jsonschema.validate;
    # the grade command prepares notebooks on one thread only
    shim = SimpleNamespace(validate=_validate)
    saved, nbgrader_format.jsonschema = nbgrader_format.jsonschema, shim
    try:
        yield
    finally:
        nbgrader_format.jsonschema = saved


@contextlib.contextmanager
def shared_engines():
    """Within the block, every Gradebook of one database URL uses the same
    engine (nbgrader's Gradebook makes a new one each time, and its
    compiled queries with it), and only the first Gradebook of a (URL,
    course) inspects the database, creates missing tables and checks the
    course (about 10 ms, five times per notebook; the tables and the
    course do not go away during a run). Closing a Gradebook returns its
    connection to the engine's pool; the engines are disposed of when
    the block ends. For the one thread that writes the gradebook."""
    engines: dict = {}
    checked: set = set()
    create = nbgrader.api.create_engine
    init = Gradebook.__init__

    def shared(url, **kw):
        key = (str(url), tuple(sorted(kw.items())))
        if key not in engines:
            engines[key] = create(url, **kw)
        return engines[key]

    def checked_once(self, db_url, course_id="default_course",
                     authenticator=None):
        if (str(db_url), course_id) not in checked:
            init(self, db_url, course_id, authenticator)
            checked.add((str(db_url), course_id))
            return
        # Gradebook.__init__ without the inspection, create_all and
        # check_course that the first one did
        self.engine = nbgrader.api.create_engine(db_url, echo=False,
                                                 future=True)
        self.db = scoped_session(sessionmaker(autoflush=True,
                                              bind=self.engine, future=True))
        self.course_id = course_id
        self.authenticator = authenticator

    def returned(self):
        # Gradebook.close without engine.dispose: the connection goes
        # back to the shared engine's pool for the next Gradebook, not
        # closed and opened again (two per notebook)
        self.db.remove()

    nbgrader.api.create_engine = shared
    Gradebook.__init__ = checked_once
    close, Gradebook.close = Gradebook.close, returned
    try:
        yield
    finally:
        nbgrader.api.create_engine = create
        Gradebook.__init__ = init
        Gradebook.close = close
        for engine in engines.values():
            engine.dispose()

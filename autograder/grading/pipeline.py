"""Grade a whole class: ``python -m autograder grade ASSIGNMENT``.

nbgrader stays the data model: the same course folder, the same gradebook,
the same preprocessors for sanitizing (restoring hidden tests from the
gradebook) and for saving grades, so plain ``nbgrader autograde`` gives the
same grades. What this adds:

- execution in parallel, each notebook in a sandbox (autograder.grading.sandbox)
  on a local pool or a Dask cluster (autograder.grading.executors);
- one trusted process, this one, that alone writes the gradebook;
- every submission ends in one recorded state, graded, failed (with the
  reason), timed out or crashed, in grading_state/ASSIGNMENT.json; one bad
  submission never stops the run, and points earned before a kernel died
  are kept;
- a rerun skips submissions already graded and unchanged (unless
  --force), and a run killed at any moment, then rerun, ends with the
  gradebook of an uninterrupted run;
- manual grades and comments are never touched (only auto scores).
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from . import astlock
from ..course import CourseConfig
from ..notebook import plots
from .state import CRASHED, GRADED, GRADER_ERROR, TIMEOUT
from .validate import (MasterCell, SubmissionError, check_folder,
                       check_structure, find_notebook, read_notebook)

#: Largest other file copied into the sandbox with a notebook.
MAX_DATA_BYTES = 5 * 1024 * 1024


# -- reading the course ------------------------------------------------------

@dataclass(frozen=True)
class Release:
    """What grading needs of a released notebook."""

    cells: tuple[MasterCell, ...]   # graded and locked cells, in order
    plots: bool                     # a code cell names matplotlib


def released(cfg: CourseConfig, assignment: str, notebook: str) -> Release:
    """The released notebook's Release (read once per run, and again
    when the file changes)."""
    path = cfg.root / cfg.release / assignment / f"{notebook}.ipynb"
    return _release(path, path.stat().st_mtime_ns)


def master_cells(cfg: CourseConfig, assignment: str,
                 notebook: str) -> list[MasterCell]:
    """Graded and locked cells of the released notebook, in order."""
    return list(released(cfg, assignment, notebook).cells)


@functools.lru_cache(maxsize=64)
def _release(path: Path, stamp: int) -> Release:
    nb = nbformat.read(path, as_version=4)
    cells = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") or meta.get("solution") or meta.get("locked"):
            cells.append(MasterCell(meta["grade_id"], bool(meta.get("grade")),
                                    bool(meta.get("solution")),
                                    bool(meta.get("locked")),
                                    meta.get("points")))
    return Release(tuple(cells), plots(nb))


def notebooks_of(cfg: CourseConfig, assignment: str) -> list[str]:
    from nbgrader.api import Gradebook

    from .gradebook import find_assignment

    with Gradebook(cfg.db_url, cfg.course_id) as gb:
        return sorted(nb.name for nb in find_assignment(gb, assignment)
                      .notebooks)


def students_of(cfg: CourseConfig, assignment: str,
                only: list[str] | None) -> list[str]:
    root = cfg.root / cfg.submitted
    found = sorted(p.parent.name for p in root.glob(f"*/{assignment}")
                   if p.is_dir() and not p.parent.name.startswith("."))
    if only:
        missing = sorted(set(only) - set(found))
        if missing:
            raise SystemExit(f"no submission of {assignment} for "
                             f"{', '.join(missing)}")
        return [s for s in found if s in only]
    return found


def fingerprint(folder: Path, release_files: list[Path]) -> str:
    """Hash of a submission folder and of the released notebooks."""
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")) + release_files:
        if path.is_file() and not path.is_symlink():
            h.update(str(path.relative_to(path.anchor)).encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
        elif path.is_symlink():
            h.update(f"link:{path}->{os.readlink(path)}".encode())
    return h.hexdigest()


#: The grader's own failures; log_grader_error adds the file handler.
LOG = logging.getLogger("autograder.grading")


class _TracebackFormatter(logging.Formatter):
    """``--- <UTC timestamp> <student>`` and the traceback."""

    def __init__(self):
        super().__init__("--- %(asctime)s %(message)s")

    def formatTime(self, record, datefmt=None):
        return datetime.fromtimestamp(record.created, timezone.utc) \
            .isoformat(timespec="seconds")

    def formatException(self, ei):
        return astlock.format_exception(ei[1]).rstrip("\n")


def log_grader_error(cfg: CourseConfig, assignment: str, student: str,
                     exc: BaseException) -> str:
    """Append the traceback of the grader's own failure to
    grading_state/ASSIGNMENT.errors.log; returns the outcome's reason."""
    path = cfg.state_dir / f"{assignment}.errors.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(_TracebackFormatter())
    LOG.addHandler(handler)
    try:
        LOG.error(student, exc_info=exc)
    finally:
        LOG.removeHandler(handler)
        handler.close()
    return (f"{GRADER_ERROR}{type(exc).__name__}: {exc} (traceback in "
            f"{path.relative_to(cfg.root)}; a rerun grades it again)")


# -- before execution: validate and sanitize (trusted, reads the db) -------

def _resources(cfg, assignment, notebook, student) -> dict:
    return {"nbgrader": {"db_url": cfg.db_url, "assignment": assignment,
                         "notebook": notebook, "student": student,
                         "course_id": cfg.course_id}}


_SOURCE_CELLS: dict = {}


@dataclass(frozen=True)
class Steps:
    """nbgrader's Autograde preprocessor lists, as this course configures
    them, built once per run: ``sanitize`` runs before execution;
    ``autograde`` is split where nbgrader's Execute stands (execution here
    is the sandboxed worker), ``before_run`` on the sanitized notebook,
    ``after_run`` on the notebook with its outputs. Our cached classes
    stand in for nbgrader's where the gradebook traffic of a class made
    them slow; each step runs through ``__call__``, so its configured
    ``enabled`` decides, as in nbgrader's exporter."""

    sanitize: tuple
    before_run: tuple
    after_run: tuple

    def overwrite(self, cells) -> None:
        """Point the CachedOverwriteCells steps at a notebook's cells."""
        from .gradebook import CachedOverwriteCells

        for pp in self.sanitize:
            if isinstance(pp, CachedOverwriteCells):
                pp.cells = cells


def _nbgrader_config(root: Path):
    from traitlets.config.loader import Config, PyFileConfigLoader

    if (root / "nbgrader_config.py").is_file():
        return PyFileConfigLoader("nbgrader_config.py",
                                  path=str(root)).load_config()
    return Config()


def steps(cfg: CourseConfig) -> Steps:
    """The Steps of the course in ``cfg.root``, read once per run (and
    again when its nbgrader_config.py changes)."""
    path = cfg.root / "nbgrader_config.py"
    stamp = path.stat().st_mtime_ns if path.is_file() else None
    return _steps(cfg.root, stamp)


@functools.lru_cache(maxsize=8)
def _steps(root: Path, stamp) -> Steps:
    from nbgrader.converters.autograde import Autograde
    from nbgrader.preprocessors import (CheckCellMetadata, Execute,
                                        OverwriteCells, SaveAutoGrades)
    from traitlets.utils.importstring import import_item

    from .gradebook import (BatchedSaveAutoGrades, CachedOverwriteCells,
                            CheckedOnceCellMetadata)

    ours = {OverwriteCells: CachedOverwriteCells,
            CheckCellMetadata: CheckedOnceCellMetadata,
            SaveAutoGrades: BatchedSaveAutoGrades}
    config = _nbgrader_config(root)
    autograde = Autograde(config=config)

    def build(classes):
        built = []
        for cls in classes:
            cls = import_item(cls) if isinstance(cls, str) else cls
            built.append(ours.get(cls, cls)(config=config))
        return tuple(built)

    later = list(autograde.autograde_preprocessors)
    run = next((i for i, cls in enumerate(later) if isinstance(cls, type)
                and issubclass(cls, Execute)), None)
    if run is None:
        raise SystemExit("Autograde.autograde_preprocessors has no "
                         "Execute step: the grade command runs the "
                         "notebooks where nbgrader's Execute stands")
    return Steps(build(autograde.sanitize_preprocessors),
                 build(later[:run]), build(later[run + 1:]))


def source_cells(cfg: CourseConfig, assignment: str, notebook: str):
    """The gradebook's source cells of a notebook, read once per run."""
    from .gradebook import SourceCells

    key = (cfg.db_url, assignment, notebook)
    if key not in _SOURCE_CELLS:
        _SOURCE_CELLS[key] = SourceCells(cfg.db_url, cfg.course_id,
                                         notebook, assignment)
    return _SOURCE_CELLS[key]


def prepare(cfg: CourseConfig, assignment: str, student: str,
            notebooks: list[str]) -> tuple[dict, list[str]]:
    """A job for a worker: sanitized notebooks and data files (bytes).

    Raises SubmissionError for anything that cannot be graded.
    """
    run_steps = steps(cfg)
    folder = cfg.folder(cfg.submitted, student, assignment)
    check_folder(folder)
    job = {"student": student, "notebooks": {}, "files": {},
           "markers": (cfg.markers.begin, cfg.markers.end)}
    notes: list[str] = []
    for name in notebooks:
        nb = read_notebook(find_notebook(folder, name))
        notes += check_structure(nb, master_cells(cfg, assignment, name))
        resources = _resources(cfg, assignment, name, student)
        run_steps.overwrite(source_cells(cfg, assignment, name))
        for pp in run_steps.sanitize + run_steps.before_run:
            try:
                nb, resources = pp(nb, resources)
            except Exception as exc:  # noqa: BLE001 - nbgrader's own checks
                raise SubmissionError(f"{name}.ipynb: {exc}") from None
        job["notebooks"][name] = job_text(nb)
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix != ".ipynb" \
                and path.stat().st_size <= MAX_DATA_BYTES:
            job["files"][str(path.relative_to(folder))] = path.read_bytes()
    return job, notes


def job_text(nb: nbformat.NotebookNode) -> str:
    """A sanitized notebook as a job carries it: compact JSON, written by
    json's C encoder (nbformat's indented writer is pure Python, ~5 ms a
    notebook); read back with job_notebook."""
    return json.dumps(nb, ensure_ascii=False)


def job_notebook(text: str) -> nbformat.NotebookNode:
    """The notebook of job_text (or of nbformat.writes), not validated
    again: the grader wrote it, after nbgrader's checks."""
    return nbformat.v4.reads(text)


# -- after execution: save grades (trusted, the only db writer) ------------

def assemble(sanitized: str, result: dict) -> nbformat.NotebookNode:
    """The sanitized notebook (trusted sources) with the run's outputs.

    Outputs were rebuilt from plain data by autograder.grading.execution; a test
    cell's outputs end with the outside verdict's error when it failed.
    """
    nb = job_notebook(sanitized)
    outputs, counts = result["outputs"], result["counts"]
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.outputs = [nbformat.from_dict(o)
                            for o in outputs.get(str(i), [])]
            cell.execution_count = counts.get(str(i))
    return nb


def save(cfg: CourseConfig, assignment: str, student: str, job: dict,
         results: dict) -> tuple[float, float]:
    """Write autograded/ and the auto scores, marking flagged notebooks
    for a manual grade; returns (score, max)."""
    run_steps = steps(cfg)
    src = cfg.folder(cfg.submitted, student, assignment)
    dest = cfg.folder(cfg.autograded, student, assignment)
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for rel, data in job["files"].items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_bytes(data)
    score = max_score = 0.0
    for name, text in job["notebooks"].items():
        res = results[name]
        nb = assemble(text, res)
        resources = _resources(cfg, assignment, name, student)
        for pp in run_steps.after_run:
            nb, resources = pp(nb, resources)
        nbformat.write(nb, dest / f"{name}.ipynb")
        s, m = _scores(cfg, assignment, name, student,
                       flagged=bool(res.get("flags")))
        score, max_score = score + s, max_score + m
    stamp = src / "timestamp.txt"
    if stamp.is_file():
        shutil.copy(stamp, dest / "timestamp.txt")
    return score, max_score


def save_failure(cfg: CourseConfig, assignment: str, student: str,
                 notebooks: list[str]) -> float:
    """Zero auto scores for a submission that could not run."""
    from nbgrader.api import Gradebook

    with Gradebook(cfg.db_url, cfg.course_id) as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(assignment, student)
        total = 0.0
        for name in notebooks:
            sub = gb.find_submission_notebook(name, assignment, student)
            for grade in sub.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = grade.manual_score is not None
                total += grade.max_score
        gb.db.commit()
    return total


def _scores(cfg, assignment, notebook, student,
            flagged: bool = False) -> tuple[float, float]:
    """(score, max) of a saved notebook. A flagged notebook needs a
    manual look: its grades are marked so, and formgrader lists it."""
    from nbgrader.api import Gradebook

    with Gradebook(cfg.db_url, cfg.course_id) as gb:
        sub = gb.find_submission_notebook(notebook, assignment, student)
        if flagged:
            for grade in sub.grades:
                grade.needs_manual_grade = True
            gb.db.commit()
        return float(sub.score), float(sub.max_score)


def register(cfg: CourseConfig, assignment: str, student: str) -> None:
    """Student and submission rows, with the submission's timestamp."""
    from nbgrader.api import Gradebook
    from nbgrader.utils import parse_utc

    stamp = cfg.folder(cfg.submitted, student, assignment) / "timestamp.txt"
    kwargs = {}
    if stamp.is_file():
        try:
            kwargs["timestamp"] = parse_utc(stamp.read_text().strip())
        except (ValueError, TypeError):
            pass
    with Gradebook(cfg.db_url, cfg.course_id) as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(assignment, student, **kwargs)


STATE_OF = {"ok": GRADED, "timeout": TIMEOUT, "crashed": CRASHED}


def outcome_of(results: dict) -> tuple[str, str]:
    """The worst state of a job's notebooks and its reason."""
    for status in ("crashed", "timeout"):  # worst first
        for name, res in results.items():
            if res["status"] == status:
                return STATE_OF[status], f"{name}.ipynb: {res['detail']}"
    return GRADED, ""


def flags_and_cells(results: dict) -> tuple[list[str], dict]:
    """The flags and per-test-cell verdicts of a job's notebooks."""
    flags, cells = [], {}
    for name, res in results.items():
        flags += [f"{name}.ipynb: {f}" for f in res.get("flags", [])]
        for grade_id, v in res.get("verdicts", {}).items():
            cells[grade_id] = {"notebook": name, "passed": v["passed"],
                               "diagnosis": v["diagnosis"]}
    return flags, cells

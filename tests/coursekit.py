"""A throwaway copy of the course, driven by the real nbgrader commands.

Tests build submissions from the released notebook (answer cells replaced
by a catalogue entry's code), run ``nbgrader autograde`` and
``nbgrader generate_feedback`` on them, and read the gradebook.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

_SOLUTION_BLOCK = re.compile(
    r"^[ \t]*### BEGIN SOLUTION[ \t]*\n|^[ \t]*### END SOLUTION[ \t]*\n?",
    re.MULTILINE)


def nbgrader_env(course: Path) -> dict:
    """Environment for nbgrader: this venv first on PATH (nbgrader runs
    ``alembic`` as a subprocess), no user config leaking in."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_CONFIG_DIR"] = str(course / ".jupyter")
    env.pop("JUPYTER_PATH", None)
    return env


def run_nbgrader(course: Path, *args: str, check: bool = True,
                 timeout: float = 900) -> subprocess.CompletedProcess:
    """Run ``nbgrader *args`` in ``course``; raise with its log on failure."""
    proc = subprocess.run([str(BIN / "nbgrader"), *args], cwd=course,
                          env=nbgrader_env(course), capture_output=True,
                          text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n"
                           f"{proc.stdout}\n{proc.stderr}")
    return proc


def make_course(dest: Path, assignments: list[str],
                db_url: str | None = None) -> Path:
    """Copy config and sources to ``dest`` and release ``assignments``,
    into the gradebook at ``db_url`` (None: nbgrader's default,
    dest/gradebook.db).

    Releasing writes the gradebook's copy of the hidden tests, which
    autograde restores into every submission.
    """
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", dest / "nbgrader_config.py")
    if db_url is not None:      # before the release, which writes there
        with open(dest / "nbgrader_config.py", "a") as config:
            config.write(f"\nc.CourseDirectory.db_url = {db_url!r}\n")
    for name in assignments:
        shutil.copytree(ROOT / "solutions" / name, dest / "solutions" / name)
        run_nbgrader(dest, "generate_assignment", name, "--force")
    return dest


def solution_sources(assignment: str) -> dict[str, str]:
    """grade_id -> source of every answer cell of the reference solution,
    with the nbgrader solution markers removed."""
    nb = nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb",
                       as_version=4)
    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            out[meta["grade_id"]] = _SOLUTION_BLOCK.sub("", cell.source)
    return out


def released_notebook(assignment: str) -> nbformat.NotebookNode:
    """The student version as committed in exercises/."""
    return nbformat.read(
        ROOT / "exercises" / assignment / f"{assignment}.ipynb",
        as_version=4)


def build_submission(assignment: str, answers: dict[str, str] | None,
                     base: str = "solution") -> nbformat.NotebookNode:
    """A student's notebook: the released version with answers filled in.

    Args:
        answers: grade_id -> code of the answer cells to replace.
        base: "solution" fills every other answer cell with the reference
            code; "stub" leaves them as released.
    """
    nb = released_notebook(assignment)
    filled = solution_sources(assignment) if base == "solution" else {}
    filled.update(answers or {})
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") \
                and grade_id in filled:
            cell.source = filled[grade_id]
    return nb


def submit(course: Path, student: str, assignment: str,
           nb: nbformat.NotebookNode) -> Path:
    """Place ``nb`` where nbgrader looks for ``student``'s submission."""
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{assignment}.ipynb"
    nbformat.write(nb, path)
    return path


def scores(course: Path, assignment: str,
           student: str) -> dict[str, float]:
    """grade cell name -> score of ``student`` in the course's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        submission = gb.find_submission_notebook(assignment, assignment,
                                                 student)
        return {g.name: float(g.score) for g in submission.grades
                if g.max_score > 0}


def max_scores(course: Path, assignment: str) -> dict[str, float]:
    """grade cell name -> points of that cell."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        nb = gb.find_notebook(assignment, assignment)
        return {c.name: float(c.max_score) for c in nb.grade_cells
                if c.max_score > 0}


def autograded_errors(course: Path, assignment: str,
                      student: str) -> dict[str, str]:
    """grade cell -> message of the error left in the autograded
    notebook (the last one when a cell has several)."""
    path = (course / "autograded" / student / assignment
            / f"{assignment}.ipynb")
    out = {}
    for cell in nbformat.read(path, as_version=4).cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                out[grade_id] = o.get("evalue", "")
    return out


def feedback_html(course: Path, assignment: str, student: str) -> str:
    """The feedback page nbgrader generated for ``student``."""
    return (course / "feedback" / student / assignment
            / f"{assignment}.html").read_text(encoding="utf-8")

"""Check a submission before any of it runs, and say what is wrong.

Every problem becomes a SubmissionError whose message the instructor (and
the student) can act on: "not valid JSON (truncated?)", "answer cell
softmax was deleted", "numpy.py beside the notebook would
replace NumPy". A bad submission fails alone; the run goes on.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

#: Largest notebook accepted, in bytes: a released notebook is ~50 kB.
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
#: Files next to the notebook that Python would import instead of the
#: real module, or that run code on import.
CODE_SUFFIXES = {".py", ".pyc", ".pth", ".so", ".pyd"}


class SubmissionError(Exception):
    """A submission that cannot be graded, with the reason in words."""


@dataclass(frozen=True)
class MasterCell:
    """What the gradebook says a graded or locked cell must be."""

    grade_id: str
    grade: bool
    solution: bool
    locked: bool
    points: float | None


def check_folder(folder: Path) -> None:
    """No symlinks and no importable code beside the notebook."""
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_symlink():
            raise SubmissionError(
                f"{rel} is a symbolic link (to {os.readlink(path)}); "
                "submissions must contain plain files only")
        if path.suffix in CODE_SUFFIXES or (path.is_dir() and (
                path / "__init__.py").exists()):
            module = rel.parts[0].split(".")[0]
            shadow = (f" and would replace the module {module!r}"
                      if _is_importable(module) else "")
            raise SubmissionError(
                f"{rel} was submitted beside the notebook{shadow}: Python "
                "would import it when the notebook runs. Remove it and put "
                "all code in the notebook.")


def _is_importable(name: str) -> bool:
    if name in sys.stdlib_module_names:
        return True
    try:
        import importlib.util
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def find_notebook(folder: Path, name: str) -> Path:
    """The submitted NAME.ipynb, or an error naming what is there."""
    path = folder / f"{name}.ipynb"
    if path.is_file():
        return path
    others = sorted(p.name for p in folder.glob("*.ipynb"))
    if others:
        raise SubmissionError(
            f"{name}.ipynb is missing; found {', '.join(others)}. The "
            f"notebook must keep its name {name}.ipynb.")
    raise SubmissionError(f"{name}.ipynb is missing from the submission.")


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Parse and validate a submitted notebook file."""
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(
            f"{path.name} is {size / 2**20:.0f} MB; the limit is "
            f"{MAX_NOTEBOOK_BYTES / 2**20:.0f} MB (clear the outputs and "
            "submit again)")
    try:
        data = json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SubmissionError(
            f"{path.name} is not valid JSON ({exc}); the file is truncated "
            "or corrupted. Download a fresh copy from Jupyter and submit "
            "again.") from None
    if not isinstance(data, dict) or "cells" not in data and \
            "worksheets" not in data:
        raise SubmissionError(
            f"{path.name} is JSON but not a Jupyter notebook.")
    major = data.get("nbformat")
    if major != 4:
        raise SubmissionError(
            f"{path.name} is in notebook format {major}; only format 4 is "
            "graded. Open it in a current Jupyter and save it again.")
    try:
        nb = nbformat.reads(json.dumps(data), as_version=4)  # joins lines
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        raise SubmissionError(
            f"{path.name} is not a valid notebook: {exc.message}") from None
    return nb


def check_structure(nb: nbformat.NotebookNode,
                    master: list[MasterCell]) -> list[str]:
    """Test and answer cells are all there, once, in order, unedited.

    Returns notes that do not stop grading: a changed kernelspec, which
    grading replaces, and a deleted test cell, which nbgrader's
    OverwriteCells adds back (``add_missing_cells``), both as nbgrader
    does.
    """
    seen: list[str] = []
    by_id = {m.grade_id: m for m in master}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        if not meta or "grade_id" not in meta:
            continue
        grade_id = meta["grade_id"]
        if grade_id in seen:
            raise SubmissionError(
                f"cell {grade_id} appears twice: a test or answer cell was "
                "copied. Delete the copy (or start from a fresh notebook).")
        seen.append(grade_id)
        want = by_id.get(grade_id)
        if want is None:
            continue
        got = (bool(meta.get("grade")), bool(meta.get("solution")),
               bool(meta.get("locked")))
        points = meta.get("points")
        if got != (want.grade, want.solution, want.locked) or (
                want.grade and points is not None and want.points is not None
                and float(points) != float(want.points)):
            raise SubmissionError(
                f"the nbgrader metadata of cell {grade_id} was edited; "
                "restore the cell from the released notebook.")
    missing = [m.grade_id for m in master if m.grade_id not in seen]
    answers = [g for g in missing if not (by_id[g].grade
                                          and not by_id[g].solution)]
    if answers:
        raise SubmissionError(
            f"answer cell{'s' if len(answers) > 1 else ''} "
            f"{', '.join(answers)} {'were' if len(answers) > 1 else 'was'} "
            "deleted (or lost its metadata). Copy the cell back from the "
            "released notebook.")
    order = [g for g in seen if g in by_id]
    expected = [m.grade_id for m in master if m.grade_id in seen]
    if order != expected:
        first = next(i for i, (a, b) in enumerate(zip(order, expected))
                     if a != b)
        raise SubmissionError(
            f"cells were moved: {order[first]} stands where {expected[first]}"
            " belongs. Keep the cells in the released order.")
    # a deleted test cell is nbgrader's to handle (OverwriteCells, with
    # add_missing_cells, adds it back from the gradebook; without, its
    # grade is left for a manual grade), as plain nbgrader autograde does
    notes = [f"test cell {g} was deleted" for g in missing]
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    if kernel not in (None, "python3"):
        notes.append(f"kernelspec {kernel!r} replaced by 'python3'")
    return notes

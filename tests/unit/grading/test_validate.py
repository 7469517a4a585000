"""A submission is checked before any of it runs
(autograder.grading.validate): each problem is one SubmissionError whose
message says what to do; harmless changes are notes."""
from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

from autograder.grading import validate
from autograder.grading.validate import (MasterCell, SubmissionError,
                                         check_folder, check_structure,
                                         find_notebook, read_notebook)

MASTER = [MasterCell("f_answer", grade=False, solution=True, locked=False,
                     points=None),
          MasterCell("test_f", grade=True, solution=False, locked=True,
                     points=2.0),
          MasterCell("test_g", grade=True, solution=False, locked=True,
                     points=1.0)]


def cell(grade_id: str, **meta) -> nbformat.NotebookNode:
    master = {m.grade_id: m for m in MASTER}[grade_id]
    nbgrader = {"grade_id": grade_id, "grade": master.grade,
                "solution": master.solution, "locked": master.locked,
                "points": master.points, **meta}
    return nbformat.v4.new_code_cell("pass",
                                     metadata={"nbgrader": nbgrader})


def notebook(*cells) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("intro"), *cells]
    return nb


def complete() -> nbformat.NotebookNode:
    return notebook(*(cell(m.grade_id) for m in MASTER))


def raises(match: str):
    return pytest.raises(SubmissionError, match=match)


# -- the folder ---------------------------------------------------------------

def test_a_plain_folder_passes(tmp_path):
    (tmp_path / "softmax.ipynb").write_text("{}")
    (tmp_path / "notes.txt").write_text("mine")
    check_folder(tmp_path)


@pytest.mark.parametrize("name, says", [
    ("numpy.py", "would replace the module 'numpy'"),
    ("helpers.py", "helpers.py was submitted beside the notebook"),
    ("sitecustomize.pth", "Python would import it"),
])
def test_code_beside_the_notebook_is_refused(tmp_path, name, says):
    (tmp_path / name).write_text("")
    with raises(says):
        check_folder(tmp_path)


def test_a_package_beside_the_notebook_is_refused(tmp_path):
    (tmp_path / "numpy").mkdir()
    (tmp_path / "numpy" / "__init__.py").write_text("")
    with raises("replace the module 'numpy'"):
        check_folder(tmp_path)


def test_a_symbolic_link_is_refused(tmp_path):
    os.symlink("/etc/passwd", tmp_path / "data.txt")
    with raises("data.txt is a symbolic link .to /etc/passwd."):
        check_folder(tmp_path)


def test_the_notebook_must_keep_its_name(tmp_path):
    with raises("softmax.ipynb is missing from the submission"):
        find_notebook(tmp_path, "softmax")
    (tmp_path / "softmax (1).ipynb").write_text("{}")
    with raises(r"found softmax \(1\).ipynb.*keep its name"):
        find_notebook(tmp_path, "softmax")
    (tmp_path / "softmax.ipynb").write_text("{}")
    assert find_notebook(tmp_path, "softmax") == tmp_path / "softmax.ipynb"


# -- the file ---------------------------------------------------------------

def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_a_valid_notebook_is_read(tmp_path):
    path = write(tmp_path / "a.ipynb", nbformat.writes(complete()))
    assert [c.source for c in read_notebook(path).cells][1] == "pass"


@pytest.mark.parametrize("text, says", [
    ('{"cells": [', "not valid JSON .*truncated or corrupted"),
    ("\udcff", "not valid JSON"),
    ("[1, 2]", "JSON but not a Jupyter notebook"),
    ('{"cells": [], "nbformat": 3}', "notebook format 3; only format 4"),
    ('{"cells": [{"cell_type": "code"}], "nbformat": 4, '
     '"nbformat_minor": 5, "metadata": {}}', "not a valid notebook"),
])
def test_a_broken_file_is_named(tmp_path, text, says):
    path = tmp_path / "a.ipynb"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    with raises(says):
        read_notebook(path)


def test_a_huge_notebook_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(validate, "MAX_NOTEBOOK_BYTES", 100)
    path = write(tmp_path / "a.ipynb", json.dumps({"cells": ["x" * 200]}))
    with raises("the limit is .*clear the outputs"):
        read_notebook(path)


# -- the cells -----------------------------------------------------------------

def test_the_released_structure_passes_without_notes():
    assert check_structure(complete(), MASTER) == []


def test_a_deleted_test_cell_is_a_note_for_nbgrader_to_restore():
    nb = notebook(cell("f_answer"), cell("test_g"))
    assert check_structure(nb, MASTER) == ["test cell test_f was deleted"]


def test_a_deleted_answer_cell_is_an_error():
    with raises("answer cell f_answer was deleted .*Copy the cell back"):
        check_structure(notebook(cell("test_f"), cell("test_g")), MASTER)


def test_a_copied_cell_is_an_error():
    nb = notebook(cell("f_answer"), cell("test_f"), cell("test_f"),
                  cell("test_g"))
    with raises("cell test_f appears twice"):
        check_structure(nb, MASTER)


@pytest.mark.parametrize("edit", [{"grade": False}, {"locked": False},
                                  {"solution": True}, {"points": 20}])
def test_edited_metadata_is_an_error(edit):
    nb = notebook(cell("f_answer"), cell("test_f", **edit), cell("test_g"))
    with raises("metadata of cell test_f was edited"):
        check_structure(nb, MASTER)


def test_moved_cells_are_an_error():
    nb = notebook(cell("f_answer"), cell("test_g"), cell("test_f"))
    with raises("test_g stands where test_f belongs"):
        check_structure(nb, MASTER)


def test_a_cell_the_gradebook_does_not_know_is_ignored():
    nb = complete()
    nb.cells.append(nbformat.v4.new_code_cell(
        "pass", metadata={"nbgrader": {"grade_id": "mine", "grade": False,
                                       "solution": False}}))
    assert check_structure(nb, MASTER) == []


def test_another_kernel_is_a_note():
    nb = complete()
    nb.metadata["kernelspec"] = {"name": "julia-1.9", "display_name": "J"}
    assert check_structure(nb, MASTER) == [
        "kernelspec 'julia-1.9' replaced by 'python3'"]

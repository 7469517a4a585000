"""The grade command's faster stand-ins for nbgrader's gradebook work
(autograder/gradebook.py) decide exactly as nbgrader's own do."""
from __future__ import annotations

import copy
import sys
from pathlib import Path

import nbformat
import pytest

sys.modules.setdefault("rfc3987_syntax", None)

import nbgrader.api  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402
from nbgrader.nbgraderformat import ValidationError  # noqa: E402
from nbgrader.preprocessors import CheckCellMetadata  # noqa: E402

from autograder.course import assignments  # noqa: E402
from autograder.grading.gradebook import (CheckedOnceCellMetadata,  # noqa: E402
                                  shared_engines)

ROOT = Path(__file__).resolve().parents[1]


def _notebook(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "solutions" / assignment /
                         f"{assignment}.ipynb", as_version=4)


def _corrupt(nb, how: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    cell = next(c for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade"))
    meta = cell.metadata["nbgrader"]
    if how == "points_not_a_number":
        meta["points"] = "three"
    elif how == "no_grade_id":
        del meta["grade_id"]
    elif how == "schema_too_old":
        meta["schema_version"] = 1
    elif how == "unknown_cell_type_key":
        meta["locked"] = "yes"
    return nb


def _verdict(pp, nb) -> str:
    try:
        pp.preprocess(nb, {})
    except Exception as exc:  # noqa: BLE001 - the verdict is the type
        return type(exc).__name__
    return "ok"


@pytest.mark.parametrize("assignment", assignments())
def test_checked_once_accepts_what_nbgrader_accepts(assignment):
    nb = _notebook(assignment)
    assert _verdict(CheckedOnceCellMetadata(), nb) == "ok"
    assert _verdict(CheckCellMetadata(), nb) == "ok"


@pytest.mark.parametrize("how", ["points_not_a_number", "no_grade_id",
                                 "schema_too_old", "unknown_cell_type_key"])
def test_checked_once_rejects_what_nbgrader_rejects(how):
    nb = _corrupt(_notebook("softmax"), how)
    ours, theirs = (_verdict(CheckedOnceCellMetadata(), nb),
                    _verdict(CheckCellMetadata(), nb))
    assert theirs != "ok"
    assert ours == theirs
    if how == "points_not_a_number":
        assert theirs == ValidationError.__name__


def test_checked_once_leaves_nbgrader_as_it_was():
    import jsonschema
    from nbgrader.nbgraderformat import common

    CheckedOnceCellMetadata().preprocess(_notebook("entropy"), {})
    assert common.jsonschema is jsonschema


def test_shared_engines_serve_every_gradebook_of_a_url(tmp_path,
                                                       monkeypatch):
    # a new gradebook asks the environment's alembic for its version
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent),
                       prepend=":")
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    create, close = nbgrader.api.create_engine, Gradebook.close
    with shared_engines():
        with Gradebook(url) as a:
            a.add_student("s1")
            first = a.engine
        connections = first.pool.checkedin()
        with Gradebook(url) as b:
            assert b.engine is first  # one engine, one query cache
            assert [s.id for s in b.students] == ["s1"]
        # closing returned the connection to the pool, not closed it
        assert connections == first.pool.checkedin() == 1
        with Gradebook(f"sqlite:///{tmp_path / 'other.db'}") as c:
            assert c.engine is not first
    assert nbgrader.api.create_engine is create
    assert Gradebook.close is close
    assert first.pool.checkedin() == 0      # disposed of at the end
    with Gradebook(url) as d:
        assert d.engine is not first
        assert [s.id for s in d.students] == ["s1"]

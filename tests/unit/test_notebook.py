"""autograder.notebook: the one parser of test cells and hidden blocks,
checked against nbgrader's own ClearHiddenTests on every source cell."""
from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell
from nbgrader.preprocessors import ClearHiddenTests
from traitlets.config import Config

from autograder import notebook
from autograder.course import ROOT, assignments

CELL = """x = 1
    ### BEGIN HIDDEN TESTS
    assert x == 1

    check(x)
    ### END HIDDEN TESTS
y = 2"""


def nbgrader_visible(source: str, markers=notebook.DEFAULT) -> str:
    """What nbgrader's ClearHiddenTests leaves of a test cell."""
    pre = ClearHiddenTests(begin_test_delimeter=markers.begin,
                           end_test_delimeter=markers.end)
    cell = new_code_cell(source, metadata={"nbgrader": {
        "grade": True, "solution": False, "grade_id": "t", "points": 1}})
    pre._remove_hidden_test_region(cell)
    return cell.source


def test_views_of_one_cell():
    parsed = notebook.parse(CELL)
    assert parsed.visible == "x = 1\n\n\n\n\n\ny = 2"   # line numbers kept
    assert parsed.hidden == "    assert x == 1\n\n    check(x)\n"
    assert parsed.hidden_lines == ["### BEGIN HIDDEN TESTS", "assert x == 1",
                                   "check(x)", "### END HIDDEN TESTS"]
    assert parsed.shown == "x = 1\n    " + notebook.HIDDEN_NOTE + "\ny = 2"


def test_an_open_block_hides_to_the_end():
    parsed = notebook.parse("a = 1\n### BEGIN HIDDEN TESTS\nsecret()")
    assert parsed.visible == "a = 1\n\n"
    assert "secret()" in parsed.hidden_lines


@pytest.mark.parametrize("assignment", assignments())
def test_agrees_with_nbgrader_on_every_source_cell(assignment):
    nb = nbformat.read(ROOT / "solutions" / assignment
                       / f"{assignment}.ipynb", as_version=4)
    cells = notebook.test_cells(nb)
    assert cells
    hidden = 0
    for grade_id, source in cells:
        parsed = notebook.parse(source)
        hidden += parsed.has_hidden
        kept = [line for line, kind in zip(parsed.lines, parsed.kinds)
                if kind == notebook.VISIBLE]
        assert "\n".join(kept) == nbgrader_visible(source), grade_id
    assert hidden, f"{assignment} has no hidden tests"


def test_markers_come_from_the_course_config():
    config = Config()
    config.ClearHiddenTests.begin_test_delimeter = "BEGIN SECRET"
    config.ClearHiddenTests.end_test_delimeter = "END SECRET"
    markers = notebook.Markers.from_config(config)
    source = "a\n# BEGIN SECRET\nb\n# END SECRET\nc"
    assert notebook.parse(source, markers).hidden == "b\n"
    assert nbgrader_visible(source, markers) == "a\nc"
    assert notebook.Markers.from_config(Config()) == notebook.DEFAULT

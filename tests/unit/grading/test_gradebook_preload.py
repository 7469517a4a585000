"""BatchedSaveAutoGrades answers nbgrader's per-cell lookups from rows it
read up front (autograder.grading.gradebook._preloaded), and asks the
database for anything else."""
from __future__ import annotations

from autograder.grading.gradebook import _preloaded

KEY = ("softmax", "softmax", "student1")


def test_known_cells_come_from_the_rows_others_from_the_database():
    asked = []

    def find(cell, notebook, assignment, student):
        asked.append((cell, notebook, assignment, student))
        return f"db:{cell}"

    rows = {"test_a": "row a", "test_b": "row b"}
    lookup = _preloaded(find, rows, KEY)
    assert lookup("test_a", *KEY) == "row a"
    assert lookup("test_b", *KEY) == "row b"
    assert asked == []
    assert lookup("test_c", *KEY) == "db:test_c"
    other = ("softmax", "softmax", "student2")
    assert lookup("test_a", *other) == "db:test_a"
    assert asked == [("test_c", *KEY), ("test_a", *other)]

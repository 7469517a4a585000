"""The repository's own rules: generated exercises are fresh, committed
notebooks carry no outputs, student files hold no solutions."""
from __future__ import annotations

import filecmp
import json
import shutil
import subprocess

import pytest

from autograder.course import assignments, nbgrader
from coursekit import ROOT
from leaks import find_leaks, secret_snippets

ASSIGNMENTS = assignments()


def tracked_notebooks() -> list[str]:
    out = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return [line for line in out.split("\n") if line]


def test_there_are_assignments():
    assert "softmax" in ASSIGNMENTS


def test_exercises_are_what_nbgrader_generates(tmp_path):
    """exercises/ must be regenerated, never hand-edited: compare it with a
    fresh ``nbgrader generate_assignment`` of solutions/."""
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    for name in ASSIGNMENTS:
        proc = nbgrader("generate_assignment", name, "--no-db", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
    fresh = sorted(p.relative_to(tmp_path / "exercises")
                   for p in (tmp_path / "exercises").rglob("*")
                   if p.is_file())
    committed = sorted(p.relative_to(ROOT / "exercises")
                       for p in (ROOT / "exercises").rglob("*")
                       if p.is_file() and "__pycache__" not in p.parts)
    assert committed == fresh, "run `make exercises`"
    stale = [str(p) for p in fresh if not filecmp.cmp(
        tmp_path / "exercises" / p, ROOT / "exercises" / p, shallow=False)]
    assert not stale, f"stale student notebooks {stale}: run `make exercises`"


@pytest.mark.parametrize("path", tracked_notebooks())
def test_committed_notebook_has_no_outputs(path):
    nb = json.loads((ROOT / path).read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        assert cell.get("outputs") == [], f"{path} cell {i} has outputs"
        assert cell.get("execution_count") is None, \
            f"{path} cell {i} has an execution count"
        ui = {"collapsed", "scrolled", "jupyter", "ExecuteTime", "execution"}
        assert not ui & set(cell.get("metadata", {})), \
            f"{path} cell {i} has UI metadata"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_exercise_holds_no_solution_or_hidden_test(name):
    released = (ROOT / "exercises" / name / f"{name}.ipynb").read_text(
        encoding="utf-8")
    source = json.loads(released)
    text = "\n".join("".join(c["source"]) for c in source["cells"])
    assert find_leaks(text, secret_snippets(name)) == []
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_leak_detector_finds_the_solution_in_the_solution(name):
    """The detector itself works: the source notebook is full of secrets."""
    text = (ROOT / "solutions" / name / f"{name}.ipynb").read_text()
    source = "\n".join("".join(c["source"])
                       for c in json.loads(text)["cells"])
    snippets = secret_snippets(name)
    assert snippets and find_leaks(source, snippets) == snippets


@pytest.mark.parametrize("pattern", ["gradebook.db", "submitted/x",
                                     "autograded/x", "feedback/x",
                                     "_build/x", ".venv/x"])
def test_grading_and_build_files_are_ignored(pattern):
    proc = subprocess.run(["git", "check-ignore", "-q", pattern], cwd=ROOT)
    assert proc.returncode == 0, f"{pattern} is not git-ignored"

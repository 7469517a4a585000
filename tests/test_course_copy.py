"""The grade command from a copy of the course, whatever the install.

An instructor copies the course folder each term and grades from the copy
with an environment made elsewhere. The grader then imports the copy's
package (``python -m autograder`` puts the working folder first), while
the environment may hold an editable install of the original, or a
regular install in its site-packages. Either way the worker must start
from the grader's own worker modules, and the student's code must find
neither the checks nor the reference answers, nor the course folder.

Each test grades a released copy of the course in a temporary folder, as
a subprocess, with two submissions: the reference solution, and a cheater
whose wrong softmax_loss is swapped for the reference one if it can find
it anywhere (import, find_spec, sys.path, a walk of the whole file
system).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

from catalogue.softmax import LOSS_NO_1_OVER_N
from coursekit import (ROOT, build_submission, max_scores, run_nbgrader,
                       scores, solution_sources, submit)
from autograder.grading.sandbox import bwrap_path

A = "softmax"
LOSS = "softmax_loss_answer"
COURSE_FILES = ("autograder", "solutions", "exercises", "nbgrader_config.py",
                "pyproject.toml")
pytestmark = pytest.mark.skipif(
    bwrap_path() is None,
    reason="bubblewrap is not installed (apt-get install bubblewrap; "
    "make test does as root)")

#: Setup code of the cheater: it looks for the reference answers, the
#: checks and the course folder, keeps the reference softmax_loss if it
#: gets hold of it, and prints what it found.
CHEAT = r'''
import importlib
import importlib.util
import os
import sys
import time

FOUND = []
_stolen = None


def _steal(path):
    global _stolen
    try:
        ns = {"__name__": "stolen"}
        exec(compile(open(path).read(), path, "exec"), ns)
        _stolen = _stolen or ns.get("softmax_loss")
    except Exception:
        pass


for _name in ("autograder.reference.softmax", "autograder.checks.softmax",
              "autograder.reference", "autograder.checks"):
    try:
        _spec = importlib.util.find_spec(_name)
    except Exception:
        _spec = None
    if _spec is not None:
        FOUND.append(f"find_spec {_name}: {_spec.origin}")
    try:
        _mod = importlib.import_module(_name)
    except Exception:
        continue
    FOUND.append(f"import {_name}: {getattr(_mod, '__file__', None)}")
    _stolen = _stolen or getattr(_mod, "softmax_loss", None)


def _course_root(folder, names):
    return "nbgrader_config.py" in names and (
        "solutions" in names or "gradebook.db" in names
        or "grading_state" in names)


def _look(folder, names):
    """Note what a folder holding ``names`` gives away."""
    if _course_root(folder, names):
        FOUND.append(f"course folder {folder}")
    tail = folder.replace(os.sep, "/")
    if tail.endswith(("/autograder/reference", "/autograder/checks")):
        FOUND.append(f"package {folder}: {sorted(names)[:5]}")
        if "softmax.py" in names and tail.endswith("reference"):
            _steal(os.path.join(folder, "softmax.py"))
    if tail.endswith("/grading_state") and "secret" in names:
        FOUND.append(f"secret {folder}/secret")
    if tail.endswith("/solutions") or "/solutions/" in tail:
        if any(n.endswith(".ipynb") for n in names):
            FOUND.append(f"solutions {folder}")


def _listdir(folder):
    try:
        return os.listdir(folder)
    except OSError:
        return []


# The import path, its ancestors and every mount point, first ...
_places = set()
for _entry in sys.path + [os.getcwd(), sys.prefix, sys.base_prefix]:
    _p = os.path.abspath(_entry or ".")
    while True:
        _places.add(_p)
        if _p == os.path.dirname(_p):
            break
        _p = os.path.dirname(_p)
try:
    for _line in open("/proc/self/mountinfo"):
        _places.add(_line.split()[4])
except OSError:
    pass
for _p in sorted(_places):
    for _sub in ("", "autograder/reference", "autograder/checks",
                 "grading_state", "solutions", "solutions/softmax"):
        _folder = os.path.join(_p, _sub) if _sub else _p
        _names = _listdir(_folder)
        if _names:
            _look(_folder, _names)
# ... then the whole file system.
_deadline = time.monotonic() + 60
for _folder, _dirs, _files in os.walk("/"):
    if _stolen is not None:
        break
    if _folder == "/":
        _dirs[:] = [d for d in _dirs if d not in ("proc", "sys", "dev")]
    _look(_folder, _dirs + _files)
    if time.monotonic() > _deadline:
        FOUND.append("(the walk ran out of time)")
        break
FOUND = sorted(set(FOUND))
print("CHEAT FOUND:", FOUND)
'''


def cheater() -> nbformat.NotebookNode:
    """Reference answers, but a softmax_loss N times too large, unless
    the reference one can be found."""
    answer = CHEAT + LOSS_NO_1_OVER_N + (
        "\nif _stolen is not None:\n    softmax_loss = _stolen\n")
    return build_submission(A, {LOSS: answer})


def copy_course(dest: Path, package: bool = True) -> Path:
    """The course folder as an instructor copies it (no venv)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COURSE_FILES:
        if name == "autograder" and not package:
            continue
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns(
                "__pycache__", "*.pyc", "*.egg-info"))
        else:
            shutil.copy2(src, dest / name)
    return dest


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """A copy of the course with softmax released and two submissions."""
    course = copy_course(tmp_path_factory.mktemp("released") / "course")
    run_nbgrader(course, "generate_assignment", A, "--force")
    submit(course, "reference", A, build_submission(A, {}))
    submit(course, "cheater", A, cheater())
    return course


@pytest.fixture(scope="module")
def regular_env(tmp_path_factory, released) -> Path:
    """A Python environment outside the project's venv with a regular
    (non-editable) install of autograder in its site-packages; the other
    packages come from the project's venv through a .pth file (whose own
    .pth files, among them the editable finder, are not processed).
    Last term's course sits in the environment's folder too."""
    env = tmp_path_factory.mktemp("regular") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)],
                   check=True)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = env / "lib" / version / "site-packages"
    (site / "project_venv.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n")
    src = copy_course(env.parent / "src")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "--no-deps", "--no-build-isolation", "--no-index",
                    "--target", str(site), str(src)], check=True,
                   capture_output=True)
    assert (site / "autograder" / "reference" / "softmax.py").is_file()
    assert not list(site.glob("__editable__*"))
    shutil.copytree(released, env / "last-term")
    return env


def grade(python: Path | str, course: Path,
          *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run(
        [str(python), "-m", "autograder", "grade", A, "--cell-timeout", "90",
         "--notebook-timeout", "240", *args], cwd=course,
        capture_output=True, text=True, env=env, timeout=600)


def imported_package(python: Path | str, course: Path) -> Path:
    """Where ``python -m autograder`` run in ``course`` imports it from."""
    out = subprocess.run(
        [str(python), "-c", "import autograder; print(autograder.__file__)"],
        cwd=course, capture_output=True, text=True, check=True).stdout
    return Path(out.strip()).parent


def check_graded(course: Path, proc: subprocess.CompletedProcess,
                 cheat_finds: bool = False) -> None:
    """Both graded, the reference with full marks; the cheater found
    nothing and lost the gradient's points (or, ``cheat_finds``, stole
    the reference answer and got them)."""
    assert proc.returncode == 0, proc.stderr[-3000:]
    state = json.loads((course / "grading_state" / f"{A}.json").read_text())
    assert {s: state[s]["state"] for s in state} == {
        "reference": "graded", "cheater": "graded"}, state
    assert scores(course, A, "reference") == max_scores(course, A)
    cheat = scores(course, A, "cheater")
    assert cheat["test_softmax_values"] > 0, cheat
    nb = nbformat.read(course / "autograded" / "cheater" / A / f"{A}.ipynb",
                       as_version=4)
    printed = "".join(
        o.get("text", "") for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == LOSS
        for o in c.get("outputs", []))
    if cheat_finds:
        assert cheat["test_softmax_loss_gradient"] > 0, cheat
        assert "import autograder.reference.softmax" in printed, printed
    else:
        assert cheat["test_softmax_loss_gradient"] == 0, cheat
        assert "CHEAT FOUND: []" in printed, printed[:3000]


def test_a_copy_of_the_course_grades_with_the_editable_venv(released,
                                                            tmp_path):
    """The project's venv (an editable install of the original course)
    grades a copy: the grader runs the copy's package, and so must the
    worker."""
    course = tmp_path / "next-term" / "course"
    shutil.copytree(released, course)
    assert imported_package(sys.executable, course) == course / "autograder"
    check_graded(course, grade(sys.executable, course))


def test_without_the_sandbox_the_copy_grades_and_the_cheat_works(
        released, tmp_path):
    """--no-sandbox runs the copy's worker too; and there, with nothing
    hidden, the cheater does get the reference answer (so the sandboxed
    runs above show that the sandbox hides it, not that the cheat is
    broken)."""
    course = tmp_path / "course"
    shutil.copytree(released, course)
    check_graded(course, grade(sys.executable, course, "--no-sandbox"),
                 cheat_finds=True)


def test_a_course_inside_an_env_with_a_regular_install(released,
                                                       regular_env):
    """A regular install in the environment's site-packages (bound into
    the sandbox with the environment) and the course folder itself, and
    last term's, inside that environment: none may show through."""
    course = regular_env / "course"
    shutil.copytree(released, course)
    python = regular_env / "bin" / "python"
    assert imported_package(python, course) == course / "autograder"
    check_graded(course, grade(python, course))


def test_a_course_without_the_package_uses_the_regular_install(
        released, regular_env, tmp_path):
    """The course folder holds only the course; the grader runs the
    package installed in the environment's site-packages."""
    course = tmp_path / "course"
    shutil.copytree(released, course,
                    ignore=shutil.ignore_patterns("autograder"))
    python = regular_env / "bin" / "python"
    installed = imported_package(python, course)
    assert installed.parent.name == "site-packages"
    assert installed.is_relative_to(regular_env)
    check_graded(course, grade(python, course))


def test_a_course_inside_a_folder_the_sandbox_shows(released, regular_env):
    """The course folder inside a part of the environment that the
    sandbox binds (its share/): the grader's package and the course
    folder are masked there."""
    course = regular_env / "share" / "courses" / "dl-losses"
    shutil.copytree(released, course)
    python = regular_env / "bin" / "python"
    assert imported_package(python, course) == course / "autograder"
    check_graded(course, grade(python, course))


def test_the_sandbox_holds_the_worker_folder_only():
    """The sandbox binds the package's __init__.py and worker/, never the
    checks, the reference answers or the grading side."""
    from autograder.grading import sandbox_view

    files = sandbox_view.worker_files()
    assert files[0] == "__init__.py"
    assert {"worker/__main__.py", "worker/wire.py"} <= set(files)
    assert all(f.startswith("worker/") for f in files[1:]), files

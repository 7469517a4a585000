"""Where the course's files are, and how to run nbgrader on them."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .notebook import Markers

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Assignment:
    """One assignment and the files it consists of (CONTRIBUTING.md)."""

    name: str

    @property
    def notebook(self) -> str:
        """Its nbgrader source notebook."""
        return f"solutions/{self.name}/{self.name}.ipynb"

    @property
    def chapter(self) -> str:
        """Its book chapter, as _toc.yml names it (no suffix)."""
        return f"book/{self.name}"

    @property
    def checks(self) -> str:
        """The module of its hidden-test checks."""
        return f"autograder.checks.{self.name}"

    @property
    def catalogue(self) -> str:
        """Its fixture submissions (tests/catalogue/<name>.py)."""
        return f"catalogue.{self.name}"


#: THE list of assignments, in the order of the book's chapters
#: (exercise-contract.md). Everything else reads it: adding an assignment
#: is one line here, plus its files.
ASSIGNMENTS = tuple(Assignment(name) for name in (
    "entropy", "cross_entropy", "kl_divergence", "softmax", "hinge",
    "backprop", "activations"))


def assignments(root: Path = ROOT) -> list[str]:
    """Assignments that have a source notebook, in chapter order."""
    return [a.name for a in ASSIGNMENTS if (root / a.notebook).is_file()]


def nbgrader(*args: str, cwd: Path = ROOT,
             env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``nbgrader`` from this Python's environment in ``cwd``.

    nbgrader starts ``alembic`` by name, so the environment's bin folder
    goes first on PATH even when the venv is not activated.
    """
    env = dict(os.environ if env is None else env)
    env["PATH"] = tools_first(env.get("PATH", ""))
    return subprocess.run(
        [os.path.join(Path(sys.executable).parent, "nbgrader"), *args],
        cwd=cwd, env=env, capture_output=True, text=True)


def tools_first(path: str) -> str:
    """``path`` (a PATH) with this Python's bin folder first, as in an
    activated venv: nbgrader starts ``alembic`` by name."""
    bin_dir = str(Path(sys.executable).parent)
    if path.split(os.pathsep)[0] == bin_dir:
        return path
    return bin_dir + os.pathsep + path if path else bin_dir


@dataclass(frozen=True)
class CourseConfig:
    """The parts of nbgrader's configuration the grader needs."""

    root: Path
    db_url: str
    course_id: str
    source: str
    release: str
    submitted: str
    autograded: str
    cell_timeout: float
    markers: Markers = Markers()

    def folder(self, step: str, student: str, assignment: str) -> Path:
        return self.root / step / student / assignment

    @property
    def state_dir(self) -> Path:
        """Where the grade command keeps what it graded (git-ignored)."""
        return self.root / "grading_state"


def load_config(root: Path) -> CourseConfig:
    """Read nbgrader_config.py in ``root`` the way nbgrader does."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import Config, PyFileConfigLoader

    config = Config()
    if (root / "nbgrader_config.py").is_file():
        config = PyFileConfigLoader("nbgrader_config.py",
                                    path=str(root)).load_config()
    coursedir = CourseDirectory(config=config)
    coursedir.root = str(root)
    timeout = config.get("ExecutePreprocessor", {}).get("timeout", 120)
    return CourseConfig(
        root=root, db_url=coursedir.db_url, course_id=coursedir.course_id,
        source=coursedir.source_directory,
        release=coursedir.release_directory,
        submitted=coursedir.submitted_directory,
        autograded=coursedir.autograded_directory,
        cell_timeout=float(timeout or 120),
        markers=Markers.from_config(config))

"""Where the course's files are, and how to run nbgrader on them."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Assignments in the order of the book's chapters (exercise-contract.md).
ALL_ASSIGNMENTS = ("entropy", "cross_entropy", "kl_divergence", "softmax",
                   "hinge", "backprop", "activations")


def assignments(root: Path = ROOT) -> list[str]:
    """Assignments that have a source notebook, in chapter order."""
    return [a for a in ALL_ASSIGNMENTS
            if (root / "solutions" / a / f"{a}.ipynb").is_file()]


def nbgrader(*args: str, cwd: Path = ROOT,
             env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``nbgrader`` from this Python's environment in ``cwd``.

    nbgrader starts ``alembic`` by name, so the environment's bin folder
    goes first on PATH even when the venv is not activated.
    """
    env = dict(os.environ if env is None else env)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    return subprocess.run([os.path.join(bin_dir, "nbgrader"), *args],
                          cwd=cwd, env=env, capture_output=True, text=True)

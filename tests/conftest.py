import fcntl
import subprocess
import sys
from pathlib import Path

import pytest

# tests/ holds helper modules (coursekit, catalogue) imported by the tests.
sys.path.insert(0, str(Path(__file__).parent))

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def book_build():
    """Build the book once per session into _build/ (as `make book` does,
    so that its execution cache makes a second run fast). Test workers
    (pytest-xdist) take turns on a lock file: the first builds, the next
    finds everything in the cache."""
    bin_dir = Path(sys.executable).parent
    (ROOT / "_build").mkdir(exist_ok=True)
    with open(ROOT / "_build" / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return subprocess.run(
            [str(bin_dir / "jupyter-book"), "build", ".", "--warningiserror",
             "--nitpick", "--keep-going"],
            cwd=ROOT, capture_output=True, text=True, timeout=1800)

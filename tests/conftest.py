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


#: Modules whose tests are parametrized by assignment first: their work
#: units are (module, assignment), so that the two test workers share the
#: assignments out instead of one worker grading all seven.
BY_ASSIGNMENT = ("tests/test_autograde.py", "tests/test_grade_catalogue.py",
                 "tests/test_check_robustness.py")
#: Modules that use the book build: one work unit, so that one worker
#: builds the book while the other goes on with the rest.
BOOK = ("tests/test_book.py", "tests/test_browser.py")


def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's --dist loadscope (a module's tests on one worker, so
    that module fixtures run once), with the modules of BY_ASSIGNMENT split
    by assignment (their fixtures are per assignment) and those of BOOK
    together."""
    from xdist.scheduler import LoadScopeScheduling

    class Scopes(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            if module in BOOK:
                return "the book"
            if module in BY_ASSIGNMENT and nodeid.endswith("]"):
                param = nodeid[nodeid.index("[") + 1:-1]
                return f"{module}[{param.split('-', 1)[0]}]"
            return super()._split_scope(nodeid)

    return Scopes(config, log)


#: The longest work units, started first so that the two workers finish
#: together (longest processing time first).
SLOW_FIRST = ("tests/test_autograde.py[activations]",
              "tests/test_grade_catalogue.py[activations]", "the book",
              "tests/test_autograde.py", "tests/test_grade_catalogue.py")


def pytest_collection_modifyitems(items):
    """Tests of SLOW_FIRST's units first, in its order; the others as
    collected (every worker sorts the same way)."""
    def rank(item) -> int:
        module = item.nodeid.split("::", 1)[0]
        unit = "the book" if module in BOOK else module
        if module in BY_ASSIGNMENT and item.nodeid.endswith("]"):
            param = item.nodeid[item.nodeid.index("[") + 1:-1]
            if f"{module}[{param.split('-', 1)[0]}]" in SLOW_FIRST:
                unit = f"{module}[{param.split('-', 1)[0]}]"
        return SLOW_FIRST.index(unit) if unit in SLOW_FIRST \
            else len(SLOW_FIRST)

    items.sort(key=rank)

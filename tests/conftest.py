"""Shared fixtures, the markers of the end-to-end tests, the schedule of
the two test workers, and the run's last line: the parts it skipped.

tests/ holds helper modules (coursekit, catalogue, pgserver) that the
tests import by name: pyproject.toml puts tests/ on sys.path
(``pythonpath``). Test modules have no __init__.py, so their basenames
must be unique across tests/ (pytest says "import file mismatch" when
two collide): unit tests mirror the package as
tests/unit/<folder>/test_<module>.py, or tests/unit/test_<folder>_<module>.py.
"""
import fcntl
import functools
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

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
BOOK = ("tests/test_book.py", "tests/test_browser.py", "tests/test_demos.py",
        "tests/test_demo_playground.py", "tests/test_demo_regression.py",
        "tests/test_demo_softmax.py", "tests/test_demo_losses.py",
        "tests/test_demo_activations.py")


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


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Markers of the end-to-end tests (E2E), before ``-m`` selects; then
    tests of SLOW_FIRST's units first, in its order, the others as
    collected (every worker sorts the same way)."""
    _mark(items)

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


#: The end-to-end test modules and what each needs beyond .venv; every one
#: is marked ``e2e`` and with its parts (pyproject.toml registers them).
#: Every other test, tests/unit/ among them, runs without bubblewrap,
#: PostgreSQL, Dask, a book build or a browser.
E2E = {
    "tests/test_autograde.py": (),
    "tests/test_feedback.py": (),
    "tests/test_report.py": (),
    "tests/test_book.py": ("book",),
    "tests/test_browser.py": ("browser", "book"),
    **{f"tests/test_{name}.py": ("browser", "book") for name in (
        "demos", "demo_playground", "demo_regression", "demo_softmax",
        "demo_losses", "demo_activations")},
    "tests/test_cheating.py": ("sandbox",),
    "tests/test_course_copy.py": ("sandbox",),
    "tests/test_grade_catalogue.py": ("sandbox",),
    "tests/test_grade_command.py": ("sandbox",),
    "tests/test_grade_dask.py": ("sandbox", "dask"),
    "tests/test_grade_postgres.py": ("sandbox", "postgres"),
}


def part_of(nodeid: str) -> str:
    """The part of the suite a test belongs to, as the last line names
    it: its first marker in E2E, else its module's name."""
    module = nodeid.split("::", 1)[0]
    parts = E2E.get(module)
    if parts:
        return parts[0]
    return Path(module).stem.removeprefix("test_") or module


@functools.lru_cache(maxsize=None)
def sandbox_unavailable() -> str | None:
    """Why bubblewrap, though installed, cannot make a sandbox here (no
    unprivileged user namespaces, say), or None. Its absence is the test
    modules' own skip (make test installs it)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return None
    try:
        proc = subprocess.run(
            [bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/",
             "/", "true"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bubblewrap cannot run here: {exc}"
    if proc.returncode == 0:
        return None
    detail = (proc.stderr.strip().splitlines() or ["no message"])[-1]
    return f"bubblewrap cannot make a sandbox on this machine ({detail})"


def _mark(items) -> None:
    for item in items:
        parts = E2E.get(item.nodeid.split("::", 1)[0])
        if parts is None:
            continue
        item.add_marker(pytest.mark.e2e)
        for name in parts:
            item.add_marker(getattr(pytest.mark, name))
        if "sandbox" in parts and sandbox_unavailable():
            item.add_marker(pytest.mark.skip(reason=sandbox_unavailable()))


def _short(reason: str) -> str:
    """A skip reason's gist: "Chromium is not installed: `apt-get ...`"
    reads "Chromium is not installed"."""
    reason = reason.removeprefix("Skipped: ")
    for stop in (": ", " ("):
        reason = reason.split(stop, 1)[0]
    return reason.strip()


def skipped_parts(reports) -> str:
    """One line naming each skipped part, its test count and why, e.g.
    ``skipped parts: browser (10 tests: Chromium is not installed)``."""
    counts: Counter = Counter()
    for report in reports:
        longrepr = getattr(report, "longrepr", None)
        reason = longrepr[2] if isinstance(longrepr, tuple) else \
            str(longrepr)
        counts[part_of(report.nodeid), _short(reason)] += 1
    if not counts:
        return "skipped parts: none"
    return "skipped parts: " + ", ".join(
        f"{part} ({n} test{'s' * (n != 1)}: {reason})"
        for (part, reason), n in sorted(counts.items()))


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter):
    """After every other summary (``-ra``'s details among them), just
    before the counts: the skipped parts in one line."""
    yield
    if terminalreporter.config.option.collectonly:
        return
    terminalreporter.write_line(
        skipped_parts(terminalreporter.stats.get("skipped", [])))


@pytest.fixture(scope="module")
def site(book_build):
    """(base URL, bookserver.Browser) on the built book, one per test
    module (the demo tests)."""
    from bookserver import SHOTS, browser, serve

    assert book_build.returncode == 0, "the book did not build"
    SHOTS.mkdir(parents=True, exist_ok=True)
    with serve() as base, browser(base) as b:
        yield base, b


@pytest.fixture(scope="module")
def session(site):
    """The Browser of ``site`` alone."""
    return site[1]

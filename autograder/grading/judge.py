"""Judge test cells outside the student's process.

A test cell's source comes from the gradebook (trusted). Here it runs in
the grader's own process: its hidden block imports the grader's checks,
and every global it reads from the notebook is fetched from the sandboxed
worker: functions become autograder.remote.RemoteFunction, data comes as
plain arrays, modules are the grader's own copies of an allowlist. So the
verdict rests on the values the student's functions return, never on what
the student's process says about them (patched asserts, error-swallowing
input transformers, faked output).

Hidden inputs are seeded per student (autograder.checks.common).
"""
from __future__ import annotations

import ast
import builtins
import contextlib
import functools
import hashlib
import importlib
import secrets
import traceback
from dataclasses import dataclass
from pathlib import Path

from . import astlock
from .. import notebook
from ..notebook import DEFAULT, Markers
from ..checks import common
from .remote import RemoteFunction, Session, WorkerLost
from ..worker.wire import Opaque

#: Modules a test cell may use; the grader binds its own copy.
MODULES = {"numpy", "math", "numpy.linalg", "numpy.random", "numpy.testing"}


class QuietWarnings:
    """What a test cell gets for ``warnings`` when it runs here.

    Test cells silence warnings around the student's calls
    (``with warnings.catch_warnings(): warnings.simplefilter("ignore")``).
    Here those calls run in the sandbox, so there is nothing to silence,
    and catch_warnings swaps the interpreter-wide filter list, which is
    not safe on the grader's threads: its stand-in does nothing.
    """

    @staticmethod
    @contextlib.contextmanager
    def catch_warnings(*args, **kwargs):
        yield []

    @staticmethod
    def simplefilter(*args, **kwargs) -> None:
        pass

    filterwarnings = simplefilter


# test cells may print or check the module's name
QuietWarnings.__name__ = "warnings"
TEST_CELL = "<test cell>"


@dataclass
class Verdict:
    """The outside verdict of one test cell."""

    passed: bool
    ename: str = ""
    evalue: str = ""
    traceback: tuple[str, ...] = ()
    hidden: bool = False        # the failure came from the hidden checks

    def output(self) -> dict:
        """An nbformat error output for the autograded notebook."""
        return {"output_type": "error", "ename": self.ename,
                "evalue": self.evalue, "traceback": list(self.traceback)}


def split(source: str, markers: Markers = DEFAULT) -> tuple[str, str]:
    """(visible code, hidden code) of a test cell; line numbers of the
    visible code are kept (hidden lines become blank)."""
    parsed = notebook.parse(source, markers)
    return parsed.visible, parsed.hidden


def strip_hidden(source: str, markers: Markers = DEFAULT) -> str:
    """What the student's process runs of a test cell: no hidden tests."""
    return notebook.parse(source, markers).visible


def student_seed(secret: bytes, assignment: str, student: str) -> int:
    """A per-student seed the student cannot predict (keyed by a secret
    that never enters the sandbox)."""
    digest = hashlib.sha256(secret + f"\0{assignment}\0{student}".encode())
    return int.from_bytes(digest.digest()[:8], "big")


def course_secret(state_dir: Path) -> bytes:
    """The course's grading secret, created on first use."""
    path = state_dir / "secret"
    if not path.is_file():
        state_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(secrets.token_bytes(32))
        tmp.chmod(0o600)
        tmp.replace(path)
    return path.read_bytes()


def _names(tree: ast.AST) -> set[str]:
    """Globals a cell may read: loaded names it does not assign, and
    identifiers in string constants (``globals()[name]``)."""
    loaded, stored = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (stored if isinstance(node.ctx, ast.Store) else loaded).add(
                node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                stored.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            stored.add(node.name)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and node.value.isidentifier():
            loaded.add(node.value)
    return loaded - stored


@functools.lru_cache(maxsize=512)
def cell_names(source: str) -> tuple[str, ...]:
    """The sorted _names of a test cell; () when it does not parse. Test
    cells come from the gradebook, the same for every student: each is
    parsed once per run, not once per student."""
    try:
        return tuple(sorted(_names(astlock.parse(source))))
    except SyntaxError:
        return ()


@functools.lru_cache(maxsize=512)
def _compiled(code: str):
    """A test cell's code object, compiled once per run (code objects are
    immutable; every exec gets its own namespace)."""
    return astlock.compile_source(code, TEST_CELL)


def namespace(session: Session, source: str) -> dict:
    """Globals for running ``source`` here, fetched from the worker."""
    ns = {"__builtins__": builtins, "__name__": "__main__"}
    for name, (kind, detail) in session.lookup_many(
            cell_names(source)).items():
        if kind == "callable":
            ns[name] = RemoteFunction(session, name)
        elif kind == "module":
            if detail == "warnings":
                ns[name] = QuietWarnings
            else:
                ns[name] = importlib.import_module(detail) \
                    if detail in MODULES else Opaque(f"module {detail}")
        elif kind == "value":
            ns[name] = detail
    return ns


class GraderError(RuntimeError):
    """The grader's own checks could not run: not the student's fault."""


def _run(code: str, ns: dict, hidden: bool) -> Verdict:
    try:
        compiled = _compiled(code)
        exec(compiled, ns)  # noqa: S102 - trusted source from the gradebook
    except WorkerLost:
        raise
    except ImportError as exc:
        # checks turn every error of a student's function into CheckFailed:
        # an ImportError here is the hidden block's own import
        if hidden:
            raise GraderError(f"the hidden tests cannot run: {exc}") \
                from None
        return _failure(exc, hidden, code)
    except BaseException as exc:  # noqa: BLE001 - any failure is a verdict
        return _failure(exc, hidden, code)
    return Verdict(True)


def _failure(exc: BaseException, hidden: bool, code: str = "") -> Verdict:
    """The error output a student may see.

    For the hidden part only ``ename: evalue``: a traceback would show the
    grader's code. For the visible part, the cell's own frames (its code
    is shown to students anyway).
    """
    ename = type(exc).__name__
    evalue = str(exc)
    if hidden:
        return Verdict(False, ename, evalue, (f"{ename}: {evalue}",), True)
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f.filename == TEST_CELL]
    # the cell is compiled from a string: linecache has no lines of it
    rows = code.split("\n")
    lines = [f"  line {f.lineno}: {_row(rows, f.lineno)}" for f in frames]
    return Verdict(False, ename, evalue,
                   ("Traceback (the test cell):", *lines,
                    f"{ename}: {evalue}"), False)


def _row(rows: list[str], lineno: int | None) -> str:
    return rows[lineno - 1].strip() if lineno and lineno <= len(rows) else ""


def judge(session: Session, source: str, seed: int,
          markers: Markers = DEFAULT) -> tuple[Verdict, Verdict | None]:
    """(verdict of the whole cell, verdict of its visible part alone).

    The cell runs as nbgrader would run it: code before the hidden block,
    the hidden checks, the rest. The visible part alone is judged only
    when the whole cell failed, to tell a wrong answer from a lie.
    """
    visible, hidden = split(source, markers)
    with seeded(seed):
        ns = namespace(session, source)
        verdict = Verdict(True)
        if hidden:
            verdict = _run(hidden, dict(ns), hidden=True)
        if verdict.passed:
            verdict = _run(visible, ns, hidden=False)
            return verdict, verdict
    if not hidden:
        return verdict, verdict
    # the hidden part ran on a copy: ``ns`` is still as fetched
    return verdict, _run(visible, ns, False)


@contextlib.contextmanager
def seeded(seed: int):
    token = common.STUDENT_SEED.set(seed)
    try:
        yield
    finally:
        common.STUDENT_SEED.reset(token)

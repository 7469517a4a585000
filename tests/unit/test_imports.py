"""The package's folders are its trust boundary; these rules keep them so.

worker/ runs inside the sandbox and is bound there alone, so it imports
nothing from the rest of the package. checks/ and reference/ run in the
student's kernel under plain nbgrader and in the trusted judge, so they
never import the grading side or the reports. numerics/ is the bottom
layer: plain NumPy helpers that everything may use.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "autograder"

#: folder -> the package's folders it may import from (itself included).
ALLOWED = {
    "worker": {"worker"},
    "numerics": {"numerics"},
    "reference": {"reference"},
    "checks": {"checks", "numerics", "reference"},
}


def _folder(module: str) -> str:
    """autograder.grading.judge -> grading; autograder.course -> course."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def imported_modules(path: Path, root: Path = PACKAGE) -> set[str]:
    """The absolute names of the modules of the package at ``root`` that
    the module at ``path`` imports."""
    package = path.relative_to(root.parent).with_suffix("").parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names
                      if a.name.split(".")[0] == "autograder"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[:len(package) - node.level + 1])
                module = ".".join(base + ([node.module] if node.module
                                          else []))
            elif (node.module or "").split(".")[0] == "autograder":
                module = node.module
            else:
                continue
            found.add(module)
            found |= {f"{module}.{a.name}" for a in node.names}
    # "from . import x" names a module when x is one; keep only real ones
    return {m for m in found if _exists(m, root)}


def _exists(module: str, root: Path) -> bool:
    path = root.parent.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES,
                         ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_folders_import_only_what_they_may(path):
    folder = path.relative_to(PACKAGE).parts[0]
    if folder not in ALLOWED:
        return
    wrong = sorted(m for m in imported_modules(path)
                   if _folder(m) not in ALLOWED[folder] and m != "autograder")
    assert not wrong, (f"{path.relative_to(PACKAGE)} may import only from "
                       f"{sorted(ALLOWED[folder])}, imports {wrong}")


def test_the_rule_sees_a_forbidden_import(tmp_path):
    """The walker resolves relative imports: a worker module that reaches
    the reference answers is caught."""
    fake = tmp_path / "autograder"
    for rel in ("__init__.py", "worker/__init__.py", "worker/wire.py",
                "reference/__init__.py", "reference/softmax.py"):
        (fake / rel).parent.mkdir(parents=True, exist_ok=True)
        (fake / rel).write_text("")
    bad = fake / "worker" / "__main__.py"
    bad.write_text("from . import wire\nfrom ..reference import softmax\n")
    assert imported_modules(bad, fake) == {
        "autograder.worker", "autograder.worker.wire",
        "autograder.reference", "autograder.reference.softmax"}


def test_every_folder_of_the_package_is_a_package():
    """setuptools' package finder (pyproject.toml) installs only folders
    with an __init__.py: one without would be missing from a regular
    install, and the grade command with it."""
    folders = {p.parent for p in PACKAGE.rglob("*.py")
               if "__pycache__" not in p.parts}
    assert all((f / "__init__.py").is_file() for f in folders), sorted(
        str(f.relative_to(PACKAGE)) for f in folders
        if not (f / "__init__.py").is_file())


def test_the_fork_server_holds_nothing_but_the_worker():
    """Every forked worker inherits the fork server's modules
    (autograder.grading.forkserver): of the package, it imports and
    preloads worker/ alone."""
    from autograder.grading.forkserver import PRELOAD

    path = PACKAGE / "grading" / "forkserver.py"
    assert {_folder(m) for m in imported_modules(path)} <= {"worker"}
    assert all(_folder(m) == "worker" for m in PRELOAD
               if m.split(".")[0] == "autograder")

"""What the sandbox shows of this machine, and where the worker starts.

The worker must run the grader's own worker modules whatever the install
(editable, regular, a copy of the course, a venv anywhere), and student
code must find neither the checks nor the reference answers nor the
course. So the sandbox binds, read-only, the system folders, what a Python
installation is made of in each of this Python's prefixes and the worker
interpreter's import path; it binds the package's worker/ folder (and
the package's __init__.py) at RUN_DIR/autograder, the one place the
worker imports them from; and it masks every other copy of the package
those binds would show (a regular install in site-packages, an editable
install's finder and source, dist-info) and the course folder when a bind
covers it.
"""
from __future__ import annotations

import atexit
import functools
import importlib.util
import json
import os
import py_compile
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


PACKAGE_DIR = Path(__file__).resolve().parent.parent
NAME = "autograder"
#: The subpackage that runs inside the sandbox, and the only one bound.
WORKER = "worker"
#: What makes a folder a course folder or a source checkout.
SOURCE_MARKS = ("nbgrader_config.py", "solutions", "gradebook.db",
                "grading_state", "submitted", "pyproject.toml", "setup.py",
                ".git")
#: Where the worker's own modules are inside the sandbox (as
#: RUN_DIR/autograder/...), and the only place it imports them from.
RUN_DIR = "/run/grader"
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc")
#: What the sandbox shows of a Python prefix outside SYSTEM_DIRS (a venv,
#: pyenv's or conda's folder): the parts of an installation, not the
#: other folders that may sit beside them.
PREFIX_ENTRIES = ("bin", "lib", "lib32", "lib64", "libexec", "include",
                  "share", "etc", "ssl", "pyvenv.cfg")
#: Starts autograder.worker from one folder only; sys.argv[1:] (the
#: worker's options) passes through. -I stays: no PYTHONPATH, no user
#: site, no working folder on the path.
BOOT = ("import sys; sys.path.insert(0, {folder!r}); import runpy; "
        "runpy.run_module('autograder.worker', run_name='__main__', "
        "alter_sys=True)")
#: What the worker's interpreter sees (run as ``python -I -c``): its
#: import path, its site folders, and where each import finder (an
#: editable install's among them) would find the package.
_PROBE = r"""
import json, site, sys
out = {"path": [p for p in sys.path if p], "sites": [], "packages": []}
for prefixes in (None, [sys.base_prefix, sys.base_exec_prefix]):
    try:
        out["sites"] += site.getsitepackages(prefixes)
    except Exception:
        pass
for finder in sys.meta_path:
    try:
        spec = finder.find_spec("autograder", None)
    except Exception:
        continue
    if spec is not None:
        out["packages"] += list(spec.submodule_search_locations or []) \
            or [p for p in [spec.origin] if p]
print(json.dumps(out))
"""




# -- the worker's own modules ------------------------------------------------

def worker_files(package: Path = PACKAGE_DIR) -> tuple[str, ...]:
    """The package's files the sandbox holds, relative to the package
    folder: its __init__.py and the worker/ folder's modules, nothing
    else. worker/ imports nothing from the rest of the package
    (tests/unit/test_imports.py), so this is all it needs."""
    worker = sorted(p.relative_to(package).as_posix()
                    for p in (package / WORKER).glob("*.py"))
    return ("__init__.py", *worker)


# -- what the sandbox sees ---------------------------------------------------

@functools.lru_cache(maxsize=None)
def _probe() -> dict:
    """The worker interpreter's view (see _PROBE), or the grader's own as
    a wider stand-in if it cannot be asked."""
    try:
        proc = subprocess.run(
            [sys.executable, "-I", "-c", _PROBE], capture_output=True,
            text=True, timeout=120, cwd="/", env={"LANG": "C.UTF-8"})
        return json.loads(proc.stdout)
    except (OSError, ValueError, subprocess.SubprocessError):
        import site
        return {"path": [p for p in sys.path if p],
                "sites": site.getsitepackages(), "packages": []}


def _real(path: str | Path) -> Path:
    return Path(os.path.realpath(path))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _is_site_dir(path: Path) -> bool:
    return path.name in ("site-packages", "dist-packages")


def _is_source_tree(path: Path) -> bool:
    """A course folder or a source checkout (not a folder of libraries)."""
    return not _is_site_dir(path) and any(
        (path / name).exists() for name in SOURCE_MARKS)


def _trees(probe: dict) -> tuple[list[tuple[str, str | None]],
                                 list[tuple[str, str | None]]]:
    """What is bound read-only at the same place, as (path, None) for a
    bind and (path, target) for a symbolic link: the system folders,
    what a Python installation is made of in each of this Python's
    prefixes (PREFIX_ENTRIES: not the whole prefix, which may hold other
    folders, a course among them), and every entry of the worker's
    import path outside those, except source checkouts and course
    folders (what the worker needs from them is bound at RUN_DIR).

    Second, the entries that lie inside one of those binds already: they
    are bound again only if a mask covers them (a venv inside a course
    folder that lies in a bound folder)."""
    trees: list[tuple[str, str | None]] = []
    nested: list[tuple[str, str | None]] = []
    covered: list[Path] = []

    def add(path: str) -> None:
        real = _real(path)
        if not os.path.exists(real):
            return
        link = os.readlink(path) if os.path.islink(path) else None
        if any(_inside(Path(path), Path(t)) for t, _ in trees):
            nested.append((path, link))
        elif any(_inside(real, c) for c in covered):
            if link is not None:        # lib64 -> lib in a venv, say
                trees.append((path, link))
        else:
            trees.append((path, None))
            covered.append(real)

    for path in SYSTEM_DIRS:
        if os.path.lexists(path) and not os.path.islink(path):
            add(path)
    for prefix in sorted({sys.base_prefix, sys.prefix,
                          str(Path(sys.executable).resolve().parent.parent)}):
        for name in PREFIX_ENTRIES:
            add(os.path.join(prefix, name))
    for entry in probe["path"]:
        if not _is_source_tree(_real(entry)):
            add(entry)
    return trees, nested


def _site_dirs(probe: dict, trees: list[Path]) -> set[Path]:
    """Folders where a copy of the package may be installed: the worker's
    import path and site folders, and any site folder of a bound tree
    (another Python's: student code can read it, if not import it)."""
    dirs = {_real(p) for p in probe["path"] + probe["sites"]}
    for tree in trees:
        for pattern in ("python3*/*-packages", "lib*/python3*/*-packages",
                        "local/lib*/python3*/*-packages"):
            dirs.update(_real(p) for p in tree.glob(pattern))
    return {d for d in dirs if d.is_dir()}


def _hidden(probe: dict, trees: list[Path]) -> set[Path]:
    """Host paths of every other copy of the package and of the course.

    In each site folder: the package, its dist-info / egg-info / egg-link,
    an editable install's finder module and .pth file (and their
    bytecode), any .pth naming the package. The folder of every copy an
    import finder knows (an editable install's source), and the grader's
    own; their parent too unless it is a folder of libraries (a site
    folder, or an entry of the import path that is no source tree): it is
    a source checkout, most likely the course itself. The working folder
    when it is a course."""
    hidden: set[Path] = set()
    sites = _site_dirs(probe, trees)
    for folder in sites:
        try:
            entries = [*folder.iterdir(), *(folder / "__pycache__").glob("*")]
        except OSError:
            continue
        for entry in entries:
            name = entry.name.lower()
            if NAME in name:
                hidden.add(entry)
            elif name.endswith(".pth") and entry.is_file():
                try:
                    if NAME in entry.read_text(errors="replace"):
                        hidden.add(entry)
                except OSError:
                    pass
    libraries = {d for d in sites if not _is_source_tree(d)}
    for package in [*probe["packages"], str(PACKAGE_DIR)]:
        package = _real(package)
        if package.name == "__init__.py":
            package = package.parent
        hidden.add(package)
        if package.parent not in libraries:
            hidden.add(package.parent)
    cwd = _real(os.getcwd())
    if (cwd / "nbgrader_config.py").exists():
        hidden.add(cwd)
    system = {_real(p) for p in ("/", *SYSTEM_DIRS)}
    return {_real(h) for h in hidden
            if os.path.lexists(h) and _real(h) not in system}


def _layout(probe: dict) -> tuple[list[str], list[str]]:
    """bwrap options for the read-only view: the trees, then masks over
    whatever they show of the package or the course (a read-only empty
    tmpfs over a folder, /dev/null over a file), in order of depth, so
    that a mask covers the binds above it and a tree inside a masked
    folder (a venv inside the course) is bound again over the mask."""
    trees, nested = _trees(probe)
    roots = [(Path(t), _real(t)) for t, link in trees if link is None]
    masked = set()
    for path in _hidden(probe, [dest for dest, _ in roots]):
        for dest, real in roots:
            if _inside(path, real):
                masked.add(dest / path.relative_to(real))
    trees += [(t, link) for t, link in nested
              if any(m in Path(t).parents for m in masked)]
    links = dict(trees)
    ops = [(len(Path(t).parts), 0, Path(t)) for t, _ in trees]
    ops += [(len(m.parts), 1, m) for m in masked]
    ops.sort(key=lambda op: (op[0], op[1], str(op[2])))
    args, masks = [], []
    done: dict[Path, int] = {}
    for _, kind, path in ops:
        if kind == 1:
            # Skip a mask already under a mask, with no tree in between.
            above = max((p for p in done if _inside(path, p)),
                        key=lambda p: len(p.parts), default=None)
            if above is not None and done[above] == 1:
                continue
        done[path] = kind
        if kind == 0 and links[str(path)] is not None:
            args += ["--symlink", links[str(path)], str(path)]
        elif kind == 0:
            args += ["--ro-bind", str(path), str(path)]
        elif os.path.isdir(path):
            masks.append(str(path))
            args += ["--tmpfs", str(path)]
        else:
            args += ["--ro-bind", "/dev/null", str(path)]
    return args, masks


def ro_binds() -> tuple[list[str], list[str]]:
    """Read-only views and the folders to remount read-only at the end:
    the system, the worker's Python, and the worker's own modules at
    RUN_DIR (not the checks, not the reference answers, not the course:
    student code can neither import nor read them).

    Working it out walks the site folders (about 20 ms); it is done again
    only when the working folder or a site folder changes (an install
    adds or removes entries, which changes the folder's mtime), not for
    every notebook."""
    if not all(os.path.exists(p) for p in _bytecode().values()):
        # a long-lived process (a Dask worker) outlived its /tmp files
        _bytecode.cache_clear()
        _binds.cache_clear()
    args, remount = _binds(os.getcwd(), _site_stamps())
    return list(args), list(remount)


def _site_stamps() -> tuple:
    """(folder, mtime) of every folder where a copy of the package could
    appear."""
    stamps = []
    for folder in _watched():
        try:
            stamps.append((str(folder), folder.stat().st_mtime_ns))
        except OSError:
            stamps.append((str(folder), None))
    return tuple(stamps)


@functools.lru_cache(maxsize=None)
def _watched() -> tuple[Path, ...]:
    probe = _probe()
    trees = [Path(t) for t, link in _trees(probe)[0] if link is None]
    return tuple(sorted(_site_dirs(probe, trees)))


@functools.lru_cache(maxsize=8)
def _binds(cwd: str, stamps: tuple) -> tuple[tuple, tuple]:
    """ro_binds' answer; its arguments are the cache key only (_hidden
    reads the working folder itself)."""
    args = []
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
    layout, remount = _layout(_probe())
    args += layout
    args += ["--tmpfs", RUN_DIR]
    cache = _bytecode()
    for rel in worker_files():
        args += ["--ro-bind", str(PACKAGE_DIR / rel),
                 f"{RUN_DIR}/{NAME}/{rel}"]
        if rel in cache:
            dest = importlib.util.cache_from_source(f"{RUN_DIR}/{NAME}/{rel}")
            args += ["--ro-bind", cache[rel], dest]
    return tuple(args), (*remount, RUN_DIR)


@functools.lru_cache(maxsize=1)
def _bytecode() -> dict[str, str]:
    """rel -> the bytecode of each worker file, compiled once per process
    into a private folder (removed at exit), so that the worker, which
    may write nothing, does not compile its modules at every start
    (about 10 ms). Python checks it against the bound source's mtime and
    size as usual, and compiles afresh when they differ."""
    folder = Path(tempfile.mkdtemp(prefix="autograder-bytecode-"))
    atexit.register(shutil.rmtree, folder, True)
    out = {}
    for rel in worker_files():
        target = folder / (rel.replace("/", "__") + ".pyc")
        try:
            py_compile.compile(str(PACKAGE_DIR / rel), cfile=str(target),
                               doraise=True)
        except (OSError, py_compile.PyCompileError):
            continue
        out[rel] = str(target)
    return out

"""Start the sandboxed worker (autograder.worker) with hard limits.

The sandbox sees, read-only, the system, this Python and the worker's own
modules (autograder.grading.sandbox_view: what it shows, what it masks, where the
worker starts), a private /tmp and, writable, its own scratch copy of the
submission at /tmp/submission. It has no network (its own empty network
namespace), no view of the course folder (solutions/, the gradebook,
grading_state/, other students' folders), of the checks or of the
reference answers, no capability, and, when the grader runs as root, a
pids cgroup of its own, so that the process limit counts only its
processes.

Limits: CPU time, address space, processes, file size and open files
(rlimits: prlimit sets them for a cold start, the forked worker sets them
itself, autograder.grading.forkserver); wall time, enforced from outside
by autograder.grading.remote with SIGKILL (autograder.grading.launch),
which works even when the student's code ignores signals; per-cell
timeouts and the output cap (autograder.worker).
"""
from __future__ import annotations

import atexit
import functools
import importlib.metadata
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from .sandbox_view import BOOT, PACKAGE_DIR, RUN_DIR, ro_binds

INSIDE = "/tmp/submission"
CGROUP_ROOTS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))


@dataclass(frozen=True)
class Limits:
    """Resource limits of one notebook run."""

    cell_timeout: float = 120.0
    notebook_timeout: float = 600.0
    memory_bytes: int = 2 * 1024 ** 3
    processes: int = 64
    file_bytes: int = 64 * 1024 ** 2
    open_files: int = 512
    output_bytes: int = 2_000_000


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def sandbox_env() -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    return {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": "/tmp/home",
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "JUPYTER_RUNTIME_DIR": "/tmp/jupyter-runtime",
        "JUPYTER_CONFIG_DIR": "/tmp/jupyter-config",
        "JUPYTER_DATA_DIR": "/tmp/jupyter-data",
        "IPYTHONDIR": "/tmp/ipython",
        "MPLCONFIGDIR": "/tmp/mpl",
    }


def pids_cgroup(slot: int, limit: int) -> Path | None:
    """A fresh pids cgroup capped at ``limit`` processes, or None.

    As root, a cgroup is the one process limit that counts only the
    sandbox's processes (RLIMIT_NPROC counts every process of the user,
    and root is exempt from it).
    """
    if os.geteuid() != 0:
        return None
    for root in CGROUP_ROOTS:
        if (root / "pids.max").exists() or "pids" in _read(
                root / "cgroup.controllers"):
            group = root / f"autograder-{os.getpid()}-{slot}"
            try:
                group.mkdir(exist_ok=True)
                (group / "pids.max").write_text(str(limit))
                return group
            except OSError:
                return None
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _user_processes() -> int:
    """Processes of this user (RLIMIT_NPROC counts them by real uid)."""
    uid = os.getuid()
    return sum(1 for p in psutil.process_iter(["uids"])
               if p.info["uids"] is not None and p.info["uids"].real == uid)


def rlimits(limits: Limits, cgroup: Path | None = None
            ) -> list[tuple[str, int]]:
    """The kernel limits of a worker, as (RLIMIT_ name, value): the same
    whether prlimit sets them (a cold start) or the forked worker does
    (autograder.grading.forkserver)."""
    # Without a cgroup the process limit is per user: leave room for the
    # processes the user already has.
    nproc = limits.processes if cgroup or os.geteuid() == 0 else \
        limits.processes + _user_processes()
    return [("AS", limits.memory_bytes),
            ("CPU", int(limits.notebook_timeout) + 5),
            ("NPROC", nproc), ("FSIZE", limits.file_bytes),
            ("NOFILE", limits.open_files), ("CORE", 0)]


@functools.lru_cache(maxsize=None)
def font_cache_folder() -> Path | None:
    """The folder of a ready matplotlib font cache for the sandboxes:
    each sandbox starts with an empty /tmp, where matplotlib would build
    the cache again (a few tenths of a second of every notebook that
    plots). Built outside any sandbox by this Python's matplotlib, with
    no student code, once per matplotlib version (kept in the user's
    cache folder, or for this process only when that is not writable);
    None when matplotlib is not installed."""
    try:
        version = importlib.metadata.version("matplotlib")
    except importlib.metadata.PackageNotFoundError:
        return None
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = base / "autograder" / f"matplotlib-{version}"
    if not any(folder.glob("fontlist-*.json")):
        folder = _build_font_cache(folder)
    return folder


@functools.lru_cache(maxsize=None)
def font_cache() -> tuple[str, ...]:
    """bubblewrap options that show every sandbox the font cache of
    font_cache_folder in its MPLCONFIGDIR, read-only; () when there is
    none."""
    folder = font_cache_folder()
    if folder is None:
        return ()
    target = sandbox_env()["MPLCONFIGDIR"]
    return tuple(arg for cache in sorted(folder.glob("fontlist-*.json"))
                 for arg in ("--ro-bind", str(cache),
                             f"{target}/{cache.name}"))


def _build_font_cache(folder: Path) -> Path:
    """The folder where matplotlib, run here, left its font cache:
    ``folder`` (filled whole or not at all), or a folder of this
    process's own when ``folder`` cannot be written."""
    build = Path(tempfile.mkdtemp(prefix="autograder-mpl-"))
    env = {**sandbox_env(), "HOME": str(build), "MPLCONFIGDIR": str(build)}
    try:
        subprocess.run([sys.executable, "-I", "-c",
                        "import matplotlib.font_manager"], env=env,
                       cwd=build, capture_output=True, timeout=300)
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        build.rename(folder)    # atomic; another grader may have won
        return folder
    except OSError:
        if any(folder.glob("fontlist-*.json")):
            shutil.rmtree(build, ignore_errors=True)
            return folder
        atexit.register(shutil.rmtree, build, True)
        return build


def bwrap_command(scratch: Path) -> list[str]:
    """bubblewrap's part of the command, up to and with its "--": a
    sandbox of its own around the scratch folder."""
    # --cap-drop ALL: bubblewrap run by root keeps root's capabilities
    # in the sandbox otherwise, and with them student code could unmount
    # the masks over the package's other copies and the course.
    bwrap = [bwrap_path(), "--unshare-all", "--die-with-parent",
             "--new-session", "--clearenv", "--cap-drop", "ALL"]
    for key, value in sandbox_env().items():
        bwrap += ["--setenv", key, value]
    views, read_only = ro_binds()
    bwrap += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
              *views, *font_cache(), "--bind", str(scratch), INSIDE]
    for path in read_only:
        bwrap += ["--remount-ro", path]
    return bwrap + ["--chdir", INSIDE, "--"]


def worker_argv(limits: Limits) -> list[str]:
    """The worker's own options."""
    return ["--output-limit", str(limits.output_bytes)]


def worker_command(scratch: Path, limits: Limits,
                   cgroup: Path | None = None,
                   sandbox: bool = True) -> tuple[list[str], dict | None]:
    """(argv, env) that start autograder.worker cold on the scratch folder.

    The worker runs the grader's own worker modules (those of the package
    this module belongs to, whatever the install): in the sandbox from
    their read-only copy at RUN_DIR, every other copy of the package
    hidden; without the sandbox straight from the package's folder."""
    folder = RUN_DIR if sandbox else str(PACKAGE_DIR.parent)
    worker = [sys.executable, "-I", "-c", BOOT.format(folder=folder),
              *worker_argv(limits)]
    if not sandbox:
        env = {**os.environ, **sandbox_env(), "HOME": str(scratch),
               "TMPDIR": str(scratch)}
        return worker, env
    prlimit = ["prlimit", *(f"--{name.lower()}={value}"
                            for name, value in rlimits(limits, cgroup)), "--"]
    prefix = []
    if cgroup is not None:
        prefix = ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"',
                  str(cgroup)]
    return prefix + prlimit + bwrap_command(scratch) + worker, None


#: What the holder of a forked worker's sandbox runs: it says it is
#: ready, then only keeps the sandbox's namespaces alive.
HOLD = ["/bin/sh", "-c", "echo ready; exec sleep infinity"]


def holder_command(scratch: Path) -> list[str]:
    """A sandbox for a forked worker (autograder.grading.forkserver):
    the same sandbox as a cold start's, holding a sleeping process
    until the worker joins it."""
    return bwrap_command(scratch) + HOLD


def _remove_cgroup(group: Path) -> None:
    """Kill what is left in the cgroup and remove it."""
    for _ in range(50):
        pids = _read(group / "cgroup.procs").split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        try:
            group.rmdir()
            return
        except OSError:
            time.sleep(0.05)

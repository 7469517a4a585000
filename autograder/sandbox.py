"""Run one notebook in a bubblewrap sandbox with hard limits.

The sandbox sees a read-only system, this Python environment and the
``autograder`` package, a private /tmp and, writable, its own scratch copy
of the submission at /tmp/submission. It has no network (its own empty
network namespace), no view of the course folder (solutions/, the
gradebook, other students' folders) and, when the grader runs as root, a
pids cgroup of its own when the grader runs as root, so that the process
limit counts only its processes.

Limits: CPU time, address space, processes, file size and open files
(prlimit); wall time of the whole run, enforced from outside with SIGKILL
of the process group, which works even when the kernel ignores SIGINT;
per-cell timeout and streamed output cap (autograder.runner).
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
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


@dataclass
class RunResult:
    """What came back from one sandboxed run."""

    status: str            # "ok", "timeout", "crashed"
    notebook_json: str | None
    detail: str = ""
    seconds: float = 0.0


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def _ro_binds() -> list[str]:
    """Read-only views: the system, this Python, the autograder package."""
    args = []
    for path in ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32",
                 "/etc"):
        if os.path.lexists(path):
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            else:
                args += ["--ro-bind", path, path]
    for path in {sys.base_prefix, sys.prefix,
                 str(Path(sys.executable).resolve().parent.parent)}:
        if not path.startswith(("/usr", "/bin", "/lib")):
            args += ["--ro-bind", path, path]
    args += ["--ro-bind", str(PACKAGE_DIR), str(PACKAGE_DIR)]
    return args


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
    uid = os.getuid()
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                count += entry.stat().st_uid == uid
            except OSError:
                pass
    return count


def command(scratch: Path, notebook: str, limits: Limits,
            cgroup: Path | None = None, sandbox: bool = True) -> list[str]:
    """The argv that runs autograder.runner on scratch/notebook."""
    runner = [sys.executable, "-I", "-m", "autograder.runner",
              f"{INSIDE if sandbox else scratch}/{notebook}",
              f"{INSIDE if sandbox else scratch}/.executed.ipynb",
              "--cell-timeout", str(limits.cell_timeout),
              "--output-limit", str(limits.output_bytes)]
    if not sandbox:
        return runner
    cpu = int(limits.notebook_timeout) + 5
    # Without a cgroup the process limit is per user: leave room for the
    # processes the user already has.
    nproc = limits.processes if cgroup or os.geteuid() == 0 else \
        limits.processes + _user_processes()
    prlimit = ["prlimit", f"--as={limits.memory_bytes}", f"--cpu={cpu}",
               f"--nproc={nproc}", f"--fsize={limits.file_bytes}",
               f"--nofile={limits.open_files}", "--core=0", "--"]
    bwrap = [bwrap_path(), "--unshare-all", "--die-with-parent",
             "--new-session", "--clearenv"]
    for key, value in sandbox_env().items():
        bwrap += ["--setenv", key, value]
    bwrap += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
              *_ro_binds(), "--bind", str(scratch), INSIDE,
              "--chdir", INSIDE, "--"]
    prefix = []
    if cgroup is not None:
        prefix = ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"',
                  str(cgroup)]
    return prefix + prlimit + bwrap + runner


def run(scratch: Path, notebook: str, limits: Limits, slot: int = 0,
        sandbox: bool = True) -> RunResult:
    """Execute scratch/notebook; never raises for anything the notebook
    does."""
    cgroup = pids_cgroup(slot, limits.processes) if sandbox else None
    argv = command(scratch, notebook, limits, cgroup, sandbox)
    env = None if sandbox else {**os.environ, **sandbox_env(),
                                "HOME": str(scratch),
                                "TMPDIR": str(scratch)}
    log_path = scratch / ".runner.log"
    start = time.monotonic()
    try:
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(argv, stdout=log,
                                    stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, cwd=scratch,
                                    env=env, start_new_session=True)
            try:
                code = proc.wait(timeout=limits.notebook_timeout)
                status = {0: "ok", 4: "timeout"}.get(code, "crashed")
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                code, status = None, "timeout"
    finally:
        if cgroup is not None:
            _remove_cgroup(cgroup)
    seconds = time.monotonic() - start
    executed = scratch / ".executed.ipynb"
    text = None
    if executed.is_file() and executed.stat().st_size <= limits.file_bytes:
        text = executed.read_text(encoding="utf-8", errors="replace")
    detail = _tail(log_path)
    if status == "timeout" and code is None:
        detail = (f"the notebook ran longer than {limits.notebook_timeout:g}"
                  " s in total and was stopped")
    elif status == "timeout":
        detail = (f"a cell ran longer than {limits.cell_timeout:g} s and "
                  "was stopped")
    elif status == "crashed" and code == 3:
        detail = ("the kernel died (os._exit, a crash, or the memory "
                  "limit)")
    elif status == "crashed":
        detail = f"the sandbox exited with {code}: {detail[-500:]}"
    return RunResult(status, text, detail, seconds)


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


def _tail(path: Path, size: int = 2000) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(max(0, path.stat().st_size - size))
            return f.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""

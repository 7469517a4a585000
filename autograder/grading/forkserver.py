"""The fork server: sandboxed workers that start warm (run as a script).

    python -I forkserver.py FD PACKAGE_PARENT RUN_DIR [FONT_CACHE]

A cold worker spends most of its start importing NumPy and IPython. This
process imports them once (and makes the worker's IPython shell:
autograder.worker.shell), outside any sandbox and before any student
code exists, then forks a copy into each notebook's own sandbox: a fresh
bubblewrap sandbox that the grader starts per notebook and that holds
nothing but a sleeping process (autograder.grading.sandbox.holder_command).
The copy joins that sandbox's namespaces, drops every capability, takes
the notebook's limits and only then becomes the worker; a pipe tells this
process that it did. This process never runs student code and holds
nothing of one student that another's worker could inherit.

It imports only the standard library, NumPy, IPython, matplotlib's pyplot
(when FONT_CACHE, the sandboxes' font cache folder, is given) and
autograder.worker
(never the grader's checks or reference answers, and not
autograder.grading: a forked worker inherits every module of this
process). It serves one grader process on the socket FD (AF_UNIX,
SOCK_SEQPACKET) and exits when the grader closes it.

Request: JSON {"argv", "cwd", "rlimits": [[name, value]], "cgroup",
"namespaces": [names]} with the descriptors [stdin, stdout, log, *the
sandbox's namespaces in that order]. Reply: {"pid": N} with a pidfd of
the new worker's outer process, or {"error": text}.
"""
from __future__ import annotations

import ctypes
import json
import os
import resource
import select
import signal
import socket
import sys

#: How long a forked worker may take to confine itself (seconds).
CONFINE_TIMEOUT = 10.0
CLONE = {"user": 0x10000000, "cgroup": 0x02000000, "ipc": 0x08000000,
         "uts": 0x04000000, "net": 0x40000000, "pid": 0x20000000,
         "mnt": 0x00020000}
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 24, 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
LINUX_CAPABILITY_VERSION_3 = 0x20080522

libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


# -- in the forked worker ----------------------------------------------------

def join(namespaces: list[str], fds: list[int]) -> None:
    """Join the sandbox's namespaces (the user namespace first: it gives
    the rights to join the others; the mount namespace last: it changes
    what paths mean). One this process is in already is skipped."""
    for name, fd in zip(namespaces, fds):
        if os.fstat(fd).st_ino != os.stat(f"/proc/self/ns/{name}").st_ino:
            _check(libc.setns(fd, CLONE[name]), f"setns {name}")


def drop_capabilities() -> None:
    """No capability left, now or after an exec: bounding, ambient,
    permitted, effective and inheritable sets emptied, no new privileges."""
    last = int(open("/proc/sys/kernel/cap_last_cap").read())
    for cap in range(last + 1):
        _check(libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), "drop bounding")
    _check(libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0),
           "clear ambient")
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no new privileges")
    header = (ctypes.c_uint32 * 2)(LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()
    _check(libc.capset(header, data), "capset")


def verify_namespaces(namespaces: list[str], fds: list[int]) -> None:
    """Refuse to run outside the sandbox, as the kernel tells it."""
    for name, fd in zip(namespaces, fds):
        if os.stat(f"/proc/self/ns/{name}").st_ino != os.fstat(fd).st_ino:
            raise OSError(f"not in the sandbox's {name} namespace")


def verify_capabilities() -> None:
    """Refuse to run with a capability left, as the kernel tells it."""
    status = dict(line.split(":\t", 1) for line in
                  open("/proc/self/status").read().splitlines()
                  if ":\t" in line)
    for field in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        if int(status[field], 16) != 0:
            raise OSError(f"{field} is {status[field]}")
    if status["NoNewPrivs"].strip() != "1":
        raise OSError("NoNewPrivs is not set")


def become_worker(request: dict, fds: list[int], status: int,
                  run_dir: str) -> None:
    """In the sandbox, as the grandchild: confine, then run the worker
    exactly as a cold start would. What went wrong before the worker
    runs goes to ``status``."""
    try:
        confine(request, fds, status, run_dir)
    except BaseException as exc:  # noqa: BLE001 - tell the server
        os.write(status, f"{type(exc).__name__}: {exc}\n".encode()[:2000])
        os._exit(1)
    import runpy
    runpy.run_module("autograder.worker", run_name="__main__",
                     alter_sys=True)


def confine(request: dict, fds: list[int], status: int,
            run_dir: str) -> None:
    """Everything a cold start's bubblewrap and prlimit do to the worker,
    checked; then "ok" on ``status``, which is closed."""
    os.setsid()
    _check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0),
           "parent death signal")
    if os.getppid() != 0:       # the parent, outside the pid namespace, died
        os._exit(1)
    for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM,
                signal.SIGPIPE):
        signal.signal(sig, signal.SIG_DFL)
    stdin, stdout, log, *ns_fds = fds
    verify_namespaces(request["namespaces"], ns_fds)
    os.chdir(request["cwd"])
    os.environ["PWD"] = request["cwd"]        # as bubblewrap's --chdir
    for name, value in request["rlimits"]:
        kind = getattr(resource, f"RLIMIT_{name}")
        hard = resource.getrlimit(kind)[1]
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(kind, (value, value))
    for fd, target in ((stdin, 0), (stdout, 1), (log, 2)):
        os.dup2(fd, target)
    os.closerange(3, status)
    os.closerange(status + 1, 1 << 16)
    drop_capabilities()
    verify_capabilities()
    _reseed()
    _point_at(run_dir)
    sys.argv = ["-c", *request["argv"]]
    os.write(status, b"ok\n")
    os.close(status)


def _reseed() -> None:
    """Fresh random state: a fork copies this process's, which would
    otherwise be the same in every student's worker (the random module
    reseeds itself after a fork; NumPy's global generator does not)."""
    import random

    import numpy as np
    random.seed()
    np.random.seed()


def _point_at(run_dir: str) -> None:
    """The worker's modules as the sandbox shows them: imported from
    run_dir (their read-only copy there), nothing of the host's paths."""
    parent = sys.path[0]
    sys.path[0] = run_dir
    sys.meta_path[:] = [f for f in sys.meta_path
                        if "__editable__" not in type(f).__module__
                        and "__editable__" not in getattr(f, "__module__", "")]
    sys.path_importer_cache.clear()
    for name, module in list(sys.modules.items()):
        if name != "autograder" and not name.startswith("autograder."):
            continue
        for attr in ("__file__", "__cached__"):
            value = getattr(module, attr, None)
            if isinstance(value, str) and value.startswith(parent):
                setattr(module, attr, run_dir + value[len(parent):])
        if hasattr(module, "__path__"):
            module.__path__ = [run_dir + p[len(parent):]
                               if p.startswith(parent) else p
                               for p in module.__path__]
        spec = getattr(module, "__spec__", None)
        if spec is not None:
            spec.origin = getattr(module, "__file__", spec.origin)
            if spec.submodule_search_locations is not None:
                spec.submodule_search_locations = list(module.__path__)
            spec.cached = getattr(module, "__cached__", None)


def start_worker(request: dict, fds: list[int], status: int,
                 run_dir: str) -> None:
    """In the child: join the sandbox, fork the worker into its pid
    namespace, wait for it and exit with its status (does not return)."""
    code = 1
    try:
        _check(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0),
               "parent death signal")
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        if request.get("cgroup"):
            with open(os.path.join(request["cgroup"], "cgroup.procs"),
                      "w") as f:
                f.write(str(os.getpid()))
        join(request["namespaces"], fds[3:])
        pid = os.fork()
        if pid == 0:
            try:
                become_worker(request, fds, status, run_dir)
            finally:
                os._exit(1)
        for fd in (*fds, status):
            os.close(fd)
        _, wait_status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(wait_status)
        code = code if code >= 0 else 128 - code
    except BaseException as exc:  # noqa: BLE001 - tell the server
        try:
            os.write(status, f"{type(exc).__name__}: {exc}\n"
                     .encode()[:2000])
        except OSError:
            pass
    os._exit(code)


# -- the server --------------------------------------------------------------

def _reap(signum, frame) -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _confirmation(status: int) -> str:
    """"ok", or what went wrong, from the forked worker's status pipe."""
    text = b""
    deadline = CONFINE_TIMEOUT
    while b"\n" not in text:
        ready, _, _ = select.select([status], [], [], deadline)
        if not ready:
            return "the worker did not confine itself in time"
        chunk = os.read(status, 4096)
        if not chunk:
            return "the worker stopped before it was confined"
        text += chunk
    line = text.split(b"\n", 1)[0].decode("utf-8", "replace")
    return "ok" if line == "ok" else line


def spawn(request: dict, fds: list[int], run_dir: str, control: socket.socket):
    """Fork one worker; the reply and its pidfd go back on ``control``."""
    status_r, status_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        control.close()
        os.close(status_r)
        start_worker(request, fds, status_w, run_dir)
    os.close(status_w)
    pidfd = os.pidfd_open(pid)
    try:
        answer = _confirmation(status_r)
    finally:
        os.close(status_r)
    if answer == "ok":
        socket.send_fds(control, [json.dumps({"pid": pid}).encode()],
                        [pidfd])
    else:
        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        control.send(json.dumps({"error": answer}).encode())
    os.close(pidfd)


#: What a worker imports before and during its first cells: NumPy, the
#: IPython shell's pieces, what its first traceback formats with (every
#: notebook has one: the grader's last check cell fails on purpose).
PRELOAD = ("argparse", "random", "runpy", "bdb", "tempfile", "numpy",
           "numpy.random", "traitlets.config", "IPython.core.interactiveshell",
           "IPython.core.displayhook", "IPython.core.displaypub",
           "IPython.core.application", "IPython.core.completer",
           "IPython.core.completerlib", "IPython.core.crashhandler",
           "IPython.core.logger", "IPython.core.magics",
           "IPython.core.oinspect", "IPython.display", "IPython.utils.generics",
           "IPython.utils.wildcard", "stack_data", "pygments.console",
           "pygments.formatters.terminal256", "pygments.styles",
           "autograder.worker.tracebacks", "autograder.worker.wire",
           "autograder.worker.shell")


def preload() -> None:
    """Import PRELOAD (a module another version lacks is skipped: the
    worker imports what it needs itself)."""
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass


#: The warm-up's own exception, raised from code of this fake file.
WARM_UP_FILE = "<warm-up>"
WARM_UP_SOURCE = ("def warm_up():\n    raise ValueError('warm-up')\n\n"
                  "warm_up()\n")


def warm_up() -> None:
    """Format one traceback as the worker's shell does (Context mode, no
    colour): the first one pays for more than imports, chiefly
    inspect.getmodule's first walk over every module file (~8 ms of
    every notebook, which always has an error: the grader's last check
    cell). Best effort: another IPython may differ.

    Then forget what a worker started cold would not know: the fake
    file's lines, and where the grader's own modules and this script
    lie on the host (a forked worker sees its modules at RUN_DIR)."""
    import inspect
    import linecache

    try:
        from IPython.core.ultratb import AutoFormattedTB

        linecache.cache[WARM_UP_FILE] = (
            len(WARM_UP_SOURCE), None, WARM_UP_SOURCE.splitlines(True),
            WARM_UP_FILE)
        try:
            exec(compile(WARM_UP_SOURCE, WARM_UP_FILE, "exec"), {})
        except ValueError as exc:
            AutoFormattedTB(mode="Context", theme_name="nocolor") \
                .structured_traceback(type(exc), exc, exc.__traceback__)
    except Exception:  # noqa: BLE001 - only a warm-up
        pass
    linecache.clearcache()

    def host_only(name: str) -> bool:
        return name in ("__main__", "autograder") \
            or name.startswith("autograder.")

    for path, name in list(inspect.modulesbyfile.items()):
        if host_only(name):
            del inspect.modulesbyfile[path]
    for name in list(inspect._filesbymodname):
        if host_only(name):
            del inspect._filesbymodname[name]


def preload_pyplot(font_cache: str) -> None:
    """Import matplotlib's pyplot (~0.3 s of CPU of every notebook that
    plots), matplotlib reading its font cache from ``font_cache``, the
    folder each sandbox sees at its MPLCONFIGDIR; then let matplotlib
    find its folders where a worker started cold finds them, the
    sandbox's MPLCONFIGDIR (it remembers the first answer). Nothing
    when matplotlib cannot be imported."""
    inside = os.environ.get("MPLCONFIGDIR", "")
    os.environ["MPLCONFIGDIR"] = font_cache
    try:
        import matplotlib
        import matplotlib.pyplot  # noqa: F401
        import matplotlib.style
    except Exception:  # noqa: BLE001 - workers import it themselves
        return
    finally:
        os.environ["MPLCONFIGDIR"] = inside
    for name, what in (("get_configdir", "CONFIGDIR"),
                       ("get_cachedir", "CACHEDIR")):
        remembered = getattr(matplotlib, name)
        setattr(matplotlib, name, matplotlib._logged_cached(
            f"{what}=%s", remembered.__wrapped__))
    matplotlib.style.USER_LIBRARY_PATHS[:] = [
        os.path.join(inside, "stylelib")]


def prepare_shell() -> None:
    """Make the IPython shell every forked worker takes a copy of
    (autograder.worker.shell; ~7 ms of each worker's first cell). Best
    effort: a worker without one makes its own."""
    try:
        from autograder.worker import shell

        shell.prepare()
    except Exception:  # noqa: BLE001 - the worker makes one
        pass


def serve(fd: int, package_parent: str, run_dir: str,
          font_cache: str | None = None) -> None:
    sys.path.insert(0, package_parent)
    preload()
    if font_cache:
        preload_pyplot(font_cache)
    warm_up()
    prepare_shell()
    control = socket.socket(fileno=fd)
    signal.signal(signal.SIGCHLD, _reap)
    control.send(b'{"ready": true}')
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 65536, 64)
        except InterruptedError:
            continue
        if not message:
            return
        try:
            spawn(json.loads(message), list(fds), run_dir, control)
        except Exception as exc:  # noqa: BLE001 - the grader decides
            control.send(json.dumps({"error": f"fork server: {exc}"})
                         .encode())
        finally:
            for fd in fds:
                os.close(fd)


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2], sys.argv[3], *sys.argv[4:5])
